/** GET /units/{unitId}/entry-lag: the entry-lag read model's figures per unit, child or event type. */
import { Inject, Injectable } from '@nestjs/common';
import { CatalogService } from '../catalog/catalog.service.js';
import { CLOCK, type Clock } from '../common/clock.js';
import { validationFailed } from '../common/errors.js';
import { Projector } from '../projections/projector.js';
import type { Scope } from '../projections/timeliness-report.js';
import { parseReportParams, type RawQuery } from '../supervision/query-params.js';
import { endInstant } from '../supervision/supervision-queries.js';
import { type EntryLagFigures, entryLagFigures } from './entry-lag-stats.js';
import type { EntryLagQueries, LagRow } from './entry-lag.read-model.js';

export type EntryLagGroupBy = 'none' | 'child' | 'eventType';
const GROUPINGS: readonly EntryLagGroupBy[] = ['none', 'child', 'eventType'];

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
  percentiles: 'nearest rank over the events of the row',
};

const iso = (ms: number) => new Date(ms).toISOString();

@Injectable()
export class EntryLagReports {
  constructor(
    private readonly projector: Projector,
    private readonly catalog: CatalogService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async report(unitId: string, query: RawQuery): Promise<EntryLagReport> {
    this.catalog.requireUnit(unitId);
    const now = this.clock.now().getTime();
    const groupBy = query.groupBy === undefined || query.groupBy === '' ? 'none' : query.groupBy;
    if (!GROUPINGS.includes(groupBy as EntryLagGroupBy)) {
      throw validationFailed([{ field: 'groupBy', message: `groupBy must be one of ${GROUPINGS.join(', ')}` }]);
    }
    const p = parseReportParams({ ...query, groupBy: undefined, asOf: undefined }, now);
    const model = await this.projector.readModel<EntryLagQueries>('entry_lag', p.minPosition, p.timeoutMs);
    const position = this.projector.checkpoint;
    const to = p.to!;
    const end = endInstant(p.from, to, now);
    const unitsOf = (id: string, scope: Scope) => (scope === 'subtree' ? this.catalog.subtree(id) : [id]);
    const rowsOf = (units: readonly string[]): LagRow[] => model.rows(units, p.from, end);
    const rows: EntryLagReport['rows'] = [];
    switch (groupBy as EntryLagGroupBy) {
      case 'none':
        rows.push({ key: unitId, ...entryLagFigures(rowsOf(unitsOf(unitId, p.scope))) });
        break;
      case 'child': {
        const own = entryLagFigures(rowsOf([unitId]));
        if (own.events > 0) rows.push({ key: unitId, ...own });
        for (const child of [...this.catalog.children(unitId)].sort()) rows.push({ key: child, ...entryLagFigures(rowsOf(unitsOf(child, p.scope))) });
        break;
      }
      case 'eventType': {
        const byType = new Map<string, LagRow[]>();
        for (const r of rowsOf(unitsOf(unitId, p.scope))) {
          const list = byType.get(r.eventType);
          if (list) list.push(r);
          else byType.set(r.eventType, [r]);
        }
        for (const type of [...byType.keys()].sort()) rows.push({ key: type, ...entryLagFigures(byType.get(type)!) });
        break;
      }
    }
    return { unitId, from: iso(p.from), to: iso(to), evaluatedAt: iso(end), scope: p.scope, groupBy: groupBy as EntryLagGroupBy, position, definitions: DEFINITIONS, rows };
  }
}
