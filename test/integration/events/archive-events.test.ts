// Archive events as a downstream system sees them: each state change published once, with the
// documented detail, through duplicate deliveries, re-run sweeps and a process that dies between
// its write and its publication. Real components: the simulator over HTTP, the webhook, ingest and
// reconcile handlers, DynamoDB Local and fauxqs over sockets; the events land in the JSON-lines
// file npm start writes, and every line is checked against its committed schema.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { readFileSync } from 'node:fs';
import { createReconcileHandler } from '../../../functions/reconcile/handler.ts';
import { toSqsRecord } from '../../../infra/local/queue-poller.ts';
import { createLambdaContext } from '../../../infra/local/lambda-context.ts';
import { meetingFromRecording, recordingCompletedEvent, recordingDeletedEvent, smartFullSummaryEvent } from '../../../infra/local/simulator/webhook-events.ts';
import { OUTBOX_PENDING_PARTITION } from '../../../shared/archive/table-design.ts';
import type { ArchiveIndex } from '../../../shared/archive/archive-index.ts';
import { DETAIL_TYPES } from '../../../shared/events/archive-events.ts';
import { FileEventPublisher } from '../../../shared/events/file-publisher.ts';
import { ArchiveEventOutbox } from '../../../shared/events/outbox.ts';
import { archiveIndexOf } from '../../../shared/ingest/wiring.ts';
import { parseTencentConfig } from '../../../shared/tencent/config.ts';
import { startHarness, type Harness, type HarnessOptions } from '../../support/ingest-harness.ts';
import { tableAndQueueOf } from '../../support/aws.ts';
import { indexRecording } from '../../support/indexed-recording.ts';
import { archiveOne, dlqDepth } from '../../support/archive-assertions.ts';
import { ofType, readEventLines } from '../../support/archive-events.ts';

jest.setTimeout(180_000);
const MiB = 1024 * 1024;

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

async function start(options: HarnessOptions = {}): Promise<Harness> {
  h = await startHarness(options);
  return h;
}

const quietLogger = { info() {}, warn() {} };

/** The reconcile function as deployed (sweep, then the outbox's leftovers), with its own outbox. */
function reconcileWith(harness: Harness, eventsFile: string, republishMinAgeMs?: number) {
  const outbox = new ArchiveEventOutbox({
    dynamo: harness.resources.clients.dynamo,
    tableName: harness.resources.tableName,
    publisher: new FileEventPublisher({ path: eventsFile, print: () => undefined }),
    logger: quietLogger,
  });
  const handler = createReconcileHandler({
    ...tableAndQueueOf(harness.resources),
    tencent: async () => parseTencentConfig(harness.sim.env()),
    windowHours: 48,
    outbox,
    ...(republishMinAgeMs !== undefined ? { republishMinAgeMs } : {}),
    logger: harness.logger,
  });
  return async () => handler({}, createLambdaContext({ functionName: 'reconcile', timeoutMs: 120_000 }).context);
}

