// How the source cleanup and expiry find their candidates: a walk over the account-wide index
// (byStartTime, oldest first), never a Scan, limited to recordings that started before the cutoff
// (nothing archived later than it started can be due). Each run continues where the last stopped
// (one position item, RECONCILE#source-cleanup, with a lease so two overlapping invocations do not
// walk it twice) and starts over once it reached the cutoff, so a recording skipped today (not
// verified yet, under hold) is looked at again on the next lap.
import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConditionalItemStore } from '../aws/conditional-item-store.ts';
import { partitionValues } from '../archive/archive-items.ts';
import { ARCHIVE_INDEXES, keys, startSortKey } from '../archive/table-design.ts';

export const CLEANUP_CURSOR_NAME = 'source-cleanup';

export interface CleanupPosition {
  /** Where the next page starts (an index key); undefined: at the oldest recording. */
  readonly startKey?: Record<string, unknown>;
  /** Walks that reached the cutoff so far. */
  readonly laps: number;
}

export interface CleanupPage {
  readonly meetingRecordIds: readonly string[];
  /** Undefined when this page reached the cutoff. */
  readonly next?: Record<string, unknown>;
}

export class CleanupWalk {
  readonly #dynamo: DynamoDBDocumentClient;
  readonly #tableName: string;
  readonly #store: ConditionalItemStore;
  readonly #now: () => number;
  readonly #key = keys.reconcileCursor(CLEANUP_CURSOR_NAME);

  constructor(options: { readonly dynamo: DynamoDBDocumentClient; readonly tableName: string; readonly now?: () => number }) {
    this.#dynamo = options.dynamo;
    this.#tableName = options.tableName;
    this.#store = new ConditionalItemStore(options.dynamo, options.tableName);
    this.#now = options.now ?? Date.now;
  }

  /** Takes the lease (free, expired or ours): the saved position, or undefined when another runner holds it. */
  async acquire(owner: string, leaseMs: number): Promise<CleanupPosition | undefined> {
    const now = this.#now();
    const item = await this.#store.update(this.#key, 'SET #owner = :owner, leaseUntilMs = :until', {
      condition: 'attribute_not_exists(leaseUntilMs) OR leaseUntilMs < :now OR #owner = :owner',
      names: { '#owner': 'owner' },
      values: { ':owner': owner, ':until': now + leaseMs, ':now': now },
    });
    if (!item) return undefined;
    const startKey = item.startKey as Record<string, unknown> | undefined;
    return { ...(startKey ? { startKey } : {}), laps: Number(item.laps ?? 0) };
  }

  /** Saves the position and gives the lease back. */
  async release(owner: string, position: CleanupPosition): Promise<void> {
    await this.#store.put(
      { ...this.#key, name: CLEANUP_CURSOR_NAME, laps: position.laps, updatedAtMs: this.#now(), ...(position.startKey ? { startKey: position.startKey } : {}) },
      { condition: '#owner = :owner', names: { '#owner': 'owner' }, values: { ':owner': owner } },
    );
  }

  /** Up to `limit` meeting recordings that started at or before `cutoffMs`, oldest first, from `startKey`. */
  async page(startKey: Record<string, unknown> | undefined, cutoffMs: number, limit: number): Promise<CleanupPage> {
    const index = ARCHIVE_INDEXES.byStartTime;
    const out = await this.#dynamo.send(
      new QueryCommand({
        TableName: this.#tableName,
        IndexName: index.indexName,
        KeyConditionExpression: '#pk = :pk AND #sk <= :hi',
        ExpressionAttributeNames: { '#pk': index.partitionKey, '#sk': index.sortKey, '#kind': 'kind' },
        ExpressionAttributeValues: { ':pk': partitionValues.account(), ':hi': startSortKey(Math.max(0, cutoffMs), '\uffff') },
        ProjectionExpression: 'meetingRecordId, #kind',
        ScanIndexForward: true,
        Limit: limit,
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    );
    const rows = (out.Items ?? []) as Array<{ meetingRecordId?: string; kind?: string }>;
    // Provisional recordings (no meeting_record_id yet) have no files to clean.
    const meetingRecordIds = rows.filter((r) => r.kind === 'meeting' && r.meetingRecordId).map((r) => r.meetingRecordId!);
    return { meetingRecordIds, ...(out.LastEvaluatedKey ? { next: out.LastEvaluatedKey } : {}) };
  }
}
