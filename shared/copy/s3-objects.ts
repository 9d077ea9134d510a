// Single S3 object operations of the copy and of the archive's object lifecycle: request signing
// without a body hash, HEAD with checksums and its verification, aborting uploads, deleting
// objects, and how an S3 failure becomes an archive error.
import {
  AbortMultipartUploadCommand,
  DeleteObjectCommand,
  HeadObjectCommand,
  type HeadObjectCommandOutput,
  type S3Client,
} from '@aws-sdk/client-s3';
import { ArchiveError, IntegrityError, TransientError, type ErrorContext } from '../errors.ts';
import type { CheckpointKey, CheckpointStore } from './checkpoint-store.ts';

export function errorName(error: unknown): string | undefined {
  return (error as { name?: string } | undefined)?.name;
}

export function isNoSuchUpload(error: unknown): boolean {
  return errorName(error) === 'NoSuchUpload';
}

/** S3 says the object does not exist (HEAD answers a bare 404 the SDK names NotFound). */
export function isNotFound(error: unknown): boolean {
  const name = errorName(error);
  return name === 'NotFound' || name === 'NoSuchKey';
}

export function stripQuotes(etag: string): string {
  return etag.replace(/^"|"$/g, '');
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

export function headWithChecksum(s3: S3Client, bucket: string, key: string): Promise<HeadObjectCommandOutput> {
  return s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: 'ENABLED' }));
}

/** The checksum to index (`CRC32:…`), or the IntegrityError that forbids indexing. */
export function verifyHead(
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

/**
 * A copy that completed but whose index write was lost (a crash, a lost optimistic-write race) is
 * already in the bucket under its deterministic key. S3 only completes an upload whose part and
 * whole-object checksums and size verified, so an object of this file with the declared size is
 * that copy: index it instead of copying the file again. Only for artifacts of known size.
 */
export async function verifiedCopyInBucket(
  s3: S3Client,
  bucket: string,
  key: string,
  recordFileId: string,
  expectedBytes: number | undefined,
): Promise<{ bytes: number; checksum: string } | undefined> {
  if (expectedBytes === undefined) return undefined;
  try {
    const head = await headWithChecksum(s3, bucket, key);
    if (head.ContentLength !== expectedBytes || head.Metadata?.['record-file-id'] !== recordFileId || !head.ChecksumCRC32) return undefined;
    return { bytes: expectedBytes, checksum: `CRC32:${head.ChecksumCRC32}` };
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/** Aborts a multipart upload; one already gone is what we wanted. S3's own error is rethrown. */
async function abortUploadIfAny(s3: S3Client, bucket: string, key: string, uploadId: string): Promise<void> {
  try {
    await s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }));
  } catch (error) {
    if (!isNoSuchUpload(error)) throw error;
  }
}

/** Aborts a multipart upload of the copy; a failure is an archive error. */
export async function abortUpload(s3: S3Client, bucket: string, key: string, uploadId: string): Promise<void> {
  try {
    await abortUploadIfAny(s3, bucket, key, uploadId);
  } catch (error) {
    throw wrapS3Error(error, 'AbortMultipartUpload failed', { uploadId });
  }
}

/** The copy is done: a checkpoint left by an earlier attempt (and its upload, if any) goes. */
export async function forgetCheckpoint(s3: S3Client, checkpoints: CheckpointStore, key: CheckpointKey): Promise<void> {
  const checkpoint = await checkpoints.load(key);
  if (!checkpoint) return;
  if (checkpoint.phase === 'uploading') await abortUploadIfAny(s3, checkpoint.bucket, checkpoint.key, checkpoint.uploadId);
  await checkpoints.delete(key);
}

export async function deleteObject(s3: S3Client, bucket: string, key: string): Promise<void> {
  await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
}

/** For an object that failed verification: it must not stay, but the failure to report is the verification's. */
export async function deleteObjectQuietly(s3: S3Client, bucket: string, key: string): Promise<void> {
  await deleteObject(s3, bucket, key).catch(() => undefined);
}

export function wrapS3Error(error: unknown, message: string, context: ErrorContext): ArchiveError {
  if (error instanceof ArchiveError) return error;
  return new TransientError(`${message}: ${errorName(error) ?? ''} ${String((error as Error)?.message ?? error)}`.trim(), context, { cause: error });
}
