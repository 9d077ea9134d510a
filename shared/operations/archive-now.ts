// Archives one meeting (or one file) on demand (`npm run archive`): puts on the ingest queue the
// message a webhook event or the sweep would have sent, so the worker treats it like any other,
// then reads the index until the files are archived or one failed.
//   --meeting-id      archive-meeting: the worker lists /v1/records for the meeting (the nearest
//                     window first, widening back as for an event, record-windows.ts) and archives
//                     every file listed, as for an event whose recording_files came empty;
//   --meeting-code    GET /v1/meetings?meeting_code= names the meeting (plus any meeting the index
//                     holds under that code: Tencent no longer answers for a recycled code), then as
//                     --meeting-id;
//   --record-file-id  a file the index knows: the sweep's archive-file message (enqueue.ts, with its
//                     enqueued marker); one it does not know: resolve-file, as for an event without
//                     meeting_info (GET /v1/addresses/{id} names its meeting).
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { ArchiveIndex } from '../archive/archive-index.ts';
import { partitionValues, type StoredMeeting } from '../archive/archive-items.ts';
import { allFilesOf } from '../archive/file-items.ts';
import { fileStatus, type ArchiveStatus, type RecordFileRecord } from '../archive/model.ts';
import { ARCHIVE_INDEXES } from '../archive/table-design.ts';
import { NotFoundError, ValidationError } from '../errors.ts';
import { IngestMessage } from '../ingest/messages.ts';
import { sendIngestMessages } from '../ingest/queue.ts';
import { lookupWindows, searchWindow } from '../ingest/record-windows.ts';
import { SqsFileEnqueuer } from '../reconcile/enqueue.ts';
import type { TencentMeetingClient } from '../tencent/client.ts';
import { TencentApiError } from '../tencent/errors.ts';
import { withProgress, type CopyInFlight } from './status.ts';

export type ArchiveSelector =
  | { readonly by: 'meetingId'; readonly meetingId: string }
  | { readonly by: 'meetingCode'; readonly meetingCode: string }
  | { readonly by: 'recordFileId'; readonly recordFileId: string };

export interface ArchiveNowDeps {
  readonly dynamo: DynamoDBDocumentClient;
  readonly sqs: SQSClient;
  readonly tableName: string;
  readonly queueUrl: string;
  /** Needed for --meeting-code, and to learn which files a meeting has while waiting. */
  readonly tencent?: () => Promise<TencentMeetingClient>;
  readonly now?: () => number;
}

export interface EnqueuedArchive {
  readonly meetingIds: readonly string[];
  /** Set when one file was asked for. */
  readonly recordFileId?: string;
  readonly messages: readonly IngestMessage[];
}

/** The `reason` the messages carry (it shows in the worker's logs). */
export const OPERATOR_REASON = 'operator';

export async function enqueueArchive(deps: ArchiveNowDeps, selector: ArchiveSelector): Promise<EnqueuedArchive> {
  const now = (deps.now ?? Date.now)();
  if (selector.by === 'recordFileId') {
    const known = await new ArchiveIndex({ dynamo: deps.dynamo, tableName: deps.tableName }).getRecordFileWithMeeting(selector.recordFileId);
    if (known) {
      const { file, meeting } = known;
      const window = lookupWindows({ windowStartSec: 0, windowEndSec: 0, known: { recordStartTimeMs: file.recordStartTimeMs, recordEndTimeMs: file.recordEndTimeMs } }, now)[0]!;
      const enqueuer = new SqsFileEnqueuer({ sqs: deps.sqs, dynamo: deps.dynamo, queueUrl: deps.queueUrl, tableName: deps.tableName, now: () => now });
      const toSend = {
        meetingId: meeting.meetingId,
        meetingRecordId: meeting.meetingRecordId,
        recordFileId: file.recordFileId,
        recordSize: file.recordSize,
        ...(meeting.hostUserId ? { creatorUserId: meeting.hostUserId } : {}),
        windowStartSec: window.startSec,
        windowEndSec: window.endSec,
      };
      await enqueuer.enqueue([toSend], OPERATOR_REASON);
      const message = IngestMessage.parse({ kind: 'archive-file', reason: OPERATOR_REASON, ...toSend });
      return { meetingIds: [meeting.meetingId], recordFileId: file.recordFileId, messages: [message] };
    }
    const message = IngestMessage.parse({ kind: 'resolve-file', reason: OPERATOR_REASON, recordFileId: selector.recordFileId, operateTimeMs: now });
    await sendIngestMessages(deps.sqs, deps.queueUrl, [message]);
    return { meetingIds: [], recordFileId: selector.recordFileId, messages: [message] };
  }
  const meetingIds = selector.by === 'meetingId' ? [selector.meetingId] : await meetingsOfCode(deps, selector.meetingCode);
  const messages = meetingIds.map((meetingId) =>
    IngestMessage.parse({ kind: 'archive-meeting', reason: OPERATOR_REASON, meetingId, ...searchWindow(undefined, now) }),
  );
  await sendIngestMessages(deps.sqs, deps.queueUrl, messages);
  return { meetingIds, messages };
}

/** The meetings a code names: Tencent's answer now, and those the index recorded under it. */
export async function meetingsOfCode(deps: ArchiveNowDeps, meetingCode: string): Promise<string[]> {
  if (!/^\d{1,20}$/.test(meetingCode)) throw new ValidationError(`a meeting code is digits only (got '${meetingCode}')`);
  if (!deps.tencent) throw new ValidationError('--meeting-code needs the Tencent Meeting credentials (TENCENT_MEETING_*)');
  const ids = new Set<string>();
  try {
    const answer = await (await deps.tencent()).getMeetingsByCode(meetingCode);
    for (const meeting of answer.meeting_info_list) ids.add(meeting.meeting_id);
  } catch (error) {
    // 9003: no meeting holds the code now (recycled, or never used); the index may still know it.
    if (!(error instanceof TencentApiError) || error.errorCode !== 9003) throw error;
  }
  for (const item of await indexedMeetings(deps, ARCHIVE_INDEXES.byMeetingCode, partitionValues.meetingCode(meetingCode))) ids.add(item.meetingId);
  if (ids.size === 0) throw new NotFoundError(`no meeting has the code ${meetingCode} (Tencent names none, and the archive holds none)`, { meetingCode });
  return [...ids];
}

