/**
 * The worker side of log-reader.ts: reads pages of the log on a read-only connection of its own,
 * each sent as one JSON text (`[[position, stream id, revision, type, data], ...]`), a few pages
 * ahead of the thread that folds them.
 */
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import type { LogReaderData, LogReaderPage } from './log-reader.js';

const port = parentPort!;
const { file, afterPosition, upTo, pageSize, ahead } = workerData as LogReaderData;

let db: Database.Database;
let select: Database.Statement<[number, number, number], [number, string, number, string, string]>;
try {
  db = new Database(file, { readonly: true, fileMustExist: true });
  select = db
    .prepare<[number, number, number], [number, string, number, string, string]>(
      'SELECT position, stream_id, revision, type, data FROM events WHERE position > ? AND position <= ? ORDER BY position LIMIT ?',
    )
    .raw(true);
} catch (error) {
  port.postMessage({ error: (error as Error).message } satisfies LogReaderPage);
  process.exit(1);
}

/** A page as one JSON text; data is stored as JSON text (JSON.stringify) and spliced in as it is. */
function pageText(rows: [number, string, number, string, string][]): string {
  let text = '[';
  for (let i = 0; i < rows.length; i++) {
    const [position, streamId, revision, type, data] = rows[i];
    text += `${i === 0 ? '' : ','}[${position},${JSON.stringify(streamId)},${revision},${JSON.stringify(type)},${data}]`;
  }
  return text + ']';
}

let after = afterPosition;
let credits = ahead;
let done = false;

function pump(): void {
  try {
    while (credits > 0 && !done) {
      const rows = select.all(after, upTo, pageSize);
      if (rows.length === 0) {
        done = true;
        port.postMessage({ done: true } satisfies LogReaderPage);
        db.close();
        port.close();
        return;
      }
      after = rows[rows.length - 1][0];
      credits -= 1;
      port.postMessage({ text: pageText(rows), count: rows.length } satisfies LogReaderPage);
    }
  } catch (error) {
    done = true;
    port.postMessage({ error: (error as Error).message } satisfies LogReaderPage);
    port.close();
  }
}

// Each page taken by the reader lets one more be read.
port.on('message', () => {
  credits += 1;
  pump();
});
pump();
