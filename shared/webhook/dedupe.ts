// Webhook dedupe by trace_id, ordered so that it can never swallow an event.
//
// A naive "put if absent, then enqueue" loses the event when the enqueue fails: Tencent retries,
// finds the marker, and the retry is acknowledged as a duplicate. So a marker has two states:
//   pending  — written before enqueueing; a claim with a lease (`leaseSeconds`)
//   enqueued — written after SendMessageBatch succeeded; from then on the trace_id is a duplicate
// A failed enqueue deletes its own pending marker (release). If the process dies before it can
// (Lambda timeout, crash), the lease expires and the next delivery claims the event again: the
// lease (30 s) is shorter than Tencent's first retry (1 min) and longer than the webhook's timeout.
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

/** A claimed event: confirm() after the messages are on the queue, release() if they are not. */
export interface EventClaim {
  readonly eventId: string;
  confirm(): Promise<void>;
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
  const item = (status: EventMarkerStatus, at: number) => ({
    ...key,
    status,
    claimToken,
    claimedAtMs,
    ...(status === 'enqueued' ? { enqueuedAtMs: at } : {}),
    ...ttlAttribute(at + ttlDays * 86_400_000),
  });
  const claimed = await store.put(item('pending', claimedAtMs), {
    condition: 'attribute_not_exists(pk) OR (#status = :pending AND #claimedAtMs < :staleBefore)',
    names: { '#status': 'status', '#claimedAtMs': 'claimedAtMs' },
    values: { ':pending': 'pending', ':staleBefore': claimedAtMs - leaseSeconds * 1000 },
  });
  if (!claimed) return undefined;
  return {
    eventId,
    async confirm() {
      await store.put(item('enqueued', now()));
    },
    async release() {
      // Only our own claim: a delivery that took over after our lease expired keeps its marker.
      await store.delete(key, {
        condition: '#claimToken = :claimToken AND #status = :pending',
        names: { '#claimToken': 'claimToken', '#status': 'status' },
        values: { ':claimToken': claimToken, ':pending': 'pending' },
      });
    },
  };
}
