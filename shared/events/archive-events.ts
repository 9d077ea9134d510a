// What the archive tells downstream systems, as the one definition of each event's detail: the
// publishers validate against these before sending, the JSON Schemas under docs/events/ are
// generated from them (npm run events:schemas), and tests check emitted events against both.
//
// One event per record file (the unit Tencent lists, archives and deletes), carrying its meeting
// recording's ids. Never a download link, token or secret: keys, sizes and checksums only. Strict
// objects: a field nobody documented (a link passed on by mistake) is refused, never sent.
import * as z from '../validation/zod.ts';
import type { ArchiveStatus, ArtifactKind } from '../archive/model.ts';

export const ARCHIVE_EVENT_SOURCE = 'tencent-meeting-archive';

export const DETAIL_TYPES = {
  archived: 'Recording Archived',
  failed: 'Recording Archive Failed',
  deletedAtSource: 'Recording Deleted At Source',
  removedFromArchive: 'Recording Removed From Archive',
} as const;

export type ArchiveEventDetailType = (typeof DETAIL_TYPES)[keyof typeof DETAIL_TYPES];

/** Raised when a change to the detail would break consumers; additive fields keep the version. */
export const DETAIL_SCHEMA_VERSION = 1;

const ARTIFACT_KINDS = ['video', 'audio', 'transcript', 'ai_transcript', 'ai_minutes'] as const satisfies readonly ArtifactKind[];
const ARCHIVE_STATUSES = ['pending', 'copying', 'archived', 'failed', 'deleted'] as const satisfies readonly ArchiveStatus[];

const id = (description: string) => z.string().check(z.minLength(1), z.describe(description));
const bytes = (description: string) => z.int().check(z.minimum(0), z.describe(description));
const timestamp = (description: string) => z.iso.datetime().check(z.describe(description));

const Artifact = z
  .strictObject({
    artifact: id('Stable name of the artifact within its file: video, audio, transcript-<hash>-<type>, …'),
    kind: z.enum(ARTIFACT_KINDS),
    file_type: z.string().check(z.describe("Tencent's file type: mp4, m4a, txt, pdf, docx, …")),
    status: z.enum(ARCHIVE_STATUSES),
    bucket: z.optional(z.string().check(z.describe('S3 bucket of the archived copy'))),
    key: z.optional(z.string().check(z.describe('S3 key of the archived copy'))),
    content_type: z.optional(z.string()),
    bytes: z.optional(bytes('Bytes archived and verified by S3')),
    checksum: z.optional(z.string().check(z.describe('Full-object checksum S3 verified, e.g. CRC32:<base64>'))),
    archived_at: z.optional(timestamp('When the copy was verified and indexed')),
    last_error: z.optional(z.string().check(z.describe('Why the last copy attempt failed (no links: query strings are cut)'))),
  })
  .check(z.meta({ title: 'Artifact', description: 'One archived (or, for failures, attempted) artifact of the record file' }));

export type ArtifactDetail = z.infer<typeof Artifact>;

const common = {
  event_id: id('Stable per change: the same change published twice carries the same id, so consumers dedupe on it'),
  schema_version: z.literal(DETAIL_SCHEMA_VERSION),
  occurred_at: timestamp('When the archive recorded the change'),
  meeting_id: id('Tencent meeting_id'),
  meeting_record_id: id('Tencent meeting_record_id (one recording of the meeting)'),
  record_file_id: id('Tencent record_file_id (the unit Tencent lists, archives and deletes)'),
  meeting_code: z.optional(z.string().check(z.describe('The meeting code, when Tencent listed one'))),
  subject: z.string().check(z.describe('The meeting subject (or the recording name it was renamed to)')),
  bucket: z.optional(z.string().check(z.describe('The archive bucket'))),
  record_size: z.optional(bytes("The video's size as Tencent declared it (record_size)")),
  artifacts: z.array(Artifact),
};

export const RecordingArchivedDetail = z
  .strictObject({
    ...common,
    total_bytes: bytes('Bytes of every archived artifact together'),
    archived_at: timestamp('When the last artifact was archived'),
  })
  .check(
    z.meta({
      title: DETAIL_TYPES.archived,
      description:
        'Every artifact Tencent offers for the record file is archived and verified. Published again, with a new event_id and the full list, when Tencent adds artifacts later (transcripts, AI minutes) and those are archived too.',
    }),
  );

