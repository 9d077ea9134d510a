// The resumable, verified copy of one artifact from an HTTP source (a Tencent download link) into
// S3, with bounded memory.
//
// Why not @aws-sdk/lib-storage's Upload: it keeps the upload's state in memory and cannot resume
// (aws/aws-sdk-js#633), so a Lambda timeout or a killed worker would restart a multi-GB file from
// byte 0. Here every part is a ranged GET into a reusable buffer followed by UploadPart, and the
// upload id, parts and checksums are checkpointed in DynamoDB, so any later run continues from the
// first missing part. Memory is `(concurrency + 1) × partSize` buffers, whatever the file size.
//
// Integrity: each part carries its CRC32 (S3 rejects a part whose bytes do not match). The upload
// is created with ChecksumType FULL_OBJECT, so S3 also checks the whole object's CRC32 (computed
// here from the part CRCs with crc32_combine) and its size (MpuObjectSize) at completion. CRC32
// rather than CRC64NVME because Node computes CRC32 natively (zlib.crc32, GB/s) while CRC64NVME
// would need a JS implementation on the hot path, and because fauxqs (the local S3) implements
// CRC32/SHA checksums but not CRC64NVME. fauxqs ignores FULL_OBJECT and answers a COMPOSITE
// checksum; both forms are verified after completion. Anything that does not add up aborts the
// upload: a file is archived only when its bytes equal the declared size and S3 accepted them.
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListPartsCommand,
  PutObjectCommand,
  UploadPartCommand,
  type HeadObjectCommandOutput,
  type S3Client,
} from '@aws-sdk/client-s3';
import { ArchiveError, IntegrityError, NotFoundError, TransientError, type ErrorContext } from '../errors.ts';
import type { CheckpointKey, CheckpointPart, CheckpointStore, CopyCheckpoint } from './checkpoint-store.ts';
import { compositeCrc32, crc32, crc32ToBase64, fullObjectCrc32 } from './crc32.ts';
import { HttpSource, RangeUnsupportedError } from './http-source.ts';
import { partRange, planParts, type PartPlan } from './part-plan.ts';

export interface CopyLogger {
  info(message: string, ...extra: Record<string, unknown>[]): void;
  warn(message: string, ...extra: Record<string, unknown>[]): void;
}

export interface CopyArtifactOptions {
  readonly s3: S3Client;
  readonly bucket: string;
  readonly key: string;
  readonly contentType: string;
  readonly contentDisposition?: string;
  readonly metadata?: Record<string, string>;
  /** Tencent's record_size. When unknown (transcripts), the source's declared size is used. */
  readonly expectedBytes?: number;
  /** Asks Tencent for a FRESH link: at start and after any 403. Links are never stored. */
  readonly resolveUrl: () => Promise<string>;
  readonly checkpoints: CheckpointStore;
  readonly checkpointKey: CheckpointKey;
  /** Preferred part size (default 8 MiB; grows with the file to stay under the part limit). */
  readonly partSizeBytes?: number;
  /** Cap on the part size: 10 MiB against fauxqs (11 MiB body limit). */
  readonly maxPartSizeBytes?: number;
  /** Parts in flight (each a ranged GET then an UploadPart). Default 4. */
  readonly concurrency?: number;
  /** FULL_OBJECT (default) lets S3 verify the whole object's CRC32 at completion. */
  readonly checksumType?: 'FULL_OBJECT' | 'COMPOSITE';
  /** Aborting stops at once, checkpoints, and returns `incomplete`. */
  readonly signal?: AbortSignal;
  /** Epoch ms after which no new part is started; in-flight parts finish, then `incomplete`. */
  readonly deadline?: number;
  readonly logger?: CopyLogger;
  readonly onProgress?: (bytesDone: number, totalBytes: number) => void;
  /** Per-range attempts for the source (default 6) and the first backoff delay (default 200 ms). */
  readonly maxAttempts?: number;
  readonly retryBaseDelayMs?: number;
  readonly idleTimeoutMs?: number;
  /**
   * Least time between two checkpoint writes while parts keep finishing (default 5 s); the last
   * state is always written when the copy stops, pauses or completes. Parts uploaded after the
   * last write are found again through ListParts on resume. Each write of a 1 GB file's checkpoint
   * costs ~4 DynamoDB write units, so writing after every part would dominate the table's cost.
   */
  readonly checkpointIntervalMs?: number;
  /** Extra ids for error context (meeting id, …). */
  readonly context?: ErrorContext;
}

