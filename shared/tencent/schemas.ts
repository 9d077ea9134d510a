// Response shapes of the Tencent Meeting record APIs (reference §4), validated at the boundary.
// Tolerant by design: Tencent's documented examples disagree with its own type tables (ids as
// bare numbers, numbers as strings), optional fields go missing, and new fields appear. Output
// is normalised: ids always strings, numbers always numbers, missing arrays empty.
import * as z from '../validation/zod.ts';

/** An id given as string or number (bigint-safe when parsed with parseJsonLossless) → string. */
const idSchema = z.pipe(
  z.union([z.string(), z.number(), z.bigint()]),
  z.transform((v) => String(v).trim()),
);

/** A number that may arrive as a decimal string. */
const numberSchema = z.union([
  z.number(),
  z.pipe(z.string().check(z.trim(), z.regex(/^-?\d+(\.\d+)?$/, 'expected a number')), z.transform(Number)),
]);

const booleanSchema = z.union([
  z.boolean(),
  z.pipe(z.literal(0), z.transform(() => false)),
  z.pipe(z.literal(1), z.transform(() => true)),
  z.pipe(z.enum(['true', 'false', '0', '1']), z.transform((v) => v === 'true' || v === '1')),
]);

// null and undefined both mean "absent"; the output type is T | undefined.
const opt = <T extends z.ZodMiniType>(schema: T) => z.pipe(z.nullish(schema), z.transform((v) => v ?? undefined));
const list = <T extends z.ZodMiniType>(schema: T) => z.pipe(z.nullish(z.array(schema)), z.transform((v) => v ?? []));

const recordFileSchema = z.object({
  record_file_id: idSchema,
  record_start_time: numberSchema,
  record_end_time: numberSchema,
  record_size: numberSchema,
  sharing_state: opt(numberSchema),
  sharing_url: opt(z.string()),
  required_same_corp: opt(booleanSchema),
  required_participant: opt(booleanSchema),
  password: opt(z.string()),
  sharing_expire: opt(numberSchema),
  allow_download: opt(booleanSchema),
  /** corp/records only, when sharing is on. */
  view_address: opt(z.string()),
  /** corp/records only, when sharing and download are on; expires after 6 h. */
  download_address: opt(z.string()),
});

const recordMeetingSchema = z.object({
  meeting_record_id: idSchema,
  meeting_id: idSchema,
  meeting_code: opt(idSchema),
  /** User-level list. */
  host_user_id: opt(idSchema),
  /** Corp-level list (the creator). */
  userid: opt(idSchema),
  media_start_time: numberSchema,
  /** A recurring meeting's occurrence, should the list name it (no source shows it there; events carry it). */
  sub_meeting_id: opt(idSchema),
  subject: opt(z.string()),
  /** 1 recording, 2 transcoding, 3 done (record_files only at 3). */
  state: numberSchema,
  record_type: opt(numberSchema),
  media_set_type: opt(numberSchema),
  record_files: list(recordFileSchema),
});

const pagingFields = {
  total_count: z._default(numberSchema, 0),
  current_size: z._default(numberSchema, 0),
  current_page: z._default(numberSchema, 1),
  total_page: z._default(numberSchema, 0),
};

export const recordsListSchema = z.object({
  ...pagingFields,
  record_meetings: list(recordMeetingSchema),
});

const downloadLinkSchema = z.object({
  download_address: z.string(),
  file_type: opt(z.string()),
});

const addressFields = {
  record_file_id: idSchema,
  view_address: opt(z.string()),
  download_address: opt(z.string()),
  download_address_file_type: opt(z.string()),
  audio_address: opt(z.string()),
  audio_address_file_type: opt(z.string()),
  meeting_summary: list(downloadLinkSchema),
  ai_meeting_transcripts: list(downloadLinkSchema),
  ai_minutes: list(downloadLinkSchema),
};

export const meetingAddressesSchema = z.object({
  ...pagingFields,
  meeting_record_id: opt(idSchema),
  meeting_id: opt(idSchema),
  meeting_code: opt(idSchema),
  subject: opt(z.string()),
  record_files: list(z.object(addressFields)),
});

const looseText = z.pipe(z.union([z.string(), z.number()]), z.transform(String));

export const fileAddressSchema = z.object({
  ...addressFields,
  meeting_id: opt(idSchema),
  /** Not in DOC-51180's field list; used when an account's answer carries it. */
  meeting_record_id: opt(idSchema),
  meeting_code: opt(idSchema),
  record_name: opt(z.string()),
  meeting_record_name: opt(z.string()),
  start_time: opt(looseText),
  end_time: opt(looseText),
});

export const recordSettingsSchema = z.object({
  meeting_id: opt(idSchema),
  meeting_record_name: opt(z.string()),
  sharing_config: z.pipe(
    z.nullish(
      z.object({
        enable_sharing: opt(booleanSchema),
        /** 0 everyone, 1 same corp. */
        share_scope: opt(numberSchema),
        enable_password: opt(booleanSchema),
        password: opt(z.string()),
        enable_sharing_expire: opt(booleanSchema),
        sharing_expire: opt(numberSchema),
        allow_download: opt(booleanSchema),
        allow_view_transcripts: opt(booleanSchema),
        enable_approve: opt(booleanSchema),
      }),
    ),
    z.transform((v) => v ?? {}),
  ),
});

/**
 * GET /v1/meetings?meeting_code=… (查询会议, by code): the meetings a code names now. Only what the
 * archive uses is kept (the answer also carries the meeting password, which is dropped here).
 */
export const meetingsByCodeSchema = z.object({
  meeting_number: opt(numberSchema),
  meeting_info_list: list(
    z.object({
      meeting_id: idSchema,
      meeting_code: opt(idSchema),
      subject: opt(z.string()),
      start_time: opt(looseText),
      end_time: opt(looseText),
      status: opt(z.string()),
    }),
  ),
});

export const errorBodySchema = z.object({
  error_info: z.object({
    error_code: numberSchema,
    new_error_code: opt(numberSchema),
    message: z._default(z.string(), ''),
  }),
});

export type RecordFile = z.output<typeof recordFileSchema>;
export type RecordMeeting = z.output<typeof recordMeetingSchema>;
export type RecordsList = z.output<typeof recordsListSchema>;
export type MeetingAddresses = z.output<typeof meetingAddressesSchema>;
export type MeetingAddressFile = MeetingAddresses['record_files'][number];
export type FileAddress = z.output<typeof fileAddressSchema>;
export type RecordSettings = z.output<typeof recordSettingsSchema>;
export type MeetingsByCode = z.output<typeof meetingsByCodeSchema>;