async function indexedMeetings(deps: ArchiveNowDeps, index: { indexName: string; partitionKey: string }, value: string): Promise<StoredMeeting[]> {
  const items: StoredMeeting[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await deps.dynamo.send(
      new QueryCommand({
        TableName: deps.tableName,
        IndexName: index.indexName,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': index.partitionKey },
        ExpressionAttributeValues: { ':pk': value },
        ExclusiveStartKey: start,
      }),
    );
    items.push(...((page.Items ?? []) as StoredMeeting[]));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

/** The files Tencent lists for the meetings now (finished recordings), in the windows the worker searches. */
export async function filesTencentLists(deps: ArchiveNowDeps, enqueued: EnqueuedArchive): Promise<{ files: string[]; unfinished: number }> {
  if (!deps.tencent || enqueued.meetingIds.length === 0) return { files: [], unfinished: 0 };
  const tencent = await deps.tencent();
  const files = new Set<string>();
  let unfinished = 0;
  for (const message of enqueued.messages) {
    if (message.kind !== 'archive-meeting') continue;
    for (const window of lookupWindows({ ...message }, (deps.now ?? Date.now)())) {
      let listed = 0;
      for await (const meeting of tencent.iterateRecords({ meetingId: message.meetingId, startTimeSec: window.startSec, endTimeSec: window.endSec })) {
        listed += 1;
        if (meeting.state !== 3) unfinished += 1;
        for (const file of meeting.record_files) files.add(file.record_file_id);
      }
      if (listed > 0) break;
    }
  }
  return { files: [...files], unfinished };
}

export interface FileProgress {
  readonly recordFileId: string;
  readonly meetingRecordId?: string;
  readonly subject?: string;
  /** `unknown`: not in the index yet. */
  readonly status: ArchiveStatus | 'unknown';
  readonly bytes: number;
  readonly artifacts: ReadonlyArray<{ readonly artifact: string; readonly status: ArchiveStatus; readonly bytes?: number; readonly lastError?: string }>;
  readonly copies: readonly CopyInFlight[];
}

export interface ArchiveProgress {
  readonly files: readonly FileProgress[];
  /** Every expected file archived (or deleted at the source under `mirror`). */
  readonly archived: boolean;
  /** A file failed (its artifacts' lastError say why). */
  readonly failed: boolean;
}

/**
 * Where the files stand in the index: those expected (Tencent's list, the one file asked for) and
 * every file the index holds for the meetings. Reads only the meetings' own index partitions.
 */
export async function archiveProgress(deps: ArchiveNowDeps, enqueued: EnqueuedArchive, expected: readonly string[]): Promise<ArchiveProgress> {
  const now = (deps.now ?? Date.now)();
  const index = new ArchiveIndex({ dynamo: deps.dynamo, tableName: deps.tableName });
  const found = new Map<string, { file: RecordFileRecord; meetingRecordId: string; subject: string }>();
  for (const meetingId of enqueued.meetingIds) {
    for (const item of await indexedMeetings(deps, ARCHIVE_INDEXES.byMeetingId, partitionValues.meetingId(meetingId))) {
      for (const file of await allFilesOf(deps.dynamo, deps.tableName, item)) found.set(file.recordFileId, { file, meetingRecordId: item.meetingRecordId, subject: item.subject });
    }
  }
  const wanted = new Set([...expected, ...(enqueued.recordFileId ? [enqueued.recordFileId] : [])]);
  for (const id of wanted) {
    if (found.has(id)) continue;
    const known = await index.getRecordFileWithMeeting(id);
    if (known) found.set(id, { file: known.file, meetingRecordId: known.meeting.meetingRecordId, subject: known.meeting.subject });
  }
  const scope = enqueued.recordFileId ? [enqueued.recordFileId] : [...new Set([...wanted, ...found.keys()])];
  const files: FileProgress[] = [];
  for (const id of scope) {
    const entry = found.get(id);
    if (!entry) {
      files.push({ recordFileId: id, status: 'unknown', bytes: 0, artifacts: [], copies: [] });
      continue;
    }
    const artifacts = Object.values(entry.file.artifacts).map((a) => ({
      artifact: a.artifact,
      status: a.status,
      ...(a.bytes !== undefined ? { bytes: a.bytes } : {}),
      ...(a.lastError ? { lastError: a.lastError } : {}),
    }));
    const copying = artifacts.filter((a) => a.status === 'copying').map((a) => ({ meetingRecordId: entry.meetingRecordId, recordFileId: id, artifact: a.artifact, subject: entry.subject }));
    files.push({
      recordFileId: id,
      meetingRecordId: entry.meetingRecordId,
      subject: entry.subject,
      status: fileStatus(entry.file),
      bytes: artifacts.reduce((sum, a) => sum + (a.status === 'archived' ? (a.bytes ?? 0) : 0), 0),
      artifacts,
      copies: await withProgress(deps, copying, now),
    });
  }
  const finished = (s: FileProgress['status']) => s === 'archived' || s === 'deleted';
  return {
    files,
    archived: files.length > 0 && files.every((f) => finished(f.status)),
    failed: files.some((f) => f.status === 'failed'),
  };
}
