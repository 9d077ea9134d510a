// The archive index's write API against DynamoDB Local: idempotent, monotonic, counted once.
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { createTestResources, destroyClients } from '../../support/aws.ts';
import { ArchiveIndex, type MeetingRecordingUpsert } from '../../../shared/archive/archive-index.ts';
import { ArchiveListing } from '../../../shared/archive/archive-list.ts';
import { ArchiveMarks } from '../../../shared/archive/archive-marks.ts';
import { NotFoundError } from '../../../shared/errors.ts';

const DAY = 86_400_000;
const T0 = Date.UTC(2024, 2, 10, 9, 0, 0);

function meeting(id: string, overrides: Partial<MeetingRecordingUpsert> = {}): MeetingRecordingUpsert {
  return {
    meetingRecordId: id,
    meetingId: `m-${id}`,
    meetingCode: `c-${id}`,
    subject: `subject ${id}`,
    hostUserId: 'alice',
    mediaStartTimeMs: T0,
    state: 3,
    ...overrides,
  };
}

describe('ArchiveIndex writes', () => {
  let index: ArchiveIndex;
  let listing: ArchiveListing;
  let tableName: string;
  let dynamo: ArchiveIndex['dynamo'];
  let resources: Awaited<ReturnType<typeof createTestResources>>;

  beforeAll(async () => {
    resources = await createTestResources();
    tableName = resources.tableName;
    dynamo = resources.clients.dynamo;
    index = new ArchiveIndex({ dynamo, tableName });
    listing = new ArchiveListing({ dynamo, tableName });
  });

  afterAll(() => {
    destroyClients(resources.clients);
  });

  const counter = async (partition: string) => {
    const out = await dynamo.send(
      new QueryCommand({ TableName: tableName, KeyConditionExpression: 'pk = :pk AND begins_with(sk, :day)', ExpressionAttributeValues: { ':pk': `COUNT#${partition}`, ':day': 'DAY#' } }),
    );
    return (out.Items ?? []).reduce((sum, item) => sum + Number(item.n), 0);
  };

  it('creates once, counts once, and treats duplicates (even concurrent ones) as no-ops', async () => {
    const results = await Promise.all([1, 2, 3, 4, 5].map(() => index.upsertMeetingRecording(meeting('100'))));
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(await counter('USER#alice')).toBe(1);
    expect(await counter('MID#m-100')).toBe(1);
    expect(await counter('CODE#c-100')).toBe(1);
    const again = await index.upsertMeetingRecording(meeting('100'));
    expect(again.created).toBe(false);
    expect(await counter('USER#alice')).toBe(1);
  });

  it('never moves the recording status backwards, and moves counters when the host changes', async () => {
    await index.upsertMeetingRecording(meeting('101', { hostUserId: 'bob', state: 2 }));
    await index.upsertMeetingRecording(meeting('101', { hostUserId: 'bob', state: 3, subject: 'renamed' }));
    const back = await index.upsertMeetingRecording(meeting('101', { hostUserId: 'carol', state: 1 }));
    expect(back.record).toMatchObject({ state: 3, recordingStatus: 'completed', subject: 'subject 101', hostUserId: 'carol' });
    expect(await counter('USER#bob')).toBe(0);
    expect(await counter('USER#carol')).toBe(1);
  });

  it('keeps artifacts monotonic, counts attempts and never stores sharing passwords', async () => {
    await index.upsertMeetingRecording(meeting('102'));
    const sharing = { sharingState: 1, allowDownload: true, password: 'secret', sharingUrl: 'https://x' } as never;
    await index.upsertRecordFile({ meetingRecordId: '102', recordFileId: 'f-1', meetingId: 'm-102', recordStartTimeMs: T0, recordEndTimeMs: T0 + 1000, recordSize: 5, sharing });
    const video = { artifact: 'video', kind: 'video', fileType: 'mp4' } as const;
    await index.setArtifactStatus('102', 'f-1', { ...video, status: 'pending' });
    await index.setArtifactStatus('102', 'f-1', { ...video, status: 'copying' });
    await index.setArtifactStatus('102', 'f-1', { ...video, status: 'failed', lastError: 'reset' });
    await index.setArtifactStatus('102', 'f-1', { ...video, status: 'copying' });
    const archived = await index.setArtifactStatus('102', 'f-1', { ...video, status: 'archived', bucket: 'b', key: 'k', bytes: 5, checksum: 'CRC64NVME:x', archivedAt: new Date(T0).toISOString() });
    expect(archived.applied).toBe(true);
    expect(archived.artifact).toMatchObject({ status: 'archived', attempts: 2 });
    expect(archived.artifact.lastError).toBeUndefined();
    const backwards = await index.setArtifactStatus('102', 'f-1', { ...video, status: 'copying' });
    expect(backwards).toMatchObject({ applied: false, artifact: { status: 'archived', key: 'k' } });

    // Metadata refresh keeps the artifacts.
    await index.upsertRecordFile({ meetingRecordId: '102', recordFileId: 'f-1', meetingId: 'm-102', recordStartTimeMs: T0, recordEndTimeMs: T0 + 1000, recordSize: 5, sharing: { sharingState: 0 } });
    const file = await index.getRecordFile('f-1');
    expect(file?.artifacts.video?.status).toBe('archived');
    expect(JSON.stringify(await index.getRecording('102'))).not.toMatch(/secret|https:\/\/x/);
    const first = await index.getRecordFileWithMeeting('f-1');
    expect(first?.meeting.meetingCode).toBe('c-102');
  });

  it('refuses files of unknown meetings and artifacts of unknown files', async () => {
    await expect(
      index.upsertRecordFile({ meetingRecordId: 'nope', recordFileId: 'f-x', meetingId: 'm', recordStartTimeMs: 0, recordEndTimeMs: 0, recordSize: 0, sharing: { sharingState: 0 } }),
    ).rejects.toBeInstanceOf(NotFoundError);
    await index.upsertMeetingRecording(meeting('103'));
    await expect(index.setArtifactStatus('103', 'f-missing', { artifact: 'video', kind: 'video', fileType: 'mp4', status: 'pending' })).rejects.toBeInstanceOf(NotFoundError);
  });

  it('flags source deletion without touching archive status', async () => {
    await index.upsertMeetingRecording(meeting('104'));
    for (const id of ['f-41', 'f-42']) {
      await index.upsertRecordFile({ meetingRecordId: '104', recordFileId: id, meetingId: 'm-104', recordStartTimeMs: T0, recordEndTimeMs: T0, recordSize: 1, sharing: { sharingState: 0 } });
      await index.setArtifactStatus('104', id, { artifact: 'video', kind: 'video', fileType: 'mp4', status: 'archived', bytes: 1 });
    }
    const first = await index.markSourceDeleted({ recordFileIds: ['f-41', 'unknown'] }, T0 + DAY);
    expect(first).toEqual({ marked: ['f-41'], unknown: ['unknown'] });
    expect((await index.getMeetingRecording('104'))?.sourceDeletedAt).toBeUndefined();
    // The archive's own source cleanup deleted f-42 at Tencent.
    expect(await index.markSourceDeleted({ recordFileIds: ['f-42'] }, T0 + 2 * DAY, 'archive')).toMatchObject({ marked: ['f-42'] });
    // Told again (Tencent's echo, a whole-meeting deletion): nothing changes, the first time and author stay.
    expect(await index.markSourceDeleted({ meetingRecordId: '104' }, T0 + 3 * DAY)).toEqual({ marked: ['f-41', 'f-42'], unknown: [] });
    const rec = await index.getRecording('104');
    expect(rec?.meeting.sourceDeletedAt).toBe(new Date(T0 + 2 * DAY).toISOString());
    expect(rec?.files.map((f) => [f.sourceDeletedAt, f.sourceDeletedBy, f.artifacts.video?.status])).toEqual([
      [new Date(T0 + DAY).toISOString(), 'tencent', 'archived'],
      [new Date(T0 + 2 * DAY).toISOString(), 'archive', 'archived'],
    ]);
  });

  it('keeps a legal hold and a started source cleanup when the ingest worker writes the recording again', async () => {
    const marks = new ArchiveMarks({ dynamo: resources.clients.dynamo, tableName: resources.tableName });
    await index.upsertMeetingRecording(meeting('105'));
    await index.upsertRecordFile({ meetingRecordId: '105', recordFileId: 'f-51', meetingId: 'm-105', recordStartTimeMs: T0, recordEndTimeMs: T0, recordSize: 1, sharing: { sharingState: 0 } });
    expect(await marks.setLegalHold('105', { by: 'jwt:counsel', since: new Date(T0).toISOString() })).toMatchObject({ changed: true });
    expect(await marks.setLegalHold('105', { by: 'jwt:someone-else', since: new Date(T0 + DAY).toISOString() })).toMatchObject({ changed: false, meeting: { legalHold: { by: 'jwt:counsel' } } });
    await marks.startSourceCleanup('105', 'f-51', new Date(T0 + DAY));
    // recording.updated / a sweep: the worker rewrites what Tencent lists.
    await index.upsertMeetingRecording(meeting('105', { subject: 'renamed' }));
    await index.upsertRecordFile({ meetingRecordId: '105', recordFileId: 'f-51', meetingId: 'm-105', recordStartTimeMs: T0, recordEndTimeMs: T0, recordSize: 2, sharing: { sharingState: 1 } });
    const rec = await index.getRecording('105');
    expect(rec?.meeting).toMatchObject({ subject: 'renamed', legalHold: { by: 'jwt:counsel', since: new Date(T0).toISOString() } });
    expect(rec?.files[0]).toMatchObject({ recordSize: 2, sourceCleanupStartedAt: new Date(T0 + DAY).toISOString() });
    // Tencent's echo of the cleanup is recorded as the archive's deletion, whoever reports it.
    await index.markSourceDeleted({ recordFileIds: ['f-51'] }, T0 + 2 * DAY);
    expect((await index.getRecordFile('f-51'))?.sourceDeletedBy).toBe('archive');
    expect(await marks.setLegalHold('105', undefined)).toMatchObject({ changed: true });
    expect((await index.getMeetingRecording('105'))?.legalHold).toBeUndefined();
    expect(await marks.setLegalHold('no-such-recording', { by: 'x', since: new Date(T0).toISOString() })).toBeUndefined();
  });

  it('holds recording events as a provisional recording and merges it into the real one', async () => {
    const start = T0 + 10 * DAY;
    const base = { meetingId: 'm-prov', meetingCode: 'c-prov', subject: 'live', hostUserId: 'dave', startTimeMs: start };
    expect(await index.recordRecordingStatus({ ...base, status: 'recording', statusAtMs: start + 1 })).toEqual({ target: 'provisional' });
    await index.recordRecordingStatus({ ...base, status: 'stopped', statusAtMs: start + 3 });
    await index.recordRecordingStatus({ ...base, status: 'paused', statusAtMs: start + 2 }); // late: loses
    expect(await counter('USER#dave')).toBe(1);
    let page = await listing.list({ partition: { by: 'user', userId: 'dave' }, fromMs: 0, toMs: start + DAY, page: 1, pageSize: 10 });
    expect(page.items).toEqual([expect.objectContaining({ provisional: true, meeting: expect.objectContaining({ meetingRecordId: '', recordingStatus: 'stopped', state: 1 }) })]);

    await index.upsertMeetingRecording({ meetingRecordId: '900', meetingId: 'm-prov', meetingCode: 'c-prov', subject: 'live', hostUserId: 'dave', mediaStartTimeMs: start - 1000, state: 1 });
    expect(await counter('USER#dave')).toBe(1);
    page = await listing.list({ partition: { by: 'user', userId: 'dave' }, fromMs: 0, toMs: start + DAY, page: 1, pageSize: 10 });
    expect(page.items.map((i) => [i.meeting.meetingRecordId, i.meeting.recordingStatus, i.provisional])).toEqual([['900', 'stopped', false]]);

    // Late events of that occurrence go to the real recording; a newer occurrence gets a new provisional.
    expect(await index.recordRecordingStatus({ ...base, status: 'recording', statusAtMs: start + 1 })).toEqual({ target: 'recording', meetingRecordId: '900' });
    expect(await index.recordRecordingStatus({ ...base, startTimeMs: start + 7 * DAY, status: 'recording' })).toEqual({ target: 'provisional' });
    expect(await counter('USER#dave')).toBe(2);
    expect(await index.recordRecordingStatus({ ...base, startTimeMs: start - 7 * DAY, status: 'recording' })).toEqual({ target: 'ignored' });
    await index.upsertMeetingRecording({ meetingRecordId: '901', meetingId: 'm-prov', meetingCode: 'c-prov', subject: 'live', hostUserId: 'dave', mediaStartTimeMs: start + 7 * DAY, state: 3 });
    expect(await counter('USER#dave')).toBe(2);
    expect((await index.getMeetingRecording('900'))?.recordingStatus).toBe('stopped');
  });
});
