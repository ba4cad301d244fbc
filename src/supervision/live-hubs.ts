import { type Observable, of, ReplaySubject, share } from 'rxjs';
import type { LiveFrame } from './live-reports.js';

/**
 * One computation per distinct live report, shared by its streams while it has any: a stream that
 * joins gets the last frame at once; the last stream gone, the report is no longer computed.
 */
export class LiveHubs {
  private readonly hubs = new Map<string, Observable<LiveFrame>>();

  get size(): number {
    return this.hubs.size;
  }

  /**
   * The report of `unitId` covering `covered` with `params`: its hub, made by `compute` when new.
   * The units covered are part of the key: a stream opened after the unit tree changed sees the new tree.
   */
  shared(unitId: string, params: { from: number; to?: number; scope: string; groupBy: string }, covered: readonly string[], compute: () => Observable<LiveFrame>): Observable<LiveFrame> {
    const key = JSON.stringify([unitId, params.from, params.to ?? null, params.scope, params.groupBy, covered]);
    const existing = this.hubs.get(key);
    if (existing !== undefined) return existing;
    const hub: Observable<LiveFrame> = compute().pipe(
      share({
        connector: () => new ReplaySubject<LiveFrame>(1),
        resetOnRefCountZero: () => {
          if (this.hubs.get(key) === hub) this.hubs.delete(key);
          return of(true);
        },
      }),
    );
    this.hubs.set(key, hub);
    return hub;
  }
}
