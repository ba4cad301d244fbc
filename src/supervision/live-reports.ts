/**
 * The live reports behind `GET /units/{id}/timeliness/live`: one computation per distinct report
 * (unit, period, scope, grouping) per burst of changes, serialised once and shared by every stream
 * that shows it. Streams and their limits: live-streams.ts.
 */
import { Inject, Injectable } from '@nestjs/common';
import { auditTime, distinctUntilKeyChanged, filter, map, merge, type Observable, of, ReplaySubject, scan, share, timer } from 'rxjs';
import { CatalogService } from '../catalog/catalog.service.js';
import { CLOCK, type Clock } from '../common/clock.js';
import { Metrics } from '../operations/metrics.js';
import { Projector } from '../projections/projector.js';
import { parseReportParams, type RawQuery, type ReportParams } from './query-params.js';
import { type TimelinessReport, timelinessReport } from './supervision-queries.js';

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

@Injectable()
export class LiveReports {
  private readonly hubs = new Map<string, Observable<LiveFrame>>();
  private computations = 0;

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
  ready(p: ReportParams): Promise<void> {
    return this.projector.waitFor(p.minPosition, p.timeoutMs);
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
    // The units covered are part of the key: a stream opened after the unit tree changed sees the new tree.
    const key = JSON.stringify([unitId, p.from, p.to ?? null, p.scope, p.groupBy, covered]);
    const existing = this.hubs.get(key);
    if (existing !== undefined) return existing;
    const hub: Observable<LiveFrame> = this.compute(unitId, p, new Set(covered)).pipe(
      share({
        connector: () => new ReplaySubject<LiveFrame>(1),
        // Last stream gone: the report is no longer computed, and a later stream starts afresh.
        resetOnRefCountZero: () => {
          if (this.hubs.get(key) === hub) this.hubs.delete(key);
          return of(true);
        },
      }),
    );
    this.hubs.set(key, hub);
    return hub;
  }

  /**
   * On subscription, after each burst of changes to the units the report covers
   * (DossierBecameOverdue from the watcher included), and on a slow tick for what only time changes.
   */
  private compute(unitId: string, p: ReportParams, covered: ReadonlySet<string>): Observable<LiveFrame> {
    const relevant = this.projector.changes$.pipe(filter((c) => c.unitIds === 'all' || [...c.unitIds].some((u) => covered.has(u))));
    return merge(of(0), relevant.pipe(auditTime(COALESCE_MS)), timer(REEVALUATE_MS, REEVALUATE_MS)).pipe(
      map(() => {
        this.computations++;
        return timelinessReport(this.projector.index, this.catalog, unitId, p, this.clock.now().getTime(), { position: this.projector.checkpoint });
      }),
      scan<TimelinessReport, { rows: string; frame: LiveFrame } | undefined>((last, report) => {
        const rows = JSON.stringify(report.rows);
        const rowsVersion = last === undefined ? 0 : last.frame.rowsVersion + (rows === last.rows ? 0 : 1);
        const text = `event: timeliness\nid: ${report.position}\ndata: ${JSON.stringify(report)}\n\n`;
        return { rows, frame: { position: report.position!, rowsVersion, text } };
      }, undefined),
      map((computed) => computed!.frame),
    );
  }
}
