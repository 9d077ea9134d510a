// What counts as a verified copy (the only kind the source cleanup deletes Tencent's copy of or
// expiry measures from), and how the cleanup settings read from the environment.
import type { ArtifactRecord, RecordFileRecord } from '../../../shared/archive/model.ts';
import { reconcileSettings } from '../../../shared/config/environment.ts';
import { verifiedCopy } from '../../../shared/reconcile/source-cleanup.ts';

const archived = (artifact: string, kind: ArtifactRecord['kind'], at: string, bytes: number): ArtifactRecord => ({
  artifact,
  kind,
  fileType: kind === 'video' ? 'mp4' : 'txt',
  status: 'archived',
  bucket: 'b',
  key: `k/${artifact}`,
  bytes,
  checksum: 'CRC32:AAAAAA==',
  archivedAt: at,
});

const file = (artifacts: ArtifactRecord[], announced?: string[]): RecordFileRecord => ({
  meetingRecordId: 'm',
  recordFileId: 'f',
  meetingId: 'mid',
  recordStartTimeMs: 0,
  recordEndTimeMs: 0,
  recordSize: 10,
  sharing: { sharingState: 0 },
  artifacts: Object.fromEntries(artifacts.map((a) => [a.artifact, a])),
  ...(announced ? { announced } : {}),
  updatedAt: '',
});

describe('verifiedCopy', () => {
  const video = archived('video', 'video', '2026-01-01T00:00:00.000Z', 100);
  const transcript = archived('transcript-a-txt', 'transcript', '2026-01-03T00:00:00.000Z', 7);

  it('is the last verification time and the bytes of every artifact, once all are archived with checksums', () => {
    expect(verifiedCopy(file([video, transcript]))).toEqual({ archivedAtMs: Date.parse('2026-01-03T00:00:00.000Z'), bytes: 107 });
  });

  it('is undefined while any artifact is unverified or an announced kind is missing', () => {
    expect(verifiedCopy(file([]))).toBeUndefined();
    expect(verifiedCopy(file([video, { ...transcript, status: 'copying' }]))).toBeUndefined();
    const { checksum: _c, ...noChecksum } = video;
    expect(verifiedCopy(file([noChecksum as ArtifactRecord]))).toBeUndefined();
    const { archivedAt: _a, ...noTime } = video;
    expect(verifiedCopy(file([noTime as ArtifactRecord]))).toBeUndefined();
    expect(verifiedCopy(file([{ ...video, status: 'deleted' }]))).toBeUndefined();
    // smart.fullsummary announced minutes that were never archived: the copy is not complete.
    expect(verifiedCopy(file([video], ['ai_minutes']))).toBeUndefined();
  });
});

describe('cleanup settings', () => {
  const base = { ARCHIVE_TABLE_NAME: 't', INGEST_QUEUE_URL: 'q' };

  it('are off by default; SOURCE_CLEANUP_DRY_RUN=1 means a dry run; days may be a fraction', () => {
    expect(reconcileSettings(base).sourceCleanup).toEqual({ afterDays: 0, dryRun: false, expireAfterDays: 0 });
    expect(reconcileSettings({ ...base, SOURCE_CLEANUP_AFTER_DAYS: '30', SOURCE_CLEANUP_DRY_RUN: '1', ARCHIVE_EXPIRE_AFTER_DAYS: '0.5' }).sourceCleanup).toEqual({
      afterDays: 30,
      dryRun: true,
      expireAfterDays: 0.5,
    });
    expect(reconcileSettings({ ...base, SOURCE_CLEANUP_DRY_RUN: 'false' }).sourceCleanup.dryRun).toBe(false);
  });

  it('refuse a bad value, naming the variable', () => {
    expect(() => reconcileSettings({ ...base, SOURCE_CLEANUP_AFTER_DAYS: '-1' })).toThrow(/SOURCE_CLEANUP_AFTER_DAYS/);
    expect(() => reconcileSettings({ ...base, SOURCE_CLEANUP_AFTER_DAYS: 'thirty' })).toThrow(/SOURCE_CLEANUP_AFTER_DAYS/);
    expect(() => reconcileSettings({ ...base, SOURCE_CLEANUP_DRY_RUN: 'yes please' })).toThrow(/SOURCE_CLEANUP_DRY_RUN/);
    expect(() => reconcileSettings({ ...base, ARCHIVE_EXPIRE_AFTER_DAYS: '99999' })).toThrow(/ARCHIVE_EXPIRE_AFTER_DAYS/);
  });
});
