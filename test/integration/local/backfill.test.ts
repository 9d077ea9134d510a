// The backfill command end to end, in-process: real simulator over HTTP, real emulators, the
// shared budget on a fake clock that the simulator's rate limiter shares (waits pass instantly).
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runBackfill, EXIT, type BackfillIo } from '../../../infra/local/backfill/command.ts';
import { localStackFilePath } from '../../../infra/local/stack-file.ts';
import { TencentMeetingClient } from '../../../shared/tencent/client.ts';
import { UNLIMITED } from '../../../shared/tencent/rate-limiter.ts';
import { parseTencentConfig } from '../../../shared/tencent/config.ts';
import { fileStatus } from '../../../shared/archive/model.ts';
import { ArchiveIndex } from '../../../shared/archive/archive-index.ts';
import { createIngestHandler } from '../../../functions/ingest/handler.ts';
import { buildIngestService } from '../../../shared/ingest/wiring.ts';
import { startSimulator } from '../../../infra/local/simulator/server.ts';
import { createLogger } from '../../../shared/observability/logger.ts';
import { createTestResources, destroyClients } from '../../support/aws.ts';
import { DAY_MS, FakeClock, drainQueue, markArchived, quietEnv } from '../reconcile/support.ts';
import type { ArchiveFileMessage } from '../../../shared/ingest/messages.ts';

quietEnv();

function output(onLine?: (line: string, count: number) => void) {
  const lines: string[] = [];
  const stdout = {
    isTTY: false,
    write(chunk: string) {
      for (const line of chunk.split('\n').filter(Boolean)) {
        lines.push(line);
        onLine?.(line, lines.length);
      }
      return true;
    },
  };
  const errors: string[] = [];
  return { lines, errors, stdout, stderr: { write: (chunk: string) => errors.push(chunk) } };
}

