// The sweep that repairs what webhooks missed: walk GET /v1/corp/records page by page over a plan
// (a time range, split into legal ≤31-day windows), and enqueue every listed file the archive does
// not hold yet. The scheduled reconcile and the backfill command are the same walk with different
// plans. Each page costs one call from the shared budget and ends with a checkpoint, so the walk
// can stop at any page (budget spent, invocation out of time, Ctrl-C) and continue there later.
import type { Logger } from '@aws-lambda-powertools/logger';
import { isMinuteRateLimited, rateLimitOf, TencentApiError } from '../tencent/errors.ts';
import { MAX_WINDOW_SECONDS, splitTimeRange, type TimeWindow } from '../tencent/time-windows.ts';
import { acquireWithin, type RateBudget } from './shared-budget.ts';
import { addTotals, emptyTotals, type CursorStore, type SweepCursor, type SweepTotals } from './cursor.ts';
import type { FileEnqueuer, FileToEnqueue } from './enqueue.ts';
import { isRetryable } from '../errors.ts';

export interface CorpRecordFile {
  readonly recordFileId: string;
  readonly recordSize: number;
}

export interface CorpRecordMeeting {
  readonly meetingRecordId: string;
  readonly meetingId: string;
  /** The creator (corp API `userid`): the worker's operator hint. */
  readonly userid?: string;
  readonly mediaStartTimeMs: number;
  /** 1 recording, 2 transcoding, 3 done: files are listed only at 3. */
  readonly state: number;
  readonly files: readonly CorpRecordFile[];
}

export interface CorpRecordsPage {
  readonly totalPages: number;
  readonly totalCount: number;
  readonly meetings: readonly CorpRecordMeeting[];
}

/** One GET /v1/corp/records call; exactly one HTTP request per call (the budget counts calls). */
export interface CorpRecordsSource {
  listCorpRecordsPage(window: TimeWindow, page: number, pageSize: number): Promise<CorpRecordsPage>;
}

/** The archive index, read-only: the sweep never writes index items. */
export interface ArchiveIndexReader {
  /** Ids of this meeting recording's files that are completely archived (one read per meeting). */
  archivedFileIds(meetingRecordId: string): Promise<ReadonlySet<string>>;
}

/** Structured logging (Powertools' Logger fits). */
export type SweepLogger = Pick<Logger, 'info' | 'warn'>;

export interface SweepProgress {
  readonly name: string;
  readonly windowIndex: number;
  readonly windowCount: number;
  readonly window: TimeWindow | undefined;
  /** Last page fetched in the current window, and how many it has. */
  readonly page: number;
  readonly totalPages: number;
  /** Totals of the whole plan so far (including earlier invocations). */
  readonly totals: SweepTotals;
  readonly dryRun: boolean;
}

export type StopReason = 'budget' | 'rate-limited' | 'time' | 'aborted';

export interface SweepResult {
  readonly status: 'complete' | 'paused';
  readonly stopReason?: StopReason;
  /** The plan was already complete before this call: nothing was fetched. */
  readonly alreadyComplete: boolean;
  readonly cursor: SweepCursor;
  /** What this call did (the cursor holds the plan's running totals). */
  readonly run: SweepTotals;
  readonly planStartSec: number;
  readonly planEndSec: number;
}

export interface SweepDeps {
  readonly source: CorpRecordsSource;
  readonly index: ArchiveIndexReader;
  readonly enqueuer: FileEnqueuer;
  readonly cursors: CursorStore;
  readonly budget: RateBudget;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly logger?: SweepLogger;
  /**
   * Tencent's per-minute "limit exceeded" as thrown by the source (default isMinuteRateLimited).
   * The daily quota (190311) is not waited out within a sweep; it surfaces as a failure instead.
   */
  readonly isRateLimited?: (error: unknown) => boolean;
}

