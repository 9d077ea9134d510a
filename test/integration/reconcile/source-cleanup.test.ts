// Source cleanup, expiry and legal hold on real components: files archived by the real ingest path
// (the simulator over HTTP, DynamoDB Local, fauxqs), then the reconcile function run with a clock
// moved days ahead. The simulator's DELETE /v1/records/{id} removes the file and, like Tencent,
// sends recording.deleted back to the webhook (here: the harness's webhook handler).
import { createReconcileHandler } from '../../../functions/reconcile/handler.ts';
import { ArchiveMarks } from '../../../shared/archive/archive-marks.ts';
import { DETAIL_TYPES } from '../../../shared/events/archive-events.ts';
import { FileEventPublisher } from '../../../shared/events/file-publisher.ts';
import { ArchiveEventOutbox } from '../../../shared/events/outbox.ts';
import { DynamoRateBudget } from '../../../shared/reconcile/shared-budget.ts';
import { RECORDS_DELETE_BUDGET, RECORDS_DELETE_LIMIT_PER_MINUTE } from '../../../shared/reconcile/source-cleanup.ts';
import { fileStatus } from '../../../shared/archive/model.ts';
import type { SourceCleanupSettings } from '../../../shared/config/environment.ts';
import { parseTencentConfig } from '../../../shared/tencent/config.ts';
import { meetingFromRecording, recordingDeletedEvent } from '../../../infra/local/simulator/webhook-events.ts';
import type { DeliveryRecord } from '../../../infra/local/simulator/webhook-sender.ts';
import { startHarness, type Harness } from '../../support/ingest-harness.ts';
import { tableAndQueueOf } from '../../support/aws.ts';
import { indexRecording } from '../../support/indexed-recording.ts';
import { archiveOne, objectExists } from '../../support/archive-assertions.ts';
import { ofType, readEventLines } from '../../support/archive-events.ts';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RecordingMetrics } from '../../support/recording-metrics.ts';
import { DAY_MS, FakeClock, lambdaContext, quietEnv } from './support.ts';

quietEnv();
const MiB = 1024 * 1024;

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

/** One reconcile invocation at `clock`, with the cleanup settings given. */
async function reconcile(
  harness: Harness,
  clock: FakeClock,
  settings: Partial<SourceCleanupSettings>,
  sleep: (ms: number) => Promise<void> = clock.sleep,
  outbox?: ArchiveEventOutbox,
) {
  const metrics = new RecordingMetrics({ namespace: 'test', serviceName: 'reconcile' });
  const handler = createReconcileHandler({
    ...tableAndQueueOf(harness.resources),
    tencent: async () => parseTencentConfig(harness.sim.env()),
    now: clock.now,
    sleep,
    metrics,
    ...(outbox ? { outbox } : {}),
    cleanup: { settings: { afterDays: 0, dryRun: false, expireAfterDays: 0, ...settings }, s3: harness.resources.clients.s3 },
  });
  await handler({}, lambdaContext(600_000));
  return metrics;
}

/** The simulator announces REST deletions to the harness's webhook, as Tencent does to the subscription. */
function announceToWebhook(harness: Harness): void {
  harness.sim.announceDeletionsTo({
    deliver: async (event) => {
      const response = await harness.deliver(event);
      return [{ ok: response.statusCode === 200 } as DeliveryRecord];
    },
  });
}

const deleteCalls = (harness: Harness) => harness.sim.counters.endpoints.deleteFile.requests;

