/**
 * The review lists' read model (DOMAIN.md, "Attention lists"): one row per dossier not yet
 * returned or withdrawn (attention-row.ts), and per list an index in the list's order, so that
 * a page over many units is a range scan (over a few, their rows are sorted). Which rows are on a
 * list depends on now: the queries take each list's range of instants (attention-kinds.ts) and
 * the units in scope (receiving units).
 */
import type Database from 'better-sqlite3';
import { DOSSIER_STREAM_PREFIX, type DossierEvent, isDossierEvent } from '../dossier/events.js';
import type { LoggedEvent } from '../event-store/event-store.port.js';
import type { ReadModel, ReadModelHandle } from '../projections/seam/read-model.js';
import { ATTENTION_KINDS, type AttentionKind, FROM_THE_START, type KeyRange } from './attention-kinds.js';
import { type AttentionRow, type AttentionStatus, evolveAttention } from './attention-row.js';

/** Where a page starts: after this sort key and dossier id. */
export interface ListPosition {
  key: number;
  dossierId: string;
}

export interface AttentionQueries {
  /** Up to `limit` rows of a list, in its order, after `after`, of dossiers received by `unitIds`. */
  page(kind: AttentionKind, unitIds: readonly string[], range: KeyRange, after: ListPosition | undefined, limit: number): AttentionRow[];
  /** How many dossiers received by `unitIds` are on each list. */
  counts(unitIds: readonly string[], ranges: Record<AttentionKind, KeyRange>): Record<AttentionKind, number>;
  /** The same, unit by unit (a unit with no dossier on any list counts zeros). */
  countsByUnit(unitIds: readonly string[], ranges: Record<AttentionKind, KeyRange>): Map<string, Record<AttentionKind, number>>;
}

/** Each list: the rows it draws from (an index's WHERE) and the column it is ordered by. */
const LISTS: Record<AttentionKind, { where: string; statuses: readonly AttentionStatus[]; key: 'due_at' | 'resolved_at' | 'last_event_at'; index: string }> = {
  overdue: { where: "status = 'received'", statuses: ['received'], key: 'due_at', index: 'running' },
  soon_due: { where: "status = 'received'", statuses: ['received'], key: 'due_at', index: 'running' },
  not_returned: { where: "status = 'resolved'", statuses: ['resolved'], key: 'resolved_at', index: 'resolved' },
  silent: { where: "status <> 'resolved'", statuses: ['received', 'awaiting_supplement'], key: 'last_event_at', index: 'open' },
};

const SCHEMA = `
CREATE TABLE IF NOT EXISTS attention_dossiers (
  dossier_id      TEXT    PRIMARY KEY,
  unit_id         TEXT    NOT NULL,
  current_unit_id TEXT    NOT NULL,
  status          TEXT    NOT NULL,
  due_at          INTEGER NOT NULL,
  last_event_at   INTEGER NOT NULL,
  resolved_at     INTEGER,
  position        INTEGER NOT NULL
) WITHOUT ROWID;
-- Rows per unit and status: a list that runs from the start (overdue, not returned, silent) is
-- counted as these less its recent rest, which is short, rather than row by row.
CREATE TABLE IF NOT EXISTS attention_unit_totals (unit_id TEXT NOT NULL, status TEXT NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (unit_id, status)) WITHOUT ROWID;
`;

/** Created once the model caught up (the seam builds it from the log without them). */
const INDEXES = `
-- A list over many units: its index in its order, filtered by unit.
CREATE INDEX IF NOT EXISTS attention_running ON attention_dossiers (due_at, dossier_id, unit_id) WHERE status = 'received';
CREATE INDEX IF NOT EXISTS attention_resolved ON attention_dossiers (resolved_at, dossier_id, unit_id) WHERE status = 'resolved';
CREATE INDEX IF NOT EXISTS attention_open ON attention_dossiers (last_event_at, dossier_id, unit_id) WHERE status <> 'resolved';
-- A few units: each unit's rows, sorted in memory (a unit holds a few hundred). Its entries never
-- move, where per-unit indexes in each list's order moved with nearly every event.
CREATE INDEX IF NOT EXISTS attention_unit ON attention_dossiers (unit_id);
DROP INDEX IF EXISTS attention_unit_running;
DROP INDEX IF EXISTS attention_unit_resolved;
DROP INDEX IF EXISTS attention_unit_open;
`;

/** Dossier ids per read of a batch's rows. */
const READ_SLICE = 500;

/** Up to this many units in scope, a list is read from the units' rows. */
const FEW_UNITS = 32;

interface Stored {
  dossier_id: string;
  unit_id: string;
  current_unit_id: string;
  status: AttentionStatus;
  due_at: number;
  last_event_at: number;
  resolved_at: number | null;
  position: number;
}

