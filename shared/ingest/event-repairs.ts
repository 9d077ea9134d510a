// The worker's side of repaired webhook events (open point #5): events that named too little to
// archive directly. Each becomes ordinary archive-file messages once Tencent has said what they
// mean, so everything after (leases, copies, deferrals, completeness) is the one archive-file path.
//   archive-meeting: recording_files came empty, meaning every file of the meeting → list
//                    /v1/records for the meeting and archive each file listed.
//   resolve-file:    a file id without meeting_info (uploaded recordings) → GET /v1/addresses/{id}
//                    names its meeting, then the file is archived like any other.
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Logger } from '@aws-lambda-powertools/logger';
import { TransientError } from '../errors.ts';
import type { TencentMeetingClient } from '../tencent/client.ts';
import type { RecordMeeting } from '../tencent/schemas.ts';
import type { StsTokenStore } from '../tencent/sts-token-store.ts';
import { lookupWindows, searchWindow } from './record-windows.ts';
import type { ArchiveFileMessage, ArchiveMeetingMessage, ResolveFileMessage } from './messages.ts';
import { sendIngestMessages } from './queue.ts';
import { askTencentForFile } from './source-presence.ts';

export interface EventRepairDeps {
  readonly tencent: TencentMeetingClient;
  readonly stsTokens: StsTokenStore;
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  readonly logger: Logger;
  /** Delay before an archive-meeting whose recordings are not all listed yet is looked at again. */
  readonly deferSeconds?: { readonly notListed?: number };
}

/** As IngestService's: a meeting still not listed after this many looks goes to the DLQ. */
const MAX_DEFERRALS = 30;
const DEFAULT_NOT_LISTED_SECONDS = 60;

export class EventRepairs {
  readonly #deps: EventRepairDeps;

  constructor(deps: EventRepairDeps) {
    this.#deps = deps;
  }

