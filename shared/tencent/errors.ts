// Tencent Meeting API failures as typed errors: the ingest worker decides from `retryable` whether
// to hand the message back to SQS, and from TencentGoneError whether the source no longer exists.
import { ArchiveError, type ErrorContext } from '../errors.ts';

/**
 * How Tencent says "too many requests" (DOC-105276, open point #15): a per-`minute` limit (190310
 * per app, 190313 per account-level API such as corp/records) passes within the minute, so callers
 * wait it out; the `daily` quota (190311, 200 000 calls a day) does not come back within a
 * request's or a sweep's lifetime, so it is handed to the queue instead. An HTTP 429 without one of
 * these codes (no source shows Tencent sending one, but a proxy in front of it may) counts as a
 * per-minute limit. The one classifier of rate limits: the client's retries, the typed error, the
 * operator-form negotiation and the sweep all ask it.
 */
export type RateLimit = 'minute' | 'daily';

const RATE_LIMITS: ReadonlyMap<number, RateLimit> = new Map([
  [190310, 'minute'],
  [190313, 'minute'],
  [190311, 'daily'],
]);

/** The rate limit a Tencent error_code (a number, or a numeric string) or an HTTP status stands for, if any. */
export function rateLimitOf(errorCode: unknown, httpStatus?: number): RateLimit | undefined {
  return RATE_LIMITS.get(Number(errorCode)) ?? (httpStatus === 429 ? 'minute' : undefined);
}

/**
 * A per-minute limit, whatever wraps it: the code on the error, its context or its causes
 * (camelCase `errorCode`, Tencent's `error_code`, or `code`).
 */
export function isMinuteRateLimited(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && typeof e === 'object' && depth < 4; e = (e as { cause?: unknown }).cause, depth += 1) {
    const candidate = e as { errorCode?: unknown; code?: unknown; error_code?: unknown; httpStatus?: number; context?: { errorCode?: unknown; error_code?: unknown } };
    if (rateLimitOf(undefined, candidate.httpStatus) === 'minute') return true;
    for (const value of [candidate.errorCode, candidate.error_code, candidate.code, candidate.context?.errorCode, candidate.context?.error_code]) {
      if (rateLimitOf(value) === 'minute') return true;
    }
  }
  return false;
}

/**
 * Codes that never succeed on retry: parameter (190004), stale timestamp (190300: our clock is
 * off by > 5 min, a retry has the same clock), credentials (190303, 9042), signature (200003),
 * IP whitelist (500125). 190301 (replay) is deliberately absent: every attempt is signed with a
 * fresh timestamp and nonce, so a replay refusal can only be a nonce collision, which the next
 * attempt does not repeat.
 */
const PERMANENT_CODES: ReadonlySet<number> = new Set([190004, 190300, 190303, 9042, 200003, 500125]);

/** The source is gone: file deleted (4051) or meeting does not exist (9003). */
const GONE_CODES: ReadonlySet<number> = new Set([4051, 9003]);

export interface TencentApiErrorInit {
  readonly message: string;
  /** Tencent's error_code; undefined for network failures and timeouts. */
  readonly errorCode?: number;
  readonly newErrorCode?: number;
  /** HTTP status; undefined when no response arrived. */
  readonly httpStatus?: number;
  readonly method: string;
  /** Request path without the query string (queries carry operator ids, never secrets, but stay out). */
  readonly path: string;
  /** Milliseconds the server asked us to wait (Retry-After). */
  readonly retryAfterMs?: number;
  readonly context?: ErrorContext;
  readonly cause?: unknown;
}

export function isRetryableTencentFailure(errorCode: number | undefined, httpStatus: number | undefined): boolean {
  if (errorCode !== undefined) {
    // Either rate limit passes with time (the daily one by the queue's redelivery); 190301: see PERMANENT_CODES.
    if (rateLimitOf(errorCode, httpStatus) !== undefined || errorCode === 190301) return true;
    if (PERMANENT_CODES.has(errorCode) || GONE_CODES.has(errorCode)) return false;
  }
  if (httpStatus === undefined) return true; // network error or timeout
  return httpStatus >= 500 || rateLimitOf(undefined, httpStatus) !== undefined || httpStatus === 408;
}

export class TencentApiError extends ArchiveError {
  override name = 'TencentApiError';
  readonly retryable: boolean;
  readonly errorCode: number | undefined;
  readonly newErrorCode: number | undefined;
  readonly httpStatus: number | undefined;
  readonly method: string;
  readonly path: string;
  readonly retryAfterMs: number | undefined;
  /** Tencent's own message (often Chinese), without our prefix. */
  readonly tencentMessage: string;

  constructor(init: TencentApiErrorInit) {
    const code = init.errorCode === undefined ? '' : ` ${init.errorCode}`;
    const status = init.httpStatus === undefined ? 'no response' : `HTTP ${init.httpStatus}`;
    super(`Tencent Meeting ${init.method} ${init.path} failed (${status}${code}): ${init.message}`, init.context ?? {}, {
      cause: init.cause,
    });
    this.errorCode = init.errorCode;
    this.newErrorCode = init.newErrorCode;
    this.httpStatus = init.httpStatus;
    this.method = init.method;
    this.path = init.path;
    this.retryAfterMs = init.retryAfterMs;
    this.tencentMessage = init.message;
    this.retryable = isRetryableTencentFailure(init.errorCode, init.httpStatus);
  }

  /** Any rate limit, per-minute or daily (rateLimitOf tells which). */
  get isRateLimit(): boolean {
    return rateLimitOf(this.errorCode, this.httpStatus) !== undefined;
  }
}

/** The recording or file no longer exists at Tencent: mark the archive copy source-deleted, never retry. */
export class TencentGoneError extends TencentApiError {
  override name = 'TencentGoneError';
}

export function createTencentApiError(init: TencentApiErrorInit): TencentApiError {
  return init.errorCode !== undefined && GONE_CODES.has(init.errorCode) ? new TencentGoneError(init) : new TencentApiError(init);
}
