// `npm run bench`: every benchmark, one after another, each in its own child process (so none
// shares memory, event loop or warm caches with another), then one Markdown report with the
// machine's description and every printed table: bench/results/latest.md (git-ignored), also
// printed to stdout. Progress of each bench (its stderr) streams to the terminal as it runs.
//
// Knobs (environment; each bench also reads its own, listed in its header comment):
//   BENCH_QUICK=1        smaller sizes everywhere, for a run in a few minutes:
//                          copy     64/256 MiB files, throttled and fauxqs runs 128 MiB, 1 round
//                          webhook  BENCH_EVENTS=500 (unless set)
//                          query    BENCH_SIZES=1000, BENCH_ITERATIONS=30 (unless set; the full run loads 100,000)
//                          local-stack  128/512 MiB recordings
//                          bundle   2 import runs per function (BENCH_BUNDLE_RUNS)
//   BENCH_ONLY=copy,query   run a subset (names: copy, webhook, query, local-stack, bundle)
//   BENCH_REPORT=path       where to write the report (default bench/results/latest.md)
// The figures are wall-clock measurements on a shared machine: the load average is recorded before
// and after each bench so a noisy run can be recognised. Nothing is asserted.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { arch, cpus, freemem, loadavg, release, totalmem, type as osType } from 'node:os';
import { dirname } from 'node:path';

interface Bench {
  readonly name: string;
  readonly script: string;
  readonly what: string;
  /** Environment added in quick mode (never overriding what the caller set). */
  readonly quickEnv?: Record<string, string>;
}

const BENCHES: readonly Bench[] = [
  { name: 'copy', script: 'bench/copy.ts', what: 'copy engine throughput and memory vs ceilings and a naive lib-storage pipeline' },
  { name: 'webhook', script: 'bench/webhook.ts', what: 'webhook acknowledgement: signed AES deliveries over HTTP, one at a time (the Lambda shape) first, with DynamoDB and SQS calls per delivery', quickEnv: { BENCH_EVENTS: '500' } },
  { name: 'query', script: 'bench/query.ts', what: 'query API at 10,000 and 100,000 recordings: latency, DynamoDB requests and items read per item returned' },
  { name: 'local-stack', script: 'bench/local-stack.ts', what: 'the local stack through a real npm start: archive rate vs the S3 emulator, webhook latency while copying, RSS per process' },
  { name: 'bundle', script: 'bench/bundle.ts', what: 'Lambda bundle sizes and cold import time' },
];

const QUICK = process.env.BENCH_QUICK === '1';
const only = process.env.BENCH_ONLY?.split(',').map((s) => s.trim()).filter(Boolean);
const reportPath = process.env.BENCH_REPORT ?? 'bench/results/latest.md';
const unknown = only?.filter((name) => !BENCHES.some((b) => b.name === name)) ?? [];
if (unknown.length > 0) throw new Error(`BENCH_ONLY names unknown benches: ${unknown.join(', ')} (known: ${BENCHES.map((b) => b.name).join(', ')})`);
const selected = BENCHES.filter((b) => !only || only.includes(b.name));

const gib = (bytes: number) => `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');

function osName(): string {
  try {
    const pretty = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1];
    if (pretty) return `${pretty} (${osType()} ${release()}, ${arch()})`;
  } catch {
    // not Linux
  }
  return `${osType()} ${release()} (${arch()})`;
}

function machine(): string[] {
  const cpu = cpus();
  const models = [...new Set(cpu.map((c) => c.model.trim()))].join(', ') || 'unknown';
  return [
    `| | |`,
    `|---|---|`,
    `| date | ${new Date().toISOString()} |`,
    `| CPU | ${models}, ${cpu.length} logical cores${cpu[0]?.speed ? ` (${cpu[0].speed} MHz reported)` : ''} |`,
    `| memory | ${gib(totalmem())} total, ${gib(freemem())} free at start |`,
    `| Node.js | ${process.version} (${process.execPath}) |`,
    `| OS | ${osName()} |`,
    `| load average (1/5/15 min) at start | ${load()} |`,
    `| mode | ${QUICK ? 'BENCH_QUICK=1 (reduced sizes: indicative figures)' : 'full'} |`,
  ];
}

interface Outcome {
  readonly bench: Bench;
  readonly code: number | null;
  readonly stdout: string;
  readonly stderrTail: string;
  readonly seconds: number;
  readonly loadBefore: string;
  readonly loadAfter: string;
}

function run(bench: Bench): Promise<Outcome> {
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_NO_WARNINGS: '1' };
  if (QUICK) for (const [k, v] of Object.entries(bench.quickEnv ?? {})) if (!env[k]) env[k] = v;
  const loadBefore = load();
  const started = performance.now();
  process.stderr.write(`\n=== ${bench.name}: node ${bench.script} (load ${loadBefore}) ===\n`);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bench.script], { stdio: ['ignore', 'pipe', 'pipe'], env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      process.stderr.write(d);
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (stderr.length > 20_000) stderr = stderr.slice(-10_000);
      process.stderr.write(d);
    });
    const finish = (code: number | null) =>
      resolve({
        bench,
        code,
        stdout,
        stderrTail: stderr.trim().split('\n').slice(-15).join('\n'),
        seconds: (performance.now() - started) / 1000,
        loadBefore,
        loadAfter: load(),
      });
    child.on('error', (error) => {
      stderr += String(error);
      finish(-1);
    });
    child.on('exit', (code) => finish(code));
  });
}

const header = machine();
const outcomes: Outcome[] = [];
for (const bench of selected) outcomes.push(await run(bench));

const report: string[] = [
  `# Benchmark report${QUICK ? ' (quick)' : ''}`,
  '',
  'Wall-clock figures on the machine below, loopback only; other jobs may share it (see the load',
  'averages). Re-run with `npm run bench` (`BENCH_QUICK=1` for a shorter run).',
  '',
  ...header,
  '',
];
for (const o of outcomes) {
  report.push(
    `## ${o.bench.name}: ${o.bench.what}`,
    '',
    `\`node ${o.bench.script}\` — ${o.seconds.toFixed(0)} s, load average ${o.loadBefore} before, ${o.loadAfter} after${o.code === 0 ? '' : `, **exited ${o.code}**`}`,
    '',
  );
  const text = o.stdout.trim();
  // bundle prints an aligned plain-text table: keep its alignment in a code block.
  const isMarkdown = text.split('\n').some((line) => line.startsWith('|'));
  if (text) report.push(...(isMarkdown ? [text] : ['```', text, '```']), '');
  if (o.code !== 0) report.push('Last lines of its stderr:', '', '```', o.stderrTail, '```', '');
}
report.push(`Load average at the end: ${load()}.`);

const markdown = `${report.join('\n')}\n`;
mkdirSync(dirname(reportPath), { recursive: true });
writeFileSync(reportPath, markdown);
process.stdout.write(`\n${markdown}`);
process.stderr.write(`\nreport written to ${reportPath}\n`);
process.exitCode = outcomes.every((o) => o.code === 0) ? 0 : 1;
