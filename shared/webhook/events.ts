// Schemas of Tencent Meeting webhook events (the decrypted `data`), written to accept every variant
// the docs and real captures show (reference §3): ids as strings or bare numbers (some exceed
// 2^53, so the JSON is parsed losslessly), media_set_type as "2" or 1, a missing operator, no
// meeting_info on deleted uploads, the legacy envelope (`unique_sequence`, `operate_time` as
// "2020-12-29 17:41:06"). Parsed values are normalised: ids are strings, operate_time is epoch ms,
// meeting start/end times are epoch seconds. Field names stay Tencent's, so the docs still apply.
import * as z from 'zod';
import { ValidationError } from '../errors.ts';
import { parseJsonLossless } from '../tencent/json.ts';

/** The decrypted data is not JSON, or the event does not match its documented shape. */
export class WebhookEventError extends ValidationError {
  override name = 'WebhookEventError';
}

const ID_MAX_LENGTH = 64;

/** Ids arrive as strings or as JSON numbers; always strings from here on. */
const idValue = z
  .union([z.string().trim().min(1).max(ID_MAX_LENGTH), z.number().int().nonnegative()])
  .transform((value) => String(value));

const looseString = z.union([z.string(), z.number()]).transform((value) => String(value));

const intLike = z.union([z.number(), z.string().trim().regex(/^-?\d+$/).transform(Number)]);

// Legacy events print times as Beijing wall-clock strings; Tencent Meeting runs on UTC+8.
const LEGACY_DATETIME = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})$/;
// Epoch values below this are seconds, above are milliseconds (1e11 s is the year 5138).
const SECONDS_MS_BOUNDARY = 1e11;

function toEpochMs(value: number | string): number | undefined {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) return undefined;
    return Math.trunc(value < SECONDS_MS_BOUNDARY ? value * 1000 : value);
  }
  const text = value.trim();
  if (/^\d+$/.test(text)) return toEpochMs(Number(text));
  const legacy = LEGACY_DATETIME.exec(text);
  if (!legacy) return undefined;
  const ms = Date.parse(`${legacy[1]}T${legacy[2]}+08:00`);
  return Number.isNaN(ms) ? undefined : ms;
}

const timeValue = z.union([z.number(), z.string()]);

/** operate_time: documented as ms; legacy events send a datetime string. */
const epochMs = timeValue.transform((value, ctx) => {
  const ms = toEpochMs(value);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: 'not a timestamp' });
    return z.NEVER;
  }
  return ms;
});

/** meeting_info times: documented as seconds; legacy events send datetime strings. */
const epochSeconds = epochMs.transform((ms) => Math.floor(ms / 1000));

export const TencentUser = z.object({
  userid: looseString.optional(),
  open_id: looseString.optional(),
  uuid: looseString.optional(),
  user_name: looseString.optional(),
  ms_open_id: looseString.optional(),
  instance_id: looseString.optional(),
});

export const MeetingInfo = z
  .object({
    meeting_id: idValue,
    meeting_code: looseString.optional(),
    subject: looseString.optional(),
    creator: TencentUser.optional(),
    /** Legacy envelopes name the creator only by id. */
    creator_id: looseString.optional(),
    meeting_type: intLike.optional(),
    start_time: epochSeconds.optional(),
    end_time: epochSeconds.optional(),
    sub_meeting_id: looseString.optional(),
    sub_meeting_start_time: epochSeconds.optional(),
    sub_meeting_end_time: epochSeconds.optional(),
    media_set_type: intLike.optional(),
    meeting_id_type: intLike.optional(),
  })
  .transform(({ creator_id, ...info }) => ({
    ...info,
    creator: info.creator ?? (creator_id ? { userid: creator_id } : undefined),
  }));

export const RecordingFile = z.object({ record_file_id: idValue, lang: looseString.optional() });

const payloadBase = {
  operate_time: epochMs,
  operator: TencentUser.optional(),
};

/** recording.completed, recording.clipped, smart.transcripts, smart.fullsummary. */
export const RecordingFilesPayload = z.object({
  ...payloadBase,
  meeting_info: MeetingInfo,
  recording_files: z.array(RecordingFile).min(1),
});

/** recording.deleted: meeting_info is absent for uploaded recordings. */
export const RecordingDeletedPayload = z.object({
  ...payloadBase,
  meeting_info: MeetingInfo.optional(),
  recording_files: z.array(RecordingFile).min(1),
});

/** recording.started / paused / resumed / stopped. */
export const RecordingStatusPayload = z.object({
  ...payloadBase,
  meeting_info: MeetingInfo,
});

export const RecordingUpdatedPayload = z.object({
  ...payloadBase,
  record_info: z.object({ meeting_record_id: idValue }),
  meeting_info: MeetingInfo,
});

export const RecordingApplyPayload = z.object({
  ...payloadBase,
  record_apply_info: z
    .object({
      meeting_record_id: idValue.optional(),
      apply_id: looseString.optional(),
      apply_spesification: z.string().optional(), // sic: Tencent's spelling
    })
    .optional(),
  meeting_info: MeetingInfo.optional(),
});

