/**
 * Realistic dossier histories from a fixed seed: dossiers arriving through the working day over
 * a span, moving between units, some supplemented, apologised for, late, withdrawn, and the
 * recent ones still open at the end instant. Used by the demo seed (demo-history.ts) and by the
 * benchmark's workload (bench/workload.ts).
 *
 * Every event comes out of the real pure decider (`decide` + `evolve`) on the calendar given, so
 * the stream of each dossier is exactly what the service would have stored for the same commands.
 */
import { addWorkingTime, type CompiledCalendar, localDateOf, nextOfficeInstant, WORKING_DAY_MS, workingTimeBetween } from '../../calendar/index.js';
import { isWorkingDay } from '../../calendar/calendar.js';
import { decide, type DossierCommand } from '../../dossier/domain/decide.js';
import { type DossierState, evolve, initialState } from '../../dossier/domain/state.js';
import { type Channel, dossierStream } from '../../dossier/events.js';
import type { EventToAppend } from '../../event-store/event-store.port.js';
import type { ProcedureDefinition } from '../events.js';
import { type Rng, WeightedPicker } from './rng.js';

/** Where a dossier is received, and the units it passes through with the share of its time each is allotted. */
export interface Placement {
  unitId: string;
  route: { unitId: string; share: number }[];
}

export interface HistoryOptions<P> {
  rng: Rng;
  calendar: CompiledCalendar;
  /** Revision of the calendar stream the events cite. */
  calendarRevision: number;
  /** Arrivals from the local day of `startMs` on; nothing is recorded after `endMs`. */
  startMs: number;
  endMs: number;
  /** Arrivals over the span (those falling after `endMs` are left out). */
  dossiers: number;
  procedures: readonly P[];
  /** Relative share of the arrivals. */
  weight(p: P): number;
  definition(p: P): ProcedureDefinition;
  place(p: P): Placement;
  dossierId(n: number): string;
  /** Actor of the integrator's commands, and of the overdue watcher's marks. */
  actor: string;
  watcherActor: string;
  /** Arrivals after this share of the span stay open with this chance (the backlog at the end), besides those whose work is not done by then. */
  backlog: { after: number; chance: number };
}

export interface HistoryTally {
  dossiers: number;
  events: number;
  byType: Record<string, number>;
  resolved: number;
  late: number;
  apologies: number;
  supplementRequests: number;
  transfers: number;
  withdrawn: number;
  /** Received or awaiting a supplement at the end instant. */
  open: number;
  openOverdue: number;
}

/** One dossier's recorded history: its events with their recorded instants, in stream order. */
export interface DossierHistory {
  streamId: string;
  /** The arrival instant: no later dossier records anything before it. */
  receivedAt: number;
  events: { recordedAt: number; event: EventToAppend }[];
  /** Dossier order (1, 2, ...): breaks ties between equal recorded instants. */
  seq: number;
}

/** The overdue watcher's delay after a due instant. */
const WATCH_DELAY_MS = 30_000;
const HOUR = 3_600_000;
const MINUTE = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();

interface Planned {
  at: number;
  command: DossierCommand;
}

export class HistoryGenerator<P> {
  readonly tally: HistoryTally = {
    dossiers: 0, events: 0, byType: {}, resolved: 0, late: 0, apologies: 0, supplementRequests: 0, transfers: 0, withdrawn: 0, open: 0, openOverdue: 0,
  };
  private readonly rng: Rng;
  private readonly cal: CompiledCalendar;
  private readonly picker: WeightedPicker<P>;

  constructor(private readonly o: HistoryOptions<P>) {
    this.rng = o.rng;
    this.cal = o.calendar;
    this.picker = new WeightedPicker(o.procedures, (p) => o.weight(p));
  }

  /** Each dossier's whole history, in arrival order (dossiers received after the end are left out). */
  *dossiers(): Generator<DossierHistory> {
    let n = 0;
    for (const arrival of this.arrivals()) {
      const history = this.dossier(++n, arrival.at, arrival.channel);
      if (history.events.length > 0) yield history;
    }
  }

