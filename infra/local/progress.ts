// Copy progress for the console: bytes done, percentage and rate of every copy in flight, at most
// one line per copy every few seconds (a 10 GiB file would otherwise print thousands of lines).
import { formatBytes } from './console-log.ts';
import type { LocalLog } from './lambda-context.ts';

export interface CopyProgress {
  /** What is being copied, e.g. `<record_file_id>/video`. */
  readonly copy: string;
  readonly bytesDone: number;
  readonly totalBytes: number;
}

export interface ProgressReporter {
  onProgress(progress: CopyProgress): void;
}

export function createProgressReporter(log: LocalLog, { intervalMs = 2000, now = Date.now }: { intervalMs?: number; now?: () => number } = {}): ProgressReporter {
  const copies = new Map<string, { firstAt: number; firstBytes: number; lastLogAt: number }>();
  return {
    onProgress({ copy, bytesDone, totalBytes }) {
      const at = now();
      const done = totalBytes > 0 && bytesDone >= totalBytes;
      let state = copies.get(copy);
      if (!state) {
        // The rate is measured from the first report of this run, so the bytes a resumed copy
        // had before do not inflate it.
        state = { firstAt: at, firstBytes: bytesDone, lastLogAt: at };
        if (!done) {
          // The first part says at once that the copy runs, and where a resumed copy picked up.
          copies.set(copy, state);
          const percent = totalBytes > 0 ? ` (${Math.floor((bytesDone / totalBytes) * 100)}%)` : '';
          log.info(`copying ${copy}: ${formatBytes(bytesDone)} / ${formatBytes(totalBytes)}${percent}`);
          return;
        }
      }
      if (!done && at - state.lastLogAt < intervalMs) return;
      state.lastLogAt = at;
      const seconds = (at - state.firstAt) / 1000;
      const bytesPerSecond = seconds > 0 ? (bytesDone - state.firstBytes) / seconds : 0;
      const rate = bytesPerSecond > 0 ? ` at ${formatBytes(bytesPerSecond)}/s` : '';
      const percent = totalBytes > 0 ? ` (${Math.floor((bytesDone / totalBytes) * 100)}%)` : '';
      const left = !done && bytesPerSecond > 0 && totalBytes > bytesDone ? `, ${formatDuration((totalBytes - bytesDone) / bytesPerSecond)} left` : '';
      log.info(`${done ? 'copied' : 'copying'} ${copy}: ${formatBytes(bytesDone)} / ${formatBytes(totalBytes)}${percent}${rate}${left}`);
      if (done) copies.delete(copy);
    },
  };
}

/** "45 s", "3 min 20 s", "1 h 05 min": the time left of a copy at its current rate. */
export function formatDuration(seconds: number): string {
  const whole = Math.max(1, Math.ceil(seconds));
  if (whole < 60) return `${whole} s`;
  if (whole < 3600) return `${Math.floor(whole / 60)} min ${String(whole % 60).padStart(2, '0')} s`;
  return `${Math.floor(whole / 3600)} h ${String(Math.floor((whole % 3600) / 60)).padStart(2, '0')} min`;
}
