// What the Tencent Meeting webhook does, free of HTTP: answer a verification (GET check_str), and
// take a delivery (POST) through verify → replay window → decode → parse (interpret.ts) → store an
// STS token → claim → enqueue (or release the claim); the worker confirms the claim (dedupe.ts).
// It does the minimum and answers fast: it never calls Tencent and never downloads. A request that is not validly signed (or is
// stale) is refused before anything is written, so it changes nothing. A validly signed event is
// always acknowledged: what does not fit is repaired or parked (parked-events.ts), never refused,
// because Tencent drops an event after a few refused retries (open point #5).
// Each call ends in a typed outcome; the handler maps outcomes to HTTP responses.
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import { decodeWebhookData, verifyWebhookSignature, WebhookDecodeError } from './codec.ts';
import { claimEvent, type ClaimOptions } from './dedupe.ts';
import { interpretData, interpretPlaintext, type Interpretation, type Understood } from './interpret.ts';
import { ParkedEventStore, type Misfit, type ParkedEvent } from './parked-events.ts';
import { DEFAULT_REPLAY_WINDOW_SECONDS, requireFreshTimestamp } from './replay-window.ts';
import { stsTokensOf } from './to-messages.ts';
import { bodyText, dataField, DEFAULT_MAX_BODY_BYTES, signatureHeaders, WebhookRejection, type RejectionReason, type RequestHeaders } from './request.ts';
import { sendIngestMessages } from '../ingest/queue.ts';
import { StsTokenStore } from '../tencent/sts-token-store.ts';
import type { WebhookMetricName } from './webhook-metrics.ts';

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
  /** Signed deliveries further than this from `now` are refused (replay-window.ts). Default 3600. */
  readonly replayWindowSeconds?: number;
  /** How long a parked (or repaired) event is kept (parked-events.ts). Default 30. */
  readonly parkedRetentionDays?: number;
  readonly now?: () => number;
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
  /** The event's messages are on the ingest queue; the worker confirms its dedupe marker on receipt. */
  | { readonly kind: 'enqueued'; readonly messages: number }
  /** An earlier delivery of the same event enqueued it, or is enqueueing it right now. */
  | { readonly kind: 'duplicate' }
  /** A known event with nothing to archive (recording.apply; common.sts-token once its token is stored). */
  | { readonly kind: 'nothing-to-archive' }
  /** An event this archive does not know; acknowledged so that Tencent stops retrying it. */
  | { readonly kind: 'unknown-event' }
  /** The queue did not take the messages; the claim was released, so Tencent's retry is processed. */
  | { readonly kind: 'enqueue-failed' }
  /** Signed, but not understood by this code: kept for an operator to replay (parked-events.ts), and acknowledged. */
  | { readonly kind: 'parked'; readonly eventId: string }
  | Rejected;

/** What a replay of a parked event did. */
export interface ReplayResult {
  readonly eventId: string;
  readonly status: 'replayed' | 'parked';
  /** The delivery outcome, or why the event is still parked. */
  readonly outcome: string;
}

/** Log fields that identify an event without any of its secrets or personal payload. */
function identifyingFields(understood: Understood): Record<string, unknown> {
  const meetingIds = new Set<string>();
  const recordFileIds = new Set<string>();
  const { event, repaired } = understood;
  if (event && event.event !== 'unknown') {
    for (const item of event.payload as ReadonlyArray<{ meeting_info?: { meeting_id: string }; recording_files?: { record_file_id: string }[] }>) {
      if (item.meeting_info) meetingIds.add(item.meeting_info.meeting_id);
      for (const file of item.recording_files ?? []) recordFileIds.add(file.record_file_id);
    }
  }
  for (const id of repaired?.misfit.meetingIds ?? []) meetingIds.add(id);
  for (const id of repaired?.misfit.recordFileIds ?? []) recordFileIds.add(id);
  return { event: understood.eventName, trace_id: understood.eventId, meeting_id: [...meetingIds], record_file_ids: [...recordFileIds] };
}

