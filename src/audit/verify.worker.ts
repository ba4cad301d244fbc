/**
 * The worker side of verify-in-worker.ts: verifies the log on a read-only connection of its own,
 * hashing the stored JSON texts as they are (no parse of data, none of metadata in the usual
 * case), so that the service's thread goes on answering requests meanwhile.
 */
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import { ChainVerifier, type VerifiableEvent } from './chain-verifier.js';
import { SEAL_STREAM, splitStoredHash } from './hash-chain.js';
import { startFrom } from './verify-log.js';
import type { VerifyWorkerData, VerifyWorkerMessage } from './verify-in-worker.js';

type Row = [position: number, streamId: string, revision: number, eventId: string, type: string, data: string, metadata: string];

const port = parentPort!;
const { file, from, upTo, pageSize } = workerData as VerifyWorkerData;
const post = (m: VerifyWorkerMessage) => port.postMessage(m);

try {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  const page = db.prepare<[number, number, number], Row>('SELECT position, stream_id, revision, event_id, type, data, metadata FROM events WHERE position > ? AND position <= ? ORDER BY position LIMIT ?').raw(true);
  const previous = db.prepare<[string, number], [string]>('SELECT metadata FROM events WHERE stream_id = ? AND revision = ?').raw(true);
  const seals = () => db.prepare<[string], [string]>('SELECT data FROM events WHERE stream_id = ? ORDER BY revision').raw(true).all(SEAL_STREAM).map(([d]) => JSON.parse(d) as unknown);
  const start = from !== undefined && from > 1 ? startFrom(seals(), from) : undefined;
  const verifier = new ChainVerifier({ gapless: true, start });
  let after = start?.afterSeal.toPosition ?? 0;
  while (after < upTo) {
    const rows = page.all(after, upTo, pageSize);
    if (rows.length === 0) break;
    const events = rows.map(([position, streamId, revision, id, type, dataJson, metadata]): VerifiableEvent => ({ position, streamId, revision, id, type, dataJson, ...splitStoredHash(metadata) }));
    for (const u of verifier.unknownStreams(events)) {
      const row = previous.get(u.streamId, u.revision);
      verifier.seed(u.streamId, u.revision, row === undefined ? undefined : splitStoredHash(row[0]).hash);
    }
    if (!verifier.add(events)) break;
    after = events[events.length - 1].position;
    post({ progress: after, upTo });
  }
  db.close();
  post({ result: verifier.result() });
} catch (error) {
  post({ error: (error as Error).message });
}
