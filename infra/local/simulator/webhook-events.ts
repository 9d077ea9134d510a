// Builders for the plaintext of every webhook event Tencent sends (reference §3.3), from plain
// parameters rather than the simulator's model, so tests and tools can build any event, including
// ones the model cannot reach. `meetingFromRecording` adapts a model recording.
import { randomUUID } from 'node:crypto';
import type { SimMeetingRecording } from './model.ts';
import type { SourceReadings } from './profiles.ts';

export interface TencentWebhookEvent {
  readonly event: string;
  readonly trace_id?: string;
  readonly unique_sequence?: string;
  readonly payload: Record<string, unknown>[];
}

export interface EventMeeting {
  readonly meetingId: string;
  readonly meetingCode?: string;
  readonly subject?: string;
  readonly creatorUserId?: string;
  readonly creatorName?: string;
  /** Unix seconds. */
  readonly startTimeSec: number;
  /** Unix seconds; absent while the meeting runs. */
  readonly endTimeSec?: number;
  readonly meetingType?: number;
  /** A recurring meeting's occurrence (meeting_type 1). */
  readonly subMeetingId?: string;
  readonly subMeetingStartTimeSec?: number;
  readonly subMeetingEndTimeSec?: number;
  /** Sent as Tencent's docs show it: a string ("2"); real captures send a number. */
  readonly mediaSetType?: number | string;
}

export interface EventOptions {
  readonly traceId?: string;
  /** operate_time, epoch ms; default now. */
  readonly operateTimeMs?: number;
  /** Who did it; omitted = no operator (as on recording.completed). */
  readonly operatorUserId?: string;
}

export type RecordingStatusEventName = 'recording.started' | 'recording.paused' | 'recording.resumed' | 'recording.stopped';

function meetingInfo(meeting: EventMeeting, includeEnd: boolean): Record<string, unknown> {
  return {
    meeting_id: meeting.meetingId,
    ...(meeting.meetingCode !== undefined ? { meeting_code: meeting.meetingCode } : {}),
    ...(meeting.subject !== undefined ? { subject: meeting.subject } : {}),
    ...(meeting.creatorUserId !== undefined
      ? { creator: { userid: meeting.creatorUserId, user_name: meeting.creatorName ?? meeting.creatorUserId } }
      : {}),
    meeting_type: meeting.meetingType ?? 0,
    start_time: meeting.startTimeSec,
    ...(includeEnd && meeting.endTimeSec !== undefined ? { end_time: meeting.endTimeSec } : {}),
    ...(meeting.subMeetingId !== undefined ? { sub_meeting_id: meeting.subMeetingId } : {}),
    ...(meeting.subMeetingStartTimeSec !== undefined ? { sub_meeting_start_time: meeting.subMeetingStartTimeSec } : {}),
    ...(includeEnd && meeting.subMeetingEndTimeSec !== undefined ? { sub_meeting_end_time: meeting.subMeetingEndTimeSec } : {}),
    ...(meeting.mediaSetType !== undefined ? { media_set_type: meeting.mediaSetType } : {}),
  };
}

function envelope(event: string, payload: Record<string, unknown>, options: EventOptions): TencentWebhookEvent {
  return {
    event,
    trace_id: options.traceId ?? randomUUID(),
    payload: [
      {
        operate_time: options.operateTimeMs ?? Date.now(),
        ...(options.operatorUserId ? { operator: { userid: options.operatorUserId, user_name: options.operatorUserId } } : {}),
        ...payload,
      },
    ],
  };
}

const files = (ids: readonly string[], lang?: string) => ids.map((id) => ({ record_file_id: id, ...(lang ? { lang } : {}) }));

/** recording.started / paused / resumed / stopped: meeting_info carries the start time only. */
export function recordingStatusEvent(name: RecordingStatusEventName, meeting: EventMeeting, options: EventOptions = {}): TencentWebhookEvent {
  return envelope(name, { meeting_info: meetingInfo(meeting, false) }, options);
}

