// The scheduled reconcile sweep (EventBridge Scheduler): lists the account's recordings of the last
// RECONCILE_WINDOW_HOURS through GET /v1/corp/records and enqueues every file the archive is
// missing, through the webhook's own queue and message. It spends the shared 10/min corp/records
// budget, and checkpoints when the budget or the invocation's time runs out; the next invocation
// continues there. Before the sweep, in its own share of the time, the source cleanup and expiry
// (SOURCE_CLEANUP_AFTER_DAYS, ARCHIVE_EXPIRE_AFTER_DAYS; off by default) run: shared/reconcile/
// source-cleanup.ts. Wiring only: the run is shared/reconcile/reconcile-run.ts.
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { createDynamoClient, createS3Client, createSqsClient } from '../../shared/aws/clients.ts';
import { reconcileSettings } from '../../shared/config/environment.ts';
import type { FunctionEnvironment, FunctionPlatform } from '../../shared/config/platform.ts';
import { lambdaEntry, observed } from '../../shared/observability/lambda-entry.ts';
import { createLogger } from '../../shared/observability/logger.ts';
import { createMetrics, METRIC_SERVICES } from '../../shared/observability/metrics.ts';
import { runReconcile, type ReconcileResult, type ReconcileRunDeps } from '../../shared/reconcile/reconcile-run.ts';
import { loadTencentConfig } from '../../shared/tencent/config.ts';
import { buildArchiveEventOutbox, type ArchiveEventsPlatform } from '../../shared/events/wiring.ts';

export type { ReconcileEvent, ReconcileResult } from '../../shared/reconcile/reconcile-run.ts';

export type ReconcileDeps = Omit<ReconcileRunDeps, 'logger' | 'metrics'> & { readonly logger?: Logger; readonly metrics?: Metrics };

export function createReconcileHandler(deps: ReconcileDeps) {
  const logger = deps.logger ?? createLogger('reconcile');
  const metrics = deps.metrics ?? createMetrics(METRIC_SERVICES.reconcile);
  return observed<unknown, ReconcileResult>((event, context) => runReconcile({ ...deps, logger, metrics }, event, context), { logger, metrics });
}

/** The sweep from its environment: the Lambda entry and `npm start` both build it this way. */
export async function reconcileFromEnvironment(env: FunctionEnvironment, platform: FunctionPlatform & ArchiveEventsPlatform = {}) {
  const settings = reconcileSettings(env);
  const dynamo = platform.clients?.dynamo ?? createDynamoClient({}, env);
  const logger = platform.logger ?? createLogger('reconcile');
  const metrics = platform.metrics ?? createMetrics(METRIC_SERVICES.reconcile);
  return createReconcileHandler({
    dynamo,
    outbox: buildArchiveEventOutbox({ ...platform, dynamo, tableName: settings.tableName, target: settings.events, logger, metrics, env }),
    sqs: platform.clients?.sqs ?? createSqsClient({}, env),
    tableName: settings.tableName,
    queueUrl: settings.queueUrl,
    // Cached for minutes by loadTencentConfig: a rotated secret applies without a cold start.
    tencent: () => loadTencentConfig(env),
    queryRecordType: settings.queryRecordType,
    ...(settings.windowHours !== undefined ? { windowHours: settings.windowHours } : {}),
    cleanup: { settings: settings.sourceCleanup, s3: platform.clients?.s3 ?? createS3Client({}, env) },
    logger,
    metrics,
  });
}

export const handler = lambdaEntry({ build: () => reconcileFromEnvironment(process.env) });
