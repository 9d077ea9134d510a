// Progress of a backfill on the terminal. Hand-written rather than a progress-bar package: it is one
// redrawn line (windows, pages, files, bytes) and a plain-line fallback when output is not a TTY
// (CI logs, pipes), which is less code than configuring a dependency for it.
import type { SweepProgress } from '../../../shared/reconcile/sweep.ts';
import type { SweepTotals } from '../../../shared/reconcile/cursor.ts';
import { formatBytes } from '../console-log.ts';

function bar(fraction: number, width: number): string {
  const clamped = Math.max(0, Math.min(1, Number.isFinite(fraction) ? fraction : 0));
  const filled = Math.round(clamped * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
}

/** Share of the plan walked: whole windows done plus the fraction of pages of the current one. */
export function planFraction(p: Pick<SweepProgress, 'windowIndex' | 'windowCount' | 'page' | 'totalPages'>): number {
  if (p.windowCount === 0) return 1;
  const withinWindow = p.totalPages > 0 ? Math.min(1, p.page / p.totalPages) : 1;
  return (p.windowIndex + withinWindow) / p.windowCount;
}

export function summaryLine(totals: SweepTotals, dryRun: boolean): string {
  const verb = dryRun ? 'would enqueue' : 'enqueued';
  return (
    `${totals.meetings} meetings, ${totals.files} files (${formatBytes(totals.bytes)}) listed; ` +
    `${verb} ${totals.filesEnqueued} files of ${totals.meetingsEnqueued} meetings (${formatBytes(totals.bytesEnqueued)}); ` +
    `${totals.filesArchived} already archived, ${totals.filesAlreadyEnqueued} already enqueued, ${totals.meetingsNotReady} not ready`
  );
}

export function progressLine(p: SweepProgress): string {
  const t = p.totals;
  return (
    `window ${Math.min(p.windowIndex + 1, p.windowCount)}/${p.windowCount} page ${p.page}/${Math.max(p.totalPages, p.page)} | ` +
    `files ${t.files} (${formatBytes(t.bytes)}) | ${p.dryRun ? 'to archive' : 'enqueued'} ${t.filesEnqueued} (${formatBytes(t.bytesEnqueued)})`
  );
}

export interface ProgressWriter {
  readonly isTTY?: boolean;
  readonly columns?: number;
  write(chunk: string): unknown;
}

export class ProgressRenderer {
  private readonly out: ProgressWriter;
  private drawn = false;

  constructor(out: ProgressWriter) {
    this.out = out;
  }

  update(p: SweepProgress): void {
    const line = progressLine(p);
    if (!this.out.isTTY) {
      this.out.write(`${line}\n`);
      return;
    }
    const width = this.out.columns ?? 100;
    const barWidth = Math.max(10, Math.min(30, width - line.length - 8));
    const percent = `${Math.floor(planFraction(p) * 100)}%`.padStart(4);
    const full = `${bar(planFraction(p), barWidth)} ${percent} ${line}`;
    // \r + clear-line redraws in place; truncate so a narrow terminal never wraps (wrapping breaks \r).
    this.out.write(`\r\x1b[2K${full.slice(0, Math.max(1, width - 1))}`);
    this.drawn = true;
  }

  /** Ends the redrawn line before anything else is printed. */
  message(text: string): void {
    if (this.drawn) {
      this.out.write('\n');
      this.drawn = false;
    }
    this.out.write(`${text}\n`);
  }
}
