/**
 * The entry-lag aggregates, derived from the entry rows rather than kept per event: a local day's
 * rows (per unit and event type) are summarised from its entries in one pass, and a month's rows
 * from its days'. A batch only marks the days it wrote entries to as stale (a late entry marks a
 * past day again); a query summarises the stale days it reads first, and a step between batches
 * (entry-lag-compactor.ts) the others, a few days at a time (a build from the log leaves them all).
 */
import type Database from 'better-sqlite3';
import { decode, encode, type LagSummary, mergeSummaries, summaryOfEntries } from './lag-histogram.js';
import { firstDayOf, monthOf, type Slice } from './periods.js';

/** The stale-day table and the aggregate tables' columns (the read model's schema holds them). */
export const STALE_TABLE = 'entry_lag_stale';
export const COLUMNS = 'events, late, min_ms, max_ms, office_min_ms, office_max_ms, wall, office';

export interface AggregateRow {
  events: number;
  late: number;
  min_ms: number;
  max_ms: number;
  office_min_ms: number;
  office_max_ms: number;
  wall: Buffer;
  office: Buffer;
}

export const summaryOf = (r: AggregateRow): LagSummary => ({
  events: r.events,
  late: r.late,
  minMs: r.min_ms,
  maxMs: r.max_ms,
  officeMinMs: r.office_min_ms,
  officeMaxMs: r.office_max_ms,
  wall: decode(r.wall),
  office: decode(r.office),
});

/** An entry as read: unit, event type, lag, office lag, late (0 or 1); and its log position when a step reads a day in parts. */
export type EntryTuple = [unitId: string, eventType: string, lagMs: number, officeMs: number, late: number, position?: number];

/** Entries grouped per unit and event type, as they will be summarised. */
type Grouped = Map<string, Map<string, { lags: number[]; offices: number[]; late: number }>>;

/** Adds entries to their groups (a day read in parts is grouped part by part, then summarised once). */
function group(entries: Iterable<EntryTuple>, lists: Grouped = new Map()): Grouped {
  for (const [unitId, type, lag, office, late] of entries) {
    let byType = lists.get(unitId);
    if (byType === undefined) lists.set(unitId, (byType = new Map()));
    let e = byType.get(type);
    if (e === undefined) byType.set(type, (e = { lags: [], offices: [], late: 0 }));
    e.lags.push(lag);
    e.offices.push(office);
    e.late += late;
  }
  return lists;
}

function summarised(lists: Grouped): Map<string, Map<string, LagSummary>> {
  return new Map([...lists].map(([unitId, byType]) => [unitId, new Map([...byType].map(([type, e]) => [type, summaryOfEntries(e.lags, e.offices, e.late)]))]));
}

/** Entries summarised per unit and event type. */
export function summariesOf(entries: Iterable<EntryTuple>): Map<string, Map<string, LagSummary>> {
  return summarised(group(entries));
}

const INSERT_CHUNK = 80; // rows per multi-row INSERT: 11 parameters each

type Row = [period: number, unitId: string, eventType: string, sum: LagSummary];

const DAY = 0;
const MONTH = 1;

/** A period's rows being written a part a step. */
interface Writing {
  rows: Row[];
  written: number;
}

/** Rows a step reads or writes: an eighth of its entries (a row is two histograms decoded or encoded). */
const rowsPerStep = (maxEntries: number) => Math.max(1, Math.floor(maxEntries / 8));

export class Compaction {
  /** Stale days, and stale months (a month's rows are made from its days' when a report reads the month whole). */
  private readonly staleDays = new Set<number>();
  private readonly staleMonths = new Set<number>();
  private readonly statements = new Map<string, Database.Statement>();
  /** The day `some` is summarising over several steps: its entries read up to position `after`, grouped; then its rows, written in parts. */
  private begun: { day: number; after: number; entries: Grouped; writing?: Writing } | undefined;
  /** The month `some` is summarising from its days' rows over several steps: the day and row read next, the sums so far; then its rows, written in parts. */
  private begunMonth: { month: number; next: number; afterKey: [string, string] | undefined; sums: Map<string, Row>; writing?: Writing } | undefined;

  constructor(private readonly db: Database.Database) {
    for (const [kind, n] of db.prepare(`SELECT kind, n FROM ${STALE_TABLE}`).raw().all() as [number, number][]) (kind === DAY ? this.staleDays : this.staleMonths).add(n);
  }

  /** A batch wrote entries to these days (in its transaction): their rows and their months' no longer count every entry. */
  marked(days: ReadonlySet<number>): void {
    if (days.size === 0) return;
    const months = new Set([...days].map(monthOf));
    const params = [...[...days].flatMap((d) => [DAY, d]), ...[...months].flatMap((m) => [MONTH, m])];
    this.prepared(`INSERT OR IGNORE INTO ${STALE_TABLE} (kind, n) VALUES ${placeholders(params.length / 2, 2)}`).run(params);
    // Ahead of the commit: a batch rolled back leaves a period marked that is not stale, summarised once more for nothing.
    for (const d of days) this.staleDays.add(d);
    for (const m of months) this.staleMonths.add(m);
    // A month being summarised from days one of which changed: started again.
    if (this.begunMonth !== undefined && months.has(this.begunMonth.month)) this.begunMonth = undefined;
    // A day whose rows were being written gained entries: read on from where it was, written again.
    if (this.begun !== undefined && days.has(this.begun.day)) this.begun.writing = undefined;
  }

