/**
 * Issue 21, finding 6: a key limited to some units must not learn whether, when or where another
 * unit's dossier exists. For every dossier route and option, the answer for an existing dossier
 * of another unit is compared, byte for byte once the id is swapped, with the answer for an id
 * that does not exist; and the same requests on a dossier of the key's own units still work.
 *
 * Unit tree:  P ─┬─ D01 ─┬─ C0101      the scoped keys reach D01 and below
 *                │       └─ C0102
 *                └─ D02 ─┬─ C0201      OUT-DOSSIER-1 lives here (received at C0201, moved to C0202)
 *                        └─ C0202
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Response } from 'supertest';
import { EVENT_STORE, type EventStore } from '../../src/event-store/event-store.port.js';
import { auth, startTestApp, type TestApp } from '../support/test-app.js';

const vn = (date: string, time: string) => `${date}T${time}:00+07:00`;
/** Same length on purpose: the two answers must match in every header, Content-Length included. */
const OUT = 'OUT-DOSSIER-1';
const MISSING = 'NOX-DOSSIER-1';
const IN = 'INN-DOSSIER-1';
/** Received by D02, handled at C0101 for a while, now at C0202: D01 keys know of it. */
const PASSED = 'PAS-DOSSIER-1';

const SCOPED = {
  integrator: { key: 'scoped-integrator-d01-key', role: 'integrator', units: ['D01'], name: 'gw-d01' },
  supervisor: { key: 'scoped-supervisor-d01-key', role: 'supervisor', units: ['D01'], name: 'sup-d01' },
  auditor: { key: 'scoped-auditor-d01-key-00', role: 'auditor', units: ['D01'], name: 'aud-d01' },
  admin: { key: 'scoped-admin-d01-key-0000', role: 'admin', units: ['D01'], name: 'adm-d01' },
} as const;
type ScopedRole = keyof typeof SCOPED;
/** A key of D02 given the D01 gateway's name by mistake (a rotation gone wrong): answers are kept by name. */
const SAME_NAME_D02 = { key: 'scoped-integrator-d02-key', role: 'integrator', units: ['D02'], name: 'gw-d01' } as const;

const occurred = vn('2025-03-04', '09:00');
/** Before every dossier's reception: refused with 400 for a dossier the key may act on. */
const tooEarly = vn('2025-03-01', '09:00');
const COMMANDS: { name: string; body: (at: string) => Record<string, unknown> }[] = [
  { name: 'transfer', body: (at) => ({ toUnitId: 'C0102', allottedWorkingHours: 8, occurredAt: at }) },
  { name: 'transfer', body: (at) => ({ toUnitId: 'C0202', occurredAt: at }) }, // to a unit outside the key
  { name: 'request-supplement', body: (at) => ({ reason: 'missing form', occurredAt: at }) },
  { name: 'supplement', body: (at) => ({ occurredAt: at }) },
  { name: 'apologize', body: (at) => ({ reason: 'backlog', newAppointmentAt: vn('2025-04-01', '08:00'), responsibleUnitId: 'C0202', occurredAt: at }) },
  { name: 'resolve', body: (at) => ({ outcome: 'approved', occurredAt: at }) },
  { name: 'return-result', body: (at) => ({ occurredAt: at }) },
  { name: 'withdraw', body: (at) => ({ reason: 'applicant withdrew', occurredAt: at }) },
];
/** Header variants of a command; `{id}` becomes the dossier id's first three letters (equal lengths). */
const VARIANTS: Record<string, string>[] = [
  {},
  { 'If-Match': '0' },
  { 'If-Match': '"7"' },
  { 'Idempotency-Key': 'k-{id}-1' },
  { 'Idempotency-Key': 'k-{id}-2', 'If-Match': '"7"' },
];

/** What a client sees of an answer, with one dossier id written as another. */
function seen(res: Response, id: string, as: string) {
  const headers = Object.keys(res.headers).filter((h) => h !== 'date').sort();
  return {
    status: res.status,
    headers: Object.fromEntries(headers.map((h) => [h, h === 'content-type' || h === 'content-length' || h === 'etag' ? res.headers[h] : '*'])),
    text: res.text.split(id).join(as),
  };
}

