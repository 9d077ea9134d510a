// Deletion you can trust (issue 13): a recording.deleted event is only believed once Tencent
// confirms it for the file; `mirror` never lets a copy in flight survive a confirmed deletion and
// removes every version of the object; `retain` keeps copying a flagged file Tencent still serves;
// a download link answering 404/410 asks Tencent before any part is discarded. Real components:
// simulator over HTTP, webhook and ingest handlers, DynamoDB Local and fauxqs over sockets.
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { setTimeout as sleep } from 'node:timers/promises';
import { startHarness, type Harness, type HarnessOptions } from '../../support/ingest-harness.ts';
import { indexRecording } from '../../support/indexed-recording.ts';
import { archiveOne, dlqDepth, objectExists, objectSha256 } from '../../support/archive-assertions.ts';
import { startRecordingProxy, type RecordingProxy } from '../../support/recording-proxy.ts';
import { createAwsClients, type AwsClients } from '../../../shared/aws/clients.ts';
import { meetingFromRecording, recordingCompletedEvent, recordingDeletedEvent, withoutMeetingInfo } from '../../../infra/local/simulator/webhook-events.ts';
import { seededSha256 } from '../../../infra/local/simulator/seeded-bytes.ts';
import { INGEST_METRIC_NAMES } from '../../../shared/ingest/ingest-metrics.ts';
import { askTencentForFile } from '../../../shared/ingest/source-presence.ts';
import { StsTokenStore } from '../../../shared/tencent/sts-token-store.ts';
import { deleteEveryVersion } from '../../../shared/copy/object-versions.ts';
import { fileStatus } from '../../../shared/archive/model.ts';
import { sendIngestMessages } from '../../../shared/ingest/queue.ts';
import { RecordingMetrics } from '../../support/recording-metrics.ts';
import { SPARE_BUFFERS } from '../../../shared/copy/part-uploader.ts';

const MiB = 1024 * 1024;

let h: Harness | undefined;
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  await h?.stop();
  h = undefined;
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/** Every object of the file, whatever its key (a copy in flight has no indexed key yet). */
async function objectsOfFile(harness: Harness, recordFileId: string): Promise<string[]> {
  const page = await harness.resources.clients.s3.send(new ListObjectsV2Command({ Bucket: harness.resources.bucketName, Prefix: 'recordings/' }));
  return (page.Contents ?? []).map((o) => o.Key!).filter((key) => key.includes(`/${recordFileId}/`));
}

async function leftovers(harness: Harness): Promise<string[]> {
  const page = await harness.resources.clients.dynamo.send(
    new ScanCommand({ TableName: harness.resources.tableName, FilterExpression: 'begins_with(pk, :c) OR begins_with(pk, :l)', ExpressionAttributeValues: { ':c': 'COPY#', ':l': 'LEASE#' }, ConsistentRead: true }),
  );
  return (page.Items ?? []).map((item) => String(item.pk));
}

async function start(options: HarnessOptions = {}): Promise<Harness> {
  h = await startHarness(options);
  return h;
}

