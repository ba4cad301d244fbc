/**
 * The fuzzer's small province (units, procedures, dossiers in every state, keys of every role for
 * all units and for district D01 only) and its mirror of what the service holds, kept from the
 * answers the service accepted (so the oracle knows which unit exists, which dossier a scoped key
 * may see, and what would close a cycle in the unit tree).
 *
 *   P ─┬─ D01 ─┬─ C0101      SEED-D01-* dossiers are received at C0101, SEED-D02-* at C0201;
 *      │       └─ C0102      SEED-CROSS is received at C0201 and transferred to C0101.
 *      └─ D02 ─┬─ C0201
 *              └─ C0202
 */
import { expect } from '@jest/globals';
import { EVENT_STORE, type EventStore } from '../../../src/event-store/event-store.port.js';
import { startTestApp, TEST_KEYS, type TestApp, type TestRole } from '../../support/test-app.js';
import { RawClient } from './fuzz-http.js';

export const ROLES: readonly TestRole[] = ['admin', 'integrator', 'supervisor', 'auditor'];
export const SCOPE_ROOT = 'D01';

export interface Caller {
  /** `<role>-all` or `<role>-D01`. */
  id: string;
  role: TestRole;
  /** Limited to D01 and the units below it. */
  scoped: boolean;
  key: string;
}

export const CALLERS: readonly Caller[] = ROLES.flatMap((role) => [
  { id: `${role}-all`, role, scoped: false, key: TEST_KEYS[role] },
  { id: `${role}-${SCOPE_ROOT}`, role, scoped: true, key: `fuzz-${role}-${SCOPE_ROOT}-scoped-key` },
]);

export const SEEDED_UNITS: readonly [string, string | undefined, string][] = [
  ['P', undefined, 'province'],
  ['D01', 'P', 'district'],
  ['D02', 'P', 'district'],
  ['C0101', 'D01', 'commune'],
  ['C0102', 'D01', 'commune'],
  ['C0201', 'D02', 'commune'],
  ['C0202', 'D02', 'commune'],
];
export const SEEDED_PROCEDURES = ['P-TEN', 'P-HALF'];
/** Seeded dossiers by the state they are left in. */
export const SEEDED_STATES = ['RECEIVED', 'TRANSFERRED', 'SUPPLEMENT', 'RESOLVED', 'RETURNED', 'WITHDRAWN', 'APOLOGIZED'] as const;
export const SEEDED_DOSSIERS = [...(['D01', 'D02'] as const).flatMap((d) => SEEDED_STATES.map((s) => `SEED-${d}-${s}`)), 'SEED-CROSS'];

/** Ids the fuzzer creates as it goes (a small pool, so that later requests find them). */
export const FUZZ_UNITS = ['FZ-U0', 'FZ-U1', 'FZ-U2', 'FZ-U3'];
export const FUZZ_PROCEDURES = ['FZ-P0', 'FZ-P1'];
export const FUZZ_DOSSIERS = Array.from({ length: 24 }, (_, i) => `FZ-D${i}`);
/** Ids no generator ever creates: requests naming them must find nothing. */
export const MISSING = { unit: 'NOPE-UNIT', procedure: 'NOPE-PROC', dossier: 'NOPE-DOSSIER' } as const;

interface DossierUnits {
  unitId: string;
  currentUnitId: string;
  stepUnits: string[];
}

/** What the service holds, as far as the fuzzer's accepted requests tell. */
export class World {
  readonly units = new Map<string, string | undefined>();
  readonly procedures = new Set<string>();
  readonly dossiers = new Map<string, DossierUnits>();

  /** Whether `unit` is `root` or below it (a cycle-proof walk of the mirror). */
  within(unit: string, root: string): boolean {
    const seen = new Set<string>();
    for (let id: string | undefined = unit; id !== undefined && !seen.has(id); id = this.units.get(id)) {
      if (id === root) return true;
      seen.add(id);
    }
    return false;
  }

  reaches(caller: Caller, unit: string): boolean {
    return !caller.scoped || this.within(unit, SCOPE_ROOT);
  }

  /** Reads of a dossier: a scoped key sees those received by or handled at one of its units. */
  canRead(caller: Caller, dossierId: string): boolean {
    const d = this.dossiers.get(dossierId);
    return d !== undefined && [d.unitId, d.currentUnitId, ...d.stepUnits].some((u) => this.reaches(caller, u));
  }

  /** Commands: a scoped integrator acts on dossiers received by or held at one of its units. */
  canCommand(caller: Caller, dossierId: string): boolean {
    const d = this.dossiers.get(dossierId);
    return d !== undefined && [d.unitId, d.currentUnitId].some((u) => this.reaches(caller, u));
  }

  /** Records a dossier as a command's answer shows it. */
  recordDossier(view: unknown): void {
    const v = view as { dossierId?: unknown; unitId?: unknown; currentUnitId?: unknown; steps?: { unitId?: unknown }[] };
    if (typeof v?.dossierId !== 'string' || typeof v.unitId !== 'string') return;
    this.dossiers.set(v.dossierId, {
      unitId: v.unitId,
      currentUnitId: typeof v.currentUnitId === 'string' ? v.currentUnitId : v.unitId,
      stepUnits: (v.steps ?? []).map((s) => s.unitId).filter((u): u is string => typeof u === 'string'),
    });
  }
}

