// How a file is cut into multipart parts. S3 allows at most 10,000 parts of ≥ 5 MiB (except the
// last), so the part size grows with the file. We aim lower than 10,000 because every completed
// part is recorded in the DynamoDB checkpoint (fewer parts, fewer bytes written per save); a part
// size cap can still push a file up to S3's 10,000, which the checkpoint's pages hold.
import { ValidationError } from '../errors.ts';

export const MIB = 1024 * 1024;
/** S3's floor for every part but the last. */
export const S3_MIN_PART_BYTES = 5 * MIB;
export const S3_MAX_PART_BYTES = 5 * 1024 * MIB;
export const S3_MAX_PARTS = 10_000;
/** Default part size for small and medium files. */
export const DEFAULT_PART_BYTES = 8 * MIB;
/** Part count the planner aims below, unless a part size cap forces more. */
export const TARGET_MAX_PARTS = 5_000;

export interface PartPlan {
  readonly totalBytes: number;
  readonly partSize: number;
  readonly partCount: number;
}

export interface PartPlanOptions {
  /** Preferred part size (raised when the file would otherwise need too many parts). */
  readonly partSizeBytes?: number;
  /** Upper bound on the part size (memory per in-flight part; 10 MiB against fauxqs). */
  readonly maxPartSizeBytes?: number;
  /**
   * The connections the copy reads with: when set, the part size shrinks (never below S3's floor)
   * so every connection gets at least two parts. The preferred size is chosen for large files (few
   * S3 requests); a 300 MB recording in 64 MiB parts would have 5 parts, and 3 of 8 connections
   * would sit idle while the link's per-connection cap holds the others back.
   */
  readonly spreadOverConnections?: number;
}

/** Parts each connection gets at least, when the file is large enough (see spreadOverConnections). */
export const MIN_PARTS_PER_CONNECTION = 2;

export function planParts(totalBytes: number, options: PartPlanOptions = {}): PartPlan {
  if (!Number.isSafeInteger(totalBytes) || totalBytes < 0) throw new ValidationError(`invalid file size ${totalBytes}`);
  const maxPart = Math.min(options.maxPartSizeBytes ?? S3_MAX_PART_BYTES, S3_MAX_PART_BYTES);
  let preferred = options.partSizeBytes ?? DEFAULT_PART_BYTES;
  if (preferred < S3_MIN_PART_BYTES || maxPart < S3_MIN_PART_BYTES) {
    throw new ValidationError(`part size must be at least ${S3_MIN_PART_BYTES} bytes`);
  }
  // Whole MiB part sizes keep part boundaries readable in logs and Range headers.
  const connections = options.spreadOverConnections ?? 1;
  if (connections > 1) {
    const spread = Math.ceil(totalBytes / (MIN_PARTS_PER_CONNECTION * connections) / MIB) * MIB;
    preferred = Math.max(S3_MIN_PART_BYTES, Math.min(preferred, spread));
  }
  const forTarget = Math.ceil(totalBytes / TARGET_MAX_PARTS / MIB) * MIB;
  let partSize = Math.min(Math.max(preferred, forTarget), maxPart);
  if (Math.ceil(totalBytes / partSize) > S3_MAX_PARTS) {
    // The cap wins over the target, but never over S3's hard limit.
    partSize = Math.ceil(totalBytes / S3_MAX_PARTS / MIB) * MIB;
    if (partSize > maxPart) {
      throw new ValidationError(
        `a ${totalBytes}-byte file needs parts of ${partSize} bytes, above the configured maximum ${maxPart}`,
      );
    }
  }
  const partCount = totalBytes === 0 ? 1 : Math.ceil(totalBytes / partSize);
  return { totalBytes, partSize, partCount };
}

/** Byte range [start, end) of a 1-based part. */
export function partRange(plan: Pick<PartPlan, 'totalBytes' | 'partSize'>, partNumber: number): { start: number; end: number } {
  const start = (partNumber - 1) * plan.partSize;
  return { start, end: Math.min(start + plan.partSize, plan.totalBytes) };
}
