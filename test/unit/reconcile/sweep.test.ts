import { slidingPlan } from '../../../shared/reconcile/sweep.ts';
import type { SweepCursor } from '../../../shared/reconcile/cursor.ts';

describe('sweep helpers', () => {
  const completed = (endSec: number) => ({ lastCompletedPlanEndSec: endSec }) as SweepCursor;

  it('plans the last window, reaching back over a gap since the last completed sweep, within the catch-up bound', () => {
    const now = Date.UTC(2026, 5, 10);
    const nowSec = now / 1000;
    expect(slidingPlan(now, 48, 168)(undefined)).toEqual({ startSec: nowSec - 48 * 3600, endSec: nowSec });
    // Always a whole window before the last completed end: recordings finish transcoding hours after they start.
    expect(slidingPlan(now, 48, 168)(completed(nowSec - 3600))).toEqual({ startSec: nowSec - 49 * 3600, endSec: nowSec });
    expect(slidingPlan(now, 48, 168)(completed(nowSec - 72 * 3600))).toEqual({ startSec: nowSec - 120 * 3600, endSec: nowSec });
    expect(slidingPlan(now, 48, 168)(completed(nowSec - 30 * 86_400))).toEqual({ startSec: nowSec - 168 * 3600, endSec: nowSec });
  });
});