/** Fired when the meeting has ended and transcoding finished: the files exist now. */
export function recordingCompletedEvent(meeting: EventMeeting, recordFileIds: readonly string[], options: EventOptions = {}): TencentWebhookEvent {
  return envelope('recording.completed', { recording_files: files(recordFileIds), meeting_info: meetingInfo(meeting, true) }, options);
}

export function recordingClippedEvent(meeting: EventMeeting, clipFileIds: readonly string[], options: EventOptions = {}): TencentWebhookEvent {
  return envelope('recording.clipped', { recording_files: files(clipFileIds), meeting_info: meetingInfo(meeting, true) }, options);
}

/** `meeting` undefined = an uploaded recording, for which Tencent omits meeting_info. */
export function recordingDeletedEvent(meeting: EventMeeting | undefined, recordFileIds: readonly string[], options: EventOptions = {}): TencentWebhookEvent {
  return envelope(
    'recording.deleted',
    { recording_files: files(recordFileIds), ...(meeting ? { meeting_info: meetingInfo(meeting, true) } : {}) },
    options,
  );
}

export function recordingUpdatedEvent(meeting: EventMeeting, meetingRecordId: string, options: EventOptions = {}): TencentWebhookEvent {
  return envelope('recording.updated', { record_info: { meeting_record_id: meetingRecordId }, meeting_info: meetingInfo(meeting, true) }, options);
}

export function recordingApplyEvent(
  meeting: EventMeeting,
  apply: { meetingRecordId: string; applyId: string; text?: string },
  options: EventOptions = {},
): TencentWebhookEvent {
  return envelope(
    'recording.apply',
    {
      record_apply_info: { meeting_record_id: apply.meetingRecordId, apply_id: apply.applyId, apply_spesification: apply.text ?? '' },
      meeting_info: meetingInfo(meeting, true),
    },
    options,
  );
}

export function smartTranscriptsEvent(meeting: EventMeeting, recordFileIds: readonly string[], options: EventOptions & { lang?: string } = {}): TencentWebhookEvent {
  return envelope('smart.transcripts', { recording_files: files(recordFileIds, options.lang ?? 'zh'), meeting_info: meetingInfo(meeting, true) }, options);
}

export function smartFullSummaryEvent(meeting: EventMeeting, recordFileIds: readonly string[], options: EventOptions = {}): TencentWebhookEvent {
  return envelope('smart.fullsummary', { recording_files: files(recordFileIds), meeting_info: meetingInfo(meeting, true) }, options);
}

export function stsTokenEvent(stsToken: string, expireTs: number, options: EventOptions & { reqId?: string } = {}): TencentWebhookEvent {
  return envelope('common.sts-token', { token_info: { req_id: options.reqId ?? randomUUID(), sts_token: stsToken, expire_ts: expireTs } }, options);
}

/** "2020-12-29 17:41:06" in Beijing time, as legacy envelopes print times. */
export function beijingDateTime(epochMs: number): string {
  return new Date(epochMs + 8 * 3_600_000).toISOString().slice(0, 19).replace('T', ' ');
}

/**
 * The legacy envelope of DOC-51612's example: `unique_sequence` instead of `trace_id`, and times
 * as Beijing datetime strings.
 */
export function toLegacyEnvelope(event: TencentWebhookEvent): TencentWebhookEvent {
  const { trace_id, ...rest } = event;
  return {
    ...rest,
    ...(trace_id !== undefined ? { unique_sequence: trace_id } : {}),
    payload: event.payload.map((item) => {
      const out: Record<string, unknown> = { ...item };
      if (typeof item.operate_time === 'number') out.operate_time = beijingDateTime(item.operate_time);
      const info = item.meeting_info as Record<string, unknown> | undefined;
      if (info) {
        const legacyInfo: Record<string, unknown> = { ...info };
        for (const field of ['start_time', 'end_time'] as const) {
          if (typeof info[field] === 'number') legacyInfo[field] = beijingDateTime((info[field] as number) * 1000);
        }
        out.meeting_info = legacyInfo;
      }
      return out;
    }),
  };
}

