// The copy checkpoint against DynamoDB Local at S3's limit of 10,000 parts: one item with every
// part would be ~480 KB, past DynamoDB's 400 KB item limit, and every save of such a copy failed.
import { randomUUID, createHash } from 'node:crypto';
import { DeleteCommand, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '../../../shared/archive/table-design.ts';
import { DynamoCheckpointStore, encodeParts, type CheckpointKey, type CheckpointPart, type CopyCheckpoint } from '../../../shared/copy/checkpoint-store.ts';
import { S3_MAX_PARTS, S3_MIN_PART_BYTES } from '../../../shared/copy/part-plan.ts';
import { crc32ToBase64 } from '../../../shared/copy/crc32.ts';
import { TransientError } from '../../../shared/errors.ts';
import { createTestResources, destroyClients } from '../../support/aws.ts';

let resources: Awaited<ReturnType<typeof createTestResources>>;
let store: DynamoCheckpointStore;

beforeAll(async () => {
  resources = await createTestResources();
  store = new DynamoCheckpointStore({ dynamo: resources.clients.dynamo, tableName: resources.tableName });
});

afterAll(() => {
  if (resources) destroyClients(resources.clients);
});

const PART = S3_MIN_PART_BYTES;

/** Parts as S3 answers them: 32-hex-digit ETags, base64 CRC32s. */
function parts(uploadId: string, numbers: Iterable<number>): CheckpointPart[] {
  return [...numbers].map((partNumber) => ({
    partNumber,
    etag: createHash('md5').update(`${uploadId}/${partNumber}`).digest('hex'),
    crc32: crc32ToBase64(partNumber * 2_654_435_761),
    size: PART,
  }));
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

function checkpoint(uploadId: string, partList: CheckpointPart[], totalParts = S3_MAX_PARTS): CopyCheckpoint {
  return {
    bucket: 'archive',
    key: 'recordings/2026/12/01/m/r/f/video.mp4',
    uploadId,
    partSize: PART,
    totalBytes: totalParts * PART,
    checksumType: 'FULL_OBJECT',
    parts: partList,
    nextByte: 0,
    bytesDone: partList.length * PART,
    phase: 'uploading',
    updatedAt: new Date().toISOString(),
  };
}

/** DynamoDB's item size: attribute names plus values (strings in UTF-8, numbers ~1 byte per 2 digits). */
function itemBytes(item: Record<string, unknown>): number {
  let bytes = 0;
  for (const [name, value] of Object.entries(item)) {
    bytes += Buffer.byteLength(name);
    bytes += typeof value === 'number' ? Math.ceil(String(value).replace(/^-|\./g, '').length / 2) + 1 : Buffer.byteLength(String(value));
  }
  return bytes;
}

async function itemsOf(key: CheckpointKey): Promise<Record<string, unknown>[]> {
  const result = await resources.clients.dynamo.send(
    new QueryCommand({
      TableName: resources.tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.copyCheckpoint(key.recordFileId, key.artifact).pk },
      ConsistentRead: true,
    }),
  );
  return result.Items ?? [];
}

test('DynamoDB Local refuses the 10,000-part list as one item: the limit is real', async () => {
  const all = encodeParts(parts('u', range(1, S3_MAX_PARTS)), PART, S3_MAX_PARTS * PART);
  console.log(`one-item part list at ${S3_MAX_PARTS} parts: ${Buffer.byteLength(all)} bytes`);
  expect(Buffer.byteLength(all)).toBeGreaterThan(400 * 1024);
  await expect(
    resources.clients.dynamo.send(new PutCommand({ TableName: resources.tableName, Item: { pk: `COPY#${randomUUID()}#video`, sk: 'CHECKPOINT', parts: all } })),
  ).rejects.toThrow(/size/i);
});

test('a checkpoint of 10,000 parts saves and loads whole, every item under 400 KB', async () => {
  const key = { recordFileId: randomUUID(), artifact: 'video' };
  const uploadId = randomUUID();
  const full = checkpoint(uploadId, parts(uploadId, range(1, S3_MAX_PARTS)));
  await store.save(key, full);
  const loaded = await store.load(key);
  expect(loaded?.parts).toEqual(full.parts);
  expect(loaded).toMatchObject({ uploadId, totalBytes: full.totalBytes, phase: 'uploading' });

  const items = await itemsOf(key);
  const sizes = items.map((item) => ({ sk: item.sk, bytes: itemBytes(item) }));
  console.log(`checkpoint items at ${S3_MAX_PARTS} parts: ${JSON.stringify(sizes)}`);
  expect(items).toHaveLength(11);
  for (const { bytes } of sizes) expect(bytes).toBeLessThan(400 * 1024);

  // Resumed by another worker, completed and forgotten: nothing is left behind.
  await new DynamoCheckpointStore({ dynamo: resources.clients.dynamo, tableName: resources.tableName }).delete(key);
  await expect(store.load(key)).resolves.toBeUndefined();
  expect(await itemsOf(key)).toEqual([]);
});

test('progress saved part by part is all there on load, from a fresh store', async () => {
  const key = { recordFileId: randomUUID(), artifact: 'video' };
  const uploadId = randomUUID();
  // Parts finish out of order across page boundaries, saved as they come.
  const done: CheckpointPart[] = [];
  for (const batch of [range(1, 900), range(2990, 3010), range(901, 1500), [S3_MAX_PARTS]]) {
    done.push(...parts(uploadId, batch));
    await store.save(key, checkpoint(uploadId, [...done].sort((a, b) => a.partNumber - b.partNumber)));
  }
  const loaded = await new DynamoCheckpointStore({ dynamo: resources.clients.dynamo, tableName: resources.tableName }).load(key);
  expect(loaded?.parts.map((p) => p.partNumber)).toEqual(done.map((p) => p.partNumber).sort((a, b) => a - b));
  await store.delete(key);
});

test('pages of an earlier upload are neither loaded into a new one nor block it, and a stale worker cannot write', async () => {
  const key = { recordFileId: randomUUID(), artifact: 'video' };
  const first = randomUUID();
  await store.save(key, checkpoint(first, parts(first, range(1, 2500))));
  // The checkpoint item is gone (expired, or deleted by a worker that died before its pages went).
  await resources.clients.dynamo.send(new DeleteCommand({ TableName: resources.tableName, Key: keys.copyCheckpoint(key.recordFileId, key.artifact) }));

  const second = randomUUID();
  const next = new DynamoCheckpointStore({ dynamo: resources.clients.dynamo, tableName: resources.tableName });
  await next.save(key, checkpoint(second, parts(second, range(1, 1200))));
  const loaded = await next.load(key);
  expect(loaded?.uploadId).toBe(second);
  expect(loaded?.parts.map((p) => p.partNumber)).toEqual(range(1, 1200));
  expect(loaded?.parts.every((p) => p.etag === parts(second, [p.partNumber])[0]!.etag)).toBe(true);

  // The first upload's worker, still running, must not resurrect its upload over the new one.
  await expect(store.save(key, checkpoint(first, parts(first, range(1, 2600))))).rejects.toBeInstanceOf(TransientError);
  expect((await next.load(key))?.parts.map((p) => p.partNumber)).toEqual(range(1, 1200));
  const header = await resources.clients.dynamo.send(new GetCommand({ TableName: resources.tableName, Key: keys.copyCheckpoint(key.recordFileId, key.artifact) }));
  expect(header.Item?.uploadId).toBe(second);
  await next.delete(key);
});

test('a file of at most 1,000 parts keeps one item, as before', async () => {
  const key = { recordFileId: randomUUID(), artifact: 'video' };
  const uploadId = randomUUID();
  await store.save(key, checkpoint(uploadId, parts(uploadId, range(1, 700)), 1000));
  expect(await itemsOf(key)).toHaveLength(1);
  expect((await store.load(key))?.parts).toHaveLength(700);
  await store.delete(key);
});
