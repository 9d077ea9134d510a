// The scheduled sweep against the real HTTP simulator and the emulators.
import { createReconcileHandler, type ReconcileResult } from '../../../functions/reconcile/handler.ts';
import { DynamoRateBudget } from '../../../shared/reconcile/shared-budget.ts';
import { CursorStore, emptyTotals } from '../../../shared/reconcile/cursor.ts';
import { createSweepDeps } from '../../../shared/reconcile/sources.ts';
import { runSweep } from '../../../shared/reconcile/sweep.ts';
import type { SimMeetingRecording } from '../../../infra/local/simulator/model.ts';
import { destroyClients } from '../../support/aws.ts';
import { DAY_MS, FakeClock, HOUR_MS, drainQueue, lambdaContext, markArchived, quietEnv, setup } from './support.ts';

quietEnv();

type Env = Awaited<ReturnType<typeof setup>>;

function reconcileHandler(env: Env, clock: FakeClock, overrides: Partial<Parameters<typeof createReconcileHandler>[0]> = {}) {
  return createReconcileHandler({
    dynamo: env.resources.clients.dynamo,
    sqs: env.resources.clients.sqs,
    tableName: env.resources.tableName,
    queueUrl: env.resources.ingestQueueUrl,
    tencent: async () => env.tencentConfig,
    now: clock.now,
    sleep: clock.sleep,
    ...overrides,
  });
}

function seed(env: Env, count: number, nowMs: number, spanMs: number, filesOf = (i: number) => (i % 5 === 0 ? 2 : 1)): SimMeetingRecording[] {
  return Array.from({ length: count }, (_, i) =>
    env.sim.model.createMeeting({
      subject: `weekly ${i}`,
      hostUserId: `user-${i % 7}`,
      startTimeMs: nowMs - spanMs + Math.floor(((i + 0.5) * spanMs) / count),
      files: Array.from({ length: filesOf(i) }, (_, f) => ({ sizeBytes: 1000 + i * 10 + f })),
    }),
  );
}

