// Builds the ingest worker from its parts. The Lambda builds it from the environment; the local
// stack and the tests pass their own clients, names and Tencent client.
import type { Logger } from '@aws-lambda-powertools/logger';
import { AbortMultipartUploadCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { ArchiveIndex } from '../archive/archive-index.ts';
import { RESOURCE_ENV } from '../archive/table-design.ts';
import { createAwsClients, type AwsClients } from '../aws/clients.ts';
import { copyArtifact } from '../copy/copy-artifact.ts';
import { DynamoCheckpointStore, type CheckpointKey } from '../copy/checkpoint-store.ts';
import { artifactObjectKey, contentDisposition, contentTypeFor, downloadFileName } from '../copy/s3-keys.ts';
import { ValidationError } from '../errors.ts';
import { createLogger } from '../observability/logger.ts';
import { TencentMeetingClient } from '../tencent/client.ts';
import { loadTencentConfig, type TencentConfig } from '../tencent/config.ts';
import { CopyLeases } from './copy-lease.ts';
import { IngestService, type CopyArtifactFn, type DeletionPolicy, type IngestServiceDeps } from './ingest-service.ts';
import { StsTokenStore } from '../tencent/sts-token-store.ts';

export interface CopySettings {
  readonly partSizeBytes?: number;
  /** 10 MiB against fauxqs (its request bodies are capped at 11 MiB); unset in AWS. */
  readonly maxPartSizeBytes?: number;
  readonly concurrency?: number;
}

export interface CopyProgress {
  readonly recordFileId: string;
  readonly artifact: string;
  readonly bytesDone: number;
  readonly totalBytes: number;
}

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

/** The copy engine bound to one bucket, in the shape the ingest service asks for. */
export function createCopyArtifactFn(wiring: Pick<IngestWiring, 'clients' | 'tableName' | 'bucketName' | 'copy' | 'logger' | 'onProgress'>): CopyArtifactFn {
  const checkpoints = new DynamoCheckpointStore({ dynamo: wiring.clients.dynamo, tableName: wiring.tableName });
  return async (request) => {
    const { artifact } = request;
    const key = artifactObjectKey({
      recordStartTimeMs: request.recordStartTimeMs,
      meetingId: request.meetingId,
      meetingRecordId: request.meetingRecordId,
      recordFileId: request.recordFileId,
      artifact: artifact.artifact,
      fileType: artifact.fileType,
    });
    const contentType = contentTypeFor(artifact.fileType);
    const existing = await verifiedCopyInBucket(wiring, key, request.recordFileId, request.expectedBytes);
    if (existing) {
      await forgetCheckpoint(wiring, checkpoints, { recordFileId: request.recordFileId, artifact: artifact.artifact });
      return { status: 'archived', bucket: wiring.bucketName, key, contentType, ...existing };
    }
    const result = await copyArtifact({
      s3: wiring.clients.s3,
      bucket: wiring.bucketName,
      key,
      contentType,
      contentDisposition: contentDisposition(downloadFileName(request.subject, artifact.artifact, artifact.fileType)),
      metadata: { 'record-file-id': request.recordFileId, 'meeting-record-id': request.meetingRecordId, artifact: artifact.artifact },
      ...(request.expectedBytes !== undefined ? { expectedBytes: request.expectedBytes } : {}),
      resolveUrl: request.resolveUrl,
      checkpoints,
      checkpointKey: { recordFileId: request.recordFileId, artifact: artifact.artifact },
      ...(wiring.copy?.partSizeBytes ? { partSizeBytes: wiring.copy.partSizeBytes } : {}),
      ...(wiring.copy?.maxPartSizeBytes ? { maxPartSizeBytes: wiring.copy.maxPartSizeBytes } : {}),
      ...(wiring.copy?.concurrency ? { concurrency: wiring.copy.concurrency } : {}),
      deadline: request.deadline,
      ...(request.signal ? { signal: request.signal } : {}),
      ...(wiring.logger ? { logger: wiring.logger } : {}),
      ...(wiring.onProgress
        ? { onProgress: (bytesDone: number, totalBytes: number) => wiring.onProgress!({ recordFileId: request.recordFileId, artifact: artifact.artifact, bytesDone, totalBytes }) }
        : {}),
      context: { meetingId: request.meetingId, meetingRecordId: request.meetingRecordId, recordFileId: request.recordFileId, artifact: artifact.artifact },
    });
    if (result.status === 'incomplete') return { status: 'incomplete', bytesDone: result.bytesDone };
    return { status: 'archived', bucket: wiring.bucketName, key, contentType, bytes: result.bytes, checksum: result.checksum };
  };
}

/**
 * A copy that completed but whose index write was lost (a crash, a lost optimistic-write race) is
 * already in the bucket under its deterministic key. S3 only completes an upload whose part and
 * whole-object checksums and size verified, so an object of this file with the declared size is
 * that copy: index it instead of copying the file again. Only for artifacts of known size.
 */
async function verifiedCopyInBucket(
  wiring: Pick<IngestWiring, 'clients' | 'bucketName'>,
  key: string,
  recordFileId: string,
  expectedBytes: number | undefined,
): Promise<{ bytes: number; checksum: string } | undefined> {
  if (expectedBytes === undefined) return undefined;
  try {
    const head = await wiring.clients.s3.send(new HeadObjectCommand({ Bucket: wiring.bucketName, Key: key, ChecksumMode: 'ENABLED' }));
    if (head.ContentLength !== expectedBytes || head.Metadata?.['record-file-id'] !== recordFileId || !head.ChecksumCRC32) return undefined;
    return { bytes: expectedBytes, checksum: `CRC32:${head.ChecksumCRC32}` };
  } catch (error) {
    if ((error as { name?: string }).name === 'NotFound' || (error as { name?: string }).name === 'NoSuchKey') return undefined;
    throw error;
  }
}

/** The copy is done: a checkpoint left by an earlier attempt (and its upload, if any) goes. */
async function forgetCheckpoint(wiring: Pick<IngestWiring, 'clients' | 'bucketName'>, checkpoints: DynamoCheckpointStore, key: CheckpointKey): Promise<void> {
  const checkpoint = await checkpoints.load(key);
  if (!checkpoint) return;
  if (checkpoint.phase === 'uploading') {
    try {
      await wiring.clients.s3.send(new AbortMultipartUploadCommand({ Bucket: checkpoint.bucket, Key: checkpoint.key, UploadId: checkpoint.uploadId }));
    } catch (error) {
      if ((error as { name?: string }).name !== 'NoSuchUpload') throw error;
    }
  }
  await checkpoints.delete(key);
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
    discardCopyState: (recordFileId, artifact) =>
      forgetCheckpoint(wiring, new DynamoCheckpointStore({ dynamo, tableName: wiring.tableName }), { recordFileId, artifact }),
    s3,
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
