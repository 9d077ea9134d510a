// The multipart path of a copy: create or resume the upload, upload the missing parts, complete it
// with the whole object's checksum and size, and verify what S3 stored.
import { CompleteMultipartUploadCommand, CreateMultipartUploadCommand, ListPartsCommand, type HeadObjectCommandOutput } from '@aws-sdk/client-s3';
import { ArchiveError, IntegrityError, TransientError } from '../errors.ts';
import type { CheckpointPart, CopyCheckpoint } from './checkpoint-store.ts';
import { archivedResult, planFresh, snapshot, sortedParts, sumBytes, type CopyRun, type UploadState } from './copy-state.ts';
import type { CopyResult } from './copy-types.ts';
import { compositeCrc32, fullObjectCrc32 } from './crc32.ts';
import { partRange, type PartPlan } from './part-plan.ts';
import { uploadMissingParts } from './part-uploader.ts';
import {
  abortUpload,
  deleteObjectQuietly,
  errorName,
  headWithChecksum,
  isNoSuchUpload,
  isNotFound,
  stripQuotes,
  verifyHead,
  wrapS3Error,
} from './s3-objects.ts';

export interface MultipartRun extends CopyRun {
  readonly plan: PartPlan;
  /** The earlier attempt's state, when this run resumes one. */
  readonly checkpoint: CopyCheckpoint | undefined;
  /** This run already started over once (the upload vanished): it does not again. */
  readonly restarted: boolean;
}

export async function copyMultipart(run: MultipartRun): Promise<CopyResult> {
  const { opts, source, plan, checkpoint, signal, context, logger, restarted } = run;
  const s3 = opts.s3;
  const state: UploadState = {
    opts,
    plan,
    checksumType: checkpoint?.checksumType ?? opts.checksumType ?? 'FULL_OBJECT',
    logger,
    context,
    uploadId: checkpoint?.uploadId ?? '',
    parts: new Map((checkpoint?.parts ?? []).map((p) => [p.partNumber, p])),
  };
  const startOver = () => copyMultipart({ ...run, plan: planFresh(opts, plan.totalBytes), checkpoint: undefined, restarted: true });

  if (checkpoint) {
    if (checkpoint.phase === 'completing') {
      // The last run sent CompleteMultipartUpload; it may have succeeded before the worker died.
      const done = await findCompletedObject(state);
      if (done) {
        await opts.checkpoints.delete(opts.checkpointKey);
        return done;
      }
    }
    const reconciled = await reconcileWithS3(state);
    if (reconciled === 'gone') {
      logger.warn('multipart upload is gone; starting over', { ...context, uploadId: checkpoint.uploadId });
      await opts.checkpoints.delete(opts.checkpointKey);
      return startOver();
    }
  } else {
    const created = await s3.send(
      new CreateMultipartUploadCommand({
        Bucket: opts.bucket,
        Key: opts.key,
        ContentType: opts.contentType,
        ...(opts.contentDisposition ? { ContentDisposition: opts.contentDisposition } : {}),
        ...(opts.metadata ? { Metadata: opts.metadata } : {}),
        ChecksumAlgorithm: 'CRC32',
        ChecksumType: state.checksumType,
      }),
    );
    if (!created.UploadId) throw new TransientError('CreateMultipartUpload returned no upload id', context);
    state.uploadId = created.UploadId;
    // Recorded before any part, so an upload is never orphaned without a trace.
    await opts.checkpoints.save(opts.checkpointKey, snapshot(state, 'uploading'));
  }
  const ctx = { ...context, uploadId: state.uploadId };
  const bytesAlready = sumBytes(state.parts);
  state.run = { startedAt: new Date().toISOString(), startBytes: bytesAlready };
  logger.info(checkpoint ? 'resuming copy' : 'starting copy', {
    ...ctx,
    totalBytes: plan.totalBytes,
    partSize: plan.partSize,
    partCount: plan.partCount,
    partsDone: state.parts.size,
    bytesDone: bytesAlready,
  });

  const outcome = await uploadMissingParts(state, source, signal);
  if (outcome.failure !== undefined) {
    const failure = outcome.failure;
    if (isNoSuchUpload(failure)) {
      // Aborted behind our back (lifecycle rule, operator, or an emulator without ListParts).
      await opts.checkpoints.delete(opts.checkpointKey).catch(() => undefined);
      if (!restarted && !signal.aborted) {
        logger.warn('multipart upload vanished mid-copy; starting over', ctx);
        return startOver();
      }
      throw new TransientError('multipart upload vanished mid-copy', ctx, { cause: failure });
    }
    if (failure instanceof IntegrityError) {
      await abortAndForget(state);
      throw failure;
    }
    // Keep what was done for the next attempt; the checkpoint store itself may be what failed. A
    // link answering 404/410 keeps its parts too: only Tencent can say the file is gone.
    await opts.checkpoints.save(opts.checkpointKey, snapshot(state, 'uploading')).catch(() => undefined);
    throw failure instanceof ArchiveError ? failure : wrapS3Error(failure, 'copy failed', ctx);
  }

  if (state.parts.size < plan.partCount) {
    const cp = snapshot(state, 'uploading');
    await opts.checkpoints.save(opts.checkpointKey, cp);
    logger.info('copy paused; continue later', { ...ctx, bytesDone: cp.bytesDone, nextByte: cp.nextByte, reason: signal.aborted ? 'aborted' : 'deadline' });
    return { status: 'incomplete', bytesDone: cp.bytesDone, nextByte: cp.nextByte, totalBytes: plan.totalBytes };
  }
  return complete(state, outcome.startedAt, bytesAlready);
}

