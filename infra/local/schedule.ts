// The local stand-in for EventBridge Scheduler: invokes scheduled functions with the scheduler's
// default payload (`{}`) and a Lambda-like context. Each entry is one line in the stack, so a new
// scheduled function is added where the others are.
import type { Context } from 'aws-lambda';
import { createLambdaContext, silentLog, type LocalLog } from './lambda-context.ts';

export type ScheduledHandler = (event: unknown, context: Context) => Promise<unknown>;

export interface ScheduledFunction {
  readonly functionName: string;
  readonly everyMs: number;
  readonly timeoutMs: number;
  readonly handler: ScheduledHandler;
  /** First run this long after start (a laptop that slept catches up at once); default everyMs. */
  readonly firstRunAfterMs?: number;
}

export interface Schedules {
  /** Runs one function now (used by tests and by the banner's "reconcile now"). */
  runNow(functionName: string): Promise<unknown>;
  /** Stops the timers and waits up to graceMs for runs in progress. */
  stop(options?: { graceMs?: number }): Promise<void>;
}

export function startSchedules(functions: readonly ScheduledFunction[], log: LocalLog = silentLog): Schedules {
  const timers: NodeJS.Timeout[] = [];
  const running = new Map<string, Promise<unknown>>();
  let stopped = false;

  const run = (fn: ScheduledFunction): Promise<unknown> => {
    const current = running.get(fn.functionName);
    // A run that outlives the interval is not doubled up: the next tick is skipped instead.
    if (current) return current;
    const { context } = createLambdaContext({ functionName: fn.functionName, timeoutMs: fn.timeoutMs });
    const started = Date.now();
    const invocation = Promise.resolve()
      .then(() => fn.handler({}, context))
      .then(
        (result) => {
          log.info(`${fn.functionName}: scheduled run done`, { ms: Date.now() - started, result: summarise(result) });
          return result;
        },
        (error: unknown) => {
          log.error(`${fn.functionName}: scheduled run failed`, { error: error instanceof Error ? error.message : String(error) });
          return undefined;
        },
      )
      .finally(() => running.delete(fn.functionName));
    running.set(fn.functionName, invocation);
    return invocation;
  };

  for (const fn of functions) {
    const first = setTimeout(() => {
      if (stopped) return;
      void run(fn);
      const every = setInterval(() => {
        if (!stopped) void run(fn);
      }, fn.everyMs);
      timers.push(every);
    }, fn.firstRunAfterMs ?? fn.everyMs);
    timers.push(first);
  }

  return {
    runNow(functionName) {
      const fn = functions.find((candidate) => candidate.functionName === functionName);
      if (!fn) return Promise.reject(new Error(`no scheduled function ${functionName}`));
      return run(fn);
    },
    async stop({ graceMs = 10_000 } = {}) {
      stopped = true;
      for (const timer of timers) clearTimeout(timer);
      if (running.size === 0) return;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled([...running.values()]),
        new Promise((resolve) => {
          timer = setTimeout(resolve, graceMs);
        }),
      ]);
      clearTimeout(timer);
    },
  };
}

function summarise(result: unknown): unknown {
  if (!result || typeof result !== 'object') return result;
  const { status, stopReason } = result as { status?: unknown; stopReason?: unknown };
  return status === undefined ? '[object]' : { status, stopReason };
}
