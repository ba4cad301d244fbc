import { Logger } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { Principal } from '../../access/principal.js';
import { UnitScope } from '../../access/unit-scope.js';
import { CatalogService } from '../../catalog/catalog.service.js';
import { AppError } from '../../common/errors.js';
import type { RecordedEvent } from '../../event-store/event-store.port.js';
import { type DossierView, toView } from '../application/dossier-view.js';
import { dossierNotFound, unitsOf } from '../application/dossier-visibility.js';
import { decide, type DossierCommand } from '../domain/decide.js';
import type { DossierState } from '../domain/state.js';
import { unhandled } from '../domain/unhandled.js';
import { IdempotencyStore } from '../idempotency/idempotency.store.js';
import { CommandPipeline, type Decision } from '../pipeline/command-pipeline.js';
import { eventId } from '../pipeline/event-ids.js';

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

/** Rounds of read-decide-append when other writers get in first (no If-Match given). */
const MAX_ATTEMPTS = 5;

@CommandHandler(ExecuteDossierCommand)
export class ExecuteDossierCommandHandler implements ICommandHandler<ExecuteDossierCommand, CommandAnswer> {
  private readonly logger = new Logger('Commands');

  constructor(
    private readonly pipeline: CommandPipeline,
    private readonly catalog: CatalogService,
    private readonly idempotency: IdempotencyStore,
    private readonly scope: UnitScope,
  ) {}

  async execute({ dossierId, command, principal, options }: ExecuteDossierCommand): Promise<CommandAnswer> {
    const key = options.idempotencyKey;
    const prior = key === undefined ? undefined : this.replay(dossierId, command, principal, key, options);
    if (prior) return prior;
    this.checkReferences(command);
    const idSeed = key !== undefined ? `${principal.name}\u0000${key}` : options.eventIdSeed;
    const status = command.type === 'Receive' ? 201 : 200;
    const { ifMatch } = options;
    const answer = await this.pipeline.run<CommandAnswer>({
      dossierId,
      actor: principal.name,
      correlationId: options.correlationId,
      idSeed,
      // With If-Match the revision named is the only one to write at: a conflict is final.
      attempts: ifMatch === undefined ? MAX_ATTEMPTS : 1,
      // A reception first appends without reading (`no_stream` finds a taken id); with If-Match the revision is checked first.
      blindFirst: command.type === 'Receive' && ifMatch === undefined,
      decide: ({ events, state, now }): Decision<CommandAnswer> => {
        // A retry whose first answer was lost (crash after the append): its events are already stored.
        if (idSeed !== undefined && state.status !== 'none' && this.scope.coversAny(principal, unitsOf(state)) && holds(events, eventId(dossierId, 0, idSeed))) {
          return { answer: { status, body: { ...toView(state, now.getTime()), position: events[events.length - 1].position } } };
        }
        // Authorisation before the revision: an out-of-scope dossier answers as a missing one.
        this.authorize(principal, dossierId, command, state);
        if (ifMatch !== undefined && state.status !== 'none' && state.revision !== ifMatch) {
          throw new AppError('REVISION_MISMATCH', `the dossier is at revision ${state.revision}, not ${ifMatch}`);
        }
        const calendar = this.catalog.calendar();
        const decided = decide(command, state, { calendar: calendar.compiled, calendarRevision: calendar.revision, now: now.getTime() });
        return {
          append: decided,
          then: (after, result) => {
            const body: CommandAnswerBody = { ...toView(after, now.getTime()), position: result.position };
            for (const { event } of decided) if (event.type === 'DossierTransferred' && event.data.stepDueAt) body.stepDueAt = event.data.stepDueAt;
            return { status, body };
          },
        };
      },
      conflicted: () => {
        if (ifMatch !== undefined) throw new AppError('REVISION_MISMATCH', `the dossier moved on from revision ${ifMatch}`);
        throw new AppError('CONCURRENCY_CONFLICT', 'the dossier is being changed by other requests; retry');
      },
    });
    return this.remember(key, options, answer, principal);
  }

  /** The stored answer to a key already used, for the same request and within the key's units. */
  private replay(dossierId: string, command: IntegratorCommand, principal: Principal, key: string, options: CommandOptions): CommandAnswer | undefined {
    const prior = this.idempotency.get(principal.name, key);
    if (!prior) return undefined;
    if (prior.requestHash !== options.requestHash) {
      throw new AppError('IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key was already used with a different request');
    }
    const body = prior.body as CommandAnswerBody;
    // Answers are kept by key name, and keys of other units may share a name (rotation): replay within scope only.
    if (!this.scope.coversAny(principal, [body.unitId, body.currentUnitId, ...(body.steps ?? []).map((s) => s.unitId)])) throw this.invisible(dossierId, command);
    return { status: prior.status, body };
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
      case 'RequestSupplement':
      case 'Supplement':
      case 'Resolve':
      case 'ReturnResult':
      case 'Withdraw':
        return;
      default:
        return unhandled(command, 'command');
    }
  }

  /** The answer for a dossier the key may not know of: as if missing, or, for a reception, as a taken id. */
  private invisible(dossierId: string, command: IntegratorCommand): AppError {
    return command.type === 'Receive' ? new AppError('DUPLICATE_DOSSIER', `dossier ${dossierId} was already received`) : dossierNotFound(dossierId);
  }

  /**
   * A key acts on dossiers received or held by its units (or units below them): one it never reached answers as missing,
   * one that only passed through them is 403. A reception: 403 for a unit not served; a taken id is 409 whoever holds it.
   */
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

function holds(events: RecordedEvent[], id: string): boolean {
  return events.some((e) => e.id === id);
}
