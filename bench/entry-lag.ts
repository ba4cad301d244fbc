/**
 * The entry-lag report at province scale: the workload's log, the service started over it, the
 * entry-lag read model built from the log (timed: it is new to that file), then reports of the
 * province root grouped by child over a week, a month and the whole year, one at a time.
 *
 *   npm run build && node dist/bench/entry-lag.js [--dossiers=100000] [--seed=7] [--queries=30] [--dir=<data dir>]
 *
 * A --dir that already holds events.db is reused (its read models too).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from './child.js';
import { Client } from './client.js';
import { loadProvince } from './load-province.js';
import { numberOption, textOption } from './options.js';
import { now, summarize } from './stats.js';
import { Workload } from './workload.js';

const log = (line: string) => process.stderr.write(`${line}\n`);

async function main(): Promise<void> {
  const dossiers = numberOption('dossiers', 100_000);
  const seed = numberOption('seed', 7);
  const queries = numberOption('queries', 30);
  const given = textOption('dir');
  const dir = given ?? mkdtempSync(join(tmpdir(), 'bench-entry-lag-'));
  try {
    if (existsSync(join(dir, 'events.db'))) log(`reusing ${dir}`);
    else await loadProvince(dir, dossiers, seed, log);
    const root = new Workload({ seed, dossiers }).province.root;
    const app = await startServer('app', dir);
    const client = new Client(app.url);
    try {
      const t0 = now();
      type Status = { readModels: { name: string; caughtUp: boolean; checkpoint: number }[] };
      for (;;) {
        const status = (await client.send<Status>('GET', '/projections/status', 'admin')).body;
        if (status.readModels.find((m) => m.name === 'entry_lag')?.caughtUp) break;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      const buildMs = Math.round(now() - t0);
      log(`  entry-lag read model built from the log in ${buildMs} ms (after a start of ${app.startupMs} ms)`);
      const periods = {
        week: ['2025-06-02T00:00:00+07:00', '2025-06-09T00:00:00+07:00'],
        month: ['2025-06-01T00:00:00+07:00', '2025-07-01T00:00:00+07:00'],
        year: ['2025-01-01T00:00:00+07:00', '2026-01-01T00:00:00+07:00'],
      };
      const figures: Record<string, unknown> = {};
      for (const [name, [from, to]] of Object.entries(periods)) {
        const path = `/units/${root}/entry-lag?groupBy=child&from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`;
        const times: number[] = [];
        let events = 0;
        for (let i = 0; i < queries + 3; i++) {
          const res = await client.send<{ rows: { events: number }[] }>('GET', path, 'auditor');
          if (res.status !== 200) throw new Error(`GET ${path} answered ${res.status}: ${JSON.stringify(res.body)}`);
          events = res.body.rows.reduce((n, r) => n + r.events, 0);
          if (i >= 3) times.push(res.ms);
        }
        figures[name] = { events, ...summarize(times) };
        log(`  province by child, ${name}: ${events} events, p50 ${summarize(times).p50} ms, p99 ${summarize(times).p99} ms`);
      }
      const stopped = await app.stop();
      process.stdout.write(JSON.stringify({ dossiers, seed, buildMs, startupMs: app.startupMs, figures, serverPeakRssMb: stopped.peakRssMb }, null, 2) + '\n');
    } catch (error) {
      await app.stop();
      throw error;
    } finally {
      client.close();
    }
  } finally {
    if (!given) rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: Error) => {
  log(error.stack ?? error.message);
  process.exit(1);
});
