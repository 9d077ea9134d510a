// Paged lists of meeting recordings, newest first, with an exact total, in a number of DynamoDB
// requests and items read that does not grow with the archive.
//
// Why counters (counters.ts) and not stored cursors or a Scan:
// - total_count: every listed recording counts in its partition's YEAR item (per day) and DAY item
//   (per second) in the same transaction that indexes it. A range's total is one Query over the
//   YEAR items it spans plus, for a range edge inside a day that holds recordings, that DAY item: a
//   handful of items for a range of any length.
// - page N: the per-day counts say which day holds the first item of the page and how many of that
//   day's items (r) come before it; that DAY item's per-second counts say which second, and how
//   many of that second's items (k, almost always 0) come first. The page's Query starts at the end
//   of that second with Limit k + page_size and drops the first k: the skip costs one small item,
//   never the pages before it.
// - page 1 needs no skip, and when it holds the whole range (a meeting's few recordings) its length
//   is the total: no counter is read at all.
// Stored cursors would need every page boundary rewritten whenever an older recording arrives late
// (backfill, reconcile); counters only change by one. Index sort keys end with the meeting_record_id,
// so the order is total and stable across pages.
import { GetCommand, QueryCommand, type DynamoDBDocumentClient, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { ARCHIVE_INDEXES, startTimeQuery, type IndexDesign } from './table-design.ts';
import type { MeetingRecordingRecord, RecordFileRecord } from './model.ts';
import { DAY_MS, partitionValues, toMeetingRecord, type StoredMeeting } from './archive-items.ts';
import { counterKeys, dayCountsOf, isoDay, secondCountsOf } from './counters.ts';
import { allFilesOf } from './file-items.ts';

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
  /** Only recordings whose subject contains this text (case-sensitive, as DynamoDB's contains()). */
  readonly subjectContains?: string;
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

const SECOND_MS = 1000;
/** A skip longer than this (only into a day counted before per-second counts existed) walks the index with Select: 'COUNT'. */
const MAX_DROPPED_ROWS = 100;

/** One day of the range, newest first: its recordings in range and, when known, per second. */
interface DayInRange {
  readonly day: number;
  readonly count: number;
  /** In-range seconds, newest first: the end of each (clipped to the range) and its recordings. */
  units?: Array<{ readonly hi: number; readonly count: number }>;
}

/** Where a page starts: the Query's upper bound and how many of its first rows precede the page. */
interface PageStart {
  readonly hi: number;
  readonly skip: number;
}

export async function listRecordings(dynamo: DynamoDBDocumentClient, tableName: string, query: ListRecordingsQuery): Promise<ListRecordingsResult> {
  const { index, value } = target(query.partition);
  const lo = Math.max(0, Math.trunc(query.fromMs));
  const hi = Math.trunc(query.toMs);
  if (hi < lo) return { totalCount: 0, items: [] };
  if (query.subjectContains) return listBySubject(dynamo, tableName, query, { index, value, lo, hi, subject: query.subjectContains });
  const range = new RangeReader(dynamo, tableName, index, value, lo, hi);

  const offset = (query.page - 1) * query.pageSize;
  if (offset === 0) {
    const first = await range.page({ hi, skip: 0 }, query.pageSize);
    // The whole range fitted on the page: its length is the total.
    if (first.exhausted) return { totalCount: first.items.length, items: first.items };
    return { totalCount: totalOf(await range.days()), items: first.items };
  }
  const days = await range.days();
  const totalCount = totalOf(days);
  if (offset >= totalCount) return { totalCount, items: [] };
  const start = await range.locate(days, offset);
  return { totalCount, items: (await range.page(start, query.pageSize)).items };
}

const totalOf = (days: readonly DayInRange[]) => days.reduce((sum, d) => sum + d.count, 0);

/** The reads of one list call: counters of the range, and the index Query of a page. */
class RangeReader {
  private readonly dynamo: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly index: IndexDesign;
  private readonly partition: string;
  private readonly lo: number;
  private readonly hi: number;

  constructor(dynamo: DynamoDBDocumentClient, tableName: string, index: IndexDesign, partition: string, lo: number, hi: number) {
    this.dynamo = dynamo;
    this.tableName = tableName;
    this.index = index;
    this.partition = partition;
    this.lo = lo;
    this.hi = hi;
  }

  /** Index Query over [lo, upTo], newest first. */
  private indexQuery(upTo: number, lo = this.lo): QueryCommandInput {
    return startTimeQuery(this.tableName, this.index, this.partition, lo, upTo);
  }

  /** Recordings in [from, to] counted on the index itself: only for a partial second, or a day counted before seconds were. */
  private async countIndex(from: number, to: number): Promise<number> {
    let count = 0;
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.dynamo.send(new QueryCommand({ ...this.indexQuery(to, from), Select: 'COUNT', ExclusiveStartKey: start }));
      count += out.Count ?? 0;
      start = out.LastEvaluatedKey;
    } while (start);
    return count;
  }

  private async dayItem(day: number): Promise<Record<string, unknown> | undefined> {
    const { Item } = await this.dynamo.send(new GetCommand({ TableName: this.tableName, Key: counterKeys.day(this.partition, isoDay(day)) }));
    return Item;
  }

  /** The range's seconds of one day from its DAY item, newest first; undefined for a day counted before seconds were. */
  private async unitsOf(day: number, item: Record<string, unknown>): Promise<DayInRange['units']> {
    const seconds = secondCountsOf(item);
    if (!seconds) return undefined;
    const units: NonNullable<DayInRange['units']> = [];
    for (const [second, n] of [...seconds].sort((a, b) => b[0] - a[0])) {
      const from = Math.max(this.lo, second * SECOND_MS);
      const to = Math.min(this.hi, second * SECOND_MS + SECOND_MS - 1);
      if (to < from || Math.floor(from / DAY_MS) !== day) continue;
      // A range edge inside a second (never from the archive API, whose ranges are whole seconds).
      const partial = from !== second * SECOND_MS || to !== second * SECOND_MS + SECOND_MS - 1;
      const count = partial ? await this.countIndex(from, to) : n;
      if (count > 0) units.push({ hi: to, count });
    }
    return units;
  }

  /** The range's days that hold recordings, newest first, with their in-range counts. */
  async days(): Promise<DayInRange[]> {
    const { lo, hi } = this;
    const dayLo = Math.floor(lo / DAY_MS);
    const dayHi = Math.floor(hi / DAY_MS);
    const perDay = dayCountsOf(await this.yearItems(new Date(lo).getUTCFullYear(), new Date(hi).getUTCFullYear()));
    const partial = new Set<number>();
    if (lo !== dayLo * DAY_MS) partial.add(dayLo);
    if (hi !== (dayHi + 1) * DAY_MS - 1) partial.add(dayHi);
    const edges = await Promise.all(
      [...partial]
        .filter((day) => (perDay.get(day) ?? 0) > 0)
        .map(async (day): Promise<DayInRange> => {
          const item = await this.dayItem(day);
          const units = item ? await this.unitsOf(day, item) : [];
          if (units) return { day, count: units.reduce((sum, u) => sum + u.count, 0), units };
          return { day, count: await this.countIndex(Math.max(lo, day * DAY_MS), Math.min(hi, (day + 1) * DAY_MS - 1)) };
        }),
    );
    const days: DayInRange[] = edges.filter((d) => d.count > 0);
    for (const [day, count] of perDay) if (day >= dayLo && day <= dayHi && !partial.has(day)) days.push({ day, count });
    return days.sort((a, b) => b.day - a.day);
  }

  private async yearItems(fromYear: number, toYear: number): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.dynamo.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :lo AND :hi',
          ExpressionAttributeValues: { ':pk': counterKeys.pk(this.partition), ':lo': counterKeys.year(this.partition, fromYear).sk, ':hi': counterKeys.year(this.partition, toYear).sk },
          ExclusiveStartKey: start,
        }),
      );
      items.push(...(out.Items ?? []));
      start = out.LastEvaluatedKey;
    } while (start);
    return items;
  }

  /** Where the item at `offset` (0-based, newest first) is: its second's end and its rank in that second. */
  async locate(days: readonly DayInRange[], offset: number): Promise<PageStart> {
    let before = 0;
    let found = days[0]!;
    for (const d of days) {
      found = d;
      if (offset < before + d.count) break;
      before += d.count;
    }
    const dayEnd = Math.min(this.hi, (found.day + 1) * DAY_MS - 1);
    const rank = offset - before;
    // The day's first item, or its second: dropping that row costs no more than reading the DAY item.
    if (rank <= 1) return { hi: dayEnd, skip: rank };
    let units = found.units;
    if (!units) {
      const item = await this.dayItem(found.day);
      units = item ? await this.unitsOf(found.day, item) : undefined;
    }
    if (!units) return { hi: dayEnd, skip: rank };
    let inDay = 0;
    for (const unit of units) {
      if (rank < inDay + unit.count) return { hi: unit.hi, skip: rank - inDay };
      inDay += unit.count;
    }
    return { hi: dayEnd, skip: rank };
  }

  /** Up to `size` recordings after `start.skip` rows of the index at or before `start.hi`; `exhausted` when the range ended. */
  async page(start: PageStart, size: number): Promise<{ items: ArchivedRecording[]; exhausted: boolean }> {
    const pageQuery = this.indexQuery(start.hi);
    let startKey: Record<string, unknown> | undefined;
    let skip = start.skip;
    if (skip > MAX_DROPPED_ROWS) {
      for (let skipped = 0; skipped < skip; ) {
        const out = await this.dynamo.send(new QueryCommand({ ...pageQuery, Select: 'COUNT', Limit: skip - skipped, ExclusiveStartKey: startKey }));
        skipped += out.Count ?? 0;
        startKey = out.LastEvaluatedKey;
        if (!startKey) return { items: [], exhausted: true };
      }
      skip = 0;
    }
    const items: ArchivedRecording[] = [];
    do {
      const out = await this.dynamo.send(new QueryCommand({ ...pageQuery, Limit: skip + size - items.length, ExclusiveStartKey: startKey }));
      const rows = ((out.Items ?? []) as StoredMeeting[]).slice(skip);
      skip = Math.max(0, skip - (out.Items?.length ?? 0));
      items.push(...(await Promise.all(rows.map((item) => recordingOf(this.dynamo, this.tableName, item)))));
      startKey = out.LastEvaluatedKey;
    } while (startKey && items.length < size);
    return { items, exhausted: !startKey };
  }
}

