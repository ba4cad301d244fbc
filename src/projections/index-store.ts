/**
 * The report index's life across restarts (read-models.ts): saved at a clean shutdown in the
 * `index_snapshot` table with the checkpoint and the last report delta it matches; a start at that
 * checkpoint loads it in one read, a later one (after a crash, say) loads it and adds the deltas
 * written since; without a snapshot the index is built from the views.
 */
import type Database from 'better-sqlite3';
import { applyDeltas, indexFromSnapshot, snapshotRows } from './index-snapshot.js';
import type { Statements } from './read-models-schema.js';
import { TimelinessIndex } from './timeliness-index.js';
import { decodeView } from './view-codec.js';

/** Beyond this many report deltas since the snapshot, the views are read instead (about as long at a million dossiers). */
const MAX_REPLAYED_DELTAS = 5_000_000;

export type IndexSource = 'snapshot' | 'snapshot+deltas' | 'table';

/** The index of the reports, built from the views in the table. */
export function buildIndex(stmt: Statements): TimelinessIndex {
  const index = new TimelinessIndex();
  for (const row of stmt.allViews.iterate()) index.bulkAdd(decodeView(row.view));
  index.seal();
  return index;
}

/**
 * The index at start: the snapshot when it was saved at `checkpoint` (every batch that changes a
 * view moves the checkpoint, so the views are then exactly those it was taken from), the snapshot
 * plus the deltas since when it is older, else built from the table.
 */
export function loadIndex(stmt: Statements, checkpoint: number): { index: TimelinessIndex; source: IndexSource } {
  const at = stmt.getSnapshotAt.get()?.value;
  if (at === String(checkpoint)) return { index: indexFromSnapshot(stmt.snapshotRows.iterate()), source: 'snapshot' };
  const since = Number(stmt.getSnapshotDeltas.get()?.value ?? NaN);
  const last = stmt.lastDelta.get()?.last ?? 0;
  if (at !== undefined && Number.isInteger(since) && last - since <= MAX_REPLAYED_DELTAS) {
    try {
      const index = indexFromSnapshot(stmt.snapshotRows.iterate());
      applyDeltas(index, stmt.deltasAfter.iterate(since));
      // Views committed without their deltas (a file an older version wrote, then died) show as a count that differs.
      if (index.dossierCount() !== (stmt.countViews.get()?.n ?? 0)) throw new Error('the snapshot and the deltas do not count every view');
      return { index, source: 'snapshot+deltas' };
    } catch {
      // A snapshot the deltas do not fit (it cannot happen with a consistent file): the views are the truth.
    }
  }
  return { index: buildIndex(stmt), source: 'table' };
}

/** Saves `index`, which must match the views at `checkpoint`, for the next start. */
export function saveIndexSnapshot(db: Database.Database, stmt: Statements, index: TimelinessIndex, checkpoint: number): void {
  db.transaction(() => {
    stmt.clearSnapshot.run();
    for (const row of snapshotRows(index)) {
      stmt.insertSnapshotRow.run(row.id, row.directory, Buffer.from(row.keys.buffer, row.keys.byteOffset, row.keys.byteLength));
    }
    stmt.setSnapshotAt.run(String(checkpoint));
    stmt.setSnapshotDeltas.run(String(stmt.lastDelta.get()?.last ?? 0));
  })();
}
