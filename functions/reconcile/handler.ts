// The scheduled reconcile sweep (EventBridge Scheduler): lists the account's recordings of the last
// RECONCILE_WINDOW_HOURS through GET /v1/corp/records and enqueues every file the archive is
// missing, through the webhook's own queue and message. It spends the shared 10/min corp/records
// budget, and checkpoints when the budget or the invocation's time runs out; the next invocation
// continues there.
import type { Context } from 'aws-lambda';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SQSClient } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import * as z from 'zod';
import { createDynamoClient, createSqsClient } from '../../shared/aws/clients.ts';
import { RESOURCE_ENV } from '../../shared/archive/table-design.ts';
import { createLogger } from '../../shared/observability/logger.ts';
import { loadTencentConfig, type TencentConfig } from '../../shared/tencent/config.ts';
import { LeaseHeldError, type SweepTotals } from '../../shared/reconcile/cursor.ts';
import { createSweepDeps, type SweepWiring } from '../../shared/reconcile/sources.ts';
import { runSweep, slidingPlan, type CorpRecordsSource, type StopReason } from '../../shared/reconcile/sweep.ts';

export const RECONCILE_CURSOR_NAME = 'sweep';
export const DEFAULT_WINDOW_HOURS = 48;
/** After an outage the next sweep reaches back over the gap, but never further than this. */
export const DEFAULT_MAX_CATCH_UP_HOURS = 7 * 24;
export const WINDOW_HOURS_ENV = 'RECONCILE_WINDOW_HOURS';

/** What the schedule may pass (all optional; the scheduler's default payload is `{}`). */
const ReconcileEvent = z
  .object({
    windowHours: z.number().positive().max(24 * 366).optional(),
    dryRun: z.boolean().optional(),
  })
  .passthrough();

export type ReconcileEvent = z.input<typeof ReconcileEvent>;

export interface ReconcileResult {
  readonly status: 'complete' | 'paused' | 'skipped';
  readonly stopReason?: StopReason | 'lease-held';
  readonly planStartSec?: number;
  readonly planEndSec?: number;
  /** What this invocation did. */
  readonly run?: SweepTotals;
  /** Running totals of the current plan across invocations. */
  readonly totals?: SweepTotals;
}

export interface ReconcileDeps {
  readonly dynamo: DynamoDBDocumentClient;
  readonly sqs: SQSClient;
  readonly tableName: string;
  readonly queueUrl: string;
  /** Tencent credentials (the real client is built from them) or any corp/records source; resolved per invocation. */
  readonly tencent: () => Promise<TencentConfig | CorpRecordsSource>;
  readonly windowHours?: number;
  readonly maxCatchUpHours?: number;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly budget?: SweepWiring['budget'];
  readonly requeueAfterMs?: number;
  /** Time kept in reserve before Lambda's deadline to save the cursor and flush metrics. */
  readonly reserveMs?: number;
  readonly logger?: Logger;
  readonly metrics?: Metrics;
}

