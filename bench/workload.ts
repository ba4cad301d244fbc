/**
 * A realistic province workload from a fixed seed: a year of dossiers arriving through the
 * working day, moving between units, some supplemented, apologised for, late, withdrawn, and
 * about a tenth still open at the end.
 *
 * Every event comes out of the real pure decider (`decide` + `evolve`), so the stream of each
 * dossier is exactly what the service would have stored for the same commands. Events come out
 * in recorded order across all dossiers (as a live log would hold them), one append per event.
 */
import { addWorkingTime, getDefaultCalendar, loadDefaultCalendarSpec, localDateOf, localInstant, nextOfficeInstant, WORKING_DAY_MS, workingTimeBetween } from '../src/calendar/index.js';
import { isWorkingDay } from '../src/calendar/calendar.js';
import { CALENDAR_STREAM, procedureStream, unitStream } from '../src/catalog/events.js';
import { decide, type DossierCommand } from '../src/dossier/domain/decide.js';
import { type DossierState, evolve, initialState } from '../src/dossier/domain/state.js';
import { type Channel, dossierStream } from '../src/dossier/events.js';
import type { EventToAppend, ExpectedRevision } from '../src/event-store/event-store.port.js';
import { buildProvince, definitionOf, type Province, type WorkloadProcedure } from './province.js';
import { Rng, WeightedPicker } from './rng.js';

export interface WorkloadOptions {
  seed: number;
  dossiers: number;
  /** Arrivals from 1 January to 31 December of this year (the bundled calendar covers 2024-2026). */
  year?: number;
}

/** One append: a stream, its events, the revision expected before them. */
export interface StreamAppend {
  streamId: string;
  events: EventToAppend[];
  expectedRevision: ExpectedRevision;
}

export interface WorkloadTally {
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

const ACTOR = 'bench-integrator';
const WATCHER = 'system';
/** The overdue watcher's delay after a due instant. */
const WATCH_DELAY_MS = 30_000;
const HOUR = 3_600_000;
const MINUTE = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();

interface Planned {
  at: number;
  command: DossierCommand;
}

interface DossierCursor {
  events: { recordedAt: number; event: EventToAppend }[];
  next: number;
  streamId: string;
  /** Dossier order: breaks ties between equal recorded instants. */
  seq: number;
}

export class Workload {
  readonly province: Province;
  readonly startMs: number;
  /** The end instant: nothing is recorded after it; open dossiers are open at it. */
  readonly endMs: number;
  readonly tally: WorkloadTally = {
    dossiers: 0, events: 0, byType: {}, resolved: 0, late: 0, apologies: 0, supplementRequests: 0, transfers: 0, withdrawn: 0, open: 0, openOverdue: 0,
  };
  private readonly rng: Rng;
  private readonly cal = getDefaultCalendar();
  private readonly year: number;
  private readonly procedures: WeightedPicker<WorkloadProcedure>;

  constructor(private readonly options: WorkloadOptions) {
    this.rng = new Rng(options.seed);
    this.year = options.year ?? 2025;
    this.province = buildProvince(this.rng);
    this.procedures = new WeightedPicker(this.province.procedures, (p) => p.weight);
    this.startMs = localInstant(`${this.year}-01-01`);
    this.endMs = localInstant(`${this.year}-12-31`, '17:00');
  }

  /** The calendar, units and procedures (revision 0 of the calendar stream: what the dossier events cite). */
  *catalogAppends(): Generator<StreamAppend> {
    const at = iso(this.startMs - 24 * HOUR);
    const meta = () => {
      const commandId = this.rng.uuid();
      return { occurredAt: at, recordedAt: at, actor: 'system:seed', commandId, correlationId: commandId, causationId: commandId };
    };
    yield { streamId: CALENDAR_STREAM, expectedRevision: 'no_stream', events: [{ id: this.rng.uuid(), type: 'CalendarDefined', data: { ...loadDefaultCalendarSpec() }, metadata: meta() }] };
    for (const unit of this.province.units) {
      yield { streamId: unitStream(unit.unitId), expectedRevision: 'any', events: [{ id: this.rng.uuid(), type: 'UnitDefined', data: { ...unit }, metadata: meta() }] };
    }
    for (const p of this.province.procedures) {
      yield { streamId: procedureStream(p.code), expectedRevision: 'any', events: [{ id: this.rng.uuid(), type: 'ProcedureDefined', data: { ...definitionOf(p) }, metadata: meta() }] };
    }
  }

