/**
 * The dashboard's report panels beyond Form II.06a, in a real browser against the real service:
 * each panel's figures equal the API's for the same unit and period, its downloads hold them, and
 * a district key sees its own subtree only. Screenshots go to test-output/.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { AttentionCounts, AttentionList } from '../../src/attention/attention.queries.js';
import type { EntryLagReport } from '../../src/entry-lag/entry-lag.queries.js';
import type { ScorecardReport } from '../../src/scorecard/scorecard-queries.js';
import { INDICATORS } from '../../src/targets/targets.js';
import { whyInVietnamese } from '../../web/src/why.js';
import { readCsv, readXlsx } from '../supervision/support/form-sheet.js';
import { startTestApp, tempDataDir, type TestApp } from '../support/test-app.js';
import { launchChromium } from './browser.js';
import { chooseDays, Dashboard, DAY, localDate, until } from './page.js';

const OUT = join(process.cwd(), 'test-output');
const DISTRICT_KEY = 'test-panels-huyen-an-key';
const MINUTE = 60_000;

type LagRow = EntryLagReport['rows'][number];

describe('the dashboard panels in a browser', () => {
  let t: TestApp;
  let browser: Browser;
  let dashboard: Dashboard;

  const receive = (dossierId: string, unitId: string, receivedAt: number) =>
    t.as('integrator').post('/dossiers').send({ dossierId, procedureCode: 'HT-KHAISINH', unitId, channel: 'direct', receivedAt: new Date(receivedAt).toISOString() }).expect(201);

  /** The last 30 days, chosen in the page; the same period as the API takes it. */
  const lastMonth = (page: Page) => chooseDays(page, localDate(-30), localDate(0), localDate(1));

  beforeAll(async () => {
    mkdirSync(OUT, { recursive: true });
    browser = await launchChromium();
    t = await startTestApp({}, tempDataDir(), { extraKeys: [{ key: DISTRICT_KEY, role: 'supervisor', units: ['HUYEN-AN'], name: 'huyen-an' }] });
    await t.app.listen(0, '127.0.0.1');
    dashboard = new Dashboard(browser, `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}/`);
    // Each receipt is recorded now: its entry lag is how long ago it was received.
    const now = Date.now();
    await receive('D-STP', 'STP', now - 195 * MINUTE); // 3 h 15 min late
    await receive('D-BINH', 'HUYEN-BINH.XA1', now - 5 * DAY); // 5 days late, over a working day
    await receive('D-AN-1', 'HUYEN-AN.XA1', now - 30 * MINUTE);
    await receive('D-AN-2', 'HUYEN-AN.XA2', now - 10 * MINUTE);
    await t.as('integrator').post('/dossiers/D-AN-1/transfer').send({ toUnitId: 'HUYEN-AN.VPDKDD', occurredAt: new Date(now - 20 * MINUTE).toISOString() }).expect(200);
    // For the review lists, all before the last 30 days (the entry-lag period above): more overdue
    // one-day dossiers than a page holds, one of the district's moved on to its land office, one
    // resolved and never returned, one quiet within its long time.
    for (let i = 1; i <= 24; i++) await receive(`D-OLD-${String(i).padStart(2, '0')}`, 'HUYEN-BINH.XA2', now - 40 * DAY - i * MINUTE);
    await receive('D-AN-OLD', 'HUYEN-AN.XA1', now - 40 * DAY);
    await t.as('integrator').post('/dossiers/D-AN-OLD/transfer').send({ toUnitId: 'HUYEN-AN.VPDKDD', occurredAt: new Date(now - 39 * DAY).toISOString() }).expect(200);
    await receive('D-NR', 'HUYEN-AN.XA2', now - 40 * DAY);
    await t.as('integrator').post('/dossiers/D-NR/resolve').send({ outcome: 'approved', occurredAt: new Date(now - 38 * DAY).toISOString() }).expect(200);
    await t
      .as('integrator')
      .post('/dossiers')
      .send({ dossierId: 'D-QUIET', procedureCode: 'MT-DTM', unitId: 'HUYEN-AN.XA3', channel: 'online', receivedAt: new Date(now - 35 * DAY).toISOString() })
      .expect(201);
  });

  afterAll(async () => {
    await dashboard?.close();
    await browser?.close();
    await t?.close({ remove: true });
  });

  describe('entry lag', () => {
    const api = async (unitId: string, period: { from: string; to: string }, groupBy?: string, key: Parameters<TestApp['as']>[0] = 'supervisor') =>
      (await t.as(key).get(`/units/${unitId}/entry-lag`).query({ ...period, ...(groupBy ? { groupBy } : {}) }).expect(200)).body as EntryLagReport;

    /** A row as the page shows it: counts as text, lags and the share as the exact figures it was drawn from. */
    const shown = async (page: Page, key: string) => {
      const row = page.locator(`.panel-entry-lag tr[data-unit="${key}"]`);
      const cells = row.locator('td');
      const minutes = await row.locator('td[data-minutes]').evaluateAll((tds) => tds.map((td) => td.getAttribute('data-minutes')));
      const share = await row.locator('td[data-share]').getAttribute('data-share');
      const figure = (s: string | null) => (s === '' || s === null ? null : Number(s));
      return {
        key,
        events: Number((await cells.nth(0).textContent())!.replace(/\D/g, '')),
        medianMinutes: figure(minutes[0]!),
        p90Minutes: figure(minutes[1]!),
        maxMinutes: figure(minutes[2]!),
        medianOfficeMinutes: figure(minutes[3]!),
        lateEntries: Number((await cells.nth(5).textContent())!.replace(/\D/g, '')),
        lateEntryShare: figure(share),
      };
    };
    const withTotal = async (page: Page, rows: LagRow[]) => Promise.all(rows.map((r) => shown(page, r.key)));

    it('shows a row per child with the API\'s figures, the whole unit last, lags readably, the late share marked', async () => {
      const page = await dashboard.newPage();
      await dashboard.signIn(page, t.keys.supervisor);
      const period = await lastMonth(page);
      await until(async () => (await page.getAttribute('.panel-entry-lag table', 'data-from')) === new Date(period.from).toISOString(), 5000, 'the entry lag of the period');
      const byChild = await api('PROVINCE', period, 'child');
      const whole = await api('PROVINCE', period);
      expect(await page.locator('.panel-entry-lag tbody tr').count()).toBe(byChild.rows.length);
      expect(await withTotal(page, byChild.rows)).toEqual(byChild.rows);
      expect(await shown(page, 'total')).toEqual({ ...whole.rows[0], key: 'total' });
      expect(whole.rows[0]!.events).toBe(5);

      const text = async (key: string, column: number) => ((await page.locator(`.panel-entry-lag tr[data-unit="${key}"] td`).nth(column).textContent()) ?? '').trim();
      expect(await text('STP', 1)).toBe('3 giờ 15 phút');
      expect(await text('HUYEN-BINH', 3)).toBe('5 ngày');
      expect(await text('TTPVHCC', 1)).toBe('-');
      // Every entry of the district was late: its share is marked; a unit with none is not.
      expect(await page.locator('.panel-entry-lag tr[data-unit="HUYEN-BINH"] td[data-share]').getAttribute('class')).toContain('high');
      expect(await page.locator('.panel-entry-lag tr[data-unit="STP"] td[data-share]').getAttribute('class')).not.toContain('share');
      await page.locator('.panel-entry-lag').screenshot({ path: join(OUT, 'dashboard-entry-lag.png') });

      await page.click('button.lang');
      await until(async () => (await text('STP', 1)) === '3 h 15 min', 5000, 'English durations');
      expect(await page.locator('.panel-entry-lag h2').textContent()).toContain('Entry lag');
    }, 60_000);

    it('downloads the report as xlsx and csv with the key, holding the API\'s figures', async () => {
      const page = await dashboard.newPage();
      await dashboard.signIn(page, t.keys.supervisor);
      await page.locator('.panel-entry-lag table').waitFor();
      for (const format of ['xlsx', 'csv'] as const) {
        const [request, download] = await Promise.all([
          page.waitForRequest((r) => r.url().includes('/entry-lag') && r.url().includes(`format=${format}`)),
          page.waitForEvent('download'),
          page.click(`.panel-entry-lag button[data-format=${format}]`),
        ]);
        const url = new URL(request.url());
        expect(url.pathname).toBe('/units/PROVINCE/entry-lag');
        expect(url.searchParams.get('groupBy')).toBe('child');
        expect(url.searchParams.get('from')).toMatch(/T00:00:00\+07:00$/);
        expect(request.headers().authorization).toBe(`Bearer ${t.keys.supervisor}`);
        const saved = readFileSync(await download.path());
        const sheet = format === 'xlsx' ? (await readXlsx(saved)).sheet : readCsv(saved.toString('utf8'));
        url.searchParams.delete('format');
        const rows = ((await t.as('supervisor').get(`${url.pathname}${url.search}`).expect(200)).body as EntryLagReport).rows;
        const figure = (v: string | number | undefined) => (v === '' || v === undefined ? null : Number(v));
        expect(sheet.rows.slice(0, -1).map((r) => [r['Mã'], figure(r['Số sự kiện']), figure(r['Độ trễ (phút) / Trung vị'])])).toEqual(rows.map((r) => [r.key, r.events, r.medianMinutes]));
      }
    }, 60_000);

    it('asks again, saying so, while the service says its figures are being prepared (503 with Retry-After)', async () => {
      const page = await dashboard.newPage();
      let refused = 0;
      await page.route(
        (url) => url.pathname === '/units/PROVINCE/entry-lag',
        async (route) => {
          if (refused++ >= 2) return route.continue();
          return route.fulfill({
            status: 503,
            headers: { 'Retry-After': '1', 'Content-Type': 'application/problem+json' },
            body: JSON.stringify({ code: 'NOT_CAUGHT_UP', status: 503, detail: 'the entry_lag read model is being built from the log; retry shortly' }),
          });
        },
      );
      await dashboard.signIn(page, t.keys.supervisor);
      await page.locator('.panel-entry-lag p.retrying[role=status]').waitFor();
      expect(await page.locator('.panel-entry-lag p.error').count()).toBe(0);
      await page.locator('.panel-entry-lag table').waitFor({ timeout: 10_000 });
      expect(await page.locator('.panel-entry-lag p.retrying').count()).toBe(0);
      expect(refused).toBe(4);
    }, 60_000);

    it('a district key sees its own subtree\'s rows only, on a phone', async () => {
      const page = await dashboard.newPage({ width: 390, height: 844 });
      await dashboard.signIn(page, DISTRICT_KEY);
      const period = await lastMonth(page);
      await until(async () => (await page.getAttribute('.panel-entry-lag table', 'data-from')) === new Date(period.from).toISOString(), 5000, 'the entry lag of the period');
      const byChild = await api('HUYEN-AN', period, 'child', { key: DISTRICT_KEY });
      const units = ((await t.as('admin').get('/units').expect(200)).body as { units: { unitId: string; parentId?: string }[] }).units;
      const keys = await page.locator('.panel-entry-lag tbody tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-unit')));
      expect(keys.sort()).toEqual(units.filter((u) => u.parentId === 'HUYEN-AN').map((u) => u.unitId).sort());
      expect(await withTotal(page, byChild.rows)).toEqual(byChild.rows);
      const whole = await api('HUYEN-AN', period, undefined, { key: DISTRICT_KEY });
      expect(await shown(page, 'total')).toEqual({ ...whole.rows[0], key: 'total' });
      expect(whole.rows[0]!.events).toBe(3);
      // The province's figures stay closed to it.
      await t.as({ key: DISTRICT_KEY }).get('/units/PROVINCE/entry-lag').expect(403);
      await page.locator('.panel-entry-lag').screenshot({ path: join(OUT, 'dashboard-entry-lag-district-phone.png') });
    }, 60_000);
  });
  describe('attention', () => {
    const KINDS = ['overdue', 'soon_due', 'not_returned', 'silent'] as const;
    const counts = async (unitId: string, key: Parameters<TestApp['as']>[0] = 'supervisor', scope = 'subtree') =>
      ((await t.as(key).get(`/units/${unitId}/attention/counts`).query({ scope }).expect(200)).body as AttentionCounts).counts;
    const list = async (unitId: string, kind: string, limit: number, key: Parameters<TestApp['as']>[0] = 'supervisor') =>
      (await t.as(key).get(`/units/${unitId}/attention`).query({ kind, limit }).expect(200)).body as AttentionList;

    /** The chosen list as the page shows it. */
    const shownList = (page: Page) =>
      page.locator('.panel-attention tbody tr').evaluateAll((trs) =>
        trs.map((tr) => ({
          dossierId: tr.getAttribute('data-dossier'),
          why: tr.querySelector('td.why')!.textContent!.trim(),
          currentUnitId: tr.querySelector('td[data-unit]')!.getAttribute('data-unit'),
          dueAt: tr.querySelector('time')!.getAttribute('datetime'),
        })),
      );
    const expectedList = (l: AttentionList, say: (why: string) => string) => l.items.map((i) => ({ dossierId: i.dossierId, why: say(i.why), currentUnitId: i.currentUnitId, dueAt: i.dueAt }));
    const shownCounts = async (page: Page) =>
      Object.fromEntries(await Promise.all(KINDS.map(async (k) => [k, Number(await page.locator(`.panel-attention button.kind[data-kind=${k}] .count`).getAttribute('data-count'))])));
    const chooseKind = async (page: Page, kind: string) => {
      await page.click(`.panel-attention button.kind[data-kind=${kind}]`);
      await page.locator(`.panel-attention table[data-kind=${kind}]`).waitFor();
    };

    it('counts every list and pages through the chosen one, each dossier with why, its holder and due, as the API; a dossier opens', async () => {
      const page = await dashboard.newPage();
      await dashboard.signIn(page, t.keys.supervisor);
      await page.locator('.panel-attention table[data-kind=overdue]').waitFor();
      expect(await shownCounts(page)).toEqual(await counts('PROVINCE'));
      expect((await counts('PROVINCE')).overdue).toBe(26);

      // The first page of the overdue list, then the rest through the cursor.
      const first = await list('PROVINCE', 'overdue', 10);
      expect(await shownList(page)).toEqual(expectedList(first, whyInVietnamese));
      expect((await shownList(page))[0]!.why).toMatch(/^Quá hạn từ \d\d:\d\d \d\d\/\d\d\/\d{4}, đã \d+ ngày làm việc/);
      for (const shownAfter of [20, 26]) {
        await page.click('.panel-attention button.more');
        await until(async () => (await page.locator('.panel-attention tbody tr').count()) === shownAfter, 5000, `${shownAfter} dossiers shown`);
      }
      expect(await shownList(page)).toEqual(expectedList(await list('PROVINCE', 'overdue', 500), whyInVietnamese));
      expect(await page.locator('.panel-attention button.more').count()).toBe(0);
      // The district's overdue dossier is held by the land office it was moved on to.
      expect(await page.locator('.panel-attention tr[data-dossier="D-AN-OLD"]').textContent()).toContain('Chi nhánh Văn phòng Đăng ký đất đai - UBND huyện An Bình');

      // Another list, chosen with the keyboard; its dossier opens to its state.
      await page.focus('.panel-attention button.kind[data-kind=not_returned]');
      await page.keyboard.press('Enter');
      await page.locator('.panel-attention table[data-kind=not_returned]').waitFor();
      expect(await page.getAttribute('.panel-attention button.kind[data-kind=not_returned]', 'aria-pressed')).toBe('true');
      expect(await shownList(page)).toEqual(expectedList(await list('PROVINCE', 'not_returned', 500), whyInVietnamese));
      expect((await shownList(page)).map((r) => r.dossierId)).toEqual(['D-NR']);
      await page.locator('.panel-attention').screenshot({ path: join(OUT, 'dashboard-attention.png') });
      await page.click('.panel-attention button.link >> text=D-NR');
      await page.locator('dialog[open] dl.state').waitFor();
      expect(await page.locator('dialog[open]').textContent()).toContain('resolved');
      await page.keyboard.press('Escape');

      // In English the reason is the service's own sentence.
      await page.click('button.lang');
      await until(async () => (await page.getAttribute('html', 'lang')) === 'en', 5000, 'English');
      expect(await shownList(page)).toEqual(expectedList(await list('PROVINCE', 'not_returned', 500), (why) => why));
    }, 60_000);

    /** A main table row's counts as the page shows them (data-count of each kind's button). */
    const rowCounts = (page: Page, unitId: string) =>
      page
        .locator(`.panel-timeliness tr[data-unit="${unitId}"] td.attn .attn-count`)
        .evaluateAll((els) => Object.fromEntries(els.map((el) => [el.getAttribute('data-kind'), el.hasAttribute('data-count') ? Number(el.getAttribute('data-count')) : el.textContent!.trim()])));

    it('the main table counts each row\'s units on every list, as the API does for that unit; a count opens its list there', async () => {
      const page = await dashboard.newPage();
      await dashboard.signIn(page, t.keys.supervisor);
      await page.locator('.panel-timeliness tr[data-unit="HUYEN-AN"] td.attn[data-ready=true]').waitFor({ timeout: 10_000 });
      const keys = (await page.locator('.panel-timeliness tbody tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-unit')))) as string[];
      expect(keys).toContain('HUYEN-BINH');
      // Each child counts its subtree; the unit's own row (when shown) its own dossiers only.
      for (const key of keys) expect(await rowCounts(page, key)).toEqual(await counts(key, 'supervisor', key === 'PROVINCE' ? 'self' : 'subtree'));
      expect((await rowCounts(page, 'HUYEN-BINH')).overdue).toBeGreaterThanOrEqual(24);
      expect(await rowCounts(page, 'HUYEN-AN')).toMatchObject({ overdue: 1, not_returned: 1 });
      // Overdue is marked where there is any, not elsewhere.
      expect(await page.getAttribute('.panel-timeliness tr[data-unit="HUYEN-BINH"] button.attn-count[data-kind=overdue]', 'class')).toContain('hot');
      expect(await page.getAttribute('.panel-timeliness tr[data-unit="TTPVHCC"] button.attn-count[data-kind=overdue]', 'class')).not.toContain('hot');
      expect(await page.getAttribute('.panel-timeliness tr[data-unit="HUYEN-AN"] button.attn-count[data-kind=soon_due]', 'class')).not.toContain('hot');
      await page.locator('.panel-timeliness').screenshot({ path: join(OUT, 'dashboard-timeliness-attention.png') });

      // The district's "not returned" opens that list for the district in the attention panel.
      await page.click('.panel-timeliness tr[data-unit="HUYEN-AN"] button.attn-count[data-kind=not_returned]');
      await page.locator('.panel-attention .attention-of[data-unit="HUYEN-AN"][data-scope=subtree]').waitFor();
      await page.locator('.panel-attention table[data-kind=not_returned]').waitFor();
      expect(await page.getAttribute('.panel-attention button.kind[data-kind=not_returned]', 'aria-pressed')).toBe('true');
      expect(await shownCounts(page)).toEqual(await counts('HUYEN-AN'));
      expect((await shownList(page)).map((r) => r.dossierId)).toEqual(['D-NR']);
      expect(await page.locator('.panel-attention').evaluate((el) => el.matches(':focus'))).toBe(true);
      // Another list stays on the district; "back" returns to the chosen unit.
      await chooseKind(page, 'silent');
      expect((await shownList(page)).map((r) => r.dossierId).sort()).toEqual(['D-AN-OLD', 'D-QUIET']);
      await page.click('.panel-attention button.back');
      await until(async () => (await page.locator('.panel-attention .attention-of').count()) === 0 && (await page.getAttribute('.panel-attention', 'aria-busy')) === 'false', 5000, 'the chosen unit again');
      expect(await shownCounts(page)).toEqual(await counts('PROVINCE'));
    }, 60_000);

    it('the main table shows dashes, not counts, while the lists are being built (attention null)', async () => {
      const page = await dashboard.newPage();
      const report = (await t.as('supervisor').get('/units/PROVINCE/timeliness').query({ groupBy: 'child' }).expect(200)).body as { rows: object[] };
      const frame = { ...report, position: 0, rows: report.rows.map((r) => ({ ...r, attention: null })) };
      await page.route(
        (url) => url.pathname === '/units/PROVINCE/timeliness/live',
        (route) => route.fulfill({ status: 200, headers: { 'Content-Type': 'text/event-stream' }, body: `event: timeliness\ndata: ${JSON.stringify(frame)}\n\n` }),
      );
      await dashboard.signIn(page, t.keys.supervisor);
      expect(await rowCounts(page, 'HUYEN-BINH')).toEqual({ overdue: '-', soon_due: '-', not_returned: '-', silent: '-' });
      expect(await page.locator('.panel-timeliness td.attn button').count()).toBe(0);
    }, 60_000);

    it('a district key counts and lists its own subtree only', async () => {
      const page = await dashboard.newPage({ width: 390, height: 844 });
      await dashboard.signIn(page, DISTRICT_KEY);
      await page.locator('.panel-attention table[data-kind=overdue]').waitFor();
      const own = await counts('HUYEN-AN', { key: DISTRICT_KEY });
      expect(await shownCounts(page)).toEqual(own);
      expect(own).toMatchObject({ overdue: 1, not_returned: 1 });
      expect(await shownList(page)).toEqual(expectedList(await list('HUYEN-AN', 'overdue', 500, { key: DISTRICT_KEY }), whyInVietnamese));
      expect((await shownList(page)).map((r) => r.dossierId)).toEqual(['D-AN-OLD']);
      await chooseKind(page, 'silent');
      expect((await shownList(page)).map((r) => r.dossierId).sort()).toEqual(['D-AN-OLD', 'D-QUIET']);
      await t.as({ key: DISTRICT_KEY }).get('/units/PROVINCE/attention/counts').expect(403);
      await page.locator('.panel-attention').screenshot({ path: join(OUT, 'dashboard-attention-district-phone.png') });
    }, 60_000);
  });

  describe('scorecard', () => {
    const api = async (unitId: string, period: { from: string; to: string }, groupBy?: string, key: Parameters<TestApp['as']>[0] = 'supervisor') =>
      (await t.as(key).get(`/units/${unitId}/scorecard`).query({ ...period, ...(groupBy ? { groupBy } : {}) }).expect(200)).body as ScorecardReport;

    /** Each indicator of a row as the page shows it: the figure, met or not, the rank. */
    const shown = (page: Page, key: string) =>
      page.locator(`.panel-scorecard tr[data-unit="${key}"] td.score`).evaluateAll((tds) =>
        tds.map((td) => {
          const a = (name: string) => td.getAttribute(name);
          return { value: a('data-value') === '' ? null : Number(a('data-value')), met: a('data-met') === '' ? null : a('data-met') === 'true', rank: a('data-rank') === '' ? null : Number(a('data-rank')) };
        }),
      );
    const expected = (row: ScorecardReport['rows'][number]) => INDICATORS.map((name) => ({ value: row[name].value, met: row[name].met, rank: row[name].rank }));
    const ofPeriod = (page: Page, from: string) => until(async () => (await page.getAttribute('.panel-scorecard table', 'data-from')) === new Date(from).toISOString(), 5000, 'the scorecard of the period');

    it('holds each indicator of each child against its target, met or not, ranked among the children; the unit itself among its siblings', async () => {
      const page = await dashboard.newPage();
      await dashboard.signIn(page, t.keys.supervisor);
      const period = await lastMonth(page);
      await ofPeriod(page, period.from);
      const byChild = await api('PROVINCE', period, 'child');
      expect(await page.locator('.panel-scorecard tbody tr').count()).toBe(byChild.rows.length);
      for (const row of byChild.rows) expect(await shown(page, row.key)).toEqual(expected(row));
      const own = await api('PROVINCE', period);
      expect(await shown(page, 'total')).toEqual(expected(own.rows[0]!));
      // Every dossier of the period came in person: no unit met the online target, and the ones that received any are marked.
      expect(byChild.rows.find((r) => r.key === 'STP')!.onlineShare).toMatchObject({ value: 0, met: false });
      expect(await page.locator('.panel-scorecard tr[data-unit="STP"] td.score').nth(1).getAttribute('class')).toContain('unmet');
      expect(await page.locator('.panel-scorecard tr[data-unit="STP"] td.score').nth(1).textContent()).toContain('chưa đạt');
      expect(await page.locator('.panel-scorecard th[data-indicator=onTimeRate]').textContent()).toContain('98');
      await page.locator('.panel-scorecard').screenshot({ path: join(OUT, 'dashboard-scorecard.png') });

      // Its workbook, fetched with the key for the same unit and period, holds the same ranks.
      const [request, download] = await Promise.all([
        page.waitForRequest((r) => r.url().includes('/scorecard') && r.url().includes('format=xlsx')),
        page.waitForEvent('download'),
        page.click('.panel-scorecard button[data-format=xlsx]'),
      ]);
      expect(request.headers().authorization).toBe(`Bearer ${t.keys.supervisor}`);
      expect(new URL(request.url()).searchParams.get('from')).toBe(period.from);
      const { sheet } = await readXlsx(readFileSync(await download.path()));
      expect(sheet.rows.slice(0, -1).map((r) => [r['Mã'], r['Chỉ số tiến độ (QĐ 766/QĐ-TTg) / Xếp hạng']])).toEqual(
        byChild.rows.map((r) => [r.key, r.progressIndicator.rank ?? '']),
      );
    }, 60_000);

    it('an auditor\'s "as of" scorecard is the API\'s as of the same instant', async () => {
      const page = await dashboard.newPage();
      await dashboard.signIn(page, t.keys.auditor);
      await page.locator('.panel-scorecard table').waitFor();
      // As of the current minute (the picker takes minutes): what was recorded before it.
      const asOf = new Date(Date.now() + 7 * 3600_000).toISOString().slice(0, 16);
      await page.fill('#asOf', asOf);
      const [request] = await Promise.all([
        page.waitForRequest((r) => r.url().includes('/units/PROVINCE/scorecard') && r.url().includes('asOf=') && r.url().includes('groupBy=child')),
        page.click('.filters button[type=submit]'),
      ]);
      const url = new URL(request.url());
      await until(async () => (await page.getAttribute('.panel-scorecard', 'aria-busy')) === 'false', 10_000, 'the as-of scorecard');
      const byChild = (await t.as('auditor').get(`${url.pathname}${url.search}`).expect(200)).body as ScorecardReport;
      expect(byChild.asOf).toBe(new Date(`${asOf}:00+07:00`).toISOString());
      for (const row of byChild.rows) expect(await shown(page, row.key)).toEqual(expected(row));
    }, 60_000);

    it('a district key sees its own children, and its district ranked among the others', async () => {
      const page = await dashboard.newPage();
      await dashboard.signIn(page, DISTRICT_KEY);
      const period = await lastMonth(page);
      await ofPeriod(page, period.from);
      const byChild = await api('HUYEN-AN', period, 'child', { key: DISTRICT_KEY });
      const keys = await page.locator('.panel-scorecard tbody tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-unit')));
      expect(keys).toEqual(byChild.rows.map((r) => r.key));
      expect(keys.every((k) => k!.startsWith('HUYEN-AN.'))).toBe(true);
      for (const row of byChild.rows) expect(await shown(page, row.key)).toEqual(expected(row));
      const own = await api('HUYEN-AN', period, undefined, { key: DISTRICT_KEY });
      expect(await shown(page, 'total')).toEqual(expected(own.rows[0]!));
      expect(await page.locator('.panel-scorecard tfoot td.score .rank').first().textContent()).toContain(`/${own.rankedAmong.length}`);
      await t.as({ key: DISTRICT_KEY }).get('/units/PROVINCE/scorecard').expect(403);
    }, 60_000);
  });
});
