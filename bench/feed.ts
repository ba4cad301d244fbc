/**
 * The event feed's rate: GET /feed read to the end over a province's log, by a client that
 * follows `Feed-Next-After` with the largest page (NDJSON), and as one Server-Sent Event stream
 * from position 0; for a key for all units and for a key limited to one district of twelve.
 *
 *   npm run build && node dist/bench/feed.js [--dossiers=100000] [--seed=7] [--limit=10000] [--dir=<data dir>]
 *
 * The client counts lines (it parses nothing), so the figures are the service's: reading the
 * store, filtering, serialising, writing. A --dir that already holds events.db is reused.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from './child.js';
import { BENCH_KEYS, type BenchRole } from './keys.js';
import { loadProvince } from './load-province.js';
import { numberOption, textOption } from './options.js';
import { now, peakRssMb, perSecond } from './stats.js';

const log = (line: string) => process.stderr.write(`${line}\n`);
const DISTRICT_KEY = 'bench-reader-h01-key-000001';

interface Run {
  what: string;
  events: number;
  mb: number;
  ms: number;
  eventsPerSecond: number;
  mbPerSecond: number;
}

const run = (what: string, events: number, bytes: number, ms: number): Run => {
  const r = { what, events, mb: Math.round(bytes / 1e5) / 10, ms: Math.round(ms), eventsPerSecond: perSecond(events, ms), mbPerSecond: Math.round((bytes / 1e6 / (ms / 1000)) * 10) / 10 };
  log(`  ${what}: ${r.events} events, ${r.mb} MB in ${r.ms} ms: ${r.eventsPerSecond} events/s, ${r.mbPerSecond} MB/s`);
  return r;
};

/** Pages to the end, each `after` the previous page's Feed-Next-After. */
async function ndjson(url: string, key: string, limit: number, what: string): Promise<Run> {
  let after = 0;
  let events = 0;
  let bytes = 0;
  const t0 = now();
  for (;;) {
    const res = await fetch(`${url}/feed?after=${after}&limit=${limit}`, { headers: { authorization: `Bearer ${key}` } });
    if (res.status !== 200) throw new Error(`GET /feed answered ${res.status}: ${await res.text()}`);
    const text = await res.text();
    const next = Number(res.headers.get('feed-next-after'));
    bytes += Buffer.byteLength(text);
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) events++;
    if (next === after) break;
    after = next;
  }
  return run(what, events, bytes, now() - t0);
}

/** One stream from position 0 until the event at `head` has arrived. */
async function sse(url: string, key: string, head: number, what: string): Promise<Run> {
  const abort = new AbortController();
  const t0 = now();
  const res = await fetch(`${url}/feed?after=0`, { headers: { authorization: `Bearer ${key}`, accept: 'text/event-stream' }, signal: abort.signal });
  if (res.status !== 200 || !res.body) throw new Error(`GET /feed (SSE) answered ${res.status}`);
  const decoder = new TextDecoder();
  let events = 0;
  let bytes = 0;
  let tail = '';
  const last = `id: ${head}\n`;
  for await (const chunk of res.body) {
    bytes += chunk.byteLength;
    const text = tail + decoder.decode(chunk, { stream: true });
    // Whole events only (one may straddle two chunks): each is `id: <position>\ndata: ...\n\n`.
    const cut = text.lastIndexOf('\n\n');
    if (cut < 0) {
      tail = text;
      continue;
    }
    const complete = text.slice(0, cut + 2);
    tail = text.slice(cut + 2);
    for (let i = complete.indexOf('\ndata: '); i >= 0; i = complete.indexOf('\ndata: ', i + 1)) events++;
    if (complete.includes(last)) break;
  }
  const ms = now() - t0;
  abort.abort();
  return run(what, events, bytes, ms);
}

async function main(): Promise<void> {
  const dossiers = numberOption('dossiers', 100_000);
  const seed = numberOption('seed', 7);
  const limit = numberOption('limit', 10_000);
  const given = textOption('dir');
  const dir = given ?? mkdtempSync(join(tmpdir(), 'bench-feed-'));
  try {
    if (existsSync(join(dir, 'events.db'))) log(`reusing ${dir}`);
    else await loadProvince(dir, dossiers, seed, log);
    const keys = [
      ...(Object.keys(BENCH_KEYS) as BenchRole[]).map((role) => ({ key: BENCH_KEYS[role], role, name: `bench-${role}` })),
      { key: DISTRICT_KEY, role: 'reader', units: ['H01'], name: 'bench-reader-h01' },
    ];
    writeFileSync(join(dir, 'api-keys.json'), JSON.stringify(keys, null, 2), { mode: 0o600 });
    const app = await startServer('app', dir);
    try {
      const runs: Run[] = [];
      // Warm-up: the first pages bring the file into the page cache and the code to its optimised state.
      await ndjson(app.url, BENCH_KEYS.reader, limit, 'warm-up (all units, NDJSON)');
      const all = await ndjson(app.url, BENCH_KEYS.reader, limit, `all units, NDJSON pages of ${limit}`);
      runs.push(all);
      runs.push(await ndjson(app.url, DISTRICT_KEY, limit, `one district (H01 of 12), NDJSON pages of ${limit}`));
      const headRes = await fetch(`${app.url}/projections/status`, { headers: { authorization: `Bearer ${BENCH_KEYS.auditor}` } });
      const head = ((await headRes.json()) as { headPosition: number }).headPosition;
      runs.push(await sse(app.url, BENCH_KEYS.reader, head, 'all units, one SSE stream from 0'));
      const stopped = await app.stop();
      process.stdout.write(JSON.stringify({ dossiers, seed, limit, events: all.events, runs, serverPeakRssMb: stopped.peakRssMb, clientPeakRssMb: peakRssMb() }, null, 2) + '\n');
    } catch (error) {
      await app.stop();
      throw error;
    }
  } finally {
    if (!given) rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: Error) => {
  log(error.stack ?? error.message);
  process.exit(1);
});