  /** Dossier events in recorded order, one event per append. */
  *dossierAppends(): Generator<StreamAppend> {
    const heap = new CursorHeap();
    let n = 0;
    for (const arrival of this.arrivals()) {
      // Everything recorded before this arrival is final: no later dossier can record earlier.
      while (heap.size > 0 && heap.peekTime() < arrival.at) yield this.emit(heap);
      const cursor = this.dossier(++n, arrival.at, arrival.channel);
      if (cursor.events.length > 0) heap.push(cursor);
    }
    while (heap.size > 0) yield this.emit(heap);
  }

  private emit(heap: CursorHeap): StreamAppend {
    const cursor = heap.peek();
    const revision = cursor.next;
    const { event } = cursor.events[cursor.next++];
    if (cursor.next < cursor.events.length) heap.replaceTop();
    else heap.pop();
    this.tally.events++;
    this.tally.byType[event.type] = (this.tally.byType[event.type] ?? 0) + 1;
    return { streamId: cursor.streamId, events: [event], expectedRevision: revision === 0 ? 'no_stream' : revision - 1 };
  }

  /** Arrival instants and channels over the year, in time order, `dossiers` in all. */
  private *arrivals(): Generator<{ at: number; channel: Channel }> {
    const days: { day: number; working: boolean; weight: number }[] = [];
    for (let t = this.startMs; t < this.endMs; t += 24 * HOUR) {
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
      const upTo = Math.round((cumulative / total) * this.options.dossiers);
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
  private dossier(n: number, receivedAt: number, channel: Channel): DossierCursor {
    const rng = this.rng;
    const cal = this.cal;
    const procedure = this.procedures.pick(rng);
    const { unitId, route } = this.placeOf(procedure);
    const dossierId = `B${this.year}-${String(n).padStart(7, '0')}`;
    const streamId = dossierStream(dossierId);
    const events: DossierCursor['events'] = [];
    let state: DossierState = initialState;
    let lastRecorded = 0;
    let stopped = false;
    // Read through a function: the closures below replace `state`, which the compiler cannot see.
    const now = (): DossierState => state;

    const run = (command: DossierCommand, actor: string, recordedAt: number): void => {
      const decided = decide(command, state, { calendar: cal, calendarRevision: 0, now: recordedAt });
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
      if (at < before && at <= this.endMs) run({ type: 'MarkOverdue' }, WATCHER, at);
    };
    /** An integrator's command at `occurredAt`, entered with a realistic lag; false once past the end. */
    const command = (c: DossierCommand, occurredAt: number): boolean => {
      if (stopped) return false;
      let recordedAt = Math.max(occurredAt + this.entryLag(), lastRecorded + 1000);
      watch(recordedAt);
      recordedAt = Math.max(recordedAt, lastRecorded + 1);
      if (recordedAt > this.endMs) return !(stopped = true);
      run(c, ACTOR, recordedAt);
      return true;
    };

    command({ type: 'Receive', dossierId, procedure: definitionOf(procedure), unitId, channel, receivedAt, digitized: rng.chance(0.8) }, receivedAt);
    const s0 = now();
    // Received after the end instant (or entered after it): not in the log at all.
    if (s0.status === 'none') return { streamId, events, next: 0, seq: n };
    const statutory = procedure.statutoryWorkingDays * WORKING_DAY_MS;
    // Recent arrivals are the backlog still open at the end (about a tenth of the year's dossiers).
    const yearShare = (receivedAt - this.startMs) / (this.endMs - this.startMs);
    const open = yearShare > 0.88 && rng.chance(0.8);
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
        return this.finish(streamId, events, now(), watch);
      }
    }
    const s1 = now();
    if (stopped || s1.status !== 'received') return this.finish(streamId, events, s1, watch);

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
    return this.finish(streamId, events, now(), watch);
  }

