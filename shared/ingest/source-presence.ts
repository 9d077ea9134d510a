// Whether Tencent still serves a record file: the one question every deletion, and every download
// link that answers 404/410, must ask before the archive changes anything (open point #14). A
// recording.deleted event is signed with the subscription token only, and a list can lag behind
// Tencent's files either way, so neither is believed on its own.
//
// What counts as an answer (reference §4.4, §5.2):
// - GET /v1/addresses/{record_file_id} returns the file: served.
// - it answers 4051 ("录制文件已经被删除", the file was deleted): gone. It names this file, so one
//   answer suffices.
// - it answers 9003 ("会议不存在"): ambiguous. Tencent documents the code for meetings, not files;
//   an account or operator mix-up could produce it too. Gone only when a second look agrees: the
//   address asked again still says 9003, and GET /v1/records for the file's meeting and recording
//   time does not list the file. If the list still lists it (a list lagging the deletion), or no
//   window is known, the answer is unknown.
// - 5xx, rate limits, network failures: unknown. A permanent error (credentials, parameters) is
//   thrown: it says nothing about the file and needs an operator.
// Unknown never changes the archive; the caller retries later or leaves things as they are.
import type { TencentMeetingClient } from '../tencent/client.ts';
import { TencentApiError } from '../tencent/errors.ts';
import type { FileAddress, RecordFile, RecordMeeting } from '../tencent/schemas.ts';
import { StsTokenUnusableError, type StsTokenStore } from '../tencent/sts-token-store.ts';

export type SourcePresence = 'served' | 'gone' | 'unknown';

export interface SourcePresenceAnswer {
  readonly presence: SourcePresence;
  /** Why, in words an operator can read in a log line. */
  readonly reason: string;
  /** The file's address when Tencent served it (its links are fresh). */
  readonly address?: FileAddress;
}

/** What the archive knows of the file, for the second look at an ambiguous answer. */
export interface SourcePresenceHints {
  readonly meetingId?: string;
  /** The file's (or its recording's) start, epoch ms. */
  readonly recordStartTimeMs?: number;
  readonly recordEndTimeMs?: number;
  /** Operator for /v1/records when none is configured (the meeting's creator). */
  readonly creatorUserId?: string;
  /**
   * The caller found the file in a /v1/records list moments ago. A 9003 cannot then be confirmed
   * as gone: the list just contradicted it (only a 4051 names the file).
   */
  readonly listedJustNow?: boolean;
}

/** The hints of a file just found in a list: where Tencent listed it, not where the message guessed. */
export function hintsOfListed(meeting: RecordMeeting, file: RecordFile, creatorUserId?: string): SourcePresenceHints {
  return {
    meetingId: meeting.meeting_id,
    recordStartTimeMs: file.record_start_time || meeting.media_start_time,
    recordEndTimeMs: file.record_end_time || file.record_start_time || meeting.media_start_time,
    ...(creatorUserId ? { creatorUserId } : {}),
  };
}

/** The hints an archive-file message carries: its meeting, and the search window around the recording. */
export function hintsOf(message: { meetingId: string; windowStartSec: number; windowEndSec: number; creatorUserId?: string | undefined }): SourcePresenceHints {
  return {
    meetingId: message.meetingId,
    recordStartTimeMs: message.windowStartSec * 1000,
    recordEndTimeMs: message.windowEndSec * 1000,
    ...(message.creatorUserId ? { creatorUserId: message.creatorUserId } : {}),
  };
}

const FILE_DELETED = 4051;
const MEETING_MISSING = 9003;
/** The list is searched this far around the recording's own times (Tencent's windows are inclusive). */
const WINDOW_SLACK_SEC = 6 * 3600;

export interface SourcePresenceDeps {
  readonly tencent: TencentMeetingClient;
  readonly stsTokens: StsTokenStore;
}

type AddressAnswer = { kind: 'served'; address: FileAddress } | { kind: 'deleted' } | { kind: 'missing' } | { kind: 'error'; reason: string };

