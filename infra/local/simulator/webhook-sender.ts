// Tencent's side of the webhook (reference §2, §6.1): the GET check_str handshake and signed POST
// deliveries in plain or AES mode, judged the way Tencent judges them (HTTP 200 and the exact body
// `successfully received callback` within the timeout), retried on the third-party-described
// schedule (1, 3, 6 minutes; configurable), with the faults a receiver must survive.
import { randomBytes, randomInt } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import ky from 'ky';
import { encodeWebhookData, webhookSignature } from '../../../shared/webhook/codec.ts';
import { toLegacyEnvelope, type TencentWebhookEvent } from './webhook-events.ts';

const TENCENT_ACK_BODY = 'successfully received callback';
export const DEFAULT_RETRY_DELAYS_MS: readonly number[] = [60_000, 180_000, 360_000];
/** Tencent's documented limit for the GET handshake. */
const VERIFY_DEADLINE_MS = 3_000;

export interface WebhookFaults {
  /** Extra copies of every delivery (Tencent may deliver an event more than once). */
  readonly duplicates?: number;
  /** deliverAll() sends its batch in a shuffled order. */
  readonly reorder?: boolean;
  /** Send the legacy envelope (unique_sequence, datetime strings). */
  readonly legacyEnvelope?: boolean;
  /** Strip '=' padding from data / check_str, as DOC-51612's own example does. */
  readonly unpaddedBase64?: boolean;
  /** Unit of the `timestamp` header: Tencent's official example uses milliseconds (the default). */
  readonly timestampUnit?: 'ms' | 's';
  /** Added to the clock in the `timestamp` header: a skewed sender, or a capture replayed later. */
  readonly timestampOffsetMs?: number;
}

export interface WebhookSenderOptions {
  readonly url: string;
  readonly token: string;
  /** Set = AES mode; absent = plain mode. */
  readonly encodingAesKey?: string;
  readonly timeoutMs?: number;
  /** Delay before each retry; its length is the number of retries. */
  readonly retryDelaysMs?: readonly number[];
  readonly now?: () => number;
  readonly faults?: WebhookFaults;
}

export interface DeliveryAttempt {
  readonly attempt: number;
  readonly ok: boolean;
  readonly status?: number;
  readonly body?: string;
  readonly error?: string;
  readonly latencyMs: number;
}

export interface DeliveryRecord {
  readonly event: string;
  readonly traceId?: string;
  /** 0 for the delivery itself, 1.. for injected duplicates. */
  readonly copy: number;
  readonly ok: boolean;
  readonly attempts: readonly DeliveryAttempt[];
}

export interface VerifyResult {
  /** 200, the exact plaintext back, within VERIFY_DEADLINE_MS. */
  readonly ok: boolean;
  readonly status?: number;
  readonly body?: string;
  readonly expected: string;
  readonly latencyMs: number;
  readonly error?: string;
}

interface SignedHeaders extends Record<string, string> {
  timestamp: string;
  nonce: string;
  signature: string;
}

export class WebhookSender {
  readonly url: string;
  readonly mode: 'aes' | 'plain';
  faults: WebhookFaults;
  private readonly token: string;
  private readonly encodingAesKey: string | undefined;
  private readonly timeoutMs: number;
  private readonly retryDelaysMs: readonly number[];
  private readonly now: () => number;

  constructor(options: WebhookSenderOptions) {
    this.url = options.url;
    this.token = options.token;
    this.encodingAesKey = options.encodingAesKey;
    this.mode = options.encodingAesKey ? 'aes' : 'plain';
    this.timeoutMs = options.timeoutMs ?? 5_000;
    this.retryDelaysMs = options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
    this.now = options.now ?? Date.now;
    this.faults = options.faults ?? {};
  }

  /** base64 (AES mode: of the ciphertext) as it goes on the wire, padding per the faults. */
  encode(plaintext: string): string {
    const encoded = encodeWebhookData(plaintext, this.encodingAesKey);
    return this.faults.unpaddedBase64 ? encoded.replace(/=+$/, '') : encoded;
  }

