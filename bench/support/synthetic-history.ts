/**
 * Seeded random dossier histories: valid lifecycles (received, transfers with and without
 * allotments, one supplement, one apology, overdue marks, resolution or withdrawal, return),
 * with occurred instants and entry lags (recordedAt later than occurredAt, sometimes by days).
 * For the property tests and for bulk-loading the read models in benchmarks; deterministic for a seed.
 */
import { mulberry32 } from '../../src/common/random.js';
import type { Channel, DossierEvent, Timeliness } from '../../src/dossier/events.js';
import type { RecordedEvent } from '../../src/event-store/event-store.port.js';
import { dossierStream } from '../../src/dossier/events.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const LOCAL_OFFSET = 7 * HOUR;

/** mulberry32 (src/common/random.ts): small, fast, good enough for test data. */
export const prng = mulberry32;

export interface SyntheticOptions {
  seed: number;
  dossiers: number;
  /** Receiving and handling units. */
  unitIds: string[];
  procedureCodes: string[];
  /** Receptions spread evenly (with jitter) over [start, start + spanMs). */
  start: number;
  spanMs: number;
  /** Events occurring at or after this instant are not generated (those dossiers stay open). */
  horizon?: number;
  /** Id prefix, so that several generated sets can share a store. */
  idPrefix?: string;
}

export interface SyntheticEvent {
  dossierId: string;
  event: DossierEvent;
  occurredAt: number;
  recordedAt: number;
}

const CHANNELS: Channel[] = ['online', 'direct', 'postal'];
const iso = (ms: number) => new Date(ms).toISOString();
const localDay = (ms: number) => Math.floor((ms + LOCAL_OFFSET) / DAY);

function classify(resolvedAt: number, dueAt: number): Timeliness {
  if (resolvedAt > dueAt) return 'late';
  return localDay(resolvedAt) < localDay(dueAt) ? 'early' : 'on_time';
}

/** One dossier's events in stream order. */
export function syntheticDossier(random: () => number, o: SyntheticOptions, i: number): SyntheticEvent[] {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)];
  const dossierId = `${o.idPrefix ?? 'd'}${i}`;
  const horizon = o.horizon ?? Number.POSITIVE_INFINITY;
  const out: SyntheticEvent[] = [];
  let recorded = 0;
  const emit = (event: DossierEvent, occurredAt: number) => {
    // Mostly recorded within minutes; one event in ten days late (the "still processing" complaint).
    const lag = random() < 0.1 ? random() * 5 * DAY : random() * 10 * 60_000;
    recorded = Math.max(recorded, Math.round(occurredAt + lag));
    out.push({ dossierId, event, occurredAt, recordedAt: recorded });
  };

  const receivedAt = Math.round(o.start + ((i + random()) / o.dossiers) * o.spanMs);
  if (receivedAt >= horizon) return out;
  const unitId = pick(o.unitIds);
  let due = receivedAt + Math.round((0.5 + random() * 10) * DAY);
  emit(
    {
      type: 'DossierReceived',
      data: {
        dossierId,
        procedureCode: pick(o.procedureCodes),
        unitId,
        channel: pick(CHANNELS),
        receivedAt: iso(receivedAt),
        digitized: random() < 0.8,
        statutoryWorkingDays: 5,
        onSupplement: 'restart',
        calendarRevision: 0,
        clockStartAt: iso(receivedAt),
        dueAt: iso(due),
      },
    },
    receivedAt,
  );

  let t = receivedAt;
  let holder = unitId;
  let awaiting = false;
  let requested = false;
  let apologized = false;
  let marked = false;
  const lateSteps = new Set<string>();
  let stepDue: number | null = null;
  for (let action = 0; action < 8; action++) {
    const next = t + Math.round(random() * random() * 6 * DAY);
    if (!awaiting && !marked && due < next && due + 1 < horizon && random() < 0.7) {
      // The watcher noticed: a mark between the due instant and the next action.
      marked = true;
      t = Math.max(t, due + 1);
      emit({ type: 'DossierBecameOverdue', data: { dossierId, dueAt: iso(due), unitId: holder } }, t);
    }
    t = Math.max(t, next);
    if (t >= horizon) return out;
    const r = random();
    const leaveStep = () => {
      if (stepDue !== null && t > stepDue) lateSteps.add(holder);
    };
    if (awaiting) {
      if (r < 0.75) {
        due = t + Math.round((0.5 + random() * 8) * DAY);
        awaiting = false;
        marked = false;
        emit(
          {
            type: 'DossierSupplemented',
            data: { dossierId, supplementedAt: iso(t), rule: 'restart', clockStartAt: iso(t), dueAt: iso(due), calendarRevision: 0 },
          },
          t,
        );
      } else if (r < 0.9) {
        emit({ type: 'DossierWithdrawn', data: { dossierId, reason: 'citizen gave up', withdrawnAt: iso(t) } }, t);
        return out;
      } else {
        leaveStep();
        resolve(t, 'refused');
        return out;
      }
      continue;
    }
    if (r < 0.35) {
      leaveStep();
      // Mostly to a neighbour of the receiving unit, sometimes to one of a few central offices.
      const home = o.unitIds.indexOf(unitId);
      const toUnitId =
        random() < 0.7 ? o.unitIds[(home + 1 + Math.floor(random() * 3)) % o.unitIds.length] : o.unitIds[Math.floor(random() * Math.min(5, o.unitIds.length))];
      const allotted = random() < 0.5 ? Math.ceil(random() * 24) : undefined;
      stepDue = allotted === undefined ? null : t + Math.round(allotted * HOUR * (1 + random()));
      emit(
        {
          type: 'DossierTransferred',
          data: {
            dossierId,
            fromUnitId: holder,
            toUnitId,
            transferredAt: iso(t),
            ...(allotted === undefined ? {} : { allottedWorkingHours: allotted, stepDueAt: iso(stepDue!) }),
            calendarRevision: 0,
          },
        },
        t,
      );
      holder = toUnitId;
    } else if (r < 0.45 && !requested) {
      requested = true;
      awaiting = true;
      emit(
        {
          type: 'DossierSupplementRequested',
          data: { dossierId, unitId: holder, reason: 'missing page', requestedAt: iso(t), remainingWorkingMs: Math.max(0, due - t) },
        },
        t,
      );
    } else if (r < 0.52 && !apologized) {
      apologized = true;
      emit(
        {
          type: 'DossierApologyIssued',
          data: {
            dossierId,
            reason: 'backlog',
            responsibleUnitId: holder,
            issuedAt: iso(t),
            newAppointmentAt: iso(due + 3 * DAY),
            issuedInTime: t < due - DAY,
          },
        },
        t,
      );
    } else if (r < 0.58) {
      emit({ type: 'DossierWithdrawn', data: { dossierId, reason: 'citizen withdrew', withdrawnAt: iso(t) } }, t);
      return out;
    } else if (r < 0.85) {
      leaveStep();
      resolve(t, random() < 0.9 ? 'approved' : 'refused');
      return out;
    }
  }
  return out;

  function resolve(at: number, outcome: 'approved' | 'refused') {
    const timeliness = classify(at, due);
    const responsibleUnitIds = timeliness === 'late' ? (lateSteps.size > 0 ? [...lateSteps] : [holder]) : [];
    emit(
      {
        type: 'DossierResolved',
        data: {
          dossierId,
          outcome,
          resolvedAt: iso(at),
          // Derived rather than drawn, so that every seed's histories stay what they were.
          resultDigitized: (i + at) % 10 < 7,
          unitId: holder,
          dueAt: iso(due),
          timeliness,
          responsibleUnitIds,
          apologized,
        },
      },
      at,
    );
    const returnedAt = at + Math.round(random() * 3 * DAY);
    if (random() < 0.8 && returnedAt < horizon) {
      emit({ type: 'DossierResultReturned', data: { dossierId, returnedAt: iso(returnedAt) } }, returnedAt);
    }
  }
}