export type CopyResult =
  | {
      readonly status: 'archived';
      readonly bytes: number;
      /** `CRC32:<base64>` (full object) or `CRC32:<base64>-<parts>` (composite, fauxqs). */
      readonly checksum: string;
      readonly etag: string;
      readonly versionId?: string;
      readonly parts: number;
    }
  | { readonly status: 'incomplete'; readonly bytesDone: number; readonly nextByte: number; readonly totalBytes: number };

const noopLogger: CopyLogger = { info: () => undefined, warn: () => undefined };

function errorName(error: unknown): string | undefined {
  return (error as { name?: string } | undefined)?.name;
}

function isNoSuchUpload(error: unknown): boolean {
  return errorName(error) === 'NoSuchUpload';
}

function stripQuotes(etag: string): string {
  return etag.replace(/^"|"$/g, '');
}

interface RunState {
  readonly opts: CopyArtifactOptions;
  readonly plan: PartPlan;
  readonly checksumType: 'FULL_OBJECT' | 'COMPOSITE';
  readonly logger: CopyLogger;
  readonly context: ErrorContext;
  uploadId: string;
  readonly parts: Map<number, CheckpointPart>;
}

const CONTENT_SHA256 = 'x-amz-content-sha256';

/**
 * Signs the request without hashing its body (`x-amz-content-sha256: UNSIGNED-PAYLOAD`, which S3
 * accepts for header-signed requests). For Buffer bodies the SDK otherwise runs SHA-256 over every
 * byte synchronously on the event loop before sending (~20 ms per 8 MiB part on our machines):
 * that stalls every other part's download and upload, and it is redundant here: each part already
 * carries its CRC32, which S3 verifies, and TLS protects the bytes in transit to AWS.
 */
export function withUnsignedPayload<C extends { readonly middlewareStack: unknown }>(command: C): C {
  type Args = { request: unknown };
  const stack = command.middlewareStack as {
    add(middleware: (next: (args: Args) => Promise<unknown>) => (args: Args) => Promise<unknown>, options: { step: 'build'; name: string }): void;
  };
  stack.add(
    (next) => async (args) => {
      const headers = (args.request as { headers?: Record<string, string> } | undefined)?.headers;
      if (headers && headers[CONTENT_SHA256] === undefined) headers[CONTENT_SHA256] = 'UNSIGNED-PAYLOAD';
      return next(args);
    },
    { step: 'build', name: 'copyEngineUnsignedPayload' },
  );
  return command;
}

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
    : planParts(totalBytes, {
        ...(opts.partSizeBytes !== undefined ? { partSizeBytes: opts.partSizeBytes } : {}),
        ...(opts.maxPartSizeBytes !== undefined ? { maxPartSizeBytes: opts.maxPartSizeBytes } : {}),
      });

  if (!checkpoint && totalBytes <= plan.partSize) return copySmall(opts, source, totalBytes, signal, context, logger);
  return copyMultipart(opts, source, plan, checkpoint, signal, context, logger, false);
}

/** One PutObject: files that fit one part gain nothing from multipart and cannot be resumed anyway. */
async function copySmall(
  opts: CopyArtifactOptions,
  source: HttpSource,
  totalBytes: number,
  signal: AbortSignal,
  context: ErrorContext,
  logger: CopyLogger,
): Promise<CopyResult> {
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
  return {
    status: 'archived',
    bytes: totalBytes,
    checksum: verified,
    etag: stripQuotes(put.ETag ?? head.ETag ?? ''),
    ...(put.VersionId ? { versionId: put.VersionId } : {}),
    parts: 1,
  };
}

