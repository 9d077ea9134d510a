// Which meeting recording a record_file_id belongs to. The base-table pointer (FILE# / POINTER) is
// read consistently: a GSI is eventually consistent, so a deletion would miss a file indexed a
// moment earlier. Files indexed before that pointer existed are found through the byRecordFileId
// index. The pointer may also carry the file's address copy (address-copies.ts).
import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ARCHIVE_INDEXES, keys } from './table-design.ts';
import { partitionValues } from './archive-items.ts';
import type { StoredFileIdItem } from './address-copies.ts';
import type { VersionedItems } from './versioned-items.ts';

/** The file's base-table pointer, read consistently (one GetItem). */
export function readFilePointer(items: VersionedItems, recordFileId: string): Promise<StoredFileIdItem | undefined> {
  return items.get<StoredFileIdItem>(keys.fileById(recordFileId));
}

/** The meeting of a file, from its pointer already read (`pointer`), else through the index. */
export async function meetingOfFile(
  dynamo: DynamoDBDocumentClient,
  tableName: string,
  recordFileId: string,
  pointer: StoredFileIdItem | undefined,
): Promise<{ meetingRecordId: string } | undefined> {
  if (pointer?.meetingRecordId) return { meetingRecordId: pointer.meetingRecordId };
  const out = await dynamo.send(
    new QueryCommand({
      TableName: tableName,
      IndexName: ARCHIVE_INDEXES.byRecordFileId.indexName,
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': ARCHIVE_INDEXES.byRecordFileId.partitionKey },
      ExpressionAttributeValues: { ':pk': partitionValues.recordFile(recordFileId) },
      Limit: 1,
    }),
  );
  const item = out.Items?.[0] as { meetingRecordId?: string } | undefined;
  return item?.meetingRecordId ? { meetingRecordId: item.meetingRecordId } : undefined;
}
