/**
 * Bulk import benchmark: `npm run bench:import -- [--dossiers=100000] [--seed=N] [--keep] [--compare-http]`.
 *
 * Writes the province workload's commands (bench/workload.ts, through the real decider) as an
 * NDJSON file, puts the province's catalog into a fresh data directory, then times
 * `node dist/src/import/import-cli.js <file> --json` on it (DATA_DIR mode, the process as a user
 * starts it), and a second run of the same file (idempotent: it must append nothing). Prints the
 * figures and writes them to bench/results-import.json. Goal (issue 27): >= 20,000 dossiers a minute.
 * With --compare-http, the same commands are also posted over HTTP into a second service, and the
 * two services' reports and events compared (bench/import-compare.ts; several minutes more).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ImportSummary } from '../src/import/dossier-importer.js';
import { type Comparison, compareWithHttp } from './import-compare.js';
import { writeCatalog, writeImportFile } from './import-file.js';
import { numberOption, textOption } from './options.js';
import { Workload } from './workload.js';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const CLI = join(ROOT, 'dist', 'src', 'import', 'import-cli.js');

interface Run {
  exitCode: number;
  wallMs: number;
  summary: ImportSummary;
}

function runCli(file: string, dataDir: string, extra: string[] = []): Promise<Run> {
  const started = performance.now();
  return new Promise((resolvePromise, reject) => {
    execFile(process.execPath, [CLI, file, '--json', ...extra], { env: { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'warn' }, maxBuffer: 1 << 28 }, (error, stdout, stderr) => {
      const exitCode = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      try {
        resolvePromise({ exitCode, wallMs: performance.now() - started, summary: JSON.parse(stdout) as ImportSummary });
      } catch {
        reject(new Error(`the import printed no summary (exit ${exitCode}): ${stderr}`));
      }
    });
  });
}

async function main(): Promise<void> {
  const dossiers = numberOption('dossiers', 100_000);
  const seed = numberOption('seed', 20250101);
  const keep = process.argv.includes('--keep');
  const compare = process.argv.includes('--compare-http');
  const base = textOption('dir') ?? process.env.BENCH_TMPDIR ?? tmpdir();
  const dir = mkdtempSync(join(base, 'dossier-bench-import-'));
  const log = (line: string) => process.stdout.write(`${line}\n`);
  try {
    const file = join(dir, 'history.ndjson');
    const dataDir = join(dir, 'data');
    const t0 = performance.now();
    const workload = new Workload({ seed, dossiers });
    const written = await writeImportFile(workload, file);
    await writeCatalog(new Workload({ seed, dossiers }), join(dataDir, 'events.db'));
    const mb = statSync(file).size / 1048576;
    log(`import file: ${written.dossiers.toLocaleString('en-US')} dossiers, ${written.lines.toLocaleString('en-US')} commands, ${mb.toFixed(0)} MB, written in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    const first = await runCli(file, dataDir);
    const s = first.summary;
    const perMinute = Math.round((s.dossiers / first.wallMs) * 60_000);
    log(`first run: exit ${first.exitCode}, ${s.imported.toLocaleString('en-US')} commands imported, ${s.refused} refused, ${(first.wallMs / 1000).toFixed(1)} s wall (process start to exit), ${perMinute.toLocaleString('en-US')} dossiers/min, ${Math.round(s.imported / (first.wallMs / 1000)).toLocaleString('en-US')} commands/s`);

    const second = await runCli(file, dataDir);
    log(`second run of the same file: exit ${second.exitCode}, ${second.summary.imported} imported, ${second.summary.alreadyImported.toLocaleString('en-US')} already there, ${(second.wallMs / 1000).toFixed(1)} s`);

    let comparison: Comparison | undefined;
    if (compare) {
      log('comparing with the same history posted over HTTP into another service (--compare-http)');
      comparison = await compareWithHttp({ file, importedDir: dataDir, httpDir: join(dir, 'http'), seed, dossiers }, log);
      log(`  reports: ${comparison.reportsCompared} compared, ${comparison.reportsDiffering.length} differ; dossiers: ${comparison.dossiersCompared.toLocaleString('en-US')} compared, ${comparison.dossiersDiffering.length} differ`);
    }

    const results = {
      command: `node dist/bench/import.js --dossiers=${dossiers} --seed=${seed}${compare ? ' --compare-http' : ''}`,
      at: new Date().toISOString(),
      node: process.version,
      file: { dossiers: written.dossiers, commands: written.lines, megabytes: Math.round(mb) },
      firstRun: { exitCode: first.exitCode, wallSeconds: +(first.wallMs / 1000).toFixed(1), imported: s.imported, refused: s.refused, dossiersPerMinute: perMinute },
      secondRun: { exitCode: second.exitCode, wallSeconds: +(second.wallMs / 1000).toFixed(1), imported: second.summary.imported, alreadyImported: second.summary.alreadyImported },
      ...(comparison ? { comparedWithHttp: comparison } : {}),
      goalDossiersPerMinute: 20_000,
      goalMet: perMinute >= 20_000 && first.exitCode === 0 && second.summary.imported === 0,
      sameAsHttp: comparison ? comparison.reportsDiffering.length === 0 && comparison.dossiersDiffering.length === 0 : undefined,
    };
    writeFileSync(join(ROOT, 'bench', 'results-import.json'), `${JSON.stringify(results, null, 2)}\n`);
    log(`goal (>= 20,000 dossiers/min, second run appends nothing): ${results.goalMet ? 'met' : 'NOT met'}; results in bench/results-import.json`);
    if (!results.goalMet || results.sameAsHttp === false) process.exitCode = 1;
  } finally {
    if (keep) log(`data kept in ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`import benchmark failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
