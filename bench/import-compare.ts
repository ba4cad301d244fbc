/**
 * The check of issue 27 at full size: the history of an import file posted over HTTP, command by
 * command, into a second service, then both services' reports (timeliness and steps, for many
 * units and periods) and events (type and data, per dossier, in order) compared.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { SqliteEventStore } from '../src/event-store/sqlite/sqlite-event-store.js';
import { startServer } from './child.js';
import { Client } from './client.js';
import type { ImportLine } from './import-file.js';
import { writeCatalog } from './import-file.js';
import { Workload } from './workload.js';

export interface Comparison {
  postedCommands: number;
  postSeconds: number;
  reportsCompared: number;
  reportsDiffering: string[];
  dossiersCompared: number;
  dossiersDiffering: string[];
}

/** Posts every line of `file` to a fresh service over HTTP (a dossier's lines in order, dossiers side by side). */
async function postAll(file: string, client: Client): Promise<{ commands: number; last: number }> {
  const tails = new Map<string, Promise<void>>();
  let inFlight = 0;
  let last = 0;
  let commands = 0;
  let wake: (() => void) | undefined;
  const failures: string[] = [];
  for await (const text of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
    if (text === '') continue;
    const { command, dossierId, ...body } = JSON.parse(text) as ImportLine;
    const send = async () => {
      const res = command === 'receive'
        ? await client.send<{ position: number }>('POST', '/dossiers', 'integrator', { dossierId, ...body })
        : await client.send<{ position: number }>('POST', `/dossiers/${dossierId}/${command}`, 'integrator', body);
      if (res.status >= 300) failures.push(`${dossierId} ${command}: ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
      else last = Math.max(last, res.body.position);
    };
    inFlight++;
    commands++;
    const task: Promise<void> = (tails.get(dossierId) ?? Promise.resolve()).then(send).finally(() => {
      inFlight--;
      if (tails.get(dossierId) === task) tails.delete(dossierId);
      wake?.();
    });
    tails.set(dossierId, task);
    if (inFlight >= 64) await new Promise<void>((resolve) => (wake = resolve));
    wake = undefined;
  }
  await Promise.all(tails.values());
  if (failures.length > 0) throw new Error(`${failures.length} commands refused over HTTP, e.g. ${failures.slice(0, 3).join('; ')}`);
  return { commands, last };
}

/** Each dossier's events (type and data, in order) as one digest. */
async function digests(dataDir: string): Promise<Map<string, string>> {
  const store = SqliteEventStore.open({ file: join(dataDir, 'events.db') });
  const out = new Map<string, string>();
  try {
    for await (const page of store.readAllDataPages({ pageSize: 10_000 })) {
      for (const e of page) {
        if (!e.streamId.startsWith('dossier-')) continue;
        out.set(e.streamId, createHash('sha1').update(`${out.get(e.streamId) ?? ''}|${e.revision}|${e.type}|${JSON.stringify(e.data)}`).digest('hex'));
      }
    }
  } finally {
    await store.close();
  }
  return out;
}

export async function compareWithHttp(o: { file: string; importedDir: string; httpDir: string; seed: number; dossiers: number }, log: (line: string) => void): Promise<Comparison> {
  await writeCatalog(new Workload({ seed: o.seed, dossiers: o.dossiers }), join(o.httpDir, 'events.db'));
  process.env.OVERDUE_WATCHER = 'false';
  const http = await startServer('app', o.httpDir);
  const t0 = performance.now();
  const httpClient = new Client(http.url);
  const posted = await postAll(o.file, httpClient);
  const postSeconds = (performance.now() - t0) / 1000;
  log(`  posted ${posted.commands.toLocaleString('en-US')} commands over HTTP in ${postSeconds.toFixed(0)} s`);
  const imported = await startServer('app', o.importedDir);
  const importedClient = new Client(imported.url);
  // The imported service builds its read models from the log at its first start: wait for that.
  const caughtUp = async (client: Client) => {
    for (;;) {
      const status = (await client.send<{ headPosition: number; caughtUp: boolean }>('GET', '/projections/status', 'auditor')).body;
      if (status.caughtUp) return status.headPosition;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  };
  const heads = { http: Math.max(posted.last, await caughtUp(httpClient)), imported: await caughtUp(importedClient) };

  const p = new Workload({ seed: o.seed, dossiers: o.dossiers }).province;
  const units = [p.root, p.centre, ...p.districts.slice(0, 3).flatMap((d) => [d.id, d.bpmc, d.offices.VPDKDD, d.communes[0]]), ...p.departments.slice(0, 3).map((d) => d.offices[0])];
  const periods: [string, string][] = [['2025-01-01', '2025-12-31'], ['2025-01-01', '2025-03-31'], ['2025-07-01', '2025-09-30'], ['2025-12-01', '2025-12-31']];
  const differing: string[] = [];
  let compared = 0;
  for (const unit of units) {
    for (const [from, to] of periods) {
      const period = `from=${encodeURIComponent(`${from}T00:00:00+07:00`)}&to=${encodeURIComponent(`${to}T23:59:59+07:00`)}`;
      for (const path of [`/units/${unit}/timeliness?${period}&groupBy=child`, `/units/${unit}/timeliness?${period}&groupBy=procedure`, `/units/${unit}/steps?${period}`]) {
        const ask = async (client: Client, at: number) => {
          const res = await client.send<Record<string, unknown>>('GET', `${path}&minPosition=${at}&timeoutMs=30000`, 'supervisor');
          if (res.status !== 200) throw new Error(`${path}: ${res.status} ${JSON.stringify(res.body)}`);
          const { evaluatedAt: _, ...rest } = res.body;
          return JSON.stringify(rest);
        };
        compared++;
        if ((await ask(importedClient, heads.imported)) !== (await ask(httpClient, heads.http))) differing.push(path);
      }
    }
  }
  httpClient.close();
  importedClient.close();
  await http.stop();
  await imported.stop();
  const [a, b] = await Promise.all([digests(o.importedDir), digests(o.httpDir)]);
  const dossiersDiffering = [...new Set([...a.keys(), ...b.keys()])].filter((id) => a.get(id) !== b.get(id));
  return { postedCommands: posted.commands, postSeconds: Math.round(postSeconds), reportsCompared: compared, reportsDiffering: differing, dossiersCompared: a.size, dossiersDiffering: dossiersDiffering.slice(0, 20) };
}
