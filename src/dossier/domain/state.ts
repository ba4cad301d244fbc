/**
 * A dossier's state, folded from its events. Pure: no Nest, no I/O, no clock.
 * Instants are epoch milliseconds.
 */
import { WORKING_DAY_MS } from '../../calendar/index.js';
import type { Channel, DossierEvent, DossierReceived, Outcome, SupplementRule, Timeliness } from '../events.js';
import { unhandled } from './unhandled.js';

export interface Step {
  unitId: string;
  enteredAt: number;
  allottedWorkingHours?: number;
  dueAt?: number;
  /** The step's due was counted across a day of a provisional year. */
  calendarProvisional?: true;
}

export interface DossierFacts {
  dossierId: string;
  procedureCode: string;
  /** The receiving unit: the one the dossier is counted for. */
  unitId: string;
  currentUnitId: string;
  channel: Channel;
  digitized: boolean;
  receivedAt: number;
  statutoryWorkingDays: number;
  onSupplement: SupplementRule;
  clockStartAt: number;
  dueAt: number;
  /** The due in force was counted across a day of a provisional year. */
  calendarProvisional: boolean;
  /**
   * What the due in force is counted from, so that a re-plan can count it again on another
   * calendar: the instant the clock (re)started from (receipt or supplement, before the cutoff
   * rule) and the office time to add.
   */
  clockFrom: number;
  clockDurationMs: number;
  /** The citizen's appointment: the due instant, or the apology's new appointment. */
  appointmentAt: number;
  supplementRequested: boolean;
  apology?: { responsibleUnitId: string; issuedAt: number; issuedInTime: boolean; newAppointmentAt: number };
  /** A DossierBecameOverdue was recorded for the current due instant. */
  overdueMarked: boolean;
  steps: Step[];
  /** Latest occurred instant of any event: a command may not claim to have happened before it. */
  lastOccurredAt: number;
  /** Stream revision of the last event. */
  revision: number;
}

export interface Resolution {
  outcome: Outcome;
  resolvedAt: number;
  timeliness: Timeliness;
  responsibleUnitIds: string[];
}

export type DossierState =
  | { status: 'none' }
  | (DossierFacts & { status: 'received' })
  | (DossierFacts & { status: 'awaiting_supplement'; supplementRequestedAt: number; remainingWorkingMs: number })
  | (DossierFacts & { status: 'resolved'; resolution: Resolution })
  | (DossierFacts & { status: 'returned'; resolution: Resolution; returnedAt: number })
  | (DossierFacts & { status: 'withdrawn'; withdrawnAt: number });

export type ExistingDossier = Exclude<DossierState, { status: 'none' }>;
export type DossierStatus = ExistingDossier['status'];

export const initialState: DossierState = { status: 'none' };

const ms = (iso: string) => Date.parse(iso);

/** Applies one event. `revision` and `occurredAt` come from the stored event and its metadata. */
export function evolve(state: DossierState, event: DossierEvent, revision: number, occurredAt: number): DossierState {
  if (event.type === 'DossierReceived') return received(event.data, revision, occurredAt);
  if (state.status === 'none') return state; // an event without its DossierReceived: nothing to fold onto
  return applyTo(state, event, revision, occurredAt);
}

function received(d: DossierReceived['data'], revision: number, occurredAt: number): ExistingDossier {
  const dueAt = ms(d.dueAt);
  return {
    status: 'received',
    dossierId: d.dossierId,
    procedureCode: d.procedureCode,
    unitId: d.unitId,
    currentUnitId: d.unitId,
    channel: d.channel,
    digitized: d.digitized,
    receivedAt: ms(d.receivedAt),
    statutoryWorkingDays: d.statutoryWorkingDays,
    onSupplement: d.onSupplement,
    clockStartAt: ms(d.clockStartAt),
    dueAt,
    calendarProvisional: d.calendarProvisional === true,
    clockFrom: ms(d.receivedAt),
    clockDurationMs: d.statutoryWorkingDays * WORKING_DAY_MS,
    appointmentAt: dueAt,
    supplementRequested: false,
    overdueMarked: false,
    steps: [{ unitId: d.unitId, enteredAt: ms(d.receivedAt) }],
    lastOccurredAt: occurredAt,
    revision,
  };
}