async function copyMultipart(
  opts: CopyArtifactOptions,
  source: HttpSource,
  plan: PartPlan,
  checkpoint: CopyCheckpoint | undefined,
  signal: AbortSignal,
  context: ErrorContext,
  logger: CopyLogger,
  restarted: boolean,
): Promise<CopyResult> {
  const s3 = opts.s3;
  const state: RunState = {
    opts,
    plan,
    checksumType: checkpoint?.checksumType ?? opts.checksumType ?? 'FULL_OBJECT',
    logger,
    context,
    uploadId: checkpoint?.uploadId ?? '',
    parts: new Map((checkpoint?.parts ?? []).map((p) => [p.partNumber, p])),
  };

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
      return copyMultipart(opts, source, planFresh(opts, plan.totalBytes), undefined, signal, context, logger, true);
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
        return copyMultipart(opts, source, planFresh(opts, plan.totalBytes), undefined, signal, context, logger, true);
      }
      throw new TransientError('multipart upload vanished mid-copy', ctx, { cause: failure });
    }
    if (failure instanceof IntegrityError || failure instanceof NotFoundError) {
      await abortAndForget(state);
      throw failure;
    }
    // Keep what was done for the next attempt; the checkpoint store itself may be what failed.
    await opts.checkpoints.save(opts.checkpointKey, snapshot(state, 'uploading')).catch(() => undefined);
    throw failure instanceof ArchiveError ? failure : wrapS3Error(failure, 'copy failed', ctx);
  }

  if (state.parts.size < plan.partCount) {
    const cp = snapshot(state, 'uploading');
    await opts.checkpoints.save(opts.checkpointKey, cp);
    logger.info('copy paused; continue later', { ...ctx, bytesDone: cp.bytesDone, nextByte: cp.nextByte, reason: signal.aborted ? 'aborted' : 'deadline' });
    return { status: 'incomplete', bytesDone: cp.bytesDone, nextByte: cp.nextByte, totalBytes: plan.totalBytes };
  }
  return complete(state, source, signal, outcome.startedAt, bytesAlready);
}

function planFresh(opts: CopyArtifactOptions, totalBytes: number): PartPlan {
  return planParts(totalBytes, {
    ...(opts.partSizeBytes !== undefined ? { partSizeBytes: opts.partSizeBytes } : {}),
    ...(opts.maxPartSizeBytes !== undefined ? { maxPartSizeBytes: opts.maxPartSizeBytes } : {}),
  });
}

function sumBytes(parts: Map<number, CheckpointPart>): number {
  let total = 0;
  for (const p of parts.values()) total += p.size;
  return total;
}

function snapshot(state: RunState, phase: CopyCheckpoint['phase']): CopyCheckpoint {
  const parts = [...state.parts.values()].sort((a, b) => a.partNumber - b.partNumber);
  let firstMissing = 1;
  while (state.parts.has(firstMissing)) firstMissing += 1;
  return {
    bucket: state.opts.bucket,
    key: state.opts.key,
    uploadId: state.uploadId,
    partSize: state.plan.partSize,
    totalBytes: state.plan.totalBytes,
    checksumType: state.checksumType,
    parts,
    nextByte: Math.min(state.plan.totalBytes, (firstMissing - 1) * state.plan.partSize),
    bytesDone: sumBytes(state.parts),
    phase,
    updatedAt: new Date().toISOString(),
  };
}

/**
 * S3 is the truth about which parts exist: a worker killed between UploadPart and the checkpoint
 * write left parts the checkpoint does not know, and those need not be downloaded again.
 */
async function reconcileWithS3(state: RunState): Promise<'ok' | 'gone'> {
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

interface UploadOutcome {
  readonly failure?: unknown;
  readonly startedAt: number;
}

/**
 * A coalescing writer: parts finish faster than DynamoDB round trips, so writes merge, and while
 * parts keep coming a write waits for `checkpointIntervalMs` since the previous one. `idle()`
 * (the copy stops, pauses or completes) writes the latest state at once.
 */
class CheckpointWriter {
  private readonly state: RunState;
  private readonly intervalMs: number;
  private pending: Promise<void> | undefined;
  private dirty = false;
  private lastSaveAt = 0;
  private flushing = false;
  private wake: (() => void) | undefined;
  error: unknown;

  constructor(state: RunState) {
    this.state = state;
    this.intervalMs = state.opts.checkpointIntervalMs ?? 5_000;
    // The upload itself was just recorded: the interval runs from there.
    this.lastSaveAt = Date.now();
  }

  request(onError: (error: unknown) => void): void {
    this.dirty = true;
    if (this.pending) return;
    this.pending = (async () => {
      while (this.dirty && this.error === undefined) {
        const wait = this.lastSaveAt + this.intervalMs - Date.now();
        if (wait > 0 && !this.flushing) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, wait);
            this.wake = () => {
              clearTimeout(timer);
              resolve();
            };
          });
          this.wake = undefined;
        }
        this.dirty = false;
        try {
          await this.state.opts.checkpoints.save(this.state.opts.checkpointKey, snapshot(this.state, 'uploading'));
          this.lastSaveAt = Date.now();
        } catch (error) {
          this.error = error;
          onError(error);
        }
      }
      this.pending = undefined;
    })();
  }

  async idle(): Promise<void> {
    this.flushing = true;
    this.wake?.();
    try {
      while (this.pending) await this.pending;
    } finally {
      this.flushing = false;
    }
  }
}

