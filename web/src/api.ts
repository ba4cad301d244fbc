/**
 * The page's calls to the service: every one carries the key in the Authorization header (never in
 * a URL); a 401 on any of them signs the user out. The live report is Server-Sent Events behind
 * that header, which EventSource cannot send, so it is read with fetch and a stream reader.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    /** Seconds, when the service says when to ask again (a read model being built, as-of replays all busy). */
    readonly retryAfter?: number,
  ) {
    super(detail);
  }
}

export type Query = Record<string, string | undefined>;

export function withQuery(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') params.set(k, v);
  const s = params.toString();
  return s === '' ? path : `${path}?${s}`;
}

export class Api {
  constructor(
    private readonly key: string,
    private readonly onUnauthorized: () => void,
  ) {}

  private async send(path: string, signal?: AbortSignal, accept = 'application/json'): Promise<Response> {
    const response = await fetch(path, { headers: { Authorization: `Bearer ${this.key}`, Accept: accept }, signal, cache: 'no-store' });
    if (response.status === 401) {
      this.onUnauthorized();
      throw new ApiError(401, 'unauthenticated');
    }
    if (!response.ok) {
      let detail = `${response.status} ${response.statusText}`;
      try {
        const problem = (await response.json()) as { detail?: string; title?: string };
        detail = problem.detail ?? problem.title ?? detail;
      } catch {
        // not problem+json: the status says enough
      }
      const retryAfter = Number(response.headers.get('Retry-After') ?? '');
      throw new ApiError(response.status, detail, Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined);
    }
    return response;
  }

  async get<T>(path: string, query?: Query, signal?: AbortSignal): Promise<T> {
    return (await (await this.send(withQuery(path, query), signal)).json()) as T;
  }

  /** Fetches a file (an export) with the key and hands it to the browser as a download. */
  async download(path: string, query: Query, filename: string): Promise<void> {
    const blob = await (await this.send(withQuery(path, query), undefined, '*/*')).blob();
    const url = URL.createObjectURL(blob);
    const a = document.createElement('a');
    a.href = url;
    a.download = filename;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }

  /**
   * Reads an event stream until `signal` aborts, calling `onEvent` with each event's name and
   * parsed data. Resolves when the stream ends (the caller decides whether to reconnect).
   */
  async stream(path: string, query: Query, signal: AbortSignal, onEvent: (event: string, data: unknown) => void): Promise<void> {
    const response = await this.send(withQuery(path, query), signal, 'text/event-stream');
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value.replace(/\r\n?/g, '\n');
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        let event = 'message';
        const data: string[] = [];
        for (const line of block.split('\n')) {
          if (line.startsWith(':')) continue; // a comment (keep-alive)
          const colon = line.indexOf(':');
          const field = colon < 0 ? line : line.slice(0, colon);
          const v = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
          if (field === 'event') event = v;
          else if (field === 'data') data.push(v);
        }
        if (data.length > 0) onEvent(event, JSON.parse(data.join('\n')));
      }
    }
  }
}