  /** Arrival instants and channels over the span, in time order, `dossiers` in all. */
  private *arrivals(): Generator<{ at: number; channel: Channel }> {
    const days: { day: number; working: boolean; weight: number }[] = [];
    for (let t = this.o.startMs; t < this.o.endMs; t += 24 * HOUR) {
      const working = isWorkingDay(this.cal, localDateOf(t));
      const weekday = new Date(t + 7 * HOUR).getUTCDay(); // 0 = Sunday
      const weight = working ? [0.8, 1.15, 1.05, 1, 1, 0.85, 0.8][weekday] : 0.04;
      days.push({ day: t, working, weight });
    }
    const total = days.reduce((s, d) => s + d.weight, 0);
    let cumulative = 0;
    let emitted = 0;
    for (const d of days) {
      cumulative += d.weight;
      const upTo = Math.round((cumulative / total) * this.o.dossiers);
      const count = upTo - emitted;
      emitted = upTo;
      const batch: { at: number; channel: Channel }[] = [];
      for (let i = 0; i < count; i++) {
        const r = this.rng.float();
        const channel: Channel = !d.working || r < 0.45 ? 'online' : r < 0.95 ? 'direct' : 'postal';
        let offset: number;
        if (!d.working) offset = this.rng.between(7, 22) * HOUR;
        else if (channel === 'online' && this.rng.chance(0.3)) offset = this.rng.between(6, 23) * HOUR;
        else offset = this.rng.chance(0.6) ? this.rng.between(7.5, 12) * HOUR : this.rng.between(13, 17.25) * HOUR;
        batch.push({ at: d.day + Math.floor(offset), channel });
      }
      batch.sort((a, b) => a.at - b.at);
      yield* batch;
    }
  }