async function uploadMissingParts(state: RunState, source: HttpSource, outerSignal: AbortSignal): Promise<UploadOutcome> {
  const { plan, opts } = state;
  const startedAt = Date.now();
  const internal = new AbortController();
  const onOuterAbort = () => internal.abort(outerSignal.reason);
  if (outerSignal.aborted) internal.abort(outerSignal.reason);
  outerSignal.addEventListener('abort', onOuterAbort, { once: true });
  const signal = internal.signal;

  let failure: unknown;
  let rangeUnsupported = false;
  const fail = (error: unknown) => {
    if (failure === undefined && !outerSignal.aborted) {
      failure = error;
      internal.abort(error);
    }
  };
  const writer = new CheckpointWriter(state);
  const stopTaking = () =>
    failure !== undefined || signal.aborted || rangeUnsupported || (opts.deadline !== undefined && Date.now() >= opts.deadline);

  const queue: number[] = [];
  for (let n = 1; n <= plan.partCount; n += 1) if (!state.parts.has(n)) queue.push(n);
  const concurrency = Math.max(1, Math.min(opts.concurrency ?? 4, queue.length || 1));
  // `concurrency` downloads run at once; one spare buffer lets a slot start its next ranged GET
  // while its previous part is still uploading, so slow far-away links never sit idle. Buffers are
  // reused for every part: memory is (concurrency + 1) × partSize, flat in file size.
  const pool = new BufferPool(concurrency + 1, plan.partSize);
  let bytesDone = sumBytes(state.parts);

  const uploadPart = async (partNumber: number, body: Buffer) => {
    const crc = crc32ToBase64(crc32(body));
    const out = await opts.s3.send(
      withUnsignedPayload(
        new UploadPartCommand({
          Bucket: opts.bucket,
          Key: opts.key,
          UploadId: state.uploadId,
          PartNumber: partNumber,
          Body: body,
          ContentLength: body.length,
          ChecksumCRC32: crc,
        }),
      ),
      { abortSignal: signal },
    );
    if (out.ChecksumCRC32 && out.ChecksumCRC32 !== crc) {
      throw new IntegrityError(`S3 recorded CRC32 ${out.ChecksumCRC32} for part ${partNumber}, sent ${crc}`, state.context);
    }
    if (!out.ETag) throw new TransientError(`UploadPart ${partNumber} returned no ETag`, state.context);
    state.parts.set(partNumber, { partNumber, etag: stripQuotes(out.ETag), crc32: crc, size: body.length });
    bytesDone += body.length;
    opts.onProgress?.(bytesDone, plan.totalBytes);
    writer.request(fail);
  };

  const uploads = new Set<Promise<void>>();
  const startUpload = (partNumber: number, body: Buffer, buffer: Buffer) => {
    const task: Promise<void> = uploadPart(partNumber, body)
      .catch((error: unknown) => {
        queue.unshift(partNumber);
        fail(error);
      })
      .finally(() => {
        uploads.delete(task);
        pool.release(buffer);
      });
    uploads.add(task);
  };

  const worker = async () => {
    while (!stopTaking()) {
      const buffer = await pool.acquire();
      const partNumber = stopTaking() ? undefined : queue.shift();
      if (partNumber === undefined) {
        pool.release(buffer);
        return;
      }
      const { start, end } = partRange(plan, partNumber);
      const body = buffer.subarray(0, end - start);
      try {
        await source.readRange(start, end, plan.totalBytes, body, signal);
      } catch (error) {
        queue.unshift(partNumber);
        pool.release(buffer);
        if (error instanceof RangeUnsupportedError) rangeUnsupported = true;
        else fail(error);
        return;
      }
      startUpload(partNumber, body, buffer);
    }
  };

  try {
    await Promise.all(Array.from({ length: concurrency }, () => worker()));
    while (uploads.size > 0) await Promise.all(uploads);
    if (rangeUnsupported && failure === undefined && !signal.aborted) {
      rangeUnsupported = false;
      state.logger.warn('source ignores Range; reading it front to back', state.context);
      queue.sort((a, b) => a - b);
      const reader = source.sequential(plan.totalBytes, signal);
      try {
        while (!stopTaking() && queue.length > 0) {
          const buffer = await pool.acquire();
          const partNumber = stopTaking() ? undefined : queue.shift();
          if (partNumber === undefined) {
            pool.release(buffer);
            break;
          }
          const { start, end } = partRange(plan, partNumber);
          const body = buffer.subarray(0, end - start);
          try {
            await reader.read(start, end, body);
          } catch (error) {
            queue.unshift(partNumber);
            pool.release(buffer);
            fail(error);
            break;
          }
          startUpload(partNumber, body, buffer);
        }
        while (uploads.size > 0) await Promise.all(uploads);
      } finally {
        await reader.close();
      }
    }
    await writer.idle();
  } finally {
    outerSignal.removeEventListener('abort', onOuterAbort);
  }
  if (failure === undefined && writer.error !== undefined) failure = writer.error;
  return failure === undefined ? { startedAt } : { failure, startedAt };
}

