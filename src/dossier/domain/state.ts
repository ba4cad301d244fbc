/**
 * A dossier's state, folded from its events. Pure: no Nest, no I/O, no clock.
 * Instants are epoch milliseconds.
 */
import { WORKING_DAY_MS } from '../../calendar/index.js';
import type { Channel, DossierEvent, Outcome, SupplementRule, Timeliness } from '../events.js';

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
  if (event.type === 'DossierReceived') {
    const d = event.data;
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
  if (state.status === 'none') return state; // an event without its DossierReceived: nothing to fold onto
  const base = { ...state, revision, lastOccurredAt: Math.max(state.lastOccurredAt, occurredAt) };
  switch (event.type) {
    case 'DossierTransferred': {
      const d = event.data;
      const step: Step = { unitId: d.toUnitId, enteredAt: ms(d.transferredAt) };
      if (d.allottedWorkingHours !== undefined) step.allottedWorkingHours = d.allottedWorkingHours;
      if (d.stepDueAt !== undefined) step.dueAt = ms(d.stepDueAt);
      if (d.calendarProvisional === true) step.calendarProvisional = true;
      return { ...base, currentUnitId: d.toUnitId, steps: [...state.steps, step] } as DossierState;
    }
    case 'DossierSupplementRequested':
      return {
        ...(base as DossierFacts),
        status: 'awaiting_supplement',
        supplementRequested: true,
        supplementRequestedAt: ms(event.data.requestedAt),
        remainingWorkingMs: event.data.remainingWorkingMs,
      };
    case 'DossierSupplemented': {
      const dueAt = ms(event.data.dueAt);
      const { supplementRequestedAt: _s, remainingWorkingMs: remaining, ...facts } = base as DossierFacts & Record<string, unknown>;
      return {
        ...(facts as DossierFacts),
        status: 'received',
        clockStartAt: ms(event.data.clockStartAt),
        dueAt,
        calendarProvisional: event.data.calendarProvisional === true,
        clockFrom: ms(event.data.supplementedAt),
        clockDurationMs: event.data.rule === 'pause' ? (remaining as number) : state.statutoryWorkingDays * WORKING_DAY_MS,
        appointmentAt: state.apology ? state.appointmentAt : dueAt,
        overdueMarked: false,
      };
    }
    case 'DossierApologyIssued': {
      const d = event.data;
      const newAppointmentAt = ms(d.newAppointmentAt);
      return {
        ...base,
        appointmentAt: newAppointmentAt,
        apology: { responsibleUnitId: d.responsibleUnitId, issuedAt: ms(d.issuedAt), issuedInTime: d.issuedInTime, newAppointmentAt },
      } as DossierState;
    }
    case 'DossierResolved': {
      const d = event.data;
      return {
        ...(base as DossierFacts),
        status: 'resolved',
        resolution: { outcome: d.outcome, resolvedAt: ms(d.resolvedAt), timeliness: d.timeliness, responsibleUnitIds: d.responsibleUnitIds },
      };
    }
    case 'DossierResultReturned': {
      const resolution = (state as { resolution?: Resolution }).resolution!;
      return { ...(base as DossierFacts), status: 'returned', resolution, returnedAt: ms(event.data.returnedAt) };
    }
    case 'DossierWithdrawn':
      return { ...(base as DossierFacts), status: 'withdrawn', withdrawnAt: ms(event.data.withdrawnAt) };
    case 'DossierBecameOverdue':
      // The service's own inference: it must not stop an integrator from entering, late, what
      // really happened before the due instant, so it does not move lastOccurredAt.
      return { ...state, revision, overdueMarked: true } as DossierState;
    case 'DossierDueReplanned': {
      // Also the service's own: like the overdue mark, it does not move lastOccurredAt.
      const d = event.data;
      const dueAt = ms(d.newDueAt);
      let steps = state.steps;
      if (d.step !== undefined) {
        const last = steps[steps.length - 1];
        const moved: Step = { ...last, dueAt: ms(d.step.newStepDueAt) };
        if (d.step.calendarProvisional === true) moved.calendarProvisional = true;
        else delete moved.calendarProvisional;
        steps = [...steps.slice(0, -1), moved];
      }
      return {
        ...state,
        revision,
        clockStartAt: ms(d.clockStartAt),
        dueAt,
        calendarProvisional: d.calendarProvisional === true,
        appointmentAt: state.apology ? state.appointmentAt : dueAt,
        // A new due instant: the watcher looks at it afresh.
        overdueMarked: dueAt === state.dueAt ? state.overdueMarked : false,
        steps,
      } as DossierState;
    }
    default: {
      const never: never = event;
      throw new Error(`unhandled dossier event ${(never as { type: string }).type}`);
    }
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
