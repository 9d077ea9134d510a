// Resumable copy state, one DynamoDB item per artifact (keys.copyCheckpoint), with page items for
// the parts of uploads over 1,000 parts (checkpoint-pages.ts). It lets a retry, a continuation
// message or a worker that replaced a killed one continue a multipart upload from the first
// missing part instead of byte 0. The items never hold a download URL: links expire in minutes
// and are re-resolved on every run.
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { keys } from '../archive/table-design.ts';
import { ConditionalItemStore, ttlAttribute } from '../aws/conditional-item-store.ts';
import { TransientError } from '../errors.ts';
import { pageCountFor, pageKey, partsByPage } from './checkpoint-pages.ts';

export interface CheckpointKey {
  readonly recordFileId: string;
  readonly artifact: string;
}

export interface CheckpointPart {
  readonly partNumber: number;
  /** ETag without quotes. */
  readonly etag: string;
  /** Base64 CRC32 of the part, as S3 accepted it. */
  readonly crc32: string;
  readonly size: number;
}

export interface CopyCheckpoint {
  readonly bucket: string;
  readonly key: string;
  readonly uploadId: string;
  readonly partSize: number;
  readonly totalBytes: number;
  readonly checksumType: 'FULL_OBJECT' | 'COMPOSITE';
  readonly parts: readonly CheckpointPart[];
  /** First byte not yet uploaded (start of the lowest missing part). */
  readonly nextByte: number;
  readonly bytesDone: number;
  /** `completing`: CompleteMultipartUpload was sent; a resume checks whether the object exists. */
  readonly phase: 'uploading' | 'completing';
  readonly updatedAt: string;
  /**
   * When the current run (invocation) of the copy started and the bytes it started from: with
   * updatedAt and bytesDone they give the copy's rate for `npm run status` (absent in older items).
   */
  readonly runStartedAt?: string;
  readonly runStartBytes?: number;
}

export interface CheckpointStore {
  load(key: CheckpointKey): Promise<CopyCheckpoint | undefined>;
  /** Writes the checkpoint; refuses to overwrite one that belongs to a different upload id. */
  save(key: CheckpointKey, checkpoint: CopyCheckpoint): Promise<void>;
  delete(key: CheckpointKey): Promise<void>;
}

/** `n:etag:crc` joined by `,`: ~48 bytes a part (hence the pages: 10,000 parts would be ~480 KB). */
export function encodeParts(parts: readonly CheckpointPart[], partSize: number, totalBytes: number): string {
  return parts
    .map((p) => {
      const expected = Math.min(partSize, totalBytes - (p.partNumber - 1) * partSize);
      // The size is implied by the part number; spell it out only if it ever differs.
      return p.size === expected ? `${p.partNumber}:${p.etag}:${p.crc32}` : `${p.partNumber}:${p.etag}:${p.crc32}:${p.size}`;
    })
    .join(',');
}

export function decodeParts(encoded: string, partSize: number, totalBytes: number): CheckpointPart[] {
  if (!encoded) return [];
  return encoded.split(',').map((entry) => {
    const [n, etag, crc, size] = entry.split(':');
    const partNumber = Number(n);
    if (!Number.isInteger(partNumber) || partNumber < 1 || !etag || !crc) throw new Error(`corrupt checkpoint part ${entry}`);
    const implied = Math.min(partSize, totalBytes - (partNumber - 1) * partSize);
    return { partNumber, etag, crc32: crc, size: size === undefined ? implied : Number(size) };
  });
}

export interface DynamoCheckpointStoreOptions {
  readonly dynamo: DynamoDBDocumentClient;
  readonly tableName: string;
  /**
   * Item lifetime after the last write. Keep it ≥ the bucket's AbortIncompleteMultipartUpload
   * days, so a checkpoint never outlives knowledge of its upload for long. Default 7 days.
   */
  readonly ttlSeconds?: number;
  readonly now?: () => number;
}

export class DynamoCheckpointStore implements CheckpointStore {
  private readonly store: ConditionalItemStore;
  private readonly ttlSeconds: number;
  private readonly now: () => number;
  /** What this store last wrote to each page item (`uploadId|parts`): unchanged pages are not written again. */
  private readonly writtenPages = new Map<string, string>();

  constructor(options: DynamoCheckpointStoreOptions) {
    this.store = new ConditionalItemStore(options.dynamo, options.tableName);
    this.ttlSeconds = options.ttlSeconds ?? 7 * 24 * 3600;
    this.now = options.now ?? Date.now;
  }

  async load(key: CheckpointKey): Promise<CopyCheckpoint | undefined> {
    const item = await this.store.get(keys.copyCheckpoint(key.recordFileId, key.artifact));
    if (!item) return undefined;
    const partSize = Number(item.partSize);
    const totalBytes = Number(item.totalBytes);
    const uploadId = String(item.uploadId);
    const parts = decodeParts(String(item.parts ?? ''), partSize, totalBytes);
    const pages = Number(item.pages ?? 0);
    if (pages > 0) {
      const pageItems = await this.store.batchGet(
        Array.from({ length: pages }, (_, i) => pageKey(key, i + 1)),
        'copy checkpoint pages',
      );
      // A page of another upload (a worker that lost its lease wrote it) holds nothing of this one;
      // a page missing or behind the checkpoint item only means parts found again by ListParts or uploaded again.
      for (const page of pageItems) if (page.uploadId === uploadId) parts.push(...decodeParts(String(page.parts ?? ''), partSize, totalBytes));
      parts.sort((a, b) => a.partNumber - b.partNumber);
    }
    return {
      bucket: String(item.bucket),
      key: String(item.objectKey),
      uploadId,
      partSize,
      totalBytes,
      checksumType: item.checksumType === 'COMPOSITE' ? 'COMPOSITE' : 'FULL_OBJECT',
      parts,
      nextByte: Number(item.nextByte),
      bytesDone: Number(item.bytesDone),
      phase: item.phase === 'completing' ? 'completing' : 'uploading',
      updatedAt: String(item.updatedAt),
      ...(item.runStartedAt !== undefined ? { runStartedAt: String(item.runStartedAt), runStartBytes: Number(item.runStartBytes ?? 0) } : {}),
    };
  }