export const StsTokenPayload = z.object({
  operate_time: epochMs.optional(),
  token_info: z.object({
    req_id: looseString.optional(),
    sts_token: z.string().min(1),
    expire_ts: z.union([z.number().nonnegative(), z.string().trim().regex(/^\d+$/).transform(Number)]).optional(),
  }),
});

const traceIdValue = z
  .union([z.string().trim().min(1).max(128), z.number().int().nonnegative()])
  .transform((value) => String(value));

function eventSchema<const Name extends string, Payload extends z.ZodType>(name: Name, payload: Payload) {
  return z.object({
    event: z.literal(name),
    trace_id: z.string().optional(),
    payload: z.array(payload).min(1),
  });
}

export const RecordingStartedEvent = eventSchema('recording.started', RecordingStatusPayload);
export const RecordingPausedEvent = eventSchema('recording.paused', RecordingStatusPayload);
export const RecordingResumedEvent = eventSchema('recording.resumed', RecordingStatusPayload);
export const RecordingStoppedEvent = eventSchema('recording.stopped', RecordingStatusPayload);
export const RecordingCompletedEvent = eventSchema('recording.completed', RecordingFilesPayload);
export const RecordingClippedEvent = eventSchema('recording.clipped', RecordingFilesPayload);
export const RecordingDeletedEvent = eventSchema('recording.deleted', RecordingDeletedPayload);
export const RecordingUpdatedEvent = eventSchema('recording.updated', RecordingUpdatedPayload);
export const RecordingApplyEvent = eventSchema('recording.apply', RecordingApplyPayload);
export const SmartTranscriptsEvent = eventSchema('smart.transcripts', RecordingFilesPayload);
export const SmartFullSummaryEvent = eventSchema('smart.fullsummary', RecordingFilesPayload);
export const CommonStsTokenEvent = eventSchema('common.sts-token', StsTokenPayload);

export const KnownWebhookEvent = z.discriminatedUnion('event', [
  RecordingStartedEvent,
  RecordingPausedEvent,
  RecordingResumedEvent,
  RecordingStoppedEvent,
  RecordingCompletedEvent,
  RecordingClippedEvent,
  RecordingDeletedEvent,
  RecordingUpdatedEvent,
  RecordingApplyEvent,
  SmartTranscriptsEvent,
  SmartFullSummaryEvent,
  CommonStsTokenEvent,
]);

export const KNOWN_EVENT_NAMES: ReadonlySet<string> = new Set(KnownWebhookEvent.options.map((option) => option.shape.event.value));

/** The envelope common to every event, current (`trace_id`) or legacy (`unique_sequence`). */
export const WebhookEnvelope = z
  .object({
    event: z.string().trim().min(1).max(128),
    trace_id: traceIdValue.optional(),
    unique_sequence: traceIdValue.optional(),
    // Docs always show an array of one; a bare object is accepted as an array of one.
    payload: z.union([z.array(z.unknown()), z.record(z.string(), z.unknown())]).optional(),
  })
  .transform(({ event, trace_id, unique_sequence, payload }) => ({
    event,
    trace_id: trace_id ?? unique_sequence,
    payload: payload === undefined ? [] : Array.isArray(payload) ? payload : [payload],
  }));

export type KnownWebhookEvent = z.output<typeof KnownWebhookEvent>;
export type WebhookEventName = KnownWebhookEvent['event'];
/** An event this code does not know: acknowledged and counted, never an error. */
export interface UnknownWebhookEvent {
  readonly event: 'unknown';
  readonly name: string;
  readonly trace_id?: string;
  readonly payload: unknown[];
}
export type WebhookEvent = KnownWebhookEvent | UnknownWebhookEvent;
export type MeetingInfo = z.output<typeof MeetingInfo>;
export type TencentUser = z.output<typeof TencentUser>;

function describeIssues(error: z.ZodError): string {
  // Paths and messages only: never the values, which may be personal data.
  const lines = error.issues.slice(0, 5).map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
  return lines.join('; ');
}

/** JSON text (decrypted `data`) → a normalised event. Unknown event names are not errors. */
export function parseWebhookEvent(plaintext: string): WebhookEvent {
  let raw: unknown;
  try {
    // Ids beyond 2^53 would lose digits through JSON.parse.
    raw = parseJsonLossless(plaintext);
  } catch {
    throw new WebhookEventError('decoded data is not valid JSON');
  }
  const envelope = WebhookEnvelope.safeParse(raw);
  if (!envelope.success) {
    throw new WebhookEventError(`event envelope is invalid: ${describeIssues(envelope.error)}`);
  }
  const { event: name, trace_id, payload } = envelope.data;
  if (!KNOWN_EVENT_NAMES.has(name)) {
    return { event: 'unknown', name, ...(trace_id === undefined ? {} : { trace_id }), payload };
  }
  const known = KnownWebhookEvent.safeParse({ event: name, trace_id, payload });
  if (!known.success) {
    throw new WebhookEventError(`${name} event is invalid: ${describeIssues(known.error)}`, { event: name });
  }
  return known.data;
}
