// Maps a parsed webhook event to ingest-queue messages: one message per unit of work, so one slow
// or failing file never holds back its siblings. Pure: no clock, no I/O.
//
// Artifact hints (`ArchiveFileMessage.artifacts`) are artifact KINDS (shared/archive/model.ts
// ArtifactKind), not artifact names. The ingest worker names artifacts `video`, `audio`,
// `transcript-<id>-<type>`, `ai_transcript-<id>-<type>`, `ai_minutes-<id>-<type>`; a hint selects every
// artifact whose kind (the name up to the first '-') is listed:
//   smart.transcripts → ['transcript', 'ai_transcript']   (meeting_summary / ai_meeting_transcripts)
//   smart.fullsummary → ['ai_minutes']                     (the AI summary / minutes)
//   recording.completed / recording.clipped → no hint (everything the file offers)
import { IngestMessage, type ArchiveFileMessage, type RecordingStatusMessage } from '../ingest/messages.ts';
import type { ArtifactKind } from '../archive/model.ts';
import { searchWindow } from '../ingest/record-windows.ts';
import { WebhookEventError, type KnownWebhookEvent, type MeetingInfo, type WebhookEvent } from './events.ts';

export const TRANSCRIPT_ARTIFACTS: readonly ArtifactKind[] = ['transcript', 'ai_transcript'];
export const SUMMARY_ARTIFACTS: readonly ArtifactKind[] = ['ai_minutes'];

const STATUS_BY_EVENT = {
  'recording.started': 'recording',
  'recording.resumed': 'recording',
  'recording.paused': 'paused',
  'recording.stopped': 'stopped',
} as const satisfies Partial<Record<KnownWebhookEvent['event'], RecordingStatusMessage['status']>>;

function creatorOf(meeting: MeetingInfo | undefined): { creatorUserId?: string } {
  const userId = meeting?.creator?.userid;
  return userId ? { creatorUserId: userId } : {};
}

function withTrace(traceId: string | undefined): { traceId?: string } {
  return traceId ? { traceId } : {};
}

/** A token delivered by common.sts-token, as the STS token store keeps it. */
export interface DeliveredStsToken {
  readonly stsToken: string;
  /** Expiry as Tencent sent it (unit undocumented; normalised by the store). */
  readonly expireTs?: number;
}

/** The tokens a common.sts-token event delivers (none for any other event). */
export function stsTokensOf(event: WebhookEvent): DeliveredStsToken[] {
  if (event.event !== 'common.sts-token') return [];
  return event.payload.map(({ token_info }) => ({
    stsToken: token_info.sts_token,
    ...(token_info.expire_ts !== undefined ? { expireTs: token_info.expire_ts } : {}),
  }));
}

/**
 * One event → the messages that make the archive converge on it. `traceId` defaults to the
 * event's own; callers pass the derived id for events that carry none.
 */
export function toIngestMessages(event: WebhookEvent, traceId: string | undefined = event.trace_id): IngestMessage[] {
  const messages: IngestMessage[] = [];
  const reason = event.event === 'unknown' ? event.name : event.event;
  switch (event.event) {
    case 'recording.completed':
    case 'recording.clipped':
    case 'smart.transcripts':
    case 'smart.fullsummary': {
      const artifacts =
        event.event === 'smart.transcripts' ? TRANSCRIPT_ARTIFACTS : event.event === 'smart.fullsummary' ? SUMMARY_ARTIFACTS : undefined;
      const seen = new Set<string>();
      for (const item of event.payload) {
        for (const file of item.recording_files) {
          if (seen.has(file.record_file_id)) continue;
          seen.add(file.record_file_id);
          const message: ArchiveFileMessage = {
            kind: 'archive-file',
            reason,
            ...withTrace(traceId),
            meetingId: item.meeting_info.meeting_id,
            recordFileId: file.record_file_id,
            ...searchWindow(item.meeting_info, item.operate_time),
            ...creatorOf(item.meeting_info),
            ...(artifacts ? { artifacts: [...artifacts] } : {}),
          };
          messages.push(message);
        }
      }
      break;
    }
    case 'recording.deleted':
      for (const item of event.payload) {
        messages.push({
          kind: 'source-deleted',
          reason,
          ...withTrace(traceId),
          ...(item.meeting_info ? { meetingId: item.meeting_info.meeting_id } : {}),
          recordFileIds: [...new Set(item.recording_files.map((file) => file.record_file_id))],
          operateTimeMs: item.operate_time,
        });
      }
      break;
    case 'recording.updated':
      for (const item of event.payload) {
        messages.push({
          kind: 'refresh-meeting',
          reason,
          ...withTrace(traceId),
          meetingId: item.meeting_info.meeting_id,
          meetingRecordId: item.record_info.meeting_record_id,
          ...searchWindow(item.meeting_info, item.operate_time),
          ...creatorOf(item.meeting_info),
        });
      }
      break;
    case 'recording.started':
    case 'recording.paused':
    case 'recording.resumed':
    case 'recording.stopped':
      for (const item of event.payload) {
        const meeting = item.meeting_info;
        messages.push({
          kind: 'recording-status',
          reason,
          ...withTrace(traceId),
          status: STATUS_BY_EVENT[event.event],
          operateTimeMs: item.operate_time,
          meetingId: meeting.meeting_id,
          ...(meeting.meeting_code ? { meetingCode: meeting.meeting_code } : {}),
          ...(meeting.subject !== undefined ? { subject: meeting.subject } : {}),
          ...creatorOf(meeting),
          ...(meeting.start_time ? { meetingStartSec: meeting.start_time } : {}),
        });
      }
      break;
    case 'common.sts-token': // a credential, never a queue message: the webhook stores it (stsTokensOf)
    case 'recording.apply': // a viewing request is for a human to approve; nothing to archive
    case 'unknown':
      break;
  }
  // The queue contract is the boundary with the worker: never hand it a message it would reject.
  return messages.map((message) => {
    const checked = IngestMessage.safeParse(message);
    if (!checked.success) throw new WebhookEventError(`${reason} event cannot become a queue message: ${checked.error.issues[0]?.message}`);
    return checked.data;
  });
}
