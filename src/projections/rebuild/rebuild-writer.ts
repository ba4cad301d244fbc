/**
 * Where a rebuild's folded views go: a fresh read-model file being bulk-loaded (ReadModels in
 * bulk mode: rows, secondary indexes, and the report index built as views are written).
 *
 * In a worker thread when the machine has a second CPU: the main thread then reads the next page
 * from the event store and folds it while the worker writes and indexes the previous one, and the
 * main thread, which also answers queries, is busy for about half as long. Only views cross the
 * thread boundary (a dossier's view once, not its five events), as the strings stored in the table
 * (view-codec.ts), and the report index comes back as snapshot rows whose buffers are transferred,
 * not copied. The crossing costs a little more CPU in all and buys a faster rebuild on two CPUs.
 * Otherwise (one CPU, or no worker possible, e.g. TypeScript sources under a test runner that the
 * worker cannot load), everything runs in this thread.
 */
import { rmSync } from 'node:fs';
import { SHORT_LIVED_LIMITS, WorkerChannel, type WorkerMode, workerOrThread, workerScript } from '../../common/worker-channel.js';
import type { DossierView } from '../views/dossier-view.js';
import type { DeltaPage } from '../as-of/report-deltas.js';
import { indexFromSnapshot, type SnapshotRow } from '../report-index/index-snapshot.js';
import { ReadModels } from '../read-models.js';
import { decodeView, encodeView } from '../views/view-codec.js';
import type { TimelinessIndex } from '../report-index/timeliness-index.js';

export interface RebuildWriter {
  readonly thread: 'worker' | 'main';
  /** The written views of these dossiers (see ReadModels.readBack). */
  readBack(dossierIds: string[]): Promise<Map<string, DossierView>>;
  /**
   * Writes views, the deltas of the report entries folded with them (ViewFolder's `deltas`) and the checkpoint;
   * resolves when the next page may be sent (at most a couple in flight).
   */
  write(views: DossierView[], checkpoint: number, deltas: DeltaPage): Promise<void>;
  /**
   * Ends the bulk load: the file, opened in this thread to catch it up, and its report index.
   * `prepare` gets the index as soon as it is sealed, while the file's secondary indexes are still
   * being created (in a worker: at the same time).
   */
  finish(prepare?: (index: TimelinessIndex) => void): Promise<{ models: ReadModels; index: TimelinessIndex }>;
  /** Abandons the load and deletes the file. */
  discard(): Promise<void>;
}

/** Messages to the worker, and its answers (same `id`). */
export type WriterRequest =
  | { id: number; type: 'write'; encoded: string[]; checkpoint: number; deltas: DeltaPage }
  | { id: number; type: 'readBack'; dossierIds: string[] }
  /** Ends the load: the report index sealed and sent back (`rows`); the writer exits after it. */
  | { id: number; type: 'seal' }
  /** To a worker started on the sealed file (`loaded`): the secondary indexes; it exits after it. */
  | { id: number; type: 'index' };
export type WriterReply = { id: number; ok: true; views?: [string, string][]; rows?: SnapshotRow[] } | { id: number; ok: false; error: string };

/** Writes (pages) not yet acknowledged by the worker before the main thread waits: enough to overlap, bounded memory. */
const MAX_WRITES_IN_FLIGHT = 6;


/** SQLite's page cache of the fresh file while it is loaded, in KiB: half a read-model connection's, for a little more of the writer's CPU. */
const FRESH_CACHE_KIB = 32_768;

/** The fresh file of a rebuild, in the thread that loads it. */
export function createFresh(file: string): ReadModels {
  const models = ReadModels.createFresh(file);
  models.database.pragma(`cache_size = -${FRESH_CACHE_KIB}`);
  return models;
}

/** Injection token of the Projector's WorkerMode (default `auto`). */
export const REBUILD_WORKER = Symbol('REBUILD_WORKER');

