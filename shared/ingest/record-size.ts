// record_size is "文件大小（单位字节）" in the seeds and nothing more (open point #4): the copy takes
// its size from what the source serves (Content-Range total or Content-Length) and S3 verifies the
// CRC32 of those bytes. A record_size that differs is kept on the artifact (`expectedBytes` beside
// `bytes`, served as `record_size_skew`), logged and counted; it never fails the copy.
import type { Logger } from '@aws-lambda-powertools/logger';
import type { ArtifactRecord } from '../archive/model.ts';
import type { IngestMetrics } from './ingest-metrics.ts';

export function noteRecordSize(
  deps: { readonly logger: Logger; readonly metrics: IngestMetrics },
  ids: Record<string, string>,
  archived: ArtifactRecord,
): void {
  if (archived.expectedBytes === undefined || archived.bytes === undefined || archived.bytes === archived.expectedBytes) return;
  deps.metrics.recordSizeMismatch();
  deps.logger.warn('record_size differs from the bytes Tencent served; archived what it served', {
    ...ids,
    recordSize: archived.expectedBytes,
    bytes: archived.bytes,
    skew: archived.bytes - archived.expectedBytes,
  });
}