export interface Province {
  t: TestApp;
  client: RawClient;
  world: World;
  /** The log's head position, read from the event store itself. */
  head(): Promise<number>;
  close(): Promise<void>;
}

const vn = (date: string, time: string) => `${date}T${time}:00+07:00`;

/** Starts the real service on a fresh data directory, listening on a port, and seeds the province. */
export async function startProvince(): Promise<Province> {
  // No rate limit (the fuzzer sends refused requests on purpose, which would lock its address out
  // and hide every other answer), no overdue watcher (its appends would move the head under a request).
  // FUZZ_LOG=error (or info, ...) shows the service's own log, e.g. the stack behind a 500.
  const env = {
    SEED_DEMO: 'false',
    RATE_LIMIT_PER_MINUTE: '0',
    OVERDUE_WATCHER: 'false',
    ...(process.env.FUZZ_LOG ? { LOG_LEVEL: process.env.FUZZ_LOG } : {}),
  };
  const t = await startTestApp(env, undefined, {
    extraKeys: CALLERS.filter((c) => c.scoped).map((c) => ({ key: c.key, role: c.role, units: [SCOPE_ROOT], name: `fuzz-${c.id}` })),
  });
  await t.app.listen(0, '127.0.0.1');
  const url = new URL(await t.app.getUrl());
  const client = new RawClient('127.0.0.1', Number(url.port));
  const store = t.app.get<EventStore>(EVENT_STORE);
  const world = new World();
  await seed(t, world);
  return {
    t,
    client,
    world,
    head: async () => (await store.headPosition()) ?? 0,
    async close() {
      client.close();
      await t.close({ remove: true });
    },
  };
}

async function seed(t: TestApp, world: World): Promise<void> {
  const admin = t.as('admin');
  for (const [id, parentId, level] of SEEDED_UNITS) {
    expect((await admin.put(`/units/${id}`).send({ name: `Đơn vị ${id}`, level, ...(parentId ? { parentId } : {}) })).status).toBe(200);
    world.units.set(id, parentId);
  }
  expect((await admin.put('/procedures/P-TEN').send({ name: 'Mười ngày', statutoryWorkingDays: 10 })).status).toBe(200);
  expect((await admin.put('/procedures/P-HALF').send({ name: 'Nửa ngày', statutoryWorkingDays: 0.5, onSupplement: 'pause' })).status).toBe(200);
  SEEDED_PROCEDURES.forEach((p) => world.procedures.add(p));

  const integrator = t.as('integrator');
  const command = async (id: string, action: string, body: Record<string, unknown>) => {
    const res = await integrator.post(`/dossiers/${id}/${action}`).send(body);
    expect([res.status, id, action]).toEqual([200, id, action]);
    world.recordDossier(res.body);
  };
  const receive = async (id: string, unitId: string) => {
    const res = await integrator.post('/dossiers').send({ dossierId: id, procedureCode: 'P-TEN', unitId, channel: 'online', receivedAt: vn('2025-03-03', '08:00') });
    expect([res.status, id]).toEqual([201, id]);
    world.recordDossier(res.body);
  };
  for (const [district, commune, sibling] of [['D01', 'C0101', 'C0102'], ['D02', 'C0201', 'C0202']] as const) {
    const id = (s: (typeof SEEDED_STATES)[number]) => `SEED-${district}-${s}`;
    for (const s of SEEDED_STATES) await receive(id(s), commune);
    await command(id('TRANSFERRED'), 'transfer', { toUnitId: sibling, allottedWorkingHours: 8, occurredAt: vn('2025-03-03', '09:00') });
    await command(id('SUPPLEMENT'), 'request-supplement', { reason: 'thiếu giấy tờ', occurredAt: vn('2025-03-03', '09:00') });
    await command(id('RESOLVED'), 'resolve', { outcome: 'approved', occurredAt: vn('2025-03-03', '10:00') });
    await command(id('RETURNED'), 'resolve', { outcome: 'refused', occurredAt: vn('2025-03-03', '10:00') });
    await command(id('RETURNED'), 'return-result', { occurredAt: vn('2025-03-03', '11:00') });
    await command(id('WITHDRAWN'), 'withdraw', { reason: 'người nộp rút hồ sơ', occurredAt: vn('2025-03-03', '09:30') });
    await command(id('APOLOGIZED'), 'apologize', { reason: 'quá tải', newAppointmentAt: vn('2025-04-01', '08:00'), responsibleUnitId: commune, occurredAt: vn('2025-03-03', '10:00') });
  }
  await receive('SEED-CROSS', 'C0201');
  await command('SEED-CROSS', 'transfer', { toUnitId: 'C0101', occurredAt: vn('2025-03-03', '09:00') });
}
