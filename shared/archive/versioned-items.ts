// The archive index's storage mechanics, with no knowledge of meetings: items carrying a `version`,
// read consistently, changed in code, and written back only if nobody wrote them meanwhile.
//
// Every write is read → merge → conditional write on the item's `version` (optimistic locking),
// retried on a lost race. Merging in code keeps the rules in one readable place (see
// archive-index.ts and occurrences.ts), and the version condition makes the write as safe as a
// hand-written condition expression: two workers never overwrite each other, a duplicate upsert
// changes nothing. Counters are written in the same TransactWriteItems as the items, so a retry or
// a duplicate event can never count a recording twice.
import { TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { ConditionalItemStore, type ItemKey, type StoredItem } from '../aws/conditional-item-store.ts';
import { counterUpdates, type CounterDeltas } from './counters.ts';
import { TransientError } from '../errors.ts';

/**
 * One item to put: `before` is the version that was read (undefined: the item must not exist yet),
 * or `unconditional` for an item that rides along with a conditioned one (an outbox event: the
 * change's own condition is its guard).
 */
export interface VersionedWrite {
  readonly before: { readonly version: number } | undefined;
  readonly after: object;
  readonly unconditional?: boolean;
}

export interface VersionedItemsOptions {
  readonly dynamo: DynamoDBDocumentClient;
  readonly tableName: string;
  /** Attempts for one optimistic write before giving up with a TransientError. */
  readonly maxAttempts?: number;
}

/** Thrown by `write` when another writer got there first; `retrying` starts the attempt over. */
class LostRace extends Error {}

export class VersionedItems {
  readonly dynamo: DynamoDBDocumentClient;
  readonly tableName: string;
  private readonly maxAttempts: number;
  /** Single-item reads and puts: the project's one conditional store. */
  private readonly items: ConditionalItemStore;

  constructor(options: VersionedItemsOptions) {
    this.dynamo = options.dynamo;
    this.tableName = options.tableName;
    // Files of one meeting indexed at once all write its MEETING item: four such writers on
    // DynamoDB Local lost up to 9 races in a row (test/integration/archive/large-recording.test.ts).
    this.maxAttempts = options.maxAttempts ?? 16;
    this.items = new ConditionalItemStore(options.dynamo, options.tableName);
  }

  /** A consistent read: the version it returns is the one a following `write` is conditioned on. */
  async get<T>(key: { readonly pk: string; readonly sk: string }): Promise<T | undefined> {
    return (await this.items.get(key)) as T | undefined;
  }

  /**
   * Runs a read-modify-write attempt until its `write` wins (jittered, exponentially growing pauses
   * between attempts); a TransientError once it has lost `maxAttempts` races.
   */
  async retrying<T>(attempt: () => Promise<T>): Promise<T> {
    for (let i = 1; ; i++) {
      try {
        return await attempt();
      } catch (error) {
        if (!(error instanceof LostRace)) throw error;
        if (i >= this.maxAttempts) throw new TransientError('archive index write kept losing concurrent races', {}, { cause: error });
        // Full jitter on a growing ceiling: writers of one hot item (a meeting whose files are
        // indexed at once) spread out instead of colliding again in lockstep.
        await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(1000, 20 * 2 ** i)));
      }
    }
  }

  /** Puts items conditioned on the versions read, plus counter deltas, all or nothing. */
  async write(writes: readonly VersionedWrite[], deltas: CounterDeltas): Promise<void> {
    const conditions = writes.map(({ before, unconditional }): { condition?: string; names?: Record<string, string>; values?: Record<string, unknown> } => {
      if (unconditional) return {};
      if (!before) return { condition: 'attribute_not_exists(pk)' };
      // Version 0: the item exists without one (a file pointer written before it held a record).
      if (before.version === 0) return { condition: 'attribute_not_exists(#v)', names: { '#v': 'version' } };
      return { condition: '#v = :v', names: { '#v': 'version' }, values: { ':v': before.version } };
    });
    if (writes.length === 1 && deltas.size === 0) {
      if (!(await this.items.put(writes[0]!.after as ItemKey & StoredItem, conditions[0]))) throw new LostRace();
      return;
    }
    const puts = writes.map(({ after }, i) => {
      const { condition, names, values } = conditions[i]!;
      return {
        TableName: this.tableName,
        Item: after as Record<string, unknown>,
        ...(condition ? { ConditionExpression: condition } : {}),
        ...(names ? { ExpressionAttributeNames: names } : {}),
        ...(values ? { ExpressionAttributeValues: values } : {}),
      };
    });
    const counters = counterUpdates(this.tableName, deltas);
    try {
      await this.dynamo.send(new TransactWriteCommand({ TransactItems: [...puts.map((Put) => ({ Put })), ...counters] }));
    } catch (error) {
      if (error instanceof TransactionCanceledException) {
        const reasons = error.CancellationReasons ?? [];
        if (reasons.some((r) => r.Code === 'ConditionalCheckFailed' || r.Code === 'TransactionConflict')) throw new LostRace();
      }
      throw error;
    }
  }
}

/** Equal apart from `version` and `updatedAt`: writing `b` over `a` would change nothing a reader sees. */
export function sameContent(a: object, b: object): boolean {
  const strip = (o: object) => {
    const { version: _v, updatedAt: _u, ...rest } = o as Record<string, unknown>;
    return canonical(rest);
  };
  return strip(a) === strip(b);
}

function canonical(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'undefined';
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  return `{${Object.keys(value)
    .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
    .join(',')}}`;
}

