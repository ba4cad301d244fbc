#!/usr/bin/env node
/**
 * The auditor's command line (README, "For auditors"):
 *
 *   npm run audit -- verify [--from N] [--to N]          the running service's log (--url, --key)
 *   npm run audit -- verify --data-dir ./data            a stopped service's log, read directly
 *   npm run audit -- verify --bundle unit.ndjson         an exported bundle, offline
 *   npm run audit -- history <dossierId>                 a dossier's timeline
 *   npm run audit -- report <unitId> --from I --to I [--as-of I]   the timeliness report (running service)
 *   npm run audit -- export <unitId> --from I --to I [--out FILE]  a bundle that verify --bundle checks
 *
 * --url (or AUDIT_URL, default http://localhost:3000) and --key (or AUDIT_KEY) reach a running
 * service with an auditor key; --data-dir reads a stopped one's files. --json prints data instead
 * of text. A progress bar with rate and ETA goes to stderr on a terminal.
 *
 * Exit codes: 0 verified (or done), 1 tampered or a failed check (an unknown dossier...),
 * 2 bad usage, 3 the service, data directory or file cannot be reached.
 */
import { SingleBar } from 'cli-progress';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { SqliteEventStore } from '../event-store/sqlite/sqlite-event-store.js';
import { DOSSIER_STREAM_PREFIX } from '../dossier/events.js';
import { exportBundle, verifyBundle } from './bundle.js';
import type { VerificationResult } from './chain-verifier.js';
import { type HistoryEvent, report, timeline, verification } from './audit-text.js';
import { verifyStore } from './verify-in-worker.js';

export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

const USAGE = `usage: npm run audit -- <command> [options]
  verify [--from N] [--to N] | verify --bundle FILE
  history <dossierId>
  report <unitId> --from INSTANT --to INSTANT [--as-of INSTANT] [--group-by none|procedure|child]
  export <unitId> --from INSTANT --to INSTANT [--out FILE]
options: --url URL --key KEY (or AUDIT_URL, AUDIT_KEY) | --data-dir DIR; --json`;

class UsageError extends Error {}
/** The service, directory or file could not be reached (exit 3). */
class Unreachable extends Error {}
/** A check that failed: an unknown dossier, a refused request (exit 1). */
class Failed extends Error {}

type Args = ReturnType<typeof parse>;

function parse(argv: string[]) {
  try {
    return parseOrThrow(argv);
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) throw new UsageError((error as Error).message);
    throw error;
  }
}

function parseOrThrow(argv: string[]) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      url: { type: 'string' },
      key: { type: 'string' },
      'data-dir': { type: 'string' },
      json: { type: 'boolean', default: false },
      from: { type: 'string' },
      to: { type: 'string' },
      'as-of': { type: 'string' },
      'group-by': { type: 'string' },
      out: { type: 'string' },
      bundle: { type: 'string' },
    },
  });
  const [command, subject, ...rest] = positionals;
  if (rest.length > 0) throw new UsageError(`unexpected arguments: ${rest.join(' ')}`);
  return { command, subject, ...values };
}

/** Runs the command line; answers the exit code. */
export async function runAuditCli(argv: string[], io: CliIo): Promise<number> {
  let args: Args;
  try {
    args = parse(argv);
    return await run(args, io);
  } catch (error) {
    const code = error instanceof UsageError ? 2 : error instanceof Unreachable ? 3 : error instanceof Failed ? 1 : undefined;
    if (code === undefined) throw error;
    io.stderr.write(`${(error as Error).message}${code === 2 ? `\n${USAGE}` : ''}\n`);
    return code;
  }
}

