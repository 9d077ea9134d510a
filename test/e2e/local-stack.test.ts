// End to end, as a user runs it: `node infra/local/start.ts` in a child process on free ports with
// a temporary DATA_DIR, driven only through its printed URLs. The Tencent side is a simulator in
// this test process, so the test sends the signed webhooks and knows every seeded byte.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, rmSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { getPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator, type Simulator } from '../../infra/local/simulator/server.ts';
import { WebhookSender } from '../../infra/local/simulator/webhook-sender.ts';
import { runMeetingLifecycle } from '../../infra/local/simulator/lifecycle.ts';
import { meetingFromRecording, recordingDeletedEvent } from '../../infra/local/simulator/webhook-events.ts';
import { seededSha256 } from '../../infra/local/simulator/seeded-bytes.ts';
import type { SimRecordFile } from '../../infra/local/simulator/model.ts';
import { DEMO_VIDEO } from '../../infra/local/demo.ts';
import { formatBytes } from '../../infra/local/console-log.ts';
import { ofType, readEventLines } from '../support/archive-events.ts';

jest.setTimeout(240_000);

const ROOT = join(__dirname, '..', '..');
const MiB = 1024 * 1024;

interface RunningStack {
  readonly child: ChildProcess;
  readonly webhookUrl: string;
  readonly apiUrl: string;
  readonly apiToken: string;
  readonly healthzUrl: string;
  readonly dynamodbUrl: string;
  output(): string;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

/** The environment a user would have, minus anything that would point the stack elsewhere. */
function baseEnv(dataDir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (name.startsWith('TENCENT_MEETING_') || name.startsWith('TEST_') || name.startsWith('AWS_ENDPOINT') || name === 'ARCHIVE_API_TOKEN') continue;
    env[name] = value;
  }
  return {
    ...env,
    PORT: '0',
    SIMULATOR_PORT: '0',
    DYNAMODB_PORT: '0',
    S3_EMULATOR_PORT: '0',
    SQS_EMULATOR_PORT: '0',
    DATA_DIR: dataDir,
    // Only webhooks may archive anything here: a reconcile sweep would hide a broken webhook path.
    RECONCILE_INTERVAL_MINUTES: '0',
    ...extra,
  };
}

