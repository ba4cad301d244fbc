/** What the projector tells the rest of the service: changes, status, rebuilds; and how its registered read models are set up. */
import type { QuarantineSummary } from './quarantine.js';
import type { ProjectionContext, ReadModel } from './seam/read-model.js';
import type { ReadModelStatus } from './seam/read-model-set.js';

/** What a committed batch changed: the checkpoint and the receiving units whose figures may differ. */
export interface ProjectionChange {
  checkpoint: number;
  /** Receiving units of the changed dossiers; `all` after a rebuild. */
  unitIds: ReadonlySet<string> | 'all';
  dossierIds: readonly string[];
  /**
   * A committed batch's earliest due instant among the changed dossiers now open and running, not
   * yet marked overdue (the overdue watcher's concern); absent when none is, and on other changes.
   */
  earliestRunningDue?: number;
}

export interface RebuildReport {
  events: number;
  position: number;
  durationMs: number;
  eventsPerSecond: number;
  finishedAt: string;
  /** Where the rows were written: a worker thread, or the main thread when no worker could start. */
  writer: 'worker' | 'main';
}

export interface ProjectionStatus {
  checkpoint: number;
  headPosition: number;
  lag: number;
  caughtUp: boolean;
  rebuild: { running: boolean; events: number; startedAt: string | null; last: RebuildReport | null };
  /** `stopped` while the live projection cannot go on (its last batch failed and none has passed since). */
  state: 'running' | 'stopped';
  /** Why, when stopped. */
  stoppedBecause?: string;
  /** Set when the service started without its read models as they were (rebuilt, or kept in memory). */
  degraded?: string;
  /** Events skipped because no view could take them. */
  quarantined: QuarantineSummary;
  /** The registered read models of the seam: version, checkpoint, whether caught up, events quarantined. */
  readModels: (ReadModelStatus & { quarantined: number })[];
}

/** The read models the projector feeds beside the dossier views, and what they may consult. */
export interface ReadModelSetup {
  models: readonly ReadModel[];
  context: ProjectionContext;
}

/** Injection token of the ReadModelSetup (projections.module.ts: the registry, with the catalog's calendar). */
export const READ_MODEL_SETUP = Symbol('READ_MODEL_SETUP');
