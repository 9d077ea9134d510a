// `npm run backfill`: parses the arguments, finds the target stack and the Tencent credentials, runs
// the backfill (shared/reconcile/backfill.ts) and reports on the terminal with an exit code. Kept
// apart from the entry script (infra/local/backfill.ts) so the tests drive it in-process with their
// own clocks, clients and output streams.
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { AwsClients } from '../../../shared/aws/clients.ts';
import { queryRecordTypeSetting, type QueryRecordType } from '../../../shared/config/environment.ts';
import { loadTencentConfig, type TencentConfig } from '../../../shared/tencent/config.ts';
import { runBackfillSweep } from '../../../shared/reconcile/backfill.ts';
import { LeaseHeldError, LeaseLostError } from '../../../shared/reconcile/cursor.ts';
import type { SweepWiring } from '../../../shared/reconcile/sources.ts';
import type { CorpRecordsSource, SweepResult } from '../../../shared/reconcile/sweep.ts';
import { BACKFILL_USAGE, failureExit, parseBackfillArgs, usageExit, type BackfillArgs } from './args.ts';
import { ProgressRenderer, summaryLine, type ProgressWriter } from './progress.ts';
import { resolveTarget, type ResolvedTarget } from './target.ts';

export interface BackfillIo {
  readonly stdout: ProgressWriter;
  readonly stderr: { write(chunk: string): unknown };
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Aborting stops after the current page, with the cursor saved (Ctrl-C). */
  readonly signal?: AbortSignal;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  /** Tests: ready clients instead of ones built from the target flags. */
  readonly clients?: AwsClients;
  /** Tests: a source instead of the Tencent client from the environment. */
  readonly tencent?: TencentConfig | CorpRecordsSource;
  readonly budget?: SweepWiring['budget'];
}

export interface BackfillOutcome {
  readonly exitCode: number;
  readonly args?: BackfillArgs;
  readonly result?: SweepResult;
}

export const EXIT = { ok: 0, failed: 1, usage: 2, busy: 3, interrupted: 130 } as const;

export async function runBackfill(argv: readonly string[], io: BackfillIo): Promise<BackfillOutcome> {
  const env = io.env ?? process.env;
  const cwd = io.cwd ?? process.cwd();
  const now = io.now ?? Date.now;
  const say = (text: string) => io.stdout.write(`${text}\n`);

  let args: BackfillArgs;
  try {
    args = parseBackfillArgs(argv, now());
  } catch (error) {
    return { exitCode: usageExit(error, 'backfill', io.stderr) };
  }
  if (args.help) {
    say(BACKFILL_USAGE);
    return { exitCode: EXIT.ok, args };
  }

  let target: ResolvedTarget;
  let tencent: TencentConfig | CorpRecordsSource;
  let queryRecordType: QueryRecordType;
  try {
    queryRecordType = queryRecordTypeSetting(env);
    target = await resolveTarget(args.target, env, cwd, io.clients);
    // Environment wins over the local stack's simulator, so the real API can be backfilled into the local archive.
    tencent = io.tencent ?? (await loadTencentConfig({ ...target.tencentEnv, ...env }));
  } catch (error) {
    return { exitCode: failureExit(error, 'backfill', io.stderr), args };
  }

  const progress = new ProgressRenderer(io.stdout);
  const range = `${new Date(args.startSec * 1000).toISOString()} – ${new Date(args.endSec * 1000).toISOString()}`;
  progress.message(`${args.dryRun ? 'Dry run: counting' : 'Backfilling'} ${range} into the ${target.description}`);

  try {
    const result = await runBackfillSweep(
      {
        dynamo: target.clients.dynamo,
        sqs: target.clients.sqs,
        tableName: target.tableName,
        queueUrl: target.queueUrl,
        tencent,
        now,
        ...(io.sleep ? { sleep: io.sleep } : {}),
        ...(io.budget ? { budget: io.budget } : {}),
        requeueAfterMs: args.requeueAfterHours * 3_600_000,
        queryRecordType,
      },
      {
        range: args,
        dryRun: args.dryRun,
        restart: args.restart,
        owner: `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`,
        shouldStop: () => (io.signal?.aborted ? 'aborted' : undefined),
        onProgress: (p) => progress.update(p),
      },
    );
    const totals = result.cursor.totals;
    if (result.alreadyComplete) {
      progress.message(`This range was already backfilled (${new Date(result.cursor.completedAtMs ?? 0).toISOString()}): ${summaryLine(totals, false)}`);
      progress.message('Nothing was enqueued. Use --restart to walk it again (archived and recently enqueued files are still skipped).');
      return { exitCode: EXIT.ok, args, result };
    }
    if (result.status === 'paused') {
      progress.message(`Stopped (${result.stopReason}) after ${summaryLine(totals, args.dryRun)}`);
      if (!args.dryRun) progress.message('Run the same command again to continue where it stopped.');
      return { exitCode: result.stopReason === 'aborted' ? EXIT.interrupted : EXIT.failed, args, result };
    }
    progress.message(`${args.dryRun ? 'Dry run complete' : 'Backfill complete'}: ${summaryLine(args.dryRun ? result.run : totals, args.dryRun)}`);
    return { exitCode: EXIT.ok, args, result };
  } catch (error) {
    if (error instanceof LeaseHeldError) {
      progress.message(`backfill: another run of this range is in progress (${error.owner}); its lease ends ${new Date(error.leaseUntilMs).toISOString()}`);
      return { exitCode: EXIT.busy, args };
    }
    if (error instanceof LeaseLostError) {
      progress.message(`backfill: ${error.message}`);
      return { exitCode: EXIT.busy, args };
    }
    progress.message(`backfill: failed: ${error instanceof Error ? error.message : String(error)}`);
    progress.message('Progress up to the last completed page is saved: run the same command again to continue.');
    return { exitCode: EXIT.failed, args };
  }
}
