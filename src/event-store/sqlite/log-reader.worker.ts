/**
 * The worker side of log-reader.ts: reads pages of the log on a read-only connection of its own,
 * each sent as a few JSON texts (`[[position, stream id, revision, type, data, recorded at], ...]`), a few pages
 * ahead of the thread that folds them.
 */
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import type { LogReaderData, LogReaderPage } from './log-reader.js';
import { RECORDED_AT_SQL } from './recorded-at.js';

const port = parentPort!;
const { file, afterPosition, upTo, pageSize, ahead } = workerData as LogReaderData;

/**
 * Events per JSON text. A page in one text (megabytes) is a large object in V8 on both sides of
 * the message, each time in memory the process never touched, and its page faults cost a rebuild
 * dearly on a virtual machine; texts of some 16,000 characters are ordinary young objects.
 */
const TEXT_ROWS = 64;

/**
 * SQLite writes each text itself, `[[position, stream id, revision, type, data], ...]` (data is
 * stored as JSON text and spliced in as it is): one string per text enters JavaScript instead of
 * five values per event joined there, which costs less CPU per event here and in the parse. The
 * aggregate's ORDER BY keeps the events in log order, as SQLite documents.
 */
const TEXT_SQL = `
SELECT '[' || group_concat('[' || position || ',' || json_quote(stream_id) || ',' || revision || ',' || json_quote(type) || ',' || data || ',' || json_quote(recorded_at) || ']', ',' ORDER BY position) || ']',
       count(*), max(position)
FROM (SELECT position, stream_id, revision, type, data, ${RECORDED_AT_SQL} AS recorded_at FROM events WHERE position > ? AND position <= ? ORDER BY position LIMIT ?)`;

let db: Database.Database;
let select: Database.Statement<[number, number, number], [string | null, number, number | null]>;
try {
  db = new Database(file, { readonly: true, fileMustExist: true });
  select = db.prepare<[number, number, number], [string | null, number, number | null]>(TEXT_SQL).raw(true);
} catch (error) {
  port.postMessage({ error: (error as Error).message } satisfies LogReaderPage);
  process.exit(1);
}

/** Up to `pageSize` events after `from`, as JSON texts of TEXT_ROWS events; `last`: the last one's position. */
function readPage(from: number): { texts: string[]; count: number; last: number } {
  const texts: string[] = [];
  let count = 0;
  let last = from;
  while (count < pageSize) {
    const [text, n, lastOfText] = select.get(last, upTo, Math.min(TEXT_ROWS, pageSize - count))!;
    if (n === 0 || text === null || lastOfText === null) break;
    texts.push(text);
    count += n;
    last = lastOfText;
    if (n < TEXT_ROWS) break; // the readable head
  }
  return { texts, count, last };
}

let after = afterPosition;
let credits = ahead;
let done = false;

function pump(): void {
  try {
    while (credits > 0 && !done) {
      const { texts, count, last } = readPage(after);
      if (count === 0) {
        done = true;
        port.postMessage({ done: true } satisfies LogReaderPage);
        db.close();
        port.close();
        return;
      }
      after = last;
      credits -= 1;
      port.postMessage({ texts, count } satisfies LogReaderPage);
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
