import { parseWebhookEvent } from '../../../shared/webhook/events.ts';
import { stsTokensOf, toIngestMessages } from '../../../shared/webhook/to-messages.ts';
import { MAX_WINDOW_SECONDS } from '../../../shared/tencent/time-windows.ts';
import { IngestMessage } from '../../../shared/ingest/messages.ts';
import {
  applyDoc,
  clippedDoc,
  completedDoc,
  deletedDoc,
  fullSummaryDoc,
  legacyMeetingCreated,
  MEETING_INFO,
  statusDoc,
  stsTokenDoc,
  transcriptsDoc,
  updatedDoc,
} from './fixtures.ts';

const DAY = 86_400;
const OPERATE_SEC = Math.floor(1609313201465 / 1000);
const messagesOf = (doc: unknown, traceId?: string) => {
  const event = parseWebhookEvent(typeof doc === 'string' ? doc : JSON.stringify(doc));
  const messages = traceId === undefined ? toIngestMessages(event) : toIngestMessages(event, traceId);
  for (const message of messages) expect(IngestMessage.safeParse(message).success).toBe(true);
  return messages;
};

describe('toIngestMessages', () => {
  it('recording.completed → one archive-file per record file, window = the week before operate_time', () => {
    expect(messagesOf(completedDoc)).toEqual([
      {
        kind: 'archive-file',
        reason: 'recording.completed',
        traceId: 'e7aa65dd-f7e6-4b62-912c-2035173b34a9',
        meetingId: '13339451618278424869',
        recordFileId: '1318080818611111111',
        windowStartSec: OPERATE_SEC - 7 * DAY,
        windowEndSec: OPERATE_SEC + DAY,
        operateTimeMs: 1609313201465,
        occurrenceStartSec: MEETING_INFO.start_time,
        creatorUserId: 'tester-2',
      },
      expect.objectContaining({ kind: 'archive-file', recordFileId: '1318080818611111112' }),
    ]);
  });

  it('recording.clipped → archive-file per new clip', () => {
    const messages = messagesOf(clippedDoc);
    expect(messages.map((m) => m.kind === 'archive-file' && [m.reason, m.recordFileId])).toEqual([
      ['recording.clipped', '123242525'],
      ['recording.clipped', '123242526'],
    ]);
  });

  it('ends the window at operate_time + 1 day when the meeting end is unknown', () => {
    const doc = { ...completedDoc, payload: [{ ...completedDoc.payload[0], meeting_info: { ...MEETING_INFO, end_time: undefined } }] };
    const [message] = messagesOf(doc);
    expect(message).toMatchObject({ windowStartSec: OPERATE_SEC - 7 * DAY, windowEndSec: OPERATE_SEC + DAY });
  });

  it('never builds the window on a recurring meeting\'s series end months ahead; keeps the sub_meeting_id', () => {
    // LULAB's real smart.transcripts payloads: meeting_type 1, end_time = the end of the whole series.
    const operateSec = 1752042625;
    const seriesEnd = operateSec + 150 * DAY;
    const info = { ...transcriptsDoc.payload[0]!.meeting_info, meeting_type: 1, sub_meeting_id: '1599622242', start_time: operateSec - 60 * DAY, end_time: seriesEnd };
    const doc = { ...transcriptsDoc, payload: [{ ...transcriptsDoc.payload[0], meeting_info: info }] };
    const [message] = messagesOf(doc);
    expect(message).toMatchObject({ windowStartSec: operateSec - 7 * DAY, windowEndSec: operateSec + DAY, subMeetingId: '1599622242' });
    expect(message).not.toHaveProperty('occurrenceStartSec');
    expect((message as { windowEndSec: number }).windowEndSec - (message as { windowStartSec: number }).windowStartSec).toBeLessThanOrEqual(MAX_WINDOW_SECONDS);
  });

  it('gives every file of every payload element its own message, once', () => {
    const item = completedDoc.payload[0]!;
    const doc = {
      ...completedDoc,
      payload: [item, { ...item, recording_files: [{ record_file_id: '1318080818611111111' }, { record_file_id: '999' }] }],
    };
    expect(messagesOf(doc).map((m) => m.kind === 'archive-file' && m.recordFileId)).toEqual(['1318080818611111111', '1318080818611111112', '999']);
  });

  it('smart.transcripts → archive-file limited to transcript kinds; smart.fullsummary → AI minutes', () => {
    expect(messagesOf(transcriptsDoc)).toEqual([
      expect.objectContaining({ kind: 'archive-file', recordFileId: '1122334455', meetingId: '1234567890', artifacts: ['transcript', 'ai_transcript'] }),
    ]);
    expect(messagesOf(fullSummaryDoc)).toEqual([expect.objectContaining({ kind: 'archive-file', artifacts: ['ai_minutes'] })]);
  });

  it('recording.deleted → source-deleted, with or without a meeting', () => {
    expect(messagesOf(deletedDoc)).toEqual([
      {
        kind: 'source-deleted',
        reason: 'recording.deleted',
        traceId: 'e7aa65dd-f7e6-4b62-912c-2035173b34aa',
        meetingId: '13339451618278424869',
        recordFileIds: ['1318080818611111111'],
        operateTimeMs: 1609313201465,
      },
    ]);
    const upload = { ...deletedDoc, payload: [{ ...deletedDoc.payload[0], meeting_info: undefined }] };
    const [message] = messagesOf(upload);
    expect(message).not.toHaveProperty('meetingId');
    expect(message).toMatchObject({ kind: 'source-deleted', recordFileIds: ['1318080818611111111'] });
  });

  it('recording.updated → refresh-meeting with the meeting_record_id', () => {
    expect(messagesOf(updatedDoc)).toEqual([
      {
        kind: 'refresh-meeting',
        reason: 'recording.updated',
        traceId: 'e7aa65dd-f7e6-4b62-912c-2035173b34ab',
        meetingId: '13339451618278424869',
        meetingRecordId: '1362742106631111111',
        windowStartSec: OPERATE_SEC - 7 * DAY,
        windowEndSec: OPERATE_SEC + DAY,
        operateTimeMs: 1609313201465,
        occurrenceStartSec: MEETING_INFO.start_time,
        creatorUserId: 'tester-2',
      },
    ]);
  });

  it.each([
    ['recording.started', 'recording'],
    ['recording.paused', 'paused'],
    ['recording.resumed', 'recording'],
    ['recording.stopped', 'stopped'],
  ])('%s → recording-status %s', (name, status) => {
    expect(messagesOf(statusDoc(name))).toEqual([
      {
        kind: 'recording-status',
        reason: name,
        traceId: `trace-${name}`,
        status,
        operateTimeMs: 1609313201465,
        meetingId: '13339451618278424869',
        meetingCode: '445999969',
        subject: 'tester的快速会议',
        creatorUserId: 'tester-2',
        meetingStartSec: 1608522626,
      },
    ]);
  });

  it('common.sts-token → no queue message; stsTokensOf hands the token to the webhook, which stores it', () => {
    expect(messagesOf(stsTokenDoc)).toEqual([]);
    expect(stsTokensOf(parseWebhookEvent(JSON.stringify(stsTokenDoc)))).toEqual([{ stsToken: 'sts-secret-value', expireTs: 1752046225 }]);
    expect(stsTokensOf(parseWebhookEvent(JSON.stringify(completedDoc)))).toEqual([]);
  });

  it('recording.apply and unknown events → nothing', () => {
    expect(messagesOf(applyDoc)).toEqual([]);
    expect(messagesOf(legacyMeetingCreated)).toEqual([]);
  });

  it('uses the given trace id for events that carry none', () => {
    const { trace_id: _drop, ...noTrace } = completedDoc;
    const [message] = messagesOf(noTrace, 'derived-abc');
    expect(message?.traceId).toBe('derived-abc');
  });
});
