// Reads byte ranges of a remote file (a Tencent download link): streamed to a consumer over one
// long ranged GET (the copy engine's connections, cut into parts as bytes arrive), or into a
// caller-owned buffer. Each read retries on its own, resuming with `Range: bytes=<first missing
// byte>-<end>` after a connection reset, a short body or a 5xx, and asks for a fresh link after a
// 403 (links expire in minutes). fetch's own retry cannot resume a half-read body, so the
// resumption lives here. Sources without Range are read by sequential-reader.ts.
import { IntegrityError, SourceLinkGoneError, TransientError, type ErrorContext } from '../errors.ts';
import { DownloadRefusedError } from './download-policy.ts';
import type { SourceFetch } from './guarded-fetch.ts';
import { directBodyOf } from './link-get.ts';
import { SequentialReader } from './sequential-reader.ts';
import { backoff, describe, isShortBody, ShortBodyError } from './source-retry.ts';

export interface HttpSourceOptions {
  /** Asks Tencent for a fresh link. Called lazily at first use and after every 403. */
  readonly resolveUrl: () => Promise<string>;
  /**
   * How a link is fetched. The archive passes createGuardedFetch (download-policy.ts: https,
   * public addresses, allowlist, checked redirects); plain fetch (the default) checks nothing and
   * is for the engine's own tests and benches.
   */
  readonly fetch?: SourceFetch;
  /** Attempts per read (each reset, short body, 5xx or 403 costs one). Default 6. */
  readonly maxAttempts?: number;
  /** First backoff delay; doubles per attempt with jitter, capped at 5 s. Default 200 ms. */
  readonly retryBaseDelayMs?: number;
  /** Abort a read that received nothing for this long. Default 30 s. */
  readonly idleTimeoutMs?: number;
  readonly context?: ErrorContext;
  readonly onRetry?: (info: { start: number; attempt: number; reason: string }) => void;
}

/** The source answered 200 to a Range request that did not start at 0. */
export class RangeUnsupportedError extends Error {
  constructor() {
    super('source ignores Range requests');
    this.name = 'RangeUnsupportedError';
  }
}

/** Receives bytes [position, position + chunk.length) in order; false ends the read early. */
export type RangeConsumer = (chunk: Uint8Array, position: number) => boolean | Promise<boolean>;

/** What a probe learnt about the source. */
export interface SourceInfo {
  readonly totalBytes: number;
  readonly rangeSupported: boolean;
}

const CONTENT_RANGE = /^bytes (\d+)-(\d+)\/(\d+|\*)$/;

/**
 * fetch offers gzip/deflate by default (only a request with a Range header gets identity from fetch
 * itself) and decompresses transparently: a CDN that compresses a transcript would then declare
 * the compressed size and deliver other bytes. Byte-exact copies need the bytes as stored.
 */
const IDENTITY = { 'accept-encoding': 'identity' } as const;

export class HttpSource {
  private readonly opts: HttpSourceOptions;
  private current: Promise<string> | undefined;
  private currentUrl: string | undefined;
  /** Resolved links so far (the first plus every refresh after a 403). */
  resolveCount = 0;

  constructor(options: HttpSourceOptions) {
    this.opts = options;
  }

  /** Every GET goes through here; a refused link carries this source's ids. */
  private fetch(url: string, init: { headers: Record<string, string>; signal: AbortSignal }): Promise<Response> {
    if (!this.opts.fetch) return fetch(url, init);
    return this.opts.fetch(url, { ...init, ...(this.opts.context ? { context: this.opts.context } : {}) });
  }

  private get maxAttempts(): number {
    return this.opts.maxAttempts ?? 6;
  }

  private async url(): Promise<string> {
    if (!this.current) this.current = this.resolve();
    return this.current;
  }

  private resolve(): Promise<string> {
    this.resolveCount += 1;
    const pending = this.opts.resolveUrl().then((url) => {
      this.currentUrl = url;
      return url;
    });
    // A failed resolve must not poison later attempts.
    pending.catch(() => {
      if (this.current === pending) this.current = undefined;
    });
    return pending;
  }

