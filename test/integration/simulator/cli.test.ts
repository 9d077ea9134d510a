// `npm run simulator` as a user runs it: its --help, and credentials that survive a restart so the
// README's two commands (configure an archive from the first run, --demo in a second) work together.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');
const CLI = 'infra/local/simulator/cli.ts';

/** Starts the CLI, waits for its TENCENT_MEETING_* lines and the listening line, then stops it. */
async function printedEnv(args: string[]): Promise<Record<string, string>> {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    while (!/TENCENT_MEETING_OPERATOR_ID=/.test(stdout)) {
      if (child.exitCode !== null) throw new Error(`simulator exited: ${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
  return Object.fromEntries(stdout.trim().split('\n').map((line) => line.split(/=(.*)/s).slice(0, 2) as [string, string]));
}

describe('npm run simulator', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  it('--help explains every option, with examples', () => {
    const help = spawnSync(process.execPath, [CLI, '--help'], { cwd: ROOT, encoding: 'utf8' });
    expect(help.status).toBe(0);
    for (const option of ['--port', '--state-file', '--fresh-credentials', '--webhook-url', '--demo', '--aes', '--plain', '--retry-delays', '--profile', '--help']) {
      expect(help.stdout).toMatch(new RegExp(`^\\s+(-h, )?${option}\\b.*\\S`, 'm'));
    }
    for (const profile of ['sdk', 'sdk-empty', 'seed', 'seed-empty', 'wild']) expect(help.stdout).toMatch(new RegExp(`^\\s+${profile}\\s+\\S`, 'm'));
    expect(help.stdout).toMatch(/examples:\n[\s\S]*npm run simulator -- --port 3100 --webhook-url \S+ --demo/);
  });

  it('keeps its credentials across runs in the state file, and makes new ones on request', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tma-sim-cli-'));
    dirs.push(dir);
    const stateFile = join(dir, 'state.json');
    const first = await printedEnv(['--port', '0', '--state-file', stateFile]);
    const second = await printedEnv(['--port', '0', '--state-file', stateFile]);
    const { TENCENT_MEETING_API_BASE: _firstBase, ...firstCredentials } = first;
    const { TENCENT_MEETING_API_BASE: _secondBase, ...secondCredentials } = second;
    expect(firstCredentials.TENCENT_MEETING_SECRET_KEY).toBeTruthy();
    expect(secondCredentials).toEqual(firstCredentials);
    expect(statSync(stateFile).mode & 0o777).toBe(0o600);

    const fresh = await printedEnv(['--port', '0', '--state-file', stateFile, '--fresh-credentials']);
    expect(fresh.TENCENT_MEETING_SECRET_KEY).not.toBe(first.TENCENT_MEETING_SECRET_KEY);
  });
});
