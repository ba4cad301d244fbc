/**
 * The benchmark's province workload from a fixed seed: a year of dossiers over the benchmark's
 * province (bench/province.ts), about a tenth still open at the end.
 *
 * The dossiers come from the product's history generator (src/catalog/seed/dossier-history.ts,
 * which the demo seed uses too): every event out of the real pure decider. Events come out in
 * recorded order across all dossiers (as a live log would hold them), one append per event.
 */
import { getDefaultCalendar, loadDefaultCalendarSpec, localInstant } from '../src/calendar/index.js';
import { CALENDAR_STREAM, procedureStream, unitStream } from '../src/catalog/events.js';
import { type DossierHistory, HistoryGenerator, type HistoryTally } from '../src/catalog/seed/dossier-history.js';
import { Rng } from '../src/catalog/seed/rng.js';
import type { EventToAppend, ExpectedRevision } from '../src/event-store/event-store.port.js';
import { buildProvince, definitionOf, placeOf, type Province, type WorkloadProcedure } from './province.js';

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
  /** The stream's last event of the workload (dossier streams): a bulk writer forgets its head. */
  last?: true;
}

export type WorkloadTally = HistoryTally;

const HOUR = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();

interface DossierCursor extends DossierHistory {
  next: number;
}

export class Workload {
  readonly province: Province;
  readonly startMs: number;
  /** The end instant: nothing is recorded after it; open dossiers are open at it. */
  readonly endMs: number;
  readonly tally: WorkloadTally;
  private readonly rng: Rng;
  private readonly history: HistoryGenerator<WorkloadProcedure>;

  constructor(options: WorkloadOptions) {
    this.rng = new Rng(options.seed);
    const year = options.year ?? 2025;
    const province = (this.province = buildProvince(this.rng));
    this.startMs = localInstant(`${year}-01-01`);
    this.endMs = localInstant(`${year}-12-31`, '17:00');
    this.history = new HistoryGenerator<WorkloadProcedure>({
      rng: this.rng,
      calendar: getDefaultCalendar(),
      calendarRevision: 0,
      startMs: this.startMs,
      endMs: this.endMs,
      dossiers: options.dossiers,
      procedures: province.procedures,
      weight: (p) => p.weight,
      definition: definitionOf,
      place: (p) => placeOf(province, this.rng, p),
      dossierId: (n) => `B${year}-${String(n).padStart(7, '0')}`,
      actor: 'bench-integrator',
      watcherActor: 'system',
      backlog: { after: 0.88, chance: 0.8 },
    });
    this.tally = this.history.tally;
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
    for (const dossier of this.history.dossiers()) {
      // Everything recorded before this arrival is final: no later dossier can record earlier.
      while (heap.size > 0 && heap.peekTime() < dossier.receivedAt) yield this.emit(heap);
      heap.push({ ...dossier, next: 0 });
    }
    while (heap.size > 0) yield this.emit(heap);
  }

  private emit(heap: CursorHeap): StreamAppend {
    const cursor = heap.peek();
    const revision = cursor.next;
    const { event } = cursor.events[cursor.next++];
    const expectedRevision = revision === 0 ? 'no_stream' : revision - 1;
    if (cursor.next < cursor.events.length) {
      heap.replaceTop();
      return { streamId: cursor.streamId, events: [event], expectedRevision };
    }
    heap.pop();
    return { streamId: cursor.streamId, events: [event], expectedRevision, last: true };
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

