// Archive records → Tencent's response shapes (ids as strings, times in ms), each meeting and file
// extended with an `archive` object. Sharing passwords and Tencent's links are never stored, so they
// cannot be served; last errors are served only as failure_reason, with every URL removed.
import type { ArchiveStatus, ArtifactRecord, LegalHold, MeetingRecordingRecord, RecordFileRecord } from '../archive/model.ts';
import { fileStatus } from '../archive/model.ts';
import type { ArchivedRecording } from '../archive/archive-list.ts';
import type { ArchiveInfo, ArtifactInfo, CorpRecordMeeting, FileArchiveInfo, RecordFile, UserRecordMeeting } from './schemas.ts';

const ms = (iso: string | undefined): number | null => {
  if (!iso) return null;
  const value = Date.parse(iso);
  return Number.isFinite(value) ? value : null;
};

/** The artifact a file's top-level archive fields describe: the video when there is one. */
function primaryArtifact(file: Pick<RecordFileRecord, 'artifacts'>): ArtifactRecord | undefined {
  const artifacts = Object.values(file.artifacts);
  return artifacts.find((a) => a.kind === 'video') ?? [...artifacts].sort((a, b) => a.artifact.localeCompare(b.artifact))[0];
}

/** Bytes already copied of artifacts still copying, keyed `<record_file_id>/<artifact>`. */
export type CopyProgress = ReadonlyMap<string, number>;
const NO_PROGRESS: CopyProgress = new Map();

// Errors can quote the source link (signed, short-lived, but still a credential while it lives) or
// a stack of internals: the reason served keeps the words and drops every URL.
export function publicFailureReason(lastError: string | undefined): string {
  const reason = (lastError ?? '').replace(/\b[a-z][a-z0-9+.-]*:\/\/\S+/gi, '<link>').replace(/\s+/g, ' ').trim();
  return reason ? reason.slice(0, 300) : 'the copy failed (no reason recorded)';
}

function artifactInfo(a: ArtifactRecord, recordFileId: string, progress: CopyProgress): ArtifactInfo {
  return {
    artifact: a.artifact,
    kind: a.kind,
    file_type: a.fileType,
    status: a.status,
    bucket: a.bucket ?? null,
    key: a.key ?? null,
    bytes: a.status === 'archived' ? (a.bytes ?? null) : null,
    checksum: a.status === 'archived' ? (a.checksum ?? null) : null,
    archived_at: a.status === 'archived' ? ms(a.archivedAt) : null,
    bytes_copied: a.status === 'copying' ? (progress.get(`${recordFileId}/${a.artifact}`) ?? null) : null,
    expected_bytes: a.expectedBytes ?? null,
    failure_reason: a.status === 'failed' ? publicFailureReason(a.lastError) : null,
  };
}

function recordSizeSkew(file: RecordFileRecord): number | null {
  const video = Object.values(file.artifacts).find((a) => a.kind === 'video');
  if (video?.status !== 'archived' || video.bytes === undefined) return null;
  return video.bytes - (video.expectedBytes ?? file.recordSize);
}

/** The legal hold fields every archive object carries (a file shows its recording's hold). */
function holdFields(hold: LegalHold | undefined) {
  return { legal_hold: hold !== undefined, legal_hold_by: hold?.by ?? null, legal_hold_since: ms(hold?.since) };
}

export function fileArchive(file: RecordFileRecord, progress: CopyProgress = NO_PROGRESS, hold?: LegalHold): FileArchiveInfo {
  const status = fileStatus(file);
  const primary = primaryArtifact(file);
  const artifacts = Object.values(file.artifacts).sort((a, b) => a.artifact.localeCompare(b.artifact));
  const archivedAt = artifacts.map((a) => ms(a.archivedAt)).filter((t): t is number => t !== null);
  return {
    status,
    bucket: primary?.bucket ?? null,
    key: primary?.key ?? null,
    bytes: primary?.status === 'archived' ? (primary.bytes ?? null) : null,
    checksum: primary?.status === 'archived' ? (primary.checksum ?? null) : null,
    archived_at: status === 'archived' && archivedAt.length > 0 ? Math.max(...archivedAt) : null,
    source_deleted_at: ms(file.sourceDeletedAt),
    deleted_by: file.sourceDeletedAt ? (file.sourceDeletedBy ?? 'tencent') : null,
    ...holdFields(hold),
    record_size_skew: recordSizeSkew(file),
    artifacts: artifacts.map((a) => artifactInfo(a, file.recordFileId, progress)),
  };
}

