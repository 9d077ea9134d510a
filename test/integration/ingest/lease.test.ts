// A worker keeps its copy lease for as long as it runs, however long past the lease's duration:
// locally a handler outlives its timeout (the local poller cannot freeze it as Lambda would), and
// a lease of "timeout + 60 s" then expired under a copy still running, letting a second worker
// copy the same file beside it. Real pipeline on the emulators and the simulator.
import { DeleteMessageCommand, ReceiveMessageCommand, SendMessageCommand, type Message } from '@aws-sdk/client-sqs';
import { createHash } from 'node:crypto';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '../../../shared/archive/table-design.ts';
import { startHarness, type Harness } from '../../support/ingest-harness.ts';
import { copiedBytes } from '../../support/archive-assertions.ts';
import { meetingFromRecording, recordingCompletedEvent } from '../../../infra/local/simulator/webhook-events.ts';
import { seededSha256 } from '../../../infra/local/simulator/seeded-bytes.ts';
import { createLambdaContext } from '../../../infra/local/lambda-context.ts';
import { toSqsRecord } from '../../../infra/local/queue-poller.ts';
import { createAwsClients } from '../../../shared/aws/clients.ts';
import { CopyLeases } from '../../../shared/ingest/copy-lease.ts';
import { holdLease } from '../../../shared/ingest/lease-keeper.ts';
import { createTestResources, destroyClients } from '../../support/aws.ts';
import { startTcpProxy } from '../../support/tcp-proxy.ts';

const MiB = 1024 * 1024;
const LEASE_MS = 3000;

let h: Harness;
afterEach(async () => {
  await h?.stop();
});

async function receiveOne(harness: Harness): Promise<Message> {
  for (;;) {
    const received = await harness.resources.clients.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: harness.resources.ingestQueueUrl, MaxNumberOfMessages: 1, WaitTimeSeconds: 1, VisibilityTimeout: 120, MessageSystemAttributeNames: ['All'] }),
    );
    const message = received.Messages?.[0];
    if (message) return message;
  }
}

function invoke(harness: Harness, message: Message) {
  const { context } = createLambdaContext({ functionName: 'ingest', timeoutMs: 120_000 });
  return harness.ingest({ Records: [toSqsRecord(message, harness.queueArn, 'us-east-1')] }, context);
}

async function until(condition: () => Promise<boolean>): Promise<void> {
  while (!(await condition())) await new Promise((resolve) => setTimeout(resolve, 50));
}

it('a worker still copying keeps the file: a duplicate arriving after the lease duration waits instead of copying beside it', async () => {
  h = await startHarness({ leaseMs: LEASE_MS, copy: { concurrency: 1 } });
  const recording = h.sim.model.createMeeting({ subject: 'slow', hostUserId: h.sim.credentials.operatorId, files: [{ sizeBytes: 8 * MiB }] });
  const fileId = recording.files[0]!.recordFileId;
  // About 8 s of copying: far longer than the lease's 3 s.
  h.sim.downloads.faults.throttle({ bytesPerSecond: MiB });
  await h.deliver(recordingCompletedEvent(meetingFromRecording(recording), [fileId]));
  const first = await receiveOne(h);
  // The same file enqueued again meanwhile (a reconcile sweep, a retried webhook).
  await h.resources.clients.sqs.send(new SendMessageCommand({ QueueUrl: h.resources.ingestQueueUrl, MessageBody: first.Body! }));

  const running = invoke(h, first);
  await until(async () => (await h.index.getRecordFile(fileId))?.artifacts.video?.status === 'copying');
  // Well past the lease's duration, the first worker still copying.
  await new Promise((resolve) => setTimeout(resolve, LEASE_MS + 1500));
  const duplicate = await receiveOne(h);
  expect(await invoke(h, duplicate)).toEqual({ batchItemFailures: [] });
  await h.resources.clients.sqs.send(new DeleteMessageCommand({ QueueUrl: h.resources.ingestQueueUrl, ReceiptHandle: duplicate.ReceiptHandle! }));

  expect(await running).toEqual({ batchItemFailures: [] });
  await h.resources.clients.sqs.send(new DeleteMessageCommand({ QueueUrl: h.resources.ingestQueueUrl, ReceiptHandle: first.ReceiptHandle! }));
  expect((await h.drain()).failed).toBe(0);

  // One copy: the file was downloaded once, by one worker, and archived with exact bytes.
  expect(copiedBytes(h)).toBe(8 * MiB);
  const video = (await h.index.getRecordFile(fileId))!.artifacts.video!;
  expect(video).toMatchObject({ status: 'archived', bytes: 8 * MiB, attempts: 1 });
  const object = await h.resources.clients.s3.send(new GetObjectCommand({ Bucket: video.bucket!, Key: video.key! }));
  const hash = createHash('sha256');
  for await (const chunk of object.Body as AsyncIterable<Uint8Array>) hash.update(chunk);
  expect(hash.digest('hex')).toBe(await seededSha256(recording.files[0]!.artifacts[0]!.seed, 8 * MiB));
});

