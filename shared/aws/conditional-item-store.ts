// The one place where a single DynamoDB item is read and conditionally written. Leases, markers,
// tokens, checkpoints, cursors and budgets all follow the same pattern: write only if a condition
// holds, and treat a failed condition as an answer ("someone else holds it", "a newer one is
// stored"), not as an error. Here a failed condition comes back as `false` (or `undefined`), every
// other error is rethrown, and reads are consistent, because each caller decides on what it read.
//
// Deliberately small: callers keep their own keys, conditions and attribute names, written as
// plain DynamoDB expressions. This is not a query builder.
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  UpdateCommand,
  type BatchGetCommandOutput,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { TTL_ATTRIBUTE } from '../archive/table-design.ts';
import { TransientError } from '../errors.ts';

export interface ItemKey {
  readonly pk: string;
  readonly sk: string;
}

export type StoredItem = Record<string, unknown>;

/** A ConditionExpression with its placeholders; `names` and `values` also serve an update expression. */
export interface WriteCondition {
  readonly condition?: string;
  readonly names?: Readonly<Record<string, string>>;
  readonly values?: Readonly<Record<string, unknown>>;
}

/**
 * True for a write refused by its condition. Matched by class and by name: the class check alone
 * misses an error that crossed a module boundary (a second copy of the SDK, a test double), the
 * name alone would trust any object.
 */
export function isConditionalCheckFailed(error: unknown): boolean {
  return (
    error instanceof ConditionalCheckFailedException ||
    (error as { name?: unknown } | null | undefined)?.name === 'ConditionalCheckFailedException'
  );
}

/**
 * The table's TTL attribute for an item that may be deleted from `expiresAtMs` on. Rounded up to
 * the second DynamoDB counts in, so an item never expires before its time.
 */
export function ttlAttribute(expiresAtMs: number): { [TTL_ATTRIBUTE]: number } {
  return { [TTL_ATTRIBUTE]: Math.ceil(expiresAtMs / 1000) };
}

/** Rounds of UnprocessedKeys / UnprocessedItems retried before a batch gives up. */
const MAX_UNPROCESSED_ROUNDS = 8;
const BATCH_GET_LIMIT = 100;
const BATCH_WRITE_LIMIT = 25;

export interface ConditionalItemStoreOptions {
  /** Waits between rounds of unprocessed batch entries (tests make it instant). */
  readonly backoff?: (round: number) => Promise<void>;
}

export class ConditionalItemStore {
  readonly tableName: string;
  readonly #dynamo: DynamoDBDocumentClient;
  readonly #backoff: (round: number) => Promise<void>;

  constructor(dynamo: DynamoDBDocumentClient, tableName: string, options: ConditionalItemStoreOptions = {}) {
    this.#dynamo = dynamo;
    this.tableName = tableName;
    this.#backoff = options.backoff ?? exponentialBackoff;
  }

  /** The item as last written (consistent read), or undefined. */
  async get(key: ItemKey): Promise<StoredItem | undefined> {
    const { Item } = await this.#dynamo.send(new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }));
    return Item;
  }

  /** Writes the whole item; false when `condition` refused it (nothing was written). */
  async put(item: ItemKey & StoredItem, condition: WriteCondition = {}): Promise<boolean> {
    return this.#whenConditionHolds(async () => {
      await this.#dynamo.send(new PutCommand({ TableName: this.tableName, Item: item, ...expressions(condition) }));
    });
  }

  /**
   * Applies `updateExpression` and returns the item as it is now, or undefined when `condition`
   * refused the update (nothing was written).
   */
  async update(key: ItemKey, updateExpression: string, condition: WriteCondition = {}): Promise<StoredItem | undefined> {
    let updated: StoredItem | undefined;
    const applied = await this.#whenConditionHolds(async () => {
      const result = await this.#dynamo.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key,
          UpdateExpression: updateExpression,
          ...expressions(condition),
          ReturnValues: 'ALL_NEW',
        }),
      );
      updated = result.Attributes ?? { ...key };
    });
    return applied ? updated : undefined;
  }

  /** Deletes the item; false when `condition` refused it (the item is still there). */
  async delete(key: ItemKey, condition: WriteCondition = {}): Promise<boolean> {
    return this.#whenConditionHolds(async () => {
      await this.#dynamo.send(new DeleteCommand({ TableName: this.tableName, Key: key, ...expressions(condition) }));
    });
  }

  /**
   * The items that exist among `keys` (consistent reads, any order), in BatchGetItem's chunks,
   * retrying the keys DynamoDB left unprocessed. `what` names the items in the error when it keeps
   * leaving some.
   */
  async batchGet(keys: readonly ItemKey[], what: string): Promise<StoredItem[]> {
    const found: StoredItem[] = [];
    for (let i = 0; i < keys.length; i += BATCH_GET_LIMIT) {
      let pending: Record<string, unknown>[] | undefined = keys.slice(i, i + BATCH_GET_LIMIT).map((key) => ({ ...key }));
      for (let round = 0; pending && pending.length > 0; round += 1) {
        if (round > MAX_UNPROCESSED_ROUNDS) throw new TransientError(`BatchGet of ${what} kept returning unprocessed keys`);
        const result: BatchGetCommandOutput = await this.#dynamo.send(
          new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: pending, ConsistentRead: true } } }),
        );
        found.push(...(result.Responses?.[this.tableName] ?? []));
        pending = result.UnprocessedKeys?.[this.tableName]?.Keys;
        if (pending && pending.length > 0) await this.#backoff(round);
      }
    }
    return found;
  }

  /** Writes every item unconditionally (BatchWriteItem takes no conditions), retrying unprocessed ones. */
  async batchPut(items: readonly (ItemKey & StoredItem)[], what: string): Promise<void> {
    for (let i = 0; i < items.length; i += BATCH_WRITE_LIMIT) {
      type PutRequests = { PutRequest: { Item: Record<string, unknown> } }[];
      let pending: PutRequests | undefined = items.slice(i, i + BATCH_WRITE_LIMIT).map((item) => ({ PutRequest: { Item: item } }));
      for (let round = 0; pending && pending.length > 0; round += 1) {
        if (round > MAX_UNPROCESSED_ROUNDS) throw new TransientError(`BatchWrite of ${what} kept returning unprocessed items`);
        const result = await this.#dynamo.send(new BatchWriteCommand({ RequestItems: { [this.tableName]: pending } }));
        pending = result.UnprocessedItems?.[this.tableName] as PutRequests | undefined;
        if (pending && pending.length > 0) await this.#backoff(round);
      }
    }
  }

  async #whenConditionHolds(write: () => Promise<void>): Promise<boolean> {
    try {
      await write();
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }
}

/** DynamoDB rejects empty placeholder maps, so only what the caller gave is sent. */
function expressions({ condition, names, values }: WriteCondition) {
  return {
    ...(condition !== undefined ? { ConditionExpression: condition } : {}),
    ...(names !== undefined ? { ExpressionAttributeNames: { ...names } } : {}),
    ...(values !== undefined ? { ExpressionAttributeValues: { ...values } } : {}),
  };
}

function exponentialBackoff(round: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.min(2000, 50 * 2 ** round)));
}