describe('npm run backfill (simulator + emulators)', () => {
  jest.setTimeout(300_000);

  it('imports 120 days and 520+ recordings once: dry run = what it enqueues, survives an interruption, then ingest archives it all', async () => {
    const clock = new FakeClock(Date.UTC(2026, 2, 1));
    const sim = await startSimulator({
      rateLimitNow: clock.now,
      seed: 'backfill-test',
      // corp/records keeps Tencent's 10/min; the ingest worker's many calls are not what is tested here.
      rateLimits: { corpRecordsPerWindow: 10, appPerWindow: 1_000_000 },
    });
    const resources = await createTestResources();
    try {
      const from = Date.UTC(2025, 8, 1); // 2025-09-01 .. 2025-12-29: 120 days, 4 legal windows
      const recordings = Array.from({ length: 530 }, (_, i) =>
        sim.model.createMeeting({
          subject: `history ${i}`,
          hostUserId: `user-${i % 11}`,
          startTimeMs: from + Math.floor((i * 119 * DAY_MS) / 530) + 3_600_000,
          files: Array.from({ length: i % 9 === 0 ? 2 : 1 }, (_, f) => ({ sizeBytes: 512 + ((i * 7 + f) % 300) })),
        }),
      );
      // Outside the range: never listed.
      sim.model.createMeeting({ subject: 'later', hostUserId: 'user-1', startTimeMs: Date.UTC(2026, 0, 15), files: [{ sizeBytes: 9 }] });
      // A few were archived by the webhook already: the backfill leaves them alone.
      const index = new ArchiveIndex({ dynamo: resources.clients.dynamo, tableName: resources.tableName });
      const alreadyArchived = recordings.filter((_, i) => i % 50 === 0);
      for (const r of alreadyArchived) await markArchived(index, r, resources.bucketName);
      const expectedFiles = recordings.filter((_, i) => i % 50 !== 0).flatMap((r) => r.files);
      const expectedBytes = expectedFiles.reduce((sum, f) => sum + f.recordSize, 0);

      const argv = ['--from', '2025-09-01', '--to', '2025-12-29', '--table', resources.tableName, '--queue-url', resources.ingestQueueUrl];
      const io = (out: ReturnType<typeof output>, signal?: AbortSignal): BackfillIo => ({
        stdout: out.stdout,
        stderr: out.stderr,
        env: { ...sim.env() },
        clients: resources.clients,
        now: clock.now,
        sleep: clock.sleep,
        ...(signal ? { signal } : {}),
      });

      // 1. Dry run: totals, nothing enqueued, no cursor.
      const dryOut = output();
      const dry = await runBackfill([...argv, '--dry-run'], io(dryOut));
      expect(dryOut.errors.join("")).toBe("");
      expect(dry.exitCode).toBe(EXIT.ok);
      expect(dry.result?.run).toMatchObject({
        meetings: 530,
        files: expectedFiles.length + alreadyArchived.flatMap((r) => r.files).length,
        filesArchived: alreadyArchived.flatMap((r) => r.files).length,
        filesEnqueued: expectedFiles.length,
        bytesEnqueued: expectedBytes,
        meetingsEnqueued: 530 - alreadyArchived.length,
      });
      expect(dryOut.lines.at(-1)).toContain(`would enqueue ${expectedFiles.length} files of ${530 - alreadyArchived.length} meetings`);
      expect(await drainQueue(resources)).toEqual([]);

      // 2. Interrupted after a few pages (Ctrl-C): exit 130, progress kept.
      const controller = new AbortController();
      const firstOut = output((line, count) => {
        if (/^window /.test(line) && count >= 8) controller.abort();
      });
      const first = await runBackfill(argv, io(firstOut, controller.signal));
      expect(first.exitCode).toBe(EXIT.interrupted);
      expect(first.result?.status).toBe('paused');
      const partial = first.result!.cursor.totals.filesEnqueued;
      expect(partial).toBeGreaterThan(0);
      expect(partial).toBeLessThan(expectedFiles.length);
      expect(firstOut.lines.join('\n')).toContain('Run the same command again');

      // 3. The same command again continues where it stopped.
      const secondOut = output();
      const second = await runBackfill(argv, io(secondOut));
      expect(second.exitCode).toBe(EXIT.ok);
      expect(second.result?.cursor.totals).toMatchObject({ filesEnqueued: expectedFiles.length, bytesEnqueued: expectedBytes });
      expect(second.result?.run.filesEnqueued).toBe(expectedFiles.length - partial);

      // Every file exactly once, with the backfill reason and a legal window.
      const messages = await drainQueue(resources);
      expect(messages).toHaveLength(expectedFiles.length);
      expect(new Set(messages.map((m) => m.recordFileId))).toEqual(new Set(expectedFiles.map((f) => f.recordFileId)));
      for (const m of messages) {
        expect(m.reason).toBe('backfill');
        expect(m.windowEndSec - m.windowStartSec).toBeLessThanOrEqual(31 * 86_400);
      }

      // 4. Run once more: already complete, nothing sent.
      const third = await runBackfill(argv, io(output()));
      expect(third).toMatchObject({ exitCode: EXIT.ok, result: { alreadyComplete: true } });
      expect(await drainQueue(resources)).toEqual([]);

      // The simulator never refused a corp/records call: the budget held on the shared clock.
      expect(sim.counters.endpoints.corpRecords.rejected).toBe(0);
      expect(sim.counters.endpoints.corpRecords.requests).toBe(dry.result!.run.pages + first.result!.run.pages + second.result!.run.pages);

      // 5. The ingest worker archives what the backfill enqueued.
      await ingestAll(messages, resources, sim.env());
      let archivedBytes = 0;
      for (const r of recordings) {
        for (const file of await index.listFiles(r.meetingRecordId)) {
          expect(fileStatus(file)).toBe('archived');
          if (!alreadyArchived.includes(r)) archivedBytes += file.artifacts.video?.bytes ?? 0;
        }
      }
      expect(archivedBytes).toBe(dry.result!.run.bytesEnqueued);
    } finally {
      await sim.stop();
      destroyClients(resources.clients);
    }
  });

  it('finds the running local stack in DATA_DIR, as `npm start` leaves it there', async () => {
    const clock = new FakeClock(Date.UTC(2026, 2, 1));
    const sim = await startSimulator({ rateLimitNow: clock.now, seed: 'backfill-data-dir' });
    const resources = await createTestResources();
    // The stack's DATA_DIR is neither the default `.data` nor under the command's working directory.
    const dataDir = mkdtempSync(join(tmpdir(), 'backfill-data-dir-'));
    const cwd = mkdtempSync(join(tmpdir(), 'backfill-cwd-'));
    try {
      const recording = sim.model.createMeeting({ subject: 'found', hostUserId: 'user-1', startTimeMs: Date.UTC(2026, 1, 10), files: [{ sizeBytes: 64 }] });
      writeFileSync(
        localStackFilePath(dataDir),
        JSON.stringify({
          dynamodbEndpoint: process.env.TEST_DYNAMODB_ENDPOINT,
          // npm start's S3 and SQS are two fauxqs; the tests' one serves both.
          s3Endpoint: process.env.TEST_AWS_ENDPOINT,
          sqsEndpoint: process.env.TEST_AWS_ENDPOINT,
          region: 'us-east-1',
          tableName: resources.tableName,
          ingestQueueUrl: resources.ingestQueueUrl,
          tencentEnv: sim.env(),
        }),
      );
      const out = output();
      // No target flags, no clients, no Tencent credentials: everything comes from the stack file.
      const outcome = await runBackfill(['--from', '2026-02-01', '--to', '2026-02-28'], {
        stdout: out.stdout,
        stderr: out.stderr,
        env: { DATA_DIR: dataDir },
        cwd,
        now: clock.now,
        sleep: clock.sleep,
      });
      expect(out.errors.join('')).toBe('');
      expect(outcome.exitCode).toBe(EXIT.ok);
      expect(out.lines[0]).toContain(`into the local stack (${process.env.TEST_DYNAMODB_ENDPOINT}, ${process.env.TEST_AWS_ENDPOINT})`);
      expect((await drainQueue(resources)).map((m) => m.recordFileId)).toEqual(recording.files.map((f) => f.recordFileId));
    } finally {
      await sim.stop();
      destroyClients(resources.clients);
      rmSync(dataDir, { recursive: true, force: true });
      rmSync(cwd, { recursive: true, force: true });
    }
  });

  it('refuses bad arguments with a clear message and a non-zero exit, touching nothing', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['--to', '2026-01-31'], /--from is required/],
      [['--from', '2026-02-01', '--to', '2026-01-01'], /--to \(2026-01-01\) is before --from/],
      [['--from', '2026-02-30', '--to', '2026-03-01'], /not a calendar date/],
      [['--from', '2026-01-01', '--to', '2026-01-31', '--queue-url', 'not a url'], /--queue-url must be an http/],
      [['--from', '2026-01-01', '--to', '2026-01-31', '--stack-outputs', 'does-not-exist.json'], /cannot read does-not-exist.json/],
      [['--from', '2026-01-01', '--to', '2026-01-31', '--queue-url', 'http://localhost:1/q'], /archive table is unknown/],
    ];
    for (const [argv, message] of cases) {
      const out = output();
      const outcome = await runBackfill(argv, { stdout: out.stdout, stderr: out.stderr, env: {}, now: () => Date.UTC(2026, 5, 1) });
      expect(outcome.exitCode).toBe(EXIT.usage);
      expect(out.errors.join('')).toMatch(message);
    }
  });
});

