// Repairs of validly signed events that fail their strict schema (open point #5), where what they
// mean is still certain. Only the recording-file events (completed, clipped, smart.transcripts,
// smart.fullsummary) are repaired, item by item:
//   meeting_info and files        → archive-file messages, exactly as the strict mapping makes them
//   meeting_info, no files        → archive-meeting: an empty recording_files means every file
//   files, no meeting_info        → resolve-file: uploaded recordings carry no meeting_info; the
//                                   worker asks /v1/addresses/{id} for the meeting
//   neither                       → not repairable: the whole event is parked
// Pure: no clock, no I/O.
import * as z from 'zod';
import { IngestMessage } from '../ingest/messages.ts';
import { parseJsonLossless } from '../tencent/json.ts';
import { MeetingInfo, RecordingFile, RecordingFilesPayload, WebhookEnvelope, WebhookEventError, type KnownWebhookEvent } from './events.ts';
import { searchWindow } from '../ingest/record-windows.ts';
import { SUMMARY_ARTIFACTS, toIngestMessages, TRANSCRIPT_ARTIFACTS } from './to-messages.ts';

export type RepairKind = 'every-file-of-meeting' | 'meeting-from-address';

const REPAIRABLE_EVENTS = ['recording.completed', 'recording.clipped', 'smart.transcripts', 'smart.fullsummary'] as const;

const RepairablePayload = RecordingFilesPayload.extend({
  meeting_info: MeetingInfo.optional(),
  recording_files: z.array(RecordingFile).optional(),
});

const RepairableEvent = z.object({
  event: z.enum(REPAIRABLE_EVENTS),
  trace_id: z.string().optional(),
  payload: z.array(RepairablePayload).min(1),
});

/** The envelope of a decrypted event, or undefined when the text is not one. */
export function readEnvelope(plaintext: string): z.output<typeof WebhookEnvelope> | undefined {
  try {
    const parsed = WebhookEnvelope.safeParse(parseJsonLossless(plaintext));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export interface Repaired {
  readonly messages: IngestMessage[];
  readonly repairs: RepairKind[];
}

/** The messages a strictly invalid event still certainly means, or undefined when it must be parked. */
export function repairEvent(plaintext: string, traceId: string): Repaired | undefined {
  const envelope = readEnvelope(plaintext);
  if (!envelope) return undefined;
  const parsed = RepairableEvent.safeParse(envelope);
  if (!parsed.success) return undefined;
  const { event: name, payload } = parsed.data;
  const artifacts = name === 'smart.transcripts' ? TRANSCRIPT_ARTIFACTS : name === 'smart.fullsummary' ? SUMMARY_ARTIFACTS : undefined;
  const hint = artifacts ? { artifacts: [...artifacts] } : {};
  const messages: IngestMessage[] = [];
  const repairs = new Set<RepairKind>();
  for (const item of payload) {
    const files = [...new Set((item.recording_files ?? []).map((file) => file.record_file_id))];
    const meeting = item.meeting_info;
    if (meeting && files.length > 0) {
      const strict = { event: name, trace_id: traceId, payload: [{ ...item, meeting_info: meeting, recording_files: item.recording_files! }] };
      try {
        messages.push(...toIngestMessages(strict as KnownWebhookEvent, traceId));
      } catch (error) {
        if (error instanceof WebhookEventError) return undefined;
        throw error;
      }
    } else if (meeting) {
      repairs.add('every-file-of-meeting');
      messages.push({
        kind: 'archive-meeting',
        reason: name,
        traceId,
        meetingId: meeting.meeting_id,
        ...searchWindow(meeting, item.operate_time),
        ...(meeting.creator?.userid ? { creatorUserId: meeting.creator.userid } : {}),
        ...hint,
      });
    } else if (files.length > 0) {
      repairs.add('meeting-from-address');
      for (const recordFileId of files) {
        messages.push({ kind: 'resolve-file', reason: name, traceId, recordFileId, operateTimeMs: item.operate_time, ...hint });
      }
    } else {
      return undefined;
    }
  }
  // The queue contract is the boundary with the worker: a message it would reject parks the event.
  if (!messages.every((message) => IngestMessage.safeParse(message).success)) return undefined;
  return { messages, repairs: [...repairs] };
}
