/**
 * The scorecard at province scale: GET /units/{province}/scorecard?groupBy=child over the real
 * service (one query at a time, the service otherwise idle), beside the timeliness report grouped
 * the same way in the same run, and a district's scorecard ranked among its siblings; then what
 * the two digitised categories add to the report index (keys by category, counted in-process).
 *
 *   npm run build && node dist/bench/scorecard.js [--dossiers=100000] [--seed=7] [--queries=500] [--dir=<data dir>]
 *
 * A --dir that already holds events.db is reused as it is.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReadModels } from '../src/projections/read-models.js';
import { D, DOSSIER_CATEGORIES } from '../src/projections/report-index/timeliness-index.js';
import { startServer } from './child.js';
import { Client } from './client.js';
import { loadProvince } from './load-province.js';
import { numberOption, textOption } from './options.js';
import { summarize } from './stats.js';
import { Workload } from './workload.js';

const YEAR_FROM = '2025-01-01T00:00:00+07:00';
const YEAR_TO = '2026-01-01T00:00:00+07:00';
const PERIOD = `from=${encodeURIComponent(YEAR_FROM)}&to=${encodeURIComponent(YEAR_TO)}`;

const log = (line: string) => process.stderr.write(`${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Keys of the index's unit buckets (all + per procedure) by dossier category, and the step keys. */
function indexKeys(file: string): { byCategory: number[]; stepKeys: number } {
  const models = ReadModels.open(file);
  try {
    const index = models.buildIndex();
    const byCategory = new Array<number>(DOSSIER_CATEGORIES).fill(0);
    let stepKeys = 0;
    const far = Date.parse('2100-01-01T00:00:00Z');
    for (const [, u] of index.unitList()) {
      for (const b of [u.all, ...u.byProcedure.values()]) {
        const atFrom = new Float64Array(DOSSIER_CATEGORIES);
        const atEnd = new Float64Array(DOSSIER_CATEGORIES);
        b.accumulate(far, far, atFrom, atEnd);
        atEnd.forEach((n, c) => (byCategory[c] += n));
      }
      for (const b of u.stepsByHandler.values()) stepKeys += b.size;
    }
    return { byCategory, stepKeys };
  } finally {
    models.close();
  }
}

async function main(): Promise<void> {
  const dossiers = numberOption('dossiers', 100_000);
  const seed = numberOption('seed', 7);
  const queries = numberOption('queries', 500);
  const given = textOption('dir');
  const dir = given ?? mkdtempSync(join(tmpdir(), 'scorecard-bench-'));
  const province = new Workload({ seed, dossiers }).province;
  try {
    if (existsSync(join(dir, 'events.db'))) log(`reusing ${dir}`);
    else await loadProvince(dir, dossiers, seed, log);

    const app = await startServer('app', dir);
    const client = new Client(app.url);
    try {
      // The overdue watcher marks what fell due since the workload's end: measured once it is done.
      let last = -1;
      for (let i = 0; i < 600; i++) {
        const s = (await client.send<{ checkpoint: number; headPosition: number; caughtUp: boolean }>('GET', '/projections/status', 'admin')).body;
        if (s.caughtUp && s.checkpoint === s.headPosition && s.headPosition === last) break;
        last = s.headPosition;
        await sleep(500);
      }
      const root = province.root;
      const district = province.units.find((u) => u.parentId === root && u.level === 'district')!.unitId;
      const paths = {
        scorecardChild: `/units/${root}/scorecard?${PERIOD}&groupBy=child`,
        timelinessChild: `/units/${root}/timeliness?${PERIOD}&groupBy=child`,
        scorecardDistrict: `/units/${district}/scorecard?${PERIOD}`,
      };
      // Interleaved, so that the three share whatever else the machine is doing; five warm-up rounds.
      const ms: Record<keyof typeof paths, number[]> = { scorecardChild: [], timelinessChild: [], scorecardDistrict: [] };
      for (let i = 0; i < 5 + queries; i++) {
        for (const [name, path] of Object.entries(paths) as [keyof typeof paths, string][]) {
          const a = await client.send('GET', path, 'auditor');
          if (a.status !== 200) throw new Error(`GET ${path} answered ${a.status}: ${JSON.stringify(a.body)}`);
          if (i >= 5) ms[name].push(a.ms);
        }
      }
      const [scorecardChild, timelinessChild, scorecardDistrict] = [summarize(ms.scorecardChild), summarize(ms.timelinessChild), summarize(ms.scorecardDistrict)];
      const children = province.units.filter((u) => u.parentId === root).length;
      log(`${dossiers} dossiers, province ${root} with ${children} children, ${queries} queries each (ms):`);
      log(`  scorecard  province groupBy=child  ${JSON.stringify(scorecardChild)}`);
      log(`  timeliness province groupBy=child  ${JSON.stringify(timelinessChild)}`);
      log(`  scorecard  district ${district} ranked among ${children} siblings  ${JSON.stringify(scorecardDistrict)}`);
      const stopped = await app.stop();
      log(`  service: started in ${app.startupMs} ms, peak RSS ${stopped.peakRssMb} MB`);
    } catch (error) {
      await app.stop().catch(() => undefined);
      throw error;
    } finally {
      client.close();
    }

    const { byCategory, stepKeys } = indexKeys(join(dir, 'read-models.db'));
    const dossierKeys = byCategory.reduce((a, b) => a + b, 0);
    const digitised = byCategory[D.RECEIVED_DIGITIZED] + byCategory[D.RESOLVED_RESULT_DIGITIZED];
    const share = (n: number) => `${Math.round((1000 * n) / (dossierKeys + stepKeys)) / 10}%`;
    log(`  index keys of the unit buckets: ${dossierKeys + stepKeys} (dossier ${dossierKeys}, step ${stepKeys}); the digitised categories ${digitised} = ${share(digitised)} of them`);
  } finally {
    if (given === undefined) rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  log(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exitCode = 1;
});
