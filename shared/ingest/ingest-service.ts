// The ingest worker's domain logic: one queue message in, the archive converged to Tencent's current
// truth out. The message is only a hint; every decision is taken from the REST API and the index,
// so duplicated, late and reordered messages do no harm.
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { ArchiveIndex } from '../archive/archive-index.ts';
import type { ArtifactRecord } from '../archive/model.ts';
import type { DeletionPolicy } from '../config/environment.ts';
import type { CopyArtifactFn } from '../copy/artifact-copier.ts';
import type { CopyOutcome } from '../copy/copy-types.ts';
import { DownloadRefusedError } from '../copy/download-policy.ts';
import { IntegrityError, SourceLinkGoneError, TransientError } from '../errors.ts';
import type { TencentMeetingClient } from '../tencent/client.ts';
import type { RecordFile, RecordMeeting } from '../tencent/schemas.ts';
import { sendIngestMessages } from './queue.ts';
import { artifactsOf, selectArtifacts, type SourceArtifact } from './artifacts.ts';
import { sharingFromSettings, toFileUpsert, toMeetingUpsert, toStatusUpsert } from './record-upserts.ts';
import type { CopyLeases } from './copy-lease.ts';
import { hintedKinds, needsTencent } from './file-completeness.ts';
import { findMeetingRecording, findRecording, type RecordingFinderDeps } from './find-recording.ts';
import { adoptPositionNamed } from './legacy-artifacts.ts';
import { noteRecordSize } from './record-size.ts';
import type { IngestMetrics } from './ingest-metrics.ts';
import { EventRepairs } from './event-repairs.ts';
import { ContinuationBudget, type ContinuationLimits } from './continuation-budget.ts';
import { holdLease } from './lease-keeper.ts';
import type {
  ArchiveFileMessage,
  ContinuationState,
  IngestMessage,
  RefreshMeetingMessage,
} from './messages.ts';
import { StsTokenUnusableError, type StsTokenStore } from '../tencent/sts-token-store.ts';
import { deferForStsToken } from './sts-wait.ts';
import type { RemovedObject } from '../copy/object-versions.ts';
import { goneAsLinkGone, SourceDeletion, type LinkFailed, type SourceDeletionDeps } from './source-deletion.ts';
import { askTencentForFile, hintsOf, hintsOfListed } from './source-presence.ts';

export interface IngestServiceDeps {
  readonly tencent: TencentMeetingClient;
  readonly index: ArchiveIndex;
  readonly leases: CopyLeases;
  readonly stsTokens: StsTokenStore;
  readonly copyArtifact: CopyArtifactFn;
  /** Deletes every version of an archived object from the bucket (deletion policy mirror). */
  readonly deleteArchivedObject: (bucket: string, key: string) => Promise<RemovedObject>;
  readonly objectLocationOf?: SourceDeletionDeps['objectLocationOf'];
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  readonly deletionPolicy: DeletionPolicy;
  readonly logger: Logger;
  readonly metrics: IngestMetrics;
  /** How long a worker may hold a file before another may take it over (≥ the function timeout). */
  readonly leaseMs?: number;
  /** Forgets a copy's checkpoint (and its upload) when another worker archived the artifact. */
  readonly discardCopyState?: (recordFileId: string, artifact: string) => Promise<void>;
  /** Bytes a link serves, through the download policy: pairs position-named artifacts (legacy-artifacts.ts). */
  readonly sourceBytes?: (url: string) => Promise<number>;
  /** Delays before a deferred message comes back; tests and the local stack shorten them. */
  readonly deferSeconds?: Partial<DeferDelays>;
  /** Bounds on a copy's continuations (defaults in continuation-budget.ts); tests lower them. */
  readonly continuationLimits?: Partial<ContinuationLimits>;
  readonly now?: () => number;
}

export interface InvocationContext {
  /** Unique per invocation: owns the copy leases. */
  readonly invocationId: string;
  /** Epoch ms after which no new work starts; unfinished copies continue in a new message. */
  readonly deadline: number;
  readonly signal?: AbortSignal;
  /** SQS ApproximateReceiveCount of the message being handled. */
  readonly receiveCount: number;
}

