import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import { compileCalendar, loadDefaultCalendarSpec } from '../../src/calendar/index.js';
import { ATTENTION_KINDS, type AttentionKind, keyRanges, officeSpan, workingTimeAgo } from '../../src/attention/attention-kinds.js';
import { type AttentionQueries, attentionReadModel, type ListPosition } from '../../src/attention/attention.read-model.js';
import { type AttentionRow, evolveAttention } from '../../src/attention/attention-row.js';
import type { DossierEvent } from '../../src/dossier/events.js';
import type { ReadModelHandle } from '../../src/projections/seam/read-model.js';
import { syntheticEvents, type SyntheticEvent, toRecordedLog } from '../../bench/support/synthetic-history.js';
import { byDossier } from '../projections/support/naive-report.js';
import { naiveDossiers, naiveList } from './support/naive-attention.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const START = Date.parse('2026-03-02T00:00:00+07:00');
const calendar = compileCalendar(loadDefaultCalendarSpec());

// A tree with a crowded corner (A, most dossiers, few units) and a sparse one (B, few dossiers, many units).
const A = ['A', 'A1', 'A2', 'A3'];
const B = ['B', ...Array.from({ length: 45 }, (_, i) => `B${String(i + 1).padStart(2, '0')}`)];
const ALL = ['P', ...A, ...B];

