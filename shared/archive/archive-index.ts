// The archive index: the one module that writes and reads meeting recordings, record files and
// artifacts in DynamoDB. The ingest worker writes through it, the query API reads through it.
//
// The rules live here (statuses only move forward, source deletion is a flag, counters change only
// when an item enters or leaves an index partition); how a change is written safely (versioned
// read-modify-write, counters in the same transaction) is versioned-items.ts, and recordings whose
// meeting_record_id is not known yet are occurrences.ts.
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { keys } from './table-design.ts';
import { sourceFlagsOf } from './source-deleted.ts';
import { canTransition, type ArtifactKind, type ArtifactRecord, type MeetingRecordingRecord, type RecordFileRecord, type SourceDeletedBy } from './model.ts';
import {
  gsiAttributes,
  itemKeys,
  mergeRecordingStatus,
  normaliseStartMs,
  optional,
  safeSharing,
  stateOf,
  statusOfState,
  toMeetingRecord,
  type SlotItem,
  type StoredMeeting,
} from './archive-items.ts';
import { counterDeltas } from './counters.ts';
import { ProvisionalRecordings, resolveSlot, type RecordingStatusResult, type RecordingStatusUpdate } from './occurrences.ts';
import { VersionedItems, sameContent } from './versioned-items.ts';
import { allFilesOf, putFilePointer, updateFile, type DispatchEvents, type FileChange, type StoredFileItem } from './file-items.ts';
import { addressCopyOf, addressCopyWrites, type AddressCopy, type StoredFileIdItem } from './address-copies.ts';
import { meetingOfFile, readFilePointer } from './file-lookup.ts';
import { NotFoundError } from '../errors.ts';

export { OCCURRENCE_WINDOW_MS, sameOccurrence, type RecordingStatusResult, type RecordingStatusUpdate } from './occurrences.ts';

/** What the ingest worker knows about a meeting recording (from GET /v1/records or corp/records). */
export type MeetingRecordingUpsert = Omit<MeetingRecordingRecord, 'updatedAt' | 'state' | 'recordingStatus' | 'sourceDeletedAt' | 'legalHold'> &
  Partial<Pick<MeetingRecordingRecord, 'state' | 'recordingStatus' | 'sourceDeletedAt'>>;

/** A record file's metadata. Sharing passwords and links are dropped even if a caller passes them. */
export type RecordFileUpsert = Pick<
  RecordFileRecord,
  'meetingRecordId' | 'recordFileId' | 'meetingId' | 'recordStartTimeMs' | 'recordEndTimeMs' | 'recordSize' | 'sharing'
>;

export interface ArtifactStatusResult {
  /** False when the change would move the artifact backwards (e.g. archived → copying): nothing was written. */
  readonly applied: boolean;
  readonly artifact: ArtifactRecord;
}

export interface MarkSourceDeletedResult {
  readonly marked: readonly string[];
  readonly unknown: readonly string[];
}

export interface ArchiveIndexOptions {
  readonly dynamo: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly now?: () => Date;
  /** Attempts for one optimistic write before giving up with a TransientError. */
  readonly maxAttempts?: number;
  /** Publishes the archive events file changes record (ArchiveEventOutbox#dispatch); without it they wait for the sweep. */
  readonly dispatchEvents?: DispatchEvents;
}

const MAX_ERROR_LENGTH = 1000;

export class ArchiveIndex {
  readonly dynamo: DynamoDBDocumentClient;
  readonly tableName: string;
  private readonly now: () => Date;
  private readonly items: VersionedItems;
  private readonly provisional: ProvisionalRecordings;
  private readonly dispatchEvents: DispatchEvents | undefined;

  constructor(options: ArchiveIndexOptions) {
    this.dispatchEvents = options.dispatchEvents;
    this.dynamo = options.dynamo;
    this.tableName = options.tableName;
    this.now = options.now ?? (() => new Date());
    this.items = new VersionedItems({ dynamo: options.dynamo, tableName: options.tableName, ...optional('maxAttempts', options.maxAttempts) });
    this.provisional = new ProvisionalRecordings(this.items, this.now);
  }

