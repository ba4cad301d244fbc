/**
 * The benchmark: `npm run bench` (full, several minutes) or `npm run bench -- --quick` (under 90 s).
 *
 * Measures, in one run: single-event appends through the event-store port beside raw SQLite
 * inserts; commands over HTTP beside a bare Fastify route; and, over a seeded province workload
 * (100,000 dossiers quick; 100,000 then 1,000,000 full), projection rebuild, report queries and
 * live lag. Prints a table and writes bench/results.json. Every measurement works in a temporary
 * data directory of its own, removed afterwards.
 *
 * Options: --quick; --only=appends,http,projections; --dossiers=100000,1000000 (or --sizes=...:
 * 5000000 adds the 5 M point); --log=decider|bulk (how the log is written, bench/load-province.ts);
 * --skip-rebuild (no service rebuild: about 15 min at 5 M); --data-dir=DIR (the projections' data
 * there, kept; a later run with the same size and seed starts from it, log and read models as the
 * last service left them); --seed=N; --profile (CPU profile of
 * the service under HTTP load, into bench/profiles/); --keep (leave the data).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type AppendFigures, measureAppends } from './appends.js';
import { type HttpFigures, measureHttp } from './http.js';
import { logMode } from './load-province.js';
import { textOption } from './options.js';
import { measureProjections, type ProjectionFigures } from './projections.js';
import { buildResults, renderTable, writeResults } from './report.js';
import { peakRssMb } from './stats.js';

interface Plan {
  mode: 'quick' | 'full';
  only: Set<string>;
  seed: number;
  appends: { durationMs: number; concurrentMs: number };
  http: { durationS: number; warmupS: number; connections: number; rounds: number };
  projections: { sizes: number[]; reportQueries: number; asOfInstants: number; probes: number; backgroundRate: number; skipRebuild: boolean };
  profile: boolean;
  keep: boolean;
  /** The projections' data directory, kept, and taken up again by a later run (one size only). */
  dataDir: string | undefined;
}

/** The package root: dist/bench/run.js -> ../.. */
const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

