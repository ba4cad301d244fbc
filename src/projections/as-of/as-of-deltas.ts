/**
 * The correction that turns the report index into figures as known at T: the deltas of the
 * report entries (report-deltas.ts) recorded after T whose instant is before the report's end,
 * summed per receiving unit as the index's buckets are (all, by procedure, steps by handler).
 * The index counts every delta; the index less these counts only those recorded by T.
 */
import type Database from 'better-sqlite3';
import { DOSSIER_CATEGORIES, STEP_CATEGORIES } from '../report-index/index-entries.js';
import { LAG_CLASSES, lagBound } from './report-deltas.js';
import type { Correction, ReportWindow, Tally } from '../report-index/timeliness-report.js';

/** Where a unit's tallies are in DeltaCorrection's values: all its dossiers, by procedure, steps by handler. */
interface Slots {
  all: number;
  byProcedure: Map<string, number>;
  byHandler: Map<string, number>;
}

/** A delta as read: at, unit, procedure, handler, category, n, position. */
export type DeltaRead = [at: number, unitId: string, procedureCode: string, handler: string, category: number, n: number, position: number];

/**
 * The counts as a worker posts them back: one buffer (moved, not copied) and the slots' names,
 * [unit, kind, key] each in the order of the buffer, instead of a Map of Maps of small arrays
 * (hundreds of typed arrays: milliseconds to clone on the thread serving requests).
 */
export interface EncodedCorrection {
  names: string[];
  values: Float64Array;
}

const NO_SLOT = -1;
const ALL = 'a';
const PROCEDURE = 'p';
const HANDLER = 'h';
const sizeOf = (kind: string) => 2 * (kind === HANDLER ? STEP_CATEGORIES : DOSSIER_CATEGORIES);

export class DeltaCorrection implements Correction {
  private readonly units = new Map<string, Slots>();
  /** Each slot: the counts before `from`, then before `end`, of its categories. */
  private values: Float64Array = new Float64Array(64 * DOSSIER_CATEGORIES);
  private used = 0;
  private readonly names: string[] = [];

  constructor(private readonly window: ReportWindow) {}

  /** The correction a worker counted (`encode()`), to go on counting here. */
  static decode(window: ReportWindow, { names, values }: EncodedCorrection): DeltaCorrection {
    const c = new DeltaCorrection(window);
    for (let i = 0; i < names.length; i += 3) c.slot(names[i], names[i + 1], names[i + 2]);
    if (c.used !== values.length) throw new Error(`an as-of correction of ${values.length} counts does not match its ${names.length / 3} names`);
    c.values = values;
    return c;
  }

  /** The counts so far, to post: the buffer of `values` can be moved (this correction is done with then). */
  encode(): EncodedCorrection {
    return { names: this.names, values: this.values.slice(0, this.used) };
  }

  add([at, unitId, procedureCode, handler, category, n]: DeltaRead): void {
    if (handler === '') {
      this.count(this.slot(unitId, ALL, ''), category, at, n, DOSSIER_CATEGORIES);
      this.count(this.slot(unitId, PROCEDURE, procedureCode), category, at, n, DOSSIER_CATEGORIES);
    } else this.count(this.slot(unitId, HANDLER, handler), category, at, n, STEP_CATEGORIES);
  }

  private count(slot: number, category: number, at: number, n: number, categories: number): void {
    if (at < this.window.from) this.values[slot + category] += n;
    if (at < this.window.end) this.values[slot + categories + category] += n;
  }

  /** Where the counts of (unit, kind, key) start, made when missing. */
  private slot(unitId: string, kind: string, key: string): number {
    let u = this.units.get(unitId);
    if (u === undefined) this.units.set(unitId, (u = { all: NO_SLOT, byProcedure: new Map(), byHandler: new Map() }));
    const existing = kind === ALL ? u.all : (kind === PROCEDURE ? u.byProcedure : u.byHandler).get(key);
    if (existing !== undefined && existing !== NO_SLOT) return existing;
    const at = this.used;
    this.used += sizeOf(kind);
    if (this.used > this.values.length) {
      const bigger = new Float64Array(Math.max(this.used, this.values.length * 2));
      bigger.set(this.values);
      this.values = bigger;
    }
    if (kind === ALL) u.all = at;
    else (kind === PROCEDURE ? u.byProcedure : u.byHandler).set(key, at);
    this.names.push(unitId, kind, key);
    return at;
  }

  tally(units: readonly string[], kind: 'all' | 'procedure' | 'handler', key?: string): Tally | undefined {
    let out: Tally | undefined;
    for (const unitId of units) {
      const u = this.units.get(unitId);
      if (u === undefined) continue;
      const at = kind === 'all' ? u.all : (kind === 'procedure' ? u.byProcedure : u.byHandler).get(key!);
      if (at === undefined || at === NO_SLOT) continue;
      const C = kind === 'handler' ? STEP_CATEGORIES : DOSSIER_CATEGORIES;
      out ??= { atFrom: new Float64Array(C), atEnd: new Float64Array(C) };
      for (let c = 0; c < C; c++) {
        out.atFrom[c] += this.values[at + c];
        out.atEnd[c] += this.values[at + C + c];
      }
    }
    return out;
  }

  *keys(units: readonly string[], kind: 'procedure' | 'handler'): Iterable<string> {
    for (const unitId of units) {
      const u = this.units.get(unitId);
      if (u !== undefined) yield* (kind === 'procedure' ? u.byProcedure : u.byHandler).keys();
    }
  }
}

const SELECT = 'SELECT at, unit_id, procedure_code, handler, category, n, position FROM report_deltas';

/**
 * The deltas recorded after `asOf` with an instant before `end`, read on `db` (a read-only
 * connection of the caller's, in one read transaction) one lag class at a time. `onRow` gets
 * each; the answer is the last rowid of the table as read (later deltas: `deltasSince`).
 */
export function readDeltasAfter(db: Database.Database, asOf: number, end: number, onRow: (row: DeltaRead) => void): number {
  const byClass = db
    .prepare<[number, number, number, number], DeltaRead>(`${SELECT} INDEXED BY report_deltas_by_lag WHERE lag_class = ? AND at > ? AND at < ? AND recorded_at > ?`)
    .raw(true);
  db.exec('BEGIN');
  try {
    const lastRowid = db.prepare<[], { last: number | null }>('SELECT max(rowid) AS last FROM report_deltas').get()?.last ?? 0;
    for (let k = 0; k < LAG_CLASSES; k++) {
      // In class k the lag is below lagBound(k): recorded after asOf means at > asOf - lagBound(k).
      for (const row of byClass.iterate(k, asOf - lagBound(k), end, asOf)) onRow(row);
    }
    return lastRowid;
  } finally {
    db.exec('COMMIT');
  }
}

/** deltasSince's statement per connection: prepared once (a prepare was a tenth of a millisecond per as-of report on the thread serving requests). */
const since = new WeakMap<Database.Database, Database.Statement<[number, number, number], DeltaRead>>();

/** The deltas written after rowid `after` (committed since a read of `readDeltasAfter`), recorded after `asOf`, before `end`. */
export function deltasSince(db: Database.Database, after: number, asOf: number, end: number): DeltaRead[] {
  let statement = since.get(db);
  if (statement === undefined) since.set(db, (statement = db.prepare<[number, number, number], DeltaRead>(`${SELECT} WHERE rowid > ? AND recorded_at > ? AND at < ?`).raw(true)));
  return statement.all(after, asOf, end);
}