/**
 * The event view of a simulator recording; `endTimeSec` defaults to the end of its last file. A
 * recurring meeting's events carry meeting_type 1 and its sub_meeting_id; under
 * `seriesTimesInEvents` (#1, LULAB's real payloads) start_time / end_time are the whole series'
 * (end_time months ahead) and no occurrence times are given, otherwise the occurrence's.
 */
export function meetingFromRecording(
  recording: SimMeetingRecording,
  endTimeSec?: number,
  readings?: Pick<SourceReadings, 'seriesTimesInEvents'>,
): EventMeeting {
  const lastEndMs = recording.files.reduce((max, file) => Math.max(max, file.recordEndTimeMs), 0);
  const end = endTimeSec ?? (lastEndMs > 0 ? Math.ceil(lastEndMs / 1000) : undefined);
  const startTimeSec = Math.floor(recording.mediaStartTimeMs / 1000);
  const base = {
    meetingId: recording.meetingId,
    meetingCode: recording.meetingCode,
    subject: recording.subject,
    creatorUserId: recording.hostUserId,
    mediaSetType: String(recording.mediaSetType),
  };
  if (recording.meetingType === 1 && recording.series) {
    const occurrence = { meetingType: 1, ...(recording.subMeetingId ? { subMeetingId: recording.subMeetingId } : {}) };
    if (readings?.seriesTimesInEvents) {
      return { ...base, ...occurrence, startTimeSec: Math.floor(recording.series.startMs / 1000), endTimeSec: Math.ceil(recording.series.endMs / 1000) };
    }
    return {
      ...base,
      ...occurrence,
      startTimeSec,
      ...(end !== undefined ? { endTimeSec: end, subMeetingEndTimeSec: end } : {}),
      subMeetingStartTimeSec: startTimeSec,
    };
  }
  return { ...base, startTimeSec, ...(end !== undefined ? { endTimeSec: end } : {}) };
}

// ---- Open point #5: event shapes the strict schema does not expect -------------------------------

/** The event as Tencent sends it about an uploaded recording: no meeting_info (facet eventsWithoutMeetingInfo). */
export function withoutMeetingInfo(event: TencentWebhookEvent): TencentWebhookEvent {
  return { ...event, payload: event.payload.map(({ meeting_info: _omitted, ...item }) => item) };
}

/**
 * How the simulator's events about `recording` go out under `readings`: with the
 * eventsWithoutMeetingInfo facet, events about an uploaded recording (record type 2) carry no
 * meeting_info, as Tencent's event docs show for uploads.
 */
export function asTencentSends(
  event: TencentWebhookEvent,
  recording: Pick<SimMeetingRecording, 'recordType'>,
  readings: { readonly eventsWithoutMeetingInfo: boolean } | undefined,
): TencentWebhookEvent {
  return readings?.eventsWithoutMeetingInfo && recording.recordType === 2 ? withoutMeetingInfo(event) : event;
}

/**
 * A payload shape that drifted from the documented one, as field sets do between Tencent releases:
 * `recording_files` renamed `record_files` (with `file_id`), `meeting_info` renamed `meeting`. Still
 * a valid event for whoever knows the new names; this code does not, so it parks it.
 */
export function driftedShape(event: TencentWebhookEvent): TencentWebhookEvent {
  return {
    ...event,
    payload: event.payload.map(({ meeting_info, recording_files, ...item }) => ({
      ...item,
      ...(meeting_info !== undefined ? { meeting: meeting_info } : {}),
      ...(Array.isArray(recording_files)
        ? { record_files: (recording_files as Array<{ record_file_id: string }>).map((file) => ({ file_id: file.record_file_id })) }
        : {}),
    })),
  };
}
