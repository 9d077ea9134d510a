// Resilience when the archive's own dependencies fail (issue 8): DynamoDB or S3 unavailable for a
// while. The emulators are shared by the whole jest run, so they are not stopped: the functions'
// clients go through a TCP proxy that resets every connection while "down". Lambda's side (the
// event source mapping: receive, delete, redrive) keeps the direct clients. Expected: invocations
// fail while a dependency is down, their messages stay on (or return to) the queue without
// reaching the DLQ early, nothing is indexed `archived` without its object, and once the
// dependency is back a drain archives everything with exact bytes and leaves nothing behind.
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { DeleteBucketCommand, DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { startHarness, type Harness, type HarnessOptions } from '../support/ingest-harness.ts';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.ts';
import { createAwsClients, type AwsClients } from '../../shared/aws/clients.ts';
import { seededSha256 } from '../../infra/local/simulator/seeded-bytes.ts';
import { meetingFromRecording, recordingCompletedEvent } from '../../infra/local/simulator/webhook-events.ts';
import type { SimMeetingRecording } from '../../infra/local/simulator/model.ts';
import { fileStatus } from '../../shared/archive/model.ts';
import { decodeParts } from '../../shared/copy/checkpoint-store.ts';
import { archiveNameOf } from '../support/archive-names.ts';

const MiB = 1024 * 1024;

interface Rig {
  readonly h: Harness;
  readonly dynamoProxy: TcpProxy;
  readonly s3Proxy: TcpProxy;
  readonly proxied: AwsClients;
}

async function startRig(options: Pick<HarnessOptions, 'leaseMs' | 'ingestTimeoutMs' | 'deadlineMarginMs' | 'onProgress'> = {}): Promise<Rig> {
  const dynamoProxy = await startTcpProxy(process.env.TEST_DYNAMODB_ENDPOINT!);
  const s3Proxy = await startTcpProxy(process.env.TEST_AWS_ENDPOINT!);
  const proxied = createAwsClients({ dynamodbEndpoint: dynamoProxy.endpoint, awsEndpoint: s3Proxy.endpoint, forcePathStyle: true, region: 'us-east-1' });
  const h = await startHarness({
    aesMode: false,
    // DynamoDB and S3 through the proxies; SQS direct (an S3 outage is not an SQS outage).
    functionClients: (direct) => ({ dynamo: proxied.dynamo, s3: proxied.s3, sqs: direct.sqs }),
    visibilityTimeoutSeconds: 1,
    copy: { concurrency: 2, partSizeBytes: 5 * MiB },
    ...options,
  });
  return { h, dynamoProxy, s3Proxy, proxied };
}

async function stopRig(rig: Rig | undefined): Promise<void> {
  if (!rig) return;
  await rig.h.stop();
  rig.proxied.dynamo.destroy();
  rig.proxied.s3.destroy();
  await rig.dynamoProxy.close();
  await rig.s3Proxy.close();
}

async function queueDepth(h: Harness, url: string): Promise<number> {
  const { Attributes: a = {} } = await h.resources.clients.sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'],
    }),
  );
  return Number(a.ApproximateNumberOfMessages ?? 0) + Number(a.ApproximateNumberOfMessagesNotVisible ?? 0) + Number(a.ApproximateNumberOfMessagesDelayed ?? 0);
}

async function tableItems(h: Harness, prefix: string): Promise<Record<string, unknown>[]> {
  const page = await h.resources.clients.dynamo.send(
    new ScanCommand({ TableName: h.resources.tableName, FilterExpression: 'begins_with(pk, :p)', ExpressionAttributeValues: { ':p': prefix }, ConsistentRead: true }),
  );
  return page.Items ?? [];
}

async function objectKeys(h: Harness): Promise<string[]> {
  const page = await h.resources.clients.s3.send(new ListObjectsV2Command({ Bucket: h.resources.bucketName }));
  return (page.Contents ?? []).map((o) => o.Key!);
}

/** Nothing indexed `archived` lacks its object of exactly the archived size (checked on the direct clients). */
async function expectNothingHalfIndexed(h: Harness, recordings: readonly SimMeetingRecording[]): Promise<void> {
  for (const recording of recordings) {
    for (const simFile of recording.files) {
      const file = await h.index.getRecordFile(simFile.recordFileId);
      for (const artifact of Object.values(file?.artifacts ?? {})) {
        if (artifact.status !== 'archived') continue;
        const head = await h.resources.clients.s3.send(new HeadObjectCommand({ Bucket: artifact.bucket!, Key: artifact.key! }));
        expect(head.ContentLength).toBe(artifact.bytes);
      }
    }
  }
}

