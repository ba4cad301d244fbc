import Database from 'better-sqlite3';
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { Sealer } from '../../src/audit/sealer.js';
import { eventHash, splitHash } from '../../src/audit/hash-chain.js';
import { FakeClock } from '../support/fake-clock.js';
import { startTestApp, tempDataDir, type TestApp } from '../support/test-app.js';

/** Seals only when a test asks (Sealer.sealNow), so that positions are the test's own. */
export const NO_AUTO_SEAL = { OVERDUE_WATCHER: 'false', AUDIT_SEAL_EVERY_EVENTS: '0', AUDIT_SEAL_EVERY_MINUTES: '0' };

export const vn = (date: string, time: string) => `${date}T${time}:00+07:00`;

/** A stopped service's data directory holding: the demo province, two seals and an unsealed tail. */
export interface AuditedLog {
  dir: string;
  /** Positions by dossier id, in revision order. */
  positions: Record<string, number[]>;
  seals: { fromPosition: number; toPosition: number; hash: string }[];
  head: number;
}

/** Receives a few dossiers and moves some on, sealing twice in between; the service is then stopped. */
export async function auditedLog(): Promise<AuditedLog> {
  const t = await startTestApp(NO_AUTO_SEAL, tempDataDir('dossier-audit-'), { clock: new FakeClock('2026-12-07T03:00:00Z') });
  const positions: Record<string, number[]> = {};
  const track = (id: string, position: number) => (positions[id] ??= []).push(position);
  const receive = async (id: string, time: string) => {
    const res = await t.as('integrator').post('/dossiers').send({ dossierId: id, procedureCode: 'DN-THANHLAP', unitId: 'TTPVHCC', channel: 'online', receivedAt: vn('2025-03-03', time) });
    if (res.status !== 201) throw new Error(`receive ${id}: ${res.status} ${JSON.stringify(res.body)}`);
    track(id, res.body.position);
  };
  const transfer = async (id: string, time: string) => {
    const res = await t.as('integrator').post(`/dossiers/${id}/transfer`).send({ toUnitId: 'SKHDT-DKKD', occurredAt: vn('2025-03-03', time) });
    if (res.status !== 200) throw new Error(`transfer ${id}: ${res.status} ${JSON.stringify(res.body)}`);
    track(id, res.body.position);
  };
  const sealer = t.app.get(Sealer);
  const seals = [];
  for (const id of ['HS-A', 'HS-B', 'HS-C']) await receive(id, '08:00');
  await transfer('HS-A', '09:00');
  seals.push((await sealer.sealNow())!);
  for (const id of ['HS-D', 'HS-E']) await receive(id, '10:00');
  await transfer('HS-B', '10:30');
  seals.push((await sealer.sealNow())!);
  await receive('HS-F', '11:00');
  await transfer('HS-C', '11:30');
  const head = Number((await t.as('auditor').get('/audit/verify')).body.head.position);
  await t.close();
  return { dir: t.config.dataDir, positions, seals, head };
}

/** A copy of the data directory changed by `tamper` on events.db, as someone with the file could. */
export function tampered(log: AuditedLog, tamper: (db: Database.Database) => void): string {
  const dir = tempDataDir('dossier-tampered-');
  cpSync(log.dir, dir, { recursive: true });
  const db = new Database(join(dir, 'events.db'));
  try {
    tamper(db);
  } finally {
    db.close();
  }
  return dir;
}

/** Swaps the rows at two positions (their content moves, the positions stay). */
export function swapPositions(db: Database.Database, a: number, b: number): void {
  db.transaction(() => {
    db.prepare('UPDATE events SET position = -1 WHERE position = ?').run(a);
    db.prepare('UPDATE events SET position = ? WHERE position = ?').run(a, b);
    db.prepare('UPDATE events SET position = ? WHERE position = -1').run(b);
  })();
}

interface Row {
  position: number;
  stream_id: string;
  revision: number;
  event_id: string;
  type: string;
  data: string;
  metadata: string;
}

/**
 * Changes an event's data and writes the hashes again, its own and those of its stream's later
 * events, as someone who knows how the chain is computed would: only the seals can tell.
 */
export function rewriteWithHashes(db: Database.Database, position: number, change: (data: Record<string, unknown>) => void): void {
  const target = db.prepare<[number], Row>('SELECT * FROM events WHERE position = ?').get(position)!;
  const rows = db.prepare<[string, number], Row>('SELECT * FROM events WHERE stream_id = ? AND revision >= ? ORDER BY revision').all(target.stream_id, target.revision);
  const before = db.prepare<[string, number], Row>('SELECT * FROM events WHERE stream_id = ? AND revision = ?').get(target.stream_id, target.revision - 1);
  let previous = before ? String(JSON.parse(before.metadata).hash) : '';
  for (const row of rows) {
    const data = JSON.parse(row.data) as Record<string, unknown>;
    if (row.position === position) change(data);
    const { metadataJson } = splitHash(JSON.parse(row.metadata));
    const dataJson = JSON.stringify(data);
    const hash = eventHash(previous, { streamId: row.stream_id, revision: row.revision, id: row.event_id, type: row.type, dataJson, metadataJson });
    db.prepare('UPDATE events SET data = ?, metadata = ? WHERE position = ?').run(dataJson, JSON.stringify({ ...JSON.parse(metadataJson), hash }), row.position);
    previous = hash;
  }
}

export async function verifyOver(dir: string, query = ''): Promise<{ status: number; body: Record<string, unknown> }> {
  const t: TestApp = await startTestApp(NO_AUTO_SEAL, dir);
  try {
    const res = await t.as('auditor').get(`/audit/verify${query}`);
    return { status: res.status, body: res.body };
  } finally {
    await t.close();
  }
}
