// How the archive index lays out a meeting recording in the single table (see table-design.ts).
//
// Item kinds this module owns:
//   REC#<meeting_record_id> / MEETING          the meeting recording AND its files (a `files` map with
//                                              every artifact). One item, so one GSI read returns a
//                                              whole list row: a page of 100 meetings costs one Query,
//                                              not one Query per meeting.
//   REC#<meeting_record_id> / FILE#<file_id>   a thin pointer (ids only) carrying gsiRecordFileIdPk, so
//                                              a record_file_id resolves to its meeting in one Query.
//   PROVISIONAL#<meeting_id> / MEETING         the "slot" of a meeting_id: either a provisional
//                                              recording (started/stopped events before the
//                                              meeting_record_id is known; listed like any other) or
//                                              a marker naming the real recording it resolved to.
//   (the COUNT# items that count listed recordings per index partition are counters.ts)
import { ACCOUNT_PARTITION, ARCHIVE_INDEXES, startSortKey } from './table-design.ts';
import type { MeetingRecordingRecord, RecordFileRecord, RecordingStatus, SharingSettings } from './model.ts';

export const DAY_MS = 86_400_000;

/** What the table stores for one meeting recording (or a provisional one). */
export interface StoredMeeting extends MeetingRecordingRecord {
  readonly pk: string;
  readonly sk: string;
  readonly kind: 'meeting' | 'provisional';
  readonly version: number;
  readonly createdAt: string;
  /** Operate time of the last recording/paused/stopped change, to order events within that tier. */
  readonly statusAtMs?: number;
  readonly files: Readonly<Record<string, RecordFileRecord>>;
  /** Some files live in their own FILE# items (file-items.ts): readers read those too. */
  readonly filesApart?: boolean;
  readonly gsiAccountPk?: string;
  readonly gsiMeetingIdPk?: string;
  readonly gsiMeetingCodePk?: string;
  readonly gsiUserPk?: string;
  readonly gsiStartSk?: string;
}

/** The provisional slot once the real recording is known: not listed (no GSI attributes). */
export interface ResolvedSlot {
  readonly pk: string;
  readonly sk: string;
  readonly kind: 'resolved';
  readonly version: number;
  readonly meetingId: string;
  readonly resolvedMeetingRecordId: string;
  readonly resolvedStartMs: number;
}

export type SlotItem = (StoredMeeting & { readonly kind: 'provisional' }) | ResolvedSlot;

export const itemKeys = {
  slot: (meetingId: string) => ({ pk: `PROVISIONAL#${meetingId}`, sk: 'MEETING' }),
} as const;

export const partitionValues = {
  account: () => ACCOUNT_PARTITION,
  meetingId: (meetingId: string) => `MID#${meetingId}`,
  meetingCode: (meetingCode: string) => `CODE#${meetingCode}`,
  user: (userId: string) => `USER#${userId}`,
  recordFile: (recordFileId: string) => `FILE#${recordFileId}`,
} as const;

/** Provisional recordings have no meeting_record_id yet; this keeps their index sort keys unique. */
export function provisionalSortId(meetingId: string): string {
  return `P${meetingId}`;
}

/** `{ [key]: value }`, or `{}` when the value is undefined: spreads an optional attribute into an item. */
export function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

export function normaliseStartMs(ms: number): number {
  return Math.max(0, Math.trunc(ms));
}

/** The GSI attributes of a listed item; empty ids are left out so the item is absent from that index. */
export function gsiAttributes(
  record: Pick<MeetingRecordingRecord, 'meetingId' | 'meetingCode' | 'hostUserId' | 'mediaStartTimeMs'>,
  sortId: string,
): Record<string, string> {
  const out: Record<string, string> = {
    [ARCHIVE_INDEXES.byStartTime.partitionKey]: partitionValues.account(),
    [ARCHIVE_INDEXES.byStartTime.sortKey]: startSortKey(normaliseStartMs(record.mediaStartTimeMs), sortId),
  };
  if (record.meetingId) out[ARCHIVE_INDEXES.byMeetingId.partitionKey] = partitionValues.meetingId(record.meetingId);
  if (record.meetingCode) out[ARCHIVE_INDEXES.byMeetingCode.partitionKey] = partitionValues.meetingCode(record.meetingCode);
  if (record.hostUserId) out[ARCHIVE_INDEXES.byUser.partitionKey] = partitionValues.user(record.hostUserId);
  return out;
}

