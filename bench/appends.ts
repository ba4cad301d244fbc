/**
 * Single-event appends through the event-store port beside raw better-sqlite3 single-row inserts
 * with the same durability (WAL, synchronous=FULL): both sides commit and fsync once per event.
 * The two run interleaved in blocks within one time budget, so that noise from other processes
 * on the machine falls on both alike; the ratio is the figure.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { SCHEMA, SqliteEventStore } from '../src/event-store/sqlite/sqlite-event-store.js';
import type { EventToAppend } from '../src/event-store/event-store.port.js';
import { Rng } from '../src/catalog/seed/rng.js';
import { now, perSecond, round } from './stats.js';

export interface AppendFigures {
  /** Sequential single-event appends through SqliteEventStore (one transaction and fsync each). */
  appendsPerSecond: number;
  /** Sequential raw single-row INSERTs, autocommit, same pragmas. */
  rawInsertsPerSecond: number;
  ratio: number;
  /** Appends with `concurrency` in flight: group commit shares one transaction and fsync. */
  concurrentAppendsPerSecond: number;
  concurrency: number;
  samples: { appends: number; inserts: number; concurrent: number };
}

export interface AppendOptions {
  dir: string;
  /** Time budget for the interleaved sequential comparison. */
  durationMs: number;
  /** Time budget for the concurrent figure. */
  concurrentMs: number;
  concurrency?: number;
}

const BLOCK = 200;

/** A DossierReceived as the service writes it (the same payload on both sides). */
export function sampleEvent(rng: Rng, i: number): EventToAppend {
  const dossierId = `A-${i}`;
  const commandId = rng.uuid();
  return {
    id: rng.uuid(),
    type: 'DossierReceived',
    data: {
      dossierId,
      procedureCode: 'HT-KHAISINH',
      unitId: 'H01.X001',
      channel: 'direct',
      receivedAt: '2025-03-03T02:00:00.000Z',
      digitized: true,
      statutoryWorkingDays: 1,
      onSupplement: 'restart',
      calendarRevision: 0,
      clockStartAt: '2025-03-03T02:00:00.000Z',
      dueAt: '2025-03-04T02:00:00.000Z',
    },
    metadata: {
      occurredAt: '2025-03-03T02:00:00.000Z',
      recordedAt: '2025-03-03T02:00:05.000Z',
      actor: 'bench-integrator',
      commandId,
      correlationId: commandId,
      causationId: commandId,
    },
  };
}

export async function measureAppends(o: AppendOptions): Promise<AppendFigures> {
  const concurrency = o.concurrency ?? 64;
  const rng = new Rng(7);
  const store = SqliteEventStore.open({ file: join(o.dir, 'store.db'), synchronous: 'full' });
  const raw = new Database(join(o.dir, 'raw.db'));
  raw.pragma('journal_mode = WAL');
  raw.pragma('synchronous = FULL');
  raw.exec(SCHEMA);
  const insert = raw.prepare<[string, number, string, string, string, string, string]>(
    'INSERT INTO events (stream_id, revision, event_id, type, data, metadata, created) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );

  let i = 0;
  const appendBlock = async (count: number): Promise<number> => {
    const t0 = now();
    for (let k = 0; k < count; k++, i++) {
      const e = sampleEvent(rng, i);
      await store.append(`dossier-${e.data.dossierId as string}`, [e], 'no_stream');
    }
    return now() - t0;
  };
  const insertBlock = (count: number): number => {
    const t0 = now();
    for (let k = 0; k < count; k++, i++) {
      const e = sampleEvent(rng, i);
      // What the store does per event, minus the port: serialise, insert, commit (autocommit = one fsync).
      insert.run(`dossier-${e.data.dossierId as string}`, 0, e.id, e.type, JSON.stringify(e.data), JSON.stringify(e.metadata), new Date().toISOString());
    }
    return now() - t0;
  };

  try {
    // Warm-up (JIT, file growth), not counted.
    await appendBlock(BLOCK);
    insertBlock(BLOCK);

    let appendMs = 0;
    let insertMs = 0;
    let appends = 0;
    let inserts = 0;
    const deadline = now() + o.durationMs;
    for (let round = 0; now() < deadline || round < 2; round++) {
      // Alternate which side goes first so that neither always follows the other's checkpoint.
      if (round % 2 === 0) {
        appendMs += await appendBlock(BLOCK);
        insertMs += insertBlock(BLOCK);
      } else {
        insertMs += insertBlock(BLOCK);
        appendMs += await appendBlock(BLOCK);
      }
      appends += BLOCK;
      inserts += BLOCK;
    }

    // Concurrent appends: `concurrency` writers each awaiting its own appends.
    let concurrent = 0;
    const cDeadline = now() + o.concurrentMs;
    const t0 = now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (now() < cDeadline) {
          const e = sampleEvent(rng, i++);
          await store.append(`dossier-${e.data.dossierId as string}`, [e], 'no_stream');
          concurrent++;
        }
      }),
    );
    const concurrentMs = now() - t0;

    const appendsPerSecond = perSecond(appends, appendMs);
    const rawInsertsPerSecond = perSecond(inserts, insertMs);
    return {
      appendsPerSecond,
      rawInsertsPerSecond,
      ratio: round(appendsPerSecond / rawInsertsPerSecond, 3),
      concurrentAppendsPerSecond: perSecond(concurrent, concurrentMs),
      concurrency,
      samples: { appends, inserts, concurrent },
    };
  } finally {
    await store.close();
    raw.close();
  }
}
