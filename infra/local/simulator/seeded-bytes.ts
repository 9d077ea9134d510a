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
