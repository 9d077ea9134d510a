// Spawns bench/support/copy-child.ts in a fresh Node process and returns its one-line JSON result.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { ChildConfig, ChildResult } from './copy-child.ts';

export type { ChildConfig, ChildResult };

export function runCopyChild(config: ChildConfig, options: { root?: string } = {}): Promise<ChildResult> {
  // The repository root: npm scripts and jest both run from it (import.meta is unavailable under jest's CJS).
  const root = options.root ?? process.cwd();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(root, 'bench/support/copy-child.ts'), JSON.stringify(config)], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NODE_NO_WARNINGS: '1' },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`copy child (${config.mode}) exited ${code}: ${err.trim()}`));
      try {
        resolve(JSON.parse(out.trim().split('\n').at(-1) ?? '') as ChildResult);
      } catch (error) {
        reject(new Error(`copy child printed no result: ${out} ${err}`, { cause: error }));
      }
    });
  });
}