describe('asking Tencent whether it still serves a file', () => {
  it('answers served, gone on 4051, and under the 9003 reading gone only once a lagging list no longer shows the file', async () => {
    const harness = await start({ simulator: { readings: { deletedFileAnswer: 9003, deletionListLagMs: 1500 } } });
    const deps = { tencent: harness.tencent, stsTokens: new StsTokenStore(harness.resources.clients.dynamo, harness.resources.tableName) };
    const recording = harness.sim.model.createMeeting({ subject: 'ask', hostUserId: harness.sim.credentials.operatorId, files: [{ sizeBytes: MiB }, { sizeBytes: MiB }] });
    const [served, deleted] = recording.files as [(typeof recording.files)[0], (typeof recording.files)[0]];
    const hints = { meetingId: recording.meetingId, recordStartTimeMs: deleted.recordStartTimeMs, recordEndTimeMs: deleted.recordEndTimeMs };
    expect((await askTencentForFile(deps, served.recordFileId, hints)).presence).toBe('served');

    harness.sim.model.deleteFile(deleted.recordFileId);
    // 9003 twice, and the list still shows the file: no conclusion.
    expect(await askTencentForFile(deps, deleted.recordFileId, hints)).toMatchObject({ presence: 'unknown', reason: expect.stringContaining('still lists') });
    // Without a meeting and time to look at, 9003 proves nothing either.
    expect((await askTencentForFile(deps, deleted.recordFileId, {})).presence).toBe('unknown');
    await sleep(1600);
    expect((await askTencentForFile(deps, deleted.recordFileId, hints)).presence).toBe('gone');

    harness.sim.settings.readings = { ...harness.sim.settings.readings, deletedFileAnswer: 4051 };
    expect((await askTencentForFile(deps, deleted.recordFileId, {})).presence).toBe('gone');
    // A transient failure is no answer.
    harness.sim.faults.serverErrors('fileAddress', 10);
    expect((await askTencentForFile(deps, served.recordFileId, hints)).presence).toBe('unknown');
  });
});

