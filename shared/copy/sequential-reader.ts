// The reader for sources that ignore Range: one front-to-back GET, re-read from byte 0 after a
// failure, since without Range there is no other way to reach the bytes after it.
import { IntegrityError, SourceLinkGoneError, TransientError } from '../errors.ts';
import { DownloadRefusedError } from './download-policy.ts';
import type { HttpSource } from './http-source.ts';
import { describe, ShortBodyError } from './source-retry.ts';

/**
 * Reads must ask for increasing offsets; bytes in between (parts already uploaded) are skipped.
 * After a failure it reopens from byte 0 and discards up to where it was: slower, but the only
 * correct option without Range.
 */
export class SequentialReader {
  private readonly source: HttpSource;
  private readonly totalBytes: number;
  private readonly signal: AbortSignal;
  private reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  private position = 0;
  private leftover: Uint8Array | undefined;
  private failures = 0;

  constructor(source: HttpSource, totalBytes: number, signal: AbortSignal) {
    this.source = source;
    this.totalBytes = totalBytes;
    this.signal = signal;
  }

  async read(start: number, end: number, into: Buffer): Promise<void> {
    if (start < this.position) throw new Error('SequentialReader reads must move forward');
    let filled = 0;
    while (start + filled < end) {
      try {
        if (!this.reader) {
          this.reader = await this.source.openFull(this.signal, this.totalBytes);
          this.position = 0;
          this.leftover = undefined;
        }
        let chunk = this.leftover;
        this.leftover = undefined;
        if (!chunk) {
          const { done, value } = await this.reader.read();
          if (done) throw new ShortBodyError(this.position, this.totalBytes);
          chunk = value;
        }
        const chunkStart = this.position;
        const chunkEnd = chunkStart + chunk.length;
        const want = start + filled;
        if (chunkEnd <= want) {
          this.position = chunkEnd;
          continue;
        }
        const from = want - chunkStart;
        const to = Math.min(chunk.length, end - chunkStart);
        into.set(chunk.subarray(from, to), filled);
        filled += to - from;
        this.position = chunkStart + to;
        if (to < chunk.length) this.leftover = chunk.subarray(to);
      } catch (error) {
        if (this.signal.aborted) throw this.signal.reason;
        if (error instanceof IntegrityError || error instanceof SourceLinkGoneError || error instanceof TransientError || error instanceof DownloadRefusedError) throw error;
        await this.reader?.cancel().catch(() => undefined);
        this.reader = undefined;
        this.failures += 1;
        if (this.failures > 5) {
          throw new TransientError(`sequential source read failed: ${describe(error)}`, { nextByte: start + filled }, { cause: error });
        }
        // Bytes already placed in `into` stay valid; the reopened stream skips past them.
      }
    }
  }

  async close(): Promise<void> {
    await this.reader?.cancel().catch(() => undefined);
    this.reader = undefined;
  }
}
