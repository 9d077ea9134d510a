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
//   BENCH_COPY_RUNS=n       rounds of every measurement; the median is printed (default 3, quick 1),
//                           and a target ratio is the median of its rounds' ratios (both sides run
//                           back to back in each round)
//   BENCH_SMALL_MIB / BENCH_LARGE_MIB   file sizes (default 256 / 1024)
//   BENCH_THROTTLED_MIB     file size for the throttled runs (default BENCH_LARGE_MIB: 8 connections
//                           get 16 parts each, so start-up and the tail do not set the ratio)
//   BENCH_FAUXQS_MIB        file size for the fauxqs runs (default 2 × BENCH_SMALL_MIB)
//   BENCH_HUGE_MIB          the large file for the memory-flatness row (default 2048, quick 512)
//   BENCH_COST_MIB          file size for the part-size sweep behind the cost table (default 1024, quick 256)
//   BENCH_THROTTLE_MBPS / BENCH_THROTTLE_LATENCY_MS   per-connection cap and first-byte latency (20 / 50)
//
// The cost table (bench/support/cost-model.ts, list prices in one table there): for each candidate
// part size, the engine copies through the throttled link with COST_CONNECTIONS connections and its
// throughput, peak RSS and CPU s/GiB are measured; for each candidate Lambda memory size these give
// the wall time per file (link-bound, or CPU-bound when the memory's vCPU share cannot keep up),
// GB-seconds and dollars per TB archived (Lambda + S3 requests + checkpoint writes). Today's settings
// (1769 MB, 8 MiB parts, 4 connections, one ranged GET per part) are priced the same way beside them.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import { CreateBucketCommand, DeleteObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { runCopyChild, type ChildConfig, type ChildResult } from './support/run-child.ts';
import type { SourceServerConfig, SourceServerUrls } from './support/source-server.ts';
import { cheapest, costOf, FILE_BYTES, OVERHEAD_SECONDS_PER_FILE, PRICES, RSS_HEADROOM, type CostRow, type MeasuredSetting } from './support/cost-model.ts';

