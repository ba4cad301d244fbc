/**
 * The dossier decider: `decide(command, state, context) -> events`. Pure: clock, calendar and procedure come in on the
 * command and the context; refusals are typed (AppError codes), mapped to problem+json at the edge.
 */
import {
  addWorkingTime,
  clockStart,
  type CompiledCalendar,
  localDateOf,
  spansProvisional,
  WORKING_DAY_MS,
  WORKING_HOUR_MS,
  workingTimeBetween,
} from '../../calendar/index.js';
import { AppError, validationFailed } from '../../common/errors.js';
import { EARLIEST_INSTANT, instantRangeError, LATEST_INSTANT } from '../../common/instant-range.js';
import { isoInstant as iso } from '../../common/iso-instant.js';
import type { ProcedureDefinition } from '../../catalog/events.js';
import type { Channel, DossierDueReplanned, DossierEvent, DossierTransferred, Outcome, Timeliness } from '../events.js';
import { type DossierState, type DossierStatus, type ExistingDossier, holderAt, type Step } from './state.js';
import { unhandled } from './unhandled.js';

/** How far in the future an occurredAt may lie (clock skew between integrators and the service). */
export const MAX_CLOCK_SKEW_MS = 60_000;

export type DossierCommand =
  | {
      type: 'Receive';
      dossierId: string;
      procedure: ProcedureDefinition;
      unitId: string;
      channel: Channel;
      receivedAt: number;
      digitized: boolean;
    }
  | { type: 'Transfer'; toUnitId: string; allottedWorkingHours?: number; occurredAt: number }
  | { type: 'RequestSupplement'; reason: string; occurredAt: number }
  | { type: 'Supplement'; occurredAt: number }
  | { type: 'Apologize'; reason: string; newAppointmentAt: number; responsibleUnitId: string; occurredAt: number }
  | { type: 'Resolve'; outcome: Outcome; resultDigitized: boolean; occurredAt: number }
  | { type: 'ReturnResult'; occurredAt: number }
  | { type: 'Withdraw'; reason: string; occurredAt: number }
  | { type: 'MarkOverdue' }
  /** Count the due (and the open step's due) again on the calendar in force now (POST /calendar/replan). */
  | { type: 'Replan' };

export interface DecideContext {
  calendar: CompiledCalendar;
  calendarRevision: number;
  /** The service's clock at the time of the command. */
  now: number;
}

/** An event with the instant it occurred (written to its metadata). */
export interface Decided {
  event: DossierEvent;
  occurredAt: number;
}

export function decide(command: DossierCommand, state: DossierState, ctx: DecideContext): Decided[] {
  switch (command.type) {
    case 'Receive':
      return receive(command, state, ctx);
    case 'Transfer':
      return transfer(command, happenedTo(state, command.occurredAt, ctx), ctx);
    case 'RequestSupplement':
      return requestSupplement(command, happenedTo(state, command.occurredAt, ctx), ctx);
    case 'Supplement':
      return supplement(command, happenedTo(state, command.occurredAt, ctx), ctx);
    case 'Apologize':
      return apologize(command, happenedTo(state, command.occurredAt, ctx), ctx);
    case 'Resolve':
      return resolve(command, happenedTo(state, command.occurredAt, ctx));
    case 'ReturnResult': {
      const s = requireStatus(happenedTo(state, command.occurredAt, ctx), ['resolved'], 'return the result of');
      return [{ event: { type: 'DossierResultReturned', data: { dossierId: s.dossierId, returnedAt: iso(command.occurredAt) } }, occurredAt: command.occurredAt }];
    }
    case 'Withdraw': {
      const s = requireStatus(happenedTo(state, command.occurredAt, ctx), ['received', 'awaiting_supplement'], 'withdraw');
      const data = { dossierId: s.dossierId, reason: command.reason, withdrawnAt: iso(command.occurredAt) };
      return [{ event: { type: 'DossierWithdrawn', data }, occurredAt: command.occurredAt }];
    }
    case 'MarkOverdue':
      return markOverdue(existing(state), ctx);
    case 'Replan':
      return replan(existing(state), ctx);
    default:
      return unhandled(command, 'command');
  }
}