const rowOf = (r: Stored): AttentionRow => ({
  dossierId: r.dossier_id,
  unitId: r.unit_id,
  currentUnitId: r.current_unit_id,
  status: r.status,
  dueAt: r.due_at,
  lastEventAt: r.last_event_at,
  resolvedAt: r.resolved_at,
  position: r.position,
});

type Bound = [number, string, number];

/** The columns an event may change (the receiving unit never changes). */
const COLUMNS = [
  ['currentUnitId', 'current_unit_id'],
  ['status', 'status'],
  ['dueAt', 'due_at'],
  ['lastEventAt', 'last_event_at'],
  ['resolvedAt', 'resolved_at'],
] as const satisfies readonly (readonly [keyof AttentionRow, string])[];

const zeros = (): Record<AttentionKind, number> => ({ overdue: 0, soon_due: 0, not_returned: 0, silent: 0 });

/** Rows per unit and status, summed over a batch before they are written. */
const count = (tallies: Map<string, number>, row: AttentionRow, n: number) => {
  const key = `${row.unitId}\n${row.status}`;
  tallies.set(key, (tallies.get(key) ?? 0) + n);
};

type Keyed = { key: number; dossier_id: string; unit_id: string };

export const attentionReadModel: ReadModel<AttentionQueries> = {
  name: 'attention',
  version: 1,
  schema: SCHEMA,
  indexes: INDEXES,
  tables: ['attention_dossiers', 'attention_unit_totals'],
  open(db: Database.Database): ReadModelHandle<AttentionQueries> {
    const get = db.prepare<[string], Stored>('SELECT * FROM attention_dossiers WHERE dossier_id = ?');
    const readMany = db.prepare<[string], Stored>('SELECT * FROM attention_dossiers WHERE dossier_id IN (SELECT value FROM json_each(?))');
    const insert = db.prepare<[string, string, string, string, number, number, number | null, number]>(
      'INSERT INTO attention_dossiers (dossier_id, unit_id, current_unit_id, status, due_at, last_event_at, resolved_at, position) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    const forget = db.prepare<[string]>('DELETE FROM attention_dossiers WHERE dossier_id = ?');
    const tally = db.prepare<[string, string, number]>('INSERT INTO attention_unit_totals (unit_id, status, n) VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET n = n + excluded.n');
    const allTotals = db.prepare<[], { unit_id: string; status: AttentionStatus; n: number }>('SELECT unit_id, status, n FROM attention_unit_totals');
    const unitsCounted = db.prepare<[], { n: number }>('SELECT COUNT(DISTINCT unit_id) AS n FROM attention_unit_totals');
    // An update sets only the columns that changed: SQLite then leaves alone the indexes of the others.
    const updates = new Map<string, Database.Statement<unknown[]>>();
    const update = (before: AttentionRow, after: AttentionRow) => {
      const changed = COLUMNS.filter(([field]) => before[field] !== after[field]);
      // Its position alone is not worth a write: the seam gives each event once anyway.
      if (changed.length === 0) return;
      const key = changed.map(([, column]) => column).join();
      let statement = updates.get(key);
      if (statement === undefined) {
        statement = db.prepare(`UPDATE attention_dossiers SET ${[...changed.map(([, column]) => `${column} = ?`), 'position = ?'].join(', ')} WHERE dossier_id = ?`);
        updates.set(key, statement);
      }
      statement.run(...changed.map(([field]) => after[field]), after.position, after.dossierId);
    };
    // Prepared at the first query: the indexes they name exist only once the model caught up.
    const each = <T>(make: (list: (typeof LISTS)[AttentionKind]) => T) => {
      let made: Record<AttentionKind, T> | undefined;
      return () => (made ??= Object.fromEntries(Object.entries(LISTS).map(([kind, list]) => [kind, make(list)])) as Record<AttentionKind, T>);
    };
    // Rows of the list after (key, id) and before a key, in its order: the whole list, or one unit's part.
    const scan = each(({ where, key, index }) =>
      db.prepare<Bound, Keyed>(
        `SELECT ${key} AS key, dossier_id, unit_id FROM attention_dossiers INDEXED BY attention_${index}
         WHERE ${where} AND (${key}, dossier_id) > (?, ?) AND ${key} < ? ORDER BY ${key}, dossier_id`,
      ),
    );
    // A few units (a JSON array of ids): their rows, sorted (a unit holds a few hundred).
    const UNITS = 'attention_dossiers INDEXED BY attention_unit WHERE unit_id IN (SELECT value FROM json_each(?))';
    const ofUnits = each(({ where, key }) =>
      db.prepare<[string, ...Bound, number], Keyed>(
        `SELECT ${key} AS key, dossier_id, unit_id FROM ${UNITS} AND ${where} AND (${key}, dossier_id) > (?, ?) AND ${key} < ? ORDER BY ${key}, dossier_id LIMIT ?`,
      ),
    );
    let countsOfUnits: Database.Statement<[...number[], string], { unit_id: string } & Record<AttentionKind, number>> | undefined;
    // Each unit's rows of a list with a key in [?, ?), over the whole list at once.
    const groupedByUnit = each(({ where, key, index }) =>
      db.prepare<[number, number], { unit_id: string; n: number }>(
        `SELECT unit_id, COUNT(*) AS n FROM attention_dossiers INDEXED BY attention_${index} WHERE ${where} AND ${key} >= ? AND ${key} < ? GROUP BY unit_id`,
      ),
    );
    const merged = (kind: AttentionKind, unitIds: readonly string[], bound: Bound, limit: number): Keyed[] => ofUnits()[kind].all(JSON.stringify(unitIds), ...bound, limit);
    /**
     * Many units: the list in its order, keeping the scope's rows; undefined when the scope's rows
     * are too sparse for that to pay (then `merged`).
     */
    const filtered = (kind: AttentionKind, unitIds: readonly string[], bound: Bound, limit: number): Keyed[] | undefined => {
      const inScope = new Set(unitIds);
      const out: Keyed[] = [];
      // Gives up once it read 40 rows per row wanted: the scope holds under 1/40 of the list.
      let budget = 40 * Math.max(limit, 10);
      for (const r of scan()[kind].iterate(...bound)) {
        if (inScope.has(r.unit_id)) out.push(r);
        if (out.length === limit) return out;
        if (--budget === 0) return undefined; // leaving the loop closes the iterator
      }
      return out;
    };

    /**
     * The rows the batch's dossiers start from, read at once (a few statements rather than one per
     * event): keyed by dossier id, absent when not in the table.
     */
    const rowsOf = (dossierIds: readonly string[]): Map<string, AttentionRow> => {
      const rows = new Map<string, AttentionRow>();
      for (let i = 0; i < dossierIds.length; i += READ_SLICE) {
        for (const r of readMany.all(JSON.stringify(dossierIds.slice(i, i + READ_SLICE)))) rows.set(r.dossier_id, rowOf(r));
      }
      return rows;
    };

    /** A dossier's row as stored (`before`) written as `after`. */
    const write = (before: AttentionRow | undefined, after: AttentionRow | null): void => {
      if (after === (before ?? null)) return;
      if (after === null) forget.run(before!.dossierId);
      else if (before === undefined) insert.run(after.dossierId, after.unitId, after.currentUnitId, after.status, after.dueAt, after.lastEventAt, after.resolvedAt, after.position);
      else update(before, after);
    };
    /** The rows per unit and status a dossier's row going from `before` to `after` moves. */
    const counted = (before: AttentionRow | undefined, after: AttentionRow | null, tallies: Map<string, number>): void => {
      if (before !== undefined && before.status !== after?.status) count(tallies, before, -1);
      if (after !== null && before?.status !== after.status) count(tallies, after, 1);
    };
    const writeTallies = (tallies: Map<string, number>): void => {
      for (const [key, n] of tallies) {
        if (n === 0) continue;
        const [unitId, status] = key.split('\n');
        tally.run(unitId, status, n);
      }
    };

    /**
     * A batch: its dossiers' rows, from `rowsAt` (the table, or the builder's), evolved in memory
     * across the batch (a dossier may have several events in it): each dossier's row after it. An
     * event the fold refuses throws before anything is written (the seam then quarantines it).
     */
    const evolveBatch = (events: readonly LoggedEvent[], rowsAt: (dossierIds: string[]) => Map<string, AttentionRow>) => {
      const mine: { dossierId: string; event: DossierEvent; position: number }[] = [];
      const ids = new Set<string>();
      for (const logged of events) {
        // A mark of the service's own changes nothing here: not even read.
        if (!logged.streamId.startsWith(DOSSIER_STREAM_PREFIX) || !isDossierEvent(logged) || logged.type === 'DossierBecameOverdue') continue;
        const dossierId = logged.streamId.slice(DOSSIER_STREAM_PREFIX.length);
        mine.push({ dossierId, event: { type: logged.type, data: logged.data } as DossierEvent, position: logged.position });
        ids.add(dossierId);
      }
      const before = mine.length === 0 ? new Map<string, AttentionRow>() : rowsAt([...ids]);
      const after = new Map<string, AttentionRow | null>();
      for (const { dossierId, event, position } of mine) {
        const current = after.has(dossierId) ? after.get(dossierId) : before.get(dossierId);
        after.set(dossierId, evolveAttention(current ?? undefined, dossierId, event, position));
      }
      return { before, after };
    };

    /** Each changed row written once, and the tallies summed. */
    const applyBatch = (events: readonly LoggedEvent[]): void => {
      const { before, after } = evolveBatch(events, rowsOf);
      const tallies = new Map<string, number>();
      for (const [dossierId, row] of after) {
        write(before.get(dossierId), row);
        counted(before.get(dossierId), row, tallies);
      }
      writeTallies(tallies);
    };

    /**
     * Built from the log: the rows of the dossiers the batches since the last flush touched, and
     * the tallies, in memory; each row is written once per flush rather than once per batch, and a
     * dossier returned between two flushes not at all.
     */
    const held = new Map<string, { stored: AttentionRow | undefined; row: AttentionRow | null }>();
    const heldTallies = new Map<string, number>();
    const builder = {
      apply(events: readonly LoggedEvent[]): void {
        let read = new Map<string, AttentionRow>();
        const { after } = evolveBatch(events, (ids) => {
          const rows = new Map<string, AttentionRow>();
          const missing: string[] = [];
          for (const id of ids) {
            const h = held.get(id);
            if (h === undefined) missing.push(id);
            else if (h.row !== null) rows.set(id, h.row);
          }
          read = rowsOf(missing);
          for (const [id, row] of read) rows.set(id, row);
          return rows;
        });
        // Nothing thrown: the batch is the builder's.
        for (const [dossierId, row] of after) {
          let h = held.get(dossierId);
          if (h === undefined) {
            const stored = read.get(dossierId);
            held.set(dossierId, (h = { stored, row: stored ?? null }));
          }
          counted(h.row ?? undefined, row, heldTallies);
          h.row = row;
        }
      },
      flush(): void {
        for (const { stored, row } of held.values()) write(stored, row);
        writeTallies(heldTallies);
        builder.discard();
      },
      discard(): void {
        held.clear();
        heldTallies.clear();
      },
    };

    return {
      apply: applyBatch,
      builder,
      queries: {
        page(kind, unitIds, range, after, limit) {
          const bound: Bound = after === undefined ? [range.from, '', range.before] : [Math.max(after.key, range.from), after.key < range.from ? '' : after.dossierId, range.before];
          const keyed = (unitIds.length > FEW_UNITS ? filtered(kind, unitIds, bound, limit) : undefined) ?? merged(kind, unitIds, bound, limit);
          return keyed.map((k) => rowOf(get.get(k.dossier_id)!));
        },
        counts(unitIds, ranges) {
          const out = zeros();
          for (const counts of countsByUnit(unitIds, ranges).values()) for (const kind of ATTENTION_KINDS) out[kind] += counts[kind];
          return out;
        },
        countsByUnit,
      },
    };

    /**
     * Many units: each list counted once for all units, by unit (its recent rest, for a list that
     * runs from the start, off the units' totals), rather than unit by unit.
     */
    function countsByUnit(unitIds: readonly string[], ranges: Record<AttentionKind, KeyRange>): Map<string, Record<AttentionKind, number>> {
      // Counting whole lists pays when the units hold much of them; fewer are counted from their rows.
      if (unitIds.length <= FEW_UNITS || unitIds.length * 2 < unitsCounted.get()!.n) return countsOf(unitIds, ranges);
      const out = new Map(unitIds.map((u) => [u, zeros()]));
      const fromStart = ATTENTION_KINDS.filter((kind) => ranges[kind].from === FROM_THE_START);
      for (const r of allTotals.all()) {
        const counts = out.get(r.unit_id);
        if (counts !== undefined) for (const kind of fromStart) if (LISTS[kind].statuses.includes(r.status)) counts[kind] += r.n;
      }
      for (const kind of ATTENTION_KINDS) {
        const { from, before } = ranges[kind];
        const rest = fromStart.includes(kind);
        for (const r of groupedByUnit()[kind].all(rest ? before : from, rest ? Number.MAX_SAFE_INTEGER : before)) {
          const counts = out.get(r.unit_id);
          if (counts !== undefined) counts[kind] += rest ? -r.n : r.n;
        }
      }
      return out;
    }

    /** A few units: their rows, counted on each list unit by unit. */
    function countsOf(unitIds: readonly string[], ranges: Record<AttentionKind, KeyRange>): Map<string, Record<AttentionKind, number>> {
      countsOfUnits ??= db.prepare(
        `SELECT unit_id, ${ATTENTION_KINDS.map((kind) => `coalesce(SUM(${LISTS[kind].where} AND ${LISTS[kind].key} >= ? AND ${LISTS[kind].key} < ?), 0) AS ${kind}`).join(', ')}
         FROM ${UNITS} GROUP BY unit_id`,
      );
      const out = new Map(unitIds.map((u) => [u, zeros()]));
      for (const { unit_id, ...counts } of countsOfUnits.all(...ATTENTION_KINDS.flatMap((kind) => [ranges[kind].from, ranges[kind].before]), JSON.stringify(unitIds))) {
        out.set(unit_id, counts);
      }
      return out;
    }
  },
};
