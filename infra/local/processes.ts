// The local stack's parts in processes of their own (`npm start` is their supervisor): the
// emulators, the gateway and the ingest worker each get an event loop and a heap of their own, so a
// copy, fauxqs' hashing and a webhook never wait for one another. Both sides of the protocol are
// here: the supervisor forks a part and sends it `start` with its settings over the IPC channel;
// the part answers `ready` (or `failed`, with the error's name and message) and runs until it is
// sent `stop`, is signalled, or loses the channel (the supervisor died, even by SIGKILL).
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { getPriority, setPriority } from 'node:os';
import type { LocalLog } from './lambda-context.ts';

type Message<T> =
  | { readonly type: 'start'; readonly settings: T }
  | { readonly type: 'stop' }
  | { readonly type: 'ready'; readonly info: T }
  | { readonly type: 'failed'; readonly name: string; readonly message: string; readonly stack?: string };

export interface PartProcess<Info> {
  readonly name: string;
  readonly pid: number;
  readonly info: Info;
  /** A process the part started (DynamoDB Local's Java): killed with the part should the supervisor exit while the part still runs. */
  adopt(pid: number): void;
  /** Settles when the process has exited, however it ended. */
  readonly exited: Promise<PartExit>;
  /** Asks the part to stop; kills it when it has not exited within `graceMs`. */
  stop(graceMs: number): Promise<void>;
}

export interface PartExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** An error a part failed with, under its own name, so `npm start` maps it to the same fix as before. */
function partError(name: string, message: string, stack?: string): Error {
  const error = new Error(message);
  error.name = name;
  if (stack) error.stack = stack;
  return error;
}

export interface PartOptions {
  /**
   * A part that moves bulk data (the S3 emulator, the ingest worker) runs at a lower CPU priority:
   * in AWS nothing shares a CPU with the webhook, here two cores do, and Tencent waits for the
   * webhook's answer while a copy merely takes a little longer. Measured on 2 vCPU during a 2 GiB
   * copy: nice 10 alone, webhook p50 16.3–19.8 → 13.7–16.6 ms (its p99 moved within the noise);
   * SCHED_IDLE besides, p99 36.8–65.6 ms over 7 runs against 42.7–56.5 over 3 just before: within
   * the noise of a 2-core machine, and the copy as fast (76–93 MB/s).
   */
  readonly background?: boolean;
}

/** 10 nicer than the stack (about a tenth of its CPU share when both want it); raising it needs no privilege. */
const BACKGROUND_NICE = 10;

function lowerPriority(pid: number): void {
  try {
    setPriority(pid, Math.min(19, getPriority() + BACKGROUND_NICE));
  } catch (error) {
    // Only a priority: the part works the same at the normal one.
    process.emitWarning(`could not lower the priority of process ${pid}: ${(error as Error).message}`, 'LocalPartPriorityWarning');
  }
  runOnlyWhenIdle(pid);
}

/**
 * On Linux, the part's threads also get the SCHED_IDLE policy (util-linux `chrt`; Node has no
 * binding for sched_setscheduler, and lowering one's own policy needs no privilege). A nice value
 * only shares the CPU out: a webhook's process waking beside a copy may still wait for the copy's
 * slice to run out, at every hop (gateway, DynamoDB Local, SQS). The kernel preempts a SCHED_IDLE
 * thread as soon as any other wakes. Threads the part starts later inherit the policy. Where `chrt`
 * is missing or refused, the nice value above stands alone.
 */
function runOnlyWhenIdle(pid: number): void {
  if (process.platform !== 'linux') return;
  try {
    execFileSync('chrt', ['--idle', '--all-tasks', '--pid', '0', String(pid)], { stdio: 'ignore', timeout: 5000 });
  } catch {
    // Only a priority, as above.
  }
}

/** Parts still running, with the processes they started. */
const running = new Map<ChildProcess, number[]>();
// Whatever ends the supervisor (a second Ctrl-C, the shutdown deadline, an uncaught error), no part
// may outlive it holding a port: 'exit' listeners run on every one of those paths. (A supervisor
// killed by SIGKILL runs none: its parts see the IPC channel close and stop themselves.)
process.once('exit', () => {
  for (const [child, adopted] of running) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    child.kill('SIGKILL');
    for (const pid of adopted) killQuietly(pid);
  }
});

