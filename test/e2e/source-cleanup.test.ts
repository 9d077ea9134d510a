// Source cleanup and legal hold end to end, as a user runs them: `node infra/local/start.ts` with
// SOURCE_CLEANUP_AFTER_DAYS set (a fraction of a day, so the test need not wait days) and the mirror
// deletion policy, driven through its printed URLs; the Tencent side is a simulator in this process
// that announces its REST deletions back to the stack's webhook, as Tencent does.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator, type Simulator } from '../../infra/local/simulator/server.ts';
import { WebhookSender } from '../../infra/local/simulator/webhook-sender.ts';
import { runMeetingLifecycle } from '../../infra/local/simulator/lifecycle.ts';

jest.setTimeout(300_000);

const ROOT = join(__dirname, '..', '..');
const MiB = 1024 * 1024;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs: number, output: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not in time\n${output()}`);
    await sleep(500);
  }
}

describe('source cleanup and legal hold on the local stack', () => {
  let simulator: Simulator;
  let child: ChildProcess | undefined;
  const dataDir = mkdtempSync(join(tmpdir(), 'tma-e2e-cleanup-'));

  beforeAll(async () => {
    simulator = await startSimulator({ port: 0 });
  });
  afterAll(async () => {
    child?.kill('SIGKILL');
    await simulator.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('deletes an archived file at Tencent once it is old enough, keeps a held one, and the echoed deletion leaves the archive copy under mirror', async () => {
    const env: NodeJS.ProcessEnv = {};
    for (const [name, value] of Object.entries(process.env)) {
      if (!name.startsWith('TENCENT_MEETING_') && !name.startsWith('TEST_') && !name.startsWith('AWS_ENDPOINT') && name !== 'ARCHIVE_API_TOKEN') env[name] = value;
    }
    Object.assign(env, simulator.env(), {
      PORT: '0',
      SIMULATOR_PORT: '0',
      DYNAMODB_PORT: '0',
      S3_EMULATOR_PORT: '0',
      SQS_EMULATOR_PORT: '0',
      DATA_DIR: dataDir,
      RECONCILE_INTERVAL_MINUTES: '1',
      // 0.0002 days: about 17 seconds after the copy was verified.
      SOURCE_CLEANUP_AFTER_DAYS: '0.0002',
      DELETION_POLICY: 'mirror',
    });
    child = spawn(process.execPath, ['infra/local/start.ts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const out = () => output;
    let exited = false;
    child.once('exit', () => (exited = true));
    await waitFor('ready', () => (/^Ready\. /m.test(output) || exited ? true : undefined), 180_000, out);
    if (exited) throw new Error(`the stack exited before it was ready:\n${output}`);
    const field = (label: string) => new RegExp(`^\\s+${label}:\\s+(\\S+)`, 'm').exec(output)![1]!;
    const apiUrl = field('Archive API');
    const token = field('API token');
    const api = async (path: string, method = 'GET') => {
      const response = await fetch(`${apiUrl}${path}`, { method, headers: { authorization: `Bearer ${token}` } });
      return { status: response.status, body: (await response.json()) as any };
    };

    const sender = new WebhookSender({ url: field('Webhook URL'), token: simulator.credentials.webhookToken, encodingAesKey: simulator.credentials.encodingAesKey, retryDelaysMs: [500, 1000, 2000] });
    expect((await sender.verify()).ok).toBe(true);
    simulator.announceDeletionsTo(sender);
    const meeting = async (subject: string) => {
      const { recording, ok } = await runMeetingLifecycle(simulator, sender, { subject, hostUserId: simulator.credentials.operatorId, files: [{ sizeBytes: 2 * MiB + 11 }] });
      expect(ok).toBe(true);
      return recording;
    };
    const cleaned = await meeting('E2E: to be cleaned');
    const held = await meeting('E2E: under legal hold');
    const archived = (id: string) => async () => ((await api(`/records/${id}`)).body.archive?.status === 'archived' ? true : undefined);
    await waitFor('both archived', async () => ((await archived(cleaned.meetingRecordId)()) && (await archived(held.meetingRecordId)()) ? true : undefined), 120_000, out);
    const hold = await api(`/records/${held.meetingRecordId}/legal-hold`, 'PUT');
    expect(hold.status).toBe(200);
    expect(hold.body.archive.legal_hold).toBe(true);

    const cleanedFile = cleaned.files[0]!.recordFileId;
    await waitFor('the cleanup DELETE at the simulator', () => (simulator.model.getFile(cleanedFile) ? undefined : true), 150_000, out);
    const after = await waitFor(
      'deleted_by archive',
      async () => {
        const { body } = await api(`/records/${cleaned.meetingRecordId}`);
        return body.record_files[0].archive.deleted_by === 'archive' ? body : undefined;
      },
      30_000,
      out,
    );
    // Tencent's echo reached the webhook and was confirmed; under mirror the copy would go, but not this one.
    expect(await simulator.announcedDeletions[0]!.delivered).toBe(true);
    await sleep(3000);
    const still = await api(`/records/${cleaned.meetingRecordId}`);
    expect(still.body.record_files[0].archive).toMatchObject({ status: 'archived', deleted_by: 'archive' });
    expect(after.record_files[0].archive.source_deleted_at).toEqual(expect.any(Number));
    const link = await api(`/addresses/${cleanedFile}`);
    expect((await fetch(link.body.download_address)).status).toBe(200);

    // The held recording was due as well, and stays at Tencent.
    expect(simulator.model.getFile(held.files[0]!.recordFileId)).toBeDefined();
    expect(simulator.counters.endpoints.deleteFile.requests).toBe(1);
    child.kill('SIGTERM');
  });
});
