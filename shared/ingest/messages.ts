// The ingest queue's message contract, shared by the webhook (producer), the reconcile sweep and
// backfill (producers) and the ingest worker (consumer). A message is a hint ("something happened
// to meeting M / file F"), never a download link: links expire in minutes, and the worker asks the
// REST API for the current truth anyway.
import * as z from '../validation/zod.ts';

const id = z.string().check(z.minLength(1), z.maxLength(64));
const count = z.number().check(z.int(), z.nonnegative());
const optionalString = z.optional(z.string());

/** How a copy fared in the continuations before this one (see continuation-budget.ts). */
export const ContinuationState = z.object({
  /** Continuations of this file so far. */
  count,
  /** Consecutive continuations that added no acknowledged byte. */
  stalled: count,
  /** The artifact that paused last, and its acknowledged bytes then. */
  artifact: z.string(),
  bytesDone: count,
});

/**
 * Where the recording lies, beyond the window (record-windows.ts): an event's operate_time, the
 * occurrence start it gave, and a recurring meeting's sub_meeting_id (logged with the message).
 */
const recordingPlace = {
  operateTimeMs: z.optional(count),
  occurrenceStartSec: z.optional(count),
  subMeetingId: z.optional(id),
};

/** Archive one record file (every artifact Tencent offers for it), or continue a copy in progress. */
export const ArchiveFileMessage = z.object({
  kind: z.literal('archive-file'),
  /** What caused it: an event name, 'reconcile', 'backfill' or 'continuation'. */
  reason: z.string(),
  traceId: optionalString,
  meetingId: id,
  recordFileId: id,
  meetingRecordId: z.optional(id),
  /** Search window for GET /v1/records, unix seconds (≤ 31 days apart). */
  windowStartSec: count,
  windowEndSec: count,
  /** Hint for the /v1/records operator when no operator is configured. */
  creatorUserId: optionalString,
  ...recordingPlace,
  /** Only these artifacts (e.g. transcripts after smart.transcripts); all when absent. */
  artifacts: z.optional(z.array(z.string())),
  /** How often the worker already put this message back for later (see IngestService#defer). */
  deferrals: z.optional(count),
  /** How often the message already waited for a fresh STS token (sts-wait.ts); a budget of its own. */
  stsWaits: z.optional(count),
  /** Set on continuations: bounds them (IngestService, ContinuationBudget). */
  continuation: z.optional(ContinuationState),
});

/** Tencent deleted these files (recording.deleted): mark them, and apply the deletion policy. */
export const SourceDeletedMessage = z.object({
  kind: z.literal('source-deleted'),
  reason: z.string(),
  traceId: optionalString,
  meetingId: z.optional(id),
  recordFileIds: z.array(id),
  operateTimeMs: count,
  /** How often the worker already put this message back (file busy, Tencent's answer unclear). */
  deferrals: z.optional(count),
  /** How often the message already waited for a fresh STS token (sts-wait.ts); a budget of its own. */
  stsWaits: z.optional(count),
});

/** Refresh a meeting recording's subject and sharing settings (recording.updated). */
export const RefreshMeetingMessage = z.object({
  kind: z.literal('refresh-meeting'),
  reason: z.string(),
  traceId: optionalString,
  meetingId: id,
  meetingRecordId: id,
  windowStartSec: count,
  windowEndSec: count,
  creatorUserId: optionalString,
  ...recordingPlace,
});

/** A recording is on its way (recording.started/paused/resumed/stopped): show it in the archive. */
export const RecordingStatusMessage = z.object({
  kind: z.literal('recording-status'),
  reason: z.string(),
  traceId: optionalString,
  status: z.enum(['recording', 'paused', 'stopped']),
  operateTimeMs: count,
  meetingId: id,
  meetingCode: optionalString,
  subject: optionalString,
  creatorUserId: optionalString,
  meetingStartSec: z.optional(count),
});

/**
 * Archive every file Tencent lists for a meeting: a recording event whose `recording_files` came
 * empty (open point #5). The worker fans it out into archive-file messages (event-repairs.ts).
 */
export const ArchiveMeetingMessage = z.object({
  kind: z.literal('archive-meeting'),
  reason: z.string(),
  traceId: optionalString,
  meetingId: id,
  windowStartSec: count,
  windowEndSec: count,
  /** The event's operate_time (ms) and occurrence start (s): where a miss widens the search from (record-windows.ts). */
  operateTimeMs: z.optional(count),
  occurrenceStartSec: z.optional(count),
  /** The occurrence the event named (recurring meetings): the search stops at the window listing it. */
  subMeetingId: z.optional(id),
  creatorUserId: optionalString,
  artifacts: z.optional(z.array(z.string())),
  deferrals: z.optional(count),
});

/**
 * A record file named by an event without meeting_info (uploaded recordings): the worker asks
 * GET /v1/addresses/{id} which meeting it belongs to, then archives it (event-repairs.ts).
 */
export const ResolveFileMessage = z.object({
  kind: z.literal('resolve-file'),
  reason: z.string(),
  traceId: optionalString,
  recordFileId: id,
  /** The event's operate_time: the search window is built around it once the meeting is known. */
  operateTimeMs: count,
  artifacts: z.optional(z.array(z.string())),
  /** How often the message already waited for a fresh STS token (sts-wait.ts); a budget of its own. */
  stsWaits: z.optional(count),
});

export const IngestMessage = z.discriminatedUnion('kind', [
  ArchiveFileMessage,
  SourceDeletedMessage,
  RefreshMeetingMessage,
  RecordingStatusMessage,
  ArchiveMeetingMessage,
  ResolveFileMessage,
]);

export type ContinuationState = z.infer<typeof ContinuationState>;
export type ArchiveFileMessage = z.infer<typeof ArchiveFileMessage>;
export type SourceDeletedMessage = z.infer<typeof SourceDeletedMessage>;
export type RefreshMeetingMessage = z.infer<typeof RefreshMeetingMessage>;
export type RecordingStatusMessage = z.infer<typeof RecordingStatusMessage>;
export type ArchiveMeetingMessage = z.infer<typeof ArchiveMeetingMessage>;
export type ResolveFileMessage = z.infer<typeof ResolveFileMessage>;
export type IngestMessage = z.infer<typeof IngestMessage>;
