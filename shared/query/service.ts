// The archive API's domain logic: validated parameters in, Tencent-shaped bodies out. The handler
// only routes and authenticates; everything a test or another transport needs lives here.
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { DEFAULT_PRESIGN_TTL_SECONDS, MAX_PRESIGN_TTL_SECONDS } from '../config/environment.ts';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type * as z from 'zod';
import type { ArchiveIndex } from '../archive/archive-index.ts';
import type { ArchiveListing, ListPartition } from '../archive/archive-list.ts';
import type { ArchiveMarks } from '../archive/archive-marks.ts';
import type { ArtifactRecord, RecordFileRecord } from '../archive/model.ts';
import { changeLegalHold } from './legal-hold.ts';
import { ACCOUNT_CALLER, type Caller } from './caller.ts';
import { badRequest, forbidden, notFound } from './errors.ts';
import { contentDisposition, downloadFileName } from '../copy/s3-keys.ts';
import { corpRecordMeeting, userRecordMeeting, type CopyProgress } from './mapping.ts';
import type { CopyProgressReader } from './copy-progress.ts';
import {
  CorpRecordsQuery,
  DEFAULT_PAGE_SIZE,
  UserRecordsQuery,
  type AddressLink,
  type AddressesResponse,
  type CorpRecordsResponse,
  type TranscriptsResponse,
  type UserRecordMeeting,
  type UserRecordsResponse,
} from './schemas.ts';


export type QueryParams = Readonly<Record<string, string | undefined>>;

export interface ArchiveQueryServiceOptions {
  readonly index: ArchiveIndex;
  readonly listing: ArchiveListing;
  /** Legal holds (PUT/DELETE …/legal-hold). */
  readonly marks?: ArchiveMarks;
  /** The bucket has S3 Object Lock: a hold is also set on the objects. */
  readonly objectLock?: boolean;
  readonly s3: S3Client;
  /** Used when an artifact does not name its bucket (it always does when written by the ingest worker). */
  readonly bucketName?: string;
  readonly presignTtlSeconds?: number;
  /** Bytes already copied of artifacts still copying; without it, their progress is null. */
  readonly copyProgress?: CopyProgressReader;
}

/** The most of one transcript served inline: longer ones are downloads. */
export const MAX_TRANSCRIPT_BYTES = 1024 * 1024;

/** Clamps a configured link lifetime into (0, 1 h]: presigned links stay short-lived whatever the config says. */
export function presignTtl(value: number | undefined): number {
  if (value === undefined || !Number.isFinite(value) || value <= 0) return DEFAULT_PRESIGN_TTL_SECONDS;
  return Math.min(MAX_PRESIGN_TTL_SECONDS, Math.floor(value));
}

/** Validates query parameters, naming each missing or bad one in the 400 message. */
export function parseParams<S extends z.ZodType>(schema: S, params: QueryParams): z.output<S> {
  const result = schema.safeParse(params);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const name = String(issue.path[0] ?? '');
    if (name && params[name] === undefined) return `missing required parameter ${name}`;
    return name ? `invalid parameter ${name}: ${issue.message}` : issue.message;
  });
  throw badRequest([...new Set(problems)].join('; '));
}

interface Paging {
  readonly fromMs: number;
  readonly toMs: number;
  readonly page: number;
  readonly pageSize: number;
  readonly subjectContains?: string;
}

function paging(query: { start_time: number; end_time: number; page?: number | undefined; page_size?: number | undefined; subject?: string | undefined }): Paging {
  if (query.end_time < query.start_time) throw badRequest('invalid parameter end_time: must not be before start_time');
  return {
    fromMs: query.start_time * 1000,
    toMs: query.end_time * 1000 + 999,
    page: query.page ?? 1,
    pageSize: query.page_size ?? DEFAULT_PAGE_SIZE,
    ...(query.subject ? { subjectContains: query.subject } : {}),
  };
}

export class ArchiveQueryService {
  private readonly index: ArchiveIndex;
  private readonly listing: ArchiveListing;
  private readonly marks: ArchiveMarks | undefined;
  private readonly objectLock: boolean;
  private readonly s3: S3Client;
  private readonly bucketName: string | undefined;
  private readonly copyProgress: CopyProgressReader;
  readonly presignTtlSeconds: number;