  // ─── writes ────────────────────────────────────────────────────────────────────────────────────

  /**
   * Creates or updates a meeting recording. Subject, code, host, start time and types take the given
   * values; recordingStatus/state never move backwards; sourceDeletedAt is only ever set. A
   * provisional recording of the same meeting occurrence is merged into it (and uncounted).
   */
  async upsertMeetingRecording(input: MeetingRecordingUpsert): Promise<{ created: boolean; record: MeetingRecordingRecord }> {
    requireId(input.meetingRecordId, 'meetingRecordId');
    requireId(input.meetingId, 'meetingId');
    return this.items.retrying(async () => {
      const [existing, slot] = await Promise.all([this.getMeetingItem(input.meetingRecordId), this.items.get<SlotItem>(itemKeys.slot(input.meetingId))]);
      const now = this.now().toISOString();
      const startMs = normaliseStartMs(input.mediaStartTimeMs);
      const incoming = input.recordingStatus ?? (input.state !== undefined ? statusOfState(input.state) : undefined);
      let ownStatus = mergeRecordingStatus(
        existing ? { status: existing.recordingStatus, atMs: existing.statusAtMs } : undefined,
        { status: incoming ?? 'recording' },
      );
      if (existing && incoming === undefined) ownStatus = { status: existing.recordingStatus, atMs: existing.statusAtMs };
      const slotChange = resolveSlot(slot, { meetingId: input.meetingId, meetingRecordId: input.meetingRecordId, startMs }, ownStatus);
      const status = slotChange.status;

      const base: MeetingRecordingRecord = {
        meetingRecordId: input.meetingRecordId,
        meetingId: input.meetingId,
        meetingCode: input.meetingCode ?? '',
        subject: input.subject ?? '',
        hostUserId: input.hostUserId ?? '',
        mediaStartTimeMs: startMs,
        state: Math.max(existing?.state ?? 0, input.state ?? 0, stateOf(status.status)),
        recordingStatus: status.status,
        ...optional('recordType', input.recordType ?? existing?.recordType),
        ...optional('mediaSetType', input.mediaSetType ?? existing?.mediaSetType),
        ...optional('sourceDeletedAt', existing?.sourceDeletedAt ?? input.sourceDeletedAt),
        ...optional('legalHold', existing?.legalHold),
        updatedAt: now,
      };
      const next: StoredMeeting = {
        ...keys.meeting(input.meetingRecordId),
        ...base,
        ...gsiAttributes(base, input.meetingRecordId),
        kind: 'meeting',
        version: (existing?.version ?? 0) + 1,
        createdAt: existing?.createdAt ?? now,
        ...optional('statusAtMs', status.atMs),
        files: existing?.files ?? {},
        // Files that did not fit in this item live apart; readers find them only through this flag.
        ...optional('filesApart', existing?.filesApart),
      };
      if (existing && sameContent(existing, next) && !slotChange.write) return { created: false, record: toMeetingRecord(existing) };

      await this.items.write(
        // A renamed subject, code or host rewrites the files' address copies in the same transaction.
        [{ before: existing, after: next }, ...(slotChange.write ? [slotChange.write] : []), ...addressCopyWrites(existing, next, [])],
        counterDeltas([existing, slotChange.absorbed], [next]),
      );
      return { created: !existing, record: toMeetingRecord(next) };
    });
  }

  /** Creates or updates a record file's metadata; its artifacts are kept. The meeting must exist. */
  async upsertRecordFile(file: RecordFileUpsert): Promise<{ created: boolean; record: RecordFileRecord }> {
    requireId(file.recordFileId, 'recordFileId');
    // The pointers first: they only hold ids, so writing them again is harmless, and a file whose
    // metadata write then fails is simply not found until the retry.
    await putFilePointer(this.dynamo, this.tableName, file);
    return this.updateFile<{ created: boolean; record: RecordFileRecord }>(file.meetingRecordId, file.recordFileId, (existing) => {
      const record: RecordFileRecord = {
        meetingRecordId: file.meetingRecordId,
        recordFileId: file.recordFileId,
        meetingId: file.meetingId,
        recordStartTimeMs: file.recordStartTimeMs,
        recordEndTimeMs: file.recordEndTimeMs,
        recordSize: file.recordSize,
        sharing: safeSharing(file.sharing),
        artifacts: existing?.artifacts ?? {},
        ...optional('announced', existing?.announced),
        ...sourceFlagsOf(existing),
        updatedAt: existing?.updatedAt ?? '',
      };
      if (existing && sameContent(existing, record)) return { result: { created: false, record: existing } };
      const stamped = { ...record, updatedAt: this.now().toISOString() };
      return { file: stamped, result: { created: !existing, record: stamped } };
    });
  }

