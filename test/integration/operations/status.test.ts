// `npm run status` over an index written through the worker's own write paths (ArchiveIndex, the
// copy checkpoint store, the parked-event store, the sweep cursor) on DynamoDB Local and fauxqs:
// what an operator reads, including a copy's rate and time left from its checkpoint.
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { ArchiveIndex } from '../../../shared/archive/archive-index.ts';
import type { ArtifactRecord } from '../../../shared/archive/model.ts';
import { DynamoCheckpointStore } from '../../../shared/copy/checkpoint-store.ts';
import { collectStatus } from '../../../shared/operations/status.ts';
import { CursorStore, emptyTotals } from '../../../shared/reconcile/cursor.ts';
import { RECONCILE_CURSOR_NAME } from '../../../shared/reconcile/reconcile-run.ts';
import { ParkedEventStore } from '../../../shared/webhook/parked-events.ts';
import { runStatus } from '../../../infra/local/operations/status-command.ts';
import { createTestResources, destroyClients, tableAndQueueOf } from '../../support/aws.ts';

const MiB = 1024 * 1024;
const DAY = 86_400_000;

describe('npm run status', () => {
  let resources: Awaited<ReturnType<typeof createTestResources>>;
  const now = Date.now();

  beforeAll(async () => {
    resources = await createTestResources();
    const { dynamo } = resources.clients;
    const index = new ArchiveIndex({ dynamo, tableName: resources.tableName });
    const recording = async (n: number, startMs: number, artifact: Omit<ArtifactRecord, 'kind' | 'fileType' | 'artifact'>) => {
      const ids = { meetingRecordId: `rec-${n}`, meetingId: `meeting-${n}` };
      await index.upsertMeetingRecording({ ...ids, meetingCode: `10000000${n}`, subject: `Subject ${n}`, hostUserId: 'alice', mediaStartTimeMs: startMs, state: 3 });
      await index.upsertRecordFile({ ...ids, recordFileId: `file-${n}`, recordStartTimeMs: startMs, recordEndTimeMs: startMs + 60_000, recordSize: 100 * MiB, sharing: { sharingState: 0 } });
      await index.setArtifactStatus(ids.meetingRecordId, `file-${n}`, { artifact: 'video', kind: 'video', fileType: 'mp4', ...artifact });
    };
    await recording(1, now - 2 * DAY, { status: 'archived', bytes: 7 * MiB, archivedAt: new Date(now - 60_000).toISOString(), checksum: 'CRC32:x' });
    await recording(2, now - 10 * DAY, { status: 'failed', lastError: 'IntegrityError: download ended at 5 of 9 bytes' });
    await recording(3, now - 1 * DAY, { status: 'pending' });
    await recording(4, now - 3_600_000, { status: 'copying' });
    // Outside the 30-day window: counted in the archive's total, not read.
    await recording(5, now - 40 * DAY, { status: 'archived', bytes: MiB, archivedAt: new Date(now - 40 * DAY).toISOString(), checksum: 'CRC32:y' });
    // The copy in flight: 40 MiB in the 10 s since this run started from 20 MiB.
    await new DynamoCheckpointStore({ dynamo, tableName: resources.tableName }).save(
      { recordFileId: 'file-4', artifact: 'video' },
      {
        bucket: resources.bucketName,
        key: 'recordings/x/video.mp4',
        uploadId: 'upload-1',
        partSize: 10 * MiB,
        totalBytes: 100 * MiB,
        checksumType: 'FULL_OBJECT',
        parts: Array.from({ length: 6 }, (_, i) => ({ partNumber: i + 1, etag: `e${i}`, crc32: 'AAAAAA==', size: 10 * MiB })),
        nextByte: 60 * MiB,
        bytesDone: 60 * MiB,
        phase: 'uploading',
        updatedAt: new Date(now - 1_000).toISOString(),
        runStartedAt: new Date(now - 11_000).toISOString(),
        runStartBytes: 20 * MiB,
      },
    );
    await new ParkedEventStore(dynamo, resources.tableName).keep(
      { eventId: 'evt-1', stage: 'schema', eventName: 'recording.completed', reason: 'payload[0].meeting_info: expected object', meetingIds: [], recordFileIds: [] },
      'parked',
    );
    const cursors = new CursorStore({ dynamo, tableName: resources.tableName });
    await cursors.acquire(RECONCILE_CURSOR_NAME, 'sweeper', 60_000);
    await cursors.save(
      RECONCILE_CURSOR_NAME,
      'sweeper',
      {
        planStartSec: Math.floor((now - 2 * DAY) / 1000),
        planEndSec: Math.floor(now / 1000),
        windowIndex: 0,
        page: 1,
        totalPages: 1,
        windowCount: 1,
        status: 'complete',
        totals: { ...emptyTotals(), pages: 3, files: 12, filesArchived: 9, filesEnqueued: 3 },
        startedAtMs: now - 600_000,
        updatedAtMs: now - 500_000,
        completedAtMs: now - 500_000,
      },
      60_000,
    );
    await resources.clients.sqs.send(new SendMessageCommand({ QueueUrl: resources.ingestDeadLetterQueueUrl, MessageBody: '{}' }));
  });

  afterAll(() => destroyClients(resources.clients));

  const deps = () => ({
    ...tableAndQueueOf(resources),
    deadLetterQueueUrl: resources.ingestDeadLetterQueueUrl,
    now: () => now,
  });

  it('counts recordings and files by status, names the oldest failed file with its reason, and reads the rest in a bounded number of requests', async () => {
    const report = await collectStatus(deps());
    expect(report.totalRecordings).toBe(5);
    expect(report.window).toMatchObject({ days: 30, recordingsRead: 4, truncated: false, requests: 1 });
    expect(report.files).toEqual({ archived: 1, failed: 1, pending: 1, copying: 1, deleted: 0 });
    expect(report.recordings).toEqual({ archived: 1, failed: 1, pending: 1, copying: 1, deleted: 0 });
    expect(report.pendingOrFailedFiles).toBe(2);
    expect(report.oldestPendingOrFailed).toMatchObject({
      recordFileId: 'file-2',
      meetingId: 'meeting-2',
      status: 'failed',
      artifact: 'video',
      reason: 'IntegrityError: download ended at 5 of 9 bytes',
    });
    expect(report.archivedToday.files).toBe(new Date(now - 60_000).toISOString().slice(0, 10) === new Date(now).toISOString().slice(0, 10) ? 1 : 0);
    expect(report.queues.deadLetter.visible).toBe(1);
    expect(report.parkedEvents).toMatchObject({ parked: 1, repaired: 0 });
    expect(report.lastSweep).toMatchObject({ status: 'complete', filesFound: 12, filesEnqueued: 3, filesAlreadyArchived: 9, pages: 3 });
    const [copy] = report.copying;
    expect(copy).toMatchObject({ recordFileId: 'file-4', artifact: 'video', bytesDone: 60 * MiB, totalBytes: 100 * MiB, bytesPerSecond: 4 * MiB, secondsLeft: 10 });
    expect(copy!.stale).toBeUndefined();

    // Bounded: the newest two only, and the report says it stopped early.
    const bounded = await collectStatus(deps(), { maxRecordings: 2 });
    expect(bounded.window).toMatchObject({ recordingsRead: 2, truncated: true });
    expect(bounded.files.copying + bounded.files.pending).toBe(2);
  });

  it('prints the report as text (the queues and the DLQ found from the flags alone) and as --json', async () => {
    const lines: string[] = [];
    const io = { stdout: { write: (chunk: string) => lines.push(chunk) }, stderr: { write: (chunk: string) => lines.push(`ERR ${chunk}`) }, clients: resources.clients };
    const outcome = await runStatus(['--queue-url', resources.ingestQueueUrl, '--table', resources.tableName], io);
    const text = lines.join('');
    expect(outcome.exitCode).toBe(0);
    expect(text).toContain('Recordings: 5 in the archive; started in the last 30 days: 4');
    expect(text).toMatch(/file-4\/video "Subject 4": 60\.0 MiB \/ 100\.0 MiB \(60%\) at 4\.0 MiB\/s, 10 s left \(checkpoint \d+ s ago\)/);
    expect(text).toContain('Oldest pending or failed (2 in all): file file-2 of "Subject 2" (meeting meeting-2, recording rec-2), failed');
    expect(text).toContain('— video: IntegrityError: download ended at 5 of 9 bytes');
    expect(text).toContain('Dead-letter queue: 1 message — see why with `npm run redrive -- --dry-run`');
    expect(text).toContain('Parked webhook events: 1');
    expect(text).toMatch(/Last sweep: complete .*: 3 pages, 12 files found, 9 already archived, 3 enqueued/);

    lines.length = 0;
    expect((await runStatus(['--json', '--queue-url', resources.ingestQueueUrl, '--table', resources.tableName, '--days', '3'], io)).exitCode).toBe(0);
    const json = JSON.parse(lines.join('')) as { window: { days: number; recordingsRead: number } };
    expect(json.window).toMatchObject({ days: 3, recordingsRead: 3 });
  });
});
