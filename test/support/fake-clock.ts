import type { Clock } from '../../src/common/clock.js';

/**
 * A clock the test sets by hand, for startTestApp({...}, dir, { clock }): the service reads time
 * only through its Clock (recordedAt, default periods, the overdue watcher, as-of), so a test
 * that fixes it gives the same answers whatever day it runs.
 */
export class FakeClock implements Clock {
  private ms: number;

  constructor(start: string | number) {
    this.ms = FakeClock.instant(start);
  }

  now(): Date {
    return new Date(this.ms);
  }

  set(instant: string | number): void {
    this.ms = FakeClock.instant(instant);
  }

  advance(ms: number): void {
    this.ms += ms;
  }

  private static instant(value: string | number): number {
    const ms = typeof value === 'number' ? value : Date.parse(value);
    if (!Number.isFinite(ms)) throw new Error(`not an instant: ${value}`);
    return ms;
  }
}
