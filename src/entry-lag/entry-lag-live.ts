/**
 * The live entry-lag reports behind `GET /units/{id}/entry-lag/live`, as the timeliness report's
 * (supervision/live-reports.ts): one computation per distinct report per burst of changes,
 * serialised once and shared by every stream that shows it; a frame at connect, then one each time
 * the rows change; re-evaluated on a slow tick too. Streams and their limits: supervision's LiveStreams.
 */
import { Injectable } from '@nestjs/common';
import { auditTime, concatMap, distinctUntilKeyChanged, filter, map, merge, type Observable, of, scan, timer } from 'rxjs';
import { LiveHubs } from '../supervision/live-hubs.js';
import { CatalogService } from '../catalog/catalog.service.js';
import { AppError } from '../common/errors.js';
import { Metrics } from '../operations/metrics.js';
import { Projector } from '../projections/projector.js';
import { COALESCE_MS, type LiveFrame, REEVALUATE_MS } from '../supervision/live-reports.js';
import type { RawQuery } from '../supervision/query-params.js';
import type { EntryLagQueries } from './entry-lag.read-model.js';
import { type EntryLagParams, type EntryLagReport, EntryLagReports } from './entry-lag.queries.js';

@Injectable()
export class EntryLagLive {
  private readonly hubs = new LiveHubs();
  private computations = 0;

  constructor(
    private readonly projector: Projector,
    private readonly catalog: CatalogService,
    private readonly reports: EntryLagReports,
    metrics: Metrics,
  ) {
    metrics.counter('live_entry_lag_computations_total', 'Entry-lag reports computed for live streams (once per distinct report per change).', () => this.computations);
  }

  /** A live stream's parameters; 400 or 404 before anything is reserved or sent. */
  params(unitId: string, query: RawQuery): EntryLagParams {
    return this.reports.params(unitId, query, { live: true });
  }

  /** Resolves once the read model includes the stream's `minPosition` and is built (503 otherwise, after its timeout). */
  async ready(p: EntryLagParams): Promise<void> {
    await this.projector.readModel<EntryLagQueries>('entry_lag', p.minPosition, p.timeoutMs);
  }

  /** The report now (or the last computation of a report already shown), then again each time its rows change. */
  frames(unitId: string, p: EntryLagParams): Observable<LiveFrame> {
    return this.hub(unitId, p).pipe(distinctUntilKeyChanged('rowsVersion'));
  }

  private hub(unitId: string, p: EntryLagParams): Observable<LiveFrame> {
    const covered = p.groupBy === 'child' || p.scope === 'subtree' ? this.catalog.subtree(unitId) : [unitId];
    return this.hubs.shared(unitId, p, covered, () => this.compute(unitId, p, new Set(covered)));
  }

  /** On subscription, after each burst of batches with entries of the covered units, and on a slow tick. */
  private compute(unitId: string, p: EntryLagParams, covered: ReadonlySet<string>): Observable<LiveFrame> {
    let last: { model: EntryLagQueries; mark: number } | undefined;
    const relevant = this.projector.changes$.pipe(filter((c) => c.unitIds === 'all' || last === undefined || last.model.changedSince(last.mark, covered)));
    return merge(of(0), relevant.pipe(auditTime(COALESCE_MS)), timer(REEVALUATE_MS, REEVALUATE_MS)).pipe(
      concatMap(async () => {
        let model: EntryLagQueries;
        try {
          model = await this.projector.readModel<EntryLagQueries>('entry_lag');
        } catch (error) {
          if (error instanceof AppError && error.code === 'NOT_CAUGHT_UP') return undefined; // being built again (a rebuild): the tick shows it once built
          throw error;
        }
        last = { model, mark: model.mark() };
        this.computations++;
        return this.reports.compute(model, unitId, p);
      }),
      filter((report): report is EntryLagReport => report !== undefined),
      scan<EntryLagReport, { rows: string; frame: LiveFrame } | undefined>((previous, report) => {
        const rows = JSON.stringify(report.rows);
        const rowsVersion = previous === undefined ? 0 : previous.frame.rowsVersion + (rows === previous.rows ? 0 : 1);
        const text = `event: entry-lag\nid: ${report.position}\ndata: ${JSON.stringify(report)}\n\n`;
        return { rows, frame: { position: report.position, rowsVersion, text } };
      }, undefined),
      map((computed) => computed!.frame),
    );
  }
}
