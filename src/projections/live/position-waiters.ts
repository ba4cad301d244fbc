/** Read-your-writes: callers waiting until the read models include a log position. */
import { AppError } from '../../common/errors.js';

export class PositionWaiters {
  private waiters: { position: number; resolve(): void }[] = [];

  /** Resolves once `current()` reaches `position` (told by `settle`), or fails with NOT_CAUGHT_UP (503) after `timeoutMs`. */
  waitFor(position: number | undefined, current: () => number, timeoutMs: number): Promise<void> {
    if (position === undefined || current() >= position) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const waiter = {
        position,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(
          new AppError('NOT_CAUGHT_UP', `the read models are at position ${current()}, not yet at ${position}; retry shortly`, undefined, {
            'Retry-After': '1',
          }),
        );
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /** The read models are at `checkpoint`: those waiting for it or less go on. */
  settle(checkpoint: number): void {
    if (this.waiters.length === 0) return;
    const ready = this.waiters.filter((w) => w.position <= checkpoint);
    if (ready.length === 0) return;
    this.waiters = this.waiters.filter((w) => w.position > checkpoint);
    for (const w of ready) w.resolve();
  }
}
