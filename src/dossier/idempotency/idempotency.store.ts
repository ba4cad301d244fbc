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
 * Answers to commands sent with an Idempotency-Key, kept in a SQLite file so that a retry after
 * a restart is still recognised. Keys are per actor (two integrators may pick the same key).
 * The write of the events is itself idempotent too: their ids derive from the key, so a crash
 * between the append and this record cannot duplicate a command (the store keeps one copy).
 *
 * Records are group-committed: the answers put during one turn of the event loop are written in
 * one transaction, with one flush (synchronous=FULL stays), and `put` resolves once it is on disk,
 * so that the answer is sent after its record is durable, as before. A record waiting for its
 * flush is already found by `get`.
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
