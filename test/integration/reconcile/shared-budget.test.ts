import { createTestResources } from '../../support/aws.ts';
import { DynamoRateBudget, acquireWithin } from '../../../shared/reconcile/shared-budget.ts';
import { CursorStore, LeaseHeldError, LeaseLostError, emptyTotals, type SweepCursor } from '../../../shared/reconcile/cursor.ts';
import { FakeClock } from './support.ts';

describe('shared corp/records budget (DynamoDB)', () => {
  it('grants at most `limit` calls per window across independent budget objects (separate processes)', async () => {
    const { clients, tableName } = await createTestResources();
    const clock = new FakeClock(Date.UTC(2026, 0, 1));
    // Two instances = two Lambda invocations / a Lambda and a laptop: they share only the item.
    const a = new DynamoRateBudget({ dynamo: clients.dynamo, tableName, now: clock.now, limit: 10, windowMs: 60_000 });
    const b = new DynamoRateBudget({ dynamo: clients.dynamo, tableName, now: clock.now, limit: 10, windowMs: 60_000 });
    const decisions = [];
    for (let i = 0; i < 6; i += 1) {
      decisions.push(await a.tryAcquire());
      decisions.push(await b.tryAcquire());
      clock.advance(1000);
    }
    expect(decisions.filter((d) => d.granted)).toHaveLength(10);
    const refused = decisions.at(-1)!;
    expect(refused.granted).toBe(false);
    // The first grant was at t0; the window frees it at t0 + 60 s.
    if (!refused.granted) expect(refused.retryAfterMs).toBe(60_000 - 5_000);

    clock.advance(54_500); // t0 + 60.5 s: the two grants at t0 have left the window, those at t0 + 1 s have not
    expect((await a.tryAcquire()).granted).toBe(true);
    expect((await b.tryAcquire()).granted).toBe(true);
    expect((await b.tryAcquire()).granted).toBe(false);
    expect(await a.inUse()).toBe(10);
  });

  it('never over-grants under concurrent conditional writes', async () => {
    const { clients, tableName } = await createTestResources();
    const clock = new FakeClock(Date.UTC(2026, 0, 1));
    const budgets = Array.from({ length: 5 }, () => new DynamoRateBudget({ dynamo: clients.dynamo, tableName, now: clock.now, maxAttempts: 100 }));
    const results = await Promise.all(Array.from({ length: 25 }, (_, i) => budgets[i % 5]!.tryAcquire()));
    expect(results.filter((r) => r.granted)).toHaveLength(10);
  });

  it('blockUntil refuses every grant until then (a 190313 seen from outside the budget)', async () => {
    const { clients, tableName } = await createTestResources();
    const clock = new FakeClock(Date.UTC(2026, 0, 1));
    const budget = new DynamoRateBudget({ dynamo: clients.dynamo, tableName, now: clock.now });
    await budget.blockUntil(clock.now() + 60_000);
    expect(await budget.tryAcquire()).toEqual({ granted: false, retryAfterMs: 60_000 });
    clock.advance(60_001);
    expect((await budget.tryAcquire()).granted).toBe(true);
  });

  it('acquireWithin waits (on the injected clock) only while the caller has time', async () => {
    const { clients, tableName } = await createTestResources();
    const clock = new FakeClock(Date.UTC(2026, 0, 1));
    const budget = new DynamoRateBudget({ dynamo: clients.dynamo, tableName, now: clock.now, limit: 1, windowMs: 60_000 });
    expect((await acquireWithin(budget, () => 0, clock.sleep)).granted).toBe(true);
    expect((await acquireWithin(budget, () => 10_000, clock.sleep)).granted).toBe(false);
    const before = clock.now();
    expect((await acquireWithin(budget, () => 120_000, clock.sleep)).granted).toBe(true);
    expect(clock.now() - before).toBe(60_000);
  });
});

describe('sweep cursor store', () => {
  const cursor = (page: number): SweepCursor => ({
    planStartSec: 0,
    planEndSec: 100,
    windowIndex: 0,
    page,
    totalPages: 3,
    windowCount: 1,
    status: 'running',
    totals: { ...emptyTotals(), pages: page - 1 },
    startedAtMs: 1,
    updatedAtMs: 2,
  });

  it('gives the cursor to one runner at a time and hands it over when the lease ends or is released', async () => {
    const { clients, tableName } = await createTestResources();
    const clock = new FakeClock(Date.UTC(2026, 0, 1));
    const store = new CursorStore({ dynamo: clients.dynamo, tableName, now: clock.now });
    expect(await store.acquire('sweep', 'a', 60_000)).toBeUndefined();
    await store.save('sweep', 'a', cursor(2), 60_000);
    await expect(store.acquire('sweep', 'b', 60_000)).rejects.toBeInstanceOf(LeaseHeldError);

    clock.advance(60_001); // a crashed: its lease expires
    expect(await store.acquire('sweep', 'b', 60_000)).toMatchObject({ page: 2, totals: { pages: 1 } });
    await expect(store.save('sweep', 'a', cursor(3), 60_000)).rejects.toBeInstanceOf(LeaseLostError);

    await store.release('sweep', 'b');
    expect(await store.acquire('sweep', 'c', 60_000)).toMatchObject({ page: 2 });
  });
});
