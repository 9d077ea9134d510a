// Bundle size and cold import time of every Lambda, bundled exactly as deployed (the options come
// from infra/constructs/bundle-options.ts, which the CDK construct also uses). Import time is
// measured in a fresh Node process per run, the closest local stand-in for a Lambda cold start's
// init phase; the median of RUNS runs is printed.
//   node bench/bundle.ts [runs]     (runs: argv, else BENCH_BUNDLE_RUNS, else 5; BENCH_QUICK=1: 2)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { build } from 'esbuild';
import { esbuildBuildOptions, FUNCTION_BUNDLE, FUNCTION_ENTRIES, FUNCTION_NAMES, PROJECT_ROOT } from '../infra/constructs/bundle-options.ts';

const RUNS = Number(process.argv[2] || process.env.BENCH_BUNDLE_RUNS || (process.env.BENCH_QUICK === '1' ? 2 : 5));

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
  NODE_OPTIONS: '--enable-source-maps',
};

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function importOnce(file: string): { importMs: number; processMs: number } {
  const script = `const t = performance.now(); await import(${JSON.stringify(pathToFileURL(file).href)}); console.log(performance.now() - t);`;
  const started = performance.now();
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { env: LAMBDA_LIKE_ENV, encoding: 'utf8' });
  const processMs = performance.now() - started;
  if (child.status !== 0) throw new Error(`import of ${file} failed: ${child.stderr.trim().split('\n').slice(0, 5).join(' | ')}`);
  return { importMs: Number(child.stdout.trim().split('\n').pop()), processMs };
}

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
const outDir = mkdtempSync(join(tmpdir(), 'tma-bundle-'));
const rows: string[][] = [['function', 'bundle', 'gzip', 'source map', 'build', `import (median of ${RUNS})`, 'node process']];
try {
  // A baseline: an empty module in a fresh process, so the handler's own share is visible.
  const emptyFile = join(outDir, 'empty.mjs');
  await build({ stdin: { contents: '' }, outfile: emptyFile, format: 'esm', logLevel: 'error' });
  const emptyRuns = Array.from({ length: RUNS }, () => importOnce(emptyFile));
  rows.push(['(empty module)', '-', '-', '-', '-', `${median(emptyRuns.map((r) => r.importMs)).toFixed(1)} ms`, `${median(emptyRuns.map((r) => r.processMs)).toFixed(0)} ms`]);

  for (const name of FUNCTION_NAMES) {
    const entry = join(PROJECT_ROOT, FUNCTION_ENTRIES[name]);
    if (!existsSync(entry)) {
      rows.push([name, `missing ${FUNCTION_ENTRIES[name]}`, '', '', '', '', '']);
      continue;
    }
    const outfile = join(outDir, name, FUNCTION_BUNDLE.outFileName);
    const started = performance.now();
    try {
      await build(esbuildBuildOptions(entry, outfile));
    } catch (error) {
      rows.push([name, `build failed: ${String(error).split('\n')[1] ?? error}`, '', '', '', '', '']);
      continue;
    }
    const buildMs = performance.now() - started;
    const runs = Array.from({ length: RUNS }, () => importOnce(outfile));
    rows.push([
      name,
      kib(statSync(outfile).size),
      kib(gzipSync(readFileSync(outfile)).length),
      kib(statSync(`${outfile}.map`).size),
      `${buildMs.toFixed(0)} ms`,
      `${median(runs.map((r) => r.importMs)).toFixed(1)} ms`,
      `${median(runs.map((r) => r.processMs)).toFixed(0)} ms`,
    ]);
  }
} finally {
  rmSync(outDir, { recursive: true, force: true });
}

const widths = rows[0]!.map((_, col) => Math.max(...rows.map((row) => (row[col] ?? '').length)));
for (const row of rows) console.log(row.map((cell, col) => cell.padEnd(widths[col]!)).join('  ').trimEnd());
console.log(`\nnode ${process.version}, ${process.arch}; esbuild options: format=${FUNCTION_BUNDLE.format} target=${FUNCTION_BUNDLE.target} minify=${FUNCTION_BUNDLE.minify} sourcemap=${FUNCTION_BUNDLE.sourcemap}`);
