/**
 * The dashboard in a real browser (headless Chromium) against the real service on a port: sign-in,
 * the Form II.06a table against the API, live updates, unit scope, sign-out on 401, the download
 * requests, the dossier timeline, screenshots under test-output/ and the first load's size and time.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { TimelinessRow } from '../../src/projections/report-index/timeliness-report.js';
import { startTestApp, tempDataDir, type TestApp } from '../support/test-app.js';
import { ii06a, readCsv, readXlsx } from '../supervision/support/form-sheet.js';
import { launchChromium } from './browser.js';
import { chooseDays, Dashboard, DAY, localDate, until } from './page.js';

const OUT = join(process.cwd(), 'test-output');
const DISTRICT_KEY = 'test-huyen-an-supervisor-key';
const REVOCABLE_KEY = 'test-revocable-supervisor-key';
const VN = 7 * 3600_000;

interface Row {
  key: string;
  carriedOver: number;
  received: { total: number; online: number; direct: number; postal: number };
  resolved: { total: number; early: number; onTime: number; late: number };
  inProgress: { total: number; withinDue: number; overdue: number };
}

/** The form's columns as the official Form II.06a lays them out (written here independently of the page). */
const expectedCells = (r: Row) => [
  r.carriedOver + r.received.total,
  r.carriedOver,
  r.received.online,
  r.received.direct + r.received.postal,
  r.resolved.total,
  r.resolved.early,
  r.resolved.onTime,
  r.resolved.late,
  r.inProgress.total,
  r.inProgress.withinDue,
  r.inProgress.overdue,
];

