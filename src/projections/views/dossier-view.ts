/**
 * The per-dossier read model: everything the list, the timeliness report, the step report and
 * the overdue watcher need to know about one dossier, as a pure `evolve(view, event)`.
 *
 * Instants are epoch milliseconds of the OCCURRED instants carried by the events (receivedAt,
 * transferredAt, ...), never the recorded ones: reports describe reality (DOMAIN.md, "Data must
 * match reality"). The view keeps the dossier's history as intervals so that the state at any
 * instant can be derived without replaying events:
 *  - `segments`: the stretches during which the clock ran, each with the due instant in force
 *    (a supplement closes one and opens another with the new due);
 *  - `awaiting`: the stretches spent awaiting a supplement (never overdue);
 *  - `steps`: which unit held the dossier when, with its allotment and step due instant.
 */
import { parseInstant } from '../../common/iso-instant.js';
import { type Channel, DOSSIER_STREAM_PREFIX, type DossierEvent, type Outcome, type Timeliness } from '../../dossier/events.js';
import { isIndexableInstant } from '../report-index/bucket.js';

export type DossierStatus = 'received' | 'awaiting_supplement' | 'resolved' | 'returned' | 'withdrawn';

/** Open-ended when `end` is null. Half-open [start, end): the state holds at E iff start < E and not end < E. */
export interface Interval {
  start: number;
  end: number | null;
}

export interface RunningSegment extends Interval {
  /** Due instant in force while the segment runs. */
  due: number;
}

export interface StepFact {
  unitId: string;
  enteredAt: number;
  leftAt: number | null;
  allottedWorkingHours: number | null;
  stepDueAt: number | null;
}

export interface DossierView {
  dossierId: string;
  /** Global position of DossierReceived: a stable order for lists. */
  seq: number;
  procedureCode: string;
  /** The receiving unit: the unit the dossier is counted for. */
  unitId: string;
  currentUnitId: string;
  channel: Channel;
  /** Received as a digitised dossier (DossierReceived.digitized). */
  digitized: boolean;
  status: DossierStatus;
  receivedAt: number;
  clockStartAt: number;
  /** Due instant in force now (changes on supplement). */
  dueAt: number;
  /** The citizen's appointment: the due instant, or the apology's new appointment. */
  appointmentAt: number;
  /** A DossierBecameOverdue was recorded for the due instant in force. */
  overdueMarked: boolean;
  segments: RunningSegment[];
  awaiting: Interval[];
  steps: StepFact[];
  closure: 'resolved' | 'withdrawn' | null;
  /** Resolution or withdrawal instant. */
  closedAt: number | null;
  outcome: Outcome | null;
  timeliness: Timeliness | null;
  /** Resolved with its result digitised (DossierResolved.resultDigitized). */
  resultDigitized: boolean;
  apologized: boolean;
  responsibleUnitIds: string[];
  returnedAt: number | null;
  /** Stream revision and global position of the last applied event (idempotence guard). */
  revision: number;
  position: number;
}

/** Where an event sits in the log: what the projector knows besides `{ type, data }`. */
export interface EventPlace {
  revision: number;
  position: number;
  /** The event's stream, when known: a DossierReceived must name the dossier of its stream. */
  streamId?: string;
}

/**
 * An event the view cannot take (an instant the report index cannot hold, a field of the wrong
 * kind): thrown before the view is changed, so that the projector can quarantine the event and
 * go on with the next one (issue 21: one such event in the log stopped every start).
 */
export class UnprojectableEventError extends Error {
  override readonly name = 'UnprojectableEventError';
}

const shown = (value: unknown) => (typeof value === 'string' ? JSON.stringify(value.slice(0, 40)) : String(value));

/** Epoch ms of an event's instant, refused unless the report index can hold it (bucket.ts). */
const ms = (value: string, field = 'instant'): number => {
  const t = typeof value === 'string' ? parseInstant(value) : Number.NaN;
  if (!isIndexableInstant(t)) throw new UnprojectableEventError(`${field} ${shown(value)} is not an instant the reports can hold (1830-2109)`);
  return t;
};

function text(value: string, field: string): string {
  if (typeof value !== 'string') throw new UnprojectableEventError(`${field} ${shown(value)} is not a string`);
  return value;
}

function oneOf<T>(value: T, allowed: readonly T[], field: string): T {
  if (!allowed.includes(value)) throw new UnprojectableEventError(`${field} ${shown(value)} is not one of ${allowed.join(', ')}`);
  return value;
}

const CHANNELS: readonly Channel[] = ['online', 'direct', 'postal'];
const OUTCOMES: readonly Outcome[] = ['approved', 'refused'];
const TIMELINESS: readonly Timeliness[] = ['early', 'on_time', 'late'];

/**
 * Applies one dossier event. Returns the view unchanged when the event was already applied
 * (same or earlier position), and `undefined` for events of a dossier never received (which a
 * valid history cannot contain; the projector skips them). Pure: `view` is left as it was.
 * Throws UnprojectableEventError for an event it cannot apply.
 */
