// A request budget shared by every process that calls one rate-limited Tencent API (GET
// /v1/corp/records allows 10 calls a minute per app). An in-process limiter cannot see back-to-back
// Lambda invocations, a concurrent retry or a backfill running on a laptop, so the budget lives in
// one DynamoDB item that every caller updates with an optimistic-concurrency conditional write.
//
// The item holds a sliding log: the grant times of the last `limit` calls. A call is granted only
// when fewer than `limit` grants fall inside the last `windowMs`, which is the strictest reading
// of "N per minute": it holds for every 60-second interval, whether Tencent counts per calendar
// minute or over a sliding window. The log never grows past `limit` entries.
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConditionalItemStore } from '../aws/conditional-item-store.ts';

/** Where a budget lives; one item per rate-limited API. Reconcile-owned, beside RECONCILE#<name>. */
export function budgetKey(name: string): { pk: string; sk: string } {
  return { pk: `BUDGET#${name}`, sk: 'BUDGET' };
}

export const CORP_RECORDS_BUDGET = 'tencent:corp-records';

export type BudgetDecision =
  | { readonly granted: true; readonly remaining: number }
  | { readonly granted: false; readonly retryAfterMs: number };

export interface RateBudget {
  /** Takes one call from the budget, or says how long until one is free. Never waits. */
  tryAcquire(): Promise<BudgetDecision>;
  /** The API said "limit exceeded" anyway (someone outside the budget called it): grant nothing until `untilMs`. */
  blockUntil(untilMs: number): Promise<void>;
}

export interface DynamoRateBudgetOptions {
  readonly dynamo: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly name?: string;
  /** Calls per window. */
  readonly limit?: number;
  /** The window plus a margin: a grant is taken before the request leaves, and clocks drift a little. */
  readonly windowMs?: number;
  readonly now?: () => number;
  /** Conditional-write retries under contention before giving up with an error. */
  readonly maxAttempts?: number;
}

interface BudgetItem {
  readonly grants?: readonly number[];
  readonly blockedUntilMs?: number;
  readonly version?: number;
}

export const CORP_RECORDS_LIMIT_PER_MINUTE = 10;
export const DEFAULT_BUDGET_WINDOW_MS = 62_000;

export class DynamoRateBudget implements RateBudget {
  readonly limit: number;
  readonly windowMs: number;
  private readonly store: ConditionalItemStore;
  private readonly key: { pk: string; sk: string };
  private readonly now: () => number;
  private readonly maxAttempts: number;

  constructor(options: DynamoRateBudgetOptions) {
    this.store = new ConditionalItemStore(options.dynamo, options.tableName);
    this.key = budgetKey(options.name ?? CORP_RECORDS_BUDGET);
    this.limit = options.limit ?? CORP_RECORDS_LIMIT_PER_MINUTE;
    this.windowMs = options.windowMs ?? DEFAULT_BUDGET_WINDOW_MS;
    this.now = options.now ?? Date.now;
    this.maxAttempts = options.maxAttempts ?? 20;
    if (!Number.isInteger(this.limit) || this.limit < 1) throw new RangeError('budget limit must be a positive integer');
  }

  async tryAcquire(): Promise<BudgetDecision> {
    for (let attempt = 0; attempt < this.maxAttempts; attempt += 1) {
      const now = this.now();
      const { item, exists } = await this.read();
      if (item.blockedUntilMs !== undefined && item.blockedUntilMs > now) {
        return { granted: false, retryAfterMs: item.blockedUntilMs - now };
      }
      // Grants stamped by a clock running ahead of ours count as recent: conservative on purpose.
      const recent = (item.grants ?? []).filter((t) => t > now - this.windowMs).sort((a, b) => a - b);
      if (recent.length >= this.limit) {
        const oldest = recent[recent.length - this.limit]!;
        return { granted: false, retryAfterMs: Math.max(1, oldest + this.windowMs - now) };
      }
      const grants = [...recent, now].slice(-this.limit);
      if (await this.write(exists, item, { grants, blockedUntilMs: item.blockedUntilMs })) {
        return { granted: true, remaining: this.limit - grants.length };
      }
    }
    throw new Error(`rate budget ${this.key.pk}: too much contention (${this.maxAttempts} conditional writes lost)`);
  }

  async blockUntil(untilMs: number): Promise<void> {
    for (let attempt = 0; attempt < this.maxAttempts; attempt += 1) {
      const { item, exists } = await this.read();
      if ((item.blockedUntilMs ?? 0) >= untilMs) return;
      if (await this.write(exists, item, { grants: item.grants ?? [], blockedUntilMs: untilMs })) return;
    }
    throw new Error(`rate budget ${this.key.pk}: too much contention (${this.maxAttempts} conditional writes lost)`);
  }

  /** Grants inside the current window (for logs and tests). */
  async inUse(): Promise<number> {
    const now = this.now();
    const { item } = await this.read();
    return (item.grants ?? []).filter((t) => t > now - this.windowMs).length;
  }

  private async read(): Promise<{ item: BudgetItem; exists: boolean }> {
    const stored = await this.store.get(this.key);
    return { item: (stored as BudgetItem | undefined) ?? {}, exists: stored !== undefined };
  }

  /** False when another caller changed the item first; the caller then re-reads and decides again. */
  private async write(
    exists: boolean,
    previous: BudgetItem,
    next: { grants: readonly number[]; blockedUntilMs: number | undefined },
  ): Promise<boolean> {
    const version = previous.version ?? 0;
    return this.store.put(
      { ...this.key, grants: [...next.grants], blockedUntilMs: next.blockedUntilMs, version: version + 1 },
      exists ? { condition: '#v = :v', names: { '#v': 'version' }, values: { ':v': version } } : { condition: 'attribute_not_exists(pk)' },
    );
  }
}

/** Waits for a grant while the caller has time; returns the refusal when the wait would pass `maxWaitMs()`. */
export async function acquireWithin(
  budget: RateBudget,
  maxWaitMs: () => number,
  sleep: (ms: number) => Promise<void>,
): Promise<BudgetDecision> {
  for (;;) {
    const decision = await budget.tryAcquire();
    if (decision.granted || decision.retryAfterMs > maxWaitMs()) return decision;
    await sleep(decision.retryAfterMs);
  }
}