type Command<T extends DossierCommand['type']> = Extract<DossierCommand, { type: T }>;

function transfer(command: Command<'Transfer'>, state: ExistingDossier, ctx: DecideContext): Decided[] {
  const s = requireStatus(state, ['received'], 'transfer');
  const at = command.occurredAt;
  if (command.toUnitId === s.currentUnitId) {
    throw new AppError('ILLEGAL_TRANSITION', `the dossier is already at unit ${command.toUnitId}`);
  }
  const data: DossierTransferred['data'] = {
    dossierId: s.dossierId,
    fromUnitId: s.currentUnitId,
    toUnitId: command.toUnitId,
    transferredAt: iso(at),
    calendarRevision: ctx.calendarRevision,
  };
  if (command.allottedWorkingHours !== undefined) {
    data.allottedWorkingHours = command.allottedWorkingHours;
    // The step's clock follows the dossier's rules: cutoff, then office time.
    const stepDue = addWorkingTime(ctx.calendar, clockStart(ctx.calendar, at), command.allottedWorkingHours * WORKING_HOUR_MS);
    data.stepDueAt = iso(checkComputedDue(stepDue, 'allottedWorkingHours'));
    if (spansProvisional(ctx.calendar, at, stepDue)) data.calendarProvisional = true;
  }
  return [{ event: { type: 'DossierTransferred', data }, occurredAt: at }];
}

/** Once per dossier; `remainingWorkingMs` is what a `pause` procedure goes on with. */
function requestSupplement(command: Command<'RequestSupplement'>, state: ExistingDossier, ctx: DecideContext): Decided[] {
  const s = requireStatus(state, ['received'], 'request a supplement for');
  if (s.supplementRequested) throw new AppError('ILLEGAL_TRANSITION', 'a supplement may be requested only once per dossier');
  const at = command.occurredAt;
  const remainingWorkingMs = workingTimeBetween(ctx.calendar, Math.max(at, s.clockStartAt), s.dueAt);
  const data = { dossierId: s.dossierId, unitId: s.currentUnitId, reason: command.reason, requestedAt: iso(at), remainingWorkingMs };
  return [{ event: { type: 'DossierSupplementRequested', data }, occurredAt: at }];
}

/** The clock starts again: with the statutory days (`restart`) or the office time left at the request (`pause`). */
function supplement(command: Command<'Supplement'>, state: ExistingDossier, ctx: DecideContext): Decided[] {
  const s = requireStatus(state, ['awaiting_supplement'], 'supplement');
  const at = command.occurredAt;
  const start = clockStart(ctx.calendar, at);
  const duration = s.onSupplement === 'pause' ? s.remainingWorkingMs : s.statutoryWorkingDays * WORKING_DAY_MS;
  const due = addWorkingTime(ctx.calendar, start, duration);
  const data = {
    dossierId: s.dossierId,
    supplementedAt: iso(at),
    rule: s.onSupplement,
    clockStartAt: iso(start),
    dueAt: iso(checkComputedDue(due, 'occurredAt')),
    calendarRevision: ctx.calendarRevision,
    ...provisional(ctx, at, due),
  };
  return [{ event: { type: 'DossierSupplemented', data }, occurredAt: at }];
}

function apologize(command: Command<'Apologize'>, state: ExistingDossier, ctx: DecideContext): Decided[] {
  const s = requireStatus(state, ['received', 'awaiting_supplement'], 'apologise for');
  if (s.apology) throw new AppError('ILLEGAL_TRANSITION', 'an apology may be issued only once per dossier');
  const at = command.occurredAt;
  const appointmentOutOfRange = instantRangeError(command.newAppointmentAt, 'newAppointmentAt');
  if (appointmentOutOfRange) throw validationFailed([appointmentOutOfRange]);
  if (command.newAppointmentAt <= at) {
    throw validationFailed([{ field: 'newAppointmentAt', message: 'the new appointment must be after the apology' }]);
  }
  // The rule asks for the apology at least one working day before the due instant; a later
  // one is accepted (it still happened) but flagged.
  const issuedInTime = workingTimeBetween(ctx.calendar, at, s.dueAt) >= WORKING_DAY_MS;
  const data = {
    dossierId: s.dossierId,
    reason: command.reason,
    responsibleUnitId: command.responsibleUnitId,
    issuedAt: iso(at),
    newAppointmentAt: iso(command.newAppointmentAt),
    issuedInTime,
  };
  return [{ event: { type: 'DossierApologyIssued', data }, occurredAt: at }];
}