  private finish(streamId: string, events: DossierCursor['events'], state: DossierState, watch: (before: number) => void): DossierCursor {
    watch(this.endMs + 1);
    this.tally.dossiers++;
    if (state.status === 'received' || state.status === 'awaiting_supplement') {
      this.tally.open++;
      if (state.status === 'received' && state.dueAt < this.endMs) this.tally.openOverdue++;
    }
    return { streamId, events, next: 0, seq: this.tally.dossiers };
  }

  /** Time between what happened and when the integrator told the service. */
  private entryLag(): number {
    const r = this.rng.float();
    if (r < 0.85) return this.rng.between(2_000, 5 * MINUTE);
    if (r < 0.97) return this.rng.between(5 * MINUTE, 6 * HOUR);
    return this.rng.between(24 * HOUR, 72 * HOUR);
  }

  /** The receiving unit and the units the dossier passes through, with the share of time each is allotted. */
  private placeOf(p: WorkloadProcedure): { unitId: string; route: { unitId: string; share: number }[] } {
    const rng = this.rng;
    const { province } = this;
    if (p.level === 'commune') {
      const commune = rng.pick(province.communes);
      // Half go to the district office for appraisal and come back; some are decided there.
      const office = commune.district.offices[p.handler];
      const k = rng.float();
      const route = k < 0.3 ? [] : k < 0.5 ? [{ unitId: office, share: 0.6 }] : [{ unitId: office, share: 0.5 }, { unitId: commune.id, share: 0 }];
      return { unitId: commune.id, route };
    }
    if (p.level === 'district') {
      const district = rng.pick(province.districts);
      const office = district.offices[p.handler];
      const k = rng.float();
      const route =
        k < 0.4
          ? [{ unitId: office, share: 0.7 }]
          : k < 0.85
            ? [{ unitId: office, share: 0.7 }, { unitId: district.bpmc, share: 0.1 }]
            : [{ unitId: office, share: 0.5 }, { unitId: rng.pick(district.communes), share: 0.2 }, { unitId: district.bpmc, share: 0.1 }];
      return { unitId: district.bpmc, route };
    }
    const department = province.departments[Number(p.handler)];
    const office = department.offices[0];
    const other = rng.pick(province.departments.filter((d) => d !== department)).offices[0];
    const unitId = rng.chance(0.85) ? province.centre : office;
    const k = rng.float();
    const route =
      k < 0.3
        ? [{ unitId: office, share: 0.7 }]
        : k < 0.8
          ? [{ unitId: office, share: 0.7 }, { unitId: province.centre, share: 0.1 }]
          : [{ unitId: office, share: 0.5 }, { unitId: other, share: 0.2 }, { unitId: province.centre, share: 0.1 }];
    return { unitId, route };
  }
}

/** Min-heap of dossier cursors by the recorded instant of their next event (ties: dossier order). */
class CursorHeap {
  private readonly items: DossierCursor[] = [];

  get size(): number {
    return this.items.length;
  }

  peek(): DossierCursor {
    return this.items[0];
  }

  peekTime(): number {
    const c = this.items[0];
    return c.events[c.next].recordedAt;
  }

  push(cursor: DossierCursor): void {
    this.items.push(cursor);
    this.up(this.items.length - 1);
  }

  pop(): void {
    const last = this.items.pop()!;
    if (this.items.length > 0) {
      this.items[0] = last;
      this.down(0);
    }
  }

  /** The top's key changed (its next event moved on). */
  replaceTop(): void {
    this.down(0);
  }

  private less(a: DossierCursor, b: DossierCursor): boolean {
    const ta = a.events[a.next].recordedAt;
    const tb = b.events[b.next].recordedAt;
    return ta < tb || (ta === tb && a.seq < b.seq);
  }

  private up(i: number): void {
    const items = this.items;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(items[i], items[parent])) break;
      [items[i], items[parent]] = [items[parent], items[i]];
      i = parent;
    }
  }

  private down(i: number): void {
    const items = this.items;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < items.length && this.less(items[l], items[m])) m = l;
      if (r < items.length && this.less(items[r], items[m])) m = r;
      if (m === i) return;
      [items[i], items[m]] = [items[m], items[i]];
      i = m;
    }
  }
}

