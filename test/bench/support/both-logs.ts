/**
 * Run by bulk-log.spec.ts on the TypeScript sources, in a process of its own (the workload is
 * generated in a worker thread, which loads them only with the loader the process starts with):
 *   node --import ./test/support/register-ts.mjs test/bench/support/both-logs.ts <dir> <dossiers>
 * Writes the benchmark's workload both ways and prints one line `RESULT <json>` with what the spec checks.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { writeLogInBulk } from '../../../bench/bulk-log.js';
import { appendThroughStore } from '../../../bench/load-province.js';
import { verifyLog } from '../../../src/audit/verify-log.js';
import { SqliteEventStore } from '../../../src/event-store/sqlite/sqlite-event-store.js';

const [dir, dossiers] = [process.argv[2], Number(process.argv[3])];
const workload = { seed: 7, dossiers };
const appendedFile = join(dir, 'appended.db');
const bulkFile = join(dir, 'bulk.db');

const tally = await appendThroughStore(appendedFile, workload);
const bulk = await writeLogInBulk(bulkFile, workload);

/** Every column but `created`, the commit's wall-clock instant. */
const rows = (file: string) => {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare('SELECT position, stream_id, revision, event_id, type, data, metadata FROM events ORDER BY position').raw(true).all() as unknown[][];
  } finally {
    db.close();
  }
};
const appended = rows(appendedFile);
const written = rows(bulkFile);
const firstDifference = appended.findIndex((row, i) => !isDeepStrictEqual(row, written[i]));

const store = SqliteEventStore.open({ file: bulkFile, synchronous: 'normal' });
const verification = await verifyLog(store, { gapless: true });
await store.close();

const result = {
  events: { appended: appended.length, bulk: written.length, tally: tally.events, bulkCount: bulk.events },
  sameTally: isDeepStrictEqual(tally, bulk.tally),
  firstDifference,
  hashed: written.every((row) => /"hash":"[0-9a-f]{64}"}$/.test(String(row[6]))),
  verification: { verified: verification.verified, events: verification.events, problem: verification.problem },
};
process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
