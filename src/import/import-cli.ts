/**
 * Bulk import of existing dossiers (README, "Importing existing dossiers"):
 *
 *   npm run import -- history.ndjson                 into the stopped service's DATA_DIR (fast)
 *   npm run import -- register.csv --columns "Số biên nhận=dossierId"
 *   npm run import -- history.ndjson --url http://localhost:3000 --key $KEY   into a running service
 *
 * Options: --format ndjson|csv (else from the name, else the first characters), --json (the
 * summary as JSON on stdout), --actor NAME (the events' actor in DATA_DIR mode; default `import`),
 * --concurrency N. A progress bar with rate and ETA goes to stderr on a terminal. Running the same
 * file again appends nothing new; a run stopped half-way (Ctrl-C, a kill) goes on where it was.
 *
 * Exit codes: 0 every line imported (now or by an earlier run), 1 some lines refused, 2 bad usage
 * or a file, directory or service that cannot be used, 3 the import stopped on an error (run it
 * again to go on), 130 interrupted.
 */
import { SingleBar } from 'cli-progress';
import { randomUUID } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { extname, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config.js';
import type { ImportProgress, ImportSummary } from './dossier-importer.js';
import { openImportContext } from './import-context.js';
import { ImportFileError, parseColumnMapping } from './import-format.js';
import type { ImportFormat } from './import-reader.js';

export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}

const USAGE = 'usage: npm run import -- <file.ndjson|file.csv> [--format ndjson|csv] [--columns "Header=field,..."] [--json] [--actor NAME] [--concurrency N] [--url URL --key KEY]';

class UsageError extends Error {}

/** Runs the command line; answers the exit code. */
export async function runImportCli(argv: string[], io: CliIo): Promise<number> {
  const say = (text: string) => io.stderr.write(`${text}\n`);
  let args;
  try {
    args = arguments_(argv, io.env);
  } catch (error) {
    say(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  try {
    const summary = args.url !== undefined ? await viaService(args, io) : await intoDataDir(args, io);
    io.stdout.write(args.json ? `${JSON.stringify(summary, null, 2)}\n` : describe(summary));
    if (summary.interrupted) return 130;
    return summary.refused > 0 ? 1 : 0;
  } catch (error) {
    if (error instanceof ImportFileError || error instanceof ConfigError || error instanceof UsageError) {
      say(`import: ${error.message}`);
      return 2;
    }
    say(`import stopped: ${(error as Error).message} (run it again to go on: the lines imported are kept, and are not imported twice)`);
    return 3;
  }
}

interface Arguments {
  file: string;
  format?: ImportFormat;
  columns: Record<string, string>;
  json: boolean;
  actor: string;
  concurrency?: number;
  url?: string;
  key?: string;
}

function arguments_(argv: string[], env: NodeJS.ProcessEnv): Arguments {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      format: { type: 'string' },
      columns: { type: 'string' },
      json: { type: 'boolean', default: false },
      actor: { type: 'string' },
      concurrency: { type: 'string' },
      url: { type: 'string' },
      key: { type: 'string' },
    },
  });
  if (positionals.length !== 1) throw new UsageError('give one file to import');
  // npm runs scripts in the package's folder: a relative path is the caller's, in INIT_CWD.
  const file = resolve(env.INIT_CWD ?? '.', positionals[0]);
  const format = values.format ?? formatByName(file);
  if (format !== undefined && format !== 'ndjson' && format !== 'csv') throw new UsageError(`--format is ndjson or csv, not ${format}`);
  const concurrency = values.concurrency === undefined ? undefined : Number(values.concurrency);
  if (concurrency !== undefined && !(Number.isInteger(concurrency) && concurrency >= 1 && concurrency <= 10_000)) throw new UsageError('--concurrency takes an integer from 1 to 10000');
  if (values.actor !== undefined && !/^[\x21-\x7e]{1,64}$/.test(values.actor)) throw new UsageError('--actor takes 1 to 64 printable characters');
  const key = values.key ?? env.IMPORT_API_KEY;
  if (values.url !== undefined && key === undefined) throw new UsageError('--url needs --key (or IMPORT_API_KEY): an integrator key of the service');
  if (values.url === undefined && values.key !== undefined) throw new UsageError('--key goes with --url (without --url, the file goes into DATA_DIR directly)');
  return { file, format, columns: parseColumnMapping(values.columns), json: values.json ?? false, actor: values.actor ?? 'import', concurrency, url: values.url, key };
}

function formatByName(file: string): ImportFormat | undefined {
  const ext = extname(file).toLowerCase();
  if (ext === '.csv') return 'csv';
  if (ext === '.ndjson' || ext === '.jsonl' || ext === '.json') return 'ndjson';
  return undefined;
}

function openFile(file: string): { stream: Readable; size: number } {
  let size: number;
  try {
    const stat = statSync(file);
    if (!stat.isFile()) throw new Error('not a file');
    size = stat.size;
  } catch (error) {
    throw new ImportFileError(`cannot read ${file}: ${(error as Error).message}`);
  }
  return { stream: createReadStream(file, { highWaterMark: 1 << 20 }), size };
}

