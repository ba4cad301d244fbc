/** The worker side of as-of-reader.ts: reads an as-of report's deltas and posts back their counts. */
import { answerRequests, unknownRequest } from '../common/worker-channel.js';
import { type AsOfRequest, readDeltas } from './as-of-reader.js';

answerRequests<AsOfRequest>(
  () => (m) => {
    switch (m.type) {
      case 'read': {
        const { correction, beyond, lastRowid } = readDeltas(m.file, m.asOf, m.window, m.known);
        const counted = correction.encode();
        return { fields: { counted, beyond, lastRowid }, transfer: [counted.values.buffer as ArrayBuffer] };
      }
      default:
        return unknownRequest(m.type as never);
    }
  },
  () => false,
);
