/** The shapes of the service's answers the page reads (docs/API.md). */
import type { Api } from './api.js';
import type { Period } from './period.js';

export type Role = 'integrator' | 'supervisor' | 'auditor' | 'admin';

export interface Me {
  name: string;
  role: Role;
  /** The units the key reaches (with everything below them); null: all units. */
  units: string[] | null;
}

export interface Unit {
  unitId: string;
  name: string;
  parentId?: string;
  level: string;
}

export interface TimelinessRow {
  key: string;
  carriedOver: number;
  received: { total: number; online: number; direct: number; postal: number };
  resolved: { total: number; early: number; onTime: number; late: number; lateWithApology: number; lateWithoutApology: number };
  withdrawn: number;
  inProgress: { total: number; withinDue: number; overdue: number; awaitingSupplement: number };
  onTimeRate: number | null;
}

export interface TimelinessReport {
  unitId: string;
  from: string;
  to: string;
  evaluatedAt: string;
  position: number;
  rows: TimelinessRow[];
  asOf?: string;
}

export interface StepRow {
  unitId: string;
  ended: { total: number; withAllotment: number; onTime: number; late: number };
  open: { total: number; withAllotment: number; overrunning: number };
  responsibleForLate: number;
}

export interface DossierSummary {
  dossierId: string;
  procedureCode: string;
  unitId: string;
  currentUnitId: string;
  status: string;
  receivedAt: string;
  dueAt: string | null;
  appointmentAt: string | null;
  overdue: boolean;
}

export interface DossierEvent {
  type: string;
  data: Record<string, unknown>;
  metadata: { occurredAt: string; recordedAt: string; actor: string };
  revision: number;
  position: number;
}

/** What every panel is shown: who is looking, at which unit, over which period. */
export interface View {
  api: Api;
  me: Me;
  unit: Unit;
  unitsById: ReadonlyMap<string, Unit>;
  period: Period;
  /** Auditors: the report as known at this instant. */
  asOf?: string;
  openDossier(dossierId: string): void;
}

/** A part of the page: one module each, so that later reports are one more panel. */
export interface Panel {
  readonly element: HTMLElement;
  /** Loads and draws the view; settles once the first answer (or failure) is drawn. */
  show(view: View): Promise<void>;
  /** The language changed: draw again from what was loaded. */
  redraw(): void;
  dispose(): void;
}

export interface EntryLagRow {
  key: string;
  events: number;
  /** Wall minutes; null for a row without events. */
  medianMinutes: number | null;
  p90Minutes: number | null;
  maxMinutes: number | null;
  medianOfficeMinutes: number | null;
  lateEntries: number;
  lateEntryShare: number | null;
}

export interface EntryLagReport {
  unitId: string;
  from: string;
  to: string;
  evaluatedAt: string;
  position: number;
  rows: EntryLagRow[];
}
