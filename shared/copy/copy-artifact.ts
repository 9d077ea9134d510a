// The resumable, verified copy of one artifact from an HTTP source (a Tencent download link) into
// S3, with bounded memory.
//
// Why not @aws-sdk/lib-storage's Upload: it keeps the upload's state in memory and cannot resume
// (aws/aws-sdk-js#633), so a Lambda timeout or a killed worker would restart a multi-GB file from
// byte 0. Here each connection streams a run of parts over one ranged GET into reusable part
// buffers, each full buffer going out as an UploadPart while the connection reads on, and the
// upload id, parts and checksums are checkpointed in DynamoDB, so any later run continues from the
// first missing part. Memory is `(concurrency + 2) × partSize` buffers, whatever the file size.
//
// Integrity: each part carries its CRC32 (S3 rejects a part whose bytes do not match). The upload
// is created with ChecksumType FULL_OBJECT, so S3 also checks the whole object's CRC32 (computed
// here from the part CRCs with crc32_combine) and its size (MpuObjectSize) at completion. CRC32
// rather than CRC64NVME because Node computes CRC32 natively (zlib.crc32, GB/s) while CRC64NVME
// would need a JS implementation on the hot path, and because fauxqs (the local S3) implements
// CRC32/SHA checksums but not CRC64NVME. fauxqs ignores FULL_OBJECT and answers a COMPOSITE
// checksum; both forms are verified after completion. Anything that does not add up aborts the
// upload: a file is archived only when its bytes equal the declared size and S3 accepted them.
//
// The jobs live beside this file: multipart-copy.ts (the multipart upload), part-uploader.ts (the
// part loop, with segment-scheduler.ts, buffer-pool.ts and checkpoint-writer.ts), http-source.ts
// (the source's reads), s3-objects.ts (single S3 operations).
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { IntegrityError, TransientError, type ErrorContext } from '../errors.ts';
import { archivedResult, planFresh, type CopyRun } from './copy-state.ts';
import type { CopyArtifactOptions, CopyLogger, CopyResult } from './copy-types.ts';
import { crc32, crc32ToBase64 } from './crc32.ts';
import { HttpSource, RangeUnsupportedError } from './http-source.ts';
import { copyMultipart } from './multipart-copy.ts';
import type { PartPlan } from './part-plan.ts';
import { abortUpload, deleteObjectQuietly, headWithChecksum, verifyHead, withUnsignedPayload, wrapS3Error } from './s3-objects.ts';

const noopLogger: CopyLogger = { info: () => undefined, warn: () => undefined };

/** Copies one artifact; see the module comment. */
export async function copyArtifact(opts: CopyArtifactOptions): Promise<CopyResult> {
  const logger = opts.logger ?? noopLogger;
  const context: ErrorContext = {
    ...opts.context,
    recordFileId: opts.checkpointKey.recordFileId,
    artifact: opts.checkpointKey.artifact,
    bucket: opts.bucket,
    key: opts.key,
  };
  const source = new HttpSource({
    resolveUrl: opts.resolveUrl,
    ...(opts.fetchSource ? { fetch: opts.fetchSource } : {}),
    context,
    ...(opts.maxAttempts !== undefined ? { maxAttempts: opts.maxAttempts } : {}),
    ...(opts.retryBaseDelayMs !== undefined ? { retryBaseDelayMs: opts.retryBaseDelayMs } : {}),
    ...(opts.idleTimeoutMs !== undefined ? { idleTimeoutMs: opts.idleTimeoutMs } : {}),
    onRetry: (info) => logger.warn('source read retry', { ...context, ...info }),
  });
  const signal = opts.signal ?? new AbortController().signal;
  if (opts.expectedBytes !== undefined && (!Number.isSafeInteger(opts.expectedBytes) || opts.expectedBytes < 0)) {
    throw new IntegrityError(`invalid expected size ${opts.expectedBytes}`, context);
  }

  let checkpoint = await opts.checkpoints.load(opts.checkpointKey);
  if (
    checkpoint &&
    (checkpoint.bucket !== opts.bucket ||
      checkpoint.key !== opts.key ||
      (opts.expectedBytes !== undefined && checkpoint.totalBytes !== opts.expectedBytes))
  ) {
    // The file or its destination changed since the checkpoint: its parts are worthless.
    logger.warn('discarding a stale copy checkpoint', { ...context, staleUploadId: checkpoint.uploadId });
    await abortUpload(opts.s3, checkpoint.bucket, checkpoint.key, checkpoint.uploadId);
    await opts.checkpoints.delete(opts.checkpointKey);
    checkpoint = undefined;
  }

  let totalBytes = opts.expectedBytes ?? checkpoint?.totalBytes;
  if (totalBytes === undefined || totalBytes === 0) {
    const probed = await source.probe(signal);
    if (totalBytes !== undefined && probed.totalBytes !== totalBytes) {
      throw new IntegrityError(`source has ${probed.totalBytes} bytes, expected ${totalBytes}`, { ...context, sourceBytes: probed.totalBytes });
    }
    totalBytes = probed.totalBytes;
  }

  const plan: PartPlan = checkpoint
    ? { totalBytes, partSize: checkpoint.partSize, partCount: Math.max(1, Math.ceil(totalBytes / checkpoint.partSize)) }
    : planFresh(opts, totalBytes);

  const run: CopyRun = { opts, source, signal, context, logger };
  if (!checkpoint && totalBytes <= plan.partSize) return putWholeObject(run, totalBytes);
  return copyMultipart({ ...run, plan, checkpoint, restarted: false });
}

/** One PutObject: files that fit one part gain nothing from multipart and cannot be resumed anyway. */
async function putWholeObject(run: CopyRun, totalBytes: number): Promise<CopyResult> {
  const { opts, source, signal, context, logger } = run;
  const body = Buffer.allocUnsafe(totalBytes);
  try {
    await source.readRange(0, totalBytes, totalBytes, body, signal);
  } catch (error) {
    if (error instanceof RangeUnsupportedError) throw new TransientError('source ignored Range on a retry', context, { cause: error });
    if (signal.aborted) return { status: 'incomplete', bytesDone: 0, nextByte: 0, totalBytes };
    throw error;
  }
  const crc = crc32ToBase64(crc32(body));
  let put;
  try {
    put = await opts.s3.send(
      withUnsignedPayload(
        new PutObjectCommand({
          Bucket: opts.bucket,
          Key: opts.key,
          Body: body,
          ContentLength: totalBytes,
          ContentType: opts.contentType,
          ...(opts.contentDisposition ? { ContentDisposition: opts.contentDisposition } : {}),
          ...(opts.metadata ? { Metadata: opts.metadata } : {}),
          ChecksumCRC32: crc,
        }),
      ),
      { abortSignal: signal },
    );
  } catch (error) {
    if (signal.aborted) return { status: 'incomplete', bytesDone: 0, nextByte: 0, totalBytes };
    throw wrapS3Error(error, 'PutObject failed', context);
  }
  const head = await headWithChecksum(opts.s3, opts.bucket, opts.key);
  const verified = verifyHead(head, totalBytes, crc, crc, context);
  if (verified instanceof IntegrityError) {
    await deleteObjectQuietly(opts.s3, opts.bucket, opts.key);
    throw verified;
  }
  opts.onProgress?.(totalBytes, totalBytes);
  logger.info('artifact copied', { ...context, bytes: totalBytes, parts: 1 });
  return archivedResult(opts, { bytes: totalBytes, checksum: verified, etag: put.ETag ?? head.ETag ?? '', versionId: put.VersionId, parts: 1 });
}
