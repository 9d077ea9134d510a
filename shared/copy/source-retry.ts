// What the source readers share about failed reads: how a failure is named, which failures mean a
// short body, and how long to wait before the next attempt.
import { SHORT_BODY_CODE } from './guarded-fetch.ts';

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
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

export function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ? `${error.message} (${cause.code})` : error.message;
}

/** undici reports a body that ended short of Content-Length with this code; a reset looks different. */
export function isShortBody(error: unknown): boolean {
  const cause = (error as { cause?: { code?: string } } | undefined)?.cause;
  return cause?.code === 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH' || (error as { code?: string } | undefined)?.code === SHORT_BODY_CODE;
}

export class ShortBodyError extends Error {
  constructor(received: number, expected: number) {
    super(`body ended after ${received} of ${expected} bytes`);
    this.name = 'ShortBodyError';
  }
}

/** Doubles per attempt from `baseMs`, capped at 5 s, with jitter over its upper half. */
export function backoff(attempt: number, baseMs: number, signal: AbortSignal): Promise<void> {
  const delay = Math.min(5000, baseMs * 2 ** (attempt - 1));
  return sleep(delay / 2 + Math.random() * (delay / 2), signal);
}