export const FAILURE_KINDS = ['dead-letter', 'retries-exhausted', 'source-deleted'] as const;
export type FailureKind = (typeof FAILURE_KINDS)[number];

export const RecordingArchiveFailedDetail = z
  .strictObject({
    ...common,
    // A message can give up before Tencent listed the recording: then only the message's ids are known.
    meeting_id: z.optional(common.meeting_id),
    meeting_record_id: z.optional(common.meeting_record_id),
    record_file_id: z.optional(common.record_file_id),
    subject: z.optional(common.subject),
    failure: z.strictObject({
      kind: z.enum(FAILURE_KINDS).check(
        z.describe(
          'dead-letter: a message that cannot succeed on retry went to the DLQ at once; retries-exhausted: its last receive failed and SQS moves it to the DLQ; source-deleted: Tencent deleted the file before every artifact was archived',
        ),
      ),
      reason: z.string().check(z.describe('The failure, as the DLQ message and the index record it (no links)')),
      message_id: z.optional(z.string().check(z.describe('The SQS message that gave up (find it in the DLQ)'))),
      receive_count: z.optional(z.int().check(z.minimum(1))),
    }),
  })
  .check(
    z.meta({
      title: DETAIL_TYPES.failed,
      description: 'The archive gave up on a record file: fix the cause and redrive the DLQ (dead-letter, retries-exhausted), or accept the loss (source-deleted).',
    }),
  );

export const RecordingDeletedAtSourceDetail = z
  .strictObject({
    ...common,
    deleted_by: z.enum(['tencent', 'archive']).check(z.describe('tencent: deleted at Tencent by someone else, confirmed by Tencent; archive: the archive\'s source cleanup deleted it')),
    source_deleted_at: timestamp('When the deletion happened (the event\'s operate_time, or when it was confirmed)'),
  })
  .check(z.meta({ title: DETAIL_TYPES.deletedAtSource, description: "Tencent no longer holds the record file. The archive's copies (artifacts) stay unless a Recording Removed From Archive follows." }));

export const RecordingRemovedFromArchiveDetail = z
  .strictObject({
    ...common,
    removed_by: z.enum(['mirror', 'expiry']).check(z.describe('mirror: the deletion policy mirrors a deletion at Tencent; expiry: the archive\'s retention expired it')),
    removed_at: timestamp('When the archive stopped serving the copies; their object versions are deleted right after'),
  })
  .check(z.meta({ title: DETAIL_TYPES.removedFromArchive, description: "The archive's own copy of the record file is gone: every artifact listed was archived and is now deleted." }));

export type RecordingArchived = z.infer<typeof RecordingArchivedDetail>;
export type RecordingArchiveFailed = z.infer<typeof RecordingArchiveFailedDetail>;
export type RecordingDeletedAtSource = z.infer<typeof RecordingDeletedAtSourceDetail>;
export type RecordingRemovedFromArchive = z.infer<typeof RecordingRemovedFromArchiveDetail>;

export const DETAIL_SCHEMAS = {
  [DETAIL_TYPES.archived]: RecordingArchivedDetail,
  [DETAIL_TYPES.failed]: RecordingArchiveFailedDetail,
  [DETAIL_TYPES.deletedAtSource]: RecordingDeletedAtSourceDetail,
  [DETAIL_TYPES.removedFromArchive]: RecordingRemovedFromArchiveDetail,
} as const;

interface DetailOf {
  [DETAIL_TYPES.archived]: RecordingArchived;
  [DETAIL_TYPES.failed]: RecordingArchiveFailed;
  [DETAIL_TYPES.deletedAtSource]: RecordingDeletedAtSource;
  [DETAIL_TYPES.removedFromArchive]: RecordingRemovedFromArchive;
}

/** One event as the archive publishes it; `detail.event_id` is also the envelope's id locally. */
export type ArchiveEvent = {
  [T in ArchiveEventDetailType]: { readonly detailType: T; readonly detail: DetailOf[T] };
}[ArchiveEventDetailType];

/** The events' file names under docs/events/: `Recording Archived` → recording-archived.schema.json. */
export function schemaFileName(detailType: ArchiveEventDetailType): string {
  return `${detailType.toLowerCase().replace(/\s+/g, '-')}.schema.json`;
}
