/**
 * The rows this store committed last, kept as written (the serialised data and metadata, the
 * creation instant), so that subscriptions following the head of the log read them from memory
 * instead of selecting again from the file what was inserted a few milliseconds before: under
 * load the projector and the catalog's subscription each read the log every 25 ms, and the
 * projector's read was its largest cost on the command thread after its fold.
 *
 * It answers a read only when it holds every position of the range asked for: its rows are
 * consecutive positions (a gap, a write by another process in between, starts it again), and
 * anything older or newer than what it holds (another process's rows, a catch-up from far back)
 * is read from the file as before. A row is added only once its transaction committed.
 */

/** A log row as inserted: position, stream id, revision, event id, type, data, metadata (JSON texts), created. */
export type StoredRow = [position: number, streamId: string, revision: number, eventId: string, type: string, data: string, metadata: string, created: string];

/** Rows kept: a few seconds of the heaviest load measured, far more than a subscription lags by. */
const DEFAULT_CAPACITY = 16_384;

export class RecentLog {
  private rows: StoredRow[] = [];
  /** Index in `rows` of the oldest row kept (rows before it are dropped in bulk, not one by one). */
  private start = 0;

  constructor(private readonly capacity = DEFAULT_CAPACITY) {}

  /** Rows of one committed transaction, in position order. */
  add(committed: readonly StoredRow[]): void {
    for (const row of committed) {
      const last = this.rows.length > this.start ? this.rows[this.rows.length - 1] : undefined;
      if (last !== undefined && row[0] !== last[0] + 1) this.clear();
      this.rows.push(row);
    }
    if (this.rows.length - this.start > this.capacity) {
      this.start = this.rows.length - this.capacity;
      // Compacted once the dropped rows are as many as those kept: amortised constant per row.
      if (this.start >= this.capacity) {
        this.rows = this.rows.slice(this.start);
        this.start = 0;
      }
    }
  }

  clear(): void {
    this.rows = [];
    this.start = 0;
  }

  /**
   * The rows in positions (after, upTo], of the streams starting with one of `prefixes` if given,
   * at most `maxCount` of them, as the file's `... WHERE position > ? AND position <= ? AND
   * (instr(stream_id, ?) = 1 OR ...) ORDER BY position LIMIT ?` returns them; undefined when some
   * position of the range is not held here.
   */
  read(after: number, upTo: number, maxCount: number, prefixes: readonly string[] | undefined): StoredRow[] | undefined {
    if (this.rows.length === this.start) return undefined;
    const first = this.rows[this.start][0];
    const last = this.rows[this.rows.length - 1][0];
    if (after + 1 < first || upTo > last) return undefined;
    const out: StoredRow[] = [];
    const end = this.start + (upTo - first);
    for (let i = this.start + (after + 1 - first); i <= end && out.length < maxCount; i++) {
      const row = this.rows[i];
      if (prefixes === undefined || prefixes.some((p) => row[1].startsWith(p))) out.push(row);
    }
    return out;
  }
}