/** Every artifact archived once with exact bytes; then no queue message, DLQ message, checkpoint, lease or open upload. */
async function expectArchivedAndClean(h: Harness, recordings: readonly SimMeetingRecording[]): Promise<void> {
  const expectedKeys: string[] = [];
  for (const recording of recordings) {
    for (const simFile of recording.files) {
      const file = await h.index.getRecordFile(simFile.recordFileId);
      expect(file && fileStatus(file)).toBe('archived');
      expect(Object.keys(file!.artifacts).sort()).toEqual(simFile.artifacts.map(archiveNameOf).sort());
      for (const simArtifact of simFile.artifacts) {
        const archived = file!.artifacts[archiveNameOf(simArtifact)]!;
        expect(archived).toMatchObject({ status: 'archived', bytes: simArtifact.size });
        const object = await h.resources.clients.s3.send(new GetObjectCommand({ Bucket: archived.bucket!, Key: archived.key! }));
        const hash = createHash('sha256');
        for await (const chunk of object.Body as AsyncIterable<Uint8Array>) hash.update(chunk);
        expect(hash.digest('hex')).toBe(await seededSha256(simArtifact.seed, simArtifact.size));
        expectedKeys.push(archived.key!);
      }
    }
  }
  expect((await objectKeys(h)).sort()).toEqual(expectedKeys.sort());
  expect(await queueDepth(h, h.resources.ingestQueueUrl)).toBe(0);
  expect(await queueDepth(h, h.resources.ingestDeadLetterQueueUrl)).toBe(0);
  expect(await tableItems(h, 'COPY#')).toEqual([]);
  expect(await tableItems(h, 'LEASE#')).toEqual([]);
  // fauxqs refuses to delete a bucket with an unfinished multipart upload (it has no ListMultipartUploads).
  for (const key of expectedKeys) await h.resources.clients.s3.send(new DeleteObjectCommand({ Bucket: h.resources.bucketName, Key: key }));
  await expect(h.resources.clients.s3.send(new DeleteBucketCommand({ Bucket: h.resources.bucketName }))).resolves.toBeDefined();
}