/** A message deferred this often goes back to SQS as a failure instead (and on to the DLQ). */
const MAX_DEFERRALS = 30;

/**
 * Waiting that is expected rather than a failure: another worker holds the file, Tencent does not
 * list the recording yet, transcoding is not finished, the STS token expired. The message is re-sent with a delay instead
 * of failing, because a failed message only returns after the queue's visibility timeout (6 × the
 * function timeout: 90 minutes in AWS).
 */
export interface DeferDelays {
  readonly fileBusy: number;
  readonly notListed: number;
  readonly notReady: number;
  readonly stsToken: number;
}

const DEFAULT_DEFER_SECONDS: DeferDelays = { fileBusy: 120, notListed: 60, notReady: 300, stsToken: 300 };

export class IngestService {
  readonly #deps: IngestServiceDeps;
  readonly #now: () => number;
  readonly #repairs: EventRepairs;
  readonly #continuations: ContinuationBudget;
  readonly #deletion: SourceDeletion;

  constructor(deps: IngestServiceDeps) {
    this.#deps = deps;
    this.#now = deps.now ?? Date.now;
    this.#repairs = new EventRepairs(deps);
    this.#continuations = new ContinuationBudget(deps.continuationLimits, deps.metrics, (next) => sendIngestMessages(deps.sqs, deps.queueUrl, [next]));
    const delays = { ...DEFAULT_DEFER_SECONDS, ...deps.deferSeconds };
    const deferSeconds = { fileBusy: delays.fileBusy, unclear: delays.notListed, stsToken: delays.stsToken };
    this.#deletion = new SourceDeletion({ ...deps, leaseMs: deps.leaseMs ?? 16 * 60_000, deferSeconds, now: this.#now });
  }