export function evolveDossierView(view: DossierView | undefined, event: DossierEvent, at: EventPlace): DossierView | undefined {
  if (view !== undefined && at.position <= view.position) return view;
  if (event.type === 'DossierReceived') return view ?? receivedView(event.data, at);
  if (view === undefined) return undefined;
  const next = copyView(view);
  applyChange(next, event, at);
  return next;
}

/**
 * The same fold, changing `view` itself (a bulk replay's own copy, which nothing else holds):
 * no copy of the whole view per event. Returns the view after the event (a new one for
 * DossierReceived), `view` unchanged when the event was applied already, undefined as above.
 */
export function evolveDossierViewInPlace(view: DossierView | undefined, event: DossierEvent, at: EventPlace): DossierView | undefined {
  if (view !== undefined && at.position <= view.position) return view;
  if (event.type === 'DossierReceived') return view ?? receivedView(event.data, at);
  if (view === undefined) return undefined;
  applyChange(view, event, at);
  return view;
}

function receivedView(d: Extract<DossierEvent, { type: 'DossierReceived' }>['data'], at: EventPlace): DossierView {
  const dossierId = text(d.dossierId, 'dossierId');
  const s = at.streamId;
  if (s !== undefined && !(s.length === DOSSIER_STREAM_PREFIX.length + dossierId.length && s.endsWith(dossierId) && s.startsWith(DOSSIER_STREAM_PREFIX))) {
    throw new UnprojectableEventError(`dossierId ${shown(dossierId)} is not the dossier of stream ${shown(s)}`);
  }
  const unitId = text(d.unitId, 'unitId');
  const receivedAt = ms(d.receivedAt, 'receivedAt');
  const dueAt = ms(d.dueAt, 'dueAt');
  return {
    dossierId,
    seq: at.position,
    procedureCode: text(d.procedureCode, 'procedureCode'),
    unitId,
    currentUnitId: unitId,
    channel: oneOf(d.channel, CHANNELS, 'channel'),
    digitized: d.digitized === true,
    status: 'received',
    receivedAt,
    clockStartAt: ms(d.clockStartAt, 'clockStartAt'),
    dueAt,
    appointmentAt: dueAt,
    overdueMarked: false,
    segments: [{ start: receivedAt, end: null, due: dueAt }],
    awaiting: [],
    steps: [{ unitId, enteredAt: receivedAt, leftAt: null, allottedWorkingHours: null, stepDueAt: null }],
    closure: null,
    closedAt: null,
    outcome: null,
    timeliness: null,
    resultDigitized: false,
    apologized: false,
    responsibleUnitIds: [],
    returnedAt: null,
    revision: at.revision,
    position: at.position,
  };
}

/** A copy sharing nothing that applyChange changes. */
function copyView(v: DossierView): DossierView {
  return {
    ...v,
    segments: v.segments.map((s) => ({ ...s })),
    awaiting: v.awaiting.map((a) => ({ ...a })),
    steps: v.steps.map((s) => ({ ...s })),
    responsibleUnitIds: [...v.responsibleUnitIds],
  };
}

/**
 * Applies an event after DossierReceived to `view`, in place. Every field is read and checked
 * before the view is touched: an event refused half-way would leave a view that is neither.
 */
function applyChange(view: DossierView, event: Exclude<DossierEvent, { type: 'DossierReceived' }>, at: EventPlace): void {
  const change = changeOf(event);
  view.revision = at.revision;
  view.position = at.position;
  change(view);
}

