// Paged lists of meeting recordings, newest first, with an exact total, in a number of DynamoDB
// requests that does not grow with the archive.
//
// Why counters + a counted skip (and not stored cursors or a Scan):
// - total_count: every listed recording adds 1 to a counter item COUNT#<index partition>/DAY#<utc day>
//   in the same transaction that indexes it. A range's total is one Query over the counter items of
//   its whole days (a few bytes per day: one request covers decades) plus a Select: 'COUNT' Query
//   over each of the at most two partial days at the ends of the range.
// - page N: the per-day counts say which day holds the first item of the page and how many of that
//   day's items (k) come before it. A Query over the index with Limit k and Select: 'COUNT' walks
//   exactly those k items server-side without returning them and hands back their LastEvaluatedKey,
//   which starts the page's Query. The skip costs at most one day of one partition, never the
//   pages before it.
// Stored cursors would need every page boundary rewritten whenever an older recording arrives late
// (backfill, reconcile); counters only change by one. Index sort keys end with the meeting_record_id,
// so the order is total and stable across pages.
import { QueryCommand, type DynamoDBDocumentClient, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { ARCHIVE_INDEXES, startSortKey, type IndexDesign } from './table-design.ts';
import type { MeetingRecordingRecord, RecordFileRecord } from './model.ts';
import { DAY_MS, filesOf, itemKeys, partitionValues, toMeetingRecord, type StoredMeeting } from './archive-items.ts';
import { filesApart, mergeFiles } from './file-items.ts';

export type ListPartition =
  | { readonly by: 'account' }
  | { readonly by: 'meetingId'; readonly meetingId: string }
  | { readonly by: 'meetingCode'; readonly meetingCode: string }
  | { readonly by: 'user'; readonly userId: string };

export interface ListRecordingsQuery {
  readonly partition: ListPartition;
  /** Inclusive range of media start times, ms. */
  readonly fromMs: number;
  readonly toMs: number;
  /** 1-based. */
  readonly page: number;
  readonly pageSize: number;
}

export interface ArchivedRecording {
  readonly meeting: MeetingRecordingRecord;
  readonly files: RecordFileRecord[];
  /** Known from recording events only: no meeting_record_id yet. */
  readonly provisional: boolean;
}

export interface ListRecordingsResult {
  readonly totalCount: number;
  readonly items: ArchivedRecording[];
}

interface Segment {
  readonly lo: number;
  readonly hi: number;
  readonly count: number;
}

function target(partition: ListPartition): { index: IndexDesign; value: string } {
  switch (partition.by) {
    case 'account':
      return { index: ARCHIVE_INDEXES.byStartTime, value: partitionValues.account() };
    case 'meetingId':
      return { index: ARCHIVE_INDEXES.byMeetingId, value: partitionValues.meetingId(partition.meetingId) };
    case 'meetingCode':
      return { index: ARCHIVE_INDEXES.byMeetingCode, value: partitionValues.meetingCode(partition.meetingCode) };
    case 'user':
      return { index: ARCHIVE_INDEXES.byUser, value: partitionValues.user(partition.userId) };
  }
}

const isoDay = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10);
const dayNumber = (iso: string) => Math.round(Date.parse(`${iso}T00:00:00Z`) / DAY_MS);

