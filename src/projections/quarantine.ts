/**
 * Events the read models cannot apply (issue 21): each is quarantined, that is recorded with the
 * batch that skips it (position, stream, type, why) and skipped, and the projector goes on with
 * the next event. One such event in the append-only log used to stop the projector at every start.
 * They are shown by `GET /projections/status`, counted in /metrics, and logged once.
 */
import type { LoggedEvent } from '../event-store/event-store.port.js';

export interface QuarantinedEvent {
  position: number;
  streamId: string;
  type: string;
  error: string;
}

/** What the status shows of them: how many, and the latest few. */
export interface QuarantineSummary {
  count: number;
  /** The latest, newest first (at most QUARANTINE_SHOWN). */
  items: QuarantinedEvent[];
}

export const QUARANTINE_SHOWN = 100;

const MAX_ERROR_LENGTH = 500;

export function quarantined(e: Pick<LoggedEvent, 'position' | 'streamId' | 'type'>, error: unknown): QuarantinedEvent {
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return { position: e.position, streamId: e.streamId, type: e.type, error: message.slice(0, MAX_ERROR_LENGTH) };
}
