/**
 * The live reports behind `GET /units/{id}/timeliness/live`: one computation per distinct report
 * (unit, period, scope, grouping) per burst of changes, serialised once and shared by every stream
 * that shows it. Rows keyed by unit carry the review lists' counts (attention-in-reports.ts).
 * Streams and their limits: live-streams.ts.
 */
import { Inject, Injectable } from '@nestjs/common';
import { auditTime, distinctUntilKeyChanged, filter, map, merge, type Observable, of, scan, Subject, timer } from 'rxjs';
import { LiveHubs } from './live-hubs.js';
import { attentionByUnit, type AttentionCountsRow, attentionOfRows } from '../attention/attention-in-reports.js';
import type { AttentionQueries } from '../attention/attention.read-model.js';
import { CatalogService } from '../catalog/catalog.service.js';
import { CLOCK, type Clock } from '../common/clock.js';
import { Metrics } from '../operations/metrics.js';
import { Projector } from '../projections/projector.js';
import { parseReportParams, type RawQuery, type ReportParams } from './query-params.js';
import type { TimelinessRow } from '../projections/report-index/timeliness-report.js';
import { type TimelinessReport, timelinessReport } from './supervision-queries.js';

/** A live report: each row keyed by unit has the counts of its dossiers on each review list (null while the lists are being built). */
type LiveReport = Omit<TimelinessReport, 'rows'> & { rows: (TimelinessRow & { attention?: AttentionCountsRow | null })[] };

/** A report as one Server-Sent Event, ready to write to any number of sockets. */
export interface LiveFrame {
  position: number;
  /** Goes up when the rows differ from the previous computation's: a stream is sent a frame when it does. */
  rowsVersion: number;
  text: string;
}

/** Changes closer together than this are computed and sent as one. */
export const COALESCE_MS = 25;
/** Reports are re-evaluated this often even without events (the watcher's event normally comes first). */
export const REEVALUATE_MS = 30_000;
/**
 * A report's review-list counts are counted again at most this often (every unit of a province
 * costs milliseconds at a million dossiers): a frame in between reuses them, and another frame
 * follows once they may be counted again.
 */
export const ATTENTION_EVERY_MS = 2_000;

/** A report's review-list counts by unit, and when (monotonic ms) they were counted. */
interface Counted {
  at: number;
  byUnit: ReadonlyMap<string, AttentionCountsRow>;
}

@Injectable()
export class LiveReports {
  private readonly hubs = new LiveHubs();
  private computations = 0;
  /** The review lists' queries as last asked for (undefined while they are being built). */
  private attention: AttentionQueries | undefined;

  constructor(
    private readonly projector: Projector,
    private readonly catalog: CatalogService,
    @Inject(CLOCK) private readonly clock: Clock,
    metrics: Metrics,
  ) {
    metrics.counter('live_report_computations_total', 'Reports computed for live streams (once per distinct report per change).', () => this.computations);
    metrics.gauge('live_reports_shown', 'Distinct reports that open live streams show.', () => this.hubs.size);
  }

  /** A live stream's parameters; 400 or 404 before anything is reserved or sent. */
  params(unitId: string, query: RawQuery): ReportParams {
    this.catalog.requireUnit(unitId);
    return parseReportParams(query, this.clock.now().getTime(), { live: true });
  }

  /** Resolves once the read models include the stream's `minPosition` (503 after its timeout). */
  async ready(p: ReportParams): Promise<void> {
    await this.projector.waitFor(p.minPosition, p.timeoutMs);
    await this.refreshAttention();
  }

  /** The review lists' queries, asked for again at each computation (a rebuild replaces them). */
  private async refreshAttention(): Promise<void> {
    try {
      this.attention = await this.projector.readModel<AttentionQueries>('attention');
    } catch {
      this.attention = undefined; // being built from the log (503 on its own routes): null in the rows meanwhile
    }
  }

