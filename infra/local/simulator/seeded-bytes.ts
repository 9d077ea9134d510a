// Deterministic file contents of any size without holding them in memory: the simulator serves
// them, tests and benchmarks regenerate them to check an archived copy byte for byte.
//
// Layout: 64 KiB blocks. Each block is a seed-derived pseudo-random pattern whose first 8 bytes
// are replaced by the block number (mixed with the seed), so a copy that drops, repeats or
// reorders any block or part is detected, while generation stays at memory-copy speed.
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';

const SEEDED_BLOCK_SIZE = 64 * 1024;

const patternCache = new Map<string, Buffer>();

function pattern(seed: string): Buffer {
  let cached = patternCache.get(seed);
  if (!cached) {
    cached = Buffer.alloc(SEEDED_BLOCK_SIZE);
    for (let offset = 0, counter = 0; offset < SEEDED_BLOCK_SIZE; counter += 1) {
      const digest = createHash('sha256').update(`${seed}:${counter}`).digest();
      offset += digest.copy(cached, offset);
    }
    if (patternCache.size > 64) patternCache.clear();
    patternCache.set(seed, cached);
  }
  return cached;
}

function blockHeader(seed: string, block: number): Buffer {
  const header = Buffer.alloc(8);
  header.writeBigUInt64BE(BigInt(block));
  const p = pattern(seed);
  for (let i = 0; i < 8; i += 1) header[i]! ^= p[i]!;
  return header;
}

/** Bytes [start, start + length) of the seeded file. */
export function seededChunk(seed: string, start: number, length: number): Buffer {
  const out = Buffer.allocUnsafe(length);
  const p = pattern(seed);
  let written = 0;
  while (written < length) {
    const position = start + written;
    const block = Math.floor(position / SEEDED_BLOCK_SIZE);
    const within = position % SEEDED_BLOCK_SIZE;
    const take = Math.min(SEEDED_BLOCK_SIZE - within, length - written);
    p.copy(out, written, within, within + take);
    if (within < 8) {
      const header = blockHeader(seed, block);
      header.copy(out, written, within, Math.min(8, within + take));
    }
    written += take;
  }
  return out;
}

/**
 * Chunks of one seeded file for a server writing it to sockets, without copying its bytes: every
 * buffer holds the seed's pattern tiled once, so a chunk costs only its blocks' 8-byte headers
 * (`seededChunk` copies every byte, then the buffer is garbage: at loopback speed that copy, its
 * allocation and the GC behind it were most of a download's CPU). A chunk is lent until `release`,
 * which the writer calls once the socket has taken its bytes (a write's callback without error);
 * a chunk never released is simply collected.
 */
export class SeededChunks {
  private readonly free: ArrayBuffer[] = [];
  private readonly seed: string;
  private readonly chunkSize: number;
  private readonly bufferSize: number;
  private readonly headHigh: number;
  private readonly headLow: number;

  constructor(seed: string, chunkSize: number) {
    this.seed = seed;
    this.chunkSize = chunkSize;
    // Room for a chunk starting anywhere in a block, and for the header of the block it ends in.
    this.bufferSize = Math.ceil(chunkSize / SEEDED_BLOCK_SIZE) * SEEDED_BLOCK_SIZE + SEEDED_BLOCK_SIZE;
    const p = pattern(seed);
    this.headHigh = p.readUInt32BE(0);
    this.headLow = p.readUInt32BE(4);
  }

  /** Bytes [position, position + length) of the file, length ≤ chunkSize; valid until released. */
  take(position: number, length: number): Buffer {
    if (length > this.chunkSize) throw new RangeError(`chunk of ${length} bytes exceeds ${this.chunkSize}`);
    const buffer = Buffer.from(this.free.pop() ?? this.tiled());
    const within = position % SEEDED_BLOCK_SIZE;
    const firstBlock = Math.floor(position / SEEDED_BLOCK_SIZE);
    const lastOffset = within + length - 1;
    for (let offset = 0; offset <= lastOffset; offset += SEEDED_BLOCK_SIZE) {
      // blockHeader's value (block number, big-endian, XOR the pattern's first 8 bytes) in two words.
      const block = firstBlock + offset / SEEDED_BLOCK_SIZE;
      buffer.writeUInt32BE((Math.floor(block / 2 ** 32) ^ this.headHigh) >>> 0, offset);
      buffer.writeUInt32BE(((block % 2 ** 32) ^ this.headLow) >>> 0, offset + 4);
    }
    return buffer.subarray(within, within + length);
  }

  release(chunk: Buffer): void {
    if (this.free.length < MAX_FREE_CHUNKS && chunk.buffer.byteLength === this.bufferSize) this.free.push(chunk.buffer as ArrayBuffer);
  }

  private tiled(): ArrayBuffer {
    const buffer = Buffer.allocUnsafeSlow(this.bufferSize);
    const p = pattern(this.seed);
    for (let offset = 0; offset < this.bufferSize; offset += SEEDED_BLOCK_SIZE) p.copy(buffer, offset);
    return buffer.buffer as ArrayBuffer;
  }
}

/** Buffers kept for reuse per file and chunk size: enough for every connection's writes in flight. */
const MAX_FREE_CHUNKS = 16;
const chunkPools = new Map<string, SeededChunks>();

/** The shared `SeededChunks` of a seed and chunk size (a bounded cache, like the patterns'). */
export function seededChunks(seed: string, chunkSize: number): SeededChunks {
  const id = `${chunkSize}:${seed}`;
  let pool = chunkPools.get(id);
  if (!pool) {
    if (chunkPools.size >= 16) chunkPools.clear();
    pool = new SeededChunks(seed, chunkSize);
    chunkPools.set(id, pool);
  }
  return pool;
}

/** A stream of bytes [start, endExclusive) of the seeded file, in chunks of `chunkSize`. */
export function seededStream(seed: string, start: number, endExclusive: number, chunkSize = 256 * 1024): Readable {
  let position = start;
  return new Readable({
    highWaterMark: chunkSize,
    read() {
      if (position >= endExclusive) {
        this.push(null);
        return;
      }
      const length = Math.min(chunkSize, endExclusive - position);
      const chunk = seededChunk(seed, position, length);
      position += length;
      this.push(chunk);
    },
  });
}

/** SHA-256 (hex) of the whole seeded file, computed by streaming. */
export async function seededSha256(seed: string, size: number): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of seededStream(seed, 0, size, 1024 * 1024)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
