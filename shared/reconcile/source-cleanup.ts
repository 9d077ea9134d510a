// Source cleanup and expiry, in the scheduled reconcile run: the archive as the system of record.
//
// Source cleanup (SOURCE_CLEANUP_AFTER_DAYS > 0): a file whose copy is verified (every artifact
// `archived` with its checksum, nothing announced still missing) and was archived at least that
// many days ago is deleted at Tencent (DELETE /v1/records/{record_file_id}) to free the account's
// cloud-recording quota, and recorded as source-deleted by `archive`. Never: a file whose copy is
// not verified, a recording under legal hold, anything when the setting is 0. The file is noted as
// being cleaned before Tencent is asked, so the recording.deleted Tencent sends back can never
// remove the archive's copy under `mirror` (source-deletion.ts), even when it overtakes this run.
// The deletion is recorded only when Tencent confirms the file is gone (source-presence.ts, open
// point #14): an answered DELETE alone proves nothing, an account may answer the operator form it
// does not accept with `{}`. SOURCE_CLEANUP_DRY_RUN logs and counts what would go, and asks nothing.
//
// Expiry (ARCHIVE_EXPIRE_AFTER_DAYS > 0): the archive's copy of a file archived that many days ago
// is removed (every version, archive-removal.ts), unless its recording is under legal hold; an S3
// lifecycle rule could not see the hold, so it is done here, from the index.
//
// Tencent's DELETE calls come from their own budget (a DynamoDB rate budget like corp/records'),
// and the run stops when the budget or its share of the invocation's time is spent; the walk
// (cleanup-walk.ts) continues there next time.
import type { Logger } from '@aws-lambda-powertools/logger';
import type { ArchiveIndex } from '../archive/archive-index.ts';
import type { ArchiveMarks } from '../archive/archive-marks.ts';
import { DAY_MS } from '../archive/archive-items.ts';
import { missingAnnouncedKinds, type MeetingRecordingRecord, type RecordFileRecord } from '../archive/model.ts';
import { removeArchiveCopies, type ArchiveRemovalDeps } from '../ingest/archive-removal.ts';
import { askTencentForFile, type SourcePresenceAnswer } from '../ingest/source-presence.ts';
import type { TencentMeetingClient } from '../tencent/client.ts';
import { TencentApiError, TencentGoneError } from '../tencent/errors.ts';
import { StsTokenUnusableError, type StsTokenStore } from '../tencent/sts-token-store.ts';
import type { CleanupWalk } from './cleanup-walk.ts';
import { acquireWithin, type RateBudget } from './shared-budget.ts';

export const RECORDS_DELETE_BUDGET = 'tencent:records-delete';
/** DELETE calls a minute: well inside the app's 300/min, so the ingest worker's calls keep their room. */
export const RECORDS_DELETE_LIMIT_PER_MINUTE = 30;

export interface SourceCleanupSettings {
  /** 0: off. */
  readonly afterDays: number;
  readonly dryRun: boolean;
  /** 0: off. */
  readonly expireAfterDays: number;
}

