// Tencent's list APIs refuse a start_time..end_time range "longer than 31 days" (时间区间不允许超过31天),
// without saying whether exactly 31 × 86 400 s passes, or whether the days are counted as calendar
// dates (in Beijing time, a range of 31 × 86 400 s touches 32 of them). A longer range is walked as
// consecutive windows of 30 days, which no reading of the rule refuses (open point #11).

/** The longest window the archive sends: a day under Tencent's 31, so every reading of the rule accepts it. */
export const MAX_WINDOW_SECONDS = 30 * 24 * 60 * 60;

export interface TimeWindow {
  readonly startSec: number;
  readonly endSec: number;
}

/**
 * Splits [startSec, endSec] into consecutive windows each spanning at most `maxSeconds`.
 * Windows share their boundary second (Tencent's bounds are inclusive at both ends as far as
 * documented), so nothing on a boundary is missed; callers dedupe by meeting_record_id.
 */
export function splitTimeRange(startSec: number, endSec: number, maxSeconds = MAX_WINDOW_SECONDS): TimeWindow[] {
  if (!Number.isInteger(startSec) || !Number.isInteger(endSec)) throw new RangeError('time range bounds must be integer seconds');
  if (endSec < startSec) throw new RangeError(`end ${endSec} is before start ${startSec}`);
  if (maxSeconds <= 0) throw new RangeError('maxSeconds must be positive');
  const windows: TimeWindow[] = [];
  let start = startSec;
  for (;;) {
    const end = Math.min(start + maxSeconds, endSec);
    windows.push({ startSec: start, endSec: end });
    if (end >= endSec) return windows;
    start = end;
  }
}
