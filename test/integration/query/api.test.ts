// The archive query API end to end on DynamoDB Local and fauxqs: an index seeded through the
// repository's write API, requests as API Gateway v2 events, responses checked against a model of
// what was written and, at the end, against the OpenAPI document.
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { createTestResources, destroyClients } from '../../support/aws.ts';
import { createQueryHandler, type QueryHandler } from '../../../functions/query/handler.ts';
import { ArchiveIndex } from '../../../shared/archive/archive-index.ts';
import { startSortKey } from '../../../shared/archive/table-design.ts';
import { openApiDocument } from '../../../shared/query/openapi.ts';
import { validateResponse } from '../../unit/query/json-schema.ts';
import { DAY, HOUR, T0, call, event, expectedOrder, inBatches, recordId, seedRecording, seenResponses, type SeededRecording } from './support.ts';

const TOKEN = 'test-token-0123456789';
const sec = (ms: number) => Math.floor(ms / 1000);

describe('archive query API', () => {
  let handler: QueryHandler;
  let index: ArchiveIndex;
  let resources: Awaited<ReturnType<typeof createTestResources>>;
  let rows: SeededRecording[] = [];

  beforeAll(async () => {
    resources = await createTestResources();
    index = new ArchiveIndex({ dynamo: resources.clients.dynamo, tableName: resources.tableName });
    handler = createQueryHandler({ dynamo: resources.clients.dynamo, s3: resources.clients.s3, tableName: resources.tableName, bucketName: resources.bucketName, apiToken: TOKEN });

    // 260 recordings of alice over ~98 days (recurring meetings, shared codes, three at the same ms),
    // 30 of bob, so every partition has neighbours that must not leak in.
    const plan: Array<Omit<SeededRecording, 'sortKey'>> = [];
    for (let i = 0; i < 260; i++) {
      const startMs = i >= 5 && i <= 7 ? T0 + 5 * 9 * HOUR : T0 + i * 9 * HOUR + (i % 7) * 61_000;
      plan.push({ meetingRecordId: recordId(i), meetingId: `6100${i % 40}`, meetingCode: `8800${i % 25}`, hostUserId: 'alice', startMs });
    }
    for (let i = 0; i < 30; i++) {
      plan.push({ meetingRecordId: recordId(1000 + i), meetingId: `6200${i}`, meetingCode: `8800${i % 3}`, hostUserId: 'bob', startMs: T0 + i * 2 * DAY + 17 * 60_000 });
    }
    rows = await inBatches(plan, 16, (r) => seedRecording(index, r, Number(r.meetingRecordId.slice(-1)) % 2 === 0, resources.bucketName));
    // A recording known only from a recording.started event shows up too, without an id.
    await index.recordRecordingStatus({ meetingId: '6100999', meetingCode: '8800999', subject: 'live now', hostUserId: 'alice', startTimeMs: T0 + 40 * DAY + 5, status: 'recording' });
    rows.push({ meetingRecordId: '', meetingId: '6100999', meetingCode: '8800999', hostUserId: 'alice', startMs: T0 + 40 * DAY + 5, sortKey: startSortKey(T0 + 40 * DAY + 5, 'P6100999') });
  }, 180_000); // 290 recordings through the real write path: minutes on a loaded DynamoDB Local

  afterAll(() => {
    destroyClients(resources.clients);
  });

  const list = (path: string, query: Record<string, string | number>) => call(handler, event(path, query, { token: TOKEN }));
  const ids = (body: any) => (body.record_meetings as any[]).map((m) => m.meeting_record_id);

  async function pageThrough(path: string, query: Record<string, string | number>, pageSize: number) {
    const seen: string[] = [];
    let total = -1;
    for (let page = 1; ; page++) {
      const { statusCode, body } = await list(path, { ...query, page_size: pageSize, page });
      expect(statusCode).toBe(200);
      if (total < 0) total = body.total_count;
      expect(body).toMatchObject({ total_count: total, current_page: page, total_page: Math.ceil(total / pageSize), current_size: body.record_meetings.length });
      seen.push(...ids(body));
      if (page >= body.total_page) break;
    }
    return { seen, total };
  }

  it('pages through 261 recordings of a user over a 98-day range with no gaps or duplicates, newest first', async () => {
    const expected = expectedOrder(rows.filter((r) => r.hostUserId === 'alice')).map((r) => r.meetingRecordId);
    expect(expected.length).toBeGreaterThan(250);
    for (const pageSize of [20, 100, 7]) {
      const { seen, total } = await pageThrough('/v1/records', { userid: 'alice', start_time: sec(T0), end_time: sec(T0 + 120 * DAY) }, pageSize);
      expect(total).toBe(expected.length);
      expect(seen).toEqual(expected);
    }
    const past = await list('/v1/records', { userid: 'alice', start_time: sec(T0), end_time: sec(T0 + 120 * DAY), page_size: 100, page: 4 });
    expect(past.body).toMatchObject({ total_count: expected.length, current_size: 0, current_page: 4, total_page: 3, record_meetings: [] });
  });

  it('counts and pages ranges that start and end mid-day exactly', async () => {
    const ranges: Array<[number, number]> = [
      [T0 + 3 * DAY + 5 * HOUR + 7_000, T0 + 40 * DAY + 13 * HOUR],
      [T0 + 10 * DAY, T0 + 10 * DAY + 23 * HOUR], // within one day
      [T0 + 5 * 9 * HOUR, T0 + 5 * 9 * HOUR], // the three-way tie, one second wide
      [T0 + 2 * DAY, T0 + 33 * DAY - 1000], // whole days on both ends
      [T0 + 200 * DAY, T0 + 300 * DAY], // empty
    ];
    for (const [from, to] of ranges) {
      const start = sec(from);
      const end = sec(to);
      const expected = expectedOrder(rows.filter((r) => r.hostUserId === 'alice' && r.startMs >= start * 1000 && r.startMs <= end * 1000 + 999)).map((r) => r.meetingRecordId);
      const { seen, total } = await pageThrough('/v1/records', { operator_id: 'alice', operator_id_type: 1, start_time: start, end_time: end }, 6);
      expect({ from, total, seen }).toEqual({ from, total: expected.length, seen: expected });
    }
  });

  it('selects by meeting_id, then meeting_code, then operator_id, then userid (Tencent precedence)', async () => {
    const window = { start_time: sec(T0), end_time: sec(T0 + 120 * DAY) };
    const expectIds = async (query: Record<string, string | number>, predicate: (r: SeededRecording) => boolean) => {
      const expected = expectedOrder(rows.filter(predicate)).map((r) => r.meetingRecordId);
      const { seen, total } = await pageThrough('/v1/records', { ...window, ...query }, 100);
      expect({ query, total, seen }).toEqual({ query, total: expected.length, seen: expected });
    };
    await expectIds({ meeting_id: '61003' }, (r) => r.meetingId === '61003');
    await expectIds({ meeting_id: '61003', meeting_code: '88004', userid: 'bob' }, (r) => r.meetingId === '61003');
    await expectIds({ meeting_code: '88001' }, (r) => r.meetingCode === '88001');
    await expectIds({ meeting_code: '88001', userid: 'nobody' }, (r) => r.meetingCode === '88001');
    await expectIds({ userid: 'bob' }, (r) => r.hostUserId === 'bob');
    await expectIds({ userid: 'alice', operator_id: 'bob' }, (r) => r.hostUserId === 'bob');
    await expectIds({ userid: 'nobody' }, () => false);
    await expectIds({ meeting_id: '6100999' }, (r) => r.meetingId === '6100999');
  });

  it('serves Tencent’s meeting and file shapes with an archive object, never a password or source link', async () => {
    const target = rows.find((r) => r.meetingRecordId === recordId(10))!;
    const { body } = await list('/v1/records', { meeting_id: target.meetingId, start_time: sec(target.startMs), end_time: sec(target.startMs) });
    expect(body.record_meetings).toHaveLength(1);
    const meeting = body.record_meetings[0];
    expect(meeting).toEqual({
      meeting_record_id: recordId(10),
      meeting_id: target.meetingId,
      meeting_code: target.meetingCode,
      host_user_id: 'alice',
      media_start_time: target.startMs,
      subject: `weekly ${recordId(10)}`,
      state: 3,
      record_files: [
        {
          record_file_id: `${recordId(10)}1`,
          record_start_time: target.startMs + 1000,
          record_end_time: target.startMs + 60_000,
          record_size: 1234,
          sharing_state: 1,
          allow_download: true,
          archive: {
            status: 'archived',
            bucket: resources.bucketName,
            key: `recordings/${recordId(10)}/${recordId(10)}1.mp4`,
            bytes: 1234,
            checksum: 'CRC64NVME:AAAAAAAAAAA=',
            archived_at: target.startMs + HOUR,
            source_deleted_at: null,
            deleted_by: null,
            legal_hold: false,
            legal_hold_by: null,
            legal_hold_since: null,
            record_size_skew: 0,
            artifacts: [expect.objectContaining({ artifact: 'video', status: 'archived', bytes: 1234 })],
          },
        },
      ],
      archive: {
        status: 'archived',
        bucket: resources.bucketName,
        key: `recordings/${recordId(10)}/`,
        bytes: 1234,
        checksum: null,
        archived_at: target.startMs + HOUR,
        source_deleted_at: null,
        deleted_by: null,
        legal_hold: false,
        legal_hold_by: null,
        legal_hold_since: null,
      },
    });
    expect(JSON.stringify(body)).not.toMatch(/password|sharing_url|view_address|download_address/);

    const corp = await list('/v1/corp/records', { start_time: sec(target.startMs), end_time: sec(target.startMs) });
    expect(corp.body.record_meetings[0]).toMatchObject({ meeting_record_id: recordId(10), userid: 'alice' });
    expect(corp.body.record_meetings[0].host_user_id).toBeUndefined();
  });

  it('lists the whole account through the corp API', async () => {
    const expected = expectedOrder(rows).map((r) => r.meetingRecordId);
    const { seen, total } = await pageThrough('/v1/corp/records', { start_time: 0, end_time: sec(T0 + 400 * DAY) }, 100);
    expect(total).toBe(expected.length);
    expect(seen).toEqual(expected);
  });

  it('returns one meeting recording with every file and artifact', async () => {
    await index.upsertRecordFile({ meetingRecordId: recordId(11), recordFileId: 'extra-file', meetingId: '610011', recordStartTimeMs: T0 + 99 * 9 * HOUR, recordEndTimeMs: T0 + 99 * 9 * HOUR + 1, recordSize: 9, sharing: { sharingState: 0 } });
    await index.setArtifactStatus(recordId(11), 'extra-file', { artifact: 'audio', kind: 'audio', fileType: 'm4a', status: 'failed', lastError: 'source said https://secret.example/token=abc' });
    const { statusCode, body } = await call(handler, event(`/v1/records/${recordId(11)}`, {}, { token: TOKEN }));
    expect(statusCode).toBe(200);
    expect(body.meeting_record_id).toBe(recordId(11));
    expect(body.record_files.map((f: any) => [f.record_file_id, f.archive.status])).toEqual([
      [`${recordId(11)}1`, 'copying'],
      ['extra-file', 'failed'],
    ]);
    expect(body.archive.status).toBe('copying');
    expect(JSON.stringify(body)).not.toContain('secret.example');
  });

  it('answers errors in Tencent’s shape, naming the bad parameter', async () => {
    const bad = async (path: string, query: Record<string, string | number>, status: number, message: RegExp, options: { token?: string; method?: string; rawQuery?: string } = { token: TOKEN }) => {
      const response = await call(handler, event(path, query, options));
      expect({ path, query, status: response.statusCode }).toEqual({ path, query, status });
      expect(response.body).toEqual({ error_info: { error_code: expect.any(Number), message: expect.stringMatching(message) } });
      return response;
    };
    const window = { start_time: sec(T0), end_time: sec(T0 + DAY) };
    await bad('/v1/records', { userid: 'alice', end_time: 5 }, 400, /missing required parameter start_time/);
    await bad('/v1/records', { userid: 'alice', start_time: 5 }, 400, /missing required parameter end_time/);
    await bad('/v1/corp/records', {}, 400, /start_time.*end_time/);
    await bad('/v1/records', window, 400, /one of meeting_id, meeting_code, userid, operator_id/);
    await bad('/v1/records', { ...window, userid: 'a', page_size: 101 }, 400, /page_size.*at most 100/);
    await bad('/v1/records', { ...window, userid: 'a', page_size: 0 }, 400, /page_size/);
    await bad('/v1/records', { ...window, userid: 'a', page: 'two' }, 400, /invalid parameter page\b/);
    await bad('/v1/records', { ...window, userid: 'a', start_time: -1 }, 400, /start_time/);
    await bad('/v1/records', { userid: 'a', start_time: 100, end_time: 99 }, 400, /end_time.*before start_time/);
    await bad('/v1/records', { ...window, operator_id: 'a', operator_id_type: 3 }, 400, /operator_id_type/);
    await bad('/v1/records', {}, 400, /userid/, { token: TOKEN, rawQuery: 'userid=a&userid=b&start_time=1&end_time=2' });
    await bad('/v1/records', { ...window, userid: 'alice' }, 401, /token/, {});
    await bad('/v1/records', { ...window, userid: 'alice' }, 401, /token/, { token: 'wrong' });
    await bad('/v1/records/123', {}, 401, /token/, { token: `${TOKEN}x` });
    await bad('/v1/records/7999999999999999999', {}, 404, /not in the archive/);
    await bad('/v1/addresses/7999999999999999999', {}, 404, /not in the archive/);
    await bad('/v1/records/bad%20id', {}, 400, /meeting_record_id/);
    await bad('/v1/nothing', {}, 404, /no route/);
    await bad('/v1/records', window, 405, /not allowed/, { token: TOKEN, method: 'POST' });

    // A failing dependency: 500 without internals (here the table does not exist).
    const broken = createQueryHandler({ dynamo: resources.clients.dynamo, s3: resources.clients.s3, tableName: 'no-such-table-xyz' });
    const failure = await call(broken, event('/v1/corp/records', window));
    expect(failure.statusCode).toBe(500);
    expect(failure.body).toEqual({ error_info: { error_code: 500000, message: 'internal error' } });
    expect(JSON.stringify(failure.body)).not.toMatch(/no-such-table|Resource|stack/i);
  });

  it('serves the OpenAPI document without a token', async () => {
    const { statusCode, body } = await call(handler, event('/openapi.json'));
    expect(statusCode).toBe(200);
    expect(body.openapi).toBe('3.1.0');
  });

  it('answers every request above in the shapes the OpenAPI document declares', () => {
    const document = openApiDocument();
    expect(seenResponses.length).toBeGreaterThan(50);
    const statuses = new Set<number>();
    for (const { path, response } of seenResponses.filter((r) => r.path !== '/v1/nothing')) {
      statuses.add(response.statusCode);
      expect({ path, status: response.statusCode, errors: validateResponse(document, path.replace(/%20/g, ' '), response.statusCode, response.body) }).toEqual({
        path,
        status: response.statusCode,
        errors: [],
      });
    }
    expect([...statuses].sort()).toEqual([200, 400, 401, 404, 405, 500]);
  });
});
