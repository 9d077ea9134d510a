// Archive API at scale, on DynamoDB Local: every call the OpenAPI document lists, at two archive
// sizes (BENCH_SIZES, default 10,000 and 100,000 recordings), with its latency and, counted by an SDK
// middleware on the real client (test/support/aws-calls.ts), the DynamoDB requests it made and the
// items DynamoDB read for it (a Query's ScannedCount, 1 per GetItem) per item it returned.
//
// The archive is skewed the way real ones are: a few users host most recordings (Zipf over 500
// users), recurring meetings hold thousands of recordings while most meeting ids have one, working
// hours on weekdays are busy, and some recordings start in the same second. It is loaded with
// parallel BatchWriteItem in the index's own item layout (test/support/bulk-archive.ts); the time
// that takes is printed. The handler runs in-process (no API Gateway).
//
//   npm run bench:query   (BENCH_SIZES=10000,100000 BENCH_ITERATIONS=100; BENCH_QUICK=1: 1000, 30)
import { performance } from 'node:perf_hooks';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { startEmulators } from '../infra/local/emulators.ts';
import { ensureLocalResources } from '../infra/local/resources.ts';
import { createAwsClients } from '../shared/aws/clients.ts';
import { createQueryHandler } from '../functions/query/handler.ts';
import { BulkArchive, type BulkRecording } from '../test/support/bulk-archive.ts';
import { countDynamoCalls } from '../test/support/aws-calls.ts';

process.env.POWERTOOLS_METRICS_DISABLED = 'true';
const QUICK = process.env.BENCH_QUICK === '1';
const sizes = (process.env.BENCH_SIZES || (QUICK ? '1000' : '10000,100000')).split(',').map(Number);
const iterations = Number(process.env.BENCH_ITERATIONS || (QUICK ? 30 : 100));
const DAY = 86_400_000;
const T0 = Date.UTC(2024, 0, 1);
const DAYS = 366;
const USERS = 500;
const RECURRING_MEETINGS = 300;

/** Deterministic pseudo-random numbers in [0, 1). */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const rand = random(42);
// Zipf(1) over users: user0 hosts ~15% of the archive, most users a handful.
const zipfWeights = Array.from({ length: USERS }, (_, i) => 1 / (i + 1));
const zipfTotal = zipfWeights.reduce((a, b) => a + b, 0);
function pickUser(): number {
  let x = rand() * zipfTotal;
  for (let i = 0; i < USERS; i++) if ((x -= zipfWeights[i]!) < 0) return i;
  return USERS - 1;
}
function pickStart(previous: number | undefined): number {
  // 1 in 200 starts in the same second as the one before (a room's several files, a bulk import).
  if (previous !== undefined && rand() < 0.005) return previous + Math.floor(rand() * 1000) - (previous % 1000);
  for (;;) {
    const day = Math.floor(rand() * DAYS);
    const weekday = new Date(T0 + day * DAY).getUTCDay();
    if ((weekday === 0 || weekday === 6) && rand() < 0.8) continue;
    // Working hours (01:00–10:00 UTC, 09:00–18:00 in China), on the hour or half hour, a few minutes late.
    const hour = rand() < 0.9 ? 1 + Math.floor(rand() * 9) : Math.floor(rand() * 24);
    const minute = (rand() < 0.5 ? 0 : 30) + Math.floor(rand() * 5);
    return T0 + day * DAY + hour * 3_600_000 + minute * 60_000 + Math.floor(rand() * 60_000);
  }
}

const idOf = (i: number) => String(9_000_000_000_000_000_000n + BigInt(i));
function recordingsFrom(from: number, to: number): BulkRecording[] {
  const out: BulkRecording[] = [];
  let previous: number | undefined;
  for (let i = from; i < to; i++) {
    const user = pickUser();
    // 40% of recordings belong to recurring meetings (Zipf again: the first holds thousands).
    const recurring = rand() < 0.4 ? Math.min(RECURRING_MEETINGS - 1, Math.floor(RECURRING_MEETINGS ** rand()) - 1) : undefined;
    const meetingId = recurring !== undefined ? `rm${recurring}` : `m${i}`;
    const startMs = pickStart(previous);
    previous = startMs;
    out.push({ meetingRecordId: idOf(i), recordFileId: `${idOf(i)}1`, meetingId, meetingCode: `c${meetingId}`, hostUserId: `user${user}`, subject: `meeting ${i}`, startMs });
  }
  return out;
}