/** The change an event makes, with its fields read and checked (no view touched yet). */
function changeOf(event: Exclude<DossierEvent, { type: 'DossierReceived' }>): (view: DossierView) => void {
  switch (event.type) {
    case 'DossierTransferred': {
      const t = ms(event.data.transferredAt, 'transferredAt');
      const toUnitId = text(event.data.toUnitId, 'toUnitId');
      const stepDueAt = event.data.stepDueAt === undefined ? null : ms(event.data.stepDueAt, 'stepDueAt');
      const allotted = event.data.allottedWorkingHours;
      if (allotted !== undefined && typeof allotted !== 'number') throw new UnprojectableEventError(`allottedWorkingHours ${shown(allotted)} is not a number`);
      return (view) => {
        closeLastStep(view.steps, t);
        view.steps.push({ unitId: toUnitId, enteredAt: t, leftAt: null, allottedWorkingHours: allotted ?? null, stepDueAt });
        view.currentUnitId = toUnitId;
      };
    }
    case 'DossierSupplementRequested': {
      const t = ms(event.data.requestedAt, 'requestedAt');
      return (view) => {
        view.status = 'awaiting_supplement';
        closeLast(view.segments, t);
        view.awaiting.push({ start: t, end: null });
      };
    }
    case 'DossierSupplemented': {
      const t = ms(event.data.supplementedAt, 'supplementedAt');
      const dueAt = ms(event.data.dueAt, 'dueAt');
      const clockStartAt = ms(event.data.clockStartAt, 'clockStartAt');
      return (view) => {
        view.status = 'received';
        closeLast(view.awaiting, t);
        closeLast(view.segments, t);
        view.segments.push({ start: t, end: null, due: dueAt });
        view.clockStartAt = clockStartAt;
        view.dueAt = dueAt;
        view.appointmentAt = dueAt;
        // A new due instant: the watcher looks at it afresh.
        view.overdueMarked = false;
      };
    }
    case 'DossierApologyIssued': {
      const appointmentAt = ms(event.data.newAppointmentAt, 'newAppointmentAt');
      return (view) => {
        view.apologized = true;
        view.appointmentAt = appointmentAt;
      };
    }
    case 'DossierResolved': {
      const t = ms(event.data.resolvedAt, 'resolvedAt');
      const outcome = oneOf(event.data.outcome, OUTCOMES, 'outcome');
      const timeliness = oneOf(event.data.timeliness, TIMELINESS, 'timeliness');
      const responsible = event.data.responsibleUnitIds;
      if (!Array.isArray(responsible)) throw new UnprojectableEventError(`responsibleUnitIds ${shown(responsible)} is not a list`);
      const responsibleUnitIds = responsible.map((u) => text(u, 'responsibleUnitIds[]'));
      const apologized = event.data.apologized === true;
      const resultDigitized = event.data.resultDigitized === true;
      return (view) => {
        close(view, t, 'resolved');
        view.outcome = outcome;
        view.timeliness = timeliness;
        view.resultDigitized = resultDigitized;
        view.apologized = apologized;
        view.responsibleUnitIds = responsibleUnitIds;
      };
    }
    case 'DossierResultReturned': {
      const t = ms(event.data.returnedAt, 'returnedAt');
      return (view) => {
        view.status = 'returned';
        view.returnedAt = t;
      };
    }
    case 'DossierWithdrawn': {
      const t = ms(event.data.withdrawnAt, 'withdrawnAt');
      return (view) => close(view, t, 'withdrawn');
    }
    case 'DossierBecameOverdue':
      return (view) => {
        view.overdueMarked = true;
      };
    case 'DossierDueReplanned': {
      // The new due is in force from the re-plan on: the running segment is split there, so that
      // a report as of an earlier instant still sees the due that was in force then.
      const t = ms(event.data.replannedAt, 'replannedAt');
      const dueAt = ms(event.data.newDueAt, 'newDueAt');
      const clockStartAt = ms(event.data.clockStartAt, 'clockStartAt');
      const stepDueAt = event.data.step === undefined ? undefined : ms(event.data.step.newStepDueAt, 'step.newStepDueAt');
      return (view) => {
        if (stepDueAt !== undefined) {
          const last = view.steps[view.steps.length - 1];
          if (last !== undefined && last.leftAt === null) last.stepDueAt = stepDueAt;
        }
        if (view.status !== 'received' || dueAt === view.dueAt) return;
        closeLast(view.segments, t);
        view.segments.push({ start: t, end: null, due: dueAt });
        view.clockStartAt = clockStartAt;
        if (!view.apologized) view.appointmentAt = dueAt;
        view.dueAt = dueAt;
        view.overdueMarked = false;
      };
    }
    default: {
      const never: never = event;
      throw new Error(`unhandled dossier event ${(never as { type: string }).type}`);
    }
  }
}

/** Resolution and withdrawal close the dossier and stop everything that was running at `t`. */
function close(view: DossierView, t: number, closure: 'resolved' | 'withdrawn'): void {
  view.status = closure;
  view.closure = closure;
  view.closedAt = t;
  closeLast(view.segments, t);
  // A closing entered late can lie before a re-plan's split (the re-plan does not hold back what
  // really happened earlier): nothing ran after the closing.
  for (const s of view.segments) if (s.end !== null && s.end > t) s.end = Math.max(s.start, t);
  closeLast(view.awaiting, t);
  closeLastStep(view.steps, t);
}

function closeLast(intervals: Interval[], t: number): void {
  const last = intervals[intervals.length - 1];
  if (last !== undefined && last.end === null) last.end = t;
}

function closeLastStep(steps: StepFact[], t: number): void {
  const last = steps[steps.length - 1];
  if (last !== undefined && last.leftAt === null) last.leftAt = t;
}

/** Overdue at instant `at`: open, not awaiting a supplement, and its due instant in force has passed. */
export function isOverdueAt(view: DossierView, at: number): boolean {
  for (const s of view.segments) {
    if (s.start < at && (s.end === null || !(s.end < at)) && s.due < at) return true;
  }
  return false;
}

/** A step overran when the dossier left the unit after the step's due instant. */
export const stepOverran = (step: StepFact): boolean | null =>
  step.stepDueAt === null || step.leftAt === null ? null : step.leftAt > step.stepDueAt;
