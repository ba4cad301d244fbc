/**
 * The open live streams, live reports and event feed alike: their limits (per key and in all, 429
 * LIVE_STREAMS_LIMITED beyond them), the Server-Sent Events written to each socket, and the client
 * that does not read, dropped rather than held in memory (reports: once what waits for it passes a
 * bound; the feed, which waits for its client: see src/feed/feed.service.ts), and the stream whose
 * key was removed from the key file (or its role or units changed), ended within a second or two.
 */
import { type BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import { ApiKeyStore } from '../access/api-keys.js';
import type { AuthenticatedRequest } from '../access/authenticator.js';
import type { Principal } from '../access/principal.js';
import type { FastifyReply } from 'fastify';
import type { ServerResponse } from 'node:http';
import type { Observable, Subscription } from 'rxjs';
import { AppError } from '../common/errors.js';
import { APP_CONFIG, type AppConfig } from '../config.js';
import { Metrics } from '../operations/metrics.js';
import type { LiveFrame } from './live-reports.js';

/** Bytes that may wait in a stream's socket buffer (beyond the kernel's) before its client is dropped. */
export const MAX_UNSENT_BYTES = 256 * 1024;

const SSE_HEADERS = {
  'content-type': 'text/event-stream',
  'cache-control': 'private, no-cache, no-store, must-revalidate, max-age=0, no-transform',
  connection: 'keep-alive',
  // nginx and the like would otherwise hold the events back
  'x-accel-buffering': 'no',
};

/** How often open streams are checked against the key file (which is itself re-read at most once a second). */
const KEY_RECHECK_MS = 1000;

/** Gives a place back; once, however many times it is called. */
export type Release = () => void;

@Injectable()
export class LiveStreams implements BeforeApplicationShutdown {
  private readonly logger = new Logger('LiveStreams');
  private readonly byKey = new Map<string, number>();
  /** Ends each open stream (at shutdown, or when its key is revoked), with whose key it was opened. */
  private readonly enders = new Map<() => void, Principal | undefined>();
  private readonly recheck = setInterval(() => this.endRevoked(), KEY_RECHECK_MS).unref();
  private open = 0;
  private refused = 0;
  private dropped = 0;
  private revoked = 0;
  private closing = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    metrics: Metrics,
    @Inject(ApiKeyStore) private readonly keys: ApiKeyStore,
  ) {
    metrics.gauge('live_streams_open', 'Live streams open, reports and event feed (places taken, all keys).', () => this.open);
    metrics.counter('live_streams_refused_total', 'Live streams refused by the per-key or the global limit.', () => this.refused);
    metrics.counter('live_streams_dropped_slow_total', 'Live streams dropped because their client did not read what was sent.', () => this.dropped);
    metrics.counter('live_streams_ended_revoked_total', 'Live streams ended because their key was removed from the key file or changed.', () => this.revoked);
  }

  /** Takes a place for a stream of `key` (the key's name), or refuses with 429 before anything is sent. */
  reserve(key: string): Release {
    if (this.closing) throw new AppError('UNAVAILABLE', 'the service is shutting down');
    const { liveStreamsPerKey: perKey, liveStreamsMax: max } = this.config;
    const held = this.byKey.get(key) ?? 0;
    if ((perKey > 0 && held >= perKey) || (max > 0 && this.open >= max)) {
      this.refused++;
      throw new AppError(
        'LIVE_STREAMS_LIMITED',
        held >= perKey && perKey > 0 ? `this key has ${held} live streams open, the most it may` : `the service has ${this.open} live streams open, the most it serves`,
      );
    }
    this.byKey.set(key, held + 1);
    this.open++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.open--;
      const left = this.byKey.get(key)! - 1;
      if (left === 0) this.byKey.delete(key);
      else this.byKey.set(key, left);
    };
  }

  /** Writes `frames` to the client until it leaves, it stops reading, or the service stops; then releases. */
  serve(reply: FastifyReply, frames: Observable<LiveFrame>, release: Release): void {
    let subscription: Subscription | undefined;
    const res = this.start(reply, release, () => subscription?.unsubscribe());
    if (!res) return;
    subscription = frames.subscribe({
      next: (frame) => {
        if (!res.write(frame.text) && res.writableLength > MAX_UNSENT_BYTES) this.drop(res, `${res.writableLength} bytes waiting`);
      },
      error: (error: Error) => {
        this.logger.error(`live stream failed: ${error.message}`);
        res.destroy();
      },
      complete: () => res.end(),
    });
  }

  /**
   * Takes the reply over as an event stream (status and headers sent) and answers its response,
   * or undefined, released, when there is nothing to stream (the client left meanwhile, a HEAD
   * request, the service stopping). `stop` is called once when the stream ends, whoever ends it;
   * the place is released then.
   */
  start(reply: FastifyReply, release: Release, stop: () => void): ServerResponse | undefined {
    const socket = reply.request.raw.socket;
    const res = reply.raw;
    if (socket.destroyed || this.closing) {
      release(); // gone while the read models caught up, or the service is stopping
      return undefined;
    }
    reply.hijack();
    socket.setTimeout(0); // a quiet stream is not an idle connection
    socket.setNoDelay(true);
    res.writeHead(200, { ...(reply.getHeaders() as Record<string, string>), ...SSE_HEADERS });
    if (reply.request.method === 'HEAD') {
      res.end(); // headers only: a stream left open would hold the connection and the place
      release();
      return undefined;
    }
    let stopped = false;
    const stopOnce = () => {
      if (!stopped) stop();
      stopped = true;
    };
    const end = () => {
      stopOnce();
      res.end();
    };
    this.enders.set(end, (reply.request as AuthenticatedRequest).principal);
    res.once('close', () => {
      this.enders.delete(end);
      stopOnce();
      release();
    });
    return res;
  }

  /** Ends a stream whose client does not read what it is sent, and counts it. */
  drop(res: ServerResponse, why: string): void {
    this.dropped++;
    this.logger.warn(`dropped a live stream whose client is not reading (${why})`);
    res.destroy();
  }

  private endRevoked(): void {
    for (const [end, principal] of [...this.enders]) {
      if (principal === undefined || this.keys.holds(principal)) continue;
      this.revoked++;
      this.logger.log({ msg: 'ended a live stream: its key is no longer in the key file (or changed)', key: principal.name });
      end();
    }
  }

  beforeApplicationShutdown(): void {
    this.closing = true;
    clearInterval(this.recheck);
    for (const end of [...this.enders.keys()]) end();
  }
}
