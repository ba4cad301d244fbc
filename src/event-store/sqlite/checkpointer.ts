/**
 * Checkpoints of the embedded event log in a worker thread, in place of SQLite's automatic ones.
 *
 * SQLite checkpoints a WAL database inside the commit that takes the log past 1,000 pages: the
 * committing thread copies the pages into the database file and waits for two flushes (the log's,
 * then the file's). For the event log that thread is the one serving every HTTP request, and a
 * checkpoint held it 5-10 ms about every 1,500 appends (bench/thread-cpu.js, docs/PERFORMANCE.md,
 * seventh session). Here the store's own connection checkpoints no more, and when one is due
 * (`DUE_COMMITS` commits or `DUE_EVENTS` events since the last) the store asks this worker for a
 * checkpoint *instead of* its next flush of the log, while its appends wait for that flush as they
 * wait for any other:
 * - no commit runs during the checkpoint, so it copies the whole log and the next commit starts
 *   the log over, as after SQLite's own checkpoints;
 * - a complete checkpoint has flushed the log before copying it and the database file after
 *   (`synchronous = NORMAL` on the worker's connection), so every commit it covered is on disk:
 *   the store acknowledges them without a flush of its own. An incomplete one (another connection
 *   reading an older snapshot, say a rebuild's log reader) proves nothing, and the store flushes.
 *
 * Without a worker (one CPU, `never`, TypeScript sources under a test runner, or the worker
 * failed) SQLite's automatic checkpoints stay, or come back, on the store's connection.
 */
import { type Reply, WorkerChannel, type WorkerMode, whyInThread, workerScript } from '../../common/worker-channel.js';

/** What the worker is started with. */
export interface CheckpointerData {
  file: string;
}

export type CheckpointRequest = { id: number; type: 'checkpoint' } | { id: number; type: 'close' };

/** `PRAGMA wal_checkpoint`'s answer: busy (1: not done), pages in the log, pages copied from it. */
export interface CheckpointResult {
  busy: number;
  log: number;
  checkpointed: number;
}

type CheckpointReply = Reply & Partial<CheckpointResult>;

/** A checkpoint is due after this many commits or this many events since the last (about 1,000-2,000 pages of log). */
export const DUE_COMMITS = 200;
export const DUE_EVENTS = 2_000;

/** SQLite's own default, restored when the worker is gone. */
const SQLITE_AUTOCHECKPOINT_PAGES = 1_000;

export interface CheckpointStats {
  /** Where checkpoints are made now: the worker, or SQLite on the store's connection. */
  thread: 'worker' | 'main';
  /** Why not in a worker (when `main`). */
  reason?: string;
  /** Checkpoints made by the worker that copied the whole log, and those that could not. */
  complete: number;
  incomplete: number;
}

export class LogCheckpointer {
  readonly stats: CheckpointStats = { thread: 'main', complete: 0, incomplete: 0 };
  /** Settles once the worker is ready, or known not to be. */
  readonly started: Promise<void>;
  private channel: WorkerChannel<CheckpointRequest, CheckpointReply> | undefined;
  private commits = 0;
  private events = 0;
  private closed = false;

  /** `autocheckpoint(pages)` sets the store connection's `wal_autocheckpoint` (0: none). */
  constructor(
    file: string,
    mode: WorkerMode,
    private readonly autocheckpoint: (pages: number) => void,
  ) {
    const reason = whyInThread(mode);
    if (reason !== undefined) {
      this.stats.reason = reason;
      this.started = Promise.resolve();
      return;
    }
    this.started = WorkerChannel.start<CheckpointRequest, CheckpointReply>('event log checkpointer', workerScript(import.meta.url, 'checkpointer.worker'), {
      file,
    } satisfies CheckpointerData).then(
      (channel) => {
        if (this.closed) return void channel.terminate('the store closed before the checkpointer was ready');
        this.autocheckpoint(0);
        this.channel = channel;
        this.stats.thread = 'worker';
        delete this.stats.reason;
        void channel.exit.then(() => this.fallBack('the worker exited'));
      },
      (error: Error) => {
        this.stats.reason = error.message;
      },
    );
  }

  /** Counts a commit of the store's connection (`events` written). */
  committed(events: number): void {
    this.commits += 1;
    this.events += events;
  }

  /**
   * Checkpoints in the worker when one is due. True when the checkpoint copied the whole log:
   * everything committed so far is then on disk, and no flush of the log is needed.
   */
  async checkpointIfDue(): Promise<boolean> {
    const channel = this.channel;
    if (channel === undefined || (this.commits < DUE_COMMITS && this.events < DUE_EVENTS)) return false;
    this.commits = 0;
    this.events = 0;
    try {
      const { busy, log, checkpointed } = await channel.request({ type: 'checkpoint' });
      if (busy === 0 && log !== undefined && log === checkpointed) {
        this.stats.complete += 1;
        return true;
      }
      this.stats.incomplete += 1;
      return false;
    } catch (error) {
      this.fallBack((error as Error).message);
      return false;
    }
  }

  /** Ends the worker (the store's appends are all flushed by then). */
  async close(): Promise<void> {
    this.closed = true;
    await this.started;
    const channel = this.channel;
    this.channel = undefined;
    if (channel === undefined) return;
    try {
      await channel.request({ type: 'close' });
    } catch {
      // already gone: nothing to close
    }
    await channel.exit;
  }

  /** The worker is gone: SQLite checkpoints on the store's connection again, so that the log does not grow without end. */
  private fallBack(reason: string): void {
    if (this.channel === undefined) return;
    this.channel = undefined;
    this.stats.thread = 'main';
    this.stats.reason = reason;
    this.autocheckpoint(SQLITE_AUTOCHECKPOINT_PAGES);
  }
}
