// Puts ingest messages on the queue with SendMessageBatch (the webhook, the ingest worker's
// continuations and deferrals, the reconcile sweep and backfill all send through here). A batch can half-succeed (per-entry
// failures come back in `Failed` without an exception), so failed entries are retried on their
// own; anything still not sent fails the whole call, and the caller must not acknowledge.
import { SendMessageBatchCommand, type SendMessageBatchRequestEntry, type SQSClient } from '@aws-sdk/client-sqs';
import { setTimeout as sleep } from 'node:timers/promises';
import { TransientError, ValidationError } from '../errors.ts';
import type { IngestMessage } from './messages.ts';

/** SQS's limit on entries per SendMessageBatch. */
export const SQS_BATCH_SIZE = 10;

/**
 * The message attribute naming a webhook event whose dedupe marker the worker confirms when it
 * receives the message (shared/webhook/dedupe.ts). An attribute, not a body field: it belongs to
 * this one delivery, and a message re-sent from its body (a deferral, a continuation) drops it.
 */
export const EVENT_MARKER_ATTRIBUTE = 'event_marker';

export interface EnqueueOptions {
  /** SQS DelaySeconds (0–900) for every message of the call. */
  readonly delaySeconds?: number;
  /** Attempts per entry that SQS reports as failed (the SDK retries whole-request faults itself). */
  readonly maxAttempts?: number;
  readonly retryDelayMs?: number;
  /** Sets EVENT_MARKER_ATTRIBUTE on the last message: it is sent last, so it is on the queue only once all are. */
  readonly eventMarker?: string;
}

export async function sendIngestMessages(
  sqs: SQSClient,
  queueUrl: string,
  messages: readonly IngestMessage[],
  { maxAttempts = 3, retryDelayMs = 50, delaySeconds, eventMarker }: EnqueueOptions = {},
): Promise<void> {
  for (let start = 0; start < messages.length; start += SQS_BATCH_SIZE) {
    let pending: SendMessageBatchRequestEntry[] = messages
      .slice(start, start + SQS_BATCH_SIZE)
      .map((message, index) => ({
        Id: String(start + index),
        MessageBody: JSON.stringify(message),
        ...(delaySeconds ? { DelaySeconds: Math.min(900, Math.max(0, Math.round(delaySeconds))) } : {}),
        ...(eventMarker !== undefined && start + index === messages.length - 1
          ? { MessageAttributes: { [EVENT_MARKER_ATTRIBUTE]: { DataType: 'String', StringValue: eventMarker } } }
          : {}),
      }));
    for (let attempt = 1; pending.length > 0; attempt++) {
      let result;
      try {
        result = await sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: pending }));
      } catch (error) {
        throw new TransientError('could not enqueue ingest messages', { queue: 'ingest' }, { cause: error });
      }
      const failed = new Set((result.Failed ?? []).map((entry) => entry.Id));
      const senderFault = (result.Failed ?? []).find((entry) => entry.SenderFault);
      if (senderFault) {
        // A sender fault (e.g. a malformed body) fails identically on every retry.
        throw new ValidationError(`ingest queue rejected a message: ${senderFault.Code ?? 'unknown'}`, { queue: 'ingest' });
      }
      pending = pending.filter((entry) => failed.has(entry.Id));
      if (pending.length === 0) break;
      if (attempt >= maxAttempts) {
        throw new TransientError(`${pending.length} ingest message(s) not accepted by SQS after ${attempt} attempts`, { queue: 'ingest' });
      }
      await sleep(retryDelayMs * 2 ** (attempt - 1));
    }
  }
}
