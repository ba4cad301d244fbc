/**
 * Dossier events as stored: plain `{ type, data }` objects with stable past-tense names.
 * A stored shape is never changed in place; new fields are added as optional.
 * Instants are ISO 8601 strings in UTC. Every event's metadata also carries `occurredAt`
 * (the real instant, told by the integrator) and `recordedAt` (the service's clock).
 */

export type Channel = 'online' | 'direct' | 'postal';
export type SupplementRule = 'restart' | 'pause';
export type Timeliness = 'early' | 'on_time' | 'late';
export type Outcome = 'approved' | 'refused';

export const DOSSIER_STREAM_PREFIX = 'dossier-';
export const dossierStream = (dossierId: string) => `${DOSSIER_STREAM_PREFIX}${dossierId}`;

export interface DossierReceived {
  type: 'DossierReceived';
  data: {
    dossierId: string;
    procedureCode: string;
    /** The unit that received the dossier: the unit it is counted for. */
    unitId: string;
    channel: Channel;
    receivedAt: string;
    digitized: boolean;
    /** Facts of the procedure and the calendar used, so that later catalog changes never rewrite history. */
    statutoryWorkingDays: number;
    onSupplement: SupplementRule;
    calendarRevision: number;
    clockStartAt: string;
    dueAt: string;
    /** Present when the due was counted across a day of a year whose calendar is provisional (it may be re-planned). */
    calendarProvisional?: true;
  };
}

export interface DossierTransferred {
  type: 'DossierTransferred';
  data: {
    dossierId: string;
    fromUnitId: string;
    toUnitId: string;
    transferredAt: string;
    allottedWorkingHours?: number;
    /** Due instant of the step at `toUnitId`, when an allotment was given. */
    stepDueAt?: string;
    calendarRevision: number;
    /** Present when `stepDueAt` was counted across a day of a provisional year. */
    calendarProvisional?: true;
  };
}

export interface DossierSupplementRequested {
  type: 'DossierSupplementRequested';
  data: {
    dossierId: string;
    /** The unit holding the dossier that asked. */
    unitId: string;
    reason: string;
    requestedAt: string;
    /** Office time left until the due instant when the request went out (used by `pause`). */
    remainingWorkingMs: number;
  };
}

export interface DossierSupplemented {
  type: 'DossierSupplemented';
  data: {
    dossierId: string;
    supplementedAt: string;
    rule: SupplementRule;
    clockStartAt: string;
    dueAt: string;
    calendarRevision: number;
    /** Present when the due was counted across a day of a provisional year. */
    calendarProvisional?: true;
  };
}

export interface DossierApologyIssued {
  type: 'DossierApologyIssued';
  data: {
    dossierId: string;
    reason: string;
    responsibleUnitId: string;
    issuedAt: string;
    newAppointmentAt: string;
    /** False when issued later than one working day before the due instant (the rule asks for at least one). */
    issuedInTime: boolean;
  };
}

export interface DossierResolved {
  type: 'DossierResolved';
  data: {
    dossierId: string;
    outcome: Outcome;
    resolvedAt: string;
    resultDigitized: boolean;
    /** The unit holding the dossier when it was resolved. */
    unitId: string;
    dueAt: string;
    timeliness: Timeliness;
    /** For a late dossier: the units that caused the delay (late steps, else the holder at the due instant). */
    responsibleUnitIds: string[];
    apologized: boolean;
  };
}

export interface DossierResultReturned {
  type: 'DossierResultReturned';
  data: { dossierId: string; returnedAt: string };
}

export interface DossierWithdrawn {
  type: 'DossierWithdrawn';
  data: { dossierId: string; reason: string; withdrawnAt: string };
}

export interface DossierBecameOverdue {
  type: 'DossierBecameOverdue';
  data: {
    dossierId: string;
    dueAt: string;
    /** The unit holding the dossier when the due instant passed. */
    unitId: string;
  };
}

/**
 * The service's own event (POST /calendar/replan): the calendar in force counts this open dossier's due (or its open
 * step's) differently, typically once a provisional year is announced. In force from `replannedAt`; the old one stays in the history.
 */
export interface DossierDueReplanned {
  type: 'DossierDueReplanned';
  data: {
    dossierId: string;
    replannedAt: string;
    oldDueAt: string;
    newDueAt: string;
    /** The clock start the new due is counted from (it moves when that day became a day off). */
    clockStartAt: string;
    calendarRevision: number;
    calendarProvisional?: true;
    /** The open step's due instant, when it had an allotment and it moved. */
    step?: { unitId: string; oldStepDueAt: string; newStepDueAt: string; calendarProvisional?: true };
  };
}

export type DossierEvent =
  | DossierReceived
  | DossierTransferred
  | DossierSupplementRequested
  | DossierSupplemented
  | DossierApologyIssued
  | DossierResolved
  | DossierResultReturned
  | DossierWithdrawn
  | DossierBecameOverdue
  | DossierDueReplanned;

export type DossierEventType = DossierEvent['type'];

export const DOSSIER_EVENT_TYPES: readonly DossierEventType[] = [
  'DossierReceived',
  'DossierTransferred',
  'DossierSupplementRequested',
  'DossierSupplemented',
  'DossierApologyIssued',
  'DossierResolved',
  'DossierResultReturned',
  'DossierWithdrawn',
  'DossierBecameOverdue',
  'DossierDueReplanned',
];

/** Metadata written with every event (API.md). */
export interface EventMetadata {
  occurredAt: string;
  recordedAt: string;
  actor: string;
  commandId: string;
  correlationId: string;
  causationId: string;
  [key: string]: unknown;
}

export function isDossierEvent(e: { type: string }): e is DossierEvent {
  return (DOSSIER_EVENT_TYPES as readonly string[]).includes(e.type);
}
