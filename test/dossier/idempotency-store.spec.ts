import { afterEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config.js';
import { IdempotencyStore, type StoredAnswer } from '../../src/dossier/idempotency/idempotency.store.js';

/** The answers to keyed commands are group-committed: each put resolves once its record is on disk. */
describe('idempotency store', () => {
  const dirs: string[] = [];
  const open = (dir?: string) => {
    const dataDir = dir ?? mkdtempSync(join(tmpdir(), 'idempotency-'));
    if (!dir) dirs.push(dataDir);
    return { dataDir, store: new IdempotencyStore(loadConfig({ DATA_DIR: dataDir })) };
  };
  const answer = (n: number): StoredAnswer => ({ requestHash: `hash-${n}`, status: 201, body: { dossierId: `HS-${n}`, revision: 0, steps: [{ unitId: 'U' }] } });
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('answers put in one turn are found at once, and are on disk when their puts resolve', async () => {
    const { dataDir, store } = open();
    const puts = Array.from({ length: 20 }, (_, n) => store.put('gateway', `k-${n}`, answer(n)));
    expect(store.get('gateway', 'k-7')).toEqual(answer(7));
    expect(store.get('other-actor', 'k-7')).toBeUndefined();
    await Promise.all(puts);
    const reopened = open(dataDir).store;
    for (let n = 0; n < 20; n++) expect(reopened.get('gateway', `k-${n}`)).toEqual(answer(n));
    reopened.onApplicationShutdown();
    store.onApplicationShutdown();
  });

  it('the first answer for a key is kept, pending or written', async () => {
    const { store } = open();
    const first = store.put('gateway', 'k', answer(1));
    const second = store.put('gateway', 'k', answer(2));
    expect(store.get('gateway', 'k')).toEqual(answer(1));
    await Promise.all([first, second]);
    await store.put('gateway', 'k', answer(3));
    expect(store.get('gateway', 'k')).toEqual(answer(1));
    store.onApplicationShutdown();
  });

  it('a pending answer is handed out as a copy (what a reader does to it is not recorded)', async () => {
    const { store } = open();
    const put = store.put('gateway', 'k', answer(1));
    (store.get('gateway', 'k')!.body as { dossierId: string }).dossierId = 'changed';
    await put;
    expect(store.get('gateway', 'k')).toEqual(answer(1));
    store.onApplicationShutdown();
  });

  it('shutting down writes what is pending; a put after that is refused', async () => {
    const { dataDir, store } = open();
    const put = store.put('gateway', 'k', answer(1));
    store.onApplicationShutdown();
    await put;
    await expect(store.put('gateway', 'late', answer(2))).rejects.toThrow('closed');
    const reopened = open(dataDir).store;
    expect(reopened.get('gateway', 'k')).toEqual(answer(1));
    expect(reopened.get('gateway', 'late')).toBeUndefined();
    reopened.onApplicationShutdown();
  });
});
