// Uploads the parts a multipart upload still lacks, with `concurrency` connections to the source:
// each streams a segment of consecutive parts over one ranged GET (segment-scheduler.ts), its bytes
// cut into pooled part buffers as they arrive, and every full buffer is sent with its CRC32 while
// the connection goes on reading the next part. A part is never the unit of waiting: no connection
// stops between two parts for a new request, a first byte or an upload.
import { UploadPartCommand } from '@aws-sdk/client-s3';
import { IntegrityError, TransientError } from '../errors.ts';
import { BufferPool } from './buffer-pool.ts';
import { CheckpointWriter } from './checkpoint-writer.ts';
import { snapshot, sumBytes, type UploadState } from './copy-state.ts';
import { crc32, crc32ToBase64 } from './crc32.ts';
import { RangeUnsupportedError, type HttpSource } from './http-source.ts';
import { SegmentScheduler, type Segment } from './segment-scheduler.ts';
import type { SequentialReader } from './sequential-reader.ts';
import { partRange } from './part-plan.ts';
import { stripQuotes, withUnsignedPayload } from './s3-objects.ts';

/** Part buffers beyond one per connection (see the pool below). */
export const SPARE_BUFFERS = 2;

export interface UploadOutcome {
  readonly failure?: unknown;
  readonly startedAt: number;
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

  const missing = () => {
    const parts: number[] = [];
    for (let n = 1; n <= plan.partCount; n += 1) if (!state.parts.has(n)) parts.push(n);
    return parts;
  };
  const initiallyMissing = missing();
  const concurrency = Math.max(1, Math.min(opts.concurrency ?? 4, initiallyMissing.length || 1));
  // Each connection fills one buffer while the parts before it upload; two spare buffers cover
  // uploads that outlast the next part's download (8 connections finish a part every ~50 ms at
  // 20 MB/s each). Buffers are reused for every part: memory is (concurrency + 2) × partSize, flat
  // in file size. A connection that finds no free buffer stops reading (TCP backpressure) until an
  // upload returns one.
  const pool = new BufferPool(concurrency + SPARE_BUFFERS, plan.partSize);
  let bytesDone = sumBytes(state.parts);

  /** `bodyCrc`: the body's CRC32 when the reader computed it as the bytes arrived. */
  const uploadPart = async (partNumber: number, body: Buffer, bodyCrc = crc32(body)) => {
    const crc = crc32ToBase64(bodyCrc);
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
  const startUpload = (partNumber: number, body: Buffer, buffer: Buffer, bodyCrc?: number) => {
    const task: Promise<void> = uploadPart(partNumber, body, bodyCrc)
      .catch(fail)
      .finally(() => {
        uploads.delete(task);
        pool.release(buffer);
      });
    uploads.add(task);
  };
  const drainUploads = async () => {
    while (uploads.size > 0) await Promise.all(uploads);
  };

  /** Streams one segment's parts from the source into part buffers, starting each part's upload as it fills. */
  const readSegment = async (segment: Segment) => {
    const firstByte = partRange(plan, segment.next).start;
    const lastByte = partRange(plan, segment.end - 1).end;
    let partNumber = segment.next;
    let part = partRange(plan, partNumber);
    let buffer: Buffer | undefined;
    // The part's CRC32, extended chunk by chunk while each chunk is still in the CPU's cache (one
    // pass over 8 MiB after the fact reads it back from memory: ~30% slower on these machines).
    let crc = 0;
    try {
      await source.streamRange(
        firstByte,
        lastByte,
        plan.totalBytes,
        signal,
        (chunk, position) => {
          // Synchronous unless a part boundary has to wait for a free buffer: a far-away link
          // delivers a 1 GiB file in tens of thousands of small chunks, and a promise per chunk was
          // CPU the copy paid for nothing.
          const fill = (from: number): boolean | Promise<boolean> => {
            for (let offset = from; offset < chunk.length; ) {
              if (!buffer) {
                // A part boundary: the copy may have to stop here, or another connection took the rest.
                if (partNumber >= segment.end || stopTaking()) return false;
                segment.next = partNumber + 1;
                const free = pool.tryAcquire();
                if (!free) {
                  return pool.acquire().then((acquired) => {
                    buffer = acquired;
                    crc = 0;
                    return stopTaking() ? false : fill(offset);
                  });
                }
                buffer = free;
                crc = 0;
              }
              const at = position + offset;
              const take = Math.min(part.end - at, chunk.length - offset);
              const piece = offset === 0 && take === chunk.length ? chunk : chunk.subarray(offset, offset + take);
              buffer.set(piece, at - part.start);
              crc = crc32(piece, crc);
              offset += take;
              if (at + take === part.end) {
                startUpload(partNumber, buffer.subarray(0, part.end - part.start), buffer, crc);
                buffer = undefined;
                partNumber += 1;
                if (partNumber <= plan.partCount) part = partRange(plan, partNumber);
              }
            }
            return partNumber < segment.end || buffer !== undefined;
          };
          return fill(0);
        },
        plan.partSize,
      );
    } catch (error) {
      if (error instanceof RangeUnsupportedError) rangeUnsupported = true;
      else fail(error);
    } finally {
      if (buffer) pool.release(buffer);
      scheduler.release(segment);
    }
  };

  const scheduler = new SegmentScheduler(initiallyMissing, concurrency);
  const connection = async () => {
    for (let segment = stopTaking() ? undefined : scheduler.take(); segment; segment = stopTaking() ? undefined : scheduler.take()) {
      await readSegment(segment);
    }
  };

  try {
    await Promise.all(Array.from({ length: concurrency }, connection));
    await drainUploads();
    if (rangeUnsupported && failure === undefined && !signal.aborted) {
      rangeUnsupported = false;
      state.logger.warn('source ignores Range; reading it front to back', state.context);
      await readSequentially(source.sequential(plan.totalBytes, signal));
    }
    await writer.idle();
  } finally {
    outerSignal.removeEventListener('abort', onOuterAbort);
  }

  /** The parts still missing, one at a time, from one front-to-back GET. */
  async function readSequentially(sequential: SequentialReader): Promise<void> {
    try {
      for (const partNumber of missing()) {
        if (stopTaking()) break;
        const buffer = await pool.acquire();
        const { start, end } = partRange(plan, partNumber);
        const body = buffer.subarray(0, end - start);
        try {
          await sequential.read(start, end, body);
        } catch (error) {
          pool.release(buffer);
          fail(error);
          break;
        }
        startUpload(partNumber, body, buffer);
      }
      await drainUploads();
    } finally {
      await sequential.close();
    }
  }
  if (failure === undefined && writer.error !== undefined) failure = writer.error;
  return failure === undefined ? { startedAt } : { failure, startedAt };
}
