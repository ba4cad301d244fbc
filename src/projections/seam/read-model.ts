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
  /** Its tables and indexes, `CREATE ... IF NOT EXISTS`. */
  readonly schema: string;
  /** Its tables, dropped when the version changes. */
  readonly tables: readonly string[];
  /** Prepares its statements on the read-model file's connection. */
  open(db: Database.Database, context: ProjectionContext): ReadModelHandle<Q>;
}

export interface ReadModelHandle<Q = unknown> {
  /**
   * Applies one event, inside the projector's transaction; each event comes once, in log order,
   * events of every stream alike. One it cannot apply must throw before writing anything: it is
   * then quarantined for this read model and skipped.
   */
  apply(event: LoggedEvent): void;
  /** Its queries, on the same connection: they see committed batches only. */
  readonly queries: Q;
}
