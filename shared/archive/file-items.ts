// Where a record file's record lives: inline in its meeting's MEETING item (the `files` map, so one
// GSI read returns a whole list row), or, once the MEETING item would outgrow its budget, in the
// file's own REC#<meeting_record_id> / FILE#<record_file_id> item (the pointer that resolves a
// record_file_id). DynamoDB refuses items over 400 KB; a meeting recording with 200 files of 6
// artifacts each needs about 500 KB, so files move apart one by one as the item fills, and the
// MEETING item is flagged `filesApart` so that readers also read its FILE# items.
//
// Every write is still a versioned read-modify-write: a file inline is written with the MEETING
// item's version as its condition, a file apart with its own item's version, and moving a file
// apart writes both items in one transaction conditioned on both. A writer that read the file
// inline before another moved it loses its race and reads again.
import { QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ARCHIVE_INDEXES, keys } from './table-design.ts';
import type { RecordFileRecord } from './model.ts';
import { filesOf, partitionValues, type StoredMeeting } from './archive-items.ts';
import type { VersionedItems, VersionedWrite } from './versioned-items.ts';
import { addressCopyWrites } from './address-copies.ts';
import { NotFoundError } from '../errors.ts';
import type { ArchiveEvent } from '../events/archive-events.ts';
import { pendingEventItem } from '../events/outbox.ts';
import { fileTransitionEvents } from '../events/transitions.ts';

/**
 * Largest MEETING item written, as JSON bytes (DynamoDB counts attribute names and values; JSON's
 * quotes and braces make it an over-estimate). Far under 400 KB, because every inline file change
 * rewrites the whole item: at 300 KB, four workers indexing files of one meeting at once kept
 * losing their optimistic races (test/integration/archive/large-recording.test.ts); at 64 KB (about
 * 25 files of 6 artifacts, or 100 video-only files) they do not, and most meetings still fit.
 */
export const MEETING_ITEM_BUDGET_BYTES = 64 * 1024;

/** The FILE# item: the pointer's ids, and the file's record once it moved apart. */
export interface StoredFileItem {
  readonly pk: string;
  readonly sk: string;
  readonly kind: 'file-pointer';
  readonly meetingRecordId: string;
  readonly recordFileId: string;
  readonly meetingId: string;
  /** Absent on a pointer written before files could move apart (condition: no version yet). */
  readonly version?: number;
  readonly file?: RecordFileRecord;
}

export function itemBytes(item: object): number {
  return Buffer.byteLength(JSON.stringify(item));
}

/** Writes the pointer's ids, keeping a record and version that may already be on the item. */
export async function putFilePointer(dynamo: DynamoDBDocumentClient, tableName: string, file: { meetingRecordId: string; recordFileId: string; meetingId: string }): Promise<void> {
  // Also on the base table under the file's own key, for reads that must be strongly consistent.
  // An update, not a put: the item may carry the file's address copy (address-copies.ts), which
  // only a MEETING item write may change.
  await dynamo.send(
    new UpdateCommand({
      TableName: tableName,
      Key: keys.fileById(file.recordFileId),
      UpdateExpression: 'SET #kind = :kind, #mr = :mr, #f = :f',
      ExpressionAttributeNames: { '#kind': 'kind', '#mr': 'meetingRecordId', '#f': 'recordFileId' },
      ExpressionAttributeValues: { ':kind': 'file-id', ':mr': file.meetingRecordId, ':f': file.recordFileId },
    }),
  );
  await dynamo.send(
    new UpdateCommand({
      TableName: tableName,
      Key: keys.file(file.meetingRecordId, file.recordFileId),
      UpdateExpression: 'SET #kind = :kind, #mr = :mr, #f = :f, #m = :m, #g = :g',
      ExpressionAttributeNames: { '#kind': 'kind', '#mr': 'meetingRecordId', '#f': 'recordFileId', '#m': 'meetingId', '#g': ARCHIVE_INDEXES.byRecordFileId.partitionKey },
      ExpressionAttributeValues: {
        ':kind': 'file-pointer',
        ':mr': file.meetingRecordId,
        ':f': file.recordFileId,
        ':m': file.meetingId,
        ':g': partitionValues.recordFile(file.recordFileId),
      },
    }),
  );
}

/** Records of the files a MEETING item holds apart (none unless it is flagged). */
export async function filesApart(dynamo: DynamoDBDocumentClient, tableName: string, item: Pick<StoredMeeting, 'meetingRecordId' | 'filesApart'>): Promise<RecordFileRecord[]> {
  if (!item.filesApart) return [];
  const out: RecordFileRecord[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await dynamo.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :file)',
        ExpressionAttributeValues: { ':pk': keys.meeting(item.meetingRecordId).pk, ':file': 'FILE#' },
        ConsistentRead: true,
        ExclusiveStartKey: start,
      }),
    );
    for (const row of (page.Items ?? []) as StoredFileItem[]) if (row.file) out.push(row.file);
    start = page.LastEvaluatedKey;
  } while (start);
  return out;
}