  /** Parallel readers that all hit the same expired link share one refresh. */
  private refreshAfterExpiry(staleUrl: string): void {
    if (this.currentUrl === staleUrl || this.current === undefined) this.current = this.resolve();
  }

  private backoff(attempt: number, signal: AbortSignal): Promise<void> {
    return backoff(attempt, this.opts.retryBaseDelayMs ?? 200, signal);
  }

  private error(kind: 'transient' | 'integrity' | 'gone', message: string, extra: ErrorContext, cause?: unknown) {
    const context = { ...this.opts.context, ...extra };
    const options = cause === undefined ? undefined : { cause };
    if (kind === 'integrity') return new IntegrityError(message, context, options);
    if (kind === 'gone') return new SourceLinkGoneError(message, context, options);
    return new TransientError(message, context, options);
  }

  /**
   * One whole request per attempt until `answer` accepts a response: 404/410 end the attempt (the
   * caller asks Tencent whether the file is gone), 403 fetches a fresh link (no backoff: the new link works at once), anything else that
   * `answer` does not accept, and network errors, are retried with backoff.
   */
  private async request<T>(what: string, signal: AbortSignal, send: (url: string) => Promise<Response>, answer: (res: Response) => Promise<T | undefined>): Promise<T> {
    for (let attempt = 1; ; attempt += 1) {
      const url = await this.url();
      let reason: string;
      try {
        const res = await send(url);
        const accepted = await answer(res);
        if (accepted !== undefined) return accepted;
        await res.body?.cancel().catch(() => undefined);
        if (res.status === 404 || res.status === 410) throw this.error('gone', `source answered ${res.status}`, { status: res.status });
        if (res.status === 403) this.refreshAfterExpiry(url);
        reason = `HTTP ${res.status}`;
      } catch (error) {
        if (signal.aborted) throw signal.reason;
        if (error instanceof IntegrityError || error instanceof SourceLinkGoneError || error instanceof DownloadRefusedError) throw error;
        reason = describe(error);
      }
      if (attempt >= this.maxAttempts) throw this.error('transient', `${what} failed: ${reason}`, { attempts: attempt });
      this.opts.onRetry?.({ start: 0, attempt, reason });
      if (!reason.startsWith('HTTP 403')) await this.backoff(attempt, signal);
    }
  }

  /** Learns the size with a one-byte ranged GET (a presigned GET link may refuse HEAD). */
  probe(signal: AbortSignal): Promise<SourceInfo> {
    return this.request(
      'source probe',
      signal,
      (url) => this.fetch(url, { headers: { range: 'bytes=0-0', ...IDENTITY }, signal: AbortSignal.any([signal, AbortSignal.timeout(this.opts.idleTimeoutMs ?? 30_000)]) }),
      async (res) => {
        if (res.status === 206) {
          await res.body?.cancel().catch(() => undefined);
          const match = CONTENT_RANGE.exec(res.headers.get('content-range') ?? '');
          if (match && match[3] !== '*') return { totalBytes: Number(match[3]), rangeSupported: true };
          throw this.error('integrity', 'source sent 206 without a usable Content-Range', {});
        }
        if (res.status === 200) {
          await res.body?.cancel().catch(() => undefined);
          const length = res.headers.get('content-length');
          if (length === null) throw this.error('integrity', 'source declares no length', {});
          return { totalBytes: Number(length), rangeSupported: false };
        }
        if (res.status === 416) {
          await res.body?.cancel().catch(() => undefined);
          return { totalBytes: 0, rangeSupported: true };
        }
        return undefined;
      },
    );
  }

  /**
   * Fills `into[0 .. end-start)` with bytes [start, end) of a file of `totalBytes`, verifying the
   * status, Content-Range and byte count of every response.
   */
  readRange(start: number, end: number, totalBytes: number, into: Buffer, signal: AbortSignal): Promise<void> {
    return this.streamRange(start, end, totalBytes, signal, (chunk, position) => {
      into.set(chunk, position - start);
      return true;
    });
  }

