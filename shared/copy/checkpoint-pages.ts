// How a copy checkpoint too large for one DynamoDB item is split. S3 allows 10,000 parts; at
// ~48 bytes a part (`n:etag:crc`) the part list of a 10,000-part upload is ~480 KB, past
// DynamoDB's 400 KB item limit. A file of at most PAGE_PARTS parts keeps its parts in the checkpoint
// item itself, as before; a larger one keeps them in page items beside it, PAGE_PARTS consecutive
// part numbers each (~48 KB), so any legal upload fits, and a save rewrites only the pages whose
// parts changed since the last one instead of the whole list.
import { keys } from '../archive/table-design.ts';
import type { CheckpointKey, CheckpointPart } from './checkpoint-store.ts';

/** Parts per page item, and the most a checkpoint item holds inline. */
export const PAGE_PARTS = 1_000;

/** Page items the part plan of `totalBytes` in `partSize` parts needs (0: parts inline). */
export function pageCountFor(partSize: number, totalBytes: number): number {
  const partCount = Math.max(1, Math.ceil(totalBytes / partSize));
  return partCount <= PAGE_PARTS ? 0 : Math.ceil(partCount / PAGE_PARTS);
}

/** Page (1-based) that holds a part number. */
export function pageOf(partNumber: number): number {
  return Math.ceil(partNumber / PAGE_PARTS);
}

/** The parts of each page that has any. */
export function partsByPage(parts: readonly CheckpointPart[]): Map<number, CheckpointPart[]> {
  const pages = new Map<number, CheckpointPart[]>();
  for (const part of parts) {
    const page = pageOf(part.partNumber);
    const list = pages.get(page) ?? [];
    list.push(part);
    pages.set(page, list);
  }
  return pages;
}

export function pageKey(key: CheckpointKey, page: number): { pk: string; sk: string } {
  return keys.copyCheckpointPage(key.recordFileId, key.artifact, page);
}
