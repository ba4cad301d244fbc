import { describe, expect, it } from '@jest/globals';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { ReadModels } from '../../src/projections/read-models.js';
import { newDossierRows as rows } from './support/rows.js';
import { tempDir } from './support/store.js';

const walBytes = (file: string) => statSync(`${file}-wal`).size;

describe('the live writer\'s deferred checkpoints (ReadModels.checkpointIfDue)', () => {
  it('leave commits to grow the log, past SQLite\'s 1,000 pages, until asked once 2,000 rows were committed; then the log is reused', () => {
    const tmp = tempDir();
    const file = join(tmp.dir, 'read-models.db');
    const models = ReadModels.open(file, { deferCheckpoints: true });
    try {
      models.commitRows(rows(1, 1000), 1000);
      expect(models.checkpointIfDue()).toBe(false); // 1,000 rows: not yet
      let size = walBytes(file);
      for (let batch = 1; batch < 8; batch++) {
        models.commitRows(rows(batch * 1000 + 1, 1000), (batch + 1) * 1000);
        // No checkpoint within the commits: the log grows with each (8,000 rows are over 1,000 pages).
        expect(walBytes(file)).toBeGreaterThan(size);
        size = walBytes(file);
      }
      expect(models.checkpointIfDue()).toBe(true);
      expect(models.checkpointIfDue()).toBe(false); // counted again from zero
      // The log was copied into the file: the next commit writes it from its start again.
      models.commitRows(rows(8001, 1000), 9000);
      expect(walBytes(file)).toBe(size);
      expect(models.dump().dossiers).toHaveLength(9000);
    } finally {
      models.close();
      tmp.remove();
    }
  });

  it('are not made for a file opened without them: SQLite checkpoints within the commits, as before', () => {
    const tmp = tempDir();
    const file = join(tmp.dir, 'read-models.db');
    const models = ReadModels.open(file);
    try {
      models.commitRows(rows(1, 1000), 1000);
      const oneBatch = walBytes(file);
      for (let batch = 1; batch < 20; batch++) {
        models.commitRows(rows(batch * 1000 + 1, 1000), (batch + 1) * 1000);
        expect(models.checkpointIfDue()).toBe(false);
      }
      // SQLite's automatic checkpoints keep the log reused: far from twenty batches' worth.
      expect(walBytes(file)).toBeLessThan(10 * oneBatch);
      expect(models.dump().dossiers).toHaveLength(20_000);
    } finally {
      models.close();
      tmp.remove();
    }
  });
});
