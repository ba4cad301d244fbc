/**
 * A reconciliation as the log keeps it: one `RegisterReconciled` event on the stream of the unit's
 * reconciliations (`reconciliations-<unitId>`), whose event id is the reconciliation's id. One
 * stream per unit lets the list read newest first without an index; the projector, which reads
 * `dossier-` streams only, passes over it.
 */
import type { Comparison, Difference, Span } from './compare.js';

export const RECONCILIATION_STREAM_PREFIX = 'reconciliations-';
export const reconciliationStream = (unitId: string) => `${RECONCILIATION_STREAM_PREFIX}${unitId}`;
export const REGISTER_RECONCILED = 'RegisterReconciled';

/**
 * Differences kept in the event (and in the answer, so that both say the same): the first ones in
 * register order. The counts are always complete. An event is read by every replay of the log and
 * EventStoreDB refuses one over 1 MiB by default; 2,000 differences of about 250 bytes stay under
 * it, and a register with more differences than that wants fixing before its details are read.
 */
export const MAX_RECORDED_DIFFERENCES = 2_000;

export interface RegisterReconciledData {
  reconciliationId: string;
  unitId: string;
  /** When it was made (the service's clock), and by which key. */
  reconciledAt: string;
  actor: string;
  format: 'csv' | 'json';
  /** `sha256:<hex>` of the register's bytes as received: which file was checked. */
  registerDigest: string;
  registerBytes: number;
  toleranceMinutes: number;
  /** The receipt span searched for dossiers missing from the register (null: none searched). */
  span: { from: string; to: string } | null;
  /** The read models' position the system side was read at. */
  position: number;
  counts: Comparison['counts'];
  differences: Difference[];
  /** More differences were found than recorded (counts.differences says how many). */
  differencesTruncated: boolean;
}

export function recordedSpan(span: Span | undefined): RegisterReconciledData['span'] {
  return span === undefined ? null : { from: new Date(span.from).toISOString(), to: new Date(span.to).toISOString() };
}
