import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { workingTimeBetween } from '../../src/calendar/index.js';
import { CatalogService } from '../../src/catalog/catalog.service.js';
import type { EntryLagFigures } from '../../src/entry-lag/entry-lag-stats.js';
import { RELATIVE_ACCURACY } from '../../src/entry-lag/lag-histogram.js';
import { FakeClock } from '../support/fake-clock.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { command, dossierHistories, local, q } from '../supervision/support/scenario.js';
import { binary, readCsv, readXlsx } from '../supervision/support/form-sheet.js';

const MINUTE = 60_000;

type Figures = Omit<EntryLagFigures, 'medianMinutes' | 'p90Minutes' | 'medianOfficeMinutes'> & { key: string; medianMinutes: number | null; p90Minutes: number | null; medianOfficeMinutes: number | null };

/** Counts, late entries and max exactly; median and p90 within the stated relative accuracy (or a second), plus the two decimals' rounding. */
function expectWithinPrecision(actual: Figures, exact: Omit<Figures, 'key'>): void {
  const { medianMinutes, p90Minutes, medianOfficeMinutes, ...rest } = actual;
  expect(rest).toEqual({ key: actual.key, events: exact.events, maxMinutes: exact.maxMinutes, lateEntries: exact.lateEntries, lateEntryShare: exact.lateEntryShare });
  for (const [got, want] of [[medianMinutes, exact.medianMinutes], [p90Minutes, exact.p90Minutes], [medianOfficeMinutes, exact.medianOfficeMinutes]]) {
    if (want === null) expect(got).toBeNull();
    else expect(Math.abs(got! - want)).toBeLessThanOrEqual(Math.max(want * RELATIVE_ACCURACY, 1 / 60) + 0.005);
  }
}

/**
 * GET /units/{id}/entry-lag through the real stack: the service's clock is set before each command,
 * so each event's recorded instant (and so its lag) is known. Checked against figures worked out by
 * hand, and against a naive walk of every dossier's history.
 */
