/**
 * Child process for the crash test of the contract suite: appends one event at a time to one
 * stream and prints `<revision> <position>` on stdout after each append is acknowledged.
 * The parent kills it with SIGKILL part-way and checks that every printed append survived.
 *
 *   node --import ./test/support/register-ts.mjs test/event-store/append-loop.ts \
 *     <sqlite|esdb> <file|connection string|-> <stream id> [seed] [max appends]
 *
 * For esdb, `-` as the target means the ESDB_CONNECTION_STRING environment variable.
 */
import type { EventStore } from '../../src/event-store/event-store.port.js';
import { seededRandom, uuidFrom } from './contract-support.js';

async function open(kind: string, target: string): Promise<EventStore> {
  if (kind === 'sqlite') {
    const { SqliteEventStore } = await import('../../src/event-store/sqlite/sqlite-event-store.js');
    return SqliteEventStore.open({ file: target });
  }
  if (kind === 'esdb') {
    const connectionString = target === '-' ? process.env.ESDB_CONNECTION_STRING : target;
    if (!connectionString) throw new Error('esdb needs a connection string or ESDB_CONNECTION_STRING');
    const { EsdbEventStore } = await import('../../src/event-store/esdb/esdb-event-store.js');
    return EsdbEventStore.connect(connectionString);
  }
  throw new Error(`unknown adapter kind "${kind}"`);
}

async function main(): Promise<void> {
  const [kind, target, streamId, seed = '1', max = '100000'] = process.argv.slice(2);
  if (!kind || !target || !streamId) throw new Error('usage: append-loop.ts <sqlite|esdb> <target> <stream id> [seed] [max]');
  const random = seededRandom(Number(seed));
  const store = await open(kind, target);
  for (let i = 0; i < Number(max); i++) {
    const result = await store.append(
      streamId,
      [{ id: uuidFrom(random), type: 'Ticked', data: { i } }],
      i === 0 ? 'no_stream' : i - 1,
    );
    // A pipe write is synchronous on Linux: once this returns, the parent can see the line.
    process.stdout.write(`${result.events[0].revision} ${result.events[0].position}\n`);
  }
  await store.close();
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
