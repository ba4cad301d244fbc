/**
 * The worker side of checkpointer.ts: a connection of its own to the event log that copies the
 * write-ahead log into the database file when asked (`wal_checkpoint(PASSIVE)`), with SQLite's
 * flushes of both files, and answers what the checkpoint did.
 */
import Database from 'better-sqlite3';
import { workerData } from 'node:worker_threads';
import { answerRequests, unknownRequest } from '../../common/worker-channel.js';
import type { CheckpointerData, CheckpointRequest, CheckpointResult } from './checkpointer.js';

answerRequests<CheckpointRequest>(
  () => {
    const db = new Database((workerData as CheckpointerData).file, { fileMustExist: true });
    // NORMAL: the log is flushed before it is copied, the database file after (SQLite's WAL rules).
    db.pragma('synchronous = NORMAL');
    // A checkpoint that finds another one running answers `busy` at once rather than waiting.
    db.pragma('busy_timeout = 0');
    return (request) => {
      switch (request.type) {
        case 'checkpoint': {
          const [result] = db.pragma('wal_checkpoint(PASSIVE)') as CheckpointResult[];
          return { fields: result };
        }
        case 'close':
          db.close();
          return;
        default:
          return unknownRequest(request);
      }
    };
  },
  (request) => request.type === 'close',
);
