// The simulator's event builders must produce what the archive's parser accepts, in both envelopes.
import { parseWebhookEvent } from '../../../shared/webhook/events.ts';
import { toIngestMessages } from '../../../shared/webhook/to-messages.ts';
import { interpretPlaintext } from '../../../shared/webhook/interpret.ts';
import { resolveReadings } from '../../../infra/local/simulator/profiles.ts';
import {
  asTencentSends,
  beijingDateTime,
  driftedShape,
  withoutMeetingInfo,
  recordingApplyEvent,
  recordingClippedEvent,
  recordingCompletedEvent,
  recordingDeletedEvent,
  recordingStatusEvent,
  recordingUpdatedEvent,
  smartFullSummaryEvent,
  smartTranscriptsEvent,
  stsTokenEvent,
  toLegacyEnvelope,
  type EventMeeting,
  type TencentWebhookEvent,
} from '../../../infra/local/simulator/webhook-events.ts';

const meeting: EventMeeting = { meetingId: '9000000000000000001', meetingCode: '123456789', subject: 's', creatorUserId: 'alice', startTimeSec: 1_700_000_000, endTimeSec: 1_700_003_600, mediaSetType: '2' };
const options = { traceId: 't-1', operateTimeMs: 1_700_003_700_000, operatorUserId: 'alice' };

const built: Array<[string, TencentWebhookEvent]> = [
  ['recording.started', recordingStatusEvent('recording.started', meeting, options)],
  ['recording.paused', recordingStatusEvent('recording.paused', meeting, options)],
  ['recording.resumed', recordingStatusEvent('recording.resumed', meeting, options)],
  ['recording.stopped', recordingStatusEvent('recording.stopped', meeting, options)],
  ['recording.completed', recordingCompletedEvent(meeting, ['9000000000000000002'], options)],
  ['recording.clipped', recordingClippedEvent(meeting, ['9000000000000000003'], options)],
  ['recording.deleted', recordingDeletedEvent(undefined, ['9000000000000000002'], options)],
  ['recording.updated', recordingUpdatedEvent(meeting, '9000000000000000004', options)],
  ['recording.apply', recordingApplyEvent(meeting, { meetingRecordId: '9000000000000000004', applyId: 'a1' }, options)],
  ['smart.transcripts', smartTranscriptsEvent(meeting, ['9000000000000000002'], options)],
  ['smart.fullsummary', smartFullSummaryEvent(meeting, ['9000000000000000002'], options)],
  ['common.sts-token', stsTokenEvent('sts', 1_700_007_200, options)],
];

describe('simulator event builders', () => {
  it.each(built)('%s parses as itself, in the current and the legacy envelope, to the same messages', (name, event) => {
    const current = parseWebhookEvent(JSON.stringify(event));
    expect(current.event).toBe(name);
    expect(current.trace_id).toBe('t-1');
    const legacyText = JSON.stringify(toLegacyEnvelope(event));
    expect(legacyText).not.toContain('trace_id');
    const legacy = parseWebhookEvent(legacyText);
    expect(legacy).toEqual(current);
    expect(toIngestMessages(legacy)).toEqual(toIngestMessages(current));
  });

  it('prints legacy times in Beijing time', () => {
    expect(beijingDateTime(Date.UTC(2020, 11, 29, 9, 41, 6))).toBe('2020-12-29 17:41:06');
  });
});

describe('open point #5: shapes the strict schema does not expect', () => {
  const completed = recordingCompletedEvent(meeting, ['9000000000000000002'], options);

  it('eventsWithoutMeetingInfo: events about an uploaded recording carry no meeting_info; cloud recordings keep it', () => {
    const wild = resolveReadings('wild');
    expect(asTencentSends(completed, { recordType: 2 }, wild).payload[0]).not.toHaveProperty('meeting_info');
    expect(asTencentSends(completed, { recordType: 0 }, wild).payload[0]).toHaveProperty('meeting_info');
    expect(asTencentSends(completed, { recordType: 2 }, resolveReadings('sdk')).payload[0]).toHaveProperty('meeting_info');
  });

  it('the archive maps an event without meeting_info to resolve-file, an empty recording_files to archive-meeting, and parks a drifted shape', () => {
    const resolve = interpretPlaintext(JSON.stringify(withoutMeetingInfo(completed)));
    expect(resolve).toMatchObject({ kind: 'understood', messages: [{ kind: 'resolve-file', recordFileId: '9000000000000000002', operateTimeMs: options.operateTimeMs }] });
    const every = interpretPlaintext(JSON.stringify(recordingCompletedEvent(meeting, [], options)));
    expect(every).toMatchObject({ kind: 'understood', messages: [{ kind: 'archive-meeting', meetingId: meeting.meetingId }] });
    const drifted = interpretPlaintext(JSON.stringify(driftedShape(completed)));
    expect(drifted).toMatchObject({ kind: 'misfit', misfit: { stage: 'schema', eventId: 't-1', eventName: 'recording.completed' } });
  });
});