/**
 * S3 is the truth about which parts exist: a worker killed between UploadPart and the checkpoint
 * write left parts the checkpoint does not know, and those need not be downloaded again.
 */
async function reconcileWithS3(state: UploadState): Promise<'ok' | 'gone'> {
  const { s3, bucket, key } = state.opts;
  const found = new Map<number, CheckpointPart>();
  try {
    let marker: string | undefined;
    do {
      const page = await s3.send(
        new ListPartsCommand({ Bucket: bucket, Key: key, UploadId: state.uploadId, ...(marker ? { PartNumberMarker: marker } : {}) }),
      );
      for (const part of page.Parts ?? []) {
        if (part.PartNumber === undefined || !part.ETag) continue;
        const { start, end } = partRange(state.plan, part.PartNumber);
        // A part of the wrong size or without our checksum is uploaded again rather than trusted.
        if (part.Size !== end - start || !part.ChecksumCRC32) continue;
        found.set(part.PartNumber, { partNumber: part.PartNumber, etag: stripQuotes(part.ETag), crc32: part.ChecksumCRC32, size: part.Size });
      }
      marker = page.IsTruncated ? page.NextPartNumberMarker : undefined;
    } while (marker);
  } catch (error) {
    if (isNoSuchUpload(error)) return 'gone';
    // fauxqs has no ListParts; a missing upload then shows up as NoSuchUpload on UploadPart.
    state.logger.warn('ListParts unavailable; trusting the checkpoint', { ...state.context, error: String(error) });
    return 'ok';
  }
  const before = state.parts.size;
  state.parts.clear();
  for (const [n, p] of found) state.parts.set(n, p);
  if (found.size !== before) {
    state.logger.info('reconciled checkpoint with S3', { ...state.context, checkpointParts: before, s3Parts: found.size });
  }
  return 'ok';
}