describe('recording.deleted', () => {
  it('changes nothing under mirror when Tencent still serves the file (a forged event), and counts it', async () => {
    const metrics = new RecordingMetrics({ namespace: 'Test', serviceName: 'ingest' });
    const harness = await start({ deletionPolicy: 'mirror', metrics });
    const { recording, fileId, key } = await archiveOne(harness, 'deletion');
    // Signed with the webhook token, but Tencent never deleted the file.
    await harness.deliver(recordingDeletedEvent(meetingFromRecording(recording), [fileId]));
    expect((await harness.drain()).failed).toBe(0);
    const file = (await harness.index.getRecordFile(fileId))!;
    expect({ status: fileStatus(file), flagged: file.sourceDeletedAt }).toEqual({ status: 'archived', flagged: undefined });
    expect(await objectExists(harness, key)).toBe(true);
    expect(metrics.total(INGEST_METRIC_NAMES.deletionsUnconfirmed)).toBe(1);
    expect(metrics.total(INGEST_METRIC_NAMES.deletionsConfirmed)).toBe(0);
  });

  it('does not flag a file Tencent still serves under retain', async () => {
    const harness = await start();
    const { recording, fileId } = await archiveOne(harness, 'deletion');
    await harness.deliver(recordingDeletedEvent(meetingFromRecording(recording), [fileId]));
    expect((await harness.drain()).failed).toBe(0);
    expect((await harness.index.getRecordFile(fileId))!.sourceDeletedAt).toBeUndefined();
  });

  it('finds a file indexed a moment earlier although the secondary index has not caught up (mirror)', async () => {
    // DynamoDB Local's indexes are immediate; this proxy plays one that lags: the byRecordFileId
    // index finds nothing, as it would for a file indexed a moment before.
    const proxy = await startRecordingProxy(process.env.TEST_DYNAMODB_ENDPOINT!);
    proxy.intercept = (request) =>
      String(request.headers['x-amz-target']).endsWith('.Query') && request.body.toString().includes('byRecordFileId')
        ? { status: 200, headers: { 'content-type': 'application/x-amz-json-1.0' }, body: JSON.stringify({ Count: 0, ScannedCount: 0, Items: [] }) }
        : undefined;
    const lagging: AwsClients = createAwsClients({ dynamodbEndpoint: proxy.endpoint, awsEndpoint: process.env.TEST_AWS_ENDPOINT!, forcePathStyle: true, region: 'us-east-1' });
    cleanups.push(() => lagging.dynamo.destroy(), () => proxy.close());
    const harness = await start({ deletionPolicy: 'mirror', functionClients: (direct) => ({ ...direct, dynamo: lagging.dynamo }) });
    const { recording, fileId, key } = await archiveOne(harness, 'deletion');
    harness.sim.model.deleteFile(fileId);
    await harness.deliver(recordingDeletedEvent(meetingFromRecording(recording), [fileId]));
    expect((await harness.drain()).failed).toBe(0);
    const file = (await harness.index.getRecordFile(fileId))!;
    expect({ flagged: file.sourceDeletedAt !== undefined, status: file.artifacts.video!.status }).toEqual({ flagged: true, status: 'deleted' });
    expect(await objectExists(harness, key)).toBe(false);
  });

  it('under mirror, a copy still downloading when the deletion arrives never becomes archived, and its object goes', async () => {
    const harness = await start({ deletionPolicy: 'mirror' });
    const recording = harness.sim.model.createMeeting({ subject: 'racing', hostUserId: harness.sim.credentials.operatorId, files: [{ sizeBytes: 4 * MiB }] });
    const fileId = recording.files[0]!.recordFileId;
    // One ranged GET of 4 MiB at 2 MiB/s: the download is under way for about two seconds.
    harness.sim.downloads.faults.throttle({ bytesPerSecond: 2 * MiB });
    await harness.deliver(recordingCompletedEvent(meetingFromRecording(recording), [fileId]));
    const copying = harness.drain();
    for (let i = 0; i < 200 && !harness.sim.downloads.log.some((e) => e.status === 206 || e.status === 200); i += 1) await sleep(20);
    // Tencent deletes the file; the bytes already on their way keep coming (as from a CDN).
    harness.sim.model.deleteFile(fileId);
    await harness.deliver(recordingDeletedEvent(meetingFromRecording(recording), [fileId]));
    const deleting = harness.drain();
    const [a, b] = await Promise.all([copying, deleting]);
    expect(a.failed + b.failed).toBe(0);
    const file = (await harness.index.getRecordFile(fileId))!;
    expect({ flagged: file.sourceDeletedAt !== undefined, status: file.artifacts.video!.status }).toEqual({ flagged: true, status: 'deleted' });
    expect(await objectsOfFile(harness, fileId)).toEqual([]);
    expect(await dlqDepth(harness)).toBe(0);
    expect(await leftovers(harness)).toEqual([]);
  });

  it('does not copy again an artifact a confirmed deletion ended, so no orphan object is left (mirror)', async () => {
    const harness = await start({ deletionPolicy: 'mirror' });
    const recording = harness.sim.model.createMeeting({ subject: 'orphan', hostUserId: harness.sim.credentials.operatorId, files: [{ sizeBytes: MiB }] });
    const fileId = recording.files[0]!.recordFileId;
    // The index as a confirmed deletion leaves it when it ran between this worker's first look and
    // its `copying` write: the artifact is `deleted` (the file's flag is not read again).
    await indexRecording(harness.index, recording);
    await harness.index.setArtifactStatus(recording.meetingRecordId, fileId, { artifact: 'video', kind: 'video', fileType: 'mp4', status: 'deleted' });
    await harness.deliver(recordingCompletedEvent(meetingFromRecording(recording), [fileId]));
    expect((await harness.drain()).failed).toBe(0);
    expect(await objectsOfFile(harness, fileId)).toEqual([]);
    expect(harness.sim.downloads.stats.bytesServed).toBe(0);
  });

  it('removes every version of the object: each DeleteObject names a VersionId the bucket listed', async () => {
    // fauxqs has no versioning (ListObjectVersions is answered as a plain listing, DeleteObject
    // ignores VersionId); this proxy plays a versioned bucket's listing and records the deletes.
    const proxy = await startRecordingProxy(process.env.TEST_AWS_ENDPOINT!);
    const versioned: AwsClients = createAwsClients({ dynamodbEndpoint: process.env.TEST_DYNAMODB_ENDPOINT!, awsEndpoint: proxy.endpoint, forcePathStyle: true, region: 'us-east-1' });
    cleanups.push(() => versioned.s3.destroy(), () => proxy.close());
    const harness = await start({ deletionPolicy: 'mirror', functionClients: (direct) => ({ ...direct, s3: versioned.s3 }) });
    const { recording, fileId, key } = await archiveOne(harness, 'deletion');
    let listings = 0;
    proxy.intercept = (request) => {
      const url = new URL(request.url, 'http://s3.local');
      if (request.method !== 'GET' || !url.searchParams.has('versions')) return undefined;
      listings += 1;
      const entries =
        listings > 1
          ? ''
          : `<Version><Key>${key}</Key><VersionId>v-current</VersionId><IsLatest>true</IsLatest><Size>${MiB}</Size></Version>` +
            `<Version><Key>${key}</Key><VersionId>v-noncurrent</VersionId><IsLatest>false</IsLatest><Size>${MiB}</Size></Version>` +
            `<DeleteMarker><Key>${key}</Key><VersionId>dm-1</VersionId><IsLatest>false</IsLatest></DeleteMarker>`;
      return {
        status: 200,
        headers: { 'content-type': 'application/xml' },
        body: `<?xml version="1.0" encoding="UTF-8"?><ListVersionsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>${harness.resources.bucketName}</Name><Prefix>${key}</Prefix><IsTruncated>false</IsTruncated>${entries}</ListVersionsResult>`,
      };
    };
    harness.sim.model.deleteFile(fileId);
    await harness.deliver(recordingDeletedEvent(meetingFromRecording(recording), [fileId]));
    expect((await harness.drain()).failed).toBe(0);
    const deletes = proxy.requests
      .filter((r) => r.method === 'DELETE' && new URL(r.url, 'http://s3.local').pathname.endsWith(`/${key}`))
      .map((r) => new URL(r.url, 'http://s3.local').searchParams.get('versionId'));
    expect(deletes.sort()).toEqual(['dm-1', 'v-current', 'v-noncurrent']);
    expect(await objectExists(harness, key)).toBe(false);
  });
});

