// Uploads the parts a multipart upload still lacks: each part read from the source into a pooled
// buffer, then sent with its CRC32, with `concurrency` reads in flight.
import { UploadPartCommand } from '@aws-sdk/client-s3';
import { IntegrityError, TransientError } from '../errors.ts';
import { BufferPool } from './buffer-pool.ts';
import { CheckpointWriter } from './checkpoint-writer.ts';
import { snapshot, sumBytes, type UploadState } from './copy-state.ts';
import { crc32, crc32ToBase64 } from './crc32.ts';
import { RangeUnsupportedError, type HttpSource } from './http-source.ts';
import { partRange } from './part-plan.ts';
import { stripQuotes, withUnsignedPayload } from './s3-objects.ts';

export interface UploadOutcome {
  readonly failure?: unknown;
  readonly startedAt: number;
}

/** How part bytes come from the source: ranged GETs in parallel, or one front-to-back read. */
interface PartReader {
  /** Parts read at once. */
  readonly parallel: number;
  /** Fills `body` with bytes [start, end) of the source. */
  read(start: number, end: number, body: Buffer): Promise<void>;
  /** A read failed and its part went back to the queue. */
  onReadError(error: unknown): void;
}

export async function uploadMissingParts(state: UploadState, source: HttpSource, outerSignal: AbortSignal): Promise<UploadOutcome> {
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
  const writer = new CheckpointWriter({
    intervalMs: opts.checkpointIntervalMs ?? 5_000,
    save: () => opts.checkpoints.save(opts.checkpointKey, snapshot(state, 'uploading')),
  });
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

  /** Takes parts off the queue until it is empty or the copy must stop, reading each with `reader`. */
  const takeParts = async (reader: PartReader) => {
    while (!stopTaking() && queue.length > 0) {
      const buffer = await pool.acquire();
      const partNumber = stopTaking() ? undefined : queue.shift();
      if (partNumber === undefined) {
        pool.release(buffer);
        return;
      }
      const { start, end } = partRange(plan, partNumber);
      const body = buffer.subarray(0, end - start);
      try {
        await reader.read(start, end, body);
      } catch (error) {
        queue.unshift(partNumber);
        pool.release(buffer);
        reader.onReadError(error);
        return;
      }
      startUpload(partNumber, body, buffer);
    }
  };
  /** Runs the reader's parallel slots to the end, then waits for the uploads they started. */
  const readAll = async (reader: PartReader) => {
    await Promise.all(Array.from({ length: reader.parallel }, () => takeParts(reader)));
    while (uploads.size > 0) await Promise.all(uploads);
  };

  try {
    await readAll({
      parallel: concurrency,
      read: (start, end, body) => source.readRange(start, end, plan.totalBytes, body, signal),
      // A source that ignores Range stops the ranged reads; the parts left are read front to back.
      onReadError: (error) => {
        if (error instanceof RangeUnsupportedError) rangeUnsupported = true;
        else fail(error);
      },
    });
    if (rangeUnsupported && failure === undefined && !signal.aborted) {
      rangeUnsupported = false;
      state.logger.warn('source ignores Range; reading it front to back', state.context);
      queue.sort((a, b) => a - b);
      const sequential = source.sequential(plan.totalBytes, signal);
      try {
        await readAll({ parallel: 1, read: (start, end, body) => sequential.read(start, end, body), onReadError: fail });
      } finally {
        await sequential.close();
      }
    }
    await writer.idle();
  } finally {
    outerSignal.removeEventListener('abort', onOuterAbort);
  }
  if (failure === undefined && writer.error !== undefined) failure = writer.error;
  return failure === undefined ? { startedAt } : { failure, startedAt };
}