async function complete(state: UploadState, startedAt: number, bytesAtStart: number): Promise<CopyResult> {
  const { opts, plan } = state;
  const ctx = { ...state.context, uploadId: state.uploadId };
  const sorted = sortedParts(state);
  const total = sorted.reduce((sum, p) => sum + p.size, 0);
  if (total !== plan.totalBytes || sorted.length !== plan.partCount || sorted.some((p, i) => p.partNumber !== i + 1)) {
    await abortAndForget(state);
    throw new IntegrityError(`parts add up to ${total} bytes in ${sorted.length} parts, expected ${plan.totalBytes} in ${plan.partCount}`, ctx);
  }
  const fullCrc = fullObjectCrc32(sorted);
  const composite = compositeCrc32(sorted);
  await opts.checkpoints.save(opts.checkpointKey, snapshot(state, 'completing'));
  let completed;
  try {
    // Not under the hard stop: every part is in, Complete takes moments, and a Complete aborted at
    // the last second would fail the message into the visibility timeout (90 minutes) for nothing.
    // Should Lambda end it anyway, the `completing` checkpoint lets the next run check S3.
    completed = await opts.s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: opts.bucket,
        Key: opts.key,
        UploadId: state.uploadId,
        MultipartUpload: {
          Parts: sorted.map((p) => ({ PartNumber: p.partNumber, ETag: `"${p.etag}"`, ChecksumCRC32: p.crc32 })),
        },
        // S3 checks both against what it stored: the whole object's CRC32 and its exact size.
        ...(state.checksumType === 'FULL_OBJECT' ? { ChecksumType: 'FULL_OBJECT', ChecksumCRC32: fullCrc } : {}),
        MpuObjectSize: plan.totalBytes,
      }),
    );
  } catch (error) {
    const name = errorName(error);
    if (name === 'InvalidPart' || name === 'InvalidPartOrder' || name === 'EntityTooSmall' || name === 'BadDigest' || name === 'InvalidRequest') {
      await abortAndForget(state);
      throw new IntegrityError(`S3 refused to complete the upload: ${name}`, ctx, { cause: error });
    }
    // NoSuchUpload, or a failure whose answer may have been lost after S3 completed the upload
    // (connection reset, timeout, 5xx after the SDK's retries, which then meet NoSuchUpload): the
    // object in the bucket says whether it did.
    const done = await findCompletedObject(state);
    if (done) {
      state.logger.info('upload was completed though its answer was lost', { ...ctx, error: name ?? String(error) });
      await opts.checkpoints.delete(opts.checkpointKey);
      return done;
    }
    throw wrapS3Error(error, 'CompleteMultipartUpload failed', ctx);
  }
  const head = await headWithChecksum(opts.s3, opts.bucket, opts.key);
  const verified = verifyHead(head, plan.totalBytes, fullCrc, composite, ctx);
  if (verified instanceof IntegrityError) {
    await deleteObjectQuietly(opts.s3, opts.bucket, opts.key);
    await opts.checkpoints.delete(opts.checkpointKey);
    throw verified;
  }
  await opts.checkpoints.delete(opts.checkpointKey);
  const seconds = Math.max(0.001, (Date.now() - startedAt) / 1000);
  state.logger.info('artifact copied', {
    ...ctx,
    bytes: plan.totalBytes,
    parts: sorted.length,
    checksum: verified,
    mbPerSecond: Math.round(((plan.totalBytes - bytesAtStart) / 1e6 / seconds) * 10) / 10,
  });
  return archivedResult(opts, {
    bytes: plan.totalBytes,
    checksum: verified,
    etag: completed.ETag ?? head.ETag ?? '',
    versionId: completed.VersionId ?? head.VersionId,
    parts: sorted.length,
  });
}

/**
 * After a lost CompleteMultipartUpload response: is the object there, with our size and checksum?
 * Only S3 saying "not found" means it is not: any other HEAD failure is thrown as transient, since
 * taking it for "absent" would drop the upload's parts (ListParts answers NoSuchUpload for a
 * completed upload) and download the whole file again.
 */
async function findCompletedObject(state: UploadState): Promise<CopyResult | undefined> {
  const { opts, plan } = state;
  const sorted = sortedParts(state);
  if (sorted.length !== plan.partCount) return undefined;
  let head: HeadObjectCommandOutput;
  try {
    head = await headWithChecksum(opts.s3, opts.bucket, opts.key);
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw new TransientError(`cannot tell whether the upload was completed: HeadObject failed: ${errorName(error) ?? String(error)}`, { ...state.context, uploadId: state.uploadId }, { cause: error });
  }
  const verified = verifyHead(head, plan.totalBytes, fullObjectCrc32(sorted), compositeCrc32(sorted), state.context);
  if (verified instanceof IntegrityError || !head.ChecksumCRC32) return undefined;
  return archivedResult(opts, { bytes: plan.totalBytes, checksum: verified, etag: head.ETag ?? '', versionId: head.VersionId, parts: sorted.length });
}

async function abortAndForget(state: UploadState): Promise<void> {
  await abortUpload(state.opts.s3, state.opts.bucket, state.opts.key, state.uploadId);
  await state.opts.checkpoints.delete(state.opts.checkpointKey).catch(() => undefined);
}
