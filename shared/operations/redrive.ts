// Moves messages from the ingest DLQ back to the ingest queue (`npm run redrive`), whichever way
// they got there: sent by the worker itself because they could not succeed on retry (the `failure`
// message attribute, shared/ingest/sqs-batch.ts), or moved by SQS after maxReceiveCount receives.
//
// Never loses one: a message is deleted from the DLQ only after the ingest queue accepted its copy.
// A crash in between leaves it in both queues, which is harmless: every ingest message is a hint
// the worker handles idempotently (an archived file is not copied again, a copy resumes from its
// checkpoint). A message that does not fit the queue contract cannot succeed anywhere, so it stays
// in the DLQ and is reported.
import { ChangeMessageVisibilityCommand, DeleteMessageCommand, SendMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ArchiveIndex } from '../archive/archive-index.ts';
import { IngestMessage } from '../ingest/messages.ts';
import { deadLetterOrigin, receiveDeadLetters, type DeadLetterOrigin } from './queues.ts';

export interface RedriveDeps {
  readonly sqs: SQSClient;
  readonly dynamo: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly queueUrl: string;
  readonly deadLetterQueueUrl: string;
}

export interface DeadLetter {
  readonly messageId: string;
  readonly kind?: string;
  /** The ids the message names (meeting, recording, files). */
  readonly ids: Readonly<Record<string, string | readonly string[]>>;
  readonly origin: DeadLetterOrigin;
  /** What the archive index says of the file now (an artifact's lastError), for archive-file messages. */
  readonly indexed?: string;
  readonly sentAt?: string;
  /** Why it was not moved (a message outside the queue contract, or a send that failed). */
  readonly error?: string;
}

export interface RedriveOptions {
  /** Stop after this many messages. */
  readonly max: number;
  /** List the messages and move none (each is made visible again at once). */
  readonly dryRun: boolean;
  /** Told about each message as it is listed or moved. */
  readonly onMessage?: (message: DeadLetter, moved: boolean) => void;
  readonly signal?: AbortSignal;
}

export interface RedriveResult {
  readonly listed: readonly DeadLetter[];
  readonly moved: number;
  /** Left in the DLQ: not a valid ingest message, or the send failed. */
  readonly left: number;
}

/** How long a received message stays hidden while it is being moved or listed. */
const HOLD_SECONDS = 60;

export async function redrive(deps: RedriveDeps, options: RedriveOptions): Promise<RedriveResult> {
  const index = new ArchiveIndex({ dynamo: deps.dynamo, tableName: deps.tableName });
  const listed: DeadLetter[] = [];
  const seen = new Set<string>();
  const heldForListing: Message[] = [];
  let moved = 0;
  let left = 0;
  try {
    while (listed.length < options.max && !options.signal?.aborted) {
      const batch = (await receiveDeadLetters(deps.sqs, deps.deadLetterQueueUrl, options.max - listed.length, HOLD_SECONDS)).filter(
        (m) => m.MessageId && !seen.has(m.MessageId),
      );
      if (batch.length === 0) break;
      for (const message of batch) {
        seen.add(message.MessageId!);
        const described = await describe(index, message);
        if (options.dryRun || described.error) {
          // Listed only (or not movable): back to visible once the listing is done.
          heldForListing.push(message);
          if (described.error) left += 1;
          listed.push(described);
          options.onMessage?.(described, false);
          continue;
        }
        const outcome = await moveOne(deps, message, described);
        listed.push(outcome);
        if (outcome.error) {
          left += 1;
          heldForListing.push(message);
        } else {
          moved += 1;
        }
        options.onMessage?.(outcome, !outcome.error);
      }
    }
  } finally {
    // Whatever was only looked at is visible again in a second, not after the hold. One second, not
    // zero: fauxqs 2.4 with persistence (npm start) drops a message whose visibility is set to 0
    // (its store write fails after the message left the in-flight set); SQS treats both alike.
    await Promise.all(
      heldForListing.map((m) =>
        deps.sqs
          .send(new ChangeMessageVisibilityCommand({ QueueUrl: deps.deadLetterQueueUrl, ReceiptHandle: m.ReceiptHandle!, VisibilityTimeout: 1 }))
          .catch(() => undefined),
      ),
    );
  }
  return { listed, moved, left };
}