  /** One dossier's whole recorded history (up to the end instant), through the real decider. */
  private dossier(n: number, receivedAt: number, channel: Channel): DossierHistory {
    const { rng, cal, o } = this;
    const procedure = this.picker.pick(rng);
    const { unitId, route } = o.place(procedure);
    const dossierId = o.dossierId(n);
    const streamId = dossierStream(dossierId);
    const events: DossierHistory['events'] = [];
    let state: DossierState = initialState;
    let lastRecorded = 0;
    let stopped = false;
    // Read through a function: the closures below replace `state`, which the compiler cannot see.
    const now = (): DossierState => state;

    const run = (command: DossierCommand, actor: string, recordedAt: number): void => {
      const decided = decide(command, state, { calendar: cal, calendarRevision: o.calendarRevision, now: recordedAt });
      const commandId = rng.uuid();
      decided.forEach((d) => {
        state = evolve(state, d.event, events.length, d.occurredAt);
        events.push({
          recordedAt,
          event: {
            id: rng.uuid(),
            type: d.event.type,
            data: d.event.data as unknown as Record<string, unknown>,
            metadata: { occurredAt: iso(d.occurredAt), recordedAt: iso(recordedAt), actor, commandId, correlationId: commandId, causationId: commandId },
          },
        });
      });
      lastRecorded = recordedAt;
    };
    /** The service's overdue watcher, if the due instant passed (plus its delay) before `before`. */
    const watch = (before: number): void => {
      if (state.status !== 'received' || state.overdueMarked) return;
      const at = Math.max(state.dueAt + WATCH_DELAY_MS, lastRecorded + 1);
      if (at < before && at <= o.endMs) run({ type: 'MarkOverdue' }, o.watcherActor, at);
    };
    /** An integrator's command at `occurredAt`, entered with a realistic lag; false once past the end. */
    const command = (c: DossierCommand, occurredAt: number): boolean => {
      if (stopped) return false;
      let recordedAt = Math.max(occurredAt + this.entryLag(), lastRecorded + 1000);
      watch(recordedAt);
      recordedAt = Math.max(recordedAt, lastRecorded + 1);
      if (recordedAt > o.endMs) return !(stopped = true);
      run(c, o.actor, recordedAt);
      return true;
    };

    command({ type: 'Receive', dossierId, procedure: o.definition(procedure), unitId, channel, receivedAt, digitized: rng.chance(0.8) }, receivedAt);
    const s0 = now();
    // Received after the end instant (or entered after it): not in the log at all.
    if (s0.status === 'none') return { streamId, receivedAt, events, seq: n };
    const statutory = o.definition(procedure).statutoryWorkingDays * WORKING_DAY_MS;
    // Recent arrivals are the backlog still open at the end.
    const spanShare = (receivedAt - o.startMs) / (o.endMs - o.startMs);
    const open = spanShare > o.backlog.after && rng.chance(o.backlog.chance);
    const fate = rng.float();
    const late = fate < 0.016;
    const withdraws = !late && fate < 0.034;
    let at = s0.clockStartAt;

    // The first unit finds the dossier incomplete (about 8%): the clock stops until the citizen comes back.
    // Half of the backlog open at the end waits for the citizen (never overdue while waiting).
    if (rng.chance(open ? 0.5 : 0.06)) {
      at = addWorkingTime(cal, s0.clockStartAt, rng.between(0.02, 0.15) * statutory);
      command({ type: 'RequestSupplement', reason: 'Thiếu giấy tờ', occurredAt: at }, at);
      this.tally.supplementRequests++;
      if (!open && rng.chance(0.8)) {
        at = addWorkingTime(cal, nextOfficeInstant(cal, at + MINUTE), Math.min(20, rng.exponential(3)) * WORKING_DAY_MS + MINUTE);
        command({ type: 'Supplement', occurredAt: at }, at);
      } else {
        if (!open && rng.chance(0.4)) {
          at = addWorkingTime(cal, at, rng.between(10, 30) * WORKING_DAY_MS);
          if (command({ type: 'Withdraw', reason: 'Công dân không bổ sung hồ sơ', occurredAt: at }, at)) this.tally.withdrawn++;
        }
        return this.finish(streamId, receivedAt, events, now(), watch);
      }
    }
    const s1 = now();
    if (stopped || s1.status !== 'received') return this.finish(streamId, receivedAt, events, s1, watch);

    const base = s1.clockStartAt;
    const due = s1.dueAt;
    const span = workingTimeBetween(cal, base, due);
    const used = late ? rng.between(1.02, 1.5) : rng.chance(0.6) ? rng.between(0.05, 0.6) : rng.between(0.6, 0.98);
    const budget = used * span;
    const plan: Planned[] = [];
    const marks = route.map(() => rng.between(0.05, 0.9)).sort((a, b) => a - b);
    route.forEach((step, i) => {
      const command: DossierCommand = { type: 'Transfer', toUnitId: step.unitId, occurredAt: 0 };
      if (step.share > 0 && rng.chance(0.5)) command.allottedWorkingHours = Math.max(0.25, Math.round(((span * step.share) / HOUR) * 4) / 4);
      plan.push({ at: addWorkingTime(cal, base, marks[i] * budget), command });
    });
    const resolveAt = addWorkingTime(cal, base, budget);
    if (late && rng.chance(0.7)) {
      // At least one working day before the due instant as the rule asks, or (less often) between it and the resolution.
      const before = span - rng.between(1, 2) * WORKING_DAY_MS;
      const issuedAt = before > 0 && rng.chance(0.8) ? addWorkingTime(cal, base, before) : due + (resolveAt - due) * rng.between(0.2, 0.8);
      const newAppointmentAt = addWorkingTime(cal, due, rng.int(1, 5) * WORKING_DAY_MS);
      plan.push({ at: issuedAt, command: { type: 'Apologize', reason: 'Chậm thẩm định', newAppointmentAt, responsibleUnitId: '', occurredAt: 0 } });
    }
    if (!open) {
      if (withdraws) plan.push({ at: addWorkingTime(cal, base, rng.between(0.1, 0.8) * budget), command: { type: 'Withdraw', reason: 'Công dân rút hồ sơ', occurredAt: 0 } });
      else plan.push({ at: resolveAt, command: { type: 'Resolve', outcome: rng.chance(0.97) ? 'approved' : 'refused', resultDigitized: rng.chance(0.7), occurredAt: 0 } });
    }
    plan.sort((a, b) => a.at - b.at);

    for (const { at: planned, command: c } of plan) {
      const s = now();
      if (s.status !== 'received' && s.status !== 'awaiting_supplement') break;
      const occurredAt = Math.max(planned, s.lastOccurredAt);
      if (c.type === 'Transfer' && c.toUnitId === s.currentUnitId) continue;
      if (c.type === 'Apologize') c.responsibleUnitId = s.currentUnitId;
      if (c.type === 'Apologize' && c.newAppointmentAt <= occurredAt) c.newAppointmentAt = occurredAt + WORKING_DAY_MS;
      (c as { occurredAt: number }).occurredAt = occurredAt;
      if (!command(c, occurredAt)) break;
      if (c.type === 'Transfer') this.tally.transfers++;
      if (c.type === 'Apologize') this.tally.apologies++;
      if (c.type === 'Withdraw') this.tally.withdrawn++;
    }
    const s2 = now();
    if (s2.status === 'resolved') {
      this.tally.resolved++;
      if (s2.resolution.timeliness === 'late') this.tally.late++;
      if (rng.chance(0.93)) {
        const returnedAt = addWorkingTime(cal, s2.resolution.resolvedAt, Math.min(10, rng.exponential(1.5)) * WORKING_DAY_MS + MINUTE);
        command({ type: 'ReturnResult', occurredAt: returnedAt }, returnedAt);
      }
    }
    return this.finish(streamId, receivedAt, events, now(), watch);
  }

  private finish(streamId: string, receivedAt: number, events: DossierHistory['events'], state: DossierState, watch: (before: number) => void): DossierHistory {
    watch(this.o.endMs + 1);
    const tally = this.tally;
    tally.dossiers++;
    tally.events += events.length;
    for (const { event } of events) tally.byType[event.type] = (tally.byType[event.type] ?? 0) + 1;
    if (state.status === 'received' || state.status === 'awaiting_supplement') {
      tally.open++;
      if (state.status === 'received' && state.dueAt < this.o.endMs) tally.openOverdue++;
    }
    return { streamId, receivedAt, events, seq: tally.dossiers };
  }

  /** Time between what happened and when the integrator told the service. */
  private entryLag(): number {
    const r = this.rng.float();
    if (r < 0.85) return this.rng.between(2_000, 5 * MINUTE);
    if (r < 0.97) return this.rng.between(5 * MINUTE, 6 * HOUR);
    return this.rng.between(24 * HOUR, 72 * HOUR);
  }
}
