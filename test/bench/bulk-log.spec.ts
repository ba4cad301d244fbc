import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runScriptResult } from '../support/run-script.js';

describe("the benchmark's bulk log writer", () => {
  it('writes what appending the same workload through the store writes: positions, streams, revisions, ids, data, metadata and hashes; the audit verifies it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bulk-log-test-'));
    try {
      const result = await runScriptResult<Record<string, unknown>>('test/bench/support/both-logs.ts', [dir, '2000']);
      const events = result.events as Record<string, number>;
      // The dossiers' events (the tally), after the calendar, units and procedures.
      expect(events.tally).toBeGreaterThan(8000);
      expect(events.appended).toBeGreaterThan(events.tally);
      expect(events).toEqual({ ...events, bulk: events.appended, bulkCount: events.appended });
      expect(result).toMatchObject({ sameTally: true, firstDifference: -1, hashed: true, verification: { verified: true, events: events.appended } });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
