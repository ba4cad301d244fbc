/**
 * The worker side of live-writer.ts: a connection of its own on the live read-model file, which
 * commits the rows and checkpoint of each batch the projector folded, in the order sent.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { LiveWriterReply, LiveWriterRequest } from './live-writer.js';
import { ReadModels } from './read-models.js';

const port = parentPort!;
let models: ReadModels;
try {
  models = ReadModels.open((workerData as { file: string }).file);
} catch (error) {
  port.postMessage({ error: (error as Error).message });
  process.exit(1);
}

/** Set by a failed commit: the batches sent after it were folded on its views, and are refused. */
let failure: string | undefined;

port.on('message', (m: LiveWriterRequest) => {
  let reply: LiveWriterReply;
  try {
    switch (m.type) {
      case 'commit':
        if (failure !== undefined) throw new Error(`an earlier commit failed (${failure})`);
        try {
          models.commitRows(m.rows, m.checkpoint);
        } catch (error) {
          failure = (error as Error).message;
          throw error;
        }
        break;
      case 'close':
        models.close();
        break;
      default: {
        const never: never = m;
        throw new Error(`unknown request ${(never as { type: string }).type}`);
      }
    }
    reply = { id: m.id, ok: true };
  } catch (error) {
    reply = { id: m.id, ok: false, error: (error as Error).message };
  }
  port.postMessage(reply);
  if (m.type === 'close') port.close();
});

port.postMessage({ ready: true });
