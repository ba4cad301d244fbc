/**
 * The benchmark's province workload from a fixed seed: a year of dossiers over the benchmark's
 * province (bench/province.ts), about a tenth still open at the end.
 *
 * The dossiers come from the product's history generator (src/catalog/seed/dossier-history.ts,
 * which the demo seed uses too): every event out of the real pure decider. Events come out in
 * recorded order across all dossiers (as a live log would hold them), one append per event, or
 * one row as the store would write it (dossierRows, for bench/bulk-log.ts).
 */
import { getDefaultCalendar, loadDefaultCalendarSpec, localInstant } from '../src/calendar/index.js';
import { CALENDAR_STREAM, procedureStream, unitStream } from '../src/catalog/events.js';
import { type DossierHistory, HistoryGenerator, type HistoryTally } from '../src/catalog/seed/dossier-history.js';
import { Rng } from '../src/catalog/seed/rng.js';
import { type ChainedRow, chainRows } from '../src/event-store/chained-rows.js';
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
}

export type WorkloadTally = HistoryTally;

/** A dossier event as the store writes it, at its revision of its stream. */
export interface LogRow {
  streamId: string;
  revision: number;
  row: ChainedRow;
}

const HOUR = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();

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
    for (const { streamId, revision, item } of this.inRecordedOrder((d) => d.events.map((e) => e.event))) {
      yield { streamId, events: [item], expectedRevision: revision === 0 ? 'no_stream' : revision - 1 };
    }
  }

  /**
   * The same events, each as the store would write it (chainRows: serialised, hashed, chained in
   * its stream), for a bulk writer. A dossier is chained whole when generated: the merge then holds
   * a few strings per event rather than its objects, which the collector traces far faster.
   */
  *dossierRows(): Generator<LogRow> {
    for (const { streamId, revision, item } of this.inRecordedOrder((d) => chainRows(d.streamId, -1, undefined, d.events.map((e) => e.event)))) {
      yield { streamId, revision, row: item };
    }
  }

  /** Items of each dossier's events in recorded order across dossiers, with their stream and revision. */
  private *inRecordedOrder<T>(items: (d: DossierHistory) => T[]): Generator<{ streamId: string; revision: number; item: T }> {
    const heap = new CursorHeap<T>();
    const take = () => {
      const cursor = heap.peek();
      const revision = cursor.next++;
      if (cursor.next === cursor.items.length) heap.pop();
      else heap.replaceTop();
      return { streamId: cursor.streamId, revision, item: cursor.items[revision] };
    };
    for (const dossier of this.history.dossiers()) {
      // Everything recorded before this arrival is final: no later dossier can record earlier.
      while (heap.size > 0 && heap.peekTime() < dossier.receivedAt) yield take();
      heap.push({ streamId: dossier.streamId, seq: dossier.seq, times: Float64Array.from(dossier.events, (e) => e.recordedAt), items: items(dossier), next: 0 });
    }
    while (heap.size > 0) yield take();
  }
}

/** A dossier's events (as appends or rows) and their recorded instants, the next one to emit. */
interface DossierCursor<T> {
  streamId: string;
  seq: number;
  times: Float64Array;
  items: T[];
  next: number;
}

/** Min-heap of dossier cursors by the recorded instant of their next event (ties: dossier order). */
class CursorHeap<T> {
  private readonly items: DossierCursor<T>[] = [];

  get size(): number {
    return this.items.length;
  }

  peek(): DossierCursor<T> {
    return this.items[0];
  }

  peekTime(): number {
    const c = this.items[0];
    return c.times[c.next];
  }

  push(cursor: DossierCursor<T>): void {
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

  private less(a: DossierCursor<T>, b: DossierCursor<T>): boolean {
    const ta = a.times[a.next];
    const tb = b.times[b.next];
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

