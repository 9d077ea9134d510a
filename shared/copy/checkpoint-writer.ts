// How a multipart copy records its progress while parts upload (see CopyArtifactOptions'
// checkpointIntervalMs for why writes are spaced).

export interface CheckpointWriterOptions {
  /** Least time between two writes while parts keep finishing. */
  readonly intervalMs: number;
  /** Writes the latest state (taken when the write starts, not when it was requested). */
  readonly save: () => Promise<void>;
}

/**
 * A coalescing writer: parts finish faster than DynamoDB round trips, so writes merge, and while
 * parts keep coming a write waits for `checkpointIntervalMs` since the previous one. `idle()`
 * (the copy stops, pauses or completes) writes the latest state at once.
 */
export class CheckpointWriter {
  private readonly intervalMs: number;
  private readonly save: () => Promise<void>;
  private pending: Promise<void> | undefined;
  private dirty = false;
  private lastSaveAt = 0;
  private flushing = false;
  private wake: (() => void) | undefined;
  error: unknown;

  constructor(options: CheckpointWriterOptions) {
    this.intervalMs = options.intervalMs;
    this.save = options.save;
    // The upload itself was just recorded: the interval runs from there.
    this.lastSaveAt = Date.now();
  }

  request(onError: (error: unknown) => void): void {
    this.dirty = true;
    if (this.pending) return;
    this.pending = (async () => {
      while (this.dirty && this.error === undefined) {
        const wait = this.lastSaveAt + this.intervalMs - Date.now();
        if (wait > 0 && !this.flushing) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, wait);
            this.wake = () => {
              clearTimeout(timer);
              resolve();
            };
          });
          this.wake = undefined;
        }
        this.dirty = false;
        try {
          await this.save();
          this.lastSaveAt = Date.now();
        } catch (error) {
          this.error = error;
          onError(error);
        }
      }
      this.pending = undefined;
    })();
  }

  async idle(): Promise<void> {
    this.flushing = true;
    this.wake?.();
    try {
      while (this.pending) await this.pending;
    } finally {
      this.flushing = false;
    }
  }
}
