/** The benchmark's table (stdout) and bench/results.json. */
import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import type { AppendFigures } from './appends.js';
import type { HttpFigures } from './http.js';
import type { ProjectionFigures } from './projections.js';
import { round } from './stats.js';

export interface RunInfo {
  mode: 'quick' | 'full';
  command: string;
  seed: number;
  startedAt: string;
  durationS: number;
  benchPeakRssMb: number;
  errors: string[];
  /** Said of this run besides the standing notes (how each size's log was written). */
  notes?: string[];
}

export interface Results {
  mode: 'quick' | 'full';
  command: string;
  seed: number;
  startedAt: string;
  durationS: number;
  machine: { cpus: number; cpuModel: string; memoryGb: number; node: string; platform: string };
  // Headline figures (the issue's list), from one run.
  appendsPerSecond: number | null;
  rawInsertsPerSecond: number | null;
  appendsRatio: number | null;
  concurrentAppendsPerSecond: number | null;
  httpCommandsPerSecond: number | null;
  httpBaselinePerSecond: number | null;
  httpRatio: number | null;
  httpP50Ms: number | null;
  httpP99Ms: number | null;
  httpMixCommandsPerSecond: number | null;
  rebuildEventsPerSecond: number | null;
  liveLagP50Ms: number | null;
  liveLagP99Ms: number | null;
  reportQueryP50Ms: number | null;
  reportQueryP99Ms: number | null;
  randomReportQueryP99Ms: number | null;
  /** As-of province report at random instants, and command p99 while four run: at 1 M dossiers (issue 23's goals). */
  asOfReportP50Ms: number | null;
  asOfReportP99Ms: number | null;
  commandP99DuringAsOfMs: number | null;
  /** Dossiers of the largest projection data set. */
  dossiers: number | null;
  events: number | null;
  /** Highest peak RSS of the service process over all phases. */
  peakRssMb: number | null;
  benchPeakRssMb: number;
  goals: Record<string, { target: string; value: number | null; met: boolean | null }>;
  /** Projection figures per data-set size (growth from 100,000 to 1,000,000 dossiers in the full run). */
  scaling: ScalingRow[];
  notes: string[];
  errors: string[];
  details: { appends: AppendFigures | null; http: HttpFigures | null; projections: ProjectionFigures[] };
}

export interface ScalingRow {
  dossiers: number;
  events: number;
  loadEventsPerSecond: number;
  bulkProjectEventsPerSecond: number;
  rebuildEventsPerSecond: number | null;
  startupMs: number;
  reportProvinceP50Ms: number | null;
  reportProvinceP99Ms: number | null;
  reportRandomP99Ms: number | null;
  liveLagP50Ms: number | null;
  liveLagP99Ms: number | null;
  appPeakRssMb: number;
  /** The issue-23 names: peak RSS of the service's first run (rebuild included), its start, the province report's p99. */
  peakRssMb: number;
  servingPeakRssMb: number;
  startupMs_cleanRestart: number;
  startupMs_afterCrash: number;
  reportQueryP99Ms: number | null;
  asOfReportP50Ms: number | null;
  asOfReportP99Ms: number | null;
  commandP99DuringAsOfMs: number | null;
  eventsDbMb: number;
  readModelsDbMb: number;
}

