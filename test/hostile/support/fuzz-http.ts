/**
 * A raw HTTP client for the fuzzer: node:http sends the path byte for byte (no URL normalisation,
 * so `..`, `%2F` and broken escapes reach the service as written, which fetch would not allow),
 * repeated headers, and any body. A live stream (text/event-stream) is cut once its head is in.
 */
import { Agent, request as httpRequest, type OutgoingHttpHeaders } from 'node:http';

export interface RawRequest {
  method: string;
  /** Path and query exactly as sent. */
  path: string;
  headers: OutgoingHttpHeaders;
  body?: string;
}

export interface RawResponse {
  status: number;
  contentType: string;
  text: string;
  /** The answer did not come within the time limit (the request is abandoned). */
  timedOut?: true;
  /** The connection failed or was closed without an answer (a crash, a reset). */
  error?: string;
}

export class RawClient {
  // A connection per request: an answer that closes its connection (a 431, a parse error) must not
  // be blamed on the next request that would have reused it.
  private readonly agent = new Agent({ keepAlive: false });

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly timeoutMs = 15_000,
  ) {}

  send(req: RawRequest): Promise<RawResponse> {
    return new Promise((resolve) => {
      let settled = false;
      const done = (r: RawResponse) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(r);
      };
      let outgoing: ReturnType<typeof httpRequest>;
      try {
        // Content-Length always: node:http frames no body of a GET otherwise, and the server would read it as the next request.
        const headers = req.body !== undefined ? { ...req.headers, 'content-length': Buffer.byteLength(req.body) } : req.headers;
        outgoing = httpRequest({ host: this.host, port: this.port, method: req.method, path: req.path, headers, agent: this.agent });
      } catch (error) {
        // node:http refuses some requests itself (characters it will not put on the wire): not the service's doing.
        resolve({ status: 0, contentType: '', text: '', error: `client: ${(error as Error).message}` });
        return;
      }
      const timer = setTimeout(() => {
        outgoing.destroy();
        done({ status: 0, contentType: '', text: '', timedOut: true });
      }, this.timeoutMs);
      outgoing.on('response', (res) => {
        const contentType = String(res.headers['content-type'] ?? '');
        if (contentType.startsWith('text/event-stream')) {
          res.destroy();
          outgoing.destroy();
          done({ status: res.statusCode ?? 0, contentType, text: '' });
          return;
        }
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => done({ status: res.statusCode ?? 0, contentType, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', (e) => done({ status: res.statusCode ?? 0, contentType, text: Buffer.concat(chunks).toString('utf8'), error: e.message }));
      });
      outgoing.on('error', (e) => done({ status: 0, contentType: '', text: '', error: e.message }));
      if (req.body !== undefined) outgoing.write(req.body);
      outgoing.end();
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
