// Client-side call budget: Tencent allows 300 calls/min per app and 10/min on corp/records, and
// answers excess with 190310/190313 and a ≥ 60 s penalty. Staying under the limit is far cheaper
// than backing off after it. Hand-written because a sliding-window log of N grants is ~30 lines,
// and the tests need an injectable clock, which the usual npm limiters do not offer.

export interface RateLimiter {
  /** Resolves when one more call may start now; calls are granted in FIFO order. */
  acquire(): Promise<void>;
}

export interface SlidingWindowOptions {
  readonly limit: number;
  readonly windowMs: number;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** At most `limit` grants in any `windowMs`-long interval (a strict sliding window, not a fixed one). */
export class SlidingWindowRateLimiter implements RateLimiter {
  readonly limit: number;
  readonly windowMs: number;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly grants: number[] = [];
  private tail: Promise<void> = Promise.resolve();

  constructor(options: SlidingWindowOptions) {
    if (!Number.isInteger(options.limit) || options.limit < 1) throw new RangeError('limit must be a positive integer');
    if (!(options.windowMs > 0)) throw new RangeError('windowMs must be positive');
    this.limit = options.limit;
    this.windowMs = options.windowMs;
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? realSleep;
  }

  acquire(): Promise<void> {
    const turn = this.tail.then(() => this.waitForSlot());
    this.tail = turn.catch(() => undefined);
    return turn;
  }

  /** Grant times still inside the window (for tests and metrics). */
  recentGrants(): readonly number[] {
    this.expire(this.now());
    return [...this.grants];
  }

  private expire(now: number): void {
    while (this.grants.length > 0 && this.grants[0]! <= now - this.windowMs) this.grants.shift();
  }

  private async waitForSlot(): Promise<void> {
    for (;;) {
      const now = this.now();
      this.expire(now);
      if (this.grants.length < this.limit) {
        this.grants.push(now);
        return;
      }
      await this.sleep(this.grants[0]! + this.windowMs - now);
    }
  }
}

export const UNLIMITED: RateLimiter = { acquire: () => Promise.resolve() };
