import { describe, expect, it } from '@jest/globals';
import { runScriptResult } from '../support/run-script.js';
import { tempDir } from './support/store.js';

describe('worker threads: the log reader and writer of a rebuild', () => {
  it('write the same table and build the same index as batches applied in one thread, read-backs included, and keep it across a restart', async () => {
    const tmp = tempDir();
    try {
      const result = await runScriptResult<Record<string, Record<string, unknown>>>('test/projections/support/worker-writers.ts', [tmp.dir]);
      expect(result.direct).toEqual({ thread: 'worker', readBack: expect.any(Number), sameTable: true, sameReports: true });
      expect(result.direct.readBack).toBeGreaterThan(0);
      expect(result.projector).toEqual({
        writer: 'worker', logPages: 'worker', logHeldAgain: true, checkpointIsHead: true, sameTable: true, sameReports: true,
        quarantined: ['dossier-poison-live', 'dossier-poison-rebuild'],
      });
      expect(result.restart).toEqual({ sameTable: true, sameReports: true, quarantined: 2 });
      expect(result.logReader).toEqual({ thread: 'worker', events: 300, sameLog: true });
    } finally {
      tmp.remove();
    }
  }, 60_000);
});
