// `<DATA_DIR>/local-stack.json`: what `npm start` leaves for tools that target the running local
// stack (`npm run backfill`): its pid, endpoints, resource names and the simulator's credentials.
// It is also the data directory's lock: a second stack on the same directory would share the
// emulators' files with the first, so it is refused while the pid in the file is alive. The stack
// claims it first thing, fills it in once it is up and removes it on stop, only while it is its own.
// Readers treat every key as optional.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const LOCAL_STACK_FILE_NAME = 'local-stack.json';

export interface LocalStackFile {
  /** The `node infra/local/start.ts` process that owns the data directory. */
  readonly pid?: number;
  readonly startedAt?: string;
  readonly urls?: { readonly gateway?: string; readonly webhook?: string; readonly api?: string; readonly simulator?: string };
  readonly dynamodbEndpoint?: string;
  readonly s3Endpoint?: string;
  readonly sqsEndpoint?: string;
  readonly region?: string;
  readonly tableName?: string;
  readonly ingestQueueUrl?: string;
  /** TENCENT_MEETING_* of the simulator the local stack started. */
  readonly tencentEnv?: Record<string, string>;
  /** The pid of every process of the stack. */
  readonly processes?: LocalStackProcesses;
}

/** `npm start`'s processes: the supervisor (`pid`), and the parts it runs and stops. */
export interface LocalStackProcesses {
  /** The supervisor, `node infra/local/start.ts`: the lock's owner, the simulator and the demo. */
  readonly stack: number;
  /** fauxqs serving SQS on SQS_EMULATOR_PORT, and the parent of DynamoDB Local. */
  readonly emulators: number;
  /** fauxqs serving S3 on S3_EMULATOR_PORT. */
  readonly s3Emulator: number;
  /** DynamoDB Local (Java) on DYNAMODB_PORT. */
  readonly dynamodb?: number;
  /** The gateway on PORT (webhook, archive API, /healthz); the ingest worker too with INGEST_OWN_PROCESS=false. */
  readonly functions: number;
  /** The queue poller, the ingest function and the reconcile schedule, when they have a process of their own. */
  readonly ingestWorker?: number;
}

/** Another live process holds the data directory; the message names it and says what to do. */
export class StackAlreadyRunningError extends Error {
  readonly pid: number;
  constructor(dataDir: string, running: LocalStackFile & { pid: number }) {
    const where = running.urls?.gateway ? `gateway ${running.urls.gateway}${running.urls.webhook ? `, webhook ${running.urls.webhook}` : ''}` : 'still starting';
    super(
      `Another local stack already runs on ${dataDir} (pid ${running.pid}, ${where}${running.startedAt ? `, started ${running.startedAt}` : ''}). ` +
        `Stop it first (kill -INT ${running.pid}), or give this one its own DATA_DIR (and PORT, SIMULATOR_PORT, DYNAMODB_PORT, S3_EMULATOR_PORT, SQS_EMULATOR_PORT).`,
    );
    this.name = 'StackAlreadyRunningError';
    this.pid = running.pid;
  }
}

export function localStackFilePath(dataDir: string): string {
  return join(dataDir, LOCAL_STACK_FILE_NAME);
}

/** The running stack's file in `dataDir`, or nothing known when no stack runs there. */
export function readLocalStackFile(dataDir: string): LocalStackFile {
  const file = localStackFilePath(dataDir);
  if (!existsSync(file)) return {};
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as LocalStackFile;
  } catch {
    return {}; // half-written by a stack killed mid-write: nothing known
  }
}

/** Whether `pid` names a live process (EPERM: alive, only not ours to signal). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface LocalStackFileHandle {
  /** Replaces the file's contents, keeping this process as its owner. */
  update(contents: LocalStackFile): void;
  /** Removes the file if it is still this process's (a stack never deletes another stack's file). */
  release(): void;
}

/**
 * Claims `dataDir` for this process: refused with StackAlreadyRunningError while the file names
 * another live process; a file left by a stack that was killed (its pid gone) is taken over.
 */
export function claimLocalStackFile(dataDir: string, pid = process.pid): LocalStackFileHandle {
  const file = localStackFilePath(dataDir);
  const startedAt = new Date().toISOString();
  const write = (contents: LocalStackFile, flag: 'w' | 'wx') =>
    // Mode 600: it carries the simulator's credentials and the API token.
    writeFileSync(file, `${JSON.stringify({ ...contents, pid, startedAt }, null, 2)}\n`, { mode: 0o600, flag });
  for (let attempt = 0; ; attempt += 1) {
    const current = readLocalStackFile(dataDir);
    if (typeof current.pid === 'number' && current.pid !== pid && isProcessAlive(current.pid)) {
      throw new StackAlreadyRunningError(dataDir, current as LocalStackFile & { pid: number });
    }
    rmSync(file, { force: true });
    try {
      // Exclusive create: of two stacks starting at the same moment, one wins and the other sees its file.
      write({}, 'wx');
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 2) throw error;
    }
  }
  const ours = () => readLocalStackFile(dataDir).pid === pid;
  return {
    update(contents) {
      if (ours()) write(contents, 'w');
    },
    release() {
      if (ours()) rmSync(file, { force: true });
    },
  };
}
