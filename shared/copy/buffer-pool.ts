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

  acquire(): Promise<Buffer> {
    const buffer = this.free.pop();
    if (buffer) return Promise.resolve(buffer);
    if (this.allocated < this.size) {
      this.allocated += 1;
      return Promise.resolve(Buffer.allocUnsafeSlow(this.bufferBytes));
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  release(buffer: Buffer): void {
    const next = this.waiting.shift();
    if (next) next(buffer);
    else this.free.push(buffer);
  }
}
