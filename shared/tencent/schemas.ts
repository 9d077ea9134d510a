// Response shapes of the Tencent Meeting record APIs (reference §4), validated at the boundary.
// Tolerant by design: Tencent's documented examples disagree with its own type tables (ids as
// bare numbers, numbers as strings), optional fields go missing, and new fields appear. Output
// is normalised: ids always strings, numbers always numbers, missing arrays empty.
import * as z from 'zod';

/** An id given as string or number (bigint-safe when parsed with parseJsonLossless) → string. */
const idSchema = z.union([z.string(), z.number(), z.bigint()]).transform((v) => String(v).trim());

/** A number that may arrive as a decimal string. */
const numberSchema = z.union([
  z.number(),
  z
    .string()
    .trim()
    .regex(/^-?\d+(\.\d+)?$/, 'expected a number')
    .transform(Number),
]);

const booleanSchema = z.union([
  z.boolean(),
  z.literal(0).transform(() => false),
  z.literal(1).transform(() => true),
  z.enum(['true', 'false', '0', '1']).transform((v) => v === 'true' || v === '1'),
]);

// null and undefined both mean "absent"; the output type is T | undefined.
const opt = <T extends z.ZodType>(schema: T) => schema.nullish().transform((v) => v ?? undefined);
const list = <T extends z.ZodType>(schema: T) => z.array(schema).nullish().transform((v) => v ?? []);

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
  subject: opt(z.string()),
  /** 1 recording, 2 transcoding, 3 done (record_files only at 3). */
  state: numberSchema,
  record_type: opt(numberSchema),
  media_set_type: opt(numberSchema),
  record_files: list(recordFileSchema),
});

const pagingFields = {
  total_count: numberSchema.default(0),
  current_size: numberSchema.default(0),
  current_page: numberSchema.default(1),
  total_page: numberSchema.default(0),
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

export const fileAddressSchema = z.object({
  ...addressFields,
  meeting_id: opt(idSchema),
  meeting_code: opt(idSchema),
  record_name: opt(z.string()),
  meeting_record_name: opt(z.string()),
  start_time: opt(z.union([z.string(), z.number()]).transform(String)),
  end_time: opt(z.union([z.string(), z.number()]).transform(String)),
});

export const recordSettingsSchema = z.object({
  meeting_id: opt(idSchema),
  meeting_record_name: opt(z.string()),
  sharing_config: z
    .object({
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
    })
    .nullish()
    .transform((v) => v ?? {}),
});

export const errorBodySchema = z.object({
  error_info: z.object({
    error_code: numberSchema,
    new_error_code: opt(numberSchema),
    message: z.string().default(''),
  }),
});

export type RecordFile = z.output<typeof recordFileSchema>;
export type RecordMeeting = z.output<typeof recordMeetingSchema>;
export type RecordsList = z.output<typeof recordsListSchema>;
export type MeetingAddresses = z.output<typeof meetingAddressesSchema>;
export type MeetingAddressFile = MeetingAddresses['record_files'][number];
export type FileAddress = z.output<typeof fileAddressSchema>;
export type RecordSettings = z.output<typeof recordSettingsSchema>;
