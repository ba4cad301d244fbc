import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { APP_CONFIG, type AppConfig } from '../config.js';
import { AppError, notFound, validationFailed } from '../common/errors.js';
import { EVENT_STORE, type EventStore, type RecordedEvent, type Subscription } from '../event-store/event-store.port.js';
import { WrongExpectedRevisionError } from '../event-store/errors.js';
import { followUntilCaughtUp } from '../event-store/follow.js';
import {
  bookFromSpec,
  type CalendarBook,
  type CalendarSpec,
  type CalendarYearEntry,
  calendarPolicyProblems,
  type CompiledCalendar,
  compileBook,
  DEFAULT_CUTOFF,
  DEFAULT_OFFICE_HOURS,
  enteredSpec,
  loadDefaultCalendarSpec,
  PROVISIONAL_FIRST_YEAR,
  PROVISIONAL_LAST_YEAR,
  provisionalDaysAhead,
  validateCalendarSpec,
  withYear,
} from '../calendar/index.js';
import { CLOCK, type Clock } from '../common/clock.js';
import {
  CALENDAR_STREAM,
  CATALOG_STREAM_PREFIXES,
  type CatalogEvent,
  procedureStream,
  type ProcedureDefinition,
  type UnitDefinition,
  unitStream,
} from './events.js';
import { DEMO_PROCEDURES, DEMO_UNITS } from './seed/demo-province.js';
import { seedDemoHistory } from './seed/demo-history.js';
import { type UnitCycle, UnitTree } from './unit-tree.js';

export interface CurrentCalendar {
  /** The entered days (every year with an entry), as PUT /calendar takes them. */
  spec: CalendarSpec;
  /** Office hours, cutoff and the entered years, by year. */
  book: CalendarBook;
  /** What the clock runs on: the entered years and the provisional ones. */
  compiled: CompiledCalendar;
  /** Revision of the calendar stream that defined it (-1: the bundled default, never stored yet). */
  revision: number;
}

/** Who changed the catalog, for event metadata. */
export interface CatalogActor {
  actor: string;
  correlationId?: string;
}

/**
 * Reference data (units, procedures, calendar) as an in-memory view of the catalog streams,
 * kept current by a subscription so that several instances sharing one EventStoreDB agree.
 * A PUT appends an event and applies it at once, so its author reads its own write.
 */
