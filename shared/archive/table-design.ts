// The one definition of the archive's DynamoDB table: the CDK stack, the local stack and the
// repositories all read it, so the key layout cannot drift between AWS and a laptop.
//
// Single-table design. Items (pk / sk):
//   REC#<meeting_record_id> / MEETING           one meeting recording (subject, ids, start time, state)
//   REC#<meeting_record_id> / FILE#<file_id>    pointer from a record_file_id to its meeting (byRecordFileId);
//                                               the file, its artifacts and archive status live in the
//                                               MEETING item's `files` map (archive-items.ts explains why),
//                                               or here once the MEETING item would pass its size budget
//                                               (file-items.ts: a DynamoDB item holds 400 KB)
//   FILE#<file_id>          / POINTER           the same pointer on the base table, read consistently: a
//                                               GSI read misses a file indexed a moment earlier; it also
//                                               carries the file's address copy (address-copies.ts), so
//                                               the archive API answers a record_file_id in one GetItem
//   PROVISIONAL#<meeting_id> / MEETING          a recording seen in events before its meeting_record_id
//   COUNT#<index partition> / YEAR#<yyyy>       listed recordings per index partition and UTC day (counters.ts)
//   COUNT#<index partition> / DAY#<yyyy-mm-dd>  the day's total and its recordings per second (counters.ts)
//   EVENT#<trace_id>        / EVENT             webhook dedupe marker (expires through `ttl`)
//   WEBHOOK#PARKED          / EVENT#<event id>  a signed event the webhook could not map (expires through `ttl`)
//   COPY#<file_id>#<artifact> / CHECKPOINT      resumable copy state (upload id, parts, next byte)
//   COPY#<file_id>#<artifact> / CHECKPOINT#PAGE#<n>  parts of a copy of over 1,000 parts (checkpoint-pages.ts)
//   LEASE#<file_id>         / LEASE             which worker is copying a file, until when
//   TENCENT#STS_TOKEN       / TOKEN             the latest STS token delivered by common.sts-token
//   RECONCILE#<name>        / CURSOR            reconcile / backfill progress
//   OUTBOX#PENDING          / EVENT#<event id>  an archive event recorded with its change, not yet published
//                                               (shared/events/outbox.ts; the reconcile sweep publishes leftovers)
//   OUTBOX#ONCE#<event id>  / ONCE              an event that has no state change of its own was recorded
//                                               (a message that gave up); expires through `ttl`
//
// Secondary indexes serve every list of the archive API with a Query (never a Scan). Index sort
// keys are `<start_ms zero-padded>#<meeting_record_id>` so results order by recording start time
// and stay stable across pages.

export const TABLE_PARTITION_KEY = 'pk';
export const TABLE_SORT_KEY = 'sk';
export const TTL_ATTRIBUTE = 'ttl';

export interface IndexDesign {
  readonly indexName: string;
  readonly partitionKey: string;
  readonly sortKey: string;
}

export const ARCHIVE_INDEXES = {
  /** Meeting recordings of one meeting_id. */
  byMeetingId: { indexName: 'byMeetingId', partitionKey: 'gsiMeetingIdPk', sortKey: 'gsiStartSk' },
  /** Meeting recordings of one meeting_code. */
  byMeetingCode: { indexName: 'byMeetingCode', partitionKey: 'gsiMeetingCodePk', sortKey: 'gsiStartSk' },
  /** Meeting recordings created/hosted by one user id. */
  byUser: { indexName: 'byUser', partitionKey: 'gsiUserPk', sortKey: 'gsiStartSk' },
  /** Every meeting recording of the account, by start time (account-wide list). */
  byStartTime: { indexName: 'byStartTime', partitionKey: 'gsiAccountPk', sortKey: 'gsiStartSk' },
  /** One record file by its record_file_id. */
  byRecordFileId: { indexName: 'byRecordFileId', partitionKey: 'gsiRecordFileIdPk', sortKey: 'sk' },
} as const satisfies Record<string, IndexDesign>;

export const ACCOUNT_PARTITION = 'ACCOUNT';
export const PARKED_EVENTS_PARTITION = 'WEBHOOK#PARKED';
export const OUTBOX_PENDING_PARTITION = 'OUTBOX#PENDING';

export const keys = {
  meeting: (meetingRecordId: string) => ({ pk: `REC#${meetingRecordId}`, sk: 'MEETING' }),
  file: (meetingRecordId: string, recordFileId: string) => ({ pk: `REC#${meetingRecordId}`, sk: `FILE#${recordFileId}` }),
  /** Which meeting recording a record_file_id belongs to, for strongly consistent lookups. */
  fileById: (recordFileId: string) => ({ pk: `FILE#${recordFileId}`, sk: 'POINTER' }),
  event: (traceId: string) => ({ pk: `EVENT#${traceId}`, sk: 'EVENT' }),
  /** One partition for every parked event: there are few, and the operator lists them with one Query. */
  parkedEvent: (eventId: string) => ({ pk: PARKED_EVENTS_PARTITION, sk: `EVENT#${eventId}` }),
  copyCheckpoint: (recordFileId: string, artifact: string) => ({ pk: `COPY#${recordFileId}#${artifact}`, sk: 'CHECKPOINT' }),
  copyCheckpointPage: (recordFileId: string, artifact: string, page: number) => ({
    pk: `COPY#${recordFileId}#${artifact}`,
    sk: `CHECKPOINT#PAGE#${String(page).padStart(2, '0')}`,
  }),
  /** One worker at a time copies a file: duplicate messages wait instead of copying twice. */
  copyLease: (recordFileId: string) => ({ pk: `LEASE#${recordFileId}`, sk: 'LEASE' }),
  stsToken: () => ({ pk: 'TENCENT#STS_TOKEN', sk: 'TOKEN' }),
  reconcileCursor: (name: string) => ({ pk: `RECONCILE#${name}`, sk: 'CURSOR' }),
  /** One partition for the outbox: it holds events for the moment between their write and their publication. */
  outboxPending: (eventId: string) => ({ pk: OUTBOX_PENDING_PARTITION, sk: `EVENT#${eventId}` }),
  outboxOnce: (eventId: string) => ({ pk: `OUTBOX#ONCE#${eventId}`, sk: 'ONCE' }),
} as const;

/** Sort key of every index: zero-padded start time in ms, then the id for a stable order. */
export function startSortKey(startMs: number, meetingRecordId: string): string {
  return `${String(Math.max(0, Math.trunc(startMs))).padStart(15, '0')}#${meetingRecordId}`;
}

/** An index Query over the recordings of one partition started in [loMs, hiMs], newest first. */
export function startTimeQuery(tableName: string, index: IndexDesign, partition: string, loMs: number, hiMs: number) {
  return {
    TableName: tableName,
    IndexName: index.indexName,
    KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :lo AND :hi',
    ExpressionAttributeNames: { '#pk': index.partitionKey, '#sk': index.sortKey },
    // Sort keys are `<15-digit ms>#<id>`: the bare padded number sorts before every key of that ms.
    ExpressionAttributeValues: { ':pk': partition, ':lo': startSortKey(loMs, '').slice(0, -1), ':hi': startSortKey(hiMs, '\uffff') },
    ScanIndexForward: false,
  };
}

/** Receives before an ingest message moves to the DLQ: the CDK stack and the local stack alike. */
export const INGEST_MAX_RECEIVE_COUNT = 5;
