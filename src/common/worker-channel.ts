/**
 * A worker thread that answers requests in the order sent, each reply carrying its request's
 * `id`: what the read models' writers (the rebuild's and the live projector's) talk to. Once the
 * worker fails or exits, every request waiting and every later one is refused with why.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { parentPort, type ResourceLimits, Worker, type WorkerOptions } from 'node:worker_threads';

export type Reply = { id: number; ok: true } | { id: number; ok: false; error: string };

/** `auto`: a worker when there are two CPUs or more; `always`: a worker whenever one can start; `never`: this thread. */
export type WorkerMode = 'auto' | 'always' | 'never';

/** Why `mode` keeps work in this thread, or undefined when it wants a worker. */
export function whyInThread(mode: WorkerMode): string | undefined {
  if (mode === 'never') return 'asked for';
  const cores = availableParallelism();
  return mode === 'auto' && cores < 2 ? `one CPU (${cores})` : undefined;
}

/**
 * A writer in a worker (`inWorker`) when `mode` wants one and one starts, else this thread's
 * (`inThread`), with the reason why not.
 */
export async function workerOrThread<W>(mode: WorkerMode, inWorker: () => Promise<W>, inThread: () => W): Promise<{ writer: W; reason?: string }> {
  const reason = whyInThread(mode);
  if (reason !== undefined) return { writer: inThread(), reason };
  try {
    return { writer: await inWorker() };
  } catch (error) {
    return { writer: inThread(), reason: (error as Error).message };
  }
}

/** What a worker's handler answers a request with: fields added to the `ok` reply, buffers moved with it. */
export interface Answer {
  fields?: object;
  transfer?: ArrayBuffer[];
}

/**
 * The worker side of a WorkerChannel: `open` sets the worker up (its error is posted instead of
 * `ready`, and the worker ends) and gives the handler, which answers each request in order, `ok`
 * or with the error it threw; after a request that `isLast` names, the worker's port closes.
 */
export function answerRequests<Request extends { id: number; type: string }>(
  open: () => (request: Request) => Answer | void,
  isLast: (request: Request) => boolean,
): void {
  const port = parentPort!;
  let handle: (request: Request) => Answer | void;
  try {
    handle = open();
  } catch (error) {
    port.postMessage({ error: (error as Error).message });
    process.exit(1);
  }
  port.on('message', (request: Request) => {
    let reply: object;
    let transfer: ArrayBuffer[] = [];
    try {
      const answer = handle(request) ?? {};
      transfer = answer.transfer ?? [];
      reply = { ...answer.fields, id: request.id, ok: true };
    } catch (error) {
      reply = { id: request.id, ok: false, error: (error as Error).message };
    }
    port.postMessage(reply, transfer);
    if (isLast(request)) port.close();
  });
  port.postMessage({ ready: true });
}

/** The `never` end of a worker's switch over its requests: the compiler finds a type left out. */
export function unknownRequest(request: never): never {
  throw new Error(`unknown request ${(request as { type: string }).type}`);
}

/** The process's semi-space flags (the service's, README), as given on the command line or in NODE_OPTIONS. */
const SEMI_SPACE_FLAGS = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)].filter((a) => /^--(min|max)[-_]semi[-_]space[-_]size=\d+$/.test(a));
/** Workers with a young-generation limit whose heap is being made (the flags are lifted meanwhile). */
let sizing = 0;

/**
 * A worker thread. V8's semi-space flags are process-wide and win over a worker's
 * `maxYoungGenerationSizeMb`, so every thread would commit the service's 128 MiB young generation:
 * they are lifted while a worker with that limit makes its heap (read then only), and put back once it runs.
 */
export function newWorker(script: URL, options: WorkerOptions): Worker {
  const lift = options.resourceLimits?.maxYoungGenerationSizeMb !== undefined && SEMI_SPACE_FLAGS.length > 0;
  if (lift && sizing++ === 0) for (const flag of SEMI_SPACE_FLAGS) setFlagsFromString(flag.replace(/=\d+$/, '=0'));
  let worker: Worker;
  try {
    worker = new Worker(script, options);
  } catch (error) {
    if (lift) restoreSemiSpaceFlags();
    throw error;
  }
  if (lift) {
    let restored = false;
    const restore = () => {
      if (!restored) restoreSemiSpaceFlags();
      restored = true;
    };
    worker.once('online', restore).once('error', restore).once('exit', restore);
  }
  return worker;
}

