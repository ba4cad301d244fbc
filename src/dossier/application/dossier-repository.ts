import { Inject, Injectable } from '@nestjs/common';
import { hash, randomUUID } from 'node:crypto';
import { EVENT_STORE, type AppendResult, type EventStore, type RecordedEvent } from '../../event-store/event-store.port.js';
import { isoInstant, parseInstant } from '../../common/iso-instant.js';
import type { Decided } from '../domain/decide.js';
import { type DossierState, evolve, initialState } from '../domain/state.js';
import { type DossierEvent, dossierStream, isDossierEvent } from '../events.js';

export interface WriteContext {
  actor: string;
  commandId: string;
  correlationId: string;
  causationId: string;
  recordedAt: Date;
  /** Seed for deterministic event ids (an Idempotency-Key): a retried append is then stored once. */
  idSeed?: string;
}

/** Folds stored events into the decider's state. `recordedBy` keeps only events recorded by then (as-of views). */
export function fold(events: RecordedEvent[], recordedBy?: number): DossierState {
  let state = initialState;
  for (const e of events) {
    if (!isDossierEvent(e)) continue;
    if (recordedBy !== undefined && parseInstant(e.metadata.recordedAt as string) > recordedBy) continue;
    state = evolve(state, e as unknown as DossierEvent, e.revision, parseInstant(e.metadata.occurredAt as string));
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

  async load(dossierId: string): Promise<DossierState> {
    return fold(await this.readEvents(dossierId));
  }

  append(dossierId: string, state: DossierState, decided: Decided[], ctx: WriteContext): Promise<AppendResult> {
    const recordedAt = isoInstant(ctx.recordedAt.getTime());
    return this.store.append(
      dossierStream(dossierId),
      decided.map((d, i) => ({
        id: ctx.idSeed ? uuidFrom(`${ctx.idSeed}\u0000${dossierId}\u0000${i}`) : randomUUID(),
        type: d.event.type,
        data: d.event.data as unknown as Record<string, unknown>,
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

/** A UUID (version 8 layout) derived from a string, so that the same retry produces the same event id. */
export function uuidFrom(seed: string): string {
  const h = hash('sha256', seed, 'hex');
  const variant = ((parseInt(h[16], 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
