/**
 * Run by sqlite-checkpoints.spec.ts on the TypeScript sources, in a process of its own: a worker
 * thread can load them only with the loader the process starts with, which Jest's do not have.
 *   node --import ./test/support/register-ts.mjs test/event-store/support/checkpoints.ts <dir>
 * Prints one line `RESULT <json>` with what the spec checks.
 */
import Database from 'better-sqlite3';
import { fsync, statSync } from 'node:fs';
import { join } from 'node:path';
import { SqliteEventStore } from '../../../src/event-store/sqlite/sqlite-event-store.js';

const dir = process.argv[2];
const file = join(dir, 'events.db');
let flushes = 0;
const store = SqliteEventStore.open({
  file,
  syncFile: (fd, done) => {
    flushes += 1;
    fsync(fd, done);
  },
});
await store.checkpointer!.started;

let n = 0;
const event = () => {
  n += 1;
  return { id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`, type: 'Tested', data: { n, text: 'x'.repeat(200) } };
};
/** `rounds` turns of `together` appends to new streams (group-committed), then as many one by one. */
async function appendSome(rounds: number, together: number): Promise<number> {
  let commits = 0;
  for (let r = 0; r < rounds; r++) {
    await Promise.all(Array.from({ length: together }, () => store.append(`s-${n}`, [event()], 'no_stream')));
    await store.append(`s-${n}`, [event()], 'no_stream');
    commits += 2;
  }
  return commits;
}

const wal = `${file}-wal`;
const commits1 = await appendSome(150, 20);
const logAfterFirst = statSync(wal).size;
const commits2 = await appendSome(150, 20);
const logAfterSecond = statSync(wal).size;
const stats = { ...store.checkpointer!.stats };
const flushesFewerThanCommits = flushes < commits1 + commits2;

// A reader on an older snapshot (say a rebuild's log reader) keeps part of the log from being
// copied: such a checkpoint proves nothing, and every commit is flushed by the store itself.
const reader = new Database(file, { readonly: true });
reader.prepare('BEGIN').run();
reader.prepare('SELECT count(*) FROM events').get();
const flushesBefore = flushes;
const commits3 = await appendSome(100, 20);
const whileReading = { flushedEveryCommit: flushes - flushesBefore === commits3, incomplete: store.checkpointer!.stats.incomplete };
reader.prepare('COMMIT').run();
reader.close();
await store.close();

const db = new Database(file, { readonly: true });
const stored = (db.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n;
const integrity = db.pragma('integrity_check', { simple: true });
db.close();

const result = {
  stats,
  whileReading,
  appended: n,
  stored,
  integrity,
  flushesFewerThanCommits,
  // Started over after each checkpoint, the log stays about as big; never started over, it doubles.
  logBounded: logAfterSecond < 1.5 * logAfterFirst,
};
console.log(`RESULT ${JSON.stringify(result)}`);
