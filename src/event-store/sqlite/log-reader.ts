/**
 * The SQLite store's readAllDataPages: when the machine has a second CPU, a worker thread reads
 * the pages on a connection of its own, a few ahead, each as a few JSON texts of many events that
 * the caller's thread parses in a few calls. A rebuild's main thread then neither steps through the
 * table nor parses each event's data apart: at a million dossiers that was about a third of its time
 * (docs/PERFORMANCE.md). Without a worker (one CPU, an in-memory file, or none can start, e.g.
 * TypeScript sources under a test runner), or if it fails, pages are read in this thread.
 */
import type { Worker } from 'node:worker_threads';
import { newWorker, SHORT_LIVED_LIMITS, whyInThread, workerScript } from '../../common/worker-channel.js';
import { type JsonObject, type LoggedEvent, recordedAtOf } from '../event-store.port.js';

/** What the worker is started with. */
export interface LogReaderData {
  file: string;
  afterPosition: number;
  /** The last position to read (the readable head when the read began). */
  upTo: number;
  pageSize: number;
  /** Pages read ahead of the one the caller works on. */
  ahead: number;
}

/** The worker's messages: a page, the end, or why it stopped. */
export type LogReaderPage = { texts: string[]; count: number } | { done: true } | { error: string };

type PageRow = [position: number, streamId: string, revision: number, type: string, data: JsonObject, recorded: unknown, created: string];

const READ_AHEAD = 3;

/** `seen.thread` says where the pages came from (the last one read: a worker fails over to here). */
export async function* readLogPages(
  data: Omit<LogReaderData, 'ahead'>,
  inThread: (afterPosition: number) => AsyncIterable<LoggedEvent[]>,
  seen: { thread?: 'worker' | 'main' } = {},
): AsyncGenerator<LoggedEvent[]> {
  const worker = whyInThread('auto') === undefined ? startWorker({ ...data, ahead: READ_AHEAD }) : undefined;
  seen.thread = 'main';
  if (worker === undefined) {
    yield* inThread(data.afterPosition);
    return;
  }
  const queue: LogReaderPage[] = [];
  let stopped: Error | undefined;
  let wake: (() => void) | undefined;
  worker.on('message', (m: LogReaderPage) => {
    queue.push(m);
    wake?.();
  });
  worker.on('error', (error) => {
    stopped ??= error;
    wake?.();
  });
  worker.on('exit', (code) => {
    stopped ??= new Error(`the log reader exited (code ${code})`);
    wake?.();
  });
  let after = data.afterPosition;
  try {
    for (;;) {
      while (queue.length === 0 && stopped === undefined) await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
      const m = queue.shift();
      if (m !== undefined && 'done' in m) return;
      if (m === undefined || 'error' in m) break; // read the rest here
      worker.postMessage(0); // this page is taken: one more may be read
      const events: LoggedEvent[] = [];
      for (const text of m.texts) {
        for (const [position, streamId, revision, type, body, recorded, created] of JSON.parse(text) as PageRow[]) {
          events.push({ streamId, type, revision, position, data: body, recordedAt: recordedAtOf(recorded, created) });
        }
      }
      after = events[events.length - 1].position;
      seen.thread = 'worker';
      yield events;
    }
  } finally {
    // Stopped before the caller goes on: its connection to the file is closed once this resolves.
    await worker.terminate();
  }
  seen.thread = 'main';
  yield* inThread(after);
}

function startWorker(data: LogReaderData): Worker | undefined {
  const script = workerScript(import.meta.url, 'log-reader.worker');
  if (script === undefined) return undefined;
  try {
    return newWorker(script, { workerData: data, resourceLimits: SHORT_LIVED_LIMITS });
  } catch {
    return undefined;
  }
}
