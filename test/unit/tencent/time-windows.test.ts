import { MAX_WINDOW_SECONDS, splitTimeRange } from '../../../shared/tencent/time-windows.ts';

const DAY = 86_400;

describe('splitTimeRange', () => {
  it('keeps a range of at most 30 days whole, and splits one of exactly 31 days (a margin under Tencent’s 31, open point #11)', () => {
    expect(splitTimeRange(1_000, 1_000 + 30 * DAY)).toEqual([{ startSec: 1_000, endSec: 1_000 + 30 * DAY }]);
    expect(splitTimeRange(1_000, 1_000 + 31 * DAY)).toHaveLength(2);
    expect(splitTimeRange(5, 5)).toEqual([{ startSec: 5, endSec: 5 }]);
  });

  it('splits 100 days into 4 windows of exactly the legal maximum, covering the range without gaps', () => {
    const start = 1_700_000_000;
    const windows = splitTimeRange(start, start + 100 * DAY);
    expect(windows).toHaveLength(4);
    expect(windows[0]).toEqual({ startSec: start, endSec: start + MAX_WINDOW_SECONDS });
    for (let i = 1; i < windows.length; i += 1) expect(windows[i]!.startSec).toBe(windows[i - 1]!.endSec);
    expect(windows.at(-1)!.endSec).toBe(start + 100 * DAY);
    for (const w of windows) expect(w.endSec - w.startSec).toBeLessThan(31 * DAY);
  });

  it('is deterministic and covers every second for arbitrary ranges', () => {
    for (const [s, e] of [[0, 62 * DAY], [17, 17 + 62 * DAY + 1], [3, 400 * DAY]] as const) {
      const a = splitTimeRange(s, e);
      expect(splitTimeRange(s, e)).toEqual(a);
      expect(a[0]!.startSec).toBe(s);
      expect(a.at(-1)!.endSec).toBe(e);
      expect(a.length).toBe(Math.max(1, Math.ceil((e - s) / MAX_WINDOW_SECONDS)));
    }
  });

  it('refuses inverted or fractional ranges', () => {
    expect(() => splitTimeRange(10, 5)).toThrow(RangeError);
    expect(() => splitTimeRange(1.5, 5)).toThrow(RangeError);
  });
});
