// What `npm run status` reports about a running archive, read from the table and the queues the
// functions use, in a bounded number of requests whatever the archive's size:
// - the whole archive's recording count: the per-day counters (COUNT#ACCOUNT, one small item a day);
// - statuses, the oldest pending or failed file, copies in flight and bytes archived today: one
//   newest-first Query on the byStartTime index over the last `windowDays` (default 30), stopped
//   after `maxRecordings` (default 2,000), plus one BatchGet of the checkpoints of the artifacts
//   being copied. Never a Scan: a recording older than the window is not counted (the report says
//   what it covered, and whether it stopped early);
// - the ingest queue's and the DLQ's depths (GetQueueAttributes), the parked webhook events (one
//   Query on their partition) and the reconcile sweep's cursor (one GetItem).
import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { DAY_MS, partitionValues, type StoredMeeting } from '../archive/archive-items.ts';
import { counterKeys } from '../archive/counters.ts';
import { allFilesOf } from '../archive/file-items.ts';
import { fileStatus, type ArchiveStatus, type RecordFileRecord } from '../archive/model.ts';
import { ARCHIVE_INDEXES, keys, startTimeQuery } from '../archive/table-design.ts';
import { ConditionalItemStore } from '../aws/conditional-item-store.ts';
import { meetingStatus } from '../query/mapping.ts';
import { CursorStore } from '../reconcile/cursor.ts';
import { RECONCILE_CURSOR_NAME } from '../reconcile/reconcile-run.ts';
import { ParkedEventStore } from '../webhook/parked-events.ts';
import { queueDepth, type QueueDepth } from './queues.ts';

export const DEFAULT_STATUS_WINDOW_DAYS = 30;
export const DEFAULT_STATUS_MAX_RECORDINGS = 2_000;
/** A checkpoint not written for this long belongs to a copy that stopped (a killed worker, a paused copy waiting for its continuation). */
export const STALE_COPY_MS = 120_000;

const STATUSES: readonly ArchiveStatus[] = ['pending', 'copying', 'archived', 'failed', 'deleted'];

export type StatusCounts = Record<ArchiveStatus, number>;

export interface CopyInFlight {
  readonly meetingRecordId: string;
  readonly recordFileId: string;
  readonly artifact: string;
  readonly subject: string;
  /** From the copy checkpoint; absent for a copy of one part (no checkpoint) or one not started yet. */
  readonly bytesDone?: number;
  readonly totalBytes?: number;
  /** Bytes per second of the run in progress (bytes since it started over the time since). */
  readonly bytesPerSecond?: number;
  readonly secondsLeft?: number;
  /** When the checkpoint was last written (at most every 5 s while parts finish). */
  readonly updatedAt?: string;
  /** No checkpoint write for STALE_COPY_MS: the copy is not running right now. */
  readonly stale?: boolean;
  readonly phase?: 'uploading' | 'completing';
}

export interface FileNeedingAttention {
  readonly meetingRecordId: string;
  readonly recordFileId: string;
  readonly meetingId: string;
  readonly subject: string;
  readonly status: 'pending' | 'failed';
  readonly recordStartTime: string;
  /** The artifact that failed and why (its lastError), when the index has one. */
  readonly artifact?: string;
  readonly reason?: string;
}

export interface SweepStatus {
  readonly status: 'running' | 'complete';
  readonly planStart: string;
  readonly planEnd: string;
  readonly startedAt: string;
  readonly updatedAt: string;
  readonly completedAt?: string;
  readonly filesFound: number;
  readonly filesEnqueued: number;
  readonly filesAlreadyArchived: number;
  readonly pages: number;
}

export interface StatusReport {
  readonly generatedAt: string;
  /** Recordings in the whole archive (per-day counters). */
  readonly totalRecordings: number;
  readonly window: {
    readonly from: string;
    readonly to: string;
    readonly days: number;
    readonly recordingsRead: number;
    /** The window held more than maxRecordings: counts cover the newest maxRecordings only. */
    readonly truncated: boolean;
    readonly requests: number;
  };
  readonly recordings: StatusCounts;
  readonly files: StatusCounts;
  readonly copying: readonly CopyInFlight[];
  readonly oldestPendingOrFailed?: FileNeedingAttention;
  readonly pendingOrFailedFiles: number;
  readonly archivedToday: { readonly files: number; readonly bytes: number; readonly since: string };
  readonly queues: { readonly ingest: QueueDepth; readonly deadLetter: QueueDepth };
  readonly parkedEvents: { readonly parked: number; readonly repaired: number; readonly oldestParkedAt?: string };
  readonly lastSweep?: SweepStatus;
}

