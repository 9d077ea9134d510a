// Recordings before their meeting_record_id is known. Tencent sends recording.started / paused /
// resumed / stopped with a meeting_id and a start time only; the meeting_record_id comes later (with
// recording.completed, or from the REST API). Until then the status is held in the meeting_id's
// slot as a provisional recording, listed like any other; once the real recording is indexed the
// slot becomes a marker naming it, and events of that occurrence go straight to the recording.
//
// A meeting_id is reused by every occurrence of a recurring meeting, so "the same recording" means
// the same meeting_id AND a start within the occurrence window.
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { ARCHIVE_INDEXES, keys, startTimeQuery } from './table-design.ts';
import type { MeetingRecordingRecord, RecordingStatus } from './model.ts';
import { gsiAttributes, itemKeys, mergeRecordingStatus, normaliseStartMs, optional, partitionValues, provisionalSortId, stateOf } from './archive-items.ts';
import { counterDeltas } from './counters.ts';
import type { ResolvedSlot, SlotItem, StoredMeeting } from './archive-items.ts';
import type { VersionedItems, VersionedWrite } from './versioned-items.ts';

/** A recording.started/paused/resumed/stopped event, before the meeting_record_id is known. */
export interface RecordingStatusUpdate {
  readonly meetingId: string;
  readonly meetingCode?: string;
  readonly subject?: string;
  readonly hostUserId?: string;
  /** Meeting start (preferred) or recording start, ms. Identifies the occurrence of a recurring meeting. */
  readonly startTimeMs: number;
  readonly status: 'recording' | 'paused' | 'stopped';
  /** Operate time of the event, ms: orders pause/resume/stop events that arrive out of order. */
  readonly statusAtMs?: number;
}

export interface RecordingStatusResult {
  /** `recording`: applied to the indexed meeting recording; `provisional`: held until it is known; `ignored`: stale event. */
  readonly target: 'recording' | 'provisional' | 'ignored';
  readonly meetingRecordId?: string;
}

type TimedStatus = { status: RecordingStatus; atMs?: number };

/** A recording's start and a provisional start within this window are the same occurrence. */
export const OCCURRENCE_WINDOW_MS = 12 * 3_600_000;
/** Provisional starts may precede the meeting start a little (clock skew, rounding to seconds). */
const OCCURRENCE_LEAD_MS = 3_600_000;

export function sameOccurrence(provisionalStartMs: number, recordingStartMs: number): boolean {
  return provisionalStartMs > recordingStartMs - OCCURRENCE_LEAD_MS && provisionalStartMs < recordingStartMs + OCCURRENCE_WINDOW_MS;
}

/** What indexing a meeting recording does to the slot of its meeting_id. */
export interface SlotResolution {
  /** The recording's status, with the status of a provisional recording it absorbs folded in. */
  readonly status: TimedStatus;
  /** The slot rewritten as a marker naming the recording; absent when the slot is left as it is. */
  readonly write?: VersionedWrite;
  /** The provisional recording merged into the real one: it leaves the lists and the counters. */
  readonly absorbed?: StoredMeeting;
}

/**
 * A provisional recording of the same occurrence is merged into the recording being indexed; an
 * empty slot, or a marker naming an older recording, is pointed at this one. A marker naming a
 * newer recording, or a provisional recording of another occurrence, is kept: the slot only moves
 * forward in time.
 */
export function resolveSlot(
  slot: SlotItem | undefined,
  recording: { readonly meetingId: string; readonly meetingRecordId: string; readonly startMs: number },
  status: TimedStatus,
): SlotResolution {
  const marker = (): ResolvedSlot => ({
    ...itemKeys.slot(recording.meetingId),
    kind: 'resolved',
    version: (slot?.version ?? 0) + 1,
    meetingId: recording.meetingId,
    resolvedMeetingRecordId: recording.meetingRecordId,
    resolvedStartMs: recording.startMs,
  });
  if (slot?.kind === 'provisional' && sameOccurrence(slot.mediaStartTimeMs, recording.startMs)) {
    const merged = mergeRecordingStatus(status, { status: slot.recordingStatus, atMs: slot.statusAtMs });
    return { status: merged, write: { before: slot, after: marker() }, absorbed: slot };
  }
  if (!slot || (slot.kind === 'resolved' && slot.resolvedStartMs <= recording.startMs && slot.resolvedMeetingRecordId !== recording.meetingRecordId)) {
    return { status, write: { before: slot, after: marker() } };
  }
  return { status };
}

/** Live recording statuses of meetings, applied to the recording they belong to or held in its slot. */
export class ProvisionalRecordings {
  private readonly items: VersionedItems;
  private readonly now: () => Date;

  constructor(items: VersionedItems, now: () => Date) {
    this.items = items;
    this.now = now;
  }

