// What the Tencent Meeting webhook does, free of HTTP: answer a verification (GET check_str), and
// take a delivery (POST) through verify → decode → parse → store an STS token → claim → enqueue →
// confirm (or release the claim). It does the minimum and answers fast: it never calls Tencent and
// never downloads. Bad input is refused before anything is written, so it changes nothing.
// Each call ends in a typed outcome; the handler maps outcomes to HTTP responses.
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import { decodeWebhookData, verifyWebhookSignature, WebhookDecodeError } from './codec.ts';
import { claimEvent, deriveEventId, type ClaimOptions } from './dedupe.ts';
import { parseWebhookEvent, WebhookEventError, type WebhookEvent } from './events.ts';
import { stsTokensOf, toIngestMessages } from './to-messages.ts';
import { bodyText, dataField, DEFAULT_MAX_BODY_BYTES, signatureHeaders, WebhookRejection, type RejectionReason, type RequestHeaders } from './request.ts';
import { sendIngestMessages } from '../ingest/queue.ts';
import { StsTokenStore } from '../tencent/sts-token-store.ts';

export interface WebhookSecrets {
  readonly token: string;
  readonly encodingAesKey?: string;
}

export interface WebhookServiceDeps {
  readonly dynamo: DynamoDBDocumentClient;
  readonly sqs: SQSClient;
  readonly tableName: string;
  readonly queueUrl: string;
  /** Read per request, so a rotated token applies without a cold start. */
  readonly secrets: () => Promise<WebhookSecrets>;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly maxBodyBytes?: number;
  /** Dedupe marker TTL and claim lease (see dedupe.ts). */
  readonly dedupe?: ClaimOptions;
}

export interface VerificationRequest {
  readonly headers: RequestHeaders;
  readonly checkStr: string | undefined;
}

export interface DeliveryRequest {
  readonly headers: RequestHeaders;
  readonly body: string | undefined;
  readonly isBase64Encoded: boolean;
}

/** The request was refused; nothing was written. */
export interface Rejected {
  readonly kind: 'rejected';
  readonly reason: RejectionReason;
  readonly message: string;
}

export type VerificationOutcome = { readonly kind: 'verified'; readonly plaintext: string } | Rejected;

export type DeliveryOutcome =
  /** The event's messages are on the ingest queue and its dedupe marker says so. */
  | { readonly kind: 'enqueued'; readonly messages: number }
  /** An earlier delivery of the same event enqueued it, or is enqueueing it right now. */
  | { readonly kind: 'duplicate' }
  /** A known event with nothing to archive (recording.apply; common.sts-token once its token is stored). */
  | { readonly kind: 'nothing-to-archive' }
  /** An event this archive does not know; acknowledged so that Tencent stops retrying it. */
  | { readonly kind: 'unknown-event' }
  /** The queue did not take the messages; the claim was released, so Tencent's retry is processed. */
  | { readonly kind: 'enqueue-failed' }
  | Rejected;

/** Log fields that identify an event without any of its secrets or personal payload. */
function identifyingFields(event: WebhookEvent, eventId: string | undefined): Record<string, unknown> {
  const meetingIds = new Set<string>();
  const recordFileIds = new Set<string>();
  if (event.event !== 'unknown') {
    for (const item of event.payload as ReadonlyArray<{ meeting_info?: { meeting_id: string }; recording_files?: { record_file_id: string }[] }>) {
      if (item.meeting_info) meetingIds.add(item.meeting_info.meeting_id);
      for (const file of item.recording_files ?? []) recordFileIds.add(file.record_file_id);
    }
  }
  return {
    event: event.event === 'unknown' ? event.name : event.event,
    trace_id: eventId,
    meeting_id: [...meetingIds],
    record_file_ids: [...recordFileIds],
  };
}

/** Runs `step`, turning a WebhookRejection into the `rejected` outcome. */
async function refusingBadInput<T>(step: () => Promise<T>): Promise<T | Rejected> {
  try {
    return await step();
  } catch (error) {
    if (error instanceof WebhookRejection) return { kind: 'rejected', reason: error.reason, message: error.message };
    throw error;
  }
}

export class WebhookService {
  readonly #deps: WebhookServiceDeps;
  readonly #maxBodyBytes: number;
  readonly #stsTokens: StsTokenStore;

  constructor(deps: WebhookServiceDeps) {
    this.#deps = deps;
    this.#maxBodyBytes = deps.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    this.#stsTokens = new StsTokenStore(deps.dynamo, deps.tableName);
  }

