import { EsdbEventStore } from '../../src/event-store/esdb/esdb-event-store.js';
import { describeEventStoreContract } from './contract.js';

/**
 * Runs the contract against a real EventStoreDB / KurrentDB (23.10 or later) when
 * ESDB_CONNECTION_STRING is set, e.g. after `docker compose -f docker/compose.yml up -d eventstore`:
 *   ESDB_CONNECTION_STRING='esdb://localhost:2113?tls=false' npm test -- test/event-store
 * Stream names carry the run's start time, so a shared server is fine.
 * Without a server the suite is declared but skipped, so that the runner's summary (and .ci/run's
 * "N skipped") shows the adapter's contract as not run rather than as passed.
 */
const connectionString = process.env.ESDB_CONNECTION_STRING;

describeEventStoreContract('EventStoreDB', {
  open: async () => EsdbEventStore.connect(connectionString!),
  // The child process reads ESDB_CONNECTION_STRING itself, so the string is not in its argv.
  child: { kind: 'esdb', target: '-' },
  capabilities: { gaplessPositions: false, exclusiveLog: false, linearizableCaughtUp: false },
  skip: connectionString ? undefined : 'ESDB_CONNECTION_STRING is not set, no EventStoreDB server to run against (see docker/README.md)',
});
