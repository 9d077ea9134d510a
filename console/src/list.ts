// The recordings list: newest first, paged, narrowed by date range, host, meeting code and subject.
import { ApiError, type ArchiveApi, type RecordList } from './api.ts';
import { h, replace } from './dom.ts';
import { dateInputValue, dayBoundarySeconds, formatDuration, timeElement } from './format.ts';
import { artifactsOf, meetingSize, statusBadges } from './status.ts';

export interface ListFilters {
  from: string;
  to: string;
  host: string;
  code: string;
  subject: string;
  page: number;
}

const PAGE_SIZE = 20;

export function defaultFilters(): ListFilters {
  const today = new Date();
  const from = new Date(today.getTime() - 90 * 86_400_000);
  return { from: dateInputValue(from), to: dateInputValue(today), host: '', code: '', subject: '', page: 1 };
}

export function filtersFromHash(hash: string): ListFilters {
  const params = new URLSearchParams(hash.replace(/^#\/?\??/, ''));
  const base = defaultFilters();
  return {
    from: params.get('from') ?? base.from,
    to: params.get('to') ?? base.to,
    host: params.get('host') ?? '',
    code: params.get('code') ?? '',
    subject: params.get('subject') ?? '',
    page: Math.max(1, Number(params.get('page') ?? 1) || 1),
  };
}

export function hashOf(filters: ListFilters): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(filters)) if (value !== '' && !(name === 'page' && value === 1)) params.set(name, String(value));
  return `#/?${params}`;
}

async function fetchPage(api: ArchiveApi, f: ListFilters): Promise<RecordList> {
  const common = { start_time: dayBoundarySeconds(f.from, false), end_time: dayBoundarySeconds(f.to, true), page: f.page, page_size: PAGE_SIZE, subject: f.subject.trim() };
  // Tencent's precedence: a meeting code selects the meeting; a host lists what they hosted.
  if (f.code.trim()) return api.get('/records', { ...common, meeting_code: f.code.trim() });
  if (f.host.trim()) return api.get('/records', { ...common, userid: f.host.trim() });
  try {
    return await api.get('/corp/records', common);
  } catch (error) {
    // A caller without the admin scope lists their own recordings.
    if (error instanceof ApiError && error.status === 403) return api.get('/records', common);
    throw error;
  }
}

export async function renderList(root: HTMLElement, api: ArchiveApi, filters: ListFilters, onAuthError: (error: ApiError) => void): Promise<void> {
  const field = (name: keyof ListFilters, label: string, type: string, placeholder = '') =>
    h('label', {}, label, h('input', { name, type, value: String(filters[name]), placeholder, ...(name === 'subject' ? { id: 'filter-subject' } : {}) }));
  const form = h(
    'form',
    { class: 'filters', role: 'search', 'aria-label': 'Filter recordings' },
    field('from', 'From', 'date'),
    field('to', 'To', 'date'),
    field('host', 'Host user', 'text', 'userid'),
    field('code', 'Meeting code', 'text', '9 digits'),
    field('subject', 'Subject contains', 'search', 'e.g. 周会'),
    h('button', { type: 'submit' }, 'Apply'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const next: ListFilters = { from: String(data.get('from')), to: String(data.get('to')), host: String(data.get('host')), code: String(data.get('code')), subject: String(data.get('subject')), page: 1 };
    location.hash = hashOf(next);
  });
  const results = h('section', { class: 'results', 'aria-busy': 'true' }, h('p', {}, 'Loading…'));
  replace(root, h('h1', {}, 'Recordings'), form, results);

  let list: RecordList;
  try {
    list = await fetchPage(api, filters);
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return onAuthError(error);
    replace(results, h('p', { class: 'error', role: 'alert' }, `Could not list recordings: ${(error as Error).message}`));
    return;
  }
  results.setAttribute('aria-busy', 'false');
  if (list.record_meetings.length === 0) {
    replace(results, h('p', { class: 'empty' }, 'No recordings match these filters.'));
    return;
  }
  const rows = list.record_meetings.map((m) => {
    const start = m.media_start_time;
    // What was recorded: the files' lengths (a paused meeting's gaps are not in it).
    const recorded = m.record_files.reduce((sum, f) => sum + Math.max(0, f.record_end_time - f.record_start_time), 0);
    const subject = m.meeting_record_id ? h('a', { href: `#/record/${encodeURIComponent(m.meeting_record_id)}` }, m.subject || '(no subject)') : h('span', {}, m.subject || '(no subject)');
    return h(
      'tr',
      {},
      h('td', { class: 'subject' }, subject, h('div', { class: 'code' }, m.meeting_code)),
      h('td', {}, m.host_user_id ?? m.userid ?? ''),
      h('td', {}, timeElement(start)),
      h('td', {}, formatDuration(recorded)),
      h('td', { class: 'num' }, meetingSize(m)),
      h('td', {}, statusBadges(m.archive, artifactsOf(m.record_files))),
    );
  });
  const go = (page: number) => () => (location.hash = hashOf({ ...filters, page }));
  replace(
    results,
    h(
      'table',
      { class: 'recordings' },
      h('caption', {}, `${list.total_count} recording${list.total_count === 1 ? '' : 's'}, newest first`),
      h('thead', {}, h('tr', {}, ...['Subject', 'Host', 'Start', 'Duration', 'Size', 'Archive status'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, ...rows),
    ),
    h(
      'nav',
      { class: 'pager', 'aria-label': 'Pages' },
      h('button', { type: 'button', disabled: list.current_page <= 1, onclick: go(list.current_page - 1) }, '← Newer'),
      h('span', {}, `Page ${list.current_page} of ${Math.max(1, list.total_page)}`),
      h('button', { type: 'button', disabled: list.current_page >= list.total_page, onclick: go(list.current_page + 1) }, 'Older →'),
    ),
  );
}