export function meetingStatus(files: readonly RecordFileRecord[]): ArchiveStatus {
  if (files.length === 0) return 'pending';
  const statuses = files.map((f) => fileStatus(f));
  if (statuses.every((s) => s === 'deleted')) return 'deleted';
  if (statuses.every((s) => s === 'archived' || s === 'deleted')) return 'archived';
  if (statuses.includes('copying')) return 'copying';
  if (statuses.includes('failed')) return 'failed';
  return statuses.includes('archived') ? 'copying' : 'pending';
}

function commonPrefix(keys: readonly string[]): string | null {
  if (keys.length === 0) return null;
  let prefix = keys[0]!;
  for (const key of keys) while (!key.startsWith(prefix)) prefix = prefix.slice(0, -1);
  const dir = prefix.slice(0, prefix.lastIndexOf('/') + 1);
  return dir.length > 0 ? dir : null;
}

export function meetingArchive(meeting: MeetingRecordingRecord, files: readonly RecordFileRecord[]): ArchiveInfo {
  const artifacts = files.flatMap((f) => Object.values(f.artifacts));
  const buckets = new Set(artifacts.map((a) => a.bucket).filter((b): b is string => !!b));
  const archived = artifacts.filter((a) => a.status === 'archived');
  const status = meetingStatus(files);
  const archivedAt = archived.map((a) => ms(a.archivedAt)).filter((t): t is number => t !== null);
  return {
    status,
    bucket: buckets.size === 1 ? [...buckets][0]! : null,
    key: commonPrefix(artifacts.map((a) => a.key).filter((k): k is string => !!k)),
    bytes: archived.length > 0 ? archived.reduce((sum, a) => sum + (a.bytes ?? 0), 0) : null,
    checksum: null,
    archived_at: status === 'archived' && archivedAt.length > 0 ? Math.max(...archivedAt) : null,
    source_deleted_at: ms(meeting.sourceDeletedAt),
    deleted_by: meeting.sourceDeletedAt ? (files.length > 0 && files.every((f) => f.sourceDeletedBy === 'archive') ? 'archive' : 'tencent') : null,
    ...holdFields(meeting.legalHold),
  };
}

export function recordFile(file: RecordFileRecord, progress: CopyProgress = NO_PROGRESS, hold?: LegalHold): RecordFile {
  const s = file.sharing;
  return {
    record_file_id: file.recordFileId,
    record_start_time: file.recordStartTimeMs,
    record_end_time: file.recordEndTimeMs,
    record_size: file.recordSize,
    sharing_state: s.sharingState,
    ...(s.requiredSameCorp !== undefined ? { required_same_corp: s.requiredSameCorp } : {}),
    ...(s.requiredParticipant !== undefined ? { required_participant: s.requiredParticipant } : {}),
    ...(s.sharingExpire !== undefined ? { sharing_expire: s.sharingExpire } : {}),
    ...(s.allowDownload !== undefined ? { allow_download: s.allowDownload } : {}),
    archive: fileArchive(file, progress, hold),
  };
}

function meetingFields(recording: Pick<ArchivedRecording, 'meeting' | 'files'>, progress: CopyProgress) {
  const { meeting, files } = recording;
  return {
    meeting_record_id: meeting.meetingRecordId,
    meeting_id: meeting.meetingId,
    meeting_code: meeting.meetingCode,
    media_start_time: meeting.mediaStartTimeMs,
    subject: meeting.subject,
    state: Math.min(3, Math.max(1, meeting.state)),
    ...(meeting.recordType !== undefined ? { record_type: meeting.recordType } : {}),
    ...(meeting.mediaSetType !== undefined ? { media_set_type: meeting.mediaSetType } : {}),
    record_files: files.map((file) => recordFile(file, progress, meeting.legalHold)),
    archive: meetingArchive(meeting, files),
  };
}

export function userRecordMeeting(recording: Pick<ArchivedRecording, 'meeting' | 'files'>, progress: CopyProgress = NO_PROGRESS): UserRecordMeeting {
  return { ...meetingFields(recording, progress), host_user_id: recording.meeting.hostUserId };
}

export function corpRecordMeeting(recording: Pick<ArchivedRecording, 'meeting' | 'files'>, progress: CopyProgress = NO_PROGRESS): CorpRecordMeeting {
  return { ...meetingFields(recording, progress), userid: recording.meeting.hostUserId };
}
