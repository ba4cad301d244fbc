import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { APP_CONFIG, type AppConfig } from '../config.js';
import { AppError, notFound, validationFailed } from '../common/errors.js';
import { EVENT_STORE, type EventStore, type RecordedEvent, type Subscription } from '../event-store/event-store.port.js';
import { WrongExpectedRevisionError } from '../event-store/errors.js';
import {
  type CalendarSpec,
  type CompiledCalendar,
  compileCalendar,
  DEFAULT_CUTOFF,
  DEFAULT_OFFICE_HOURS,
  loadDefaultCalendarSpec,
  validateCalendarSpec,
} from '../calendar/index.js';
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

export interface CurrentCalendar {
  spec: CalendarSpec;
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
  private readonly childrenById = new Map<string, Set<string>>();
  private readonly procedures = new Map<string, ProcedureDefinition>();
  private readonly revisions = new Map<string, number>();
  private current: CurrentCalendar;
  private subscription: Subscription | undefined;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    const spec = loadDefaultCalendarSpec();
    this.current = { spec, compiled: compileCalendar(spec), revision: -1 };
  }

  async onModuleInit(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      let ready = false;
      this.subscription = this.store.subscribeToAll(
        {
          onEvents: (events) => events.forEach((e) => this.apply(e)),
          onCaughtUp: () => {
            if (!ready) (ready = true), resolve();
          },
          onError: (error) => {
            if (!ready) reject(error);
            else this.logger.error(`catalog subscription stopped: ${error.message}`);
          },
        },
        { streamPrefixes: CATALOG_STREAM_PREFIXES },
      );
    });
    if (this.current.revision < 0) await this.seed();
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
    return [...(this.childrenById.get(unitId) ?? [])];
  }

  /** The unit and everything below it. */
  subtree(unitId: string): string[] {
    const out: string[] = [];
    const stack = [unitId];
    while (stack.length > 0) {
      const id = stack.pop()!;
      out.push(id);
      for (const child of this.childrenById.get(id) ?? []) stack.push(child);
    }
    return out;
  }

  /** True when `unitId` is `ancestorId` or lies below it. */
  isWithin(unitId: string, ancestorId: string): boolean {
    let id: string | undefined = unitId;
    for (let depth = 0; id !== undefined && depth < 64; depth++) {
      if (id === ancestorId) return true;
      id = this.unitsById.get(id)?.parentId;
    }
    return false;
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

  async putUnit(unit: UnitDefinition, by: CatalogActor): Promise<UnitDefinition> {
    if (unit.parentId !== undefined) {
      if (!this.unitsById.has(unit.parentId)) throw notFound(`parent unit ${unit.parentId}`);
      if (this.isWithin(unit.parentId, unit.unitId)) {
        throw validationFailed([{ field: 'parentId', message: 'a unit cannot be placed below itself' }]);
      }
    }
    await this.write(unitStream(unit.unitId), { type: 'UnitDefined', data: unit }, by, 'any');
    return unit;
  }

  async putProcedure(procedure: ProcedureDefinition, by: CatalogActor): Promise<ProcedureDefinition> {
    await this.write(procedureStream(procedure.code), { type: 'ProcedureDefined', data: procedure }, by, 'any');
    return procedure;
  }

  async putCalendar(input: Partial<CalendarSpec>, by: CatalogActor): Promise<CurrentCalendar> {
    // PUT replaces the calendar: what is omitted takes the default, not the previous value.
    const spec: CalendarSpec = {
      officeHours: input.officeHours ?? DEFAULT_OFFICE_HOURS.map((i) => ({ ...i })),
      cutoff: input.cutoff ?? DEFAULT_CUTOFF,
      holidays: [...new Set(input.holidays ?? [])].sort(),
      workingDays: [...new Set(input.workingDays ?? [])].sort(),
    };
    const problems = validateCalendarSpec(spec);
    if (problems.length > 0) throw validationFailed(problems.map((message) => ({ field: 'calendar', message })));
    await this.write(CALENDAR_STREAM, { type: 'CalendarDefined', data: spec }, by, 'any');
    return this.current;
  }

  private async write(
    streamId: string,
    event: CatalogEvent,
    by: CatalogActor,
    expected: 'any' | 'no_stream',
  ): Promise<void> {
    const now = new Date().toISOString();
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
    if (e.type !== 'UnitDefined' && e.type !== 'ProcedureDefined' && e.type !== 'CalendarDefined') return;
    this.applyCatalog(e.streamId, e.revision, { type: e.type, data: e.data } as unknown as CatalogEvent);
  }

  /** Applies a definition unless a later one of the same stream is already applied. */
  private applyCatalog(streamId: string, revision: number, event: CatalogEvent): void {
    if ((this.revisions.get(streamId) ?? -1) >= revision) return;
    this.revisions.set(streamId, revision);
    switch (event.type) {
      case 'UnitDefined': {
        const previous = this.unitsById.get(event.data.unitId);
        if (previous?.parentId) this.childrenById.get(previous.parentId)?.delete(previous.unitId);
        this.unitsById.set(event.data.unitId, event.data);
        if (event.data.parentId) {
          const siblings = this.childrenById.get(event.data.parentId) ?? new Set<string>();
          siblings.add(event.data.unitId);
          this.childrenById.set(event.data.parentId, siblings);
        }
        return;
      }
      case 'ProcedureDefined':
        this.procedures.set(event.data.code, event.data);
        return;
      case 'CalendarDefined':
        this.current = { spec: event.data, compiled: compileCalendar(event.data), revision };
        return;
      default: {
        const never: never = event;
        throw new AppError('INTERNAL', `unhandled catalog event ${(never as { type: string }).type}`);
      }
    }
  }
}
