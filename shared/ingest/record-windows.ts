// Where GET /v1/records is asked for a file's meeting recording (open point #1). The windows come
// from the recording, never from a meeting's start_time/end_time alone: a recurring meeting's
// events (meeting_type 1) carry the whole series' end_time, months ahead, and a window built on it
// lies in the future. What places the recording, best first:
//   1. what the index already knows (the file's record times, its meeting's media start);
//   2. the message's own window (the sweep's corp/records window holds the recording for sure);
//   3. the event's operate_time: the recording started before it (recording.completed arrives when
//      transcoding is done, smart.* events hours or days later), so the search walks back from it
//      in ≤ 31-day windows, nearest first;
//   4. the occurrence times an event gives (sub_meeting_start_time, a one-off meeting's start).
// The caller stops at the first window that lists the file (or its unfinished recording): a miss
// widens the search before the message is deferred.
import { MAX_WINDOW_SECONDS, type TimeWindow } from '../tencent/time-windows.ts';
// A type only: the webhook's event schemas (classic zod) stay out of the ingest bundle.
import type { MeetingInfo } from '../webhook/events.ts';

const HOUR_SEC = 3_600;
const DAY_SEC = 86_400;
/** How far before operate_time the nearest window starts: recordings are announced within days. */
const NEAR_LOOKBACK_SEC = 7 * DAY_SEC;
/** operate_time and Tencent's clock may disagree a little; the window reaches past it. */
const AHEAD_SEC = DAY_SEC;
/** Windows walked back from operate_time after the near one (≤ 31 days each): about 100 days in all. */
const WIDER_WINDOWS = 3;

export interface RecordingHints {
  /** The message's window (unix seconds). */
  readonly windowStartSec: number;
  readonly windowEndSec: number;
  /** The event's operate_time, ms; absent on sweep, backfill and older messages. */
  readonly operateTimeMs?: number;
  /** Occurrence start an event gave (sub_meeting_start_time, or a one-off meeting's start_time), s. */
  readonly occurrenceStartSec?: number;
  /** What the index knows: the file's record start/end and its meeting's media start, ms. */
  readonly known?: { readonly recordStartTimeMs?: number; readonly recordEndTimeMs?: number; readonly mediaStartTimeMs?: number };
}

/** A window that fits Tencent's limit, or nothing when the bounds make no sense. */
function window(startSec: number, endSec: number): TimeWindow | undefined {
  const start = Math.max(0, Math.floor(startSec));
  const end = Math.floor(endSec);
  if (!Number.isFinite(start) || !Number.isFinite(end) || end < start) return undefined;
  return { startSec: Math.max(start, end - MAX_WINDOW_SECONDS), endSec: end };
}

/** Around one moment the recording is known to start at. */
function around(sec: number): TimeWindow | undefined {
  return window(sec - DAY_SEC, sec + DAY_SEC);
}

/** The windows to search, best first, each ≤ 31 days, none inside one searched before it. */
export function lookupWindows(hints: RecordingHints, nowMs?: number): TimeWindow[] {
  const candidates: Array<TimeWindow | undefined> = [];
  const known = hints.known;
  if (known?.recordStartTimeMs) candidates.push(window(known.recordStartTimeMs / 1000 - DAY_SEC, (known.recordEndTimeMs || known.recordStartTimeMs) / 1000 + HOUR_SEC));
  if (known?.mediaStartTimeMs) candidates.push(around(known.mediaStartTimeMs / 1000));
  // The message's window, unless it lies in the future (a series end): nothing is recorded there.
  const nowSec = nowMs !== undefined ? nowMs / 1000 : undefined;
  if (nowSec === undefined || hints.windowStartSec <= nowSec) candidates.push(window(hints.windowStartSec, hints.windowEndSec));
  const anchorSec = hints.operateTimeMs !== undefined ? hints.operateTimeMs / 1000 : Math.min(hints.windowEndSec, nowSec ?? Infinity);
  if (Number.isFinite(anchorSec)) {
    let end = anchorSec + AHEAD_SEC;
    let start = anchorSec - NEAR_LOOKBACK_SEC;
    candidates.push(window(start, end));
    for (let i = 0; i < WIDER_WINDOWS; i++) {
      end = start;
      start = end - MAX_WINDOW_SECONDS;
      candidates.push(window(start, end));
    }
  }
  if (hints.occurrenceStartSec) candidates.push(around(hints.occurrenceStartSec));

  const out: TimeWindow[] = [];
  for (const candidate of candidates) {
    if (!candidate) continue;
    if (out.some((w) => w.startSec <= candidate.startSec && w.endSec >= candidate.endSec)) continue;
    out.push(candidate);
  }
  return out;
}

/**
 * The window a webhook event's message carries, for workers that read only the window (a message
 * queued before this version, or one read by an older worker during a deploy): the near window
 * before operate_time. Never from end_time, which a recurring meeting sets to the series' end.
 */
export function eventWindow(operateTimeMs: number): { windowStartSec: number; windowEndSec: number } {
  const operateSec = Math.floor(operateTimeMs / 1000);
  const w = window(operateSec - NEAR_LOOKBACK_SEC, operateSec + AHEAD_SEC)!;
  return { windowStartSec: w.startSec, windowEndSec: w.endSec };
}

/**
 * Where /v1/records should look for the recording an event is about: a window before operate_time
 * (never around meeting_info.end_time, which a recurring meeting sets to the series' end, months
 * ahead: open point #1), plus what the worker widens the search from (shared/ingest/record-windows.ts).
 */
export function searchWindow(
  meeting: MeetingInfo | undefined,
  operateTimeMs: number,
): { windowStartSec: number; windowEndSec: number; operateTimeMs: number; occurrenceStartSec?: number; subMeetingId?: string } {
  // A one-off meeting's start_time is its occurrence; a recurring one's is the series' start.
  const occurrenceStartSec = meeting?.sub_meeting_start_time || (meeting?.meeting_type !== 1 ? meeting?.start_time : undefined);
  return {
    ...eventWindow(operateTimeMs),
    operateTimeMs,
    ...(occurrenceStartSec ? { occurrenceStartSec } : {}),
    ...(meeting?.sub_meeting_id ? { subMeetingId: meeting.sub_meeting_id } : {}),
  };
}