describe('the dashboard in a browser', () => {
  let t: TestApp;
  let base: string;
  let browser: Browser;
  let dashboard: Dashboard;
  const newPage = (viewport?: { width: number; height: number }): Promise<Page> => dashboard.newPage(viewport);
  const signIn = (page: Page, key: string): Promise<void> => dashboard.signIn(page, key);

  const receive = (dossierId: string, unitId: string, receivedAt: number, channel = 'direct') =>
    t.as('integrator').post('/dossiers').send({ dossierId, procedureCode: 'HT-KHAISINH', unitId, channel, receivedAt: new Date(receivedAt).toISOString() }).expect(201);

  beforeAll(async () => {
    mkdirSync(OUT, { recursive: true });
    browser = await launchChromium();
    t = await startTestApp({}, tempDataDir(), {
      extraKeys: [
        { key: DISTRICT_KEY, role: 'supervisor', units: ['HUYEN-AN'], name: 'huyen-an' },
        { key: REVOCABLE_KEY, role: 'supervisor', name: 'revocable' },
      ],
    });
    await t.app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}/`;
    dashboard = new Dashboard(browser, base);
    const now = Date.now();
    // Late ones (a one-day procedure received 40 days ago), a resolved one, and fresh ones in three places.
    await receive('D-LATE-1', 'HUYEN-AN.XA1', now - 40 * DAY, 'online');
    await receive('D-LATE-2', 'HUYEN-BINH.XA2', now - 35 * DAY, 'postal');
    await receive('D-DONE-1', 'HUYEN-AN.XA2', now - 30 * DAY);
    await t.as('integrator').post('/dossiers/D-DONE-1/resolve').send({ outcome: 'approved', occurredAt: new Date(now - 29 * DAY).toISOString() }).expect(200);
    await t.as('integrator').post('/dossiers/D-LATE-1/transfer').send({ toUnitId: 'HUYEN-AN.VPDKDD', occurredAt: new Date(now - 39 * DAY).toISOString() }).expect(200);
    await receive('D-NEW-1', 'STP', now - 3600_000, 'online');
    await receive('D-NEW-2', 'HUYEN-AN.XA3', now - 7200_000);
  });

  afterAll(async () => {
    await dashboard?.close();
    await browser?.close();
    await t?.close({ remove: true });
  });

  it('signs in with a key kept in sessionStorage, never in a URL; the first load is small and quick', async () => {
    const page = await newPage();
    const urls: string[] = [];
    page.on('request', (r) => urls.push(r.url()));
    await signIn(page, t.keys.supervisor);
    expect(await page.evaluate('sessionStorage.getItem("dashboard.key")')).toBe(t.keys.supervisor);
    expect(urls.filter((u) => u.includes(t.keys.supervisor))).toEqual([]);
    expect(await page.getAttribute('html', 'lang')).toBe('vi');
    expect(await page.locator('.top .who').textContent()).toContain('supervisor');
    // Keyboard: the first Tab reaches the link that skips the unit tree, Enter follows it.
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement.className')).toBe('skip');
    await page.keyboard.press('Enter');
    expect(await page.evaluate('document.activeElement.id')).toBe('content');
    // A supervisor gets no "as of" picker.
    expect(await page.locator('#asOf').count()).toBe(0);

    // The first load of the page (signed in, as a returning tab): its assets' size, and the time
    // until the report table shows.
    const fresh = await newPage();
    await fresh.addInitScript(`sessionStorage.setItem('dashboard.key', ${JSON.stringify(t.keys.supervisor)})`);
    const bodies: Promise<number>[] = [];
    fresh.on('response', (r) => {
      const type = r.request().resourceType();
      if (['document', 'script', 'stylesheet', 'image', 'font'].includes(type)) bodies.push(r.body().then((b) => b.length));
    });
    await fresh.goto(base);
    await fresh.locator('table.form-table tbody tr').first().waitFor();
    // The page marks the instant its first table is drawn; performance's clock starts with the navigation.
    const interactiveMs = Math.round(Number(await fresh.evaluate(`performance.getEntriesByName('dashboard-main-view')[0]?.startTime`)));
    const assetBytes = (await Promise.all(bodies)).reduce((a, b) => a + b, 0);
    process.stdout.write(`dashboard first load: ${(assetBytes / 1024).toFixed(1)} KB of assets (uncompressed), report table drawn ${interactiveMs} ms after navigation start\n`);
    expect(interactiveMs).toBeGreaterThan(0);
    expect(assetBytes).toBeGreaterThan(0);
    expect(assetBytes).toBeLessThan(300 * 1024);
  }, 60_000);

  it('shows Form II.06a with the same numbers as the API, then a new dossier within 2 s without a reload', async () => {
    const page = await newPage();
    await signIn(page, t.keys.supervisor);
    // A custom period: the last 60 days, chosen with the keyboard-usable form.
    const { from, to } = await chooseDays(page, localDate(-60), localDate(0), localDate(1));
    expect(await page.getAttribute('table.form-table', 'data-to')).toBe(new Date(to).toISOString());

    const api = (await t.as('supervisor').get(`/units/PROVINCE/timeliness?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}&groupBy=child`).expect(200)).body as { rows: Row[] };
    const whole = (await t.as('supervisor').get(`/units/PROVINCE/timeliness?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`).expect(200)).body as { rows: Row[] };
    const cells = async (unit: string) => (await page.locator(`tr[data-unit="${unit}"] td.num`).allTextContents()).slice(0, 11).map((s) => Number(s.replace(/\D/g, '')));
    expect(await page.locator('table.form-table tbody tr').count()).toBe(api.rows.length);
    for (const row of api.rows) expect(await cells(row.key)).toEqual(expectedCells(row));
    // The total row is the whole subtree's report.
    expect(await cells('total')).toEqual(expectedCells(whole.rows[0]));
    expect(expectedCells(whole.rows[0])[0]).toBe(5);
    await page.screenshot({ path: join(OUT, 'dashboard-province-1280x800.png') });

    // Live: a dossier received through the API shows up in the district's row.
    const before = (await cells('HUYEN-AN'))[0];
    const posted = Date.now();
    await receive('D-LIVE-1', 'HUYEN-AN.XA1', posted - 60_000);
    await until(async () => (await cells('HUYEN-AN'))[0] === before + 1, 2000, 'the new dossier in the table');
    process.stdout.write(`dashboard live update: ${Date.now() - posted} ms from the command to the table\n`);
    expect(await page.locator('.live-status').textContent()).toContain('Trực tiếp');
  }, 60_000);

  it('offers the late dossiers with the units that hold them, the step report and the chart; a dossier opens to its state', async () => {
    const page = await newPage();
    await signIn(page, t.keys.supervisor);
    const late = page.locator('.panel-late tbody tr');
    await late.first().waitFor();
    const listed = (await page.locator('.panel-late tbody th').allTextContents()).map((s) => s.trim()).sort();
    expect(listed).toEqual(['D-LATE-1', 'D-LATE-2']);
    // D-LATE-1 was moved on to the land office: that unit holds it.
    expect(await page.locator('.panel-late tbody tr', { hasText: 'D-LATE-1' }).textContent()).toContain('Chi nhánh Văn phòng Đăng ký đất đai - UBND huyện An Bình');
    await page.locator('.panel-steps tbody tr').first().waitFor();
    expect(await page.locator('.panel-trend svg rect.bar, .panel-trend svg line').count()).toBeGreaterThan(0);
    await page.click('.panel-late button.link >> text=D-LATE-1');
    await page.locator('dialog[open] dl.state').waitFor();
    expect(await page.locator('dialog[open]').textContent()).toContain('received');
    await page.screenshot({ path: join(OUT, 'dashboard-dossier-state.png') });
    await page.keyboard.press('Escape');
    expect(await page.locator('dialog[open]').count()).toBe(0);
  }, 60_000);

  it('gives an auditor the full history, occurred and recorded instants side by side, and an "as of" picker', async () => {
    const page = await newPage();
    await signIn(page, t.keys.auditor);
    expect(await page.locator('#asOf').count()).toBe(1);
    await page.click('.panel-late button.link >> text=D-LATE-1');
    const items = page.locator('dialog[open] ol.timeline > li');
    await items.first().waitFor();
    const events = (await t.as('auditor').get('/dossiers/D-LATE-1/events').expect(200)).body as unknown[];
    expect(await items.count()).toBe(events.length);
    expect(await items.first().locator('time').count()).toBe(2);
    await page.screenshot({ path: join(OUT, 'dashboard-dossier-history.png') });
    await page.keyboard.press('Escape');

    // As of an instant before the fresh dossiers were recorded: they are not counted.
    await page.selectOption('#period', 'year');
    const asOf = new Date(Date.now() - 60_000 + VN).toISOString().slice(0, 16);
    await page.fill('#asOf', asOf);
    await page.click('.filters button[type=submit]');
    await until(async () => ((await page.locator('.live-status').textContent()) ?? '').includes('kiểm toán'), 5000, 'the as-of report');
  }, 60_000);

  it('the download buttons fetch the report as xlsx and csv with the key, and the files hold the API\'s figures', async () => {
    const page = await newPage();
    await signIn(page, t.keys.supervisor);
    for (const format of ['xlsx', 'csv'] as const) {
      const [request, download] = await Promise.all([
        page.waitForRequest((r) => r.url().includes(`format=${format}`)),
        page.waitForEvent('download'),
        page.click(`.panel-timeliness button[data-format=${format}]`),
      ]);
      const url = new URL(request.url());
      expect(url.pathname).toBe('/units/PROVINCE/timeliness');
      expect(url.searchParams.get('groupBy')).toBe('child');
      expect(url.searchParams.get('from')).toMatch(/T00:00:00\+07:00$/);
      expect(request.headers().authorization).toBe(`Bearer ${t.keys.supervisor}`);
      // The file the browser saved, read back as a person would: a row per child, as the API counts them.
      const saved = readFileSync(await download.path());
      const sheet = format === 'xlsx' ? (await readXlsx(saved)).sheet : readCsv(saved.toString('utf8'));
      url.searchParams.delete('format');
      const rows = ((await t.as('supervisor').get(`${url.pathname}${url.search}`).expect(200)).body as { rows: TimelinessRow[] }).rows;
      expect(sheet.rows.slice(0, -1).map((r) => r['Mã'])).toEqual(rows.map((r) => r.key));
      rows.forEach((r, i) => expect(sheet.rows[i]).toMatchObject(ii06a(r)));
    }
  }, 60_000);

  it('a district key sees only its own subtree, in English on request, on a phone too', async () => {
    const page = await newPage({ width: 390, height: 844 });
    await signIn(page, DISTRICT_KEY);
    const shown = (await page.locator('nav.tree button.unit').evaluateAll((els) => els.map((e) => e.getAttribute('data-unit')))).sort();
    const units = ((await t.as('admin').get('/units').expect(200)).body as { units: { unitId: string; parentId?: string }[] }).units;
    const expected = units.filter((u) => u.unitId === 'HUYEN-AN' || u.parentId === 'HUYEN-AN').map((u) => u.unitId).sort();
    expect(shown).toEqual(expected);
    expect(shown).not.toContain('PROVINCE');
    // Its table is the district's, and its late list holds its own dossiers only.
    expect(await page.locator('.form-table caption').textContent()).toContain('UBND huyện An Bình');
    await page.locator('.panel-late tbody tr').first().waitFor();
    expect((await page.locator('.panel-late tbody th').allTextContents()).map((s) => s.trim())).toEqual(['D-LATE-1']);
    await page.click('button.lang');
    await until(async () => (await page.getAttribute('html', 'lang')) === 'en', 5000, 'English');
    expect(await page.locator('.panel-timeliness h2').textContent()).toContain('Form II.06a');
    await page.screenshot({ path: join(OUT, 'dashboard-district-phone-en.png'), fullPage: true });
  }, 60_000);

  it('signs the user out when the key stops being valid (401)', async () => {
    const page = await newPage();
    await signIn(page, REVOCABLE_KEY);
    // The operator withdraws the key; the service re-reads its key file within a second.
    const file = join(t.config.dataDir, 'api-keys.json');
    const entries = (JSON.parse(readFileSync(file, 'utf8')) as { key: string }[]).filter((e) => e.key !== REVOCABLE_KEY);
    writeFileSync(file, JSON.stringify(entries, null, 2), { mode: 0o600 });
    for (let i = 0; i < 50 && (await t.as({ key: REVOCABLE_KEY }).get('/me')).status !== 401; i++) await new Promise((r) => setTimeout(r, 100));
    // The next call the page makes (choosing another unit) is refused: back to the sign-in form. Its
    // live stream, which the service ends for a withdrawn key, may have taken it there first.
    await page.click('nav.tree button.unit[data-unit="STP"]', { timeout: 2000 }).catch(() => undefined);
    await page.locator('#key').waitFor();
    expect(await page.locator('[role=alert]').textContent()).toContain('khóa không còn hiệu lực');
    expect(await page.evaluate('sessionStorage.getItem("dashboard.key")')).toBeNull();
    await page.screenshot({ path: join(OUT, 'dashboard-signed-out.png') });
  }, 60_000);
});