it('a worker whose lease was taken over (its renewals failed for longer than the lease) stops copying at once', async () => {
  h = await startHarness({ leaseMs: LEASE_MS, copy: { concurrency: 1 } });
  const recording = h.sim.model.createMeeting({ subject: 'taken', hostUserId: h.sim.credentials.operatorId, files: [{ sizeBytes: 8 * MiB }] });
  const fileId = recording.files[0]!.recordFileId;
  h.sim.downloads.faults.throttle({ bytesPerSecond: MiB });
  await h.deliver(recordingCompletedEvent(meetingFromRecording(recording), [fileId]));
  const message = await receiveOne(h);
  const running = invoke(h, message);
  await until(async () => (await h.index.getRecordFile(fileId))?.artifacts.video?.status === 'copying');
  // Another worker holds the file now, as if this one had been unreachable past its lease.
  await h.resources.clients.dynamo.send(
    new PutCommand({ TableName: h.resources.tableName, Item: { ...keys.copyLease(fileId), owner: 'the-worker-that-took-over', expiresAtMs: Date.now() + 600_000 } }),
  );
  expect(await running).toEqual({ batchItemFailures: [] });
  // It stopped mid-file: not the whole file downloaded, nothing in the bucket, the rest handed over.
  expect(h.sim.downloads.stats.bytesServed).toBeLessThan(8 * MiB);
  const objects = await h.resources.clients.s3.send(new ListObjectsV2Command({ Bucket: h.resources.bucketName }));
  expect(objects.KeyCount ?? 0).toBe(0);
  expect((await h.index.getRecordFile(fileId))!.artifacts.video!.status).toBe('copying');
  // And it left the other worker's lease alone.
  const lease = await h.resources.clients.dynamo.send(new GetCommand({ TableName: h.resources.tableName, Key: keys.copyLease(fileId) }));
  expect(lease.Item?.owner).toBe('the-worker-that-took-over');
});

it('a holder that cannot renew its lease for longer than the lease (DynamoDB unreachable) is told it lost the file', async () => {
  const resources = await createTestResources();
  const proxy = await startTcpProxy(process.env.TEST_DYNAMODB_ENDPOINT!);
  const proxied = createAwsClients({ dynamodbEndpoint: proxy.endpoint, awsEndpoint: process.env.TEST_AWS_ENDPOINT!, forcePathStyle: true, region: 'us-east-1' });
  try {
    const leases = new CopyLeases(proxied.dynamo, resources.tableName);
    const failures: unknown[] = [];
    const lease = await holdLease(leases, 'file-1', 'worker-a', 1500, { renewEveryMs: 300, onRenewalFailed: (error) => failures.push(error) });
    expect(lease).toBeDefined();
    proxy.down();
    await new Promise<void>((resolve) => lease!.lost.addEventListener('abort', () => resolve(), { once: true }));
    expect(String(lease!.lost.reason)).toContain('the copy lease lapsed');
    expect(failures.length).toBeGreaterThan(0);
    // Once it is reachable again, another worker may take the lapsed lease over.
    proxy.up();
    expect(await new CopyLeases(resources.clients.dynamo, resources.tableName).acquire('file-1', 'worker-b', 60_000)).toBe(true);
  } finally {
    destroyClients(proxied);
    destroyClients(resources.clients);
    await proxy.close();
  }
});
