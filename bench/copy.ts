// `npm run bench:copy`: the copy engine's throughput and memory against the machine's own
// ceilings, in one run on the same source and sinks. Every figure comes from a separate child
// process (bench/support/copy-child.ts) so its peak RSS and CPU time are its own; the source
// (bench/support/source-server.ts) and each sink (bench/support/sink-server.ts) run in processes of
// their own too, and the CPU seconds each spent are printed next to every figure. Prints tables;
// asserts nothing.
//
// Sinks: a discard-only S3 endpoint (measures the engine, not the emulator) and fauxqs (the local
// stack's S3). Sources: the simulator's download service, unthrottled and throttled per connection
// with first-byte latency (like links to Tencent's far-away hosts).
//
// Knobs (environment):
//   BENCH_QUICK=1           smaller files, one round (64/256 MiB, throttled 128 MiB, fauxqs 128 MiB);
//                           the throttled ratios then rest on 1–2 parts per connection: indicative only
//   BENCH_COPY_RUNS=n       rounds of every measurement; the median is printed (default 3, quick 1)
//   BENCH_SMALL_MIB / BENCH_LARGE_MIB   file sizes (default 256 / 1024)
//   BENCH_THROTTLED_MIB     file size for the throttled runs (default BENCH_SMALL_MIB)
//   BENCH_FAUXQS_MIB        file size for the fauxqs runs (default 2 × BENCH_SMALL_MIB)
//   BENCH_THROTTLE_MBPS / BENCH_THROTTLE_LATENCY_MS   per-connection cap and first-byte latency (20 / 50)
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import { CreateBucketCommand, DeleteObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { runCopyChild, type ChildConfig, type ChildResult } from './support/run-child.ts';
import type { SourceServerConfig, SourceServerUrls } from './support/source-server.ts';

const MiB = 1024 * 1024;
const QUICK = process.env.BENCH_QUICK === '1';
const num = (name: string, fallback: number) => (process.env[name] ? Number(process.env[name]) : fallback);
const SMALL = num('BENCH_SMALL_MIB', QUICK ? 64 : 256) * MiB;
const LARGE = num('BENCH_LARGE_MIB', QUICK ? 256 : 1024) * MiB;
const THROTTLED = num('BENCH_THROTTLED_MIB', QUICK ? 128 : SMALL / MiB) * MiB;
const FAUXQS_SIZE = num('BENCH_FAUXQS_MIB', (2 * SMALL) / MiB) * MiB;
const RUNS = Math.max(1, num('BENCH_COPY_RUNS', QUICK ? 1 : 3));
const THROTTLE_MBPS = num('BENCH_THROTTLE_MBPS', 20);
const THROTTLE_LATENCY_MS = num('BENCH_THROTTLE_LATENCY_MS', 50);
const ENGINE = { partSize: 8 * MiB, concurrency: 4 };
const FAUXQS = { partSize: 10 * MiB, maxPartSize: 10 * MiB, concurrency: 4 };
const CONNECTIONS = [1, 4, 8];

/** Starts `node <script> <arg>` and resolves with the first line it prints (JSON). */
async function startServer<T>(script: string, arg: string): Promise<{ info: T; child: ChildProcess }> {
  const child = spawn(process.execPath, [script, arg], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, NODE_NO_WARNINGS: '1' } });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`${script} ${arg.slice(0, 20)} exited ${code}`)));
  });
  return { info: JSON.parse(line) as T, child };
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux); NaN elsewhere. */
function cpuSecondsOf(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    // utime and stime are fields 14 and 15 of the whole line (12 and 13 after "pid (comm) "), in
    // clock ticks of 1/100 s on Linux.
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

function client(endpoint: string): S3Client {
  return new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
}

interface Run {
  readonly result: ChildResult;
  readonly sourceCpu: number;
  readonly sinkCpu: number;
}

interface Spec {
  readonly label: string;
  readonly config: ChildConfig;
  readonly sink?: 'discard' | 'fauxqs';
  readonly after?: () => Promise<void>;
}

const perConn = THROTTLE_MBPS;
const startLoad = loadavg();
const startedAt = new Date();
const files = { small: SMALL, large: LARGE, throttled: THROTTLED, fauxqs: FAUXQS_SIZE };
const sourceConfig: SourceServerConfig = { files, throttleBytesPerSecond: THROTTLE_MBPS * 1e6, throttleLatencyMs: THROTTLE_LATENCY_MS };
const source = await startServer<SourceServerUrls>('bench/support/source-server.ts', JSON.stringify(sourceConfig));
const discard = await startServer<{ endpoint: string }>('bench/support/sink-server.ts', 'discard');
const fauxqs = await startServer<{ endpoint: string }>('bench/support/sink-server.ts', 'fauxqs');
const fauxqsClient = client(fauxqs.info.endpoint);
await fauxqsClient.send(new CreateBucketCommand({ Bucket: 'bench' }));
const deleteFromFauxqs = (key: string) => async () => {
  // fauxqs keeps objects in its memory: drop each one so the next run starts from the same state.
  await fauxqsClient.send(new DeleteObjectCommand({ Bucket: 'bench', Key: key }));
};

const d = discard.info.endpoint;
const f = fauxqs.info.endpoint;
const { fast, slow } = source.info;
const specs: Spec[] = [
  { label: 'source → /dev/null (1 connection, ky)', config: { mode: 'download', sourceUrl: fast.large!, size: LARGE } },
  { label: 'generated parts → discard sink (8 MiB × 4)', sink: 'discard', config: { mode: 'sink', s3Endpoint: d, bucket: 'b', key: 'sink', size: LARGE, ...ENGINE } },
  { label: 'naive: ky stream → lib-storage Upload (5 MiB × 4) → discard', sink: 'discard', config: { mode: 'naive', sourceUrl: fast.large!, s3Endpoint: d, bucket: 'b', key: 'naive', size: LARGE } },
  { label: `engine → discard (${LARGE / MiB} MiB)`, sink: 'discard', config: { mode: 'engine', sourceUrl: fast.large!, s3Endpoint: d, bucket: 'b', key: 'e1', size: LARGE, ...ENGINE } },
  { label: `engine → discard (${SMALL / MiB} MiB)`, sink: 'discard', config: { mode: 'engine', sourceUrl: fast.small!, s3Endpoint: d, bucket: 'b', key: 'e2', size: SMALL, ...ENGINE } },
  {
    label: `naive, throttled source (${perConn} MB/s/conn, ${THROTTLE_LATENCY_MS} ms) → discard`,
    sink: 'discard',
    config: { mode: 'naive', sourceUrl: slow.throttled!, s3Endpoint: d, bucket: 'b', key: 'n2', size: THROTTLED },
  },
  ...CONNECTIONS.flatMap((connections): Spec[] => [
    {
      label: `ranged reads only, throttled, ${connections} conn (source ceiling)`,
      config: { mode: 'ranged', sourceUrl: slow.throttled!, size: THROTTLED, partSize: ENGINE.partSize, concurrency: connections },
    },
    {
      label: `engine, throttled source, ${connections} conn → discard`,
      sink: 'discard',
      config: { mode: 'engine', sourceUrl: slow.throttled!, s3Endpoint: d, bucket: 'b', key: `t${connections}`, size: THROTTLED, partSize: ENGINE.partSize, concurrency: connections },
    },
  ]),
  {
    label: `generated parts → fauxqs (${FAUXQS_SIZE / MiB} MiB, 10 MiB × 4)`,
    sink: 'fauxqs',
    config: { mode: 'sink', s3Endpoint: f, bucket: 'bench', key: 'sink', size: FAUXQS_SIZE, ...FAUXQS },
    after: deleteFromFauxqs('sink'),
  },
  {
    label: `engine → fauxqs (${FAUXQS_SIZE / MiB} MiB, 10 MiB × 4)`,
    sink: 'fauxqs',
    config: { mode: 'engine', sourceUrl: fast.fauxqs!, s3Endpoint: f, bucket: 'bench', key: 'engine', size: FAUXQS_SIZE, ...FAUXQS },
    after: deleteFromFauxqs('engine'),
  },
  {
    label: `naive → fauxqs (${FAUXQS_SIZE / MiB} MiB, 5 MiB × 4)`,
    sink: 'fauxqs',
    config: { mode: 'naive', sourceUrl: fast.fauxqs!, s3Endpoint: f, bucket: 'bench', key: 'naive', size: FAUXQS_SIZE },
    after: deleteFromFauxqs('naive'),
  },
];

const runs = new Map<string, Run[]>(specs.map((s) => [s.label, []]));
try {
  process.stderr.write(
    `bench:copy — ${LARGE / MiB}/${SMALL / MiB} MiB files, throttled ${THROTTLED / MiB} MiB, fauxqs ${FAUXQS_SIZE / MiB} MiB; engine ${ENGINE.partSize / MiB} MiB × ${ENGINE.concurrency}; ${RUNS} round(s)\n`,
  );
  for (let round = 1; round <= RUNS; round += 1) {
    for (const spec of specs) {
      const sinkPid = spec.sink === 'discard' ? discard.child.pid : spec.sink === 'fauxqs' ? fauxqs.child.pid : undefined;
      const source0 = cpuSecondsOf(source.child.pid);
      const sink0 = cpuSecondsOf(sinkPid);
      const result = await runCopyChild(spec.config);
      const run = { result, sourceCpu: cpuSecondsOf(source.child.pid) - source0, sinkCpu: sinkPid === undefined ? Number.NaN : cpuSecondsOf(sinkPid) - sink0 };
      runs.get(spec.label)!.push(run);
      await spec.after?.();
      process.stderr.write(`  [${round}/${RUNS}] ${spec.label}: ${result.mbPerSecond.toFixed(1)} MB/s, peak RSS ${result.maxRssMiB.toFixed(0)} MiB, load ${loadavg()[0]!.toFixed(2)}\n`);
    }
  }

  /** The run with the median throughput; peak RSS is the worst over every run. */
  const median = (label: string): Run & { min: number; max: number; worstRss: number } => {
    const all = [...runs.get(label)!].sort((a, b) => a.result.mbPerSecond - b.result.mbPerSecond);
    const mid = all[Math.floor((all.length - 1) / 2)]!;
    return { ...mid, min: all[0]!.result.mbPerSecond, max: all.at(-1)!.result.mbPerSecond, worstRss: Math.max(...all.map((r) => r.result.maxRssMiB)) };
  };
  const mbps = (label: string) => median(label).result.mbPerSecond;
  const cpu = (n: number) => (Number.isNaN(n) ? '–' : n.toFixed(1));

  const lines: string[] = [];
  const endLoad = loadavg();
  lines.push(
    `Copy engine, ${startedAt.toISOString()}; ${cpus().length} CPUs (${cpus()[0]?.model.trim() ?? 'unknown'}), node ${process.version}; ` +
      `load average ${startLoad.map((l) => l.toFixed(2)).join(' ')} at start, ${endLoad.map((l) => l.toFixed(2)).join(' ')} at end. ` +
      `MB/s = 10^6 bytes/s, median of ${RUNS} round(s) (range in brackets); CPU s = seconds of CPU each process used during the median run.`,
    '',
    '| measurement | MB/s | peak RSS MiB | CPU s: copier / source / sink |',
    '|---|---:|---:|---:|',
  );
  for (const spec of specs) {
    const m = median(spec.label);
    const range = RUNS > 1 ? ` [${m.min.toFixed(0)}–${m.max.toFixed(0)}]` : '';
    lines.push(`| ${spec.label} | ${m.result.mbPerSecond.toFixed(1)}${range} | ${m.worstRss.toFixed(0)} | ${cpu(m.result.cpuSeconds)} / ${cpu(m.sourceCpu)} / ${cpu(m.sinkCpu)} |`);
  }

  const label = (prefix: string) => specs.find((s) => s.label.startsWith(prefix))!.label;
  const download = mbps(label('source → /dev/null'));
  const sink = mbps(label('generated parts → discard'));
  const naive = mbps(label('naive: ky stream'));
  const engineLarge = mbps(label(`engine → discard (${LARGE / MiB} MiB)`));
  const verdict = (ok: boolean) => (ok ? 'met' : 'NOT met');
  lines.push('', '| ratio | value | target |', '|---|---:|---|');
  const vsNaive = engineLarge / naive;
  lines.push(`| engine / naive baseline (discard sink) | ${vsNaive.toFixed(2)}× | ≥ 1.3× (${verdict(vsNaive >= 1.3)}) |`);
  lines.push(`| engine / min(source, sink) ceiling (discard) | ${(engineLarge / Math.min(download, sink)).toFixed(2)} | info |`);
  for (const connections of CONNECTIONS) {
    const engine = mbps(label(`engine, throttled source, ${connections} conn`));
    const ranged = mbps(label(`ranged reads only, throttled, ${connections} conn`));
    const bound = Math.min(connections * perConn, sink);
    const ratio = engine / bound;
    lines.push(`| throttled, ${connections} conn: engine / min(${connections}×${perConn}, sink) | ${ratio.toFixed(2)} | ≥ 0.8 (${verdict(ratio >= 0.8)}) |`);
    lines.push(`| throttled, ${connections} conn: ranged reads only / min(${connections}×${perConn}, sink) | ${(ranged / bound).toFixed(2)} | info: the source's own ceiling for ${ENGINE.partSize / MiB} MiB ranged GETs |`);
    lines.push(`| throttled, ${connections} conn: engine / ranged reads only | ${(engine / ranged).toFixed(2)} | info |`);
  }
  const naiveSlow = mbps(label('naive, throttled source'));
  lines.push(`| throttled: engine 8 conn / naive | ${(mbps(label('engine, throttled source, 8 conn')) / naiveSlow).toFixed(2)}× | info |`);
  const fauxqsSink = mbps(label('generated parts → fauxqs'));
  const fauxqsEngine = mbps(label('engine → fauxqs'));
  const fauxqsRatio = fauxqsEngine / fauxqsSink;
  lines.push(`| engine → fauxqs / fauxqs ceiling | ${fauxqsRatio.toFixed(2)} | ≥ 0.8 (${verdict(fauxqsRatio >= 0.8)}) |`);
  // fauxqs is CPU-bound: MB per CPU-second it spent says whether the engine makes it work harder,
  // whatever share of the CPUs the scheduler gave it while the source and the copier also ran.
  const perFauxqsCpu = (prefix: string) => {
    const m = median(label(prefix));
    return m.result.bytes / 1e6 / m.sinkCpu;
  };
  const cpuRatio = perFauxqsCpu('engine → fauxqs') / perFauxqsCpu('generated parts → fauxqs');
  lines.push(`| engine → fauxqs / fauxqs ceiling, in MB per fauxqs CPU-second | ${Number.isNaN(cpuRatio) ? '–' : cpuRatio.toFixed(2)} | info: independent of CPU share |`);
  lines.push(`| engine → fauxqs / naive → fauxqs | ${(fauxqsEngine / mbps(label('naive → fauxqs'))).toFixed(2)}× | info |`);
  const engineRss = specs.filter((s) => s.config.mode === 'engine').map((s) => median(s.label).worstRss);
  const rssSmall = median(label(`engine → discard (${SMALL / MiB} MiB)`)).worstRss;
  const rssLarge = median(label(`engine → discard (${LARGE / MiB} MiB)`)).worstRss;
  lines.push(`| engine peak RSS, ${SMALL / MiB} vs ${LARGE / MiB} MiB | ${rssSmall.toFixed(0)} vs ${rssLarge.toFixed(0)} MiB (Δ ${Math.abs(rssLarge - rssSmall).toFixed(0)}) | flat |`);
  lines.push(`| engine peak RSS, worst run | ${Math.max(...engineRss).toFixed(0)} MiB | ≤ 256 MiB (${verdict(Math.max(...engineRss) <= 256)}) |`);
  process.stdout.write(`${lines.join('\n')}\n`);
} finally {
  fauxqsClient.destroy();
  for (const child of [source.child, discard.child, fauxqs.child]) child.kill();
}
