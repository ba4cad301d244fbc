/** The dossier list and the overdue watcher's queries over the `dossiers` table (read-models.ts). */
import type Database from 'better-sqlite3';
import type { DossierStatus, DossierView } from './dossier-view.js';
import { decodeView } from './view-codec.js';

export interface ListQuery {
  /** Receiving unit among these. */
  unitIds?: string[];
  currentUnitId?: string;
  status?: DossierStatus;
  /** Overdue at `now`: running (not awaiting) with its due instant before now. */
  overdue?: boolean;
  now: number;
  /** Restricts to dossiers received by or held by one of these units (a supervisor's reach). */
  visibleUnitIds?: string[];
  afterSeq: number;
  limit: number;
}

export function listDossiers(db: Database.Database, q: ListQuery): DossierView[] {
  const where: string[] = ['seq > ?'];
  const params: (string | number)[] = [q.afterSeq];
  if (q.unitIds !== undefined) {
    if (q.unitIds.length === 1) {
      where.push('unit_id = ?');
    } else {
      // The unary + keeps SQLite walking the seq index instead of sorting every match of a big subtree.
      where.push(`+unit_id IN (${q.unitIds.map(() => '?').join(',')})`);
    }
    params.push(...q.unitIds);
  }
  if (q.currentUnitId !== undefined) {
    where.push('current_unit_id = ?');
    params.push(q.currentUnitId);
  }
  if (q.status !== undefined) {
    where.push('status = ?');
    params.push(q.status);
  }
  if (q.overdue !== undefined) {
    where.push(`${q.overdue ? '' : 'NOT '}(status = 'received' AND due_at < ?)`);
    params.push(q.now);
  }
  if (q.visibleUnitIds !== undefined) {
    const marks = q.visibleUnitIds.map(() => '?').join(',');
    where.push(`(+unit_id IN (${marks}) OR +current_unit_id IN (${marks}))`);
    params.push(...q.visibleUnitIds, ...q.visibleUnitIds);
  }
  params.push(q.limit);
  const sql = `SELECT view FROM dossiers WHERE ${where.join(' AND ')} ORDER BY seq LIMIT ?`;
  return db
    .prepare<(string | number)[], { view: string }>(sql)
    .all(...params)
    .map((r) => decodeView(r.view));
}

/**
 * The overdue watcher's queries (prepared on first use: a file being bulk-loaded has no indexes
 * yet). They name the partial index: without statistics (a fresh live file) SQLite otherwise
 * picks the status index and sorts every received dossier after each batch.
 */
export function prepareWatch(db: Database.Database) {
  return {
    dueBefore: db.prepare<[number, number], { dossier_id: string; due_at: number }>(
      `SELECT dossier_id, due_at FROM dossiers INDEXED BY dossiers_due_watch
       WHERE status = 'received' AND overdue_marked = 0 AND due_at < ? ORDER BY due_at LIMIT ?`,
    ),
    nextDue: db.prepare<[number], { due_at: number }>(
      `SELECT due_at FROM dossiers INDEXED BY dossiers_due_watch
       WHERE status = 'received' AND overdue_marked = 0 AND due_at >= ? ORDER BY due_at LIMIT 1`,
    ),
  };
}

/** The dossiers and the deltas, in a comparable form: rebuilt and live models must be equal. */
export function dumpTables(db: Database.Database): { dossiers: unknown[]; deltas: unknown[] } {
  return {
    dossiers: db.prepare('SELECT * FROM dossiers ORDER BY seq').all(),
    // Net per entry and recorded instant: a live and a bulk fold may split the same changes differently.
    deltas: db
      .prepare(
        `SELECT unit_id, procedure_code, handler, category, at, recorded_at, SUM(n) AS n FROM report_deltas
         GROUP BY unit_id, procedure_code, handler, category, at, recorded_at HAVING SUM(n) <> 0 ORDER BY 1, 2, 3, 4, 5, 6`,
      )
      .all(),
  };
}
