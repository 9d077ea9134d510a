// The archive API's contract as zod schemas: the handler validates requests with them, the tests
// check responses with them, and openapi.ts turns them into the OpenAPI document. One source of
// truth, so the document cannot drift from what the code accepts and returns.
import * as z from 'zod';

/** Largest accepted unix time in seconds (9999-12-31T23:59:59Z): keeps dates and sort keys valid. */
export const MAX_UNIX_SECONDS = 253_402_300_799;
export const MAX_PAGE_SIZE = 100;
export const DEFAULT_PAGE_SIZE = 10;

// Callers often send what their language hands them: milliseconds (Date.now()) or an ISO date. The
// message names the unit and the likely fix, not only the bound that was broken.
const unixSeconds = (name: string) =>
  z
    .string()
    .regex(/^\d{1,15}$/, `${name} must be Unix seconds (whole seconds since 1970-01-01T00:00:00Z, e.g. 1767225600), not a date or a decimal`)
    .transform(Number)
    .pipe(
      z
        .number()
        .int()
        .max(MAX_UNIX_SECONDS, `${name} must be Unix seconds, at most ${MAX_UNIX_SECONDS} (9999-12-31); a 13-digit value is milliseconds: divide it by 1000`),
    );

const positive = (name: string, max: number) =>
  z
    .string()
    .regex(/^\d{1,15}$/, `${name} must be a positive integer`)
    .transform(Number)
    .pipe(z.number().int().min(1, `${name} must be at least 1`).max(max, `${name} must be at most ${max}`));

const idParam = (description: string) => z.string().min(1).max(128).describe(description);

const paging = {
  start_time: unixSeconds('start_time').describe(
    'Start of the range of recording start times, unix seconds, inclusive. Unlike Tencent, ranges longer than 31 days are allowed.',
  ),
  end_time: unixSeconds('end_time').describe('End of the range, unix seconds, inclusive (the whole second).'),
  page_size: positive('page_size', MAX_PAGE_SIZE).optional().describe(`Page size, default ${DEFAULT_PAGE_SIZE}, at most ${MAX_PAGE_SIZE}.`),
  page: positive('page', 1_000_000_000).optional().describe('Page number from 1, default 1.'),
  subject: z
    .string()
    .min(1)
    .max(200)
    .optional()
    .describe(
      'Archive extension (Tencent has no such parameter): only recordings whose subject contains this text, case-sensitive. Walks the whole time range, so narrow start_time/end_time on large archives.',
    ),
};

export const UserRecordsQuery = z.object({
  meeting_id: idParam('Meeting ID. When given, selects the meeting and the user parameters only identify the caller.').optional(),
  meeting_code: idParam('Meeting code, used when meeting_id is absent.').optional(),
  userid: idParam('User ID: lists the recordings this user hosts when neither meeting_id nor meeting_code is given.').optional(),
  operator_id: idParam('Operator ID; takes precedence over userid (operator_id_type 1 = userid).').optional(),
  operator_id_type: z.enum(['1']).optional().describe('Only 1 (userid) is supported: the archive indexes hosts by userid.'),
  ...paging,
});
export type UserRecordsQuery = z.output<typeof UserRecordsQuery>;

export const CorpRecordsQuery = z.object({
  operator_id: idParam('Accepted for compatibility with Tencent; the archive does not filter by it.').optional(),
  operator_id_type: z.string().max(8).optional().describe('Accepted for compatibility with Tencent.'),
  ...paging,
});
export type CorpRecordsQuery = z.output<typeof CorpRecordsQuery>;

export const ArchiveStatus = z.enum(['pending', 'copying', 'archived', 'failed', 'deleted']);

export const ArchiveInfo = z
  .strictObject({
    status: ArchiveStatus,
    bucket: z.string().nullable(),
    key: z.string().nullable().describe('Object key; for a meeting, the key prefix its files share (null when they share none).'),
    bytes: z.number().int().nonnegative().nullable().describe('Bytes archived: the primary (video) object for a file, all objects for a meeting.'),
    checksum: z.string().nullable().describe('Full-object checksum S3 computed, e.g. `CRC32:<base64>` (with `-<parts>` when the store reports a composite checksum).'),
    archived_at: z.number().int().nullable().describe('When the copy was verified, unix ms.'),
    source_deleted_at: z.number().int().nullable().describe('When Tencent deleted its copy, unix ms; the archive keeps its own.'),
    deleted_by: z
      .enum(['tencent', 'archive'])
      .nullable()
      .describe("Who deleted Tencent's copy: `archive` when the archive's source cleanup (SOURCE_CLEANUP_AFTER_DAYS) did; null while Tencent holds it."),
    legal_hold: z.boolean().describe('The meeting recording is under legal hold: nothing deletes it (mirror deletion, expiry, source cleanup).'),
    legal_hold_by: z.string().nullable().describe('Who placed the hold (`jwt:<sub>`, `iam:<arn>`, `api-token`).'),
    legal_hold_since: z.number().int().nullable().describe('When the hold was placed, unix ms.'),
  })
  .describe('The archived copy.');
export type ArchiveInfo = z.output<typeof ArchiveInfo>;

