// The outbox: how an archive event is published once per change and never lost. The change's own
// conditional write also puts the event as an OUTBOX#PENDING item (file-items.ts, for changes to a
// record file; `recordOnce` below, for a message that gave up, which changes no record). After the
// write the event is published and its pending item deleted. A publisher that fails, or a process
// that dies between the write and the publication, leaves the item; the reconcile sweep publishes
// what is left (`republishPending`). Delivery is therefore at least once: a process that dies after
// publishing but before deleting the item publishes it again, with the same `event_id`, which is
// what consumers dedupe on.
import { QueryCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import type { Logger } from '@aws-lambda-powertools/logger';
import { keys, OUTBOX_PENDING_PARTITION } from '../archive/table-design.ts';
import { ConditionalItemStore, ttlAttribute } from '../aws/conditional-item-store.ts';
import { MetricUnit } from '../observability/metrics.ts';
import type { ArchiveEvent } from './archive-events.ts';
import { ArchiveEventPublishError, assertDocumented, type ArchiveEventPublisher } from './publisher.ts';

/** How long a recordOnce marker keeps a repeat from publishing again: the DLQ's 14-day retention. */
const ONCE_MARKER_DAYS = 14;
/** Pending events younger than this are left to the writer still publishing them. */
export const DEFAULT_REPUBLISH_MIN_AGE_MS = 5 * 60_000;
/** Events published per sweep: a backlog (EventBridge down for a day) drains over several sweeps. */
const REPUBLISH_LIMIT = 1000;

export interface PendingEventItem {
  readonly pk: string;
  readonly sk: string;
  readonly kind: 'archive-event';
  readonly eventId: string;
  readonly detailType: ArchiveEvent['detailType'];
  readonly detail: ArchiveEvent['detail'];
  readonly recordedAtMs: number;
}

/** The item that records an event in its change's own write (put unconditionally: the change's condition is the guard). */
export function pendingEventItem(event: ArchiveEvent, nowMs: number): PendingEventItem {
  assertDocumented(event);
  return { ...keys.outboxPending(event.detail.event_id), kind: 'archive-event', eventId: event.detail.event_id, detailType: event.detailType, detail: event.detail, recordedAtMs: nowMs };
}

/** What the outbox publishes, under the service of the function it runs in (ingest, reconcile). */
export const ARCHIVE_EVENT_METRIC_NAMES = {
  published: 'ArchiveEventsPublished',
  publishFailed: 'ArchiveEventsPublishFailed',
  republished: 'ArchiveEventsRepublished',
} as const;

/** What the outbox counts: Powertools Metrics, or anything with the same call. */
export interface OutboxMetrics {
  addMetric(name: string, unit: (typeof MetricUnit)[keyof typeof MetricUnit], value: number): void;
}

export interface ArchiveEventOutboxOptions {
  readonly dynamo: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly publisher: ArchiveEventPublisher;
  readonly logger: Pick<Logger, 'info' | 'warn'>;
  readonly metrics?: OutboxMetrics;
  readonly now?: () => number;
}

export class ArchiveEventOutbox {
  readonly #options: ArchiveEventOutboxOptions;
  readonly #items: ConditionalItemStore;
  readonly #now: () => number;

  constructor(options: ArchiveEventOutboxOptions) {
    this.#options = options;
    this.#items = new ConditionalItemStore(options.dynamo, options.tableName);
    this.#now = options.now ?? Date.now;
  }

  /**
   * Publishes events whose pending items were just written, and deletes those items. Never throws:
   * the change is already recorded, and what was not published stays pending for the sweep.
   */
  async dispatch(events: readonly ArchiveEvent[]): Promise<void> {
    if (events.length === 0) return;
    const { logger, metrics } = this.#options;
    let failed = new Set<string>();
    try {
      await this.#options.publisher.publish(events);
    } catch (error) {
      failed = new Set(error instanceof ArchiveEventPublishError ? error.failedEventIds : events.map((e) => e.detail.event_id));
      metrics?.addMetric(ARCHIVE_EVENT_METRIC_NAMES.publishFailed, MetricUnit.Count, failed.size);
      logger.warn('archive events not published; kept for the reconcile sweep', { eventIds: [...failed], error: error instanceof Error ? error.message : String(error) });
    }
    const published = events.filter((e) => !failed.has(e.detail.event_id));
    if (published.length > 0) metrics?.addMetric(ARCHIVE_EVENT_METRIC_NAMES.published, MetricUnit.Count, published.length);
    for (const event of published) {
      logger.info('archive event published', { detailType: event.detailType, eventId: event.detail.event_id, ...idsOf(event) });
      await this.#clear(event.detail.event_id);
    }
  }

  /**
   * Records and publishes an event that no state change carries (a message that gave up), at most
   * once per `event_id`: a marker is put with the pending item in one transaction, conditioned on
   * the marker not existing yet. False when the event had been recorded before.
   */
  async recordOnce(event: ArchiveEvent): Promise<boolean> {
    const now = this.#now();
    const marker = { ...keys.outboxOnce(event.detail.event_id), kind: 'archive-event-once', ...ttlAttribute(now + ONCE_MARKER_DAYS * 86_400_000) };
    try {
      await this.#options.dynamo.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName: this.#options.tableName, Item: marker, ConditionExpression: 'attribute_not_exists(pk)' } },
            { Put: { TableName: this.#options.tableName, Item: pendingEventItem(event, now) } },
          ],
        }),
      );
    } catch (error) {
      if (error instanceof TransactionCanceledException && (error.CancellationReasons ?? []).some((r) => r.Code === 'ConditionalCheckFailed')) return false;
      throw error;
    }
    await this.dispatch([event]);
    return true;
  }

  /**
   * Publishes events left pending at least `minAgeMs` ago (their writer failed to publish, or died
   * first). Run by the reconcile sweep; a Query on the one outbox partition, never a Scan.
   */
  async republishPending(minAgeMs: number = DEFAULT_REPUBLISH_MIN_AGE_MS): Promise<{ republished: number; failed: number }> {
    const cutoff = this.#now() - minAgeMs;
    const due: ArchiveEvent[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.#options.dynamo.send(
        new QueryCommand({
          TableName: this.#options.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': OUTBOX_PENDING_PARTITION },
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      for (const item of (page.Items ?? []) as PendingEventItem[]) {
        if (item.recordedAtMs <= cutoff) due.push({ detailType: item.detailType, detail: item.detail } as ArchiveEvent);
      }
      start = page.LastEvaluatedKey;
    } while (start && due.length < REPUBLISH_LIMIT);
    let failed = 0;
    for (let i = 0; i < due.length; i += 50) {
      const batch = due.slice(i, i + 50);
      try {
        await this.#options.publisher.publish(batch);
      } catch (error) {
        const refused = new Set(error instanceof ArchiveEventPublishError ? error.failedEventIds : batch.map((e) => e.detail.event_id));
        failed += refused.size;
        this.#options.logger.warn('pending archive events still not published; trying again next sweep', { eventIds: [...refused], error: String(error) });
        for (const event of batch) if (!refused.has(event.detail.event_id)) await this.#clear(event.detail.event_id);
        continue;
      }
      for (const event of batch) await this.#clear(event.detail.event_id);
    }
    const republished = due.length - failed;
    if (due.length > 0) this.#options.logger.info('pending archive events republished', { republished, failed });
    this.#options.metrics?.addMetric(ARCHIVE_EVENT_METRIC_NAMES.republished, MetricUnit.Count, republished);
    return { republished, failed };
  }

  async #clear(eventId: string): Promise<void> {
    try {
      await this.#items.delete(keys.outboxPending(eventId));
    } catch (error) {
      // Published already: the sweep publishing it again is harmless (same event_id).
      this.#options.logger.warn('published archive event left pending; the sweep may publish it again', { eventId, error: String(error) });
    }
  }
}

function idsOf(event: ArchiveEvent): Record<string, string | undefined> {
  return { meetingId: event.detail.meeting_id, meetingRecordId: event.detail.meeting_record_id, recordFileId: event.detail.record_file_id };
}