export interface SweepOptions {
  /** Cursor name: 'sweep' for the schedule, `backfill:<from>:<to>` for a backfill. */
  readonly name: string;
  /** Who holds the lease (an invocation id, host:pid). */
  readonly owner: string;
  /** The range of a fresh plan, given the last plan (to cover a gap after an outage). */
  readonly plan: (previous: SweepCursor | undefined) => { startSec: number; endSec: number };
  /** A completed cursor: 'restart' starts a fresh plan (the schedule), 'done' reports it (a backfill). */
  readonly whenComplete: 'restart' | 'done';
  /** Message reason: 'reconcile' or 'backfill'. */
  readonly reason: string;
  /** Count and report, fetch pages, but enqueue nothing and save no cursor. */
  readonly dryRun?: boolean;
  readonly pageSize?: number;
  /** How long this call may wait for the budget right now (e.g. remaining Lambda time minus a margin). */
  readonly maxWaitMs?: () => number;
  /** Checked before every page: stop and checkpoint when true. */
  readonly shouldStop?: () => StopReason | undefined;
  readonly leaseMs?: number;
  /** Calls per page before a transient failure (5xx, network) is thrown; each one pays from the budget. */
  readonly maxPageAttempts?: number;
  /** Index lookups in flight at once. */
  readonly concurrency?: number;
  readonly onProgress?: (progress: SweepProgress) => void;
}

const CORP_RECORDS_MAX_PAGE_SIZE = 20;

/** Window length of cursors saved before the length was recorded on them. */
const LEGACY_WINDOW_SECONDS = 31 * 24 * 60 * 60;

/**
 * A running cursor saved with another window length (a deploy changed it mid-plan) resumes at page 1
 * of the new window that holds the old window's start: never past anything not yet listed.
 */
function reseated(cursor: SweepCursor): SweepCursor {
  const savedWindowSeconds = cursor.windowSeconds ?? LEGACY_WINDOW_SECONDS;
  if (savedWindowSeconds === MAX_WINDOW_SECONDS) return cursor;
  const resumeAtSec = Math.min(cursor.planEndSec, cursor.planStartSec + cursor.windowIndex * savedWindowSeconds);
  return {
    ...cursor,
    windowIndex: Math.floor((resumeAtSec - cursor.planStartSec) / MAX_WINDOW_SECONDS),
    page: 1,
    totalPages: 0,
    windowCount: splitTimeRange(cursor.planStartSec, cursor.planEndSec).length,
    windowSeconds: MAX_WINDOW_SECONDS,
  };
}

function isDailyQuota(error: unknown): boolean {
  return error instanceof TencentApiError && rateLimitOf(error.errorCode, error.httpStatus) === 'daily';
}

