// The copy engine against real sockets: the simulator's download service as the source, fauxqs
// as S3 and DynamoDB Local for checkpoints. Where fauxqs lacks an S3 feature the engine relies on
// (ListParts), the strict discard sink from bench/support stands in.
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  HeadObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { randomUUID } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { DownloadService, startDownloadServer, type DownloadServer } from '../../../infra/local/simulator/downloads.ts';
import { seededStream } from '../../../infra/local/simulator/seeded-bytes.ts';
import { copyArtifact } from '../../../shared/copy/copy-artifact.ts';
import type { CopyArtifactOptions } from '../../../shared/copy/copy-types.ts';
import { DynamoCheckpointStore, type CheckpointKey, type CheckpointStore, type CopyCheckpoint } from '../../../shared/copy/checkpoint-store.ts';
import { crc32ToBase64 } from '../../../shared/copy/crc32.ts';
import { createGuardedFetch } from '../../../shared/copy/guarded-fetch.ts';
import { contentDisposition, downloadFileName } from '../../../shared/copy/s3-keys.ts';
import { IntegrityError, TransientError } from '../../../shared/errors.ts';
import { startDiscardS3, type DiscardS3 } from '../../../bench/support/discard-s3.ts';
import { runCopyChild } from '../../../bench/support/run-child.ts';
import { createTestResources, destroyClients } from '../../support/aws.ts';
import { copyOptionsFor, expectObjectBytes, registerSource } from '../../support/copy-source.ts';

const MiB = 1024 * 1024;

let resources: Awaited<ReturnType<typeof createTestResources>>;
let s3: S3Client;
let store: DynamoCheckpointStore;
let service: DownloadService;
let server: DownloadServer;
let clockOffsetMs = 0;

beforeAll(async () => {
  resources = await createTestResources();
  s3 = resources.clients.s3;
  store = new DynamoCheckpointStore({ dynamo: resources.clients.dynamo, tableName: resources.tableName });
  service = new DownloadService({ now: () => Date.now() + clockOffsetMs });
  server = await startDownloadServer(service);
});

afterAll(async () => {
  await server?.close();
  if (resources) destroyClients(resources.clients);
});

beforeEach(() => {
  service.faults.clear();
  service.log.length = 0;
  clockOffsetMs = 0;
});

const source = (size: number, fileName = 'file.mp4') => registerSource(service, size, fileName);

// The archive's own link reader (link-get.ts), as artifact-copier.ts wires it; plain fetch is the
// reader of connections.test.ts and completion.test.ts.
const linkFetch = createGuardedFetch({ allowInsecureLoopback: true, hostAllowlist: [] });
const baseOptions = (src: { artifactKey: string; size: number }, overrides: Partial<CopyArtifactOptions> = {}) =>
  copyOptionsFor(src, { s3, bucket: resources.bucketName, keyPrefix: 'copy-test', server, checkpoints: store }, { fetchSource: linkFetch, ...overrides });

async function seededCrc32(seed: string, size: number): Promise<string> {
  let crc = 0;
  for await (const chunk of seededStream(seed, 0, size, MiB)) crc = crc32(chunk as Buffer, crc);
  return crc32ToBase64(crc);
}

/** fauxqs refuses to delete a bucket holding an object or an unfinished multipart upload. */
async function expectBucketEmptyAndDelete(bucket: string): Promise<void> {
  await expect(s3.send(new DeleteBucketCommand({ Bucket: bucket }))).resolves.toBeDefined();
}

async function freshBucket(): Promise<string> {
  const bucket = `copy-${randomUUID().slice(0, 12)}`;
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  return bucket;
}

async function cleanup(key: string, bucket = resources.bucketName): Promise<void> {
  // fauxqs keeps objects in memory: release them once verified.
  await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
}