// recording/paused/stopped form one tier ordered by operate time (pause/resume alternate); later
// tiers only move forward, so a late `recording.started` never hides a completed recording.
const TIER: Record<RecordingStatus, number> = { recording: 0, paused: 0, stopped: 0, transcoding: 1, completed: 2 };

export function mergeRecordingStatus(
  current: { status: RecordingStatus; atMs?: number } | undefined,
  next: { status: RecordingStatus; atMs?: number },
): { status: RecordingStatus; atMs?: number } {
  if (!current) return next;
  const from = TIER[current.status];
  const to = TIER[next.status];
  if (to > from) return next;
  if (to < from) return current;
  if (to > 0) return current;
  // Within the live tier, an event older than the one applied loses; without times, the later write wins.
  if (current.atMs !== undefined && next.atMs !== undefined && next.atMs < current.atMs) return current;
  return { status: next.status, atMs: next.atMs ?? current.atMs };
}

export function stateOf(status: RecordingStatus): number {
  return status === 'completed' ? 3 : status === 'transcoding' ? 2 : 1;
}

export function statusOfState(state: number): RecordingStatus {
  return state >= 3 ? 'completed' : state === 2 ? 'transcoding' : 'recording';
}

/** The domain record without storage attributes. */
export function toMeetingRecord(item: StoredMeeting): MeetingRecordingRecord {
  return {
    meetingRecordId: item.meetingRecordId,
    meetingId: item.meetingId,
    meetingCode: item.meetingCode,
    subject: item.subject,
    hostUserId: item.hostUserId,
    mediaStartTimeMs: item.mediaStartTimeMs,
    state: item.state,
    recordingStatus: item.recordingStatus,
    ...(item.recordType !== undefined ? { recordType: item.recordType } : {}),
    ...(item.mediaSetType !== undefined ? { mediaSetType: item.mediaSetType } : {}),
    ...(item.sourceDeletedAt !== undefined ? { sourceDeletedAt: item.sourceDeletedAt } : {}),
    ...(item.legalHold !== undefined ? { legalHold: item.legalHold } : {}),
    updatedAt: item.updatedAt,
  };
}

/** Files in a stable order: by recording start, then id. */
export function filesOf(item: Pick<StoredMeeting, 'files'>): RecordFileRecord[] {
  return Object.values(item.files ?? {}).sort(
    (a, b) => a.recordStartTimeMs - b.recordStartTimeMs || (a.recordFileId < b.recordFileId ? -1 : a.recordFileId > b.recordFileId ? 1 : 0),
  );
}

/** Only the documented, non-secret sharing fields: a password or link passed by mistake is dropped. */
export function safeSharing(input: SharingSettings): SharingSettings {
  const sharing = input as SharingSettings & { password?: unknown };
  const out: { -readonly [K in keyof SharingSettings]: SharingSettings[K] } = { sharingState: Number(sharing.sharingState) || 0 };
  if (typeof sharing.requiredSameCorp === 'boolean') out.requiredSameCorp = sharing.requiredSameCorp;
  if (typeof sharing.requiredParticipant === 'boolean') out.requiredParticipant = sharing.requiredParticipant;
  if (typeof sharing.sharingExpire === 'number') out.sharingExpire = sharing.sharingExpire;
  if (typeof sharing.allowDownload === 'boolean') out.allowDownload = sharing.allowDownload;
  if (typeof sharing.hasPassword === 'boolean') out.hasPassword = sharing.hasPassword;
  else if (typeof sharing.password === 'string') out.hasPassword = sharing.password.length > 0;
  return out;
}
