import { Inject, Logger } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import type { Principal } from '../../access/principal.js';
import { UnitScope } from '../../access/unit-scope.js';
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
import { dossierNotFound, unitsOf } from './dossier-visibility.js';

export type IntegratorCommand = Exclude<DossierCommand, { type: 'MarkOverdue' } | { type: 'Replan' }>;

export interface CommandOptions {
  idempotencyKey?: string;
  /** Hash of the request (method, path, body): the same key with another request is refused. */
  requestHash?: string;
  ifMatch?: number;
  correlationId?: string;
  /**
   * Seed of deterministic event ids without a stored answer (a bulk import line): the command is
   * recognised from its stream when it comes again, so a repeated or resumed import appends nothing twice.
   */
  eventIdSeed?: string;
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
    private readonly scope: UnitScope,
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
        const body = prior.body as CommandAnswerBody;
        // Answers are kept by key name, and keys of other units may share a name (rotation): replay within scope only.
        if (!this.scope.coversAny(principal, [body.unitId, body.currentUnitId, ...(body.steps ?? []).map((s) => s.unitId)])) throw this.invisible(dossierId, command);
        return { status: prior.status, body };
      }
    }
    this.checkReferences(command);
    const commandId = randomUUID();
    const idSeed = key !== undefined ? `${principal.name}\u0000${key}` : options.eventIdSeed;

    for (let attempt = 1; ; attempt++) {
      // A reception is first tried as a new stream without reading it: the append's `no_stream`
      // check finds a duplicate, and the next attempt reads the stream to answer properly. With
      // If-Match the stream is read at once: the revision it names is checked against it.
      const blind = command.type === 'Receive' && attempt === 1 && options.ifMatch === undefined;
      const events = blind ? [] : await this.repository.readEvents(dossierId);
      const state = fold(events);
      // A retry whose first answer was lost (crash after the append): its events are already stored.
      const retried = idSeed !== undefined && events.some((e) => e.id === uuidFrom(`${idSeed}\u0000${dossierId}\u00000`));
      if (retried && state.status !== 'none' && this.scope.coversAny(principal, unitsOf(state))) {
        const position = events[events.length - 1].position;
        return this.remember(key, options, { status: command.type === 'Receive' ? 201 : 200, body: { ...toView(state as ExistingDossier, this.now()), position } }, principal);
      }
      // Authorisation before the revision: an out-of-scope dossier answers as a missing one.
      this.authorize(principal, dossierId, command, state);
      if (options.ifMatch !== undefined && state.status !== 'none' && state.revision !== options.ifMatch) {
        throw new AppError('REVISION_MISMATCH', `the dossier is at revision ${state.revision}, not ${options.ifMatch}`);
      }
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

  /**
   * Integrators act for their units and the units below them: the receiving unit, or the one
   * holding the dossier. A dossier none of whose units the key reaches is answered as missing
   * (404, dossier-visibility.ts); one that passed through the key's units but is neither received
   * nor held there now is 403 (the key acted on it: it learns nothing new). A reception names its
   * unit in the body: 403 when the key does not serve it; a reception whose id is already taken
   * is 409 DUPLICATE_DOSSIER whoever holds it (ids are global), never a 412 with the revision.
   */
  /** The answer for a dossier the key may not know of: as if missing, or, for a reception, as a taken id. */
  private invisible(dossierId: string, command: IntegratorCommand): AppError {
    return command.type === 'Receive' ? new AppError('DUPLICATE_DOSSIER', `dossier ${dossierId} was already received`) : dossierNotFound(dossierId);
  }

  private authorize(principal: Principal, dossierId: string, command: IntegratorCommand, state: DossierState): void {
    if (command.type === 'Receive') {
      if (!this.scope.covers(principal, command.unitId)) throw new AppError('FORBIDDEN', `unit ${command.unitId} is outside the units of this key`);
      if (state.status !== 'none' && !this.scope.coversAny(principal, unitsOf(state))) throw this.invisible(dossierId, command);
      return;
    }
    if (state.status === 'none' || !this.scope.coversAny(principal, unitsOf(state))) throw this.invisible(dossierId, command);
    if (!this.scope.coversAny(principal, [state.unitId, state.currentUnitId])) {
      throw new AppError('FORBIDDEN', 'this key does not serve the unit that received or holds this dossier now');
    }
  }
}
