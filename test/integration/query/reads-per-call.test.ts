// What each archive API call costs DynamoDB, counted by an SDK middleware on the real client: the
// bench's 100,000-recording figures (bench/query.ts) at a small scale with the same shape of skew
// (busy days, one host with most recordings, a recurring meeting, several starts in one second),
// so a change that makes a list read more than it returns fails here. Every answer is also checked
// against the seeded recordings, so a cheaper call can never be a wrong one.
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { createTestResources, destroyClients, testAwsClients } from '../../support/aws.ts';
import { countDynamoCalls, type CallCounter, type DynamoCalls } from '../../support/aws-calls.ts';
import { BulkArchive, type BulkRecording } from '../../support/bulk-archive.ts';
import { ArchiveIndex } from '../../../shared/archive/archive-index.ts';
import { startSortKey } from '../../../shared/archive/table-design.ts';
import { createQueryHandler, type QueryHandler } from '../../../functions/query/handler.ts';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const T0 = Date.UTC(2024, 0, 1);
const sec = (ms: number) => Math.floor(ms / 1000);
const YEAR = { start_time: sec(T0), end_time: sec(T0 + 366 * DAY) - 1 };

let resources: Awaited<ReturnType<typeof createTestResources>>;
let calls: CallCounter<DynamoCalls>;
let handler: QueryHandler;
const seeded: BulkRecording[] = [];

/** 20 busy days of 18 recordings, a host with ~60% of them, a recurring meeting, three starts in one second. */
function plan(): BulkRecording[] {
  const out: BulkRecording[] = [];
  for (let i = 0; i < 360; i++) {
    const day = Math.floor(i / 18) * 18 + 3;
    let startMs = T0 + day * DAY + (1 + (i % 9)) * HOUR + (i % 2) * 30 * 60_000 + ((i * 7919) % 60_000);
    if (i === 41 || i === 42) startMs = T0 + 39 * DAY + 2 * HOUR + 5_000 + i; // same second as i = 40 below
    if (i === 40) startMs = T0 + 39 * DAY + 2 * HOUR + 5_000;
    const meetingId = i % 4 === 0 ? 'rm0' : `m${i}`;
    const id = String(9_100_000_000_000_000_000n + BigInt(i));
    out.push({ meetingRecordId: id, recordFileId: `${id}1`, meetingId, meetingCode: `c${meetingId}`, hostUserId: i % 5 < 3 ? 'heavy' : i % 60 === 4 ? 'light' : `u${i % 17}`, subject: `s${i}`, startMs });
  }
  return out;
}

beforeAll(async () => {
  const clients = testAwsClients();
  resources = await createTestResources(clients);
  const bulk = new BulkArchive(clients.dynamo, resources.tableName);
  await bulk.prepare(resources.bucketName);
  const bulkLoaded = plan();
  await bulk.load(bulkLoaded, 4);
  seeded.push(...bulkLoaded);
  // A few through the real write path on top: the counters the ingest worker adds to are the ones read.
  const index = new ArchiveIndex({ dynamo: clients.dynamo, tableName: resources.tableName });
  for (let i = 0; i < 12; i++) {
    const id = String(9_200_000_000_000_000_000n + BigInt(i));
    const r: BulkRecording = { meetingRecordId: id, recordFileId: `${id}1`, meetingId: 'rm0', meetingCode: 'crm0', hostUserId: 'heavy', subject: `live ${i}`, startMs: T0 + (39 + i * 15) * DAY + 3 * HOUR + i };
    await index.upsertMeetingRecording({ meetingRecordId: id, meetingId: r.meetingId, meetingCode: r.meetingCode, subject: r.subject, hostUserId: r.hostUserId, mediaStartTimeMs: r.startMs, state: 3 });
    seeded.push(r);
  }
  calls = countDynamoCalls(clients.dynamo);
  handler = createQueryHandler({ dynamo: clients.dynamo, s3: clients.s3, tableName: resources.tableName, bucketName: resources.bucketName });
}, 180_000);

afterAll(() => destroyClients(resources.clients));

async function get(path: string, query: Record<string, string | number>) {
  const rawQueryString = new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)])).toString();
  const event = { version: '2.0', rawPath: path, rawQueryString, headers: {}, requestContext: { http: { method: 'GET', path } } } as unknown as APIGatewayProxyEventV2;
  const context = { awsRequestId: 'test', getRemainingTimeInMillis: () => 30_000 } as unknown as Context;
  calls.reset();
  const response = (await handler(event, context)) as APIGatewayProxyStructuredResultV2;
  expect(response.statusCode).toBe(200);
  return { body: JSON.parse(String(response.body)), calls: { ...calls.calls } };
}

