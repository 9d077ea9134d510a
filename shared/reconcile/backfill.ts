// A backfill: the reconcile sweep over a range the user chooses, of any length. What it plans (the
// range, once), what it does when the range was walked before, and how it shares the Tencent budget
// are decided here; the command that parses arguments, finds the target stack and draws progress
// lives in infra/local/backfill/.
import { createSweepDeps, type SweepWiring } from './sources.ts';
import { runSweep, type StopReason, type SweepProgress, type SweepResult } from './sweep.ts';

export interface BackfillRange {
  /** Inclusive range, unix seconds. */
  readonly startSec: number;
  readonly endSec: number;
  /** The range as the user gave it, normalised: names the cursor, so the same command resumes. */
  readonly fromLabel: string;
  readonly toLabel: string;
}

export interface BackfillRun {
  readonly range: BackfillRange;
  /** Count what would be enqueued; send nothing, save no cursor. */
  readonly dryRun: boolean;
  /** Walk a range again that an earlier run completed. */
  readonly restart: boolean;
  /** Who holds the cursor's lease while this run walks (host, process). */
  readonly owner: string;
  /** Checked before every page: stop with the cursor saved (Ctrl-C). */
  readonly shouldStop?: () => StopReason | undefined;
  readonly onProgress?: (progress: SweepProgress) => void;
}

/** Renewed at every page; a killed run blocks a rerun of its range only this long. */
const BACKFILL_LEASE_MS = 3 * 60_000;

export function backfillCursorName(range: Pick<BackfillRange, 'fromLabel' | 'toLabel'>): string {
  return `backfill:${range.fromLabel}:${range.toLabel}`;
}

/** Walks the range once (resuming its cursor), enqueueing every listed file the archive does not hold yet. */
export async function runBackfillSweep(wiring: SweepWiring, run: BackfillRun): Promise<SweepResult> {
  return runSweep(createSweepDeps(wiring), {
    name: backfillCursorName(run.range),
    owner: run.owner,
    plan: () => ({ startSec: run.range.startSec, endSec: run.range.endSec }),
    whenComplete: run.restart ? 'restart' : 'done',
    reason: 'backfill',
    dryRun: run.dryRun,
    leaseMs: BACKFILL_LEASE_MS,
    // A command may wait for the budget as long as it takes; it shares it fairly with the schedule.
    maxWaitMs: () => Number.POSITIVE_INFINITY,
    ...(run.shouldStop ? { shouldStop: run.shouldStop } : {}),
    ...(run.onProgress ? { onProgress: run.onProgress } : {}),
  });
}