describe('the attention read model against a naive walk of generated histories', () => {
  let db: Database.Database;
  let model: ReadModelHandle<AttentionQueries>;
  let events: SyntheticEvent[];
  const horizon = START + 50 * DAY;

  beforeAll(() => {
    const common = { procedureCodes: ['P.A'], start: START, spanMs: 60 * DAY, horizon };
    events = [
      ...syntheticEvents({ ...common, seed: 7, dossiers: 4000, unitIds: ['P', ...A], idPrefix: 'a' }),
      ...syntheticEvents({ ...common, seed: 8, dossiers: 20, unitIds: B, idPrefix: 'b' }),
    ].sort((x, y) => x.recordedAt - y.recordedAt);
    db = new Database(':memory:');
    db.exec(attentionReadModel.schema + attentionReadModel.indexes!);
    model = attentionReadModel.open(db, { calendar: () => calendar });
    db.transaction(() => model.apply(toRecordedLog(events)))();
  });
  afterAll(() => {
    db.close();
  });

  const keyOf = (kind: AttentionKind, r: AttentionRow) => (kind === 'not_returned' ? r.resolvedAt! : kind === 'silent' ? r.lastEventAt : r.dueAt);
  /** Every page of a list, following each page's last row as the next page's start. */
  const walk = (kind: AttentionKind, units: string[], now: number, limit: number, thresholds = { withinWorkingHours: 8, afterWorkingDays: 5 }) => {
    const range = keyRanges(calendar, now, thresholds)[kind];
    const out: { dossierId: string; key: number }[] = [];
    let after: ListPosition | undefined;
    for (let pages = 0; pages < 10_000; pages++) {
      const page = model.queries.page(kind, units, range, after, limit);
      out.push(...page.map((r) => ({ dossierId: r.dossierId, key: keyOf(kind, r) })));
      if (page.length < limit) return out;
      const last = page[page.length - 1];
      after = { key: keyOf(kind, last), dossierId: last.dossierId };
    }
    throw new Error('endless paging');
  };

  const scopes: [string, string[]][] = [
    ['the whole tree (its indexes in order)', ALL],
    ['a crowded district (unit by unit)', A],
    ['a sparse district of many units (the ordered scan gives up, then unit by unit)', B],
    ['one unit', ['A2']],
  ];
  const nows = [horizon - 3 * DAY + 5 * HOUR, horizon + 2 * HOUR, horizon + 9 * DAY];

  it.each(scopes)('lists %s as the naive walk does, paged or whole, at several instants and thresholds', (_, units) => {
    const dossiers = naiveDossiers(byDossier(events));
    let listed = 0;
    for (const now of nows) {
      for (const thresholds of [{ withinWorkingHours: 8, afterWorkingDays: 5 }, { withinWorkingHours: 30, afterWorkingDays: 1 }]) {
        const ranges = keyRanges(calendar, now, thresholds);
        const counts = model.queries.counts(units, ranges);
        for (const kind of ATTENTION_KINDS) {
          const expected = naiveList(kind, dossiers, units, calendar, now, thresholds);
          expect(walk(kind, units, now, 7, thresholds)).toEqual(expected);
          expect(walk(kind, units, now, 500, thresholds)).toEqual(expected);
          expect(counts[kind]).toBe(expected.length);
          listed += expected.length;
        }
      }
    }
    expect(listed).toBeGreaterThan(0);
  });

  it('counts unit by unit at once (a live report row each) as it counts each unit alone', () => {
    for (const now of nows) {
      const ranges = keyRanges(calendar, now, { withinWorkingHours: 8, afterWorkingDays: 5 });
      const byUnit = model.queries.countsByUnit(ALL, ranges);
      expect([...byUnit.keys()].sort()).toEqual([...ALL].sort());
      for (const unitId of ALL) expect(byUnit.get(unitId)).toEqual(model.queries.counts([unitId], ranges));
      expect(ATTENTION_KINDS.some((kind) => [...byUnit.values()].some((c) => c[kind] > 0))).toBe(true);
    }
  });

  it('holds a row for each dossier neither returned nor withdrawn, as the naive fold does', () => {
    const rows = db.prepare('SELECT dossier_id AS dossierId, unit_id AS unitId, current_unit_id AS currentUnitId, status, due_at AS dueAt, last_event_at AS lastEventAt, resolved_at AS resolvedAt FROM attention_dossiers ORDER BY dossier_id').all();
    const naive = naiveDossiers(byDossier(events)).sort((x, y) => (x.dossierId < y.dossierId ? -1 : 1));
    expect(rows).toEqual(naive);
  });

  it('holds the same rows and tallies whatever the batches the log is cut into; a batch it refuses writes nothing', () => {
    const other = new Database(':memory:');
    other.exec(attentionReadModel.schema + attentionReadModel.indexes!);
    const cut = attentionReadModel.open(other, { calendar: () => calendar });
    const log = toRecordedLog(events);
    for (let i = 0, size = 1; i < log.length; i += size, size = (size * 7) % 97) other.transaction(() => cut.apply(log.slice(i, i + size)))();
    const dump = (d: Database.Database) => [d.prepare('SELECT * FROM attention_dossiers ORDER BY dossier_id').all(), d.prepare('SELECT * FROM attention_unit_totals WHERE n <> 0 ORDER BY unit_id, status').all()];
    expect(dump(other)).toEqual(dump(db));
    // A receipt, then an event of a dossier never received: nothing of the batch is written.
    const next = log[log.length - 1].position + 1;
    const receipt = { ...log.find((e) => e.type === 'DossierReceived')!, streamId: 'dossier-fresh', position: next };
    const stray = { ...log.find((e) => e.type === 'DossierResultReturned')!, streamId: 'dossier-stray', position: next + 1 };
    expect(() => cut.apply([receipt, stray])).toThrow(/not open/);
    expect(dump(other)).toEqual(dump(db));
    other.close();
  });

  it('built from the log by its builder, flushed now and then, holds the same rows and tallies; a refused batch or a discarded one changes nothing of it', () => {
    const other = new Database(':memory:');
    other.exec(attentionReadModel.schema + attentionReadModel.indexes!);
    const built = attentionReadModel.open(other, { calendar: () => calendar });
    const builder = built.builder!;
    const log = toRecordedLog(events);
    const half = Math.floor(log.length / 2);
    const stray = { ...log.find((e) => e.type === 'DossierResultReturned')!, streamId: 'dossier-stray' };
    for (let i = 0, size = 1, batches = 0; i < half; i += size, size = (size * 7) % 997, batches++) {
      other.transaction(() => builder.apply(log.slice(i, Math.min(i + size, half))))();
      if (batches % 5 === 4) other.transaction(() => builder.flush())();
      if (batches === 3) expect(() => builder.apply([{ ...stray, position: log[i + size].position }])).toThrow(/not open/);
    }
    other.transaction(() => builder.flush())();
    // A page its transaction failed to commit: dropped, and given again.
    builder.apply(log.slice(half, half + 500));
    builder.discard();
    for (let i = half; i < log.length; i += 700) other.transaction(() => builder.apply(log.slice(i, i + 700)))();
    other.transaction(() => builder.flush())();
    const dump = (d: Database.Database) => [d.prepare('SELECT * FROM attention_dossiers ORDER BY dossier_id').all(), d.prepare('SELECT * FROM attention_unit_totals WHERE n <> 0 ORDER BY unit_id, status').all()];
    expect(dump(other)).toEqual(dump(db));
    other.close();
  });

  it('says office time in words', () => {
    expect([3 * 8 * HOUR + 2 * HOUR, 8 * HOUR, 5 * HOUR + 60_000, 40 * 60_000, 59_999].map(officeSpan)).toEqual([
      '3 working days 2 hours',
      '1 working day',
      '5 working hours 1 minute',
      '40 working minutes',
      'less than a working minute',
    ]);
  });

  it('finds the instant N working days ago exactly (bisection), across a weekend', () => {
    // Monday 9 March 2026 10:00: 5 working days back is Monday 2 March 10:00; 1 day back, Friday 10:00.
    const now = Date.parse('2026-03-09T10:00:00+07:00');
    expect(workingTimeAgo(calendar, now, 5 * 8 * HOUR)).toBe(Date.parse('2026-03-02T10:00:00+07:00'));
    expect(workingTimeAgo(calendar, now, 8 * HOUR)).toBe(Date.parse('2026-03-06T10:00:00+07:00'));
    // 2 hours back reaches 08:00; nothing between Friday's closing and Monday's opening counts, so it is Friday 17:00.
    expect(workingTimeAgo(calendar, now, 2 * HOUR)).toBe(Date.parse('2026-03-06T17:00:00+07:00'));
  });
});

