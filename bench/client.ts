/** A small keep-alive HTTP client for the benchmark's own requests (queries, probes, SSE). */
import { Agent, request } from 'node:http';
import { type BenchRole, bearer } from './keys.js';

export interface Answer<T = unknown> {
  status: number;
  body: T;
  ms: number;
  headers?: Record<string, string | string[] | undefined>;
}

export class Client {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 64 });

  constructor(private readonly base: string) {}

  send<T = unknown>(method: string, path: string, role: BenchRole, body?: unknown): Promise<Answer<T>> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const t0 = performance.now();
    return new Promise((resolve, reject) => {
      const req = request(
        `${this.base}${path}`,
        {
          method,
          agent: this.agent,
          headers: {
            authorization: bearer(role),
            ...(payload !== undefined ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown = text;
            try {
              parsed = text.length > 0 ? JSON.parse(text) : undefined;
            } catch {
              // not JSON: keep the text
            }
            resolve({ status: res.statusCode ?? 0, body: parsed as T, ms: performance.now() - t0, headers: res.headers });
          });
        },
      );
      req.on('error', reject);
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

export interface SseMessage {
  id: string | undefined;
  event: string | undefined;
  data: string;
  /** performance.now() when the message was complete. */
  at: number;
}

/** A Server-Sent Events stream: calls `onMessage` for each message; `close()` ends it. */
export function openSse(base: string, path: string, role: BenchRole, onMessage: (m: SseMessage) => void): Promise<{ close(): void }> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { headers: { authorization: bearer(role), accept: 'text/event-stream' } }, (res) => {
      if (res.statusCode !== 200) {
        reject(new Error(`SSE ${path} answered ${res.statusCode}`));
        res.resume();
        return;
      }
      res.setEncoding('utf8');
      let buffer = '';
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const m: SseMessage = { id: undefined, event: undefined, data: '', at: performance.now() };
          for (const line of block.split('\n')) {
            if (line.startsWith('id:')) m.id = line.slice(3).trim();
            else if (line.startsWith('event:')) m.event = line.slice(6).trim();
            else if (line.startsWith('data:')) m.data += line.slice(5).trimStart();
          }
          onMessage(m);
        }
      });
      res.on('error', () => undefined);
      resolve({ close: () => req.destroy() });
    });
    req.on('error', (error) => reject(error));
    req.end();
  });
}