const MiB = 1024 * 1024;
const QUICK = process.env.BENCH_QUICK === '1';
const num = (name: string, fallback: number) => (process.env[name] ? Number(process.env[name]) : fallback);
const SMALL = num('BENCH_SMALL_MIB', QUICK ? 64 : 256) * MiB;
const LARGE = num('BENCH_LARGE_MIB', QUICK ? 256 : 1024) * MiB;
const THROTTLED = num('BENCH_THROTTLED_MIB', QUICK ? 128 : LARGE / MiB) * MiB;
const FAUXQS_SIZE = num('BENCH_FAUXQS_MIB', (2 * SMALL) / MiB) * MiB;
const HUGE = num('BENCH_HUGE_MIB', QUICK ? 512 : 2048) * MiB;
const COST_SIZE = num('BENCH_COST_MIB', QUICK ? 256 : 1024) * MiB;
const RUNS = Math.max(1, num('BENCH_COPY_RUNS', QUICK ? 1 : 3));
const THROTTLE_MBPS = num('BENCH_THROTTLE_MBPS', 20);
const THROTTLE_LATENCY_MS = num('BENCH_THROTTLE_LATENCY_MS', 50);
const ENGINE = { partSize: 8 * MiB, concurrency: 4 };
const FAUXQS = { partSize: 10 * MiB, maxPartSize: 10 * MiB, concurrency: 4 };
const CONNECTIONS = [1, 4, 8];
const PART_SIZES_MIB = [8, 16, 32, 64];
const MEMORY_SIZES_MB = [512, 1024, 1769, 3008];
const COST_CONNECTIONS = 8;
/** What runs in AWS until this bench's figures replace it. */
const TODAY = { memoryMB: 1769, partMiB: 8, connections: 4 };
/** The README's cost model before this change: Lambda + S3 requests per 300 TB a month. */
const README_TODAY_PER_MONTH = { lambda: 427, s3: 183 };

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
const files = { small: SMALL, large: LARGE, huge: HUGE, throttled: THROTTLED, cost: COST_SIZE, fauxqs: FAUXQS_SIZE };
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
  { label: `engine → discard (${HUGE / MiB} MiB)`, sink: 'discard', config: { mode: 'engine', sourceUrl: fast.huge!, s3Endpoint: d, bucket: 'b', key: 'e3', size: HUGE, ...ENGINE } },
  {
    label: `naive, throttled source (${perConn} MB/s/conn, ${THROTTLE_LATENCY_MS} ms) → discard`,
    sink: 'discard',
    config: { mode: 'naive', sourceUrl: slow.throttled!, s3Endpoint: d, bucket: 'b', key: 'n2', size: THROTTLED },
  },
  ...CONNECTIONS.flatMap((connections): Spec[] => [
    {
      label: `one ranged GET per part (previous engine's reads), throttled, ${connections} conn`,
      config: { mode: 'ranged', sourceUrl: slow.throttled!, size: THROTTLED, partSize: ENGINE.partSize, concurrency: connections },
    },
    {
      label: `streamed segments only (engine's reads), throttled, ${connections} conn`,
      config: { mode: 'streamed', sourceUrl: slow.throttled!, size: THROTTLED, partSize: ENGINE.partSize, concurrency: connections },
    },
    {
      label: `engine, throttled source, ${connections} conn → discard`,
      sink: 'discard',
      config: { mode: 'engine', sourceUrl: slow.throttled!, s3Endpoint: d, bucket: 'b', key: `t${connections}`, size: THROTTLED, partSize: ENGINE.partSize, concurrency: connections },
    },
  ]),
  ...PART_SIZES_MIB.map(
    (partMiB): Spec => ({
      label: `cost sweep: engine, throttled, ${COST_CONNECTIONS} conn, ${partMiB} MiB parts, ${COST_SIZE / MiB} MiB → discard`,
      sink: 'discard',
      config: { mode: 'engine', sourceUrl: slow.cost!, s3Endpoint: d, bucket: 'b', key: `c${partMiB}`, size: COST_SIZE, partSize: partMiB * MiB, concurrency: COST_CONNECTIONS },
    }),
  ),
  {
    label: `cost sweep: one ranged GET per part (today's reads), throttled, ${TODAY.connections} conn, ${TODAY.partMiB} MiB parts, ${COST_SIZE / MiB} MiB`,
    config: { mode: 'ranged', sourceUrl: slow.cost!, size: COST_SIZE, partSize: TODAY.partMiB * MiB, concurrency: TODAY.connections },
  },
  {
    label: `cost sweep: engine, throttled, ${TODAY.connections} conn, ${TODAY.partMiB} MiB parts, ${COST_SIZE / MiB} MiB → discard`,
    sink: 'discard',
    config: { mode: 'engine', sourceUrl: slow.cost!, s3Endpoint: d, bucket: 'b', key: 'ctoday', size: COST_SIZE, partSize: TODAY.partMiB * MiB, concurrency: TODAY.connections },
  },
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
  /**
   * `numerator / denominator` taken round by round, then the median of those ratios (each round's
   * values in brackets). The two run back to back in every round, under the same load and heap
   * state; a ratio of the two medians pairs figures from different rounds, and one slow round of
   * either side (117 against 147 MB/s beside two rounds of 0.97) moved it by 0.09.
   */
  const pairedRatio = (numerator: string, denominator: string): { value: number; rounds: string } => {
    const top = runs.get(numerator)!;
    const bottom = runs.get(denominator)!;
    const ratios = top.map((run, round) => run.result.mbPerSecond / bottom[round]!.result.mbPerSecond);
    const sorted = [...ratios].sort((a, b) => a - b);
    return { value: sorted[Math.floor((sorted.length - 1) / 2)]!, rounds: ratios.length > 1 ? ` [${ratios.map((r) => r.toFixed(2)).join(', ')}]` : '' };
  };
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
  const engineLarge = mbps(label(`engine → discard (${LARGE / MiB} MiB)`));
  const verdict = (ok: boolean) => (ok ? 'met' : 'NOT met');
  lines.push('', '| ratio | value | target |', '|---|---:|---|');
  const vsNaive = pairedRatio(label(`engine → discard (${LARGE / MiB} MiB)`), label('naive: ky stream'));
  lines.push(`| engine / naive baseline (discard sink, ${LARGE / MiB} MiB), median of the rounds' ratios | ${vsNaive.value.toFixed(2)}×${vsNaive.rounds} | ≥ 2.5× (${verdict(vsNaive.value >= 2.5)}) |`);
  lines.push(`| engine / min(source, sink) ceiling (discard) | ${(engineLarge / Math.min(download, sink)).toFixed(2)} | info |`);
  for (const connections of CONNECTIONS) {
    const engine = mbps(label(`engine, throttled source, ${connections} conn`));
    const streamed = mbps(label(`streamed segments only (engine's reads), throttled, ${connections} conn`));
    const perPart = mbps(label(`one ranged GET per part (previous engine's reads), throttled, ${connections} conn`));
    const bound = Math.min(connections * perConn, sink);
    const ratio = engine / bound;
    lines.push(`| throttled, ${connections} conn: engine / min(${connections}×${perConn}, sink) | ${ratio.toFixed(2)} | ≥ 0.9 (${verdict(ratio >= 0.9)}) |`);
    lines.push(`| throttled, ${connections} conn: engine's reads alone / min(${connections}×${perConn}, sink) | ${(streamed / bound).toFixed(2)} | info: the source's ceiling for streamed segments |`);
    lines.push(`| throttled, ${connections} conn: one GET per part / min(${connections}×${perConn}, sink) | ${(perPart / bound).toFixed(2)} | info: the previous engine's reads (a first byte per ${ENGINE.partSize / MiB} MiB part) |`);
  }
  const naiveSlow = mbps(label('naive, throttled source'));
  lines.push(`| throttled: engine 8 conn / naive | ${(mbps(label('engine, throttled source, 8 conn')) / naiveSlow).toFixed(2)}× | info |`);
  const fauxqsEngine = mbps(label('engine → fauxqs'));
  const fauxqsRatio = pairedRatio(label('engine → fauxqs'), label('generated parts → fauxqs'));
  lines.push(`| engine → fauxqs / fauxqs ceiling, median of the rounds' ratios | ${fauxqsRatio.value.toFixed(2)}${fauxqsRatio.rounds} | ≥ 0.9 (${verdict(fauxqsRatio.value >= 0.9)}) |`);
  // fauxqs is CPU-bound: MB per CPU-second it spent says whether the engine makes it work harder,
  // whatever share of the CPUs the scheduler gave it while the source and the copier also ran.
  const perFauxqsCpu = (prefix: string) => {
    const m = median(label(prefix));
    return m.result.bytes / 1e6 / m.sinkCpu;
  };
  const cpuRatio = perFauxqsCpu('engine → fauxqs') / perFauxqsCpu('generated parts → fauxqs');
  lines.push(`| engine → fauxqs / fauxqs ceiling, in MB per fauxqs CPU-second | ${Number.isNaN(cpuRatio) ? '–' : cpuRatio.toFixed(2)} | info: independent of CPU share |`);
  lines.push(`| engine → fauxqs / naive → fauxqs | ${(fauxqsEngine / mbps(label('naive → fauxqs'))).toFixed(2)}× | info |`);
  // Peak RSS at the bench's engine settings (8 MiB × 4); the cost table has it for every part size.
  const engineRss = specs.filter((s) => s.config.mode === 'engine' && !s.label.startsWith('cost sweep')).map((s) => median(s.label).worstRss);
  const rssSmall = median(label(`engine → discard (${SMALL / MiB} MiB)`)).worstRss;
  const rssHuge = median(label(`engine → discard (${HUGE / MiB} MiB)`)).worstRss;
  const rssDelta = Math.abs(rssHuge - rssSmall);
  lines.push(`| engine peak RSS, ${SMALL / MiB} vs ${HUGE / MiB} MiB file | ${rssSmall.toFixed(0)} vs ${rssHuge.toFixed(0)} MiB (Δ ${rssDelta.toFixed(0)}) | flat: Δ ≤ 32 MiB (${verdict(rssDelta <= 32)}) |`);
  lines.push(`| engine peak RSS, worst run (${ENGINE.partSize / MiB} MiB × ${ENGINE.concurrency} and throttled 1–8 conn) | ${Math.max(...engineRss).toFixed(0)} MiB | ≤ 256 MiB (${verdict(Math.max(...engineRss) <= 256)}) |`);

  lines.push(...costTables(median, verdict));
  process.stdout.write(`${lines.join('\n')}\n`);
} finally {
  fauxqsClient.destroy();
  for (const child of [source.child, discard.child, fauxqs.child]) child.kill();
}