describe('source cleanup (reconcile, simulator + emulators)', () => {
  it('deletes at Tencent only a verified copy past the age, records deleted_by archive, and the echoed recording.deleted keeps the copy under mirror', async () => {
    h = await startHarness({ deletionPolicy: 'mirror' });
    announceToWebhook(h);
    const archived = await archiveOne(h, 'cleanup');
    // A file whose copy never completed: old enough, but not verified.
    const unverified = h.sim.model.createMeeting({ subject: 'unverified', hostUserId: h.sim.credentials.operatorId, files: [{ sizeBytes: MiB }] });
    const unverifiedId = unverified.files[0]!.recordFileId;
    await indexRecording(h.index, unverified);
    await h.index.setArtifactStatus(unverified.meetingRecordId, unverifiedId, { artifact: 'video', kind: 'video', fileType: 'mp4', status: 'failed', lastError: 'link expired' });

    const clock = new FakeClock(Date.now() + 10 * DAY_MS);
    const early = await reconcile(h, clock, { afterDays: 30 });
    expect(deleteCalls(h)).toBe(0);
    expect(h.sim.model.getFile(archived.fileId)).toBeDefined();
    expect(early.total('SourceCleanupFilesDeleted')).toBe(0);

    clock.advance(21 * DAY_MS);
    const eventsFile = join(mkdtempSync(join(tmpdir(), 'cleanup-events-')), 'events.jsonl');
    const outbox = new ArchiveEventOutbox({
      dynamo: h.resources.clients.dynamo,
      tableName: h.resources.tableName,
      publisher: new FileEventPublisher({ path: eventsFile, print: () => undefined }),
      logger: { info() {}, warn() {} },
    });
    const due = await reconcile(h, clock, { afterDays: 30 }, clock.sleep, outbox);
    // Published by the run that deleted it, not left for the next run's republish.
    expect(ofType(readEventLines(eventsFile), DETAIL_TYPES.deletedAtSource, archived.fileId).map((e) => e.detail.deleted_by)).toEqual(['archive']);
    expect(h.sim.model.getFile(archived.fileId)).toBeUndefined();
    expect(h.sim.model.deletedFiles.has(archived.fileId)).toBe(true);
    expect(h.sim.model.getFile(unverifiedId)).toBeDefined();
    expect(due.total('SourceCleanupFilesDeleted')).toBe(1);
    expect(due.total('SourceCleanupBytesFreed')).toBe(MiB);
    expect(due.total('SourceCleanupFilesNotVerified')).toBe(1);
    const flagged = (await h.index.getRecordFile(archived.fileId))!;
    expect(flagged).toMatchObject({ sourceDeletedBy: 'archive' });
    expect(flagged.sourceDeletedAt).toBeDefined();

    // Tencent's echo arrives, the worker confirms it with Tencent: the copy stays (mirror would otherwise remove it).
    expect(h.sim.announcedDeletions.map((a) => a.recordFileIds)).toEqual([[archived.fileId]]);
    expect(await h.sim.announcedDeletions[0]!.delivered).toBe(true);
    expect((await h.drain()).failed).toBe(0);
    const after = (await h.index.getRecordFile(archived.fileId))!;
    expect(fileStatus(after)).toBe('archived');
    expect(after.sourceDeletedBy).toBe('archive');
    expect(await objectExists(h, archived.key)).toBe(true);

    // A second pass finds nothing left to delete.
    clock.advance(DAY_MS);
    const calls = deleteCalls(h);
    await reconcile(h, clock, { afterDays: 30 });
    expect(deleteCalls(h)).toBe(calls);
  });

  it('dry run and a setting of 0 delete nothing; a legal hold keeps the file at Tencent until it is lifted', async () => {
    h = await startHarness();
    const archived = await archiveOne(h, 'cleanup');
    const clock = new FakeClock(Date.now() + 31 * DAY_MS);

    const dry = await reconcile(h, clock, { afterDays: 30, dryRun: true });
    expect(dry.total('SourceCleanupFilesWouldDelete')).toBe(1);
    expect(dry.total('SourceCleanupBytesWouldFree')).toBe(MiB);
    expect(dry.total('SourceCleanupFilesDeleted')).toBe(0);
    await reconcile(h, clock, { afterDays: 0 });
    expect(deleteCalls(h)).toBe(0);
    expect(h.sim.model.getFile(archived.fileId)).toBeDefined();

    const marks = new ArchiveMarks({ dynamo: h.resources.clients.dynamo, tableName: h.resources.tableName });
    await marks.setLegalHold(archived.recording.meetingRecordId, { by: 'test', since: new Date().toISOString() });
    const held = await reconcile(h, clock, { afterDays: 30 });
    expect(held.total('SourceCleanupFilesHeld')).toBe(1);
    expect(deleteCalls(h)).toBe(0);
    expect(h.sim.model.getFile(archived.fileId)).toBeDefined();
    expect((await h.index.getRecordFile(archived.fileId))!.sourceDeletedAt).toBeUndefined();

    await marks.setLegalHold(archived.recording.meetingRecordId, undefined);
    await reconcile(h, clock, { afterDays: 30 });
    expect(h.sim.model.getFile(archived.fileId)).toBeUndefined();
  });

  it('checks the copy again after waiting for its DELETE budget: an artifact Tencent announced meanwhile keeps the file at Tencent', async () => {
    h = await startHarness();
    const archived = await archiveOne(h, 'cleanup');
    const clock = new FakeClock(Date.now() + 31 * DAY_MS);
    // The minute's DELETE budget is spent: the cleanup waits, and meanwhile Tencent announces AI
    // minutes for the file (an event the ingest worker notes before it copies them).
    const spent = new DynamoRateBudget({ dynamo: h.resources.clients.dynamo, tableName: h.resources.tableName, now: clock.now, name: RECORDS_DELETE_BUDGET, limit: RECORDS_DELETE_LIMIT_PER_MINUTE });
    for (let i = 0; i < RECORDS_DELETE_LIMIT_PER_MINUTE; i++) expect((await spent.tryAcquire()).granted).toBe(true);
    let announced = false;
    const metrics = await reconcile(h, clock, { afterDays: 30 }, async (ms) => {
      if (!announced) {
        announced = true;
        await h!.index.noteAnnouncedKinds(archived.recording.meetingRecordId, archived.fileId, ['ai_minutes']);
      }
      await clock.sleep(ms);
    });
    expect(announced).toBe(true);
    expect(deleteCalls(h)).toBe(0);
    expect(h.sim.model.getFile(archived.fileId)).toBeDefined();
    expect(metrics.total('SourceCleanupFilesNotVerified')).toBe(1);
    expect(metrics.total('SourceCleanupFilesDeleted')).toBe(0);
  });

  it('under the seed operator form answering {} to the SDK form, deletes only once the other form is confirmed', async () => {
    h = await startHarness({ simulator: { readings: { operatorForm: 'seed', otherFormAnswer: 'empty' } } });
    const archived = await archiveOne(h, 'cleanup');
    await reconcile(h, new FakeClock(Date.now() + 31 * DAY_MS), { afterDays: 30 });
    expect(h.sim.model.getFile(archived.fileId)).toBeUndefined();
    const forms = h.sim.counters.log.filter((l) => l.endpoint === 'deleteFile').map((l) => (l.target.includes('userid=') ? 'seed' : 'sdk'));
    expect(forms).toEqual(['sdk', 'seed']);
    expect((await h.index.getRecordFile(archived.fileId))!.sourceDeletedBy).toBe('archive');
  });
});

