// Completing a multipart copy when the end of the invocation, or the network, gets in the way:
// the simulator's download service as the source, S3 behind a real-socket proxy that plays the
// faults (fauxqs, or the strict S3 model from bench/support where fauxqs lacks ListParts), and
// DynamoDB Local for checkpoints.
import type { S3Client } from '@aws-sdk/client-s3';
import { DownloadService, startDownloadServer, type DownloadServer } from '../../../infra/local/simulator/downloads.ts';
import { copyArtifact } from '../../../shared/copy/copy-artifact.ts';
import type { CopyArtifactOptions } from '../../../shared/copy/copy-types.ts';
import { DynamoCheckpointStore } from '../../../shared/copy/checkpoint-store.ts';
import { TransientError } from '../../../shared/errors.ts';
import { startDiscardS3, type DiscardS3 } from '../../../bench/support/discard-s3.ts';
import { createTestResources, destroyClients } from '../../support/aws.ts';
import { copyOptionsFor, expectObjectBytes, registerSource } from '../../support/copy-source.ts';
import { s3ClientThrough, startS3Proxy, type S3Proxy } from '../../support/s3-proxy.ts';
import { DeleteObjectCommand } from '@aws-sdk/client-s3';

const MiB = 1024 * 1024;

let resources: Awaited<ReturnType<typeof createTestResources>>;
let store: DynamoCheckpointStore;
let service: DownloadService;
let server: DownloadServer;
let proxy: S3Proxy;
let s3: S3Client;

beforeAll(async () => {
  resources = await createTestResources();
  store = new DynamoCheckpointStore({ dynamo: resources.clients.dynamo, tableName: resources.tableName });
  service = new DownloadService();
  server = await startDownloadServer(service);
  proxy = await startS3Proxy(process.env.TEST_AWS_ENDPOINT!);
  s3 = s3ClientThrough(proxy);
});

afterAll(async () => {
  s3?.destroy();
  await proxy?.close();
  await server?.close();
  if (resources) destroyClients(resources.clients);
});

beforeEach(() => {
  proxy.clear();
  service.faults.clear();
});

const source = (size: number) => registerSource(service, size);

const options = (src: { artifactKey: string; size: number }, overrides: Partial<CopyArtifactOptions> = {}) =>
  copyOptionsFor(src, { s3, bucket: resources.bucketName, keyPrefix: 'completion-test', server, checkpoints: store }, overrides);

/** The object holds the source's bytes; then it is deleted (fauxqs keeps objects in memory). */
async function expectObjectBytesAndDelete(bucket: string, key: string, seed: string, size: number): Promise<void> {
  await expectObjectBytes(resources.clients.s3, bucket, key, seed, size);
  await resources.clients.s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
}

test('the hard stop coming while CompleteMultipartUpload is in flight does not fail the copy', async () => {
  const src = source(20 * MiB);
  const hardStop = new AbortController();
  // Every part is in; the invocation's hard stop fires just as Complete reaches S3.
  proxy.onRequest((call) => {
    if (call.operation === 'CompleteMultipartUpload') hardStop.abort(new Error('hard stop: 5 s before the Lambda timeout'));
  });
  proxy.arm('CompleteMultipartUpload', { kind: 'delay', ms: 300 });
  const opts = options(src, { signal: hardStop.signal });
  await expect(copyArtifact(opts)).resolves.toMatchObject({ status: 'archived', bytes: src.size, parts: 3 });
  expect(hardStop.signal.aborted).toBe(true);
  await expect(store.load(opts.checkpointKey)).resolves.toBeUndefined();
  expect(proxy.openUploads()).toEqual([]);
  await expectObjectBytesAndDelete(opts.bucket, opts.key, src.seed, src.size);
});

test('a Complete that S3 carried out but whose answer was lost is recognised at once by HEAD, not retried later', async () => {
  const src = source(20 * MiB);
  // The answer to Complete and to each of the SDK's retries (NoSuchUpload by then) never arrives.
  proxy.arm('CompleteMultipartUpload', { kind: 'lose-answer' }, 5);
  const opts = options(src);
  await expect(copyArtifact(opts)).resolves.toMatchObject({ status: 'archived', bytes: src.size, parts: 3 });
  expect(proxy.count('CompleteMultipartUpload')).toBeGreaterThanOrEqual(1);
  await expect(store.load(opts.checkpointKey)).resolves.toBeUndefined();
  await expectObjectBytesAndDelete(opts.bucket, opts.key, src.seed, src.size);
});

describe('against the strict S3 model (ListParts answers NoSuchUpload once an upload is completed)', () => {
  let sink: DiscardS3;
  let sinkProxy: S3Proxy;
  let sinkS3: S3Client;
  beforeAll(async () => {
    sink = await startDiscardS3({});
    sinkProxy = await startS3Proxy(sink.endpoint);
    sinkS3 = s3ClientThrough(sinkProxy);
  });
  afterAll(async () => {
    sinkS3?.destroy();
    await sinkProxy?.close();
    await sink?.close();
  });

  test('a HEAD that fails (503) is not taken for "not completed": no part is dropped, nothing is downloaded again', async () => {
    const src = source(24 * MiB);
    const opts = options(src, { s3: sinkS3, bucket: 'sink' });
    // S3 completes the upload but the answers are lost, and S3 then fails HEADs for a while.
    sinkProxy.arm('CompleteMultipartUpload', { kind: 'lose-answer' }, 5);
    sinkProxy.arm('HeadObject', { kind: 'refuse', status: 503 }, 1000);
    await expect(copyArtifact(opts)).rejects.toBeInstanceOf(TransientError);
    expect((await store.load(opts.checkpointKey))?.phase).toBe('completing');
    expect(sink.objects.get(`sink/${opts.key}`)?.size).toBe(src.size);
    const servedBefore = service.stats.bytesServed;

    // The next delivery still meets a failing HEAD: it must wait, not start the file over.
    await expect(copyArtifact(opts)).rejects.toBeInstanceOf(TransientError);
    expect(sinkProxy.count('CreateMultipartUpload')).toBe(1);
    expect(service.stats.bytesServed).toBe(servedBefore);

    // Once S3 answers HEAD again, the completed upload is found and indexed.
    sinkProxy.clear();
    await expect(copyArtifact(opts)).resolves.toMatchObject({ status: 'archived', bytes: src.size, parts: 3 });
    expect(service.stats.bytesServed).toBe(servedBefore);
    expect(sinkProxy.count('CreateMultipartUpload')).toBe(1);
    await expect(store.load(opts.checkpointKey)).resolves.toBeUndefined();
  });
});