function misfitFields(misfit: Misfit): Record<string, unknown> {
  return {
    event: misfit.eventName,
    trace_id: misfit.eventId,
    stage: misfit.stage,
    reason: misfit.reason,
    meeting_id: misfit.meetingIds,
    record_file_ids: misfit.recordFileIds,
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
  readonly #parked: ParkedEventStore;
  readonly #now: () => number;

  constructor(deps: WebhookServiceDeps) {
    this.#deps = deps;
    this.#maxBodyBytes = deps.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    this.#now = deps.now ?? Date.now;
    this.#stsTokens = new StsTokenStore(deps.dynamo, deps.tableName);
    this.#parked = new ParkedEventStore(deps.dynamo, deps.tableName, {
      now: this.#now,
      ...(deps.parkedRetentionDays !== undefined ? { retentionDays: deps.parkedRetentionDays } : {}),
    });
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

  /**
   * POST: one event. Every outcome but `rejected` and `enqueue-failed` is acknowledged to Tencent.
   * Once the signature verified, nothing about the payload refuses it: what does not fit is parked.
   */
  deliver(request: DeliveryRequest): Promise<DeliveryOutcome> {
    return refusingBadInput(async (): Promise<DeliveryOutcome> => {
      const body = bodyText(request.body, request.isBase64Encoded, this.#maxBodyBytes);
      const { timestamp, nonce, signature } = signatureHeaders(request.headers);
      const data = dataField(body);
      const { token, encodingAesKey } = await this.#deps.secrets();
      if (!verifyWebhookSignature(token, timestamp, nonce, data, signature)) this.#refuseForged();
      this.#requireFresh(timestamp);
      return this.#take(interpretData(data, encodingAesKey), 'delivery');
    });
  }

  /** Re-runs a parked event through the current code; the item records what happened. */
  async replay(parked: ParkedEvent): Promise<ReplayResult> {
    const { payload } = parked;
    let result: ReplayResult;
    if (!payload) {
      result = { eventId: parked.eventId, status: 'parked', outcome: 'nothing of the event was kept (undecodable plain-mode data)' };
    } else {
      const interpretation = 'data' in payload ? interpretData(payload.data, (await this.#deps.secrets()).encodingAesKey) : interpretPlaintext(payload.plaintext);
      const outcome = interpretation.kind === 'misfit' ? undefined : await this.#take(interpretation, 'replay');
      if (!outcome || outcome.kind === 'parked' || outcome.kind === 'enqueue-failed' || outcome.kind === 'rejected') {
        const why = interpretation.kind === 'misfit' ? `${interpretation.misfit.stage}: ${interpretation.misfit.reason}` : (outcome?.kind ?? 'not taken');
        result = { eventId: parked.eventId, status: 'parked', outcome: `still not understood (${why})` };
      } else {
        result = { eventId: parked.eventId, status: 'replayed', outcome: outcome.kind };
      }
    }
    await this.#parked.recordReplay(parked.eventId, result.status, result.outcome);
    this.#count(result.status === 'replayed' ? 'WebhookParkedEventReplayed' : 'WebhookParkedEventStillParked');
    this.#deps.logger.info(result.status === 'replayed' ? 'parked webhook event replayed' : 'parked webhook event still not understood', {
      trace_id: parked.eventId,
      event: parked.eventName,
      outcome: result.outcome,
    });
    return result;
  }

  /** The parked (and repaired) events, for the operator command. */
  listParked(): Promise<ParkedEvent[]> {
    return this.#parked.list();
  }

  /** Everything after the signature: park, or store the STS token, claim, enqueue. */
  async #take(interpretation: Interpretation, via: 'delivery' | 'replay'): Promise<DeliveryOutcome> {
    const { logger } = this.#deps;
    if (interpretation.kind === 'misfit') return this.#park(interpretation.misfit);
    const understood = interpretation;
    const fields = identifyingFields(understood);
    const { event, repaired, messages } = understood;
    if (event?.event === 'unknown') {
      this.#count('WebhookUnknownEvent');
      logger.warn('unknown webhook event acknowledged, nothing enqueued', fields);
      return { kind: 'unknown-event' };
    }
    if (repaired && via === 'delivery') {
      await this.#parked.keep(repaired.misfit, 'repaired', repaired.repairs);
      this.#count('WebhookEventRepaired');
      logger.warn('webhook event repaired', { ...fields, repairs: repaired.repairs, reason: repaired.misfit.reason });
    }
    // A token is a credential: it is stored here, never put on the queue (or left in its DLQ). A
    // replayed one was kept without its token (and would have expired since).
    for (const delivered of via === 'delivery' && event ? stsTokensOf(event) : []) {
      await this.#stsTokens.save(delivered.stsToken, delivered.expireTs);
      this.#count('WebhookStsTokenStored');
      logger.info('STS token stored', fields);
    }
    if (messages.length === 0) {
      this.#count('WebhookIgnoredEvent');
      logger.info('webhook event needs no archiving', fields);
      return { kind: 'nothing-to-archive' };
    }
    const claim = await claimEvent(this.#deps.dynamo, this.#deps.tableName, understood.eventId, this.#deps.dedupe);
    if (!claim) {
      this.#count('WebhookDuplicate');
      logger.info('duplicate webhook event acknowledged', fields);
      return { kind: 'duplicate' };
    }
    try {
      await sendIngestMessages(this.#deps.sqs, this.#deps.queueUrl, messages, { eventMarker: claim.eventId });
    } catch (error) {
      // Without the marker, Tencent's retry of this event is processed instead of deduped.
      await claim.release().catch((releaseError: unknown) =>
        logger.error('could not release the dedupe claim; it expires with its lease', { ...fields, error: String(releaseError) }),
      );
      this.#count('WebhookEnqueueFailed');
      logger.error('could not enqueue webhook event; Tencent will retry', { ...fields, error: error instanceof Error ? error.message : String(error) });
      return { kind: 'enqueue-failed' };
    }
    this.#count('WebhookAccepted');
    logger.info('webhook event enqueued', { ...fields, messages: messages.length });
    return { kind: 'enqueued', messages: messages.length };
  }

  async #park(misfit: Misfit): Promise<DeliveryOutcome> {
    const kept = await this.#parked.keep(misfit, 'parked');
    this.#count('WebhookEventParked');
    this.#deps.logger.error('webhook event parked: signed but not understood; acknowledged and kept for npm run parked', {
      ...misfitFields(misfit),
      again: kept === 'again',
    });
    return { kind: 'parked', eventId: misfit.eventId };
  }

  #requireFresh(timestamp: string): void {
    try {
      requireFreshTimestamp(timestamp, this.#now(), this.#deps.replayWindowSeconds ?? DEFAULT_REPLAY_WINDOW_SECONDS);
    } catch (error) {
      this.#count('WebhookStaleTimestamp');
      throw error;
    }
  }

  #count(name: WebhookMetricName): void {
    this.#deps.metrics.addMetric(name, MetricUnit.Count, 1);
  }

  // WebhookRejected counts the requests that failed the signature check or carried a bad payload;
  // requests refused earlier, as malformed HTTP (no headers, no body, too large), are not counted.
  #refuseForged(): never {
    this.#count('WebhookRejected');
    throw new WebhookRejection('invalid_signature', 'signature does not match the request');
  }

  /** Runs a decode step of a signed check_str; its failures refuse the verification as invalid_data. */
  #refusingBadPayload<T>(step: () => T): T {
    try {
      return step();
    } catch (error) {
      this.#count('WebhookRejected');
      if (error instanceof WebhookDecodeError) throw new WebhookRejection('invalid_data', error.message);
      throw error;
    }
  }
}