export function createReconcileHandler(deps: ReconcileDeps) {
  const logger = deps.logger ?? createLogger('reconcile');
  const metrics = deps.metrics ?? new Metrics({ namespace: 'TencentMeetingArchive', serviceName: 'reconcile' });
  const now = deps.now ?? Date.now;
  const reserveMs = deps.reserveMs ?? 30_000;

  const reconcile = async (rawEvent: unknown, context: Context): Promise<ReconcileResult> => {
    const event = ReconcileEvent.parse(rawEvent ?? {});
    const windowHours = event.windowHours ?? deps.windowHours ?? DEFAULT_WINDOW_HOURS;
    const sweepDeps = createSweepDeps({
      dynamo: deps.dynamo,
      sqs: deps.sqs,
      tableName: deps.tableName,
      queueUrl: deps.queueUrl,
      tencent: await deps.tencent(),
      now,
      ...(deps.sleep ? { sleep: deps.sleep } : {}),
      ...(deps.budget ? { budget: deps.budget } : {}),
      ...(deps.requeueAfterMs !== undefined ? { requeueAfterMs: deps.requeueAfterMs } : {}),
      logger,
    });
    const remaining = () => context.getRemainingTimeInMillis();
    try {
      const result = await runSweep(sweepDeps, {
        name: RECONCILE_CURSOR_NAME,
        owner: context.awsRequestId,
        plan: slidingPlan(now(), windowHours, Math.max(windowHours, deps.maxCatchUpHours ?? DEFAULT_MAX_CATCH_UP_HOURS)),
        whenComplete: 'restart',
        reason: 'reconcile',
        dryRun: event.dryRun ?? false,
        // Outlives this invocation, so a crashed one blocks the next only until its own deadline.
        leaseMs: remaining() + 60_000,
        // Waiting for the next grant is cheaper than another invocation, while the time lasts.
        maxWaitMs: () => remaining() - reserveMs - 20_000,
        shouldStop: () => (remaining() < reserveMs ? 'time' : undefined),
      });
      record(metrics, result.run);
      metrics.addMetric(result.status === 'complete' ? 'SweepsCompleted' : 'SweepsPaused', MetricUnit.Count, 1);
      logger.info('reconcile sweep finished', {
        status: result.status,
        stopReason: result.stopReason,
        planStart: new Date(result.planStartSec * 1000).toISOString(),
        planEnd: new Date(result.planEndSec * 1000).toISOString(),
        run: result.run,
        totals: result.cursor.totals,
      });
      return {
        status: result.status,
        ...(result.stopReason ? { stopReason: result.stopReason } : {}),
        planStartSec: result.planStartSec,
        planEndSec: result.planEndSec,
        run: result.run,
        totals: result.cursor.totals,
      };
    } catch (error) {
      if (!(error instanceof LeaseHeldError)) throw error;
      // An earlier invocation is still sweeping (long budget waits): this one has nothing to add.
      logger.info('reconcile sweep skipped: another invocation holds the cursor', { owner: error.owner, leaseUntilMs: error.leaseUntilMs });
      metrics.addMetric('SweepsSkipped', MetricUnit.Count, 1);
      return { status: 'skipped', stopReason: 'lease-held' };
    }
  };

  return middy<unknown, ReconcileResult>(reconcile).use(injectLambdaContext(logger)).use(logMetrics(metrics));
}

function record(metrics: Metrics, run: SweepTotals): void {
  metrics.addMetric('CorpRecordsPages', MetricUnit.Count, run.pages);
  metrics.addMetric('MeetingsFound', MetricUnit.Count, run.meetings);
  metrics.addMetric('FilesFound', MetricUnit.Count, run.files);
  metrics.addMetric('BytesFound', MetricUnit.Bytes, run.bytes);
  metrics.addMetric('FilesAlreadyArchived', MetricUnit.Count, run.filesArchived);
  metrics.addMetric('FilesEnqueued', MetricUnit.Count, run.filesEnqueued);
  metrics.addMetric('BytesEnqueued', MetricUnit.Bytes, run.bytesEnqueued);
}

export function windowHoursFromEnv(env: NodeJS.ProcessEnv): number | undefined {
  const raw = env[WINDOW_HOURS_ENV]?.trim();
  if (!raw) return undefined;
  const hours = Number(raw);
  if (!Number.isFinite(hours) || hours <= 0) throw new Error(`${WINDOW_HOURS_ENV} must be a positive number of hours, got '${raw}'`);
  return hours;
}

let lambdaHandler: ReturnType<typeof createReconcileHandler> | undefined;

function buildFromEnv(env: NodeJS.ProcessEnv): ReturnType<typeof createReconcileHandler> {
  const tableName = env[RESOURCE_ENV.table];
  const queueUrl = env[RESOURCE_ENV.ingestQueueUrl];
  if (!tableName || !queueUrl) throw new Error(`${RESOURCE_ENV.table} and ${RESOURCE_ENV.ingestQueueUrl} must be set`);
  const dynamo = createDynamoClient({}, env);
  const sqs = createSqsClient({}, env);
  const windowHours = windowHoursFromEnv(env);
  return createReconcileHandler({
    dynamo,
    sqs,
    tableName,
    queueUrl,
    // Cached for minutes by loadTencentConfig: a rotated secret applies without a cold start.
    tencent: () => loadTencentConfig(env),
    ...(windowHours !== undefined ? { windowHours } : {}),
  });
}

/** The Lambda entry: dependencies are built on first use, from the environment. */
export async function handler(event: unknown, context: Context): Promise<ReconcileResult> {
  lambdaHandler ??= buildFromEnv(process.env);
  return lambdaHandler(event, context);
}