/** DATA_DIR mode: the stopped service's store, opened here. */
async function intoDataDir(args: Arguments, io: CliIo): Promise<ImportSummary> {
  const config = loadConfig(io.env);
  const { stream, size } = openFile(args.file);
  let context;
  try {
    context = await openImportContext(config);
  } catch (error) {
    stream.destroy();
    throw error;
  }
  const bar = io.stderr.isTTY ? progressBar(io.stderr, size) : undefined;
  const started = performance.now();
  try {
    return await context.importer.run(stream, {
      format: args.format,
      columns: args.columns,
      principal: { name: args.actor, role: 'integrator' },
      correlationId: `import-${randomUUID()}`,
      concurrency: args.concurrency,
      signal: io.signal,
      onProgress: (p: ImportProgress) => bar?.update(p.bytes, { lines: p.lines.toLocaleString('en-US'), refused: p.refused, rate: Math.round(p.lines / ((performance.now() - started) / 1000)).toLocaleString('en-US') }),
    });
  } finally {
    bar?.stop();
    stream.destroy();
    await context.close();
  }
}

/** Service mode: the file is posted to POST /imports of a running service. */
async function viaService(args: Arguments, io: CliIo): Promise<ImportSummary> {
  const { stream } = openFile(args.file);
  const url = new URL('/imports', args.url);
  if (Object.keys(args.columns).length > 0) url.searchParams.set('columns', Object.entries(args.columns).map(([c, f]) => `${c}=${f}`).join(','));
  const format = args.format ?? ((await firstCharacter(args.file)) === '{' ? 'ndjson' : 'csv');
  if (io.stderr.isTTY) io.stderr.write(`sending ${args.file} to ${url.origin}; the service answers when every line is done\n`);
  // Closed whatever the answer: one refused before its body was read leaves the file open otherwise.
  const answer = await new Promise<{ status: number; text: string }>((resolvePromise, reject) => {
    // agent: false: one connection of its own, closed after the answer (no keep-alive holding the service's close).
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(url, { method: 'POST', agent: false, signal: io.signal, headers: { authorization: `Bearer ${args.key}`, 'content-type': format === 'csv' ? 'text/csv' : 'application/x-ndjson' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolvePromise({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', (error) => reject(new ImportFileError(`cannot reach ${url.origin}: ${error.message}`)));
    stream.on('error', (error) => req.destroy(error));
    stream.pipe(req);
  }).finally(() => closeStream(stream));
  let body: ImportSummary & { detail?: string; code?: string };
  try {
    body = JSON.parse(answer.text);
  } catch {
    body = {} as typeof body;
  }
  if (answer.status === 200) return body;
  const message = `the service answered ${answer.status} ${body.code ?? ''}: ${body.detail ?? answer.text.slice(0, 200)}`;
  if (answer.status < 500) throw new ImportFileError(message);
  throw new Error(message);
}

/** Destroys `stream` and resolves once its file is closed. */
function closeStream(stream: Readable): Promise<void> {
  return new Promise((done) => {
    if (stream.closed) return done();
    stream.once('close', () => done());
    stream.destroy();
  });
}

async function firstCharacter(file: string): Promise<string> {
  for await (const chunk of createReadStream(file, { start: 0, end: 1023, encoding: 'utf8' })) return String(chunk).replace(/^\uFEFF/, '').trimStart()[0] ?? '';
  return '';
}

function progressBar(stream: NodeJS.WritableStream, total: number): SingleBar {
  const bar = new SingleBar({
    format: 'importing |{bar}| {percentage}% | {lines} lines | {rate} lines/s | {refused} refused | ETA {eta_formatted}',
    stream,
    hideCursor: true,
    etaBuffer: 40,
    fps: 5,
  });
  bar.start(total, 0, { lines: '0', refused: 0, rate: '0' });
  return bar;
}

const number = (n: number) => n.toLocaleString('en-US');
const SHOWN_REFUSALS = 50;

/** The summary for a person: counts, rate, then the refused lines with their reasons. */
export function describe(s: ImportSummary): string {
  const seconds = s.durationMs / 1000;
  const perMinute = seconds > 0 ? Math.round((s.dossiers / seconds) * 60) : 0;
  const out = [
    `${s.interrupted ? 'Interrupted after' : 'Read'} ${number(s.lines)} lines in ${seconds.toFixed(1)} s: ${number(s.imported)} commands imported (${number(s.dossiers)} new dossiers, ${number(perMinute)} dossiers/min), ${number(s.alreadyImported)} already imported by an earlier run, ${number(s.refused)} refused.`,
  ];
  if (s.refused > 0) {
    out.push('Refused lines:');
    for (const r of s.refusedLines.slice(0, SHOWN_REFUSALS)) {
      out.push(`  line ${r.line}${r.dossierId !== undefined ? ` ${r.dossierId}` : ''}${r.command ? ` ${r.command}` : ''}: ${r.code} ${r.detail}`);
    }
    if (s.refusedLines.length > SHOWN_REFUSALS) out.push(`  ... and ${number(s.refusedLines.length - SHOWN_REFUSALS)} more (all of them with --json)`);
  }
  if (s.interrupted) out.push('Run the same command again to go on: what was imported is not imported twice.');
  return `${out.join('\n')}\n`;
}

if (process.argv[1] && /import-cli\.(ts|js)$/.test(process.argv[1])) {
  const controller = new AbortController();
  // The first Ctrl-C stops reading and lets the lines under way finish; a second one ends at once.
  process.once('SIGINT', () => {
    controller.abort();
    process.once('SIGINT', () => process.exit(130));
  });
  runImportCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env, signal: controller.signal }).then(
    // Not process.exit: a summary piped to another program would be cut short.
    (code) => (process.exitCode = code),
    (error: unknown) => {
      process.stderr.write(`import failed: ${String(error)}\n`);
      process.exit(3);
    },
  );
}