describe('deleting every version on fauxqs', () => {
  it('lists no versions there, and removes the object without a VersionId', async () => {
    const harness = await start();
    const { key } = await archiveOne(harness, 'deletion');
    const removed = await deleteEveryVersion(harness.resources.clients.s3, harness.resources.bucketName, key);
    expect(removed).toEqual({ versionIds: [], unversioned: true });
    expect(await objectExists(harness, key)).toBe(false);
  });
});

describe('retain', () => {
  it('keeps copying a file flagged deleted before its first copy succeeded, while Tencent serves it', async () => {
    const harness = await start();
    const recording = harness.sim.model.createMeeting({ subject: 'flagged', hostUserId: harness.sim.credentials.operatorId, files: [{ sizeBytes: MiB }] });
    const fileId = recording.files[0]!.recordFileId;
    // The first copy fails (the source keeps answering 503), so the message goes back to the queue.
    harness.sim.downloads.faults.failNext(1000, 503);
    await harness.deliver(recordingCompletedEvent(meetingFromRecording(recording), [fileId]));
    expect((await harness.drain({ maxInvocations: 1 })).failed).toBe(1);
    // Meanwhile the file was flagged deleted (by an earlier version's unconfirmed event, or a deletion
    // Tencent has since undone); Tencent still serves it.
    await harness.index.markSourceDeleted({ recordFileIds: [fileId] }, Date.now());
    harness.sim.downloads.faults.clear();
    expect((await harness.drain()).failed).toBe(0);
    const file = (await harness.index.getRecordFile(fileId))!;
    expect(file.artifacts.video).toMatchObject({ status: 'archived', bytes: MiB });
    expect(await objectSha256(harness, file.artifacts.video!.key!)).toBe(await seededSha256(recording.files[0]!.artifacts[0]!.seed, MiB));
  });

  it('ends a copy Tencent deleted between two invocations in failed with the reason, its checkpoint and upload gone', async () => {
    // A 2 s "Lambda" and a slow source: the first invocation pauses the copy (artifact `copying`, a
    // checkpoint, a continuation queued); Tencent then deletes the file before the copy resumes.
    const harness = await start({ ingestTimeoutMs: 2000, copy: { concurrency: 1, partSizeBytes: 5 * MiB } });
    const recording = harness.sim.model.createMeeting({ subject: 'paused', hostUserId: harness.sim.credentials.operatorId, files: [{ sizeBytes: 40 * MiB }] });
    const fileId = recording.files[0]!.recordFileId;
    harness.sim.downloads.faults.throttle({ bytesPerSecond: 8 * MiB });
    await harness.deliver(recordingCompletedEvent(meetingFromRecording(recording), [fileId]));
    await harness.drain({ maxInvocations: 1 });
    expect((await harness.index.getRecordFile(fileId))!.artifacts.video!.status).toBe('copying');
    expect(await leftovers(harness)).toContain(`COPY#${fileId}#video`);

    harness.sim.downloads.faults.clear();
    harness.sim.model.deleteFile(fileId);
    await harness.deliver(recordingDeletedEvent(meetingFromRecording(recording), [fileId]));
    expect((await harness.drain()).failed).toBe(0);
    const file = (await harness.index.getRecordFile(fileId))!;
    expect({ flagged: file.sourceDeletedAt !== undefined, status: file.artifacts.video!.status, lastError: file.artifacts.video!.lastError }).toEqual({
      flagged: true,
      status: 'failed',
      lastError: 'Tencent deleted the file before this artifact was archived',
    });
    expect(await leftovers(harness)).toEqual([]);
    expect(await dlqDepth(harness)).toBe(0);
  });
});