test('a small file is one PutObject with exact bytes, content type and a UTF-8 Content-Disposition', async () => {
  const src = source(3 * MiB + 17, '周会 录制.mp4');
  const disposition = contentDisposition(downloadFileName('产品周会：Q4 规划 "draft"', 'video', 'mp4'));
  const options = baseOptions(src, { contentDisposition: disposition });
  const result = await copyArtifact(options);
  expect(result).toMatchObject({ status: 'archived', bytes: src.size, parts: 1 });
  if (result.status !== 'archived') throw new Error('not archived');
  expect(result.checksum).toBe(`CRC32:${await seededCrc32(src.seed, src.size)}`);
  const head = await s3.send(new HeadObjectCommand({ Bucket: options.bucket, Key: options.key }));
  expect(head.ContentType).toBe('video/mp4');
  expect(head.ContentDisposition).toBe(disposition);
  expect(decodeURIComponent(/filename\*=UTF-8''(.+)$/.exec(head.ContentDisposition!)![1]!)).toBe('产品周会：Q4 规划 "draft".mp4');
  // One ranged GET, no multipart checkpoint left behind.
  expect(service.log.filter((e) => e.artifactKey === src.artifactKey)).toHaveLength(1);
  await expect(store.load(options.checkpointKey)).resolves.toBeUndefined();
  await expectObjectBytes(s3, options.bucket, options.key, src.seed, src.size);
  await cleanup(options.key);
});

test('a multi-part file arrives byte for byte, with its checksum recorded and the checkpoint deleted', async () => {
  const src = source(45 * MiB + 12_345);
  const options = baseOptions(src);
  const progress: number[] = [];
  const result = await copyArtifact({ ...options, onProgress: (done) => progress.push(done) });
  expect(result).toMatchObject({ status: 'archived', bytes: src.size, parts: 6 });
  if (result.status !== 'archived') throw new Error('not archived');
  // fauxqs reports S3's COMPOSITE form (CRC32 over part CRC32s, then -<parts>).
  expect(result.checksum).toMatch(/^CRC32:[A-Za-z0-9+/]{6}==(-6)?$/);
  expect(progress.at(-1)).toBe(src.size);
  await expect(store.load(options.checkpointKey)).resolves.toBeUndefined();
  // Each of the 3 connections streams a run of parts over one ranged GET: fewer requests than
  // parts, and together they cover the file exactly once.
  const ranges = service.log.filter((e) => e.artifactKey === src.artifactKey).map((e) => e.range!);
  expect(ranges.length).toBeLessThan(6);
  const sorted = [...ranges].sort((a, b) => a.start - b.start);
  expect(sorted[0]!.start).toBe(0);
  for (let i = 1; i < sorted.length; i += 1) expect(sorted[i]!.start).toBe(sorted[i - 1]!.end + 1);
  expect(sorted.at(-1)!.end).toBe(src.size - 1);
  await expectObjectBytes(s3, options.bucket, options.key, src.seed, src.size);
  await cleanup(options.key);
});

test('a connection reset mid-part resumes with a Range from the first missing byte, not from 0', async () => {
  const src = source(20 * MiB);
  service.faults.resetAfterBytes(3 * MiB, { times: 1 });
  const options = baseOptions(src, { concurrency: 1 });
  const result = await copyArtifact(options);
  expect(result.status).toBe('archived');
  expect(service.stats.resets).toBeGreaterThanOrEqual(1);
  const ranges = service.log.filter((e) => e.artifactKey === src.artifactKey && e.range).map((e) => e.range!);
  // The retry starts inside part 1 (after whatever arrived before the reset), never at 0 again.
  expect(ranges.filter((r) => r.start === 0)).toHaveLength(1);
  const resumed = ranges.filter((r) => r.start % (8 * MiB) !== 0);
  expect(resumed).toHaveLength(1);
  expect(resumed[0]!.start).toBeGreaterThan(0);
  // One connection streams the whole file: the resumed request runs to the end of it.
  expect(resumed[0]!.end).toBe(src.size - 1);
  await expectObjectBytes(s3, options.bucket, options.key, src.seed, src.size);
  await cleanup(options.key);
});

