/**
 * Entry lag (DOMAIN.md, "Measuring the gap"): for every event a unit records, how long after it
 * happened: recorded - occurred, in wall time and in office time, and whether it came more than
 * one working day late. Counted for the unit that did the thing: the receiving unit for a receipt,
 * a result returned or a withdrawal (the one-stop counter does those), the holder for everything
 * else (a transfer is counted for the unit that hands the dossier on). The service's own events
 * (became overdue, due replanned) are not entries and are left out.
 *
 * Kept as one row per entry, written per batch, and derived from them (entry-lag-compaction.ts)
 * when a report first reads a day or month whole, or a step between batches gets to it: per unit, event type and local day or month,
 * the entries' count, late count, extremes and log-bucket histograms (lag-histogram.ts), merged by
 * the report with the entries of the part-days at its period's edges.
 */
import type Database from 'better-sqlite3';
import { workingTimeBetween, WORKING_DAY_MS } from '../calendar/index.js';
import { DOSSIER_STREAM_PREFIX, type DossierEvent, isDossierEvent } from '../dossier/events.js';
import type { LoggedEvent } from '../event-store/event-store.port.js';
import type { ProjectionContext, ReadModel, ReadModelHandle } from '../projections/seam/read-model.js';
import { type AggregateRow, COLUMNS, Compaction, type EntryTuple, placeholders, STALE_TABLE, summariesOf, summaryOf } from './entry-lag-compaction.js';
import { type LagSummary, mergeSummaries, SummaryBuilder } from './lag-histogram.js';
import { dayIndexOf } from '../calendar/time.js';
import { monthOf, type Slice, slicesOf } from './periods.js';
import { SliceCache } from './slice-cache.js';

/** The summaries of some units over [from, end), per event type: parts to merge (SummaryMerge). */
export type ByType = Map<string, LagSummary[]>;