describe('scope leaks: another unit\'s dossier answers exactly like a missing one', () => {
  let t: TestApp;
  let store: EventStore;
  let lastPosition = 0;
  /** An instant after every event of the setup was recorded. */
  let afterSetup = '';

  beforeAll(async () => {
    t = await startTestApp({ SEED_DEMO: 'false', RATE_LIMIT_PER_MINUTE: '0', OVERDUE_WATCHER: 'false' }, undefined, {
      extraKeys: [...Object.values(SCOPED), SAME_NAME_D02].map((k) => ({ ...k, units: [...k.units] })),
    });
    store = t.app.get(EVENT_STORE);
    const admin = t.as('admin');
    for (const [id, parentId, level] of [['P', undefined, 'province'], ['D01', 'P', 'district'], ['D02', 'P', 'district'], ['C0101', 'D01', 'commune'], ['C0102', 'D01', 'commune'], ['C0201', 'D02', 'commune'], ['C0202', 'D02', 'commune']] as const) {
      expect((await admin.put(`/units/${id}`).send({ name: id, level, ...(parentId ? { parentId } : {}) })).status).toBe(200);
    }
    expect((await admin.put('/procedures/P-TEN').send({ name: 'Ten days', statutoryWorkingDays: 10 })).status).toBe(200);
    const integrator = t.as('integrator');
    for (const [dossierId, unitId] of [[OUT, 'C0201'], [IN, 'C0101'], [PASSED, 'C0201']]) {
      const res = await integrator.post('/dossiers').send({ dossierId, procedureCode: 'P-TEN', unitId, channel: 'direct', receivedAt: vn('2025-03-03', '08:00') });
      expect(res.status).toBe(201);
    }
    expect((await integrator.post(`/dossiers/${OUT}/transfer`).send({ toUnitId: 'C0202', occurredAt: vn('2025-03-03', '10:00') })).status).toBe(200);
    expect((await integrator.post(`/dossiers/${PASSED}/transfer`).send({ toUnitId: 'C0101', occurredAt: vn('2025-03-03', '10:00') })).status).toBe(200);
    const last = await integrator.post(`/dossiers/${PASSED}/transfer`).send({ toUnitId: 'C0202', occurredAt: vn('2025-03-03', '11:00') });
    expect(last.status).toBe(200);
    lastPosition = last.body.position as number;
    afterSetup = new Date(Date.now() + 1).toISOString();
  });
  afterAll(() => t?.close({ remove: true }));

  /** Sends the same request for OUT and MISSING and expects the same answer; returns OUT's. */
  async function expectSameAsMissing(role: ScopedRole, send: (who: ReturnType<TestApp['as']>, id: string) => Promise<Response>): Promise<Response> {
    const who = t.as(SCOPED[role]);
    const before = await store.headPosition();
    const out = await send(who, OUT);
    const missing = await send(who, MISSING);
    expect(seen(out, OUT, OUT)).toEqual(seen(missing, MISSING, OUT));
    expect(await store.headPosition()).toBe(before);
    return out;
  }

  const withHeaders = (req: ReturnType<ReturnType<TestApp['as']>['post']>, headers: Record<string, string>, id: string) => {
    for (const [name, value] of Object.entries(headers)) req.set(name, value.replace('{id}', id.slice(0, 3)));
    return req;
  };

  describe('reads (supervisor, auditor, admin keys of D01)', () => {
    const asOfBefore = vn('2025-01-01', '00:00');
    const asOfAfter = () => afterSetup;
    const reads: [string, ScopedRole[], (id: string) => string][] = [
      ['GET /dossiers/{id}', ['supervisor', 'auditor', 'admin'], (id) => `/dossiers/${id}`],
      ['GET /dossiers/{id}?minPosition', ['supervisor', 'auditor', 'admin'], (id) => `/dossiers/${id}?minPosition=${lastPosition}`],
      ['GET /dossiers/{id}?asOf before its reception', ['supervisor', 'auditor', 'admin'], (id) => `/dossiers/${id}?asOf=${encodeURIComponent(asOfBefore)}`],
      ['GET /dossiers/{id}?asOf after its reception', ['supervisor', 'auditor', 'admin'], (id) => `/dossiers/${id}?asOf=${encodeURIComponent(asOfAfter())}`],
      ['GET /dossiers/{id}/events', ['supervisor', 'auditor', 'admin'], (id) => `/dossiers/${id}/events`],
      ['GET /dossiers/{id}/events?minPosition', ['auditor', 'admin'], (id) => `/dossiers/${id}/events?minPosition=${lastPosition}`],
    ];
    for (const [label, roles, url] of reads) {
      it(`${label}: same answer as a missing id`, async () => {
        for (const role of roles) {
          const out = await expectSameAsMissing(role, (who, id) => who.get(url(id)));
          // Supervisors may not use asOf or history at all (403 for any id); the others get 404.
          const supervisorRefused = role === 'supervisor' && /asOf|events/.test(label);
          expect(out.status).toBe(supervisorRefused ? 403 : 404);
          expect(out.body.code).toBe(supervisorRefused ? 'FORBIDDEN' : 'NOT_FOUND');
          if (!supervisorRefused) expect(out.body.detail).toMatch(new RegExp(`^dossier ${OUT} was not found`));
        }
      });
    }

    it('still reads the dossiers of the key\'s units, and those that passed through them', async () => {
      for (const id of [IN, PASSED]) {
        expect((await t.as(SCOPED.supervisor).get(`/dossiers/${id}`)).status).toBe(200);
        expect((await t.as(SCOPED.auditor).get(`/dossiers/${id}/events`)).status).toBe(200);
        const asOf = await t.as(SCOPED.auditor).get(`/dossiers/${id}?asOf=${encodeURIComponent(asOfAfter())}`);
        expect(asOf.status).toBe(200);
        expect(asOf.body.dossierId).toBe(id);
      }
      // As of before its reception, the key's own dossier does not exist yet: the same 404.
      const early = await t.as(SCOPED.auditor).get(`/dossiers/${IN}?asOf=${encodeURIComponent(asOfBefore)}`);
      expect(early.status).toBe(404);
      expect(early.body.detail).toBe(`dossier ${IN} was not found as of ${asOfBefore}`);
    });
  });

  describe('commands (integrator key of D01)', () => {
    for (const command of COMMANDS) {
      const label = `POST /dossiers/{id}/${command.name} ${JSON.stringify(command.body(occurred))}`;
      it(`${label}: same answer as a missing id, with and without If-Match, Idempotency-Key, an early occurredAt`, async () => {
        for (const headers of VARIANTS) {
          for (const at of [occurred, tooEarly]) {
            const out = await expectSameAsMissing('integrator', (who, id) => withHeaders(who.post(`/dossiers/${id}/${command.name}`), headers, id).send(command.body(at)));
            expect(out.status).toBe(404);
            expect(out.body).toMatchObject({ code: 'NOT_FOUND', detail: `dossier ${OUT} was not found` });
          }
        }
      });
    }

    it('answers the key\'s own dossier as before: 412 for a stale If-Match, 400 for an early occurredAt, then 200', async () => {
      const gw = t.as(SCOPED.integrator);
      const stale = await gw.post(`/dossiers/${IN}/transfer`).set('If-Match', '"7"').send({ toUnitId: 'C0102', occurredAt: occurred });
      expect(stale.status).toBe(412);
      expect(stale.body.code).toBe('REVISION_MISMATCH');
      const early = await gw.post(`/dossiers/${IN}/transfer`).send({ toUnitId: 'C0102', occurredAt: tooEarly });
      expect(early.status).toBe(400);
      const ok = await gw.post(`/dossiers/${IN}/transfer`).set('If-Match', '0').send({ toUnitId: 'C0202', occurredAt: occurred });
      expect(ok.status).toBe(200);
      // Sent on to another district (allowed: a transfer may leave the key's units), it is the key's still: received here.
      expect((await gw.post(`/dossiers/${IN}/request-supplement`).send({ reason: 'missing form', occurredAt: vn('2025-03-04', '10:00') })).status).toBe(200);
    });

    it('a dossier that only passed through the key\'s units: 403 naming no unit (the key acted on it)', async () => {
      const res = await t.as(SCOPED.integrator).post(`/dossiers/${PASSED}/resolve`).set('If-Match', '"9"').send({ outcome: 'approved', occurredAt: occurred });
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('FORBIDDEN');
      for (const unit of ['C0201', 'C0202', 'D02', 'C0101']) expect(res.text).not.toContain(unit);
    });
  });

  describe('receptions (POST /dossiers)', () => {
    const receive = (dossierId: string, unitId: string) => ({ dossierId, procedureCode: 'P-TEN', unitId, channel: 'online', receivedAt: vn('2025-03-03', '08:00') });

    it('an id taken in another unit is 409 DUPLICATE_DOSSIER like one taken in the key\'s own units, never 412 with the revision', async () => {
      const gw = t.as(SCOPED.integrator);
      for (const headers of [{}, { 'If-Match': '"7"' }, { 'If-Match': '0' }, { 'Idempotency-Key': 'k-dup-{id}' }] as Record<string, string>[]) {
        const before = await store.headPosition();
        const out = await withHeaders(gw.post('/dossiers'), headers, OUT).send(receive(OUT, 'C0101'));
        for (const unit of ['C0201', 'C0202', 'D02']) expect(out.text).not.toContain(unit);
        const own = await gw.post('/dossiers').send(receive(IN, 'C0101'));
        expect(out.status).toBe(409);
        expect(out.body.code).toBe('DUPLICATE_DOSSIER');
        expect(seen(out, OUT, OUT).text).toBe(seen(own, IN, OUT).text);
        expect(await store.headPosition()).toBe(before);
      }
    });

    it('a unit outside the key in the body is 403 whether or not the id exists (the key named the unit)', async () => {
      const out = await expectSameAsMissing('integrator', (who, id) => who.post('/dossiers').set('If-Match', '"7"').send(receive(id, 'C0201')));
      expect(out.status).toBe(403);
      expect(out.body.code).toBe('FORBIDDEN');
    });
  });

  it('an Idempotency-Key answer kept under a shared key name is replayed within the key\'s units only', async () => {
    const send = (who: typeof SCOPED.integrator | typeof SAME_NAME_D02, id: string, key: string) =>
      t.as(who).post(`/dossiers/${id}/request-supplement`).set('Idempotency-Key', key).send({ reason: 'missing form', occurredAt: occurred });
    expect((await send(SAME_NAME_D02, OUT, 'k-shared-1')).status).toBe(200);
    const before = await store.headPosition();
    const replayed = await send(SCOPED.integrator, OUT, 'k-shared-1');
    const missing = await send(SCOPED.integrator, MISSING, 'k-shared-2');
    expect(seen(replayed, OUT, OUT)).toEqual(seen(missing, MISSING, OUT));
    expect(replayed.status).toBe(404);
    expect(await store.headPosition()).toBe(before);
    expect((await send(SAME_NAME_D02, OUT, 'k-shared-1')).status).toBe(200); // its own replay still works
  });

  it('lists and reports never show another unit\'s dossier to a scoped key', async () => {
    const sup = t.as(SCOPED.supervisor);
    for (const url of [`/dossiers?minPosition=${lastPosition}`, `/dossiers?currentUnitId=C0202&minPosition=${lastPosition}`, `/dossiers?unitId=D01&currentUnitId=C0202&minPosition=${lastPosition}`]) {
      const res = await sup.get(url);
      expect(res.status).toBe(200);
      expect((res.body.items as { dossierId: string }[]).map((d) => d.dossierId)).not.toContain(OUT);
    }
    expect((await sup.get('/dossiers?unitId=C0201')).status).toBe(403);
    expect((await sup.get('/units/D02/timeliness')).status).toBe(403);
  });
});