async function moveOne(deps: RedriveDeps, message: Message, described: DeadLetter): Promise<DeadLetter> {
  const parsed = IngestMessage.parse(JSON.parse(message.Body ?? ''));
  try {
    await deps.sqs.send(new SendMessageCommand({ QueueUrl: deps.queueUrl, MessageBody: JSON.stringify(forRedrive(parsed)) }));
  } catch (error) {
    return { ...described, error: `send to the ingest queue failed: ${(error as Error).name}: ${(error as Error).message}` };
  }
  // Only now: had the send failed, the message would still be here.
  await deps.sqs.send(new DeleteMessageCommand({ QueueUrl: deps.deadLetterQueueUrl, ReceiptHandle: message.ReceiptHandle! }));
  return described;
}

/**
 * The message as it goes back: its waiting budgets (deferrals, STS-token waits) start over, since
 * the operator redrives once the cause is fixed; a copy's continuation counts stay, so a copy that
 * stalled is given up again unless the next run makes progress (README, DLQ).
 */
export function forRedrive(message: IngestMessage): IngestMessage {
  const { deferrals: _deferrals, stsWaits: _stsWaits, ...rest } = message as IngestMessage & { deferrals?: number; stsWaits?: number };
  return rest as IngestMessage;
}

async function describe(index: ArchiveIndex, message: Message): Promise<DeadLetter> {
  const origin = deadLetterOrigin(message);
  const sent = Number(message.Attributes?.SentTimestamp);
  const base = { messageId: message.MessageId!, origin, ...(Number.isFinite(sent) && sent > 0 ? { sentAt: new Date(sent).toISOString() } : {}) };
  let body: unknown;
  try {
    body = JSON.parse(message.Body ?? '');
  } catch {
    return { ...base, ids: {}, error: 'not JSON: cannot succeed on any queue; left in the DLQ' };
  }
  const parsed = IngestMessage.safeParse(body);
  if (!parsed.success) {
    const kind = typeof (body as { kind?: unknown })?.kind === 'string' ? (body as { kind: string }).kind : undefined;
    return { ...base, ...(kind ? { kind } : {}), ids: {}, error: 'does not match the ingest message contract: cannot succeed on retry; left in the DLQ' };
  }
  const m = parsed.data;
  const ids = idsOf(m);
  const indexed = m.kind === 'archive-file' ? await indexedState(index, m.recordFileId) : undefined;
  return { ...base, kind: m.kind, ids, ...(indexed ? { indexed } : {}) };
}

function idsOf(m: IngestMessage): Record<string, string | readonly string[]> {
  const out: Record<string, string | readonly string[]> = {};
  if ('meetingId' in m && m.meetingId) out.meetingId = m.meetingId;
  if ('meetingRecordId' in m && m.meetingRecordId) out.meetingRecordId = m.meetingRecordId;
  if ('recordFileId' in m && m.recordFileId) out.recordFileId = m.recordFileId;
  if ('recordFileIds' in m) out.recordFileIds = m.recordFileIds;
  return out;
}

/** The file's artifacts that are not archived, with their last errors, as the index holds them. */
async function indexedState(index: ArchiveIndex, recordFileId: string): Promise<string | undefined> {
  const file = await index.getRecordFile(recordFileId).catch(() => undefined);
  if (!file) return 'not in the archive index yet';
  const open = Object.values(file.artifacts).filter((a) => a.status !== 'archived' && a.status !== 'deleted');
  if (open.length === 0) return 'every artifact is archived now (redriving it is a no-op)';
  return open.map((a) => `${a.artifact} ${a.status}${a.lastError ? `: ${a.lastError}` : ''}`).join('; ');
}
