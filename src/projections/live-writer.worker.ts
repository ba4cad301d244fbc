/**
 * The worker side of live-writer.ts: a connection of its own on the live read-model file, which
 * commits the rows and checkpoint of each batch the projector folded, in the order sent.
 */
import { workerData } from 'node:worker_threads';
import { answerRequests, unknownRequest } from '../common/worker-channel.js';
import type { LiveWriterRequest } from './live-writer.js';
import { ReadModels } from './read-models.js';

answerRequests<LiveWriterRequest>(
  () => {
    const models = ReadModels.open((workerData as { file: string }).file, { deferCheckpoints: true });
    /** Set by a failed commit: the batches sent after it were folded on its views, and are refused. */
    let failure: string | undefined;
    /**
     * After the commit is answered (the reply is posted when the handler returns). A checkpoint
     * that fails leaves the log longer and is tried again after the next commit, as SQLite's own
     * automatic ones are; a failing disk shows in the next commit, which is refused and reported.
     */
    const checkpointAfterReply = () =>
      setImmediate(() => {
        try {
          models.checkpointIfDue();
        } catch {
          // tried again after the next commit (see above)
        }
      });
    return (m) => {
      switch (m.type) {
        case 'commit':
          if (failure !== undefined) throw new Error(`an earlier commit failed (${failure})`);
          try {
            models.commitRows(m.rows, m.checkpoint, m.quarantined);
          } catch (error) {
            failure = (error as Error).message;
            throw error;
          }
          checkpointAfterReply();
          return;
        case 'close':
          models.close();
          return;
        default:
          return unknownRequest(m);
      }
    };
  },
  (m) => m.type === 'close',
);
