import { parseWebhookEvent, WebhookEventError, type WebhookEvent } from '../../../shared/webhook/events.ts';
import { ValidationError } from '../../../shared/errors.ts';
import {
  applyDoc,
  clippedDoc,
  completedDoc,
  completedReal,
  deletedDoc,
  fullSummaryDoc,
  legacyMeetingCreated,
  statusDoc,
  stsTokenDoc,
  transcriptsDoc,
  updatedDoc,
} from './fixtures.ts';

const parse = (value: unknown): WebhookEvent => parseWebhookEvent(typeof value === 'string' ? value : JSON.stringify(value));

function expectEvent<N extends WebhookEvent['event']>(event: WebhookEvent, name: N): Extract<WebhookEvent, { event: N }> {
  expect(event.event).toBe(name);
  return event as Extract<WebhookEvent, { event: N }>;
}

describe('parseWebhookEvent: documented events', () => {
  it('recording.completed (doc shape): string media_set_type, no operator, two files', () => {
    const event = expectEvent(parse(completedDoc), 'recording.completed');
    expect(event.trace_id).toBe('e7aa65dd-f7e6-4b62-912c-2035173b34a9');
    const [item] = event.payload;
    expect(item?.operator).toBeUndefined();
    expect(item?.operate_time).toBe(1609313201465);
    expect(item?.meeting_info).toMatchObject({ meeting_id: '13339451618278424869', media_set_type: 2, start_time: 1608522626, end_time: 1609415039 });
    expect(item?.meeting_info.creator?.userid).toBe('tester-2');
    expect(item?.recording_files.map((f) => f.record_file_id)).toEqual(['1318080818611111111', '1318080818611111112']);
  });

  it('recording.completed (real capture): numeric media_set_type, operator with only instance_id', () => {
    const event = expectEvent(parse(completedReal), 'recording.completed');
    expect(event.payload[0]?.meeting_info.media_set_type).toBe(1);
    expect(event.payload[0]?.operator).toEqual({ instance_id: '2' });
    expect(event.trace_id).toBe('1ad0d9802cb8669e58f712154d770f57');
  });

  it('keeps every digit of ids sent as bare JSON numbers beyond 2^53, and stringifies small ones', () => {
    const text = JSON.stringify(completedDoc)
      .replace('"1318080818611111111"', '1318080818611111111')
      .replace('"13339451618278424869"', '13339451618278424869')
      .replace('"445999969"', '445999969');
    const event = expectEvent(parse(text), 'recording.completed');
    expect(event.payload[0]?.recording_files[0]?.record_file_id).toBe('1318080818611111111');
    expect(event.payload[0]?.meeting_info.meeting_id).toBe('13339451618278424869');
    expect(event.payload[0]?.meeting_info.meeting_code).toBe('445999969');
  });

  it('recording.clipped carries the new clip file ids', () => {
    const event = expectEvent(parse(clippedDoc), 'recording.clipped');
    expect(event.payload[0]?.recording_files.map((f) => f.record_file_id)).toEqual(['123242525', '123242526']);
  });

  it('recording.deleted, with and without meeting_info (uploaded recordings)', () => {
    expect(expectEvent(parse(deletedDoc), 'recording.deleted').payload[0]?.meeting_info?.meeting_id).toBe('13339451618278424869');
    const upload = { ...deletedDoc, payload: [{ ...deletedDoc.payload[0], meeting_info: undefined }] };
    const event = expectEvent(parse(upload), 'recording.deleted');
    expect(event.payload[0]?.meeting_info).toBeUndefined();
    expect(event.payload[0]?.recording_files[0]?.record_file_id).toBe('1318080818611111111');
  });

  it('recording.updated carries the meeting_record_id and sub-meeting times', () => {
    const event = expectEvent(parse(updatedDoc), 'recording.updated');
    expect(event.payload[0]?.record_info.meeting_record_id).toBe('1362742106631111111');
    expect(event.payload[0]?.meeting_info.sub_meeting_end_time).toBe(1609415039);
  });

  it('recording.apply (with Tencent\'s "apply_spesification" spelling)', () => {
    const event = expectEvent(parse(applyDoc), 'recording.apply');
    expect(event.payload[0]?.record_apply_info?.apply_spesification).toBe('please let me view');
    expect(event.payload[0]?.meeting_info?.sub_meeting_id).toBe('1599622242');
  });

  it.each(['recording.started', 'recording.paused', 'recording.resumed', 'recording.stopped'] as const)('%s', (name) => {
    const event = expectEvent(parse(statusDoc(name)), name);
    expect(event.payload[0]?.meeting_info).toMatchObject({ meeting_id: '13339451618278424869', start_time: 1608522626 });
    expect(event.payload[0]?.meeting_info.end_time).toBeUndefined();
  });

  it('smart.transcripts keeps the language; smart.fullsummary tolerates a top-level result', () => {
    expect(expectEvent(parse(transcriptsDoc), 'smart.transcripts').payload[0]?.recording_files[0]).toEqual({ record_file_id: '1122334455', lang: 'zh' });
    expect(expectEvent(parse(fullSummaryDoc), 'smart.fullsummary').payload[0]?.meeting_info.media_set_type).toBe(1);
  });

  it('common.sts-token', () => {
    const event = expectEvent(parse(stsTokenDoc), 'common.sts-token');
    expect(event.payload[0]?.token_info).toEqual({ req_id: 'r-1', sts_token: 'sts-secret-value', expire_ts: 1752046225 });
  });

  it('iterates every payload element, and accepts a bare payload object as one element', () => {
    const two = { ...completedDoc, payload: [completedDoc.payload[0], completedReal.payload[0]] };
    expect(expectEvent(parse(two), 'recording.completed').payload).toHaveLength(2);
    const bare = { ...completedDoc, payload: completedDoc.payload[0] };
    expect(expectEvent(parse(bare), 'recording.completed').payload).toHaveLength(1);
  });
});