function spawnStack(env: NodeJS.ProcessEnv, args: string[] = []): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ['infra/local/start.ts', ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

const children = new Set<ChildProcess>();

async function startStack(env: NodeJS.ProcessEnv, args: string[] = []): Promise<RunningStack> {
  const { child, output, exited } = spawnStack(env, args);
  children.add(child);
  // One loop with its own deadline: a pending 180 s timer in a race kept the jest worker from
  // exiting after the run ("A worker process has failed to exit gracefully").
  let hasExited = false;
  void exited.then(() => (hasExited = true));
  const deadline = Date.now() + 180_000;
  while (!/^Ready\. /m.test(output()) && !hasExited && Date.now() < deadline) await sleep(100);
  const ready = /^Ready\. /m.test(output());
  if (!ready) {
    child.kill('SIGKILL');
    throw new Error(`the stack did not become ready:\n${output()}`);
  }
  const field = (label: string) => {
    const match = new RegExp(`^\\s+${label}:\\s+(\\S+)`, 'm').exec(output());
    if (!match) throw new Error(`no "${label}" line in:\n${output()}`);
    return match[1]!;
  };
  return {
    child,
    webhookUrl: field('Webhook URL'),
    apiUrl: field('Archive API'),
    apiToken: field('API token'),
    healthzUrl: field('Health'),
    dynamodbUrl: /DynamoDB (http:\/\/\S+?),/.exec(output())![1]!,
    output,
    async stop() {
      child.kill('SIGTERM');
      const code = await exited;
      children.delete(child);
      return code;
    },
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function waitFor(condition: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(100);
  }
}

async function api<T>(stack: RunningStack, path: string): Promise<{ status: number; body: T }> {
  const response = await fetch(`${stack.apiUrl}${path}`, { headers: { authorization: `Bearer ${stack.apiToken}` } });
  return { status: response.status, body: (await response.json()) as T };
}

interface RecordBody {
  meeting_record_id: string;
  subject: string;
  record_files: Array<{ record_file_id: string; record_size: number; archive: { status: string; bytes: number | null; artifacts: Array<{ artifact: string; status: string }> } }>;
}

async function waitForArchived(stack: RunningStack, meetingRecordId: string, artifactsPerFile: number): Promise<RecordBody> {
  // Room for one redelivery after a visibility timeout on a very slow machine.
  const deadline = Date.now() + 180_000;
  let last: unknown;
  while (Date.now() < deadline) {
    const { status, body } = await api<RecordBody>(stack, `/records/${meetingRecordId}`);
    last = body;
    if (
      status === 200 &&
      body.record_files.length > 0 &&
      body.record_files.every((file) => file.archive.status === 'archived' && file.archive.artifacts.filter((a) => a.status === 'archived').length === artifactsPerFile)
    ) {
      return body;
    }
    await sleep(500);
  }
  throw new Error(`not archived in time; last answer ${JSON.stringify(last)}\n${stack.output()}`);
}

interface Addresses {
  download_address?: string;
  audio_address?: string;
  meeting_summary: Array<{ download_address: string; file_type: string }>;
}

/** Downloads every archived artifact of a file through the presigned links and compares it with the simulator's seeded bytes. */
async function expectExactBytes(stack: RunningStack, file: SimRecordFile): Promise<void> {
  const { status, body } = await api<Addresses>(stack, `/addresses/${file.recordFileId}`);
  expect(status).toBe(200);
  const links: Record<string, string | undefined> = {
    video: body.download_address,
    audio: body.audio_address,
    'transcript-0-txt': body.meeting_summary[0]?.download_address,
  };
  for (const artifact of file.artifacts) {
    const link = links[artifact.name];
    expect({ artifact: artifact.name, hasLink: Boolean(link) }).toEqual({ artifact: artifact.name, hasLink: true });
    const response = await fetch(link!);
    expect(response.status).toBe(200);
    const bytes = Buffer.from(await response.arrayBuffer());
    expect({ artifact: artifact.name, size: bytes.length }).toEqual({ artifact: artifact.name, size: artifact.size });
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    expect({ artifact: artifact.name, sha256 }).toEqual({ artifact: artifact.name, sha256: await seededSha256(artifact.seed, artifact.size) });
  }
}

async function portAnswers(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port) });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** An SQLite file's journal mode from its header (bytes 18 and 19: 1 rollback journal, 2 write-ahead log). */
function journalModeOf(file: string): 'rollback' | 'wal' | 'unknown' {
  const header = Buffer.alloc(20);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, header, 0, header.length, 0);
  } finally {
    closeSync(fd);
  }
  if (header[18] === 2 && header[19] === 2) return 'wal';
  return header[18] === 1 && header[19] === 1 ? 'rollback' : 'unknown';
}

/** Puts an SQLite file back in rollback-journal mode, as DynamoDB Local left it before the stack used WAL. */
function toRollbackJournal(file: string): void {
  const script = `const db = new (require('node:sqlite').DatabaseSync)(${JSON.stringify(file)}); db.exec('PRAGMA journal_mode = DELETE'); db.close();`;
  const result = spawnSync(process.execPath, ['--no-warnings', '-e', script], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`could not change the journal mode of ${file}: ${result.stderr}`);
}

