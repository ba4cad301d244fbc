/**
 * The review lists at size: the attention read model built from a generated year of dossiers over
 * the benchmark's province (about a thousand units), then the first page of each list and the
 * counts, as GET /units/{id}/attention answers them (AttentionLists, less the HTTP framing), for
 * the province's subtree, a district's and one commune.
 *
 * The model is built through the seam (ReadModelSet) as the service does: from the log up to a point,
 * in pages of `--page` events and without its secondary indexes (created once it caught up), as
 * after a version bump or in a rebuild; then the rest of the log in
 * live batches of `--batch` events, each in its own transaction as the projector commits them.
 * The CPU per event of both is printed (the service's main thread pays it).
 *
 *   npm run build && node dist/bench/attention.js [--dossiers=100000] [--samples=200] [--batch=16] [--page=10000]
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ATTENTION_KINDS, DEFAULT_THRESHOLDS, keyRanges } from '../src/attention/attention-kinds.js';
import { AttentionLists } from '../src/attention/attention.queries.js';
import { type AttentionQueries, attentionReadModel } from '../src/attention/attention.read-model.js';
import type { LoggedEvent } from '../src/event-store/event-store.port.js';
import { compileCalendar, loadDefaultCalendarSpec } from '../src/calendar/index.js';
import type { CatalogService } from '../src/catalog/catalog.service.js';
import { Rng } from '../src/catalog/seed/rng.js';
import type { Projector } from '../src/projections/projector.js';
import { ReadModelSet } from '../src/projections/seam/read-model-set.js';
import { syntheticLogPages } from './support/synthetic-history.js';
import { numberOption } from './options.js';
import { buildProvince } from './province.js';
import { now, peakRssMb, perSecond, summarize } from './stats.js';

const DAY = 86_400_000;

async function main(): Promise<void> {
  const dossiers = numberOption('dossiers', 100_000);
  const samples = numberOption('samples', 200);
  const batch = numberOption('batch', 16);
  const pageSize = numberOption('page', 10_000);
  const province = buildProvince(new Rng(766));
  const children = new Map<string, string[]>();
  for (const u of province.units) if (u.parentId !== undefined) children.set(u.parentId, [...(children.get(u.parentId) ?? []), u.unitId]);
  const subtree = (id: string): string[] => [id, ...(children.get(id) ?? []).flatMap(subtree)];
  const calendar = compileCalendar(loadDefaultCalendarSpec());

  const dir = mkdtempSync(join(tmpdir(), 'bench-attention-'));
  const db = new Database(join(dir, 'read-models.db'));
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('cache_size = -65536');
    const seam = new ReadModelSet(db, [attentionReadModel], { calendar: () => calendar });

    // A year of receptions; events after the horizon are not generated, so the last weeks' dossiers stay open.
    const start = Date.parse('2025-01-01T00:00:00+07:00');
    const horizon = start + 360 * DAY;
    // Built from the log up to here, live after it.
    const liveFrom = start + 300 * DAY;
    const cpuUs = { build: 0, live: 0, liveApply: 0 };
    const applied = { build: 0, live: 0, liveApply: 0 };
    let checkpoint = 0;
    let buildMs = 0;
    // The apply alone, and with its transaction's commit (the projector's holds the views' rows too).
    const liveBatch = db.transaction((events: LoggedEvent[]) => {
      let pending: ReturnType<typeof seam.applyLive> = [];
      timed('liveApply', events.length, () => (pending = seam.applyLive(events, checkpoint, events[events.length - 1].position)));
      return pending;
    });
    const timed = (mode: keyof typeof cpuUs, events: number, run: () => void) => {
      const cpu = process.cpuUsage();
      const t = now();
      run();
      const used = process.cpuUsage(cpu);
      cpuUs[mode] += used.user + used.system;
      applied[mode] += events;
      if (mode === 'build') buildMs += now() - t;
    };
    const livePages: LoggedEvent[][] = [];
    for (const page of syntheticLogPages({ seed: 24, dossiers, unitIds: province.units.map((u) => u.unitId), procedureCodes: ['P'], start, spanMs: 365 * DAY, horizon }, pageSize)) {
      if (page[0].recordedAt < liveFrom) {
        timed('build', page.length, () => seam.catchUpPage(page, Number.MAX_SAFE_INTEGER));
        checkpoint = page[page.length - 1].position;
      } else livePages.push(page); // generated before the live batches are timed
    }
    // The build reaches the projector's checkpoint: the model is caught up, and live from then on.
    timed('build', 0, () => seam.catchUpPage([], checkpoint));
    timed('live', livePages.flat().length, () => {
      for (const page of livePages) {
        for (let i = 0; i < page.length; i += batch) {
          const events = page.slice(i, i + batch);
          seam.committed(liveBatch(events));
          checkpoint = events[events.length - 1].position;
        }
      }
    });
    const events = applied.build + applied.live;
    const perEvent = (mode: keyof typeof cpuUs) => Math.round((cpuUs[mode] / applied[mode]) * 10) / 10;
    const rows = (db.prepare('SELECT status, COUNT(*) AS n FROM attention_dossiers GROUP BY status').all() as { status: string; n: number }[]).map((r) => `${r.status} ${r.n}`).join(', ');
    console.log(`${dossiers} dossiers, ${events} events; rows: ${rows}`);
    console.log(`built from the log in pages of ${pageSize}: ${applied.build} events in ${Math.round(buildMs)} ms (${perSecond(applied.build, buildMs)} events/s), ${perEvent('build')} us of CPU per event`);
    console.log(`live: ${applied.live} events in batches of ${batch}, a transaction each: ${perEvent('liveApply')} us of CPU per event in apply, ${perEvent('live')} us with the commit`);

    // The service's reads, with the read model, catalog and clock it would be given.
    const at = horizon + 2 * 3_600_000;
    const model = { queries: seam.queries<AttentionQueries>('attention') };
    const projector = { readModel: async () => model.queries, checkpoint: events } as unknown as Projector;
    const catalog = { requireUnit: () => undefined, subtree, calendar: () => ({ compiled: calendar }) } as unknown as CatalogService;
    const lists = new AttentionLists(projector, catalog, { now: () => new Date(at) });
    const district = province.districts[0];
    const scopes: [string, string][] = [
      ['province subtree', province.root],
      [`district ${district.id} subtree (${subtree(district.id).length} units)`, district.id],
      ['one commune', district.communes[0]],
    ];
    for (const [label, unitId] of scopes) {
      for (const kind of ATTENTION_KINDS) {
        const times: number[] = [];
        let shown = 0;
        for (let i = 0; i < samples; i++) {
          const s = now();
          shown = (await lists.list(unitId, { kind })).items.length;
          times.push(now() - s);
        }
        const { p50, p99 } = summarize(times);
        console.log(`first page  ${label.padEnd(36)} ${kind.padEnd(13)} ${String(shown).padStart(3)} items  p50 ${p50} ms  p99 ${p99} ms`);
      }
      const times: number[] = [];
      let counts = {};
      for (let i = 0; i < Math.min(samples, 50); i++) {
        const s = now();
        counts = (await lists.counts(unitId, {})).counts;
        times.push(now() - s);
      }
      const { p50, p99 } = summarize(times);
      console.log(`counts      ${label.padEnd(36)} p50 ${p50} ms  p99 ${p99} ms  ${JSON.stringify(counts)}`);
    }
    // A live report frame's attention: every unit's counts at once (the province's report by child).
    const everyUnit = province.units.map((u) => u.unitId);
    const frameTimes: number[] = [];
    const frameCpu = process.cpuUsage();
    for (let i = 0; i < Math.min(samples, 50); i++) {
      const s = now();
      model.queries.countsByUnit(everyUnit, keyRanges(calendar, at, DEFAULT_THRESHOLDS));
      frameTimes.push(now() - s);
    }
    const frame = summarize(frameTimes);
    const cpuMs = process.cpuUsage(frameCpu);
    const cpuPerFrame = Math.round((cpuMs.user + cpuMs.system) / frameTimes.length / 10) / 100;
    console.log(`counts by unit, all ${everyUnit.length} units (a live frame's attention) p50 ${frame.p50} ms  p99 ${frame.p99} ms, ${cpuPerFrame} ms of CPU each`);
    console.log(`peak RSS ${peakRssMb()} MB`);
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
