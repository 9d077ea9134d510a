// `npm run backfill`: the reconcile sweep over a range the user chooses, of any length, against the
// local stack or a deployed one. Kept apart from the entry script (infra/local/backfill.ts) so the
// tests drive it in-process with their own clocks, clients and output streams.
import { readFileSync, existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { GetQueueUrlCommand } from '@aws-sdk/client-sqs';
import { createAwsClients, type AwsClients } from '../aws/clients.ts';
import { LOCAL_RESOURCE_NAMES } from '../archive/table-design.ts';
import { loadTencentConfig, type TencentConfig } from '../tencent/config.ts';
import { backfillCursorName, BACKFILL_USAGE, parseBackfillArgs, targetFromStackOutputs, UsageError, type BackfillArgs } from './backfill-args.ts';
import { LeaseHeldError, LeaseLostError } from './cursor.ts';
import { ProgressRenderer, summaryLine, type ProgressWriter } from './progress.ts';
import { createSweepDeps, type SweepWiring } from './sources.ts';
import { runSweep, type CorpRecordsSource, type SweepResult } from './sweep.ts';

/** What `npm start` leaves for tools that target the running local stack (all keys optional). */
export const LOCAL_STACK_FILE = join('.data', 'local-stack.json');

interface LocalStackFile {
  readonly dynamodbEndpoint?: string;
  readonly awsEndpoint?: string;
  readonly region?: string;
  readonly tableName?: string;
  readonly ingestQueueUrl?: string;
  /** TENCENT_MEETING_* of the simulator the local stack started. */
  readonly tencentEnv?: Record<string, string>;
}

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

interface ResolvedTarget {
  readonly clients: AwsClients;
  readonly tableName: string;
  readonly queueUrl: string;
  readonly description: string;
  readonly tencentEnv: Record<string, string>;
}

async function resolveTarget(args: BackfillArgs, io: BackfillIo, env: NodeJS.ProcessEnv, cwd: string): Promise<ResolvedTarget> {
  const t = args.target;
  let fromOutputs: { queueUrl?: string; table?: string; region?: string } = {};
  if (t.stackOutputs) {
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(join(cwd, t.stackOutputs), 'utf8'));
    } catch (error) {
      throw new UsageError(`--stack-outputs: cannot read ${t.stackOutputs} as JSON (${(error as Error).message})`);
    }
    fromOutputs = targetFromStackOutputs(json, t.stack);
  }
  const deployed = t.stackOutputs !== undefined || (t.queueUrl !== undefined && t.dynamodbEndpoint === undefined && t.awsEndpoint === undefined);
  if (deployed) {
    const queueUrl = t.queueUrl ?? fromOutputs.queueUrl;
    const tableName = t.table ?? fromOutputs.table;
    if (!queueUrl) throw new UsageError('the ingest queue is unknown: pass --queue-url, or --stack-outputs with an IngestQueueUrl output');
    if (!tableName) throw new UsageError('the archive table is unknown: pass --table, or --stack-outputs with a TableName output');
    const region = t.region ?? fromOutputs.region;
    const clients = io.clients ?? createAwsClients(region ? { region } : {}, env);
    return { clients, tableName, queueUrl, description: `deployed stack (table ${tableName})`, tencentEnv: {} };
  }

  const stackFile = join(cwd, LOCAL_STACK_FILE);
  const local: LocalStackFile = existsSync(stackFile) ? (JSON.parse(readFileSync(stackFile, 'utf8')) as LocalStackFile) : {};
  const dynamodbEndpoint = t.dynamodbEndpoint ?? local.dynamodbEndpoint ?? env.AWS_ENDPOINT_URL_DYNAMODB ?? 'http://127.0.0.1:8000';
  const awsEndpoint = t.awsEndpoint ?? local.awsEndpoint ?? env.AWS_ENDPOINT_URL_SQS ?? 'http://127.0.0.1:4566';
  const clients =
    io.clients ?? createAwsClients({ dynamodbEndpoint, awsEndpoint, forcePathStyle: true, region: t.region ?? local.region ?? 'us-east-1' }, env);
  const tableName = t.table ?? local.tableName ?? LOCAL_RESOURCE_NAMES.table;
  let queueUrl = t.queueUrl ?? local.ingestQueueUrl;
  if (!queueUrl) {
    try {
      queueUrl = (await clients.sqs.send(new GetQueueUrlCommand({ QueueName: LOCAL_RESOURCE_NAMES.ingestQueue }))).QueueUrl;
    } catch (error) {
      throw new Error(
        `the local stack is not reachable at ${awsEndpoint} (${(error as Error).name}): start it with \`npm start\`, ` +
          'or target a deployed stack with --stack-outputs / --queue-url and --table',
      );
    }
  }
  if (!queueUrl) throw new Error(`the local ingest queue ${LOCAL_RESOURCE_NAMES.ingestQueue} does not exist: start the local stack with \`npm start\``);
  return { clients, tableName, queueUrl, description: `local stack (${dynamodbEndpoint}, ${awsEndpoint})`, tencentEnv: local.tencentEnv ?? {} };
}

