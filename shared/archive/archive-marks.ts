// Marks an operator or the archive itself puts on indexed recordings, beside the copy statuses
// archive-index.ts owns: a meeting recording's legal hold, and the note that the source cleanup is
// about to delete Tencent's copy of a file. Same storage rules as the index (versioned
// read-modify-write, see versioned-items.ts); a separate module so the ingest bundle, which only
// reads the marks, does not carry their writers.
import { keys } from './table-design.ts';
import type { LegalHold, MeetingRecordingRecord, RecordFileRecord } from './model.ts';
import { toMeetingRecord, type StoredMeeting } from './archive-items.ts';
import { updateFile } from './file-items.ts';
import { VersionedItems } from './versioned-items.ts';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export interface LegalHoldChange {
  /** False when the recording already was in the asked state (the earlier hold, with its author, is kept). */
  readonly changed: boolean;
  readonly meeting: MeetingRecordingRecord;
}

export class ArchiveMarks {
  readonly #items: VersionedItems;
  readonly #now: () => Date;

  constructor(options: { readonly dynamo: DynamoDBDocumentClient; readonly tableName: string; readonly now?: () => Date }) {
    this.#items = new VersionedItems({ dynamo: options.dynamo, tableName: options.tableName });
    this.#now = options.now ?? (() => new Date());
  }

  /**
   * Places (`hold` given) or lifts (undefined) the legal hold of an indexed meeting recording.
   * Idempotent: placing it again keeps who placed it first and since when. Undefined when the
   * archive holds no such recording.
   */
  async setLegalHold(meetingRecordId: string, hold: LegalHold | undefined): Promise<LegalHoldChange | undefined> {
    return this.#items.retrying(async () => {
      const item = await this.#items.get<StoredMeeting>(keys.meeting(meetingRecordId));
      if (!item || item.kind !== 'meeting') return undefined;
      if (Boolean(hold) === Boolean(item.legalHold)) return { changed: false, meeting: toMeetingRecord(item) };
      const { legalHold: _previous, ...rest } = item;
      const next: StoredMeeting = { ...rest, ...(hold ? { legalHold: hold } : {}), version: item.version + 1, updatedAt: this.#now().toISOString() };
      await this.#items.write([{ before: item, after: next }], new Map());
      return { changed: true, meeting: toMeetingRecord(next) };
    });
  }

  /** Notes that the source cleanup is deleting Tencent's copy of the file (the first time is kept). */
  async startSourceCleanup(meetingRecordId: string, recordFileId: string, at: Date): Promise<RecordFileRecord | undefined> {
    return updateFile<RecordFileRecord | undefined>(this.#items, this.#now, meetingRecordId, recordFileId, (file) => {
      if (!file || file.sourceCleanupStartedAt) return { result: file };
      const next: RecordFileRecord = { ...file, sourceCleanupStartedAt: at.toISOString(), updatedAt: this.#now().toISOString() };
      return { file: next, result: next };
    });
  }
}