/** Inline and apart files together; a record apart wins over a stale inline copy of the same file. */
export function mergeFiles(item: Pick<StoredMeeting, 'files'>, apart: readonly RecordFileRecord[]): Record<string, RecordFileRecord> {
  const merged: Record<string, RecordFileRecord> = { ...(item.files ?? {}) };
  for (const file of apart) merged[file.recordFileId] = file;
  return merged;
}

/** Every file of a MEETING item, inline and apart, in filesOf's stable order. */
export async function allFilesOf(dynamo: DynamoDBDocumentClient, tableName: string, item: Pick<StoredMeeting, 'meetingRecordId' | 'filesApart' | 'files'>): Promise<RecordFileRecord[]> {
  return filesOf({ files: mergeFiles(item, await filesApart(dynamo, tableName, item)) });
}

export interface FileChange<T> {
  /** The file's new record; absent when nothing changes. */
  readonly file?: RecordFileRecord;
  readonly result: T;
}

/** Publishes the events a file change recorded (shared/events/outbox.ts); never throws. */
export type DispatchEvents = (events: readonly ArchiveEvent[]) => Promise<void>;

/**
 * One read-modify-write of one file, wherever it lives; see the module comment. The archive events
 * the change makes (shared/events/transitions.ts) are put in the same write, then dispatched.
 */
export async function updateFile<T>(
  items: VersionedItems,
  now: () => Date,
  meetingRecordId: string,
  recordFileId: string,
  change: (existing: RecordFileRecord | undefined, meeting: StoredMeeting) => FileChange<T>,
  dispatch?: DispatchEvents,
): Promise<T> {
  const { result, events } = await items.retrying(async (): Promise<{ result: T; events: ArchiveEvent[] }> => {
    const meeting = await items.get<StoredMeeting>(keys.meeting(meetingRecordId));
    if (!meeting) throw new NotFoundError('meeting recording is not indexed: upsert it first', { meetingRecordId, recordFileId });
    const inline = meeting.files?.[recordFileId];
    const apart = inline ? undefined : meeting.filesApart ? await items.get<StoredFileItem>(keys.file(meetingRecordId, recordFileId)) : undefined;
    const existing = inline ?? apart?.file;
    const { file, result } = change(existing, meeting);
    if (!file) return { result, events: [] };
    const at = now();
    const events = fileTransitionEvents(existing, file, meeting, at);
    const outbox: VersionedWrite[] = events.map((event) => ({ before: undefined, after: pendingEventItem(event, at.getTime()), unconditional: true }));
    const write = (writes: VersionedWrite[]) => items.write([...writes, ...outbox], new Map());
    const updatedAt = at.toISOString();
    if (apart?.file) {
      await write([{ before: { version: apart.version ?? 0 }, after: { ...apart, file, version: (apart.version ?? 0) + 1 } }]);
      return { result, events };
    }
    const inPlace: StoredMeeting = { ...meeting, files: { ...meeting.files, [recordFileId]: file }, version: meeting.version + 1, updatedAt };
    // Once files live apart, new ones go apart from the start: an inline file would soon move, and
    // every inline write contends for the one MEETING item.
    if ((inline || !meeting.filesApart) && itemBytes(inPlace) <= MEETING_ITEM_BUDGET_BYTES) {
      await write([{ before: meeting, after: inPlace }, ...addressCopyWrites(meeting, inPlace, [recordFileId])]);
      return { result, events };
    }
    const pointer = apart ?? (await items.get<StoredFileItem>(keys.file(meetingRecordId, recordFileId)));
    const fileItem: StoredFileItem = {
      ...keys.file(meetingRecordId, recordFileId),
      ...pointer,
      kind: 'file-pointer',
      meetingRecordId,
      recordFileId,
      meetingId: meeting.meetingId,
      [ARCHIVE_INDEXES.byRecordFileId.partitionKey]: partitionValues.recordFile(recordFileId),
      version: (pointer?.version ?? 0) + 1,
      file,
    } as StoredFileItem;
    const fileWrite = { before: pointer ? { version: pointer.version ?? 0 } : undefined, after: fileItem };
    // A new file of a meeting already flagged goes apart alone: the MEETING item is not rewritten.
    if (!inline && meeting.filesApart) {
      await write([fileWrite]);
      return { result, events };
    }
    const { [recordFileId]: _moved, ...rest } = meeting.files ?? {};
    const flagged: StoredMeeting = { ...meeting, files: rest, filesApart: true, version: meeting.version + 1, updatedAt };
    await write([{ before: meeting, after: flagged }, fileWrite, ...addressCopyWrites(meeting, flagged, [])]);
    return { result, events };
  });
  if (events.length > 0) await dispatch?.(events);
  return result;
}