/** A worker writer, or this thread's when no worker is wanted or none can start; `reason` says why not. */
export function openRebuildWriter(file: string, mode: WorkerMode = 'auto'): Promise<{ writer: RebuildWriter; reason?: string }> {
  return workerOrThread<RebuildWriter>(mode, () => WorkerWriter.start(file), () => new InThreadWriter(createFresh(file)));
}

export class InThreadWriter implements RebuildWriter {
  readonly thread = 'main';

  constructor(private readonly models: ReadModels) {}

  async readBack(dossierIds: string[]): Promise<Map<string, DossierView>> {
    return this.models.readBack(dossierIds);
  }

  async write(views: DossierView[], checkpoint: number, deltas: DeltaPage): Promise<void> {
    this.models.writeViews(views, checkpoint, deltas);
  }

  async finish(prepare?: (index: TimelinessIndex) => void): Promise<{ models: ReadModels; index: TimelinessIndex }> {
    const index = this.models.endLoad();
    prepare?.(index);
    this.models.createIndexes();
    return { models: this.models, index };
  }

  async discard(): Promise<void> {
    this.models.discard();
  }
}

class WorkerWriter implements RebuildWriter {
  readonly thread = 'worker';
  private readonly writes: Promise<unknown>[] = [];
  /** The worker that creates the secondary indexes, once the writer has sealed the load. */
  private indexer: Promise<WorkerChannel<WriterRequest, WriterReply>> | undefined;

  private constructor(
    private readonly channel: WorkerChannel<WriterRequest, WriterReply>,
    private readonly file: string,
    private readonly script: URL | undefined,
  ) {}

  static async start(file: string): Promise<WorkerWriter> {
    const script = workerScript(import.meta.url, 'rebuild-writer.worker');
    return new WorkerWriter(await WorkerChannel.start<WriterRequest, WriterReply>('rebuild writer', script, { file }, SHORT_LIVED_LIMITS), file, script);
  }

  async readBack(dossierIds: string[]): Promise<Map<string, DossierView>> {
    // Answered after every write sent before it: the worker handles messages in order.
    const reply = await this.channel.request({ type: 'readBack', dossierIds });
    return new Map((reply.views ?? []).map(([id, encoded]) => [id, decodeView(encoded)]));
  }

  async write(views: DossierView[], checkpoint: number, deltas: DeltaPage): Promise<void> {
    // Encoded (view-codec.ts): a string crosses threads for a fraction of the cost of cloning the
    // view's objects, and the worker stores it as it is.
    const written = this.channel.request({ type: 'write', encoded: views.map(encodeView), checkpoint, deltas });
    written.catch(() => undefined); // awaited below or by finish(); not an unhandled rejection meanwhile
    this.writes.push(written);
    if (this.writes.length > MAX_WRITES_IN_FLIGHT) await this.writes.shift();
  }

  async finish(prepare?: (index: TimelinessIndex) => void): Promise<{ models: ReadModels; index: TimelinessIndex }> {
    await Promise.all(this.writes.splice(0));
    const rows = (await this.channel.request({ type: 'seal' })).rows ?? [];
    // The writer exits after the seal, its heap (the index it built, as garbage that nothing would
    // collect while SQLite works) with it, before this thread builds its copy of the index; a
    // fresh worker creates the file's secondary indexes (seconds at a million dossiers) meanwhile.
    await this.channel.exit;
    const indexer = WorkerChannel.start<WriterRequest, WriterReply>('rebuild indexer', this.script, { file: this.file, loaded: true }, SHORT_LIVED_LIMITS);
    this.indexer = indexer;
    const indexed = indexer.then(async (channel) => {
      await channel.request({ type: 'index' });
      await channel.exit;
    });
    indexed.catch(() => undefined); // awaited below, after the index is in
    const index = indexFromSnapshot(rows);
    prepare?.(index);
    await indexed;
    return { models: ReadModels.openLoaded(this.file), index };
  }

  async discard(): Promise<void> {
    await this.indexer?.then((channel) => channel.terminate('discarded'), () => undefined);
    await this.channel.terminate('discarded');
    for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(this.file + suffix, { force: true });
  }
}
