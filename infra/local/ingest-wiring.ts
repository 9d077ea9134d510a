// The ingest function as the local stack runs it: the real handler (functions/ingest) over the
// real IngestService and copy engine (shared/ingest/wiring.ts), bound to the emulators, with two
// local differences: S3 parts are capped at fauxqs's body limit, and copies report progress.
import type { Logger } from '@aws-lambda-powertools/logger';
import type { AwsClients } from '../../shared/aws/clients.ts';
import { buildIngestService } from '../../shared/ingest/wiring.ts';
import { TencentMeetingClient } from '../../shared/tencent/client.ts';
import type { TencentConfig } from '../../shared/tencent/config.ts';
import { createIngestHandler } from '../../functions/ingest/handler.ts';
import { LOCAL_MAX_PART_BYTES } from './local-limits.ts';
import type { LocalResources } from './resources.ts';
import type { CopyProgress } from './progress.ts';
import type { SqsFunction } from './queue-poller.ts';

export interface LocalIngestOptions {
  readonly clients: AwsClients;
  readonly resources: LocalResources;
  readonly tencent: TencentConfig;
  readonly logger: Logger;
  readonly onProgress?: (progress: CopyProgress) => void;
  /** How long a copy lease lasts: a little longer than the function timeout, as in AWS. */
  readonly leaseMs?: number;
}

export function createLocalIngestHandler(options: LocalIngestOptions): SqsFunction {
  const { clients, resources, logger, onProgress } = options;
  const service = buildIngestService({
    clients,
    tableName: resources.tableName,
    bucketName: resources.bucketName,
    queueUrl: resources.ingestQueueUrl,
    tencent: new TencentMeetingClient(options.tencent, { userAgent: 'tencent-meeting-archive/local' }),
    // fauxqs refuses request bodies over 11 MiB.
    copy: { maxPartSizeBytes: LOCAL_MAX_PART_BYTES },
    logger,
    ...(onProgress
      ? { onProgress: (p: { recordFileId: string; artifact: string; bytesDone: number; totalBytes: number }) => onProgress({ copy: `${p.recordFileId}/${p.artifact}`, bytesDone: p.bytesDone, totalBytes: p.totalBytes }) }
      : {}),
    ...(options.leaseMs !== undefined ? { leaseMs: options.leaseMs } : {}),
  });
  return createIngestHandler({ service, logger, deadLetter: { sqs: clients.sqs, queueUrl: resources.ingestDeadLetterQueueUrl } });
}
