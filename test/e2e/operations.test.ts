// `npm run status`, `npm run redrive` and `npm run archive` as a user runs them: each its own
// process (`node infra/local/<command>.ts`), against a running local stack (`node
// infra/local/start.ts`, a child process with a temporary DATA_DIR) that they find only through
// <DATA_DIR>/local-stack.json. The Tencent side is a simulator in this test process; the test
// reaches the stack's queues only through the endpoints local-stack.json lists, as the commands do.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetQueueAttributesCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { createAwsClients, type AwsClients } from '../../shared/aws/clients.ts';
import { deadLetterQueueOf } from '../../shared/operations/queues.ts';
import type { StatusReport } from '../../shared/operations/status.ts';
import { startSimulator, type Simulator } from '../../infra/local/simulator/server.ts';
import type { LocalStackFile } from '../../infra/local/stack-file.ts';
import { profileFromEnvironment } from '../support/simulator.ts';

jest.setTimeout(300_000);

const ROOT = join(__dirname, '..', '..');
const children = new Set<ChildProcess>();

function baseEnv(dataDir: string, extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (name.startsWith('TENCENT_MEETING_') || name.startsWith('TEST_') || name.startsWith('AWS_ENDPOINT') || name === 'ARCHIVE_API_TOKEN') continue;
    env[name] = value;
  }
  return { ...env, PORT: '0', SIMULATOR_PORT: '0', DYNAMODB_PORT: '0', S3_EMULATOR_PORT: '0', SQS_EMULATOR_PORT: '0', DATA_DIR: dataDir, RECONCILE_INTERVAL_MINUTES: '0', ...extra };
}

function run(script: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [`infra/local/${script}.ts`, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) =>
    child.once('exit', (code) => {
      children.delete(child);
      resolve({ code, stdout, stderr });
    }),
  );
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