/** All events of all dossiers in global (recorded) order. */
export function syntheticEvents(o: SyntheticOptions): SyntheticEvent[] {
  const random = prng(o.seed);
  const all: SyntheticEvent[] = [];
  for (let i = 0; i < o.dossiers; i++) all.push(...syntheticDossier(random, o, i));
  // Stable sort: events of one dossier keep their stream order (their recordedAt never decreases).
  return all.sort((a, b) => a.recordedAt - b.recordedAt);
}

/** The events as the store would deliver them, at consecutive positions. */
export function toRecordedLog(events: SyntheticEvent[], firstPosition = 1): RecordedEvent[] {
  const revisions = new Map<string, number>();
  return events.map((e, n) => toRecorded(e, firstPosition + n, revisions));
}

export const syntheticLog = (o: SyntheticOptions, firstPosition = 1) => toRecordedLog(syntheticEvents(o), firstPosition);

/**
 * The same, in pages, for logs too big to hold at once (a million dossiers): dossiers are generated
 * in reception order and their events released once no later-generated dossier can precede them.
 */
export function* syntheticLogPages(o: SyntheticOptions, pageSize = 10_000, firstPosition = 1): Generator<RecordedEvent[]> {
  const random = prng(o.seed);
  const revisions = new Map<string, number>();
  let pending: SyntheticEvent[] = [];
  let position = firstPosition;
  let page: RecordedEvent[] = [];
  const release = (before: number) => {
    pending.sort((a, b) => a.recordedAt - b.recordedAt);
    let k = 0;
    while (k < pending.length && pending[k].recordedAt < before) {
      const e = pending[k++];
      page.push(toRecorded(e, position++, revisions));
      if (e.event.type === 'DossierResultReturned' || e.event.type === 'DossierWithdrawn') revisions.delete(e.dossierId);
    }
    pending = pending.slice(k);
  };
  let releaseAt = pageSize * 4;
  for (let i = 0; i < o.dossiers; i++) {
    pending.push(...syntheticDossier(random, o, i));
    if (pending.length >= releaseAt) {
      // Receptions are in order, so nothing generated later is recorded before this dossier's reception.
      release(Math.round(o.start + (i / o.dossiers) * o.spanMs));
      releaseAt = pending.length + pageSize * 4;
      while (page.length >= pageSize) yield page.splice(0, pageSize);
    }
  }
  release(Number.POSITIVE_INFINITY);
  while (page.length > 0) yield page.splice(0, pageSize);
}

function toRecorded(e: SyntheticEvent, position: number, revisions: Map<string, number>): RecordedEvent {
  const revision = (revisions.get(e.dossierId) ?? -1) + 1;
  revisions.set(e.dossierId, revision);
  return {
    streamId: dossierStream(e.dossierId),
    id: `${e.dossierId}-${revision}`,
    type: e.event.type,
    revision,
    position,
    data: e.event.data as unknown as Record<string, unknown>,
    metadata: {
      occurredAt: new Date(e.occurredAt).toISOString(),
      recordedAt: new Date(e.recordedAt).toISOString(),
      actor: 'synthetic',
      commandId: `${e.dossierId}-${revision}`,
      correlationId: e.dossierId,
      causationId: e.dossierId,
    },
    created: new Date(e.recordedAt).toISOString(),
    recordedAt: e.recordedAt,
  };
}