/**
 * The young generation of a worker whose allocations die young (log pages, rows read or written):
 * V8's default size rather than the service's 64 MiB semi-spaces, which it would fill and keep.
 */
export const SHORT_LIVED_LIMITS = { maxYoungGenerationSizeMb: 48 };

function restoreSemiSpaceFlags(): void {
  if (--sizing === 0) for (const flag of SEMI_SPACE_FLAGS) setFlagsFromString(flag);
}

type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;

/**
 * The URL of a worker script next to the module at `moduleUrl` (its `import.meta.url`): the .js
 * file once compiled; from TypeScript sources the .ts file, which a worker can load only with the
 * loader the process was started with (undefined when there is no such file).
 */
export function workerScript(moduleUrl: string, name: string): URL | undefined {
  const url = new URL(`./${name}${moduleUrl.endsWith('.ts') ? '.ts' : '.js'}`, moduleUrl);
  return existsSync(url) ? url : undefined;
}

export class WorkerChannel<Request extends { id: number; type: string }, R extends Reply> {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve(reply: R & { ok: true }): void; reject(error: Error): void }>();
  private failure: Error | undefined;
  /** Resolves when the worker has exited. */
  readonly exit: Promise<void>;

  private constructor(
    private readonly worker: Worker,
    private readonly name: string,
  ) {
    this.exit = new Promise((resolve) => worker.once('exit', () => resolve()));
    worker.on('message', (reply: R) => {
      const w = this.waiting.get(reply.id);
      this.waiting.delete(reply.id);
      if (reply.ok) w?.resolve(reply as R & { ok: true });
      else w?.reject(new Error(`${name}: ${reply.error}`));
    });
    worker.on('error', (error) => this.fail(error));
    worker.on('exit', (code) => this.fail(new Error(`${name}: the worker exited (code ${code})`)));
  }

  /** Starts `script` and resolves once it has posted `{ ready: true }`. */
  static start<Request extends { id: number; type: string }, R extends Reply>(
    name: string,
    script: URL | undefined,
    workerData: unknown,
    /** The worker's heap limits, when not the process's flags (which size every thread's young generation alike). */
    resourceLimits?: ResourceLimits,
  ): Promise<WorkerChannel<Request, R>> {
    if (script === undefined) return Promise.reject(new Error(`${name}: no worker script`));
    const worker = newWorker(script, { workerData, resourceLimits });
    return new Promise((resolve, reject) => {
      const failed = (error: Error) => {
        off();
        void worker.terminate();
        reject(error);
      };
      const exited = (code: number) => failed(new Error(`${name}: the worker exited before it was ready (code ${code})`));
      const ready = (m: { ready?: boolean; error?: string }) => {
        off();
        if (m.ready) resolve(new WorkerChannel<Request, R>(worker, name));
        else failed(new Error(`${name}: ${m.error ?? 'unexpected first message from the worker'}`));
      };
      // Only our own listeners: the Worker keeps internal ones of its own.
      const off = () => worker.off('error', failed).off('exit', exited).off('message', ready);
      worker.on('error', failed).on('exit', exited).on('message', ready);
    });
  }

  /** Whether the channel refuses requests (the worker failed, exited or was ended). */
  get failed(): boolean {
    return this.failure !== undefined;
  }

  request(message: WithoutId<Request>): Promise<R & { ok: true }> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage({ ...message, id });
    });
  }

  /** Ends the worker at once; requests still waiting are refused. */
  async terminate(reason: string): Promise<void> {
    this.fail(new Error(`${this.name}: ${reason}`));
    await this.worker.terminate();
    await this.exit;
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const w of this.waiting.values()) w.reject(this.failure);
    this.waiting.clear();
  }
}
