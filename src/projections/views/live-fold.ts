/**
 * A live batch folded into the dossier views (read-models.ts `fold`): per dossier its view before
 * and after, and the deltas of its report entries, each stamped with its own event's recorded
 * instant. Pure but for `viewOf`, which reads a view not yet in the batch.
 */
import { DOSSIER_STREAM_PREFIX, isDossierEvent } from '../../dossier/events.js';
import type { LoggedEvent } from '../../event-store/event-store.port.js';
import { type DossierView, evolveDossierView } from './dossier-view.js';
import { type DossierRow, rowOf } from '../read-models-schema.js';
import { type DeltaRow, DeltaRows, type Entries, entriesOf, NO_ENTRIES, pushDeltas } from '../as-of/report-deltas.js';
import { quarantined, type QuarantinedEvent } from '../quarantine.js';

/**
 * What a live batch writes per dossier: its row, and the deltas of its entries (report-deltas.ts)
 * made by the batch's events, which go wherever the row goes (another connection's commit too);
 * for a dossier the table holds already, which of its indexed columns the batch changed (CHANGED).
 */
export type Row = [...DossierRow, deltas?: DeltaRow[], changed?: number];

/** The indexed columns a live batch may change, as bits: an update sets only those (SQLite rewrites the index entries of every column set). */
export const CHANGED = { currentUnit: 1, status: 2, due: 4, overdueMarked: 8 } as const;

/** A dossier's row after a batch; with the columns it changed when `before` was stored and only those can change. */
export function liveRow(before: DossierView | undefined, after: DossierView, deltas: DeltaRow[]): Row {
  const row: Row = [...rowOf(after), deltas];
  if (before === undefined || before.seq !== after.seq || before.unitId !== after.unitId || before.procedureCode !== after.procedureCode) return row;
  row.push(
    (before.currentUnitId === after.currentUnitId ? 0 : CHANGED.currentUnit) |
      (before.status === after.status ? 0 : CHANGED.status) |
      (before.dueAt === after.dueAt ? 0 : CHANGED.due) |
      (before.overdueMarked === after.overdueMarked ? 0 : CHANGED.overdueMarked),
  );
  return row;
}

export interface ViewChange {
  before: DossierView | undefined;
  after: DossierView;
}

export interface AppliedBatch {
  /** The checkpoint after the batch. */
  checkpoint: number;
  /** What changed, for the live index and streams (empty in a bulk load, which nobody follows). */
  changes: ViewChange[];
}

/** A live batch folded but not yet written: the rows to write with the checkpoint (`commitRows`). */
export interface FoldedBatch extends AppliedBatch {
  rows: Row[];
  /** Events of the batch no view could take: skipped, and recorded with the rows. */
  quarantined: QuarantinedEvent[];
}

export interface Folded {
  checkpoint: number;
  changed: (ViewChange & { deltas: DeltaRow[] })[];
  quarantined: QuarantinedEvent[];
}

/** Folds the events after position `from`; events of other streams only move the checkpoint. */
export function foldLive(events: readonly LoggedEvent[], from: number, viewOf: (dossierId: string) => DossierView | undefined): Folded {
  const changed = new Map<string, ViewChange & { entries: Entries; deltas: DeltaRows }>();
  const skipped: QuarantinedEvent[] = [];
  let checkpoint = from;
  for (const e of events) {
    if (e.position <= checkpoint) continue;
    checkpoint = e.position;
    if (!e.streamId.startsWith(DOSSIER_STREAM_PREFIX) || !isDossierEvent(e)) continue;
    const id = e.streamId.slice(DOSSIER_STREAM_PREFIX.length);
    const entry = changed.get(id);
    // A stream's first event has no view before it (events up to the checkpoint were skipped).
    const current = entry ? entry.after : e.revision === 0 ? undefined : viewOf(id);
    let next: DossierView | undefined;
    try {
      next = evolveDossierView(current, e, e);
    } catch (error) {
      // The view stays as before this event (evolve is pure); the batch goes on (quarantine.ts).
      skipped.push(quarantined(e, error));
      continue;
    }
    if (next === undefined || next === current) continue;
    // Per event, not per batch: each change of the entries carries its own event's recorded instant.
    const entries = entriesOf(next);
    const before = entry ? entry.entries : current === undefined ? NO_ENTRIES : entriesOf(current);
    const deltas = entry ? entry.deltas : new DeltaRows();
    pushDeltas(before, entries, e.position, e.recordedAt, deltas);
    if (entry) {
      entry.after = next;
      entry.entries = entries;
    } else changed.set(id, { before: current, after: next, entries, deltas });
  }
  return {
    checkpoint,
    changed: [...changed.values()].map(({ before, after, deltas }) => ({ before, after, deltas: deltas.rows })),
    quarantined: skipped,
  };
}
