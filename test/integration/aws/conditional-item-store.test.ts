// The conditional-write-and-classify pattern every single-item store builds on, against DynamoDB
// Local: a refused condition is an answer (false / undefined) and writes nothing; anything else
// is an error and reaches the caller.
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createTestResources } from '../../support/aws.ts';
import { ConditionalItemStore, isConditionalCheckFailed, ttlAttribute } from '../../../shared/aws/conditional-item-store.ts';
import { TransientError } from '../../../shared/errors.ts';

const key = { pk: 'TEST#item', sk: 'ITEM' };
const ownedBy = (owner: string) => ({ condition: '#owner = :owner', names: { '#owner': 'owner' }, values: { ':owner': owner } });

let dynamo: DynamoDBDocumentClient;
let store: ConditionalItemStore;

beforeAll(async () => {
  const resources = await createTestResources();
  dynamo = resources.clients.dynamo;
  store = new ConditionalItemStore(dynamo, resources.tableName);
});

beforeEach(async () => {
  await store.delete(key);
});

describe('ConditionalItemStore (DynamoDB Local)', () => {
  it('put: true when the condition holds, false and nothing written when it does not', async () => {
    expect(await store.put({ ...key, owner: 'a', n: 1 }, { condition: 'attribute_not_exists(pk)' })).toBe(true);
    expect(await store.put({ ...key, owner: 'b', n: 2 }, { condition: 'attribute_not_exists(pk)' })).toBe(false);
    expect(await store.put({ ...key, owner: 'b', n: 3 }, ownedBy('b'))).toBe(false);
    expect(await store.get(key)).toEqual({ ...key, owner: 'a', n: 1 });

    expect(await store.put({ ...key, owner: 'a', n: 4 }, ownedBy('a'))).toBe(true);
    expect(await store.get(key)).toEqual({ ...key, owner: 'a', n: 4 });
    // Without a condition a put always writes.
    expect(await store.put({ ...key, owner: 'c' })).toBe(true);
    expect(await store.get(key)).toEqual({ ...key, owner: 'c' });
  });

  it('update: the item as written, or undefined and nothing written when the condition fails', async () => {
    const created = await store.update(key, 'SET #owner = :owner, n = :n', {
      condition: 'attribute_not_exists(pk)',
      names: { '#owner': 'owner' },
      values: { ':owner': 'a', ':n': 1 },
    });
    expect(created).toEqual({ ...key, owner: 'a', n: 1 });

    expect(await store.update(key, 'SET n = :n', { ...ownedBy('b'), values: { ':owner': 'b', ':n': 2 } })).toBeUndefined();
    expect(await store.get(key)).toEqual({ ...key, owner: 'a', n: 1 });

    expect(await store.update(key, 'REMOVE #owner', ownedBy('a'))).toEqual({ ...key, n: 1 });
    expect(await store.get(key)).toEqual({ ...key, n: 1 });
  });

  it('delete: false and the item kept when the condition fails; true and gone when it holds', async () => {
    await store.put({ ...key, owner: 'a' });
    expect(await store.delete(key, ownedBy('b'))).toBe(false);
    expect(await store.get(key)).toEqual({ ...key, owner: 'a' });
    expect(await store.delete(key, ownedBy('a'))).toBe(true);
    expect(await store.get(key)).toBeUndefined();
    // A condition on a missing item fails; an unconditional delete of one succeeds.
    expect(await store.delete(key, ownedBy('a'))).toBe(false);
    expect(await store.delete(key)).toBe(true);
  });

  it('rethrows every error that is not a failed condition', async () => {
    // Invalid expression (ValidationException), and a table that does not exist.
    await expect(store.put({ ...key }, { condition: '#missing = :v', values: { ':v': 1 } })).rejects.toMatchObject({ name: 'ValidationException' });
    await expect(store.update(key, 'SET = broken')).rejects.toMatchObject({ name: 'ValidationException' });
    const noTable = new ConditionalItemStore(dynamo, 'no-such-table');
    await expect(noTable.delete(key, ownedBy('a'))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    await expect(noTable.get(key)).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    expect(await store.get(key)).toBeUndefined();
  });

  it('batchGet and batchPut span more than one request', async () => {
    const items = Array.from({ length: 130 }, (_, i) => ({ pk: `TEST#batch-${i}`, sk: 'ITEM', i }));
    await store.batchPut(items, 'test items');
    const keys = [...items.map(({ pk, sk }) => ({ pk, sk })), { pk: 'TEST#absent', sk: 'ITEM' }];
    const found = await store.batchGet(keys, 'test items');
    expect(found.map((item) => item.i).sort((a, b) => Number(a) - Number(b))).toEqual(items.map((item) => item.i));
  });
});

describe('ConditionalItemStore batches (DynamoDB leaving work unprocessed)', () => {
  // DynamoDB Local never throttles, so a stand-in client leaves entries unprocessed.
  function client(unprocessedRounds: number): { dynamo: DynamoDBDocumentClient; calls: unknown[] } {
    const calls: unknown[] = [];
    const send = async (command: { input: { RequestItems: Record<string, unknown> } }) => {
      calls.push(command.input);
      const request = command.input.RequestItems.t as { Keys?: unknown[] } | unknown[];
      const leaveAll = calls.length <= unprocessedRounds;
      if (Array.isArray(request)) return { UnprocessedItems: leaveAll ? { t: request } : {} };
      return { Responses: { t: leaveAll ? [] : request.Keys }, UnprocessedKeys: leaveAll ? { t: request } : {} };
    };
    return { dynamo: { send } as unknown as DynamoDBDocumentClient, calls };
  }
  const instant = async () => {};

  it('retries unprocessed keys and items until DynamoDB takes them', async () => {
    const reads = client(3);
    const found = await new ConditionalItemStore(reads.dynamo, 't', { backoff: instant }).batchGet([key], 'test items');
    expect(found).toEqual([key]);
    expect(reads.calls).toHaveLength(4);

    const writes = client(2);
    await new ConditionalItemStore(writes.dynamo, 't', { backoff: instant }).batchPut([{ ...key }], 'test items');
    expect(writes.calls).toHaveLength(3);
  });

  it('gives up with a TransientError naming the items after 8 retries', async () => {
    const reads = client(Infinity);
    const readAll = new ConditionalItemStore(reads.dynamo, 't', { backoff: instant }).batchGet([key], 'test items');
    await expect(readAll).rejects.toThrow(new TransientError('BatchGet of test items kept returning unprocessed keys'));
    expect(reads.calls).toHaveLength(9);

    const writes = client(Infinity);
    const writeAll = new ConditionalItemStore(writes.dynamo, 't', { backoff: instant }).batchPut([{ ...key }], 'test items');
    await expect(writeAll).rejects.toBeInstanceOf(TransientError);
    expect(writes.calls).toHaveLength(9);
  });
});

describe('isConditionalCheckFailed / ttlAttribute', () => {
  it('recognises the SDK exception by class and by name, nothing else', () => {
    expect(isConditionalCheckFailed(new ConditionalCheckFailedException({ message: 'no', $metadata: {} }))).toBe(true);
    expect(isConditionalCheckFailed(Object.assign(new Error('no'), { name: 'ConditionalCheckFailedException' }))).toBe(true);
    expect(isConditionalCheckFailed(Object.assign(new Error('no'), { name: 'TransactionCanceledException' }))).toBe(false);
    expect(isConditionalCheckFailed(new Error('ConditionalCheckFailedException'))).toBe(false);
    expect(isConditionalCheckFailed(undefined)).toBe(false);
    expect(isConditionalCheckFailed(null)).toBe(false);
  });

  it('writes the table TTL attribute in whole seconds, rounded up', () => {
    expect(ttlAttribute(1_700_000_000_000)).toEqual({ ttl: 1_700_000_000 });
    expect(ttlAttribute(1_700_000_000_001)).toEqual({ ttl: 1_700_000_001 });
  });
});
