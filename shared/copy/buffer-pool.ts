// The part buffers of one copy: memory is the pool's size × the part size, whatever the file size.

/** A fixed set of part buffers, allocated on first use and handed out again as uploads finish. */
export class BufferPool {
  private readonly free: Buffer[] = [];
  private readonly waiting: Array<(buffer: Buffer) => void> = [];
  private allocated = 0;
  private readonly size: number;
  private readonly bufferBytes: number;

  constructor(size: number, bufferBytes: number) {
    this.size = size;
    this.bufferBytes = bufferBytes;
  }

  /** A buffer now, or undefined while every one is in use (release hands freed ones to waiters first). */
  tryAcquire(): Buffer | undefined {
    const buffer = this.free.pop();
    if (buffer) return buffer;
    if (this.allocated < this.size) {
      this.allocated += 1;
      return Buffer.allocUnsafeSlow(this.bufferBytes);
    }
    return undefined;
  }

  acquire(): Promise<Buffer> {
    const buffer = this.tryAcquire();
    if (buffer) return Promise.resolve(buffer);
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  release(buffer: Buffer): void {
    const next = this.waiting.shift();
    if (next) next(buffer);
    else this.free.push(buffer);
  }
}
