/**
 * A registered read model that is new or whose version changed is built from the log, a page at a
 * time beside the live batches, and answers once it has caught up (Projector.readModel).
 */
import type { ProjectorShared } from '../model-in-place.js';
import { buildFromLog } from '../seam/build-from-log.js';

export class RegisteredCatchUp {
  private catchingUp: Promise<void> | undefined;

  constructor(
    private readonly shared: ProjectorShared,
    /** A rebuild is swapping models: the seam in place is about to be replaced. */
    private readonly swapping: () => boolean,
  ) {}

  /** The catch-up under way, if any (awaited before a swap and at shutdown). */
  get running(): Promise<void> | undefined {
    return this.catchingUp;
  }

  /** Builds the registered read models that are behind from the log, unless a catch-up runs already. */
  later(): void {
    const { place, stopping, logger } = this.shared;
    if (this.catchingUp !== undefined || stopping() || this.swapping() || place.seam.behind(place.models.checkpoint).length === 0) return;
    this.catchingUp = this.catchUp()
      .catch((error: Error) => {
        if (!stopping()) logger.error(`building read models from the log failed: ${error.message}; tried again after the next batch`);
      })
      .finally(() => (this.catchingUp = undefined));
  }

  private async catchUp(): Promise<void> {
    const { place, store, stopping, logger } = this.shared;
    const seam = place.seam;
    const behind = seam.behind(place.models.checkpoint);
    const started = Date.now();
    logger.log({ msg: 'building read models from the log', readModels: behind, upTo: place.models.checkpoint });
    await buildFromLog(store, seam, () => place.models.checkpoint, () => stopping() || this.swapping() || place.seam !== seam);
    if (place.seam === seam && seam.behind(place.models.checkpoint).length === 0) {
      logger.log({ msg: 'read models built from the log', readModels: behind, ms: Date.now() - started });
    }
  }
}
