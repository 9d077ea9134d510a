// The ingest worker's copy step (the engine bound to the archive bucket): a copy that completed
// but whose index write was lost is not copied again, and what the earlier attempt left is cleaned.
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { createTestResources } from '../../support/aws.ts';
import { DownloadService, startDownloadServer, type DownloadServer } from '../../../infra/local/simulator/downloads.ts';
import { seededSha256 } from '../../../infra/local/simulator/seeded-bytes.ts';
import { createCopyArtifactFn, type ArtifactCopyRequest } from '../../../shared/copy/artifact-copier.ts';
import { DynamoCheckpointStore } from '../../../shared/copy/checkpoint-store.ts';

const MiB = 1024 * 1024;
/** The download server listens on 127.0.0.1 over http, as the simulator does under npm start. */
const LOOPBACK_ALLOWED = { allowInsecureLoopback: true, hostAllowlist: [] };
let downloads: DownloadService;
let server: DownloadServer;

beforeAll(async () => {
  downloads = new DownloadService();
  server = await startDownloadServer(downloads);
});
afterAll(async () => {
  await server.close();
});

it('indexes a verified copy already in the bucket instead of downloading the file again, and drops stale checkpoints', async () => {
  const { clients, tableName, bucketName } = await createTestResources();
  const size = 12 * MiB + 5;
  downloads.register('f1/video', { seed: 'copy-fn', size, contentType: 'video/mp4', fileName: 'v.mp4' });
  const copy = createCopyArtifactFn({ clients, tableName, bucketName, copy: { maxPartSizeBytes: 10 * MiB }, downloadPolicy: LOOPBACK_ALLOWED });
  const request: ArtifactCopyRequest = {
    recordFileId: 'f1',
    meetingId: 'm1',
    meetingRecordId: 'r1',
    subject: '周会',
    recordStartTimeMs: Date.UTC(2026, 10, 22),
    artifact: { artifact: 'video', fileType: 'mp4' },
    expectedBytes: size,
    resolveUrl: async () => server.url('f1/video'),
    deadline: Date.now() + 60_000,
  };

  const first = await copy(request);
  expect(first).toMatchObject({ status: 'archived', bytes: size, key: 'recordings/2026/11/22/m1/r1/f1/video.mp4' });
  const served = downloads.stats.bytesServed;
  expect(served).toBeGreaterThanOrEqual(size);

  // The index never heard of it (a lost write), and an earlier attempt left a checkpoint behind.
  const checkpoints = new DynamoCheckpointStore({ dynamo: clients.dynamo, tableName });
  await checkpoints.save(
    { recordFileId: 'f1', artifact: 'video' },
    { bucket: bucketName, key: 'recordings/2026/11/22/m1/r1/f1/video.mp4', uploadId: 'stale', partSize: 8 * MiB, totalBytes: size, checksumType: 'FULL_OBJECT', parts: [], nextByte: 0, bytesDone: 0, phase: 'completing', updatedAt: new Date().toISOString() },
  );
  const second = await copy(request);
  expect(second).toEqual(first);
  expect(downloads.stats.bytesServed).toBe(served);
  expect(await checkpoints.load({ recordFileId: 'f1', artifact: 'video' })).toBeUndefined();

  const object = await clients.s3.send(new GetObjectCommand({ Bucket: bucketName, Key: 'recordings/2026/11/22/m1/r1/f1/video.mp4' }));
  const hash = createHash('sha256');
  for await (const chunk of object.Body as AsyncIterable<Uint8Array>) hash.update(chunk);
  expect(hash.digest('hex')).toBe(await seededSha256('copy-fn', size));
});

it('copies again when the object in the bucket is not this file at the declared size', async () => {
  const { clients, tableName, bucketName } = await createTestResources();
  downloads.register('f2/video', { seed: 'copy-fn-2', size: 2 * MiB, contentType: 'video/mp4', fileName: 'v.mp4' });
  const copy = createCopyArtifactFn({ clients, tableName, bucketName, downloadPolicy: LOOPBACK_ALLOWED });
  const base = {
    recordFileId: 'f2',
    meetingId: 'm2',
    meetingRecordId: 'r2',
    subject: 's',
    recordStartTimeMs: Date.UTC(2026, 10, 22),
    artifact: { artifact: 'video', kind: 'video' as const, fileType: 'mp4', url: server.url('f2/video') },
    resolveUrl: async () => server.url('f2/video'),
    deadline: Date.now() + 60_000,
  };
  await copy({ ...base, expectedBytes: 2 * MiB });
  // Tencent now declares another size: the object in the bucket is no proof of this copy, so the
  // engine checks the source again (and refuses it: it has 2 MiB, not 2 MiB + 1).
  await expect(copy({ ...base, expectedBytes: 2 * MiB + 1 })).rejects.toMatchObject({ name: 'IntegrityError' });
});