export async function askTencentForFile(deps: SourcePresenceDeps, recordFileId: string, hints: SourcePresenceHints = {}): Promise<SourcePresenceAnswer> {
  const first = await askAddress(deps, recordFileId);
  if (first.kind === 'served') return { presence: 'served', reason: 'Tencent serves the file address', address: first.address };
  if (first.kind === 'deleted') return { presence: 'gone', reason: `Tencent answered ${FILE_DELETED} (file deleted) for the file address` };
  if (first.kind === 'error') return { presence: 'unknown', reason: first.reason };

  // 9003: ambiguous. Ask again, then look at the meeting's list.
  const again = await askAddress(deps, recordFileId);
  if (again.kind === 'served') return { presence: 'served', reason: 'Tencent serves the file address (after one 9003)', address: again.address };
  if (again.kind === 'deleted') return { presence: 'gone', reason: `Tencent answered ${FILE_DELETED} (file deleted) for the file address` };
  if (again.kind === 'error') return { presence: 'unknown', reason: `9003, then ${again.reason}` };
  if (hints.listedJustNow) return { presence: 'unknown', reason: 'Tencent answered 9003 twice but listed the file moments ago' };
  if (!hints.meetingId || hints.recordStartTimeMs === undefined) {
    return { presence: 'unknown', reason: 'Tencent answered 9003 twice and the archive knows no meeting and time to check the list' };
  }
  const listed = await listsFile(deps.tencent, recordFileId, hints);
  if (listed === 'error') return { presence: 'unknown', reason: 'Tencent answered 9003 twice and the list could not be read' };
  if (listed) return { presence: 'unknown', reason: 'Tencent answered 9003 twice but still lists the file (a lagging list or a wrong operator)' };
  return { presence: 'gone', reason: 'Tencent answered 9003 twice and no longer lists the file' };
}

async function askAddress(deps: SourcePresenceDeps, recordFileId: string): Promise<AddressAnswer> {
  // An expired or refused STS token is no answer about the file: StsTokenUnusableError is thrown
  // (retryable) and the caller waits for a fresh token (sts-wait.ts).
  try {
    const address = await deps.stsTokens.call({ recordFileId }, (sts) => deps.tencent.getFileAddress(recordFileId, sts));
    return { kind: 'served', address };
  } catch (error) {
    if (error instanceof StsTokenUnusableError) throw error;
    if (error instanceof TencentApiError && error.errorCode === FILE_DELETED) return { kind: 'deleted' };
    if (error instanceof TencentApiError && error.errorCode === MEETING_MISSING) return { kind: 'missing' };
    // Credentials, parameters, signature: no answer about the file, and asking again will not help.
    // Thrown, so the message reaches the DLQ with the reason at once, as every other call's would.
    if (error instanceof TencentApiError && !error.retryable) throw error;
    return { kind: 'error', reason: `Tencent gave no clear answer: ${error instanceof Error ? error.message : String(error)}` };
  }
}

async function listsFile(tencent: TencentMeetingClient, recordFileId: string, hints: SourcePresenceHints): Promise<boolean | 'error'> {
  const startSec = Math.floor(hints.recordStartTimeMs! / 1000) - WINDOW_SLACK_SEC;
  const endSec = Math.ceil((hints.recordEndTimeMs ?? hints.recordStartTimeMs!) / 1000) + WINDOW_SLACK_SEC;
  const operator = tencent.config.operatorId ? {} : hints.creatorUserId ? { userid: hints.creatorUserId } : {};
  try {
    for await (const meeting of tencent.iterateRecords({ meetingId: hints.meetingId!, startTimeSec: Math.max(0, startSec), endTimeSec: endSec, ...operator })) {
      if (meeting.record_files.some((f) => f.record_file_id === recordFileId)) return true;
    }
    return false;
  } catch {
    return 'error';
  }
}