describe('the attention fold, event by event', () => {
  const at = (local: string) => `${local}+07:00`;
  const t = (local: string) => Date.parse(at(local));
  const received: DossierEvent = {
    type: 'DossierReceived',
    data: { dossierId: 'D', procedureCode: 'P', unitId: 'U', channel: 'direct', receivedAt: at('2026-03-02T09:00:00'), digitized: true, statutoryWorkingDays: 1, onSupplement: 'restart', calendarRevision: 0, clockStartAt: at('2026-03-02T09:00:00'), dueAt: at('2026-03-03T09:00:00') },
  };
  const row = evolveAttention(undefined, 'D', received, 1)!;

  it('a receipt opens a running row held by the receiving unit; the same event again changes nothing', () => {
    expect(row).toEqual({ dossierId: 'D', unitId: 'U', currentUnitId: 'U', status: 'received', dueAt: t('2026-03-03T09:00:00'), lastEventAt: t('2026-03-02T09:00:00'), resolvedAt: null, position: 1 });
    expect(evolveAttention(row, 'D', received, 1)).toBe(row);
    const moved = evolveAttention(row, 'D', { type: 'DossierTransferred', data: { dossierId: 'D', fromUnitId: 'U', toUnitId: 'V', transferredAt: at('2026-03-02T10:00:00'), calendarRevision: 0 } }, 2)!;
    expect(evolveAttention(moved, 'D', { type: 'DossierTransferred', data: { dossierId: 'D', fromUnitId: 'V', toUnitId: 'W', transferredAt: at('2026-03-02T11:00:00'), calendarRevision: 0 } }, 2)).toBe(moved);
  });

  it('what happens to the dossier moves its last event; the service own marks do not', () => {
    const steps: [DossierEvent, Partial<AttentionRow>][] = [
      [{ type: 'DossierTransferred', data: { dossierId: 'D', fromUnitId: 'U', toUnitId: 'V', transferredAt: at('2026-03-02T10:00:00'), calendarRevision: 0 } }, { currentUnitId: 'V', lastEventAt: t('2026-03-02T10:00:00') }],
      [{ type: 'DossierSupplementRequested', data: { dossierId: 'D', unitId: 'V', reason: 'r', requestedAt: at('2026-03-02T11:00:00'), remainingWorkingMs: 0 } }, { status: 'awaiting_supplement', lastEventAt: t('2026-03-02T11:00:00') }],
      [{ type: 'DossierDueReplanned', data: { dossierId: 'D', replannedAt: at('2026-03-02T12:00:00'), oldDueAt: at('2026-03-03T09:00:00'), newDueAt: at('2026-03-04T09:00:00'), clockStartAt: at('2026-03-02T09:00:00'), calendarRevision: 1 } }, {}],
      [{ type: 'DossierSupplemented', data: { dossierId: 'D', supplementedAt: at('2026-03-03T08:00:00'), rule: 'restart', clockStartAt: at('2026-03-03T08:00:00'), dueAt: at('2026-03-04T08:00:00'), calendarRevision: 0 } }, { status: 'received', dueAt: t('2026-03-04T08:00:00'), lastEventAt: t('2026-03-03T08:00:00') }],
      [{ type: 'DossierDueReplanned', data: { dossierId: 'D', replannedAt: at('2026-03-03T09:00:00'), oldDueAt: at('2026-03-04T08:00:00'), newDueAt: at('2026-03-05T08:00:00'), clockStartAt: at('2026-03-03T08:00:00'), calendarRevision: 2 } }, { dueAt: t('2026-03-05T08:00:00') }],
      [{ type: 'DossierBecameOverdue', data: { dossierId: 'D', dueAt: at('2026-03-05T08:00:00'), unitId: 'V' } }, {}],
      [{ type: 'DossierApologyIssued', data: { dossierId: 'D', reason: 'r', responsibleUnitId: 'V', issuedAt: at('2026-03-05T09:00:00'), newAppointmentAt: at('2026-03-09T09:00:00'), issuedInTime: false } }, { lastEventAt: t('2026-03-05T09:00:00') }],
      [{ type: 'DossierResolved', data: { dossierId: 'D', outcome: 'approved', resolvedAt: at('2026-03-05T10:00:00'), resultDigitized: true, unitId: 'V', dueAt: at('2026-03-05T08:00:00'), timeliness: 'late', responsibleUnitIds: ['V'], apologized: true } }, { status: 'resolved', resolvedAt: t('2026-03-05T10:00:00'), lastEventAt: t('2026-03-05T10:00:00') }],
    ];
    let current = row;
    steps.forEach(([event, change], i) => {
      const next = evolveAttention(current, 'D', event, i + 2)!;
      const { position: _, ...rest } = next;
      const { position: __, ...expected } = { ...current, ...change };
      expect(rest).toEqual(expected);
      current = next;
    });
    expect(evolveAttention(current, 'D', { type: 'DossierResultReturned', data: { dossierId: 'D', returnedAt: at('2026-03-06T10:00:00') } }, 20)).toBeNull();
    expect(evolveAttention(row, 'D', { type: 'DossierWithdrawn', data: { dossierId: 'D', reason: 'r', withdrawnAt: at('2026-03-02T10:00:00') } }, 20)).toBeNull();
  });

  it('refuses, before anything is written, an event of a dossier it does not hold or an instant it cannot read (the seam quarantines it)', () => {
    expect(() => evolveAttention(undefined, 'X', { type: 'DossierResultReturned', data: { dossierId: 'X', returnedAt: at('2026-03-06T10:00:00') } }, 5)).toThrow(/not open/);
    expect(() => evolveAttention(row, 'D', { type: 'DossierApologyIssued', data: { dossierId: 'D', reason: 'r', responsibleUnitId: 'V', issuedAt: 'soon', newAppointmentAt: at('2026-03-09T09:00:00'), issuedInTime: false } }, 5)).toThrow(/issuedAt/);
  });
});