describe('operations commands against a running local stack', () => {
  let simulator: Simulator;
  let dataDir: string;
  let stackChild: ChildProcess;
  let stackOutput = '';
  let env: NodeJS.ProcessEnv;
  let clients: AwsClients;
  let stackFile: LocalStackFile;
  let apiUrl: string;
  let apiToken: string;

  beforeAll(async () => {
    simulator = await startSimulator({ port: 0, ...profileFromEnvironment() });
    // On a loaded machine DynamoDB Local may take longer than the stack's 30 s to start, or refuse
    // its first request (the stack then exits: "could not start"): a user would start it again, and so does this.
    for (let attempt = 1; ; attempt += 1) {
      dataDir = mkdtempSync(join(tmpdir(), 'tma-ops-'));
      // A retryable failure comes back after 2 s, so SQS's own redrive (5 receives) happens within seconds.
      const stackEnv = baseEnv(dataDir, { ...simulator.env(), INGEST_VISIBILITY_TIMEOUT_SECONDS: '2' });
      stackOutput = '';
      const child = spawn(process.execPath, ['infra/local/start.ts'], { cwd: ROOT, env: stackEnv, stdio: ['ignore', 'pipe', 'pipe'] });
      stackChild = child;
      children.add(child);
      child.stdout!.on('data', (chunk: Buffer) => (stackOutput += chunk.toString()));
      child.stderr!.on('data', (chunk: Buffer) => (stackOutput += chunk.toString()));
      const ready = await waitFor('the stack to start or exit', async () => (/^Ready\. /m.test(stackOutput) ? true : child.exitCode !== null ? false : undefined), 180_000);
      if (ready) break;
      children.delete(child);
      rmSync(dataDir, { recursive: true, force: true });
      if (attempt >= 3 || !/could not start/.test(stackOutput)) throw new Error(`the stack did not start:\n${stackOutput}`);
    }
    stackFile = JSON.parse(readFileSync(join(dataDir, 'local-stack.json'), 'utf8')) as LocalStackFile;
    clients = createAwsClients({ dynamodbEndpoint: stackFile.dynamodbEndpoint!, s3Endpoint: stackFile.s3Endpoint!, sqsEndpoint: stackFile.sqsEndpoint!, forcePathStyle: true, region: 'us-east-1' });
    apiUrl = stackFile.urls!.api!;
    apiToken = /^\s+API token:\s+(\S+)/m.exec(stackOutput)![1]!;
    // The commands are given what a user pointing at Tencent exports: the credentials, and DATA_DIR.
    env = baseEnv(dataDir, simulator.env());
  }, 240_000);

  afterAll(async () => {
    for (const client of Object.values(clients ?? {})) client.destroy();
    if (stackChild && stackChild.exitCode === null) {
      stackChild.kill('SIGTERM');
      await new Promise((resolve) => stackChild.once('exit', resolve));
    }
    for (const child of children) child.kill('SIGKILL');
    await simulator?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const operator = () => simulator.credentials.operatorId;
  const meeting = (subject: string, state: 1 | 2 | 3 = 3) =>
    simulator.model.createMeeting({ subject, hostUserId: operator(), startTimeMs: Date.now() - 3_600_000, state, files: [{ sizeBytes: 200_000 + subject.length }] });
  const statusJson = async (): Promise<StatusReport> => {
    const result = await run('status', ['--json'], env);
    expect(result).toMatchObject({ code: 0 });
    return JSON.parse(result.stdout) as StatusReport;
  };
  const dlqDepth = async () => {
    const url = await deadLetterQueueOf(clients.sqs, stackFile.ingestQueueUrl!);
    const { Attributes: a = {} } = await clients.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
    );
    return Number(a.ApproximateNumberOfMessages) + Number(a.ApproximateNumberOfMessagesNotVisible);
  };
  const archiveStatus = async (meetingRecordId: string) => {
    const response = await fetch(`${apiUrl}/records/${meetingRecordId}`, { headers: { authorization: `Bearer ${apiToken}` } });
    return response.status === 200 ? ((await response.json()) as { record_files: Array<{ archive: { status: string } }> }).record_files.map((f) => f.archive.status) : [];
  };

  it('archive archives a meeting on demand by meeting id, meeting code and record file id, waiting until archived; status counts them', async () => {
    const byId = meeting('Ops: by meeting id');
    const byCode = meeting('Ops: by meeting code');
    const byFile = meeting('Ops: by record file id');
    // Nothing announced these: no webhook, no sweep (RECONCILE_INTERVAL_MINUTES=0). Only the command archives them.
    const [a, b, c] = await Promise.all([
      run('archive', ['--meeting-id', byId.meetingId], env),
      run('archive', ['--meeting-code', byCode.meetingCode], env),
      run('archive', ['--record-file-id', byFile.files[0]!.recordFileId], env),
    ]);
    for (const [result, recording] of [[a, byId], [b, byCode], [c, byFile]] as const) {
      expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
      expect(result.stdout).toContain(`file ${recording.files[0]!.recordFileId} "${recording.subject}": archived`);
      expect(result.stdout).toMatch(/^Archived: 1 file, /m);
      expect(await archiveStatus(recording.meetingRecordId)).toEqual(['archived']);
    }
    expect(a.stdout).toContain(`Enqueued 1 archive-meeting message for meeting ${byId.meetingId}`);
    // The code resolved to its meeting through GET /v1/meetings?meeting_code=.
    expect(b.stdout).toContain(`Enqueued 1 archive-meeting message for meeting ${byCode.meetingId}`);
    expect(simulator.counters.endpoints.meetingsByCode.requests).toBeGreaterThan(0);
    // A file the index does not know is resolved through /v1/addresses/{id}, as for an event without meeting_info.
    expect(c.stdout).toContain('Enqueued 1 resolve-file message');

    const unknownCode = await run('archive', ['--meeting-code', '999000111'], env);
    expect(unknownCode.code).toBe(1);
    expect(unknownCode.stderr).toContain('no meeting has the code 999000111');

    const report = await statusJson();
    expect(report.files.archived).toBeGreaterThanOrEqual(3);
    expect(report.archivedToday.files).toBeGreaterThanOrEqual(3);
    expect(report.archivedToday.bytes).toBeGreaterThanOrEqual(3 * 200_000);
    expect(report.queues.deadLetter.visible).toBe(0);
    const text = await run('status', [], env);
    expect(text.stdout).toMatch(/files\s+archived \d+ {2}copying 0/);
    expect(text.stdout).toContain('Dead-letter queue: 0 messages');
  });

  it('redrive lists and moves DLQ messages the worker sent there itself and those SQS moved after 5 receives; each is archived after', async () => {
    // SQS's redrive: a recording still transcoding whose message already used up its deferrals
    // fails (retryably) on every receive, until SQS moves it to the DLQ after the fifth.
    const transcoding = meeting('Ops: still transcoding', 2);
    const file = simulator.model.getRecording(transcoding.meetingRecordId)!.files[0]!;
    const nowSec = Math.floor(Date.now() / 1000);
    await clients.sqs.send(
      new SendMessageCommand({
        QueueUrl: stackFile.ingestQueueUrl!,
        MessageBody: JSON.stringify({
          kind: 'archive-file',
          reason: 'reconcile',
          meetingId: transcoding.meetingId,
          meetingRecordId: transcoding.meetingRecordId,
          recordFileId: file.recordFileId,
          windowStartSec: nowSec - 86_400,
          windowEndSec: nowSec,
          deferrals: 30,
        }),
      }),
    );
    await waitFor('SQS to dead-letter the transcoding file', async () => ((await dlqDepth()) >= 1 ? true : undefined));

    // The worker's own: credentials refused by Tencent (200003) cannot succeed on retry.
    const refused = meeting('Ops: credentials refused');
    simulator.faults.arm('records', 1000, { status: 400, errorCode: 200003, message: '签名校验失败 (injected)' });
    const enqueued = await run('archive', ['--meeting-id', refused.meetingId, '--no-wait'], env);
    expect(enqueued.code).toBe(0);
    await waitFor('the worker to dead-letter the refused meeting', async () => ((await dlqDepth()) >= 2 ? true : undefined));
    simulator.faults.reset();

    const dry = await run('redrive', ['--dry-run', '--json'], env);
    expect(dry.code).toBe(0);
    const listed = dry.stdout.trim().split('\n').map((line) => JSON.parse(line) as { kind: string; ids: Record<string, string>; origin: { by: string; reason: string }; moved: boolean });
    expect(listed).toHaveLength(2);
    const bySqs = listed.find((m) => m.ids.recordFileId === file.recordFileId)!;
    expect(bySqs).toMatchObject({ kind: 'archive-file', origin: { by: 'redrive' }, moved: false });
    expect(bySqs.origin.reason).toContain('failed 5 receives');
    const byWorker = listed.find((m) => m.ids.meetingId === refused.meetingId)!;
    expect(byWorker).toMatchObject({ kind: 'archive-meeting', origin: { by: 'worker' }, moved: false });
    expect(byWorker.origin.reason).toMatch(/^TencentApiError: .*200003/);
    // A dry run moves nothing: both are still there, and visible again at once.
    expect(await dlqDepth()).toBe(2);
    const dryText = await run('redrive', ['--dry-run'], env);
    expect(dryText.stdout).toContain('2 messages in the dead-letter queue');
    expect(dryText.stdout).toContain('sent by the worker: TencentApiError');
    // fauxqs counts a message whose hold expired as in flight until the next receive; SQS as visible.
    const { deadLetter } = (await statusJson()).queues;
    expect(deadLetter.visible + deadLetter.inFlight).toBe(2);

    // The causes are fixed (the recording finished transcoding, Tencent takes the credentials again): redrive.
    simulator.model.setState(transcoding.meetingRecordId, 3);
    const moved = await run('redrive', [], env);
    expect({ code: moved.code, stderr: moved.stderr }).toEqual({ code: 0, stderr: '' });
    expect(moved.stdout).toContain('Moved 2 messages to the ingest queue');
    expect(await dlqDepth()).toBe(0);
    // The SQS-redriven message had used up its deferrals: redriven, its waiting budget starts over.
    await waitFor('both to be archived', async () => {
      const states = [...(await archiveStatus(transcoding.meetingRecordId)), ...(await archiveStatus(refused.meetingRecordId))];
      return states.length === 2 && states.every((s) => s === 'archived') ? true : undefined;
    });
    const after = await run('redrive', ['--dry-run'], env);
    expect(after.stdout).toContain('0 messages in the dead-letter queue');
  });
});
