/**
 * A report's period [from, end) as the read model holds it: whole local months, whole local days,
 * and the part-days at either edge (read entry by entry). Local time is UTC+7 (calendar/time.ts).
 */
import { DAY_MS, dayIndexOf, instantOf } from '../calendar/time.js';

/** A local day (days since 1970-01-01 local), a local month (year * 12 + month - 1), or [from, end) within day n. */
export type Slice = { kind: 'day' | 'month'; n: number } | { kind: 'part'; n: number; from: number; end: number };

export function monthOf(day: number): number {
  const d = new Date(day * DAY_MS);
  return d.getUTCFullYear() * 12 + d.getUTCMonth();
}

/** The first day of a month. */
export function firstDayOf(month: number): number {
  return Date.UTC(Math.floor(month / 12), month % 12, 1) / DAY_MS;
}

export function slicesOf(from: number, end: number): { slices: Slice[]; edges: [number, number][] } {
  if (!(from < end)) return { slices: [], edges: [] };
  const firstDay = Math.ceil((from - instantOf(0, 0)) / DAY_MS); // the first local midnight at or after from
  const endDay = dayIndexOf(end); // the day end falls in: whole days stop at its midnight
  if (firstDay >= endDay) {
    const midnight = instantOf(firstDay, 0); // each edge within one day: a batch touching that day drops it from the cache
    return { slices: [], edges: from < midnight && midnight < end ? [[from, midnight], [midnight, end]] : [[from, end]] };
  }
  const edges: [number, number][] = [];
  if (from < instantOf(firstDay, 0)) edges.push([from, instantOf(firstDay, 0)]);
  if (instantOf(endDay, 0) < end) edges.push([instantOf(endDay, 0), end]);
  const slices: Slice[] = [];
  for (let day = firstDay; day < endDay; ) {
    const month = monthOf(day);
    const next = firstDayOf(month + 1);
    if (day === firstDayOf(month) && next <= endDay) {
      slices.push({ kind: 'month', n: month });
      day = next;
    } else {
      slices.push({ kind: 'day', n: day });
      day++;
    }
  }
  return { slices, edges };
}