export function buildResults(info: RunInfo, appends: AppendFigures | null, http: HttpFigures | null, projections: ProjectionFigures[]): Results {
  const largest = projections.length > 0 ? projections.reduce((a, b) => (b.dossiers > a.dossiers ? b : a)) : null;
  const peaks = [http?.appPeakRssMb, ...projections.map((p) => p.appPeakRssMb)].filter((x): x is number => x !== undefined);
  const goal = (target: string, value: number | null, met: (v: number) => boolean) => ({ target, value, met: value === null ? null : met(value) });
  const full = info.mode === 'full';
  // A size's figures: the workload's dossiers fall a little short of the size asked (arrivals after the end are left out).
  const at = (size: number) => projections.find((p) => p.dossiers > size * 0.95 && p.dossiers <= size);
  const results: Results = {
    mode: info.mode,
    command: info.command,
    seed: info.seed,
    startedAt: info.startedAt,
    durationS: info.durationS,
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      memoryGb: Math.round(totalmem() / 1024 ** 3),
      node: process.version,
      platform: `${process.platform} ${process.arch}`,
    },
    appendsPerSecond: appends?.appendsPerSecond ?? null,
    rawInsertsPerSecond: appends?.rawInsertsPerSecond ?? null,
    appendsRatio: appends?.ratio ?? null,
    concurrentAppendsPerSecond: appends?.concurrentAppendsPerSecond ?? null,
    httpCommandsPerSecond: http?.httpCommandsPerSecond ?? null,
    httpBaselinePerSecond: http?.httpBaselinePerSecond ?? null,
    httpRatio: http?.ratio ?? null,
    httpP50Ms: http?.httpP50Ms ?? null,
    httpP99Ms: http?.httpP99Ms ?? null,
    httpMixCommandsPerSecond: http?.mixCommandsPerSecond ?? null,
    rebuildEventsPerSecond: largest?.rebuildEventsPerSecond ?? null,
    liveLagP50Ms: largest?.liveLag.p50 ?? null,
    liveLagP99Ms: largest?.liveLag.p99 ?? null,
    reportQueryP50Ms: largest?.reportProvince.p50 ?? null,
    reportQueryP99Ms: largest?.reportProvince.p99 ?? null,
    randomReportQueryP99Ms: largest?.reportRandom.p99 ?? null,
    asOfReportP50Ms: at(1_000_000)?.asOfReport.p50 ?? null,
    asOfReportP99Ms: at(1_000_000)?.asOfReport.p99 ?? null,
    commandP99DuringAsOfMs: at(1_000_000)?.commandsDuringAsOf.p99 ?? null,
    dossiers: largest?.dossiers ?? null,
    events: largest?.events ?? null,
    peakRssMb: peaks.length > 0 ? Math.max(...peaks) : null,
    benchPeakRssMb: info.benchPeakRssMb,
    goals: {
      appendsRatio: goal('>= 0.5 of raw inserts', appends?.ratio ?? null, (v) => v >= 0.5),
      httpCommandsPerSecond: goal('>= 3,000/s over 32 connections', http?.httpCommandsPerSecond ?? null, (v) => v >= 3000),
      httpP99Ms: goal('<= 25 ms', http?.httpP99Ms ?? null, (v) => v <= 25),
      peakRssMb: goal(`<= 1,000 MB at 1M dossiers${full ? '' : ' (full run)'}`, largest?.appPeakRssMb ?? null, (v) => v <= 1000),
      reportQueryP99Ms: goal(`< 20 ms, province subtree${full ? '' : ' (goal is for 1M dossiers: full run)'}`, largest?.reportProvince.p99 ?? null, (v) => v < 20),
      rebuildEventsPerSecond: goal(`> 100,000 events/s${full ? '' : ' (full run)'}`, largest?.rebuildEventsPerSecond ?? null, (v) => v > 100_000),
      liveLagP99Ms: goal(`< 100 ms${full ? '' : ' (full run)'}`, largest?.liveLag.p99 ?? null, (v) => v < 100),
      // Issue 23's goals at 1 M and 5 M dossiers: n/a unless that size was measured (--sizes=...,5000000).
      peakRssMb1M: goal('<= 1,000 MB at 1 M dossiers', at(1_000_000)?.appPeakRssMb ?? null, (v) => v <= 1000),
      peakRssMb5M: goal('<= 1,500 MB at 5 M dossiers', at(5_000_000)?.appPeakRssMb ?? null, (v) => v <= 1500),
      startupMs5M: goal('<= 15 s at 5 M dossiers, clean restart and after a crash (the slower)', slowerRestart(at(5_000_000)), (v) => v <= 15_000),
      reportQueryP99Ms5M: goal('<= 20 ms at 5 M dossiers, province subtree', at(5_000_000)?.reportProvince.p99 ?? null, (v) => v <= 20),
      rebuildEventsPerSecond5M: goal('>= 100,000 events/s at 5 M dossiers', at(5_000_000)?.rebuildEventsPerSecond ?? null, (v) => v >= 100_000),
      asOfReportP50Ms1M: goal('<= 1 s at 1 M dossiers, province report as of a random instant', at(1_000_000)?.asOfReport.p50 ?? null, (v) => v <= 1000),
      asOfReportP99Ms1M: goal('<= 3 s at 1 M dossiers', at(1_000_000)?.asOfReport.p99 ?? null, (v) => v <= 3000),
      commandP99DuringAsOfMs1M: goal('<= 50 ms at 1 M dossiers, while 4 as-of reports run', at(1_000_000)?.commandsDuringAsOf.p99 ?? null, (v) => v <= 50),
    },
    scaling: projections.map((p) => ({
      dossiers: p.dossiers,
      events: p.events,
      loadEventsPerSecond: p.loadEventsPerSecond,
      bulkProjectEventsPerSecond: p.bulkProjectEventsPerSecond,
      rebuildEventsPerSecond: p.rebuildEventsPerSecond,
      startupMs: p.startupMs,
      reportProvinceP50Ms: p.reportProvince.p50,
      reportProvinceP99Ms: p.reportProvince.p99,
      reportRandomP99Ms: p.reportRandom.p99,
      liveLagP50Ms: p.liveLag.p50,
      liveLagP99Ms: p.liveLag.p99,
      appPeakRssMb: p.appPeakRssMb,
      peakRssMb: p.appPeakRssMb,
      servingPeakRssMb: p.servingPeakRssMb,
      startupMs_cleanRestart: p.cleanRestartMs,
      startupMs_afterCrash: p.crashRestartMs,
      reportQueryP99Ms: p.reportProvince.p99,
      asOfReportP50Ms: p.asOfReport.p50,
      asOfReportP99Ms: p.asOfReport.p99,
      commandP99DuringAsOfMs: p.commandsDuringAsOf.p99,
      eventsDbMb: p.eventsDbMb,
      readModelsDbMb: p.readModelsDbMb,
    })),
    notes: [
      'Ratios compare figures measured in the same run, interleaved or back to back on the same machine.',
      'HTTP: autocannon in the benchmark process, each server in a process of its own; both share the machine.',
      'Report queries are timed by the client over HTTP (keep-alive), one at a time, the service otherwise idle.',
      'Live lag: from the acknowledgement of a probe command to the first SSE push of the province report at or past its position, with background commands at a steady rate.',
      ...(info.notes ?? []),
    ],
    errors: info.errors,
    details: { appends, http, projections },
  };
  return results;
}

