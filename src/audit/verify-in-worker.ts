import { Worker } from 'node:worker_threads';
import { workerScript } from '../common/worker-channel.js';
import type { EventStore } from '../event-store/event-store.port.js';
import { SqliteEventStore } from '../event-store/sqlite/sqlite-event-store.js';
import type { VerificationResult } from './chain-verifier.js';
import { verifyLog, type VerifyLogOptions } from './verify-log.js';

export interface VerifyWorkerData {
  file: string;
  from?: number;
  upTo: number;
  pageSize: number;
}

export type VerifyWorkerMessage = { progress: number; upTo: number } | { result: VerificationResult } | { error: string };

/**
 * Verifies the log: the embedded store's file in a worker thread of its own when one starts (the
 * service's thread stays free for requests, and the stored texts are hashed without a parse),
 * else through the port in this thread, a page at a time (EventStoreDB, or TypeScript sources
 * under a test runner).
 */
export async function verifyStore(store: EventStore, o: VerifyLogOptions): Promise<VerificationResult & { thread: 'worker' | 'main' }> {
  if (store instanceof SqliteEventStore) {
    const script = workerScript(import.meta.url, 'verify.worker');
    const inWorker =
      script === undefined
        ? undefined
        : await store.lendFile((file, head) => run(script, { file, from: o.from, upTo: Math.min(o.to ?? head, head), pageSize: 5000 }, o.onProgress).catch(() => undefined));
    if (inWorker !== undefined) return { ...inWorker, thread: 'worker' };
  }
  return { ...(await verifyLog(store, o)), thread: 'main' };
}

function run(script: URL, data: VerifyWorkerData, onProgress: VerifyLogOptions['onProgress']): Promise<VerificationResult> {
  return new Promise((resolve, reject) => {
    // The process's semi-space flags (package.json's start) give it the service's young generation: a page's rows die young.
    const worker = new Worker(script, { workerData: data });
    worker.on('message', (m: VerifyWorkerMessage) => {
      if ('progress' in m) onProgress?.(m.progress, m.upTo);
      else if ('result' in m) resolve(m.result);
      else reject(new Error(m.error));
    });
    worker.on('error', reject);
    worker.on('exit', (code) => reject(new Error(`the verification worker exited (code ${code})`)));
  });
}
