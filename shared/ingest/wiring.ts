// Builds the ingest worker from its parts. functions/ingest/handler.ts (ingestFromEnvironment) gives
// it the settings from the environment, for the Lambda and the local stack alike; tests pass their
// own clients, names and Tencent client.
import type { Logger } from '@aws-lambda-powertools/logger';
import { ArchiveIndex } from '../archive/archive-index.ts';
import type { AwsClients } from '../aws/clients.ts';
import type { DeletionPolicy } from '../config/environment.ts';
import { createCopyArtifactFn, createCopyStateDiscarder, type CopyProgress, type CopySettings } from '../copy/artifact-copier.ts';
import type { DownloadPolicy } from '../copy/download-policy.ts';
import { deleteEveryVersion } from '../copy/object-versions.ts';
import { artifactObjectKey } from '../copy/s3-keys.ts';
import { createLogger } from '../observability/logger.ts';
import type { TencentMeetingClient } from '../tencent/client.ts';
import { CopyLeases } from './copy-lease.ts';
import { createSourceSizer } from './legacy-artifacts.ts';
import { IngestService, type IngestServiceDeps } from './ingest-service.ts';
import { UNCOUNTED, type IngestMetrics } from './ingest-metrics.ts';
import { StsTokenStore } from '../tencent/sts-token-store.ts';
import type { ArchiveEventOutbox } from '../events/outbox.ts';

/** The worker's index: every file change it writes records its archive events, dispatched through the outbox. */
export function archiveIndexOf(wiring: Pick<IngestWiring, 'clients' | 'tableName' | 'outbox'>): ArchiveIndex {
  const outbox = wiring.outbox;
  return new ArchiveIndex({ dynamo: wiring.clients.dynamo, tableName: wiring.tableName, ...(outbox ? { dispatchEvents: (events) => outbox.dispatch(events) } : {}) });
}

export interface IngestWiring {
  readonly clients: AwsClients;
  readonly tableName: string;
  readonly bucketName: string;
  readonly queueUrl: string;
  readonly tencent: TencentMeetingClient;
  readonly deletionPolicy?: DeletionPolicy;
  readonly copy?: CopySettings;
  /** What a download link may point at. @default STRICT_DOWNLOAD_POLICY */
  readonly downloadPolicy?: DownloadPolicy;
  readonly logger?: Logger;
  /** Without it the worker counts nothing (tests that do not look at metrics). */
  readonly metrics?: IngestMetrics;
  readonly onProgress?: (progress: CopyProgress) => void;
  readonly leaseMs?: number;
  readonly deferSeconds?: IngestServiceDeps['deferSeconds'];
  readonly continuationLimits?: IngestServiceDeps['continuationLimits'];
  /** Records and publishes the archive events of every file change (shared/events/outbox.ts). */
  readonly outbox?: Pick<ArchiveEventOutbox, 'dispatch'>;
}

export function buildIngestService(wiring: IngestWiring): IngestService {
  const logger = wiring.logger ?? createLogger('ingest');
  const { dynamo, s3, sqs } = wiring.clients;
  return new IngestService({
    tencent: wiring.tencent,
    index: archiveIndexOf(wiring),
    leases: new CopyLeases(dynamo, wiring.tableName),
    stsTokens: new StsTokenStore(dynamo, wiring.tableName),
    copyArtifact: createCopyArtifactFn({ ...wiring, logger }),
    discardCopyState: createCopyStateDiscarder(wiring),
    sourceBytes: createSourceSizer(wiring.downloadPolicy),
    deleteArchivedObject: (bucket, key) => deleteEveryVersion(s3, bucket, key),
    // The copy's own key (artifact-copier.ts): a copy that completed but was never indexed is there.
    objectLocationOf: (file, meeting, artifact) => ({
      bucket: wiring.bucketName,
      key: artifactObjectKey({
        recordStartTimeMs: file.recordStartTimeMs || meeting.mediaStartTimeMs,
        meetingId: file.meetingId,
        meetingRecordId: file.meetingRecordId,
        recordFileId: file.recordFileId,
        artifact: artifact.artifact,
        fileType: artifact.fileType,
      }),
    }),
    sqs,
    queueUrl: wiring.queueUrl,
    deletionPolicy: wiring.deletionPolicy ?? 'retain',
    logger,
    metrics: wiring.metrics ?? UNCOUNTED,
    ...(wiring.leaseMs !== undefined ? { leaseMs: wiring.leaseMs } : {}),
    ...(wiring.deferSeconds ? { deferSeconds: wiring.deferSeconds } : {}),
    ...(wiring.continuationLimits ? { continuationLimits: wiring.continuationLimits } : {}),
  });
}