type Median = (label: string) => Run & { min: number; max: number; worstRss: number };

/** The cost table: measured part-size sweep × candidate memory sizes, today's settings beside it. */
function costTables(median: Median, verdict: (ok: boolean) => string): string[] {
  const measured = (label: string, partMiB: number, connections: number, cpuFrom: string = label): MeasuredSetting => {
    const m = median(label);
    const cpu = median(cpuFrom);
    return {
      partMiB,
      connections,
      linkMbPerSecond: m.result.mbPerSecond,
      slowestLinkMbPerSecond: m.min,
      peakRssMiB: cpu.worstRss,
      cpuSecondsPerGiB: cpu.result.cpuSeconds / (cpu.result.bytes / 1024 ** 3),
    };
  };
  const sweepLabel = (partMiB: number) => `cost sweep: engine, throttled, ${COST_CONNECTIONS} conn, ${partMiB} MiB parts, ${COST_SIZE / MiB} MiB → discard`;
  const required = 0.9 * COST_CONNECTIONS * THROTTLE_MBPS;
  // When no part size reached 0.9 of the link in this run, the machine (its CPU share), not the
  // link, set the pace, and the figures rank noise. Then every setting is priced at that fraction of
  // its link (connections × cap), still capped by its memory's CPU share at the measured CPU s/GiB.
  const starved = PART_SIZES_MIB.every((partMiB) => median(sweepLabel(partMiB)).result.mbPerSecond < required);
  const atLink = (setting: MeasuredSetting): MeasuredSetting => (starved ? { ...setting, linkMbPerSecond: 0.9 * setting.connections * THROTTLE_MBPS, slowestLinkMbPerSecond: 0.9 * setting.connections * THROTTLE_MBPS } : setting);
  const rows: CostRow[] = PART_SIZES_MIB.flatMap((partMiB) => MEMORY_SIZES_MB.map((memoryMB) => costOf(atLink(measured(sweepLabel(partMiB), partMiB, COST_CONNECTIONS)), memoryMB)));
  // Today: its reads (one ranged GET per 8 MiB part, 4 at once) give the link-bound throughput, an
  // upper bound on the previous engine (it reached ~0.9 of them); RSS and CPU from the engine at
  // today's part size and connections.
  const today = costOf(
    atLink(measured(
      `cost sweep: one ranged GET per part (today's reads), throttled, ${TODAY.connections} conn, ${TODAY.partMiB} MiB parts, ${COST_SIZE / MiB} MiB`,
      TODAY.partMiB,
      TODAY.connections,
      `cost sweep: engine, throttled, ${TODAY.connections} conn, ${TODAY.partMiB} MiB parts, ${COST_SIZE / MiB} MiB → discard`,
    )),
    TODAY.memoryMB,
  );
  const { row: chosen, held } = cheapest(rows, required);
  const money = (n: number) => `$${n.toFixed(3)}`;
  const month = (perTb: number) => `$${(perTb * 300).toFixed(0)}`;
  // The README's model assumed 5 MB/s per connection: transfer time, hence GB-seconds, scales with it.
  const slowLink = (row: CostRow) => {
    const scaled = costOf({ ...row, linkMbPerSecond: row.linkMbPerSecond * (5 / THROTTLE_MBPS) }, row.memoryMB);
    return month(scaled.totalPerTb);
  };
  const line = (row: CostRow, name: string) =>
    `| ${name} | ${row.memoryMB} | ${row.partMiB} × ${row.connections} | ${row.linkMbPerSecond.toFixed(1)} (${row.slowestLinkMbPerSecond.toFixed(1)}) | ${row.peakRssMiB.toFixed(0)}${row.fits ? '' : ' (does not fit)'} | ${row.cpuSecondsPerGiB.toFixed(2)} | ` +
    `${row.mbPerSecond.toFixed(0)}${row.cpuBound ? ' (CPU-bound)' : ''} | ${row.secondsPerFile.toFixed(1)} | ${row.gbSecondsPerFile.toFixed(1)} | ` +
    `${money(row.lambdaPerTb)} | ${money(row.s3PerTb)} | ${money(row.dynamoPerTb)} | **${money(row.totalPerTb)}** | ${month(row.totalPerTb)} | ${slowLink(row)} |`;
  const out = [
    '',
    ...(starved
      ? [
          `No part size reached ${required.toFixed(0)} MB/s (0.9 of ${COST_CONNECTIONS} × ${THROTTLE_MBPS} MB/s) in this run: the machine's CPU, not the link, was the limit, so "link MB/s" below is 0.9 × connections × cap for every setting (today's too), ` +
            'each capped by its memory\'s CPU share at the CPU s/GiB measured here (inflated by the load, so conservative).',
        ]
      : []),
    `Cost per TB archived (1,000 files of 1 GB), from this run: throughput through the throttled link (${THROTTLE_MBPS} MB/s per connection, ${THROTTLE_LATENCY_MS} ms first byte, ${COST_SIZE / MiB} MiB file), ` +
      `the copier's peak RSS and CPU s/GiB (one Node process, plaintext loopback: TLS in AWS adds CPU). Wall time per file = 1 GB ÷ min(link throughput, the memory's vCPU share ÷ CPU s per GB) + ${OVERHEAD_SECONDS_PER_FILE} s of API and index calls; ` +
      `GB-s = memory × wall time. A setting fits when peak RSS ≤ ${RSS_HEADROOM} × memory. Prices: ${PRICES.region}, ${PRICES.asOf}: Lambda arm64 $${PRICES.lambdaPerGbSecond} per GB-s + $${(PRICES.lambdaPerRequest * 1e6).toFixed(2)} per million requests; ` +
      `S3 $${(PRICES.s3PerPutRequest * 1000).toFixed(3)} per 1,000 PUT-class (Create, UploadPart, Complete), $${(PRICES.s3PerGetRequest * 1000).toFixed(4)} per 1,000 GET-class (the verifying HEAD); ` +
      `DynamoDB $${(PRICES.dynamoPerWriteUnit * 1e6).toFixed(3)} per million write units (checkpoint: created, saved every 5 s, completing, deleted).`,
    '',
    '| setting | memory MB | part MiB × conn | link MB/s (slowest round) | peak RSS MiB | CPU s/GiB | MB/s at this memory | s per file | GB-s per file | Lambda $/TB | S3 $/TB | DynamoDB $/TB | total $/TB | per 300 TB | per 300 TB at 5 MB/s/conn |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    line(today, "today's settings"),
    ...rows.map((row) => line(row, row === chosen ? '**chosen**' : 'candidate')),
  ];
  const readmeToday = (README_TODAY_PER_MONTH.lambda + README_TODAY_PER_MONTH.s3) / 300;
  if (chosen) {
    const vsMeasured = chosen.totalPerTb / today.totalPerTb;
    const vsReadme = chosen.totalPerTb / readmeToday;
    out.push(
      '',
      '| cost | value | target |',
      '|---|---:|---|',
      `| chosen: ${chosen.memoryMB} MB, ${chosen.partMiB} MiB parts, ${chosen.connections} connections (${held === 'required' ? `holds ≥ ${required.toFixed(0)} MB/s in every round` : `no setting reached ${required.toFixed(0)} MB/s in this run; within 0.95 of the best`}) | ${money(chosen.totalPerTb)}/TB (${month(chosen.totalPerTb)} per 300 TB) | info |`,
      `| chosen / today's settings, same model and run | ${vsMeasured.toFixed(2)} | ≤ 0.5 (${verdict(vsMeasured <= 0.5)}) |`,
      `| chosen / the README's previous model ($${README_TODAY_PER_MONTH.lambda} Lambda + $${README_TODAY_PER_MONTH.s3} S3 requests per 300 TB, at 5 MB/s per connection) | ${vsReadme.toFixed(2)} | ≤ 0.5 (${verdict(vsReadme <= 0.5)}) |`,
      `| chosen at 5 MB/s per connection / README's previous model | ${(costOf({ ...chosen, linkMbPerSecond: chosen.linkMbPerSecond / 4 }, chosen.memoryMB).totalPerTb / readmeToday).toFixed(2)} | info: same link assumption as the README's figure |`,
      `| 1 GB at the chosen setting: transfer ${(FILE_BYTES / 1e6 / chosen.mbPerSecond).toFixed(1)} s + ${OVERHEAD_SECONDS_PER_FILE} s → ${chosen.gbSecondsPerFile.toFixed(1)} GB-s (today ${today.gbSecondsPerFile.toFixed(1)} GB-s) | | info |`,
    );
  } else {
    out.push('', 'No candidate fits its memory in this run.');
  }
  return out;
}