export interface StatusDeps {
  readonly dynamo: DynamoDBDocumentClient;
  readonly sqs: SQSClient;
  readonly tableName: string;
  readonly queueUrl: string;
  readonly deadLetterQueueUrl: string;
  readonly now?: () => number;
}

export interface StatusOptions {
  readonly windowDays?: number;
  readonly maxRecordings?: number;
}

const iso = (ms: number) => new Date(ms).toISOString();

export async function collectStatus(deps: StatusDeps, options: StatusOptions = {}): Promise<StatusReport> {
  const now = (deps.now ?? Date.now)();
  const days = options.windowDays ?? DEFAULT_STATUS_WINDOW_DAYS;
  const max = options.maxRecordings ?? DEFAULT_STATUS_MAX_RECORDINGS;
  const fromMs = now - days * DAY_MS;
  const todayMs = Math.floor(now / DAY_MS) * DAY_MS;

  const [window, totalRecordings, ingest, deadLetter, parked, sweep] = await Promise.all([
    readWindow(deps, fromMs, now, max),
    countAllRecordings(deps),
    queueDepth(deps.sqs, deps.queueUrl),
    queueDepth(deps.sqs, deps.deadLetterQueueUrl),
    new ParkedEventStore(deps.dynamo, deps.tableName).list(),
    new CursorStore({ dynamo: deps.dynamo, tableName: deps.tableName }).get(RECONCILE_CURSOR_NAME),
  ]);

  const recordings = emptyCounts();
  const files = emptyCounts();
  const copying: Array<Omit<CopyInFlight, 'bytesDone'>> = [];
  const attention: FileNeedingAttention[] = [];
  const archivedToday = { files: 0, bytes: 0, since: iso(todayMs) };
  for (const { item, files: meetingFiles } of window.meetings) {
    recordings[meetingStatus(meetingFiles)] += 1;
    for (const file of meetingFiles) {
      const status = fileStatus(file);
      files[status] += 1;
      const artifacts = Object.values(file.artifacts);
      for (const artifact of artifacts) {
        if (artifact.status === 'copying') copying.push({ meetingRecordId: item.meetingRecordId, recordFileId: file.recordFileId, artifact: artifact.artifact, subject: item.subject });
        if (artifact.status === 'archived' && artifact.archivedAt && Date.parse(artifact.archivedAt) >= todayMs) archivedToday.bytes += artifact.bytes ?? 0;
      }
      const archivedAt = artifacts.map((a) => Date.parse(a.archivedAt ?? '')).filter(Number.isFinite);
      if (status === 'archived' && archivedAt.length > 0 && Math.max(...archivedAt) >= todayMs) archivedToday.files += 1;
      if (status === 'pending' || status === 'failed') attention.push(needingAttention(item, file, status));
    }
  }
  attention.sort((a, b) => a.recordStartTime.localeCompare(b.recordStartTime));
  const oldest = attention[0];

  return {
    generatedAt: iso(now),
    totalRecordings,
    window: { from: iso(fromMs), to: iso(now), days, recordingsRead: window.meetings.length, truncated: window.truncated, requests: window.requests },
    recordings,
    files,
    copying: await withProgress(deps, copying, now),
    ...(oldest ? { oldestPendingOrFailed: oldest } : {}),
    pendingOrFailedFiles: attention.length,
    archivedToday,
    queues: { ingest, deadLetter },
    parkedEvents: {
      parked: parked.filter((e) => e.status === 'parked').length,
      repaired: parked.filter((e) => e.status === 'repaired').length,
      ...(parked.find((e) => e.status === 'parked') ? { oldestParkedAt: iso(parked.find((e) => e.status === 'parked')!.parkedAtMs) } : {}),
    },
    ...(sweep
      ? {
          lastSweep: {
            status: sweep.status,
            planStart: iso(sweep.planStartSec * 1000),
            planEnd: iso(sweep.planEndSec * 1000),
            startedAt: iso(sweep.startedAtMs),
            updatedAt: iso(sweep.updatedAtMs),
            ...(sweep.completedAtMs !== undefined ? { completedAt: iso(sweep.completedAtMs) } : {}),
            filesFound: sweep.totals.files,
            filesEnqueued: sweep.totals.filesEnqueued,
            filesAlreadyArchived: sweep.totals.filesArchived,
            pages: sweep.totals.pages,
          },
        }
      : {}),
  };
}

function emptyCounts(): StatusCounts {
  return Object.fromEntries(STATUSES.map((s) => [s, 0])) as StatusCounts;
}

