import { Inject, Injectable } from '@nestjs/common';
import { EVENT_STORE, type AppendResult, type EventStore, type RecordedEvent } from '../../event-store/event-store.port.js';
import { isoInstant, parseInstant } from '../../common/iso-instant.js';
import type { Decided } from '../domain/decide.js';
import { type DossierState, evolve, initialState } from '../domain/state.js';
import { dossierStream, isDossierEvent } from '../events.js';
import { eventId } from './event-ids.js';

export interface WriteContext {
  actor: string;
  commandId: string;
  correlationId: string;
  causationId: string;
  recordedAt: Date;
  /** Seed of deterministic event ids (event-ids.ts). */
  idSeed?: string;
}

/** Folds stored events into the decider's state. `recordedBy` keeps only events recorded by then (as-of views). */
export function fold(events: RecordedEvent[], recordedBy?: number): DossierState {
  let state = initialState;
  for (const e of events) {
    if (!isDossierEvent(e)) continue;
    if (recordedBy !== undefined && parseInstant(e.metadata.recordedAt as string) > recordedBy) continue;
    state = evolve(state, e, e.revision, parseInstant(e.metadata.occurredAt as string));
  }
  return state;
}

/** Reads and writes dossier streams through the event-store port. */
@Injectable()
export class DossierRepository {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  readEvents(dossierId: string): Promise<RecordedEvent[]> {
    return this.store.readStream(dossierStream(dossierId));
  }

  /** Appends at the revision `state` was folded to (`no_stream` for a new dossier). */
  append(dossierId: string, state: DossierState, decided: Decided[], ctx: WriteContext): Promise<AppendResult> {
    const recordedAt = isoInstant(ctx.recordedAt.getTime());
    return this.store.append(
      dossierStream(dossierId),
      decided.map((d, i) => ({
        id: eventId(dossierId, i, ctx.idSeed),
        type: d.event.type,
        data: d.event.data,
        metadata: {
          occurredAt: isoInstant(d.occurredAt),
          recordedAt,
          actor: ctx.actor,
          commandId: ctx.commandId,
          correlationId: ctx.correlationId,
          causationId: ctx.causationId,
        },
      })),
      state.status === 'none' ? 'no_stream' : state.revision,
    );
  }
}
