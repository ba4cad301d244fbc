/**
 * Entry lag (DOMAIN.md, "Measuring the gap"): for every event a unit records, how long after it
 * happened: recorded - occurred, in wall time and in office time, and whether it came more than
 * one working day late. One row per event, counted for the unit that did the thing: the receiving
 * unit for a receipt, a result returned or a withdrawal (the one-stop counter does those), the
 * holder for everything else (a transfer is counted for the unit that hands the dossier on).
 * The service's own events (became overdue, due replanned) are not entries and are left out.
 */
import type Database from 'better-sqlite3';
import { workingTimeBetween, WORKING_DAY_MS } from '../calendar/index.js';
import { DOSSIER_STREAM_PREFIX, type DossierEvent, isDossierEvent } from '../dossier/events.js';
import type { LoggedEvent } from '../event-store/event-store.port.js';
import type { ProjectionContext, ReadModel, ReadModelHandle } from '../projections/seam/read-model.js';

/** One entry as the queries read it. */
export interface LagRow {
  unitId: string;
  eventType: string;
  /** recorded - occurred, ms (0 when the integrator's instant is after the service's, within the minute allowed). */
  lagMs: number;
  /** The office time between the two instants, ms. */
  officeMs: number;
  /** Recorded more than one working day (of office time) after it occurred. */
  late: boolean;
}

export interface EntryLagQueries {
  /** The entries of these units whose occurred instant is in [from, end). */
  rows(unitIds: readonly string[], from: number, end: number): LagRow[];
}

/** The instant it happened, as the integrator told it, and the unit that did it; undefined: not an entry. */
function entryOf(e: DossierEvent, receivingUnit: string | undefined, holder: string | undefined): { at: string; unitId: string | undefined } | undefined {
  switch (e.type) {
    case 'DossierReceived':
      return { at: e.data.receivedAt, unitId: e.data.unitId };
    case 'DossierTransferred':
      return { at: e.data.transferredAt, unitId: e.data.fromUnitId };
    case 'DossierSupplementRequested':
      return { at: e.data.requestedAt, unitId: e.data.unitId };
    case 'DossierSupplemented':
      return { at: e.data.supplementedAt, unitId: holder };
    case 'DossierApologyIssued':
      return { at: e.data.issuedAt, unitId: holder };
    case 'DossierResolved':
      return { at: e.data.resolvedAt, unitId: e.data.unitId };
    case 'DossierResultReturned':
      return { at: e.data.returnedAt, unitId: receivingUnit };
    case 'DossierWithdrawn':
      return { at: e.data.withdrawnAt, unitId: receivingUnit };
    case 'DossierBecameOverdue':
    case 'DossierDueReplanned':
      return undefined;
    default: {
      const never: never = e;
      throw new Error(`unknown dossier event ${(never as { type: string }).type}`);
    }
  }
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS entry_lag_events (
  position    INTEGER PRIMARY KEY,
  unit_id     TEXT    NOT NULL,
  event_type  TEXT    NOT NULL,
  occurred_at INTEGER NOT NULL,
  lag_ms      INTEGER NOT NULL,
  office_ms   INTEGER NOT NULL,
  late        INTEGER NOT NULL
);
-- Covering: a report reads the index alone, in the order of its range.
CREATE INDEX IF NOT EXISTS entry_lag_events_unit ON entry_lag_events (unit_id, occurred_at, event_type, lag_ms, office_ms, late);
-- Who received and who holds each open dossier: the unit that did the next thing.
CREATE TABLE IF NOT EXISTS entry_lag_dossiers (dossier_id TEXT PRIMARY KEY, unit_id TEXT NOT NULL, holder TEXT NOT NULL) WITHOUT ROWID;
`;

export const entryLagReadModel: ReadModel<EntryLagQueries> = {
  name: 'entry_lag',
  version: 1,
  schema: SCHEMA,
  tables: ['entry_lag_events', 'entry_lag_dossiers'],
  open(db: Database.Database, context: ProjectionContext): ReadModelHandle<EntryLagQueries> {
    const insert = db.prepare<[number, string, string, number, number, number, number]>(
      'INSERT OR REPLACE INTO entry_lag_events (position, unit_id, event_type, occurred_at, lag_ms, office_ms, late) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    const dossier = db.prepare<[string], { unit_id: string; holder: string }>('SELECT unit_id, holder FROM entry_lag_dossiers WHERE dossier_id = ?');
    const receive = db.prepare<[string, string, string]>('INSERT OR REPLACE INTO entry_lag_dossiers (dossier_id, unit_id, holder) VALUES (?, ?, ?)');
    const hold = db.prepare<[string, string]>('UPDATE entry_lag_dossiers SET holder = ? WHERE dossier_id = ?');
    const forget = db.prepare<[string]>('DELETE FROM entry_lag_dossiers WHERE dossier_id = ?');
    const rowsOf = (units: number) =>
      db.prepare<(string | number)[], { unit_id: string; event_type: string; lag_ms: number; office_ms: number; late: number }>(
        `SELECT unit_id, event_type, lag_ms, office_ms, late FROM entry_lag_events
         WHERE unit_id IN (${Array.from({ length: units }, () => '?').join(',')}) AND occurred_at >= ? AND occurred_at < ?`,
      );

    /** One event; throws before writing anything (see apply). */
    const applyOne = (logged: LoggedEvent): void => {
      if (!logged.streamId.startsWith(DOSSIER_STREAM_PREFIX) || !isDossierEvent(logged)) return;
      const e = { type: logged.type, data: logged.data } as DossierEvent;
      const dossierId = logged.streamId.slice(DOSSIER_STREAM_PREFIX.length);
      const known = e.type === 'DossierReceived' ? undefined : dossier.get(dossierId);
      const entry = entryOf(e, known?.unit_id, known?.holder);
      // Checked before anything is written (the seam's contract): a bad event is quarantined whole.
      let row: [number, string, string, number, number, number, number] | undefined;
      if (entry !== undefined) {
        const occurred = Date.parse(entry.at);
        if (!Number.isFinite(occurred)) throw new Error(`${e.type} has no valid occurred instant`);
        if (entry.unitId === undefined) throw new Error(`${e.type} of ${dossierId}, which was never received`);
        const lag = Math.max(0, logged.recordedAt - occurred);
        const office = lag === 0 ? 0 : workingTimeBetween(context.calendar(), occurred, logged.recordedAt);
        row = [logged.position, entry.unitId, e.type, occurred, lag, office, office > WORKING_DAY_MS ? 1 : 0];
      }
      if (row !== undefined) insert.run(...row);
      switch (e.type) {
        case 'DossierReceived':
          receive.run(dossierId, e.data.unitId, e.data.unitId);
          break;
        case 'DossierTransferred':
          hold.run(e.data.toUnitId, dossierId);
          break;
        case 'DossierResultReturned':
        case 'DossierWithdrawn':
          forget.run(dossierId); // closed for good: nothing follows
          break;
        default:
          break;
      }
    };

    return {
      apply(events: readonly LoggedEvent[]): void {
        for (const logged of events) applyOne(logged);
      },
      queries: {
        rows(unitIds, from, end) {
          const out: LagRow[] = [];
          // SQLite limits bound parameters (32,766 here): units in slices.
          for (let i = 0; i < unitIds.length; i += 500) {
            const slice = unitIds.slice(i, i + 500);
            for (const r of rowsOf(slice.length).all(...slice, from, end)) {
              out.push({ unitId: r.unit_id, eventType: r.event_type, lagMs: r.lag_ms, officeMs: r.office_ms, late: r.late === 1 });
            }
          }
          return out;
        },
      },
    };
  },
};
