// One SQS batch through the IngestService: each message is parsed against the queue contract and
// handled in turn. A message that failed for a reason that may pass (network, throttling, 5xx)
// returns to the queue on its own (Powertools batch + ReportBatchItemFailures) and reaches the DLQ
// after the redrive count. One that cannot succeed on retry (a malformed message, refused
// credentials, a parameter error) goes to the DLQ at once, with the reason, instead of waiting out
// five 90-minute visibility timeouts.
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { isRetryable, ValidationError } from '../errors.ts';
import type { IngestService } from './ingest-service.ts';
import type { IngestMetrics } from './ingest-metrics.ts';
import { IngestMessage } from './messages.ts';
import { EVENT_MARKER_ATTRIBUTE } from './queue.ts';
import { INGEST_MAX_RECEIVE_COUNT } from '../archive/table-design.ts';
import type { ArchiveFailureEvents } from '../events/failure-events.ts';

export interface IngestBatchDeps {
  readonly service: IngestService;
  readonly logger: Logger;
  readonly metrics: IngestMetrics;
  /**
   * Time kept back before Lambda's deadline to checkpoint and enqueue the continuation. Capped at a
   * quarter of the invocation's time so short local timeouts still copy something.
   */
  readonly deadlineMarginMs?: number;
  /** Where messages that cannot succeed on retry go at once; without it they take the redrive path. */
  readonly deadLetter?: { readonly sqs: SQSClient; readonly queueUrl: string };
  /** Records `Recording Archive Failed` for a message that gives up (shared/events/failure-events.ts). */
  readonly failures?: Pick<ArchiveFailureEvents, 'gaveUp'>;
  /** Receives after which SQS moves a failing message to the DLQ. @default INGEST_MAX_RECEIVE_COUNT */
  readonly maxReceiveCount?: number;
  /** Confirms the webhook's dedupe marker a message names (EVENT_MARKER_ATTRIBUTE; shared/webhook/dedupe.ts). */
  readonly confirmEventMarker?: (eventId: string) => Promise<unknown>;
}

export function ingestBatchHandler(deps: IngestBatchDeps): (event: SQSEvent, context: Context) => Promise<SQSBatchResponse> {
  const { logger, metrics } = deps;
  const marginMs = deps.deadlineMarginMs ?? 60_000;

  return async (event, context) => {
    metrics.messagesReceived(event.Records.length);
    const remaining = context.getRemainingTimeInMillis();
    const deadline = Date.now() + remaining - Math.min(marginMs, remaining / 4);
    // If a part still runs when Lambda's end nears (a slow source), stop it with time left to
    // checkpoint: the copy then reports 'incomplete' and continues in a new message.
    // AbortSignal.timeout() throws a RangeError on a fractional delay, and remaining / 8 is one
    // whenever less than 40 s remain: every such invocation failed its whole batch (chaos run).
    const hardStop = AbortSignal.timeout(Math.max(0, Math.floor(remaining - Math.min(5_000, remaining / 8))));
    const processor = new BatchProcessor(EventType.SQS);
    const recordHandler = async (record: SQSRecord): Promise<void> => {
      let message: IngestMessage | undefined;
      const receiveCount = Number(record.attributes.ApproximateReceiveCount ?? '1');
      try {
        message = parseMessage(record);
        logger.appendKeys({ messageId: record.messageId, kind: message.kind, ...idsOf(message) });
        await confirmMarker(record, deps, logger);
        await deps.service.handle(message, {
          invocationId: `${context.awsRequestId}:${record.messageId}`,
          deadline,
          signal: hardStop,
          receiveCount,
        });
      } catch (error) {
        const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        const toDeadLetter = deps.deadLetter !== undefined && !isRetryable(error);
        // Recorded before the message leaves: if this fails, the message comes back and tries again.
        if (toDeadLetter || receiveCount >= (deps.maxReceiveCount ?? INGEST_MAX_RECEIVE_COUNT)) {
          await deps.failures?.gaveUp({ message, messageId: record.messageId, receiveCount, reason, kind: toDeadLetter ? 'dead-letter' : 'retries-exhausted' });
        }
        if (deps.deadLetter && toDeadLetter) {
          await deps.deadLetter.sqs.send(
            new SendMessageCommand({
              QueueUrl: deps.deadLetter.queueUrl,
              MessageBody: record.body,
              MessageAttributes: { failure: { DataType: 'String', StringValue: reason.slice(0, 1000) } },
            }),
          );
          logger.error('message cannot succeed on retry; moved to the dead-letter queue', { error: reason });
          return;
        }
        logger.warn('message failed; it returns to the queue', { error: reason });
        metrics.retried();
        throw error;
      } finally {
        logger.resetKeys();
      }
    };
    // Sequential on purpose: each copy already runs parallel ranged transfers, and the deadline
    // applies to the whole batch.
    return processPartialResponse(event, recordHandler, processor, { throwOnFullBatchFailure: false, processInParallel: false });
  };
}

/**
 * On receipt, before the work: the message is on the queue whatever its handling does. Best
 * effort: an unconfirmed marker only lets a redelivery after its lease enqueue the event again.
 */
async function confirmMarker(record: SQSRecord, deps: IngestBatchDeps, logger: Logger): Promise<void> {
  const eventId = record.messageAttributes?.[EVENT_MARKER_ATTRIBUTE]?.stringValue;
  if (eventId === undefined || !deps.confirmEventMarker) return;
  try {
    await deps.confirmEventMarker(eventId);
  } catch (error) {
    logger.warn('could not confirm the webhook event marker; a redelivery after its lease is enqueued again', {
      trace_id: eventId,
      error: error instanceof Error ? error.message : String(error),
    });
  }
}

function parseMessage(record: SQSRecord): IngestMessage {
  let body: unknown;
  try {
    body = JSON.parse(record.body);
  } catch {
    throw new ValidationError('ingest message is not JSON', { messageId: record.messageId });
  }
  const parsed = IngestMessage.safeParse(body);
  if (!parsed.success) throw new ValidationError(`ingest message does not match the contract: ${parsed.error.message}`, { messageId: record.messageId });
  return parsed.data;
}

function idsOf(message: IngestMessage): Record<string, unknown> {
  switch (message.kind) {
    case 'archive-file':
      return { meetingId: message.meetingId, recordFileId: message.recordFileId };
    case 'source-deleted':
      return { meetingId: message.meetingId, recordFileIds: message.recordFileIds };
    case 'refresh-meeting':
      return { meetingId: message.meetingId, meetingRecordId: message.meetingRecordId };
    case 'recording-status':
    case 'archive-meeting':
      return { meetingId: message.meetingId };
    case 'resolve-file':
      return { recordFileId: message.recordFileId };
  }
}
