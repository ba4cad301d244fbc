/**
 * The differences between a unit's register and the system (DOMAIN.md, "Reconciliation"): pure.
 *
 * The system side is the dossiers the unit received (the unit itself, not its subtree: a
 * register is one unit's book). A register row is matched by dossier id; a dossier of the
 * system is missing from the register when it was received within the register's span (the
 * local days from its first to its last receipt date, or the span the caller gave) and the
 * register does not list it.
 */
import { dayIndexOf, instantOf, localDateOf } from '../calendar/time.js';
import { isoInstant } from '../common/iso-instant.js';
import type { DossierStatus } from '../projections/views/dossier-view.js';
import { INSTANT_FIELDS, type InstantField, type RegisterInstant, type RegisterRow } from './register.js';

/** What the comparison needs of a dossier of the system. */
export interface SystemDossier {
  dossierId: string;
  status: DossierStatus;
  receivedAt: number;
  resolvedAt: number | null;
  returnedAt: number | null;
}

export type DifferenceKind = 'missing_in_system' | 'missing_in_register' | 'status' | 'instant';

/** A register or system side as recorded: instants as ISO 8601 (a register's day alone as YYYY-MM-DD). */
export interface SideRecord {
  status: DossierStatus;
  receivedAt?: string | null;
  resolvedAt?: string | null;
  returnedAt?: string | null;
}

export interface Difference {
  dossierId: string;
  kind: DifferenceKind;
  /** The register's line (its item number for a JSON register); absent for missing_in_register. */
  line?: number;
  /** The instant that differs (kind `instant`). */
  field?: InstantField;
  register: SideRecord | string | null;
  system: SideRecord | string | null;
  /** System minus register, in minutes, when both instants are known to the minute. */
  minutes?: number;
}

export interface Span {
  /** Epoch ms, inclusive. */
  from: number;
  /** Epoch ms, exclusive. */
  to: number;
}

export interface Counts {
  registerRows: number;
  /** Dossiers of the unit compared: those the register lists and those of the span it should. */
  systemDossiers: number;
  matched: number;
  missingInSystem: number;
  missingInRegister: number;
  status: number;
  instant: number;
  differences: number;
}

export interface Comparison {
  counts: Counts;
  /** In register order, then the system's missing ones in reception order. */
  differences: Difference[];
}

const MINUTE_MS = 60_000;

/** The local days from the register's first receipt date to its last (undefined: no receipt date at all). */
export function registerSpan(rows: readonly RegisterRow[]): Span | undefined {
  let first = Infinity;
  let last = -Infinity;
  for (const r of rows) {
    if (r.receivedAt === undefined) continue;
    first = Math.min(first, r.receivedAt.ms);
    last = Math.max(last, r.receivedAt.ms);
  }
  if (first === Infinity) return undefined;
  return { from: instantOf(dayIndexOf(first), 0), to: instantOf(dayIndexOf(last) + 1, 0) };
}

export const registerValue = (at: RegisterInstant): string => (at.dateOnly ? localDateOf(at.ms) : isoInstant(at.ms));
const systemValue = (ms: number | null): string | null => (ms === null ? null : isoInstant(ms));

function registerSide(row: RegisterRow): SideRecord {
  const side: SideRecord = { status: row.status };
  for (const f of INSTANT_FIELDS) if (row[f] !== undefined) side[f] = registerValue(row[f]);
  return side;
}

const systemSide = (d: SystemDossier): SideRecord => ({
  status: d.status,
  receivedAt: systemValue(d.receivedAt),
  resolvedAt: systemValue(d.resolvedAt),
  returnedAt: systemValue(d.returnedAt),
});

/** Whether a register instant and the system's differ: by local day for a day alone, else by more than the tolerance. */
function instantsDiffer(register: RegisterInstant, system: number | null, toleranceMs: number): boolean {
  if (system === null) return true;
  if (register.dateOnly) return dayIndexOf(register.ms) !== dayIndexOf(system);
  return Math.abs(system - register.ms) > toleranceMs;
}

/**
 * Compares. `system` yields the unit's dossiers (any order, each once); only those the register
 * lists or that fall in `span` are looked at, so the caller may hand over all of them.
 */
export function compareRegister(rows: readonly RegisterRow[], system: Iterable<SystemDossier>, toleranceMinutes: number, span: Span | undefined): Comparison {
  const toleranceMs = toleranceMinutes * MINUTE_MS;
  const byId = new Map<string, RegisterRow>();
  for (const r of rows) byId.set(r.dossierId, r);
  const found = new Map<string, SystemDossier>();
  const missingInRegister: SystemDossier[] = [];
  for (const d of system) {
    if (byId.has(d.dossierId)) found.set(d.dossierId, d);
    else if (span !== undefined && d.receivedAt >= span.from && d.receivedAt < span.to) missingInRegister.push(d);
  }
  const differences: Difference[] = [];
  const counts: Counts = { registerRows: rows.length, systemDossiers: found.size + missingInRegister.length, matched: found.size, missingInSystem: 0, missingInRegister: missingInRegister.length, status: 0, instant: 0, differences: 0 };
  for (const row of rows) {
    const d = found.get(row.dossierId);
    if (d === undefined) {
      counts.missingInSystem++;
      differences.push({ dossierId: row.dossierId, kind: 'missing_in_system', line: row.line, register: registerSide(row), system: null });
      continue;
    }
    if (row.status !== d.status) {
      counts.status++;
      differences.push({ dossierId: row.dossierId, kind: 'status', line: row.line, register: row.status, system: d.status });
    }
    for (const field of INSTANT_FIELDS) {
      const at = row[field];
      if (at === undefined || !instantsDiffer(at, d[field], toleranceMs)) continue;
      counts.instant++;
      const diff: Difference = { dossierId: row.dossierId, kind: 'instant', line: row.line, field, register: registerValue(at), system: systemValue(d[field]) };
      if (!at.dateOnly && d[field] !== null) diff.minutes = Math.round((d[field] - at.ms) / MINUTE_MS);
      differences.push(diff);
    }
  }
  for (const d of missingInRegister) differences.push({ dossierId: d.dossierId, kind: 'missing_in_register', register: null, system: systemSide(d) });
  counts.differences = differences.length;
  return { counts, differences };
}