// A recording too large for one item keeps some files apart (file-items.ts): one more Query each.
async function recordingOf(dynamo: DynamoDBDocumentClient, tableName: string, item: StoredMeeting): Promise<ArchivedRecording> {
  return {
    meeting: toMeetingRecord(item),
    files: await allFilesOf(dynamo, tableName, item),
    provisional: item.kind === 'provisional',
  };
}

/**
 * A subject filter cannot use the counters (they count every recording): the range is walked with
 * a server-side filter, so its cost grows with the recordings in the range, not with the matches.
 * The console narrows by date first; the Tencent-compatible lists never pay this.
 */
async function listBySubject(
  dynamo: DynamoDBDocumentClient,
  tableName: string,
  query: ListRecordingsQuery,
  range: { index: IndexDesign; value: string; lo: number; hi: number; subject: string },
): Promise<ListRecordingsResult> {
  const offset = (query.page - 1) * query.pageSize;
  const pageItems: StoredMeeting[] = [];
  let totalCount = 0;
  let startKey: Record<string, unknown> | undefined;
  const base = startTimeQuery(tableName, range.index, range.value, range.lo, range.hi);
  do {
    const out = await dynamo.send(
      new QueryCommand({
        ...base,
        FilterExpression: 'contains(#subject, :subject)',
        ExpressionAttributeNames: { ...base.ExpressionAttributeNames, '#subject': 'subject' },
        ExpressionAttributeValues: { ...base.ExpressionAttributeValues, ':subject': range.subject },
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of (out.Items ?? []) as StoredMeeting[]) {
      if (totalCount >= offset && pageItems.length < query.pageSize) pageItems.push(item);
      totalCount += 1;
    }
    startKey = out.LastEvaluatedKey;
  } while (startKey);
  return { totalCount, items: await Promise.all(pageItems.map((item) => recordingOf(dynamo, tableName, item))) };
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
