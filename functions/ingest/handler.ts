// Ingest function: SQS batch in, partial batch response out. Wiring only: each batch goes through
// shared/ingest/sqs-batch.ts (retries, DLQ at once for what cannot succeed) to the IngestService.
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { createHash } from 'node:crypto';
import { createDynamoClient, createS3Client, createSqsClient } from '../../shared/aws/clients.ts';
import { ingestSettings } from '../../shared/config/environment.ts';
import type { FunctionEnvironment, FunctionPlatform } from '../../shared/config/platform.ts';
import type { CopyProgress } from '../../shared/copy/artifact-copier.ts';
import type { IngestService } from '../../shared/ingest/ingest-service.ts';
import { ingestMetricsOf } from '../../shared/ingest/ingest-metrics.ts';
import { ingestBatchHandler, type IngestBatchDeps } from '../../shared/ingest/sqs-batch.ts';
import { archiveIndexOf, buildIngestService } from '../../shared/ingest/wiring.ts';
import { ArchiveFailureEvents } from '../../shared/events/failure-events.ts';
import { buildArchiveEventOutbox, type ArchiveEventsPlatform } from '../../shared/events/wiring.ts';
import { lambdaEntry, observed } from '../../shared/observability/lambda-entry.ts';
import { createLogger } from '../../shared/observability/logger.ts';
import { createMetrics, METRIC_SERVICES } from '../../shared/observability/metrics.ts';
import { TencentMeetingClient } from '../../shared/tencent/client.ts';
import { confirmEventMarker } from '../../shared/webhook/dedupe.ts';
import { loadTencentConfig } from '../../shared/tencent/config.ts';

export interface IngestHandlerDeps extends Pick<IngestBatchDeps, 'deadlineMarginMs' | 'deadLetter' | 'failures' | 'maxReceiveCount' | 'confirmEventMarker'> {
  readonly service: IngestService;
  readonly logger?: Logger;
  /** Where the batch's own counts (messages, retries) go; the service is given its own view of it. */
  readonly metrics?: Metrics;
}

export type IngestHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

export function createIngestHandler(deps: IngestHandlerDeps): IngestHandler {
  const logger = deps.logger ?? createLogger('ingest');
  const metrics = deps.metrics ?? createMetrics(METRIC_SERVICES.ingest);
  return observed(ingestBatchHandler({ ...deps, logger, metrics: ingestMetricsOf(metrics) }), { logger, metrics });
}

/** What the local stack adds to the ingest function: limits of its own, not settings. */
export interface IngestPlatform extends FunctionPlatform, ArchiveEventsPlatform {
  /** How long a copy lease lasts: a little longer than the function timeout, as in AWS. */
  readonly leaseMs?: number;
  /** Progress of every copy (the local console's progress lines). */
  readonly onProgress?: (progress: CopyProgress) => void;
}

/** The ingest function from its environment: the Lambda entry and `npm start` both build it this way. */
export async function ingestFromEnvironment(env: FunctionEnvironment, platform: IngestPlatform = {}): Promise<IngestHandler> {
  const settings = ingestSettings(env);
  const logger = platform.logger ?? createLogger('ingest');
  const tencent = new TencentMeetingClient(await loadTencentConfig(env), {
    userAgent: 'tencent-meeting-archive/ingest',
    queryRecordType: settings.queryRecordType,
    onOperatorForm: (found) => logger.info('Tencent operator form found', { ...found }),
  });
  const clients = {
    dynamo: platform.clients?.dynamo ?? createDynamoClient({}, env),
    s3: platform.clients?.s3 ?? createS3Client({}, env),
    sqs: platform.clients?.sqs ?? createSqsClient({}, env),
  };
  const metrics = platform.metrics ?? createMetrics(METRIC_SERVICES.ingest);
  const outbox = buildArchiveEventOutbox({ ...platform, dynamo: clients.dynamo, tableName: settings.tableName, target: settings.events, logger, metrics, env });
  const service = buildIngestService({
    outbox,
    clients,
    tableName: settings.tableName,
    bucketName: settings.bucketName,
    queueUrl: settings.queueUrl,
    tencent,
    deletionPolicy: settings.deletionPolicy,
    downloadPolicy: settings.downloadPolicy,
    copy: {
      partSizeBytes: settings.partSizeBytes,
      concurrency: settings.connections,
      spreadPartsOverConnections: true,
      ...(settings.maxPartSizeBytes !== undefined ? { maxPartSizeBytes: settings.maxPartSizeBytes } : {}),
    },
    logger,
    metrics: ingestMetricsOf(metrics),
    ...(platform.onProgress ? { onProgress: platform.onProgress } : {}),
    ...(platform.leaseMs !== undefined ? { leaseMs: platform.leaseMs } : {}),
  });
  const deadLetter = settings.deadLetterQueueUrl ? { deadLetter: { sqs: clients.sqs, queueUrl: settings.deadLetterQueueUrl } } : {};
  const failures = new ArchiveFailureEvents({ index: archiveIndexOf({ clients, tableName: settings.tableName, outbox }), outbox });
  const maxReceiveCount = settings.maxReceiveCount !== undefined ? { maxReceiveCount: settings.maxReceiveCount } : {};
  const confirmEvent = (eventId: string) => confirmEventMarker(clients.dynamo, settings.tableName, eventId);
  return createIngestHandler({ service, logger, metrics, failures, confirmEventMarker: confirmEvent, ...maxReceiveCount, ...deadLetter });
}

/** A fingerprint of the Tencent credentials (read through a 5-minute cache): a rotated SecretKey rebuilds the handler on a warm worker. */
async function tencentConfigVersion(): Promise<string> {
  return createHash('sha256').update(JSON.stringify(await loadTencentConfig(process.env))).digest('hex');
}

export const handler: IngestHandler = lambdaEntry({ build: () => ingestFromEnvironment(process.env), version: tencentConfigVersion });
