import { parseJsonLossless } from '../../../shared/tencent/json.ts';
import { fileAddressSchema, recordsListSchema, errorBodySchema } from '../../../shared/tencent/schemas.ts';

// Seed 000, verbatim: record_file_id printed as a bare number beyond 2^53.
const SEED_000 = `{
    "total_count":1, "current_size":10, "current_page":1, "total_page":1,
    "record_meetings":[{
        "meeting_record_id":"1318080818611111111", "meeting_id":"1360800130111111111",
        "meeting_code":"423111111", "host_user_id":"testUser", "media_start_time":1603089930093,
        "subject":"testUser的快速会议", "state":3,
        "record_files":[{
            "record_file_id":1318080818611111111, "record_start_time":1603089930577,
            "record_end_time":1603089967213, "record_size":604081, "sharing_state":1,
            "required_same_corp":false, "required_participant":false, "password":"cK3wAsfw",
            "sharing_expire":0, "allow_download":false
        }]
    }]
}`;

describe('parseJsonLossless', () => {
  it('keeps integers beyond 2^53 exact, as strings', () => {
    const parsed = parseJsonLossless('{"id":1318080818611111111,"n":42,"f":1.5,"big":[18446744073709551615]}') as Record<string, unknown>;
    expect(parsed.id).toBe('1318080818611111111');
    expect(parsed.n).toBe(42);
    expect(parsed.f).toBe(1.5);
    expect(parsed.big).toEqual(['18446744073709551615']);
    expect(String(JSON.parse('1318080818611111111'))).not.toBe('1318080818611111111'); // why this module exists
  });
  it('returns undefined for an empty body and throws on malformed JSON', () => {
    expect(parseJsonLossless('')).toBeUndefined();
    expect(() => parseJsonLossless('{"a":')).toThrow();
  });
});

describe('schemas', () => {
  it('parses seed 000 with the numeric record_file_id intact', () => {
    const list = recordsListSchema.parse(parseJsonLossless(SEED_000));
    const file = list.record_meetings[0]!.record_files[0]!;
    expect(file.record_file_id).toBe('1318080818611111111');
    expect(file.record_size).toBe(604081);
    expect(list.record_meetings[0]!.host_user_id).toBe('testUser');
  });

  it('accepts ids as numbers and numbers as strings, and ignores unknown fields', () => {
    const list = recordsListSchema.parse({
      total_count: '2',
      current_size: 1,
      current_page: '1',
      total_page: 2,
      some_new_field: { x: 1 },
      record_meetings: [
        {
          meeting_record_id: 42,
          meeting_id: '7',
          meeting_code: 123456789,
          userid: 'u1',
          media_start_time: '1613738006000',
          state: '2',
          record_files: null,
          brand_new: true,
        },
      ],
    });
    expect(list.total_count).toBe(2);
    const meeting = list.record_meetings[0]!;
    expect(meeting.meeting_record_id).toBe('42');
    expect(meeting.meeting_code).toBe('123456789');
    expect(meeting.media_start_time).toBe(1613738006000);
    expect(meeting.state).toBe(2);
    expect(meeting.record_files).toEqual([]);
    expect(meeting.subject).toBeUndefined();
    expect('brand_new' in meeting).toBe(false);
  });

  it('defaults missing lists and paging fields', () => {
    const list = recordsListSchema.parse({});
    expect(list).toMatchObject({ total_count: 0, total_page: 0, record_meetings: [] });
    const detail = fileAddressSchema.parse({ record_file_id: 1, allow_download: 1 });
    expect(detail.meeting_summary).toEqual([]);
    expect(detail.ai_minutes).toEqual([]);
  });

  it('rejects a body missing a required id', () => {
    expect(recordsListSchema.safeParse({ record_meetings: [{ meeting_id: '1', media_start_time: 1, state: 3 }] }).success).toBe(false);
  });

  it('parses Tencent error bodies with or without new_error_code', () => {
    expect(errorBodySchema.parse({ error_info: { error_code: 190303, new_error_code: 200190303, message: 'x' } }).error_info).toEqual({
      error_code: 190303,
      new_error_code: 200190303,
      message: 'x',
    });
    expect(errorBodySchema.parse({ error_info: { error_code: '4051' } }).error_info.error_code).toBe(4051);
  });
});