function applyTo(state: ExistingDossier, event: Exclude<DossierEvent, DossierReceived>, revision: number, occurredAt: number): ExistingDossier {
  // What an integrator's event moves besides its own fields (the service's own events below do not move lastOccurredAt).
  const moved = { revision, lastOccurredAt: Math.max(state.lastOccurredAt, occurredAt) };
  switch (event.type) {
    case 'DossierTransferred': {
      const d = event.data;
      const step: Step = { unitId: d.toUnitId, enteredAt: ms(d.transferredAt) };
      if (d.allottedWorkingHours !== undefined) step.allottedWorkingHours = d.allottedWorkingHours;
      if (d.stepDueAt !== undefined) step.dueAt = ms(d.stepDueAt);
      if (d.calendarProvisional === true) step.calendarProvisional = true;
      return update(state, { ...moved, currentUnitId: d.toUnitId, steps: [...state.steps, step] });
    }
    case 'DossierSupplementRequested':
      return {
        ...factsOf(state),
        ...moved,
        status: 'awaiting_supplement',
        supplementRequested: true,
        supplementRequestedAt: ms(event.data.requestedAt),
        remainingWorkingMs: event.data.remainingWorkingMs,
      };
    case 'DossierSupplemented': {
      const d = event.data;
      const dueAt = ms(d.dueAt);
      // `pause` goes on with the office time left at the request; `restart` counts the statutory days again.
      const paused = state.status === 'awaiting_supplement' ? state.remainingWorkingMs : state.clockDurationMs;
      return {
        ...factsOf(state),
        ...moved,
        status: 'received',
        clockStartAt: ms(d.clockStartAt),
        dueAt,
        calendarProvisional: d.calendarProvisional === true,
        clockFrom: ms(d.supplementedAt),
        clockDurationMs: d.rule === 'pause' ? paused : state.statutoryWorkingDays * WORKING_DAY_MS,
        appointmentAt: state.apology ? state.appointmentAt : dueAt,
        overdueMarked: false,
      };
    }
    case 'DossierApologyIssued': {
      const d = event.data;
      const newAppointmentAt = ms(d.newAppointmentAt);
      const apology = { responsibleUnitId: d.responsibleUnitId, issuedAt: ms(d.issuedAt), issuedInTime: d.issuedInTime, newAppointmentAt };
      return update(state, { ...moved, appointmentAt: newAppointmentAt, apology });
    }
    case 'DossierResolved': {
      const d = event.data;
      const resolution = { outcome: d.outcome, resolvedAt: ms(d.resolvedAt), timeliness: d.timeliness, responsibleUnitIds: d.responsibleUnitIds };
      return { ...factsOf(state), ...moved, status: 'resolved', resolution };
    }
    case 'DossierResultReturned':
      // Only a resolved dossier has a result to return (the decider sees to it).
      if (state.status !== 'resolved') return update(state, moved);
      return { ...factsOf(state), ...moved, status: 'returned', resolution: state.resolution, returnedAt: ms(event.data.returnedAt) };
    case 'DossierWithdrawn':
      return { ...factsOf(state), ...moved, status: 'withdrawn', withdrawnAt: ms(event.data.withdrawnAt) };
    case 'DossierBecameOverdue':
      // The service's own inference: it must not stop an integrator from entering, late, what
      // really happened before the due instant, so it does not move lastOccurredAt.
      return update(state, { revision, overdueMarked: true });
    case 'DossierDueReplanned': {
      // Also the service's own: like the overdue mark, it does not move lastOccurredAt.
      const d = event.data;
      const dueAt = ms(d.newDueAt);
      let steps = state.steps;
      if (d.step !== undefined) {
        const { calendarProvisional: _, ...last } = steps[steps.length - 1];
        const step: Step = { ...last, dueAt: ms(d.step.newStepDueAt), ...(d.step.calendarProvisional === true ? { calendarProvisional: true as const } : {}) };
        steps = [...steps.slice(0, -1), step];
      }
      return update(state, {
        revision,
        clockStartAt: ms(d.clockStartAt),
        dueAt,
        calendarProvisional: d.calendarProvisional === true,
        appointmentAt: state.apology ? state.appointmentAt : dueAt,
        // A new due instant: the watcher looks at it afresh.
        overdueMarked: dueAt === state.dueAt ? state.overdueMarked : false,
        steps,
      });
    }
    default:
      return unhandled(event, 'dossier event');
  }
}

/** The same status with some facts changed. */
function update<S extends ExistingDossier>(state: S, changes: Partial<DossierFacts>): S {
  return { ...state, ...changes };
}

/** The facts without what belongs to the status: the start of a state of another status. */
function factsOf(state: ExistingDossier): DossierFacts {
  switch (state.status) {
    case 'received': {
      const { status: _, ...facts } = state;
      return facts;
    }
    case 'awaiting_supplement': {
      const { status: _, supplementRequestedAt: _at, remainingWorkingMs: _ms, ...facts } = state;
      return facts;
    }
    case 'resolved': {
      const { status: _, resolution: _r, ...facts } = state;
      return facts;
    }
    case 'returned': {
      const { status: _, resolution: _r, returnedAt: _at, ...facts } = state;
      return facts;
    }
    case 'withdrawn': {
      const { status: _, withdrawnAt: _at, ...facts } = state;
      return facts;
    }
    default:
      return unhandled(state, 'dossier status');
  }
}

/** The unit holding the dossier at instant `at` (the last step entered at or before it). */
export function holderAt(steps: Step[], at: number): string {
  let holder = steps[0].unitId;
  for (const step of steps) {
    if (step.enteredAt <= at) holder = step.unitId;
    else break;
  }
  return holder;
}
