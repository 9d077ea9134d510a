// How many listed recordings start when, per index partition: what total_count and page skipping
// read instead of the recordings themselves (archive-list.ts). Two items per partition and period:
//   COUNT#<partition> / YEAR#<yyyy>         d<ddd> = recordings starting on day-of-year ddd (001–366)
//   COUNT#<partition> / DAY#<yyyy-mm-dd>    n = the day's total; s<sssss> = recordings starting in
//                                           that second of the day (00000–86399)
// A year of totals is then one item, and where a page starts inside a day is one more: a list costs
// a handful of counter items whatever the archive's size, where per-day items alone cost one item
// per day of the range (365 for a year) and skipping into a day read the day's recordings.
// Seconds because the archive API's ranges are whole seconds: every range edge falls on a counted
// boundary. Attributes are top-level so that one UpdateExpression ADDs to them (ADD takes no paths).
import { DAY_MS, type StoredMeeting } from './archive-items.ts';

export const counterKeys = {
  pk: (partition: string) => `COUNT#${partition}`,
  year: (partition: string, year: number) => ({ pk: `COUNT#${partition}`, sk: `YEAR#${year}` }),
  day: (partition: string, isoDay: string) => ({ pk: `COUNT#${partition}`, sk: `DAY#${isoDay}` }),
} as const;

/** A counted slot: an index partition and the second a recording starts in (Unix seconds). */
export interface CounterSlot {
  readonly partition: string;
  readonly second: number;
}

/** Net count changes per slot, keyed `${partition}\0${second}`. */
export type CounterDeltas = ReadonlyMap<string, number>;

export const isoDay = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10);
export const dayNumber = (iso: string) => Math.round(Date.parse(`${iso}T00:00:00Z`) / DAY_MS);
const yearOfDay = (day: number) => new Date(day * DAY_MS).getUTCFullYear();
const firstDayOfYear = (year: number) => Date.UTC(year, 0, 1) / DAY_MS;
export const yearAttribute = (day: number) => `d${String(day - firstDayOfYear(yearOfDay(day)) + 1).padStart(3, '0')}`;
export const secondAttribute = (secondOfDay: number) => `s${String(secondOfDay).padStart(5, '0')}`;

export function slotKey(slot: CounterSlot): string {
  return `${slot.partition}\u0000${slot.second}`;
}

export function splitSlotKey(key: string): CounterSlot {
  const at = key.lastIndexOf('\u0000');
  return { partition: key.slice(0, at), second: Number(key.slice(at + 1)) };
}

/** The slots one listed item counts in: one per index partition it is in, at its start second. */
function slotsOf(item: StoredMeeting | undefined): string[] {
  if (!item || item.gsiStartSk === undefined) return [];
  const second = Math.floor(Math.max(0, Math.trunc(item.mediaStartTimeMs)) / 1000);
  return [item.gsiAccountPk, item.gsiMeetingIdPk, item.gsiMeetingCodePk, item.gsiUserPk]
    .filter((p): p is string => typeof p === 'string' && p.length > 0)
    .map((partition) => slotKey({ partition, second }));
}

/** Net counter changes when `before` is replaced by `after` (either may be absent). */
export function counterDeltas(before: ReadonlyArray<StoredMeeting | undefined>, after: ReadonlyArray<StoredMeeting | undefined>): Map<string, number> {
  const deltas = new Map<string, number>();
  for (const item of before) for (const slot of slotsOf(item)) deltas.set(slot, (deltas.get(slot) ?? 0) - 1);
  for (const item of after) for (const slot of slotsOf(item)) deltas.set(slot, (deltas.get(slot) ?? 0) + 1);
  for (const [slot, delta] of deltas) if (delta === 0) deltas.delete(slot);
  return deltas;
}

interface CounterChange {
  readonly key: { pk: string; sk: string };
  /** The period's own attributes (partition and day or year), for an operator reading the table. */
  readonly labels: Record<string, string | number>;
  readonly adds: Map<string, number>;
}

