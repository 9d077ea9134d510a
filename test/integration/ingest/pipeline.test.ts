// The ingest pipeline end to end on real components: simulator (HTTP) → webhook handler → SQS
// (fauxqs) → ingest handler → S3 (fauxqs) + DynamoDB Local, asserting what a user of the archive sees.
import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { createHash } from 'node:crypto';
import { ArchiveListing } from '../../../shared/archive/archive-list.ts';
import { startHarness, type Harness } from '../../support/ingest-harness.ts';
import { copiedBytes, expectArchivedExactly } from '../../support/archive-assertions.ts';
import { seededSha256 } from '../../../infra/local/simulator/seeded-bytes.ts';
import {
  meetingFromRecording,
  recordingCompletedEvent,
  recordingDeletedEvent,
  recordingStatusEvent,
  recordingUpdatedEvent,
  smartTranscriptsEvent,
  stsTokenEvent,
  type EventMeeting,
} from '../../../infra/local/simulator/webhook-events.ts';
import type { SimMeetingRecording } from '../../../infra/local/simulator/model.ts';
import { fileStatus } from '../../../shared/archive/model.ts';
import { CopyLeases } from '../../../shared/ingest/copy-lease.ts';
import { createQueryHandler } from '../../../functions/query/handler.ts';
import { createLambdaContext } from '../../../infra/local/lambda-context.ts';
import { s3ClientThrough, startS3Proxy } from '../../support/s3-proxy.ts';

const MiB = 1024 * 1024;

/** A one-file (1 MiB) recording, completed and archived. */
async function archiveOneFile(h: Harness, subject: string): Promise<{ recording: SimMeetingRecording; meeting: EventMeeting; fileId: string }> {
  const recording = h.sim.model.createMeeting({ subject, hostUserId: h.sim.credentials.operatorId, files: [{ sizeBytes: MiB }] });
  const meeting = meetingFromRecording(recording);
  const fileId = recording.files[0]!.recordFileId;
  await h.deliver(recordingCompletedEvent(meeting, [fileId]));
  await h.drain();
  return { recording, meeting, fileId };
}

/** Tencent deletes the file and says so with recording.deleted, which the pipeline then processes. */
async function deleteAtSource(h: Harness, meeting: EventMeeting, fileId: string): Promise<void> {
  h.sim.model.deleteFile(fileId);
  await h.deliver(recordingDeletedEvent(meeting, [fileId]));
  await h.drain();
}