export async function listRecordings(dynamo: DynamoDBDocumentClient, tableName: string, query: ListRecordingsQuery): Promise<ListRecordingsResult> {
  const { index, value } = target(query.partition);
  const lo = Math.max(0, Math.trunc(query.fromMs));
  const hi = Math.trunc(query.toMs);
  if (hi < lo) return { totalCount: 0, items: [] };

  const rangeQuery = (from: number, to: number): QueryCommandInput => ({
    TableName: tableName,
    IndexName: index.indexName,
    KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :lo AND :hi',
    ExpressionAttributeNames: { '#pk': index.partitionKey, '#sk': index.sortKey },
    // Sort keys are `<15-digit ms>#<id>`: the bare padded number sorts before every key of that ms.
    ExpressionAttributeValues: { ':pk': value, ':lo': startSortKey(from, '').slice(0, -1), ':hi': startSortKey(to, '\uffff') },
    ScanIndexForward: false,
  });

  const countRange = async (from: number, to: number): Promise<number> => {
    let count = 0;
    let start: Record<string, unknown> | undefined;
    do {
      const out = await dynamo.send(new QueryCommand({ ...rangeQuery(from, to), Select: 'COUNT', ExclusiveStartKey: start }));
      count += out.Count ?? 0;
      start = out.LastEvaluatedKey;
    } while (start);
    return count;
  };

  const dayLo = Math.floor(lo / DAY_MS);
  const dayHi = Math.floor(hi / DAY_MS);
  const loAligned = lo === dayLo * DAY_MS;
  const hiAligned = hi === (dayHi + 1) * DAY_MS - 1;
  const fullFrom = loAligned ? dayLo : dayLo + 1;
  const fullTo = hiAligned ? dayHi : dayHi - 1;
  const top = hiAligned ? undefined : { lo: Math.max(lo, dayHi * DAY_MS), hi };
  const bottom = loAligned || (dayLo === dayHi && !hiAligned) ? undefined : { lo, hi: Math.min(hi, (dayLo + 1) * DAY_MS - 1) };

  const [topCount, dayCounts, bottomCount] = await Promise.all([
    top ? countRange(top.lo, top.hi) : 0,
    fullFrom <= fullTo ? readDayCounters(dynamo, tableName, value, fullFrom, fullTo) : [],
    bottom ? countRange(bottom.lo, bottom.hi) : 0,
  ]);
  const segments: Segment[] = [];
  if (top && topCount > 0) segments.push({ ...top, count: topCount });
  for (const { day, n } of dayCounts) if (n > 0) segments.push({ lo: day * DAY_MS, hi: (day + 1) * DAY_MS - 1, count: n });
  if (bottom && bottomCount > 0) segments.push({ ...bottom, count: bottomCount });
  const totalCount = segments.reduce((sum, s) => sum + s.count, 0);

  const offset = (query.page - 1) * query.pageSize;
  if (offset >= totalCount) return { totalCount, items: [] };
  let before = 0;
  let segment = segments[0]!;
  for (const s of segments) {
    segment = s;
    if (offset < before + s.count) break;
    before += s.count;
  }

  const pageQuery = rangeQuery(lo, segment.hi);
  let startKey: Record<string, unknown> | undefined;
  for (let skipped = 0, k = offset - before; skipped < k; ) {
    const out = await dynamo.send(new QueryCommand({ ...pageQuery, Select: 'COUNT', Limit: k - skipped, ExclusiveStartKey: startKey }));
    skipped += out.Count ?? 0;
    startKey = out.LastEvaluatedKey;
    if (!startKey) return { totalCount, items: [] };
  }

  const items: ArchivedRecording[] = [];
  do {
    const out = await dynamo.send(new QueryCommand({ ...pageQuery, Limit: query.pageSize - items.length, ExclusiveStartKey: startKey }));
    // A recording too large for one item keeps some files apart (file-items.ts): one more Query each.
    const rows = await Promise.all(
      ((out.Items ?? []) as StoredMeeting[]).map(async (item) => ({
        meeting: toMeetingRecord(item),
        files: filesOf({ files: mergeFiles(item, await filesApart(dynamo, tableName, item)) }),
        provisional: item.kind === 'provisional',
      })),
    );
    items.push(...rows);
    startKey = out.LastEvaluatedKey;
  } while (startKey && items.length < query.pageSize);
  return { totalCount, items };
}

async function readDayCounters(
  dynamo: DynamoDBDocumentClient,
  tableName: string,
  partition: string,
  fromDay: number,
  toDay: number,
): Promise<Array<{ day: number; n: number }>> {
  const out: Array<{ day: number; n: number }> = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await dynamo.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :lo AND :hi',
        ExpressionAttributeValues: {
          ':pk': itemKeys.counterPk(partition),
          ':lo': itemKeys.dayCounterSk(isoDay(fromDay)),
          ':hi': itemKeys.dayCounterSk(isoDay(toDay)),
        },
        ProjectionExpression: 'sk, n',
        ScanIndexForward: false,
        ExclusiveStartKey: start,
      }),
    );
    for (const item of (page.Items ?? []) as Array<{ sk: string; n?: number }>) out.push({ day: dayNumber(item.sk.slice(4)), n: item.n ?? 0 });
    start = page.LastEvaluatedKey;
  } while (start);
  return out;
}

/**
 * The archive API's lists, apart from ArchiveIndex: the index is what the ingest worker writes and
 * reads back, the lists are what only the query function asks, so the ingest bundle does not carry
 * them.
 */
export class ArchiveListing {
  readonly #dynamo: DynamoDBDocumentClient;
  readonly #tableName: string;

  constructor(options: { readonly dynamo: DynamoDBDocumentClient; readonly tableName: string }) {
    this.#dynamo = options.dynamo;
    this.#tableName = options.tableName;
  }

  /** One page of a list, newest first; see the module comment for how pages and totals stay O(1). */
  list(query: ListRecordingsQuery): Promise<ListRecordingsResult> {
    return listRecordings(this.#dynamo, this.#tableName, query);
  }
}
