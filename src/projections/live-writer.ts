/**
 * Where the live projector's batches are written: the rows a batch changed and its checkpoint, in
 * one transaction on the read-model file.
 *
 * In a worker thread with a connection of its own when the machine has a second CPU: the commit
 * (the rows, their five index entries each, the write-ahead log's frames) then runs beside the
 * command path instead of on it. The projector folds a batch in the main thread (it reads the views
 * there, and keeps the report index there), hands the rows over, and folds the next batch only once
 * this one is committed, so the file has one writer at a time and the main thread's reads see every
 * committed batch. Measured under HTTP load on 2 CPUs (docs/PERFORMANCE.md): the commits were about
 * a seventh of the service's busy time per command.
 *
 * Otherwise (one CPU, `never`, or no worker possible, e.g. TypeScript sources under a test runner
 * that the worker cannot load) the main thread's connection writes them.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { ReadModels, Row } from './read-models.js';
import type { WorkerMode } from './rebuild-writer.js';

export interface LiveWriter {
  readonly thread: 'worker' | 'main';
  /**
   * Writes the rows and the checkpoint in one transaction; resolves once committed. Commits are
   * made in the order asked for; after one fails, every later one fails too (each batch is folded
   * on the views of the one before), until a new writer is opened.
   */
  commit(rows: Row[], checkpoint: number): Promise<void>;
  /** Closes the writer's connection (after the commits sent before). */
  close(): Promise<void>;
}

/** Messages to the worker, and its answers (same `id`). */
export type LiveWriterRequest = { id: number; type: 'commit'; rows: Row[]; checkpoint: number } | { id: number; type: 'close' };
export type LiveWriterReply = { id: number; ok: true } | { id: number; ok: false; error: string };

/** A worker writer on `file`, or `models`' own connection when no worker is wanted or none can start. */
export async function openLiveWriter(models: ReadModels, file: string, mode: WorkerMode = 'auto'): Promise<{ writer: LiveWriter; reason?: string }> {
  const inThread = (reason: string) => ({ writer: new InThreadLiveWriter(models), reason });
  if (mode === 'never') return inThread('asked for');
  const cores = availableParallelism();
  if (mode === 'auto' && cores < 2) return inThread(`one CPU (${cores})`);
  try {
    return { writer: await WorkerLiveWriter.start(file) };
  } catch (error) {
    return inThread((error as Error).message);
  }
}

class InThreadLiveWriter implements LiveWriter {
  readonly thread = 'main';
  private failure: Error | undefined;

  constructor(private readonly models: ReadModels) {}

  async commit(rows: Row[], checkpoint: number): Promise<void> {
    if (this.failure) throw this.failure;
    try {
      this.models.commitRows(rows, checkpoint);
    } catch (error) {
      this.failure = error as Error;
      throw error;
    }
  }

  async close(): Promise<void> {}
}

class WorkerLiveWriter implements LiveWriter {
  readonly thread = 'worker';
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve(): void; reject(error: Error): void }>();
  private failure: Error | undefined;
  private readonly exit: Promise<void>;

  private constructor(private readonly worker: Worker) {
    this.exit = new Promise((resolve) => worker.once('exit', () => resolve()));
    worker.on('message', (reply: LiveWriterReply) => {
      const w = this.waiting.get(reply.id);
      this.waiting.delete(reply.id);
      if (reply.ok) w?.resolve();
      else w?.reject(new Error(`live writer: ${reply.error}`));
    });
    const fail = (error: Error) => {
      this.failure ??= error;
      for (const w of this.waiting.values()) w.reject(this.failure);
      this.waiting.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`live writer: the worker exited (code ${code})`)));
  }

  static start(file: string): Promise<WorkerLiveWriter> {
    // Compiled, the worker is a .js file next to this one; from TypeScript sources it is the .ts
    // file, which a worker can load only with the loader the process was started with.
    const here = import.meta.url;
    const url = new URL(here.endsWith('.ts') ? './live-writer.worker.ts' : './live-writer.worker.js', here);
    if (!existsSync(url)) return Promise.reject(new Error(`no worker script at ${url.pathname}`));
    const worker = new Worker(url, { workerData: { file } });
    return new Promise((resolve, reject) => {
      const failed = (error: Error) => {
        off();
        void worker.terminate();
        reject(error);
      };
      const exited = (code: number) => failed(new Error(`the worker exited before it was ready (code ${code})`));
      const ready = (m: { ready?: boolean; error?: string }) => {
        off();
        if (m.ready) resolve(new WorkerLiveWriter(worker));
        else failed(new Error(m.error ?? 'unexpected first message from the worker'));
      };
      // Only our own listeners: the Worker keeps internal ones of its own.
      const off = () => worker.off('error', failed).off('exit', exited).off('message', ready);
      worker.on('error', failed).on('exit', exited).on('message', ready);
    });
  }

  private request(message: { type: 'commit'; rows: Row[]; checkpoint: number } | { type: 'close' }): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage({ ...message, id });
    });
  }

  commit(rows: Row[], checkpoint: number): Promise<void> {
    return this.request({ type: 'commit', rows, checkpoint });
  }

  async close(): Promise<void> {
    if (this.failure === undefined) await this.request({ type: 'close' }).catch(() => undefined);
    this.failure ??= new Error('live writer closed');
    await this.exit;
  }
}