export interface SourceCleanupDeps {
  readonly index: ArchiveIndex;
  readonly marks: ArchiveMarks;
  readonly walk: CleanupWalk;
  /** Needed when the cleanup is on. */
  readonly tencent?: TencentMeetingClient;
  readonly stsTokens: StsTokenStore;
  readonly budget: RateBudget;
  /** Deletes every version of an archived object (expiry). */
  readonly deleteArchivedObject: ArchiveRemovalDeps['deleteArchivedObject'];
  readonly logger: Pick<Logger, 'info' | 'warn' | 'error'>;
  readonly now: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface CleanupRunOptions {
  readonly owner: string;
  readonly leaseMs: number;
  /** Checked before every recording. */
  readonly shouldStop: () => boolean;
  /** How long the run may wait for a DELETE grant right now. */
  readonly maxWaitMs: () => number;
  /** Meeting recordings looked at per run, at most. */
  readonly maxMeetings?: number;
}

export interface CleanupTotals {
  meetingsExamined: number;
  /** Deleted at Tencent (confirmed) and recorded, with the bytes the archive holds of them. */
  filesDeleted: number;
  bytesFreed: number;
  /** Dry run: what would have been deleted. */
  filesWouldDelete: number;
  bytesWouldFree: number;
  /** Due, but their recording is under legal hold (cleanup or expiry). */
  filesHeld: number;
  /** Old enough, but the copy is not verified: left at Tencent. */
  filesNotVerified: number;
  /** Tencent answered but the file is still there, or it refused: asked again on the next lap. */
  filesUnconfirmed: number;
  filesFailed: number;
  /** Archive copies removed by expiry. */
  filesExpired: number;
  bytesExpired: number;
}

export interface CleanupResult {
  readonly status: 'off' | 'skipped' | 'complete' | 'paused';
  readonly stopReason?: 'time' | 'budget' | 'rate-limited' | 'sts-token' | 'max-meetings';
  readonly totals: CleanupTotals;
}

const PAGE_SIZE = 25;

export function emptyCleanupTotals(): CleanupTotals {
  return { meetingsExamined: 0, filesDeleted: 0, bytesFreed: 0, filesWouldDelete: 0, bytesWouldFree: 0, filesHeld: 0, filesNotVerified: 0, filesUnconfirmed: 0, filesFailed: 0, filesExpired: 0, bytesExpired: 0 };
}

/** The verified copy of a file: when it was complete and how many bytes it holds; undefined when not verified. */
export function verifiedCopy(file: RecordFileRecord): { readonly archivedAtMs: number; readonly bytes: number } | undefined {
  const artifacts = Object.values(file.artifacts);
  if (artifacts.length === 0 || missingAnnouncedKinds(file).length > 0) return undefined;
  let archivedAtMs = 0;
  let bytes = 0;
  for (const a of artifacts) {
    const at = a.archivedAt ? Date.parse(a.archivedAt) : Number.NaN;
    if (a.status !== 'archived' || !a.checksum || a.bytes === undefined || !Number.isFinite(at)) return undefined;
    archivedAtMs = Math.max(archivedAtMs, at);
    bytes += a.bytes;
  }
  return { archivedAtMs, bytes };
}

type Stop = NonNullable<CleanupResult['stopReason']>;

export async function runSourceCleanup(deps: SourceCleanupDeps, settings: SourceCleanupSettings, options: CleanupRunOptions): Promise<CleanupResult> {
  const totals = emptyCleanupTotals();
  const enabled = [settings.afterDays, settings.expireAfterDays].filter((d) => d > 0);
  if (enabled.length === 0) return { status: 'off', totals };
  if (settings.afterDays > 0 && !deps.tencent) throw new Error('source cleanup is on but no Tencent client was given');
  const position = await deps.walk.acquire(options.owner, options.leaseMs);
  if (!position) return { status: 'skipped', totals };
  const cutoffMs = deps.now() - Math.min(...enabled) * DAY_MS;
  let startKey = position.startKey;
  let laps = position.laps;
  let stop: Stop | undefined;
  try {
    walking: for (;;) {
      const page = await deps.walk.page(startKey, cutoffMs, PAGE_SIZE);
      for (const meetingRecordId of page.meetingRecordIds) {
        if (options.shouldStop()) stop = 'time';
        else if (totals.meetingsExamined >= (options.maxMeetings ?? 1000)) stop = 'max-meetings';
        // Stopped mid-page: the page is walked again next time (every step is idempotent).
        if (stop) break walking;
        totals.meetingsExamined += 1;
        stop = await examineRecording(deps, settings, options, meetingRecordId, totals);
        if (stop) break walking;
      }
      startKey = page.next;
      if (!startKey) {
        laps += 1;
        break;
      }
    }
  } finally {
    await deps.walk.release(options.owner, { ...(startKey ? { startKey } : {}), laps });
  }
  deps.logger.info('source cleanup run finished', { dryRun: settings.dryRun, afterDays: settings.afterDays, expireAfterDays: settings.expireAfterDays, stopReason: stop, totals });
  return { status: stop ? 'paused' : 'complete', ...(stop ? { stopReason: stop } : {}), totals };
}

async function examineRecording(
  deps: SourceCleanupDeps,
  settings: SourceCleanupSettings,
  options: CleanupRunOptions,
  meetingRecordId: string,
  totals: CleanupTotals,
): Promise<Stop | undefined> {
  const recording = await deps.index.getRecording(meetingRecordId);
  if (!recording) return undefined;
  const { meeting, files } = recording;
  const now = deps.now();
  for (const file of files) {
    const copy = verifiedCopy(file);
    const ids = { meetingId: file.meetingId, meetingRecordId, recordFileId: file.recordFileId };
    const cleanupDue = settings.afterDays > 0 && !file.sourceDeletedAt && copy !== undefined && copy.archivedAtMs <= now - settings.afterDays * DAY_MS;
    const expiryDue = settings.expireAfterDays > 0 && copy !== undefined && copy.archivedAtMs <= now - settings.expireAfterDays * DAY_MS;
    if (settings.afterDays > 0 && !file.sourceDeletedAt && copy === undefined && oldEnough(file, now, settings.afterDays)) totals.filesNotVerified += 1;
    if ((cleanupDue || expiryDue) && meeting.legalHold) {
      totals.filesHeld += 1;
      deps.logger.info('left alone: the recording is under legal hold', { ...ids, heldBy: meeting.legalHold.by, cleanupDue, expiryDue });
      continue;
    }
    if (cleanupDue) {
      const stop = await cleanFile(deps, settings, options, meeting, file, copy.bytes, totals);
      if (stop) return stop;
    }
    if (expiryDue) {
      const result = await removeArchiveCopies({ ...deps }, file, meeting, 'expiry');
      if (result.removed) {
        totals.filesExpired += 1;
        totals.bytesExpired += result.bytes;
      } else totals.filesHeld += 1;
    }
  }
  return undefined;
}

/** Files recorded long enough ago that their copy would be due if it were verified. */
function oldEnough(file: RecordFileRecord, now: number, days: number): boolean {
  return (file.recordEndTimeMs || file.recordStartTimeMs) <= now - days * DAY_MS;
}

async function cleanFile(
  deps: SourceCleanupDeps,
  settings: SourceCleanupSettings,
  options: CleanupRunOptions,
  meeting: MeetingRecordingRecord,
  file: RecordFileRecord,
  bytes: number,
  totals: CleanupTotals,
): Promise<Stop | undefined> {
  const { logger } = deps;
  const ids = { meetingId: file.meetingId, meetingRecordId: file.meetingRecordId, recordFileId: file.recordFileId };
  if (settings.dryRun) {
    totals.filesWouldDelete += 1;
    totals.bytesWouldFree += bytes;
    logger.info('source cleanup (dry run): would delete the file at Tencent', { ...ids, bytes });
    return undefined;
  }
  const grant = await acquireWithin(deps.budget, options.maxWaitMs, deps.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))));
  if (!grant.granted) return 'budget';
  const noted = await deps.marks.startSourceCleanup(file.meetingRecordId, file.recordFileId, new Date(deps.now()));
  // Checked again on the record just written: the budget wait is long enough for Tencent to announce
  // one more artifact (AI minutes, a transcript) that the archive does not hold yet.
  if (!noted || !verifiedCopy(noted)) {
    totals.filesNotVerified += 1;
    logger.info('left alone: the copy is no longer verified (an artifact was announced or changed meanwhile)', ids);
    return undefined;
  }
  // A hold placed while this run looked: it wins (the note alone deletes nothing).
  if ((await deps.index.getMeetingRecording(file.meetingRecordId))?.legalHold) {
    totals.filesHeld += 1;
    logger.info('left alone: the recording was put under legal hold', ids);
    return undefined;
  }
  const tencent = deps.tencent!;
  const hints = {
    meetingId: file.meetingId,
    recordStartTimeMs: file.recordStartTimeMs || meeting.mediaStartTimeMs,
    recordEndTimeMs: file.recordEndTimeMs,
    ...(meeting.hostUserId ? { creatorUserId: meeting.hostUserId } : {}),
  };
  const confirm = () => askTencentForFile({ tencent, stsTokens: deps.stsTokens }, file.recordFileId, hints);
  let answer: SourcePresenceAnswer;
  try {
    // The configured operator, or (none configured) the recording's host, as every other call.
    const operator = tencent.config.operatorId ? {} : meeting.hostUserId ? { userid: meeting.hostUserId } : {};
    answer = await tencent.deleteRecordFile(file.recordFileId, { meetingId: file.meetingId, ...operator }, confirm, (a) => a.presence === 'gone');
  } catch (error) {
    if (error instanceof StsTokenUnusableError) {
      logger.warn('source cleanup paused: the STS token is unusable; the next run continues', ids);
      return 'sts-token';
    }
    if (error instanceof TencentGoneError) {
      // Already deleted (4051), or a retried DELETE that had deleted it: asked like any other answer.
      answer = await confirm();
    } else if (error instanceof TencentApiError) {
      if (error.isRateLimit) {
        await deps.budget.blockUntil(deps.now() + 60_000);
        logger.warn('source cleanup paused: Tencent rate limit', { ...ids, errorCode: error.errorCode });
        return 'rate-limited';
      }
      totals.filesFailed += 1;
      logger.warn('source cleanup: Tencent refused the DELETE; the file stays and is tried again on the next lap', { ...ids, errorCode: error.errorCode, httpStatus: error.httpStatus, error: error.message });
      return undefined;
    } else throw error;
  }
  if (answer.presence !== 'gone') {
    totals.filesUnconfirmed += 1;
    logger.warn('source cleanup: Tencent answered the DELETE but the deletion is not confirmed; nothing recorded, tried again on the next lap', { ...ids, presence: answer.presence, reason: answer.reason });
    return undefined;
  }
  await deps.index.markSourceDeleted({ recordFileIds: [file.recordFileId] }, deps.now(), 'archive');
  totals.filesDeleted += 1;
  totals.bytesFreed += bytes;
  logger.info('source cleanup: deleted at Tencent and recorded (deleted_by archive)', { ...ids, bytes, reason: answer.reason });
  return undefined;
}