export async function runSweep(deps: SweepDeps, options: SweepOptions): Promise<SweepResult> {
  const now = deps.now ?? Date.now;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const isRateLimited = deps.isRateLimited ?? isMinuteRateLimited;
  const pageSize = options.pageSize ?? CORP_RECORDS_MAX_PAGE_SIZE;
  const maxPageAttempts = options.maxPageAttempts ?? 3;
  const leaseMs = options.leaseMs ?? 5 * 60_000;
  const dryRun = options.dryRun ?? false;
  const { name, owner } = options;

  // A dry run reads the saved cursor only to know the last plan; it takes no lease and saves nothing.
  const saved = dryRun ? await deps.cursors.get(name) : await deps.cursors.acquire(name, owner, leaseMs);
  try {
    let cursor: SweepCursor;
    if (!dryRun && saved && saved.status === 'running') {
      cursor = reseated(saved);
    } else if (!dryRun && saved && saved.status === 'complete' && options.whenComplete === 'done') {
      return { status: 'complete', alreadyComplete: true, cursor: saved, run: emptyTotals(), planStartSec: saved.planStartSec, planEndSec: saved.planEndSec };
    } else {
      const range = options.plan(saved);
      const t = now();
      cursor = {
        planStartSec: range.startSec,
        planEndSec: range.endSec,
        windowIndex: 0,
        page: 1,
        totalPages: 0,
        windowCount: splitTimeRange(range.startSec, range.endSec).length,
        windowSeconds: MAX_WINDOW_SECONDS,
        status: 'running',
        totals: emptyTotals(),
        startedAtMs: t,
        updatedAtMs: t,
        ...(saved?.lastCompletedPlanEndSec !== undefined ? { lastCompletedPlanEndSec: saved.lastCompletedPlanEndSec } : {}),
      };
      if (!dryRun) await deps.cursors.save(name, owner, cursor, leaseMs);
    }

    const windows = splitTimeRange(cursor.planStartSec, cursor.planEndSec);
    let run = emptyTotals();
    // Windows share their boundary second: a recording on it is listed twice within one plan.
    const seenFiles = new Set<string>();
    const seenMeetings = new Set<string>();
    const pause = (stopReason: StopReason): SweepResult => {
      deps.logger?.info('sweep paused', { sweep: name, stopReason, windowIndex: cursor.windowIndex, page: cursor.page, run });
      return { status: 'paused', stopReason, alreadyComplete: false, cursor, run, planStartSec: cursor.planStartSec, planEndSec: cursor.planEndSec };
    };

    while (cursor.windowIndex < windows.length) {
      const window = windows[cursor.windowIndex]!;
      const stop = options.shouldStop?.();
      if (stop) return pause(stop);

      const decision = await acquireWithin(deps.budget, options.maxWaitMs ?? (() => 0), sleep);
      if (!decision.granted) return pause('budget');

      let page: CorpRecordsPage | undefined;
      for (let attempt = 1; page === undefined; attempt += 1) {
        try {
          page = await deps.source.listCorpRecordsPage(window, cursor.page, pageSize);
        } catch (error) {
          if (isRateLimited(error)) {
            // Someone outside the budget (a person, another tool) spent the minute: every runner waits it out.
            await deps.budget.blockUntil(now() + 60_000);
            deps.logger?.warn('corp/records rate limit hit outside the shared budget', { sweep: name });
            return pause('rate-limited');
          }
          // The daily quota does not come back within a run: fail it now; the next run resumes at the cursor.
          if (!isRetryable(error) || isDailyQuota(error) || attempt >= maxPageAttempts) throw error;
          deps.logger?.warn('corp/records page failed; retrying', { sweep: name, attempt, error: String(error) });
          await sleep(Math.min(10_000, 1000 * 2 ** (attempt - 1)));
          // A retry is another call to Tencent: it pays from the shared budget like the first.
          const retryGrant = await acquireWithin(deps.budget, options.maxWaitMs ?? (() => 0), sleep);
          if (!retryGrant.granted) return pause('budget');
        }
      }

      const found = await examinePage(deps, options, window, page, seenFiles, seenMeetings, dryRun, options.concurrency ?? 8);
      run = addTotals(run, found);
      const lastPageOfWindow = cursor.page >= page.totalPages;
      const fetchedPage = cursor.page;
      cursor = {
        ...cursor,
        windowIndex: lastPageOfWindow ? cursor.windowIndex + 1 : cursor.windowIndex,
        page: lastPageOfWindow ? 1 : cursor.page + 1,
        totalPages: lastPageOfWindow ? 0 : page.totalPages,
        windowCount: windows.length,
        totals: addTotals(cursor.totals, found),
        updatedAtMs: now(),
      };
      if (cursor.windowIndex >= windows.length) {
        cursor = { ...cursor, status: 'complete', completedAtMs: now(), lastCompletedPlanEndSec: cursor.planEndSec };
      }
      if (!dryRun) await deps.cursors.save(name, owner, cursor, leaseMs);
      options.onProgress?.({
        name,
        windowIndex: lastPageOfWindow ? cursor.windowIndex - 1 : cursor.windowIndex,
        windowCount: windows.length,
        window,
        page: fetchedPage,
        totalPages: page.totalPages,
        totals: cursor.totals,
        dryRun,
      });
    }

    if (cursor.status !== 'complete') {
      cursor = { ...cursor, status: 'complete', completedAtMs: now(), lastCompletedPlanEndSec: cursor.planEndSec };
      if (!dryRun) await deps.cursors.save(name, owner, cursor, leaseMs);
    }
    deps.logger?.info('sweep complete', { sweep: name, dryRun, planStartSec: cursor.planStartSec, planEndSec: cursor.planEndSec, run, totals: cursor.totals });
    return { status: 'complete', alreadyComplete: false, cursor, run, planStartSec: cursor.planStartSec, planEndSec: cursor.planEndSec };
  } finally {
    if (!dryRun) await deps.cursors.release(name, owner);
  }
}