async function run(a: Args, io: CliIo): Promise<number> {
  const print = (text: string) => io.stdout.write(text);
  const json = (value: unknown) => print(`${JSON.stringify(value, null, 2)}\n`);
  switch (a.command) {
    case 'verify': {
      const started = performance.now();
      const result = a.bundle !== undefined ? await verifyBundleFile(a.bundle, io) : a['data-dir'] !== undefined ? await verifyDataDir(a, io) : await http(a, io).json<VerificationResult>(`/audit/verify${query({ from: a.from, to: a.to })}`);
      if (a.json) json(result);
      else print(verification(result, (performance.now() - started) / 1000));
      return result.verified ? 0 : 1;
    }
    case 'history': {
      const id = required(a.subject, 'history needs a dossier id');
      const events = a['data-dir'] !== undefined ? await historyFromDataDir(a['data-dir'], id) : await http(a, io).json<HistoryEvent[]>(`/dossiers/${encodeURIComponent(id)}/events`);
      if (a.json) json(events);
      else print(timeline(id, events));
      return 0;
    }
    case 'report': {
      const unitId = required(a.subject, 'report needs a unit id');
      if (a['data-dir'] !== undefined) throw new UsageError('report reads the read models of a running service: give --url and --key, not --data-dir');
      const body = await http(a, io).json<Parameters<typeof report>[1]>(
        `/units/${encodeURIComponent(unitId)}/timeliness${query({ from: required(a.from, 'report needs --from'), to: required(a.to, 'report needs --to'), asOf: a['as-of'], groupBy: a['group-by'] })}`,
      );
      if (a.json) json(body);
      else print(report(unitId, body));
      return 0;
    }
    case 'export':
      return exportTo(a, io);
    case undefined:
      throw new UsageError('a command is needed');
    default:
      throw new UsageError(`unknown command ${a.command}`);
  }
}

function required(value: string | undefined, message: string): string {
  if (value === undefined || value === '') throw new UsageError(message);
  return value;
}

const query = (params: Record<string, string | undefined>) => {
  const q = new URLSearchParams(Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined));
  return q.size > 0 ? `?${q}` : '';
};

function http(a: Args, io: CliIo) {
  const base = (a.url ?? io.env.AUDIT_URL ?? 'http://localhost:3000').replace(/\/$/, '');
  const key = a.key ?? io.env.AUDIT_KEY;
  if (key === undefined || key === '') throw new UsageError('an auditor key is needed: --key KEY or AUDIT_KEY (or --data-dir for a stopped service)');
  const get = async (path: string): Promise<Response> => {
    let res: Response;
    try {
      res = await fetch(`${base}${path}`, { headers: { Authorization: `Bearer ${key}` } });
    } catch (error) {
      throw new Unreachable(`cannot reach ${base}: ${String((error as Error).cause ?? error)}`);
    }
    if (res.ok) return res;
    const problem = (await res.json().catch(() => ({}))) as { code?: string; detail?: string };
    const message = `${res.status} ${problem.code ?? ''} ${problem.detail ?? ''}`.trim();
    if (res.status === 400) throw new UsageError(message);
    if (res.status === 401 || res.status >= 500) throw new Unreachable(`${base}${path}: ${message}`);
    throw new Failed(message);
  };
  return { get, json: async <T>(path: string) => (await (await get(path)).json()) as T };
}

function openDataDir(dir: string): SqliteEventStore {
  const file = join(resolve(dir), 'events.db');
  if (!existsSync(file)) throw new Unreachable(`no event store in ${dir} (${file} does not exist)`);
  try {
    return SqliteEventStore.open({ file });
  } catch (error) {
    throw new Unreachable((error as Error).message);
  }
}

async function withStore<T>(dir: string, use: (store: SqliteEventStore) => Promise<T>): Promise<T> {
  const store = openDataDir(dir);
  try {
    return await use(store);
  } finally {
    await store.close();
  }
}