describe('local stack (npm start) end to end', () => {
  const dirs: string[] = [];
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'tma-e2e-'));
    dirs.push(dir);
    return dir;
  };

  afterAll(() => {
    for (const child of children) child.kill('SIGKILL');
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  describe('against a Tencent Meeting API (the simulator, in this process)', () => {
    let simulator: Simulator;

    beforeAll(async () => {
      simulator = await startSimulator({ port: 0 });
    });

    afterAll(async () => {
      await simulator.stop();
    });

    it('archives a recording announced by signed webhooks with the exact bytes, and keeps it across a restart', async () => {
      const dataDir = tempDir();
      const env = baseEnv(dataDir, simulator.env());
      const stack = await startStack(env);
      let restarted: RunningStack | undefined;
      try {
        expect(stack.output()).toContain(`Tencent:       ${simulator.url}`);

        const sender = new WebhookSender({
          url: stack.webhookUrl,
          token: simulator.credentials.webhookToken,
          encodingAesKey: simulator.credentials.encodingAesKey,
          retryDelaysMs: [500, 1000, 2000],
        });
        const verification = await sender.verify();
        expect(verification).toMatchObject({ ok: true, status: 200 });

        // Sizes that are not multiples of any part size, so a dropped or repeated tail shows.
        const lifecycle = await runMeetingLifecycle(simulator, sender, {
          subject: 'E2E: quarterly review',
          hostUserId: simulator.credentials.operatorId,
          files: [{ sizeBytes: 23 * MiB + 12_345, audioBytes: MiB + 7, transcripts: [{ fileType: 'txt' }] }],
        });
        expect(lifecycle.ok).toBe(true);
        const { recording } = lifecycle;
        const file = recording.files[0]!;

        const archived = await waitForArchived(stack, recording.meetingRecordId, 3);
        expect(archived.subject).toBe('E2E: quarterly review');
        expect(archived.record_files[0]).toMatchObject({ record_file_id: file.recordFileId, record_size: file.recordSize, archive: { bytes: file.recordSize } });
        await expectExactBytes(stack, file);

        // The archive API is not open: the token printed at start is required.
        expect((await fetch(`${stack.apiUrl}/records/${recording.meetingRecordId}`)).status).toBe(401);
        const listed = await api<{ total_count: number; record_meetings: Array<{ meeting_record_id: string }> }>(
          stack,
          `/records?meeting_id=${recording.meetingId}&start_time=0&end_time=4102444800`,
        );
        expect(listed.body.record_meetings.map((m) => m.meeting_record_id)).toEqual([recording.meetingRecordId]);

        const health = await fetch(stack.healthzUrl);
        expect(health.status).toBe(200);
        expect(await health.json()).toMatchObject({
          status: 'ok',
          components: { dynamodb: { status: 'ok' }, s3: { status: 'ok' }, ingestQueue: { status: 'ok', visible: 0 }, deadLetterQueue: { status: 'ok', visible: 0 } },
        });

        expect(stack.output()).toMatch(/\[ingest\] copied \d+\/video: 23\.0 MiB \/ 23\.0 MiB \(100%\)/);
        // The parts that move bulk data yield the CPUs to the webhook's path.
        const { processes } = JSON.parse(readFileSync(join(dataDir, 'local-stack.json'), 'utf8')) as { processes: Record<string, number> };
        const niceOf = (part: string) => getPriority(processes[part]!);
        expect({ s3Emulator: niceOf('s3Emulator'), ingestWorker: niceOf('ingestWorker'), functions: niceOf('functions'), emulators: niceOf('emulators'), dynamodb: niceOf('dynamodb') }).toEqual({
          s3Emulator: Math.min(19, getPriority() + 10),
          ingestWorker: Math.min(19, getPriority() + 10),
          functions: getPriority(),
          emulators: getPriority(),
          dynamodb: getPriority(),
        });
        expect(await stack.stop()).toBe(0);
        expect(stack.output()).toMatch(/stopped\n/);
        // DynamoDB Local (a Java child process) went down with the stack.
        expect(await portAnswers(stack.dynamodbUrl)).toBe(false);
        // Its one database (the stack's clients' access key and region) is in write-ahead-log mode
        // from the first start; a file an earlier version left in rollback mode is converted on start.
        const dynamoDir = join(dataDir, 'dynamodb');
        expect(readdirSync(dynamoDir).filter((name) => name.endsWith('.db'))).toEqual(['local_us-east-1.db']);
        const database = join(dynamoDir, 'local_us-east-1.db');
        expect(journalModeOf(database)).toBe('wal');
        toRollbackJournal(database);
        expect(journalModeOf(database)).toBe('rollback');

        restarted = await startStack(env);
        expect(restarted.apiToken).toBe(stack.apiToken);
        const again = await api<RecordBody>(restarted, `/records/${recording.meetingRecordId}`);
        expect(again.status).toBe(200);
        expect(again.body.record_files[0]!.archive.status).toBe('archived');
        await expectExactBytes(restarted, file);
        expect(await restarted.stop()).toBe(0);
        expect(journalModeOf(database)).toBe('wal');
      } finally {
        if (stack.child.exitCode === null) await stack.stop();
        if (restarted && restarted.child.exitCode === null) await restarted.stop();
      }
    });

    it('answers and queues webhooks while the S3 emulator is stopped, and archives once S3 answers again', async () => {
      const dataDir = tempDir();
      const stack = await startStack(baseEnv(dataDir, simulator.env()));
      const stackFile = JSON.parse(readFileSync(join(dataDir, 'local-stack.json'), 'utf8')) as {
        s3Endpoint?: string;
        sqsEndpoint?: string;
        processes?: { emulators?: number; s3Emulator?: number };
      };
      const s3Pid = stackFile.processes?.s3Emulator;
      let paused = false;
      try {
        // S3 and SQS in two processes: a frozen S3 (standing in for one busy completing a large
        // object) cannot hold up the queue a webhook sends to.
        expect(typeof s3Pid).toBe('number');
        expect(s3Pid).not.toBe(stackFile.processes?.emulators);
        expect(new URL(stackFile.s3Endpoint!).port).not.toBe(new URL(stackFile.sqsEndpoint!).port);
        process.kill(s3Pid!, 'SIGSTOP');
        paused = true;
        // No retries, and room for a slow machine: a delivery that waited on S3 would hit the
        // gateway's 10 s deadline and be answered 5xx.
        const sender = new WebhookSender({
          url: stack.webhookUrl,
          token: simulator.credentials.webhookToken,
          encodingAesKey: simulator.credentials.encodingAesKey,
          retryDelaysMs: [],
          timeoutMs: 30_000,
        });
        const lifecycle = await runMeetingLifecycle(simulator, sender, {
          subject: 'E2E: S3 stalled',
          hostUserId: simulator.credentials.operatorId,
          files: [{ sizeBytes: 3 * MiB + 5 }],
        });
        expect(lifecycle.ok).toBe(true);
        // Nothing can be archived while S3 is frozen: the copy waits.
        const pending = await api<Partial<RecordBody>>(stack, `/records/${lifecycle.recording.meetingRecordId}`);
        expect(pending.body.record_files?.[0]?.archive.status).not.toBe('archived');

        process.kill(s3Pid!, 'SIGCONT');
        paused = false;
        await waitForArchived(stack, lifecycle.recording.meetingRecordId, 1);
        await expectExactBytes(stack, lifecycle.recording.files[0]!);
      } finally {
        if (paused) process.kill(s3Pid!, 'SIGCONT');
        expect(await stack.stop()).toBe(0);
      }
    });

    it('runs into the ingest deadline on a slow download, continues in a new message, and still archives the exact bytes', async () => {
      // 20 s timeout → the ingest handler stops starting parts ~15 s in (and aborts at 17.5 s). At
      // 1 MiB/s per connection and 4 connections with 8 MiB parts, two waves of parts start before
      // that and the rest cannot. Both are set here rather than taken from the defaults: with the
      // default 8 connections and the local 10 MiB parts all 80 MiB arrive in one 10 s wave, before
      // the deadline, and nothing continues.
      const stack = await startStack(
        baseEnv(tempDir(), { ...simulator.env(), INGEST_TIMEOUT_SECONDS: '20', COPY_CONNECTIONS: '4', COPY_MAX_PART_SIZE_BYTES: String(8 * MiB), LOG_LEVEL: 'INFO' }),
      );
      simulator.downloads.faults.throttle({ bytesPerSecond: MiB });
      try {
        const sender = new WebhookSender({ url: stack.webhookUrl, token: simulator.credentials.webhookToken, encodingAesKey: simulator.credentials.encodingAesKey });
        const { recording, ok } = await runMeetingLifecycle(simulator, sender, {
          subject: 'E2E: long copy',
          hostUserId: simulator.credentials.operatorId,
          files: [{ sizeBytes: 80 * MiB + 3 }],
        });
        expect(ok).toBe(true);
        await waitForArchived(stack, recording.meetingRecordId, 1);
        simulator.downloads.faults.clear();
        await expectExactBytes(stack, recording.files[0]!);
        expect(stack.output()).toContain('copy paused before the deadline; continuing in a new message');
        // Progress of a copy in flight reaches the console with bytes, percentage and rate.
        expect(stack.output()).toMatch(/\[ingest\] copying \d+\/video: [\d.]+ MiB \/ 80\.0 MiB \(\d+%\) at [\d.]+ [KM]iB\/s/);
      } finally {
        simulator.downloads.faults.clear();
        expect(await stack.stop()).toBe(0);
      }
    });

    it('applies every documented function setting as in AWS: deletion policy, link lifetime, part size, reconcile window', async () => {
      const stack = await startStack(
        baseEnv(tempDir(), {
          ...simulator.env(),
          DELETION_POLICY: 'mirror',
          PRESIGN_TTL_SECONDS: '120',
          COPY_MAX_PART_SIZE_BYTES: String(6 * MiB),
          RECONCILE_WINDOW_HOURS: '6',
          // The schedule's first sweep runs 30 s after the start; its log line shows the window.
          RECONCILE_INTERVAL_MINUTES: '60',
          LOG_LEVEL: 'INFO',
        }),
      );
      try {
        const sender = new WebhookSender({ url: stack.webhookUrl, token: simulator.credentials.webhookToken, encodingAesKey: simulator.credentials.encodingAesKey });
        const { recording, ok } = await runMeetingLifecycle(simulator, sender, {
          subject: 'E2E: settings',
          hostUserId: simulator.credentials.operatorId,
          files: [{ sizeBytes: 13 * MiB + 5 }],
        });
        expect(ok).toBe(true);
        const file = recording.files[0]!;
        const archived = await waitForArchived(stack, recording.meetingRecordId, 1);

        // COPY_MAX_PART_SIZE_BYTES: 6 MiB parts make three of 13 MiB (the local default, 8 MiB, two);
        // the composite checksum names the part count.
        const detail = await api<{ record_files: Array<{ archive: { artifacts: Array<{ artifact: string; checksum: string | null }> } }> }>(
          stack,
          `/records/${recording.meetingRecordId}`,
        );
        expect(detail.body.record_files[0]!.archive.artifacts.find((a) => a.artifact === 'video')!.checksum).toMatch(/^CRC32:\S+-3$/);
        expect(archived.record_files[0]!.archive.bytes).toBe(file.recordSize);

        // PRESIGN_TTL_SECONDS: the download link lives 120 s, not the default 600.
        const addresses = await api<Addresses>(stack, `/addresses/${file.recordFileId}`);
        expect(new URL(addresses.body.download_address!).searchParams.get('X-Amz-Expires')).toBe('120');
        expect((await fetch(addresses.body.download_address!)).status).toBe(200);

        // DELETION_POLICY=mirror: Tencent deletes the recording, and the archived copy goes too.
        simulator.model.deleteFile(file.recordFileId);
        const deleted = await sender.deliver(recordingDeletedEvent(meetingFromRecording(recording), [file.recordFileId]));
        expect(deleted.every((record) => record.ok)).toBe(true);
        const deadline = Date.now() + 60_000;
        let status = '';
        while (Date.now() < deadline && status !== 'deleted') {
          status = (await api<RecordBody>(stack, `/records/${recording.meetingRecordId}`)).body.record_files[0]!.archive.status;
          if (status !== 'deleted') await sleep(300);
        }
        expect(status).toBe('deleted');
        expect((await api<Addresses>(stack, `/addresses/${file.recordFileId}`)).body.download_address ?? null).toBeNull();
        // The object itself goes too (right after the index says deleted, which comes first so a
        // copy in flight cannot end archived): the link served before the deletion stops finding it.
        let linkStatus = 200;
        while (Date.now() < deadline && linkStatus !== 404) {
          linkStatus = (await fetch(addresses.body.download_address!)).status;
          if (linkStatus !== 404) await sleep(300);
        }
        expect(linkStatus).toBe(404);

        // RECONCILE_WINDOW_HOURS: the scheduled sweep plans a 6-hour window (the default is 48).
        const sweepLine = async (): Promise<{ planStart: string; planEnd: string } | undefined> => {
          const line = stack.output().split('\n').find((l) => l.includes('reconcile sweep finished'));
          const field = (name: string) => new RegExp(`\\b${name}=(\\S+)`).exec(line ?? '')?.[1];
          return line ? { planStart: field('planStart')!, planEnd: field('planEnd')! } : undefined;
        };
        const sweepDeadline = Date.now() + 90_000;
        let sweep = await sweepLine();
        while (!sweep && Date.now() < sweepDeadline) {
          await sleep(500);
          sweep = await sweepLine();
        }
        expect(sweep).toBeDefined();
        expect((Date.parse(sweep!.planEnd) - Date.parse(sweep!.planStart)) / 3_600_000).toBe(6);
      } finally {
        expect(await stack.stop()).toBe(0);
      }
    });

    it('refuses to start with a function setting it cannot use, naming the variable', async () => {
      const bogus = spawnStack(baseEnv(tempDir(), { ...simulator.env(), DELETION_POLICY: 'bogus' }));
      expect(await bogus.exited).toBe(2);
      expect(bogus.output()).toContain('DELETION_POLICY must be "retain" or "mirror"');
    });

    it('refuses to start with credentials Tencent rejects, naming what to check', async () => {
      const wrongKey = spawnStack(baseEnv(tempDir(), { ...simulator.env(), TENCENT_MEETING_SECRET_KEY: 'x'.repeat(32) }));
      expect(await wrongKey.exited).toBe(1);
      expect(wrongKey.output()).toContain('error_code 200003');
      expect(wrongKey.output()).toContain('TENCENT_MEETING_SECRET_KEY');

      const wrongId = spawnStack(baseEnv(tempDir(), { ...simulator.env(), TENCENT_MEETING_SECRET_ID: 'AKIDwrong' }));
      expect(await wrongId.exited).toBe(1);
      expect(wrongId.output()).toContain('error_code 190303');
      expect(wrongId.output()).toContain('TENCENT_MEETING_SECRET_ID');
    });
  });

  it('by default runs the simulator and archives the demo meeting on its own, and publishes its Recording Archived to .data/events.jsonl', async () => {
    const dataDir = tempDir();
    const stack = await startStack(baseEnv(dataDir));
    try {
      expect(stack.output()).toContain('webhook URL verified by the simulator');
      const deadline = Date.now() + 120_000;
      let demo: { meeting_record_id: string; record_files: Array<{ record_file_id: string; archive: { status: string } }> } | undefined;
      while (Date.now() < deadline) {
        const { body } = await api<{ record_meetings: Array<{ meeting_record_id: string; subject: string; record_files: Array<{ record_file_id: string; archive: { status: string } }> }> }>(
          stack,
          '/corp/records?start_time=0&end_time=4102444800',
        );
        demo = body.record_meetings.find((meeting) => meeting.subject === 'Demo: weekly sync');
        if (demo && demo.record_files.length > 0 && demo.record_files.every((file) => file.archive.status === 'archived')) break;
        await sleep(500);
      }
      expect(demo?.record_files.every((file) => file.archive.status === 'archived')).toBe(true);
      // The demo's video is a real, playable MP4 (the console plays it), copied whole.
      expect(stack.output()).toContain(`/video: ${formatBytes(DEMO_VIDEO.length)}`);
      await waitFor(() => /demo meeting archived/.test(stack.output()));

      // One Recording Archived per demo file, as a JSON line matching its committed schema, and a console line.
      const eventsFile = join(dataDir, 'events.jsonl');
      await waitFor(() => ofType(readEventLines(eventsFile), 'Recording Archived').length >= demo!.record_files.length);
      const archived = ofType(readEventLines(eventsFile), 'Recording Archived');
      expect(archived.map((e) => e.detail.record_file_id).sort()).toEqual(demo!.record_files.map((f) => f.record_file_id).sort());
      expect(archived.every((e) => e.detail.meeting_record_id === demo!.meeting_record_id && e.detail.subject === 'Demo: weekly sync')).toBe(true);
      expect(archived[0]!.detail.artifacts.map((a) => a.status)).toEqual(archived[0]!.detail.artifacts.map(() => 'archived'));
      expect(stack.output()).toMatch(new RegExp(`\\[events\\] event Recording Archived  .*record_file_id=${archived[0]!.detail.record_file_id}`));

      // The download link saves under the name it asks for, as S3 does with response-content-disposition.
      const { body: addresses } = await api<Addresses>(stack, `/addresses/${demo!.record_files[0]!.record_file_id}`);
      const video = await fetch(addresses.download_address!, { method: 'HEAD' });
      const asked = new URL(addresses.download_address!).searchParams.get('response-content-disposition');
      expect(asked).toContain('Demo_ weekly sync-');
      expect(video.headers.get('content-disposition')).toBe(asked);
      // The demo's transcript is text a newcomer can read, Chinese and English lines.
      const transcript = await (await fetch(addresses.meeting_summary[0]!.download_address)).text();
      expect(transcript).toMatch(/^\[00:00:05\] 王芳 \(Wang Fang\): 大家好/m);
      expect(transcript).toMatch(/^\[00:00:18\] David Chen: Thanks\./m);

      // One readable console: no JSON blobs from the functions, no empty-metrics notices, no 404 from the demo's own polling.
      expect(await (await fetch(stack.webhookUrl, { method: 'POST', body: '{}' })).status).toBe(401);
      await waitFor(() => /POST \/webhooks\/tencent-meeting → 401/.test(stack.output()));
      expect(stack.output()).toMatch(/WARN \[webhook\] webhook request rejected  status=401/);
      expect(stack.output()).not.toMatch(/^\{"level"/m);
      expect(stack.output()).not.toContain('No application metrics to publish');
      expect(stack.output()).not.toMatch(/GET \/v1\/records\/\S+ → 404/);
      // The banner's copy-paste lines carry the real port and token (the README's quick start pastes them).
      expect(stack.output()).toContain(`export ARCHIVE_API_URL='${stack.apiUrl}' ARCHIVE_API_TOKEN='${stack.apiToken}'`);
      expect(stack.output()).toContain('curl -s -H "Authorization: Bearer $ARCHIVE_API_TOKEN" "$ARCHIVE_API_URL/corp/records?start_time=');
    } finally {
      expect(await stack.stop()).toBe(0);
    }
  });

  it('names the port and the variable when a port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const attempt = spawnStack(baseEnv(tempDir(), { PORT: String(port) }));
      expect(await attempt.exited).toBe(1);
      expect(attempt.output()).toContain(`Port ${port} is already in use`);
      expect(attempt.output()).toContain('PORT=<port>');
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it('explains how to install Java when it is missing', async () => {
    const attempt = spawnStack({ ...baseEnv(tempDir()), PATH: '/nonexistent' });
    expect(await attempt.exited).toBe(1);
    expect(attempt.output()).toContain('DynamoDB Local needs Java 17');
    expect(attempt.output()).toContain('openjdk-17-jre-headless');
  });
});
