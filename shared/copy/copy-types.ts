// What a copy is asked to do and what it answers: the options of copyArtifact and the one outcome
// type that the copy, the artifact copier and the ingest service share.
import type { S3Client } from '@aws-sdk/client-s3';
import type { ErrorContext } from '../errors.ts';
import type { CheckpointKey, CheckpointStore } from './checkpoint-store.ts';
import type { SourceFetch } from './guarded-fetch.ts';

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
  /** How links are fetched (guarded-fetch.ts in the archive); default plain fetch, which checks nothing. */
  readonly fetchSource?: SourceFetch;
  readonly checkpoints: CheckpointStore;
  readonly checkpointKey: CheckpointKey;
  /** Preferred part size (default 8 MiB; grows with the file to stay under the part limit). */
  readonly partSizeBytes?: number;
  /** Cap on the part size: 10 MiB against fauxqs (11 MiB body limit). */
  readonly maxPartSizeBytes?: number;
  /** Connections to the source, each streaming its own run of parts. Default 4. */
  readonly concurrency?: number;
  /** Shrink the part size so each connection gets at least two parts (part-plan.ts). */
  readonly spreadPartsOverConnections?: boolean;
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

/** An artifact in the bucket, its size and checksum verified by S3: what the index records. */
export interface ArchivedCopy {
  readonly status: 'archived';
  readonly bucket: string;
  readonly key: string;
  readonly contentType: string;
  readonly bytes: number;
  /** `CRC32:<base64>` (full object) or `CRC32:<base64>-<parts>` (composite, fauxqs). */
  readonly checksum: string;
}

/** The copy stopped (deadline or abort) with its state checkpointed; a later run continues it. */
export interface PausedCopy {
  readonly status: 'incomplete';
  readonly bytesDone: number;
  readonly nextByte: number;
  readonly totalBytes: number;
}

export type CopyOutcome = ArchivedCopy | PausedCopy;

/** S3's receipt for the object that this run wrote. */
export interface UploadReceipt {
  readonly etag: string;
  readonly versionId?: string;
  readonly parts: number;
}

/** copyArtifact's outcome: when it archived, also S3's receipt for what it wrote. */
export type CopyResult = (ArchivedCopy & UploadReceipt) | PausedCopy;
