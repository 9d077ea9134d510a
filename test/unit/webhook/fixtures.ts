// Decrypted event plaintexts from the reference (§2.5, §3.3) and the variants it documents.
export const MEETING_INFO = {
  meeting_id: '13339451618278424869',
  meeting_code: '445999969',
  subject: 'tester的快速会议',
  creator: { userid: 'tester-2', uuid: 'WMfgHRYj6m36mcDGtK', user_name: 'tester-2_name' },
  meeting_type: 0,
  start_time: 1608522626,
  end_time: 1609415039,
};
const OPERATOR = { userid: 'tester', uuid: 'WMfgHRYj6m36mcDGtK', user_name: 'tester_name', ms_open_id: 'tester_id' };

export const completedDoc = {
  event: 'recording.completed',
  trace_id: 'e7aa65dd-f7e6-4b62-912c-2035173b34a9',
  payload: [
    {
      operate_time: 1609313201465,
      recording_files: [{ record_file_id: '1318080818611111111' }, { record_file_id: '1318080818611111112' }],
      meeting_info: { ...MEETING_INFO, media_set_type: '2' },
    },
  ],
};

/** LULAB's real capture: operator {instance_id}, numeric media_set_type, 32-hex trace id. */
export const completedReal = {
  event: 'recording.completed',
  trace_id: '1ad0d9802cb8669e58f712154d770f57',
  payload: [
    {
      operate_time: 1700000000123,
      operator: { instance_id: '2' },
      meeting_info: {
        ...MEETING_INFO,
        creator: { ...MEETING_INFO.creator, instance_id: '2', ms_open_id: 'abc' },
        media_set_type: 1,
        meeting_id_type: 0,
        start_time: 1699996400,
        end_time: 1699999800,
      },
      recording_files: [{ record_file_id: '1964787070499246081' }],
    },
  ],
};

export const deletedDoc = {
  event: 'recording.deleted',
  trace_id: 'e7aa65dd-f7e6-4b62-912c-2035173b34aa',
  payload: [
    {
      operate_time: 1609313201465,
      operator: OPERATOR,
      recording_files: [{ record_file_id: '1318080818611111111' }],
      meeting_info: MEETING_INFO,
    },
  ],
};

export const updatedDoc = {
  event: 'recording.updated',
  trace_id: 'e7aa65dd-f7e6-4b62-912c-2035173b34ab',
  payload: [
    {
      operate_time: 1609313201465,
      operator: OPERATOR,
      record_info: { meeting_record_id: '1362742106631111111' },
      meeting_info: { ...MEETING_INFO, sub_meeting_start_time: 1608522626, sub_meeting_end_time: 1609415039 },
    },
  ],
};

export const clippedDoc = {
  event: 'recording.clipped',
  trace_id: 'e7aa65dd-f7e6-4b62-912c-2035173b34ac',
  payload: [
    {
      operate_time: 1609313201465,
      operator: { userid: 'tester', user_name: 'tester_name', ms_open_id: 'tester_id' },
      recording_files: [{ record_file_id: '123242525' }, { record_file_id: '123242526' }],
      meeting_info: MEETING_INFO,
    },
  ],
};

export const applyDoc = {
  event: 'recording.apply',
  trace_id: 'e7aa65dd-f7e6-xxxx-xxxx-2035173b34a9',
  payload: [
    {
      operate_time: 1609313201465,
      operator: { userid: 'tester', open_id: 'xxxxxx', user_name: 'tester_name', ms_open_id: 'tester_id' },
      record_apply_info: { meeting_record_id: '1362742106631111111', apply_id: '13339451618', apply_spesification: 'please let me view' },
      meeting_info: { ...MEETING_INFO, meeting_type: 1, sub_meeting_id: '1599622242' },
    },
  ],
};

export const statusDoc = (event: string) => ({
  event,
  trace_id: `trace-${event}`,
  payload: [
    {
      operate_time: 1609313201465,
      operator: OPERATOR,
      meeting_info: {
        meeting_id: '13339451618278424869',
        meeting_code: '445999969',
        subject: 'tester的快速会议',
        creator: { ...MEETING_INFO.creator, instance_id: '2', ms_open_id: 'tester_id' },
        meeting_type: 0,
        start_time: 1608522626,
      },
    },
  ],
});

export const transcriptsDoc = {
  event: 'smart.transcripts',
  trace_id: '1234567890',
  payload: [
    {
      operate_time: 1752042625000,
      recording_files: [{ record_file_id: '1122334455', lang: 'zh' }],
      meeting_info: {
        meeting_id: '1234567890',
        meeting_code: '0987654321',
        media_set_type: '1',
        subject: 'test meeting',
        creator: { userid: 'test1', uuid: 'aabbcc123', user_name: 'abc123' },
        meeting_type: 0,
        start_time: 1752042625,
        end_time: 1752057325,
      },
    },
  ],
};

export const fullSummaryDoc = { ...transcriptsDoc, event: 'smart.fullsummary', trace_id: 'fs-1', result: 1 };

export const stsTokenDoc = {
  event: 'common.sts-token',
  trace_id: 'sts-1',
  payload: [{ operate_time: 1752042625000, token_info: { req_id: 'r-1', sts_token: 'sts-secret-value', expire_ts: 1752046225 } }],
};

/** The official DOC-51612 event (legacy envelope): unique_sequence, datetime strings, creator_id. */
export const legacyMeetingCreated =
  '{"event":"meeting.created","unique_sequence":"f20096ee-8ac8-4df2-a7de-0574649f211b","payload":[{"operate_time":"2020-12-29 17:41:06","operator":{"userid":"tester00006ba5bab339858c13c930cca95684"},"meeting_info":{"meeting_id":"6058890385480921052","meeting_code":"530812452","subject":"media tester meeting","creator_id":"tester00006ba5bab339858c13c930cca95684","hosts":["tester00006ba5bab339858c13c930cca95684"],"meeting_type":0,"start_time":"2020-12-29 17:41:04","end_time":"2020-12-29 18:01:04"}}]}';
