// Deletion you can trust. A recording.deleted event is a hint signed with the subscription token
// only (open point #14): anyone holding that token could send one. Each file it names is deleted
// from the archive only once Tencent confirms, for that file, that it no longer serves it
// (source-presence.ts); an unconfirmed deletion changes nothing and is logged and counted.
//
// A confirmed deletion flags the file (`sourceDeletedAt`). Under `retain` the archive keeps its
// copy; an artifact whose copy had not finished ends `failed` with the reason, its upload aborted.
// Under `mirror` the archive keeps none: with the file's copy lease (or, after waiting long enough,
// without it), every artifact is set `deleted`, which is final, so a copy still running can never
// make it `archived` again (it removes what it uploaded instead; see IngestService#copyOne), then
// every version of every object goes (archive-removal.ts). Never under legal hold, and never for a
// file the archive's own source cleanup deleted at Tencent: the recording.deleted that Tencent
// sends back for it is an echo, not a reason to drop the archive's copy.
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Logger } from '@aws-lambda-powertools/logger';
import { randomUUID } from 'node:crypto';
import type { ArchiveIndex, ArtifactStatusResult } from '../archive/archive-index.ts';
import type { ArtifactRecord, MeetingRecordingRecord, RecordFileRecord } from '../archive/model.ts';
import type { DeletionPolicy } from '../config/environment.ts';
import type { RemovedObject } from '../copy/object-versions.ts';
import { SourceLinkGoneError } from '../errors.ts';
import { TencentGoneError } from '../tencent/errors.ts';
import { StsTokenUnusableError } from '../tencent/sts-token-store.ts';
import { deferForStsToken } from './sts-wait.ts';
import type { CopyLeases } from './copy-lease.ts';
import type { IngestMetrics } from './ingest-metrics.ts';
import type { SourceDeletedMessage } from './messages.ts';
import { sendIngestMessages } from './queue.ts';
import { removeArchiveCopies, type ObjectLocation } from './archive-removal.ts';
import { askTencentForFile, type SourcePresenceAnswer, type SourcePresenceDeps, type SourcePresenceHints } from './source-presence.ts';

export type { ObjectLocation } from './archive-removal.ts';

export interface SourceDeletionDeps extends SourcePresenceDeps {
  readonly index: ArchiveIndex;
  readonly leases: CopyLeases;
  readonly deletionPolicy: DeletionPolicy;
  /** Deletes every version of an object (deletion policy mirror). */
  readonly deleteArchivedObject: (bucket: string, key: string) => Promise<RemovedObject>;
  /** Forgets a copy's checkpoint and aborts its multipart upload. */
  readonly discardCopyState?: (recordFileId: string, artifact: string) => Promise<void>;
  /** Where the copy of an artifact lands, for one that completed but was never indexed. */
  readonly objectLocationOf?: (file: RecordFileRecord, meeting: MeetingRecordingRecord, artifact: ArtifactRecord) => ObjectLocation | undefined;
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  readonly logger: Logger;
  readonly metrics: IngestMetrics;
  readonly leaseMs: number;
  /** Delay before a deferred deletion is looked at again: a copy holds the file / Tencent's answer was unclear / the STS token is unusable. */
  readonly deferSeconds: { readonly fileBusy: number; readonly unclear: number; readonly stsToken: number };
  readonly now: () => number;
}

const SOURCE_DELETED_BEFORE_ARCHIVED = 'Tencent deleted the file before this artifact was archived';

/** Waiting for a copy to let go of the file this often, then the deletion goes ahead without the lease. */
const MAX_BUSY_DEFERRALS = 10;
/** Asking Tencent again this often, then the deletion is left unconfirmed (nothing changes). */
const MAX_UNCLEAR_DEFERRALS = 10;

type FileVerdict = 'done' | 'busy';

