// Which archive events one change to a record file makes, from the file as it was and as it is
// written. Every write of a file goes through file-items.ts' updateFile, which calls this and
// records the events in the same conditional write: a change happens once (the write is
// conditioned on the version it read), so its event is recorded once, whichever code path (ingest,
// mirror deletion, source cleanup, expiry) made it. A duplicate delivery or a repeated sweep
// changes nothing and so records nothing.
import { fileStatus, type ArtifactRecord, type RecordFileRecord } from '../archive/model.ts';
import { DETAIL_SCHEMA_VERSION, DETAIL_TYPES, type ArchiveEvent, type ArtifactDetail } from './archive-events.ts';
import { stableEventId, withoutLinks } from './publisher.ts';

/** What a file's events say about its meeting recording (from the MEETING item). */
export interface MeetingFacts {
  readonly meetingId: string;
  readonly meetingCode?: string;
  readonly subject?: string;
}

export function fileTransitionEvents(before: RecordFileRecord | undefined, after: RecordFileRecord, meeting: MeetingFacts, at: Date): ArchiveEvent[] {
  const events: ArchiveEvent[] = [];
  const occurredAt = at.toISOString();
  if (!fullyArchived(before) && fullyArchived(after)) {
    const artifacts = sortedArtifacts(after);
    const archivedAt = artifacts.map((a) => a.archivedAt ?? occurredAt).sort().at(-1) ?? occurredAt;
    events.push({
      detailType: DETAIL_TYPES.archived,
      detail: {
        ...base(after, meeting, occurredAt, stableEventId(DETAIL_TYPES.archived, after.recordFileId, ...artifacts.map((a) => `${a.artifact}=${a.checksum ?? ''}`))),
        total_bytes: artifacts.reduce((sum, a) => sum + (a.bytes ?? 0), 0),
        archived_at: archivedAt,
      },
    });
  }
  if (!before?.sourceDeletedAt && after.sourceDeletedAt) {
    const deletedBy = after.sourceDeletedBy ?? 'tencent';
    events.push({
      detailType: DETAIL_TYPES.deletedAtSource,
      detail: {
        ...base(after, meeting, occurredAt, stableEventId(DETAIL_TYPES.deletedAtSource, after.recordFileId)),
        artifacts: sortedArtifacts(after).filter(wasArchived).map(toDetail),
        deleted_by: deletedBy,
        source_deleted_at: after.sourceDeletedAt,
      },
    });
  }
  if (!removed(before) && removed(after)) {
    const artifacts = sortedArtifacts(after).filter(wasArchived);
    events.push({
      detailType: DETAIL_TYPES.removedFromArchive,
      detail: {
        ...base(after, meeting, occurredAt, stableEventId(DETAIL_TYPES.removedFromArchive, after.recordFileId)),
        artifacts: artifacts.map(toDetail),
        removed_by: artifacts.some((a) => a.removedBy === 'expiry') ? 'expiry' : 'mirror',
        removed_at: occurredAt,
      },
    });
  }
  if (!lostAtSource(before) && lostAtSource(after)) {
    const failedArtifact = sortedArtifacts(after).find((a) => a.status === 'failed');
    events.push({
      detailType: DETAIL_TYPES.failed,
      detail: {
        ...base(after, meeting, occurredAt, stableEventId(DETAIL_TYPES.failed, after.recordFileId, 'source-deleted')),
        failure: { kind: 'source-deleted', reason: withoutLinks(failedArtifact?.lastError ?? 'Tencent deleted the file before every artifact was archived') },
      },
    });
  }
  return events;
}

/** Every artifact Tencent offers is archived: none pending, failed, copying or deleted, none announced but missing. */
function fullyArchived(file: RecordFileRecord | undefined): boolean {
  if (!file) return false;
  const artifacts = Object.values(file.artifacts);
  return fileStatus(file) === 'archived' && artifacts.every((a) => a.status === 'archived');
}

/** The archive's copy is gone: every artifact deleted, at least one of them once archived. */
function removed(file: RecordFileRecord | undefined): boolean {
  const artifacts = Object.values(file?.artifacts ?? {});
  return artifacts.length > 0 && artifacts.every((a) => a.status === 'deleted') && artifacts.some(wasArchived);
}

/** Tencent deleted the file while an artifact of it had failed: that artifact can never be archived now. */
function lostAtSource(file: RecordFileRecord | undefined): boolean {
  return Boolean(file?.sourceDeletedAt) && Object.values(file?.artifacts ?? {}).some((a) => a.status === 'failed');
}

function wasArchived(artifact: ArtifactRecord): boolean {
  return Boolean(artifact.archivedAt && artifact.key);
}

function sortedArtifacts(file: RecordFileRecord): ArtifactRecord[] {
  return Object.values(file.artifacts).sort((a, b) => a.artifact.localeCompare(b.artifact));
}

function base(file: RecordFileRecord, meeting: MeetingFacts, occurredAt: string, eventId: string) {
  const artifacts = sortedArtifacts(file);
  const bucket = artifacts.find((a) => a.bucket)?.bucket;
  return {
    event_id: eventId,
    schema_version: DETAIL_SCHEMA_VERSION,
    occurred_at: occurredAt,
    meeting_id: file.meetingId || meeting.meetingId,
    meeting_record_id: file.meetingRecordId,
    record_file_id: file.recordFileId,
    ...(meeting.meetingCode ? { meeting_code: meeting.meetingCode } : {}),
    subject: meeting.subject ?? '',
    ...(bucket ? { bucket } : {}),
    ...(file.recordSize > 0 ? { record_size: file.recordSize } : {}),
    artifacts: artifacts.map(toDetail),
  } as const;
}

export function toDetail(artifact: ArtifactRecord): ArtifactDetail {
  return {
    artifact: artifact.artifact,
    kind: artifact.kind,
    file_type: artifact.fileType,
    status: artifact.status,
    ...(artifact.bucket ? { bucket: artifact.bucket } : {}),
    ...(artifact.key ? { key: artifact.key } : {}),
    ...(artifact.contentType ? { content_type: artifact.contentType } : {}),
    ...(artifact.bytes !== undefined ? { bytes: artifact.bytes } : {}),
    ...(artifact.checksum ? { checksum: artifact.checksum } : {}),
    ...(artifact.archivedAt ? { archived_at: artifact.archivedAt } : {}),
    ...(artifact.lastError && artifact.status !== 'archived' ? { last_error: withoutLinks(artifact.lastError) } : {}),
  };
}
