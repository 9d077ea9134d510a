// Webhook dedupe by trace_id, ordered so that it can never swallow an event.
//
// A naive "put if absent, then enqueue" loses the event when the enqueue fails: Tencent retries,
// finds the marker, and the retry is acknowledged as a duplicate. So a marker has two states:
//   pending  — written before enqueueing; a claim with a lease (`leaseSeconds`)
//   enqueued — the messages are on the queue: from then on the trace_id is a duplicate
// A failed enqueue deletes its own marker (release). If the process dies before it can (Lambda
// timeout, crash), the lease expires and the next delivery claims the event again: the lease (30 s)
// is shorter than Tencent's first retry (1 min) and longer than the webhook's timeout.
//
// The webhook does not confirm the marker itself: that would be a third call, in series, on the
// path Tencent waits for. The last message of the event carries the marker's id (an SQS message
// attribute, EVENT_MARKER_ATTRIBUTE in shared/ingest/queue.ts), and the worker confirms it when it
// receives the message (confirmEventMarker), which proves the messages were accepted. Until then, a
// redelivery inside the lease is a duplicate; one after it (a backlogged queue) is enqueued again.
// The worst case is a duplicate message, which the idempotent worker absorbs; never a lost one.
import { createHash, randomUUID } from 'node:crypto';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { keys } from '../archive/table-design.ts';
import { ConditionalItemStore, ttlAttribute } from '../aws/conditional-item-store.ts';

export const DEFAULT_DEDUPE_TTL_DAYS = 7;
export const DEFAULT_CLAIM_LEASE_SECONDS = 30;

export type EventMarkerStatus = 'pending' | 'enqueued';

export interface ClaimOptions {
  readonly ttlDays?: number;
  readonly leaseSeconds?: number;
  readonly now?: () => number;
}

/** A claimed event: its messages carry `eventId` for the worker to confirm; release() if they are not on the queue. */
export interface EventClaim {
  readonly eventId: string;
  release(): Promise<void>;
}

/**
 * A stable id for events that carry no trace_id (or unique_sequence): the same event name and
 * plaintext always give the same id, so Tencent's retries of it still dedupe.
 */
export function deriveEventId(eventName: string, plaintext: string): string {
  return `derived-${createHash('sha256').update(eventName).update('\n').update(plaintext).digest('hex')}`;
}

/**
 * Claims `eventId` for processing. Returns undefined when the event was already enqueued, or is
 * being enqueued right now by a delivery whose lease has not expired.
 */
export async function claimEvent(
  dynamo: DynamoDBDocumentClient,
  tableName: string,
  eventId: string,
  { ttlDays = DEFAULT_DEDUPE_TTL_DAYS, leaseSeconds = DEFAULT_CLAIM_LEASE_SECONDS, now = Date.now }: ClaimOptions = {},
): Promise<EventClaim | undefined> {
  const store = new ConditionalItemStore(dynamo, tableName);
  const claimedAtMs = now();
  const claimToken = randomUUID();
  const key = keys.event(eventId);
  const claimed = await store.put(
    { ...key, status: 'pending' satisfies EventMarkerStatus, claimToken, claimedAtMs, ...ttlAttribute(claimedAtMs + ttlDays * 86_400_000) },
    {
      condition: 'attribute_not_exists(pk) OR (#status = :pending AND #claimedAtMs < :staleBefore)',
      names: { '#status': 'status', '#claimedAtMs': 'claimedAtMs' },
      values: { ':pending': 'pending', ':staleBefore': claimedAtMs - leaseSeconds * 1000 },
    },
  );
  if (!claimed) return undefined;
  return {
    eventId,
    async release() {
      // Only our own claim: a delivery that took over after our lease expired keeps its marker. Any
      // status: when one entry of the last batch failed, the worker may already have confirmed the
      // marker from the last message, and Tencent's retry must still be taken.
      await store.delete(key, {
        condition: '#claimToken = :claimToken',
        names: { '#claimToken': 'claimToken' },
        values: { ':claimToken': claimToken },
      });
    },
  };
}

/**
 * The worker's half: a message of the event reached the queue, so its marker says `enqueued`.
 * False when there was nothing pending to confirm (already confirmed, released, or expired).
 */
export async function confirmEventMarker(dynamo: DynamoDBDocumentClient, tableName: string, eventId: string, now: () => number = Date.now): Promise<boolean> {
  const confirmed = await new ConditionalItemStore(dynamo, tableName).update(keys.event(eventId), 'SET #status = :enqueued, enqueuedAtMs = :now', {
    condition: '#status = :pending',
    names: { '#status': 'status' },
    values: { ':pending': 'pending', ':enqueued': 'enqueued' satisfies EventMarkerStatus, ':now': now() },
  });
  return confirmed !== undefined;
}