  /**
   * The report now (to a stream that joins a report already shown: its last computation, at most
   * REEVALUATE_MS old), then again each time its rows change. Subscribe at once: the hub is kept
   * only while it has streams.
   */
  frames(unitId: string, p: ReportParams): Observable<LiveFrame> {
    return this.hub(unitId, p).pipe(distinctUntilKeyChanged('rowsVersion'));
  }

  private hub(unitId: string, p: ReportParams): Observable<LiveFrame> {
    const covered = p.groupBy === 'child' || p.scope === 'subtree' ? this.catalog.subtree(unitId) : [unitId];
    return this.hubs.shared(unitId, p, covered, () => this.compute(unitId, p, new Set(covered)));
  }

  /**
   * On subscription, after each burst of changes to the units the report covers
   * (DossierBecameOverdue from the watcher included), and on a slow tick for what only time changes.
   */
  private compute(unitId: string, p: ReportParams, covered: ReadonlySet<string>): Observable<LiveFrame> {
    const relevant = this.projector.changes$.pipe(filter((c) => c.unitIds === 'all' || [...c.unitIds].some((u) => covered.has(u))));
    const recount = new Subject<void>();
    const state: { counted?: Counted } = {};
    return merge(of(0), relevant.pipe(auditTime(COALESCE_MS)), timer(REEVALUATE_MS, REEVALUATE_MS), recount.pipe(auditTime(ATTENTION_EVERY_MS))).pipe(
      map(() => {
        this.computations++;
        const now = this.clock.now().getTime();
        void this.refreshAttention();
        const report = timelinessReport(this.projector.dossiers, this.catalog, unitId, p, now, { position: this.projector.checkpoint });
        return this.withAttention(unitId, p, report, p.groupBy === 'procedure' ? undefined : this.attentionOf(covered, now, state, () => recount.next()));
      }),
      scan<LiveReport, { rows: string; frame: LiveFrame } | undefined>((last, report) => {
        const rows = JSON.stringify(report.rows);
        const rowsVersion = last === undefined ? 0 : last.frame.rowsVersion + (rows === last.rows ? 0 : 1);
        const text = `event: timeliness\nid: ${report.position}\ndata: ${JSON.stringify(report)}\n\n`;
        return { rows, frame: { position: report.position!, rowsVersion, text } };
      }, undefined),
      map((computed) => computed!.frame),
    );
  }

  /** The review lists' counts of the report's units: counted again, or those counted less than ATTENTION_EVERY_MS ago (`later` then asks for another frame). */
  private attentionOf(covered: ReadonlySet<string>, now: number, state: { counted?: Counted }, later: () => void): ReadonlyMap<string, AttentionCountsRow> | undefined {
    const at = performance.now();
    if (state.counted !== undefined && at - state.counted.at < ATTENTION_EVERY_MS) {
      later();
      return state.counted.byUnit;
    }
    try {
      state.counted = this.attention && { at, byUnit: attentionByUnit(this.attention, this.catalog.calendar().compiled, now, [...covered]) };
    } catch {
      state.counted = undefined; // queries of a read-model file a rebuild has just replaced: asked for again
    }
    return state.counted?.byUnit;
  }

  /** Rows keyed by unit (not by procedure) with their units' counts on each review list (null while the lists are being built). */
  private withAttention(unitId: string, p: ReportParams, report: TimelinessReport, byUnit: ReadonlyMap<string, AttentionCountsRow> | undefined): LiveReport {
    if (p.groupBy === 'procedure') return report;
    const units = (u: string) => (p.scope === 'subtree' ? this.catalog.subtree(u) : [u]);
    // groupBy child: the unit's own row counts its own dossiers only, as in the report.
    const counts = byUnit && attentionOfRows(byUnit, report.rows.map((row) => (p.groupBy === 'child' && row.key === unitId ? [unitId] : units(row.key))));
    return { ...report, rows: report.rows.map((row, i) => ({ ...row, attention: counts?.[i] ?? null })) };
  }
}
