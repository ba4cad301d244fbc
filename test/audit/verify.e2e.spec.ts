import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { rmSync } from 'node:fs';
import { Sealer } from '../../src/audit/sealer.js';
import { type LogSealed, SEAL_STREAM } from '../../src/audit/hash-chain.js';
import { EVENT_STORE, type EventStore } from '../../src/event-store/event-store.port.js';
import { APP_CONFIG } from '../../src/config.js';
import { CLOCK } from '../../src/common/clock.js';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { type AuditedLog, auditedLog, NO_AUTO_SEAL, rewriteWithHashes, swapPositions, tampered, verifyOver, vn } from './support.js';

describe('GET /audit/verify: the tamper-evident log (issue 26)', () => {
  let log: AuditedLog;
  const dirs: string[] = [];
  const tamper = (change: Parameters<typeof tampered>[1]) => {
    const dir = tampered(log, change);
    dirs.push(dir);
    return dir;
  };

  beforeAll(async () => {
    log = await auditedLog();
    dirs.push(log.dir);
  });
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('verifies an untouched log: every event chained from the first, two seals, the head and its hash', async () => {
    const { status, body } = await verifyOver(log.dir);
    expect(status).toBe(200);
    expect(body).toMatchObject({ verified: true, events: log.head, chainStartsAt: 1, unchained: 0, seals: 2, sealedTo: log.seals[1].toPosition });
    expect(body.head).toEqual({ position: log.head, hash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(body).not.toHaveProperty('firstBadPosition');
    expect(log.seals[0]).toMatchObject({ fromPosition: 1 });
    expect(log.seals[1].fromPosition).toBe(log.seals[0].toPosition + 1);
  });

  it("names an event whose data was edited in the file", async () => {
    const at = log.positions['HS-B'][0];
    const dir = tamper((db) => db.prepare("UPDATE events SET data = json_set(data, '$.channel', 'direct') WHERE position = ?").run(at));
    const { body } = await verifyOver(dir);
    expect(body).toMatchObject({ verified: false, firstBadPosition: at, events: at - 1, problem: expect.stringContaining('altered') });
  });

  it('names the position of a deleted event', async () => {
    const at = log.positions['HS-D'][0];
    const dir = tamper((db) => db.prepare('DELETE FROM events WHERE position = ?').run(at));
    const { body } = await verifyOver(dir);
    expect(body).toMatchObject({ verified: false, firstBadPosition: at, problem: expect.stringContaining('removed') });
  });

  it("names the log's first position when it was deleted", async () => {
    const dir = tamper((db) => db.prepare('DELETE FROM events WHERE position = 1').run());
    const { body } = await verifyOver(dir);
    expect(body).toMatchObject({ verified: false, firstBadPosition: 1, events: 0 });
  });

  it("names a stream's events swapped in the log", async () => {
    const [received, transferred] = log.positions['HS-A'];
    const dir = tamper((db) => swapPositions(db, received, transferred));
    const { body } = await verifyOver(dir);
    expect(body).toMatchObject({ verified: false, firstBadPosition: received, problem: expect.stringContaining('HS-A') });
  });

  it("names the sealed range of two dossiers' events swapped in the log (their own chains still hold)", async () => {
    const [d, e] = [log.positions['HS-D'][0], log.positions['HS-E'][0]];
    const dir = tamper((db) => swapPositions(db, d, e));
    const { body } = await verifyOver(dir);
    expect(body).toMatchObject({ verified: false, firstBadPosition: log.seals[1].fromPosition, problem: expect.stringContaining('reordered') });
    expect(d).toBeGreaterThanOrEqual(log.seals[1].fromPosition);
  });

  it('names the sealed range of an event edited with its hashes written again', async () => {
    const at = log.positions['HS-A'][0];
    const dir = tamper((db) => rewriteWithHashes(db, at, (data) => (data.receivedAt = '2025-03-04T01:00:00.000Z')));
    const { body } = await verifyOver(dir);
    expect(body).toMatchObject({ verified: false, firstBadPosition: log.seals[0].fromPosition, problem: expect.stringContaining(`seal`) });
  });

  it('verifies a range from the seal before it, and refuses a range that is not one', async () => {
    const from = log.positions['HS-F'][0];
    const { body } = await verifyOver(log.dir, `?from=${from}`);
    expect(body).toMatchObject({ verified: true, events: log.head - log.seals[1].toPosition, head: { position: log.head } });
    const t = await startTestApp(NO_AUTO_SEAL, log.dir);
    try {
      const bad = await t.as('auditor').get('/audit/verify?from=9&to=3');
      expect(bad.status).toBe(400);
      expect(bad.body.code).toBe('VALIDATION_FAILED');
      expect((await t.as('auditor').get('/audit/verify?from=abc')).body.errors).toEqual([{ field: 'from', message: expect.any(String) }]);
      expect((await t.as('supervisor').get('/audit/verify')).status).toBe(403);
    } finally {
      await t.close();
    }
  });
});

describe('the sealer', () => {
  const receive = (t: TestApp, id: string) =>
    t.as('integrator').post('/dossiers').send({ dossierId: id, procedureCode: 'DN-THANHLAP', unitId: 'TTPVHCC', channel: 'online', receivedAt: vn('2025-03-03', '08:00') });
  const seals = async (t: TestApp) => (await t.app.get<EventStore>(EVENT_STORE).readStream(SEAL_STREAM)).map((e) => e.data as unknown as LogSealed);
  /** Waits for the seals to reach `count` (the sealer works beside the requests that trigger it). */
  const sealsReach = async (t: TestApp, count: number) => {
    for (let i = 0; i < 500 && (await seals(t)).length < count; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    return seals(t);
  };

  it('seals at start and every AUDIT_SEAL_EVERY_EVENTS events, from the first event, without a seal of seals alone', async () => {
    const t = await startTestApp({ ...NO_AUTO_SEAL, AUDIT_SEAL_EVERY_EVENTS: '3' });
    try {
      // The start sealed the reference data it found, three events a seal at most, one after the other.
      const store = t.app.get<EventStore>(EVENT_STORE);
      const sealedPositions = (await store.readAll()).filter((e) => e.streamId !== SEAL_STREAM).map((e) => e.position);
      const referenceData = Math.max(...sealedPositions);
      let atStart = await seals(t);
      for (let i = 0; i < 500 && !atStart.some((s) => s.toPosition >= referenceData); i++) {
        await new Promise((resolve) => setTimeout(resolve, 10));
        atStart = await seals(t);
      }
      expect(atStart.length).toBeGreaterThanOrEqual(referenceData / 3);
      expect(atStart[0]).toMatchObject({ fromPosition: 1, hash: expect.stringMatching(/^[0-9a-f]{64}$/) });
      for (const [i, s] of atStart.entries()) {
        // Three events at most besides seals (those of the seals before it)
        expect(sealedPositions.filter((p) => p >= s.fromPosition && p <= s.toPosition).length).toBeLessThanOrEqual(3);
        if (i > 0) expect(s.fromPosition).toBe(atStart[i - 1].toPosition + 1);
      }
      const last = atStart[atStart.length - 1];
      // Three receptions make the next seal.
      const receipts = [];
      for (const id of ['HS-1', 'HS-2', 'HS-3']) receipts.push(await receive(t, id));
      const all = await sealsReach(t, atStart.length + 1);
      expect(all.slice(atStart.length)).toEqual([expect.objectContaining({ fromPosition: last.toPosition + 1, toPosition: receipts[2].body.position })]);
      expect(await t.app.get(Sealer).sealNow()).toBeUndefined(); // only the seals themselves came since
      expect((await t.as('auditor').get('/audit/verify')).body).toMatchObject({ verified: true, seals: all.length });
      expect((await t.as('auditor').get('/projections/status')).body.quarantined).toMatchObject({ count: 0 });
    } finally {
      await t.close({ remove: true });
    }
  });

  it('seals a store other than the embedded one (EventStoreDB) from readAll: the seal verifies', async () => {
    const t = await startTestApp(NO_AUTO_SEAL);
    try {
      for (const id of ['HS-A', 'HS-B']) expect((await receive(t, id)).status).toBe(201);
      const store = t.app.get<EventStore>(EVENT_STORE);
      // Not the embedded store's class: the sealer reads the log through the port, as on EventStoreDB.
      const viaPort: EventStore = {
        append: (...a) => store.append(...a),
        readStream: (...a) => store.readStream(...a),
        readAll: (...a) => store.readAll(...a),
        readAllData: (...a) => store.readAllData(...a),
        readAllDataPages: (...a) => store.readAllDataPages(...a),
        subscribeToAll: (...a) => store.subscribeToAll(...a),
        subscribeToAllData: (...a) => store.subscribeToAllData(...a),
        headPosition: () => store.headPosition(),
        ping: () => store.ping(),
        close: async () => undefined,
      };
      const seal = await new Sealer(viaPort, t.app.get(APP_CONFIG), t.app.get(CLOCK)).sealNow();
      const head = (await store.readAll()).filter((e) => e.streamId !== SEAL_STREAM).at(-1)!.position;
      expect(seal).toMatchObject({ fromPosition: 1, toPosition: head });
      expect((await t.as('auditor').get('/audit/verify')).body).toMatchObject({ verified: true, seals: 1, sealedTo: head });
    } finally {
      await t.close({ remove: true });
    }
  });

  it('a start seals what was appended before it', async () => {
    const first = await startTestApp(NO_AUTO_SEAL);
    for (const id of ['HS-A', 'HS-B']) expect((await receive(first, id)).status).toBe(201);
    await first.close();
    const t = await startTestApp({ ...NO_AUTO_SEAL, AUDIT_SEAL_EVERY_EVENTS: '1000' }, first.config.dataDir);
    try {
      const [seal] = await sealsReach(t, 1);
      expect(seal).toMatchObject({ fromPosition: 1 });
      expect((await t.as('auditor').get('/audit/verify')).body).toMatchObject({ verified: true, seals: 1, sealedTo: seal.toPosition });
    } finally {
      await t.close({ remove: true });
    }
  });

  it('seals a log written before the chain existed from its first chained event, and verification says where the chain starts', async () => {
    const first = await startTestApp(NO_AUTO_SEAL);
    expect((await receive(first, 'HS-OLD')).status).toBe(201);
    await first.close();
    const dir = first.config.dataDir;
    const db = new Database(join(dir, 'events.db'));
    const legacy = db.prepare("UPDATE events SET metadata = json_remove(metadata, '$.hash')").run().changes;
    db.close();
    const t = await startTestApp(NO_AUTO_SEAL, dir);
    try {
      const res = await receive(t, 'HS-NEW');
      const seal = await t.app.get(Sealer).sealNow();
      expect(seal).toMatchObject({ fromPosition: res.body.position, toPosition: res.body.position });
      expect((await t.as('auditor').get('/audit/verify')).body).toMatchObject({ verified: true, chainStartsAt: res.body.position, unchained: legacy, seals: 1 });
    } finally {
      await t.close({ remove: true });
    }
  });
});
