// The text `npm run status` prints (the --json output is the StatusReport itself).
import type { CopyInFlight, StatusCounts, StatusReport } from '../../../shared/operations/status.ts';
import { formatBytes } from '../console-log.ts';
import { formatDuration } from '../progress.ts';

const ORDER: ReadonlyArray<keyof StatusCounts> = ['archived', 'copying', 'pending', 'failed', 'deleted'];

function counts(c: StatusCounts): string {
  return ORDER.map((status) => `${status} ${c[status]}`).join('  ');
}

function ago(fromIso: string, nowIso: string): string {
  return `${formatDuration(Math.max(1, (Date.parse(nowIso) - Date.parse(fromIso)) / 1000))} ago`;
}

export function formatCopy(copy: CopyInFlight, nowIso: string): string {
  const name = `${copy.recordFileId}/${copy.artifact}${copy.subject ? ` "${copy.subject}"` : ''}`;
  if (copy.bytesDone === undefined || copy.totalBytes === undefined) return `  ${name}: starting (no checkpoint yet: a one-part copy, or before its first part)`;
  const percent = copy.totalBytes > 0 ? ` (${Math.floor((copy.bytesDone / copy.totalBytes) * 100)}%)` : '';
  const rate = copy.bytesPerSecond !== undefined ? ` at ${formatBytes(copy.bytesPerSecond)}/s` : '';
  const left = copy.secondsLeft !== undefined && copy.secondsLeft > 0 ? `, ${formatDuration(copy.secondsLeft)} left` : '';
  const phase = copy.phase === 'completing' ? ', completing' : '';
  const when = copy.updatedAt ? ` (checkpoint ${ago(copy.updatedAt, nowIso)}${copy.stale ? ': not running now — paused for its continuation, or its worker stopped' : ''})` : '';
  return `  ${name}: ${formatBytes(copy.bytesDone)} / ${formatBytes(copy.totalBytes)}${percent}${rate}${left}${phase}${when}`;
}

export function formatStatus(report: StatusReport, targetDescription: string): string {
  const lines: string[] = [];
  const w = report.window;
  lines.push(`Archive status of the ${targetDescription}, ${report.generatedAt}`);
  lines.push(
    `Recordings: ${report.totalRecordings} in the archive; started in the last ${w.days} days: ${w.recordingsRead}` +
      `${w.truncated ? ` (the newest ${w.recordingsRead} only: raise --max-recordings to read more)` : ''}`,
  );
  lines.push(`  recordings  ${counts(report.recordings)}`);
  lines.push(`  files       ${counts(report.files)}`);
  lines.push(`Copies in flight: ${report.copying.length}`);
  for (const copy of report.copying) lines.push(formatCopy(copy, report.generatedAt));
  const oldest = report.oldestPendingOrFailed;
  if (oldest) {
    const why = oldest.reason ? ` — ${oldest.artifact ? `${oldest.artifact}: ` : ''}${oldest.reason}` : '';
    lines.push(
      `Oldest pending or failed (${report.pendingOrFailedFiles} in all): file ${oldest.recordFileId} of "${oldest.subject}" ` +
        `(meeting ${oldest.meetingId}, recording ${oldest.meetingRecordId}), ${oldest.status}, recorded ${oldest.recordStartTime}${why}`,
    );
  } else {
    lines.push('Oldest pending or failed: none');
  }
  lines.push(`Archived today (since ${report.archivedToday.since}): ${report.archivedToday.files} files, ${formatBytes(report.archivedToday.bytes)}`);
  const q = report.queues;
  lines.push(`Ingest queue: ${q.ingest.visible} waiting, ${q.ingest.inFlight} in flight, ${q.ingest.delayed} delayed`);
  const dlq = q.deadLetter.visible + q.deadLetter.inFlight;
  lines.push(`Dead-letter queue: ${dlq} message${dlq === 1 ? '' : 's'}${dlq > 0 ? ' — see why with `npm run redrive -- --dry-run`, then `npm run redrive`' : ''}`);
  const p = report.parkedEvents;
  lines.push(
    `Parked webhook events: ${p.parked}${p.oldestParkedAt ? ` (oldest ${p.oldestParkedAt}) — \`npm run parked\`` : ''}${p.repaired > 0 ? `; repaired and kept: ${p.repaired}` : ''}`,
  );
  const s = report.lastSweep;
  lines.push(
    s
      ? `Last sweep: ${s.status === 'complete' ? `complete ${s.completedAt ?? s.updatedAt}` : `running since ${s.startedAt}, saved ${s.updatedAt}`}, ` +
          `window ${s.planStart} – ${s.planEnd}: ${s.pages} pages, ${s.filesFound} files found, ${s.filesAlreadyArchived} already archived, ${s.filesEnqueued} enqueued`
      : 'Last sweep: none yet',
  );
  return lines.join('\n');
}