  async save(key: CheckpointKey, checkpoint: CopyCheckpoint): Promise<void> {
    const pages = pageCountFor(checkpoint.partSize, checkpoint.totalBytes);
    // Pages first: a checkpoint item never names parts its pages have not got yet.
    if (pages > 0) await this.savePages(key, checkpoint);
    const saved = await this.store.put(
      {
        ...keys.copyCheckpoint(key.recordFileId, key.artifact),
        recordFileId: key.recordFileId,
        artifact: key.artifact,
        bucket: checkpoint.bucket,
        objectKey: checkpoint.key,
        uploadId: checkpoint.uploadId,
        partSize: checkpoint.partSize,
        totalBytes: checkpoint.totalBytes,
        checksumType: checkpoint.checksumType,
        parts: pages > 0 ? '' : encodeParts(checkpoint.parts, checkpoint.partSize, checkpoint.totalBytes),
        pages,
        partCount: checkpoint.parts.length,
        nextByte: checkpoint.nextByte,
        bytesDone: checkpoint.bytesDone,
        phase: checkpoint.phase,
        updatedAt: checkpoint.updatedAt,
        ...(checkpoint.runStartedAt !== undefined ? { runStartedAt: checkpoint.runStartedAt, runStartBytes: checkpoint.runStartBytes ?? 0 } : {}),
        ...ttlAttribute(this.now() + this.ttlSeconds * 1000),
      },
      // A worker still running on an upload that another one replaced must not resurrect it.
      { condition: 'attribute_not_exists(pk) OR uploadId = :uploadId', values: { ':uploadId': checkpoint.uploadId } },
    );
    if (!saved) throw new TransientError('copy checkpoint belongs to another upload', { ...key, uploadId: checkpoint.uploadId });
  }

  async delete(key: CheckpointKey): Promise<void> {
    const item = await this.store.get(keys.copyCheckpoint(key.recordFileId, key.artifact));
    // Pages before the item that names them, so no page outlives it.
    for (let page = 1; page <= Number(item?.pages ?? 0); page += 1) {
      await this.store.delete(pageKey(key, page));
      this.writtenPages.delete(pageId(key, page));
    }
    await this.store.delete(keys.copyCheckpoint(key.recordFileId, key.artifact));
  }

  private async savePages(key: CheckpointKey, checkpoint: CopyCheckpoint): Promise<void> {
    const ttl = ttlAttribute(this.now() + this.ttlSeconds * 1000);
    for (const [page, parts] of partsByPage(checkpoint.parts)) {
      const encoded = encodeParts(parts, checkpoint.partSize, checkpoint.totalBytes);
      const written = `${checkpoint.uploadId}|${encoded}`;
      // An unchanged page keeps its older TTL: a copy is bounded by its continuations (~50 h) far
      // inside the 7 days, and a page that expired anyway only costs its parts' upload again.
      if (this.writtenPages.get(pageId(key, page)) === written) continue;
      const item = { ...pageKey(key, page), uploadId: checkpoint.uploadId, parts: encoded, ...ttl };
      const ownUpload = { condition: 'attribute_not_exists(pk) OR uploadId = :uploadId', values: { ':uploadId': checkpoint.uploadId } };
      if (!(await this.store.put(item, ownUpload))) {
        // Left by an earlier upload of this artifact: ours to overwrite only while the checkpoint
        // item is ours too (or not written yet), as the checkpoint item's own condition says.
        const current = await this.store.get(keys.copyCheckpoint(key.recordFileId, key.artifact));
        if (current && current.uploadId !== checkpoint.uploadId) {
          throw new TransientError('copy checkpoint belongs to another upload', { ...key, uploadId: checkpoint.uploadId });
        }
        await this.store.put(item);
      }
      this.writtenPages.set(pageId(key, page), written);
    }
  }
}

function pageId(key: CheckpointKey, page: number): string {
  return `${key.recordFileId}#${key.artifact}#${page}`;
}

/** In-process store for the bench and for callers that do not need cross-invocation resume. */
export class MemoryCheckpointStore implements CheckpointStore {
  readonly items = new Map<string, CopyCheckpoint>();

  private id(key: CheckpointKey): string {
    return `${key.recordFileId}#${key.artifact}`;
  }

  async load(key: CheckpointKey): Promise<CopyCheckpoint | undefined> {
    return this.items.get(this.id(key));
  }

  async save(key: CheckpointKey, checkpoint: CopyCheckpoint): Promise<void> {
    const existing = this.items.get(this.id(key));
    if (existing && existing.uploadId !== checkpoint.uploadId) {
      throw new TransientError('copy checkpoint belongs to another upload', { ...key, uploadId: checkpoint.uploadId });
    }
    this.items.set(this.id(key), { ...checkpoint, parts: [...checkpoint.parts] });
  }

  async delete(key: CheckpointKey): Promise<void> {
    this.items.delete(this.id(key));
  }
}
