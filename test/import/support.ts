import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { SqliteEventStore } from '../../src/event-store/sqlite/sqlite-event-store.js';
import type { RecordedEvent } from '../../src/event-store/event-store.port.js';
import { runImportCli } from '../../src/import/import-cli.js';
import { startTestApp, tempDataDir } from '../support/test-app.js';

/** A stopped service's data directory: the demo province's catalog, the test keys, no dossier yet. */
export async function demoDataDir(): Promise<string> {
  const t = await startTestApp({ OVERDUE_WATCHER: 'false' });
  await t.close();
  return t.config.dataDir;
}

/** A file in a temporary folder of its own. */
export function fileWith(name: string, text: string): string {
  const file = join(tempDataDir('import-file-'), name);
  writeFileSync(file, text);
  return file;
}

export const ndjson = (lines: unknown[]) => lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') + '\n';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** `npm run import -- ...args` in this process, on a data directory (DATA_DIR mode unless --url). */
export async function importCli(args: string[], dataDir: string, signal?: AbortSignal, terminal = false): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const sink = (append: (s: string) => void) =>
    new Writable({
      write(chunk, _encoding, done) {
        append(String(chunk));
        done();
      },
    });
  const code = await runImportCli(args, {
    stdout: sink((s) => (stdout += s)),
    stderr: Object.assign(sink((s) => (stderr += s)), { isTTY: terminal }),
    env: { DATA_DIR: dataDir, LOG_LEVEL: 'silent' },
    signal,
  });
  return { code, stdout, stderr };
}

/** The events of the data directory's store (the service must be stopped). */
export async function storedEvents(dataDir: string, prefix = 'dossier-'): Promise<RecordedEvent[]> {
  const store = SqliteEventStore.open({ file: join(dataDir, 'events.db') });
  try {
    return await store.readAll({ streamPrefixes: [prefix] });
  } finally {
    await store.close();
  }
}

/** What two imports of the same history must agree on: everything but ids, recorded instants and who and how. */
export function comparable(events: RecordedEvent[]): unknown[] {
  return events
    .map((e) => ({ streamId: e.streamId, revision: e.revision, type: e.type, data: e.data, occurredAt: e.metadata.occurredAt }))
    .sort((a, b) => (a.streamId === b.streamId ? a.revision - b.revision : a.streamId < b.streamId ? -1 : 1));
}
