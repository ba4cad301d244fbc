import type { AddressInfo } from 'node:net';
import { EVENT_STORE, type EventStore } from '../../src/event-store/event-store.port.js';
import type { TestApp } from '../support/test-app.js';

/** One line of GET /feed. */
export interface FeedLine {
  position: number;
  streamId: string;
  type: string;
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
}

/** Starts listening on a free port (the feed is read over real HTTP) and answers the port. */
export async function listen(t: TestApp): Promise<number> {
  await t.app.listen(0, '127.0.0.1');
  return (t.app.getHttpServer().address() as AddressInfo).port;
}

export interface FeedAnswer {
  status: number;
  type: string;
  lines: FeedLine[];
  next: number;
  text: string;
}

/** GET /feed with a key (and more headers), its NDJSON lines parsed. */
export async function feed(port: number, key: string, query = '', headers: Record<string, string> = {}): Promise<FeedAnswer> {
  const res = await fetch(`http://127.0.0.1:${port}/feed${query}`, { headers: { authorization: `Bearer ${key}`, ...headers } });
  const text = await res.text();
  const type = res.headers.get('content-type') ?? '';
  const lines = type.startsWith('application/x-ndjson') && text !== '' ? text.trimEnd().split('\n').map((l) => JSON.parse(l) as FeedLine) : [];
  return { status: res.status, type, lines, next: Number(res.headers.get('feed-next-after')), text };
}

/** Every line a key sees after `after`, page by page (each page's `after` is the last one's Feed-Next-After). */
export async function readToEnd(port: number, key: string, after = 0, limit = 1000): Promise<{ lines: FeedLine[]; next: number }> {
  const lines: FeedLine[] = [];
  let next = after;
  for (;;) {
    const page = await feed(port, key, `?after=${next}&limit=${limit}`);
    if (page.status !== 200) throw new Error(`GET /feed answered ${page.status}: ${page.text}`);
    lines.push(...page.lines);
    if (page.lines.length === 0 && page.next === next) return { lines, next };
    next = page.next;
  }
}

/** The log as the store holds it, in the feed's shape. */
export async function storedLog(t: TestApp): Promise<FeedLine[]> {
  const events = await t.app.get<EventStore>(EVENT_STORE).readAll();
  return events.map((e) => ({ position: e.position, streamId: e.streamId, type: e.type, data: e.data, metadata: e.metadata }));
}
