/**
 * The report index's life across restarts (read-models.ts): saved in the `index_months` table,
 * one row per unit, each with the last report delta it holds. A save at a clean shutdown writes
 * every row with the checkpoint it matches, and a start at that checkpoint loads them in one read;
 * a later start (after a crash, say) loads them and adds to each unit the deltas written since its
 * row was saved; rows saved a few units at a time while the service runs (index-save-policy.ts)
 * keep that short. Without a snapshot (or one of another layout) the index is built from the views.
 */
import type Database from 'better-sqlite3';
import { applyDeltas, indexFromSnapshot, partRow, type RowPart, SNAPSHOT_FORMAT, snapshotRows, type SnapshotRow } from './index-snapshot.js';
import type { Statements } from '../read-models-schema.js';
import { TimelinessIndex } from './timeliness-index.js';
import { decodeView } from '../views/view-codec.js';

/** Beyond this many report deltas since the snapshot, the views are read instead (about as long at a million dossiers). */
const MAX_REPLAYED_DELTAS = 5_000_000;

/** Meta keys: the checkpoint every row matches (a full save), the delta a unit without a row starts after, the rows' layout. */
const AT = 'index_months';
const BASE = 'index_months_deltas';
const FORMAT = 'index_months_format';

export type IndexSource = 'snapshot' | 'snapshot+deltas' | 'table';

/** The index of the reports, built from the views in the table. */
export function buildIndex(stmt: Statements): TimelinessIndex {
  const index = new TimelinessIndex();
  for (const row of stmt.allViews.iterate()) index.bulkAdd(decodeView(row.view));
  index.seal();
  return index;
}

/** The report deltas written so far (the rowid of the last). */
export const lastDelta = (stmt: Statements): number => stmt.lastDelta.get()?.last ?? 0;

/**
 * The index at start: the snapshot when it was saved whole at `checkpoint` (every batch that
 * changes a view moves the checkpoint, so the views are then exactly those it was taken from), the
 * snapshot plus the deltas since each row when it is older, else built from the table.
 */
export function loadIndex(stmt: Statements, checkpoint: number): { index: TimelinessIndex; source: IndexSource } {
  const oldest = snapshotDeltas(stmt);
  if (oldest !== undefined) {
    try {
      if (stmt.getMeta.get(AT)?.value === String(checkpoint)) return { index: indexFromSnapshot(stmt.snapshotRows.iterate()), source: 'snapshot' };
      if (lastDelta(stmt) - oldest <= MAX_REPLAYED_DELTAS) {
        const index = indexFromSnapshot(stmt.snapshotRows.iterate());
        applyDeltas(index, stmt.deltasAfterSnapshot.iterate(oldest, Number(stmt.getMeta.get(BASE)!.value)));
        // Views committed without their deltas (a file an older version wrote, then died) show as a count that differs.
        if (index.dossierCount() !== (stmt.countViews.get()?.n ?? 0)) throw new Error('the snapshot and the deltas do not count every view');
        return { index, source: 'snapshot+deltas' };
      }
    } catch {
      // A snapshot that does not read or that the deltas do not fit (not with a consistent file): the views are the truth.
    }
  }
  return { index: buildIndex(stmt), source: 'table' };
}

/** The last report delta every unit's row holds (a start replays those after it); undefined without a snapshot of this layout. */
export function snapshotDeltas(stmt: Statements): number | undefined {
  if (stmt.getMeta.get(FORMAT)?.value !== SNAPSHOT_FORMAT) return undefined;
  const base = Number(stmt.getMeta.get(BASE)?.value ?? NaN);
  if (!Number.isInteger(base)) return undefined;
  return Math.min(base, stmt.oldestSnapshotRow.get()?.deltas ?? base);
}

/** Saves `index`, which must match the views at `checkpoint`, for the next start: every row, in one transaction. */
export function saveIndexSnapshot(db: Database.Database, stmt: Statements, index: TimelinessIndex, checkpoint: number): void {
  db.transaction(() => {
    const last = lastDelta(stmt);
    stmt.clearSnapshot.run();
    for (const row of snapshotRows(index)) put(stmt, row, last);
    stmt.setMeta.run(AT, String(checkpoint));
    stmt.setMeta.run(BASE, String(last));
    stmt.setMeta.run(FORMAT, SNAPSHOT_FORMAT);
  })();
}

/**
 * A save in steps, while the index keeps changing between them: each step writes some rows as
 * their buckets are then, with the last delta they hold; the last step (`finish`) says where
 * buckets without a row start: after `base`, the last delta when the first step ran (every bucket
 * known then has a row by the end). Until it finishes, a start reads the earlier rows as before.
 */
export class SteppedSave {
  private bytes = 0;

  constructor(
    private readonly db: Database.Database,
    private readonly stmt: Statements,
    /** The last delta when the save began. */
    readonly base: number,
  ) {
    db.transaction(() => {
      // Rows of another layout are not mixed with these: the save starts from none.
      if (stmt.getMeta.get(FORMAT)?.value !== SNAPSHOT_FORMAT) {
        stmt.clearSnapshot.run();
        stmt.deleteMeta.run(BASE);
      }
      // The rows will no longer all match one checkpoint.
      stmt.deleteMeta.run(AT);
    })();
  }

  /** Bytes of rows written so far. */
  get written(): number {
    return this.bytes;
  }

  /**
   * Writes the rows of the parts at the end of `parts` as the index holds them now, taking them off
   * it, until `budget` bytes are written (one row at least), in one transaction.
   */
  step(index: TimelinessIndex, parts: RowPart[], budget: number): void {
    this.db.transaction(() => {
      const last = lastDelta(this.stmt);
      const until = this.bytes + budget;
      while (parts.length > 0 && this.bytes < until) {
        const part = parts.pop()!;
        const u = index.unit(part.unitId);
        const row = u && partRow(part, u);
        if (row !== undefined) this.bytes += put(this.stmt, row, last);
      }
    })();
  }

  finish(): void {
    this.db.transaction(() => {
      this.stmt.setMeta.run(BASE, String(this.base));
      this.stmt.setMeta.run(FORMAT, SNAPSHOT_FORMAT);
    })();
  }
}

function put(stmt: Statements, row: SnapshotRow, deltas: number): number {
  stmt.putSnapshotRow.run(row.id, deltas, row.directory, Buffer.from(row.keys.buffer, row.keys.byteOffset, row.keys.byteLength));
  return row.keys.byteLength;
}
