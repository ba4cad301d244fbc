/** The worker side of as-of-reader.ts: reads an as-of report's deltas and posts back their counts. */
import { setPriority } from 'node:os';
import { answerRequests, unknownRequest } from '../../common/worker-channel.js';
import { type AsOfRequest, readDeltas } from './as-of-reader.js';

/**
 * The nice value of this thread (on Linux a thread's own): when it shares a core with the thread
 * serving requests, the as-of reads give way, and commands do not wait behind an auditor's report.
 */
const NICE = 10;
if (process.platform === 'linux') {
  try {
    setPriority(0, NICE);
  } catch {
    // Not allowed here (a sandbox): the reads keep the process's priority.
  }
}

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
