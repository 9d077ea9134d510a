// The source cleanup and expiry step of a reconcile invocation: builds their dependencies from the
// function's own clients, gives them their share of the invocation's time (the sweep after them may
// wait minutes for corp/records grants), and records what they did as metrics. A failure here is
// logged and counted, and the sweep still runs: repairing the archive matters more than cleaning up.
import type { Context } from 'aws-lambda';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Logger } from '@aws-lambda-powertools/logger';
import { ArchiveIndex } from '../archive/archive-index.ts';
import { ArchiveMarks } from '../archive/archive-marks.ts';
import type { DispatchEvents } from '../archive/file-items.ts';
import type { SourceCleanupSettings } from '../config/environment.ts';
import { deleteEveryVersion } from '../copy/object-versions.ts';
import { MetricUnit, type Metrics } from '../observability/metrics.ts';
import { TencentMeetingClient } from '../tencent/client.ts';
import type { TencentConfig } from '../tencent/config.ts';
import { StsTokenStore } from '../tencent/sts-token-store.ts';
import { CleanupWalk } from './cleanup-walk.ts';
import { DynamoRateBudget, type DynamoRateBudgetOptions } from './shared-budget.ts';
import { RECORDS_DELETE_BUDGET, RECORDS_DELETE_LIMIT_PER_MINUTE, runSourceCleanup, type CleanupResult } from './source-cleanup.ts';
import type { CorpRecordsSource } from './sweep.ts';

/** What source cleanup and expiry publish (reconcile service): the dashboard graphs these names. */
export const CLEANUP_METRIC_NAMES = {
  errors: 'SourceCleanupErrors',
  filesWouldDelete: 'SourceCleanupFilesWouldDelete',
  bytesWouldFree: 'SourceCleanupBytesWouldFree',
  filesDeleted: 'SourceCleanupFilesDeleted',
  bytesFreed: 'SourceCleanupBytesFreed',
  filesHeld: 'SourceCleanupFilesHeld',
  filesNotVerified: 'SourceCleanupFilesNotVerified',
  unconfirmed: 'SourceCleanupUnconfirmed',
  filesExpired: 'ArchiveFilesExpired',
  bytesExpired: 'ArchiveBytesExpired',
} as const;

export interface CleanupWiring {
  readonly settings: SourceCleanupSettings;
  /** For expiry's deletes (every version of an object). */
  readonly s3?: S3Client;
  /** The client for Tencent's DELETE when the reconcile source is not a TencentConfig (tests). */
  readonly tencentClient?: TencentMeetingClient;
  readonly budget?: Partial<Omit<DynamoRateBudgetOptions, 'dynamo' | 'tableName' | 'name'>>;
  /** Share of the invocation's remaining time the step may use. @default 1/3 */
  readonly timeShare?: number;
  readonly maxMeetings?: number;
}

export interface CleanupStepDeps {
  readonly dynamo: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly cleanup: CleanupWiring;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly now: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  /** Publishes the archive events of the index writes (shared/events/outbox.ts). */
  readonly dispatchEvents?: DispatchEvents;
}

export async function runCleanupStep(deps: CleanupStepDeps, tencent: TencentConfig | CorpRecordsSource, context: Context, reserveMs: number): Promise<CleanupResult | undefined> {
  const { settings } = deps.cleanup;
  if (settings.afterDays <= 0 && settings.expireAfterDays <= 0) return undefined;
  const { dynamo, tableName, logger, metrics, now } = deps;
  const remaining = () => context.getRemainingTimeInMillis();
  const deadline = now() + Math.max(0, (remaining() - reserveMs) * (deps.cleanup.timeShare ?? 1 / 3));
  // Signed with the real clock: Tencent refuses a timestamp 5 minutes off, whatever `now` plays.
  const client = deps.cleanup.tencentClient ?? ('listCorpRecordsPage' in tencent ? undefined : new TencentMeetingClient(tencent));
  const s3 = deps.cleanup.s3;
  try {
    const result = await runSourceCleanup(
      {
        index: new ArchiveIndex({ dynamo, tableName, now: () => new Date(now()), ...(deps.dispatchEvents ? { dispatchEvents: deps.dispatchEvents } : {}) }),
        marks: new ArchiveMarks({ dynamo, tableName, now: () => new Date(now()) }),
        walk: new CleanupWalk({ dynamo, tableName, now }),
        ...(client ? { tencent: client } : {}),
        stsTokens: new StsTokenStore(dynamo, tableName, now),
        budget: new DynamoRateBudget({ dynamo, tableName, now, name: RECORDS_DELETE_BUDGET, limit: RECORDS_DELETE_LIMIT_PER_MINUTE, ...deps.cleanup.budget }),
        deleteArchivedObject: (bucket, key) => {
          if (!s3) throw new Error('archive expiry needs an S3 client');
          return deleteEveryVersion(s3, bucket, key);
        },
        logger,
        now,
        ...(deps.sleep ? { sleep: deps.sleep } : {}),
      },
      settings,
      {
        owner: context.awsRequestId,
        leaseMs: remaining() + 60_000,
        shouldStop: () => now() >= deadline || remaining() < reserveMs,
        maxWaitMs: () => Math.min(deadline - now(), remaining() - reserveMs),
        ...(deps.cleanup.maxMeetings !== undefined ? { maxMeetings: deps.cleanup.maxMeetings } : {}),
      },
    );
    recordCleanupMetrics(metrics, result, settings.dryRun);
    return result;
  } catch (error) {
    metrics.addMetric(CLEANUP_METRIC_NAMES.errors, MetricUnit.Count, 1);
    logger.error('source cleanup failed; the sweep runs anyway', { error: error as Error });
    return undefined;
  }
}

function recordCleanupMetrics(metrics: Metrics, result: CleanupResult, dryRun: boolean): void {
  const t = result.totals;
  if (dryRun) {
    metrics.addMetric(CLEANUP_METRIC_NAMES.filesWouldDelete, MetricUnit.Count, t.filesWouldDelete);
    metrics.addMetric(CLEANUP_METRIC_NAMES.bytesWouldFree, MetricUnit.Bytes, t.bytesWouldFree);
  } else {
    metrics.addMetric(CLEANUP_METRIC_NAMES.filesDeleted, MetricUnit.Count, t.filesDeleted);
    metrics.addMetric(CLEANUP_METRIC_NAMES.bytesFreed, MetricUnit.Bytes, t.bytesFreed);
  }
  metrics.addMetric(CLEANUP_METRIC_NAMES.filesHeld, MetricUnit.Count, t.filesHeld);
  metrics.addMetric(CLEANUP_METRIC_NAMES.filesNotVerified, MetricUnit.Count, t.filesNotVerified);
  metrics.addMetric(CLEANUP_METRIC_NAMES.unconfirmed, MetricUnit.Count, t.filesUnconfirmed + t.filesFailed);
  metrics.addMetric(CLEANUP_METRIC_NAMES.filesExpired, MetricUnit.Count, t.filesExpired);
  metrics.addMetric(CLEANUP_METRIC_NAMES.bytesExpired, MetricUnit.Bytes, t.bytesExpired);
}
