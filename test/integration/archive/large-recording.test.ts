// A meeting recording too large for one DynamoDB item (400 KB): 200 record files of 6 artifacts
// each, indexed as the ingest worker indexes them (several files at once), against DynamoDB Local.
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { createTestResources, destroyClients } from '../../support/aws.ts';
import { ArchiveIndex } from '../../../shared/archive/archive-index.ts';
import { ArchiveListing } from '../../../shared/archive/archive-list.ts';
import { fileStatus, type ArtifactRecord } from '../../../shared/archive/model.ts';
import { keys } from '../../../shared/archive/table-design.ts';
import { artifactObjectKey, contentTypeFor } from '../../../shared/copy/s3-keys.ts';
import { EVERY_ARTIFACT_KIND } from '../../support/archive-names.ts';

const T0 = Date.UTC(2026, 10, 20, 9, 0, 0);
const FILES = 200;
const BUCKET = 'tencent-meeting-archive-archivebucket1a2b3c4d-5e6f7a8b9c0d';

async function inParallel<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

describe('a meeting recording larger than one DynamoDB item', () => {
  let resources: Awaited<ReturnType<typeof createTestResources>>;
  beforeAll(async () => {
    resources = await createTestResources();
  });
  afterAll(() => destroyClients(resources.clients));

  it('indexes 200 files of 6 artifacts each completely, lists and reads them back, and flags them all deleted', async () => {
    const { dynamo } = resources.clients;
    const index = new ArchiveIndex({ dynamo, tableName: resources.tableName });
    const meetingRecordId = '1866123456789012345';
    const meetingId = '13339451618278424869';
    await index.upsertMeetingRecording({
      meetingRecordId,
      meetingId,
      meetingCode: '445999969',
      subject: '全员大会 All hands — 二〇二六年第四季度',
      hostUserId: 'host-user',
      mediaStartTimeMs: T0,
      state: 3,
    });
    const fileIds = Array.from({ length: FILES }, (_, i) => `19647870704992460${String(i).padStart(3, '0')}`);
    await inParallel(fileIds, 4, async (recordFileId) => {
      const start = T0 + fileIds.indexOf(recordFileId) * 60_000;
      await index.upsertRecordFile({
        meetingRecordId,
        recordFileId,
        meetingId,
        recordStartTimeMs: start,
        recordEndTimeMs: start + 55_000,
        recordSize: 734_003_200,
        sharing: { sharingState: 1, requiredSameCorp: false, requiredParticipant: false, sharingExpire: 0, allowDownload: true, hasPassword: true },
      });
      for (const [artifact, kind, fileType] of EVERY_ARTIFACT_KIND) {
        const record: ArtifactRecord = {
          artifact,
          kind,
          fileType,
          status: 'archived',
          bucket: BUCKET,
          key: artifactObjectKey({ recordStartTimeMs: start, meetingId, meetingRecordId, recordFileId, artifact, fileType }),
          contentType: contentTypeFor(fileType),
          bytes: 734_003_200,
          ...(kind === 'video' ? { expectedBytes: 734_003_200 } : {}),
          checksum: 'CRC32:A+zuDg==-88',
          archivedAt: new Date(start + 3_600_000).toISOString(),
          attempts: 1,
        };
        await index.setArtifactStatus(meetingRecordId, recordFileId, record);
      }
    });

    const recording = (await index.getRecording(meetingRecordId))!;
    expect(recording.files).toHaveLength(FILES);
    expect(recording.files.map((f) => f.recordFileId)).toEqual(fileIds);
    for (const file of recording.files) {
      expect(Object.keys(file.artifacts).sort()).toEqual(EVERY_ARTIFACT_KIND.map(([a]) => a).sort());
      expect(fileStatus(file)).toBe('archived');
    }
    // The MEETING item stays under DynamoDB's 400 KB; the files that did not fit live apart.
    const raw = (await dynamo.send(new GetCommand({ TableName: resources.tableName, Key: keys.meeting(meetingRecordId), ConsistentRead: true }))).Item!;
    expect(Buffer.byteLength(JSON.stringify(raw))).toBeLessThan(400 * 1024);
    expect(raw.filesApart).toBe(true);
    expect(Object.keys(raw.files as object).length).toBeLessThan(FILES);

    // Every read path sees all of them: one file by id, the archive API's lists.
    const last = await index.getRecordFileWithMeeting(fileIds.at(-1)!);
    expect(last?.file.artifacts.video?.status).toBe('archived');
    const listed = await new ArchiveListing({ dynamo, tableName: resources.tableName }).list({
      partition: { by: 'meetingId', meetingId },
      fromMs: T0 - 86_400_000,
      toMs: T0 + 86_400_000,
      page: 1,
      pageSize: 10,
    });
    expect(listed.totalCount).toBe(1);
    expect(listed.items[0]!.files).toHaveLength(FILES);
    expect(listed.items[0]!.files.every((f) => fileStatus(f) === 'archived')).toBe(true);

    // The worker upserts the meeting again on every message (here with a renamed subject, so it
    // writes): the files that live apart stay found, with their artifacts.
    await index.upsertMeetingRecording({ meetingRecordId, meetingId, meetingCode: '445999969', subject: '全员大会 All hands (renamed)', hostUserId: 'host-user', mediaStartTimeMs: T0, state: 3 });
    const reread = (await index.getRecording(meetingRecordId))!;
    expect(reread.meeting.subject).toBe('全员大会 All hands (renamed)');
    expect(reread.files).toHaveLength(FILES);
    expect(reread.files.every((f) => fileStatus(f) === 'archived')).toBe(true);

    // A change to a file that lives apart, and the whole recording deleted at the source.
    await index.setArtifactStatus(meetingRecordId, fileIds.at(-1)!, { ...last!.file.artifacts.video!, status: 'deleted' });
    expect((await index.getRecordFile(fileIds.at(-1)!))!.artifacts.video!.status).toBe('deleted');
    const deleted = await index.markSourceDeleted({ meetingRecordId }, T0 + 7 * 86_400_000);
    expect(deleted.marked).toHaveLength(FILES);
    const after = (await index.getRecording(meetingRecordId))!;
    expect(after.files.every((f) => f.sourceDeletedAt !== undefined)).toBe(true);
    expect(after.meeting.sourceDeletedAt).toBeDefined();
  }, 240_000);
});
