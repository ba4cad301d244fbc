/**
 * The projection seam (DESIGN.md): what a read model declares, and all the projector knows of it.
 * A read model is a folder with one of these; registering it is one line in registry.ts.
 */
import type Database from 'better-sqlite3';
import type { CompiledCalendar } from '../../calendar/index.js';
import type { LoggedEvent } from '../../event-store/event-store.port.js';

/** Reference data a read model may consult while it applies an event: as known at that moment. */
export interface ProjectionContext {
  calendar(): CompiledCalendar;
}

export interface ReadModel<Q = unknown> {
  /** Lower-case, `[a-z_]+`: its tables are named after it; status and quarantine show it. */
  readonly name: string;
  /** Bumped when its rows change shape or meaning: it is then emptied and built again from the log. */
  readonly version: number;
  /** Its tables (and any index it needs while it is built), `CREATE ... IF NOT EXISTS`. */
  readonly schema: string;
  /**
   * Optional: its secondary indexes, `CREATE INDEX IF NOT EXISTS`. A model built from the log (new,
   * version bumped, rebuilt) is built without them, and they are created at once when it caught up,
   * before its first live batch or query: cheaper than maintaining them row by row while it is built.
   * Its queries must not be prepared before then (open prepares its writes only).
   */
  readonly indexes?: string;
  /** Its tables, dropped when the version changes. */
  readonly tables: readonly string[];
  /** Prepares its statements on the read-model file's connection. */
  open(db: Database.Database, context: ProjectionContext): ReadModelHandle<Q>;
}

export interface ReadModelHandle<Q = unknown> {
  /**
   * Applies a batch of events, inside the projector's transaction: in log order, each event once,
   * events of every stream alike. The batch runs in a savepoint: when it throws (other than a
   * SQLite error, which fails the whole transaction) it is rolled back and given again one event at
   * a time, and an event that still throws is quarantined for this read model and skipped. So a
   * model keeping state in memory changes it only once nothing of the batch can throw.
   */
  apply(events: readonly LoggedEvent[]): void;
  /**
   * Optional: told once the transaction of a batch given to `apply` committed (not its builder's),
   * for what it keeps outside the file to follow (the dossier views' report index does). What it
   * keeps so, `open` reads from its tables: a rebuild's swap opens it again.
   */
  committed?(): void;
  /**
   * Optional: a quicker way to be built from the log (new, version bumped, rebuilt), for a model
   * whose batches mostly rewrite rows the previous ones wrote.
   */
  readonly builder?: ReadModelBuilder;
  /** Its queries, on the same connection: they see committed batches only. */
  readonly queries: Q;
}

/**
 * Batches of a build from the log, in the seam's transaction like `apply`'s, whose state the model
 * may keep in memory until `flush`: the seam flushes now and then, and once the model caught up
 * (before its first live batch or query), and stores the model's checkpoint only then, so a build
 * stopped midway starts again from the last flush (what `apply` wrote past it must bear being
 * written again). A batch that throws leaves the state in memory as it was, as `apply` leaves the
 * file; `discard` drops what was not flushed (the seam's transaction failed).
 */
export interface ReadModelBuilder {
  apply(events: readonly LoggedEvent[]): void;
  flush(): void;
  discard(): void;
}
