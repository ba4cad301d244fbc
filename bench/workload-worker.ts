/**
 * Generates the workload in a worker thread, so that generation (the decider, on one core) and
 * writing (SQLite, on the other) overlap. Batches of appends, or of chained rows for the bulk
 * writer, are posted with flow control: at most CREDITS batches wait in the main thread at any time.
 */
import { parentPort, Worker, workerData } from 'node:worker_threads';
import { chainRows } from '../src/event-store/chained-rows.js';
import { type StreamAppend, Workload, type WorkloadOptions, type WorkloadTally } from './workload.js';

const BATCH = 5000;
const CREDITS = 4;

/**
 * Rows for a bulk writer, flat: stream id, revision, event id, type, data, metadata of each event
 * in turn (chained as the store chains them), the cheapest to pass between threads.
 */
export type RowBatch = (string | number)[];
export const ROW_FIELDS = 6;

type Message = { batch: StreamAppend[] } | { rows: RowBatch } | { done: true; tally: WorkloadTally };

if (parentPort && workerData?.workload) {
  const port = parentPort;
  const workload = new Workload(workerData.workload as WorkloadOptions);
  const rows = workerData.rows === true;
  let credits = CREDITS;
  let wake: (() => void) | undefined;
  port.on('message', () => {
    credits++;
    wake?.();
  });
  const send = async (message: Message) => {
    while (credits === 0) await new Promise<void>((r) => (wake = r));
    credits--;
    port.postMessage(message);
  };
  void (async () => {
    if (rows) await sendRows(workload, (batch) => send({ rows: batch }));
    else await sendAppends(workload, (batch) => send({ batch }));
    port.postMessage({ done: true, tally: workload.tally } satisfies Message);
  })();
}

async function sendAppends(workload: Workload, send: (batch: StreamAppend[]) => Promise<void>): Promise<void> {
  await send([...workload.catalogAppends()]);
  let batch: StreamAppend[] = [];
  for (const a of workload.dossierAppends()) {
    batch.push(a);
    if (batch.length === BATCH) {
      await send(batch);
      batch = [];
    }
  }
  if (batch.length > 0) await send(batch);
}

async function sendRows(workload: Workload, send: (batch: RowBatch) => Promise<void>): Promise<void> {
  let batch: RowBatch = [];
  const catalogStreams = new Set<string>();
  for (const a of workload.catalogAppends()) {
    // Each catalog stream is new: chained from its start, as the store chains a first append.
    if (catalogStreams.has(a.streamId)) throw new Error(`the workload's catalog appends to ${a.streamId} twice`);
    catalogStreams.add(a.streamId);
    chainRows(a.streamId, -1, undefined, a.events).forEach((r, i) => batch.push(a.streamId, i, r.id, r.type, r.data, r.metadata));
  }
  for (const { streamId, revision, row } of workload.dossierRows()) {
    batch.push(streamId, revision, row.id, row.type, row.data, row.metadata);
    if (batch.length === BATCH * ROW_FIELDS) {
      await send(batch);
      batch = [];
    }
  }
  if (batch.length > 0) await send(batch);
}

/** Batches of appends in log order (the catalog first), generated in a worker; returns the tally at the end. */
export function generateInWorker(options: WorkloadOptions): AsyncGenerator<StreamAppend[], WorkloadTally> {
  return fromWorker(options, false, (m) => ('batch' in m ? m.batch : undefined));
}

/** The same log as rows chained as the store chains them (RowBatch), for a bulk writer. */
export function generateRowsInWorker(options: WorkloadOptions): AsyncGenerator<RowBatch, WorkloadTally> {
  return fromWorker(options, true, (m) => ('rows' in m ? m.rows : undefined));
}

async function* fromWorker<B>(options: WorkloadOptions, rows: boolean, batchOf: (m: Message) => B | undefined): AsyncGenerator<B, WorkloadTally> {
  const worker = new Worker(new URL(import.meta.url), { workerData: { workload: options, rows } });
  const queue: Message[] = [];
  let wake: (() => void) | undefined;
  let failure: Error | undefined;
  worker.on('message', (m: Message) => {
    queue.push(m);
    wake?.();
  });
  worker.on('error', (error) => {
    failure = error;
    wake?.();
  });
  try {
    for (;;) {
      while (queue.length === 0 && !failure) await new Promise<void>((r) => (wake = r));
      if (failure) throw failure;
      const m = queue.shift()!;
      if ('done' in m) return m.tally;
      yield batchOf(m)!;
      worker.postMessage('credit');
    }
  } finally {
    await worker.terminate();
  }
}
