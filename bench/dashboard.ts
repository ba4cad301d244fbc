/**
 * The dashboard's first load against a province of 1,000,000 dossiers (issue 25, item 5):
 * `npm run bench:dashboard` (or `node dist/bench/dashboard.js` after `npm run build`).
 *
 * Loads the benchmark's province workload into a temporary data directory (bench/load-province.ts,
 * the projections benchmark's own generation), starts the real service on it in a process of its
 * own, waits for the read models to catch up, then opens the page in Debian's Chromium (headless,
 * playwright-core) signed in with a supervisor key limited to the province, a fresh browser context
 * (empty cache) per load, and measures: the assets' bytes, the time from navigation to the first
 * Form II.06a table drawn (the page's `dashboard-main-view` mark), and the time until all seven
 * panels (table, attention lists, scorecard, chart, late list, steps, entry lag) show data; plus
 * each API call's timing, to say where the time goes (the page's fetch is wrapped to time each
 * call, the live stream included, and its long tasks are summed). One first load right after the
 * start (caches cold) is reported apart; then two views in turn, `--loads` page loads each:
 *  - today: the page as it opens now (this month; the workload's year, 2025, is history: the table
 *    holds the dossiers still open, carried over; the chart's twelve months are mostly empty);
 *  - data-year: the page's clock (Date.now only) set to 31 December 2025, so that this month and
 *    the chart's twelve months fall on the workload's year: the heavy case.
 * Prints p50/max and writes bench/results-dashboard.json.
 *
 * Options: --dossiers=N (1,000,000); --loads=N (5); --seed=N; --data=DIR (a directory already
 * loaded, e.g. one kept with --keep: skips the generation); --keep (leave the data directory).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium } from 'playwright-core';
import { dashboardDir } from '../src/dashboard/dashboard.js';
import { startServer } from './child.js';
import { Client } from './client.js';
import { BENCH_KEYS, type BenchRole } from './keys.js';
import { loadProvince, type LoadedProvince } from './load-province.js';
import { numberOption, textOption } from './options.js';
import { round, summarize, type Summary } from './stats.js';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
/** A supervisor limited to the province's root: its whole tree, as a provincial leader's key. */
const PROVINCE_KEY = 'bench-province-supervisor-key-01';
const PANELS = 7;
const LOAD_TIMEOUT_MS = 120_000;
/** The workload's last working day, noon local time: "this month" and the last twelve months are its year. */
const DATA_YEAR_NOW = Date.parse('2025-12-31T12:00:00+07:00');

interface ApiCall {
  path: string;
  startMs: number;
  /** Response headers received. */
  headersMs: number | null;
  /** Body complete; null for the live stream, which stays open (its first frame draws the table). */
  endMs: number | null;
}

interface PageLoad {
  /** Decoded bytes of the document, scripts, styles, images and fonts. */
  assetBytes: number;
  /** Bytes over the wire for them (Resource Timing transferSize: headers and any compression included). */
  assetTransferBytes: number;
  mainViewMs: number;
  allPanelsMs: number;
  panelErrors: string[];
  /** The page's main-thread tasks over 50 ms (Long Tasks API), summed, before the table and before all panels. */
  longTasksBeforeTableMs: number;
  longTasksBeforeAllPanelsMs: number;
  apiCalls: ApiCall[];
}

interface ViewFigures {
  view: string;
  pageNow: string;
  loads: PageLoad[];
  assetBytes: Summary;
  mainViewMs: Summary;
  allPanelsMs: Summary;
  /** Per API path (query dropped), the p50 and max of its start-to-end time over the loads. */
  apiByPath: Record<string, { calls: number; p50Ms: number | null; maxMs: number | null; lastEndP50Ms: number | null }>;
}

