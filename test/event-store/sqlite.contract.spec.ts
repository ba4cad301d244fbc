import { afterAll } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '../../src/event-store/sqlite/sqlite-event-store.js';
import { describeEventStoreContract } from './contract.js';

const dir = mkdtempSync(join(tmpdir(), 'sqlite-contract-'));
const file = join(dir, 'events.db');

describeEventStoreContract('SQLite', {
  open: async () => SqliteEventStore.open({ file }),
  child: { kind: 'sqlite', target: file },
  capabilities: { gaplessPositions: true, exclusiveLog: true, linearizableCaughtUp: true },
});

// Runs after the suite's own afterAll, which closes its stores.
afterAll(() => rmSync(dir, { recursive: true, force: true }));