describe('entry lag over HTTP', () => {
  let t: TestApp;
  let last = 0;
  const clock = new FakeClock(local('2026-03-01T08:00:00'));
  const period = { from: local('2026-03-01T00:00:00'), to: local('2026-04-01T00:00:00') };

  /** Posts a command as recorded at `recordedAt` (the service's clock), happened at `occurredAt`. */
  const at = async (recordedAt: string, path: string, body: Record<string, unknown>) => {
    clock.set(local(recordedAt));
    last = (await command(t, path, body)).position;
  };

  beforeAll(async () => {
    t = await startTestApp({}, undefined, {
      clock,
      extraKeys: [
        { key: 'district-an-supervisor', role: 'supervisor', units: ['HUYEN-AN'] },
        { key: 'district-binh-supervisor', role: 'supervisor', units: ['HUYEN-BINH'] },
      ],
    });
    const receive = (dossierId: string, unitId: string, receivedAt: string) => ({ dossierId, procedureCode: 'HT-KHAISINH', unitId, channel: 'direct', receivedAt: local(receivedAt) });
    // Monday 2 March 2026. D-1: received at 09:00, recorded at 09:30 (30 minutes); resolved at 15:00,
    // recorded on Thursday at 09:00: 3,960 wall minutes, 19 office hours (Mon 15-17, Tue, Wed, Thu 8-9): late.
    await at('2026-03-02T09:30:00', '/dossiers', receive('D-1', 'HUYEN-AN.XA1', '2026-03-02T09:00:00'));
    await at('2026-03-05T09:00:00', '/dossiers/D-1/resolve', { outcome: 'approved', occurredAt: local('2026-03-02T15:00:00') });
    // D-2: recorded as it happens at the one-stop counter, handed to the land office 10 minutes late
    // (counted for the counter, which handed it on), resolved there 2 hours late (counted for the land office).
    await at('2026-03-02T10:00:00', '/dossiers', receive('D-2', 'HUYEN-AN.BPMC', '2026-03-02T10:00:00'));
    await at('2026-03-02T11:10:00', '/dossiers/D-2/transfer', { toUnitId: 'HUYEN-AN.VPDKDD', occurredAt: local('2026-03-02T11:00:00') });
    await at('2026-03-03T16:00:00', '/dossiers/D-2/resolve', { outcome: 'approved', occurredAt: local('2026-03-03T14:00:00') });
    // The result returned at the counter (the receiving unit), 1 minute late.
    await at('2026-03-04T09:01:00', '/dossiers/D-2/return-result', { occurredAt: local('2026-03-04T09:00:00') });
    // Another district, and an event outside the period.
    await at('2026-03-02T12:00:00', '/dossiers', receive('D-3', 'HUYEN-BINH.XA1', '2026-03-02T08:00:00'));
    await at('2026-02-27T12:00:00', '/dossiers', receive('D-4', 'HUYEN-AN.XA2', '2026-02-27T11:00:00'));
    clock.set(local('2026-12-07T10:00:00'));
  });
  afterAll(() => t.close({ remove: true }));

  const get = (unitId: string, params: Record<string, string | number>, who: Parameters<TestApp['as']>[0] = 'supervisor') =>
    t.as(who).get(`/units/${unitId}/entry-lag${q({ ...period, minPosition: last, ...params })}`);

  it('counts each event for the unit that did it, with the figures worked out by hand', async () => {
    const res = await get('HUYEN-AN.XA1', { groupBy: 'eventType' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ unitId: 'HUYEN-AN.XA1', scope: 'subtree', groupBy: 'eventType', evaluatedAt: '2026-03-31T17:00:00.000Z' });
    expect(res.body.rows).toEqual([
      { key: 'DossierReceived', events: 1, medianMinutes: 30, p90Minutes: 30, maxMinutes: 30, medianOfficeMinutes: 30, lateEntries: 0, lateEntryShare: 0 },
      { key: 'DossierResolved', events: 1, medianMinutes: 3960, p90Minutes: 3960, maxMinutes: 3960, medianOfficeMinutes: 19 * 60, lateEntries: 1, lateEntryShare: 1 },
    ]);
    const counter = await get('HUYEN-AN.BPMC', { groupBy: 'eventType' });
    expect(counter.body.rows.map((r: { key: string; events: number; maxMinutes: number }) => [r.key, r.events, r.maxMinutes])).toEqual([
      ['DossierReceived', 1, 0],
      ['DossierResultReturned', 1, 1],
      ['DossierTransferred', 1, 10],
    ]);
    const land = await get('HUYEN-AN.VPDKDD', {});
    expect(land.body.rows).toEqual([{ key: 'HUYEN-AN.VPDKDD', events: 1, medianMinutes: 120, p90Minutes: 120, maxMinutes: 120, medianOfficeMinutes: 120, lateEntries: 0, lateEntryShare: 0 }]);
  });

  it('rolls up the subtree, by child, equal to a naive walk of every history', async () => {
    const catalog = t.app.get(CatalogService);
    const calendar = catalog.calendar().compiled;
    const from = Date.parse(period.from);
    const to = Date.parse(period.to);
    // Naive: every event of every history, the doer followed dossier by dossier.
    const lags = new Map<string, { lag: number; office: number }[]>();
    for (const history of await dossierHistories(t)) {
      let receiving = '';
      let holder = '';
      for (const { event, occurredAt, recordedAt } of history) {
        const data = event.data as Record<string, string>;
        let doer: string | undefined;
        if (event.type === 'DossierReceived') doer = receiving = holder = data.unitId;
        else if (event.type === 'DossierTransferred') (doer = holder), (holder = data.toUnitId);
        else if (event.type === 'DossierResultReturned' || event.type === 'DossierWithdrawn') doer = receiving;
        else if (event.type === 'DossierBecameOverdue' || event.type === 'DossierDueReplanned') doer = undefined;
        else doer = holder;
        if (doer === undefined || occurredAt < from || occurredAt >= to) continue;
        const lag = Math.max(0, recordedAt - occurredAt);
        lags.set(doer, [...(lags.get(doer) ?? []), { lag, office: lag === 0 ? 0 : workingTimeBetween(calendar, occurredAt, recordedAt) }]);
      }
    }
    const naive = (units: string[]) => {
      const all = units.flatMap((u) => lags.get(u) ?? []);
      const rank = (values: number[], p: number) => values.sort((a, b) => a - b)[Math.max(0, Math.ceil(p * values.length) - 1)] / MINUTE;
      return all.length === 0
        ? { events: 0, medianMinutes: null, p90Minutes: null, maxMinutes: null, medianOfficeMinutes: null, lateEntries: 0, lateEntryShare: null }
        : {
            events: all.length,
            medianMinutes: rank(all.map((x) => x.lag), 0.5),
            p90Minutes: rank(all.map((x) => x.lag), 0.9),
            maxMinutes: rank(all.map((x) => x.lag), 1),
            medianOfficeMinutes: rank(all.map((x) => x.office), 0.5),
            lateEntries: all.filter((x) => x.office > 8 * 60 * MINUTE).length,
            lateEntryShare: all.filter((x) => x.office > 8 * 60 * MINUTE).length / all.length,
          };
    };
    const res = await get('PROVINCE', { groupBy: 'child' }, 'auditor');
    expect(res.status).toBe(200);
    expect(res.body.rows.map((r: Figures) => r.key)).toEqual(catalog.children('PROVINCE').sort());
    res.body.rows.forEach((r: Figures) => expectWithinPrecision(r, naive(catalog.subtree(r.key))));
    const province = await get('PROVINCE', {});
    expect(province.body.rows.map((r: Figures) => r.key)).toEqual(['PROVINCE']);
    expectWithinPrecision(province.body.rows[0], naive(catalog.subtree('PROVINCE')));
    expect(province.body.rows[0].events).toBe(7); // D-4 happened in February
  });

  it('keeps a district supervisor within its district, and refuses what it cannot read', async () => {
    expect((await get('HUYEN-AN', {}, { key: 'district-an-supervisor' })).status).toBe(200);
    const sibling = await get('HUYEN-BINH', {}, { key: 'district-an-supervisor' });
    expect(sibling.status).toBe(403);
    expect(sibling.headers['content-type']).toMatch(/application\/problem\+json/);
    expect((await get('HUYEN-AN', {}, 'integrator')).status).toBe(403);
    const bad = await get('HUYEN-AN', { groupBy: 'procedure' });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([expect.objectContaining({ field: 'groupBy' })]);
    expect((await get('NOWHERE', {})).status).toBe(404);
  });

  it('downloads as CSV and as a workbook with the same figures, a row per child and the totals', async () => {
    const json = (await get('HUYEN-AN', { groupBy: 'child' })).body;
    const csv = await get('HUYEN-AN', { groupBy: 'child', format: 'csv' }).buffer(true).parse(binary);
    expect(csv.status).toBe(200);
    expect(csv.headers['content-disposition']).toBe('attachment; filename="DoTre_HUYEN-AN_2026-03-01_2026-03-31.csv"');
    const xlsx = await get('HUYEN-AN', { groupBy: 'child', format: 'xlsx' }).buffer(true).parse(binary);
    expect(xlsx.status).toBe(200);
    for (const sheet of [readCsv((csv.body as Buffer).toString('utf8')), (await readXlsx(xlsx.body as Buffer)).sheet]) {
      expect(sheet.headings.slice(0, 4)).toEqual(['STT', 'Đơn vị', 'Số sự kiện', 'Độ trễ (phút) / Trung vị']);
      const rows = json.rows as { key: string; events: number; medianMinutes: number | null; lateEntries: number }[];
      expect(sheet.rows).toHaveLength(rows.length + 1);
      rows.forEach((r, i) => {
        expect(sheet.rows[i]).toMatchObject({ STT: i + 1, 'Số sự kiện': r.events, 'Độ trễ (phút) / Trung vị': r.medianMinutes ?? '', Mã: r.key });
      });
      const total = sheet.rows[rows.length];
      expect(total).toMatchObject({ 'Đơn vị': 'Tổng cộng', 'Số sự kiện': 6, 'Cập nhật trễ quá 1 ngày làm việc / Số sự kiện': 1 });
    }
  });
});
