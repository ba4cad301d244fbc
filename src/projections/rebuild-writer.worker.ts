/**
 * The worker side of rebuild-writer.ts: owns the fresh read-model file of a rebuild, writes the
 * views the main thread folds, reads views back for it, and at the end hands the report index
 * over as snapshot rows (buffers transferred) and exits.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { snapshotRows } from './index-snapshot.js';
import { ReadModels } from './read-models.js';
import type { WriterReply, WriterRequest } from './rebuild-writer.js';

const port = parentPort!;
const models = ReadModels.createFresh((workerData as { file: string }).file);

port.on('message', (m: WriterRequest) => {
  let reply: WriterReply;
  const transfer: ArrayBuffer[] = [];
  try {
    switch (m.type) {
      case 'write':
        models.writeEncoded(m.encoded, m.checkpoint);
        reply = { id: m.id, ok: true };
        break;
      case 'readBack':
        reply = { id: m.id, ok: true, views: models.readBackEncoded(m.dossierIds) };
        break;
      case 'seal': {
        const rows = [...snapshotRows(models.endLoad())];
        // Each row's keys sit in a buffer of their own: moved to the main thread, not copied.
        for (const row of rows) transfer.push(row.keys.buffer as ArrayBuffer);
        reply = { id: m.id, ok: true, rows };
        break;
      }
      case 'index':
        models.createIndexes();
        models.close();
        reply = { id: m.id, ok: true };
        break;
      default: {
        const never: never = m;
        throw new Error(`unknown request ${(never as { type: string }).type}`);
      }
    }
  } catch (error) {
    reply = { id: m.id, ok: false, error: (error as Error).message };
  }
  port.postMessage(reply, transfer);
  if (m.type === 'index') port.close();
});

port.postMessage({ ready: true });
