// A record file's address copy: the file's record and its meeting's naming fields, kept on the
// file's base-table pointer (FILE#<record_file_id> / POINTER) so the archive API answers a
// record_file_id (download links, transcripts) with ONE consistent GetItem instead of two (the
// pointer, then the MEETING item).
//
// A copy is only ever written in the same transaction as the MEETING item write it mirrors, with
// no condition of its own: that write's version condition is its guard, so a copy can never be
// newer or older than the MEETING item it was taken from. Copies are kept only while a meeting's
// files all live inline and number at most MAX_ADDRESS_COPIES: then a change of a naming field
// (subject, code, host) rewrites every copy in that one transaction (DynamoDB takes 100 actions).
// The write that ends this (the first file moved apart, or one file too many) strips every copy
// in its transaction; from then on those files answer through the two-read path, as do pointers
// written before copies existed.
import { keys } from './table-design.ts';
import type { MeetingRecordingRecord, RecordFileRecord } from './model.ts';
import type { StoredMeeting } from './archive-items.ts';
import { sameContent, type VersionedWrite } from './versioned-items.ts';

/**
 * Most files whose pointers carry copies: a naming change rewrites them all, beside the MEETING
 * item, the occurrence slot, its counters and the outbox events, in one 100-action transaction.
 */
export const MAX_ADDRESS_COPIES = 64;

/** The meeting fields a file's answers use: ids, the subject (download names), the host (visibility). */
export type AddressMeeting = Pick<MeetingRecordingRecord, 'meetingRecordId' | 'meetingId' | 'meetingCode' | 'subject' | 'hostUserId'>;

/**
 * The part of a file its answers by record_file_id use: its ids and its ARCHIVED artifacts (only
 * those get links or are read as transcripts). A copy changes only when an artifact is archived,
 * deleted or renamed, not on every status a copy passes through: the MEETING writes that leave it
 * as it was stay single conditional puts.
 */
export type AddressFile = Pick<RecordFileRecord, 'meetingRecordId' | 'recordFileId' | 'artifacts'>;

export interface AddressCopy {
  readonly file: AddressFile;
  readonly meeting: AddressMeeting;
}

/** The FILE# / POINTER item: which meeting a record_file_id belongs to, and maybe its address copy. */
export interface StoredFileIdItem {
  readonly pk: string;
  readonly sk: string;
  readonly kind: 'file-id';
  readonly meetingRecordId?: string;
  readonly recordFileId?: string;
  readonly address?: AddressCopy;
}

type MeetingFiles = Pick<StoredMeeting, 'meetingRecordId' | 'files' | 'filesApart'>;

export function keepsAddressCopies(meeting: MeetingFiles): boolean {
  return !meeting.filesApart && Object.keys(meeting.files ?? {}).length <= MAX_ADDRESS_COPIES;
}

function addressMeeting(meeting: AddressMeeting): AddressMeeting {
  const { meetingRecordId, meetingId, meetingCode, subject, hostUserId } = meeting;
  return { meetingRecordId, meetingId, meetingCode, subject, hostUserId };
}

export function addressFile(file: RecordFileRecord): AddressFile {
  const archived = Object.entries(file.artifacts).filter(([, a]) => a.status === 'archived');
  return { meetingRecordId: file.meetingRecordId, recordFileId: file.recordFileId, artifacts: Object.fromEntries(archived) };
}

function sameNaming(a: AddressMeeting, b: AddressMeeting): boolean {
  return a.meetingId === b.meetingId && a.meetingCode === b.meetingCode && a.subject === b.subject && a.hostUserId === b.hostUserId;
}

function pointerWrite(meetingRecordId: string, recordFileId: string, address?: AddressCopy): VersionedWrite {
  const after: StoredFileIdItem = { ...keys.fileById(recordFileId), kind: 'file-id', meetingRecordId, recordFileId, ...(address ? { address } : {}) };
  return { before: undefined, after, unconditional: true };
}

/**
 * The pointer writes that ride along with writing `after` over `before` (a MEETING item):
 * `changed` names the inline files whose records the write changes; only those whose address view
 * changes (or every file, when a naming field changes) get their copy rewritten.
 */
export function addressCopyWrites(before: (MeetingFiles & AddressMeeting) | undefined, after: MeetingFiles & AddressMeeting, changed: readonly string[]): VersionedWrite[] {
  if (!keepsAddressCopies(after)) {
    // Only the write that ends the copies strips them; later ones find none to strip.
    if (!before || !keepsAddressCopies(before)) return [];
    return Object.keys(before.files ?? {}).map((id) => pointerWrite(after.meetingRecordId, id));
  }
  const renamed = !before || !sameNaming(before, after);
  const meeting = addressMeeting(after);
  return (renamed ? Object.keys(after.files ?? {}) : changed).flatMap((id) => {
    const file = after.files?.[id];
    if (!file) return [];
    const copy = addressFile(file);
    const was = before?.files?.[id];
    // The copy already on the pointer is the view of `was` (every write that changes it writes it).
    if (!renamed && was && sameContent(addressFile(was), copy)) return [];
    return [pointerWrite(after.meetingRecordId, id, { file: copy, meeting })];
  });
}

/** The copy a pointer carries, if it is one this pointer can vouch for. */
export function addressCopyOf(pointer: StoredFileIdItem | undefined, recordFileId: string): AddressCopy | undefined {
  const copy = pointer?.address;
  if (!copy || !pointer.meetingRecordId) return undefined;
  // A pointer moved to another meeting (its ids rewritten) without its copy never serves the old one.
  if (copy.file.recordFileId !== recordFileId || copy.meeting.meetingRecordId !== pointer.meetingRecordId || copy.file.meetingRecordId !== pointer.meetingRecordId) return undefined;
  return copy;
}