function slowerRestart(p: ProjectionFigures | undefined): number | null {
  return p === undefined ? null : Math.max(p.cleanRestartMs, p.crashRestartMs);
}

/** Issue 23's goals at a size (1 M, 5 M), as rows of a table: figure, value, goal, met. */
function sizeGoalRows(r: Results, check: (met: boolean | null) => string): string[][] {
  const keys = ['peakRssMb1M', 'peakRssMb5M', 'startupMs5M', 'reportQueryP99Ms5M', 'rebuildEventsPerSecond5M', 'asOfReportP50Ms1M', 'asOfReportP99Ms1M', 'commandP99DuringAsOfMs1M'];
  return keys.map((key) => {
    const g = r.goals[key];
    return [key, fmt(g?.value, key.startsWith('report') || key.startsWith('command') ? 1 : 0), g?.target ?? '', check(g?.met ?? null)];
  });
}

export function writeResults(file: string, results: Results): void {
  writeFileSync(file, JSON.stringify(results, null, 2) + '\n');
}

const fmt = (v: number | null | undefined, digits = 0): string => {
  if (v === null || v === undefined) return 'n/a';
  return digits === 0 ? Math.round(v).toLocaleString('en-US') : round(v, digits).toLocaleString('en-US', { maximumFractionDigits: digits });
};
const ms = (s: { p50: number | null; p99: number | null } | undefined) => (s === undefined ? 'n/a' : `${fmt(s.p50, 1)} / ${fmt(s.p99, 1)}`);