async function pendingEvents(harness: Harness): Promise<number> {
  const out = await harness.resources.clients.dynamo.send(
    new QueryCommand({ TableName: harness.resources.tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': OUTBOX_PENDING_PARTITION }, ConsistentRead: true }),
  );
  return out.Count ?? 0;
}

/** The one message on the ingest queue, as the event source mapping hands it over (without deleting it). */
async function receiveOne(harness: Harness) {
  const { Messages = [] } = await harness.resources.clients.sqs.send(
    new ReceiveMessageCommand({ QueueUrl: harness.resources.ingestQueueUrl, MaxNumberOfMessages: 1, WaitTimeSeconds: 2, MessageSystemAttributeNames: ['All'], MessageAttributeNames: ['All'] }),
  );
  expect(Messages).toHaveLength(1);
  return toSqsRecord(Messages[0]!, harness.queueArn, 'us-east-1');
}

async function invoke(harness: Harness, record: ReturnType<typeof toSqsRecord>, receiveCount: number) {
  const { context } = createLambdaContext({ functionName: 'ingest', timeoutMs: 60_000 });
  return harness.ingest({ Records: [{ ...record, attributes: { ...record.attributes, ApproximateReceiveCount: String(receiveCount) } }] }, context);
}

function indexWithEvents(harness: Harness): ArchiveIndex {
  return archiveIndexOf({ clients: harness.resources.clients, tableName: harness.resources.tableName, outbox: harness.outbox });
}

describe('Recording Archived', () => {
  it('is published once per record file with its ids, bucket, keys, sizes and checksums; duplicate deliveries and re-run sweeps publish nothing more', async () => {
    const harness = await start();
    const recording = harness.sim.model.createMeeting({
      subject: 'Quarterly review',
      hostUserId: harness.sim.credentials.operatorId,
      files: [{ sizeBytes: 3 * MiB, audioBytes: MiB, transcripts: [{ fileType: 'txt', text: 'hello' }] }, { sizeBytes: MiB }],
    });
    const fileIds = recording.files.map((f) => f.recordFileId);
    const completed = recordingCompletedEvent(meetingFromRecording(recording), fileIds);
    await harness.deliver(completed);
    expect((await harness.drain()).failed).toBe(0);

    let events = readEventLines(harness.eventsFile);
    expect(ofType(events, DETAIL_TYPES.archived).map((e) => e.detail.record_file_id).sort()).toEqual([...fileIds].sort());
    for (const fileId of fileIds) {
      const [event] = ofType(events, DETAIL_TYPES.archived, fileId);
      const file = (await harness.index.getRecordFile(fileId))!;
      const artifacts = Object.values(file.artifacts).sort((a, b) => a.artifact.localeCompare(b.artifact));
      expect(event!.detail).toMatchObject({
        meeting_id: recording.meetingId,
        meeting_record_id: recording.meetingRecordId,
        record_file_id: fileId,
        meeting_code: recording.meetingCode,
        subject: 'Quarterly review',
        bucket: harness.resources.bucketName,
        record_size: file.recordSize,
        total_bytes: artifacts.reduce((sum, a) => sum + a.bytes!, 0),
        artifacts: artifacts.map((a) => expect.objectContaining({ artifact: a.artifact, status: 'archived', bucket: harness.resources.bucketName, key: a.key, bytes: a.bytes, checksum: a.checksum })),
      });
      expect(event!.id).toBe(event!.detail.event_id);
    }
    expect(ofType(events, DETAIL_TYPES.archived, fileIds[0]!)[0]!.detail.artifacts).toHaveLength(3);
    // Never a link, a token or a secret.
    expect(readFileSync(harness.eventsFile, 'utf8')).not.toMatch(/https?:\/\//i);

    // Tencent retries the event (same trace_id), then sends it again under a new one; the sweep runs twice.
    await harness.deliver(completed);
    await harness.deliver(recordingCompletedEvent(meetingFromRecording(recording), fileIds));
    expect((await harness.drain()).failed).toBe(0);
    const sweepsFile = join(mkdtempSync(join(tmpdir(), 'sweep-events-')), 'events.jsonl');
    const sweep = reconcileWith(harness, sweepsFile, 0);
    await sweep();
    await sweep();
    expect((await harness.drain()).failed).toBe(0);
    events = readEventLines(harness.eventsFile);
    expect(events).toHaveLength(2);
    expect(readEventLines(sweepsFile)).toHaveLength(0);
    expect(await pendingEvents(harness)).toBe(0);
  });

  it('is published again, with a new event_id and every artifact, when Tencent adds AI minutes to an archived file', async () => {
    const harness = await start();
    const { recording, fileId } = await archiveOne(harness, 'minutes later');
    harness.sim.model.addTextArtifacts(fileId, { aiMinutes: [{ fileType: 'docx', sizeBytes: 2048 }] });
    const summary = smartFullSummaryEvent(meetingFromRecording(recording), [fileId]);
    await harness.deliver(summary);
    await harness.deliver(summary);
    expect((await harness.drain()).failed).toBe(0);
    const archived = ofType(readEventLines(harness.eventsFile), DETAIL_TYPES.archived, fileId);
    expect(archived.map((e) => e.detail.artifacts.map((a) => a.kind))).toEqual([['video'], ['ai_minutes', 'video']]);
    expect(new Set(archived.map((e) => e.detail.event_id)).size).toBe(2);
  });
});

describe('the outbox: a process that dies (or a publisher that fails) between the write and the publication', () => {
  it('loses no event: the change is recorded with its event, and the reconcile sweep publishes it once, leaving younger ones to their writer', async () => {
    // EventBridge unreachable: the file publisher's path is a directory it cannot append to.
    const harness = await start({ eventPublisher: new FileEventPublisher({ path: mkdtempSync(join(tmpdir(), 'unwritable-')), print: () => undefined }) });
    const { recording, fileId } = await archiveOne(harness, 'outbox');
    expect((await harness.index.getRecordFile(fileId))!.artifacts.video!.status).toBe('archived');
    // A worker that died right after its write never ran the publication: this index has no dispatcher.
    await harness.index.markSourceDeleted({ recordFileIds: [fileId] }, Date.now());
    expect(await pendingEvents(harness)).toBe(2);

    const eventsFile = join(mkdtempSync(join(tmpdir(), 'sweep-events-')), 'events.jsonl');
    // The default grace leaves events their writer may still be publishing.
    await reconcileWith(harness, eventsFile)();
    expect(readEventLines(eventsFile)).toHaveLength(0);
    const sweep = reconcileWith(harness, eventsFile, 0);
    await sweep();
    await sweep();
    const events = readEventLines(eventsFile);
    expect(events.map((e) => e['detail-type']).sort()).toEqual([DETAIL_TYPES.archived, DETAIL_TYPES.deletedAtSource]);
    expect(events.every((e) => e.detail.record_file_id === fileId)).toBe(true);
    expect(await pendingEvents(harness)).toBe(0);
  });
});

describe('Recording Deleted At Source and Recording Removed From Archive', () => {
  it('retain: a confirmed deletion is published once (deleted_by tencent) with the copies kept; a repeated recording.deleted publishes nothing more', async () => {
    const harness = await start();
    const { recording, fileId } = await archiveOne(harness, 'retained');
    harness.sim.model.deleteFile(fileId);
    await harness.deliver(recordingDeletedEvent(meetingFromRecording(recording), [fileId]));
    await harness.deliver(recordingDeletedEvent(meetingFromRecording(recording), [fileId]));
    expect((await harness.drain()).failed).toBe(0);
    const events = readEventLines(harness.eventsFile);
    const [deleted, ...more] = ofType(events, DETAIL_TYPES.deletedAtSource, fileId);
    expect(more).toHaveLength(0);
    const file = (await harness.index.getRecordFile(fileId))!;
    expect(deleted!.detail).toMatchObject({ deleted_by: 'tencent', source_deleted_at: file.sourceDeletedAt, artifacts: [expect.objectContaining({ artifact: 'video', status: 'archived', key: file.artifacts.video!.key })] });
    expect(ofType(events, DETAIL_TYPES.removedFromArchive)).toHaveLength(0);
  });

  it('mirror: the deletion at Tencent and the removal of every copy are published once each, whatever the deliveries', async () => {
    const harness = await start({ deletionPolicy: 'mirror' });
    const recording = harness.sim.model.createMeeting({ subject: 'mirrored', hostUserId: harness.sim.credentials.operatorId, files: [{ sizeBytes: MiB, audioBytes: MiB }] });
    const fileId = recording.files[0]!.recordFileId;
    await harness.deliver(recordingCompletedEvent(meetingFromRecording(recording), [fileId]));
    expect((await harness.drain()).failed).toBe(0);
    const archived = (await harness.index.getRecordFile(fileId))!;
    harness.sim.model.deleteFile(fileId);
    await harness.deliver(recordingDeletedEvent(meetingFromRecording(recording), [fileId]));
    await harness.deliver(recordingDeletedEvent(meetingFromRecording(recording), [fileId]));
    expect((await harness.drain()).failed).toBe(0);
    const events = readEventLines(harness.eventsFile);
    expect(ofType(events, DETAIL_TYPES.deletedAtSource, fileId)).toHaveLength(1);
    const removed = ofType(events, DETAIL_TYPES.removedFromArchive, fileId);
    expect(removed).toHaveLength(1);
    expect(removed[0]!.detail).toMatchObject({
      removed_by: 'mirror',
      artifacts: ['audio', 'video'].map((name) =>
        expect.objectContaining({ artifact: name, status: 'deleted', key: archived.artifacts[name]!.key, bytes: archived.artifacts[name]!.bytes, checksum: archived.artifacts[name]!.checksum }),
      ),
    });
    expect(events.map((e) => e['detail-type'])).toEqual([DETAIL_TYPES.archived, DETAIL_TYPES.deletedAtSource, DETAIL_TYPES.removedFromArchive]);
  });

  it('source cleanup and expiry (through the same index writes): deleted_by archive, removed_by expiry, once each', async () => {
    const harness = await start();
    const { recording, fileId } = await archiveOne(harness, 'cleanup');
    const index = indexWithEvents(harness);
    await index.markSourceDeleted({ recordFileIds: [fileId] }, Date.now(), 'archive');
    await index.markSourceDeleted({ recordFileIds: [fileId] }, Date.now(), 'archive');
    for (let i = 0; i < 2; i++) {
      await index.setArtifactStatus(recording.meetingRecordId, fileId, { artifact: 'video', kind: 'video', fileType: 'mp4', status: 'deleted', removedBy: 'expiry' });
    }
    const events = readEventLines(harness.eventsFile);
    expect(ofType(events, DETAIL_TYPES.deletedAtSource, fileId).map((e) => e.detail.deleted_by)).toEqual(['archive']);
    expect(ofType(events, DETAIL_TYPES.removedFromArchive, fileId).map((e) => e.detail.removed_by)).toEqual(['expiry']);
  });
});

describe('Recording Archive Failed', () => {
  it('a message the worker sends to the DLQ itself is published once, with the failed artifact and no link, even when SQS delivers it twice', async () => {
    // The AWS download policy refuses the simulator's http://127.0.0.1 links: a failure no retry can fix.
    const harness = await start({ downloadPolicy: { allowInsecureLoopback: false, hostAllowlist: [] } });
    const recording = harness.sim.model.createMeeting({ subject: 'refused', hostUserId: harness.sim.credentials.operatorId, files: [{ sizeBytes: MiB }] });
    const fileId = recording.files[0]!.recordFileId;
    await harness.deliver(recordingCompletedEvent(meetingFromRecording(recording), [fileId]));
    const record = await receiveOne(harness);
    await invoke(harness, record, 1);
    await invoke(harness, record, 2);
    expect(await dlqDepth(harness)).toBe(2);
    const failed = ofType(readEventLines(harness.eventsFile), DETAIL_TYPES.failed);
    expect(failed).toHaveLength(1);
    expect(failed[0]!.detail).toMatchObject({
      meeting_id: recording.meetingId,
      meeting_record_id: recording.meetingRecordId,
      record_file_id: fileId,
      subject: 'refused',
      failure: { kind: 'dead-letter', message_id: record.messageId, receive_count: 1, reason: expect.stringContaining('DownloadRefusedError') },
      artifacts: [expect.objectContaining({ artifact: 'video', status: 'failed', last_error: expect.any(String) })],
    });
    expect(readFileSync(harness.eventsFile, 'utf8')).not.toMatch(/https?:\/\/[^"\s]*\?/);
  });

  it('a message whose last receive fails is published once (retries-exhausted); its earlier failing receives publish nothing', async () => {
    const harness = await start();
    const recording = harness.sim.model.createMeeting({ subject: 'tencent down', hostUserId: harness.sim.credentials.operatorId, files: [{ sizeBytes: MiB }] });
    const fileId = recording.files[0]!.recordFileId;
    await harness.deliver(recordingCompletedEvent(meetingFromRecording(recording), [fileId]));
    const record = await receiveOne(harness);
    harness.sim.faults.serverErrors('*', 10_000);
    for (const receiveCount of [1, 4]) expect((await invoke(harness, record, receiveCount)).batchItemFailures).toHaveLength(1);
    expect(readEventLines(harness.eventsFile)).toHaveLength(0);
    for (const receiveCount of [5, 5]) expect((await invoke(harness, record, receiveCount)).batchItemFailures).toHaveLength(1);
    const failed = ofType(readEventLines(harness.eventsFile), DETAIL_TYPES.failed);
    expect(failed.map((e) => e.detail.failure)).toEqual([expect.objectContaining({ kind: 'retries-exhausted', receive_count: 5, message_id: record.messageId })]);
    expect(failed[0]!.detail).toMatchObject({ meeting_id: recording.meetingId, record_file_id: fileId });
  });

  it('retain: a copy Tencent deleted between two invocations is published once as source-deleted, with the reason, beside its deletion', async () => {
    // A 4 s "Lambda" and a slow source: the first invocation leaves the copy unfinished; Tencent then deletes the file.
    const harness = await start({ ingestTimeoutMs: 4000, copy: { concurrency: 1, partSizeBytes: 5 * MiB } });
    const recording = harness.sim.model.createMeeting({ subject: 'paused', hostUserId: harness.sim.credentials.operatorId, files: [{ sizeBytes: 40 * MiB }] });
    const fileId = recording.files[0]!.recordFileId;
    harness.sim.downloads.faults.throttle({ bytesPerSecond: 4 * MiB });
    await harness.deliver(recordingCompletedEvent(meetingFromRecording(recording), [fileId]));
    await harness.drain({ maxInvocations: 1 });
    expect(['pending', 'copying']).toContain((await harness.index.getRecordFile(fileId))!.artifacts.video!.status);
    harness.sim.downloads.faults.clear();
    harness.sim.model.deleteFile(fileId);
    await harness.deliver(recordingDeletedEvent(meetingFromRecording(recording), [fileId]));
    await harness.deliver(recordingDeletedEvent(meetingFromRecording(recording), [fileId]));
    expect((await harness.drain()).failed).toBe(0);
    const events = readEventLines(harness.eventsFile);
    expect(events.map((e) => e['detail-type']).sort()).toEqual([DETAIL_TYPES.failed, DETAIL_TYPES.deletedAtSource].sort());
    expect(ofType(events, DETAIL_TYPES.failed)[0]!.detail).toMatchObject({
      record_file_id: fileId,
      failure: { kind: 'source-deleted', reason: 'Tencent deleted the file before this artifact was archived' },
      artifacts: [expect.objectContaining({ artifact: 'video', status: 'failed' })],
    });
  });

  it('a file Tencent deletes while an artifact of it has failed is published once as source-deleted, beside its deletion', async () => {
    const harness = await start();
    const recording = harness.sim.model.createMeeting({ subject: 'lost', hostUserId: harness.sim.credentials.operatorId, files: [{ sizeBytes: MiB }] });
    const fileId = recording.files[0]!.recordFileId;
    const index = indexWithEvents(harness);
    await indexRecording(index, recording);
    await index.setArtifactStatus(recording.meetingRecordId, fileId, { artifact: 'video', kind: 'video', fileType: 'mp4', status: 'failed', lastError: 'HTTPError: 500 GET https://cos.example.com/v.mp4?sign=SECRET' });
    await index.markSourceDeleted({ recordFileIds: [fileId] }, Date.now());
    await index.markSourceDeleted({ recordFileIds: [fileId] }, Date.now());
    const events = readEventLines(harness.eventsFile);
    expect(events.map((e) => e['detail-type']).sort()).toEqual([DETAIL_TYPES.failed, DETAIL_TYPES.deletedAtSource].sort());
    expect(ofType(events, DETAIL_TYPES.failed)[0]!.detail.failure).toEqual({ kind: 'source-deleted', reason: 'HTTPError: 500 GET https://cos.example.com/v.mp4?…' });
    expect(readFileSync(harness.eventsFile, 'utf8')).not.toContain('SECRET');
  });
});
