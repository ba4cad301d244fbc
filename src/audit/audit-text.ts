/** What the auditor's command line prints for a person (audit-cli.ts; --json prints the data instead). */
import type { VerificationResult } from './chain-verifier.js';

/** An event as GET /dossiers/{id}/events answers it. */
export interface HistoryEvent {
  type: string;
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
  revision: number;
  position: number;
}

const number = (n: number) => n.toLocaleString('en-US');

/** An instant as local time in Vietnam (+07:00), to the second. */
export function local(iso: unknown): string {
  const ms = typeof iso === 'string' ? Date.parse(iso) : Number.NaN;
  if (Number.isNaN(ms)) return '-';
  return `${new Date(ms + 7 * 3600_000).toISOString().slice(0, 19).replace('T', ' ')} +07:00`;
}

/** A dossier's timeline: one entry per event, its instants, its actor and what it changed. */
export function timeline(dossierId: string, events: HistoryEvent[]): string {
  const out = [`Dossier ${dossierId}: ${events.length} events`];
  for (const e of events) {
    const m = e.metadata;
    out.push(
      `#${e.revision} ${e.type}  occurred ${local(m.occurredAt)}  recorded ${local(m.recordedAt)}  by ${String(m.actor ?? '-')}  (position ${e.position})`,
    );
    const changes = Object.entries(e.data).filter(([key]) => key !== 'dossierId');
    if (changes.length > 0) out.push(`    ${changes.map(([key, value]) => `${key}: ${typeof value === 'string' ? value : JSON.stringify(value)}`).join(', ')}`);
  }
  return `${out.join('\n')}\n`;
}

export function verification(r: VerificationResult & { exported?: number; unitId?: string; dossiers?: number }, seconds: number): string {
  const rate = seconds > 0 ? ` (${number(Math.round(r.events / seconds))} events/s)` : '';
  const out = [
    r.verified ? `VERIFIED: ${number(r.events)} events checked in ${seconds.toFixed(1)} s${rate}` : `TAMPERED: position ${r.firstBadPosition}: ${r.problem}`,
  ];
  if (r.unitId !== undefined) out.push(`bundle of unit ${r.unitId}: ${number(r.dossiers ?? 0)} dossiers, ${number(r.exported ?? 0)} events with their content`);
  if (r.chainStartsAt !== undefined && r.chainStartsAt > 1) out.push(`the chain starts at position ${r.chainStartsAt}: ${number(r.unchained)} earlier events were written before it and carry no hash`);
  if (r.chainStartsAt === undefined && r.events > 0) out.push('no event carries a hash: the log was written before the chain existed');
  out.push(`seals checked: ${number(r.seals)}${r.sealedTo !== undefined ? `, sealed up to position ${r.sealedTo}` : ''}`);
  if (r.head) {
    if (r.verified && (r.sealedTo ?? 0) < r.head.position) out.push(`positions ${(r.sealedTo ?? 0) + 1}-${r.head.position} are chained but not sealed yet`);
    out.push(`head: position ${r.head.position}, hash ${r.head.hash}`);
  }
  return `${out.join('\n')}\n`;
}

interface ReportRow {
  key: string;
  received: { total: number };
  resolved: { total: number; onTime: number; early: number; late: number };
  inProgress: { total: number; overdue: number };
  withdrawn: number;
  onTimeRate: number | null;
}

export function report(unitId: string, body: { from?: string; to?: string; asOf?: string; rows: ReportRow[] }): string {
  const out = [`Timeliness of ${unitId}, ${local(body.from)} to ${local(body.to)}${body.asOf ? `, as known at ${local(body.asOf)}` : ''}`];
  out.push(['row', 'received', 'resolved', 'early+on time', 'late', 'in progress', 'overdue', 'withdrawn', 'on-time rate'].join('\t'));
  for (const r of body.rows) {
    const rate = r.onTimeRate === null ? '-' : `${(r.onTimeRate * 100).toFixed(1)}%`;
    out.push([r.key, r.received.total, r.resolved.total, r.resolved.early + r.resolved.onTime, r.resolved.late, r.inProgress.total, r.inProgress.overdue, r.withdrawn, rate].join('\t'));
  }
  return `${out.join('\n')}\n`;
}