/** A download link that failed with 404/410 while Tencent serves the file, or gave no clear answer. */
export interface LinkFailed {
  readonly status: 'link-failed';
  readonly presence: 'served' | 'unknown';
  readonly reason: string;
}

export interface LinkGoneContext extends SourcePresenceHints {
  readonly meetingRecordId: string;
  readonly recordFileId: string;
  readonly artifact: string;
  /** The copy's lease owner (the invocation). */
  readonly owner: string;
  readonly error: Error;
}

export class SourceDeletion {
  readonly #deps: SourceDeletionDeps;

  constructor(deps: SourceDeletionDeps) {
    this.#deps = deps;
  }

  /** A recording.deleted message: each file is confirmed with Tencent on its own. */
  async handle(message: SourceDeletedMessage): Promise<void> {
    const { logger } = this.#deps;
    const deferrals = message.deferrals ?? 0;
    const owner = `deletion-${randomUUID()}`;
    const later: string[] = [];
    let unclear = false;
    const recordFileIds = [...new Set(message.recordFileIds)];
    for (const [i, recordFileId] of recordFileIds.entries()) {
      const ids = { meetingId: message.meetingId, recordFileId };
      const known = await this.#deps.index.getRecordFileWithMeeting(recordFileId);
      let answer: SourcePresenceAnswer;
      try {
        answer = await askTencentForFile(this.#deps, recordFileId, hintsOf(known, message.meetingId));
      } catch (error) {
        if (!(error instanceof StsTokenUnusableError)) throw error;
        // The token is the app's: no file left can be asked about until a fresh one arrives. The
        // files already deferred keep their own count; a token wait does not use it up.
        const waiting = { ...message, recordFileIds: [...later, ...recordFileIds.slice(i)], ...(later.length > 0 ? { deferrals: deferrals + 1 } : {}) };
        return deferForStsToken(this.#deps, waiting, error, this.#deps.deferSeconds.stsToken, { meetingId: message.meetingId, recordFileIds: waiting.recordFileIds });
      }
      if (answer.presence === 'served') {
        this.#deps.metrics.deletionUnconfirmed();
        logger.warn('deletion not confirmed: Tencent still serves the file; nothing changed', { ...ids, reason: answer.reason, traceId: message.traceId });
        continue;
      }
      if (answer.presence === 'unknown') {
        if (!known && (await this.#nobodyCopies(recordFileId, owner))) {
          // Nothing in the archive to change, and a copy starting later asks Tencent itself.
          logger.info('deletion of a file the archive does not hold; nothing to do', { ...ids, reason: answer.reason });
          continue;
        }
        if (deferrals >= MAX_UNCLEAR_DEFERRALS) {
          this.#deps.metrics.deletionUnconfirmed();
          logger.warn('deletion left unconfirmed: Tencent never gave a clear answer; nothing changed', { ...ids, reason: answer.reason, deferrals });
          continue;
        }
        logger.info('deletion not confirmed yet: Tencent gave no clear answer; asking again later', { ...ids, reason: answer.reason });
        later.push(recordFileId);
        unclear = true;
        continue;
      }
      const verdict = await this.#confirmed(recordFileId, answer, message.operateTimeMs, { owner, holdsLease: false, force: deferrals >= MAX_BUSY_DEFERRALS });
      if (verdict === 'busy') later.push(recordFileId);
    }
    if (later.length === 0) return;
    const delaySeconds = unclear ? this.#deps.deferSeconds.unclear : this.#deps.deferSeconds.fileBusy;
    logger.info('deferring the deletion', { meetingId: message.meetingId, recordFileIds: later, delaySeconds, deferrals: deferrals + 1 });
    await sendIngestMessages(this.#deps.sqs, this.#deps.queueUrl, [{ ...message, recordFileIds: later, deferrals: deferrals + 1 }], { delaySeconds });
    this.#deps.metrics.deferred();
  }

  /**
   * A copy in progress (holding the file's lease as `owner`) was told the file is gone: asks Tencent,
   * and applies the deletion policy only when Tencent confirms.
   */
  async checkDuringCopy(
    recordFileId: string,
    hints: SourcePresenceHints,
    owner: string,
    atMs: number,
    asked?: SourcePresenceAnswer,
  ): Promise<SourcePresenceAnswer> {
    const answer = asked ?? (await askTencentForFile(this.#deps, recordFileId, hints));
    if (answer.presence === 'gone') await this.#confirmed(recordFileId, answer, atMs, { owner, holdsLease: true, force: true });
    return answer;
  }

  /**
   * The `copying` write was refused because a confirmed deletion (mirror) ended the artifact:
   * copying it again would leave an object the archive never shows.
   */
  ended(write: ArtifactStatusResult, logIds: Record<string, unknown>): boolean {
    if (write.applied || write.artifact.status !== 'deleted') return false;
    this.#deps.logger.info('artifact was deleted (deletion policy mirror); not copying it', logIds);
    return true;
  }

  /** The `archived` write was refused because the deletion ran while the copy did: what it uploaded goes too. */
  async endedMeanwhile(write: ArtifactStatusResult, copied: ObjectLocation, logIds: Record<string, unknown>): Promise<boolean> {
    if (write.applied || write.artifact.status !== 'deleted') return false;
    await this.#deps.deleteArchivedObject(copied.bucket, copied.key);
    this.#deps.logger.warn('copy finished after the file was deleted (deletion policy mirror); its object was removed', logIds);
    return true;
  }

  /**
   * A download link answered 404/410. The parts uploaded so far are kept until Tencent confirms the
   * file is gone: if it still serves the file the copy resumes later with a fresh link; if it
   * confirms the deletion the deletion policy applies, and the artifact ends in a state an operator
   * sees (mirror: `deleted`; retain: `failed` with the reason, the file flagged). Never the DLQ.
   */
  async afterLinkGone(link: LinkGoneContext): Promise<{ status: 'deleted' } | LinkFailed> {
    const { logger } = this.#deps;
    const { owner: _owner, error: _error, creatorUserId: _creator, recordStartTimeMs: _start, recordEndTimeMs: _end, ...logIds } = link;
    const answer = await this.checkDuringCopy(link.recordFileId, link, link.owner, this.#deps.now());
    if (answer.presence === 'served') {
      this.#deps.metrics.linkGoneWhileServed();
      logger.warn('download link answered 404/410 but Tencent still serves the file; resuming later with a fresh link, parts kept', { ...logIds, error: link.error.message });
      return { status: 'link-failed', presence: 'served', reason: 'download link answered 404/410 while Tencent serves the file' };
    }
    if (answer.presence === 'unknown') {
      logger.warn('download link answered 404/410 and Tencent gave no clear answer; parts kept, asking again later', { ...logIds, reason: answer.reason });
      return { status: 'link-failed', presence: 'unknown', reason: answer.reason };
    }
    return { status: 'deleted' };
  }

  /** True when no copy holds the file (checked by taking and giving back its lease). */
  async #nobodyCopies(recordFileId: string, owner: string): Promise<boolean> {
    if (!(await this.#deps.leases.acquire(recordFileId, owner, this.#deps.leaseMs))) return false;
    await this.#deps.leases.release(recordFileId, owner);
    return true;
  }

  async #confirmed(
    recordFileId: string,
    answer: SourcePresenceAnswer,
    atMs: number,
    lease: { owner: string; holdsLease: boolean; force: boolean },
  ): Promise<FileVerdict> {
    const { index, leases, logger } = this.#deps;
    const mirror = this.#deps.deletionPolicy === 'mirror';
    const leased = lease.holdsLease || (await leases.acquire(recordFileId, lease.owner, this.#deps.leaseMs));
    if (mirror && !leased && !lease.force) return 'busy';
    if (mirror && !leased) logger.warn('deleting while a copy holds the file; that copy will find its artifact deleted', { recordFileId });
    try {
      // Flag first: a copy starting from now on skips the file (mirror) or asks Tencent (retain).
      const { marked } = await index.markSourceDeleted({ recordFileIds: [recordFileId] }, atMs);
      this.#deps.metrics.deletionConfirmed();
      logger.info('source deletion confirmed by Tencent and recorded', { recordFileId, reason: answer.reason, indexed: marked.length > 0 });
      if (mirror) {
        const found = await index.getRecordFileWithMeeting(recordFileId);
        if (found && keepsCopy(found.file)) {
          logger.info('Tencent deleted its copy at the archive\'s own request (source cleanup); the archive keeps its copy', { recordFileId, meetingRecordId: found.file.meetingRecordId });
        } else if (found) {
          await removeArchiveCopies({ ...this.#deps, onVersionsDeleted: (n) => this.#deps.metrics.objectVersionsDeleted(n) }, found.file, found.meeting, 'mirror');
        }
      } else if (leased) {
        // Retain, with no copy holding the file: an unfinished copy can never finish. (A copy that
        // holds it ends its own artifacts: it finishes, or its link fails and it comes here leased.)
        await this.#endUnfinished(recordFileId);
      }
      return 'done';
    } finally {
      if (leased && !lease.holdsLease) await leases.release(recordFileId, lease.owner);
    }
  }

  /**
   * Retain: what was archived stays; every artifact not archived (pending, or `copying` from a copy
   * that paused or died) can never be completed, so it ends `failed` with the reason an operator
   * reads, and its checkpoint and open multipart upload go.
   */
  async #endUnfinished(recordFileId: string): Promise<void> {
    const found = await this.#deps.index.getRecordFileWithMeeting(recordFileId);
    if (!found) return;
    const { file } = found;
    for (const artifact of Object.values(file.artifacts)) {
      if (artifact.status === 'archived' || artifact.status === 'deleted') continue;
      await this.#deps.discardCopyState?.(recordFileId, artifact.artifact);
      const { lastError: _lastError, ...rest } = artifact;
      await this.#deps.index.setArtifactStatus(file.meetingRecordId, recordFileId, { ...rest, status: 'failed', lastError: SOURCE_DELETED_BEFORE_ARCHIVED });
      this.#deps.logger.warn('Tencent deleted the file before its copy finished; nothing more to copy', {
        meetingId: file.meetingId,
        meetingRecordId: file.meetingRecordId,
        recordFileId,
        artifact: artifact.artifact,
      });
    }
  }
}

/**
 * A link refresh during a copy. One "gone" answer (4051/9003) is no more proof than a link's 404:
 * the copy stops with its parts kept, and the worker asks Tencent properly (afterLinkGone).
 */
export async function goneAsLinkGone<T>(refresh: () => Promise<T>, context: { recordFileId: string; artifact: string }): Promise<T> {
  try {
    return await refresh();
  } catch (error) {
    if (error instanceof TencentGoneError) throw new SourceLinkGoneError(`refreshing the link: ${error.message}`, context, { cause: error });
    throw error;
  }
}

/** The archive deleted Tencent's copy itself (source cleanup): its own copy is the system of record now. */
function keepsCopy(file: RecordFileRecord): boolean {
  return file.sourceDeletedBy === 'archive' || file.sourceCleanupStartedAt !== undefined;
}

function hintsOf(known: { file: RecordFileRecord; meeting: MeetingRecordingRecord } | undefined, meetingId: string | undefined): SourcePresenceHints {
  const id = known?.file.meetingId ?? meetingId;
  return {
    ...(id ? { meetingId: id } : {}),
    ...(known ? { recordStartTimeMs: known.file.recordStartTimeMs || known.meeting.mediaStartTimeMs, recordEndTimeMs: known.file.recordEndTimeMs } : {}),
    ...(known?.meeting.hostUserId ? { creatorUserId: known.meeting.hostUserId } : {}),
  };
}