  constructor(options: ArchiveQueryServiceOptions) {
    this.index = options.index;
    this.listing = options.listing;
    this.marks = options.marks;
    this.objectLock = options.objectLock ?? false;
    this.s3 = options.s3;
    this.bucketName = options.bucketName;
    this.presignTtlSeconds = presignTtl(options.presignTtlSeconds);
    this.copyProgress = options.copyProgress ?? (async () => new Map());
  }

  private progressOf(recordings: ReadonlyArray<{ files: readonly RecordFileRecord[] }>): Promise<CopyProgress> {
    return this.copyProgress(recordings.flatMap((r) => r.files));
  }

  /**
   * GET /v1/records: Tencent's precedence: meeting_id, then meeting_code, then operator_id/userid.
   * A caller limited to their own recordings lists exactly those: the user parameters default to
   * them, naming anyone else is refused (403, not silently ignored), and meeting_id / meeting_code
   * lists (which span hosts) need the admin scope.
   */
  async listUserRecords(params: QueryParams, caller: Caller = ACCOUNT_CALLER): Promise<UserRecordsResponse> {
    const query = parseParams(UserRecordsQuery, params);
    let user = query.operator_id ?? query.userid;
    if (caller.scope === 'user') {
      if (query.meeting_id || query.meeting_code) throw forbidden('listing by meeting_id or meeting_code spans hosts and needs the admin scope; list your own recordings by userid');
      if (user !== undefined && user !== caller.userId) throw forbidden('userid names another user; only the admin scope lists other users\' recordings');
      user = caller.userId;
    }
    let partition: ListPartition;
    if (query.meeting_id) partition = { by: 'meetingId', meetingId: query.meeting_id };
    else if (query.meeting_code) partition = { by: 'meetingCode', meetingCode: query.meeting_code };
    else if (user) partition = { by: 'user', userId: user };
    else throw badRequest('missing required parameter: one of meeting_id, meeting_code, userid, operator_id');
    const page = paging(query);
    const result = await this.listing.list({ partition, ...page });
    const progress = await this.progressOf(result.items);
    return { ...listEnvelope(result.totalCount, result.items.length, page), record_meetings: result.items.map((r) => userRecordMeeting(r, progress)) };
  }

  /** GET /v1/corp/records: every recording of the account (the admin scope only, in JWT mode). */
  async listCorpRecords(params: QueryParams, caller: Caller = ACCOUNT_CALLER): Promise<CorpRecordsResponse> {
    if (caller.scope === 'user') throw forbidden('the account-wide list needs the admin scope; list your own recordings with /v1/records');
    const query = parseParams(CorpRecordsQuery, params);
    const page = paging(query);
    const result = await this.listing.list({ partition: { by: 'account' }, ...page });
    const progress = await this.progressOf(result.items);
    return { ...listEnvelope(result.totalCount, result.items.length, page), record_meetings: result.items.map((r) => corpRecordMeeting(r, progress)) };
  }

  /** GET /v1/records/{meeting_record_id}: one recording with every file and artifact. */
  async getRecord(meetingRecordId: string, caller: Caller = ACCOUNT_CALLER): Promise<UserRecordMeeting> {
    const id = validId('meeting_record_id', meetingRecordId);
    const recording = await this.index.getRecording(id);
    // Someone else's recording answers as a missing one: its existence is not the caller's to learn.
    if (!recording || !visibleTo(caller, recording.meeting.hostUserId)) throw notFound(`meeting recording ${id} is not in the archive`);
    return userRecordMeeting(recording, await this.progressOf([recording]));
  }

  /** GET /v1/transcripts/{record_file_id}: the archived plain-text transcripts, for reading beside the player. */
  async getTranscripts(recordFileId: string, caller: Caller = ACCOUNT_CALLER): Promise<TranscriptsResponse> {
    const id = validId('record_file_id', recordFileId);
    const found = await this.index.getFileAddress(id);
    if (!found || !visibleTo(caller, found.meeting.hostUserId)) throw notFound(`record file ${id} is not in the archive`);
    const texts = Object.values(found.file.artifacts)
      .filter((a) => (a.kind === 'transcript' || a.kind === 'ai_transcript') && a.fileType.toLowerCase() === 'txt' && a.status === 'archived' && a.key)
      .sort((a, b) => a.artifact.localeCompare(b.artifact));
    const transcripts = await Promise.all(
      texts.map(async (a) => {
        const out = await this.s3.send(new GetObjectCommand({ Bucket: a.bucket ?? this.bucketName, Key: a.key, Range: `bytes=0-${MAX_TRANSCRIPT_BYTES}` }));
        const bytes = Buffer.from((await out.Body?.transformToByteArray()) ?? []);
        const truncated = bytes.length > MAX_TRANSCRIPT_BYTES;
        // A cut may fall inside a UTF-8 sequence: the decoder's replacement character marks it.
        const text = new TextDecoder('utf-8').decode(truncated ? bytes.subarray(0, MAX_TRANSCRIPT_BYTES) : bytes);
        return { artifact: a.artifact, kind: a.kind as 'transcript' | 'ai_transcript', file_type: a.fileType, text, truncated };
      }),
    );
    return { record_file_id: id, transcripts };
  }

