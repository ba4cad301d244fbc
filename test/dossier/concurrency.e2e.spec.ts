import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { auth, startTestApp, type TestApp } from '../support/test-app.js';

const vn = (date: string, time: string) => `${date}T${time}:00+07:00`;
const UNITS = ['VPDKDD', 'TTPVHCC', 'STNMT', 'SXD', 'STP'];

describe('50 concurrent commands against one dossier', () => {
  let t: TestApp;
  const integrator = auth('integrator');
  beforeAll(async () => {
    t = await startTestApp({ OVERDUE_WATCHER: 'false' });
  });
  afterAll(() => t.close({ remove: true }));

  async function history(id: string) {
    return (await t.http.get(`/dossiers/${id}/events`).set(auth('auditor'))).body as { type: string; revision: number; data: { toUnitId?: string }; metadata: { commandId: string } }[];
  }

  it('with If-Match: each succeeds or gets 412; every acknowledged command is in the history, in revision order', async () => {
    const id = 'HS-CONC-1';
    await t.http.post('/dossiers').set(integrator).send({ dossierId: id, procedureCode: 'DD-CAPLANDAU', unitId: 'TTPVHCC', channel: 'direct', receivedAt: vn('2025-03-03', '08:00') });
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        t.http.post(`/dossiers/${id}/transfer`).set(integrator).set('If-Match', '0').send({ toUnitId: UNITS[i % UNITS.length] === 'TTPVHCC' ? 'SXD' : UNITS[i % UNITS.length], occurredAt: vn('2025-03-04', '08:00') }),
      ),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.every((s) => s === 200 || s === 412)).toBe(true);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    const events = await history(id);
    expect(events.map((e) => e.revision)).toEqual([0, 1]);
  });

  it('without If-Match: conflicts are retried on the new state; each succeeds or gets 409, none is lost', async () => {
    const id = 'HS-CONC-2';
    await t.http.post('/dossiers').set(integrator).send({ dossierId: id, procedureCode: 'DD-CAPLANDAU', unitId: 'TTPVHCC', channel: 'direct', receivedAt: vn('2025-03-03', '08:00') });
    // Transfers ping-pong between two units: whichever order they land in, each is legal or a 409.
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        t.http.post(`/dossiers/${id}/transfer`).set(integrator).send({ toUnitId: i % 2 === 0 ? 'VPDKDD' : 'TTPVHCC', occurredAt: vn('2025-03-04', '08:00') }),
      ),
    );
    const ok = results.filter((r) => r.status === 200);
    expect(results.every((r) => r.status === 200 || r.status === 409)).toBe(true);
    expect(ok.length).toBeGreaterThan(1);
    const events = await history(id);
    expect(events.map((e) => e.revision)).toEqual(events.map((_, i) => i));
    // Every acknowledged command's revision holds an event, and no revision is used twice.
    const acknowledged = ok.map((r) => r.body.revision as number).sort((a, b) => a - b);
    expect(new Set(acknowledged).size).toBe(acknowledged.length);
    expect(events.length).toBe(1 + ok.length);
    for (const r of ok) expect(events[r.body.revision].data.toUnitId).toBe(r.body.currentUnitId);
    // Consecutive transfers never go to the unit already holding the dossier.
    const transfers = events.slice(1).map((e) => e.data.toUnitId);
    transfers.forEach((u, i) => expect(u).not.toBe(i === 0 ? 'TTPVHCC' : transfers[i - 1]));
  });
});