describe('reconcile sweep (simulator + emulators)', () => {
  let env: Env;
  afterEach(async () => {
    await env?.sim.stop();
    if (env) destroyClients(env.resources.clients);
  });

  it('repairs a gap of missed webhooks in one sweep, and enqueues nothing over a complete archive', async () => {
    const clock = new FakeClock(Date.now());
    env = await setup(clock);
    const recordings = seed(env, 30, clock.now(), 40 * HOUR_MS);
    // An older recording outside the 48-hour window is not the sweep's business.
    env.sim.model.createMeeting({ subject: 'old', hostUserId: 'user-1', startTimeMs: clock.now() - 5 * DAY_MS, files: [{ sizeBytes: 10 }] });
    // A recording still transcoding has no files yet.
    env.sim.model.createMeeting({ subject: 'live', hostUserId: 'user-2', startTimeMs: clock.now() - HOUR_MS, state: 2, files: [{ sizeBytes: 10 }] });
    // The webhook delivered every third recording; the rest were missed.
    const delivered = recordings.filter((_, i) => i % 3 === 0);
    for (const r of delivered) await markArchived(env.index, r, env.resources.bucketName);
    const missed = recordings.filter((_, i) => i % 3 !== 0);
    const missedFiles = missed.flatMap((r) => r.files);

    const result = (await reconcileHandler(env, clock)({}, lambdaContext(600_000))) as ReconcileResult;
    expect(result.status).toBe('complete');
    expect(result.run).toMatchObject({
      pages: 2, // 31 meetings in the window, 20 a page
      meetings: 31,
      meetingsNotReady: 1,
      files: recordings.flatMap((r) => r.files).length,
      filesArchived: delivered.flatMap((r) => r.files).length,
      filesEnqueued: missedFiles.length,
      bytesEnqueued: missedFiles.reduce((sum, f) => sum + f.recordSize, 0),
      meetingsEnqueued: missed.length,
    });

    const messages = await drainQueue(env.resources);
    expect(messages.map((m) => m.recordFileId).sort()).toEqual(missedFiles.map((f) => f.recordFileId).sort());
    for (const m of messages) {
      const recording = missed.find((r) => r.files.some((f) => f.recordFileId === m.recordFileId))!;
      expect(m).toMatchObject({ kind: 'archive-file', reason: 'reconcile', meetingId: recording.meetingId, meetingRecordId: recording.meetingRecordId, creatorUserId: recording.hostUserId });
      expect(m.windowEndSec - m.windowStartSec).toBeLessThanOrEqual(31 * 86_400);
      expect(m.windowStartSec * 1000).toBeLessThanOrEqual(recording.mediaStartTimeMs);
      expect(m.windowEndSec * 1000).toBeGreaterThanOrEqual(recording.mediaStartTimeMs);
    }

    // The ingest worker archives what was enqueued; the next sweep finds a complete archive.
    for (const r of missed) await markArchived(env.index, r, env.resources.bucketName);
    clock.advance(HOUR_MS);
    const second = (await reconcileHandler(env, clock)({}, lambdaContext(600_000))) as ReconcileResult;
    expect(second).toMatchObject({ status: 'complete', run: { filesEnqueued: 0, filesArchived: missedFiles.length + delivered.flatMap((r) => r.files).length } });
    expect(await drainQueue(env.resources)).toEqual([]);
    expect(env.sim.counters.endpoints.corpRecords).toMatchObject({ requests: 4, rejected: 0 });
  });

  it('does not enqueue a missing file twice while its first message is still on its way', async () => {
    const clock = new FakeClock(Date.now());
    env = await setup(clock);
    const recordings = seed(env, 5, clock.now(), 10 * HOUR_MS);
    const handler = reconcileHandler(env, clock);
    expect(await handler({}, lambdaContext(600_000))).toMatchObject({ run: { filesEnqueued: 6 } });
    clock.advance(HOUR_MS); // the next scheduled run; the ingest worker has not finished yet
    expect(await handler({}, lambdaContext(600_000))).toMatchObject({ run: { filesEnqueued: 0, filesAlreadyEnqueued: 6 } });
    clock.advance(7 * HOUR_MS); // still not archived after the re-queue delay: its copy failed, send again
    expect(await handler({}, lambdaContext(600_000))).toMatchObject({ run: { filesEnqueued: 6 } });
    const messages = await drainQueue(env.resources);
    expect(messages).toHaveLength(12);
    expect(new Set(messages.map((m) => m.recordFileId)).size).toBe(recordings.flatMap((r) => r.files).length);
  });

  it('holds 10 corp/records calls a minute across back-to-back invocations and continues from its checkpoint', async () => {
    const clock = new FakeClock(Date.now());
    env = await setup(clock);
    const recordings = seed(env, 300, clock.now(), 46 * HOUR_MS, () => 1); // 15 pages
    // Little time left in each invocation: no waiting for the budget, checkpoint and stop instead.
    const invoke = () => reconcileHandler(env, clock)({}, lambdaContext(45_000)) as Promise<ReconcileResult>;

    const first = await invoke();
    expect(first).toMatchObject({ status: 'paused', stopReason: 'budget', run: { pages: 10, filesEnqueued: 200 } });
    const second = await invoke();
    expect(second).toMatchObject({ status: 'paused', stopReason: 'budget', run: { pages: 0, filesEnqueued: 0 } });
    clock.advance(30_000);
    const third = await invoke();
    expect(third).toMatchObject({ status: 'paused', stopReason: 'budget', run: { pages: 0 } });
    // The simulator's own counters: exactly the budget, and never a 190313 refusal.
    expect(env.sim.counters.endpoints.corpRecords).toMatchObject({ requests: 10, rejected: 0 });

    clock.advance(35_000); // a minute (and the margin) after the first call
    const fourth = await invoke();
    expect(fourth).toMatchObject({ status: 'complete', run: { pages: 5, filesEnqueued: 100 }, totals: { pages: 15, filesEnqueued: 300 } });
    expect(env.sim.counters.endpoints.corpRecords).toMatchObject({ requests: 15, rejected: 0 });

    const messages = await drainQueue(env.resources);
    expect(messages).toHaveLength(300);
    expect(new Set(messages.map((m) => m.recordFileId))).toEqual(new Set(recordings.flatMap((r) => r.files.map((f) => f.recordFileId))));
  });

  it('lets one of two overlapping invocations sweep; the other steps aside', async () => {
    const clock = new FakeClock(Date.now());
    env = await setup(clock);
    seed(env, 45, clock.now(), 20 * HOUR_MS, () => 1);
    const [a, b] = await Promise.all([
      reconcileHandler(env, clock)({}, lambdaContext(600_000, 'a')) as Promise<ReconcileResult>,
      reconcileHandler(env, clock)({}, lambdaContext(600_000, 'b')) as Promise<ReconcileResult>,
    ]);
    expect([a.status, b.status].sort()).toEqual(['complete', 'skipped']);
    expect((await drainQueue(env.resources)).length).toBe(45);
    expect(env.sim.counters.endpoints.corpRecords.rejected).toBe(0);
  });

  it('stops at a 190313 from outside the budget, blocks the shared budget for a minute, and resumes', async () => {
    const clock = new FakeClock(Date.now());
    env = await setup(clock);
    seed(env, 50, clock.now(), 20 * HOUR_MS, () => 1); // 3 pages
    env.sim.faults.rateLimit('corpRecords', 1, { errorCode: 190313 });
    const first = (await reconcileHandler(env, clock)({}, lambdaContext(45_000))) as ReconcileResult;
    expect(first).toMatchObject({ status: 'paused', stopReason: 'rate-limited' });
    const budget = new DynamoRateBudget({ dynamo: env.resources.clients.dynamo, tableName: env.resources.tableName, now: clock.now });
    expect((await budget.tryAcquire()).granted).toBe(false);
    clock.advance(61_000);
    const second = (await reconcileHandler(env, clock)({}, lambdaContext(600_000))) as ReconcileResult;
    expect(second).toMatchObject({ status: 'complete', totals: { filesEnqueued: 50 } });
    expect((await drainQueue(env.resources)).length).toBe(50);
    const cursor = await new CursorStore({ dynamo: env.resources.clients.dynamo, tableName: env.resources.tableName }).get('sweep');
    expect(cursor).toMatchObject({ status: 'complete' });
  });

  it('resumes a plan saved with 31-day windows at the start of the 30-day window that holds its place, skipping nothing (open point #11)', async () => {
    const clock = new FakeClock(Date.now());
    env = await setup(clock);
    const planEndSec = Math.floor(clock.now() / 1000);
    const planStartSec = planEndSec - 100 * 86_400;
    const daily = Array.from({ length: 100 }, (_, d) =>
      env.sim.model.createMeeting({ subject: `day ${d}`, hostUserId: 'user-1', startTimeMs: (planStartSec + d * 86_400 + 3600) * 1000, files: [{ sizeBytes: 100 + d }] }),
    );
    // Saved before the deploy: windows of 31 days, the third (days 62–93) half walked (page 3 next).
    const cursors = new CursorStore({ dynamo: env.resources.clients.dynamo, tableName: env.resources.tableName, now: clock.now });
    const name = 'backfill:resume';
    await cursors.acquire(name, 'before-deploy', 1);
    await cursors.save(name, 'before-deploy', { planStartSec, planEndSec, windowIndex: 2, page: 3, totalPages: 2, windowCount: 4, status: 'running', totals: emptyTotals(), startedAtMs: clock.now(), updatedAtMs: clock.now() }, 1);
    clock.advance(10);
    const deps = createSweepDeps({ dynamo: env.resources.clients.dynamo, sqs: env.resources.clients.sqs, tableName: env.resources.tableName, queueUrl: env.resources.ingestQueueUrl, tencent: env.tencentConfig, now: clock.now, sleep: clock.sleep });
    const result = await runSweep(deps, { name, owner: 'after-deploy', plan: () => ({ startSec: planStartSec, endSec: planEndSec }), whenComplete: 'done', reason: 'backfill', maxWaitMs: () => Number.POSITIVE_INFINITY });
    expect(result.status).toBe('complete');
    const enqueued = new Set((await drainQueue(env.resources)).map((m) => m.recordFileId));
    // Everything from day 62 on (the old window's start) is enqueued; the new window starts at day 60.
    const expected = daily.filter((_, d) => d >= 62).map((r) => r.files[0]!.recordFileId);
    expect(expected.filter((id) => !enqueued.has(id))).toEqual([]);
    const first = new URL(env.sim.counters.log.find((e) => e.endpoint === 'corpRecords')!.target, 'http://x').searchParams;
    expect([Number(first.get('start_time')), first.get('page')]).toEqual([planStartSec + 60 * 86_400, '1']);
  });

  it('stops at the daily quota (190311) without retrying the page, and the next run resumes at its cursor (open point #15)', async () => {
    const clock = new FakeClock(Date.now());
    env = await setup(clock);
    seed(env, 5, clock.now(), 20 * HOUR_MS, () => 1);
    env.sim.faults.rateLimit('corpRecords', 3, { errorCode: 190311 });
    await expect(reconcileHandler(env, clock)({}, lambdaContext(45_000))).rejects.toMatchObject({ errorCode: 190311 });
    // One call: retrying a page spends the shared 10/min budget, and the daily quota will not be back within the run.
    expect(env.sim.counters.endpoints.corpRecords.requests).toBe(1);
    env.sim.faults.reset();
    const next = (await reconcileHandler(env, clock)({}, lambdaContext(600_000))) as ReconcileResult;
    expect(next).toMatchObject({ status: 'complete', totals: { filesEnqueued: 5 } });
  });
});
