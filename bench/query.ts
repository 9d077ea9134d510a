// Query API latency and DynamoDB requests per call, on DynamoDB Local, at two archive sizes.
// The index is seeded through the repository's write API (what the ingest worker calls). The point
// of the second size is the requests column: it must not grow with the archive.
//
//   npm run bench:query            (BENCH_SIZES=1000,10000 BENCH_ITERATIONS=200 by default;
//                                   BENCH_QUICK=1: BENCH_SIZES=1000 BENCH_ITERATIONS=50)
import { performance } from 'node:perf_hooks';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { startEmulators } from '../infra/local/emulators.ts';
import { ensureLocalResources } from '../infra/local/resources.ts';
import { createAwsClients } from '../shared/aws/clients.ts';
import { ArchiveIndex } from '../shared/archive/archive-index.ts';
import { createQueryHandler } from '../functions/query/handler.ts';

const QUICK = process.env.BENCH_QUICK === '1';
const sizes = (process.env.BENCH_SIZES || (QUICK ? '1000' : '1000,10000')).split(',').map(Number);
const iterations = Number(process.env.BENCH_ITERATIONS || (QUICK ? 50 : 200));
const DAY = 86_400_000;
const T0 = Date.UTC(2024, 0, 1);
const YEAR_MS = 365 * DAY;
const USERS = 50;
const MEETINGS = 2000;

const emulators = await startEmulators();
try {
  const clients = createAwsClients({ dynamodbEndpoint: emulators.dynamodbEndpoint, awsEndpoint: emulators.awsEndpoint, forcePathStyle: true, region: 'us-east-1' });
  const names = { table: 'bench-query', bucket: 'bench-query', ingestQueue: 'bench-query', ingestDeadLetterQueue: 'bench-query-dlq' };
  const { tableName, bucketName } = await ensureLocalResources(clients, names);

  let requests = 0;
  clients.dynamo.middlewareStack.add((next) => async (args) => {
    requests++;
    return next(args);
  }, { step: 'build', name: 'countRequests' });

  const index = new ArchiveIndex({ dynamo: clients.dynamo, tableName });
  const handler = createQueryHandler({ dynamo: clients.dynamo, s3: clients.s3, tableName, bucketName });
  const context = { awsRequestId: 'bench', getRemainingTimeInMillis: () => 30_000 } as unknown as Context;

  // Deterministic spread: recording i starts at a pseudo-random time in one year.
  const startOf = (i: number) => T0 + Math.floor((((i * 2_654_435_761) % 4_294_967_296) / 4_294_967_296) * YEAR_MS);
  const idOf = (i: number) => String(9_000_000_000_000_000_000n + BigInt(i));

  async function seed(from: number, to: number): Promise<void> {
    const started = performance.now();
    let next = from;
    const worker = async () => {
      while (next < to) {
        const i = next++;
        const meetingRecordId = idOf(i);
        const startMs = startOf(i);
        await index.upsertMeetingRecording({ meetingRecordId, meetingId: `m${i % MEETINGS}`, meetingCode: `c${i % MEETINGS}`, subject: `meeting ${i}`, hostUserId: `user${i % USERS}`, mediaStartTimeMs: startMs, state: 3 });
        await index.upsertRecordFile({ meetingRecordId, recordFileId: `${meetingRecordId}1`, meetingId: `m${i % MEETINGS}`, recordStartTimeMs: startMs, recordEndTimeMs: startMs + 3_600_000, recordSize: 400_000_000, sharing: { sharingState: 0 } });
        await index.setArtifactStatus(meetingRecordId, `${meetingRecordId}1`, {
          artifact: 'video', kind: 'video', fileType: 'mp4', status: 'archived', bucket: bucketName, key: `recordings/${meetingRecordId}/video.mp4`, bytes: 400_000_000, checksum: 'CRC64NVME:AAAAAAAAAAA=', archivedAt: new Date(startMs + 7_200_000).toISOString(),
        });
      }
    };
    await Promise.all(Array.from({ length: 24 }, worker));
    process.stderr.write(`seeded ${to - from} recordings (to ${to}) in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  }

  const sec = (ms: number) => Math.floor(ms / 1000);
  const midYear = T0 + 180 * DAY + 12_345_000;
  const scenarios: Array<{ name: string; path: string; query: (size: number) => Record<string, string | number> }> = [
    { name: 'corp list, 1 year, page 1 ×100', path: '/v1/corp/records', query: () => ({ start_time: sec(T0), end_time: sec(T0 + YEAR_MS), page_size: 100 }) },
    { name: 'corp list, 1 year, deep page (offset 90%)', path: '/v1/corp/records', query: (n) => ({ start_time: sec(T0), end_time: sec(T0 + YEAR_MS), page_size: 20, page: Math.floor((n * 0.9) / 20) }) },
    { name: 'corp list, 31 days mid-day ends, page 3 ×20', path: '/v1/corp/records', query: () => ({ start_time: sec(midYear), end_time: sec(midYear + 31 * DAY), page_size: 20, page: 3 }) },
    { name: 'user list, 1 year, page 2 ×20', path: '/v1/records', query: () => ({ userid: 'user7', start_time: sec(T0), end_time: sec(T0 + YEAR_MS), page_size: 20, page: 2 }) },
    { name: 'meeting_id list, 1 year', path: '/v1/records', query: () => ({ meeting_id: 'm42', start_time: sec(T0), end_time: sec(T0 + YEAR_MS) }) },
    { name: 'detail /v1/records/{id}', path: `/v1/records/${idOf(123)}`, query: () => ({}) },
    { name: 'addresses /v1/addresses/{id} (presign)', path: `/v1/addresses/${idOf(123)}1`, query: () => ({}) },
  ];

  const rows: string[][] = [];
  let seeded = 0;
  for (const size of sizes) {
    await seed(seeded, size);
    seeded = size;
    for (const scenario of scenarios) {
      const query = scenario.query(size);
      const rawQueryString = new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)])).toString();
      const event = { version: '2.0', rawPath: scenario.path, rawQueryString, headers: {}, requestContext: { http: { method: 'GET', path: scenario.path } } } as unknown as APIGatewayProxyEventV2;
      const latencies: number[] = [];
      const perCall: number[] = [];
      let items = 0;
      for (let i = 0; i < iterations + 10; i++) {
        requests = 0;
        const started = performance.now();
        const response = (await handler(event, context)) as APIGatewayProxyStructuredResultV2;
        const elapsed = performance.now() - started;
        if (response.statusCode !== 200) throw new Error(`${scenario.name}: HTTP ${response.statusCode} ${response.body}`);
        if (i < 10) continue; // warm-up
        latencies.push(elapsed);
        perCall.push(requests);
        items = (JSON.parse(String(response.body)).record_meetings ?? [null]).length;
      }
      latencies.sort((a, b) => a - b);
      const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.ceil(p * latencies.length) - 1)]!;
      rows.push([String(size), scenario.name, String(items), pct(0.5).toFixed(1), pct(0.99).toFixed(1), `${Math.min(...perCall)}–${Math.max(...perCall)}`]);
    }
  }

  const header = ['recordings', 'call', 'items', 'median ms', 'p99 ms', 'DynamoDB requests/call'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(`\nQuery API on DynamoDB Local (${iterations} calls each after 10 warm-up; handler in-process, no network to API Gateway)\n`);
  console.log(line(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const row of rows) console.log(line(row));
} finally {
  await emulators.stop();
}
