import type { ChildProcess } from 'node:child_process';

export default async function globalTeardown(): Promise<void> {
  const child = (globalThis as { __emulators?: ChildProcess }).__emulators;
  if (!child || child.exitCode !== null) return;
  // Referenced again, or Node would exit mid-teardown (with code 0, hiding failed tests) as soon as
  // nothing else keeps the event loop alive.
  child.ref();
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.stdin?.end();
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([exited, new Promise((resolve) => (timer = setTimeout(resolve, 10_000)))]);
  clearTimeout(timer);
  if (child.exitCode === null) child.kill('SIGKILL');
}
