import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Principal } from '../../access/principal.js';
import { CatalogService } from '../../catalog/catalog.service.js';
import { CLOCK, type Clock } from '../../common/clock.js';
import { EVENT_STORE, type EventStore } from '../../event-store/event-store.port.js';
import { Projector } from '../../projections/projector.js';
import { decide } from '../domain/decide.js';
import { CommandPipeline } from '../pipeline/command-pipeline.js';
import type { DossierDueReplanned } from '../events.js';

/** One open dossier whose due the calendar in force moves. */
export interface ReplanItem {
  dossierId: string;
  unitId: string;
  oldDueAt: string;
  newDueAt: string;
  calendarProvisional?: true;
  step?: DossierDueReplanned['data']['step'];
  /** Only in a real run: the position of the appended DossierDueReplanned. */
  position?: number;
}

export interface ReplanReport {
  dryRun: boolean;
  calendarRevision: number;
  /** Open, running dossiers looked at. */
  examined: number;
  /** Those whose due (or open step's due) the calendar moves: listed (dry run) or moved. */
  replanned: ReplanItem[];
  /** Dossiers that kept changing under the re-plan (appended nothing): a second run takes them. */
  conflicts: string[];
}

const PAGE = 500;
const ATTEMPTS = 3;
/** How long to wait for the read models to list every dossier stored before the run. */
const CATCH_UP_MS = 10_000;

/**
 * POST /calendar/replan: each open dossier the read model lists goes through the command pipeline as `Replan`. One
 * already re-planned on this calendar yields nothing, so a second run, or one after an interrupted run, appends only what is left.
 */
@Injectable()
export class CalendarReplanService {
  private readonly logger = new Logger('Replan');

  constructor(
    private readonly pipeline: CommandPipeline,
    private readonly catalog: CatalogService,
    private readonly projector: Projector,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async replan(dryRun: boolean, by: Principal): Promise<ReplanReport> {
    // Everything stored before the run is listed: a dossier received a moment ago is not missed.
    await this.projector.waitFor(await this.store.headPosition(), CATCH_UP_MS);
    const calendar = this.catalog.calendar();
    const correlationId = randomUUID();
    const report: ReplanReport = { dryRun, calendarRevision: calendar.revision, examined: 0, replanned: [], conflicts: [] };
    let afterSeq = -1;
    for (;;) {
      const now = this.clock.now();
      const page = this.projector.dossiers.list({ status: 'received', now: now.getTime(), afterSeq, limit: PAGE });
      if (page.length === 0) break;
      afterSeq = page[page.length - 1].seq;
      for (const view of page) {
        report.examined++;
        const outcome = await this.replanOne(view.dossierId, dryRun, calendar, by, correlationId);
        if (outcome === 'conflict') report.conflicts.push(view.dossierId);
        else if (outcome !== undefined) report.replanned.push(outcome);
      }
    }
    if (!dryRun) {
      this.logger.log({ msg: 'calendar re-plan', calendarRevision: calendar.revision, examined: report.examined, replanned: report.replanned.length, conflicts: report.conflicts.length });
    }
    return report;
  }

  private replanOne(
    dossierId: string,
    dryRun: boolean,
    calendar: ReturnType<CatalogService['calendar']>,
    by: Principal,
    correlationId: string,
  ): Promise<ReplanItem | 'conflict' | undefined> {
    return this.pipeline.run<ReplanItem | 'conflict' | undefined>({
      dossierId,
      actor: by.name,
      correlationId,
      attempts: ATTEMPTS,
      decide: ({ state, now }) => {
        if (state.status === 'none') return { answer: undefined };
        const decided = decide({ type: 'Replan' }, state, { calendar: calendar.compiled, calendarRevision: calendar.revision, now: now.getTime() });
        const replanned = decided[0]?.event;
        if (replanned?.type !== 'DossierDueReplanned') return { answer: undefined };
        const { data } = replanned;
        const item: ReplanItem = {
          dossierId,
          unitId: state.unitId,
          oldDueAt: data.oldDueAt,
          newDueAt: data.newDueAt,
          ...(data.calendarProvisional ? { calendarProvisional: true as const } : {}),
          ...(data.step ? { step: data.step } : {}),
        };
        if (dryRun) return { answer: item };
        return { append: decided, then: (_, result) => ({ ...item, position: result.position }) };
      },
      conflicted: () => 'conflict',
    });
  }
}
