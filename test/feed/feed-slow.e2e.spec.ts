/**
 * A feed stream is read at its client's pace (the store is the buffer): a client that takes
 * nothing for FEED_STALL_MS is dropped and its place freed; the others go on. Shutdown ends streams.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { connect, type Socket } from 'node:net';
import { EVENT_STORE, type EventStore } from '../../src/event-store/event-store.port.js';
import { Metrics } from '../../src/operations/metrics.js';
import { auth, startTestApp, type TestApp } from '../support/test-app.js';
import { SseClient } from '../supervision/support/sse.js';
import { listen } from './support.js';

async function metric(t: TestApp, name: string): Promise<number> {
  const line = (await t.app.get(Metrics).render()).split('\n').find((l) => l.startsWith(`${name} `));
  if (line === undefined) throw new Error(`no ${name} in /metrics`);
  return Number(line.slice(name.length + 1));
}

async function until(condition: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('GET /feed: a client that does not read', () => {
  let t: TestApp;
  let port: number;
  let silent: Socket | undefined;
  let reader: SseClient | undefined;
  let head = 0;

  beforeAll(async () => {
    // Long enough that a reading client on a loaded test machine is never taken for a stalled one.
    t = await startTestApp({ SEED_DEMO: 'false', FEED_STALL_MS: '2000' });
    port = await listen(t);
    // 20 MB of log, more than the socket buffers of a client that never reads hold (a stream no projection reads).
    const store = t.app.get<EventStore>(EVENT_STORE);
    const filler = 'x'.repeat(2_000);
    for (let i = 0; i < 200; i++) {
      const events = Array.from({ length: 50 }, () => ({ id: crypto.randomUUID(), type: 'Filler', data: { filler } }));
      head = (await store.append(`filler-${i}`, events, 'no_stream')).position;
    }
  }, 60_000);
  afterAll(async () => {
    silent?.destroy();
    reader?.close();
    await t.close({ remove: true });
  });

  it('is dropped once it has taken nothing for FEED_STALL_MS, and counted; a reading client gets everything', async () => {
    silent = connect(port, '127.0.0.1');
    silent.pause(); // never reads: the kernel's buffers fill, then the server waits
    silent.write(`GET /feed HTTP/1.1\r\nHost: localhost\r\nAccept: text/event-stream\r\nAuthorization: ${auth('reader').Authorization}\r\n\r\n`);
    reader = new SseClient(port, '/feed', auth('reader'));
    await reader.waitForPosition(head, 30_000);
    expect(reader.events.length).toBe(head);
    await until(async () => (await metric(t, 'live_streams_dropped_slow_total')) === 1, 'the silent client to be dropped');
    await until(async () => (await metric(t, 'live_streams_open')) === 1, 'its place to be freed');
  }, 60_000);

  it('ends open streams at shutdown and frees their places', async () => {
    const other = await startTestApp({ SEED_DEMO: 'false' });
    const otherPort = await listen(other);
    const streams = [new SseClient(otherPort, '/feed', auth('reader')), new SseClient(otherPort, '/feed', auth('auditor'))];
    for (const c of streams) await c.connected;
    expect(await metric(other, 'live_streams_open')).toBe(2);
    await other.close({ remove: true });
    for (const c of streams) await c.waitForEnd();
    expect(await metric(other, 'live_streams_open')).toBe(0);
  });
});