export const ArtifactInfo = z.strictObject({
  artifact: z.string(),
  kind: z.enum(['video', 'audio', 'transcript', 'ai_transcript', 'ai_minutes']),
  file_type: z.string(),
  status: ArchiveStatus,
  bucket: z.string().nullable(),
  key: z.string().nullable(),
  bytes: z.number().int().nonnegative().nullable(),
  checksum: z.string().nullable(),
  archived_at: z.number().int().nullable(),
  bytes_copied: z.number().int().nonnegative().nullable().describe('While copying in parts: bytes S3 already holds (with `expected_bytes`, the progress); otherwise null.'),
  expected_bytes: z.number().int().nonnegative().nullable().describe('Bytes the source declared, when known.'),
  failure_reason: z.string().nullable().describe('Why the last copy attempt failed (links and their signatures removed); null unless status is failed.'),
});
export type ArtifactInfo = z.output<typeof ArtifactInfo>;

export const FileArchiveInfo = ArchiveInfo.extend({
  record_size_skew: z
    .number()
    .int()
    .nullable()
    .describe('Bytes Tencent served for the video minus its record_size, once archived (0 when they agree): record_size is informational, the archive keeps what the source served and S3 verified.'),
  artifacts: z.array(ArtifactInfo),
});
export type FileArchiveInfo = z.output<typeof FileArchiveInfo>;

export const RecordFile = z.strictObject({
  record_file_id: z.string(),
  record_start_time: z.number().int().describe('unix ms'),
  record_end_time: z.number().int().describe('unix ms'),
  record_size: z.number().int().nonnegative(),
  sharing_state: z.number().int(),
  required_same_corp: z.boolean().optional(),
  required_participant: z.boolean().optional(),
  sharing_expire: z.number().int().optional(),
  allow_download: z.boolean().optional(),
  archive: FileArchiveInfo,
});
export type RecordFile = z.output<typeof RecordFile>;

const meetingFields = {
  meeting_record_id: z.string().describe('Empty while the recording is only known from recording events.'),
  meeting_id: z.string(),
  meeting_code: z.string(),
  media_start_time: z.number().int().describe('unix ms'),
  subject: z.string(),
  state: z.number().int().min(1).max(3).describe('1 recording, 2 transcoding, 3 done'),
  record_type: z.number().int().optional(),
  media_set_type: z.number().int().optional(),
  record_files: z.array(RecordFile),
  archive: ArchiveInfo,
};

export const UserRecordMeeting = z.strictObject({ ...meetingFields, host_user_id: z.string() });
export type UserRecordMeeting = z.output<typeof UserRecordMeeting>;
export const CorpRecordMeeting = z.strictObject({ ...meetingFields, userid: z.string() });
export type CorpRecordMeeting = z.output<typeof CorpRecordMeeting>;

const listFields = {
  total_count: z.number().int().nonnegative(),
  current_size: z.number().int().nonnegative().describe('Recordings on this page.'),
  current_page: z.number().int().min(1),
  total_page: z.number().int().nonnegative(),
};

export const UserRecordsResponse = z.strictObject({ ...listFields, record_meetings: z.array(UserRecordMeeting) });
export type UserRecordsResponse = z.output<typeof UserRecordsResponse>;
export const CorpRecordsResponse = z.strictObject({ ...listFields, record_meetings: z.array(CorpRecordMeeting) });
export type CorpRecordsResponse = z.output<typeof CorpRecordsResponse>;

export const AddressLink = z.strictObject({
  download_address: z.string().describe('Presigned S3 GET URL of the archived copy.'),
  file_type: z.string(),
});
export type AddressLink = z.output<typeof AddressLink>;

export const AddressesResponse = z.strictObject({
  record_file_id: z.string(),
  meeting_id: z.string(),
  meeting_code: z.string(),
  download_address: z.string().optional().describe('Presigned S3 GET URL of the archived video; absent until it is archived.'),
  download_address_file_type: z.string().optional(),
  audio_address: z.string().optional(),
  audio_address_file_type: z.string().optional(),
  meeting_summary: z.array(AddressLink),
  ai_meeting_transcripts: z.array(AddressLink),
  ai_minutes: z.array(AddressLink),
});
export type AddressesResponse = z.output<typeof AddressesResponse>;

export const TranscriptText = z.strictObject({
  artifact: z.string(),
  kind: z.enum(['transcript', 'ai_transcript']),
  file_type: z.string(),
  text: z.string().describe('The archived text, decoded as UTF-8.'),
  truncated: z.boolean().describe('True when the file is longer than the first 1 MiB served here; download it for the rest.'),
});
export type TranscriptText = z.output<typeof TranscriptText>;

export const TranscriptsResponse = z.strictObject({
  record_file_id: z.string(),
  transcripts: z.array(TranscriptText).describe('Archived plain-text (txt) transcripts of the file; other formats are downloads only.'),
});
export type TranscriptsResponse = z.output<typeof TranscriptsResponse>;

export const ErrorResponse = z.strictObject({
  error_info: z.strictObject({ error_code: z.number().int(), message: z.string() }),
});
export type ErrorResponse = z.output<typeof ErrorResponse>;
