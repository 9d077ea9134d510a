// Switchable REST faults for the simulator, so tests can reproduce what Tencent's API does on a bad
// day: bursts of 5xx, rate-limit refusals with Retry-After, ids printed as bare JSON numbers (as in
// Tencent's own seed-000 example), slow answers. Each counted fault hits the next N matching
// requests that passed authentication, then disarms itself.

/** The simulator's endpoints, as named in counters and faults. */
export type SimEndpoint =
  | 'records'
  | 'corpRecords'
  | 'addresses'
  | 'fileAddress'
  | 'recordSettings'
  | 'deleteRecording'
  | 'deleteFile'
  | 'meetingsByCode'
  | 'unknown';

export const SIM_ENDPOINTS: readonly SimEndpoint[] = [
  'records',
  'corpRecords',
  'addresses',
  'fileAddress',
  'recordSettings',
  'deleteRecording',
  'deleteFile',
  'meetingsByCode',
  'unknown',
];

export interface InjectedFailure {
  readonly status: number;
  readonly errorCode: number;
  readonly message: string;
  readonly retryAfterSec?: number;
}

interface Armed {
  readonly endpoint: SimEndpoint | '*';
  remaining: number;
  readonly failure: InjectedFailure;
}

export class RestFaults {
  /** Print record_file_id (and meeting_record_id) as bare JSON numbers. */
  numericIds = false;
  /** Delay before every REST answer, in ms. */
  latencyMs = 0;
  private armed: Armed[] = [];

  /** The next `count` requests to `endpoint` answer HTTP `status` (default 500) with a service error. */
  serverErrors(endpoint: SimEndpoint | '*', count: number, options: { status?: number; errorCode?: number } = {}): this {
    return this.arm(endpoint, count, {
      status: options.status ?? 500,
      errorCode: options.errorCode ?? 500000,
      message: '服务内部错误 (injected)',
    });
  }

  /**
   * The next `count` requests to `endpoint` are refused as over the rate limit (190310, 190311 or
   * 190313). `retryAfterSec` is sent only while the readings' `retryAfter` facet is on.
   */
  rateLimit(endpoint: SimEndpoint | '*', count: number, options: { errorCode?: 190310 | 190311 | 190313; retryAfterSec?: number } = {}): this {
    const errorCode = options.errorCode ?? 190310;
    return this.arm(endpoint, count, {
      status: 400,
      errorCode,
      message: errorCode === 190313 ? '每分钟单接口调用次数超过限制。' : errorCode === 190311 ? '每日总接口调用次数超过限制。' : '每分钟总接口调用次数超过限制。',
      ...(options.retryAfterSec !== undefined ? { retryAfterSec: options.retryAfterSec } : {}),
    });
  }

  /** Any failure, for the next `count` requests. */
  arm(endpoint: SimEndpoint | '*', count: number, failure: InjectedFailure): this {
    if (count > 0) this.armed.push({ endpoint, remaining: count, failure });
    return this;
  }

  /** Consumes one armed failure for this endpoint, if any. */
  take(endpoint: SimEndpoint): InjectedFailure | undefined {
    const hit = this.armed.find((a) => a.remaining > 0 && (a.endpoint === '*' || a.endpoint === endpoint));
    if (!hit) return undefined;
    hit.remaining -= 1;
    this.armed = this.armed.filter((a) => a.remaining > 0);
    return hit.failure;
  }

  pending(): number {
    return this.armed.reduce((sum, a) => sum + a.remaining, 0);
  }

  reset(): void {
    this.armed = [];
    this.numericIds = false;
    this.latencyMs = 0;
  }
}
