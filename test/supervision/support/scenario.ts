import { expect } from '@jest/globals';
import type { DossierEvent } from '../../../src/dossier/events.js';
import { EVENT_STORE, type EventStore } from '../../../src/event-store/event-store.port.js';
import type { SyntheticEvent } from '../../../bench/support/synthetic-history.js';
import type { TestApp } from '../../support/test-app.js';

/** Posts a command as the integrator; fails the test unless it is accepted. Returns the answer. */
export async function command(t: TestApp, path: string, body: Record<string, unknown>): Promise<{ position: number; [k: string]: unknown }> {
  const res = await t.as('integrator').post(path).send(body);
  if (res.status >= 300) throw new Error(`${path} answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body;
}

/** The dossier events of the store, grouped by dossier, in the shape the naive report reads. */
export async function dossierHistories(t: TestApp): Promise<SyntheticEvent[][]> {
  const store = t.app.get<EventStore>(EVENT_STORE);
  const byId = new Map<string, SyntheticEvent[]>();
  for (const e of await store.readAll({ streamPrefixes: ['dossier-'] })) {
    const dossierId = e.streamId.slice('dossier-'.length);
    const list = byId.get(dossierId) ?? [];
    list.push({
      dossierId,
      event: { type: e.type, data: e.data } as unknown as DossierEvent,
      occurredAt: Date.parse(String(e.metadata.occurredAt)),
      recordedAt: Date.parse(String(e.metadata.recordedAt)),
    });
    byId.set(dossierId, list);
  }
  return [...byId.values()];
}

export const local = (s: string) => `${s}+07:00`;
export const q = (params: Record<string, string | number>) =>
  '?' + Object.entries(params).map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`).join('&');

export function expectInvariant(row: { carriedOver: number; received: { total: number }; resolved: { total: number }; withdrawn: number; inProgress: { total: number } }) {
  expect(row.carriedOver + row.received.total).toBe(row.resolved.total + row.withdrawn + row.inProgress.total);
}
