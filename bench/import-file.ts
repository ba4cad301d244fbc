/**
 * The benchmark's workload as an import file: the integrators' commands that produced it, one
 * NDJSON line each (`{ command, dossierId, ...the HTTP body }`), in the order they were recorded
 * (the dossiers interleaved, as a one-stop register's log would export them). The overdue
 * watcher's events are the service's own and are left out: the service marks those itself.
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { SqliteEventStore } from '../src/event-store/sqlite/sqlite-event-store.js';
import type { EventToAppend } from '../src/event-store/event-store.port.js';
import { Workload } from './workload.js';

export type ImportLine = Record<string, unknown> & { command: string; dossierId: string };

/** The command line that recorded an event (undefined for the service's own events). */
export function lineOf(event: EventToAppend): ImportLine | undefined {
  const d = event.data as Record<string, unknown>;
  const occurredAt = event.metadata?.occurredAt as string;
  const dossierId = d.dossierId as string;
  switch (event.type) {
    case 'DossierReceived':
      return { command: 'receive', dossierId, procedureCode: d.procedureCode, unitId: d.unitId, channel: d.channel, receivedAt: d.receivedAt, digitized: d.digitized };
    case 'DossierTransferred':
      return { command: 'transfer', dossierId, toUnitId: d.toUnitId, ...(d.allottedWorkingHours !== undefined ? { allottedWorkingHours: d.allottedWorkingHours } : {}), occurredAt };
    case 'DossierSupplementRequested':
      return { command: 'request-supplement', dossierId, reason: d.reason, occurredAt };
    case 'DossierSupplemented':
      return { command: 'supplement', dossierId, occurredAt };
    case 'DossierApologyIssued':
      return { command: 'apologize', dossierId, reason: d.reason, newAppointmentAt: d.newAppointmentAt, responsibleUnitId: d.responsibleUnitId, occurredAt };
    case 'DossierResolved':
      return { command: 'resolve', dossierId, outcome: d.outcome, resultDigitized: d.resultDigitized, occurredAt };
    case 'DossierResultReturned':
      return { command: 'return-result', dossierId, occurredAt };
    case 'DossierWithdrawn':
      return { command: 'withdraw', dossierId, reason: d.reason, occurredAt };
    default:
      return undefined;
  }
}

/** The workload's command lines, in recorded order (each command of the workload yields one event). */
export function* workloadLines(workload: Workload): Generator<ImportLine> {
  for (const append of workload.dossierAppends()) {
    for (const event of append.events) {
      const line = lineOf(event);
      if (line) yield line;
    }
  }
}

/** Writes the workload's catalog (calendar, units, procedures) into a new store under `dataDir`. */
export async function writeCatalog(workload: Workload, eventsFile: string): Promise<void> {
  const store = SqliteEventStore.open({ file: eventsFile });
  try {
    await Promise.all([...workload.catalogAppends()].map((a) => store.append(a.streamId, a.events, a.expectedRevision)));
  } finally {
    await store.close();
  }
}

/** Writes the NDJSON file; answers its counts. */
export async function writeImportFile(workload: Workload, file: string): Promise<{ lines: number; dossiers: number }> {
  const out = createWriteStream(file);
  let lines = 0;
  let dossiers = 0;
  let chunk: string[] = [];
  for (const line of workloadLines(workload)) {
    lines++;
    if (line.command === 'receive') dossiers++;
    chunk.push(JSON.stringify(line));
    if (chunk.length === 1000) {
      if (!out.write(chunk.join('\n') + '\n')) await once(out, 'drain');
      chunk = [];
    }
  }
  if (chunk.length > 0) out.write(chunk.join('\n') + '\n');
  out.end();
  await once(out, 'finish');
  return { lines, dossiers };
}
