// `npm run bench:copy`: the copy engine's throughput and memory against the machine's own
// ceilings, in one run on the same source and sinks. Every figure comes from a separate child
// process (bench/support/copy-child.ts) so its peak RSS is its own. Prints a table; asserts nothing.
//
// Sinks: a discard-only S3 endpoint (measures the engine, not the emulator) and fauxqs (the local
// stack's S3, ~90 MB/s ceiling). Sources: the simulator's download service, unthrottled and
// throttled per connection with first-byte latency (like links to Tencent's far-away hosts).
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { CreateBucketCommand, DeleteObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DownloadService, startDownloadServer } from '../infra/local/simulator/downloads.ts';
import { runCopyChild, type ChildConfig, type ChildResult } from './support/run-child.ts';

const MiB = 1024 * 1024;
const SMALL = Number(process.env.BENCH_SMALL_MIB ?? 256) * MiB;
const LARGE = Number(process.env.BENCH_LARGE_MIB ?? 1024) * MiB;
const THROTTLE_BPS = Number(process.env.BENCH_THROTTLE_MBPS ?? 20) * 1e6;
const THROTTLE_LATENCY_MS = 50;
const ENGINE = { partSize: 8 * MiB, concurrency: 4 };
const FAUXQS = { partSize: 10 * MiB, maxPartSize: 10 * MiB, concurrency: 4 };

async function startSink(kind: 'discard' | 'fauxqs'): Promise<{ endpoint: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ['bench/support/sink-server.ts', kind], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, NODE_NO_WARNINGS: '1' } });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`${kind} sink exited ${code}`)));
  });
  return { endpoint: (JSON.parse(line) as { endpoint: string }).endpoint, child };
}

function client(endpoint: string): S3Client {
  return new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
}

interface Row {
  readonly label: string;
  readonly result: ChildResult;
  readonly note?: string;
}

const rows: Row[] = [];
async function measure(label: string, config: ChildConfig, note?: string): Promise<ChildResult> {
  const result = await runCopyChild(config);
  rows.push({ label, result, ...(note ? { note } : {}) });
  process.stderr.write(`  ${label}: ${result.mbPerSecond.toFixed(1)} MB/s, peak RSS ${result.maxRssMiB.toFixed(0)} MiB\n`);
  return result;
}

const fast = new DownloadService({ linkTtlMs: 60 * 60 * 1000 });
const slow = new DownloadService({ linkTtlMs: 60 * 60 * 1000 });
slow.faults.throttle({ bytesPerSecond: THROTTLE_BPS, firstByteLatencyMs: THROTTLE_LATENCY_MS });
for (const service of [fast, slow]) {
  service.register('small', { seed: 'bench-small', size: SMALL, contentType: 'video/mp4', fileName: 'small.mp4' });
  service.register('large', { seed: 'bench-large', size: LARGE, contentType: 'video/mp4', fileName: 'large.mp4' });
}
const fastServer = await startDownloadServer(fast);
const slowServer = await startDownloadServer(slow);
const discard = await startSink('discard');
const fauxqs = await startSink('fauxqs');
const fauxqsClient = client(fauxqs.endpoint);
await fauxqsClient.send(new CreateBucketCommand({ Bucket: 'bench' }));

