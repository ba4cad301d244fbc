import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { CLOCK, type Clock } from '../common/clock.js';
import { validationFailed } from '../common/errors.js';
import { EVENT_STORE, type EventStore, type RecordedEvent, type Subscription } from '../event-store/event-store.port.js';
import { followUntilCaughtUp } from '../event-store/follow.js';
import { TARGETS_STREAM, TARGETS_STREAM_PREFIX } from './events.js';
import { cleanInput, INDICATORS, type Targets, type TargetsInput, targetsInForce } from './targets.js';

export interface CurrentTargets {
  targets: Targets;
  /** Revision of the targets' stream that set them (-1: never set, the defaults). */
  revision: number;
  /** When and by whom they were set (absent for the defaults). */
  setAt?: string;
  setBy?: string;
}

/**
 * The targets in force, as an in-memory view of their stream kept current by a subscription (so
 * that instances sharing one EventStoreDB agree). A PUT applies its event at once: read-your-write.
 */
@Injectable()
export class TargetsService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('Targets');
  private current: CurrentTargets = { targets: targetsInForce(undefined), revision: -1 };
  private subscription: Subscription | undefined;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async onModuleInit(): Promise<void> {
    this.subscription = await followUntilCaughtUp(this.store, [TARGETS_STREAM_PREFIX], (e) => this.apply(e), this.logger);
  }

  async onModuleDestroy(): Promise<void> {
    await this.subscription?.stop();
  }

  get(): CurrentTargets {
    return this.current;
  }

  /** Records new targets: those given (each a share in [0, 1]); the others take their defaults. */
  async put(input: Record<string, unknown> | null | undefined, by: { actor: string }): Promise<CurrentTargets> {
    if (input === null || input === undefined || typeof input !== 'object' || INDICATORS.every((name) => input[name] === undefined)) {
      throw validationFailed([{ field: 'body', message: `the targets are missing: send at least one of ${INDICATORS.join(', ')}` }]);
    }
    const data = cleanInput(input);
    const now = this.clock.now().toISOString();
    const commandId = randomUUID();
    const result = await this.store.append(
      TARGETS_STREAM,
      [
        {
          id: randomUUID(),
          type: 'TargetsSet',
          data: { ...data },
          metadata: { occurredAt: now, recordedAt: now, actor: by.actor, commandId, correlationId: commandId, causationId: commandId },
        },
      ],
      'any',
    );
    this.set(result.events[0].revision, data, now, by.actor);
    return this.current;
  }

  private apply(e: RecordedEvent): void {
    if (e.type !== 'TargetsSet' || e.streamId !== TARGETS_STREAM) return;
    this.set(e.revision, cleanInput(e.data), String(e.metadata.recordedAt ?? e.created), String(e.metadata.actor ?? ''));
  }

  /** Applies a `TargetsSet` unless a later one is in force already. */
  private set(revision: number, data: TargetsInput, setAt: string, setBy: string): void {
    if (revision <= this.current.revision) return;
    this.current = { targets: targetsInForce(data), revision, setAt, setBy };
  }
}