  /** The three headers Tencent signs a request with. */
  sign(data: string): SignedHeaders {
    const nowMs = this.now() + (this.faults.timestampOffsetMs ?? 0);
    const timestamp = String(this.faults.timestampUnit === 's' ? Math.floor(nowMs / 1000) : nowMs);
    const nonce = String(randomInt(10_000_000, 99_999_999));
    return { timestamp, nonce, signature: webhookSignature(this.token, timestamp, nonce, data) };
  }

  /** The subscription handshake (and heartbeat): GET ?check_str=…, expecting the plaintext back. */
  async verify(plaintext: string = randomBytes(12).toString('base64url')): Promise<VerifyResult> {
    const checkStr = this.encode(plaintext);
    const started = performance.now();
    try {
      const response = await ky.get(this.url, {
        searchParams: { check_str: checkStr },
        headers: this.sign(checkStr),
        timeout: Math.min(this.timeoutMs, VERIFY_DEADLINE_MS),
        retry: 0,
        throwHttpErrors: false,
      });
      const body = await response.text();
      const latencyMs = performance.now() - started;
      const ok = response.status === 200 && body === plaintext && latencyMs <= VERIFY_DEADLINE_MS;
      return { ok, status: response.status, body, expected: plaintext, latencyMs };
    } catch (error) {
      return { ok: false, expected: plaintext, latencyMs: performance.now() - started, error: describe(error) };
    }
  }

  /** Delivers one event (plus injected duplicates), each retried on the schedule until acknowledged. */
  async deliver(event: TencentWebhookEvent): Promise<DeliveryRecord[]> {
    const copies = 1 + Math.max(0, this.faults.duplicates ?? 0);
    const records: DeliveryRecord[] = [];
    for (let copy = 0; copy < copies; copy++) records.push(await this.deliverOnce(event, copy));
    return records;
  }

  /** Delivers a batch in order, or shuffled with the `reorder` fault. */
  async deliverAll(events: readonly TencentWebhookEvent[]): Promise<DeliveryRecord[]> {
    const order = [...events];
    if (this.faults.reorder) {
      for (let i = order.length - 1; i > 0; i--) {
        const j = randomInt(i + 1);
        [order[i], order[j]] = [order[j]!, order[i]!];
      }
    }
    const records: DeliveryRecord[] = [];
    for (const event of order) records.push(...(await this.deliver(event)));
    return records;
  }

  private async deliverOnce(event: TencentWebhookEvent, copy: number): Promise<DeliveryRecord> {
    const wire = this.faults.legacyEnvelope ? toLegacyEnvelope(event) : event;
    const data = this.encode(JSON.stringify(wire));
    const attempts: DeliveryAttempt[] = [];
    for (let attempt = 1; ; attempt++) {
      const result = await this.post(data, attempt);
      attempts.push(result);
      const delay = this.retryDelaysMs[attempt - 1];
      if (result.ok || delay === undefined) break;
      await sleep(delay);
    }
    const traceId = event.trace_id ?? event.unique_sequence;
    return { event: event.event, ...(traceId !== undefined ? { traceId } : {}), copy, ok: attempts.at(-1)!.ok, attempts };
  }

  private async post(data: string, attempt: number): Promise<DeliveryAttempt> {
    const started = performance.now();
    try {
      // Re-signed per attempt, as a fresh request would be.
      const response = await ky.post(this.url, {
        json: { data },
        headers: this.sign(data),
        timeout: this.timeoutMs,
        retry: 0,
        throwHttpErrors: false,
      });
      const body = await response.text();
      return { attempt, ok: response.status === 200 && body === TENCENT_ACK_BODY, status: response.status, body, latencyMs: performance.now() - started };
    } catch (error) {
      return { attempt, ok: false, error: describe(error), latencyMs: performance.now() - started };
    }
  }
}

function describe(error: unknown): string {
  // ky puts the request URL in its messages; the query (check_str) is not worth repeating.
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return message.replace(/\?\S*/g, '');
}