@Injectable()
export class CatalogService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('Catalog');
  private readonly unitsById = new Map<string, UnitDefinition>();
  /** The parent links every walk follows (a link that would close a cycle is left out: unit-tree.ts). */
  private readonly tree = new UnitTree();
  /** putUnit checks and appends one at a time, so that two PUTs cannot close a cycle between them. */
  private unitWrites: Promise<unknown> = Promise.resolve();
  private caughtUp = false;
  private readonly procedures = new Map<string, ProcedureDefinition>();
  private readonly revisions = new Map<string, number>();
  private current: CurrentCalendar;
  private subscription: Subscription | undefined;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    this.current = calendarOf(bookFromSpec(loadDefaultCalendarSpec()), -1);
  }

  async onModuleInit(): Promise<void> {
    this.subscription = await followUntilCaughtUp(this.store, CATALOG_STREAM_PREFIXES, (e) => this.apply(e), this.logger);
    this.caughtUp = true;
    if (this.tree.cycles().length > 0) {
      this.logger.error({ msg: 'the stored unit tree has cycles: each unit named stands as a root until PUT /units gives it another parent', cycles: this.cycles() });
    }
    if (this.current.revision < 0) await this.seed();
    const ahead = provisionalDaysAhead(this.current.compiled, this.clock.now().getTime());
    if (ahead > 0) {
      this.logger.warn({
        msg: `${ahead} of the coming 90 days lie in a year whose calendar is provisional: enter the announced days with PUT /calendar/years/{year}, then POST /calendar/replan`,
        provisionalDaysAhead: ahead,
      });
    }
  }

  async onModuleDestroy(): Promise<void> {
    await this.subscription?.stop();
  }

  /** First start on an empty store: the civil-service calendar, and the demo province unless disabled. */
  private async seed(): Promise<void> {
    const system = { actor: 'system:seed' };
    try {
      await this.write(CALENDAR_STREAM, { type: 'CalendarDefined', data: loadDefaultCalendarSpec() }, system, 'no_stream');
    } catch (error) {
      if (error instanceof WrongExpectedRevisionError) return; // another instance seeded first
      throw error;
    }
    if (!this.config.seedDemo || this.unitsById.size > 0) return;
    for (const unit of DEMO_UNITS) await this.write(unitStream(unit.unitId), { type: 'UnitDefined', data: unit }, system, 'any');
    for (const p of DEMO_PROCEDURES) {
      await this.write(procedureStream(p.code), { type: 'ProcedureDefined', data: p }, system, 'any');
    }
    this.logger.log({ msg: 'seeded the demo province', units: DEMO_UNITS.length, procedures: DEMO_PROCEDURES.length });
    if (!this.config.seedDemoHistory) return;
    const started = Date.now();
    const { compiled: calendar, revision: calendarRevision } = this.current;
    const tally = await seedDemoHistory(this.store, { calendar, calendarRevision, now: this.clock.now().getTime() });
    this.logger.log({ msg: 'seeded a year of demo dossiers', dossiers: tally.dossiers, events: tally.events, open: tally.open, ms: Date.now() - started });
  }

  // ---- reads ----

  getUnit(unitId: string): UnitDefinition | undefined {
    return this.unitsById.get(unitId);
  }

  requireUnit(unitId: string): UnitDefinition {
    const unit = this.unitsById.get(unitId);
    if (!unit) throw notFound(`unit ${unitId}`);
    return unit;
  }

  units(): UnitDefinition[] {
    return [...this.unitsById.values()];
  }

  children(unitId: string): string[] {
    return this.tree.children(unitId);
  }

  /** The unit and everything below it. */
  subtree(unitId: string): string[] {
    return this.tree.subtree(unitId);
  }

  /** True when `unitId` is `ancestorId` or lies below it, however deep. */
  isWithin(unitId: string, ancestorId: string): boolean {
    return this.tree.isWithin(unitId, ancestorId);
  }

  /** Units whose recorded parent would close a cycle: each stands as a root (GET /units shows them). */
  cycles(): UnitCycle[] {
    return this.tree.cycles();
  }

  getProcedure(code: string): ProcedureDefinition | undefined {
    return this.procedures.get(code);
  }

  requireProcedure(code: string): ProcedureDefinition {
    const procedure = this.procedures.get(code);
    if (!procedure) throw notFound(`procedure ${code}`);
    return procedure;
  }

  proceduresList(): ProcedureDefinition[] {
    return [...this.procedures.values()];
  }

  calendar(): CurrentCalendar {
    return this.current;
  }

  // ---- writes ----

  putUnit(unit: UnitDefinition, by: CatalogActor): Promise<UnitDefinition> {
    const done = this.unitWrites.then(async () => {
      const parentId = unit.parentId;
      if (parentId !== undefined) {
        if (!this.unitsById.has(parentId)) throw notFound(`parent unit ${parentId}`);
        if (this.isWithin(parentId, unit.unitId)) {
          const message = parentId === unit.unitId ? 'a unit cannot be its own parent' : `${parentId} lies below ${unit.unitId}: the unit tree would have a cycle`;
          throw validationFailed([{ field: 'parentId', message }]);
        }
      }
      await this.write(unitStream(unit.unitId), { type: 'UnitDefined', data: unit }, by, 'any');
      return unit;
    });
    this.unitWrites = done.catch(() => undefined);
    return done;
  }

  async putProcedure(procedure: ProcedureDefinition, by: CatalogActor): Promise<ProcedureDefinition> {
    await this.write(procedureStream(procedure.code), { type: 'ProcedureDefined', data: procedure }, by, 'any');
    return procedure;
  }

  async putCalendar(input: Partial<CalendarSpec> | null | undefined, by: CatalogActor): Promise<CurrentCalendar> {
    // An empty body would empty the holiday list of every year (issue 21): say what is meant.
    if (input === null || input === undefined || typeof input !== 'object' || Object.keys(input).every((k) => (input as Record<string, unknown>)[k] === undefined)) {
      throw validationFailed([{ field: 'body', message: 'the calendar is missing: send at least one of officeHours, cutoff, holidays, workingDays' }]);
    }
    // PUT replaces the calendar: what is omitted takes the default, not the previous value.
    const spec: CalendarSpec = {
      officeHours: input.officeHours ?? DEFAULT_OFFICE_HOURS.map((i) => ({ ...i })),
      cutoff: input.cutoff ?? DEFAULT_CUTOFF,
      holidays: [...new Set(input.holidays ?? [])].sort(),
      workingDays: [...new Set(input.workingDays ?? [])].sort(),
    };
    const problems = validateCalendarSpec(spec);
    for (const d of [...spec.holidays, ...spec.workingDays]) {
      const y = Number(d.slice(0, 4));
      if (y < PROVISIONAL_FIRST_YEAR || y > PROVISIONAL_LAST_YEAR) problems.push(`${d} lies outside ${PROVISIONAL_FIRST_YEAR}-${PROVISIONAL_LAST_YEAR}, the years the service computes in`);
    }
    if (problems.length === 0) problems.push(...policyProblems(bookFromSpec(spec)));
    if (problems.length > 0) throw validationFailed(problems.map((message) => ({ field: 'calendar', message })));
    await this.write(CALENDAR_STREAM, { type: 'CalendarDefined', data: spec }, by, 'any');
    return this.current;
  }

  /** Enters one year's days (PUT /calendar/years/{year}); the other years are left as they are. */
  async putCalendarYear(entry: CalendarYearEntry, by: CatalogActor): Promise<CurrentCalendar> {
    const problems: string[] = [];
    if (!Number.isInteger(entry.year) || entry.year < PROVISIONAL_FIRST_YEAR || entry.year > PROVISIONAL_LAST_YEAR) {
      problems.push(`year must be an integer from ${PROVISIONAL_FIRST_YEAR} to ${PROVISIONAL_LAST_YEAR}`);
    } else {
      problems.push(...validateCalendarSpec({ ...enteredSpec(this.current.book), holidays: entry.holidays, workingDays: entry.workingDays }));
      for (const d of [...entry.holidays, ...entry.workingDays]) {
        if (!d.startsWith(`${entry.year}-`)) problems.push(`${d} is not in ${entry.year}`);
      }
      if (problems.length === 0) problems.push(...policyProblems(withYear(this.current.book, entry)));
    }
    if (problems.length > 0) throw validationFailed(problems.map((message) => ({ field: 'calendar', message })));
    const data = { year: entry.year, holidays: [...new Set(entry.holidays)].sort(), workingDays: [...new Set(entry.workingDays)].sort(), official: entry.official, sources: [...entry.sources] };
    await this.write(CALENDAR_STREAM, { type: 'CalendarYearEntered', data }, by, 'any');
    return this.current;
  }

  private async write(
    streamId: string,
    event: CatalogEvent,
    by: CatalogActor,
    expected: 'any' | 'no_stream',
  ): Promise<void> {
    const now = this.clock.now().toISOString();
    const commandId = randomUUID();
    const result = await this.store.append(
      streamId,
      [
        {
          id: randomUUID(),
          type: event.type,
          data: event.data as unknown as Record<string, unknown>,
          metadata: {
            occurredAt: now,
            recordedAt: now,
            actor: by.actor,
            commandId,
            correlationId: by.correlationId ?? commandId,
            causationId: commandId,
          },
        },
      ],
      expected,
    );
    this.applyCatalog(streamId, result.events[0].revision, event);
  }

  private apply(e: RecordedEvent): void {
    if (e.type !== 'UnitDefined' && e.type !== 'ProcedureDefined' && e.type !== 'CalendarDefined' && e.type !== 'CalendarYearEntered') return;
    this.applyCatalog(e.streamId, e.revision, { type: e.type, data: e.data } as unknown as CatalogEvent);
  }

  private applyUnit(unit: UnitDefinition): void {
    this.unitsById.set(unit.unitId, unit);
    const cycle = this.tree.define(unit.unitId, unit.parentId);
    // At load the whole list is logged once (onModuleInit); later ones come from another writer.
    if (cycle && this.caughtUp) this.logger.error({ msg: 'a unit definition closes a cycle in the unit tree: the unit stands as a root', ...cycle });
  }

  /**
   * A stored calendar that an older version accepted but that breaks the policy (a working day
   * of one minute) is not put in force: the previous one stays, and the operator is told.
   */
  private adoptCalendar(book: CalendarBook, revision: number): void {
    const next = calendarOf(book, revision);
    const problems = calendarPolicyProblems(next.compiled);
    if (problems.length > 0) {
      this.logger.error({ msg: `calendar revision ${revision} is not put in force: ${problems.join('; ')}`, revision });
      return;
    }
    this.current = next;
  }

  /** Applies a definition unless a later one of the same stream is already applied. */
  private applyCatalog(streamId: string, revision: number, event: CatalogEvent): void {
    if ((this.revisions.get(streamId) ?? -1) >= revision) return;
    this.revisions.set(streamId, revision);
    switch (event.type) {
      case 'UnitDefined':
        this.applyUnit(event.data);
        return;
      case 'ProcedureDefined':
        this.procedures.set(event.data.code, event.data);
        return;
      case 'CalendarDefined':
        this.adoptCalendar(bookFromSpec(event.data), revision);
        return;
      case 'CalendarYearEntered':
        this.adoptCalendar(withYear(this.current.book, event.data), revision);
        return;
      default: {
        const never: never = event;
        throw new AppError('INTERNAL', `unhandled catalog event ${(never as { type: string }).type}`);
      }
    }
  }
}

function calendarOf(book: CalendarBook, revision: number): CurrentCalendar {
  return { spec: enteredSpec(book), book, compiled: compileBook(book), revision };
}

/** Structural checks passed: what the policy says about the calendar the book would make. */
function policyProblems(book: CalendarBook): string[] {
  return calendarPolicyProblems(compileBook(book));
}
