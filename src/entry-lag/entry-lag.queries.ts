/** GET /units/{unitId}/entry-lag: the entry-lag read model's figures per unit, child or event type. */
import { Inject, Injectable } from '@nestjs/common';
import { CatalogService } from '../catalog/catalog.service.js';
import { CLOCK, type Clock } from '../common/clock.js';
import { validationFailed } from '../common/errors.js';
import { Projector } from '../projections/projector.js';
import type { Scope } from '../projections/report-index/timeliness-report.js';
import { parseReportParams, type RawQuery, type ReportParams } from '../supervision/query-params.js';
import { endInstant } from '../supervision/supervision-queries.js';
import { type EntryLagFigures, entryLagFigures } from './entry-lag-stats.js';
import { RELATIVE_ACCURACY } from './lag-histogram.js';
import type { ByType, EntryLagQueries } from './entry-lag.read-model.js';

export type EntryLagGroupBy = 'none' | 'child' | 'eventType';
const GROUPINGS: readonly EntryLagGroupBy[] = ['none', 'child', 'eventType'];

export type EntryLagParams = Omit<ReportParams, 'groupBy' | 'asOf'> & { groupBy: EntryLagGroupBy };

export interface EntryLagReport {
  unitId: string;
  from: string;
  to: string;
  /** The end instant E = min(to, now): events that occurred in [from, E) are counted. */
  evaluatedAt: string;
  scope: Scope;
  groupBy: EntryLagGroupBy;
  /** Read-model checkpoint the answer was computed at. */
  position: number;
  /** How the figures are defined, stated with them. */
  definitions: { lag: string; lateEntry: string; percentiles: string };
  rows: (EntryLagFigures & { key: string })[];
}

const DEFINITIONS: EntryLagReport['definitions'] = {
  lag: 'recorded - occurred; wall minutes, and office minutes by the working calendar; counted for the unit that did the thing',
  lateEntry: 'recorded more than one working day (8 office hours) after it occurred',
  percentiles: `nearest rank over the events of the row, read from log buckets: a median or p90 is within ${RELATIVE_ACCURACY * 100}% of the exact value (lags under a second count as 0); events, late entries and max are exact`,
};

const iso = (ms: number) => new Date(ms).toISOString();

@Injectable()
export class EntryLagReports {
  constructor(
    private readonly projector: Projector,
    private readonly catalog: CatalogService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** The report's parameters (400 or 404 before anything else); a live stream's have no `to`. */
  params(unitId: string, query: RawQuery, options: { live?: boolean } = {}): EntryLagParams {
    this.catalog.requireUnit(unitId);
    const groupBy = query.groupBy === undefined || query.groupBy === '' ? 'none' : query.groupBy;
    if (!GROUPINGS.includes(groupBy as EntryLagGroupBy)) {
      throw validationFailed([{ field: 'groupBy', message: `groupBy must be one of ${GROUPINGS.join(', ')}` }]);
    }
    const p = parseReportParams({ ...query, groupBy: undefined, ...(options.live ? {} : { asOf: undefined }) }, this.clock.now().getTime(), options);
    return { ...p, groupBy: groupBy as EntryLagGroupBy };
  }

  async report(unitId: string, query: RawQuery): Promise<EntryLagReport> {
    const p = this.params(unitId, query);
    const model = await this.projector.readModel<EntryLagQueries>('entry_lag', p.minPosition, p.timeoutMs);
    return this.compute(model, unitId, p);
  }

  /** The report now, from the read model as committed (the live stream's computation too). */
  compute(model: EntryLagQueries, unitId: string, p: EntryLagParams): EntryLagReport {
    const now = this.clock.now().getTime();
    const position = this.projector.checkpoint;
    const to = p.to ?? now;
    const end = endInstant(p.from, to, now);
    const unitsOf = (id: string) => (p.scope === 'subtree' ? this.catalog.subtree(id) : [id]);
    const parts = (units: readonly string[], byType = false) => model.summaries(units, p.from, end, byType);
    const all = (byType: ByType) => [...byType.values()].flat();
    const rows: EntryLagReport['rows'] = [];
    switch (p.groupBy) {
      case 'none':
        rows.push({ key: unitId, ...entryLagFigures(all(parts(unitsOf(unitId)))) });
        break;
      case 'child': {
        const own = entryLagFigures(all(parts([unitId])));
        if (own.events > 0) rows.push({ key: unitId, ...own });
        for (const child of [...this.catalog.children(unitId)].sort()) rows.push({ key: child, ...entryLagFigures(all(parts(unitsOf(child)))) });
        break;
      }
      case 'eventType': {
        const byType = parts(unitsOf(unitId), true);
        for (const type of [...byType.keys()].sort()) rows.push({ key: type, ...entryLagFigures(byType.get(type)!) });
        break;
      }
    }
    return { unitId, from: iso(p.from), to: iso(to), evaluatedAt: iso(end), scope: p.scope, groupBy: p.groupBy, position, definitions: DEFINITIONS, rows };
  }
}