function needingAttention(item: StoredMeeting, file: RecordFileRecord, status: 'pending' | 'failed'): FileNeedingAttention {
  const failed = Object.values(file.artifacts).find((a) => a.status === 'failed' && a.lastError) ?? Object.values(file.artifacts).find((a) => a.lastError);
  return {
    meetingRecordId: item.meetingRecordId,
    recordFileId: file.recordFileId,
    meetingId: item.meetingId,
    subject: item.subject,
    status,
    recordStartTime: iso(file.recordStartTimeMs || item.mediaStartTimeMs),
    ...(failed ? { artifact: failed.artifact, reason: failed.lastError } : {}),
  };
}

/** Recordings in the archive: the account partition's day counters (a few bytes a day). */
async function countAllRecordings(deps: StatusDeps): Promise<number> {
  let total = 0;
  let start: Record<string, unknown> | undefined;
  do {
    const page = await deps.dynamo.send(
      new QueryCommand({
        TableName: deps.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :day)',
        ExpressionAttributeValues: { ':pk': counterKeys.pk(partitionValues.account()), ':day': 'DAY#' },
        ProjectionExpression: 'n',
        ExclusiveStartKey: start,
      }),
    );
    for (const item of page.Items ?? []) total += Number(item.n ?? 0);
    start = page.LastEvaluatedKey;
  } while (start);
  return total;
}

interface WindowRead {
  readonly meetings: Array<{ item: StoredMeeting; files: RecordFileRecord[] }>;
  readonly truncated: boolean;
  readonly requests: number;
}

/** The newest `max` recordings started in [fromMs, toMs], with their files (inline and apart). */
async function readWindow(deps: StatusDeps, fromMs: number, toMs: number, max: number): Promise<WindowRead> {
  const meetings: WindowRead['meetings'] = [];
  let start: Record<string, unknown> | undefined;
  let requests = 0;
  do {
    requests += 1;
    const page = await deps.dynamo.send(
      new QueryCommand({
        ...startTimeQuery(deps.tableName, ARCHIVE_INDEXES.byStartTime, partitionValues.account(), fromMs, toMs),
        Limit: Math.min(100, max - meetings.length),
        ExclusiveStartKey: start,
      }),
    );
    for (const item of (page.Items ?? []) as StoredMeeting[]) {
      if (item.filesApart) requests += 1;
      meetings.push({ item, files: await allFilesOf(deps.dynamo, deps.tableName, item) });
    }
    start = page.LastEvaluatedKey;
  } while (start && meetings.length < max);
  return { meetings, truncated: start !== undefined, requests };
}

/** Each copy's progress from its checkpoint item: one BatchGet for all of them. */
export async function withProgress(deps: Pick<StatusDeps, 'dynamo' | 'tableName'>, copies: ReadonlyArray<Omit<CopyInFlight, 'bytesDone'>>, now: number): Promise<CopyInFlight[]> {
  if (copies.length === 0) return [];
  const store = new ConditionalItemStore(deps.dynamo, deps.tableName);
  const items = await store.batchGet(
    copies.map((c) => keys.copyCheckpoint(c.recordFileId, c.artifact)),
    'copy checkpoints',
  );
  const byKey = new Map(items.map((item) => [`${String(item.recordFileId)}#${String(item.artifact)}`, item]));
  return copies.map((copy) => {
    const item = byKey.get(`${copy.recordFileId}#${copy.artifact}`);
    if (!item) return copy;
    return { ...copy, ...copyProgress(item, now) };
  });
}

/** Bytes, rate and time left of one copy from its checkpoint item (exported for the formatting tests). */
export function copyProgress(
  item: Readonly<Record<string, unknown>>,
  now: number,
): Pick<CopyInFlight, 'bytesDone' | 'totalBytes' | 'bytesPerSecond' | 'secondsLeft' | 'updatedAt' | 'stale' | 'phase'> {
  const bytesDone = Number(item.bytesDone ?? 0);
  const totalBytes = Number(item.totalBytes ?? 0);
  const updatedMs = Date.parse(String(item.updatedAt ?? ''));
  const startedMs = Date.parse(String(item.runStartedAt ?? ''));
  const stale = Number.isFinite(updatedMs) && now - updatedMs > STALE_COPY_MS;
  const seconds = (updatedMs - startedMs) / 1000;
  const copied = bytesDone - Number(item.runStartBytes ?? 0);
  const bytesPerSecond = Number.isFinite(seconds) && seconds > 0 && copied > 0 ? copied / seconds : undefined;
  return {
    bytesDone,
    totalBytes,
    ...(bytesPerSecond !== undefined && !stale ? { bytesPerSecond, secondsLeft: Math.max(0, totalBytes - bytesDone) / bytesPerSecond } : {}),
    ...(Number.isFinite(updatedMs) ? { updatedAt: iso(updatedMs) } : {}),
    ...(stale ? { stale } : {}),
    phase: item.phase === 'completing' ? 'completing' : 'uploading',
  };
}
