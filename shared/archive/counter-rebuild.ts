// Rewrites every counter item (counters.ts) from the index itself. An archive indexed before the
// YEAR items and per-second DAY counts existed has DAY items with totals only, and the lists would
// undercount it: one rebuild after upgrading makes its counters what the index now writes. Run it
// while nothing is being archived (locally `npm start` idle; in AWS the ingest queue's event source
// disabled): it writes whole items, so an ADD made by a worker during the rebuild could be lost.
import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConditionalItemStore, type ItemKey } from '../aws/conditional-item-store.ts';
import { ACCOUNT_PARTITION, ARCHIVE_INDEXES } from './table-design.ts';
import type { StoredMeeting } from './archive-items.ts';
import { counterDeltas, counterItems } from './counters.ts';

export interface CounterRebuild {
  /** Listed recordings found on the account-wide index (every listed recording is on it). */
  readonly recordings: number;
  /** Counter items written. */
  readonly counterItems: number;
}

export async function rebuildCounters(dynamo: DynamoDBDocumentClient, tableName: string): Promise<CounterRebuild> {
  const { indexName, partitionKey } = ARCHIVE_INDEXES.byStartTime;
  const totals = new Map<string, number>();
  let recordings = 0;
  let start: Record<string, unknown> | undefined;
  do {
    const page = await dynamo.send(
      new QueryCommand({
        TableName: tableName,
        IndexName: indexName,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': partitionKey, '#a': 'gsiAccountPk', '#m': 'gsiMeetingIdPk', '#c': 'gsiMeetingCodePk', '#u': 'gsiUserPk', '#s': 'gsiStartSk', '#t': 'mediaStartTimeMs' },
        ExpressionAttributeValues: { ':pk': ACCOUNT_PARTITION },
        ProjectionExpression: '#a, #m, #c, #u, #s, #t',
        ExclusiveStartKey: start,
      }),
    );
    for (const item of (page.Items ?? []) as StoredMeeting[]) {
      recordings += 1;
      for (const [slot, delta] of counterDeltas([], [item])) totals.set(slot, (totals.get(slot) ?? 0) + delta);
    }
    start = page.LastEvaluatedKey;
  } while (start);
  const items = counterItems(totals) as Array<ItemKey & Record<string, string | number>>;
  await new ConditionalItemStore(dynamo, tableName).batchPut(items, 'counter items');
  return { recordings, counterItems: items.length };
}
