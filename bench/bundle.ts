// Bundle size and cold import time of every Lambda, bundled exactly as deployed (the options come
// from infra/constructs/bundle-options.ts, which the CDK construct also uses). Import time is
// measured in a fresh Node process per run, the closest local stand-in for a Lambda cold start's
// init phase; the median of RUNS runs is printed, wall time and (cpu …) the CPU time it took,
// which a busy machine inflates far less. Three variants, run in turn:
//   as deployed     the deployed bundle and map, with the functions' NODE_OPTIONS (--enable-source-maps)
//   no maps         the same bundle without NODE_OPTIONS: Node then never reads the map
//   map w/ sources  the same bundle with a map that also carries sourcesContent, NODE_OPTIONS set
//                   (esbuild's default; the alternative FUNCTION_BUNDLE.sourcesContent decides on)
//   node bench/bundle.ts [runs]     (runs: argv, else BENCH_BUNDLE_RUNS, else 9; BENCH_QUICK=1: 3)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { esbuildBuildOptions, FUNCTION_BUNDLE, FUNCTION_ENTRIES, FUNCTION_NAMES, PROJECT_ROOT } from '../infra/constructs/bundle-options.ts';

const RUNS = Number(process.argv[2] || process.env.BENCH_BUNDLE_RUNS || (process.env.BENCH_QUICK === '1' ? 3 : 9));

// Handlers build their clients lazily, but give them what Lambda would so module-level code behaves.
const LAMBDA_LIKE_ENV = {
  PATH: process.env.PATH ?? '',
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  ARCHIVE_TABLE_NAME: 'bench-table',
  ARCHIVE_BUCKET_NAME: 'bench-bucket',
  INGEST_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/111122223333/bench',
  POWERTOOLS_SERVICE_NAME: 'tencent-meeting-archive',
  LOG_LEVEL: 'INFO',
};
const DEPLOYED_ENV = { ...LAMBDA_LIKE_ENV, NODE_OPTIONS: FUNCTION_BUNDLE.nodeOptions };

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

interface ImportRun {
  readonly importMs: number;
  /** CPU time (user + system) the import took: unlike wall time, barely moved by other load. */
  readonly cpuMs: number;
  readonly processMs: number;
}

function importOnce(file: string, env: NodeJS.ProcessEnv): ImportRun {
  const script = `const c = process.cpuUsage(), t = performance.now(); await import(${JSON.stringify(pathToFileURL(file).href)}); const u = process.cpuUsage(c); console.log(performance.now() - t, (u.user + u.system) / 1000);`;
  const started = performance.now();
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { env, encoding: 'utf8' });
  const processMs = performance.now() - started;
  if (child.status !== 0) throw new Error(`import of ${file} failed: ${child.stderr.trim().split('\n').slice(0, 5).join(' | ')}`);
  const [importMs, cpuMs] = child.stdout.trim().split('\n').pop()!.split(' ').map(Number);
  return { importMs: importMs!, cpuMs: cpuMs!, processMs };
}

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
const ms = (runs: ImportRun[]) => `${median(runs.map((r) => r.importMs)).toFixed(1)} ms (cpu ${median(runs.map((r) => r.cpuMs)).toFixed(0)})`;
const outDir = mkdtempSync(join(tmpdir(), 'tma-bundle-'));
const rows: string[][] = [
  ['function', 'bundle', 'gzip', 'map', 'map w/ sources', 'build', `import as deployed`, 'import, no maps', 'import, map w/ sources', 'node process'],
];
try {
  // A baseline: an empty module in a fresh process, so the handler's own share is visible.
  const emptyFile = join(outDir, 'empty.mjs');
  await build({ stdin: { contents: '' }, outfile: emptyFile, format: 'esm', logLevel: 'error' });
  const emptyRuns = Array.from({ length: RUNS }, () => importOnce(emptyFile, DEPLOYED_ENV));
  rows.push(['(empty module)', '-', '-', '-', '-', '-', ms(emptyRuns), '', '', `${median(emptyRuns.map((r) => r.processMs)).toFixed(0)} ms`]);

  for (const name of FUNCTION_NAMES) {
    const entry = join(PROJECT_ROOT, FUNCTION_ENTRIES[name]);
    if (!existsSync(entry)) {
      rows.push([name, `missing ${FUNCTION_ENTRIES[name]}`]);
      continue;
    }
    const outfile = join(outDir, name, FUNCTION_BUNDLE.outFileName);
    const withSources = join(outDir, `${name}-with-sources`, FUNCTION_BUNDLE.outFileName);
    const started = performance.now();
    try {
      await build(esbuildBuildOptions(entry, outfile));
    } catch (error) {
      rows.push([name, `build failed: ${String(error).split('\n')[1] ?? error}`]);
      continue;
    }
    const buildMs = performance.now() - started;
    await build({ ...esbuildBuildOptions(entry, withSources), sourcesContent: true });
    // The variants take turns, so a change in the machine's load touches all three alike.
    const deployed: ImportRun[] = [];
    const noMaps: ImportRun[] = [];
    const sourcesMap: ImportRun[] = [];
    for (let run = 0; run < RUNS; run++) {
      deployed.push(importOnce(outfile, DEPLOYED_ENV));
      noMaps.push(importOnce(outfile, LAMBDA_LIKE_ENV));
      sourcesMap.push(importOnce(withSources, DEPLOYED_ENV));
    }
    rows.push([
      name,
      kib(statSync(outfile).size),
      kib(gzipSync(readFileSync(outfile)).length),
      kib(statSync(`${outfile}.map`).size),
      kib(statSync(`${withSources}.map`).size),
      `${buildMs.toFixed(0)} ms`,
      ms(deployed),
      ms(noMaps),
      ms(sourcesMap),
      `${median(deployed.map((r) => r.processMs)).toFixed(0)} ms`,
    ]);
  }
} finally {
  rmSync(outDir, { recursive: true, force: true });
}

const widths = rows[0]!.map((_, col) => Math.max(...rows.map((row) => (row[col] ?? '').length)));
for (const row of rows) console.log(row.map((cell, col) => cell.padEnd(widths[col]!)).join('  ').trimEnd());
console.log(`\nnode ${process.version}, ${process.arch}; esbuild options: format=${FUNCTION_BUNDLE.format} target=${FUNCTION_BUNDLE.target} minify=${FUNCTION_BUNDLE.minify} sourcemap=${FUNCTION_BUNDLE.sourcemap} sourcesContent=${FUNCTION_BUNDLE.sourcesContent} NODE_OPTIONS=${FUNCTION_BUNDLE.nodeOptions}`);
