// A process and its descendants, read from /proc (Linux): what bench/local-stack.ts samples to give
// each process of `npm start` its own peak RSS and CPU time.
import { readdirSync, readFileSync } from 'node:fs';

export interface ProcessInfo {
  readonly pid: number;
  readonly ppid: number;
  readonly command: string;
  /** Resident set size now, MiB. */
  readonly rssMiB: number;
  /** Peak resident set size since the process started (VmHWM), MiB. */
  readonly peakRssMiB: number;
  /** User + system CPU seconds so far. */
  readonly cpuSeconds: number;
}

function read(pid: number): ProcessInfo | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
    const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
    // After "pid (comm) ": state ppid … utime (12th) stime (13th), in clock ticks of 1/100 s.
    return { pid, ppid: Number(fields[1]), command, rssMiB: kib('VmRSS') / 1024, peakRssMiB: kib('VmHWM') / 1024, cpuSeconds: (Number(fields[11]) + Number(fields[12])) / 100 };
  } catch {
    return undefined; // exited meanwhile
  }
}

/** The processes of `pids` still alive: a few files each, where processTree reads every process's. */
export function processesOf(pids: readonly number[]): ProcessInfo[] {
  return pids.map(read).filter((info): info is ProcessInfo => info !== undefined);
}

/** `root` and every live descendant of it. */
export function processTree(root: number): ProcessInfo[] {
  const all: ProcessInfo[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const info = read(Number(entry));
    if (info) all.push(info);
  }
  const inTree = new Set([root]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const info of all) if (!inTree.has(info.pid) && inTree.has(info.ppid)) (inTree.add(info.pid), (grew = true));
  }
  return all.filter((info) => inTree.has(info.pid) && !info.command.startsWith('sh -c'));
}
