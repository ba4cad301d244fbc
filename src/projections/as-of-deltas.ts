/**
 * The correction that turns the report index into figures as known at T: the deltas of the
 * report entries (report-deltas.ts) recorded after T whose instant is before the report's end,
 * summed per receiving unit as the index's buckets are (all, by procedure, steps by handler).
 * The index counts every delta; the index less these counts only those recorded by T.
 */
import type Database from 'better-sqlite3';
import { DOSSIER_CATEGORIES, STEP_CATEGORIES } from './index-entries.js';
import { LAG_CLASSES, lagBound } from './report-deltas.js';
import type { Correction, ReportWindow, Tally } from './timeliness-report.js';

/** Per receiving unit (a Map of Maps and Float64Arrays: what a worker posts back as it is). */
export type UnitDeltas = Map<string, Deltas>;

interface Deltas {
  all?: Tally;
  byProcedure: Map<string, Tally>;
  byHandler: Map<string, Tally>;
}

/** A delta as read: at, unit, procedure, handler, category, n, position. */
export type DeltaRead = [at: number, unitId: string, procedureCode: string, handler: string, category: number, n: number, position: number];

const newTally = (categories: number): Tally => ({ atFrom: new Float64Array(categories), atEnd: new Float64Array(categories) });

export class DeltaCorrection implements Correction {
  constructor(
    private readonly window: ReportWindow,
    /** Counted so far: from another thread's read, or empty. */
    readonly units: UnitDeltas = new Map(),
  ) {}

  add([at, unitId, procedureCode, handler, category, n]: DeltaRead): void {
    let u = this.units.get(unitId);
    if (u === undefined) this.units.set(unitId, (u = { byProcedure: new Map(), byHandler: new Map() }));
    if (handler === '') {
      this.count((u.all ??= newTally(DOSSIER_CATEGORIES)), category, at, n);
      this.count(getOrCreate(u.byProcedure, procedureCode, DOSSIER_CATEGORIES), category, at, n);
    } else this.count(getOrCreate(u.byHandler, handler, STEP_CATEGORIES), category, at, n);
  }

  private count(t: Tally, category: number, at: number, n: number): void {
    if (at < this.window.from) t.atFrom[category] += n;
    if (at < this.window.end) t.atEnd[category] += n;
  }

  tally(units: readonly string[], kind: 'all' | 'procedure' | 'handler', key?: string): Tally | undefined {
    let out: Tally | undefined;
    for (const unitId of units) {
      const u = this.units.get(unitId);
      const t = u === undefined ? undefined : kind === 'all' ? u.all : (kind === 'procedure' ? u.byProcedure : u.byHandler).get(key!);
      if (t === undefined) continue;
      out ??= newTally(t.atFrom.length);
      for (let c = 0; c < t.atFrom.length; c++) {
        out.atFrom[c] += t.atFrom[c];
        out.atEnd[c] += t.atEnd[c];
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

function getOrCreate(map: Map<string, Tally>, key: string, categories: number): Tally {
  let t = map.get(key);
  if (t === undefined) map.set(key, (t = newTally(categories)));
  return t;
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

/** The deltas written after rowid `after` (committed since a read of `readDeltasAfter`), recorded after `asOf`, before `end`. */
export function deltasSince(db: Database.Database, after: number, asOf: number, end: number): DeltaRead[] {
  return db
    .prepare<[number, number, number], DeltaRead>(`${SELECT} WHERE rowid > ? AND recorded_at > ? AND at < ?`)
    .raw(true)
    .all(after, asOf, end);
}