/** Where the first service's peak RSS came from (results of older runs have no phases). */
const phases = (x: ProjectionFigures): string => {
  const p = x.peakRssByPhaseMb;
  return p === undefined ? 'n/a' : [p.start, p.reports, p.asOf, p.rebuild, p.liveLag].map((v) => fmt(v)).join(' / ');
};

function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ')).join('\n');
}

export function renderTable(r: Results): string {
  const out: string[] = [];
  const check = (met: boolean | null) => (met === null ? 'n/a' : met ? 'met' : 'MISSED');
  const m = r.machine;
  out.push(`\nBenchmark (${r.mode}, seed ${r.seed}) on ${m.cpus} x ${m.cpuModel}, ${m.memoryGb} GB, node ${m.node}; ${r.durationS} s`);
  const http = r.details.http;
  out.push(
    table([
      ['figure', 'value', 'baseline', 'ratio', 'goal', ''],
      ['appends/s, one event each, awaited in turn', fmt(r.appendsPerSecond), `${fmt(r.rawInsertsPerSecond)} raw`, fmt(r.appendsRatio, 3), '>= 0.5', check(r.goals.appendsRatio.met)],
      [`appends/s, ${r.details.appends?.concurrency ?? 64} in flight (group commit)`, fmt(r.concurrentAppendsPerSecond), '', '', '', ''],
      [`HTTP POST /dossiers/s (${http?.connections ?? '-'} connections)`, fmt(r.httpCommandsPerSecond), `${fmt(r.httpBaselinePerSecond)} bare`, fmt(r.httpRatio, 3), '>= 3,000/s, p99 <= 25 ms', check(r.goals.httpCommandsPerSecond.met && r.goals.httpP99Ms.met)],
      ['  latency p50 / p99 ms', `${fmt(r.httpP50Ms, 1)} / ${fmt(r.httpP99Ms, 1)}`, http ? `${fmt(http.baselineP50Ms, 1)} / ${fmt(http.baselineP99Ms, 1)}` : '', '', '', ''],
      ['  server CPU us per request', fmt(http?.appCpuUsPerCommand), `${fmt(http?.bareCpuUsPerRequest)} bare`, fmt(http?.cpuRatio, 3), '', ''],
      ['  log flushes (fsync): p99 <= ms, share over 25 ms', http ? `${fmt(http.logFlushP99Ms)}, ${fmt(http.logFlushOver25MsShare * 100, 2)}%` : 'n/a', '', '', '', ''],
      ['HTTP receive/transfer/resolve mix/s', fmt(r.httpMixCommandsPerSecond), '', '', '', ''],
      ['  latency p50 / p99 ms', http ? `${fmt(http.mixP50Ms, 1)} / ${fmt(http.mixP99Ms, 1)}` : 'n/a', '', '', '', ''],
    ]),
  );
  const p = r.details.projections;
  if (p.length === 0) {
    out.push('\nProjections: not available (not measured in this run)');
  } else {
    const head = ['projections', ...p.map((x) => `${fmt(x.dossiers)} dossiers`), 'goal (largest)', ''];
    const row = (label: string, f: (x: ProjectionFigures) => string, goal = '', met: boolean | null | '' = '') => [label, ...p.map(f), goal, met === '' ? '' : check(met)];
    out.push('');
    out.push(
      table([
        head,
        row('events', (x) => fmt(x.events)),
        row('load (generate + append, or bulk: --log) events/s', (x) => fmt(x.loadEventsPerSecond)),
        row('bulk projection events/s', (x) => fmt(x.bulkProjectEventsPerSecond)),
        row('registered read models built from the log, events/s', (x) => fmt(x.registeredModelsEventsPerSecond)),
        row('rebuild (service) events/s', (x) => fmt(x.rebuildEventsPerSecond), '> 100,000', r.goals.rebuildEventsPerSecond.met),
        row('service start ms (index from read models)', (x) => fmt(x.startupMs)),
        row('report p50 / p99 ms, province subtree, year', (x) => ms(x.reportProvince), 'p99 < 20', r.goals.reportQueryP99Ms.met),
        row('report p50 / p99 ms, random unit/period', (x) => ms(x.reportRandom)),
        row('as-of province report p50 / p99 ms', (x) => ms(x.asOfReport), '<= 1,000 / 3,000 at 1M', r.goals.asOfReportP99Ms1M?.met ?? null),
        row('commands p50 / p99 ms while 4 as-of run', (x) => ms(x.commandsDuringAsOf), 'p99 <= 50 at 1M', r.goals.commandP99DuringAsOfMs1M?.met ?? null),
        row('live lag p50 / p99 ms (ack -> SSE push)', (x) => ms(x.liveLag), 'p99 < 100', r.goals.liveLagP99Ms.met),
        row('live lag p50 / p99 ms (send -> SSE push)', (x) => ms(x.liveLagFromSend)),
        row('background commands/s during live lag', (x) => fmt(x.backgroundPerSecond)),
        row('service peak RSS MB (first run, rebuild included)', (x) => fmt(x.appPeakRssMb), '<= 1,000 at 1M', r.goals.peakRssMb.met),
        row('  by the end of: start / reports / as-of / rebuild / live lag', (x) => phases(x)),
        row('service peak RSS MB (a restart that serves)', (x) => fmt(x.servingPeakRssMb)),
        row('restart ms: clean / after a crash', (x) => `${fmt(x.cleanRestartMs)} / ${fmt(x.crashRestartMs)}`),
        row('events.db / read-models.db MB', (x) => `${fmt(x.eventsDbMb)} / ${fmt(x.readModelsDbMb)}`),
      ]),
    );
  }
  out.push('');
  out.push(table([['goals by size (issue 23)', 'value', 'goal', ''], ...sizeGoalRows(r, check)]));
  out.push(`\npeak RSS: service ${fmt(r.peakRssMb)} MB, benchmark process ${fmt(r.benchPeakRssMb)} MB`);
  if (r.errors.length > 0) out.push(`\nERRORS:\n${r.errors.map((e) => `  ${e}`).join('\n')}`);
  return out.join('\n') + '\n';
}

