import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CatalogService } from '../../src/catalog/catalog.service.js';
import { INDICATORS } from '../../src/targets/targets.js';
import { FakeClock } from '../support/fake-clock.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { binary, readCsv, readXlsx } from '../supervision/support/form-sheet.js';
import { command, dossierHistories, local, q } from '../supervision/support/scenario.js';
import { naiveFractions, naiveRanks, valueOf } from './support/naive-scorecard.js';

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/**
 * Targets and the scorecard through the real stack: the demo province, dossiers posted by the
 * integrator (digitised or not, results digitised or not), read back by supervisors and auditors.
 * HUYEN-AN > (HUYEN-AN.BPMC, .VPDKDD, .XA1, .XA2, .XA3); HUYEN-BINH is its sibling district.
 */
describe('targets and the scorecard over HTTP', () => {
  let t: TestApp;
  let last = 0;
  const period = { from: local('2026-03-01T00:00:00'), to: local('2026-04-01T00:00:00') };
  const clock = new FakeClock(local('2026-12-07T10:00:00'));
  const district = { key: 'district-an-supervisor' };

  beforeAll(async () => {
    t = await startTestApp({}, undefined, { clock, extraKeys: [{ key: district.key, role: 'supervisor', units: ['HUYEN-AN'] }] });
    const run = async (path: string, body: Record<string, unknown>) => (last = (await command(t, path, body)).position);
    const receive = (dossierId: string, unitId: string, receivedAt: string, o: { channel?: string; digitized?: boolean } = {}) =>
      run('/dossiers', { dossierId, procedureCode: 'HT-XNTTHN', unitId, channel: o.channel ?? 'online', receivedAt: local(receivedAt), digitized: o.digitized ?? false });
    const resolve = (dossierId: string, at: string, resultDigitized: boolean) => run(`/dossiers/${dossierId}/resolve`, { outcome: 'approved', occurredAt: local(at), resultDigitized });
    // XA1: two online and digitised, both resolved early with a digitised result.
    await receive('S-1', 'HUYEN-AN.XA1', '2026-03-02T09:00:00', { digitized: true });
    await resolve('S-1', '2026-03-02T15:00:00', true);
    await receive('S-2', 'HUYEN-AN.XA1', '2026-03-03T09:00:00', { digitized: true });
    await resolve('S-2', '2026-03-03T15:00:00', true);
    // XA2: one direct on paper, resolved late with a paper result; one online digitised, still open and overdue.
    await receive('S-3', 'HUYEN-AN.XA2', '2026-03-02T09:00:00', { channel: 'direct' });
    await resolve('S-3', '2026-03-20T09:00:00', false);
    await receive('S-4', 'HUYEN-AN.XA2', '2026-03-04T09:00:00', { digitized: true });
    // XA3: one postal, open and within due at the end of the period.
    await receive('S-5', 'HUYEN-AN.XA3', '2026-03-31T09:00:00', { channel: 'postal' });
    // The sibling district: one online, digitised, resolved on time with a digitised result.
    await receive('S-6', 'HUYEN-BINH.XA1', '2026-03-02T09:00:00', { digitized: true });
    await resolve('S-6', '2026-03-05T09:00:00', true);
  });
  afterAll(() => t.close({ remove: true }));

  describe('targets', () => {
    it('are 98% / 50% / 80% until set; the results follow the dossiers, the 766 indicator the on-time rate', async () => {
      const res = await t.as('supervisor').get('/targets').expect(200);
      expect(res.body).toEqual({ onTimeRate: 0.98, onlineShare: 0.5, digitizedShare: 0.8, resultDigitizedShare: 0.8, progressIndicator: 0.98, revision: -1 });
    });

    it('refuses what is not a share from 0 to 1 (or nothing at all) with a 400 problem, and changes nothing', async () => {
      for (const body of [{ onTimeRate: 1.5 }, { onlineShare: -0.1 }, { digitizedShare: '0.8' }, { onTimeRate: null }, {}, { bonus: 0.5 }, [0.9]]) {
        const res = await t.as('admin').put('/targets').send(body);
        expect({ body, status: res.status, type: res.headers['content-type'] }).toEqual({ body, status: 400, type: expect.stringMatching(/^application\/problem\+json/) });
        expect(res.body.code).toBe('VALIDATION_FAILED');
      }
      expect((await t.as('admin').get('/targets')).body.revision).toBe(-1);
    });

    it('only an admin key for all units sets them; every reader of reports reads them', async () => {
      expect((await t.as('supervisor').put('/targets').send({ onTimeRate: 0.5 })).status).toBe(403);
      expect((await t.as('integrator').get('/targets')).status).toBe(403);
      const set = await t.as('admin').put('/targets').send({ onTimeRate: 0.9, onlineShare: 0.6, digitizedShare: 0.7 }).expect(200);
      expect(set.body).toEqual({
        onTimeRate: 0.9,
        onlineShare: 0.6,
        digitizedShare: 0.7,
        resultDigitizedShare: 0.7,
        progressIndicator: 0.9,
        revision: 0,
        setAt: clock.now().toISOString(),
        setBy: 'test-admin',
      });
      expect((await t.as('auditor').get('/targets').expect(200)).body).toEqual(set.body);
      expect((await t.as(district).get('/targets').expect(200)).body).toEqual(set.body);
    });
  });

  describe('scorecard', () => {
    it('grouped by child: every figure equals the naive count of the events, each against its target, ranked among the children', async () => {
      const res = await t.as('supervisor').get(`/units/HUYEN-AN/scorecard${q({ ...period, groupBy: 'child', minPosition: last })}`).expect(200);
      const children = t.app.get(CatalogService).children('HUYEN-AN').sort();
      expect(res.body).toMatchObject({ unitId: 'HUYEN-AN', groupBy: 'child', scope: 'subtree', evaluatedAt: '2026-03-31T17:00:00.000Z', rankedAmong: children });
      expect(res.body.targets).toEqual({ onTimeRate: 0.9, onlineShare: 0.6, digitizedShare: 0.7, resultDigitizedShare: 0.7, progressIndicator: 0.9 });
      expect(res.body.formulas.progressIndicator).toMatch(/^Decision 766\/QĐ-TTg progress: \(resolved early or on time .* \+ in progress within due at E\) \/ \(resolved .* \+ in progress at E\)/);
      expect(res.body.rows.map((r: { key: string }) => r.key)).toEqual(children);
      const histories = await dossierHistories(t);
      const [from, end] = [Date.parse(period.from), Date.parse(period.to)];
      const fractions = children.map((c) => naiveFractions(histories, new Set([c]), from, end));
      for (const name of INDICATORS) {
        const rankOf = naiveRanks(fractions.map((f) => valueOf(f[name])));
        res.body.rows.forEach((row: Record<string, unknown>, i: number) => {
          const v = valueOf(fractions[i][name]);
          const target = res.body.targets[name];
          expect(row[name]).toEqual({ ...fractions[i][name], value: v, target, met: v === null ? null : v >= target, rank: rankOf[i] });
        });
      }
    });

    it('reads as the events said: on time, online, digitised, results digitised, 766 progress', async () => {
      const res = await t.as('supervisor').get(`/units/HUYEN-AN/scorecard${q({ ...period, groupBy: 'child' })}`).expect(200);
      const row = (key: string) => res.body.rows.find((r: { key: string }) => r.key === key);
      const xa1 = row('HUYEN-AN.XA1');
      const xa2 = row('HUYEN-AN.XA2');
      expect(xa1.onTimeRate).toEqual({ numerator: 2, denominator: 2, value: 1, target: 0.9, met: true, rank: 1 });
      expect(xa2.onTimeRate).toEqual({ numerator: 0, denominator: 1, value: 0, target: 0.9, met: false, rank: 2 });
      expect(xa2.digitizedShare).toEqual({ numerator: 1, denominator: 2, value: 0.5, target: 0.7, met: false, rank: 2 });
      expect(xa2.resultDigitizedShare).toMatchObject({ numerator: 0, denominator: 1, value: 0 });
      // S-3 resolved late, S-4 open and overdue at E: nothing on time, nothing within due.
      expect(xa2.progressIndicator).toMatchObject({ numerator: 0, denominator: 2, value: 0, rank: 3 });
      // S-5 open and within due: progress 1/1, ranked first with XA1 (2/2); nothing resolved, so no on-time rate.
      const xa3 = row('HUYEN-AN.XA3');
      expect(xa3.progressIndicator).toMatchObject({ numerator: 1, denominator: 1, value: 1, rank: 1 });
      expect(xa1.progressIndicator.rank).toBe(1);
      expect(xa3.onTimeRate).toEqual({ numerator: 0, denominator: 0, value: null, target: 0.9, met: null, rank: null });
      // A unit with nothing in the period: a row with no values and no ranks.
      expect(row('HUYEN-AN.BPMC').onlineShare).toMatchObject({ denominator: 0, value: null, rank: null });
    });

    it('groupBy none: the unit ranked among its siblings, in the scope asked', async () => {
      const res = await t.as('supervisor').get(`/units/HUYEN-AN/scorecard${q(period)}`).expect(200);
      expect(res.body.groupBy).toBe('none');
      expect(res.body.rankedAmong).toEqual(t.app.get(CatalogService).children('PROVINCE').sort());
      const [an] = res.body.rows;
      expect(an.key).toBe('HUYEN-AN');
      expect(an.onTimeRate).toMatchObject({ numerator: 2, denominator: 3 });
      // HUYEN-BINH resolved its one dossier on time: it ranks first, HUYEN-AN second.
      expect(an.onTimeRate.rank).toBe(2);
      expect(an.onlineShare).toMatchObject({ numerator: 3, denominator: 5, value: 0.6, met: true });
      const commune = await t.as('supervisor').get(`/units/HUYEN-AN.XA1/scorecard${q({ ...period, scope: 'self' })}`).expect(200);
      expect(commune.body.rows[0].onTimeRate).toMatchObject({ numerator: 2, denominator: 2, rank: 1 });
    });

    it('in the key\'s units only: a district supervisor reads its district and communes, never the sibling district or the province', async () => {
      expect((await t.as(district).get(`/units/HUYEN-AN/scorecard${q({ ...period, groupBy: 'child' })}`)).status).toBe(200);
      expect((await t.as(district).get(`/units/HUYEN-AN.XA2/scorecard${q(period)}`)).status).toBe(200);
      expect((await t.as(district).get(`/units/HUYEN-BINH/scorecard${q(period)}`)).status).toBe(403);
      expect((await t.as(district).get(`/units/PROVINCE/scorecard${q({ ...period, groupBy: 'child' })}`)).status).toBe(403);
      expect((await t.as('integrator').get(`/units/HUYEN-AN/scorecard${q(period)}`)).status).toBe(403);
    });

    it('as of an instant for auditors: the figures as recorded by then', async () => {
      expect((await t.as('supervisor').get(`/units/HUYEN-AN/scorecard${q({ ...period, asOf: clock.now().toISOString() })}`)).status).toBe(403);
      const now = await t.as('auditor').get(`/units/HUYEN-AN/scorecard${q({ ...period, asOf: clock.now().toISOString() })}`).expect(200);
      const live = await t.as('auditor').get(`/units/HUYEN-AN/scorecard${q(period)}`).expect(200);
      expect(now.body.asOf).toBe(clock.now().toISOString());
      expect(now.body.rows).toEqual(live.body.rows);
      // Before anything was recorded (the test's clock recorded every event at its now): nothing counted.
      const before = await t.as('auditor').get(`/units/HUYEN-AN/scorecard${q({ ...period, asOf: local('2026-12-01T00:00:00') })}`).expect(200);
      expect(before.body.rows[0].onlineShare).toMatchObject({ numerator: 0, denominator: 0, value: null });
    });

    it('bad parameters: a 400 problem naming each field', async () => {
      const res = await t.as('supervisor').get(`/units/HUYEN-AN/scorecard${q({ groupBy: 'procedure', from: 'yesterday', scope: 'all' })}`);
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['from', 'groupBy', 'scope']);
      expect((await t.as('supervisor').get('/units/NO-SUCH/scorecard')).status).toBe(404);
      expect((await t.as('supervisor').get(`/units/HUYEN-AN/scorecard${q({ format: 'pdf' })}`)).status).toBe(400);
    });

    it('as CSV and as a workbook: Vietnamese headings, a row per child and the total, the formulas in the notes', async () => {
      const url = `/units/HUYEN-AN/scorecard${q({ ...period, groupBy: 'child' })}`;
      const json = (await t.as('supervisor').get(url).expect(200)).body;
      const csv = await t.as('supervisor').get(url).set('Accept', 'text/csv').expect(200);
      expect(csv.headers['content-type']).toMatch(/^text\/csv; charset=utf-8/);
      expect(csv.headers['content-disposition']).toBe('attachment; filename="ChiTieu_HUYEN-AN_2026-03-01_2026-03-31.csv"');
      const xlsx = await t.as('supervisor').get(`${url}&format=xlsx`).buffer(true).parse(binary).expect(200);
      expect(xlsx.headers['content-type']).toBe(XLSX);
      const fromCsv = readCsv(csv.text);
      const { sheet } = await readXlsx(xlsx.body as Buffer);
      for (const s of [fromCsv, sheet]) {
        expect(s.titles[0]).toBe('BẢNG ĐÁNH GIÁ CHỈ TIÊU GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH');
        expect(s.headings).toContain('Chỉ số tiến độ (QĐ 766/QĐ-TTg) / Kết quả (%)');
        expect(s.rows.map((r) => r['Mã'])).toEqual([...json.rows.map((r: { key: string }) => r.key), '']);
        expect(s.rows.at(-1)!['Đơn vị']).toBe('Tổng cộng');
        expect(s.notes.some((n) => n.startsWith('Chỉ số tiến độ (QĐ 766/QĐ-TTg) = (số hồ sơ giải quyết trước hạn và đúng hạn + số hồ sơ đang giải quyết trong hạn)'))).toBe(true);
      }
      const xa2 = sheet.rows.find((r) => r['Mã'] === 'HUYEN-AN.XA2')!;
      expect(xa2['Tỷ lệ hồ sơ được số hóa / Kết quả (%)']).toBe(50);
      expect(xa2['Tỷ lệ hồ sơ được số hóa / Chỉ tiêu (%)']).toBe(70);
      expect(xa2['Tỷ lệ hồ sơ được số hóa / Đánh giá']).toBe('Chưa đạt');
      expect(xa2['Tỷ lệ hồ sơ được số hóa / Xếp hạng']).toBe(2);
      // The total: the district's own figures (its children's numerators over their denominators).
      const total = sheet.rows.at(-1)!;
      expect(total['Tỷ lệ giải quyết đúng hạn / Kết quả (%)']).toBe(66.67);
      expect(total['Tỷ lệ hồ sơ tiếp nhận trực tuyến / Đánh giá']).toBe('Đạt');
    });
  });

  it('the targets are events: a restart on the same store keeps them', async () => {
    const dataDir = t.config.dataDir;
    await t.close();
    t = await startTestApp({}, dataDir, { clock });
    expect((await t.as('auditor').get('/targets').expect(200)).body).toMatchObject({ onTimeRate: 0.9, onlineShare: 0.6, digitizedShare: 0.7, revision: 0, setBy: 'test-admin' });
  });
});
