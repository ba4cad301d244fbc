import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { APP_CONFIG, type AppConfig } from '../../config.js';

export interface StoredAnswer {
  requestHash: string;
  status: number;
  body: unknown;
}

/**
 * Answers to commands sent with an Idempotency-Key, kept in a SQLite file so that a retry after
 * a restart is still recognised. Keys are per actor (two integrators may pick the same key).
 * The write of the events is itself idempotent too: their ids derive from the key, so a crash
 * between the append and this record cannot duplicate a command (the store keeps one copy).
 */
@Injectable()
export class IdempotencyStore implements OnApplicationShutdown {
  private readonly db: Database.Database;
  private readonly getStmt;
  private readonly putStmt;

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
  }

  get(actor: string, key: string): StoredAnswer | undefined {
    const row = this.getStmt.get(actor, key);
    return row && { requestHash: row.request_hash, status: row.status, body: JSON.parse(row.body) };
  }

  put(actor: string, key: string, answer: StoredAnswer): void {
    this.putStmt.run(actor, key, answer.requestHash, answer.status, JSON.stringify(answer.body), new Date().toISOString());
  }

  onApplicationShutdown(): void {
    if (this.db.open) this.db.close();
  }
}