async function examinePage(
  deps: SweepDeps,
  options: SweepOptions,
  window: TimeWindow,
  page: CorpRecordsPage,
  seenFiles: Set<string>,
  seenMeetings: Set<string>,
  dryRun: boolean,
  concurrency: number,
): Promise<SweepTotals> {
  const totals = emptyTotals();
  totals.pages = 1;
  const candidates: FileToEnqueue[] = [];
  for (const meeting of page.meetings) {
    if (seenMeetings.has(meeting.meetingRecordId)) continue;
    seenMeetings.add(meeting.meetingRecordId);
    totals.meetings += 1;
    if (meeting.state !== 3) {
      // Files appear at state 3, and recording.completed (or the next sweep) brings them.
      totals.meetingsNotReady += 1;
      continue;
    }
    for (const file of meeting.files) {
      if (seenFiles.has(file.recordFileId)) continue;
      seenFiles.add(file.recordFileId);
      totals.files += 1;
      totals.bytes += file.recordSize;
      candidates.push({
        meetingId: meeting.meetingId,
        meetingRecordId: meeting.meetingRecordId,
        recordFileId: file.recordFileId,
        recordSize: file.recordSize,
        ...(meeting.userid ? { creatorUserId: meeting.userid } : {}),
        windowStartSec: window.startSec,
        windowEndSec: window.endSec,
      });
    }
  }

  const meetingIds = [...new Set(candidates.map((f) => f.meetingRecordId))];
  const archivedSets = await mapLimit(meetingIds, concurrency, (id) => deps.index.archivedFileIds(id));
  const archived = new Set(archivedSets.flatMap((set) => [...set]));
  const missing = candidates.filter((f) => !archived.has(f.recordFileId));
  totals.filesArchived = candidates.length - missing.length;
  const recent = await deps.enqueuer.recentlyEnqueued(missing.map((f) => f.recordFileId));
  const toSend = missing.filter((f) => !recent.has(f.recordFileId));
  totals.filesAlreadyEnqueued = missing.length - toSend.length;
  if (toSend.length > 0 && !dryRun) await deps.enqueuer.enqueue(toSend, options.reason);
  totals.filesEnqueued = toSend.length;
  totals.bytesEnqueued = toSend.reduce((sum, f) => sum + f.recordSize, 0);
  totals.meetingsEnqueued = new Set(toSend.map((f) => f.meetingRecordId)).size;
  return totals;
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** The schedule's plan: the last `windowHours`, reaching back over a gap since the last completed plan (bounded). */
export function slidingPlan(
  nowMs: number,
  windowHours: number,
  maxCatchUpHours: number,
): (previous: SweepCursor | undefined) => { startSec: number; endSec: number } {
  return (previous) => {
    const endSec = Math.floor(nowMs / 1000);
    const windowSec = Math.round(windowHours * 3600);
    let startSec = endSec - windowSec;
    if (previous?.lastCompletedPlanEndSec !== undefined) {
      // Overlap the previous plan by a whole window too: recordings finish transcoding hours after they start.
      startSec = Math.min(startSec, previous.lastCompletedPlanEndSec - windowSec);
    }
    return { startSec: Math.max(startSec, endSec - Math.round(maxCatchUpHours * 3600)), endSec };
  };
}
