// The signed (or OAuth) GET and DELETE transport under the Tencent Meeting client (reference §1), on ky.
// Every attempt, retries included, is signed afresh: Tencent refuses a reused (timestamp, nonce)
// pair (190301) and a timestamp more than 5 minutes old (190300), so ky's beforeRequest AND
// beforeRetry hooks both sign the request exactly as it goes on the wire. Retries, their delays and
// the client-side call budget are decided here from Tencent's error codes, which ky's status-only
// rules cannot see.
import ky, { HTTPError, NetworkError, TimeoutError, type KyInstance, type KyRequest, type RetryOptions } from 'ky';
import type * as z from 'zod/mini';
import { ValidationError, type ErrorContext } from '../errors.ts';
import type { TencentConfig } from './config.ts';
import { TencentApiError, createTencentApiError, isRetryableTencentFailure, rateLimitOf } from './errors.ts';
import { parseJsonLossless } from './json.ts';
import { SlidingWindowRateLimiter, type RateLimiter } from './rate-limiter.ts';
import { errorBodySchema } from './schemas.ts';
import { newNonce, signRequest } from './signing.ts';

export interface RetryPolicy {
  /** Retries after the first attempt. */
  readonly limit: number;
  /** First backoff for 5xx / network errors; doubles per retry, full jitter. */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** Backoff after a per-minute rate limit (190310/190313/429, see rateLimitOf) without Retry-After (Tencent penalises for the rest of the minute). */
  readonly rateLimitDelayMs: number;
  /** Upper bound on any server-requested Retry-After. */
  readonly maxRetryAfterMs: number;
}

const DEFAULT_RETRY_POLICY: RetryPolicy = {
  limit: 4,
  baseDelayMs: 500,
  maxDelayMs: 20_000,
  rateLimitDelayMs: 60_000,
  maxRetryAfterMs: 120_000,
};

export interface TencentClientOptions {
  /** Per-attempt timeout. */
  readonly timeoutMs?: number;
  readonly retry?: Partial<RetryPolicy>;
  /** Client-side budgets; defaults: 300 calls/min for the app, 10/min for corp/records. */
  readonly limiters?: { readonly app?: RateLimiter; readonly corpRecords?: RateLimiter };
  /** Clock for X-TC-Timestamp (ms). */
  readonly now?: () => number;
  readonly userAgent?: string;
}

/** Query parameters in the order they go on the wire; undefined and '' values are left out. */
export type Query = ReadonlyArray<readonly [string, string | number | undefined]>;

/**
 * Per-request values the signing hook needs besides the request itself. A type literal, not an
 * interface, so it fits ky's `context: Record<string, unknown>`.
 */
export type RequestContext = {
  /** Sent as the STS-Token header (GET /v1/addresses/{id} for apps created from 2026-01-16). */
  readonly stsToken?: string;
};