const emulators = await startEmulators();
try {
  const clients = createAwsClients({ dynamodbEndpoint: emulators.dynamodbEndpoint, s3Endpoint: emulators.s3Endpoint, sqsEndpoint: emulators.sqsEndpoint, forcePathStyle: true, region: 'us-east-1' });
  const names = { table: 'bench-query', bucket: 'bench-query', ingestQueue: 'bench-query', ingestDeadLetterQueue: 'bench-query-dlq' };
  const { tableName, bucketName } = await ensureLocalResources(clients, names);
  const bulk = new BulkArchive(clients.dynamo, tableName);
  await bulk.prepare(bucketName);
  const dynamoCalls = countDynamoCalls(clients.dynamo);
  const handler = createQueryHandler({ dynamo: clients.dynamo, s3: clients.s3, tableName, bucketName });
  const context = { awsRequestId: 'bench', getRemainingTimeInMillis: () => 30_000 } as unknown as Context;

  const seeded: BulkRecording[] = [];
  const sec = (ms: number) => Math.floor(ms / 1000);
  const yearRange = { start_time: sec(T0), end_time: sec(T0 + DAYS * DAY) - 1 };
  const midYear = T0 + 180 * DAY + 12_345_000;
  const count = (where: (r: BulkRecording) => boolean) => seeded.filter(where).length;

  interface Scenario {
    readonly name: string;
    readonly path: string;
    readonly query: Record<string, string | number>;
    /** The total_count the archive must answer (computed from what was seeded), for lists. */
    readonly expectTotal?: number;
  }
  function scenarios(): Scenario[] {
    const byUser = (u: string) => count((r) => r.hostUserId === u);
    const byMeeting = (m: string) => count((r) => r.meetingId === m);
    const users = [...new Set(seeded.map((r) => r.hostUserId))];
    const light = users.filter((u) => byUser(u) >= 3 && byUser(u) <= 8)[0] ?? users.at(-1)!;
    const heavy = 'user0';
    const recurring = 'rm0';
    const oneOff = seeded.find((r) => r.meetingId.startsWith('m'))!.meetingId;
    const total = seeded.length;
    const inMonth = count((r) => r.startMs >= midYear && r.startMs <= midYear + 31 * DAY + 999);
    const sample = seeded[Math.floor(seeded.length / 3)]!;
    return [
      { name: 'corp list, 1 year, page 1 × 100', path: '/v1/corp/records', query: { ...yearRange, page_size: 100 }, expectTotal: total },
      { name: 'corp list, 1 year, deep page (90%) × 20', path: '/v1/corp/records', query: { ...yearRange, page_size: 20, page: Math.floor((total * 0.9) / 20) }, expectTotal: total },
      { name: 'corp list, 31 days, mid-day ends, page 3 × 20', path: '/v1/corp/records', query: { start_time: sec(midYear), end_time: sec(midYear + 31 * DAY), page_size: 20, page: 3 }, expectTotal: inMonth },
      { name: 'corp list, all time (start_time 0), page 2 × 100', path: '/v1/corp/records', query: { start_time: 0, end_time: sec(T0 + 3 * 366 * DAY), page_size: 100, page: 2 }, expectTotal: total },
      { name: `user list, heaviest host (${byUser(heavy)}), page 2 × 20`, path: '/v1/records', query: { userid: heavy, ...yearRange, page_size: 20, page: 2 }, expectTotal: byUser(heavy) },
      { name: 'user list, heaviest host, deep page (50%) × 20', path: '/v1/records', query: { userid: heavy, ...yearRange, page_size: 20, page: Math.max(1, Math.floor(byUser(heavy) / 40)) }, expectTotal: byUser(heavy) },
      { name: `user list (operator_id), a light host (${byUser(light)})`, path: '/v1/records', query: { operator_id: light, operator_id_type: '1', ...yearRange }, expectTotal: byUser(light) },
      { name: 'user list, a host with no recordings', path: '/v1/records', query: { userid: 'nobody', ...yearRange }, expectTotal: 0 },
      { name: `meeting_id list, recurring (${byMeeting(recurring)}), page 2 × 20`, path: '/v1/records', query: { meeting_id: recurring, ...yearRange, page_size: 20, page: 2 }, expectTotal: byMeeting(recurring) },
      { name: 'meeting_id list, one-off meeting', path: '/v1/records', query: { meeting_id: oneOff, ...yearRange }, expectTotal: 1 },
      { name: 'meeting_code list, recurring, page 1 × 20', path: '/v1/records', query: { meeting_code: `c${recurring}`, ...yearRange, page_size: 20 }, expectTotal: byMeeting(recurring) },
      { name: 'detail /v1/records/{id}', path: `/v1/records/${sample.meetingRecordId}`, query: {} },
      { name: 'addresses /v1/addresses/{id} (presign)', path: `/v1/addresses/${sample.recordFileId}`, query: {} },
    ];
  }

  const rows: string[][] = [];
  const misses: string[] = [];
  for (const size of sizes) {
    const fresh = recordingsFrom(seeded.length, size);
    const started = performance.now();
    const written = await bulk.load(fresh);
    seeded.push(...fresh);
    process.stderr.write(`loaded ${fresh.length} recordings (${written} items, to ${size}) in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
    rows.push([`**${size.toLocaleString('en-US')}**`, `${fresh.length.toLocaleString('en-US')} more recordings loaded in ${((performance.now() - started) / 1000).toFixed(0)} s (${written.toLocaleString('en-US')} items, BatchWriteItem ×16)`, '', '', '', '', '', '', '']);
    for (const scenario of scenarios()) {
      const rawQueryString = new URLSearchParams(Object.entries(scenario.query).map(([k, v]) => [k, String(v)])).toString();
      const event = { version: '2.0', rawPath: scenario.path, rawQueryString, headers: {}, requestContext: { http: { method: 'GET', path: scenario.path } } } as unknown as APIGatewayProxyEventV2;
      const latencies: number[] = [];
      const requests: number[] = [];
      const reads: number[] = [];
      const capacity: number[] = [];
      let returned = 0;
      for (let i = 0; i < iterations + 5; i++) {
        dynamoCalls.reset();
        const t0 = performance.now();
        const response = (await handler(event, context)) as APIGatewayProxyStructuredResultV2;
        const elapsed = performance.now() - t0;
        if (response.statusCode !== 200) throw new Error(`${scenario.name}: HTTP ${response.statusCode} ${response.body}`);
        const body = JSON.parse(String(response.body)) as { total_count?: number; record_meetings?: unknown[] };
        if (scenario.expectTotal !== undefined && body.total_count !== scenario.expectTotal) {
          throw new Error(`${scenario.name}: total_count ${body.total_count}, the seeded archive holds ${scenario.expectTotal}`);
        }
        if (i < 5) continue; // warm-up
        latencies.push(elapsed);
        requests.push(dynamoCalls.calls.requests);
        reads.push(dynamoCalls.calls.itemsRead);
        capacity.push(dynamoCalls.calls.readCapacity);
        returned = body.record_meetings ? body.record_meetings.length : 1;
      }
      latencies.sort((a, b) => a - b);
      const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.ceil(p * latencies.length) - 1)]!;
      const maxRequests = Math.max(...requests);
      const maxReads = Math.max(...reads);
      const perItem = maxReads / Math.max(1, returned);
      if (maxRequests > 5 || perItem > 1.5) misses.push(`${size}: ${scenario.name} (${maxRequests} requests, ${perItem.toFixed(2)} items read per item returned)`);
      const range = (values: number[]) => (Math.min(...values) === Math.max(...values) ? String(values[0]) : `${Math.min(...values)}–${Math.max(...values)}`);
      rows.push([
        size.toLocaleString('en-US'),
        scenario.name,
        String(returned),
        pct(0.5).toFixed(1),
        pct(0.99).toFixed(1),
        range(requests),
        String(maxReads),
        perItem.toFixed(2),
        Math.max(...capacity).toFixed(1),
      ]);
    }
  }

  console.log(`\nArchive API on DynamoDB Local (${iterations} calls each after 5 warm-up; handler in-process, no API Gateway; skewed archive, see bench/query.ts)\n`);
  console.log('| recordings | call | items returned | p50 ms | p99 ms | DynamoDB requests | items read | items read per item returned | read capacity units |');
  console.log('|---:|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const row of rows) console.log(`| ${row.join(' | ')} |`);
  console.log(
    `\nTarget: every call ≤ 5 DynamoDB requests and ≤ 1.5 items read per item returned (an empty answer counts as one item): ` +
      (misses.length === 0 ? 'met by every call.' : `**missed by** ${misses.join('; ')}.`) +
      ` Items read: a Query's ScannedCount, 1 per GetItem. Peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB (bench process).`,
  );
} finally {
  await emulators.stop();
}