test('an expired link mid-copy is resolved again and the copy completes', async () => {
  const src = source(40 * MiB);
  // A link is checked when a request starts: the one long read outlives its link, and the request
  // that resumes it after this reset (at 28 MiB, well after part 1 is in) meets the expiry.
  service.faults.resetAfterBytes(28 * MiB, { times: 1 });
  let resolves = 0;
  let expiredOnce = false;
  const options = baseOptions(src, {
    concurrency: 1,
    resolveUrl: async () => {
      resolves += 1;
      return server.url(src.artifactKey);
    },
    onProgress: (done) => {
      // Once the first part is in, every link issued so far is past its 5 minutes.
      if (done >= 8 * MiB && !expiredOnce) {
        expiredOnce = true;
        clockOffsetMs += 10 * 60 * 1000;
      }
    },
  });
  const result = await copyArtifact(options);
  expect(result.status).toBe('archived');
  expect(service.stats.expired).toBeGreaterThanOrEqual(1);
  expect(resolves).toBe(2);
  await expectObjectBytes(s3, options.bucket, options.key, src.seed, src.size);
  await cleanup(options.key);
});

test('a link expiring while its response streams does not interrupt the copy: no new request, no new link', async () => {
  // 8 parts of 5 MiB on one connection, throttled so the host is still writing the body when the
  // first part is in S3; then every link issued so far passes its 5 minutes. A host checks a link
  // when a request starts, so the one long read keeps going. One GET per part would ask for the
  // parts after that with the expired link: a 403 and a fresh link from Tencent each time it does.
  const src = source(40 * MiB);
  service.faults.throttle({ bytesPerSecond: 40 * MiB });
  let resolves = 0;
  let streamingWhenExpired: number | undefined;
  const options = baseOptions(src, {
    concurrency: 1,
    partSizeBytes: 5 * MiB,
    resolveUrl: async () => {
      resolves += 1;
      return server.url(src.artifactKey);
    },
    onProgress: (done) => {
      if (done >= 5 * MiB && streamingWhenExpired === undefined) {
        streamingWhenExpired = service.openStreams;
        clockOffsetMs += 10 * 60 * 1000;
      }
    },
  });
  const result = await copyArtifact(options);
  expect(result).toMatchObject({ status: 'archived', parts: 8 });
  expect(streamingWhenExpired).toBe(1);
  // Every request for the file but a 1-byte size probe: the one GET, and no 403 after it.
  const requests = service.log.filter((e) => e.artifactKey === src.artifactKey && e.range?.end !== 0);
  expect(requests.map((e) => ({ status: e.status, range: e.range }))).toEqual([{ status: 206, range: { start: 0, end: src.size - 1 } }]);
  expect(resolves).toBe(1);
  await expectObjectBytes(s3, options.bucket, options.key, src.seed, src.size);
  await cleanup(options.key);
});

test('a copy stopped mid-file resumes in a new call without downloading finished parts again', async () => {
  const src = source(48 * MiB);
  const stop = new AbortController();
  const first = await copyArtifact(
    baseOptions(src, {
      concurrency: 2,
      signal: stop.signal,
      onProgress: (done) => {
        if (done >= 16 * MiB) stop.abort(new Error('Lambda deadline'));
      },
    }),
  );
  expect(first.status).toBe('incomplete');
  const checkpoint = (await store.load({ recordFileId: src.artifactKey, artifact: 'video' })) as CopyCheckpoint;
  expect(checkpoint.parts.length).toBeGreaterThanOrEqual(2);
  expect(checkpoint.parts.length).toBeLessThan(6);
  if (first.status === 'incomplete') expect(first.bytesDone).toBe(checkpoint.bytesDone);
  // The run's start and the bytes it started from: `npm run status` rates the copy from them.
  expect(checkpoint.runStartBytes).toBe(0);
  expect(Date.parse(checkpoint.updatedAt) - Date.parse(checkpoint.runStartedAt!)).toBeGreaterThanOrEqual(0);

  const servedBefore = service.stats.bytesServed;
  const second = await copyArtifact(baseOptions(src, { concurrency: 2 }));
  expect(second).toMatchObject({ status: 'archived', bytes: src.size, parts: 6 });
  // Exactly the missing parts were fetched: size − what the checkpoint already held.
  expect(service.stats.bytesServed - servedBefore).toBe(src.size - checkpoint.bytesDone);
  await expect(store.load({ recordFileId: src.artifactKey, artifact: 'video' })).resolves.toBeUndefined();
  const options = baseOptions(src);
  await expectObjectBytes(s3, options.bucket, options.key, src.seed, src.size);
  await cleanup(options.key);
});

