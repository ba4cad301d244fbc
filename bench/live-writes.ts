/**
 * The live read-model writer's commits alone, as the table grows: batches of new dossiers'
 * rows committed by ReadModels.commitRows into two files side by side, batch by batch (so that
 * the machine's other load falls on both alike): one checkpointed by SQLite within its commits
 * (every 1,000 pages of log), one with deferred checkpoints (`checkpointIfDue` after each
 * commit, as the live writer's thread does once it has answered).
 *
 *   npm run build && node dist/bench/live-writes.js [--rows=320000] [--batch=400] [--units=1000]
 *
 * Prints one JSON line per 40,000 rows: for each file the time per row (commits and checkpoints),
 * the longest wait for a commit's answer (the commit, with SQLite's checkpoint when it made one),
 * and the longest deferred checkpoint (a batch sent meanwhile waits for it: in the service the
 * projector sends one about every 25 ms).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReadModels, type Row } from '../src/projections/read-models.js';
import { numberOption as option } from './options.js';
import { round } from './stats.js';

const total = option('rows', 320_000);
const batch = option('batch', 400);
const unitCount = option('units', 1000);
const STEP = 40_000;

const dir = mkdtempSync(join(process.env.BENCH_TMPDIR ?? tmpdir(), 'dossier-live-writes-'));
const units = Array.from({ length: unitCount }, (_, i) => `U${String(i).padStart(4, '0')}`);
// The `view` column's text: what view-codec.ts writes for a received dossier is 180-220 characters.
const view = 'v'.repeat(210);

/** New dossiers' rows: ids in the order they come (numbered, so not in index order), units in turn. */
function rows(from: number, count: number): Row[] {
  return Array.from({ length: count }, (_, i): Row => {
    const seq = from + i;
    const unit = units[(seq * 7) % unitCount];
    return [seq, `r${seq}`, unit, unit, 'HT-KHAISINH', 'received', 1_800_000_000_000 + seq * 1000, 0, seq, view];
  });
}

interface Side {
  models: ReadModels;
  ms: number;
  longestAnswerMs: number;
  longestCheckpointMs: number;
}

const sides: Record<'sqlite' | 'deferred', Side> = {
  sqlite: { models: ReadModels.open(join(dir, 'sqlite.db')), ms: 0, longestAnswerMs: 0, longestCheckpointMs: 0 },
  deferred: { models: ReadModels.open(join(dir, 'deferred.db'), { deferCheckpoints: true }), ms: 0, longestAnswerMs: 0, longestCheckpointMs: 0 },
};

try {
  for (let written = 0; written < total; ) {
    const batchRows = rows(written + 1, batch);
    written += batch;
    for (const side of Object.values(sides)) {
      const t0 = performance.now();
      side.models.commitRows(batchRows, written);
      const answered = performance.now();
      side.models.checkpointIfDue();
      const done = performance.now();
      side.ms += done - t0;
      side.longestAnswerMs = Math.max(side.longestAnswerMs, answered - t0);
      side.longestCheckpointMs = Math.max(side.longestCheckpointMs, done - answered);
    }
    if (written % STEP === 0) {
      const line: Record<string, unknown> = { rows: written };
      for (const [name, side] of Object.entries(sides)) {
        line[name] = {
          usPerRow: round((side.ms * 1000) / STEP, 1),
          longestAnswerMs: round(side.longestAnswerMs, 1),
          ...(name === 'deferred' ? { longestCheckpointMs: round(side.longestCheckpointMs, 1) } : {}),
        };
        side.ms = 0;
        side.longestAnswerMs = 0;
        side.longestCheckpointMs = 0;
      }
      console.log(JSON.stringify(line));
    }
  }
} finally {
  for (const side of Object.values(sides)) side.models.close();
  rmSync(dir, { recursive: true, force: true });
}
