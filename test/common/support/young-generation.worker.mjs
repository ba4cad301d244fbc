// Posts the size of this thread's young generation (MiB), once it has allocated enough to fill it.
import { getHeapSpaceStatistics } from 'node:v8';
import { parentPort } from 'node:worker_threads';

let kept = [];
for (let i = 0; i < 2_000_000; i++) {
  kept.push({ i, text: `x${i}` });
  if (kept.length > 1000) kept = [];
}
parentPort.postMessage(getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size / 1048576);
