// One recording: its files, every artifact with size and checksum, a player for the video and
// audio (presigned links), the transcript beside the player, and downloads saved under the subject.
import { ApiError, linkOf, type Addresses, type ArchiveApi, type Artifact, type Meeting, type RecordFile, type Transcripts } from './api.ts';
import { h, replace } from './dom.ts';
import { formatBytes, formatDuration, timeElement } from './format.ts';
import { statusBadges } from './status.ts';

const KIND_NAMES: Record<Artifact['kind'], string> = { video: 'Video', audio: 'Audio', transcript: 'Transcript', ai_transcript: 'AI transcript', ai_minutes: 'AI minutes' };

/** Links expire in minutes: each download asks for a fresh one. S3 names the file (Content-Disposition, after the subject). */
async function download(api: ArchiveApi, file: RecordFile, artifact: Artifact, button: HTMLButtonElement): Promise<void> {
  button.disabled = true;
  try {
    const addresses = await api.get<Addresses>(`/addresses/${encodeURIComponent(file.record_file_id)}`);
    const url = linkOf(addresses, file.archive.artifacts, artifact);
    if (!url) throw new Error('no archived copy to download yet');
    const link = h('a', { href: url, download: '', hidden: true });
    document.body.append(link);
    link.click();
    link.remove();
  } catch (error) {
    button.after(h('span', { class: 'error', role: 'alert' }, ` Download failed: ${(error as Error).message}`));
  } finally {
    button.disabled = false;
  }
}

const KIND_ORDER: readonly Artifact['kind'][] = ['video', 'audio', 'transcript', 'ai_transcript', 'ai_minutes'];

function artifactTable(api: ArchiveApi, file: RecordFile): HTMLTableElement {
  const ordered = [...file.archive.artifacts].sort((a, b) => KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) || a.artifact.localeCompare(b.artifact));
  const rows = ordered.map((a) => {
    const button = h('button', { type: 'button', class: 'download', 'data-artifact': a.artifact, disabled: a.status !== 'archived' }, `Download ${KIND_NAMES[a.kind].toLowerCase()}`);
    button.addEventListener('click', () => void download(api, file, a, button));
    return h(
      'tr',
      { 'data-artifact': a.artifact },
      h('td', {}, KIND_NAMES[a.kind], h('div', { class: 'code' }, a.artifact)),
      h('td', {}, a.file_type),
      h('td', { class: 'num' }, formatBytes(a.bytes ?? a.expected_bytes)),
      h('td', { class: 'checksum' }, a.checksum ?? '—'),
      h('td', {}, statusBadges({ status: a.status, bytes: a.bytes, source_deleted_at: null }, [a])),
      h('td', {}, button),
    );
  });
  return h(
    'table',
    { class: 'artifacts' },
    h('thead', {}, h('tr', {}, ...['Artifact', 'Type', 'Size', 'Checksum', 'Status', ''].map((t) => h('th', { scope: 'col' }, t)))),
    h('tbody', {}, ...rows),
  );
}

async function playerAndTranscript(api: ArchiveApi, file: RecordFile, subject: string): Promise<HTMLElement> {
  const archived = file.archive.artifacts.filter((a) => a.status === 'archived');
  const hasMedia = archived.some((a) => a.kind === 'video' || a.kind === 'audio');
  const hasText = archived.some((a) => (a.kind === 'transcript' || a.kind === 'ai_transcript') && a.file_type.toLowerCase() === 'txt');
  const [addresses, transcripts] = await Promise.all([
    hasMedia ? api.get<Addresses>(`/addresses/${encodeURIComponent(file.record_file_id)}`) : undefined,
    hasText ? api.get<Transcripts>(`/transcripts/${encodeURIComponent(file.record_file_id)}`) : undefined,
  ]);
  const media = h('div', { class: 'media' });
  if (addresses?.download_address) media.append(h('video', { controls: true, preload: 'metadata', src: addresses.download_address, 'aria-label': `Video: ${subject}` }));
  if (addresses?.audio_address) media.append(h('label', { class: 'audio' }, 'Audio track', h('audio', { controls: true, preload: 'metadata', src: addresses.audio_address })));
  if (!media.hasChildNodes()) media.append(h('p', { class: 'empty' }, 'No archived video or audio yet.'));
  const text = transcripts?.transcripts[0];
  const transcript = h(
    'section',
    { class: 'transcript', 'aria-label': 'Transcript' },
    h('h3', {}, 'Transcript'),
    text ? h('pre', { tabindex: '0' }, text.text) : h('p', { class: 'empty' }, 'No text transcript archived.'),
    text?.truncated ? h('p', { class: 'note' }, 'Shortened to its first 1 MiB: download it for the rest.') : null,
  );
  return h('div', { class: 'viewer' }, media, transcript);
}

export async function renderRecord(root: HTMLElement, api: ArchiveApi, meetingRecordId: string, onAuthError: (error: ApiError) => void): Promise<void> {
  replace(root, h('p', {}, 'Loading…'));
  let meeting: Meeting;
  try {
    meeting = await api.get<Meeting>(`/records/${encodeURIComponent(meetingRecordId)}`);
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return onAuthError(error);
    replace(root, h('a', { href: '#/' }, '← All recordings'), h('p', { class: 'error', role: 'alert' }, `Could not open this recording: ${(error as Error).message}`));
    return;
  }
  const files = await Promise.all(
    meeting.record_files.map(async (file, i) => {
      const viewer = await playerAndTranscript(api, file, meeting.subject).catch((error: Error) => h('p', { class: 'error', role: 'alert' }, `Could not load the player: ${error.message}`));
      return h(
        'section',
        { class: 'file', 'aria-label': `File ${i + 1}` },
        h('h2', {}, `File ${i + 1} `, h('span', { class: 'code' }, file.record_file_id)),
        h('p', { class: 'meta' }, timeElement(file.record_start_time), ` · ${formatDuration(file.record_end_time - file.record_start_time)} · `, statusBadges(file.archive, file.archive.artifacts)),
        viewer,
        artifactTable(api, file),
      );
    }),
  );
  replace(
    root,
    h('a', { href: '#/', class: 'back' }, '← All recordings'),
    h('h1', {}, meeting.subject || '(no subject)'),
    h(
      'dl',
      { class: 'facts' },
      h('dt', {}, 'Host'),
      h('dd', {}, meeting.host_user_id ?? meeting.userid ?? ''),
      h('dt', {}, 'Start'),
      h('dd', {}, timeElement(meeting.media_start_time)),
      h('dt', {}, 'Meeting code'),
      h('dd', {}, meeting.meeting_code),
      h('dt', {}, 'Archive'),
      h('dd', {}, statusBadges(meeting.archive, meeting.record_files.flatMap((f) => f.archive.artifacts))),
    ),
    ...(files.length > 0 ? files : [h('p', { class: 'empty' }, 'No files yet.')]),
  );
}
