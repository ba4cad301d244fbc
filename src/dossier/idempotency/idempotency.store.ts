import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { APP_CONFIG, type AppConfig } from '../../config.js';

const pendingKey = (actor: string, key: string) => `${actor}\u0000${key}`;

export interface StoredAnswer {
  requestHash: string;
  status: number;
  body: unknown;
}

interface PendingAnswer {
  actor: string;
  key: string;
  answer: StoredAnswer;
  /** The answer's body as stored, serialised once when it is put. */
  body: string;
  done: (error?: Error) => void;
}

/**
 * Answers to commands sent with an Idempotency-Key, per actor, in a SQLite file: a retry after a restart still gets the first
 * answer (and the events' ids derive from the key, so a crash before this record duplicates nothing: pipeline/event-ids.ts).
 * Group-committed: the answers put in one turn of the event loop share one transaction, and `put` resolves once on disk.
 */
@Injectable()
export class IdempotencyStore implements OnApplicationShutdown {
  private readonly db: Database.Database;
  private readonly getStmt;
  private readonly putStmt;
  private readonly putAll: (answers: PendingAnswer[]) => void;
  /** Records waiting for the next flush, by actor and key. */
  private pending = new Map<string, PendingAnswer>();
  private flushScheduled = false;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    mkdirSync(config.dataDir, { recursive: true });
    this.db = new Database(join(config.dataDir, 'idempotency.db'));
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${config.sqliteSynchronous === 'normal' ? 'NORMAL' : 'FULL'}`);
    this.db.exec(`CREATE TABLE IF NOT EXISTS answers (
      actor TEXT NOT NULL, key TEXT NOT NULL, request_hash TEXT NOT NULL,
      status INTEGER NOT NULL, body TEXT NOT NULL, created TEXT NOT NULL,
      PRIMARY KEY (actor, key)) WITHOUT ROWID`);
    this.getStmt = this.db.prepare<[string, string], { request_hash: string; status: number; body: string }>(
      'SELECT request_hash, status, body FROM answers WHERE actor = ? AND key = ?',
    );
    this.putStmt = this.db.prepare<[string, string, string, number, string, string]>(
      'INSERT OR IGNORE INTO answers (actor, key, request_hash, status, body, created) VALUES (?, ?, ?, ?, ?, ?)',
    );
    this.putAll = this.db.transaction((answers: PendingAnswer[]) => {
      const created = new Date().toISOString();
      for (const { actor, key, answer, body } of answers) {
        this.putStmt.run(actor, key, answer.requestHash, answer.status, body, created);
      }
    });
  }

  get(actor: string, key: string): StoredAnswer | undefined {
    const pending = this.pending.get(pendingKey(actor, key));
    if (pending) return { ...pending.answer, body: JSON.parse(pending.body) };
    const row = this.getStmt.get(actor, key);
    return row && { requestHash: row.request_hash, status: row.status, body: JSON.parse(row.body) };
  }

  /** Records the answer; resolves once it is on disk (rejects if it could not be written). */
  put(actor: string, key: string, answer: StoredAnswer): Promise<void> {
    return new Promise((resolve, reject) => {
      const id = pendingKey(actor, key);
      // The first answer for a key is the one kept (INSERT OR IGNORE), whether flushed or pending.
      if (this.pending.has(id)) {
        resolve();
        return;
      }
      this.pending.set(id, { actor, key, answer, body: JSON.stringify(answer.body), done: (error) => (error ? reject(error) : resolve()) });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.flushScheduled = false;
    const batch = [...this.pending.values()];
    if (batch.length === 0) return;
    let failure: Error | undefined;
    try {
      if (!this.db.open) throw new Error('the idempotency store is closed');
      this.putAll(batch);
    } catch (error) {
      failure = error as Error;
    }
    this.pending = new Map();
    for (const answer of batch) answer.done(failure);
  }

  onApplicationShutdown(): void {
    this.flush();
    if (this.db.open) this.db.close();
  }
}
