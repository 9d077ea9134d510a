// Removing the archive's own copy of a record file: the one way an archived object leaves the
// bucket. Two callers: the `mirror` deletion policy (Tencent confirmed it deleted the file,
// source-deletion.ts) and expiry (ARCHIVE_EXPIRE_AFTER_DAYS, shared/reconcile/source-cleanup.ts).
//
// A recording under legal hold is never removed, whoever asks: the hold is read again here, just
// before anything changes, so a hold placed after the caller looked still wins. Otherwise every
// artifact is set `deleted` (final: a copy finishing meanwhile cannot index it again), its copy
// state is discarded, and every version of every object goes (object-versions.ts).
import type { Logger } from '@aws-lambda-powertools/logger';
import type { ArchiveIndex } from '../archive/archive-index.ts';
import type { ArtifactRecord, MeetingRecordingRecord, RecordFileRecord } from '../archive/model.ts';
import type { RemovedObject } from '../copy/object-versions.ts';

export interface ObjectLocation {
  readonly bucket: string;
  readonly key: string;
}

/** Why the copy goes: Tencent deleted the file under deletion policy mirror, or the recording expired. */
export type RemovalReason = 'mirror' | 'expiry';

export interface ArchiveRemovalDeps {
  readonly index: ArchiveIndex;
  /** Deletes every version of an object. */
  readonly deleteArchivedObject: (bucket: string, key: string) => Promise<RemovedObject>;
  /** Forgets a copy's checkpoint and aborts its multipart upload. */
  readonly discardCopyState?: (recordFileId: string, artifact: string) => Promise<void>;
  /** Where the copy of an artifact lands, for one that completed but was never indexed. */
  readonly objectLocationOf?: (file: RecordFileRecord, meeting: MeetingRecordingRecord, artifact: ArtifactRecord) => ObjectLocation | undefined;
  readonly logger: Pick<Logger, 'info' | 'warn'>;
  /** Told how many object versions (and delete markers) one artifact's removal deleted. */
  readonly onVersionsDeleted?: (versions: number) => void;
}

export type RemovalResult =
  | { readonly removed: true; readonly artifacts: number; readonly versions: number; readonly bytes: number }
  | { readonly removed: false; readonly reason: 'legal-hold' };

export async function removeArchiveCopies(deps: ArchiveRemovalDeps, file: RecordFileRecord, meeting: MeetingRecordingRecord, reason: RemovalReason): Promise<RemovalResult> {
  const { index, logger } = deps;
  const ids = { meetingId: file.meetingId, meetingRecordId: file.meetingRecordId, recordFileId: file.recordFileId };
  // The hold as it stands now: one lifted since `meeting` was read no longer keeps the copy.
  const current = await index.getMeetingRecording(file.meetingRecordId);
  const hold = current ? current.legalHold : meeting.legalHold;
  if (hold) {
    logger.warn('archived copy kept: the recording is under legal hold', { ...ids, reason, heldBy: hold.by });
    return { removed: false, reason: 'legal-hold' };
  }
  let versions = 0;
  let bytes = 0;
  const artifacts = Object.values(file.artifacts);
  for (const artifact of artifacts) {
    // `deleted` before the bytes go, so a copy finishing meanwhile cannot index them again; the
    // stored record (returned) carries the key of a copy that finished since `file` was read.
    const { artifact: stored } = await index.setArtifactStatus(file.meetingRecordId, file.recordFileId, {
      artifact: artifact.artifact,
      kind: artifact.kind,
      fileType: artifact.fileType,
      status: 'deleted',
      removedBy: reason,
    });
    await deps.discardCopyState?.(file.recordFileId, artifact.artifact);
    const locations = new Map<string, ObjectLocation>();
    if (stored.bucket && stored.key) locations.set(`${stored.bucket}/${stored.key}`, { bucket: stored.bucket, key: stored.key });
    const computed = deps.objectLocationOf?.(file, meeting, artifact);
    if (computed) locations.set(`${computed.bucket}/${computed.key}`, computed);
    let artifactVersions = 0;
    for (const { bucket, key } of locations.values()) {
      const removed = await deps.deleteArchivedObject(bucket, key);
      artifactVersions += removed.versionIds.length + (removed.unversioned ? 1 : 0);
    }
    versions += artifactVersions;
    bytes += artifact.status === 'archived' ? (artifact.bytes ?? 0) : 0;
    deps.onVersionsDeleted?.(artifactVersions);
    logger.info(
      reason === 'mirror' ? 'archived copy deleted in every version (deletion policy mirror)' : 'archived copy deleted in every version (the recording expired)',
      { ...ids, artifact: artifact.artifact, versions: artifactVersions, reason },
    );
  }
  return { removed: true, artifacts: artifacts.length, versions, bytes };
}
