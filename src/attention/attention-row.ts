/**
 * What the review lists keep of a dossier that needs or may need attention (DOMAIN.md, "Attention
 * lists"), as a pure fold over its events. Instants are the occurred ones (reality), epoch ms.
 * A returned or withdrawn dossier needs nobody's attention any more: the fold drops it (null).
 */
import type { DossierEvent } from '../dossier/events.js';

export type AttentionStatus = 'received' | 'awaiting_supplement' | 'resolved';

export interface AttentionRow {
  dossierId: string;
  /** The receiving unit: the unit the dossier is counted for, and whose scope it is in. */
  unitId: string;
  /** The holder. */
  currentUnitId: string;
  status: AttentionStatus;
  /** The due instant in force (as the dossier view derives it: received, supplemented, re-planned). */
  dueAt: number;
  /** When something last happened to it; the service's own marks (became overdue, re-planned) are not such things. */
  lastEventAt: number;
  resolvedAt: number | null;
  /** Log position of the last event that changed it: the same event twice changes nothing. */
  position: number;
}

/** An event this fold cannot take: thrown before anything is written, so the seam quarantines it. */
export class UnattendableEventError extends Error {
  override readonly name = 'UnattendableEventError';
}

function instant(value: unknown, field: string): number {
  const t = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (!Number.isFinite(t)) throw new UnattendableEventError(`${field} ${JSON.stringify(value)} is not an instant`);
  return t;
}

function text(value: unknown, field: string): string {
  if (typeof value !== 'string' || value === '') throw new UnattendableEventError(`${field} ${JSON.stringify(value)} is not an id`);
  return value;
}

/**
 * The row after `event` (at log `position`): `row` itself when nothing changes, null when the
 * dossier leaves the lists. `row` is undefined for a dossier not (or no longer) in the table.
 */
export function evolveAttention(row: AttentionRow | undefined, dossierId: string, event: DossierEvent, position: number): AttentionRow | null {
  if (row !== undefined && position <= row.position) return row;
  if (event.type === 'DossierReceived') {
    if (row !== undefined) return row; // received once; a second receipt is not valid and changes nothing here
    const unitId = text(event.data.unitId, 'unitId');
    const receivedAt = instant(event.data.receivedAt, 'receivedAt');
    return { dossierId, unitId, currentUnitId: unitId, status: 'received', dueAt: instant(event.data.dueAt, 'dueAt'), lastEventAt: receivedAt, resolvedAt: null, position };
  }
  if (row === undefined) throw new UnattendableEventError(`${event.type} of ${dossierId}, which is not open (never received, or returned or withdrawn already)`);
  const happened = (at: number, change: Partial<AttentionRow> = {}): AttentionRow => ({ ...row, ...change, lastEventAt: Math.max(row.lastEventAt, at), position });
  switch (event.type) {
    case 'DossierTransferred':
      return happened(instant(event.data.transferredAt, 'transferredAt'), { currentUnitId: text(event.data.toUnitId, 'toUnitId') });
    case 'DossierSupplementRequested':
      return happened(instant(event.data.requestedAt, 'requestedAt'), { status: 'awaiting_supplement' });
    case 'DossierSupplemented':
      return happened(instant(event.data.supplementedAt, 'supplementedAt'), { status: 'received', dueAt: instant(event.data.dueAt, 'dueAt') });
    case 'DossierApologyIssued':
      return happened(instant(event.data.issuedAt, 'issuedAt'));
    case 'DossierResolved': {
      const resolvedAt = instant(event.data.resolvedAt, 'resolvedAt');
      return happened(resolvedAt, { status: 'resolved', resolvedAt });
    }
    case 'DossierResultReturned':
    case 'DossierWithdrawn':
      return null;
    case 'DossierBecameOverdue':
      return row;
    case 'DossierDueReplanned': {
      // As the dossier view: a re-plan moves the due of a running dossier only (a supplement brings its own).
      const dueAt = instant(event.data.newDueAt, 'newDueAt');
      return row.status === 'received' && dueAt !== row.dueAt ? { ...row, dueAt, position } : row;
    }
    default: {
      const never: never = event;
      throw new UnattendableEventError(`unknown dossier event ${(never as { type: string }).type}`);
    }
  }
}