describe('legal hold against mirror deletion and expiry', () => {
  it('a held recording survives a confirmed Tencent deletion under mirror and expiry; lifted, it expires', async () => {
    h = await startHarness({ deletionPolicy: 'mirror' });
    const archived = await archiveOne(h, 'cleanup');
    const marks = new ArchiveMarks({ dynamo: h.resources.clients.dynamo, tableName: h.resources.tableName });
    await marks.setLegalHold(archived.recording.meetingRecordId, { by: 'test', since: new Date().toISOString() });

    // Someone deletes the file at Tencent; the event is confirmed (4051), but the hold keeps the copy.
    h.sim.model.deleteFile(archived.fileId);
    await h.deliver(recordingDeletedEvent(meetingFromRecording(archived.recording), [archived.fileId]));
    expect((await h.drain()).failed).toBe(0);
    const flagged = (await h.index.getRecordFile(archived.fileId))!;
    expect(flagged.sourceDeletedBy).toBe('tencent');
    expect(fileStatus(flagged)).toBe('archived');
    expect(await objectExists(h, archived.key)).toBe(true);

    const clock = new FakeClock(Date.now() + 31 * DAY_MS);
    const held = await reconcile(h, clock, { expireAfterDays: 30 });
    expect(held.total('SourceCleanupFilesHeld')).toBe(1);
    expect(held.total('ArchiveFilesExpired')).toBe(0);
    expect(await objectExists(h, archived.key)).toBe(true);

    await marks.setLegalHold(archived.recording.meetingRecordId, undefined);
    const expired = await reconcile(h, clock, { expireAfterDays: 30 });
    expect(expired.total('ArchiveFilesExpired')).toBe(1);
    expect(expired.total('ArchiveBytesExpired')).toBe(MiB);
    expect(await objectExists(h, archived.key)).toBe(false);
    expect(fileStatus((await h.index.getRecordFile(archived.fileId))!)).toBe('deleted');
  });
});