function resolve(command: Command<'Resolve'>, state: ExistingDossier): Decided[] {
  const s = requireStatus(state, ['received'], 'resolve');
  const at = command.occurredAt;
  const timeliness = classify(at, s.dueAt);
  const data = {
    dossierId: s.dossierId,
    outcome: command.outcome,
    resolvedAt: iso(at),
    resultDigitized: command.resultDigitized,
    unitId: s.currentUnitId,
    dueAt: iso(s.dueAt),
    timeliness,
    responsibleUnitIds: timeliness === 'late' ? responsibleUnits(s.steps, s.dueAt, at) : [],
    apologized: s.apology !== undefined,
  };
  return [{ event: { type: 'DossierResolved', data }, occurredAt: at }];
}

function receive(command: Command<'Receive'>, state: DossierState, ctx: DecideContext): Decided[] {
  if (state.status !== 'none') throw new AppError('DUPLICATE_DOSSIER', `dossier ${command.dossierId} was already received`);
  checkHappened(command.receivedAt, 'receivedAt', ctx);
  const start = clockStart(ctx.calendar, command.receivedAt);
  const due = checkComputedDue(addWorkingTime(ctx.calendar, start, command.procedure.statutoryWorkingDays * WORKING_DAY_MS), 'receivedAt');
  return [
    {
      event: {
        type: 'DossierReceived',
        data: {
          dossierId: command.dossierId,
          procedureCode: command.procedure.code,
          unitId: command.unitId,
          channel: command.channel,
          receivedAt: iso(command.receivedAt),
          digitized: command.digitized,
          statutoryWorkingDays: command.procedure.statutoryWorkingDays,
          onSupplement: command.procedure.onSupplement,
          calendarRevision: ctx.calendarRevision,
          clockStartAt: iso(start),
          dueAt: iso(due),
          ...provisional(ctx, command.receivedAt, due),
        },
      },
      occurredAt: command.receivedAt,
    },
  ];
}

/** The service's own event: the due instant passed while the dossier was open (not awaiting the citizen). */
function markOverdue(state: ExistingDossier, ctx: DecideContext): Decided[] {
  if (state.status !== 'received' || state.overdueMarked || ctx.now <= state.dueAt) return [];
  return [
    {
      event: { type: 'DossierBecameOverdue', data: { dossierId: state.dossierId, dueAt: iso(state.dueAt), unitId: holderAt(state.steps, state.dueAt) } },
      occurredAt: state.dueAt,
    },
  ];
}

/**
 * The due of a running dossier (and its open step's) counted again, from what it was counted from, on the calendar in force:
 * an event only when one moves. Awaiting the citizen there is no due in force (the supplement counts one); closed, nothing.
 */
function replan(state: ExistingDossier, ctx: DecideContext): Decided[] {
  if (state.status !== 'received') return [];
  const start = clockStart(ctx.calendar, state.clockFrom);
  const due = addWorkingTime(ctx.calendar, start, state.clockDurationMs);
  const last = state.steps[state.steps.length - 1];
  let step: DossierDueReplanned['data']['step'];
  if (state.steps.length > 1 && last.allottedWorkingHours !== undefined && last.dueAt !== undefined) {
    const stepDue = addWorkingTime(ctx.calendar, clockStart(ctx.calendar, last.enteredAt), last.allottedWorkingHours * WORKING_HOUR_MS);
    if (stepDue !== last.dueAt) {
      step = { unitId: last.unitId, oldStepDueAt: iso(last.dueAt), newStepDueAt: iso(stepDue) };
      if (spansProvisional(ctx.calendar, last.enteredAt, stepDue)) step.calendarProvisional = true;
    }
  }
  if (due === state.dueAt && start === state.clockStartAt && step === undefined) return [];
  return [
    {
      event: {
        type: 'DossierDueReplanned',
        data: {
          dossierId: state.dossierId,
          replannedAt: iso(ctx.now),
          oldDueAt: iso(state.dueAt),
          newDueAt: iso(due),
          clockStartAt: iso(start),
          calendarRevision: ctx.calendarRevision,
          ...provisional(ctx, state.clockFrom, due),
          ...(step !== undefined ? { step } : {}),
        },
      },
      occurredAt: ctx.now,
    },
  ];
}

