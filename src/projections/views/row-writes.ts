/** Writing dossier rows and the deltas of their report entries (report-deltas.ts), several rows per statement. */
import type { DossierView } from './dossier-view.js';
import type Database from 'better-sqlite3';
import { CHANGED, type Row } from './live-fold.js';
import type { QuarantinedEvent } from '../quarantine.js';
import { rowOf, ROWS_PER_INSERT, type Statements } from '../read-models-schema.js';
import { DELTA_STRIDE, type DeltaPage, type DeltaRow, lagClass } from '../as-of/report-deltas.js';
import type { TimelinessIndex } from '../report-index/timeliness-index.js';

/** A view to write, with its encoding when the caller has it already (a rebuild's worker). */
export interface ToWrite {
  view: DossierView;
  encoded?: string;
}

/** A live batch's rows, their deltas, what it quarantined and its checkpoint (run in one transaction). */
export function writeLiveRows(stmt: Statements, rows: readonly Row[], checkpoint: number, quarantined: readonly QuarantinedEvent[]): void {
  for (const row of rows) {
    // A row not there after all (its batch before was not committed here) is inserted.
    if (row[11] === undefined || updateChanged(stmt, row, row[11]) === 0) {
      stmt.upsertDossier.run(row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7], row[8], row[9]);
    }
    if (row[10] !== undefined) insertDeltaRows(stmt, row[10]);
  }
  insertQuarantined(stmt, quarantined);
  stmt.setCheckpoint.run(String(checkpoint));
}

/** A stored row's update setting only the indexed columns in `changed`, with its position and view: the rows it changed. */
function updateChanged(stmt: Statements, row: Row, changed: number): number {
  let byMask = updates.get(stmt);
  if (byMask === undefined) updates.set(stmt, (byMask = new Map()));
  let update = byMask.get(changed);
  if (update === undefined) {
    const set = UPDATABLE.filter(([bit]) => changed & bit).map(([, column]) => `${column} = ?`);
    update = stmt.upsertDossier.database.prepare(`UPDATE dossiers SET ${[...set, 'position = ?', 'view = ?'].join(', ')} WHERE dossier_id = ?`);
    byMask.set(changed, update);
  }
  const params: (string | number)[] = UPDATABLE.filter(([bit]) => changed & bit).map(([, , at]) => row[at] as string | number);
  return update.run(...params, row[8], row[9], row[1]).changes;
}

/** The columns CHANGED names, with their place in a row. */
const UPDATABLE = [
  [CHANGED.currentUnit, 'current_unit_id', 3],
  [CHANGED.status, 'status', 5],
  [CHANGED.due, 'due_at', 6],
  [CHANGED.overdueMarked, 'overdue_marked', 7],
] as const;

const updates = new WeakMap<Statements, Map<number, Database.Statement<unknown[]>>>();

export function insertQuarantined(stmt: Statements, events: readonly QuarantinedEvent[]): void {
  for (const q of events) stmt.insertQuarantined.run(q.position, q.streamId, q.type, q.error);
}

/** A bulk load's views (added to the index being built), in the order of the dossier-id index. */
export function writeBulkRows(stmt: Statements, unordered: readonly ToWrite[], index: TimelinessIndex | undefined): void {
  // The unique index on dossier ids is the one B-tree a bulk load writes at random places: in its
  // order, neighbouring entries share pages.
  const rows = [...unordered].sort((a, b) => (a.view.dossierId < b.view.dossierId ? -1 : a.view.dossierId > b.view.dossierId ? 1 : 0));
  let i = 0;
  for (; i + ROWS_PER_INSERT <= rows.length; i += ROWS_PER_INSERT) {
    const params: (string | number)[] = [];
    for (let k = i; k < i + ROWS_PER_INSERT; k++) {
      index?.bulkAdd(rows[k].view);
      params.push(...rowOf(rows[k].view, rows[k].encoded));
    }
    stmt.upsertDossiers.run(params);
  }
  for (; i < rows.length; i++) {
    index?.bulkAdd(rows[i].view);
    stmt.upsertDossier.run(...rowOf(rows[i].view, rows[i].encoded));
  }
}

/** A live batch's deltas, as rows. */
export function insertDeltaRows(stmt: Statements, deltas: readonly DeltaRow[]): void {
  let i = 0;
  for (; i + ROWS_PER_INSERT <= deltas.length; i += ROWS_PER_INSERT) {
    const params: (string | number)[] = [];
    for (let k = i; k < i + ROWS_PER_INSERT; k++) params.push(...deltas[k]);
    stmt.insertDeltas.run(params);
  }
  for (; i < deltas.length; i++) stmt.insertDelta.run(...deltas[i]);
}

/** A bulk load's page of deltas (flat numbers and a string table), through one reused array of parameters. */
export function deltaPageWriter(stmt: Statements): (page: DeltaPage) => void {
  const params = new Array<string | number>(ROWS_PER_INSERT * 9);
  const one = new Array<string | number>(9);
  return ({ length, values: v, strings }) => {
    for (let i = 0; i < length; ) {
      const rows = length - i >= ROWS_PER_INSERT ? ROWS_PER_INSERT : 1;
      const out = rows === 1 ? one : params;
      for (let k = 0, p = 0; k < rows; k++, i++) {
        const o = i * DELTA_STRIDE;
        out[p++] = lagClass(v[o + 2], v[o]);
        out[p++] = v[o];
        out[p++] = v[o + 1];
        out[p++] = strings[v[o + 3]];
        out[p++] = strings[v[o + 4]];
        out[p++] = strings[v[o + 5]];
        out[p++] = v[o + 6];
        out[p++] = v[o + 2];
        out[p++] = v[o + 7];
      }
      if (rows === 1) stmt.insertDelta.run(...(out as DeltaRow));
      else stmt.insertDeltas.run(out);
    }
  };
}
