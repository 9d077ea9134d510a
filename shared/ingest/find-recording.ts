// Finds the meeting recording that holds a record file, walking the windows record-windows.ts
// plans until one lists it: a miss widens the search before the worker defers (open point #1).
import type { Logger } from '@aws-lambda-powertools/logger';
import type { TencentMeetingClient } from '../tencent/client.ts';
import { TencentGoneError } from '../tencent/errors.ts';
import type { RecordFile, RecordMeeting } from '../tencent/schemas.ts';
import type { ArchiveIndex } from '../archive/archive-index.ts';
import { lookupWindows } from './record-windows.ts';
import type { ArchiveFileMessage, RefreshMeetingMessage } from './messages.ts';

export interface FoundRecording {
  readonly meeting: RecordMeeting;
  /** Absent when the recording is listed but the file is not (yet): the caller waits for it. */
  readonly file: RecordFile | undefined;
}

export interface RecordingFinderDeps {
  readonly tencent: TencentMeetingClient;
  readonly index: ArchiveIndex;
  readonly logger: Logger;
  readonly now: () => number;
  /** Counts a lookup that found the recording only after widening past the first window. */
  readonly onWidened?: () => void;
}

type Hinted = Pick<
  ArchiveFileMessage,
  'meetingId' | 'windowStartSec' | 'windowEndSec' | 'operateTimeMs' | 'occurrenceStartSec' | 'subMeetingId' | 'creatorUserId'
>;

async function windowsFor(deps: RecordingFinderDeps, message: Hinted, recordFileId: string | undefined) {
  const known = recordFileId ? await deps.index.getRecordFileWithMeeting(recordFileId) : undefined;
  return lookupWindows(
    {
      windowStartSec: message.windowStartSec,
      windowEndSec: message.windowEndSec,
      ...(message.operateTimeMs !== undefined ? { operateTimeMs: message.operateTimeMs } : {}),
      ...(message.occurrenceStartSec !== undefined ? { occurrenceStartSec: message.occurrenceStartSec } : {}),
      ...(known
        ? { known: { recordStartTimeMs: known.file.recordStartTimeMs, recordEndTimeMs: known.file.recordEndTimeMs, mediaStartTimeMs: known.meeting.mediaStartTimeMs } }
        : {}),
    },
    deps.now(),
  );
}

/**
 * Every meeting recording of the meeting listed in one window. A gone answer (9003 "meeting does
 * not exist", 4051) to a list is this window listing nothing: it names no file, and a meeting whose
 * event carried the wrong times is missing from one window and listed in the next. Thrown on, it
 * would send the message to the DLQ as non-retryable.
 */
async function listWindow(deps: RecordingFinderDeps, message: Hinted, startTimeSec: number, endTimeSec: number): Promise<RecordMeeting[]> {
  const { tencent } = deps;
  const operator = tencent.config.operatorId ? {} : message.creatorUserId ? { userid: message.creatorUserId } : {};
  const listed: RecordMeeting[] = [];
  try {
    for await (const meeting of tencent.iterateRecords({ meetingId: message.meetingId, startTimeSec, endTimeSec, ...operator })) listed.push(meeting);
  } catch (error) {
    if (!(error instanceof TencentGoneError)) throw error;
    deps.logger.info('Tencent answered a record list as gone; taking the window as listing nothing', {
      meetingId: message.meetingId,
      windowStartSec: startTimeSec,
      windowEndSec: endTimeSec,
      errorCode: error.errorCode,
    });
  }
  return listed;
}

/**
 * The meeting recording that contains the file. A file missing from a listed recording that is
 * still in progress (state ≠ 3) returns that recording without a file: files are listed only once
 * transcoding is done. Undefined when no window lists anything of the meeting.
 */
export async function findRecording(deps: RecordingFinderDeps, message: ArchiveFileMessage): Promise<FoundRecording | undefined> {
  const windows = await windowsFor(deps, message, message.recordFileId);
  const listed: RecordMeeting[] = [];
  for (const [i, w] of windows.entries()) {
    const meetings = await listWindow(deps, message, w.startSec, w.endSec);
    for (const meeting of meetings) {
      const file = meeting.record_files.find((f) => f.record_file_id === message.recordFileId);
      if (!file) continue;
      if (i > 0) {
        deps.onWidened?.();
        deps.logger.info('recording found after widening the search window', {
          meetingId: message.meetingId,
          recordFileId: message.recordFileId,
          subMeetingId: message.subMeetingId,
          windowStartSec: w.startSec,
          windowEndSec: w.endSec,
          windowsSearched: i + 1,
        });
      }
      return { meeting, file };
    }
    listed.push(...meetings);
    // The message's own recording is there but still transcoding: waiting helps, searching elsewhere
    // does not. Any other unfinished recording of the meeting proves nothing: in a recurring meeting
    // it is usually another occurrence, and the file's may lie in a wider window.
    const ours = listed.find((m) => m.state !== 3 && isMessagesRecording(m, message));
    if (ours) return { meeting: ours, file: undefined };
  }
  deps.logger.info('no search window lists the recording file', {
    meetingId: message.meetingId,
    recordFileId: message.recordFileId,
    subMeetingId: message.subMeetingId,
    windows: windows.map((w) => `${w.startSec}-${w.endSec}`),
  });
  const sameRecording = listed.find((m) => m.meeting_record_id === message.meetingRecordId);
  if (sameRecording) return { meeting: sameRecording, file: undefined };
  // Nothing named it: an unfinished recording (a one-off meeting's, transcoding) is waited for, as before widening.
  const meeting = listed.find((m) => m.state !== 3) ?? listed[0];
  return meeting ? { meeting, file: undefined } : undefined;
}

/** The recording the message names: by its id, or by the occurrence (should the list name it). */
function isMessagesRecording(meeting: RecordMeeting, message: ArchiveFileMessage): boolean {
  if (message.meetingRecordId !== undefined && meeting.meeting_record_id === message.meetingRecordId) return true;
  return message.subMeetingId !== undefined && meeting.sub_meeting_id === message.subMeetingId;
}

/** The meeting recording a recording.updated event names, across the same windows. */
export async function findMeetingRecording(deps: RecordingFinderDeps, message: RefreshMeetingMessage): Promise<RecordMeeting | undefined> {
  const indexed = await deps.index.getMeetingRecording(message.meetingRecordId);
  const windows = lookupWindows(
    {
      windowStartSec: message.windowStartSec,
      windowEndSec: message.windowEndSec,
      ...(message.operateTimeMs !== undefined ? { operateTimeMs: message.operateTimeMs } : {}),
      ...(message.occurrenceStartSec !== undefined ? { occurrenceStartSec: message.occurrenceStartSec } : {}),
      ...(indexed ? { known: { mediaStartTimeMs: indexed.mediaStartTimeMs } } : {}),
    },
    deps.now(),
  );
  for (const w of windows) {
    const found = (await listWindow(deps, message, w.startSec, w.endSec)).find((m) => m.meeting_record_id === message.meetingRecordId);
    if (found) return found;
  }
  return undefined;
}
