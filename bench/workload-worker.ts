/**
 * Generates the workload in a worker thread, so that generation (the decider, on one core) and
 * appending (SQLite, on the other) overlap. Batches of appends are posted with flow control:
 * at most CREDITS batches wait in the main thread at any time.
 */
import { parentPort, Worker, workerData } from 'node:worker_threads';
import { type StreamAppend, Workload, type WorkloadOptions, type WorkloadTally } from './workload.js';

const BATCH = 5000;
const CREDITS = 4;

type Message = { batch: StreamAppend[] } | { done: true; tally: WorkloadTally };

if (parentPort && workerData?.workload) {
  const port = parentPort;
  const workload = new Workload(workerData.workload as WorkloadOptions);
  let credits = CREDITS;
  let wake: (() => void) | undefined;
  port.on('message', () => {
    credits++;
    wake?.();
  });
  const send = async (batch: StreamAppend[]) => {
    while (credits === 0) await new Promise<void>((r) => (wake = r));
    credits--;
    port.postMessage({ batch } satisfies Message);
  };
  void (async () => {
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
    port.postMessage({ done: true, tally: workload.tally } satisfies Message);
  })();
}

/** Batches of appends in log order (the catalog first), generated in a worker; returns the tally at the end. */
export async function* generateInWorker(options: WorkloadOptions): AsyncGenerator<StreamAppend[], WorkloadTally> {
  const worker = new Worker(new URL(import.meta.url), { workerData: { workload: options } });
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
      yield m.batch;
      worker.postMessage('credit');
    }
  } finally {
    await worker.terminate();
  }
}