function plan(argv: string[]): Plan {
  const flag = (name: string) => argv.includes(`--${name}`);
  const value = (name: string) => textOption(name, argv);
  const quick = flag('quick');
  const only = new Set((value('only') ?? 'appends,http,projections').split(','));
  // 5 M only when asked (--sizes=100000,1000000,5000000): its log alone takes several minutes.
  const sizes = (value('sizes') ?? value('dossiers'))?.split(',').map(Number) ?? (quick ? [100_000] : [100_000, 1_000_000]);
  if (sizes.some((n) => !Number.isInteger(n) || n < 1000)) throw new Error('--dossiers takes integers of at least 1000');
  const dataDir = value('data-dir');
  if (dataDir !== undefined && sizes.length !== 1) throw new Error('--data-dir takes one size (--dossiers=N)');
  return {
    mode: quick ? 'quick' : 'full',
    only,
    seed: Number(value('seed') ?? 20250101),
    appends: quick ? { durationMs: 4000, concurrentMs: 1500 } : { durationMs: 20_000, concurrentMs: 10_000 },
    http: quick ? { durationS: 5, warmupS: 1, connections: 32, rounds: 1 } : { durationS: 20, warmupS: 5, connections: 32, rounds: 2 },
    projections: {
      sizes,
      ...(quick ? { reportQueries: 100, asOfInstants: 10, probes: 50 } : { reportQueries: 300, asOfInstants: 40, probes: 300 }),
      backgroundRate: 100,
      skipRebuild: flag('skip-rebuild'),
    },
    profile: flag('profile'),
    keep: flag('keep'),
    dataDir,
  };
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const p = plan(argv);
  const started = Date.now();
  const log = (line: string) => process.stdout.write(`${line}\n`);
  const base = process.env.BENCH_TMPDIR ?? tmpdir();
  const errors: string[] = [];
  const workDir = (name: string) => mkdtempSync(join(base, `dossier-bench-${name}-`));
  const cleanup = (dir: string) => {
    if (dir === p.dataDir) log(`  data kept in ${dir}`);
    else if (!p.keep) rmSync(dir, { recursive: true, force: true });
    else log(`  data kept in ${dir}`);
  };
  log(`dossier-lifecycle-service benchmark: ${p.mode} run, seed ${p.seed}, data under ${base}`);

  let appends: AppendFigures | null = null;
  if (p.only.has('appends')) {
    log('\n[1/3] appends: event-store port vs raw better-sqlite3 inserts (WAL, synchronous=FULL)');
    const dir = workDir('appends');
    try {
      appends = await measureAppends({ dir, ...p.appends });
      log(`  ${appends.appendsPerSecond} appends/s vs ${appends.rawInsertsPerSecond} raw inserts/s (ratio ${appends.ratio}); ${appends.concurrentAppendsPerSecond}/s with ${appends.concurrency} in flight`);
    } catch (error) {
      errors.push(`appends: ${(error as Error).stack ?? String(error)}`);
    } finally {
      cleanup(dir);
    }
  }

  let http: HttpFigures | null = null;
  if (p.only.has('http')) {
    log(`\n[2/3] HTTP: autocannon, ${p.http.connections} connections, ${p.http.durationS} s per run, ${p.http.rounds} round(s): service vs bare Fastify`);
    const dir = workDir('http');
    const profileDir = p.profile ? join(ROOT, 'bench', 'profiles') : undefined;
    if (profileDir) mkdirSync(profileDir, { recursive: true });
    try {
      http = await measureHttp({ dir, ...p.http, profileDir }, log);
      if (profileDir) log(`  CPU profile of the service written to ${profileDir} (summarise: node dist/bench/profile.js <file>)`);
    } catch (error) {
      errors.push(`http: ${(error as Error).stack ?? String(error)}`);
    } finally {
      cleanup(dir);
    }
  }

  const projections: ProjectionFigures[] = [];
  if (p.only.has('projections')) {
    for (const dossiers of p.projections.sizes) {
      log(`\n[3/3] projections at ${dossiers.toLocaleString('en-US')} dossiers`);
      const dir = p.dataDir ?? workDir(`projections-${dossiers}`);
      mkdirSync(dir, { recursive: true });
      try {
        projections.push(
          await measureProjections(
            { dir, dossiers, seed: p.seed, ...p.projections },
            log,
          ),
        );
      } catch (error) {
        errors.push(`projections ${dossiers}: ${(error as Error).stack ?? String(error)}`);
      } finally {
        cleanup(dir);
      }
    }
  }

  const results = buildResults(
    {
      mode: p.mode,
      command: `npm run bench${argv.length > 0 ? ` -- ${argv.join(' ')}` : ''}`,
      seed: p.seed,
      startedAt: new Date(started).toISOString(),
      durationS: Math.round((Date.now() - started) / 1000),
      benchPeakRssMb: peakRssMb(),
      errors,
      notes: p.only.has('projections')
        ? p.projections.sizes.map((n) => `Log at ${n.toLocaleString('en-US')} dossiers: ${logMode(n) === 'bulk' ? 'written in bulk (bench/bulk-log.ts: the same rows as appends, large transactions)' : 'appended through the store as generated'}.`)
        : [],
    },
    appends,
    http,
    projections,
  );
  // Only a complete run replaces bench/results.json; partial runs (--only, --dossiers) go beside it.
  const complete = p.only.size === 3 && !argv.some((a) => /^--(dossiers|sizes|only|skip-rebuild|data-dir)/.test(a));
  const file = join(ROOT, 'bench', complete ? 'results.json' : 'results-partial.json');
  writeResults(file, results);
  process.stdout.write(renderTable(results));
  log(`results written to ${file}`);
  if (errors.length > 0) process.exitCode = 1;
}

main().catch((error: unknown) => {
  process.stderr.write(`benchmark failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