/** A bar on stderr when it is a terminal (nothing otherwise, so that logs stay clean). */
function bar(io: CliIo, label: string): { update(done: number, total: number): void; stop(): void } {
  if (!io.stderr.isTTY) return { update: () => undefined, stop: () => undefined };
  const b = new SingleBar({ format: `${label} |{bar}| {percentage}% | {value}/{total} | {rate} events/s | ETA {eta_formatted}`, stream: io.stderr, hideCursor: true, etaBuffer: 50, fps: 5 });
  const started = performance.now();
  let running = false;
  return {
    update(done, total) {
      const rate = Math.round(done / Math.max((performance.now() - started) / 1000, 0.001));
      if (!running) b.start(total, done, { rate });
      running = true;
      b.setTotal(total);
      b.update(done, { rate });
    },
    stop: () => running && b.stop(),
  };
}

async function verifyDataDir(a: Args, io: CliIo): Promise<VerificationResult> {
  const progress = bar(io, 'verifying');
  const position = (v: string | undefined, name: string) => {
    if (v === undefined) return undefined;
    if (!/^\d{1,15}$/.test(v) || Number(v) < 1) throw new UsageError(`--${name} must be a position, an integer from 1`);
    return Number(v);
  };
  const range = { from: position(a.from, 'from'), to: position(a.to, 'to') };
  try {
    return await withStore(a['data-dir']!, (store) => verifyStore(store, { ...range, gapless: true, pageSize: 5000, onProgress: (p, to) => progress.update(p, to) }));
  } finally {
    progress.stop();
  }
}

async function verifyBundleFile(file: string, io: CliIo) {
  if (!existsSync(file)) throw new Unreachable(`${file} does not exist`);
  const progress = bar(io, 'checking');
  try {
    return await verifyBundle(createInterface({ input: createReadStream(file), crlfDelay: Infinity }), (p, to) => progress.update(p, to));
  } finally {
    progress.stop();
  }
}

async function historyFromDataDir(dir: string, id: string): Promise<HistoryEvent[]> {
  const events = await withStore(dir, (store) => store.readStream(`${DOSSIER_STREAM_PREFIX}${id}`));
  if (events.length === 0) throw new Failed(`no dossier ${id}`);
  return events.map((e) => ({ type: e.type, data: e.data, metadata: e.metadata, revision: e.revision, position: e.position }));
}

async function exportTo(a: Args, io: CliIo): Promise<number> {
  const unitId = required(a.subject, 'export needs a unit id');
  const from = required(a.from, 'export needs --from');
  const to = required(a.to, 'export needs --to');
  const out = a.out ?? `audit-${unitId}-${from.slice(0, 10)}-${to.slice(0, 10)}.ndjson`;
  if (a['data-dir'] !== undefined) {
    const period = { from: Date.parse(from), to: Date.parse(to) };
    if (Number.isNaN(period.from) || Number.isNaN(period.to) || period.from >= period.to) throw new UsageError('--from and --to must be instants, --from before --to');
    const progress = bar(io, 'exporting');
    try {
      await withStore(a['data-dir'], async (store) => {
        const lines = exportBundle(store, { unitId, ...period, gapless: true, onProgress: (_phase, p, total) => progress.update(p, total) });
        await pipeline(Readable.from((async function* () {
          for await (const line of lines) yield `${JSON.stringify(line)}\n`;
        })()), createWriteStream(out));
      });
    } finally {
      progress.stop();
    }
  } else {
    const res = await http(a, io).get(`/audit/export/${encodeURIComponent(unitId)}${query({ from, to })}`);
    await pipeline(Readable.fromWeb(res.body! as import('node:stream/web').ReadableStream), createWriteStream(out));
  }
  const summary = { bundle: out };
  if (a.json) io.stdout.write(`${JSON.stringify(summary)}\n`);
  else io.stdout.write(`bundle written to ${out}; check it with: npm run audit -- verify --bundle ${out}\n`);
  return 0;
}

// Run as a script: `node dist/src/audit/audit-cli.js`, or the package's `dossier-audit` bin.
if (process.argv[1] && /(audit-cli\.(ts|js)|dossier-audit)$/.test(process.argv[1])) {
  runAuditCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env }).then(
    (code) => (process.exitCode = code),
    (error: unknown) => {
      process.stderr.write(`audit failed: ${String(error)}\n`);
      process.exit(3);
    },
  );
}