/** A fixed set of part buffers, allocated on first use and handed out again as uploads finish. */
class BufferPool {
  private readonly free: Buffer[] = [];
  private readonly waiting: Array<(buffer: Buffer) => void> = [];
  private allocated = 0;
  private readonly size: number;
  private readonly bufferBytes: number;

  constructor(size: number, bufferBytes: number) {
    this.size = size;
    this.bufferBytes = bufferBytes;
  }

  acquire(): Promise<Buffer> {
    const buffer = this.free.pop();
    if (buffer) return Promise.resolve(buffer);
    if (this.allocated < this.size) {
      this.allocated += 1;
      return Promise.resolve(Buffer.allocUnsafeSlow(this.bufferBytes));
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  release(buffer: Buffer): void {
    const next = this.waiting.shift();
    if (next) next(buffer);
    else this.free.push(buffer);
  }
}

async function complete(
  state: RunState,
  _source: HttpSource,
  signal: AbortSignal,
  startedAt: number,
  bytesAtStart: number,
): Promise<CopyResult> {
  const { opts, plan } = state;
  const ctx = { ...state.context, uploadId: state.uploadId };
  const sorted = [...state.parts.values()].sort((a, b) => a.partNumber - b.partNumber);
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
      { abortSignal: signal },
    );
  } catch (error) {
    const name = errorName(error);
    if (name === 'NoSuchUpload') {
      const done = await findCompletedObject(state);
      if (done) {
        await opts.checkpoints.delete(opts.checkpointKey);
        return done;
      }
    }
    if (name === 'InvalidPart' || name === 'InvalidPartOrder' || name === 'EntityTooSmall' || name === 'BadDigest' || name === 'InvalidRequest') {
      await abortAndForget(state);
      throw new IntegrityError(`S3 refused to complete the upload: ${name}`, ctx, { cause: error });
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
  const versionId = completed.VersionId ?? head.VersionId;
  return {
    status: 'archived',
    bytes: plan.totalBytes,
    checksum: verified,
    etag: stripQuotes(completed.ETag ?? head.ETag ?? ''),
    ...(versionId ? { versionId } : {}),
    parts: sorted.length,
  };
}

/** After a lost CompleteMultipartUpload response: is the object there, with our size and checksum? */
async function findCompletedObject(state: RunState): Promise<CopyResult | undefined> {
  const { opts, plan } = state;
  const sorted = [...state.parts.values()].sort((a, b) => a.partNumber - b.partNumber);
  if (sorted.length !== plan.partCount) return undefined;
  let head: HeadObjectCommandOutput;
  try {
    head = await headWithChecksum(opts.s3, opts.bucket, opts.key);
  } catch {
    return undefined;
  }
  const verified = verifyHead(head, plan.totalBytes, fullObjectCrc32(sorted), compositeCrc32(sorted), state.context);
  if (verified instanceof IntegrityError || !head.ChecksumCRC32) return undefined;
  return {
    status: 'archived',
    bytes: plan.totalBytes,
    checksum: verified,
    etag: stripQuotes(head.ETag ?? ''),
    ...(head.VersionId ? { versionId: head.VersionId } : {}),
    parts: sorted.length,
  };
}

function headWithChecksum(s3: S3Client, bucket: string, key: string): Promise<HeadObjectCommandOutput> {
  return s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: 'ENABLED' }));
}

