import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';

export interface SseEvent {
  event?: string;
  id?: string;
  data: unknown;
}

/** A raw SSE client: collects parsed events, resolves `next()` as they arrive, `close()` aborts. */
export class SseClient {
  readonly events: SseEvent[] = [];
  status = 0;
  contentType = '';
  ended = false;
  /** The last `id` the server sent, with an event or alone (what an EventSource would send as Last-Event-ID). */
  lastEventId: string | undefined;
  private buffer = '';
  private waiting: (() => void)[] = [];
  private req: ClientRequest;
  readonly connected: Promise<void>;

  constructor(port: number, path: string, headers: Record<string, string>) {
    this.req = httpRequest({ host: '127.0.0.1', port, path, headers: { Accept: 'text/event-stream', ...headers } });
    this.connected = new Promise((resolve, reject) => {
      this.req.on('response', (res: IncomingMessage) => {
        this.status = res.statusCode ?? 0;
        this.contentType = String(res.headers['content-type'] ?? '');
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => this.feed(chunk));
        res.on('end', () => {
          this.ended = true;
          this.wakeAll();
        });
        res.on('error', () => undefined);
        resolve();
      });
      this.req.on('error', (error) => (this.status === 0 ? reject(error) : undefined));
    });
    this.req.end();
  }

  /** Resolves once `count` events have arrived (rejects after `timeoutMs`). */
  async waitFor(count: number, timeoutMs = 5000): Promise<SseEvent[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.events.length < count) {
      if (this.ended) throw new Error(`stream ended after ${this.events.length} events`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`only ${this.events.length} of ${count} events within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiting.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.events;
  }

  /**
   * Resolves with the first event at or past log position `position` (its SSE id): a barrier
   * after which "nothing else came" can be asserted on the events before it.
   */
  async waitForPosition(position: number, timeoutMs = 5000): Promise<SseEvent> {
    const at = () => this.events.find((e) => Number(e.id) >= position);
    while (at() === undefined) await this.waitFor(this.events.length + 1, timeoutMs);
    return at()!;
  }

  /** Resolves when the server ends the stream. */
  async waitForEnd(timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.ended) {
      if (Date.now() > deadline) throw new Error('the stream did not end');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 50);
        this.waiting.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  close(): void {
    this.req.destroy();
  }

  private feed(chunk: string): void {
    this.buffer += chunk;
    let cut: number;
    while ((cut = this.buffer.indexOf('\n\n')) >= 0) {
      const block = this.buffer.slice(0, cut);
      this.buffer = this.buffer.slice(cut + 2);
      const e: SseEvent = { data: undefined };
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) continue;
        const [field, ...rest] = line.split(':');
        const value = rest.join(':').replace(/^ /, '');
        if (field === 'event') e.event = value;
        else if (field === 'id') e.id = value;
        else if (field === 'data') data.push(value);
      }
      if (e.id !== undefined) this.lastEventId = e.id;
      if (data.length === 0) continue;
      e.data = JSON.parse(data.join('\n'));
      this.events.push(e);
    }
    this.wakeAll();
  }

  private wakeAll(): void {
    const w = this.waiting;
    this.waiting = [];
    w.forEach((f) => f());
  }
}
