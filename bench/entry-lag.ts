/**
 * The entry-lag report at province scale: the workload's log, the service started over it, the
 * entry-lag read model built from the log (timed: it is new to that file), then reports of the
 * province root grouped by child, one at a time: a week, a month, the whole year (whole days and
 * months), and two periods with part-days at their edges (read entry by entry). Per period: the
 * first (cold) answer, then p50/p99 of the next ones and the server's CPU per answer.
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
import { askPeriods } from './support/entry-lag-periods.js';
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
      type Status = { checkpoint: number; headPosition: number; readModels: { name: string; caughtUp: boolean; checkpoint: number }[] };
      for (;;) {
        // The main read models too: a file of an older schema is rebuilt first.
        const status = (await client.send<Status>('GET', '/projections/status', 'admin')).body;
        if (status.checkpoint >= status.headPosition && status.readModels.find((m) => m.name === 'entry_lag')?.caughtUp) break;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      const buildMs = Math.round(now() - t0);
      log(`  entry-lag read model built from the log in ${buildMs} ms (after a start of ${app.startupMs} ms)`);
      const figures: Record<string, unknown> = {};
      await askPeriods(
        async (from, to) => {
          const path = `/units/${root}/entry-lag?groupBy=child&from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`;
          const res = await client.send<{ rows: { events: number }[] }>('GET', path, 'auditor');
          if (res.status !== 200) throw new Error(`GET ${path} answered ${res.status}: ${JSON.stringify(res.body)}`);
          return { events: res.body.rows.reduce((n, r) => n + r.events, 0), ms: res.ms };
        },
        {
          runs: queries,
          warmup: 2,
          cpuUs: () => app.cpuUs(),
          report: (name, { events, cold, warm, cpuMsPerAnswer = 0 }) => {
            const firstMs = Math.round(cold.ms);
            const times = summarize(warm.map((a) => a.ms));
            figures[name] = { events, firstMs, cpuMsPerQuery: Math.round(cpuMsPerAnswer * 10) / 10, ...times };
            log(`  province by child, ${name}: ${events} events, first ${firstMs} ms, p50 ${times.p50} ms, p99 ${times.p99} ms, server CPU ${cpuMsPerAnswer.toFixed(1)} ms/answer`);
          },
        },
      );
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
