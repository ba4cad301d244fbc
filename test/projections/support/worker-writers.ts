/**
 * Run by worker-writers.spec.ts on the TypeScript sources, in a process of its own: a worker thread
 * can load them only with the loader the process starts with, which Jest's do not have.
 *   node --import ./test/support/register-ts.mjs test/projections/support/worker-writers.ts <dir>
 * Prints one line `RESULT <json>` with what the spec checks.
 */
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { loadConfig } from '../../../src/config.js';
import { Projector } from '../../../src/projections/projector.js';
import { ReadModels } from '../../../src/projections/read-models.js';
import { openRebuildWriter } from '../../../src/projections/rebuild/rebuild-writer.js';
import { syntheticLog } from '../../../bench/support/synthetic-history.js';
import type { TimelinessIndex } from '../../../src/projections/report-index/timeliness-index.js';
import { stepRows, timelinessRows } from '../../../src/projections/report-index/timeliness-report.js';
import { ViewFolder } from '../../../src/projections/views/view-folder.js';
import { NO_DELTAS } from '../../../src/projections/as-of/report-deltas.js';
import { testTree } from './naive-report.js';
import { readByAnother } from '../../event-store/contract-support.js';
import { appendAll, openStore } from './store.js';

const dir = process.argv[2];
const DAY = 86_400_000;
const START = Date.parse('2025-01-01T00:00:00+07:00');
const tree = testTree();
const events = syntheticLog({ seed: 12, dossiers: 400, unitIds: tree.unitIds, procedureCodes: ['P.A', 'P.B'], start: START, spanMs: 60 * DAY });

const reports = (index: TimelinessIndex) =>
  tree.unitIds.flatMap((unitId) => {
    const window = { from: START + 7 * DAY, end: START + 45 * DAY };
    return [
      ...(['none', 'child', 'procedure'] as const).map((groupBy) => timelinessRows(index, tree, { unitId, scope: 'subtree', groupBy, ...window })),
      stepRows(index, tree, { unitId, scope: 'subtree', ...window }),
    ];
  });

// The reference: the same events applied batch by batch to live read models.
const live = ReadModels.open(join(dir, 'live.db'));
live.applyBatch(events);
const expected = { table: live.dump(), reports: reports(live.buildIndex()) };

// 1. The writer alone, behind a fold whose cache holds 7 views: evictions and read-backs through the worker.
const { writer } = await openRebuildWriter(join(dir, 'direct.db'), 'always');
const folder = new ViewFolder(0, 7);
let readBack = 0;
for (let i = 0; i < events.length; i += 60) {
  const page = events.slice(i, i + 60);
  const missing = folder.missing(page);
  readBack += missing.length;
  const { writes, checkpoint, deltas } = folder.fold(page, await writer.readBack(missing));
  await writer.write(writes, checkpoint, deltas);
}
await writer.write(folder.drain(), folder.checkpoint, NO_DELTAS);
const direct = await writer.finish();
const directResult = {
  thread: writer.thread,
  readBack,
  sameTable: isDeepStrictEqual(direct.models.dump(), expected.table),
  sameReports: isDeepStrictEqual(reports(direct.index), expected.reports),
};
direct.models.close();

// 2. The projector over a real store: the initial build of an empty read-model file from the first
//    part of the log (rebuild writer in a worker), then the rest appended while it follows the log.
const store = openStore(dir);
const split = Math.floor(events.length * 0.6);
// An event no view can take (issue 21): quarantined by the rebuild's fold, and one by the live fold;
// neither changes the table or the reports.
const poison = (dossierId: string) => {
  const received = events.find((e) => e.type === 'DossierReceived')!;
  return { id: `poison-${dossierId}`, type: 'DossierReceived', data: { ...received.data, dossierId, receivedAt: '1800-01-01T02:00:00.000Z' } };
};
await appendAll(store, events.slice(0, split), 10);
await store.append('dossier-poison-rebuild', [poison('poison-rebuild')], 'no_stream');
const config = loadConfig({ DATA_DIR: dir, LOG_LEVEL: 'silent' });
const projector = new Projector(store, config, 'always');
projector.onModuleInit();
await projector.whenCaughtUp();
const status = await projector.status();
for (let i = split; i < events.length; i += 25) {
  await appendAll(store, events.slice(i, i + 25), 10);
  if (i === split) await store.append('dossier-poison-live', [poison('poison-live')], 'no_stream');
  if (i % 100 === 0) await new Promise((resolve) => setTimeout(resolve, 5));
}
const head = (await store.headPosition()) ?? 0;
await projector.waitFor(head, 10_000);
// Positions in the store differ from the synthetic log's (catalog events in between): its own reference.
const reference = ReadModels.open(join(dir, 'reference.db'));
reference.applyBatch(await store.readAll());
const projectorResult = {
  writer: status.rebuild.last?.writer,
  logPages: store.pagesRead.thread,
  logHeldAgain: readByAnother(join(dir, 'events.db')) === 'refused',
  checkpointIsHead: projector.checkpoint === head,
  sameTable: isDeepStrictEqual(projector.readModels.dump(), reference.dump()),
  sameReports: isDeepStrictEqual(reports(projector.dossiers.index), expected.reports),
  quarantined: projector.quarantine().items.map((q) => q.streamId).sort(),
};
await projector.beforeApplicationShutdown();
projector.onApplicationShutdown();

// 3. What the live batches committed is on disk: a restart (no worker) has the same table and reports.
const restarted = new Projector(store, config, 'never');
restarted.onModuleInit();
await restarted.whenCaughtUp();
const restartResult = {
  sameTable: isDeepStrictEqual(restarted.readModels.dump(), reference.dump()),
  sameReports: isDeepStrictEqual(reports(restarted.dossiers.index), expected.reports),
  quarantined: restarted.quarantine().count,
};
reference.close();
await restarted.beforeApplicationShutdown();
restarted.onApplicationShutdown();
await store.close();
live.close();

// 4. The log reader's worker (SQLite writes its JSON texts) reads what readAllData reads: stream ids
//    and data that JSON must escape, text outside Latin-1, pages that end inside a text or not,
//    reads from the middle of the log.
const odd = openStore(join(dir, 'odd'));
const oddStreams = ['dossier-"quoted"', 'dossier-back\\slash', 'dossier-tab\there', 'dossier-Hồ sơ số 7', 'unit-plain'];
for (let i = 0; i < 300; i++) {
  const data = { n: i, text: i % 7 === 0 ? 'Bổ sung giấy tờ "bản sao" \\ \n 😀' : 'plain', nested: { list: [i, null, true, 1.5e-7] } };
  await odd.append(oddStreams[i % oddStreams.length], [{ id: `odd-${i}`, type: i % 2 === 0 ? 'Noted' : 'Ghi "chú"', data }], 'any');
}
const oddLog = await odd.readAllData({ maxCount: 1000 });
const pagesOf = async (afterPosition: number, pageSize: number) => {
  const read = [];
  for await (const page of odd.readAllDataPages({ afterPosition, pageSize })) read.push(...page);
  return read;
};
let sameLog = true;
for (const [afterPosition, pageSize] of [[0, 1], [0, 63], [0, 64], [0, 65], [0, 1000], [oddLog[137].position, 129]] as const) {
  sameLog &&= isDeepStrictEqual(await pagesOf(afterPosition, pageSize), oddLog.filter((e) => e.position > afterPosition));
}
const logReaderResult = { thread: odd.pagesRead.thread, events: oddLog.length, sameLog };
await odd.close();

console.log(`RESULT ${JSON.stringify({ direct: directResult, projector: projectorResult, restart: restartResult, logReader: logReaderResult })}`);