  /**
   * Tencent announced artifacts of one of these kinds for the file (smart.transcripts,
   * smart.fullsummary): until one is archived the file is not complete, so the sweep enqueues it again.
   */
  async noteAnnouncedKinds(meetingRecordId: string, recordFileId: string, kinds: readonly ArtifactKind[]): Promise<void> {
    if (kinds.length === 0) return;
    const entry = [...new Set(kinds)].sort().join('|');
    await this.updateFile<void>(meetingRecordId, recordFileId, (file) => {
      if (!file || file.announced?.includes(entry)) return { result: undefined };
      return { file: { ...file, announced: [...(file.announced ?? []), entry].sort(), updatedAt: this.now().toISOString() }, result: undefined };
    });
  }

  /**
   * Moves an archived artifact to another name within its file (an earlier version's position
   * name to its stable one): its object stays where it is, indexed under the new name.
   */
  async renameArtifact(meetingRecordId: string, recordFileId: string, from: string, to: string): Promise<RecordFileRecord> {
    requireId(to, 'to');
    return this.updateFile<RecordFileRecord>(meetingRecordId, recordFileId, (file) => {
      if (!file) throw new NotFoundError('record file is not indexed: upsert it first', { meetingRecordId, recordFileId });
      const moving = file.artifacts[from];
      if (!moving || file.artifacts[to]) return { result: file };
      const { [from]: _gone, ...rest } = file.artifacts;
      const next: RecordFileRecord = { ...file, artifacts: { ...rest, [to]: { ...moving, artifact: to } }, updatedAt: this.now().toISOString() };
      return { file: next, result: next };
    });
  }

  /**
   * Records an artifact's copy status. Never moves backwards (archived stays archived; see
   * `canTransition`): such a call writes nothing and returns `applied: false` with the stored state.
   * `attempts` counts entries into `copying` unless the caller gives it; `lastError` is kept until
   * the artifact is archived.
   */
  async setArtifactStatus(meetingRecordId: string, recordFileId: string, artifact: ArtifactRecord): Promise<ArtifactStatusResult> {
    requireId(artifact.artifact, 'artifact.artifact');
    return this.updateFile<ArtifactStatusResult>(meetingRecordId, recordFileId, (file) => {
      if (!file) throw new NotFoundError('record file is not indexed: upsert it first', { meetingRecordId, recordFileId });
      const previous = file.artifacts[artifact.artifact];
      if (!canTransition(previous?.status, artifact.status)) return { result: { applied: false, artifact: previous ?? artifact } };
      const attempts =
        artifact.attempts ?? (artifact.status === 'copying' && previous?.status !== 'copying' ? (previous?.attempts ?? 0) + 1 : previous?.attempts);
      const lastError = artifact.status === 'archived' ? undefined : (artifact.lastError ?? previous?.lastError)?.slice(0, MAX_ERROR_LENGTH);
      const next: ArtifactRecord = {
        ...previous,
        ...artifact,
        ...optional('attempts', attempts),
        ...optional('lastError', lastError),
      };
      if (lastError === undefined) delete (next as { lastError?: string }).lastError;
      if (previous && sameContent(previous, next)) return { result: { applied: true, artifact: previous } };
      const updatedFile: RecordFileRecord = {
        ...file,
        artifacts: { ...file.artifacts, [artifact.artifact]: next },
        updatedAt: this.now().toISOString(),
      };
      return { file: updatedFile, result: { applied: true, artifact: next } };
    });
  }

