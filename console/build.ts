// Bundles the console (console/src) with esbuild into console.js + console.css: in memory for
// `npm start` and the tests, to a directory for the Lambda package (the query function's bundling
// hook runs `node console/build.ts <dir>`). Build output is never committed.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, stop } from 'esbuild';
import { CONSOLE_SCRIPT, CONSOLE_STYLE, type ConsoleAssets } from '../shared/console/site.ts';

const ENTRY = fileURLToPath(new URL('./src/main.ts', import.meta.url));

export async function buildConsoleAssets(): Promise<ConsoleAssets> {
  // esbuild's service child is not needed after this one build: stopped, so a running stack
  // carries no idle child process (and `npm start`'s stop has one fewer to wait for).
  const result = await build({
    entryPoints: [ENTRY],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    // What the README promises the console runs in: current evergreen browsers.
    target: ['chrome120', 'firefox120', 'safari17'],
    minify: true,
    legalComments: 'none',
    outdir: 'out',
    entryNames: 'console',
    write: false,
    logLevel: 'warning',
  }).finally(() => stop());
  const text = (suffix: string) => {
    const file = result.outputFiles.find((f) => f.path.endsWith(suffix));
    if (!file) throw new Error(`esbuild wrote no ${suffix} for the console`);
    return file.text;
  };
  return { script: text('.js'), style: text('.css') };
}

export async function writeConsoleAssets(directory: string): Promise<void> {
  const assets = await buildConsoleAssets();
  mkdirSync(directory, { recursive: true });
  writeFileSync(join(directory, CONSOLE_SCRIPT), assets.script);
  writeFileSync(join(directory, CONSOLE_STYLE), assets.style);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const directory = process.argv[2];
  if (!directory) {
    process.stderr.write('usage: node console/build.ts <output directory>\n');
    process.exit(2);
  }
  await writeConsoleAssets(directory);
}