describe('a download link answering 404/410', () => {
  const PART = 5 * MiB;
  // A copy streams a whole segment (here the whole file: one connection) over one ranged GET, and a
  // host checks a link only when a request starts: a deletion or an expiry reaches the copy when the
  // response in flight drops and the copy asks again. Each test therefore arms its answer for the
  // next request AND cuts the streams in flight, and proves the cut hit one. The host must still be
  // writing the body then (a body already in the client's socket buffers is read to its end despite
  // the RST): the throttle keeps it from racing ahead, and the files are 8 parts, far more than the
  // copy can hold beyond what S3 has (its part buffers) plus socket buffers. The throttle also keeps
  // a part's download far slower than its upload to the local S3.
  const BYTES_PER_SECOND = 10 * MiB;
  const PARTS = 8;
  /** Arms `answer` for the next request and drops the responses in flight; the number cut. */
  const cutAfter = (harness: Harness, answer: () => void): number => {
    answer();
    return harness.sim.downloads.faults.resetOpenStreams();
  };

  /**
   * Archives one 8-part file through a throttled host, arming `answer` and cutting the streams in
   * flight once `afterBytes` are copied; the cut hit exactly one stream and nothing failed.
   */
  async function archiveCutMidCopy(options: HarnessOptions, subject: string, afterBytes: number, answer: (harness: Harness, recordFileId: string) => void) {
    let cut: number | undefined;
    const harness = await start({
      ...options,
      copy: { concurrency: 1, partSizeBytes: PART },
      onProgress: ({ recordFileId, bytesDone }) => {
        if (cut === undefined && bytesDone >= afterBytes) cut = cutAfter(h!, () => answer(h!, recordFileId));
      },
    });
    harness.sim.downloads.faults.throttle({ bytesPerSecond: BYTES_PER_SECOND });
    const recording = harness.sim.model.createMeeting({ subject, hostUserId: harness.sim.credentials.operatorId, files: [{ sizeBytes: PARTS * PART }] });
    const fileId = recording.files[0]!.recordFileId;
    await harness.deliver(recordingCompletedEvent(meetingFromRecording(recording), [fileId]));
    expect((await harness.drain()).failed).toBe(0);
    expect(cut).toBe(1);
    return { harness, recording, fileId };
  }

  it('while Tencent still serves the file: resumes with a fresh link and the parts kept, nothing in the DLQ', async () => {
    const metrics = new RecordingMetrics({ namespace: 'Test', serviceName: 'ingest' });
    const { harness, recording, fileId } = await archiveCutMidCopy({ metrics }, '404', 2 * PART, (harness) => harness.sim.downloads.faults.failNext(1, 404));
    // The copy asked again after the drop and met the 404.
    expect(harness.sim.downloads.log.filter((e) => e.status === 404)).toHaveLength(1);
    const file = (await harness.index.getRecordFile(fileId))!;
    expect(file.artifacts.video).toMatchObject({ status: 'archived', bytes: PARTS * PART });
    expect(await objectSha256(harness, file.artifacts.video!.key!)).toBe(await seededSha256(recording.files[0]!.artifacts[0]!.seed, PARTS * PART));
    // Parts kept: only the first segment's download starts at byte 0 (the 1-byte size probe aside),
    // and the copy resumed at the first part S3 lacked, past the two it held when the stream dropped.
    const reads = harness.sim.downloads.log.filter((e) => e.range && e.range.end > 0);
    expect(reads.filter((e) => e.range!.start === 0)).toHaveLength(1);
    const resumedAt = reads.at(-1)!.range!.start;
    expect({ atPartBoundary: resumedAt % PART, pastTheKeptParts: resumedAt >= 2 * PART }).toEqual({ atPartBoundary: 0, pastTheKeptParts: true });
    // Fetched twice: only what the copy held but S3 did not yet have when the 404 failed the read
    // (its uploads are aborted with it): at most one part buffer for the connection and the spares.
    // One GET per part fetched at most the failed part twice; a streamed segment reads ahead.
    expect(harness.sim.downloads.stats.bytesServed).toBeLessThanOrEqual(PARTS * PART + (1 + SPARE_BUFFERS) * PART + 1); // + the probe byte
    expect(metrics.total(INGEST_METRIC_NAMES.linksGoneWhileServed)).toBe(1);
    expect(await dlqDepth(harness)).toBe(0);
  });

  it('when Tencent confirms the file deleted mid-copy (retain): the file is flagged, the artifact failed with the reason, nothing in the DLQ', async () => {
    const { harness, fileId } = await archiveCutMidCopy({}, 'gone', PART, (harness, recordFileId) => harness.sim.model.deleteFile(recordFileId));
    expect(harness.sim.downloads.log.filter((e) => e.status === 404).length).toBeGreaterThan(0);
    const file = (await harness.index.getRecordFile(fileId))!;
    expect({ flagged: file.sourceDeletedAt !== undefined, status: file.artifacts.video!.status, lastError: file.artifacts.video!.lastError }).toEqual({
      flagged: true,
      status: 'failed',
      lastError: 'Tencent deleted the file before this artifact was archived',
    });
    expect(await dlqDepth(harness)).toBe(0);
    expect(await leftovers(harness)).toEqual([]);
  });

  it('when refreshing an expired link mid-copy meets a deleted file (9003): asks Tencent properly, flags the file, nothing in the DLQ', async () => {
    const { harness, fileId } = await archiveCutMidCopy({ simulator: { readings: { deletedFileAnswer: 9003 } } }, 'refresh', PART, (harness, recordFileId) => {
      harness.sim.model.deleteFile(recordFileId);
      // Every link in hand expires: the copy asks Tencent for a fresh one, and hears 9003.
      harness.sim.downloads.faults.expireAllLinks(true);
    });
    // The copy asked again after the drop and met the expired link (not a 404: that is another path).
    expect(harness.sim.downloads.stats.expired).toBeGreaterThan(0);
    const file = (await harness.index.getRecordFile(fileId))!;
    expect({ flagged: file.sourceDeletedAt !== undefined, status: file.artifacts.video!.status }).toEqual({ flagged: true, status: 'failed' });
    expect(await dlqDepth(harness)).toBe(0);
    expect(await leftovers(harness)).toEqual([]);
  });

  it('when Tencent confirms the file deleted mid-copy (mirror): the artifact is deleted and no object or upload is left', async () => {
    const { harness, fileId } = await archiveCutMidCopy({ deletionPolicy: 'mirror' }, 'gone', PART, (harness, recordFileId) => harness.sim.model.deleteFile(recordFileId));
    expect(harness.sim.downloads.log.filter((e) => e.status === 404).length).toBeGreaterThan(0);
    const file = (await harness.index.getRecordFile(fileId))!;
    expect({ flagged: file.sourceDeletedAt !== undefined, status: file.artifacts.video!.status }).toEqual({ flagged: true, status: 'deleted' });
    expect(await objectsOfFile(harness, fileId)).toEqual([]);
    expect(await dlqDepth(harness)).toBe(0);
    expect(await leftovers(harness)).toEqual([]);
  });
});