async function ingestAll(messages: readonly ArchiveFileMessage[], resources: Awaited<ReturnType<typeof createTestResources>>, tencentEnv: Record<string, string>) {
  const tencent = new TencentMeetingClient(parseTencentConfig(tencentEnv), { limiters: { app: UNLIMITED, corpRecords: UNLIMITED } });
  const logger = createLogger('ingest-test');
  const handler = createIngestHandler({
    service: buildIngestService({
      clients: resources.clients,
      tableName: resources.tableName,
      bucketName: resources.bucketName,
      queueUrl: resources.ingestQueueUrl,
      tencent,
      copy: { maxPartSizeBytes: 10 * 1024 * 1024 },
      downloadPolicy: { allowInsecureLoopback: true, hostAllowlist: [] },
      logger,
    }),
    logger,
  });
  const context = { awsRequestId: 'ingest', getRemainingTimeInMillis: () => 900_000 } as unknown as Context;
  const batches: SQSRecord[][] = [];
  messages.forEach((m, i) => {
    const record = {
      messageId: `m-${i}`,
      receiptHandle: `r-${i}`,
      body: JSON.stringify(m),
      attributes: { ApproximateReceiveCount: '1' },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:ingest',
      awsRegion: 'us-east-1',
    } as unknown as SQSRecord;
    if (i % 10 === 0) batches.push([]);
    batches.at(-1)!.push(record);
  });
  for (let i = 0; i < batches.length; i += 4) {
    const results = await Promise.all(batches.slice(i, i + 4).map((Records) => handler({ Records } as SQSEvent, context)));
    for (const result of results) expect(result.batchItemFailures).toEqual([]);
  }
}