export interface EntryLagQueries {
  /** Per event type (or, byType false, all under ALL_TYPES), the entries of these units whose occurred instant is in [from, end). */
  summaries(unitIds: readonly string[], from: number, end: number, byType?: boolean): ByType;
  /** Summarises every day and month not summarised yet (a report does it for what it reads). */
  compact(): void;
  /** Summarises up to `maxEntries` entries of days before `beforeDay` not summarised yet (a step between batches); whether some remain. */
  compactSome(beforeDay: number, maxEntries: number): boolean;
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

const SCHEMA = `
-- Keyed by local day, then log position: a batch appends to the end of each day it has entries of (a
-- few pages to write), and a day is summarised, or a part-day read, in one range.
CREATE TABLE IF NOT EXISTS entry_lag_events (
  day         INTEGER NOT NULL,
  unit_id     TEXT    NOT NULL,
  occurred_at INTEGER NOT NULL,
  position    INTEGER NOT NULL,
  event_type  TEXT    NOT NULL,
  lag_ms      INTEGER NOT NULL,
  office_ms   INTEGER NOT NULL,
  late        INTEGER NOT NULL,
  PRIMARY KEY (day, position)
) WITHOUT ROWID;
${AGGREGATE('entry_lag_days', 'day')}
${AGGREGATE('entry_lag_months', 'month')}
-- The days (kind 0) and months (kind 1) whose rows do not count every entry yet (entry-lag-compaction.ts).
CREATE TABLE IF NOT EXISTS ${STALE_TABLE} (kind INTEGER NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (kind, n)) WITHOUT ROWID;
-- Who received and who holds each open dossier: the unit that did the next thing.
CREATE TABLE IF NOT EXISTS entry_lag_dossiers (dossier_id TEXT PRIMARY KEY, unit_id TEXT NOT NULL, holder TEXT NOT NULL) WITHOUT ROWID;
`;

/** Who received a dossier still open, and who holds it. */
interface Dossier {
  unitId: string;
  holder: string;
}

/** Entries as the columns of entry_lag_events, one after the other: day, unit_id, occurred_at, position, event_type, lag_ms, office_ms, late. */
type EntryColumns = (string | number)[];
const WIDTH = 8;

const INSERT_CHUNK = 100; // rows per multi-row INSERT: 8 parameters each, well under SQLite's limit
const UNIT_SLICE = 500; // units per IN list
const MAX_PARTS = 64;
const marks = (n: number) => placeholders(n, 1);

export const entryLagReadModel: ReadModel<EntryLagQueries> = {
  name: 'entry_lag',
  version: 3,
  schema: SCHEMA,
  tables: ['entry_lag_events', 'entry_lag_days', 'entry_lag_months', STALE_TABLE, 'entry_lag_dossiers'],
  open(db: Database.Database, context: ProjectionContext): ReadModelHandle<EntryLagQueries> {
    const statements = new Map<string, Database.Statement>();
    const prepared = (sql: string) => {
      let s = statements.get(sql);
      if (s === undefined) statements.set(sql, (s = db.prepare(sql)));
      return s;
    };
    const insertRows = (columns: EntryColumns) => {
      for (let i = 0; i < columns.length; i += INSERT_CHUNK * WIDTH) {
        const chunk = columns.slice(i, i + INSERT_CHUNK * WIDTH);
        prepared(`INSERT OR REPLACE INTO entry_lag_events (day, unit_id, occurred_at, position, event_type, lag_ms, office_ms, late) VALUES ${placeholders(chunk.length / WIDTH, WIDTH)}`).run(chunk);
      }
    };
    const compaction = new Compaction(db);
    const cache = new SliceCache();
    /** Part-days read for every unit at once, kept until a batch touches their day (the batch count then). */
    const parts = new Map<string, { at: number; perUnit: Map<string, Map<string, LagSummary>> }>();
    const dayTouched = new Map<number, number>();
    let batches = 0;
    const lastEntryOf = new Map<string, number>();

    /** Who received and holds each of these dossiers, as stored (absent: not stored). */
    const storedDossiers = (dossierIds: readonly string[]): Map<string, Dossier> => {
      const known = new Map<string, Dossier>();
      for (let i = 0; i < dossierIds.length; i += UNIT_SLICE) {
        const slice = dossierIds.slice(i, i + UNIT_SLICE);
        const rows = prepared(`SELECT dossier_id, unit_id, holder FROM entry_lag_dossiers WHERE dossier_id IN (${marks(slice.length)})`).all(slice) as { dossier_id: string; unit_id: string; holder: string }[];
        for (const r of rows) known.set(r.dossier_id, { unitId: r.unit_id, holder: r.holder });
      }
      return known;
    };
    /** The dossiers' rows written as `known` says (null: closed, the row goes). */
    const writeDossiers = (dossierIds: Iterable<string>, known: ReadonlyMap<string, Dossier | null>): void => {
      const open: (string | number)[] = [];
      const closed: string[] = [];
      for (const id of dossierIds) {
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
    };

    /**
     * A batch: its entries written, and the dossiers whose row changes, in `known` after it
     * (`known` holds the dossiers' rows before it: read from `dossiersAt`, the table or the
     * builder's). Everything is worked out first (what throws, throws before anything is written);
     * then multi-row writes.
     */
    const applyBatch = (events: readonly LoggedEvent[], dossiersAt: (dossierIds: string[]) => Map<string, Dossier | null>): { known: Map<string, Dossier | null>; moved: Set<string> } | undefined => {
      const dossierEvents: { logged: LoggedEvent; e: DossierEvent; dossierId: string }[] = [];
      for (const logged of events) {
        if (!logged.streamId.startsWith(DOSSIER_STREAM_PREFIX) || !isDossierEvent(logged)) continue;
        // The logged event is read as the dossier event it holds (type and data): no object per event.
        dossierEvents.push({ logged, e: logged as unknown as DossierEvent, dossierId: logged.streamId.slice(DOSSIER_STREAM_PREFIX.length) });
      }
      if (dossierEvents.length === 0) return undefined;
      // One look-up for the dossiers the batch did not receive itself.
      const known = dossiersAt([...new Set(dossierEvents.map((d) => d.dossierId))]);
      const rows: EntryColumns = [];
      const moved = new Set<string>(); // the dossiers whose row changes
      const days = new Set<number>();
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
          const day = dayIndexOf(occurred);
          rows.push(day, entry.unitId, occurred, logged.position, e.type, lag, office, late);
          days.add(day);
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
      compaction.marked(days);
      // Only invalidates: harmless if the batch is rolled back.
      cache.touched([...days], [...new Set([...days].map(monthOf))]);
      batches++;
      for (const day of days) dayTouched.set(day, batches);
      for (let i = 1; i < rows.length; i += WIDTH) lastEntryOf.set(rows[i] as string, batches);
      return { known, moved };
    };

    /**
     * Built from the log: the dossiers' rows the batches since the last flush read or changed, in
     * memory (null: closed), each written once per flush rather than once per batch, and a dossier
     * received and returned between two flushes not at all. Entries are written with their batch
     * (again, after a build stopped midway: INSERT OR REPLACE).
     */
    const held = new Map<string, { stored: boolean; dossier: Dossier | null; changed: boolean }>();
    const builder = {
      apply(events: readonly LoggedEvent[]): void {
        const batch = applyBatch(events, (ids) => {
          const known = new Map<string, Dossier | null>();
          const missing: string[] = [];
          for (const id of ids) {
            const h = held.get(id);
            if (h === undefined) missing.push(id);
            else if (h.dossier !== null) known.set(id, h.dossier);
          }
          // What the table holds is kept whatever becomes of the batch.
          const stored = storedDossiers(missing);
          for (const id of missing) {
            const dossier = stored.get(id);
            held.set(id, { stored: dossier !== undefined, dossier: dossier ?? null, changed: false });
            if (dossier !== undefined) known.set(id, dossier);
          }
          return known;
        });
        if (batch === undefined) return;
        // Nothing thrown: the batch is the builder's.
        for (const id of batch.moved) {
          const h = held.get(id)!;
          h.dossier = batch.known.get(id) ?? null;
          h.changed = true;
        }
      },
      flush(): void {
        const changed = new Map<string, Dossier | null>();
        for (const [id, h] of held) if (h.changed && (h.stored || h.dossier !== null)) changed.set(id, h.dossier);
        writeDossiers(changed.keys(), changed);
        held.clear();
      },
      discard(): void {
        held.clear();
      },
    };

    return {
      apply(events: readonly LoggedEvent[]): void {
        const batch = applyBatch(events, storedDossiers);
        if (batch !== undefined) writeDossiers(batch.moved, batch.known);
      },
      builder,
      queries: {
        summaries(unitIds, from, end, byType = true) {
          const out: ByType = new Map();
          const { edges, slices } = slicesOf(from, end);
          compaction.ensure(slices);
          for (const slice of slices) cache.merge(out, slice, unitIds, byType, () => readSlice(slice as Slice & { kind: 'day' | 'month' }, unitIds));
          for (const [a, b] of edges) cache.merge(out, { kind: 'part', n: dayIndexOf(a), from: a, end: b }, unitIds, byType, () => readEntries(unitIds, a, b));
          return out;
        },
        compact: () => compaction.all(),
        compactSome: (beforeDay, maxEntries) => compaction.some(beforeDay, maxEntries),
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

    /** The entries of these units in [from, end) (a part-day: within one local day), per event type. */
    function readEntries(unitIds: readonly string[], from: number, end: number): Map<string, LagSummary> {
      const key = `${from}-${end}`;
      let part = parts.get(key);
      if (part === undefined || part.at < (dayTouched.get(dayIndexOf(from)) ?? 0)) {
        if (parts.size >= MAX_PARTS) parts.clear();
        parts.set(key, (part = { at: batches, perUnit: readPart(from, end) }));
      }
      const acc = new Map<string, LagSummary[]>();
      for (const u of unitIds) {
        for (const [type, sum] of part.perUnit.get(u) ?? []) {
          const list = acc.get(type);
          if (list) list.push(sum);
          else acc.set(type, [sum]);
        }
      }
      return new Map([...acc].map(([type, list]) => [type, mergeSummaries(list)]));
    }

    /** Every unit's entries in [from, end), summarised per unit and type: one range read for every report of that part-day. */
    function readPart(from: number, end: number): Map<string, Map<string, LagSummary>> {
      const sql = 'SELECT unit_id, event_type, lag_ms, office_ms, late FROM entry_lag_events WHERE day = ? AND occurred_at >= ? AND occurred_at < ?';
      return summariesOf(prepared(sql).raw().all(dayIndexOf(from), from, end) as EntryTuple[]);
    }
  },
};

function builderOf(acc: Map<string, SummaryBuilder>, type: string): SummaryBuilder {
  let b = acc.get(type);
  if (b === undefined) acc.set(type, (b = new SummaryBuilder()));
  return b;
}