  /**
   * Tencent deleted its copy: flags the files (and the meeting once all its files are flagged, or
   * when the whole meeting recording is given). A flag only: archive statuses are untouched, and
   * the first deletion time (and who deleted it: Tencent's own users, or the archive's source
   * cleanup) is kept. Each file flagged publishes `Recording Deleted At Source`.
   */
  async markSourceDeleted(
    target: { readonly meetingRecordId: string } | { readonly recordFileIds: readonly string[] },
    at: Date | number | string,
    deletedBy: SourceDeletedBy = 'tencent',
  ): Promise<MarkSourceDeletedResult> {
    const when = new Date(at).toISOString();
    const flag = { at: when, by: deletedBy };
    if ('meetingRecordId' in target) {
      const marked = await this.flagDeleted(target.meetingRecordId, undefined, flag);
      return marked ? { marked, unknown: [] } : { marked: [], unknown: [target.meetingRecordId] };
    }
    const byMeeting = new Map<string, string[]>();
    const unknown: string[] = [];
    for (const recordFileId of new Set(target.recordFileIds)) {
      const pointer = await meetingOfFile(this.dynamo, this.tableName, recordFileId, await readFilePointer(this.items, recordFileId));
      if (!pointer) unknown.push(recordFileId);
      else byMeeting.set(pointer.meetingRecordId, [...(byMeeting.get(pointer.meetingRecordId) ?? []), recordFileId]);
    }
    const marked: string[] = [];
    for (const [meetingRecordId, ids] of byMeeting) {
      const done = await this.flagDeleted(meetingRecordId, ids, flag);
      if (done) marked.push(...done);
      else unknown.push(...ids);
    }
    return { marked, unknown };
  }

  /**
   * A recording started/paused/resumed/stopped before its meeting_record_id is known. Applied to
   * the indexed recording of that meeting occurrence when there is one; otherwise held as a
   * provisional recording of the meeting_id (listed with an empty meeting_record_id) until
   * `upsertMeetingRecording` merges it. One provisional slot per meeting_id, moving forward in time:
   * an event for an older occurrence that was never indexed is ignored (reconcile finds it).
   */
  async recordRecordingStatus(update: RecordingStatusUpdate): Promise<RecordingStatusResult> {
    requireId(update.meetingId, 'meetingId');
    return this.provisional.record(update);
  }

  // ─── reads ─────────────────────────────────────────────────────────────────────────────────────

  async getMeetingRecording(meetingRecordId: string): Promise<MeetingRecordingRecord | undefined> {
    const item = await this.getMeetingItem(meetingRecordId);
    return item ? toMeetingRecord(item) : undefined;
  }

  /** A meeting recording with all its files (and their artifacts), in one read. */
  async getRecording(meetingRecordId: string): Promise<{ meeting: MeetingRecordingRecord; files: RecordFileRecord[] } | undefined> {
    const item = await this.getMeetingItem(meetingRecordId);
    return item ? { meeting: toMeetingRecord(item), files: await this.allFiles(item) } : undefined;
  }

  async listFiles(meetingRecordId: string): Promise<RecordFileRecord[]> {
    const item = await this.getMeetingItem(meetingRecordId);
    return item ? this.allFiles(item) : [];
  }

  async getRecordFile(recordFileId: string): Promise<RecordFileRecord | undefined> {
    return (await this.getRecordFileWithMeeting(recordFileId))?.file;
  }

  /** A record file and the meeting recording it belongs to: the file's pointer, then its MEETING item. */
  async getRecordFileWithMeeting(recordFileId: string): Promise<{ file: RecordFileRecord; meeting: MeetingRecordingRecord } | undefined> {
    return this.fileWithMeeting(recordFileId, await readFilePointer(this.items, recordFileId));
  }

  /**
   * A record file and its meeting's naming fields, as the archive API answers a record_file_id:
   * one GetItem when the file's pointer carries its address copy (address-copies.ts), else the
   * same two reads as getRecordFileWithMeeting.
   */
  async getFileAddress(recordFileId: string): Promise<AddressCopy | undefined> {
    const pointer = await readFilePointer(this.items, recordFileId);
    return addressCopyOf(pointer, recordFileId) ?? (await this.fileWithMeeting(recordFileId, pointer));
  }

