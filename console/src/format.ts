// Sizes, durations and times as the console shows them: times in the viewer's zone, UTC on hover.
import { h } from './dom.ts';

export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms <= 0) return '—';
  const total = Math.round(ms / 1000);
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  return hours > 0 ? `${hours} h ${String(minutes).padStart(2, '0')} min` : minutes > 0 ? `${minutes} min ${String(seconds).padStart(2, '0')} s` : `${seconds} s`;
}

const local = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export function utcText(ms: number): string {
  return `${new Date(ms).toISOString().replace('T', ' ').slice(0, 19)} UTC`;
}

/** A <time> in the viewer's zone, its UTC form in the title (shown on hover). */
export function timeElement(ms: number): HTMLTimeElement {
  return h('time', { datetime: new Date(ms).toISOString(), title: utcText(ms) }, local.format(new Date(ms)));
}

/** `YYYY-MM-DD` of a local day, for <input type="date">. */
export function dateInputValue(date: Date): string {
  return `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, '0')}-${String(date.getDate()).padStart(2, '0')}`;
}

/** Unix seconds of the start (or end) of a local day given as `YYYY-MM-DD`. */
export function dayBoundarySeconds(value: string, end: boolean): number {
  const [y, m, d] = value.split('-').map(Number);
  const date = end ? new Date(y!, m! - 1, d!, 23, 59, 59) : new Date(y!, m! - 1, d!, 0, 0, 0);
  return Math.floor(date.getTime() / 1000);
}
