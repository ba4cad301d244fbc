/**
 * Where the live projector's batches are written: the rows a batch changed and its checkpoint, in
 * one transaction on the read-model file.
 *
 * In a worker thread with a connection of its own when the machine has a second CPU: the commit
 * (the rows, their five index entries each, the write-ahead log's frames) then runs beside the
 * command path instead of on it. The projector folds a batch in the main thread (it reads the views
 * there, and keeps the report index there) and hands the rows over; it folds the next batches on
 * the views of those not yet committed (ReadModels.fold), a few at most, and commits go in the order
 * sent, by one writer at a time. Under HTTP load the commits are a sizeable share of the command
 * thread's busy time, which this takes off it.
 *
 * Otherwise (one CPU, `never`, or no worker possible, e.g. TypeScript sources under a test runner
 * that the worker cannot load) the main thread's connection writes them.
 */
import { type Reply, WorkerChannel, type WorkerMode, workerOrThread, workerScript } from '../common/worker-channel.js';
import type { QuarantinedEvent } from './quarantine.js';
import type { ReadModels, Row } from './read-models.js';

export interface LiveWriter {
  readonly thread: 'worker' | 'main';
  /**
   * Writes the rows and the checkpoint in one transaction; resolves once committed. Commits are
   * made in the order asked for; after one fails, every later one fails too (each batch is folded
   * on the views of the one before), until a new writer is opened.
   */
  commit(rows: Row[], checkpoint: number, quarantined?: QuarantinedEvent[]): Promise<void>;
  /** Closes the writer's connection (after the commits sent before). */
  close(): Promise<void>;
}

/** Messages to the worker (answered with a plain Reply of the same `id`). */
export type LiveWriterRequest =
  | { id: number; type: 'commit'; rows: Row[]; checkpoint: number; quarantined?: QuarantinedEvent[] }
  | { id: number; type: 'close' };

/** Injection token of the Projector's LiveWriterOpener (default: openLiveWriter). */
export const LIVE_WRITER_OPENER = Symbol('LIVE_WRITER_OPENER');

/** Opens the live writer of `models` (at `file`): openLiveWriter, or a stand-in in tests. */
export type LiveWriterOpener = (models: ReadModels, file: string) => Promise<{ writer: LiveWriter; reason?: string }>;

/** A worker writer on `file`, or `models`' own connection when no worker is wanted or none can start. */
export function openLiveWriter(models: ReadModels, file: string, mode: WorkerMode = 'auto'): Promise<{ writer: LiveWriter; reason?: string }> {
  return workerOrThread<LiveWriter>(mode, () => WorkerLiveWriter.start(file), () => new InThreadLiveWriter(models));
}

class InThreadLiveWriter implements LiveWriter {
  readonly thread = 'main';
  private failure: Error | undefined;

  constructor(private readonly models: ReadModels) {}

  async commit(rows: Row[], checkpoint: number, quarantined?: QuarantinedEvent[]): Promise<void> {
    if (this.failure) throw this.failure;
    try {
      this.models.commitRows(rows, checkpoint, quarantined);
    } catch (error) {
      this.failure = error as Error;
      throw error;
    }
  }

  async close(): Promise<void> {}
}

class WorkerLiveWriter implements LiveWriter {
  readonly thread = 'worker';

  private constructor(private readonly channel: WorkerChannel<LiveWriterRequest, Reply>) {}

  static async start(file: string): Promise<WorkerLiveWriter> {
    const script = workerScript(import.meta.url, 'live-writer.worker');
    return new WorkerLiveWriter(await WorkerChannel.start<LiveWriterRequest, Reply>('live writer', script, { file }));
  }

  async commit(rows: Row[], checkpoint: number, quarantined?: QuarantinedEvent[]): Promise<void> {
    await this.channel.request(quarantined?.length ? { type: 'commit', rows, checkpoint, quarantined } : { type: 'commit', rows, checkpoint });
  }

  async close(): Promise<void> {
    if (!this.channel.failed) await this.channel.request({ type: 'close' }).catch(() => undefined);
    await this.channel.exit;
  }
}