describe('ingest pipeline', () => {
  let h: Harness;
  const onStop: Array<() => Promise<void>> = [];
  afterEach(async () => {
    await h?.stop();
    for (const stop of onStop.splice(0)) await stop();
  });

  it('archives every artifact of a completed recording (AES mode) with exact bytes, type and name', async () => {
    h = await startHarness();
    const recording = h.sim.model.createMeeting({
      subject: '季度复盘 Q3 review',
      hostUserId: h.sim.credentials.operatorId,
      files: [{ sizeBytes: 23 * MiB + 12345, audioBytes: 3 * MiB, transcripts: [{ fileType: 'txt' }], aiMinutes: [{ fileType: 'docx' }] }],
    });
    const meeting = meetingFromRecording(recording);
    const ack = await h.deliver(recordingCompletedEvent(meeting, recording.files.map((f) => f.recordFileId)));
    expect(ack).toMatchObject({ statusCode: 200, body: 'successfully received callback' });

    const drained = await h.drain();
    expect(drained.failed).toBe(0);
    await expectArchivedExactly(h, recording);

    const file = (await h.index.getRecordFile(recording.files[0]!.recordFileId))!;
    const video = file.artifacts.video!;
    expect(video.key).toMatch(new RegExp(`^recordings/\\d{4}/\\d{2}/\\d{2}/${recording.meetingId}/${recording.meetingRecordId}/${file.recordFileId}/video\\.mp4$`));
    const head = await h.resources.clients.s3.send(new HeadObjectCommand({ Bucket: video.bucket!, Key: video.key! }));
    expect(head.ContentType).toBe('video/mp4');
    expect(head.ContentDisposition).toContain(`filename*=UTF-8''${encodeURIComponent('季度复盘 Q3 review')}`);
    const meetingRecord = await h.index.getMeetingRecording(recording.meetingRecordId);
    expect(meetingRecord).toMatchObject({ subject: '季度复盘 Q3 review', meetingId: recording.meetingId, recordingStatus: 'completed' });
  });

  it('converges to one archived copy under five duplicate deliveries and a reversed lifecycle', async () => {
    h = await startHarness({ aesMode: false });
    const recording = h.sim.model.createMeeting({ subject: 'dupes', hostUserId: h.sim.credentials.operatorId, files: [{ sizeBytes: 2 * MiB }, { sizeBytes: 1 * MiB + 7 }] });
    const meeting = meetingFromRecording(recording);
    const completed = recordingCompletedEvent(meeting, recording.files.map((f) => f.recordFileId));
    // Tencent retries: the same trace_id five times; plus a re-sent event with a new trace_id.
    for (let i = 0; i < 5; i++) expect((await h.deliver(completed)).statusCode).toBe(200);
    await h.deliver(recordingCompletedEvent(meeting, recording.files.map((f) => f.recordFileId)));
    // Lifecycle events arriving after completion must not move the status backwards.
    await h.deliver(recordingStatusEvent('recording.stopped', meeting));
    await h.deliver(recordingStatusEvent('recording.started', meeting));

    const drained = await h.drain();
    expect(drained.failed).toBe(0);
    await expectArchivedExactly(h, recording);
    expect((await h.index.getMeetingRecording(recording.meetingRecordId))!.recordingStatus).toBe('completed');
    // Two deliveries reached the queue per file (dedupe by trace_id), but each file was copied once.
    expect(copiedBytes(h)).toBe(recording.files.reduce((sum, f) => sum + f.recordSize, 0));
  });

  it('keeps the archived copy when Tencent deletes the recording, and marks it source-deleted', async () => {
    h = await startHarness();
    const { meeting, fileId } = await archiveOneFile(h, 'to be deleted');
    await deleteAtSource(h, meeting, fileId);
    const file = (await h.index.getRecordFile(fileId))!;
    expect(file.sourceDeletedAt).toBeDefined();
    expect(file.artifacts.video!.status).toBe('archived');
    const head = await h.resources.clients.s3.send(new HeadObjectCommand({ Bucket: file.artifacts.video!.bucket!, Key: file.artifacts.video!.key! }));
    expect(head.ContentLength).toBe(MiB);
  });

  it('deletes the archived copy too under the mirror deletion policy', async () => {
    h = await startHarness({ deletionPolicy: 'mirror' });
    const { recording, meeting, fileId } = await archiveOneFile(h, 'mirror');
    const key = (await h.index.getRecordFile(fileId))!.artifacts.video!.key!;
    await deleteAtSource(h, meeting, fileId);
    const file = (await h.index.getRecordFile(fileId))!;
    expect(file.sourceDeletedAt).toBeDefined();
    expect(file.artifacts.video!.status).toBe('deleted');
    await expect(h.resources.clients.s3.send(new HeadObjectCommand({ Bucket: h.resources.bucketName, Key: key }))).rejects.toMatchObject({ name: 'NotFound' });
    // The archive API says so, and serves no link to an object that is gone.
    const query = createQueryHandler({ dynamo: h.resources.clients.dynamo, s3: h.resources.clients.s3, tableName: h.resources.tableName, bucketName: h.resources.bucketName });
    const get = async (path: string) => {
      const { context } = createLambdaContext({ functionName: 'query', timeoutMs: 10_000 });
      const response = (await query({ version: '2.0', rawPath: path, rawQueryString: '', headers: {}, requestContext: { http: { method: 'GET', path } } } as never, context)) as { statusCode: number; body: string };
      return { status: response.statusCode, body: JSON.parse(response.body) as Record<string, unknown> };
    };
    const detail = await get(`/v1/records/${recording.meetingRecordId}`);
    expect(JSON.stringify(detail.body)).toContain('"status":"deleted"');
    const addresses = await get(`/v1/addresses/${fileId}`);
    expect(addresses.body.download_address ?? null).toBeNull();
  });

  it('a deletion delivered before the completion archives nothing and leaves nothing pending', async () => {
    h = await startHarness();
    const recording = h.sim.model.createMeeting({ subject: 'reversed', hostUserId: h.sim.credentials.operatorId, files: [{ sizeBytes: MiB }, { sizeBytes: MiB }] });
    const meeting = meetingFromRecording(recording);
    const [kept, deleted] = recording.files.map((f) => f.recordFileId) as [string, string];
    h.sim.model.deleteFile(deleted);
    await h.deliver(recordingDeletedEvent(meeting, [deleted]));
    await h.deliver(recordingCompletedEvent(meeting, [kept, deleted]));
    const drained = await h.drain();
    expect(drained.failed).toBe(0);
    expect(fileStatus((await h.index.getRecordFile(kept))!)).toBe('archived');
    const gone = await h.index.getRecordFile(deleted);
    expect(gone === undefined || gone.sourceDeletedAt !== undefined).toBe(true);
    expect(copiedBytes(h)).toBe(MiB);
  });

  it('shows a recording on its way from recording.started, then refreshes subject and sharing on recording.updated', async () => {
    h = await startHarness();
    const recording = h.sim.model.createMeeting({ subject: 'weekly', hostUserId: h.sim.credentials.operatorId, files: [{ sizeBytes: MiB }], state: 1 });
    const meeting = meetingFromRecording(recording);
    await h.deliver(recordingStatusEvent('recording.started', meeting));
    await h.drain();
    const onItsWay = await new ArchiveListing({ dynamo: h.resources.clients.dynamo, tableName: h.resources.tableName }).list({ partition: { by: 'meetingId', meetingId: recording.meetingId }, fromMs: 0, toMs: Date.now() + 86_400_000, page: 1, pageSize: 10 });
    expect(onItsWay.items.map((item) => item.meeting.recordingStatus)).toEqual(['recording']);

    h.sim.model.setState(recording.meetingRecordId, 3);
    await h.deliver(recordingCompletedEvent(meeting, [recording.files[0]!.recordFileId]));
    await h.drain();
    h.sim.model.updateSubject(recording.meetingRecordId, 'weekly (renamed)');
    await h.deliver(recordingUpdatedEvent(meeting, recording.meetingRecordId));
    await h.drain();
    expect((await h.index.getMeetingRecording(recording.meetingRecordId))!.subject).toBe('weekly (renamed)');
  });

  it('archives transcripts announced by smart.transcripts, using the STS token Tencent delivered', async () => {
    h = await startHarness({ simulator: { requireStsToken: true } });
    await h.deliver(stsTokenEvent(h.sim.credentials.stsToken, Math.floor(Date.now() / 1000) + 3600));
    const recording = h.sim.model.createMeeting({
      subject: 'transcribed',
      hostUserId: h.sim.credentials.operatorId,
      files: [{ sizeBytes: MiB, transcripts: [{ fileType: 'txt' }, { fileType: 'pdf' }], aiTranscripts: [{ fileType: 'txt' }] }],
    });
    const meeting = meetingFromRecording(recording);
    await h.deliver(smartTranscriptsEvent(meeting, [recording.files[0]!.recordFileId]));
    await h.drain();
    const file = (await h.index.getRecordFile(recording.files[0]!.recordFileId))!;
    const transcripts = Object.values(file.artifacts).filter((a) => a.kind === 'transcript' || a.kind === 'ai_transcript');
    expect(transcripts.map((a) => `${a.kind}.${a.fileType}`).sort()).toEqual(['ai_transcript.txt', 'transcript.pdf', 'transcript.txt']);
    expect(transcripts.every((a) => a.status === 'archived' && /^(ai_)?transcript-[0-9a-f]{12}-(txt|pdf)$/.test(a.artifact))).toBe(true);
  });

  it('defers a file still transcoding and archives it once Tencent reports it done', async () => {
    h = await startHarness();
    const recording = h.sim.model.createMeeting({ subject: 'transcoding', hostUserId: h.sim.credentials.operatorId, files: [{ sizeBytes: MiB }], state: 2 });
    await h.deliver(recordingCompletedEvent(meetingFromRecording(recording), [recording.files[0]!.recordFileId]));
    const first = await h.drain({ maxInvocations: 1 });
    expect(first).toMatchObject({ processed: 1, failed: 0 });
    expect((await h.index.getMeetingRecording(recording.meetingRecordId))!.recordingStatus).toBe('transcoding');
    h.sim.model.setState(recording.meetingRecordId, 3);
    expect((await h.drain()).failed).toBe(0);
    await expectArchivedExactly(h, recording);
  });

  it('lets the worker that holds a file finish it, and the duplicate wait instead of copying twice', async () => {
    h = await startHarness();
    const recording = h.sim.model.createMeeting({ subject: 'leased', hostUserId: h.sim.credentials.operatorId, files: [{ sizeBytes: MiB }] });
    const fileId = recording.files[0]!.recordFileId;
    const otherWorker = new CopyLeases(h.resources.clients.dynamo, h.resources.tableName);
    expect(await otherWorker.acquire(fileId, 'another-invocation', 60_000)).toBe(true);
    await h.deliver(recordingCompletedEvent(meetingFromRecording(recording), [fileId]));
    await h.drain({ maxInvocations: 1 });
    expect(h.sim.downloads.stats.bytesServed).toBe(0);
    await otherWorker.release(fileId, 'another-invocation');
    expect((await h.drain()).failed).toBe(0);
    await expectArchivedExactly(h, recording);
    expect(copiedBytes(h)).toBe(MiB);
  });

  it('moves a message that cannot succeed on retry to the DLQ at once, with the reason', async () => {
    h = await startHarness();
    const recording = h.sim.model.createMeeting({ subject: 'refused', hostUserId: h.sim.credentials.operatorId, files: [{ sizeBytes: MiB }] });
    // Tencent refuses the credentials (190303): retrying the same request can never succeed. It
    // refuses both operator forms alike (a refusal of one form alone sends the other).
    h.sim.faults.serverErrors('records', 2, { status: 400, errorCode: 190303 });
    await h.deliver(recordingCompletedEvent(meetingFromRecording(recording), [recording.files[0]!.recordFileId]));
    await h.resources.clients.sqs.send(new SendMessageCommand({ QueueUrl: h.resources.ingestQueueUrl, MessageBody: '{"kind":"archive-file"}' }));
    const drained = await h.drain();
    expect(drained).toMatchObject({ failed: 0, invocations: 1 });
    const dead = await h.resources.clients.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: h.resources.ingestDeadLetterQueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, MessageAttributeNames: ['All'] }),
    );
    const reasons = (dead.Messages ?? []).map((m) => m.MessageAttributes?.failure?.StringValue ?? '').sort();
    expect(reasons).toHaveLength(2);
    expect(reasons.some((r) => r.includes('190303'))).toBe(true);
    expect(reasons.some((r) => r.startsWith('ValidationError'))).toBe(true);
  });

  it('resumes a copy by Range after a connection reset mid-file', async () => {
    h = await startHarness({ copy: { concurrency: 1 } });
    const recording = h.sim.model.createMeeting({ subject: 'reset', hostUserId: h.sim.credentials.operatorId, files: [{ sizeBytes: 25 * MiB }] });
    h.sim.downloads.faults.resetAfterBytes(5 * MiB, { times: 1 });
    await h.deliver(recordingCompletedEvent(meetingFromRecording(recording), [recording.files[0]!.recordFileId]));
    expect((await h.drain()).failed).toBe(0);
    await expectArchivedExactly(h, recording);
    expect(h.sim.downloads.stats.resets).toBeGreaterThan(0);
    // Far fewer bytes than downloading the file twice: the retry asked for the missing range only.
    expect(h.sim.downloads.stats.bytesServed).toBeLessThan(25 * MiB + 10 * MiB);
  });

  it('asks Tencent for a fresh link when the one in hand has expired', async () => {
    // Links live 1 s and the source sends 8 MiB/s: once 10 MiB are in S3 the link in hand is at
    // least 1.25 s old. A response already streaming outlives its link (the host checks it when a
    // request starts), so the stream is dropped there: the copy must ask again with the expired
    // link, hear 403, and fetch a fresh one from Tencent. 40 MiB: the host is then still writing
    // the body, far ahead of anything the copy and the socket buffers can hold.
    let cut: number | undefined;
    h = await startHarness({
      simulator: { linkTtlMs: 1000 },
      copy: { concurrency: 1, partSizeBytes: 5 * MiB },
      onProgress: ({ bytesDone }) => {
        if (cut === undefined && bytesDone >= 10 * MiB) cut = h!.sim.downloads.faults.resetOpenStreams();
      },
    });
    const recording = h.sim.model.createMeeting({ subject: 'expired', hostUserId: h.sim.credentials.operatorId, files: [{ sizeBytes: 40 * MiB }] });
    h.sim.downloads.faults.throttle({ bytesPerSecond: 8 * MiB });
    await h.deliver(recordingCompletedEvent(meetingFromRecording(recording), [recording.files[0]!.recordFileId]));
    expect((await h.drain()).failed).toBe(0);
    await expectArchivedExactly(h, recording);
    expect(cut).toBe(1);
    expect(h.sim.downloads.stats.expired).toBeGreaterThan(0);
    // The fresh link resumed where the dropped stream stopped: only the first read starts at 0.
    const reads = h.sim.downloads.log.filter((e) => e.range && e.range.end > 0);
    expect(reads.filter((e) => e.range!.start === 0)).toHaveLength(1);
    expect(reads.at(-1)!.range!.start).toBeGreaterThanOrEqual(10 * MiB);
  });

  it('continues a copy across invocations when the deadline comes (kill and resume)', async () => {
    // A 3 s "Lambda timeout": each invocation copies a few parts, then hands over the rest.
    h = await startHarness({ ingestTimeoutMs: 3000, deadlineMarginMs: 60_000, copy: { concurrency: 1, partSizeBytes: 5 * MiB } });
    const recording = h.sim.model.createMeeting({ subject: 'long', hostUserId: h.sim.credentials.operatorId, files: [{ sizeBytes: 60 * MiB }] });
    h.sim.downloads.faults.throttle({ bytesPerSecond: 20 * MiB });
    await h.deliver(recordingCompletedEvent(meetingFromRecording(recording), [recording.files[0]!.recordFileId]));
    const drained = await h.drain({ maxInvocations: 100 });
    expect(drained.failed).toBe(0);
    expect(drained.invocations).toBeGreaterThan(1);
    await expectArchivedExactly(h, recording);
    // Each invocation resumed where the last stopped: only the first read starts at byte 0, and a
    // hand-over wastes at most the part being read plus what the kernel had already buffered of the
    // stream (loopback socket buffers reach a few MiB), however many hand-overs the load caused.
    const reads = h.sim.downloads.log.filter((e) => e.range && e.range.end > 0);
    expect(reads.filter((e) => e.range!.start === 0)).toHaveLength(1);
    expect(h.sim.downloads.stats.bytesServed).toBeLessThan(60 * MiB + (drained.invocations - 1) * (5 * MiB + 8 * MiB));
  });

  it.each([
    ['more', 1],
    ['fewer', -4096],
  ])('archives what the source serves when record_size declares %s bytes, and records the difference', async (_, skew) => {
    h = await startHarness({ simulator: { readings: { recordSizeSkewBytes: skew } } });
    const recording = h.sim.model.createMeeting({ subject: 'skewed', hostUserId: h.sim.credentials.operatorId, files: [{ sizeBytes: 11 * MiB }, { sizeBytes: MiB }] });
    await h.deliver(recordingCompletedEvent(meetingFromRecording(recording), recording.files.map((f) => f.recordFileId)));
    expect((await h.drain()).failed).toBe(0);
    await expectArchivedExactly(h, recording);
    const file = (await h.index.getRecordFile(recording.files[0]!.recordFileId))!;
    expect(file.recordSize).toBe(11 * MiB + skew);
    expect(file.artifacts.video).toMatchObject({ bytes: 11 * MiB, expectedBytes: 11 * MiB + skew });
    const query = createQueryHandler({ dynamo: h.resources.clients.dynamo, s3: h.resources.clients.s3, tableName: h.resources.tableName, bucketName: h.resources.bucketName });
    const response = (await query(
      { version: '2.0', routeKey: '$default', rawPath: `/v1/records/${recording.meetingRecordId}`, rawQueryString: '', headers: {}, requestContext: { http: { method: 'GET', path: `/v1/records/${recording.meetingRecordId}` } }, isBase64Encoded: false } as never,
      createLambdaContext({ functionName: 'query', timeoutMs: 10_000 }).context,
    )) as { statusCode: number; body: string };
    expect(response.statusCode).toBe(200);
    const served = JSON.parse(response.body) as { record_files: Array<{ record_file_id: string; record_size: number; archive: { bytes: number; record_size_skew: number } }> };
    expect(served.record_files.map((f) => [f.record_size, f.archive.bytes, f.archive.record_size_skew])).toEqual(
      recording.files.map((f) => [f.recordSize + skew, f.recordSize, -skew]),
    );
  });

  it('still refuses a download that keeps ending short of its declared size, never indexes it as archived, and leaves no upload open', async () => {
    // Every S3 request of the ingest function goes through a proxy that records each multipart
    // upload's life as S3 answered it (fauxqs has no ListMultipartUploads to ask).
    const proxy = await startS3Proxy(process.env.TEST_AWS_ENDPOINT!);
    const s3 = s3ClientThrough(proxy);
    onStop.push(async () => {
      s3.destroy();
      await proxy.close();
    });
    h = await startHarness({ functionClients: (direct) => ({ ...direct, s3 }) });
    const recording = h.sim.model.createMeeting({ subject: 'short', hostUserId: h.sim.credentials.operatorId, files: [{ sizeBytes: 11 * MiB }] });
    h.sim.downloads.faults.truncateAfterBytes(MiB, { times: 1000 });
    await h.deliver(recordingCompletedEvent(meetingFromRecording(recording), [recording.files[0]!.recordFileId]));
    const drained = await h.drain({ maxInvocations: 2 });
    expect(drained.failed).toBeGreaterThan(0);
    const file = (await h.index.getRecordFile(recording.files[0]!.recordFileId))!;
    expect(file.artifacts.video!.status).toBe('failed');
    // The copy got as far as a multipart upload (11 MiB is two parts), and aborted it.
    expect(proxy.createdUploads().length).toBeGreaterThan(0);
    expect(proxy.openUploads()).toEqual([]);
  });
});
