import type { ChildProcess } from 'node:child_process';

export default async function globalTeardown(): Promise<void> {
  const child = (globalThis as { __emulators?: ChildProcess }).__emulators;
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.stdin?.end();
  await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000).unref())]);
  if (child.exitCode === null) child.kill('SIGKILL');
}