  async handle(message: IngestMessage, context: InvocationContext): Promise<void> {
    switch (message.kind) {
      case 'archive-file':
        return this.#archiveFile(message, context);
      case 'source-deleted':
        return this.#deletion.handle(message);
      case 'refresh-meeting':
        return this.#refreshMeeting(message);
      case 'recording-status':
        await this.#deps.index.recordRecordingStatus(toStatusUpsert(message));
        return;
      case 'archive-meeting':
        return this.#repairs.archiveMeeting(message);
      case 'resolve-file':
        try {
          return await this.#repairs.resolveFile(message);
        } catch (error) {
          if (!(error instanceof StsTokenUnusableError)) throw error;
          return deferForStsToken(this.#deps, message, error, this.#delay('stsToken'), { recordFileId: message.recordFileId });
        }
    }
  }

  async #archiveFile(message: ArchiveFileMessage, context: InvocationContext): Promise<void> {
    const { index, leases, logger } = this.#deps;
    const ids = { meetingId: message.meetingId, recordFileId: message.recordFileId };
    const known = await index.getRecordFileWithMeeting(message.recordFileId);
    if (known && !needsTencent(known.file, message.artifacts)) {
      logger.info('file already archived; nothing to do', { ...ids, reason: message.reason });
      return;
    }
    // Noted first, so a message that fails from here on still leaves the file incomplete for the sweep.
    if (known) await index.noteAnnouncedKinds(known.meeting.meetingRecordId, message.recordFileId, hintedKinds(message.artifacts));
    // Flags are set only once Tencent confirmed the deletion: `retain` still copies a flagged file
    // while Tencent serves it (the copy path asks again), `mirror` keeps none.
    if (known?.file.sourceDeletedAt && this.#deps.deletionPolicy === 'mirror') {
      logger.info('file was deleted at the source; the mirror deletion policy keeps no copy', ids);
      return;
    }

    const owner = context.invocationId;
    const lease = await holdLease(leases, message.recordFileId, owner, this.#deps.leaseMs ?? 16 * 60_000, { logger, logIds: ids });
    if (!lease) return this.#defer(message, 'fileBusy', 'another worker is copying this file');
    // A copy stops at the hard stop, or as soon as the file is no longer this worker's.
    const copyContext = { ...context, signal: context.signal ? AbortSignal.any([context.signal, lease.lost]) : lease.lost };
    let next: 'done' | 'continue' | keyof DeferDelays = 'done';
    let why = '';
    let unusableToken: StsTokenUnusableError | undefined;
    let meetingRecordId = message.meetingRecordId;
    let copiedHere = false;
    let continuation: ContinuationState | undefined;
    try {
      const found = await findRecording(this.#finder(), message);
      if (found) {
        meetingRecordId = found.meeting.meeting_record_id;
        await index.upsertMeetingRecording(toMeetingUpsert(found.meeting));
      }
      if (found?.meeting.state !== undefined && found.meeting.state !== 3) {
        [next, why] = ['notReady', `recording is not ready (state ${found.meeting.state})`];
        return;
      }
      if (!found?.file) {
        // Absence from a list is no proof (lists can lag an event); only Tencent confirming it for
        // the file (source-presence.ts) counts as deleted.
        if ((await this.#deletion.checkDuringCopy(message.recordFileId, hintsOf(message), owner, this.#now())).presence === 'gone') return;
        [next, why] = ['notListed', 'Tencent does not list the recording file yet'];
        return;
      }
      const { meeting, file } = found;
      const meetingIds = { ...ids, meetingRecordId: meeting.meeting_record_id };
      let { record } = await index.upsertRecordFile(toFileUpsert(meeting, file));
      if (!known) await index.noteAnnouncedKinds(meeting.meeting_record_id, file.record_file_id, hintedKinds(message.artifacts));

      // Each copy's fresh address answer lands here too: a list that grows is copied this run (#6).
      const offered: { latest: SourceArtifact[] } = { latest: [] };
      // Listed a moment ago: a 9003 now is no deletion (a 404 link mid-copy, below, is new evidence and
      // still confirmed against the list, in the window Tencent listed the file in).
      const listedHints = { ...hintsOfListed(meeting, file, message.creatorUserId), listedJustNow: true };
      const presence = await askTencentForFile(this.#deps, message.recordFileId, listedHints);
      if (presence.presence === 'gone') return void (await this.#deletion.checkDuringCopy(message.recordFileId, listedHints, owner, this.#now(), presence));
      if (presence.presence === 'unknown') {
        [next, why] = ['notReady', `Tencent gave no clear answer about the file: ${presence.reason}`];
        return;
      }
      offered.latest = artifactsOf(presence.address!);
      let sources = selectArtifacts(offered.latest, message.artifacts);
      if (sources.length === 0) {
        [next, why] = ['notReady', 'Tencent offers no download link for this file yet'];
        return;
      }
      const adoption = { index, logger, ...(this.#deps.sourceBytes ? { sourceBytes: this.#deps.sourceBytes } : {}) };
      record = await adoptPositionNamed(adoption, record, sources);
      const handled = new Set<string>();
      for (let round = 0; sources.length > 0 && round < 3; round++) {
        // Every artifact is indexed before the first copy starts, so a file whose copy stops half-way
        // (deadline, crash) never looks complete with artifacts missing.
        for (const source of sources) {
          if (record.artifacts[source.artifact]) continue;
          await index.setArtifactStatus(meeting.meeting_record_id, file.record_file_id, {
            artifact: source.artifact,
            kind: source.kind,
            fileType: source.fileType,
            status: 'pending',
            ...(source.kind === 'video' ? { expectedBytes: file.record_size } : {}),
          });
        }

        for (const source of sources) {
          handled.add(source.artifact);
          if (record.artifacts[source.artifact]?.status === 'archived') continue;
          if (this.#now() >= context.deadline) {
            next = 'continue';
            return;
          }
          const outcome = await this.#copyOne(message, meeting, file, source, copyContext, offered);
          if (outcome.status === 'deleted') return;
          if (outcome.status === 'link-failed') return void ([next, why] = [outcome.presence === 'served' ? 'notReady' : 'notListed', outcome.reason]);
          copiedHere ||= outcome.status === 'archived';
          if (outcome.status === 'incomplete') {
            logger.info('copy paused before the deadline; continuing in a new message', {
              ...meetingIds,
              artifact: source.artifact,
              bytesDone: outcome.bytesDone,
            });
            next = 'continue';
            continuation = outcome.continuation;
            return;
          }
        }
        sources = selectArtifacts(offered.latest, message.artifacts).filter((a) => !handled.has(a.artifact));
        if (sources.length > 0) {
          logger.info('Tencent listed more artifacts while the file was copied; copying them too', { ...meetingIds, artifacts: sources.map((a) => a.artifact) });
          record = await adoptPositionNamed(adoption, (await index.getRecordFile(file.record_file_id)) ?? record, sources);
        }
      }
      if (copiedHere) this.#deps.metrics.fileArchived();
    } catch (error) {
      if (!(error instanceof StsTokenUnusableError)) throw error;
      [next, unusableToken] = ['stsToken', error];
    } finally {
      // Released before the follow-up is sent, so the continuation does not find the file busy.
      await lease.release();
      if (next === 'continue') await this.#continuations.continueLater(message, meetingRecordId, continuation);
      else if (unusableToken) await deferForStsToken(this.#deps, message, unusableToken, this.#delay('stsToken'), ids);
      else if (next !== 'done') await this.#defer(message, next, why);
    }
  }

  async #copyOne(
    message: ArchiveFileMessage,
    meeting: RecordMeeting,
    file: RecordFile,
    source: SourceArtifact,
    context: InvocationContext,
    offered: { latest: SourceArtifact[] },
  ): Promise<(CopyOutcome & { readonly continuation?: ContinuationState }) | { status: 'deleted' } | LinkFailed> {
    const { index, logger } = this.#deps;
    const meetingRecordId = meeting.meeting_record_id;
    const logIds = { meetingId: message.meetingId, meetingRecordId, recordFileId: file.record_file_id, artifact: source.artifact };
    // record_size is what Tencent declares, not necessarily what it serves (open point #4): the copy
    // takes the size from the source and verifies that; a difference is recorded, not fatal.
    const expectedBytes = source.kind === 'video' ? file.record_size : undefined;
    const previous = (await index.getRecordFile(file.record_file_id))?.artifacts[source.artifact];
    const attempts = (previous?.attempts ?? 0) + 1;
    const base = { artifact: source.artifact, kind: source.kind, fileType: source.fileType, attempts, ...(expectedBytes !== undefined ? { expectedBytes } : {}) };
    const started = await index.setArtifactStatus(meetingRecordId, file.record_file_id, { ...base, status: 'copying' });
    if (this.#deletion.ended(started, logIds)) return { status: 'deleted' };
    logger.info('copying artifact', logIds);
    const copyStartedMs = this.#now();
    try {
      const outcome = await this.#deps.copyArtifact({
        recordFileId: file.record_file_id,
        meetingId: meeting.meeting_id,
        meetingRecordId,
        subject: meeting.subject ?? '',
        recordStartTimeMs: file.record_start_time || meeting.media_start_time,
        artifact: source,
        ...(expectedBytes !== undefined ? { declaredBytes: expectedBytes } : {}),
        resolveUrl: () => this.#freshUrl(file.record_file_id, source.artifact, offered),
        deadline: context.deadline,
        ...(context.signal ? { signal: context.signal } : {}),
      });
      if (outcome.status === 'archived') {
        const archived: ArtifactRecord = {
          ...base,
          status: 'archived',
          bucket: outcome.bucket,
          key: outcome.key,
          contentType: outcome.contentType,
          bytes: outcome.bytes,
          checksum: outcome.checksum,
          archivedAt: new Date(this.#now()).toISOString(),
        };
        const stored = await index.setArtifactStatus(meetingRecordId, file.record_file_id, archived);
        if (await this.#deletion.endedMeanwhile(stored, outcome, logIds)) return { status: 'deleted' };
        noteRecordSize(this.#deps, logIds, archived);
        this.#deps.metrics.bytesArchived(outcome.bytes);
        logger.info('artifact archived', { ...logIds, bytes: outcome.bytes, checksum: outcome.checksum });
        return outcome;
      }
      // Inside the try: a copy that used up its continuations is marked failed with the reason.
      return { ...outcome, continuation: this.#continuations.afterPause(message, source.artifact, outcome.bytesDone) };
    } catch (error) {
      if (error instanceof SourceLinkGoneError) return this.#deletion.afterLinkGone({ ...logIds, ...hintsOfListed(meeting, file, message.creatorUserId), owner: context.invocationId, error });
      if (error instanceof IntegrityError) this.#deps.metrics.integrityFailed();
      const reason = error instanceof Error ? error.message : String(error);
      const { applied, artifact } = await index.setArtifactStatus(meetingRecordId, file.record_file_id, { ...base, status: 'failed', lastError: reason });
      if (!applied && artifact.status === 'archived') {
        // A worker that outlived its lease (Lambda killed it late, or it was slow to stop) raced
        // the one that took over; the other finished the copy. What this one left goes.
        await this.#deps.discardCopyState?.(file.record_file_id, source.artifact);
        logger.warn('another worker archived this artifact meanwhile', { ...logIds, error: reason });
        return {
          status: 'archived',
          bucket: artifact.bucket ?? '',
          key: artifact.key ?? '',
          contentType: artifact.contentType ?? '',
          bytes: artifact.bytes ?? 0,
          checksum: artifact.checksum ?? '',
        };
      }
      if (error instanceof DownloadRefusedError) {
        this.#deps.metrics.downloadRefused();
        // The reason names the scheme, host and address; never the link (its query string is a credential).
        logger.error('download link refused', { ...logIds, refusal: error.refusal, host: error.context.host, address: error.context.address, error: reason });
      } else logger.error('artifact copy failed', { ...logIds, error: reason });
      throw error;
    } finally {
      this.#deps.metrics.copySeconds((this.#now() - copyStartedMs) / 1000);
    }
  }

  #finder(): RecordingFinderDeps {
    const { tencent, index, logger, metrics } = this.#deps;
    return { tencent, index, logger, now: this.#now, onWidened: () => metrics.searchWidened() };
  }

  async #fileAddress(recordFileId: string) {
    return this.#deps.stsTokens.call({ recordFileId }, (sts) => this.#deps.tencent.getFileAddress(recordFileId, sts));
  }

  async #freshUrl(recordFileId: string, artifact: string, offered: { latest: SourceArtifact[] }): Promise<string> {
    offered.latest = artifactsOf(await goneAsLinkGone(() => this.#fileAddress(recordFileId), { recordFileId, artifact }));
    const fresh = offered.latest.find((a) => a.artifact === artifact);
    if (!fresh) throw new TransientError('Tencent no longer offers this artifact', { recordFileId, artifact });
    return fresh.url;
  }

  async #defer(message: ArchiveFileMessage, why: keyof DeferDelays, reason: string): Promise<void> {
    const ids = { meetingId: message.meetingId, recordFileId: message.recordFileId };
    const deferrals = (message.deferrals ?? 0) + 1;
    if (deferrals > MAX_DEFERRALS) throw new TransientError(`${reason}; gave up waiting after ${MAX_DEFERRALS} deferrals`, ids);
    const delaySeconds = this.#delay(why);
    this.#deps.logger.info('deferring the message', { ...ids, reason, delaySeconds, deferrals });
    await sendIngestMessages(this.#deps.sqs, this.#deps.queueUrl, [{ ...message, deferrals }], { delaySeconds });
    this.#deps.metrics.deferred();
  }

  #delay(why: keyof DeferDelays): number {
    return this.#deps.deferSeconds?.[why] ?? DEFAULT_DEFER_SECONDS[why];
  }

  async #refreshMeeting(message: RefreshMeetingMessage): Promise<void> {
    const { tencent, index } = this.#deps;
    const meeting = await findMeetingRecording(this.#finder(), message);
    if (!meeting) {
      throw new TransientError('Tencent does not list the updated recording', { meetingId: message.meetingId, meetingRecordId: message.meetingRecordId });
    }
    const settings = await tencent.getRecordSettings(meeting.meeting_record_id);
    const subject = settings.meeting_record_name ?? meeting.subject;
    await index.upsertMeetingRecording(toMeetingUpsert({ ...meeting, ...(subject !== undefined ? { subject } : {}) }));
    for (const file of meeting.record_files) {
      await index.upsertRecordFile({ ...toFileUpsert(meeting, file), sharing: sharingFromSettings(file, settings) });
    }
  }
}