  /** See ArchiveIndex.recordRecordingStatus, the public entry (which validates the update first). */
  async record(update: RecordingStatusUpdate): Promise<RecordingStatusResult> {
    const startMs = normaliseStartMs(update.startTimeMs);
    return this.items.retrying(async () => {
      const slot = await this.items.get<SlotItem>(itemKeys.slot(update.meetingId));
      const known =
        slot?.kind === 'resolved' && sameOccurrence(startMs, slot.resolvedStartMs)
          ? slot.resolvedMeetingRecordId
          : await this.findRecordingOfOccurrence(update.meetingId, startMs);
      if (known) {
        const applied = await this.applyLiveStatus(known, update);
        if (applied) return { target: 'recording', meetingRecordId: known };
      }
      const now = this.now().toISOString();
      if (slot?.kind === 'provisional' && Math.abs(slot.mediaStartTimeMs - startMs) < OCCURRENCE_WINDOW_MS) {
        const status = mergeRecordingStatus({ status: slot.recordingStatus, atMs: slot.statusAtMs }, { status: update.status, atMs: update.statusAtMs });
        const merged = {
          meetingCode: slot.meetingCode || update.meetingCode || '',
          subject: update.subject || slot.subject,
          hostUserId: slot.hostUserId || update.hostUserId || '',
        };
        if (status.status === slot.recordingStatus && status.atMs === slot.statusAtMs && merged.meetingCode === slot.meetingCode && merged.subject === slot.subject && merged.hostUserId === slot.hostUserId) {
          return { target: 'provisional' };
        }
        const next = this.provisionalItem(update, slot.mediaStartTimeMs, merged, status, slot, now);
        await this.items.write([{ before: slot, after: next }], counterDeltas([slot], [next]));
        return { target: 'provisional' };
      }
      const slotStart = slot?.kind === 'resolved' ? slot.resolvedStartMs : slot?.mediaStartTimeMs;
      if (slotStart !== undefined && startMs <= slotStart) return { target: 'ignored' };
      const next = this.provisionalItem(
        update,
        startMs,
        { meetingCode: update.meetingCode ?? '', subject: update.subject ?? '', hostUserId: update.hostUserId ?? '' },
        { status: update.status, atMs: update.statusAtMs },
        slot,
        now,
      );
      const replaced = slot?.kind === 'provisional' ? slot : undefined;
      await this.items.write([{ before: slot, after: next }], counterDeltas([replaced], [next]));
      return { target: 'provisional' };
    });
  }

  /** The indexed (non-provisional) recording of a meeting whose start matches a provisional start. */
  private async findRecordingOfOccurrence(meetingId: string, provisionalStartMs: number): Promise<string | undefined> {
    const out = await this.items.dynamo.send(
      new QueryCommand(
        startTimeQuery(
          this.items.tableName,
          ARCHIVE_INDEXES.byMeetingId,
          partitionValues.meetingId(meetingId),
          Math.max(0, provisionalStartMs - OCCURRENCE_WINDOW_MS + 1),
          provisionalStartMs + OCCURRENCE_LEAD_MS,
        ),
      ),
    );
    const match = (out.Items as StoredMeeting[] | undefined)?.find((item) => item.kind === 'meeting' && sameOccurrence(provisionalStartMs, item.mediaStartTimeMs));
    return match?.meetingRecordId;
  }

  /** Applies a live-tier status to an indexed recording; false when it vanished meanwhile. */
  private async applyLiveStatus(meetingRecordId: string, update: RecordingStatusUpdate): Promise<boolean> {
    const item = await this.items.get<StoredMeeting>(keys.meeting(meetingRecordId));
    if (!item) return false;
    const status = mergeRecordingStatus({ status: item.recordingStatus, atMs: item.statusAtMs }, { status: update.status, atMs: update.statusAtMs });
    if (status.status === item.recordingStatus && status.atMs === item.statusAtMs) return true;
    const next: StoredMeeting = {
      ...item,
      recordingStatus: status.status,
      state: Math.max(item.state, stateOf(status.status)),
      ...optional('statusAtMs', status.atMs),
      version: item.version + 1,
      updatedAt: this.now().toISOString(),
    };
    await this.items.write([{ before: item, after: next }], new Map());
    return true;
  }

  private provisionalItem(
    update: RecordingStatusUpdate,
    startMs: number,
    fields: { meetingCode: string; subject: string; hostUserId: string },
    status: TimedStatus,
    slot: SlotItem | undefined,
    now: string,
  ): StoredMeeting & { kind: 'provisional' } {
    const base: MeetingRecordingRecord = {
      meetingRecordId: '',
      meetingId: update.meetingId,
      ...fields,
      mediaStartTimeMs: startMs,
      state: stateOf(status.status),
      recordingStatus: status.status,
      updatedAt: now,
    };
    return {
      ...itemKeys.slot(update.meetingId),
      ...base,
      ...gsiAttributes(base, provisionalSortId(update.meetingId)),
      kind: 'provisional',
      version: (slot?.version ?? 0) + 1,
      createdAt: slot?.kind === 'provisional' ? slot.createdAt : now,
      ...optional('statusAtMs', status.atMs),
      files: {},
    };
  }
}
