/**
 * Entry lag (DOMAIN.md, "Measuring the gap"): for every event a unit records, how long after it
 * happened: recorded - occurred, in wall time and in office time, and whether it came more than
 * one working day late. Counted for the unit that did the thing: the receiving unit for a receipt,
 * a result returned or a withdrawal (the one-stop counter does those), the holder for everything
 * else (a transfer is counted for the unit that hands the dossier on). The service's own events
 * (became overdue, due replanned) are not entries and are left out.
 *
 * Kept three ways: one row per entry (read only for the part-days at a period's edges), and per
 * unit, event type and local day, and per unit, event type and local month, the entries' count,
 * late count, maximum and log-bucket histograms (lag-histogram.ts), which a report merges.
 */
import type Database from 'better-sqlite3';
import { workingTimeBetween, WORKING_DAY_MS } from '../calendar/index.js';
import { DOSSIER_STREAM_PREFIX, type DossierEvent, isDossierEvent } from '../dossier/events.js';
import type { LoggedEvent } from '../event-store/event-store.port.js';
import type { ProjectionContext, ReadModel, ReadModelHandle } from '../projections/seam/read-model.js';
import { decode, encode, type LagSummary, mergeSparse, SummaryBuilder } from './lag-histogram.js';
import { dayIndexOf } from '../calendar/time.js';
import { monthOf, type Slice, slicesOf } from './periods.js';
import { SliceCache } from './slice-cache.js';

/** The summaries of some units over [from, end), per event type: parts to merge (SummaryMerge). */
export type ByType = Map<string, LagSummary[]>;