try {
  process.stderr.write(`bench:copy — ${LARGE / MiB} MiB and ${SMALL / MiB} MiB files, engine ${ENGINE.partSize / MiB} MiB × ${ENGINE.concurrency}\n`);
  const d = discard.endpoint;
  const download = await measure('source → /dev/null (1 connection, ky)', { mode: 'download', sourceUrl: fastServer.url('large'), size: LARGE });
  const sink = await measure('generated parts → discard sink', { mode: 'sink', s3Endpoint: d, bucket: 'b', key: 'sink', size: LARGE, ...ENGINE });
  const naive = await measure('naive: ky stream → lib-storage Upload (5 MiB × 4)', { mode: 'naive', sourceUrl: fastServer.url('large'), s3Endpoint: d, bucket: 'b', key: 'naive', size: LARGE });
  const engineLarge = await measure(`engine → discard (${LARGE / MiB} MiB)`, { mode: 'engine', sourceUrl: fastServer.url('large'), s3Endpoint: d, bucket: 'b', key: 'e1', size: LARGE, ...ENGINE });
  const engineSmall = await measure(`engine → discard (${SMALL / MiB} MiB)`, { mode: 'engine', sourceUrl: fastServer.url('small'), s3Endpoint: d, bucket: 'b', key: 'e2', size: SMALL, ...ENGINE });

  const perConn = THROTTLE_BPS / 1e6;
  const throttled: { connections: number; result: ChildResult }[] = [];
  const naiveSlow = await measure(`naive, throttled source (${perConn} MB/s/conn, ${THROTTLE_LATENCY_MS} ms)`, { mode: 'naive', sourceUrl: slowServer.url('small'), s3Endpoint: d, bucket: 'b', key: 'n2', size: SMALL });
  for (const connections of [1, 4, 8]) {
    const result = await measure(`engine, throttled source, ${connections} conn`, { mode: 'engine', sourceUrl: slowServer.url('small'), s3Endpoint: d, bucket: 'b', key: `t${connections}`, size: SMALL, partSize: ENGINE.partSize, concurrency: connections });
    throttled.push({ connections, result });
  }

  const fauxqsSize = SMALL * 2;
  const fauxqsSink = await measure(`generated parts → fauxqs (${fauxqsSize / MiB} MiB, 10 MiB × 4)`, { mode: 'sink', s3Endpoint: fauxqs.endpoint, bucket: 'bench', key: 'sink', size: fauxqsSize, ...FAUXQS });
  await fauxqsClient.send(new DeleteObjectCommand({ Bucket: 'bench', Key: 'sink' }));
  fast.register('fauxqs', { seed: 'bench-fauxqs', size: fauxqsSize, contentType: 'video/mp4', fileName: 'f.mp4' });
  const fauxqsEngine = await measure(`engine → fauxqs (${fauxqsSize / MiB} MiB, 10 MiB × 4)`, { mode: 'engine', sourceUrl: fastServer.url('fauxqs'), s3Endpoint: fauxqs.endpoint, bucket: 'bench', key: 'engine', size: fauxqsSize, ...FAUXQS });
  await fauxqsClient.send(new DeleteObjectCommand({ Bucket: 'bench', Key: 'engine' }));

  const f = (n: number) => n.toFixed(1).padStart(8);
  const lines: string[] = [];
  lines.push('| measurement | MB/s | peak RSS MiB |', '|---|---:|---:|');
  for (const row of rows) lines.push(`| ${row.label} | ${f(row.result.mbPerSecond)} | ${row.result.maxRssMiB.toFixed(0)} |`);
  const ceilingDiscard = Math.min(download.mbPerSecond, sink.mbPerSecond);
  const verdict = (ok: boolean) => (ok ? 'met' : 'NOT met');
  lines.push('', '| ratio | value | target |', '|---|---:|---|');
  const vsNaive = engineLarge.mbPerSecond / naive.mbPerSecond;
  lines.push(`| engine / naive baseline (discard sink) | ${vsNaive.toFixed(2)}× | ≥ 1.3× (${verdict(vsNaive >= 1.3)}) |`);
  lines.push(`| engine / min(source, sink) ceiling (discard) | ${(engineLarge.mbPerSecond / ceilingDiscard).toFixed(2)} | info |`);
  for (const { connections, result } of throttled) {
    const bound = Math.min(connections * perConn, sink.mbPerSecond);
    const ratio = result.mbPerSecond / bound;
    lines.push(`| throttled, ${connections} conn: engine / min(${connections}×${perConn}, sink) | ${ratio.toFixed(2)} | ≥ 0.8 (${verdict(ratio >= 0.8)}) |`);
  }
  lines.push(`| throttled: engine 8 conn / naive | ${(throttled.at(-1)!.result.mbPerSecond / naiveSlow.mbPerSecond).toFixed(2)}× | info |`);
  const fauxqsRatio = fauxqsEngine.mbPerSecond / fauxqsSink.mbPerSecond;
  lines.push(`| engine → fauxqs / fauxqs ceiling | ${fauxqsRatio.toFixed(2)} | ≥ 0.8 (${verdict(fauxqsRatio >= 0.8)}) |`);
  const rssFlat = Math.abs(engineLarge.maxRssMiB - engineSmall.maxRssMiB);
  const rssMax = Math.max(engineLarge.maxRssMiB, engineSmall.maxRssMiB, fauxqsEngine.maxRssMiB, ...throttled.map((t) => t.result.maxRssMiB));
  lines.push(`| engine peak RSS, ${SMALL / MiB} vs ${LARGE / MiB} MiB | ${engineSmall.maxRssMiB.toFixed(0)} vs ${engineLarge.maxRssMiB.toFixed(0)} MiB (Δ ${rssFlat.toFixed(0)}) | flat |`);
  lines.push(`| engine peak RSS, worst run | ${rssMax.toFixed(0)} MiB | ≤ 256 MiB (${verdict(rssMax <= 256)}) |`);
  process.stdout.write(`${lines.join('\n')}\n`);
} finally {
  fauxqsClient.destroy();
  discard.child.kill();
  fauxqs.child.kill();
  await fastServer.close();
  await slowServer.close();
}
