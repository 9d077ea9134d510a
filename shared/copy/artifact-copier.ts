// The copy bound to the archive bucket, in the shape the ingest service asks for: the object key
// follows from the recording's ids, a verified copy already in the bucket is indexed rather than
// copied again, and what the copy presents to a person downloading it is set here.
import type { Logger } from '@aws-lambda-powertools/logger';
import type { AwsClients } from '../aws/clients.ts';
import { DynamoCheckpointStore } from './checkpoint-store.ts';
import { STRICT_DOWNLOAD_POLICY, type DownloadPolicy } from './download-policy.ts';
import { createGuardedFetch } from './guarded-fetch.ts';
import { copyArtifact } from './copy-artifact.ts';
import type { CopyOutcome } from './copy-types.ts';
import { artifactObjectKey, contentDisposition, contentTypeFor, downloadFileName } from './s3-keys.ts';
import { forgetCheckpoint, verifiedCopyInBucket } from './s3-objects.ts';

/** What the copy needs to copy one artifact. */
export interface ArtifactCopyRequest {
  readonly recordFileId: string;
  readonly meetingId: string;
  readonly meetingRecordId: string;
  readonly subject: string;
  readonly recordStartTimeMs: number;
  /** Which artifact of the file (`video`, `transcript-…`) and its file type (the object's extension). */
  readonly artifact: { readonly artifact: string; readonly fileType: string };
  /** The exact size the copy must have; unset = what the source serves (its Content-Range total). */
  readonly expectedBytes?: number;
  /**
   * The size Tencent declares (record_size), which may differ from what it serves: only used to
   * recognise a copy already in the bucket, never to judge a download.
   */
  readonly declaredBytes?: number;
  /** Asks Tencent for a fresh link to the same artifact (links expire within minutes). */
  readonly resolveUrl: () => Promise<string>;
  readonly deadline: number;
  readonly signal?: AbortSignal;
}

export type CopyArtifactFn = (request: ArtifactCopyRequest) => Promise<CopyOutcome>;

export interface CopySettings {
  readonly partSizeBytes?: number;
  /** 10 MiB against fauxqs (its request bodies are capped at 11 MiB); unset in AWS. */
  readonly maxPartSizeBytes?: number;
  readonly concurrency?: number;
  /** See CopyArtifactOptions.spreadPartsOverConnections. */
  readonly spreadPartsOverConnections?: boolean;
}

export interface CopyProgress {
  readonly recordFileId: string;
  readonly artifact: string;
  readonly bytesDone: number;
  readonly totalBytes: number;
}

export interface ArtifactCopierOptions {
  readonly clients: Pick<AwsClients, 's3' | 'dynamo'>;
  readonly tableName: string;
  readonly bucketName: string;
  readonly copy?: CopySettings;
  /** What a download link may point at. @default STRICT_DOWNLOAD_POLICY (https to public hosts) */
  readonly downloadPolicy?: DownloadPolicy;
  readonly logger?: Logger;
  readonly onProgress?: (progress: CopyProgress) => void;
}

/** The copy engine bound to one bucket, in the shape the ingest service asks for. */
export function createCopyArtifactFn(options: ArtifactCopierOptions): CopyArtifactFn {
  const s3 = options.clients.s3;
  const checkpoints = new DynamoCheckpointStore({ dynamo: options.clients.dynamo, tableName: options.tableName });
  const fetchSource = createGuardedFetch(options.downloadPolicy ?? STRICT_DOWNLOAD_POLICY);
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
    const existing = await verifiedCopyInBucket(s3, options.bucketName, key, request.recordFileId, request.expectedBytes ?? request.declaredBytes);
    if (existing) {
      await forgetCheckpoint(s3, checkpoints, { recordFileId: request.recordFileId, artifact: artifact.artifact });
      return { status: 'archived', bucket: options.bucketName, key, contentType, ...existing };
    }
    const result = await copyArtifact({
      s3,
      bucket: options.bucketName,
      key,
      contentType,
      contentDisposition: contentDisposition(downloadFileName(request.subject, artifact.artifact, artifact.fileType)),
      metadata: { 'record-file-id': request.recordFileId, 'meeting-record-id': request.meetingRecordId, artifact: artifact.artifact },
      ...(request.expectedBytes !== undefined ? { expectedBytes: request.expectedBytes } : {}),
      resolveUrl: request.resolveUrl,
      fetchSource,
      checkpoints,
      checkpointKey: { recordFileId: request.recordFileId, artifact: artifact.artifact },
      ...(options.copy?.partSizeBytes ? { partSizeBytes: options.copy.partSizeBytes } : {}),
      ...(options.copy?.maxPartSizeBytes ? { maxPartSizeBytes: options.copy.maxPartSizeBytes } : {}),
      ...(options.copy?.concurrency ? { concurrency: options.copy.concurrency } : {}),
      ...(options.copy?.spreadPartsOverConnections ? { spreadPartsOverConnections: true } : {}),
      deadline: request.deadline,
      ...(request.signal ? { signal: request.signal } : {}),
      ...(options.logger ? { logger: options.logger } : {}),
      ...(options.onProgress
        ? { onProgress: (bytesDone: number, totalBytes: number) => options.onProgress!({ recordFileId: request.recordFileId, artifact: artifact.artifact, bytesDone, totalBytes }) }
        : {}),
      context: { meetingId: request.meetingId, meetingRecordId: request.meetingRecordId, recordFileId: request.recordFileId, artifact: artifact.artifact },
    });
    if (result.status === 'incomplete') return result;
    // S3's receipt (ETag, version, part count) is not indexed, and a copy found in the bucket has
    // none: both paths answer the same ArchivedCopy.
    const { etag: _etag, versionId: _versionId, parts: _parts, ...archived } = result;
    return archived;
  };
}

/** Forgets a copy's checkpoint (and its upload), for when another worker archived the artifact. */
export function createCopyStateDiscarder(options: Pick<ArtifactCopierOptions, 'clients' | 'tableName'>): (recordFileId: string, artifact: string) => Promise<void> {
  const checkpoints = new DynamoCheckpointStore({ dynamo: options.clients.dynamo, tableName: options.tableName });
  return (recordFileId, artifact) => forgetCheckpoint(options.clients.s3, checkpoints, { recordFileId, artifact });
}