  /** GET: Tencent checks the URL by sending an encoded check_str; the answer is its plaintext. */
  verify(request: VerificationRequest): Promise<VerificationOutcome> {
    return refusingBadInput(async () => {
      const { checkStr } = request;
      if (!checkStr) throw new WebhookRejection('missing_check_str', 'GET requires the check_str query parameter');
      const { timestamp, nonce, signature } = signatureHeaders(request.headers);
      const { token, encodingAesKey } = await this.#deps.secrets();
      // A '+' in an unencoded check_str reaches us as a space after form-style decoding (§2.3).
      const candidates = checkStr.includes(' ') ? [checkStr, checkStr.replace(/ /g, '+')] : [checkStr];
      const data = candidates.find((candidate) => verifyWebhookSignature(token, timestamp, nonce, candidate, signature));
      if (data === undefined) this.#refuseForged();
      const plaintext = this.#refusingBadPayload(() => decodeWebhookData(data, encodingAesKey));
      this.#count('WebhookVerified');
      this.#deps.logger.info('webhook verification answered');
      return { kind: 'verified', plaintext } as const;
    });
  }

  /** POST: one event. Every outcome but `rejected` and `enqueue-failed` is acknowledged to Tencent. */
  deliver(request: DeliveryRequest): Promise<DeliveryOutcome> {
    return refusingBadInput(async (): Promise<DeliveryOutcome> => {
      const { logger } = this.#deps;
      const body = bodyText(request.body, request.isBase64Encoded, this.#maxBodyBytes);
      const { timestamp, nonce, signature } = signatureHeaders(request.headers);
      const data = dataField(body);
      const { token, encodingAesKey } = await this.#deps.secrets();
      if (!verifyWebhookSignature(token, timestamp, nonce, data, signature)) this.#refuseForged();
      const { event, plaintext } = this.#refusingBadPayload(() => {
        const decoded = decodeWebhookData(data, encodingAesKey);
        return { event: parseWebhookEvent(decoded), plaintext: decoded };
      });
      const eventName = event.event === 'unknown' ? event.name : event.event;
      const eventId = event.trace_id ?? deriveEventId(eventName, plaintext);
      const fields = identifyingFields(event, eventId);
      if (event.event === 'unknown') {
        this.#count('WebhookUnknownEvent');
        logger.warn('unknown webhook event acknowledged, nothing enqueued', fields);
        return { kind: 'unknown-event' };
      }
      const messages = this.#refusingBadPayload(() => toIngestMessages(event, eventId));
      // A token is a credential: it is stored here, never put on the queue (or left in its DLQ).
      for (const delivered of stsTokensOf(event)) {
        await this.#stsTokens.save(delivered.stsToken, delivered.expireTs);
        this.#count('WebhookStsTokenStored');
        logger.info('STS token stored', fields);
      }
      if (messages.length === 0) {
        this.#count('WebhookIgnoredEvent');
        logger.info('webhook event needs no archiving', fields);
        return { kind: 'nothing-to-archive' };
      }
      const claim = await claimEvent(this.#deps.dynamo, this.#deps.tableName, eventId, this.#deps.dedupe);
      if (!claim) {
        this.#count('WebhookDuplicate');
        logger.info('duplicate webhook event acknowledged', fields);
        return { kind: 'duplicate' };
      }
      try {
        await sendIngestMessages(this.#deps.sqs, this.#deps.queueUrl, messages);
      } catch (error) {
        // Without the marker, Tencent's retry of this event is processed instead of deduped.
        await claim.release().catch((releaseError: unknown) =>
          logger.error('could not release the dedupe claim; it expires with its lease', { ...fields, error: String(releaseError) }),
        );
        this.#count('WebhookEnqueueFailed');
        logger.error('could not enqueue webhook event; Tencent will retry', { ...fields, error: error instanceof Error ? error.message : String(error) });
        return { kind: 'enqueue-failed' };
      }
      await claim.confirm();
      this.#count('WebhookAccepted');
      logger.info('webhook event enqueued', { ...fields, messages: messages.length });
      return { kind: 'enqueued', messages: messages.length };
    });
  }

  #count(name: string): void {
    this.#deps.metrics.addMetric(name, MetricUnit.Count, 1);
  }

  // WebhookRejected counts the requests that failed the signature check or carried a bad payload;
  // requests refused earlier, as malformed HTTP (no headers, no body, too large), are not counted.
  #refuseForged(): never {
    this.#count('WebhookRejected');
    throw new WebhookRejection('invalid_signature', 'signature does not match the request');
  }

  /** Runs a decode/parse step of a signed payload; its failures refuse the request as invalid_data/invalid_event. */
  #refusingBadPayload<T>(step: () => T): T {
    try {
      return step();
    } catch (error) {
      this.#count('WebhookRejected');
      if (error instanceof WebhookDecodeError) throw new WebhookRejection('invalid_data', error.message);
      if (error instanceof WebhookEventError) throw new WebhookRejection('invalid_event', error.message);
      throw error;
    }
  }
}
