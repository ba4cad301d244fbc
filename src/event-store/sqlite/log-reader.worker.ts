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

/**
 * Characters per JSON text. A page in one text (megabytes) was a large object in V8 on both sides of
 * the message, each time in memory the process had never touched: page faults, expensive on a
 * virtual machine, were an eighth of a rebuild's samples (docs/PERFORMANCE.md, tenth session).
 * Texts of this size are ordinary young objects.
 */
const TEXT_CHARS = 16_384;

/** A page as JSON texts of arrays of rows; data is stored as JSON text (JSON.stringify) and spliced in as it is. */
function pageTexts(rows: [number, string, number, string, string][]): string[] {
  const texts: string[] = [];
  let text = '';
  for (const [position, streamId, revision, type, data] of rows) {
    text += `${text === '' ? '[' : ','}[${position},${JSON.stringify(streamId)},${revision},${JSON.stringify(type)},${data}]`;
    if (text.length >= TEXT_CHARS) {
      texts.push(text + ']');
      text = '';
    }
  }
  if (text !== '') texts.push(text + ']');
  return texts;
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
      port.postMessage({ texts: pageTexts(rows), count: rows.length } satisfies LogReaderPage);
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