/** `{ calendarProvisional: true }` when a due counted from `from` to `due` crossed a provisional day, else nothing (stored shapes stay as they were). */
function provisional(ctx: DecideContext, from: number, due: number): { calendarProvisional?: true } {
  return spansProvisional(ctx.calendar, from, due) ? { calendarProvisional: true } : {};
}

/** DOMAIN.md: late after the due instant; early on an earlier local day; on time otherwise. */
export function classify(resolvedAt: number, dueAt: number): Timeliness {
  if (resolvedAt > dueAt) return 'late';
  return localDateOf(resolvedAt) < localDateOf(dueAt) ? 'early' : 'on_time';
}

/** Units whose allotted steps overran; if none did, the unit holding the dossier at the due instant. */
export function responsibleUnits(steps: Step[], dueAt: number, resolvedAt: number): string[] {
  const late = new Set<string>();
  steps.forEach((step, i) => {
    const leftAt = i + 1 < steps.length ? steps[i + 1].enteredAt : resolvedAt;
    if (step.dueAt !== undefined && leftAt > step.dueAt) late.add(step.unitId);
  });
  return late.size > 0 ? [...late] : [holderAt(steps, dueAt)];
}

/** The dossier in one of the statuses a command is allowed in, else ILLEGAL_TRANSITION. */
function requireStatus<S extends DossierStatus>(state: ExistingDossier, allowed: readonly S[], verb: string): Extract<ExistingDossier, { status: S }> {
  if (isIn(state, allowed)) return state;
  throw new AppError('ILLEGAL_TRANSITION', `cannot ${verb} a dossier that is ${state.status.replace('_', ' ')}`);
}

function isIn<S extends DossierStatus>(state: ExistingDossier, allowed: readonly S[]): state is Extract<ExistingDossier, { status: S }> {
  return allowed.some((status) => status === state.status);
}

function existing(state: DossierState): ExistingDossier {
  if (state.status === 'none') throw new AppError('NOT_FOUND', 'dossier was not found');
  return state;
}

/** A dossier that exists, and an integrator's instant it may record (checked before the status). */
function happenedTo(state: DossierState, at: number, ctx: DecideContext): ExistingDossier {
  const s = existing(state);
  checkOccurredAt(at, s, ctx);
  return s;
}

/** API.md: what happened lies between 2000-01-01 and now plus one minute. */
function checkHappened(at: number, field: string, ctx: DecideContext): void {
  if (at > ctx.now + MAX_CLOCK_SKEW_MS) throw validationFailed([{ field, message: `${field} is in the future` }]);
  if (!(at >= EARLIEST_INSTANT)) throw validationFailed([{ field, message: `${field} must not be before 2000-01-01` }]);
}

/**
 * A due instant the calendar puts after 2100-01-01 (a calendar with almost no office time) is
 * refused rather than stored: nothing could report on it. The edge refuses such calendars first.
 */
function checkComputedDue(due: number, field: string): number {
  if (due <= LATEST_INSTANT) return due;
  throw validationFailed([{ field, message: `the due instant this gives (${iso(due)}) lies after 2100-01-01: the calendar leaves too little office time` }]);
}

function checkOccurredAt(at: number, state: ExistingDossier, ctx: DecideContext): void {
  checkHappened(at, 'occurredAt', ctx);
  if (at < state.lastOccurredAt) {
    throw validationFailed([
      { field: 'occurredAt', message: `occurredAt is before the dossier's previous event (${iso(state.lastOccurredAt)})` },
    ]);
  }
}
