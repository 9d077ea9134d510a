// Builds the ingest worker from its parts. The Lambda builds it from the environment; the local
// stack and the tests pass their own clients, names and Tencent client.
import type { Logger } from '@aws-lambda-powertools/logger';
import { ArchiveIndex } from '../archive/archive-index.ts';
import { RESOURCE_ENV } from '../archive/table-design.ts';
import { createAwsClients, type AwsClients } from '../aws/clients.ts';
import { createCopyArtifactFn, createCopyStateDiscarder, type CopyProgress, type CopySettings } from '../copy/artifact-copier.ts';
import { deleteObject } from '../copy/s3-objects.ts';
import { ValidationError } from '../errors.ts';
import { createLogger } from '../observability/logger.ts';
import { TencentMeetingClient } from '../tencent/client.ts';
import { loadTencentConfig, type TencentConfig } from '../tencent/config.ts';
import { CopyLeases } from './copy-lease.ts';
import { IngestService, type DeletionPolicy, type IngestServiceDeps } from './ingest-service.ts';
import { StsTokenStore } from '../tencent/sts-token-store.ts';

export interface IngestWiring {
  readonly clients: AwsClients;
  readonly tableName: string;
  readonly bucketName: string;
  readonly queueUrl: string;
  readonly tencent: TencentMeetingClient;
  readonly deletionPolicy?: DeletionPolicy;
  readonly copy?: CopySettings;
  readonly logger?: Logger;
  readonly onProgress?: (progress: CopyProgress) => void;
  readonly leaseMs?: number;
  readonly deferSeconds?: IngestServiceDeps['deferSeconds'];
}

export function buildIngestService(wiring: IngestWiring): IngestService {
  const logger = wiring.logger ?? createLogger('ingest');
  const { dynamo, s3, sqs } = wiring.clients;
  return new IngestService({
    tencent: wiring.tencent,
    index: new ArchiveIndex({ dynamo, tableName: wiring.tableName }),
    leases: new CopyLeases(dynamo, wiring.tableName),
    stsTokens: new StsTokenStore(dynamo, wiring.tableName),
    copyArtifact: createCopyArtifactFn({ ...wiring, logger }),
    discardCopyState: createCopyStateDiscarder(wiring),
    deleteArchivedObject: (bucket, key) => deleteObject(s3, bucket, key),
    sqs,
    queueUrl: wiring.queueUrl,
    deletionPolicy: wiring.deletionPolicy ?? 'retain',
    logger,
    ...(wiring.leaseMs !== undefined ? { leaseMs: wiring.leaseMs } : {}),
    ...(wiring.deferSeconds ? { deferSeconds: wiring.deferSeconds } : {}),
  });
}

export function requireEnv(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name]?.trim();
  if (!value) throw new ValidationError(`${name} is not set`, { variable: name });
  return value;
}

export function parseDeletionPolicy(value: string | undefined): DeletionPolicy {
  if (value === undefined || value === '' || value === 'retain') return 'retain';
  if (value === 'mirror') return 'mirror';
  throw new ValidationError(`DELETION_POLICY must be "retain" or "mirror", not "${value}"`, { variable: 'DELETION_POLICY' });
}

/** The Lambda's wiring: names from the stack's environment, credentials from Secrets Manager. */
export async function buildIngestFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  config?: TencentConfig,
): Promise<{ service: IngestService; deadLetter?: { sqs: AwsClients['sqs']; queueUrl: string } }> {
  const tencent = new TencentMeetingClient(config ?? (await loadTencentConfig(env)), { userAgent: 'tencent-meeting-archive/ingest' });
  const clients = createAwsClients({}, env);
  const deadLetterQueueUrl = env[RESOURCE_ENV.ingestDeadLetterQueueUrl]?.trim();
  const service = buildIngestService({
    clients,
    tableName: requireEnv(env, RESOURCE_ENV.table),
    bucketName: requireEnv(env, RESOURCE_ENV.bucket),
    queueUrl: requireEnv(env, RESOURCE_ENV.ingestQueueUrl),
    tencent,
    deletionPolicy: parseDeletionPolicy(env.DELETION_POLICY),
    ...(env.COPY_MAX_PART_SIZE_BYTES ? { copy: { maxPartSizeBytes: Number(env.COPY_MAX_PART_SIZE_BYTES) } } : {}),
  });
  return { service, ...(deadLetterQueueUrl ? { deadLetter: { sqs: clients.sqs, queueUrl: deadLetterQueueUrl } } : {}) };
}