function meetings(h: Harness, specs: ReadonlyArray<{ sizeBytes: number; transcripts?: boolean }>): SimMeetingRecording[] {
  return specs.map((spec, i) =>
    h.sim.model.createMeeting({
      subject: `outage ${i}`,
      hostUserId: h.sim.credentials.operatorId,
      files: [{ sizeBytes: spec.sizeBytes, ...(spec.transcripts ? { transcripts: [{ fileType: 'txt' as const }] } : {}) }],
    }),
  );
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

describe('emulator faults', () => {
  let rig: Rig | undefined;
  afterEach(async () => {
    await stopRig(rig);
    rig = undefined;
  });

  it('DynamoDB unavailable: the webhook refuses (Tencent retries), invocations fail, messages wait on the queue, then everything is archived', async () => {
    rig = await startRig();
    const { h, dynamoProxy } = rig;
    const recordings = meetings(h, [{ sizeBytes: 3 * MiB, transcripts: true }, { sizeBytes: 23 * MiB }, { sizeBytes: 700 * 1024 }]);
    for (const recording of recordings.slice(0, 2)) {
      expect((await h.deliver(recordingCompletedEvent(meetingFromRecording(recording), recording.files.map((f) => f.recordFileId)))).statusCode).toBe(200);
    }
    const queued = await queueDepth(h, h.resources.ingestQueueUrl);
    expect(queued).toBe(2);

    dynamoProxy.down();
    // The webhook cannot claim the event's trace_id: it must not acknowledge it, or Tencent would not retry.
    const late = recordingCompletedEvent(meetingFromRecording(recordings[2]!), recordings[2]!.files.map((f) => f.recordFileId));
    const refused = await h.deliver(late);
    expect(refused.statusCode).toBeGreaterThanOrEqual(500);
    // Two rounds of invocations while DynamoDB is down: every message fails and comes back.
    const down = await h.drain({ maxInvocations: 2, batchSize: 10 });
    expect(down).toMatchObject({ processed: 0 });
    expect(down.failed).toBeGreaterThanOrEqual(2);
    expect(dynamoProxy.stats.refused).toBeGreaterThan(0);
    expect(await queueDepth(h, h.resources.ingestQueueUrl)).toBe(queued);
    expect(await queueDepth(h, h.resources.ingestDeadLetterQueueUrl)).toBe(0);
    expect(h.sim.downloads.stats.bytesServed).toBe(0);
    expect(await objectKeys(h)).toEqual([]);

    dynamoProxy.up();
    // Tencent's retry of the refused event is accepted now.
    expect((await h.deliver(late)).statusCode).toBe(200);
    const drained = await h.drain({ maxInvocations: 30 });
    expect(drained.failed).toBe(0);
    await expectArchivedAndClean(h, recordings);
  });

  it('S3 unavailable mid-copy: the copy fails without indexing anything archived, then resumes from its checkpoint', async () => {
    // Bytes of the big file that S3 has acknowledged: parts the copy itself knows are uploaded.
    const uploaded = new Map<string, number>();
    rig = await startRig({ onProgress: (p) => uploaded.set(p.recordFileId, p.bytesDone) });
    const { h, s3Proxy } = rig;
    const [big, small] = meetings(h, [{ sizeBytes: 40 * MiB + 321 }, { sizeBytes: 2 * MiB, transcripts: true }]) as [SimMeetingRecording, SimMeetingRecording];
    const bigFile = big.files[0]!;
    for (const recording of [big, small]) {
      await h.deliver(recordingCompletedEvent(meetingFromRecording(recording), recording.files.map((f) => f.recordFileId)));
    }
    // Slow enough that S3 goes away in the middle of the big copy.
    h.sim.downloads.faults.throttle({ bytesPerSecond: 16 * MiB });
    const first = h.drain({ maxInvocations: 1, batchSize: 10 });
    // Down once S3 has acknowledged a part of the big file, so there is progress to checkpoint (a
    // byte count of downloads alone raced the uploads: parts read but not yet acknowledged).
    await waitFor(() => (uploaded.get(bigFile.recordFileId) ?? 0) >= 5 * MiB, 'a part of the big file uploaded');
    s3Proxy.down();
    expect(uploaded.get(bigFile.recordFileId)).toBeLessThan(bigFile.recordSize);
    const failedRound = await first;
    expect(failedRound.failed).toBeGreaterThanOrEqual(1);
    // While S3 is down: nothing archived without its object, the big copy's progress checkpointed.
    await expectNothingHalfIndexed(h, [big, small]);
    const bigIndexed = await h.index.getRecordFile(bigFile.recordFileId);
    expect(bigIndexed?.artifacts.video?.status).not.toBe('archived');
    const checkpoint = (await tableItems(h, `COPY#${bigFile.recordFileId}#`))[0];
    expect(checkpoint).toBeDefined();
    expect(Number(checkpoint!.bytesDone)).toBeGreaterThan(0);
    expect(await tableItems(h, 'LEASE#')).toEqual([]);
    const stillDown = await h.drain({ maxInvocations: 1, batchSize: 10 });
    expect(stillDown.processed).toBe(0);
    expect(await queueDepth(h, h.resources.ingestDeadLetterQueueUrl)).toBe(0);
    expect(await objectKeys(h)).toEqual([]);

    s3Proxy.up();
    h.sim.downloads.faults.throttle({});
    const logFrom = h.sim.downloads.log.length;
    const drained = await h.drain({ maxInvocations: 30 });
    expect(drained.failed).toBe(0);
    // The big copy resumed from its checkpoint: no part it had checkpointed was downloaded again.
    // (Not "from a byte past 0": parts finish out of order, and part 1 may be the one still missing.)
    const partSize = Number(checkpoint!.partSize);
    const checkpointed = decodeParts(String(checkpoint!.parts), partSize, bigFile.recordSize).map((p) => p.partNumber);
    expect(checkpointed.length).toBeGreaterThan(0);
    const resumed = h.sim.downloads.log.slice(logFrom).filter((e) => e.artifactKey === bigFile.artifacts[0]!.key && e.range);
    const resumedParts = new Set(resumed.map((e) => Math.floor(e.range!.start / partSize) + 1));
    for (const partNumber of checkpointed) expect(resumedParts.has(partNumber)).toBe(false);
    expect(resumedParts.size).toBeLessThanOrEqual(Math.ceil(bigFile.recordSize / partSize) - checkpointed.length);
    await expectArchivedAndClean(h, [big, small]);
  });

  it('DynamoDB unavailable mid-copy (checkpoint and lease writes fail): the file is retried once the lease lapses and archived exactly once', async () => {
    // Like AWS: the lease (5 s) outlives an invocation (4 s), and the copy continues across invocations.
    rig = await startRig({ leaseMs: 5000, ingestTimeoutMs: 4000, deadlineMarginMs: 60_000 });
    const { h, dynamoProxy } = rig;
    const [big] = meetings(h, [{ sizeBytes: 30 * MiB + 5 }]) as [SimMeetingRecording];
    const bigFile = big.files[0]!;
    await h.deliver(recordingCompletedEvent(meetingFromRecording(big), [bigFile.recordFileId]));
    h.sim.downloads.faults.throttle({ bytesPerSecond: 16 * MiB });
    const first = h.drain({ maxInvocations: 1 });
    await waitFor(() => h.sim.downloads.stats.bytesServed >= 12 * MiB, '12 MiB of the big file downloaded');
    dynamoProxy.down();
    const failedRound = await first;
    expect(failedRound.processed).toBe(0);
    await sleep(1500);
    expect(await queueDepth(h, h.resources.ingestDeadLetterQueueUrl)).toBe(0);
    await expectNothingHalfIndexed(h, [big]);

    dynamoProxy.up();
    h.sim.downloads.faults.throttle({});
    const drained = await h.drain({ maxInvocations: 60 });
    expect(drained.failed).toBeLessThanOrEqual(2);
    await expectArchivedAndClean(h, [big]);
    // One copy of the file, plus at most what the outage cut off (parts in flight, not yet checkpointed).
    expect(h.sim.downloads.stats.bytesServed).toBeLessThan(bigFile.recordSize + 4 * 5 * MiB + 12 * MiB);
  });
});