export async function runBackfill(argv: readonly string[], io: BackfillIo): Promise<BackfillOutcome> {
  const env = io.env ?? process.env;
  const cwd = io.cwd ?? process.cwd();
  const now = io.now ?? Date.now;
  const say = (text: string) => io.stdout.write(`${text}\n`);
  const fail = (text: string) => io.stderr.write(`backfill: ${text}\n`);

  let args: BackfillArgs;
  try {
    args = parseBackfillArgs(argv, now());
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    fail(error.message);
    io.stderr.write('Run with --help for usage.\n');
    return { exitCode: EXIT.usage };
  }
  if (args.help) {
    say(BACKFILL_USAGE);
    return { exitCode: EXIT.ok, args };
  }

  let target: ResolvedTarget;
  let tencent: TencentConfig | CorpRecordsSource;
  try {
    target = await resolveTarget(args, io, env, cwd);
    // Environment wins over the local stack's simulator, so the real API can be backfilled into the local archive.
    tencent = io.tencent ?? (await loadTencentConfig({ ...target.tencentEnv, ...env }));
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error));
    return { exitCode: error instanceof UsageError ? EXIT.usage : EXIT.failed, args };
  }

  const name = backfillCursorName(args);
  const owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const progress = new ProgressRenderer(io.stdout);
  const deps = createSweepDeps({
    dynamo: target.clients.dynamo,
    sqs: target.clients.sqs,
    tableName: target.tableName,
    queueUrl: target.queueUrl,
    tencent,
    now,
    ...(io.sleep ? { sleep: io.sleep } : {}),
    ...(io.budget ? { budget: io.budget } : {}),
    requeueAfterMs: args.requeueAfterHours * 3_600_000,
  });
  const range = `${new Date(args.startSec * 1000).toISOString()} – ${new Date(args.endSec * 1000).toISOString()}`;
  progress.message(`${args.dryRun ? 'Dry run: counting' : 'Backfilling'} ${range} into the ${target.description}`);

  try {
    const result = await runSweep(deps, {
      name,
      owner,
      plan: () => ({ startSec: args.startSec, endSec: args.endSec }),
      whenComplete: args.restart ? 'restart' : 'done',
      reason: 'backfill',
      dryRun: args.dryRun,
      // Renewed at every page; a killed process blocks a rerun only this long.
      leaseMs: 3 * 60_000,
      // A command may wait for the budget as long as it takes; it shares it fairly with the schedule.
      maxWaitMs: () => Number.POSITIVE_INFINITY,
      shouldStop: () => (io.signal?.aborted ? 'aborted' : undefined),
      onProgress: (p) => progress.update(p),
    });
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
