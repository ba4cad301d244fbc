import { describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { compileCalendar, loadDefaultCalendarSpec, workingTimeBetween, WORKING_DAY_MS } from '../../src/calendar/index.js';
import { type EntryLagFigures, entryLagFigures } from '../../src/entry-lag/entry-lag-stats.js';
import { type EntryLagQueries, entryLagReadModel } from '../../src/entry-lag/entry-lag.read-model.js';
import { RELATIVE_ACCURACY } from '../../src/entry-lag/lag-histogram.js';
import { slicesOf } from '../../src/entry-lag/periods.js';
import { dayIndexOf } from '../../src/calendar/time.js';
import type { ReadModelHandle } from '../../src/projections/seam/read-model.js';
import { type SyntheticEvent, syntheticEvents, toRecordedLog } from '../../bench/support/synthetic-history.js';
import { testTree } from '../projections/support/naive-report.js';

const DAY = 86_400_000;
const START = Date.parse('2025-01-01T00:00:00+07:00');
const tree = testTree();
const calendar = compileCalendar(loadDefaultCalendarSpec());

/** The read model on a fresh in-memory file, fed the log in batches of the sizes given (cycled). */
function built(events: SyntheticEvent[], batchSizes: number[]): ReadModelHandle<EntryLagQueries> {
  const db = new Database(':memory:');
  db.exec(entryLagReadModel.schema);
  const handle = entryLagReadModel.open(db, { calendar: () => calendar });
  const log = toRecordedLog(events);
  for (let i = 0, k = 0; i < log.length; k++) {
    const size = batchSizes[k % batchSizes.length];
    db.transaction(() => handle.apply(log.slice(i, i + size)))();
    i += size;
  }
  return handle;
}

/** Naive: every event of every history, the doer followed dossier by dossier, exact nearest rank. */
function naiveEntries(events: SyntheticEvent[]): { unitId: string; type: string; occurredAt: number; lag: number; office: number }[] {
  const doers = new Map<string, { receiving: string; holder: string }>();
  const out = [];
  for (const { dossierId, event, occurredAt, recordedAt } of events) {
    const data = event.data as unknown as Record<string, string>;
    const d = doers.get(dossierId) ?? { receiving: '', holder: '' };
    let doer: string | undefined;
    if (event.type === 'DossierReceived') doer = d.receiving = d.holder = data.unitId;
    else if (event.type === 'DossierTransferred') (doer = d.holder), (d.holder = data.toUnitId);
    else if (event.type === 'DossierSupplementRequested' || event.type === 'DossierResolved') doer = data.unitId;
    else if (event.type === 'DossierResultReturned' || event.type === 'DossierWithdrawn') doer = d.receiving;
    else if (event.type === 'DossierBecameOverdue' || event.type === 'DossierDueReplanned') doer = undefined;
    else doer = d.holder;
    doers.set(dossierId, d);
    if (doer === undefined) continue;
    const lag = Math.max(0, recordedAt - occurredAt);
    out.push({ unitId: doer, type: event.type, occurredAt, lag, office: lag === 0 ? 0 : workingTimeBetween(calendar, occurredAt, recordedAt) });
  }
  return out;
}

const minutes = (ms: number) => Math.round(ms / 600) / 100;
function exact(entries: { lag: number; office: number }[]): EntryLagFigures {
  if (entries.length === 0) return entryLagFigures([]);
  const rank = (values: number[], p: number) => values.sort((a, b) => a - b)[Math.max(0, Math.ceil(p * values.length) - 1)];
  const late = entries.filter((x) => x.office > WORKING_DAY_MS).length;
  return {
    events: entries.length,
    medianMinutes: minutes(rank(entries.map((x) => x.lag), 0.5)),
    p90Minutes: minutes(rank(entries.map((x) => x.lag), 0.9)),
    maxMinutes: minutes(rank(entries.map((x) => x.lag), 1)),
    medianOfficeMinutes: minutes(rank(entries.map((x) => x.office), 0.5)),
    lateEntries: late,
    lateEntryShare: late / entries.length,
  };
}

/** Counts, late entries and max exactly; median and p90 within the stated relative accuracy (or a second), plus the two decimals' rounding. */
function expectWithinPrecision(actual: EntryLagFigures, want: EntryLagFigures): void {
  expect({ ...actual, medianMinutes: 0, p90Minutes: 0, medianOfficeMinutes: 0 }).toEqual({ ...want, medianMinutes: 0, p90Minutes: 0, medianOfficeMinutes: 0 });
  for (const k of ['medianMinutes', 'p90Minutes', 'medianOfficeMinutes'] as const) {
    if (want[k] === null) expect(actual[k]).toBeNull();
    else expect(Math.abs(actual[k]! - want[k]!)).toBeLessThanOrEqual(Math.max(want[k]! * RELATIVE_ACCURACY, 1 / 60) + 0.01);
  }
}

describe('entry-lag read model against a naive walk of generated histories', () => {
  const events = syntheticEvents({ seed: 11, dossiers: 300, unitIds: tree.unitIds, procedureCodes: ['P.A', 'P.B'], start: START, spanMs: 80 * DAY, horizon: START + 90 * DAY });
  const entries = naiveEntries(events);
  // Built once, in uneven batches; a second model fed one event at a time answers the same.
  const model = built(events, [1, 7, 250, 3, 40]).queries;
  const oneByOne = built(events, [1]).queries;

  it('gives, for any period, unit set and grouping, the figures of the exact entries (within the stated precision)', () => {
    const instant = fc.integer({ min: START - 5 * DAY, max: START + 95 * DAY });
    fc.assert(
      fc.property(instant, instant, fc.constantFrom(...tree.unitIds), fc.boolean(), (a, b, unit, subtree) => {
        const [from, end] = a <= b ? [a, b + 1] : [b, a];
        const units = subtree ? tree.subtree(unit) : [unit];
        const parts = model.summaries(units, from, end);
        const inPeriod = entries.filter((e) => units.includes(e.unitId) && e.occurredAt >= from && e.occurredAt < end);
        expectWithinPrecision(entryLagFigures([...parts.values()].flat()), exact(inPeriod));
        for (const type of new Set([...parts.keys(), ...inPeriod.map((e) => e.type)])) {
          expectWithinPrecision(entryLagFigures(parts.get(type) ?? []), exact(inPeriod.filter((e) => e.type === type)));
        }
        expect(entryLagFigures([...oneByOne.summaries(units, from, end).values()].flat())).toEqual(entryLagFigures([...parts.values()].flat()));
        expect(entryLagFigures([...model.summaries(units, from, end, false).values()].flat())).toEqual(entryLagFigures([...parts.values()].flat()));
      }),
      { numRuns: 150 },
    );
  });

  it('answers after new batches as a model built at once: what it keeps between reports is dropped when a batch touches it', () => {
    const log = toRecordedLog(events);
    const db = new Database(':memory:');
    db.exec(entryLagReadModel.schema);
    const growing = entryLagReadModel.open(db, { calendar: () => calendar });
    const periods: [number, number][] = [
      [START, START + 31 * DAY],
      [START + 10 * DAY + 3_600_000, START + 40 * DAY + 7_200_000],
      [START + 20 * DAY + 3_600_000, START + 20 * DAY + 9 * 3_600_000],
    ];
    const figures = (q: EntryLagQueries) => periods.map(([from, end]) => entryLagFigures([...q.summaries(tree.subtree('P'), from, end, false).values()].flat()));
    for (let i = 0; i < log.length; i += 500) {
      db.transaction(() => growing.apply(log.slice(i, i + 500)))();
      figures(growing.queries); // kept, then dropped by the next batch
    }
    expect(figures(growing.queries)).toEqual(figures(model));
  });

  it('built from the log by its builder, flushed now and then, then live, holds the rows of a model fed batch by batch; a discarded page changes nothing', () => {
    const log = toRecordedLog(events);
    const open = () => {
      const db = new Database(':memory:');
      db.exec(entryLagReadModel.schema);
      return { db, handle: entryLagReadModel.open(db, { calendar: () => calendar }) };
    };
    const dump = (db: Database.Database) => ['entry_lag_events ORDER BY day, position', 'entry_lag_dossiers ORDER BY dossier_id'].map((t) => db.prepare(`SELECT * FROM ${t}`).all());
    const plain = open();
    for (let i = 0; i < log.length; i += 100) plain.db.transaction(() => plain.handle.apply(log.slice(i, i + 100)))();
    const fast = open();
    const builder = fast.handle.builder!;
    const twoThirds = Math.floor((log.length * 2) / 3);
    const third = Math.floor(log.length / 3);
    for (let i = 0, batches = 0; i < third; i += 60, batches++) {
      fast.db.transaction(() => builder.apply(log.slice(i, Math.min(i + 60, third))))();
      if (batches % 4 === 3) fast.db.transaction(() => builder.flush())();
    }
    fast.db.transaction(() => builder.flush())();
    // A page whose transaction failed: dropped with what the builder held since the last flush, and given again.
    builder.apply(log.slice(third, third + 90));
    builder.discard();
    for (let i = third; i < twoThirds; i += 90) fast.db.transaction(() => builder.apply(log.slice(i, Math.min(i + 90, twoThirds))))();
    fast.db.transaction(() => builder.flush())();
    for (let i = twoThirds; i < log.length; i += 100) fast.db.transaction(() => fast.handle.apply(log.slice(i, Math.min(i + 100, log.length))))();
    expect(dump(fast.db)).toEqual(dump(plain.db));
    expect(figuresOf(fast.handle.queries)).toEqual(figuresOf(plain.handle.queries));
  });
  const figuresOf = (q: EntryLagQueries) => entryLagFigures([...q.summaries(tree.subtree('P'), START - 31 * DAY, START + 120 * DAY, false).values()].flat());

  it('summarises, in a handle opened again on the file, what another left; and counts an entry of a day already summarised', () => {
    const log = toRecordedLog(events);
    const db = new Database(':memory:');
    db.exec(entryLagReadModel.schema);
    const first = entryLagReadModel.open(db, { calendar: () => calendar });
    const year: [number, number] = [START - 31 * DAY, START + 120 * DAY]; // whole months and days, every entry
    const figures = (q: EntryLagQueries) => entryLagFigures([...q.summaries(tree.subtree('P'), ...year, false).values()].flat());
    const half = Math.floor(log.length / 2);
    db.transaction(() => first.apply(log.slice(0, half)))();
    // Opened again: what the first handle left to summarise is known from the file, not its memory.
    const again = entryLagReadModel.open(db, { calendar: () => calendar });
    expectWithinPrecision(figures(again.queries), exact(naiveEntries(events.slice(0, half))));
    // The second half has entries of a day that query summarised: marked stale again.
    const lastSummarised = dayIndexOf(Math.max(...events.slice(0, half).map((e) => e.occurredAt)));
    expect(events.slice(half).some((e) => dayIndexOf(e.occurredAt) <= lastSummarised)).toBe(true);
    db.transaction(() => again.apply(log.slice(half)))();
    expect(figures(again.queries)).toEqual(figures(model));
    expect(figures(again.queries).events).toBe(entries.length);
  });

  /** The figures of `q` and of the model built at once agree, over periods with whole months, days and part-days. */
  function expectSameAsModel(q: EntryLagQueries): void {
    for (const [from, end] of [[START, START + 31 * DAY], [START - 5 * DAY, START + 95 * DAY], [START + 3 * DAY + 3_600_000, START + 52 * DAY]]) {
      for (const units of [tree.subtree('P'), [tree.unitIds[1]]]) {
        expect(entryLagFigures([...q.summaries(units, from, end).values()].flat())).toEqual(entryLagFigures([...model.summaries(units, from, end).values()].flat()));
      }
    }
  }

  it('answers the same once summarised a few entries at a time between batches (a day over several steps), up to a day', () => {
    const stepped = built(events, [250]).queries;
    const upTo = dayIndexOf(START + 50 * DAY);
    const days = new Set(entries.map((e) => dayIndexOf(e.occurredAt)).filter((d) => d < upTo)).size;
    let steps = 0;
    while (stepped.compactSome(upTo, 7)) steps++;
    // Every day at least one step, and the busier ones several.
    expect(steps).toBeGreaterThan(days);
    expect(stepped.compactSome(upTo, 7)).toBe(false);
    expectSameAsModel(stepped);
  });

  it('answers the same when batches with entries of a day being summarised in parts, and reports summarising it whole, come between the steps', () => {
    const log = toRecordedLog(events);
    const db = new Database(':memory:');
    db.exec(entryLagReadModel.schema);
    const handle = entryLagReadModel.open(db, { calendar: () => calendar });
    const upTo = dayIndexOf(START + 60 * DAY);
    for (let i = 0, k = 0; i < log.length; i += 40, k++) {
      db.transaction(() => handle.apply(log.slice(i, i + 40)))();
      for (let s = 0; s < 2; s++) handle.queries.compactSome(upTo, 5);
      // Now and then a report over a few whole days: summarised at once, whatever a step began.
      if (k % 4 === 3) handle.queries.summaries(tree.subtree('P'), START + (k % 50) * DAY, START + (k % 50) * DAY + 3 * DAY);
    }
    while (handle.queries.compactSome(upTo, 5));
    expectSameAsModel(handle.queries);
  });

  it('splits a period into whole months, whole days and the part-days at its edges, covering it exactly', () => {
    const at = (s: string) => Date.parse(`${s}+07:00`);
    const { slices, edges } = slicesOf(at('2025-01-30T10:00:00'), at('2025-04-02T09:00:00'));
    expect(edges).toEqual([
      [at('2025-01-30T10:00:00'), at('2025-01-31T00:00:00')],
      [at('2025-04-02T00:00:00'), at('2025-04-02T09:00:00')],
    ]);
    expect(slices.map((s) => s.kind)).toEqual(['day', 'month', 'month', 'day']);
    expect(slicesOf(at('2025-03-01T00:00:00'), at('2025-04-01T00:00:00'))).toEqual({ slices: [{ kind: 'month', n: 2025 * 12 + 2 }], edges: [] });
    expect(slicesOf(at('2025-03-03T08:00:00'), at('2025-03-03T17:00:00')).edges).toEqual([[at('2025-03-03T08:00:00'), at('2025-03-03T17:00:00')]]);
    expect(slicesOf(at('2025-03-03T20:00:00'), at('2025-03-04T06:00:00')).edges).toEqual([
      [at('2025-03-03T20:00:00'), at('2025-03-04T00:00:00')],
      [at('2025-03-04T00:00:00'), at('2025-03-04T06:00:00')],
    ]);
  });
});