  /** Summarises the stale days and months a report reads whole, in one transaction. */
  ensure(slices: readonly Slice[]): void {
    if (this.staleDays.size === 0 && this.staleMonths.size === 0) return;
    const months = slices.filter((s) => s.kind === 'month' && this.staleMonths.has(s.n)).map((s) => s.n);
    const inMonths = new Set(months);
    const days = [...this.staleDays].filter((d) => inMonths.has(monthOf(d)));
    for (const s of slices) if (s.kind === 'day' && this.staleDays.has(s.n)) days.push(s.n);
    if (days.length > 0 || months.length > 0) this.compact(days, months);
  }

  /** Every stale day and month summarised (a build from the log leaves them all stale: one ordered pass). */
  all(): void {
    if (this.staleDays.size > 0 || this.staleMonths.size > 0) this.compact([...this.staleDays], [...this.staleMonths]);
  }

  /**
   * A bounded step between batches: up to `maxEntries` entries of the newest stale day before
   * `beforeDay` (the likeliest read), added to what earlier steps gathered of it; once its last
   * entries are read, its rows are summarised and written, an eighth of `maxEntries` rows a step
   * (the day stays stale until the last: a report reading it meanwhile summarises it whole). With
   * no stale day left before `beforeDay`, a stale month wholly before it, from its days' rows read
   * an eighth of `maxEntries` a step, then written so. Whether any remain.
   */
  some(beforeDay: number, maxEntries: number): boolean {
    const days = [...this.staleDays].filter((d) => d < beforeDay);
    if (days.length > 0) {
      // A day begun by an earlier step is finished first; entries only come after those it read (keyed by position).
      const day = this.begun !== undefined && this.staleDays.has(this.begun.day) ? this.begun.day : Math.max(...days);
      if (this.begun?.day !== day) this.begun = { day, after: -1, entries: new Map() };
      const begun = this.begun;
      if (begun.writing === undefined) {
        const read = this.prepared('SELECT unit_id, event_type, lag_ms, office_ms, late, position FROM entry_lag_events WHERE day = ? AND position > ? ORDER BY position LIMIT ?').raw();
        const rows = read.all(day, begun.after, maxEntries) as EntryTuple[];
        group(rows, begun.entries);
        if (rows.length > 0) begun.after = rows[rows.length - 1][5]!;
        if (rows.length === maxEntries) return true;
        // Its last entries read: its rows, written from the next step on.
        begun.writing = { rows: [...summarised(begun.entries)].flatMap(([unitId, byType]) => [...byType].map(([type, sum]): Row => [day, unitId, type, sum])), written: 0 };
        return true;
      }
      if (!this.writePart(DAY, day, begun.writing, maxEntries)) return true;
      this.staleDays.delete(day);
      this.begun = undefined;
      return days.length > 1 || [...this.staleMonths].some((m) => firstDayOf(m + 1) <= beforeDay);
    }
    const months = [...this.staleMonths].filter((m) => firstDayOf(m + 1) <= beforeDay);
    if (months.length === 0) return false;
    const month = this.begunMonth !== undefined && this.staleMonths.has(this.begunMonth.month) ? this.begunMonth.month : Math.max(...months);
    if (this.begunMonth?.month !== month) this.begunMonth = { month, next: firstDayOf(month), afterKey: undefined, sums: new Map() };
    const b = this.begunMonth;
    if (b.writing === undefined) {
      const most = rowsPerStep(maxEntries);
      const [unitId, type] = b.afterKey ?? ['', ''];
      const read = this.prepared(`SELECT unit_id, event_type, ${COLUMNS} FROM entry_lag_days WHERE day = ? AND (unit_id, event_type) > (?, ?) ORDER BY unit_id, event_type LIMIT ?`);
      const rows = read.all(b.next, unitId, type, most) as (AggregateRow & { unit_id: string; event_type: string })[];
      for (const r of rows) {
        const key = `${r.unit_id}\u0000${r.event_type}`;
        const sum = b.sums.get(key);
        b.sums.set(key, [month, r.unit_id, r.event_type, sum === undefined ? summaryOf(r) : mergeSummaries([sum[3], summaryOf(r)])]);
      }
      if (rows.length === most) b.afterKey = [rows[most - 1].unit_id, rows[most - 1].event_type];
      else [b.next, b.afterKey] = [b.next + 1, undefined];
      if (b.next < firstDayOf(month + 1)) return true;
      b.writing = { rows: [...b.sums.values()], written: 0 };
      return true;
    }
    if (!this.writePart(MONTH, month, b.writing, maxEntries)) return true;
    this.staleMonths.delete(month);
    this.begunMonth = undefined;
    return months.length > 1;
  }