  /**
   * Streams bytes [start, end) of a file of `totalBytes` to `consume` in order, over as few
   * requests as the source allows: one ranged GET for the whole range, resumed from the first
   * missing byte after a reset, a short body, a 5xx or an expired link. `consume` may wait (the
   * response then waits with it, by TCP backpressure, and that wait never counts as an idle
   * source) and answers false to end the read early. Attempts are counted per `attemptWindowBytes`
   * of the range (default: all of it), so a long read gets as many retries per part as a short one.
   */
  async streamRange(start: number, end: number, totalBytes: number, signal: AbortSignal, consume: RangeConsumer, attemptWindowBytes = end - start): Promise<void> {
    let position = start;
    let lastReason = '';
    let lastWasShort = false;
    let window = 0;
    const windowOf = (at: number) => Math.floor((at - start) / Math.max(1, attemptWindowBytes));
    for (let attempt = 1; position < end; attempt += 1) {
      if (signal.aborted) throw signal.reason;
      if (windowOf(position) !== window) {
        // Progress into a new window: its retries are its own.
        window = windowOf(position);
        attempt = 1;
      }
      if (attempt > this.maxAttempts) {
        const context = { start, end, nextByte: position, attempts: attempt - 1 };
        // A source that keeps ending bodies short of what it declared is serving a damaged file.
        if (lastWasShort) throw this.error('integrity', `source keeps delivering fewer bytes than declared: ${lastReason}`, context);
        throw this.error('transient', `source read failed: ${lastReason}`, context);
      }
      if (attempt > 1) {
        this.opts.onRetry?.({ start: position, attempt, reason: lastReason });
        // An expired link needs a new URL, not a pause.
        if (!lastReason.startsWith('HTTP 403')) await this.backoff(attempt - 1, signal);
      }
      const url = await this.url();
      const attemptAbort = new AbortController();
      const onAbort = () => attemptAbort.abort(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      let lastProgress = Date.now();
      let consuming = false;
      const idleMs = this.opts.idleTimeoutMs ?? 30_000;
      const watchdog = setInterval(() => {
        if (!consuming && Date.now() - lastProgress > idleMs) attemptAbort.abort(new Error(`no bytes for ${idleMs} ms`));
      }, Math.max(50, Math.min(1000, idleMs / 4)));
      const before = position;
      try {
        const res = await this.fetch(url, { headers: { range: `bytes=${position}-${end - 1}`, ...IDENTITY }, signal: attemptAbort.signal });
        lastProgress = Date.now();
        const verdict = await this.checkRangeAnswer(res, url, position, end, totalBytes);
        if (verdict !== 'body') {
          lastReason = verdict;
          lastWasShort = false;
          continue;
        }
        if (!res.body) throw new ShortBodyError(0, end - position);
        // A 200 (Range ignored, position 0) carries the whole file: keep what we need, drop the rest.
        let stopped = false;
        const take = (value: Uint8Array): boolean | Promise<boolean> => {
          lastProgress = Date.now();
          const room = end - position;
          if (value.length > room && res.status === 206) {
            throw this.error('integrity', `source sent more bytes than the requested range`, { start, end });
          }
          const length = Math.min(room, value.length);
          const advance = (more: boolean) => {
            consuming = false;
            lastProgress = Date.now();
            position += length;
            if (more === false) stopped = true;
            return !stopped && position < end;
          };
          consuming = true;
          const answer = consume(length === value.length ? value : value.subarray(0, length), position);
          return typeof answer === 'boolean' ? advance(answer) : answer.then(advance);
        };
        // The guarded fetch's own reader hands over views of its read buffer, no copy per chunk.
        const direct = directBodyOf(res);
        if (direct) {
          try {
            await direct.consume(take);
          } finally {
            direct.cancel();
          }
        } else {
          const reader = res.body.getReader();
          try {
            while (position < end && !stopped) {
              const { done, value } = await reader.read();
              if (done) break;
              const more = take(value);
              if (typeof more !== 'boolean') await more;
            }
          } finally {
            if (position < end || res.status === 200) await reader.cancel().catch(() => undefined);
            reader.releaseLock();
          }
        }
        if (stopped) return;
        if (position < end) throw new ShortBodyError(position - before, end - before);
      } catch (error) {
        if (signal.aborted) throw signal.reason;
        if (error instanceof IntegrityError || error instanceof SourceLinkGoneError || error instanceof RangeUnsupportedError || error instanceof DownloadRefusedError) throw error;
        lastWasShort = error instanceof ShortBodyError || isShortBody(error);
        lastReason = describe(error);
      } finally {
        clearInterval(watchdog);
        signal.removeEventListener('abort', onAbort);
      }
    }
  }

  /**
   * Whether an answer to `Range: bytes=<position>-<end-1>` carries exactly those bytes of a file of
   * `totalBytes` ('body'), is worth another attempt (the reason), or is final (thrown).
   */
  private async checkRangeAnswer(res: Response, url: string, position: number, end: number, totalBytes: number): Promise<'body' | string> {
    const refuse = async (error: Error) => {
      await res.body?.cancel().catch(() => undefined);
      throw error;
    };
    if (res.status === 206) {
      const match = CONTENT_RANGE.exec(res.headers.get('content-range') ?? '');
      if (!match || Number(match[1]) !== position || Number(match[2]) !== end - 1) {
        return refuse(this.error('integrity', `source answered range ${res.headers.get('content-range')} to bytes=${position}-${end - 1}`, {}));
      }
      if (match[3] !== '*' && Number(match[3]) !== totalBytes) {
        return refuse(this.error('integrity', `source size ${match[3]} differs from the expected ${totalBytes}`, { sourceBytes: Number(match[3]), expectedBytes: totalBytes }));
      }
      return 'body';
    }
    if (res.status === 200) {
      if (position !== 0) return refuse(new RangeUnsupportedError());
      const length = res.headers.get('content-length');
      if (length !== null && Number(length) !== totalBytes) {
        return refuse(this.error('integrity', `source size ${length} differs from the expected ${totalBytes}`, { sourceBytes: Number(length), expectedBytes: totalBytes }));
      }
      return 'body';
    }
    await res.body?.cancel().catch(() => undefined);
    if (res.status === 404 || res.status === 410) throw this.error('gone', `source answered ${res.status}`, { status: res.status });
    if (res.status === 416) throw this.error('integrity', `source cannot serve bytes=${position}-${end - 1} of ${totalBytes}`, {});
    if (res.status === 403) this.refreshAfterExpiry(url);
    return `HTTP ${res.status}`;
  }

  /** For sources without Range: reads the file front to back, re-reading from 0 after a failure. */
  sequential(totalBytes: number, signal: AbortSignal): SequentialReader {
    return new SequentialReader(this, totalBytes, signal);
  }

  /** Opens a full GET (no Range); used by SequentialReader. */
  openFull(signal: AbortSignal, totalBytes: number): Promise<ReadableStreamDefaultReader<Uint8Array>> {
    return this.request(
      'source read',
      signal,
      // No overall timeout here: the signal also governs the body, which streams the whole file.
      (url) => this.fetch(url, { headers: IDENTITY, signal }),
      async (res) => {
        if (!res.ok || !res.body) return undefined;
        const length = res.headers.get('content-length');
        if (res.status === 200 && length !== null && Number(length) !== totalBytes) {
          await res.body.cancel().catch(() => undefined);
          throw this.error('integrity', `source size ${length} differs from the expected ${totalBytes}`, {
            sourceBytes: Number(length),
            expectedBytes: totalBytes,
          });
        }
        return res.body.getReader();
      },
    );
  }
}
