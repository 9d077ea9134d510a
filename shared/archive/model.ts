// What the archive knows about a recording: the shapes the ingest worker writes, the index stores
// and the query API serves. Ids are always strings (Tencent's exceed 2^53); times are ms.

/**
 * Copy status of one artifact. Moves forward only: pending → copying → archived; failed may retry.
 * `deleted`: the archived copy is gone in every version of its object: Tencent confirmed it deleted
 * its copy and the `mirror` deletion policy removed the archive's (or ended its copy before it
 * finished), or the recording expired (ARCHIVE_EXPIRE_AFTER_DAYS).
 */
export type ArchiveStatus = 'pending' | 'copying' | 'archived' | 'failed' | 'deleted';

/** What an artifact is. One record file can have several (video, audio track, transcripts, minutes). */
export type ArtifactKind = 'video' | 'audio' | 'transcript' | 'ai_transcript' | 'ai_minutes';

export interface ArtifactRecord {
  /** Stable name within the file, e.g. `video`, `audio`, `transcript-0-txt`, `ai_minutes-0-docx`. */
  readonly artifact: string;
  readonly kind: ArtifactKind;
  /** Tencent's file type (`mp4`, `m4a`, `txt`, `pdf`, `docx`). */
  readonly fileType: string;
  readonly status: ArchiveStatus;
  readonly bucket?: string;
  readonly key?: string;
  readonly contentType?: string;
  /** Bytes written and verified. */
  readonly bytes?: number;
  /** Bytes Tencent declared (record_size for the video; unknown for others until copied). */
  readonly expectedBytes?: number;
  /** Full-object checksum S3 verified, e.g. `CRC32:<base64>` (`-<parts>` suffix when composite). */
  readonly checksum?: string;
  readonly archivedAt?: string;
  readonly lastError?: string;
  readonly attempts?: number;
  /**
   * Why a `deleted` artifact's archived copy was removed: `mirror` (Tencent's deletion mirrored,
   * the default) or `expiry` (the archive's retention). Carried by `Recording Removed From Archive`.
   */
  readonly removedBy?: 'mirror' | 'expiry';
}

/** Lifecycle of a meeting recording as the archive has seen it. */
export type RecordingStatus = 'recording' | 'paused' | 'stopped' | 'transcoding' | 'completed';

export interface MeetingRecordingRecord {
  readonly meetingRecordId: string;
  readonly meetingId: string;
  readonly meetingCode: string;
  readonly subject: string;
  /** host_user_id (user-level API) or userid (corp API): the recording's owner. */
  readonly hostUserId: string;
  readonly mediaStartTimeMs: number;
  /** Tencent's state: 1 recording, 2 transcoding, 3 done. */
  readonly state: number;
  readonly recordingStatus: RecordingStatus;
  readonly recordType?: number;
  readonly mediaSetType?: number;
  readonly sourceDeletedAt?: string;
  /** Present while the recording is under legal hold: nothing deletes it (mirror, expiry, source cleanup). */
  readonly legalHold?: LegalHold;
  readonly updatedAt: string;
}

/** Who placed a legal hold, and when (ISO). */
export interface LegalHold {
  readonly by: string;
  readonly since: string;
}

/** Sharing settings as served by the archive: never the sharing password or a source link. */
export interface SharingSettings {
  readonly sharingState: number;
  readonly requiredSameCorp?: boolean;
  readonly requiredParticipant?: boolean;
  readonly sharingExpire?: number;
  readonly allowDownload?: boolean;
  readonly hasPassword?: boolean;
}

export interface RecordFileRecord {
  readonly meetingRecordId: string;
  readonly recordFileId: string;
  readonly meetingId: string;
  readonly recordStartTimeMs: number;
  readonly recordEndTimeMs: number;
  readonly recordSize: number;
  readonly sharing: SharingSettings;
  readonly artifacts: Readonly<Record<string, ArtifactRecord>>;
  /**
   * What Tencent announced for this file (smart.transcripts: `transcript|ai_transcript`,
   * smart.fullsummary: `ai_minutes`), one entry per announcement, its kinds joined by `|`: the file is
   * not complete until an artifact of one of each entry's kinds is indexed and archived, so the sweep
   * repairs a file whose transcripts a failed message never copied.
   */
  readonly announced?: readonly string[];
  readonly sourceDeletedAt?: string;
  /** Who deleted Tencent's copy: `tencent` (confirmed after recording.deleted) or `archive` (source cleanup). */
  readonly sourceDeletedBy?: SourceDeletedBy;
  /**
   * The archive's source cleanup decided to delete Tencent's copy (set before it asks Tencent): from
   * then on the archive's copy is the system of record, so Tencent's recording.deleted echo never
   * removes it under `mirror`.
   */
  readonly sourceCleanupStartedAt?: string;
  readonly updatedAt: string;
}

export type SourceDeletedBy = 'tencent' | 'archive';

/** Announcements (RecordFileRecord.announced) no indexed artifact answers yet. */
export function missingAnnouncedKinds(file: Pick<RecordFileRecord, 'artifacts' | 'announced'>): string[] {
  const present = new Set<string>(Object.values(file.artifacts).map((a) => a.kind));
  return (file.announced ?? []).filter((entry) => !entry.split('|').some((kind) => present.has(kind)));
}

const STATUS_RANK: Record<ArchiveStatus, number> = { pending: 0, failed: 1, copying: 2, archived: 3, deleted: 4 };

/** The status a whole file shows: archived only when every artifact is. */
export function fileStatus(file: Pick<RecordFileRecord, 'artifacts' | 'announced'>): ArchiveStatus {
  // An announced kind not indexed yet counts as an artifact still pending.
  const statuses = [...Object.values(file.artifacts).map((a) => a.status), ...missingAnnouncedKinds(file).map((): ArchiveStatus => 'pending')];
  if (statuses.length === 0) return 'pending';
  if (statuses.every((s) => s === 'deleted')) return 'deleted';
  if (statuses.every((s) => s === 'archived' || s === 'deleted')) return 'archived';
  if (statuses.includes('copying')) return 'copying';
  if (statuses.includes('failed')) return 'failed';
  return statuses.some((s) => s === 'archived') ? 'copying' : 'pending';
}

/**
 * True when moving from `from` to `to` is allowed (never backwards from archived). `deleted` is
 * final and reachable from every status: a confirmed deletion under `mirror` also ends a copy that
 * had not finished, so that copy can never become `archived` afterwards.
 */
export function canTransition(from: ArchiveStatus | undefined, to: ArchiveStatus): boolean {
  if (from === undefined) return true;
  if (from === 'deleted') return to === 'deleted';
  if (to === 'deleted') return true;
  if (from === 'archived') return to === 'archived';
  return STATUS_RANK[to] >= STATUS_RANK[from] || (from === 'copying' && to === 'failed') || (from === 'failed' && to === 'copying');
}
