/**
 * The live read-model file is written without fsync where the machine's boot can be told: a crash of
 * the process keeps it (the system has every write), a stop of the machine while it was open empties
 * it, to be rebuilt from the log (read-models-schema.ts).
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeReadModelsDb, openReadModelsDb } from '../../src/projections/read-models-schema.js';

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'rm-durability-'));
  file = join(dir, 'read-models.db');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A checkpoint and a registered model's row, as a running service leaves them. */
function written(bootId: string): Database.Database {
  const db = openReadModelsDb(file, 'live', bootId);
  db.exec("INSERT OR REPLACE INTO meta (key, value) VALUES ('checkpoint', '42'); CREATE TABLE model_rows (n INTEGER); INSERT INTO model_rows VALUES (7);");
  return db;
}

function state(bootId: string): { checkpoint: string | undefined; modelRows: boolean; synchronous: unknown } {
  const db = openReadModelsDb(file, 'live', bootId);
  try {
    return {
      checkpoint: db.prepare<[], { value: string }>("SELECT value FROM meta WHERE key = 'checkpoint'").get()?.value,
      modelRows: db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'model_rows'").get() !== undefined,
      synchronous: db.pragma('synchronous', { simple: true }),
    };
  } finally {
    closeReadModelsDb(db);
  }
}

describe('the live read-model file, written without fsync', () => {
  it('is written without fsync once opened (synchronous OFF) where the boot can be told, with NORMAL where not', () => {
    closeReadModelsDb(written('boot-A'));
    expect(state('boot-A').synchronous).toBe(0);
    expect(state('').synchronous).toBe(1);
  });

  it('opens as it was after a clean close, under another boot of the machine', () => {
    closeReadModelsDb(written('boot-A'));
    expect(state('boot-B')).toMatchObject({ checkpoint: '42', modelRows: true });
  });

  it('opens as it was after the process stopped without closing it, under the same boot', () => {
    written('boot-A').close(); // SQLite's close only: the service's mark of a clean close is not written
    expect(state('boot-A')).toMatchObject({ checkpoint: '42', modelRows: true });
  });

  it('is emptied, every table, when the machine stopped while it was open: the read models are rebuilt from the log', () => {
    written('boot-A').close();
    expect(state('boot-B')).toMatchObject({ checkpoint: undefined, modelRows: false });
    // Opened (and marked) under the new boot, then closed: kept from then on.
    expect(state('boot-C')).toMatchObject({ checkpoint: undefined, modelRows: false });
  });
});
