import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config.js';
import { EVENT_STORE, type EventStore } from '../event-store/event-store.port.js';
import { Projector } from '../projections/projector.js';

export interface Readiness {
  ready: boolean;
  /** Why not, in words (empty when ready). */
  reasons: string[];
  eventStore: { status: 'up' | 'down'; append: 'ok' | 'failing'; reason?: string };
  projections: { status: 'running' | 'stopped'; lagEvents: number; lagSeconds: number; maxLagSeconds: number };
}

/**
 * Whether the service should be sent traffic: the store answers, the log can be appended to, and
 * the read models are within READY_MAX_LAG_SECONDS of the head. The lag is the age of the oldest
 * event stored but not yet projected (0 when none is): it says how stale the reports are, which a
 * count of events does not.
 */
@Injectable()
export class ReadinessCheck {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly projector: Projector,
  ) {}

  /** Seconds since the oldest event not yet applied to the read models was stored (0 when caught up). */
  async projectionLagSeconds(): Promise<number> {
    const [oldest] = await this.store.readAll({ afterPosition: this.projector.checkpoint, maxCount: 1 });
    return oldest === undefined ? 0 : Math.max(0, Date.now() - Date.parse(oldest.created)) / 1000;
  }

  async check(): Promise<Readiness> {
    const reasons: string[] = [];
    const maxLagSeconds = this.config.readyMaxLagSeconds;
    const status = this.projector.stopped === undefined ? 'running' : 'stopped';
    try {
      await this.store.ping();
    } catch {
      reasons.push('the event store does not answer');
      return { ready: false, reasons, eventStore: { status: 'down', append: 'ok' }, projections: { status, lagEvents: 0, lagSeconds: 0, maxLagSeconds } };
    }
    const appendFailure = await this.store.appendFailure?.().catch((e: Error) => e.message);
    if (appendFailure !== undefined) reasons.push('the event log cannot be appended to');
    const head = (await this.store.headPosition()) ?? 0;
    const lagEvents = Math.max(0, head - this.projector.checkpoint);
    const lagSeconds = lagEvents === 0 ? 0 : await this.projectionLagSeconds();
    if (lagSeconds > maxLagSeconds) reasons.push(`the read models are ${Math.floor(lagSeconds)} s behind the log (more than ${maxLagSeconds} s)`);
    return {
      ready: reasons.length === 0,
      reasons,
      eventStore: { status: 'up', append: appendFailure === undefined ? 'ok' : 'failing', ...(appendFailure === undefined ? {} : { reason: appendFailure }) },
      projections: { status, lagEvents, lagSeconds: Math.round(lagSeconds * 1000) / 1000, maxLagSeconds },
    };
  }
}
