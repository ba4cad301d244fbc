/**
 * The worker side of rebuild-writer.ts: owns the fresh read-model file of a rebuild, writes the
 * views the main thread folds, reads views back for it, and at the end hands the report index
 * over as snapshot rows (buffers transferred) and exits. Started again on the sealed file
 * (`loaded`), it creates the secondary indexes.
 */
import { workerData } from 'node:worker_threads';
import { answerRequests, unknownRequest } from '../../common/worker-channel.js';
import { snapshotRows } from '../report-index/index-snapshot.js';
import { ReadModels } from '../read-models.js';
import { createFresh, type WriterRequest } from './rebuild-writer.js';

answerRequests<WriterRequest>(
  () => {
    const { file, loaded } = workerData as { file: string; loaded?: boolean };
    const models = loaded ? ReadModels.openLoaded(file) : createFresh(file);
    return (m) => {
      switch (m.type) {
        case 'write':
          models.writeEncoded(m.encoded, m.checkpoint, m.deltas);
          return;
        case 'readBack':
          return { fields: { views: models.readBackEncoded(m.dossierIds) } };
        case 'seal': {
          const rows = [...snapshotRows(models.endLoad())];
          models.close();
          // Each row's keys sit in a buffer of their own: moved to the main thread, not copied.
          return { fields: { rows }, transfer: rows.map((row) => row.keys.buffer as ArrayBuffer) };
        }
        case 'index':
          models.createIndexes();
          models.close();
          return;
        default:
          return unknownRequest(m);
      }
    };
  },
  (m) => m.type === 'seal' || m.type === 'index',
);