/** The checksum to index (`CRC32:…`), or the IntegrityError that forbids indexing. */
function verifyHead(
  head: HeadObjectCommandOutput,
  totalBytes: number,
  fullCrc: string,
  composite: string,
  context: ErrorContext,
): string | IntegrityError {
  if (head.ContentLength !== totalBytes) {
    return new IntegrityError(`S3 object has ${head.ContentLength} bytes, expected ${totalBytes}`, context);
  }
  const stored = head.ChecksumCRC32;
  // S3 always reports one for objects uploaded with checksums; an emulator may not.
  if (!stored) return `CRC32:${fullCrc}`;
  const expected = stored.includes('-') ? composite : fullCrc;
  if (stored !== expected) return new IntegrityError(`S3 object CRC32 ${stored} differs from the copied bytes' ${expected}`, context);
  return `CRC32:${stored}`;
}

async function abortAndForget(state: RunState): Promise<void> {
  await abortUpload(state.opts.s3, state.opts.bucket, state.opts.key, state.uploadId);
  await state.opts.checkpoints.delete(state.opts.checkpointKey).catch(() => undefined);
}

async function abortUpload(s3: S3Client, bucket: string, key: string, uploadId: string): Promise<void> {
  try {
    await s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }));
  } catch (error) {
    if (!isNoSuchUpload(error)) throw wrapS3Error(error, 'AbortMultipartUpload failed', { uploadId });
  }
}

async function deleteObjectQuietly(s3: S3Client, bucket: string, key: string): Promise<void> {
  await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key })).catch(() => undefined);
}

function wrapS3Error(error: unknown, message: string, context: ErrorContext): ArchiveError {
  if (error instanceof ArchiveError) return error;
  return new TransientError(`${message}: ${errorName(error) ?? ''} ${String((error as Error)?.message ?? error)}`.trim(), context, { cause: error });
}

/**
 * Aborts multipart uploads under `prefix` started before `olderThanMs` ago. The bucket's
 * AbortIncompleteMultipartUpload lifecycle rule does the same in AWS; this is for the local stack
 * and for operators. Returns the upload ids aborted. Checkpoints pointing at them resume cleanly:
 * the next run sees NoSuchUpload and starts over.
 */
export async function abortAbandonedUploads(options: {
  readonly s3: S3Client;
  readonly bucket: string;
  readonly prefix?: string;
  readonly olderThanMs: number;
  readonly now?: () => number;
}): Promise<string[]> {
  const cutoff = (options.now ?? Date.now)() - options.olderThanMs;
  const aborted: string[] = [];
  let keyMarker: string | undefined;
  let uploadIdMarker: string | undefined;
  do {
    const page = await options.s3.send(
      new ListMultipartUploadsCommand({
        Bucket: options.bucket,
        ...(options.prefix ? { Prefix: options.prefix } : {}),
        ...(keyMarker ? { KeyMarker: keyMarker } : {}),
        ...(uploadIdMarker ? { UploadIdMarker: uploadIdMarker } : {}),
      }),
    );
    for (const upload of page.Uploads ?? []) {
      if (!upload.Key || !upload.UploadId || !upload.Initiated || upload.Initiated.getTime() > cutoff) continue;
      await abortUpload(options.s3, options.bucket, upload.Key, upload.UploadId);
      aborted.push(upload.UploadId);
    }
    keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
    uploadIdMarker = page.IsTruncated ? page.NextUploadIdMarker : undefined;
  } while (keyMarker);
  return aborted;
}
