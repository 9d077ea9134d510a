// Tencent Meeting API failures as typed errors: the ingest worker decides from `retryable` whether
// to hand the message back to SQS, and from TencentGoneError whether the source no longer exists.
import { ArchiveError, type ErrorContext } from '../errors.ts';

/** Codes for which waiting and trying again can succeed. */
export const RATE_LIMIT_CODES: ReadonlySet<number> = new Set([190310, 190311, 190313]);

/**
 * Codes that never succeed on retry: parameter (190004), stale timestamp (190300: our clock is
 * off by > 5 min, a retry has the same clock), credentials (190303, 9042), signature (200003),
 * IP whitelist (500125). 190301 (replay) is deliberately absent: every attempt is signed with a
 * fresh timestamp and nonce, so a replay refusal can only be a nonce collision, which the next
 * attempt does not repeat.
 */
export const PERMANENT_CODES: ReadonlySet<number> = new Set([190004, 190300, 190303, 9042, 200003, 500125]);

/** The source is gone: file deleted (4051) or meeting does not exist (9003). */
export const GONE_CODES: ReadonlySet<number> = new Set([4051, 9003]);

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
    if (RATE_LIMIT_CODES.has(errorCode) || errorCode === 190301) return true;
    if (PERMANENT_CODES.has(errorCode) || GONE_CODES.has(errorCode)) return false;
  }
  if (httpStatus === undefined) return true; // network error or timeout
  return httpStatus >= 500 || httpStatus === 429 || httpStatus === 408;
}

export class TencentApiError extends ArchiveError {
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

  get isRateLimit(): boolean {
    return this.errorCode !== undefined && RATE_LIMIT_CODES.has(this.errorCode);
  }
}

/** The recording or file no longer exists at Tencent: mark the archive copy source-deleted, never retry. */
export class TencentGoneError extends TencentApiError {}

export function createTencentApiError(init: TencentApiErrorInit): TencentApiError {
  return init.errorCode !== undefined && GONE_CODES.has(init.errorCode) ? new TencentGoneError(init) : new TencentApiError(init);
}

export function isTencentGone(error: unknown): error is TencentGoneError {
  return error instanceof TencentGoneError;
}