// encodeURIComponent (not URLSearchParams) so a space becomes %20 and `+` becomes %2B, as
// Tencent's docs ask; the signature covers whatever the URL parser finally puts on the wire.
function queryString(query: Query): string {
  const parts = query.filter(([, v]) => v !== undefined && v !== '').map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`);
  return parts.length > 0 ? `?${parts.join('&')}` : '';
}

function retryAfterMs(headers: Headers): number | undefined {
  const value = headers.get('Retry-After');
  if (value === null) return undefined;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

function errorInfoOf(data: unknown): { code?: number; newCode?: number; message?: string } {
  const body = typeof data === 'string' ? safeParseJson(data) : data;
  const parsed = errorBodySchema.safeParse(body);
  if (!parsed.success) return {};
  const info = parsed.data.error_info;
  return { code: info.error_code, ...(info.new_error_code !== undefined ? { newCode: info.new_error_code } : {}), message: info.message };
}

function safeParseJson(text: string): unknown {
  try {
    return parseJsonLossless(text);
  } catch {
    return undefined;
  }
}

export class TencentTransport {
  private readonly config: TencentConfig;
  private readonly http: KyInstance;
  private readonly policy: RetryPolicy;
  private readonly appLimiter: RateLimiter;
  private readonly corpLimiter: RateLimiter;
  private readonly now: () => number;

  constructor(config: TencentConfig, options: TencentClientOptions = {}) {
    this.config = config;
    this.policy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.now = options.now ?? Date.now;
    this.appLimiter = options.limiters?.app ?? new SlidingWindowRateLimiter({ limit: 300, windowMs: 60_000 });
    this.corpLimiter = options.limiters?.corpRecords ?? new SlidingWindowRateLimiter({ limit: 10, windowMs: 60_000 });
    const prepare = async ({ request, options }: { request: KyRequest; options: { context: Record<string, unknown> } }): Promise<void> => {
      await this.acquireBudget(new URL(request.url).pathname);
      await this.authenticate(request, options.context);
    };
    this.http = ky.create({
      prefix: config.apiBase,
      timeout: options.timeoutMs ?? 15_000,
      parseJson: (text) => parseJsonLossless(text),
      headers: { 'User-Agent': options.userAgent ?? 'tencent-meeting-archive' },
      hooks: { beforeRequest: [prepare], beforeRetry: [prepare] },
    });
  }

  /**
   * GET `path` with `query`, retried as Tencent's error codes allow, and its body checked against
   * `schema`. Every failure comes out as a TencentApiError or a ValidationError carrying `context`.
   */
  async get<S extends z.ZodMiniType>(
    path: string,
    query: Query,
    schema: S,
    context: ErrorContext = {},
    requestContext?: RequestContext,
  ): Promise<z.output<S>> {
    let data: unknown;
    try {
      const response = await this.http.get(`${path}${queryString(query)}`, {
        retry: this.retryOptions(),
        ...(requestContext ? { context: requestContext } : {}),
      });
      data = await response.json();
    } catch (error) {
      throw this.toTencentError(error, 'GET', path, context);
    }
    throwErrorInfoOf(data, 'GET', path, context);
    const parsed = schema.safeParse(data);
    if (!parsed.success) {
      const where = parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
      throw new ValidationError(`Tencent Meeting GET ${path} returned an unexpected body: ${where.join('; ')}`, context);
    }
    return parsed.data;
  }

  /**
   * DELETE `path` with `query` and no body (SDK-PY sends none; SDK-GO's typed-nil body goes out as
   * `null`, which the signature then covers: either is accepted). Tencent answers `{}`; any
   * error_info, even in a 200, is thrown as a TencentApiError carrying `context`.
   */
  async delete(path: string, query: Query, context: ErrorContext = {}): Promise<void> {
    let data: unknown;
    try {
      const response = await this.http.delete(`${path}${queryString(query)}`, { retry: this.retryOptions() });
      const text = await response.text();
      data = text ? safeParseJson(text) : {};
    } catch (error) {
      throw this.toTencentError(error, 'DELETE', path, context);
    }
    throwErrorInfoOf(data, 'DELETE', path, context);
  }

  private async acquireBudget(pathname: string): Promise<void> {
    if (pathname.endsWith('/v1/corp/records')) await this.corpLimiter.acquire();
    await this.appLimiter.acquire();
  }

  /** Sets the §1.1 headers with a fresh timestamp and nonce, signing the request target as sent. */
  private async authenticate(request: KyRequest, context: Record<string, unknown>): Promise<void> {
    const nowMs = this.now();
    const timestamp = String(Math.floor(nowMs / 1000));
    const nonce = newNonce(nowMs);
    const headers = request.headers;
    headers.set('Content-Type', 'application/json');
    headers.set('X-TC-Timestamp', timestamp);
    headers.set('X-TC-Nonce', nonce);
    // Set here rather than through ky's `headers` option, which lower-cases names when merging:
    // Tencent matches header names in any case (SDK-GO sends X-Tc-Key), but the documented
    // spelling is what every reading of the sources accepts.
    if (typeof context.stsToken === 'string') headers.set('STS-Token', context.stsToken);
    const auth = this.config.auth;
    if (auth.mode === 'oauth') {
      headers.set('AccessToken', auth.accessToken);
      headers.set('OpenId', auth.openId);
      return;
    }
    const url = new URL(request.url);
    const body = request.body ? await request.clone().text() : '';
    headers.set('X-TC-Key', auth.secretId);
    headers.set('AppId', auth.appId);
    if (auth.sdkId) headers.set('SdkId', auth.sdkId);
    else headers.delete('SdkId');
    headers.set('X-TC-Registered', '1');
    headers.set(
      'X-TC-Signature',
      signRequest({ secretId: auth.secretId, secretKey: auth.secretKey, method: request.method, uri: url.pathname + url.search, body, timestamp, nonce }),
    );
  }

  /** Delay before the next attempt, or undefined when `error` must not be retried. */
  private retryDelay(error: Error, retryCount: number): number | undefined {
    const backoff = (): number => {
      const ceiling = Math.min(this.policy.maxDelayMs, this.policy.baseDelayMs * 2 ** (retryCount - 1));
      return ceiling / 2 + Math.random() * (ceiling / 2);
    };
    if (error instanceof HTTPError) {
      const { code } = errorInfoOf(error.data);
      const status = error.response.status;
      const after = retryAfterMs(error.response.headers);
      const rateLimit = rateLimitOf(code, status);
      // The daily quota does not come back within a request's lifetime: hand it to the queue.
      if (rateLimit === 'daily') return undefined;
      if (rateLimit === 'minute') {
        const wait = after ?? this.policy.rateLimitDelayMs * (1 + Math.random() * 0.2);
        return Math.min(wait, this.policy.maxRetryAfterMs);
      }
      if (!isRetryableTencentFailure(code, status)) return undefined;
      return after !== undefined ? Math.min(after, this.policy.maxRetryAfterMs) : backoff();
    }
    if (error instanceof NetworkError || error instanceof TimeoutError) return backoff();
    return undefined;
  }

  private retryOptions(): RetryOptions {
    let nextDelay = 0;
    return {
      limit: this.policy.limit,
      methods: ['get', 'delete'],
      shouldRetry: ({ error, retryCount }) => {
        const delay = this.retryDelay(error, retryCount);
        if (delay === undefined) return false;
        nextDelay = delay;
        return true;
      },
      delay: () => nextDelay,
      jitter: undefined,
    };
  }

  private toTencentError(error: unknown, method: string, path: string, context: ErrorContext): Error {
    if (error instanceof TencentApiError || error instanceof ValidationError) return error;
    if (error instanceof HTTPError) {
      const info = errorInfoOf(error.data);
      const after = retryAfterMs(error.response.headers);
      return createTencentApiError({
        message: info.message ?? (error.response.statusText || 'request failed'),
        ...(info.code !== undefined ? { errorCode: info.code } : {}),
        ...(info.newCode !== undefined ? { newErrorCode: info.newCode } : {}),
        httpStatus: error.response.status,
        method,
        path,
        ...(after !== undefined ? { retryAfterMs: after } : {}),
        context,
        cause: error,
      });
    }
    const message = error instanceof TimeoutError ? 'request timed out' : error instanceof Error ? error.message : String(error);
    return new TencentApiError({ message, method, path, context, cause: error });
  }
}

/** Some gateways answer 200 with an error body: it is thrown like any other API error. */
function throwErrorInfoOf(data: unknown, method: 'GET' | 'DELETE', path: string, context: ErrorContext): void {
  if (data === null || typeof data !== 'object' || !('error_info' in data)) return;
  const info = errorInfoOf(data);
  throw createTencentApiError({
    message: info.message ?? 'error_info in a 200 response',
    ...(info.code !== undefined ? { errorCode: info.code } : {}),
    ...(info.newCode !== undefined ? { newErrorCode: info.newCode } : {}),
    httpStatus: 200,
    method,
    path,
    context,
  });
}
