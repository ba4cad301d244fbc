import { Inject, Logger } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import type { Principal } from '../../access/principal.js';
import { CatalogService } from '../../catalog/catalog.service.js';
import { CLOCK, type Clock } from '../../common/clock.js';
import { AppError } from '../../common/errors.js';
import { WrongExpectedRevisionError } from '../../event-store/errors.js';
import type { AppendResult } from '../../event-store/event-store.port.js';
import { decide, type DossierCommand } from '../domain/decide.js';
import { type DossierState, evolve, type ExistingDossier } from '../domain/state.js';
import { IdempotencyStore } from '../idempotency/idempotency.store.js';
import { DossierRepository, fold, uuidFrom } from './dossier-repository.js';
import { type DossierView, toView } from './dossier-view.js';

export type IntegratorCommand = Exclude<DossierCommand, { type: 'MarkOverdue' } | { type: 'Replan' }>;

export interface CommandOptions {
  idempotencyKey?: string;
  /** Hash of the request (method, path, body): the same key with another request is refused. */
  requestHash?: string;
  ifMatch?: number;
  correlationId?: string;
}

/** One integrator command for one dossier, dispatched on the CommandBus. */
export class ExecuteDossierCommand {
  constructor(
    readonly dossierId: string,
    readonly command: IntegratorCommand,
    readonly principal: Principal,
    readonly options: CommandOptions = {},
  ) {}
}

export interface CommandAnswer {
  status: number;
  body: CommandAnswerBody;
}

export type CommandAnswerBody = DossierView & { position: number; stepDueAt?: string };

/** Retries of read-decide-append when another writer got in first (no If-Match given). */
const MAX_ATTEMPTS = 5;

@CommandHandler(ExecuteDossierCommand)
export class ExecuteDossierCommandHandler implements ICommandHandler<ExecuteDossierCommand, CommandAnswer> {
  private readonly logger = new Logger('Commands');

  constructor(
    private readonly repository: DossierRepository,
    private readonly catalog: CatalogService,
    private readonly idempotency: IdempotencyStore,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute({ dossierId, command, principal, options }: ExecuteDossierCommand): Promise<CommandAnswer> {
    const key = options.idempotencyKey;
    if (key !== undefined) {
      const prior = this.idempotency.get(principal.name, key);
      if (prior) {
        if (prior.requestHash !== options.requestHash) {
          throw new AppError('IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key was already used with a different request');
        }
        return { status: prior.status, body: prior.body as CommandAnswerBody };
      }
    }
    this.checkReferences(command);
    const commandId = randomUUID();
    const idSeed = key !== undefined ? `${principal.name}\u0000${key}` : undefined;

    for (let attempt = 1; ; attempt++) {
      // A reception is first tried as a new stream without reading it: the append's `no_stream`
      // check finds a duplicate, and the next attempt reads the stream to answer properly. With
      // If-Match the stream is read at once: the revision it names is checked against it.
      const blind = command.type === 'Receive' && attempt === 1 && options.ifMatch === undefined;
      const events = blind ? [] : await this.repository.readEvents(dossierId);
      const state = fold(events);
      // A retry whose first answer was lost (crash after the append): its events are already stored.
      if (idSeed !== undefined && events.some((e) => e.id === uuidFrom(`${idSeed}\u0000${dossierId}\u00000`))) {
        const position = events[events.length - 1].position;
        return this.remember(key, options, { status: command.type === 'Receive' ? 201 : 200, body: { ...toView(state as ExistingDossier, this.now()), position } }, principal);
      }
      if (options.ifMatch !== undefined && state.status !== 'none' && state.revision !== options.ifMatch) {
        throw new AppError('REVISION_MISMATCH', `the dossier is at revision ${state.revision}, not ${options.ifMatch}`);
      }
      this.authorize(principal, command, state);
      const calendar = this.catalog.calendar();
      const now = this.clock.now();
      const decided = decide(command, state, { calendar: calendar.compiled, calendarRevision: calendar.revision, now: now.getTime() });
      let result: AppendResult;
      try {
        result = await this.repository.append(dossierId, state, decided, {
          actor: principal.name,
          commandId,
          correlationId: options.correlationId ?? commandId,
          causationId: commandId,
          recordedAt: now,
          idSeed,
        });
      } catch (error) {
        if (!(error instanceof WrongExpectedRevisionError)) throw error;
        if (options.ifMatch !== undefined) {
          throw new AppError('REVISION_MISMATCH', `the dossier moved on from revision ${options.ifMatch}`);
        }
        if (attempt >= MAX_ATTEMPTS) throw new AppError('CONCURRENCY_CONFLICT', 'the dossier is being changed by other requests; retry');
        continue; // someone else wrote first: decide again on the new state
      }
      let next: DossierState = state;
      decided.forEach((d, i) => (next = evolve(next, d.event, result.events[i].revision, d.occurredAt)));
      const body: CommandAnswerBody = { ...toView(next as ExistingDossier, now.getTime()), position: result.position };
      const transferred = decided.find((d) => d.event.type === 'DossierTransferred');
      if (transferred?.event.type === 'DossierTransferred' && transferred.event.data.stepDueAt) body.stepDueAt = transferred.event.data.stepDueAt;
      return this.remember(key, options, { status: command.type === 'Receive' ? 201 : 200, body }, principal);
    }
  }

  private async remember(key: string | undefined, options: CommandOptions, answer: CommandAnswer, principal: Principal): Promise<CommandAnswer> {
    if (key !== undefined) {
      try {
        await this.idempotency.put(principal.name, key, { requestHash: options.requestHash ?? '', ...answer });
      } catch (error) {
        // The events are stored; a lost answer only means a retry is recognised from the stream instead.
        this.logger.warn(`could not record the answer for Idempotency-Key: ${(error as Error).message}`);
      }
    }
    return answer;
  }

  private now(): number {
    return this.clock.now().getTime();
  }

  /** API.md: 404 for an unknown unit or procedure. */
  private checkReferences(command: IntegratorCommand): void {
    switch (command.type) {
      case 'Receive':
        this.catalog.requireUnit(command.unitId);
        return;
      case 'Transfer':
        this.catalog.requireUnit(command.toUnitId);
        return;
      case 'Apologize':
        this.catalog.requireUnit(command.responsibleUnitId);
        return;
      default:
        return;
    }
  }

  /** Integrators act for their units and the units below them: the receiving unit, or the one holding the dossier. */
  private authorize(principal: Principal, command: IntegratorCommand, state: DossierState): void {
    if (principal.units === undefined) return;
    const units = command.type === 'Receive' ? [command.unitId] : state.status === 'none' ? [] : [state.unitId, state.currentUnitId];
    const allowed = units.some((unit) => principal.units!.some((root) => this.catalog.isWithin(unit, root)));
    if (!allowed && units.length > 0) throw new AppError('FORBIDDEN', 'this key does not serve the unit of this dossier');
  }
}