export interface EntryLagQueries {
  /** Per event type (or, byType false, all under ALL_TYPES), the entries of these units whose occurred instant is in [from, end). */
  summaries(unitIds: readonly string[], from: number, end: number, byType?: boolean): ByType;
  /** A mark of the batches applied so far, for `changedSince`. */
  mark(): number;
  /** Whether a batch after `mark` has (or may have: a batch rolled back counts) entries of these units. */
  changedSince(mark: number, unitIds: ReadonlySet<string>): boolean;
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

const AGGREGATE = (table: string, period: string) => `
CREATE TABLE IF NOT EXISTS ${table} (
  unit_id    TEXT    NOT NULL,
  ${period}  INTEGER NOT NULL,
  event_type TEXT    NOT NULL,
  events     INTEGER NOT NULL,
  late       INTEGER NOT NULL,
  min_ms     INTEGER NOT NULL,
  max_ms     INTEGER NOT NULL,
  office_min_ms INTEGER NOT NULL,
  office_max_ms INTEGER NOT NULL,
  wall       BLOB    NOT NULL,
  office     BLOB    NOT NULL,
  PRIMARY KEY (${period}, unit_id, event_type)
);`;
/** Adds a batch's rows to the stored ones in place (the histograms merged by MERGE_FUNCTION). */
const UPSERT = (table: string, period: string, rows: number) => `
INSERT INTO ${table} (${period}, unit_id, event_type, ${COLUMNS}) VALUES ${placeholders(rows, 11)}
ON CONFLICT (${period}, unit_id, event_type) DO UPDATE SET
  events = events + excluded.events, late = late + excluded.late,
  min_ms = min(min_ms, excluded.min_ms), max_ms = max(max_ms, excluded.max_ms),
  office_min_ms = min(office_min_ms, excluded.office_min_ms), office_max_ms = max(office_max_ms, excluded.office_max_ms),
  wall = ${MERGE_FUNCTION}(wall, excluded.wall), office = ${MERGE_FUNCTION}(office, excluded.office)`;
const MERGE_FUNCTION = 'entry_lag_merge';

const SCHEMA = `
-- Keyed in the order the part-days at a period's edges read it (one b-tree, no index beside it).
CREATE TABLE IF NOT EXISTS entry_lag_events (
  unit_id     TEXT    NOT NULL,
  occurred_at INTEGER NOT NULL,
  position    INTEGER NOT NULL,
  event_type  TEXT    NOT NULL,
  lag_ms      INTEGER NOT NULL,
  office_ms   INTEGER NOT NULL,
  late        INTEGER NOT NULL,
  PRIMARY KEY (unit_id, occurred_at, position)
) WITHOUT ROWID;
${AGGREGATE('entry_lag_days', 'day')}
${AGGREGATE('entry_lag_months', 'month')}
-- Who received and who holds each open dossier: the unit that did the next thing.
CREATE TABLE IF NOT EXISTS entry_lag_dossiers (dossier_id TEXT PRIMARY KEY, unit_id TEXT NOT NULL, holder TEXT NOT NULL) WITHOUT ROWID;
`;

type EntryRow = [unitId: string, occurredAt: number, position: number, eventType: string, lagMs: number, officeMs: number, late: number];
interface AggregateRow {
  events: number;
  late: number;
  min_ms: number;
  max_ms: number;
  office_min_ms: number;
  office_max_ms: number;
  wall: Buffer;
  office: Buffer;
}
const COLUMNS = 'events, late, min_ms, max_ms, office_min_ms, office_max_ms, wall, office';
const summaryOf = (r: AggregateRow): LagSummary => ({
  events: r.events,
  late: r.late,
  minMs: r.min_ms,
  maxMs: r.max_ms,
  officeMinMs: r.office_min_ms,
  officeMaxMs: r.office_max_ms,
  wall: decode(r.wall),
  office: decode(r.office),
});
/** An aggregate row being added to by a batch. */
interface Delta {
  unitId: string;
  period: number;
  eventType: string;
  sum: SummaryBuilder;
}

const INSERT_CHUNK = 100; // rows per multi-row INSERT: 7 parameters each, well under SQLite's limit
const UNIT_SLICE = 500; // units per IN list
const placeholders = (n: number, width: number) => Array.from({ length: n }, () => `(${Array.from({ length: width }, () => '?').join(',')})`).join(',');
const marks = (n: number) => Array.from({ length: n }, () => '?').join(',');

export const entryLagReadModel: ReadModel<EntryLagQueries> = {
  name: 'entry_lag',
  version: 2,
  schema: SCHEMA,
  tables: ['entry_lag_events', 'entry_lag_days', 'entry_lag_months', 'entry_lag_dossiers'],
  open(db: Database.Database, context: ProjectionContext): ReadModelHandle<EntryLagQueries> {
    const statements = new Map<string, Database.Statement>();
    const prepared = (sql: string) => {
      let s = statements.get(sql);
      if (s === undefined) statements.set(sql, (s = db.prepare(sql)));
      return s;
    };
    const insertRows = (rows: readonly EntryRow[]) => {
      for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
        const chunk = rows.slice(i, i + INSERT_CHUNK);
        prepared(`INSERT OR REPLACE INTO entry_lag_events (unit_id, occurred_at, position, event_type, lag_ms, office_ms, late) VALUES ${placeholders(chunk.length, 7)}`).run(chunk.flat());
      }
    };
    db.function(MERGE_FUNCTION, { deterministic: true }, (a: unknown, b: unknown) => encode(mergeSparse(decode(a as Buffer), decode(b as Buffer))));
    const writeDeltas = (kind: 'day' | 'month', deltas: readonly Delta[]) => {
      const table = kind === 'day' ? 'entry_lag_days' : 'entry_lag_months';
      for (let i = 0; i < deltas.length; i += INSERT_CHUNK) {
        const chunk = deltas.slice(i, i + INSERT_CHUNK);
        prepared(UPSERT(table, kind, chunk.length)).run(
          chunk.flatMap((d) => {
            const s = d.sum.done();
            return [d.period, d.unitId, d.eventType, s.events, s.late, s.minMs, s.maxMs, s.officeMinMs, s.officeMaxMs, encode(s.wall), encode(s.office)];
          }),
        );
      }
    };
    const cache = new SliceCache();
    let batches = 0;
    const lastEntryOf = new Map<string, number>();

    return {
      /** Everything is worked out first (what throws, throws before anything is written); then multi-row writes. */
      apply(events: readonly LoggedEvent[]): void {
        const dossierEvents: { logged: LoggedEvent; e: DossierEvent; dossierId: string }[] = [];
        for (const logged of events) {
          if (!logged.streamId.startsWith(DOSSIER_STREAM_PREFIX) || !isDossierEvent(logged)) continue;
          dossierEvents.push({ logged, e: { type: logged.type, data: logged.data } as DossierEvent, dossierId: logged.streamId.slice(DOSSIER_STREAM_PREFIX.length) });
        }
        if (dossierEvents.length === 0) return;
        // One look-up for the dossiers the batch did not receive itself.
        const known = new Map<string, { unitId: string; holder: string } | null>();
        const wanted = [...new Set(dossierEvents.map((d) => d.dossierId))];
        for (let i = 0; i < wanted.length; i += UNIT_SLICE) {
          const slice = wanted.slice(i, i + UNIT_SLICE);
          const rows = prepared(`SELECT dossier_id, unit_id, holder FROM entry_lag_dossiers WHERE dossier_id IN (${marks(slice.length)})`).all(slice) as { dossier_id: string; unit_id: string; holder: string }[];
          for (const r of rows) known.set(r.dossier_id, { unitId: r.unit_id, holder: r.holder });
        }
        const rows: EntryRow[] = [];
        const moved = new Set<string>(); // the dossiers whose row changes
        const days = new Map<string, Delta>();
        const months = new Map<string, Delta>();
        const calendar = context.calendar();
        for (const { logged, e, dossierId } of dossierEvents) {
          const dossier = e.type === 'DossierReceived' ? undefined : known.get(dossierId) ?? undefined;
          const entry = entryOf(e, dossier?.unitId, dossier?.holder);
          if (entry !== undefined) {
            const occurred = Date.parse(entry.at);
            if (!Number.isFinite(occurred)) throw new Error(`${e.type} has no valid occurred instant`);
            if (entry.unitId === undefined) throw new Error(`${e.type} of ${dossierId}, which was never received`);
            const lag = Math.max(0, logged.recordedAt - occurred);
            const office = lag === 0 ? 0 : workingTimeBetween(calendar, occurred, logged.recordedAt);
            const late = office > WORKING_DAY_MS ? 1 : 0;
            rows.push([entry.unitId, occurred, logged.position, e.type, lag, office, late]);
            const day = dayIndexOf(occurred);
            for (const [map, period] of [[days, day], [months, monthOf(day)]] as const) {
              const key = `${entry.unitId}\u0000${period}\u0000${e.type}`;
              let d = map.get(key);
              if (d === undefined) map.set(key, (d = { unitId: entry.unitId, period, eventType: e.type, sum: new SummaryBuilder() }));
              d.sum.entry(lag, office, late);
            }
          }
          switch (e.type) {
            case 'DossierReceived':
              known.set(dossierId, { unitId: e.data.unitId, holder: e.data.unitId });
              moved.add(dossierId);
              break;
            case 'DossierTransferred': {
              const k = known.get(dossierId);
              if (k) known.set(dossierId, { unitId: k.unitId, holder: e.data.toUnitId });
              moved.add(dossierId);
              break;
            }
            case 'DossierResultReturned':
            case 'DossierWithdrawn':
              known.set(dossierId, null); // closed for good: nothing follows
              moved.add(dossierId);
              break;
            default:
              break;
          }
        }
        insertRows(rows);
        writeDeltas('day', [...days.values()]);
        writeDeltas('month', [...months.values()]);
        const open: (string | number)[] = [];
        const closed: string[] = [];
        for (const id of moved) {
          const k = known.get(id);
          if (k === null) closed.push(id);
          else if (k !== undefined) open.push(id, k.unitId, k.holder);
        }
        for (let i = 0; i < open.length; i += INSERT_CHUNK * 3) {
          const chunk = open.slice(i, i + INSERT_CHUNK * 3);
          prepared(`INSERT OR REPLACE INTO entry_lag_dossiers (dossier_id, unit_id, holder) VALUES ${placeholders(chunk.length / 3, 3)}`).run(chunk);
        }
        for (let i = 0; i < closed.length; i += UNIT_SLICE) {
          const chunk = closed.slice(i, i + UNIT_SLICE);
          prepared(`DELETE FROM entry_lag_dossiers WHERE dossier_id IN (${marks(chunk.length)})`).run(chunk);
        }
        // Only invalidates: harmless if the batch is rolled back.
        cache.touched([...days.values()].map((d) => d.period), [...months.values()].map((d) => d.period));
        batches++;
        for (const row of rows) lastEntryOf.set(row[0], batches);
      },
      queries: {
        summaries(unitIds, from, end, byType = true) {
          const out: ByType = new Map();
          const { edges, slices } = slicesOf(from, end);
          for (const slice of slices) cache.merge(out, slice, unitIds, byType, () => readSlice(slice as Slice & { kind: 'day' | 'month' }, unitIds));
          for (const [a, b] of edges) cache.merge(out, { kind: 'part', n: dayIndexOf(a), from: a, end: b }, unitIds, byType, () => readEntries(unitIds, a, b));
          return out;
        },
        mark: () => batches,
        changedSince(mark, unitIds) {
          if (batches === mark) return false;
          for (const u of unitIds) if ((lastEntryOf.get(u) ?? 0) > mark) return true;
          return false;
        },
      },
    };

    /** The aggregates of one day or month for these units, per event type. */
    function readSlice(slice: Slice & { kind: 'day' | 'month' }, unitIds: readonly string[]): Map<string, LagSummary> {
      const acc = new Map<string, SummaryBuilder>();
      const table = slice.kind === 'day' ? 'entry_lag_days' : 'entry_lag_months';
      for (let i = 0; i < unitIds.length; i += UNIT_SLICE) {
        const units = unitIds.slice(i, i + UNIT_SLICE);
        const sql = `SELECT event_type, ${COLUMNS} FROM ${table} WHERE ${slice.kind} = ? AND unit_id IN (${marks(units.length)})`;
        for (const r of prepared(sql).all(slice.n, ...units) as (AggregateRow & { event_type: string })[]) builderOf(acc, r.event_type).summary(summaryOf(r));
      }
      return new Map([...acc].map(([type, b]) => [type, b.done()]));
    }

    /** The single entries of these units in [from, end) (a part-day), summed per event type. */
    function readEntries(unitIds: readonly string[], from: number, end: number): Map<string, LagSummary> {
      const acc = new Map<string, SummaryBuilder>();
      for (let i = 0; i < unitIds.length; i += UNIT_SLICE) {
        const units = unitIds.slice(i, i + UNIT_SLICE);
        const sql = `SELECT event_type, lag_ms, office_ms, late FROM entry_lag_events WHERE unit_id IN (${marks(units.length)}) AND occurred_at >= ? AND occurred_at < ?`;
        for (const r of prepared(sql).all(...units, from, end) as { event_type: string; lag_ms: number; office_ms: number; late: number }[]) {
          builderOf(acc, r.event_type).entry(r.lag_ms, r.office_ms, r.late);
        }
      }
      return new Map([...acc].map(([type, b]) => [type, b.done()]));
    }
  },
};

function builderOf(acc: Map<string, SummaryBuilder>, type: string): SummaryBuilder {
  let b = acc.get(type);
  if (b === undefined) acc.set(type, (b = new SummaryBuilder()));
  return b;
}