const uptime = (): string => {
  try {
    return execFileSync('uptime', { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
};

/** The key file: the benchmark's keys and the province supervisor (written before the service reads it). */
function writeKeys(dir: string): void {
  const entries: { key: string; role: string; name: string; units?: string[] }[] = (Object.keys(BENCH_KEYS) as BenchRole[]).map((role) => ({
    key: BENCH_KEYS[role],
    role,
    name: `bench-${role}`,
  }));
  entries.push({ key: PROVINCE_KEY, role: 'supervisor', units: ['PROVINCE'], name: 'bench-province-supervisor' });
  writeFileSync(join(dir, 'api-keys.json'), JSON.stringify(entries, null, 2), { mode: 0o600 });
}

/**
 * Runs in the page before its own scripts: the key in sessionStorage (a returning tab), the clock
 * shift if any, and an observer that notes the instant all panels first show data.
 */
function initScript(pageNow: number | null): string {
  const shift = pageNow === null ? '' : `const realNow = Date.now; const shift = ${pageNow} - realNow.call(Date); Date.now = () => realNow.call(Date) + shift;`;
  return `(() => {
    sessionStorage.setItem('dashboard.key', ${JSON.stringify(PROVINCE_KEY)});
    ${shift}
    // Each API call as the page makes it (the live stream too, which Resource Timing never lists: it stays open).
    const fetches = (window.__fetches = []);
    const realFetch = window.fetch.bind(window);
    window.fetch = (input, init) => {
      const call = { url: String(input), startMs: performance.now(), headersMs: null, endMs: null };
      fetches.push(call);
      return realFetch(input, init).then((response) => {
        call.headersMs = performance.now();
        return response;
      });
    };
    // The page's own work on the main thread: tasks over 50 ms.
    const longTasks = (window.__longTasks = []);
    try {
      new PerformanceObserver((list) => list.getEntries().forEach((e) => longTasks.push({ startMs: e.startTime, ms: e.duration }))).observe({ type: 'longtask', buffered: true });
    } catch {}
    const loading = ['Đang tải…', 'Loading…'];
    const check = () => {
      if (window.__allPanels !== undefined) return;
      if (performance.getEntriesByName('dashboard-main-view').length === 0) return;
      const panels = [...document.querySelectorAll('section.panel')];
      if (panels.length < ${PANELS}) return;
      const ready = panels.every((p) => p.querySelector('h2') && (p.querySelector('p.error') || ![...p.querySelectorAll('p.muted')].some((m) => loading.includes(m.textContent.trim()))));
      if (!ready) return;
      window.__allPanels = performance.now();
      window.__panelErrors = panels.filter((p) => p.querySelector('p.error')).map((p) => p.className + ': ' + p.querySelector('p.error').textContent);
    };
    new MutationObserver(check).observe(document, { subtree: true, childList: true, characterData: true });
  })()`;
}

async function loadOnce(browser: Browser, base: string, pageNow: number | null): Promise<PageLoad> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'vi-VN', timezoneId: 'Asia/Ho_Chi_Minh' });
  try {
    const page = await context.newPage();
    await page.addInitScript(initScript(pageNow));
    const bodies: Promise<number>[] = [];
    page.on('response', (r) => {
      if (['document', 'script', 'stylesheet', 'image', 'font'].includes(r.request().resourceType())) bodies.push(r.body().then((b) => b.length));
    });
    await page.goto(base, { waitUntil: 'commit' });
    // Polled from here: the page's CSP forbids the string evaluation waitForFunction would need.
    const deadline = Date.now() + LOAD_TIMEOUT_MS;
    while (!(await page.evaluate('window.__allPanels !== undefined')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const apiTimes: ApiCall[] = [];
    const measured = (await page.evaluate(`(() => {
      const mark = performance.getEntriesByName('dashboard-main-view')[0];
      const entries = [performance.getEntriesByType('navigation')[0], ...performance.getEntriesByType('resource')];
      const assets = entries.filter((e) => e && !['fetch', 'xmlhttprequest', 'beacon'].includes(e.initiatorType));
      return {
        mainViewMs: mark ? mark.startTime : null,
        allPanelsMs: window.__allPanels ?? null,
        panelErrors: window.__panelErrors ?? [],
        transfer: assets.reduce((a, e) => a + e.transferSize, 0),
        // Body complete: Resource Timing's responseEnd for the same URL, in order (the live stream has none).
        api: (() => {
          const done = performance.getEntriesByType('resource').filter((e) => e.initiatorType === 'fetch');
          return window.__fetches.map((c) => {
            const url = new URL(c.url, location.href).href;
            const i = done.findIndex((e) => e.name === url);
            const entry = i >= 0 ? done.splice(i, 1)[0] : undefined;
            return { ...c, endMs: entry ? entry.responseEnd : null };
          });
        })(),
        longTasks: window.__longTasks,
      };
    })()`)) as {
      mainViewMs: number | null;
      allPanelsMs: number | null;
      panelErrors: string[];
      transfer: number;
      api: { url: string; startMs: number; headersMs: number | null; endMs: number | null }[];
      longTasks: { startMs: number; ms: number }[];
    };
    if (measured.mainViewMs === null || measured.allPanelsMs === null) {
      await page.screenshot({ path: join(ROOT, 'bench', 'dashboard-timeout.png') }).catch(() => undefined);
      throw new Error(`the page did not finish within ${LOAD_TIMEOUT_MS} ms (main view ${measured.mainViewMs}, all panels ${measured.allPanelsMs}); screenshot in bench/dashboard-timeout.png`);
    }
    for (const a of measured.api) {
      const url = new URL(a.url, base);
      const ms = (v: number | null) => (v === null ? null : round(v, 1));
      apiTimes.push({ path: url.pathname + url.search, startMs: round(a.startMs, 1), headersMs: ms(a.headersMs), endMs: ms(a.endMs) });
    }
    const before = (limit: number) => round(measured.longTasks.filter((t) => t.startMs < limit).reduce((a, t) => a + t.ms, 0), 1);
    return {
      assetBytes: (await Promise.all(bodies)).reduce((a, b) => a + b, 0),
      assetTransferBytes: measured.transfer,
      mainViewMs: round(measured.mainViewMs, 1),
      allPanelsMs: round(measured.allPanelsMs, 1),
      panelErrors: measured.panelErrors,
      longTasksBeforeTableMs: before(measured.mainViewMs),
      longTasksBeforeAllPanelsMs: before(measured.allPanelsMs),
      apiCalls: apiTimes.sort((a, b) => a.startMs - b.startMs),
    };
  } finally {
    await context.close();
  }
}

function byPath(loads: PageLoad[]): ViewFigures['apiByPath'] {
  const durations = new Map<string, number[]>();
  const ends = new Map<string, number[]>();
  for (const load of loads) {
    const lastEnd = new Map<string, number>();
    for (const c of load.apiCalls) {
      const path = c.path.split('?')[0];
      // The live stream never ends: its headers stand for its end (the first frame follows them).
      const end = c.endMs ?? c.headersMs;
      if (end !== null) {
        durations.set(path, [...(durations.get(path) ?? []), end - c.startMs]);
        lastEnd.set(path, Math.max(lastEnd.get(path) ?? 0, end));
      }
    }
    for (const [path, end] of lastEnd) ends.set(path, [...(ends.get(path) ?? []), end]);
  }
  const out: ViewFigures['apiByPath'] = {};
  for (const [path, d] of durations) {
    const s = summarize(d);
    out[path] = { calls: d.length, p50Ms: s.p50 === null ? null : round(s.p50, 1), maxMs: s.max === null ? null : round(s.max, 1), lastEndP50Ms: round(summarize(ends.get(path) ?? []).p50 ?? 0, 1) };
  }
  return out;
}

async function main(): Promise<void> {
  const log = (line: string) => process.stdout.write(`${line}\n`);
  const dossiers = numberOption('dossiers', 1_000_000);
  const loads = numberOption('loads', 5);
  const seed = numberOption('seed', 20250101);
  const given = textOption('data');
  const keep = process.argv.includes('--keep');
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium is missing at ${CHROMIUM}: apt-get install -y chromium, or set CHROMIUM_PATH`);
  if (!existsSync(join(dashboardDir(), 'index.html'))) throw new Error(`the dashboard is not built (${dashboardDir()}): run npm run build`);
  const startedAt = new Date().toISOString();
  const uptimeAtStart = uptime();
  log(`dashboard benchmark: ${given ? `data in ${given}` : `${dossiers.toLocaleString('en-US')} dossiers`}, ${loads} loads per view; ${uptimeAtStart}`);

  const dir = given ?? mkdtempSync(join(process.env.BENCH_TMPDIR ?? tmpdir(), `dossier-bench-dashboard-${dossiers}-`));
  let loaded: LoadedProvince | null = null;
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  let browser: Browser | undefined;
  try {
    if (!given) {
      log(`[1/3] the province workload into ${dir}`);
      loaded = await loadProvince(dir, dossiers, seed, log);
    }
    writeKeys(dir);

    log('[2/3] the service over it');
    server = await startServer('app', dir);
    const client = new Client(server.url);
    const t1 = performance.now();
    let last = -1;
    for (let i = 0; i < 600; i++) {
      const s = (await client.send<{ checkpoint: number; headPosition: number; caughtUp: boolean; readModels?: { caughtUp: boolean }[] }>('GET', '/projections/status', 'admin')).body;
      // The read models on the seam too: one built from the log after a start (a minute at 1 M) slows every answer meanwhile.
      const modelsBuilt = (s.readModels ?? []).every((m) => m.caughtUp);
      if (s.caughtUp && modelsBuilt && s.checkpoint === s.headPosition && s.headPosition === last) break;
      last = s.headPosition;
      await new Promise((r) => setTimeout(r, 500));
    }
    client.close();
    log(`  started in ${server.startupMs} ms; read models caught up at position ${last} after ${Math.round(performance.now() - t1)} ms more`);

    log('[3/3] page loads in Chromium');
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS, timeout: 30_000 });
    const describe = (label: string, r: PageLoad) => {
      const stream = r.apiCalls.find((c) => c.path.includes('/timeliness/live'));
      const slowest = r.apiCalls.filter((c) => c.endMs !== null).sort((x, y) => y.endMs! - y.startMs - (x.endMs! - x.startMs))[0];
      log(
        `  ${label}: ${(r.assetBytes / 1024).toFixed(1)} KB assets (${(r.assetTransferBytes / 1024).toFixed(1)} KB transferred), table ${r.mainViewMs} ms, all panels ${r.allPanelsMs} ms` +
          `; stream asked at ${stream?.startMs} ms, headers ${stream?.headersMs} ms; long tasks ${r.longTasksBeforeTableMs}/${r.longTasksBeforeAllPanelsMs} ms` +
          `${slowest ? `; slowest call ${slowest.path.split('?')[0]} ${round(slowest.endMs! - slowest.startMs, 1)} ms` : ''}${r.panelErrors.length ? `; ERRORS ${r.panelErrors.join(' | ')}` : ''}`,
      );
    };
    // The first load after the start: the service's and the browser's caches cold (reported apart).
    const cold = await loadOnce(browser, `${server.url}/`, null);
    describe('first load after start (today)', cold);
    // Then the two views in turn, so that neither gets the quieter minutes of a shared machine.
    const VIEWS = [
      ['today', null],
      ['data-year', DATA_YEAR_NOW],
    ] as const;
    const byView = new Map<string, PageLoad[]>(VIEWS.map(([v]) => [v, []]));
    for (let i = 0; i < loads; i++) {
      for (const [view, pageNow] of VIEWS) {
        const r = await loadOnce(browser, `${server.url}/`, pageNow);
        byView.get(view)!.push(r);
        describe(`${view} #${i + 1}`, r);
      }
    }
    const views: ViewFigures[] = VIEWS.map(([view, pageNow]) => {
      const results = byView.get(view)!;
      return {
        view,
        pageNow: pageNow === null ? 'the real clock' : new Date(pageNow).toISOString(),
        loads: results,
        assetBytes: summarize(results.map((r) => r.assetBytes)),
        mainViewMs: summarize(results.map((r) => r.mainViewMs)),
        allPanelsMs: summarize(results.map((r) => r.allPanelsMs)),
        apiByPath: byPath(results),
      };
    });
    const uptimeAtEnd = uptime();
    const results = {
      command: `npm run bench:dashboard${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
      startedAt,
      dossiers: loaded?.tally.dossiers ?? null,
      events: loaded?.tally.events ?? null,
      dataDir: given ?? null,
      generation: loaded ? { loadSeconds: round(loaded.loadMs / 1000, 1), bulkProjectionSeconds: round(loaded.bulkMs / 1000, 1) } : null,
      serviceStartupMs: server.startupMs,
      chromium: browser.version(),
      uptimeAtStart,
      uptimeAtEnd,
      goals: { assetBytesUnder: 300 * 1024, mainViewMsUnder: 1000 },
      firstLoadAfterStart: cold,
      views,
    };
    writeFileSync(join(ROOT, 'bench', 'results-dashboard.json'), `${JSON.stringify(results, null, 2)}\n`);
    log('');
    log(`first load after start: table ${cold.mainViewMs} ms, all panels ${cold.allPanelsMs} ms`);
    for (const v of views) {
      log(
        `${v.view.padEnd(10)} assets p50 ${(v.assetBytes.p50! / 1024).toFixed(1)} KB | table p50 ${v.mainViewMs.p50} ms max ${v.mainViewMs.max} ms | all panels p50 ${v.allPanelsMs.p50} ms max ${v.allPanelsMs.max} ms`,
      );
      for (const [path, a] of Object.entries(v.apiByPath)) log(`    ${path.padEnd(40)} ${String(a.calls).padStart(3)} calls, each p50 ${a.p50Ms} ms max ${a.maxMs} ms, last done p50 ${a.lastEndP50Ms} ms`);
    }
    log(`${uptimeAtEnd}\nresults written to bench/results-dashboard.json`);
  } finally {
    await browser?.close().catch(() => undefined);
    await server?.stop().catch(() => undefined);
    if (!given && !keep) rmSync(dir, { recursive: true, force: true });
    else if (!given) log(`data kept in ${dir}`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`dashboard benchmark failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
