import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { CLOCK, type Clock } from '../../common/clock.js';
import { WrongExpectedRevisionError } from '../../event-store/errors.js';
import type { AppendResult, RecordedEvent } from '../../event-store/event-store.port.js';
import type { Decided } from '../domain/decide.js';
import { type DossierState, evolve, type ExistingDossier } from '../domain/state.js';
import { DossierRepository, fold } from './dossier-repository.js';

/** What one round decided on the stream it read: events to append, or an answer without appending. */
export type Decision<T> = { answer: T } | { append: Decided[]; then(after: ExistingDossier, result: AppendResult): T };

export interface PipelineCommand<T> {
  dossierId: string;
  actor: string;
  correlationId?: string;
  /** Seed of deterministic event ids (event-ids.ts). */
  idSeed?: string;
  /** The command's instant; otherwise the clock's, read on each round. */
  at?: Date;
  /** Rounds at most: each one after another writer got in first decides again on the new state. */
  attempts: number;
  /** A first round without reading (a reception): the append's `no_stream` check finds a taken id. */
  blindFirst?: boolean;
  decide(stream: { events: RecordedEvent[]; state: DossierState; now: Date }): Decision<T>;
  /** The answer once every round met a conflict (or a throw). */
  conflicted(): T;
}

/**
 * The one write path of dossier events (integrator commands, the overdue watcher, the calendar
 * re-plan): read the stream, decide, append at the revision read, and on a conflict start again.
 */
@Injectable()
export class CommandPipeline {
  constructor(
    private readonly repository: DossierRepository,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async run<T>(command: PipelineCommand<T>): Promise<T> {
    const { dossierId } = command;
    const commandId = randomUUID();
    for (let attempt = 1; attempt <= command.attempts; attempt++) {
      const events = command.blindFirst && attempt === 1 ? [] : await this.repository.readEvents(dossierId);
      const state = fold(events);
      const now = command.at ?? this.clock.now();
      const decision = command.decide({ events, state, now });
      if ('answer' in decision) return decision.answer;
      const context = { actor: command.actor, commandId, correlationId: command.correlationId ?? commandId, causationId: commandId, recordedAt: now, idSeed: command.idSeed };
      let result: AppendResult;
      try {
        result = await this.repository.append(dossierId, state, decision.append, context);
      } catch (error) {
        if (error instanceof WrongExpectedRevisionError) continue;
        throw error;
      }
      return decision.then(evolveAll(state, decision.append, result), result);
    }
    return command.conflicted();
  }
}

/** The state after the appended events, with their stored revisions. */
function evolveAll(state: DossierState, decided: Decided[], result: AppendResult): ExistingDossier {
  let next = state;
  decided.forEach((d, i) => (next = evolve(next, d.event, result.events[i].revision, d.occurredAt)));
  if (next.status === 'none') throw new Error('the appended events fold to no dossier');
  return next;
}
