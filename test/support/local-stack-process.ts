// `npm start` as a user runs it, for tests that drive the stack only from outside (a browser):
// `node infra/local/start.ts` in a child process on free ports with a temporary DATA_DIR, its
// URLs and token read from the banner it prints.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

export interface StackProcess {
  readonly gatewayUrl: string;
  readonly consoleUrl: string;
  readonly apiUrl: string;
  readonly apiToken: string;
  readonly dynamodbUrl: string;
  /** The S3 emulator (npm start runs S3 and SQS in fauxqs processes of their own). */
  readonly s3Url: string;
  output(): string;
  /** SIGTERM, wait for the exit, remove the data directory; the exit code. */
  stop(): Promise<number | null>;
}

/**
 * On a loaded machine DynamoDB Local may take longer than the stack's 30 s to start (the stack
 * then exits: "could not start"): a user would start it again, and so does this, up to 3 times.
 */
export async function startStackProcess(extraEnv: Record<string, string> = {}): Promise<StackProcess> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await startOnce(extraEnv);
    } catch (error) {
      if (attempt >= 3 || !/could not start/.test((error as Error).message)) throw error;
    }
  }
}

async function startOnce(extraEnv: Record<string, string>): Promise<StackProcess> {
  const dataDir = mkdtempSync(join(tmpdir(), 'archive-stack-'));
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (name.startsWith('TENCENT_MEETING_') || name.startsWith('TEST_') || name.startsWith('AWS_ENDPOINT') || name === 'ARCHIVE_API_TOKEN') continue;
    env[name] = value;
  }
  Object.assign(env, { PORT: '0', SIMULATOR_PORT: '0', DYNAMODB_PORT: '0', S3_EMULATOR_PORT: '0', SQS_EMULATOR_PORT: '0', DATA_DIR: dataDir, RECONCILE_INTERVAL_MINUTES: '0', ...extraEnv });
  const child: ChildProcess = spawn(process.execPath, ['infra/local/start.ts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  let exited = false;
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => ((exited = true), resolve(code))));
  const deadline = Date.now() + 180_000;
  while (!/^Ready\. /m.test(output) && !exited && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  if (!/^Ready\. /m.test(output)) {
    child.kill('SIGKILL');
    await exit;
    rmSync(dataDir, { recursive: true, force: true });
    throw new Error(`the stack did not become ready:\n${output}`);
  }
  const field = (label: string) => {
    const match = new RegExp(`^\\s+${label}:\\s+(\\S+)`, 'm').exec(output);
    if (!match) throw new Error(`no "${label}" line in:\n${output}`);
    return match[1]!;
  };
  const apiUrl = field('Archive API');
  return {
    gatewayUrl: apiUrl.replace(/\/v1$/, ''),
    consoleUrl: field('Console'),
    apiUrl,
    apiToken: field('API token'),
    dynamodbUrl: /DynamoDB (http:\/\/\S+?),/.exec(output)![1]!,
    s3Url: /S3 (http:\/\/\S+?),/.exec(output)![1]!,
    output: () => output,
    async stop() {
      child.kill('SIGTERM');
      const code = await exit;
      rmSync(dataDir, { recursive: true, force: true });
      return code;
    },
  };
}
