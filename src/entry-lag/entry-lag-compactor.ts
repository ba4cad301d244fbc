/**
 * Summarises the entry-lag days and months no report asked for yet, a few thousand entries per step
 * between batches (after a build from the log, every day is left to summarise): so that the first report
 * over a long period after a rebuild does not do it all at once. Today is left alone: its entries
 * still come, and a report reads today entry by entry anyway.
 */
import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { dayIndexOf } from '../calendar/time.js';
import { CLOCK, type Clock } from '../common/clock.js';
import { AppError } from '../common/errors.js';
import { Projector } from '../projections/projector.js';
import type { EntryLagQueries } from './entry-lag.read-model.js';

/**
 * Entries per step: a day of a large province holds about 90,000 entries, tenths of a second of the
 * command thread at once; a step of 2,000, a few milliseconds. Between steps, a pause of at least
 * STEP_MS and four times the step: the steps take at most a fifth of the thread.
 */
const ENTRIES_PER_STEP = 2000;
const STEP_MS = 40;
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
    const started = performance.now();
    try {
      const model = await this.projector.readModel<EntryLagQueries>('entry_lag');
      more = model.compactSome(dayIndexOf(this.clock.now().getTime()), ENTRIES_PER_STEP);
    } catch (error) {
      // Being built again (NOT_CAUGHT_UP), or the store closing: the next step looks again.
      if (!(error instanceof AppError)) this.logger.warn({ msg: 'entry-lag summarising step failed', error: String(error) });
    }
    const pause = more ? Math.max(STEP_MS, 4 * (performance.now() - started)) : IDLE_MS;
    if (this.timer !== undefined) this.timer = setTimeout(() => void this.step(), pause).unref();
  }
}