  async archiveMeeting(message: ArchiveMeetingMessage): Promise<void> {
    const { tencent, logger } = this.#deps;
    const operator = tencent.config.operatorId ? {} : message.creatorUserId ? { userid: message.creatorUserId } : {};
    const files: ArchiveFileMessage[] = [];
    const queued = new Set<string>();
    let unfinished = 0;
    // A recurring meeting lists every occurrence: the first window listing any file may hold only
    // others. When the event names its occurrence, the search goes on until a window holds that one.
    const occurrence = namedOccurrence(message);
    let occurrenceFound = false;
    let occurrenceUnfinished = 0;
    // As for one file (open point #1): the nearest window first, widening on a miss, so a meeting
    // whose event carried a recurring series' times is still found.
    const windows = lookupWindows(
      {
        windowStartSec: message.windowStartSec,
        windowEndSec: message.windowEndSec,
        ...(message.operateTimeMs !== undefined ? { operateTimeMs: message.operateTimeMs } : {}),
        ...(message.occurrenceStartSec ? { occurrenceStartSec: message.occurrenceStartSec } : {}),
      },
      Date.now(),
    );
    let windowsSearched = 0;
    for (const window of windows) {
      windowsSearched += 1;
      for await (const meeting of tencent.iterateRecords({ meetingId: message.meetingId, startTimeSec: window.startSec, endTimeSec: window.endSec, ...operator })) {
        if (meeting.state !== 3) unfinished += 1;
        if (occurrence?.(meeting)) {
          occurrenceFound = true;
          if (meeting.state !== 3) occurrenceUnfinished += 1;
        }
        for (const file of meeting.record_files) {
          // Windows overlap: a recording listed twice is queued once.
          if (queued.has(file.record_file_id)) continue;
          queued.add(file.record_file_id);
          files.push({
            kind: 'archive-file',
            reason: message.reason,
            ...(message.traceId ? { traceId: message.traceId } : {}),
            meetingId: message.meetingId,
            recordFileId: file.record_file_id,
            meetingRecordId: meeting.meeting_record_id,
            windowStartSec: window.startSec,
            windowEndSec: window.endSec,
            ...(message.operateTimeMs !== undefined ? { operateTimeMs: message.operateTimeMs } : {}),
            ...(message.creatorUserId ? { creatorUserId: message.creatorUserId } : {}),
            ...(message.artifacts ? { artifacts: message.artifacts } : {}),
          });
        }
      }
      if (occurrence ? occurrenceFound : files.length > 0 || unfinished > 0) break;
    }
    if (files.length > 0) await sendIngestMessages(this.#deps.sqs, this.#deps.queueUrl, files);
    logger.info('event without recording_files: archiving every file of the meeting', {
      meetingId: message.meetingId,
      recordFileIds: files.map((file) => file.recordFileId),
      unfinishedRecordings: unfinished,
      windowsSearched,
      ...(occurrence ? { subMeetingId: message.subMeetingId, occurrenceStartSec: message.occurrenceStartSec, occurrenceFound } : {}),
    });
    // Nothing listed yet, or a recording still transcoding: its files are looked for again later
    // (archive-file of a file already archived is a no-op, so re-listing the others is harmless).
    // Once the named occurrence is found, only its own recordings are waited for; a named
    // occurrence no window holds (a one-off meeting started off schedule) is waited for as before.
    const waiting = occurrenceFound ? occurrenceUnfinished > 0 : files.length === 0 || unfinished > 0;
    if (waiting) await this.#deferMeeting(message);
  }

  async resolveFile(message: ResolveFileMessage): Promise<void> {
    const { logger } = this.#deps;
    const ids = { recordFileId: message.recordFileId };
    // One gone answer is no proof (a 9003 may stand for an operator mix-up): the file is dropped only
    // when the deletion path's confirmation says gone. Knowing no meeting, it cannot check a list, so
    // a 9003 stays unknown and the message comes back, in the end to the DLQ, never silently lost.
    const presence = await askTencentForFile(this.#deps, message.recordFileId);
    if (presence.presence === 'gone') {
      logger.warn('file named by an event without meeting_info is gone at Tencent; nothing to archive', { ...ids, reason: presence.reason });
      return;
    }
    if (presence.presence === 'unknown') throw new TransientError(`Tencent gave no clear answer about the file: ${presence.reason}`, ids);
    const address = presence.address!;
    if (!address.meeting_id) throw new TransientError('GET /v1/addresses did not name the meeting of the file', ids);
    const meetingRecordId = address.meeting_record_id;
    logger.info('event without meeting_info: meeting resolved through /v1/addresses', { ...ids, meetingId: address.meeting_id });
    await sendIngestMessages(this.#deps.sqs, this.#deps.queueUrl, [
      {
        kind: 'archive-file',
        reason: message.reason,
        ...(message.traceId ? { traceId: message.traceId } : {}),
        meetingId: address.meeting_id,
        recordFileId: message.recordFileId,
        ...(meetingRecordId ? { meetingRecordId } : {}),
        ...searchWindow(undefined, message.operateTimeMs),
        ...(message.artifacts ? { artifacts: message.artifacts } : {}),
      },
    ]);
  }

  async #deferMeeting(message: ArchiveMeetingMessage): Promise<void> {
    const deferrals = (message.deferrals ?? 0) + 1;
    if (deferrals > MAX_DEFERRALS) {
      throw new TransientError(`Tencent lists no finished recording of the meeting after ${MAX_DEFERRALS} looks`, { meetingId: message.meetingId });
    }
    const delaySeconds = this.#deps.deferSeconds?.notListed ?? DEFAULT_NOT_LISTED_SECONDS;
    this.#deps.logger.info('deferring the message', { meetingId: message.meetingId, reason: 'meeting recordings not all listed yet', delaySeconds, deferrals });
    await sendIngestMessages(this.#deps.sqs, this.#deps.queueUrl, [{ ...message, deferrals }], { delaySeconds });
  }
}

/** A recording starts this long before the occurrence's scheduled start at most (joined early)… */
const OCCURRENCE_EARLY_SEC = 3_600;
/** …and this long after it at most (recording switched on late in a long meeting). */
const OCCURRENCE_LATE_SEC = 12 * 3_600;

/**
 * Whether a listed recording is the occurrence the event names: by sub_meeting_id should the list
 * carry it, else by its start against the occurrence's. Undefined when the event names none.
 */
function namedOccurrence(message: ArchiveMeetingMessage): ((meeting: RecordMeeting) => boolean) | undefined {
  const { subMeetingId, occurrenceStartSec } = message;
  if (!subMeetingId && !occurrenceStartSec) return undefined;
  return (meeting) => {
    if (subMeetingId && meeting.sub_meeting_id) return meeting.sub_meeting_id === subMeetingId;
    if (!occurrenceStartSec) return false;
    const startSec = meeting.media_start_time / 1000;
    return startSec >= occurrenceStartSec - OCCURRENCE_EARLY_SEC && startSec <= occurrenceStartSec + OCCURRENCE_LATE_SEC;
  };
}
