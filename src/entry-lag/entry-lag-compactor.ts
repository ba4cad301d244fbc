/**
 * Summarises the entry-lag days and months no report asked for yet, a few days per step between
 * batches (after a build from the log, every day is left to summarise): so that the first report
 * over a long period after a rebuild does not do it all at once. Today is left alone: its entries
 * still come, and a report reads today entry by entry anyway.
 */
import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { dayIndexOf } from '../calendar/time.js';
import { CLOCK, type Clock } from '../common/clock.js';
import { AppError } from '../common/errors.js';
import { Projector } from '../projections/projector.js';
import type { EntryLagQueries } from './entry-lag.read-model.js';

/** Days per step: a day is about 50 ms of CPU at a million dossiers (12 k entries); then half a second for the rest. */
const DAYS_PER_STEP = 1;
const STEP_MS = 500;
/** When nothing is left: how often to look again (late entries mark past days). */
const IDLE_MS = 10_000;

@Injectable()
export class EntryLagCompactor implements OnModuleDestroy {
  private readonly logger = new Logger(EntryLagCompactor.name);
  private timer: NodeJS.Timeout | undefined = setTimeout(() => void this.step(), IDLE_MS).unref();

  constructor(
    private readonly projector: Projector,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  onModuleDestroy(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async step(): Promise<void> {
    let more = false;
    try {
      const model = await this.projector.readModel<EntryLagQueries>('entry_lag');
      more = model.compactSome(dayIndexOf(this.clock.now().getTime()), DAYS_PER_STEP);
    } catch (error) {
      // Being built again (NOT_CAUGHT_UP), or the store closing: the next step looks again.
      if (!(error instanceof AppError)) this.logger.warn({ msg: 'entry-lag summarising step failed', error: String(error) });
    }
    if (this.timer !== undefined) this.timer = setTimeout(() => void this.step(), more ? STEP_MS : IDLE_MS).unref();
  }
}
