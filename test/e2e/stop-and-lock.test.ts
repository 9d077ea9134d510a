// Stopping `npm start` the ways a user, a terminal or a process manager does, and a second stack on
// the same data directory. The stack runs as a child process (as in local-stack.test.ts), in its own
// process group so the group can be signalled the way a terminal's Ctrl-C does.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

jest.setTimeout(180_000);

const ROOT = join(__dirname, '..', '..');

function baseEnv(dataDir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (name.startsWith('TENCENT_MEETING_') || name.startsWith('TEST_') || name.startsWith('AWS_ENDPOINT') || name === 'ARCHIVE_API_TOKEN') continue;
    // npm passes its own settings to scripts as npm_*; a child npm must read the project's, not ours.
    if (name.startsWith('npm_')) continue;
    env[name] = value;
  }
  return { ...env, PORT: '0', SIMULATOR_PORT: '0', DYNAMODB_PORT: '0', S3_EMULATOR_PORT: '0', SQS_EMULATOR_PORT: '0', DATA_DIR: dataDir, RECONCILE_INTERVAL_MINUTES: '0' };
}

interface Started {
  readonly child: ChildProcess;
  readonly exited: Promise<void>;
  output(): string;
}

function launch(command: 'npm' | 'node', dataDir: string): Started {
  const [file, args] = command === 'npm' ? ['npm', ['start', '--', '--no-demo']] : [process.execPath, ['infra/local/start.ts', '--no-demo']];
  const child = spawn(file as string, args as string[], { cwd: ROOT, env: baseEnv(dataDir), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return { child, exited, output: () => output };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function untilReady(started: Started): Promise<void> {
  let exited = false;
  void started.exited.then(() => (exited = true));
  while (!/^Ready\. /m.test(started.output())) {
    if (exited) throw new Error(`the stack exited before it was ready:\n${started.output()}`);
    await sleep(100);
  }
}

/** Every port the stack listens on, from its banner: gateway, simulator, DynamoDB Local (Java), fauxqs. */
function listeningPorts(output: string): number[] {
  const urls = [/Webhook URL:\s+(\S+)/, /simulator at (\S+)/, /DynamoDB (http:\/\/\S+?),/, /, S3 (http:\/\/\S+?),/, /, SQS (http:\/\/\S+)/].map((pattern) => {
    const match = pattern.exec(output);
    if (!match) throw new Error(`no ${pattern} in:\n${output}`);
    return match[1]!;
  });
  return urls.map((url) => Number(new URL(url).port));
}

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    // DynamoDB Local binds every interface; the others 127.0.0.1. Binding 0.0.0.0 fails while either holds the port.
    server.listen(port, '0.0.0.0', () => server.close(() => resolve(true)));
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Ports still held after a bounded wait (a stop takes a few seconds; this is no timing assertion). */
async function portsHeldAfterStop(ports: number[], pids: number[]): Promise<{ held: number[]; running: number[] }> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const held: number[] = [];
    for (const port of ports) if (!(await canBind(port))) held.push(port);
    const running = pids.filter(alive);
    if ((held.length === 0 && running.length === 0) || Date.now() > deadline) return { held, running };
    await sleep(250);
  }
}

const stackFile = (dataDir: string) => JSON.parse(readFileSync(join(dataDir, 'local-stack.json'), 'utf8')) as { pid: number; processes?: Record<string, number> };
const stackPid = (dataDir: string): number => stackFile(dataDir).pid;
/** Every process of the running stack, as its local-stack.json names them (the supervisor and each part, Java included). */
function stackProcesses(dataDir: string): Record<string, number> {
  const { pid, processes } = stackFile(dataDir);
  return { stack: pid, ...processes };
}

describe('stopping npm start', () => {
  const dirs: string[] = [];
  const groups: number[] = [];
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'tma-stop-'));
    dirs.push(dir);
    return dir;
  };

  /** `npm start` on a fresh data directory, once it is up: its listening ports and processes. */
  const startedStack = async () => {
    const dataDir = tempDir();
    const started = launch('npm', dataDir);
    groups.push(started.child.pid!);
    await untilReady(started);
    return { dataDir, started, ports: listeningPorts(started.output()), processes: stackProcesses(dataDir) };
  };

  afterAll(() => {
    for (const group of groups) {
      try {
        process.kill(-group, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    ['SIGINT', 'the npm process'],
    ['SIGTERM', 'the npm process'],
    ['SIGINT', 'the node process'],
    ['SIGTERM', 'the node process'],
    ['SIGINT', 'the whole process group'],
    ['SIGTERM', 'the whole process group'],
    // npm dies without passing anything on: the stack notices it lost its parent.
    ['SIGKILL', 'the npm process'],
  ] as const)('%s to %s stops every part and frees every port', async (signal, target) => {
    const { dataDir, started, ports, processes } = await startedStack();
    const nodePid = processes.stack!;
    expect(nodePid).not.toBe(started.child.pid);
    expect(Object.keys(processes).sort()).toEqual(['dynamodb', 'emulators', 'functions', 'ingestWorker', 's3Emulator', 'stack']);

    if (target === 'the npm process') process.kill(started.child.pid!, signal);
    else if (target === 'the node process') process.kill(nodePid, signal);
    else process.kill(-started.child.pid!, signal);

    const { held, running } = await portsHeldAfterStop(ports, [started.child.pid!, ...Object.values(processes)]);
    expect({ held, running }).toEqual({ held: [], running: [] });
    // It stopped as a stop, not as a crash: the lock it took is gone with it.
    expect(existsSync(join(dataDir, 'local-stack.json'))).toBe(false);
  });

  it('SIGKILL to the npm process while a part is slow to stop: the stack waits for it, then releases its lock', async () => {
    const { dataDir, started, ports, processes } = await startedStack();
    // The gateway answers its stop only after 4 s, past the 2 s within which a repeated stop request counts as one.
    process.kill(processes.functions!, 'SIGSTOP');
    process.kill(started.child.pid!, 'SIGKILL');
    await sleep(4_000);
    expect(alive(processes.stack!)).toBe(true);
    process.kill(processes.functions!, 'SIGCONT');

    const { held, running } = await portsHeldAfterStop(ports, Object.values(processes));
    expect({ held, running }).toEqual({ held: [], running: [] });
    expect(existsSync(join(dataDir, 'local-stack.json'))).toBe(false);
  });

  it('SIGKILL to the node process: its parts stop on their own (DynamoDB Local too) and free every port', async () => {
    const { ports, processes } = await startedStack();

    process.kill(processes.stack!, 'SIGKILL');

    const { held, running } = await portsHeldAfterStop(ports, Object.values(processes));
    expect({ held, running }).toEqual({ held: [], running: [] });
  });

  it.each([
    ['gateway', 'functions'],
    ['ingest worker', 'ingestWorker'],
    ['emulators', 'emulators'],
    ['S3 emulator', 's3Emulator'],
  ] as const)('the %s process dying stops the whole stack, which says which one', async (name, key) => {
    const { dataDir, started, ports, processes } = await startedStack();
    let exitCode: number | null = null;
    started.child.once('exit', (code) => (exitCode = code));

    process.kill(processes[key]!, 'SIGKILL');

    const { held, running } = await portsHeldAfterStop(ports, [started.child.pid!, ...Object.values(processes)]);
    expect({ held, running }).toEqual({ held: [], running: [] });
    await started.exited;
    expect(started.output()).toContain(`ERROR the ${name} process (pid ${processes[key]}) ended on its own (killed by SIGKILL): stopping the whole stack`);
    expect(exitCode).toBe(1);
    expect(existsSync(join(dataDir, 'local-stack.json'))).toBe(false);
  });
});

describe('a second stack on the same data directory', () => {
  const dirs: string[] = [];
  const running: Started[] = [];
  afterAll(async () => {
    for (const started of running) {
      try {
        process.kill(-started.child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('is refused with a message naming the running one, which keeps running with its local-stack.json', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'tma-lock-'));
    dirs.push(dataDir);
    const first = launch('node', dataDir);
    running.push(first);
    await untilReady(first);
    const firstPid = stackPid(dataDir);
    const gateway = /Webhook URL:\s+(http:\/\/[^/]+)/.exec(first.output())![1]!;

    const second = launch('node', dataDir);
    running.push(second);
    let secondCode: number | null = null;
    await new Promise<void>((resolve) => second.child.once('exit', (code) => ((secondCode = code), resolve())));

    expect(secondCode).toBe(1);
    expect(second.output()).toContain(`Another local stack already runs on ${dataDir} (pid ${firstPid}, gateway ${gateway}`);
    expect(second.output()).not.toMatch(/^Ready\. /m);
    expect(stackPid(dataDir)).toBe(firstPid);
    const health = await fetch(`${gateway}/healthz`);
    expect(health.status).toBe(200);
    // While a stack runs: a method the webhook does not serve gets 405 and Allow, as in AWS (the README says so).
    const put = await fetch(`${gateway}/webhooks/tencent-meeting`, { method: 'PUT', body: '{}' });
    expect({ status: put.status, allow: put.headers.get('allow') }).toEqual({ status: 405, allow: 'GET, POST' });

    // `--fresh` is refused the same way and wipes nothing.
    const fresh = spawnSync(process.execPath, ['infra/local/start.ts', '--no-demo', '--fresh'], { cwd: ROOT, env: baseEnv(dataDir), encoding: 'utf8' });
    expect(fresh.status).toBe(1);
    expect(existsSync(join(dataDir, 'local-secrets.json'))).toBe(true);
    expect(stackPid(dataDir)).toBe(firstPid);
  });

  it('starts over a local-stack.json left by a stack that was killed', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'tma-lock-'));
    dirs.push(dataDir);
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const deadPid = Number(gone.stdout);
    writeFileSync(join(dataDir, 'local-stack.json'), JSON.stringify({ pid: deadPid, urls: { gateway: 'http://127.0.0.1:1' } }));

    const started = launch('node', dataDir);
    running.push(started);
    await untilReady(started);
    expect(stackPid(dataDir)).not.toBe(deadPid);
  });
});
