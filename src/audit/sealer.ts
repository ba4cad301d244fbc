import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { setImmediate as yieldToRequests } from 'node:timers/promises';
import { APP_CONFIG, type AppConfig } from '../config.js';
import { CLOCK, type Clock } from '../common/clock.js';
import { WrongExpectedRevisionError } from '../event-store/errors.js';
import { EVENT_STORE, type EventStore, type Subscription } from '../event-store/event-store.port.js';
import { type ChainLink, SqliteEventStore } from '../event-store/sqlite/sqlite-event-store.js';
import { GENESIS, HASH_KEY, isLogSealed, type LogSealed, sealHash, SEAL_EVENT, SEAL_STREAM } from './hash-chain.js';

const PAGE = 1000;
/** Events a seal covers at most when AUDIT_SEAL_EVERY_EVENTS does not say (sealing by minutes only). */
const MAX_SEALED = 10_000;

/** The last seal: where the next one starts, and the global chain's value there. */
interface Sealed {
  toPosition: number;
  hash: string;
  /** Revision of the seal in SEAL_STREAM (-1: none yet). */
  revision: number;
  /** The first chained event, once known (the first seal starts there). */
  chainStartsAt?: number;
}

/**
 * Seals the global chain (hash-chain.ts) every AUDIT_SEAL_EVERY_EVENTS events or
 * AUDIT_SEAL_EVERY_MINUTES minutes: reads what was appended since the last seal and appends a
 * LogSealed with the chain's value at the last event read. A log written before the chain existed
 * is sealed from its first chained event.
 */
@Injectable()
export class Sealer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(Sealer.name);
  private sealed: Sealed | undefined;
  private unsealed = 0;
  private running: Promise<LogSealed | undefined> = Promise.resolve(undefined);
  /** The next seal, queued behind the one running, until it starts. */
  private waiting: Promise<LogSealed | undefined> | undefined;
  private subscription: Subscription | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { sealEveryEvents, sealEveryMinutes } = this.config;
    if (sealEveryEvents > 0) {
      this.subscription = this.store.subscribeToAllData(
        {
          onEvents: (events) => {
            for (const e of events) if (e.streamId !== SEAL_STREAM) this.unsealed++;
            if (this.unsealed >= sealEveryEvents) void this.sealNow();
          },
        },
        { afterPosition: await this.store.headPosition() },
      );
    }
    // The first seal after a start also covers what was appended before it (a legacy log: from its first chained event).
    if (sealEveryMinutes > 0) this.timer = setInterval(() => void this.sealNow(), sealEveryMinutes * 60_000).unref();
    // What came before this start (a first start's demo history, say) is sealed now, not after the next interval.
    if (sealEveryEvents > 0 || sealEveryMinutes > 0) {
      this.sealNow().catch((error: Error) => this.logger.error(`sealing at start failed: ${error.message}; tried again at the next seal`));
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.subscription?.stop();
    await this.running;
  }

  /** Seals what was appended since the last seal (nothing when only seals were); one seal at a time. */
  sealNow(): Promise<LogSealed | undefined> {
    // A seal already waiting to start will cover what came since: no need for another.
    if (this.waiting !== undefined) return this.waiting;
    const previous = this.running;
    this.running = previous.then(
      () => {
        this.waiting = undefined;
        return this.seal();
      },
      () => {
        this.waiting = undefined;
        return this.seal();
      },
    );
    this.waiting = this.running.catch((error: Error) => {
      this.logger.error(`sealing the log failed: ${error.message}`);
      return undefined;
    });
    return this.waiting;
  }

  private async seal(): Promise<LogSealed | undefined> {
    const sealed = (this.sealed ??= await this.lastSeal());
    const head = (await this.store.headPosition()) ?? 0;
    this.unsealed = 0;
    const positions: number[] = [];
    const hashes: string[] = [];
    let chainStartsAt = sealed.chainStartsAt;
    let toPosition = sealed.toPosition;
    let news = false;
    // A long log not sealed yet (imported, or written before the chain) is sealed a part at a time: a
    // seal of a million events held its hashes in memory and the command thread for seconds.
    const most = this.config.sealEveryEvents > 0 ? this.config.sealEveryEvents : MAX_SEALED;
    let more = false;
    let covered = 0;
    for (let after = sealed.toPosition; after < head && !more; ) {
      // One event more than the part takes: it tells whether another part follows.
      const wanted = Math.min(PAGE, most - covered + 1);
      const page = await readLinks(this.store, after, wanted);
      for (const e of page) {
        if (e.position > head) break;
        // Seals do not count: a part of seals alone would not be sealed, and the rest never reached.
        if (e.streamId !== SEAL_STREAM && covered++ === most) {
          more = true;
          break;
        }
        after = e.position;
        const eventHash = e.hash;
        if (typeof eventHash !== 'string' && chainStartsAt === undefined) continue; // written before the chain
        chainStartsAt ??= e.position;
        // An event without a hash past the chain's start is sealed as such: verification names it.
        positions.push(e.position);
        hashes.push(typeof eventHash === 'string' ? eventHash : GENESIS);
        toPosition = e.position;
        if (e.streamId !== SEAL_STREAM) news = true;
      }
      if (page.length < wanted) break;
      await yieldToRequests();
    }
    if (!news || chainStartsAt === undefined) return undefined;
    const hash = sealHash(sealed.hash, positions, hashes);
    const seal: LogSealed = { fromPosition: positions[0], toPosition, hash };
    const recordedAt = this.clock.now().toISOString();
    try {
      const result = await this.store.append(
        SEAL_STREAM,
        [{ id: randomUUID(), type: SEAL_EVENT, data: { ...seal }, metadata: { occurredAt: recordedAt, recordedAt, actor: 'audit-sealer' } }],
        sealed.revision < 0 ? 'no_stream' : sealed.revision,
      );
      this.sealed = { toPosition, hash, revision: result.nextExpectedRevision, chainStartsAt };
      if (more) void this.sealNow();
      return seal;
    } catch (error) {
      // Another process sealed meanwhile (a second service on EventStoreDB): start again from its seal.
      this.sealed = undefined;
      if (error instanceof WrongExpectedRevisionError) return undefined;
      throw error;
    }
  }

  private async lastSeal(): Promise<Sealed> {
    const [last] = await this.store.readStream(SEAL_STREAM, { direction: 'backwards', maxCount: 1 });
    if (last === undefined || !isLogSealed(last.data)) return { toPosition: 0, hash: GENESIS, revision: last?.revision ?? -1 };
    return { toPosition: last.data.toPosition, hash: last.data.hash, revision: last.revision };
  }
}

/** The embedded store reads the links without parsing the events (a first seal of a long log reads it all on this thread). */
async function readLinks(store: EventStore, after: number, maxCount: number): Promise<ChainLink[]> {
  if (store instanceof SqliteEventStore) return store.readLinks(after, maxCount);
  return (await store.readAll({ afterPosition: after, maxCount })).map((e) => ({ position: e.position, streamId: e.streamId, hash: e.metadata[HASH_KEY] }));
}
