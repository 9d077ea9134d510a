// The state one copy carries from step to step, and the checkpoint it is saved as.
import type { ErrorContext } from '../errors.ts';
import type { CheckpointPart, CopyCheckpoint } from './checkpoint-store.ts';
import type { CopyArtifactOptions, CopyLogger, CopyResult } from './copy-types.ts';
import type { HttpSource } from './http-source.ts';
import { planParts, type PartPlan } from './part-plan.ts';
import { stripQuotes } from './s3-objects.ts';

/** What one copyArtifact call fixes for all of its steps. */
export interface CopyRun {
  readonly opts: CopyArtifactOptions;
  readonly source: HttpSource;
  readonly signal: AbortSignal;
  readonly context: ErrorContext;
  readonly logger: CopyLogger;
}

/** A multipart upload in progress: its plan, its upload id and the parts S3 holds. */
export interface UploadState {
  readonly opts: CopyArtifactOptions;
  readonly plan: PartPlan;
  readonly checksumType: 'FULL_OBJECT' | 'COMPOSITE';
  readonly logger: CopyLogger;
  readonly context: ErrorContext;
  uploadId: string;
  readonly parts: Map<number, CheckpointPart>;
  /** This run's start and the bytes it started from (the copy's rate in the checkpoint). */
  run?: { readonly startedAt: string; readonly startBytes: number };
}

/** A fresh part plan for the file, from the options' part sizes. */
export function planFresh(opts: CopyArtifactOptions, totalBytes: number): PartPlan {
  return planParts(totalBytes, {
    ...(opts.partSizeBytes !== undefined ? { partSizeBytes: opts.partSizeBytes } : {}),
    ...(opts.maxPartSizeBytes !== undefined ? { maxPartSizeBytes: opts.maxPartSizeBytes } : {}),
    ...(opts.spreadPartsOverConnections && opts.concurrency !== undefined ? { spreadOverConnections: opts.concurrency } : {}),
  });
}

export function sumBytes(parts: Map<number, CheckpointPart>): number {
  let total = 0;
  for (const p of parts.values()) total += p.size;
  return total;
}

export function sortedParts(state: UploadState): CheckpointPart[] {
  return [...state.parts.values()].sort((a, b) => a.partNumber - b.partNumber);
}

export function snapshot(state: UploadState, phase: CopyCheckpoint['phase']): CopyCheckpoint {
  const parts = sortedParts(state);
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
    ...(state.run ? { runStartedAt: state.run.startedAt, runStartBytes: state.run.startBytes } : {}),
  };
}

/** The `archived` result for the object at the options' bucket and key, with S3's receipt. */
export function archivedResult(
  opts: CopyArtifactOptions,
  object: { readonly bytes: number; readonly checksum: string; readonly etag: string; readonly versionId: string | undefined; readonly parts: number },
): CopyResult {
  return {
    status: 'archived',
    bucket: opts.bucket,
    key: opts.key,
    contentType: opts.contentType,
    bytes: object.bytes,
    checksum: object.checksum,
    etag: stripQuotes(object.etag),
    ...(object.versionId ? { versionId: object.versionId } : {}),
    parts: object.parts,
  };
}