  /** PUT (on) / DELETE (off) /v1/records/{meeting_record_id}/legal-hold: the recording, as GET shows it. */
  async setLegalHold(meetingRecordId: string, on: boolean, caller: Caller, actor: string): Promise<UserRecordMeeting> {
    const id = validId('meeting_record_id', meetingRecordId);
    if (!this.marks) throw new Error('legal holds need the archive marks');
    return changeLegalHold(
      { index: this.index, marks: this.marks, s3: this.s3, objectLock: this.objectLock, ...(this.bucketName ? { bucketName: this.bucketName } : {}) },
      id,
      on,
      caller,
      actor,
    );
  }

  /** GET /v1/addresses/{record_file_id}: presigned links to the archived copies (archived artifacts only). */
  async getAddresses(recordFileId: string, caller: Caller = ACCOUNT_CALLER): Promise<AddressesResponse> {
    const id = validId('record_file_id', recordFileId);
    const found = await this.index.getFileAddress(id);
    if (!found || !visibleTo(caller, found.meeting.hostUserId)) throw notFound(`record file ${id} is not in the archive`);
    const { file, meeting } = found;
    const archived = Object.values(file.artifacts)
      .filter((a) => a.status === 'archived' && a.key && (a.bucket ?? this.bucketName))
      .sort((a, b) => a.artifact.localeCompare(b.artifact));
    const link = (a: ArtifactRecord) => this.presign(a, downloadFileName(meeting.subject, a.artifact, a.fileType, { recordFileId: file.recordFileId }));
    const links = async (kind: ArtifactRecord['kind']): Promise<AddressLink[]> =>
      Promise.all(archived.filter((a) => a.kind === kind).map(async (a) => ({ download_address: await link(a), file_type: a.fileType })));
    const video = archived.find((a) => a.kind === 'video');
    const audio = archived.find((a) => a.kind === 'audio');
    const [meetingSummary, aiTranscripts, aiMinutes] = await Promise.all([links('transcript'), links('ai_transcript'), links('ai_minutes')]);
    return {
      record_file_id: file.recordFileId,
      meeting_id: meeting.meetingId,
      meeting_code: meeting.meetingCode,
      ...(video ? { download_address: await link(video), download_address_file_type: video.fileType } : {}),
      ...(audio ? { audio_address: await link(audio), audio_address_file_type: audio.fileType } : {}),
      meeting_summary: meetingSummary,
      ai_meeting_transcripts: aiTranscripts,
      ai_minutes: aiMinutes,
    };
  }

  /** Where presigned links point (the bucket's S3 endpoint): the console's media-src. */
  async linkOrigin(): Promise<string | undefined> {
    if (!this.bucketName) return undefined;
    return new URL(await getSignedUrl(this.s3, new GetObjectCommand({ Bucket: this.bucketName, Key: 'origin' }), { expiresIn: 60 })).origin;
  }

  private presign(artifact: ArtifactRecord, fileName: string): Promise<string> {
    return getSignedUrl(
      this.s3,
      new GetObjectCommand({
        Bucket: artifact.bucket ?? this.bucketName,
        Key: artifact.key,
        ResponseContentDisposition: contentDisposition(fileName),
        ...(artifact.contentType ? { ResponseContentType: artifact.contentType } : {}),
      }),
      { expiresIn: this.presignTtlSeconds },
    );
  }
}

function listEnvelope(totalCount: number, currentSize: number, page: Paging) {
  return {
    total_count: totalCount,
    current_size: currentSize,
    current_page: page.page,
    total_page: Math.ceil(totalCount / page.pageSize),
  };
}

function visibleTo(caller: Caller, hostUserId: string): boolean {
  return caller.scope === 'account' || (hostUserId !== '' && hostUserId === caller.userId);
}

function validId(name: string, value: string): string {
  if (!/^[A-Za-z0-9_.-]{1,128}$/.test(value)) throw badRequest(`invalid parameter ${name}`);
  return value;
}