  /**
   * The next part of a day's or a month's rows, in one transaction: the first removes its old rows,
   * the last marks it no longer stale. Whether that was the last.
   */
  private writePart(kind: typeof DAY | typeof MONTH, n: number, w: Writing, maxEntries: number): boolean {
    const [table, period] = kind === DAY ? ['entry_lag_days', 'day'] : ['entry_lag_months', 'month'];
    const to = Math.min(w.rows.length, w.written + rowsPerStep(maxEntries));
    this.db.transaction(() => {
      if (w.written === 0) this.prepared(`DELETE FROM ${table} WHERE ${period} = ?`).run(n);
      this.insert(table, period, w.rows.slice(w.written, to));
      if (to === w.rows.length) this.prepared(`DELETE FROM ${STALE_TABLE} WHERE kind = ? AND n = ?`).run(kind, n);
    })();
    w.written = to;
    return to === w.rows.length;
  }

  private prepared(sql: string): Database.Statement {
    let s = this.statements.get(sql);
    if (s === undefined) this.statements.set(sql, (s = this.db.prepare(sql)));
    return s;
  }

  /** In one transaction; forgotten as stale once it committed. */
  private compact(days: readonly number[], months: readonly number[]): void {
    this.db.transaction(() => this.summarise(days, months))();
    for (const d of days) this.staleDays.delete(d);
    for (const m of months) this.staleMonths.delete(m);
  }

  private summarise(days: readonly number[], months: readonly number[]): void {
    const daysOf = new Map<number, number[]>(months.map((m) => [m, []]));
    for (const d of [...days].sort((a, b) => a - b)) {
      const m = monthOf(d);
      const list = daysOf.get(m);
      if (list) list.push(d);
      else daysOf.set(m, [d]);
    }
    const stale = new Set(months);
    for (const [month, list] of daysOf) this.month(month, list, stale.has(month));
    const done = [...days.flatMap((d) => [DAY, d]), ...months.flatMap((m) => [MONTH, m])];
    for (let i = 0; i < done.length; i += 400) {
      const chunk = done.slice(i, i + 400);
      this.prepared(`DELETE FROM ${STALE_TABLE} WHERE (kind, n) IN (VALUES ${placeholders(chunk.length / 2, 2)})`).run(chunk);
    }
  }

  /**
   * The rows of these days of a month, from their entries (one range read per day); and the month's
   * rows when `whole`, from those and the stored rows of its other days.
   */
  private month(month: number, days: readonly number[], whole: boolean): void {
    const acc = new Map<string, { unitId: string; type: string; parts: LagSummary[] }>();
    const add = (unitId: string, type: string, s: LagSummary) => {
      const key = `${unitId}\u0000${type}`;
      const a = acc.get(key);
      if (a === undefined) acc.set(key, { unitId, type, parts: [s] });
      else a.parts.push(s);
    };
    const fresh = new Set(days);
    if (whole) {
      const stored = this.prepared(`SELECT day, unit_id, event_type, ${COLUMNS} FROM entry_lag_days WHERE day >= ? AND day < ?`);
      for (const r of stored.all(firstDayOf(month), firstDayOf(month + 1)) as (AggregateRow & { day: number; unit_id: string; event_type: string })[]) {
        if (!fresh.has(r.day)) add(r.unit_id, r.event_type, summaryOf(r));
      }
    }
    const read = this.prepared('SELECT unit_id, event_type, lag_ms, office_ms, late FROM entry_lag_events WHERE day = ?').raw();
    for (const day of days) {
      this.prepared('DELETE FROM entry_lag_days WHERE day = ?').run(day);
      const out: Row[] = [];
      for (const [unitId, byType] of summariesOf(read.all(day) as EntryTuple[])) {
        for (const [type, sum] of byType) {
          out.push([day, unitId, type, sum]);
          if (whole) add(unitId, type, sum);
        }
      }
      this.insert('entry_lag_days', 'day', out);
    }
    if (whole) {
      this.prepared('DELETE FROM entry_lag_months WHERE month = ?').run(month);
      this.insert('entry_lag_months', 'month', [...acc.values()].map((a) => [month, a.unitId, a.type, mergeSummaries(a.parts)]));
    }
  }

  private insert(table: string, period: string, rows: readonly Row[]): void {
    for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
      const chunk = rows.slice(i, i + INSERT_CHUNK);
      const sql = `INSERT INTO ${table} (${period}, unit_id, event_type, ${COLUMNS}) VALUES ${placeholders(chunk.length, 11)}`;
      this.prepared(sql).run(chunk.flatMap(([p, u, t, s]) => [p, u, t, s.events, s.late, s.minMs, s.maxMs, s.officeMinMs, s.officeMaxMs, encode(s.wall), encode(s.office)]));
    }
  }
}

const lists = new Map<number, string>();
/** `(?,?),(?,?)...`: n rows of width parameters (a width of 1: `?,?...`), made once per shape (every batch asks). */
export function placeholders(n: number, width: number): string {
  const key = n * 64 + width;
  let list = lists.get(key);
  if (list === undefined) {
    const row = width === 1 ? '?' : `(${Array.from({ length: width }, () => '?').join(',')})`;
    lists.set(key, (list = Array.from({ length: n }, () => row).join(',')));
  }
  return list;
}

