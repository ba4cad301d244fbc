/**
 * Reports as known at an instant, from data: the report index less the deltas of the report
 * entries recorded after the instant (as-of-deltas.ts), read in a worker thread (as-of-reader.ts).
 * At most AS_OF_CONCURRENCY run at once (429 AS_OF_LIMITED beyond, with Retry-After).
 */
import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { AppError } from '../common/errors.js';
import { APP_CONFIG, type AppConfig } from '../config.js';
import { DeltaCorrection } from '../projections/as-of/as-of-deltas.js';
import { type AsOfReader, openAsOfReader } from '../projections/as-of/as-of-reader.js';
import { Projector } from '../projections/projector.js';
import type { DossierQueries } from '../projections/views/dossier-views.read-model.js';
import type { ReportWindow } from '../projections/report-index/timeliness-report.js';

/** Reads started again when a rebuild swapped the read models under one. */
const ATTEMPTS = 3;

/** Back to the event loop, after its pending I/O (setImmediate runs after the poll phase). */
const yieldToIo = () => new Promise<void>((resolve) => setImmediate(resolve));

@Injectable()
export class AsOfReports implements OnModuleDestroy {
  private running = 0;
  /** Where the deltas are read: a worker thread when there is a second CPU. */
  private reader: Promise<AsOfReader> | undefined;
  /** How long the last one took: what Retry-After says. */
  private lastMs = 1000;

  constructor(
    private readonly projector: Projector,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onModuleDestroy(): Promise<void> {
    await (await this.reader)?.close();
  }

  /** As-of reads under way now. */
  get inProgress(): number {
    return this.running;
  }

  /**
   * The index and the correction that give the figures of `window` as known at `asOf` (epoch ms),
   * both at the same checkpoint; 429 when as many run as allowed. Use them at once: the index moves on.
   */
  async asOf(asOf: number, window: ReportWindow): Promise<{ views: DossierQueries; correction: DeltaCorrection }> {
    const limit = this.config.asOfConcurrency;
    if (limit > 0 && this.running >= limit) {
      const seconds = Math.max(1, Math.ceil(this.lastMs / 1000));
      throw new AppError('AS_OF_LIMITED', `${this.running} as-of reports are being computed, the most the service computes at once; retry in ${seconds} s`, undefined, {
        'Retry-After': String(seconds),
      });
    }
    this.running++;
    const started = performance.now();
    try {
      for (let attempt = 1; ; attempt++) {
        const answer = await this.read(asOf, window);
        if (answer !== undefined || attempt === ATTEMPTS) {
          if (answer === undefined) throw new AppError('UNAVAILABLE', 'the read models were rebuilt during the as-of report; retry');
          return answer;
        }
      }
    } finally {
      this.running--;
      this.lastMs = performance.now() - started;
    }
  }

  /** Lets other requests in before an as-of read starts (a test holds reads here). */
  yieldTurn(): Promise<void> {
    return yieldToIo();
  }

  /** Undefined when a rebuild swapped the read models meanwhile. */
  private async read(asOf: number, window: ReportWindow): Promise<{ views: DossierQueries; correction: DeltaCorrection } | undefined> {
    const models = this.projector.readModels;
    await this.yieldTurn();
    if (models.path === ':memory:') {
      // An in-memory file (a degraded service): read at once, on its own connection.
      const correction = new DeltaCorrection(window);
      for (const row of models.deltasSince(0, asOf, window.end)) correction.add(row);
      return { views: this.projector.dossiers, correction };
    }
    // Deltas beyond the checkpoint the index is at when the read ends are not in it: left out then.
    const { correction, beyond, lastRowid } = await (this.reader ??= openAsOfReader()).then((r) => r.read(models.path, asOf, window, models.checkpoint));
    if (this.projector.readModels !== models) return undefined;
    // From here on synchronous: the index and the checkpoint do not move.
    const checkpoint = models.checkpoint;
    for (const row of beyond) if (row[6] <= checkpoint) correction.add(row);
    for (const row of models.deltasSince(lastRowid, asOf, window.end)) if (row[6] <= checkpoint) correction.add(row);
    return { views: this.projector.dossiers, correction };
  }
}
