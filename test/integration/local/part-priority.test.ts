// `npm start` runs the parts that move bulk data (the S3 emulator, the ingest worker) in the
// background: on Linux every thread of such a part is SCHED_IDLE and nicer than the stack, so a
// webhook's processes take the CPU the moment they wake (infra/local/processes.ts). Read from the
// kernel's own view of the part's threads (/proc/<pid>/task/<tid>/stat), for the S3 emulator
// started as `npm start` starts it.
import { readdirSync, readFileSync } from 'node:fs';
import { getPriority } from 'node:os';
import { join } from 'node:path';
import type { EmulatorsPartSettings, S3EmulatorInfo } from '../../../infra/local/emulators-cli.ts';
import { startPart, type PartProcess } from '../../../infra/local/processes.ts';

const SCRIPT = join(__dirname, '../../../infra/local/emulators-cli.ts');
/** sched(7): SCHED_OTHER is 0, SCHED_IDLE 5. */
const SCHED_OTHER = 0;
const SCHED_IDLE = 5;

interface ThreadScheduling {
  readonly nice: number;
  readonly policy: number;
}

/** Every thread's nice value and policy: fields 19 and 41 of its stat line (proc(5)). */
function threadsOf(pid: number): ThreadScheduling[] {
  return readdirSync(`/proc/${pid}/task`).map((tid) => {
    // Fields after the command name (which may hold spaces and parentheses) start at field 3.
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
    return { nice: Number(fields[19 - 3]), policy: Number(fields[41 - 3]) };
  });
}

const onLinux = process.platform === 'linux' ? describe : describe.skip;

onLinux('the local stack’s background parts', () => {
  const started: PartProcess<S3EmulatorInfo>[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((part) => part.stop(10_000)));
  });
  const start = async (background: boolean) => {
    const part = await startPart<EmulatorsPartSettings, S3EmulatorInfo>('S3 emulator', SCRIPT, { serve: 's3', options: {} }, { background });
    started.push(part);
    return part;
  };

  it('run every thread at SCHED_IDLE, 10 nicer than the stack', async () => {
    const part = await start(true);
    // The emulator has served a request by now (its readiness check): its threads are all running.
    const threads = threadsOf(part.pid);
    expect(threads.length).toBeGreaterThan(1);
    expect(new Set(threads.map((thread) => thread.policy))).toEqual(new Set([SCHED_IDLE]));
    expect(new Set(threads.map((thread) => thread.nice))).toEqual(new Set([Math.min(19, getPriority() + 10)]));
  });

  it('leave a part that is not background at the stack’s own policy and priority', async () => {
    const part = await start(false);
    const threads = threadsOf(part.pid);
    expect(new Set(threads.map((thread) => thread.policy))).toEqual(new Set([SCHED_OTHER]));
    expect(new Set(threads.map((thread) => thread.nice))).toEqual(new Set([getPriority()]));
  });
});
