// A recording's archive status as one badge: pending, copying (with progress), archived, failed
// (with its reason), deleted, plus source-deleted and legal hold when they apply.
import type { ArchiveInfo, Artifact, Meeting, RecordFile } from './api.ts';
import { formatBytes } from './format.ts';
import { h } from './dom.ts';

export function artifactsOf(files: readonly RecordFile[]): Artifact[] {
  return files.flatMap((file) => file.archive.artifacts);
}

/** Percent copied over the artifacts still to archive, when the archive knows their sizes. */
export function copyProgress(artifacts: readonly Artifact[]): number | undefined {
  let done = 0;
  let total = 0;
  for (const a of artifacts) {
    const expected = a.expected_bytes ?? (a.status === 'archived' ? a.bytes : null);
    if (expected === null || expected === undefined) continue;
    total += expected;
    done += a.status === 'archived' ? expected : (a.bytes_copied ?? 0);
  }
  return total > 0 ? Math.min(99, Math.floor((done / total) * 100)) : undefined;
}

export function statusBadges(archive: ArchiveInfo, artifacts: readonly Artifact[]): HTMLElement {
  const badges: HTMLElement[] = [];
  const badge = (kind: string, text: string, title?: string) => h('span', { class: `badge badge-${kind}`, ...(title ? { title } : {}) }, text);
  switch (archive.status) {
    case 'copying': {
      const percent = copyProgress(artifacts);
      badges.push(badge('copying', percent === undefined ? 'copying' : `copying ${percent}%`));
      if (percent !== undefined) badges.push(h('progress', { max: '100', value: String(percent), 'aria-label': 'copy progress' }));
      break;
    }
    case 'failed': {
      const reasons = [...new Set(artifacts.filter((a) => a.status === 'failed').map((a) => a.failure_reason ?? 'no reason recorded'))];
      badges.push(badge('failed', 'failed'));
      badges.push(h('span', { class: 'reason' }, reasons.join('; ')));
      break;
    }
    case 'deleted':
      badges.push(badge('deleted', 'deleted', 'Tencent deleted its copy and the mirror policy removed the archived one'));
      break;
    default:
      badges.push(badge(archive.status, archive.status));
  }
  if (archive.source_deleted_at !== null && archive.status !== 'deleted') badges.push(badge('source-deleted', 'source deleted', 'Tencent deleted its copy; the archive keeps this one'));
  if (archive.legal_hold) badges.push(badge('hold', 'legal hold', typeof archive.legal_hold === 'object' ? JSON.stringify(archive.legal_hold) : undefined));
  return h('span', { class: 'status' }, ...badges);
}

export function meetingSize(meeting: Meeting): string {
  return formatBytes(meeting.archive.bytes ?? meeting.record_files.reduce((sum, f) => sum + f.record_size, 0));
}