/** Deltas grouped into one change per counter item (a transaction may name an item only once). */
function changesOf(deltas: CounterDeltas): CounterChange[] {
  const changes = new Map<string, CounterChange>();
  const add = (key: { pk: string; sk: string }, labels: Record<string, string | number>, attribute: string, delta: number) => {
    const id = `${key.pk}\u0000${key.sk}`;
    let change = changes.get(id);
    if (!change) changes.set(id, (change = { key, labels, adds: new Map() }));
    change.adds.set(attribute, (change.adds.get(attribute) ?? 0) + delta);
  };
  for (const [slot, delta] of deltas) {
    const { partition, second } = splitSlotKey(slot);
    const day = Math.floor(second / 86_400);
    const year = yearOfDay(day);
    add(counterKeys.year(partition, year), { partition, year }, yearAttribute(day), delta);
    const dayLabels = { partition, day: isoDay(day) };
    add(counterKeys.day(partition, isoDay(day)), dayLabels, 'n', delta);
    add(counterKeys.day(partition, isoDay(day)), dayLabels, secondAttribute(second - day * 86_400), delta);
  }
  for (const change of changes.values()) for (const [attribute, delta] of change.adds) if (delta === 0) change.adds.delete(attribute);
  return [...changes.values()].filter((change) => change.adds.size > 0);
}

/** The TransactWriteItems `Update`s that apply `deltas` (ADD, so concurrent writers never lose a count). */
export function counterUpdates(tableName: string, deltas: CounterDeltas) {
  return changesOf(deltas).map(({ key, labels, adds }) => {
    const names: Record<string, string> = {};
    const values: Record<string, string | number> = {};
    const added = [...adds].map(([attribute, delta], i) => {
      names[`#a${i}`] = attribute;
      values[`:a${i}`] = delta;
      return `#a${i} :a${i}`;
    });
    const set = Object.entries(labels).map(([attribute, value], i) => {
      names[`#l${i}`] = attribute;
      values[`:l${i}`] = value;
      return `#l${i} = :l${i}`;
    });
    return {
      Update: {
        TableName: tableName,
        Key: key,
        UpdateExpression: `ADD ${added.join(', ')} SET ${set.join(', ')}`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      },
    };
  });
}

/**
 * The counter items of an index written from scratch (totals per slot): what a bulk load writes
 * with BatchWriteItem, the same items `counterUpdates` builds one recording at a time.
 */
export function counterItems(totals: CounterDeltas): Array<Record<string, string | number>> {
  return changesOf(totals).map(({ key, labels, adds }) => ({ ...key, ...labels, ...Object.fromEntries(adds) }));
}

/** Recordings per day (epoch day number) from YEAR items. */
export function dayCountsOf(yearItems: ReadonlyArray<Record<string, unknown>>): Map<number, number> {
  const out = new Map<number, number>();
  for (const item of yearItems) {
    const year = Number(String(item.sk).slice('YEAR#'.length));
    for (const [attribute, value] of Object.entries(item)) {
      if (!/^d\d{3}$/.test(attribute) || typeof value !== 'number' || value <= 0) continue;
      out.set(firstDayOfYear(year) + Number(attribute.slice(1)) - 1, value);
    }
  }
  return out;
}

/** Recordings per second (Unix seconds) from a DAY item, or undefined for a day counted before seconds were. */
export function secondCountsOf(dayItem: Record<string, unknown>): Map<number, number> | undefined {
  const day = dayNumber(String(dayItem.sk).slice('DAY#'.length));
  const out = new Map<number, number>();
  let sum = 0;
  for (const [attribute, value] of Object.entries(dayItem)) {
    if (!/^s\d{5}$/.test(attribute) || typeof value !== 'number' || value <= 0) continue;
    out.set(day * 86_400 + Number(attribute.slice(1)), value);
    sum += value;
  }
  return sum === Number(dayItem.n ?? 0) ? out : undefined;
}
