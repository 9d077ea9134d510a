// One worker copies a given file at a time. Duplicate messages (a retried webhook, a reconcile
// sweep racing the webhook) would otherwise start a second multipart upload of the same bytes.
// A lease expires on its own, so a worker killed mid-copy never blocks the file for long: the
// next delivery takes the lease over and resumes from the checkpoint.
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { keys } from '../archive/table-design.ts';
import { ConditionalItemStore, ttlAttribute } from '../aws/conditional-item-store.ts';

/** The TTL only clears old lease items away; `expiresAtMs` decides whether a lease is held, so a day's margin costs nothing. */
const LEASE_ITEM_GRACE_MS = 86_400_000;

export class CopyLeases {
  readonly #store: ConditionalItemStore;
  readonly #now: () => number;

  constructor(dynamo: DynamoDBDocumentClient, tableName: string, now: () => number = Date.now) {
    this.#store = new ConditionalItemStore(dynamo, tableName);
    this.#now = now;
  }

  /** True when `owner` now holds the lease on the file until `durationMs` from now. */
  async acquire(recordFileId: string, owner: string, durationMs: number): Promise<boolean> {
    const now = this.#now();
    return this.#store.put(
      { ...keys.copyLease(recordFileId), owner, expiresAtMs: now + durationMs, ...ttlAttribute(now + durationMs + LEASE_ITEM_GRACE_MS) },
      {
        condition: 'attribute_not_exists(pk) OR expiresAtMs < :now OR #owner = :owner',
        names: { '#owner': 'owner' },
        values: { ':now': now, ':owner': owner },
      },
    );
  }

  /** Gives the lease back; a lease another worker has taken over is left alone. */
  async release(recordFileId: string, owner: string): Promise<void> {
    await this.#store.delete(keys.copyLease(recordFileId), {
      condition: '#owner = :owner',
      names: { '#owner': 'owner' },
      values: { ':owner': owner },
    });
  }
}