/**
 * Forks `script`, sends it `settings`, and resolves once it is ready. The part runs in a process
 * group of its own: a signal to `npm start`'s group reaches the supervisor only, which stops the
 * parts in order (gateway, worker, emulators), as one process did.
 */
export async function startPart<Settings, Info>(name: string, script: string, settings: Settings, options: PartOptions = {}): Promise<PartProcess<Info>> {
  const child = fork(script, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], detached: true, env: { ...process.env, LOCAL_PART_NAME: name }, serialization: 'advanced' });
  if (options.background) lowerPriority(child.pid!);
  const adopted: number[] = [];
  running.set(child, adopted);
  const exited = new Promise<PartExit>((resolve) =>
    child.once('exit', (code, signal) => {
      running.delete(child);
      // A part that was killed or crashed could not stop what it started: Java would keep its port.
      if (signal || code !== 0) for (const pid of adopted) killQuietly(pid);
      resolve({ code, signal });
    }),
  );
  const info = await new Promise<Info>((resolve, reject) => {
    child.on('message', (message: Message<Info>) => {
      if (message.type === 'ready') resolve(message.info);
      else if (message.type === 'failed') reject(partError(message.name, message.message, message.stack));
    });
    void exited.then((exit) => reject(new Error(`the ${name} process exited while starting (${describeExit(exit)})`)));
    child.send({ type: 'start', settings } satisfies Message<Settings>);
  });
  return {
    name,
    pid: child.pid!,
    info,
    exited,
    adopt: (pid) => void adopted.push(pid),
    async stop(graceMs) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      if (child.connected) child.send({ type: 'stop' } satisfies Message<Settings>);
      else child.kill('SIGTERM');
      const gone = await Promise.race([exited.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), graceMs).unref())]);
      if (!gone) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}

export function describeExit({ code, signal }: PartExit): string {
  return signal ? `killed by ${signal}` : `exit code ${code}`;
}

export interface RunningPart<Info> {
  readonly info: Info;
  stop(): Promise<void>;
}

/**
 * The part's side: waits for `start`, runs `start(settings)`, reports `ready` or `failed`, and stops
 * (then exits) on `stop`, SIGINT, SIGTERM, SIGHUP, or when the supervisor's channel closes.
 */
export function runAsPart<Settings, Info>(name: string, log: LocalLog, start: (settings: Settings) => Promise<RunningPart<Info>>): void {
  if (!process.send) {
    process.stderr.write(`${name}: this is a part of \`npm start\`, started by it; run \`npm start\` instead.\n`);
    process.exit(2);
  }
  let part: RunningPart<Info> | undefined;
  let stopping: Promise<void> | undefined;
  const stop = (why: string, code = 0): void => {
    stopping ??= (async () => {
      if (why !== 'stop') log.info(`${why}: stopping the ${name} process`);
      try {
        await part?.stop();
      } catch (error) {
        log.warn(`stopping the ${name} process failed`, { error: String(error) });
        code ||= 1;
      }
      process.exit(code);
    })();
  };
  process.on('message', (message: Message<Settings>) => {
    if (message.type === 'stop') stop('stop');
    if (message.type !== 'start') return;
    start(message.settings).then(
      (started) => {
        part = started;
        if (stopping) void started.stop();
        else process.send!({ type: 'ready', info: started.info } satisfies Message<Info>);
      },
      (error: unknown) => {
        const failure = error instanceof Error ? error : new Error(String(error));
        process.send!({ type: 'failed', name: failure.name, message: failure.message, ...(failure.stack ? { stack: failure.stack } : {}) } satisfies Message<Info>, () => process.exit(1));
      },
    );
  });
  // The supervisor is gone (killed, or crashed past its 'exit' listeners): nobody else will stop us.
  process.on('disconnect', () => stop('npm start went away'));
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => stop(signal));
  process.on('uncaughtException', (error) => {
    log.error(`unexpected error in the ${name} process`, { error: error.stack ?? String(error) });
    stop('unexpected error', 1);
  });
}