describe('a gone answer is confirmed before anything is dropped', () => {
  const meetingMissing = { status: 400, errorCode: 9003, message: '会议不存在 (injected)' };

  it('under mirror, a file Tencent has just listed keeps its archived copy when its address answers 9003 twice and the message carried the wrong window', async () => {
    const harness = await start({ deletionPolicy: 'mirror' });
    const { recording, fileId, key } = await archiveOne(harness, 'deletion');
    const file = recording.files[0]!;
    // An event of a recurring meeting whose times point ten days away from the recording (open point #1).
    const wrongStartSec = Math.floor(file.recordStartTimeMs / 1000) - 10 * 86_400;
    harness.sim.faults.arm('fileAddress', 2, meetingMissing);
    await sendIngestMessages(harness.resources.clients.sqs, harness.resources.ingestQueueUrl, [
      { kind: 'archive-file', reason: 'smart.transcripts', meetingId: recording.meetingId, recordFileId: fileId, windowStartSec: wrongStartSec, windowEndSec: wrongStartSec + 3600, artifacts: ['video'] },
    ]);
    expect((await harness.drain()).failed).toBe(0);
    const after = (await harness.index.getRecordFile(fileId))!;
    expect({ status: fileStatus(after), flagged: after.sourceDeletedAt }).toEqual({ status: 'archived', flagged: undefined });
    expect(await objectExists(harness, key)).toBe(true);
    expect(await dlqDepth(harness)).toBe(0);
  });

  it('a record list answering 9003 is a window that lists nothing: the file is still archived, not sent to the DLQ', async () => {
    const harness = await start();
    const recording = harness.sim.model.createMeeting({ subject: 'list 9003', hostUserId: harness.sim.credentials.operatorId, files: [{ sizeBytes: MiB }] });
    const fileId = recording.files[0]!.recordFileId;
    harness.sim.faults.arm('records', 1, meetingMissing);
    await harness.deliver(recordingCompletedEvent(meetingFromRecording(recording), [fileId]));
    expect((await harness.drain()).failed).toBe(0);
    expect(fileStatus((await harness.index.getRecordFile(fileId))!)).toBe('archived');
    expect(await dlqDepth(harness)).toBe(0);
  });

  it('an event without meeting_info is not dropped on 9003 answers for its file: the message comes back and the file is archived', async () => {
    const harness = await start();
    const uploaded = harness.sim.model.createMeeting({ subject: 'uploaded', hostUserId: harness.sim.credentials.operatorId, recordType: 2, files: [{ sizeBytes: MiB }] });
    const fileId = uploaded.files[0]!.recordFileId;
    // Enough 9003s that both looks of the first attempt see only 9003: unknown, so the message is retried.
    harness.sim.faults.arm('fileAddress', 4, meetingMissing);
    await harness.deliver(withoutMeetingInfo(recordingCompletedEvent(meetingFromRecording(uploaded), [fileId])));
    await harness.drain();
    expect(fileStatus((await harness.index.getRecordFile(fileId))!)).toBe('archived');
    expect(await dlqDepth(harness)).toBe(0);
  });
});
