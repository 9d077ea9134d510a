// Progress of a sweep (the scheduled reconcile, or one backfill range) in one DynamoDB item, so a
// run that outgrows one invocation, or a backfill that was interrupted, continues at the next page
// instead of starting over. The item also carries a lease: one runner per cursor at a time, every
// save conditional on still holding it, so two overlapping invocations cannot walk (and enqueue)
// the same pages twice.
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { keys } from '../archive/table-design.ts';
import { ConditionalItemStore } from '../aws/conditional-item-store.ts';

export interface SweepTotals {
  /** GET /v1/corp/records calls made. */
  pages: number;
  /** Meeting recordings listed (any state). */
  meetings: number;
  /** Meeting recordings still recording / transcoding: no files listed yet. */
  meetingsNotReady: number;
  /** Record files listed. */
  files: number;
  /** Their record_size sum. */
  bytes: number;
  /** Files already archived: left alone. */
  filesArchived: number;
  /** Files enqueued recently by an earlier run or another sweep: not sent again. */
  filesAlreadyEnqueued: number;
  /** Files sent to the ingest queue (or, in a dry run, that would be). */
  filesEnqueued: number;
  bytesEnqueued: number;
  /** Meetings that contributed at least one enqueued file. */
  meetingsEnqueued: number;
}

export function emptyTotals(): SweepTotals {
  return {
    pages: 0,
    meetings: 0,
    meetingsNotReady: 0,
    files: 0,
    bytes: 0,
    filesArchived: 0,
    filesAlreadyEnqueued: 0,
    filesEnqueued: 0,
    bytesEnqueued: 0,
    meetingsEnqueued: 0,
  };
}

export function addTotals(a: SweepTotals, b: Partial<SweepTotals>): SweepTotals {
  const out = { ...a };
  for (const key of Object.keys(out) as (keyof SweepTotals)[]) out[key] += b[key] ?? 0;
  return out;
}

export interface SweepCursor {
  /** The whole range this run covers, unix seconds; split into windows of windowSeconds by the sweep. */
  readonly planStartSec: number;
  readonly planEndSec: number;
  /** Next window (index into the split plan) and next page (from 1) to fetch. */
  readonly windowIndex: number;
  readonly page: number;
  /** Pages of the current window as Tencent last reported them (0 = not fetched yet). */
  readonly totalPages: number;
  readonly windowCount: number;
  /** The window length windowIndex counts in; cursors saved before it was recorded used 31 days. */
  readonly windowSeconds?: number;
  readonly status: 'running' | 'complete';
  readonly totals: SweepTotals;
  readonly startedAtMs: number;
  readonly updatedAtMs: number;
  readonly completedAtMs?: number;
  /** End of the last plan that completed: the next scheduled sweep starts no later than this. */
  readonly lastCompletedPlanEndSec?: number;
}

export class LeaseHeldError extends Error {
  readonly owner: string;
  readonly leaseUntilMs: number;

  constructor(name: string, owner: string, leaseUntilMs: number) {
    super(`sweep '${name}' is being run by ${owner} (lease until ${new Date(leaseUntilMs).toISOString()})`);
    this.name = 'LeaseHeldError';
    this.owner = owner;
    this.leaseUntilMs = leaseUntilMs;
  }
}

export class LeaseLostError extends Error {
  constructor(name: string, owner: string) {
    super(`sweep '${name}': ${owner} lost its lease (another runner took over); stopping without saving`);
    this.name = 'LeaseLostError';
  }
}

export interface CursorStoreOptions {
  readonly dynamo: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly now?: () => number;
}

export class CursorStore {
  private readonly store: ConditionalItemStore;
  private readonly now: () => number;

  constructor(options: CursorStoreOptions) {
    this.store = new ConditionalItemStore(options.dynamo, options.tableName);
    this.now = options.now ?? Date.now;
  }

  async get(name: string): Promise<SweepCursor | undefined> {
    const item = await this.store.get(keys.reconcileCursor(name));
    return item ? toCursor(item) : undefined;
  }

  /** Takes the lease (free, expired or already ours) and returns the saved cursor, if any. */
  async acquire(name: string, owner: string, leaseMs: number): Promise<SweepCursor | undefined> {
    const now = this.now();
    const leased = await this.store.update(keys.reconcileCursor(name), 'SET #owner = :owner, leaseUntilMs = :until', {
      condition: 'attribute_not_exists(leaseUntilMs) OR leaseUntilMs < :now OR #owner = :owner',
      names: { '#owner': 'owner' },
      values: { ':owner': owner, ':until': now + leaseMs, ':now': now },
    });
    if (!leased) {
      const current = await this.store.get(keys.reconcileCursor(name));
      throw new LeaseHeldError(name, String(current?.owner ?? 'unknown'), Number(current?.leaseUntilMs ?? 0));
    }
    // A first lease creates an item with nothing but the lease in it: no saved progress yet.
    return leased.planStartSec !== undefined ? toCursor(leased) : undefined;
  }

  /** Saves progress and renews the lease; fails when the lease was lost (the other runner's progress wins). */
  async save(name: string, owner: string, cursor: SweepCursor, leaseMs: number): Promise<void> {
    const saved = await this.store.put(
      { ...keys.reconcileCursor(name), ...cursor, name, owner, leaseUntilMs: this.now() + leaseMs },
      { condition: '#owner = :owner', names: { '#owner': 'owner' }, values: { ':owner': owner } },
    );
    if (!saved) throw new LeaseLostError(name, owner);
  }

  /** Gives the lease back so the next run need not wait for it to expire. */
  async release(name: string, owner: string): Promise<void> {
    await this.store.update(keys.reconcileCursor(name), 'REMOVE #owner, leaseUntilMs', {
      condition: '#owner = :owner',
      names: { '#owner': 'owner' },
      values: { ':owner': owner },
    });
  }
}

function toCursor(item: Record<string, unknown>): SweepCursor {
  const n = (v: unknown): number => Number(v ?? 0);
  const totals = addTotals(emptyTotals(), (item.totals as Partial<SweepTotals> | undefined) ?? {});
  return {
    planStartSec: n(item.planStartSec),
    planEndSec: n(item.planEndSec),
    windowIndex: n(item.windowIndex),
    page: Math.max(1, n(item.page)),
    totalPages: n(item.totalPages),
    windowCount: n(item.windowCount),
    ...(item.windowSeconds !== undefined ? { windowSeconds: n(item.windowSeconds) } : {}),
    status: item.status === 'complete' ? 'complete' : 'running',
    totals,
    startedAtMs: n(item.startedAtMs),
    updatedAtMs: n(item.updatedAtMs),
    ...(item.completedAtMs !== undefined ? { completedAtMs: n(item.completedAtMs) } : {}),
    ...(item.lastCompletedPlanEndSec !== undefined ? { lastCompletedPlanEndSec: n(item.lastCompletedPlanEndSec) } : {}),
  };
}
