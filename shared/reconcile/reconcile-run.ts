// One scheduled reconcile invocation: parse what the schedule passed, plan the sliding window
// (RECONCILE_WINDOW_HOURS, reaching back over an outage up to the catch-up limit), run the sweep
// until it completes or the budget or the invocation's time runs out, and record what it did as
// metrics and one log line. functions/reconcile/handler.ts only wires this to Lambda.
import type { Context } from 'aws-lambda';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Logger } from '@aws-lambda-powertools/logger';
import * as z from '../validation/zod.ts';
import { DEFAULT_RECONCILE_WINDOW_HOURS, MAX_RECONCILE_WINDOW_HOURS, type QueryRecordType } from '../config/environment.ts';
import { MetricUnit, type Metrics } from '../observability/metrics.ts';
import type { TencentConfig } from '../tencent/config.ts';
import { LeaseHeldError, type SweepTotals } from './cursor.ts';
import type { ArchiveEventOutbox } from '../events/outbox.ts';
import { runCleanupStep, type CleanupWiring } from './cleanup-step.ts';
import { createSweepDeps, type SweepWiring } from './sources.ts';
import { runSweep, slidingPlan, type CorpRecordsSource, type StopReason } from './sweep.ts';

export const RECONCILE_CURSOR_NAME = 'sweep';

/** Every metric a sweep publishes (service `reconcile`), as the dashboard reads them. */
export const RECONCILE_METRIC_NAMES = {
  corpRecordsPages: 'CorpRecordsPages',
  meetingsFound: 'MeetingsFound',
  filesFound: 'FilesFound',
  bytesFound: 'BytesFound',
  filesAlreadyArchived: 'FilesAlreadyArchived',
  filesEnqueued: 'FilesEnqueued',
  bytesEnqueued: 'BytesEnqueued',
  sweepsCompleted: 'SweepsCompleted',
  sweepsPaused: 'SweepsPaused',
  sweepsSkipped: 'SweepsSkipped',
} as const;
const M = RECONCILE_METRIC_NAMES;
/** After an outage the next sweep reaches back over the gap, but never further than this. */
export const DEFAULT_MAX_CATCH_UP_HOURS = 7 * 24;

/** What the schedule may pass (all optional; the scheduler's default payload is `{}`). */
const ReconcileEvent = z.looseObject({
  windowHours: z.optional(z.number().check(z.positive(), z.maximum(MAX_RECONCILE_WINDOW_HOURS))),
  dryRun: z.optional(z.boolean()),
});

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

export interface ReconcileRunDeps {
  readonly dynamo: DynamoDBDocumentClient;
  readonly sqs: SQSClient;
  readonly tableName: string;
  readonly queueUrl: string;
  /** Tencent credentials (the real client is built from them) or any corp/records source; resolved per invocation. */
  readonly tencent: () => Promise<TencentConfig | CorpRecordsSource>;
  readonly windowHours?: number;
  /** query_record_type of the corp/records calls; default 0 (all). */
  readonly queryRecordType?: QueryRecordType;
  readonly maxCatchUpHours?: number;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly budget?: SweepWiring['budget'];
  readonly requeueAfterMs?: number;
  /** Time kept in reserve before Lambda's deadline to save the cursor and flush metrics. */
  readonly reserveMs?: number;
  /** Source cleanup and expiry (off unless their days are set); they run before the sweep, in their own share of the time. */
  readonly cleanup?: CleanupWiring;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** Publishes archive events their writers left pending (shared/events/outbox.ts), before each sweep. */
  readonly outbox?: Pick<ArchiveEventOutbox, 'republishPending' | 'dispatch'>;
  /** Pending events younger than this are left to their writer. @default DEFAULT_REPUBLISH_MIN_AGE_MS (5 min) */
  readonly republishMinAgeMs?: number;
}

/** Publishes what the outbox holds; a failure here must not cost the sweep its run. */
async function republishPendingEvents(deps: ReconcileRunDeps): Promise<void> {
  try {
    await deps.outbox?.republishPending(deps.republishMinAgeMs);
  } catch (error) {
    deps.logger.warn('pending archive events could not be republished; trying again next sweep', { error: error instanceof Error ? error.message : String(error) });
  }
}

export async function runReconcile(deps: ReconcileRunDeps, rawEvent: unknown, context: Context): Promise<ReconcileResult> {
  const { logger, metrics } = deps;
  const now = deps.now ?? Date.now;
  const reserveMs = deps.reserveMs ?? 30_000;
  const event = ReconcileEvent.parse(rawEvent ?? {});
  await republishPendingEvents(deps);
  const windowHours = event.windowHours ?? deps.windowHours ?? DEFAULT_RECONCILE_WINDOW_HOURS;
  const tencent = await deps.tencent();
  const remaining = () => context.getRemainingTimeInMillis();
  const outbox = deps.outbox;
  // Cleanup's and expiry's changes publish their events now, not at the next run's republish.
  const dispatchEvents = outbox ? { dispatchEvents: (events: Parameters<typeof outbox.dispatch>[0]) => outbox.dispatch(events) } : {};
  if (deps.cleanup) await runCleanupStep({ ...deps, cleanup: deps.cleanup, now, ...dispatchEvents }, tencent, context, reserveMs);
  const sweepDeps = createSweepDeps({
    dynamo: deps.dynamo,
    sqs: deps.sqs,
    tableName: deps.tableName,
    queueUrl: deps.queueUrl,
    tencent,
    ...(deps.queryRecordType !== undefined ? { queryRecordType: deps.queryRecordType } : {}),
    now,
    ...(deps.sleep ? { sleep: deps.sleep } : {}),
    ...(deps.budget ? { budget: deps.budget } : {}),
    ...(deps.requeueAfterMs !== undefined ? { requeueAfterMs: deps.requeueAfterMs } : {}),
    logger,
  });
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
    recordSweepMetrics(metrics, result.run);
    metrics.addMetric(result.status === 'complete' ? M.sweepsCompleted : M.sweepsPaused, MetricUnit.Count, 1);
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
    metrics.addMetric(M.sweepsSkipped, MetricUnit.Count, 1);
    return { status: 'skipped', stopReason: 'lease-held' };
  }
}

function recordSweepMetrics(metrics: Metrics, run: SweepTotals): void {
  metrics.addMetric(M.corpRecordsPages, MetricUnit.Count, run.pages);
  metrics.addMetric(M.meetingsFound, MetricUnit.Count, run.meetings);
  metrics.addMetric(M.filesFound, MetricUnit.Count, run.files);
  metrics.addMetric(M.bytesFound, MetricUnit.Bytes, run.bytes);
  metrics.addMetric(M.filesAlreadyArchived, MetricUnit.Count, run.filesArchived);
  metrics.addMetric(M.filesEnqueued, MetricUnit.Count, run.filesEnqueued);
  metrics.addMetric(M.bytesEnqueued, MetricUnit.Bytes, run.bytesEnqueued);
}
