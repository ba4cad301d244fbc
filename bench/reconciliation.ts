/**
 * Reconciliation benchmark: `npm run build && node dist/bench/reconciliation.js [--lines=100000] [--runs=3]`.
 *
 * A commune of the demo province that received `lines` dossiers (a generated history, its read
 * models built in bulk as a rebuild does), and its register of as many lines as CSV, with a few
 * per cent of differences of each kind; the time of POST /units/{unitId}/reconciliations over
 * HTTP (the register read, compared and recorded), `runs` times, in wall time and in this
 * process's CPU time (the service runs in it: the figure a busy host does not stretch). Goal
 * (issue 24): <= 10 s for 100,000 lines.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { mulberry32 } from '../src/common/random.js';
import { SqliteEventStore } from '../src/event-store/sqlite/sqlite-event-store.js';
import { ReadModels } from '../src/projections/read-models.js';
import { syntheticEvents, toRecordedLog } from './support/synthetic-history.js';
import { bearer, writeKeyFile } from './keys.js';
import { numberOption, textOption } from './options.js';
import { now } from './stats.js';

const UNIT = 'HUYEN-AN.XA1';
const HOUR = 3_600_000;
const WORDS: Record<string, string> = { received: 'Đang xử lý', awaiting_supplement: 'Chờ bổ sung', resolved: 'Đã giải quyết', returned: 'Đã trả kết quả', withdrawn: 'Đã rút' };

const local = (ms: number) => {
  const d = new Date(ms + 7 * HOUR);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}/${p(d.getUTCMonth() + 1)}/${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}`;
};

/** The register of the generated history: most lines true, some changed, some under an id the system does not know. */
function register(events: ReturnType<typeof syntheticEvents>, seed: number): string {
  const random = mulberry32(seed);
  const truth = new Map<string, { status: string; receivedAt: number; resolvedAt?: number; returnedAt?: number }>();
  for (const { dossierId, event } of events) {
    const d = event.data as unknown as Record<string, string>;
    const t = truth.get(dossierId);
    if (event.type === 'DossierReceived') truth.set(dossierId, { status: 'received', receivedAt: Date.parse(d.receivedAt) });
    else if (!t) continue;
    else if (event.type === 'DossierSupplementRequested') t.status = 'awaiting_supplement';
    else if (event.type === 'DossierSupplemented') t.status = 'received';
    else if (event.type === 'DossierResolved') Object.assign(t, { status: 'resolved', resolvedAt: Date.parse(d.resolvedAt) });
    else if (event.type === 'DossierResultReturned') Object.assign(t, { status: 'returned', returnedAt: Date.parse(d.returnedAt) });
    else if (event.type === 'DossierWithdrawn') t.status = 'withdrawn';
  }
  const lines = ['Mã hồ sơ,Trạng thái,Ngày nhận,Ngày giải quyết,Ngày trả kết quả'];
  for (const [id, t] of truth) {
    // One line per dossier: 2% written under a wrong id (missing on both sides), 2% with another
    // status, 2% received 90 minutes off.
    const r = random();
    const status = r >= 0.02 && r < 0.04 ? 'received' : t.status;
    const shift = r > 0.98 ? 90 * 60_000 : 0;
    lines.push([r < 0.02 ? `NOWHERE-${id}` : id, WORDS[status], local(t.receivedAt + shift), t.resolvedAt ? local(t.resolvedAt) : '', t.returnedAt ? local(t.returnedAt) : ''].join(','));
  }
  return lines.join('\n') + '\n';
}

async function main(): Promise<void> {
  const lines = numberOption('lines', 100_000);
  const runs = numberOption('runs', 3);
  const dir = mkdtempSync(join(textOption('dir') ?? process.env.BENCH_TMPDIR ?? tmpdir(), 'dossier-bench-reconciliation-'));
  const log = (line: string) => process.stdout.write(`${line}\n`);
  try {
    writeKeyFile(dir);
    const config = loadConfig({ DATA_DIR: dir, LOG_LEVEL: 'warn', SEED_DEMO_HISTORY: 'false', OVERDUE_WATCHER: 'false', RATE_LIMIT_PER_MINUTE: '0' });
    // 1. The demo province (its catalog), then the commune's history appended and projected in bulk.
    await (await createApp(config)).close();
    const start = Date.parse('2025-01-01T00:00:00+07:00');
    const events = syntheticEvents({ seed: 24, dossiers: lines, unitIds: [UNIT], procedureCodes: ['HT-KHAISINH'], start, spanMs: 365 * 24 * HOUR, horizon: Date.parse('2026-01-01T00:00:00+07:00'), idPrefix: 'HS-' });
    const t0 = now();
    const store = SqliteEventStore.open({ file: join(dir, 'events.db'), synchronous: 'normal' });
    const byStream = new Map<string, ReturnType<typeof toRecordedLog>>();
    for (const e of toRecordedLog(events)) byStream.set(e.streamId, [...(byStream.get(e.streamId) ?? []), e]);
    const streams = [...byStream];
    for (let i = 0; i < streams.length; i += 2_000) {
      await Promise.all(streams.slice(i, i + 2_000).map(([stream, list]) => store.append(stream, list.map(({ id, type, data, metadata }) => ({ id, type, data, metadata })), 'no_stream')));
    }
    const models = ReadModels.createFresh(join(dir, 'read-models.db'));
    for (let page = await store.readAll({ maxCount: 10_000 }); page.length > 0; page = await store.readAll({ afterPosition: models.checkpoint, maxCount: 10_000 })) models.applyBatch(page);
    models.finishBulk();
    models.close();
    await store.close();
    log(`history: ${lines} dossiers, ${events.length} events of ${UNIT}, loaded in ${Math.round((now() - t0) / 1000)} s`);

    // 2. The register over HTTP.
    const csv = register(events, 7);
    const app = await createApp(config);
    await app.listen({ port: 0, host: '127.0.0.1' });
    const url = `${await app.getUrl()}/units/${UNIT}/reconciliations`.replace('[::1]', '127.0.0.1');
    try {
      const times: number[] = [];
      const cpus: number[] = [];
      for (let run = 0; run < runs; run++) {
        const t = now();
        const cpu = process.cpuUsage();
        const res = await fetch(url, { method: 'POST', headers: { authorization: bearer('supervisor'), 'content-type': 'text/csv' }, body: csv });
        const body = (await res.json()) as { counts?: unknown; reconciliationId?: string };
        times.push(now() - t);
        const used = process.cpuUsage(cpu);
        cpus.push((used.user + used.system) / 1000);
        if (res.status !== 201) throw new Error(`POST answered ${res.status}: ${JSON.stringify(body)}`);
        log(`run ${run + 1}: ${Math.round(times[run])} ms (${Math.round(cpus[run])} ms of CPU), ${JSON.stringify(body.counts)}`);
      }
      const t = now();
      const list = await fetch(url, { headers: { authorization: bearer('auditor') } });
      log(`register: ${csv.split('\n').length - 2} lines, ${(Buffer.byteLength(csv) / 1e6).toFixed(1)} MB; GET list ${list.status} in ${Math.round(now() - t)} ms`);
      log(`reconciliation of ${lines} lines: best ${Math.round(Math.min(...times))} ms, worst ${Math.round(Math.max(...times))} ms (goal <= 10000 ms); CPU ${Math.round(Math.min(...cpus))}-${Math.round(Math.max(...cpus))} ms; load average ${loadavg()[0].toFixed(1)}`);
    } finally {
      await app.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