describe('parseWebhookEvent: legacy envelope', () => {
  it('reads unique_sequence as the trace id and Beijing datetime strings as epoch times', () => {
    const legacy = {
      event: 'recording.completed',
      unique_sequence: 'f20096ee-8ac8-4df2-a7de-0574649f211b',
      payload: [
        {
          operate_time: '2020-12-29 17:41:06',
          meeting_info: { meeting_id: '6058890385480921052', creator_id: 'tester0', start_time: '2020-12-29 17:41:04', end_time: '2020-12-29 18:01:04' },
          recording_files: [{ record_file_id: 1318080818611 }],
        },
      ],
    };
    const event = expectEvent(parse(legacy), 'recording.completed');
    expect(event.trace_id).toBe('f20096ee-8ac8-4df2-a7de-0574649f211b');
    const item = event.payload[0]!;
    expect(item.operate_time).toBe(Date.UTC(2020, 11, 29, 9, 41, 6));
    expect(item.meeting_info.start_time).toBe(Date.UTC(2020, 11, 29, 9, 41, 4) / 1000);
    expect(item.meeting_info.end_time).toBe(Date.UTC(2020, 11, 29, 10, 1, 4) / 1000);
    expect(item.meeting_info.creator?.userid).toBe('tester0');
    expect(item.recording_files[0]?.record_file_id).toBe('1318080818611');
  });

  it('accepts operate_time as a numeric string', () => {
    const text = { ...completedDoc, payload: [{ ...completedDoc.payload[0], operate_time: '1609313201465' }] };
    expect(expectEvent(parse(text), 'recording.completed').payload[0]?.operate_time).toBe(1609313201465);
  });
});

describe('parseWebhookEvent: unknown and invalid events', () => {
  it('parses an unknown event name (the official legacy meeting.created vector) as unknown, not an error', () => {
    const event = parse(legacyMeetingCreated);
    expect(event).toMatchObject({ event: 'unknown', name: 'meeting.created', trace_id: 'f20096ee-8ac8-4df2-a7de-0574649f211b' });
    expect(event.payload).toHaveLength(1);
    expect(parse({ event: 'recording.failed', trace_id: 't' })).toMatchObject({ event: 'unknown', name: 'recording.failed', payload: [] });
  });

  it.each([
    ['not JSON', 'not json at all', /not valid JSON/],
    ['a JSON array', '[1,2]', /envelope/],
    ['no event name', JSON.stringify({ trace_id: 'x', payload: [] }), /envelope/],
    ['completed without recording_files', JSON.stringify({ ...completedDoc, payload: [{ ...completedDoc.payload[0], recording_files: undefined }] }), /recording_files/],
    ['completed with no files', JSON.stringify({ ...completedDoc, payload: [{ ...completedDoc.payload[0], recording_files: [] }] }), /recording_files/],
    ['completed with an empty payload', JSON.stringify({ ...completedDoc, payload: [] }), /payload/],
    ['completed without meeting_id', JSON.stringify({ ...completedDoc, payload: [{ ...completedDoc.payload[0], meeting_info: { subject: 'x' } }] }), /meeting_id/],
    ['garbage operate_time', JSON.stringify({ ...completedDoc, payload: [{ ...completedDoc.payload[0], operate_time: 'yesterday' }] }), /operate_time/],
    ['updated without record_info', JSON.stringify({ ...updatedDoc, payload: [{ ...updatedDoc.payload[0], record_info: undefined }] }), /record_info/],
    ['sts-token without a token', JSON.stringify({ ...stsTokenDoc, payload: [{ token_info: { req_id: 'r' } }] }), /sts_token/],
  ])('rejects %s with a typed validation error naming the problem', (_label, text, message) => {
    expect(() => parseWebhookEvent(text)).toThrow(WebhookEventError);
    expect(() => parseWebhookEvent(text)).toThrow(ValidationError);
    expect(() => parseWebhookEvent(text)).toThrow(message);
  });
});
