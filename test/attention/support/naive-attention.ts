/**
 * The review lists computed the naive way, for the property tests: every dossier's history folded
 * by hand, then each list filtered by its definition in working time (DOMAIN.md, "Attention
 * lists") and sorted; no ranges, no indexes.
 */
import { type CompiledCalendar, workingTimeBetween } from '../../../src/calendar/index.js';
import type { SyntheticEvent } from '../../../bench/support/synthetic-history.js';

const HOUR = 3_600_000;

export interface NaiveDossier {
  dossierId: string;
  unitId: string;
  currentUnitId: string;
  status: 'received' | 'awaiting_supplement' | 'resolved';
  dueAt: number;
  lastEventAt: number;
  resolvedAt: number | null;
}

export type Kind = 'overdue' | 'soon_due' | 'not_returned' | 'silent';

/** The dossiers neither returned nor withdrawn, from their histories in stream order. */
export function naiveDossiers(histories: SyntheticEvent[][]): NaiveDossier[] {
  const out: NaiveDossier[] = [];
  for (const history of histories) {
    let d: NaiveDossier | undefined;
    for (const { event, occurredAt } of history) {
      const data = event.data as Record<string, unknown>;
      if (event.type === 'DossierReceived') {
        d = { dossierId: String(data.dossierId), unitId: String(data.unitId), currentUnitId: String(data.unitId), status: 'received', dueAt: Date.parse(String(data.dueAt)), lastEventAt: occurredAt, resolvedAt: null };
        continue;
      }
      if (d === undefined) throw new Error('history without a receipt');
      if (event.type === 'DossierResultReturned' || event.type === 'DossierWithdrawn') {
        d = undefined;
        break;
      }
      if (event.type === 'DossierBecameOverdue') continue;
      if (event.type === 'DossierDueReplanned') {
        if (d.status === 'received') d.dueAt = Date.parse(String(data.newDueAt));
        continue;
      }
      d.lastEventAt = Math.max(d.lastEventAt, occurredAt);
      if (event.type === 'DossierTransferred') d.currentUnitId = String(data.toUnitId);
      if (event.type === 'DossierSupplementRequested') d.status = 'awaiting_supplement';
      if (event.type === 'DossierSupplemented') (d.status = 'received'), (d.dueAt = Date.parse(String(data.dueAt)));
      if (event.type === 'DossierResolved') (d.status = 'resolved'), (d.resolvedAt = occurredAt);
    }
    if (d !== undefined) out.push(d);
  }
  return out;
}

/** A list, most urgent first, of the dossiers received by `units`. */
export function naiveList(
  kind: Kind,
  dossiers: NaiveDossier[],
  units: readonly string[],
  calendar: CompiledCalendar,
  now: number,
  t = { withinWorkingHours: 8, afterWorkingDays: 5 },
): { dossierId: string; key: number }[] {
  const days = t.afterWorkingDays * 8 * HOUR;
  const on = (d: NaiveDossier): number | undefined => {
    switch (kind) {
      case 'overdue':
        return d.status === 'received' && d.dueAt < now ? d.dueAt : undefined;
      case 'soon_due':
        return d.status === 'received' && d.dueAt >= now && workingTimeBetween(calendar, now, d.dueAt) <= t.withinWorkingHours * HOUR ? d.dueAt : undefined;
      case 'not_returned':
        return d.status === 'resolved' && workingTimeBetween(calendar, d.resolvedAt!, now) > days ? d.resolvedAt! : undefined;
      case 'silent':
        return d.status !== 'resolved' && workingTimeBetween(calendar, d.lastEventAt, now) > days ? d.lastEventAt : undefined;
    }
  };
  return dossiers
    .filter((d) => units.includes(d.unitId))
    .flatMap((d) => {
      const key = on(d);
      return key === undefined ? [] : [{ dossierId: d.dossierId, key }];
    })
    .sort((a, b) => a.key - b.key || (a.dossierId < b.dossierId ? -1 : a.dossierId > b.dossierId ? 1 : 0));
}
