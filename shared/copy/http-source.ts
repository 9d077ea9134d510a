// Reads byte ranges of a remote file (a Tencent download link) into caller-owned buffers.
// Each read retries on its own, resuming with `Range: bytes=<first missing byte>-<end>` after a
// connection reset, a short body or a 5xx, and asks for a fresh link after a 403 (links expire
// in minutes). fetch's own retry cannot resume a half-read body, so the resumption lives here.
import { IntegrityError, SourceLinkGoneError, TransientError, type ErrorContext } from '../errors.ts';
import { DownloadRefusedError } from './download-policy.ts';
import { SHORT_BODY_CODE, type SourceFetch } from './guarded-fetch.ts';

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

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ? `${error.message} (${cause.code})` : error.message;
}

/** undici reports a body that ended short of Content-Length with this code; a reset looks different. */
function isShortBody(error: unknown): boolean {
  const cause = (error as { cause?: { code?: string } } | undefined)?.cause;
  return cause?.code === 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH' || (error as { code?: string } | undefined)?.code === SHORT_BODY_CODE;
}

class ShortBodyError extends Error {
  constructor(received: number, expected: number) {
    super(`body ended after ${received} of ${expected} bytes`);
    this.name = 'ShortBodyError';
  }
}

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
    const base = this.opts.retryBaseDelayMs ?? 200;
    const delay = Math.min(5000, base * 2 ** (attempt - 1));
    return sleep(delay / 2 + Math.random() * (delay / 2), signal);
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
  async readRange(start: number, end: number, totalBytes: number, into: Buffer, signal: AbortSignal): Promise<void> {
    let position = start;
    let lastReason = '';
    let lastWasShort = false;
    for (let attempt = 1; position < end; attempt += 1) {
      if (signal.aborted) throw signal.reason;
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
      const idleMs = this.opts.idleTimeoutMs ?? 30_000;
      const watchdog = setInterval(() => {
        if (Date.now() - lastProgress > idleMs) attemptAbort.abort(new Error(`no bytes for ${idleMs} ms`));
      }, Math.max(50, Math.min(1000, idleMs / 4)));
      const before = position;
      try {
        const res = await this.fetch(url, { headers: { range: `bytes=${position}-${end - 1}`, ...IDENTITY }, signal: attemptAbort.signal });
        lastProgress = Date.now();
        if (res.status === 206) {
          const match = CONTENT_RANGE.exec(res.headers.get('content-range') ?? '');
          if (!match || Number(match[1]) !== position || Number(match[2]) !== end - 1) {
            await res.body?.cancel().catch(() => undefined);
            throw this.error('integrity', `source answered range ${res.headers.get('content-range')} to bytes=${position}-${end - 1}`, {});
          }
          if (match[3] !== '*' && Number(match[3]) !== totalBytes) {
            await res.body?.cancel().catch(() => undefined);
            throw this.error('integrity', `source size ${match[3]} differs from the expected ${totalBytes}`, {
              sourceBytes: Number(match[3]),
              expectedBytes: totalBytes,
            });
          }
        } else if (res.status === 200) {
          if (position !== 0) {
            await res.body?.cancel().catch(() => undefined);
            throw new RangeUnsupportedError();
          }
          const length = res.headers.get('content-length');
          if (length !== null && Number(length) !== totalBytes) {
            await res.body?.cancel().catch(() => undefined);
            throw this.error('integrity', `source size ${length} differs from the expected ${totalBytes}`, {
              sourceBytes: Number(length),
              expectedBytes: totalBytes,
            });
          }
        } else {
          await res.body?.cancel().catch(() => undefined);
          if (res.status === 404 || res.status === 410) throw this.error('gone', `source answered ${res.status}`, { status: res.status });
          if (res.status === 416) throw this.error('integrity', `source cannot serve bytes=${position}-${end - 1} of ${totalBytes}`, {});
          if (res.status === 403) this.refreshAfterExpiry(url);
          lastReason = `HTTP ${res.status}`;
          lastWasShort = false;
          continue;
        }
        if (!res.body) throw new ShortBodyError(0, end - position);
        // A 200 (Range ignored, position 0) carries the whole file: keep what we need, drop the rest.
        const reader = res.body.getReader();
        try {
          while (position < end) {
            const { done, value } = await reader.read();
            if (done) break;
            lastProgress = Date.now();
            const room = end - position;
            if (value.length > room && res.status === 206) {
              throw this.error('integrity', `source sent more bytes than the requested range`, { start, end });
            }
            const take = Math.min(room, value.length);
            into.set(take === value.length ? value : value.subarray(0, take), position - start);
            position += take;
          }
        } finally {
          if (position < end || res.status === 200) await reader.cancel().catch(() => undefined);
          reader.releaseLock();
        }
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

/**
 * Front-to-back reader for sources that ignore Range. Reads must ask for increasing offsets;
 * bytes in between (parts already uploaded) are skipped. After a failure it reopens from byte 0
 * and discards up to where it was: slower, but the only correct option without Range.
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