/** The figures as Markdown tables, for docs/PERFORMANCE.md (`node dist/bench/report.js bench/results.json`). */
export function renderMarkdown(r: Results): string {
  const out: string[] = [];
  const check = (met: boolean | null) => (met === null ? 'n/a' : met ? 'met' : '**missed**');
  const http = r.details.http;
  const a = r.details.appends;
  out.push('| figure | value | baseline (same run) | ratio | goal |');
  out.push('|---|---:|---:|---:|---|');
  out.push(`| appends/s, one event each, awaited in turn | ${fmt(r.appendsPerSecond)} | ${fmt(r.rawInsertsPerSecond)} raw inserts/s | ${fmt(r.appendsRatio, 3)} | >= 0.5: ${check(r.goals.appendsRatio.met)} |`);
  out.push(`| appends/s, ${a?.concurrency ?? 64} in flight (group commit) | ${fmt(r.concurrentAppendsPerSecond)} | | | |`);
  out.push(`| HTTP POST /dossiers/s, ${http?.connections ?? '-'} connections | ${fmt(r.httpCommandsPerSecond)} | ${fmt(r.httpBaselinePerSecond)} bare Fastify/s | ${fmt(r.httpRatio, 3)} (information) | >= 3,000/s: ${check(r.goals.httpCommandsPerSecond.met)} |`);
  out.push(`| latency p50 / p99 ms | ${fmt(r.httpP50Ms, 1)} / ${fmt(r.httpP99Ms, 1)} | ${http ? `${fmt(http.baselineP50Ms, 1)} / ${fmt(http.baselineP99Ms, 1)}` : 'n/a'} | | p99 <= 25: ${check(r.goals.httpP99Ms.met)} |`);
  out.push(`| server CPU per request, us | ${fmt(http?.appCpuUsPerCommand)} | ${fmt(http?.bareCpuUsPerRequest)} | ${fmt(http?.cpuRatio, 3)} | |`);
  out.push(`| its log flushes (fsync, /metrics): p99 <= ms; share over 25 ms | ${http ? `${fmt(http.logFlushP99Ms)}; ${fmt(http.logFlushOver25MsShare * 100, 2)}%` : 'n/a'} | | | |`);
  out.push(`| HTTP receive/transfer/resolve mix/s (p50 / p99 ms) | ${fmt(r.httpMixCommandsPerSecond)} (${http ? `${fmt(http.mixP50Ms, 1)} / ${fmt(http.mixP99Ms, 1)}` : 'n/a'}) | | | |`);
  const p = r.details.projections;
  out.push('');
  if (p.length === 0) {
    out.push('Projections: not measured in this run.');
    return out.join('\n') + '\n';
  }
  out.push(`| projections | ${p.map((x) => `${fmt(x.dossiers)} dossiers`).join(' | ')} | goal (largest) |`);
  out.push(`|---|${p.map(() => '---:').join('|')}|---|`);
  const row = (label: string, f: (x: ProjectionFigures) => string, goal = '') => out.push(`| ${label} | ${p.map(f).join(' | ')} | ${goal} |`);
  row('events in the log', (x) => fmt(x.events));
  row('load: generate + append (or write in bulk, see notes), events/s', (x) => fmt(x.loadEventsPerSecond));
  row('bulk projection (benchmark-driven), events/s', (x) => fmt(x.bulkProjectEventsPerSecond));
  row('registered read models (entry lag, attention) from the log, events/s', (x) => fmt(x.registeredModelsEventsPerSecond));
  row('rebuild (POST /projections/rebuild), events/s', (x) => fmt(x.rebuildEventsPerSecond), `> 100,000: ${check(r.goals.rebuildEventsPerSecond.met)}`);
  row('service start (read models opened, index built), ms', (x) => fmt(x.startupMs));
  row('report, province subtree, whole year: p50 / p99 ms', (x) => ms(x.reportProvince), `p99 < 20: ${check(r.goals.reportQueryP99Ms.met)}`);
  row('report, random unit/period/scope/grouping: p50 / p99 ms', (x) => ms(x.reportRandom));
  row('as-of province report, random instants: p50 / p99 ms', (x) => ms(x.asOfReport), '<= 1,000 / 3,000 at 1M');
  row('commands while 4 as-of reports run: p50 / p99 ms', (x) => ms(x.commandsDuringAsOf), 'p99 <= 50 at 1M');
  row('live lag, ack to SSE push: p50 / p99 ms', (x) => ms(x.liveLag), `p99 < 100: ${check(r.goals.liveLagP99Ms.met)}`);
  row('live lag, send to SSE push: p50 / p99 ms', (x) => ms(x.liveLagFromSend));
  row('background commands/s during the probes', (x) => fmt(x.backgroundPerSecond));
  row('service peak RSS, MB (first run, rebuild included)', (x) => fmt(x.appPeakRssMb), `<= 1,000 at 1M: ${check(r.goals.peakRssMb.met)}`);
  row('the same by the end of: start / reports / as-of / rebuild / live lag', (x) => phases(x));
  row('service peak RSS, MB (a restart that serves)', (x) => fmt(x.servingPeakRssMb));
  row('restart: clean / after a crash, ms', (x) => `${fmt(x.cleanRestartMs)} / ${fmt(x.crashRestartMs)}`);
  row('events.db / read-models.db, MB', (x) => `${fmt(x.eventsDbMb)} / ${fmt(x.readModelsDbMb)}`);
  out.push('');
  out.push('| goal by size (issue 23) | value | goal | |');
  out.push('|---|---:|---|---|');
  for (const [key, value, target, met] of sizeGoalRows(r, check)) out.push(`| ${key} | ${value} | ${target} | ${met} |`);
  return out.join('\n') + '\n';
}

if (process.argv[1]?.endsWith('report.js')) {
  const { readFileSync } = await import('node:fs');
  const file = process.argv[2] ?? 'bench/results.json';
  process.stdout.write(renderMarkdown(JSON.parse(readFileSync(file, 'utf8')) as Results));
}