  // ─── internals ─────────────────────────────────────────────────────────────────────────────────

  private async fileWithMeeting(recordFileId: string, read: StoredFileIdItem | undefined): Promise<{ file: RecordFileRecord; meeting: MeetingRecordingRecord } | undefined> {
    const pointer = await meetingOfFile(this.dynamo, this.tableName, recordFileId, read);
    if (!pointer) return undefined;
    const item = await this.getMeetingItem(pointer.meetingRecordId);
    const file =
      item?.files[recordFileId] ??
      (item?.filesApart ? (await this.items.get<StoredFileItem>(keys.file(pointer.meetingRecordId, recordFileId)))?.file : undefined);
    return item && file ? { file, meeting: toMeetingRecord(item) } : undefined;
  }

  /** Every file of a meeting item, inline or apart (file-items.ts), in a stable order. */
  private async allFiles(item: StoredMeeting): Promise<RecordFileRecord[]> {
    return allFilesOf(this.dynamo, this.tableName, item);
  }

  private updateFile<T>(meetingRecordId: string, recordFileId: string, change: (file: RecordFileRecord | undefined) => FileChange<T>): Promise<T> {
    return updateFile(this.items, this.now, meetingRecordId, recordFileId, change, this.dispatchEvents);
  }

  private async getMeetingItem(meetingRecordId: string): Promise<StoredMeeting | undefined> {
    return this.items.get<StoredMeeting>(keys.meeting(meetingRecordId));
  }

  private async flagDeleted(meetingRecordId: string, recordFileIds: readonly string[] | undefined, { at: when, by }: { at: string; by: SourceDeletedBy }): Promise<string[] | undefined> {
    const item = await this.getMeetingItem(meetingRecordId);
    if (!item) return undefined;
    const files = await this.allFiles(item);
    const known = new Set(files.map((f) => f.recordFileId));
    const ids = (recordFileIds ?? [...known]).filter((id) => known.has(id));
    // One write per file: its record may live inline or apart (file-items.ts).
    for (const id of ids) {
      await this.updateFile<void>(meetingRecordId, id, (file) =>
        !file || file.sourceDeletedAt ? { result: undefined } : { file: { ...file, sourceDeletedAt: when, sourceDeletedBy: file.sourceCleanupStartedAt ? 'archive' : by, updatedAt: this.now().toISOString() }, result: undefined },
      );
    }
    const flagged = new Set(ids);
    const allGone = recordFileIds === undefined || files.every((f) => f.sourceDeletedAt || flagged.has(f.recordFileId));
    if (allGone && !item.sourceDeletedAt) {
      try {
        await this.updateMeeting(meetingRecordId, {}, (current) => ({ sourceDeletedAt: current.sourceDeletedAt ?? when, result: undefined }));
      } catch (error) {
        if (!(error instanceof NotFoundError)) throw error;
      }
    }
    return ids;
  }

  /**
   * Read-modify-write of a meeting item's deletion flag; no index or counter changes. Files are
   * changed through updateFile only, which keeps their address copies (address-copies.ts).
   */
  private async updateMeeting<T>(
    meetingRecordId: string,
    context: { recordFileId?: string },
    change: (item: StoredMeeting) => { sourceDeletedAt?: string; result: T },
  ): Promise<T> {
    return this.items.retrying(async () => {
      const item = await this.getMeetingItem(meetingRecordId);
      if (!item) throw new NotFoundError('meeting recording is not indexed: upsert it first', { meetingRecordId, ...context });
      const { sourceDeletedAt, result } = change(item);
      if (sourceDeletedAt === undefined) return result;
      const next: StoredMeeting = { ...item, sourceDeletedAt, version: item.version + 1, updatedAt: this.now().toISOString() };
      await this.items.write([{ before: item, after: next }], new Map());
      return result;
    });
  }
}

function requireId(value: string | undefined, name: string): void {
  if (typeof value !== 'string' || value.length === 0) throw new TypeError(`${name} is required`);
}