/** The page the archive must answer, from the seeded recordings: newest first, ties by id. */
function expected(where: (r: BulkRecording) => boolean, fromMs: number, toMs: number, page: number, pageSize: number) {
  const matching = seeded
    .filter((r) => where(r) && r.startMs >= fromMs && r.startMs <= toMs)
    .sort((a, b) => (startSortKey(b.startMs, b.meetingRecordId) < startSortKey(a.startMs, a.meetingRecordId) ? -1 : 1));
  return { total: matching.length, ids: matching.slice((page - 1) * pageSize, page * pageSize).map((r) => r.meetingRecordId) };
}

const midYear = T0 + 36 * DAY + 12_345_000;
const lists: Array<[string, string, Record<string, string | number>, (r: BulkRecording) => boolean]> = [
  ['corp list, 1 year, page 1 × 20', '/v1/corp/records', { ...YEAR, page_size: 20 }, () => true],
  ['corp list, 1 year, deep page × 10', '/v1/corp/records', { ...YEAR, page_size: 10, page: 33 }, () => true],
  ['corp list, 31 days with mid-day ends, page 2 × 10', '/v1/corp/records', { start_time: sec(midYear), end_time: sec(midYear + 31 * DAY), page_size: 10, page: 2 }, () => true],
  ['corp list, a page starting inside the second three recordings share', '/v1/corp/records', { start_time: sec(T0 + 39 * DAY), end_time: sec(T0 + 39 * DAY + 2 * HOUR + 5_000), page_size: 10, page: 1 }, () => true],
  ['heaviest host, page 3 × 10', '/v1/records', { userid: 'heavy', ...YEAR, page_size: 10, page: 3 }, (r) => r.hostUserId === 'heavy'],
  ['heaviest host, deep page × 10', '/v1/records', { userid: 'heavy', ...YEAR, page_size: 10, page: 20 }, (r) => r.hostUserId === 'heavy'],
  ['a light host, every recording on page 1', '/v1/records', { operator_id: 'light', operator_id_type: '1', ...YEAR }, (r) => r.hostUserId === 'light'],
  ['recurring meeting, page 2 × 20', '/v1/records', { meeting_id: 'rm0', ...YEAR, page_size: 20, page: 2 }, (r) => r.meetingId === 'rm0'],
  ['recurring meeting by code, page 1 × 20', '/v1/records', { meeting_code: 'crm0', ...YEAR, page_size: 20 }, (r) => r.meetingId === 'rm0'],
  ['one-off meeting', '/v1/records', { meeting_id: 'm1', ...YEAR }, (r) => r.meetingId === 'm1'],
];

describe.each(lists)('%s', (_name, path, query, where) => {
  it('answers exactly the seeded recordings in ≤ 5 DynamoDB requests, reading ≤ 1.5 items per recording returned', async () => {
    const page = Number(query.page ?? 1);
    const pageSize = Number(query.page_size ?? 10);
    const { body, calls: used } = await get(path, query);
    const want = expected(where, Number(query.start_time) * 1000, Number(query.end_time) * 1000 + 999, page, pageSize);
    expect(body.total_count).toBe(want.total);
    expect(body.record_meetings.map((m: { meeting_record_id: string }) => m.meeting_record_id)).toEqual(want.ids);
    expect(want.ids.length).toBeGreaterThan(0);
    expect(used.requests).toBeLessThanOrEqual(5);
    expect(used.itemsRead).toBeLessThanOrEqual(1.5 * want.ids.length);
  });
});

it('lists a host with no recordings reading nothing', async () => {
  const { body, calls: used } = await get('/v1/records', { userid: 'nobody', ...YEAR });
  expect(body.total_count).toBe(0);
  expect(used).toMatchObject({ requests: 1, itemsRead: 0 });
});

it('answers one recording with one GetItem, and its download links with one GetItem too (the file pointer carries the address)', async () => {
  const sample = seeded[100]!;
  expect((await get(`/v1/records/${sample.meetingRecordId}`, {})).calls).toMatchObject({ requests: 1, itemsRead: 1 });
  const { body, calls: used } = await get(`/v1/addresses/${sample.recordFileId}`, {});
  expect(used).toMatchObject({ requests: 1, itemsRead: 1 });
  expect(body).toMatchObject({ record_file_id: sample.recordFileId, meeting_id: sample.meetingId, meeting_code: sample.meetingCode, download_address_file_type: 'mp4' });
  expect(decodeURIComponent(new URL(body.download_address).searchParams.get('response-content-disposition')!)).toContain(`${sample.subject}-${sample.recordFileId}.mp4`);
});
