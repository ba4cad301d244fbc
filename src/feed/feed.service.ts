/**
 * The event feed (GET /feed): the log in position order, as NDJSON pages or as a Server-Sent
 * Event stream that catches up from a position and then follows the log. What a key sees:
 * feed-visibility.ts. Streams take a place among the live streams (per key and in all) and are
 * sent at the client's pace: the store is the buffer, one page of the log and about 64 KiB of
 * text at most wait for the client, and a client that takes nothing for FEED_STALL_MS is dropped.
 */
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { ServerResponse } from 'node:http';
import type { Principal } from '../access/principal.js';
import { UnitScope } from '../access/unit-scope.js';
import { APP_CONFIG, type AppConfig } from '../config.js';
import { EVENT_STORE, type EventStore, type RecordedEvent, type Subscription } from '../event-store/event-store.port.js';
import { LiveStreams } from '../supervision/live-streams.js';
import type { FeedParams } from './feed-params.js';
import { FeedVisibility } from './feed-visibility.js';

/** Events read from the store at a time. */
const PAGE = 1000;
/** A stream writes about this many characters at a time, and waits for a client that has not taken them. */
const CHUNK = 64 * 1024;
/** Events one NDJSON answer examines at most (a key limited to some units may see few of them). */
export const MAX_SCANNED = 100_000;

export interface FeedPage {
  /** NDJSON: one event per line. */
  body: string;
  count: number;
  /** The position the log was read to: the `after` of the next request (at or past the last line's). */
  nextAfter: number;
}

/** One line of the feed (NDJSON) or the data of one SSE event. */
export const feedLine = (e: RecordedEvent): string =>
  JSON.stringify({ position: e.position, streamId: e.streamId, type: e.type, data: e.data, metadata: e.metadata });

@Injectable()
export class FeedService {
  private readonly logger = new Logger('Feed');

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly scope: UnitScope,
    private readonly liveStreams: LiveStreams,
  ) {}

  /** Up to `limit` events the key sees after `after`, and where the next page starts. */
  async page(principal: Principal, { after, limit }: FeedParams): Promise<FeedPage> {
    const visibility = new FeedVisibility(this.store, this.scope, principal);
    const head = (await this.store.headPosition()) ?? 0;
    const lines: string[] = [];
    let readTo = after;
    let scanned = 0;
    while (lines.length < limit && readTo < head && scanned < MAX_SCANNED) {
      const want = principal.units === undefined ? limit - lines.length : PAGE;
      const events = await this.store.readAll({ afterPosition: readTo, maxCount: Math.min(PAGE, want) });
      if (events.length === 0) break;
      scanned += events.length;
      const kept = await visibility.filter(events);
      const room = limit - lines.length;
      for (const e of kept.slice(0, room)) lines.push(feedLine(e));
      // A full answer stops at its last line; otherwise the whole page was examined.
      readTo = kept.length > room ? kept[room - 1].position : events[events.length - 1].position;
      if (events.length < Math.min(PAGE, want)) break;
    }
    // Nothing the key sees lies between the last event examined and the head read at the start.
    if (lines.length < limit && scanned < MAX_SCANNED) readTo = Math.max(readTo, head);
    return { body: lines.length > 0 ? lines.join('\n') + '\n' : '', count: lines.length, nextAfter: readTo };
  }

  /**
   * Takes a place for a stream (429 beyond the limits, before anything is sent), then streams the
   * events after `after` as they are stored until the client leaves or the service stops. Each
   * event's SSE `id` is its position; after a batch whose last events the key does not see, an
   * `id` alone moves the client's Last-Event-ID past them (it dispatches no event).
   */
  stream(reply: FastifyReply, principal: Principal, { after }: FeedParams): void {
    const release = this.liveStreams.reserve(principal.name);
    const visibility = new FeedVisibility(this.store, this.scope, principal);
    let subscription: Subscription | undefined;
    let stopped = false;
    const res = this.liveStreams.start(reply, release, () => {
      stopped = true;
      void subscription?.stop();
    });
    if (!res) return;
    res.write(`: events after ${after}\n\n`); // the headers go out now, not with the first event
    subscription = this.store.subscribeToAll(
      {
        onEvents: async (events) => {
          if (stopped) return;
          const kept = await visibility.filter(events);
          let text = '';
          for (const e of kept) {
            text += `id: ${e.position}\ndata: ${feedLine(e)}\n\n`;
            if (text.length < CHUNK) continue;
            if (!(await this.send(res, text))) return;
            text = '';
          }
          const last = events[events.length - 1].position;
          if (kept.length === 0 || kept[kept.length - 1].position !== last) text += `id: ${last}\n\n`;
          if (text !== '') await this.send(res, text);
        },
        onError: (error) => {
          this.logger.error(`feed stream failed: ${error.message}`);
          res.destroy();
        },
      },
      { afterPosition: after },
    );
    if (stopped) void subscription.stop();
  }

  /**
   * Writes `text` unless the client left or the service stops; past the socket's buffer, resolves
   * once the client took it. One that takes nothing for FEED_STALL_MS is dropped. Answers whether
   * the stream goes on.
   */
  private async send(res: ServerResponse, text: string): Promise<boolean> {
    if (res.writableEnded || res.destroyed) return false;
    if (res.write(text)) return true;
    await new Promise<void>((resolve) => {
      const stall = this.config.feedStallMs;
      const timer = stall > 0 ? setTimeout(() => this.liveStreams.drop(res, `nothing taken for ${stall} ms, ${res.writableLength} bytes waiting`), stall) : undefined;
      const done = () => {
        clearTimeout(timer);
        res.off('drain', done);
        res.off('close', done);
        resolve();
      };
      res.once('drain', done);
      res.once('close', done);
    });
    return !res.destroyed && !res.writableEnded;
  }
}
