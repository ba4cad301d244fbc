/**
 * Run by worker-channel.spec.ts with the service's semi-space flags: the young generation of
 * workers started by newWorker with and without a limit, and of this thread after them.
 * Prints one line `RESULT <json>`.
 */
import { getHeapSpaceStatistics } from 'node:v8';
import { newWorker } from '../../../src/common/worker-channel.js';

const script = new URL('./young-generation.worker.mjs', import.meta.url);
const youngOf = (resourceLimits?: { maxYoungGenerationSizeMb: number }) =>
  new Promise<number>((resolve, reject) => newWorker(script, { resourceLimits }).once('message', resolve).once('error', reject));

const [limitedA, limitedB] = await Promise.all([youngOf({ maxYoungGenerationSizeMb: 48 }), youngOf({ maxYoungGenerationSizeMb: 48 })]);
const unlimited = await youngOf();
// This thread's, once it allocated as much.
let kept: object[] = [];
for (let i = 0; i < 2_000_000; i++) {
  kept.push({ i, text: `x${i}` });
  if (kept.length > 1000) kept = [];
}
const main = getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')!.space_size / 1048576;
console.log(`RESULT ${JSON.stringify({ limitedA, limitedB, unlimited, main })}`);