test('past the deadline no part is started: incomplete, with a checkpoint to continue from', async () => {
  const src = source(24 * MiB);
  const first = await copyArtifact(baseOptions(src, { deadline: Date.now() - 1 }));
  expect(first).toEqual({ status: 'incomplete', bytesDone: 0, nextByte: 0, totalBytes: src.size });
  const checkpoint = await store.load({ recordFileId: src.artifactKey, artifact: 'video' });
  expect(checkpoint?.uploadId).toBeTruthy();
  const second = await copyArtifact(baseOptions(src));
  expect(second.status).toBe('archived');
  const options = baseOptions(src);
  await expectObjectBytes(s3, options.bucket, options.key, src.seed, src.size);
  await cleanup(options.key);
});

describe('a worker killed between UploadPart and the checkpoint write', () => {
  let sink: DiscardS3;
  let sinkClient: S3Client;
  beforeAll(async () => {
    sink = await startDiscardS3({ verifyChecksums: true });
    sinkClient = new S3Client({
      endpoint: sink.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
  });
  afterAll(async () => {
    sinkClient?.destroy();
    await sink?.close();
  });

  /** Saves succeed `healthy` times, then the "process is dead": nothing more reaches DynamoDB. */
  function dyingStore(healthy: number): CheckpointStore {
    let saves = 0;
    return {
      load: (key) => store.load(key),
      delete: (key) => store.delete(key),
      save: async (key, cp) => {
        saves += 1;
        if (saves > healthy) throw new Error('worker killed');
        await store.save(key, cp);
      },
    };
  }

  test('resume reconciles with ListParts and skips parts S3 already has (strict S3 model)', async () => {
    const src = source(48 * MiB);
    // A checkpoint write after every part (interval 0) makes "dies right after part 2" exact.
    const options = baseOptions(src, { s3: sinkClient, bucket: 'sink', concurrency: 1, checkpointIntervalMs: 0 });
    // Save 1 = the new upload, save 2 = part 1; part 2's checkpoint write "never happens".
    await expect(copyArtifact({ ...options, checkpoints: dyingStore(2) })).rejects.toThrow('worker killed');
    const checkpoint = (await store.load(options.checkpointKey)) as CopyCheckpoint;
    expect(checkpoint.parts.map((p) => p.partNumber)).toEqual([1]);
    const upload = sink.uploads.get(checkpoint.uploadId)!;
    // Parts 1 and 2 at least; the connection streams on while part 2's checkpoint write fails, so
    // part 3 may have landed too before the failure stopped it.
    const inS3 = upload.parts.size;
    expect(inS3).toBeGreaterThanOrEqual(2);

    const servedBefore = service.stats.bytesServed;
    const listPartsBefore = sink.stats.listParts;
    const result = await copyArtifact(options);
    expect(result.status).toBe('archived');
    expect(sink.stats.listParts).toBe(listPartsBefore + 1);
    // Every part S3 has (the checkpoint knows only part 1) is skipped: only the others are downloaded again.
    expect(service.stats.bytesServed - servedBefore).toBe(src.size - inS3 * 8 * MiB);
    // The sink checked every part's CRC32, the full-object CRC32 and the size at completion.
    const object = sink.objects.get(`sink/${options.key}`)!;
    expect(object).toMatchObject({ size: src.size, checksumType: 'FULL_OBJECT' });
    if (result.status === 'archived') expect(result.checksum).toBe(`CRC32:${await seededCrc32(src.seed, src.size)}`);
  });

  test('checkpoints are written at most every checkpointIntervalMs while parts keep finishing', async () => {
    const src = source(48 * MiB);
    let saves = 0;
    const counting: CheckpointStore = { load: (k) => store.load(k), delete: (k) => store.delete(k), save: async (k, cp) => void (saves += 1, await store.save(k, cp)) };
    const options = baseOptions(src, { s3: sinkClient, bucket: 'sink', concurrency: 1, checkpointIntervalMs: 60_000 });
    const result = await copyArtifact({ ...options, checkpoints: counting });
    expect(result.status).toBe('archived');
    // 6 parts: the new upload, one write when the parts are done, the completion (not 1 + 6 + 1).
    expect(saves).toBeLessThanOrEqual(3);

    // A crash between writes loses no uploaded part: ListParts finds the parts a checkpoint
    // has not recorded yet (the test above, with a write after every part, shows the mechanism).
  });

  test('without ListParts (fauxqs) the checkpoint is trusted and the unrecorded part is uploaded again', async () => {
    const src = source(24 * MiB);
    const options = baseOptions(src, { concurrency: 1, checkpointIntervalMs: 0 });
    await expect(copyArtifact({ ...options, checkpoints: dyingStore(2) })).rejects.toThrow('worker killed');
    const servedBefore = service.stats.bytesServed;
    const result = await copyArtifact(options);
    expect(result.status).toBe('archived');
    expect(service.stats.bytesServed - servedBefore).toBe(src.size - 8 * MiB);
    await expectObjectBytes(s3, options.bucket, options.key, src.seed, src.size);
    await cleanup(options.key);
  });

  test('an upload that vanished (lifecycle abort) is started over cleanly', async () => {
    const src = source(24 * MiB);
    const options = baseOptions(src, { s3: sinkClient, bucket: 'sink', concurrency: 1, checkpointIntervalMs: 0 });
    await expect(copyArtifact({ ...options, checkpoints: dyingStore(3) })).rejects.toThrow('worker killed');
    const checkpoint = (await store.load(options.checkpointKey)) as CopyCheckpoint;
    sink.uploads.delete(checkpoint.uploadId);
    const result = await copyArtifact(options);
    expect(result.status).toBe('archived');
    expect(sink.objects.get(`sink/${options.key}`)?.size).toBe(src.size);
  });
});

describe('integrity failures leave nothing behind', () => {
  /** The copy fails with an IntegrityError and leaves no object, no open upload and, when given, no checkpoint. */
  async function expectIntegrityFailureLeavesNothing(copy: Promise<unknown>, bucket: string, checkpointKey?: CheckpointKey): Promise<void> {
    await expect(copy).rejects.toBeInstanceOf(IntegrityError);
    if (checkpointKey !== undefined) await expect(store.load(checkpointKey)).resolves.toBeUndefined();
    await expectBucketEmptyAndDelete(bucket);
  }

  test('expected size larger than the source: IntegrityError, no object, no upload', async () => {
    const bucket = await freshBucket();
    const src = source(20 * MiB);
    const options = baseOptions(src, { bucket, expectedBytes: src.size + 1 });
    await expectIntegrityFailureLeavesNothing(copyArtifact(options), bucket, options.checkpointKey);
  });

  test('expected size smaller than the source (small file): IntegrityError, no object', async () => {
    const bucket = await freshBucket();
    const src = source(2 * MiB);
    await expectIntegrityFailureLeavesNothing(copyArtifact(baseOptions(src, { bucket, expectedBytes: src.size - 10 })), bucket);
  });

  test('a source that shrinks between invocations fails the resumed copy and aborts the upload', async () => {
    const bucket = await freshBucket();
    const src = source(24 * MiB);
    const stop = new AbortController();
    const options = baseOptions(src, { bucket, concurrency: 1 });
    const first = await copyArtifact({ ...options, signal: stop.signal, onProgress: () => stop.abort() });
    expect(first.status).toBe('incomplete');
    service.register(src.artifactKey, { seed: src.seed, size: src.size - MiB, contentType: 'video/mp4', fileName: 'x.mp4' });
    await expectIntegrityFailureLeavesNothing(copyArtifact(options), bucket, options.checkpointKey);
  });

  test('a body that keeps ending short of its Content-Length: IntegrityError, no object, no upload', async () => {
    const bucket = await freshBucket();
    const src = source(20 * MiB);
    service.faults.truncateAfterBytes(64 * 1024, { times: 1000 });
    await expectIntegrityFailureLeavesNothing(copyArtifact(baseOptions(src, { bucket, maxAttempts: 3 })), bucket);
  });

  test('a body truncated once is completed by a Range request', async () => {
    const src = source(12 * MiB);
    service.faults.truncateAfterBytes(MiB, { times: 1 });
    const options = baseOptions(src, { concurrency: 1 });
    await expect(copyArtifact(options)).resolves.toMatchObject({ status: 'archived' });
    expect(service.log.some((e) => e.range?.start === MiB)).toBe(true);
    await expectObjectBytes(s3, options.bucket, options.key, src.seed, src.size);
    await cleanup(options.key);
  });
});

test('a source that ignores Range is read front to back and still copied exactly', async () => {
  const src = source(26 * MiB + 5);
  service.faults.ignoreRange();
  const options = baseOptions(src);
  const result = await copyArtifact(options);
  expect(result).toMatchObject({ status: 'archived', parts: 4 });
  expect(service.log.some((e) => e.artifactKey === src.artifactKey && e.status === 200)).toBe(true);
  await expectObjectBytes(s3, options.bucket, options.key, src.seed, src.size);
  await cleanup(options.key);
});

test('a burst of 5xx answers is retried; persistent ones end in a retryable error with progress kept', async () => {
  const src = source(18 * MiB);
  service.faults.failNext(2, 503);
  const options = baseOptions(src, { concurrency: 1 });
  await expect(copyArtifact(options)).resolves.toMatchObject({ status: 'archived' });
  await cleanup(options.key);

  const other = source(18 * MiB);
  const otherOptions = baseOptions(other, { concurrency: 1, maxAttempts: 2 });
  const stop = new AbortController();
  await copyArtifact({ ...otherOptions, signal: stop.signal, onProgress: () => stop.abort() });
  service.faults.failNext(1000, 503);
  await expect(copyArtifact(otherOptions)).rejects.toBeInstanceOf(TransientError);
  expect((await store.load(otherOptions.checkpointKey))?.parts.length).toBe(1);
  service.faults.clear();
  await expect(copyArtifact(otherOptions)).resolves.toMatchObject({ status: 'archived' });
  await expectObjectBytes(s3, otherOptions.bucket, otherOptions.key, other.seed, other.size);
  await cleanup(otherOptions.key);
});

test('a transcript of unknown size is sized by the source', async () => {
  const src = source(100_000);
  const options = baseOptions(src, { contentType: 'text/plain; charset=utf-8' });
  const { expectedBytes: _omit, ...rest } = options;
  await expect(copyArtifact(rest)).resolves.toMatchObject({ status: 'archived', bytes: 100_000 });
  await expectObjectBytes(s3, options.bucket, options.key, src.seed, src.size);
  await cleanup(options.key);
});

test('1 GiB into fauxqs in a child process keeps peak RSS flat (memory bound, not a time bound)', async () => {
  const size = 1024 * MiB;
  const src = source(size);
  const key = `copy-test/${src.artifactKey}/big.mp4`;
  const result = await runCopyChild({
    mode: 'engine',
    sourceUrl: server.url(src.artifactKey),
    s3Endpoint: process.env.TEST_AWS_ENDPOINT!,
    bucket: resources.bucketName,
    key,
    size,
    partSize: 10 * MiB,
    maxPartSize: 10 * MiB,
    concurrency: 4,
  });
  expect(result.status).toBe('archived');
  expect(result.bytes).toBe(size);
  // 4 × 10 MiB part buffers plus the runtime: far below this whatever the file size.
  expect(result.maxRssMiB).toBeLessThan(400);
  console.log(`1 GiB engine copy into fauxqs: ${result.mbPerSecond.toFixed(1)} MB/s, peak RSS ${result.maxRssMiB.toFixed(0)} MiB`);
  const head = await s3.send(new HeadObjectCommand({ Bucket: resources.bucketName, Key: key }));
  expect(head.ContentLength).toBe(size);
  await cleanup(key);
}, 240_000);
