/**
 * The read models' file layout (read-models.ts): tables, secondary indexes, how a file is opened
 * in each mode, and the prepared statements the class shares with its helpers.
 */
import Database from 'better-sqlite3';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname } from 'node:path';
import type { DossierView } from './views/dossier-view.js';
import type { SnapshotRow, DeltaSum } from './report-index/index-snapshot.js';
import type { DeltaRow } from './as-of/report-deltas.js';
import { encodeView } from './views/view-codec.js';
import { DOSSIER_VIEWS } from './views/dossier-views.read-model.js';

/** The file's own table: its read models' version, the checkpoint, and how it was last closed. */
const META = 'CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;';
const TABLES = META + DOSSIER_VIEWS.schema;
const INDEXES = DOSSIER_VIEWS.indexes;
const SCHEMA_VERSION = String(DOSSIER_VIEWS.version);

/** The page cache while the secondary indexes are created after a bulk load, in KiB. */
const INDEX_BUILD_CACHE_KIB = 2048;

/** After a bulk load: secondary indexes and statistics. */
export function createSecondaryIndexes(db: Database.Database): void {
  // SQLite's sorter takes up to the page cache's size in memory for each index it builds; with the
  // bulk load's 64 MiB it sorts a million keys in one list, with 2 MiB in small runs that it then
  // merges, which is faster; helper threads sort those runs while the rebuild's other threads wait.
  db.pragma(`cache_size = -${INDEX_BUILD_CACHE_KIB}`);
  if (availableParallelism() > 1) db.pragma('threads = 2');
  db.exec(INDEXES);
  // Statistics from a sample: the plans only need the shape of the data.
  db.exec('PRAGMA analysis_limit = 1000; ANALYZE; PRAGMA analysis_limit = 0;');
}

export type Mode = 'live' | 'bulk';

/** A `dossiers` row as the upsert takes it (the view encoded last). */
export type DossierRow = [number, string, string, string, string, string, number, number, number, string];

export const rowOf = (v: DossierView, encoded = encodeView(v)): DossierRow => [
  v.seq,
  v.dossierId,
  v.unitId,
  v.currentUnitId,
  v.procedureCode,
  v.status,
  v.dueAt,
  v.overdueMarked ? 1 : 0,
  v.position,
  encoded,
];

/** Rows written per statement by a bulk load (a third less time per row than one statement each). */
export const ROWS_PER_INSERT = 16;

const upsertSql = (rows: number) =>
  `INSERT INTO dossiers (seq, dossier_id, unit_id, current_unit_id, procedure_code, status, due_at, overdue_marked, position, view)
   VALUES ${Array.from({ length: rows }, () => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}
   ON CONFLICT(dossier_id) DO UPDATE SET current_unit_id = excluded.current_unit_id, status = excluded.status,
     due_at = excluded.due_at, overdue_marked = excluded.overdue_marked, position = excluded.position, view = excluded.view`;

const insertDeltasSql = (rows: number) =>
  `INSERT INTO report_deltas (lag_class, at, position, unit_id, procedure_code, handler, category, recorded_at, n)
   VALUES ${Array.from({ length: rows }, () => '(?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`;

/** This boot of the machine (Linux), or '' where it cannot be told. */
export function currentBootId(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return '';
  }
}

/**
 * Opens the file in `mode`: a bulk load without journal or fsync (a crash leaves a file to throw
 * away), live in WAL. A file of another schema version is emptied, to be rebuilt from the log.
 *
 * Live, where the machine's boot can be told (`bootId`), the file is written without fsync: its
 * checkpoints' flushes delayed the event log's, which every command waits for. A crash of the
 * process loses nothing the system has; a crash of
 * the machine may leave the file inconsistent, so the file records the boot that opened it and
 * whether it was closed (both flushed): written under another boot and not closed, it is emptied
 * and rebuilt from the log.
 */
export function openReadModelsDb(file: string, mode: Mode, bootId = currentBootId()): Database.Database {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  if (mode === 'bulk') {
    db.pragma('journal_mode = OFF');
    db.pragma('synchronous = OFF');
  } else {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
  }
  // A bulk load writes the unique index on dossier ids in random order: keep it in memory.
  db.pragma('cache_size = -65536');
  db.pragma('busy_timeout = 5000');
  db.exec(TABLES);
  const meta = (key: string) => db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?').get(key)?.value;
  const version = meta('schema');
  if (version !== undefined && version !== SCHEMA_VERSION) {
    for (const table of [...DOSSIER_VIEWS.tables, 'dossier_steps']) db.exec(`DROP TABLE IF EXISTS ${table}`);
    db.exec('DELETE FROM meta');
    db.exec(TABLES);
  }
  if (mode === 'live' && file !== ':memory:' && bootId !== '') {
    const boot = meta('boot');
    if (boot !== undefined && boot !== bootId && meta('closed') !== '1') {
      // Written without fsync when the machine stopped: every table of the file (the registered models' too) is suspect.
      db.close();
      removeReadModelsFile(file);
      return openReadModelsDb(file, mode, bootId);
    }
    // On disk before anything is written without fsync: this boot opened it, and it is not closed.
    db.pragma('synchronous = FULL');
    db.transaction(() => {
      db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('boot', ?)").run(bootId);
      db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('closed', '0')").run();
    })();
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.pragma('synchronous = OFF');
  }
  db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('schema', ?)").run(SCHEMA_VERSION);
  // The report index's keys of earlier versions (index_months holds it now): never read again.
  if (db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'index_snapshot'").get() !== undefined) {
    db.exec("DROP TABLE index_snapshot; DELETE FROM meta WHERE key IN ('index_snapshot', 'index_snapshot_deltas')");
  }
  if (mode === 'live') db.exec(INDEXES);
  return db;
}

/** Deletes a read-model file with its journal files (derived data: rebuilt from the log). */
export function removeReadModelsFile(file: string): void {
  for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(file + suffix, { force: true });
}

/** Closes a live file opened by openReadModelsDb: what it holds flushed, then marked closed (flushed too). */
export function closeReadModelsDb(db: Database.Database): void {
  if (!db.open) return;
  if (db.pragma('synchronous', { simple: true }) === 0 && db.prepare("SELECT 1 FROM meta WHERE key = 'boot'").get() !== undefined) {
    db.pragma('synchronous = FULL');
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('closed', '1')").run();
  }
  db.close();
}

export type Statements = ReturnType<typeof prepareStatements>;

export function prepareStatements(db: Database.Database) {
  return {
    getCheckpoint: db.prepare<[], { value: string }>("SELECT value FROM meta WHERE key = 'checkpoint'"),
    setCheckpoint: db.prepare<[string]>("INSERT OR REPLACE INTO meta (key, value) VALUES ('checkpoint', ?)"),
    viewById: db.prepare<[string], { view: string }>('SELECT view FROM dossiers WHERE dossier_id = ?'),
    upsertDossier: db.prepare<DossierRow>(upsertSql(1)),
    insertDelta: db.prepare<DeltaRow>(insertDeltasSql(1)),
    insertDeltas: db.prepare<[(string | number)[]]>(insertDeltasSql(ROWS_PER_INSERT)),
    upsertDossiers: db.prepare<[(string | number)[]]>(upsertSql(ROWS_PER_INSERT)),
    allViews: db.prepare<[], { view: string }>('SELECT view FROM dossiers'),
    countViews: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM dossiers'),
    getMeta: db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?'),
    setMeta: db.prepare<[string, string]>('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)'),
    deleteMeta: db.prepare<[string]>('DELETE FROM meta WHERE key = ?'),
    lastDelta: db.prepare<[], { last: number | null }>('SELECT max(rowid) AS last FROM report_deltas'),
    oldestSnapshotRow: db.prepare<[], { deltas: number | null }>("SELECT min(deltas) AS deltas FROM index_months WHERE id NOT LIKE 'r:%'"),
    // The net change of each entry since the row of its buckets was saved (since `base` without one): index-snapshot.ts.
    deltasAfterSnapshot: db.prepare<[number, number], DeltaSum>(
      `SELECT d.unit_id, d.procedure_code, d.handler, d.category, d.at, SUM(d.n) AS n
       FROM report_deltas d LEFT JOIN index_months s
         ON s.id = CASE d.handler WHEN '' THEN 'u:' || d.unit_id ELSE 's:' || d.unit_id || char(1) || d.handler END
       WHERE d.rowid > ? AND d.rowid > coalesce(s.deltas, ?)
       GROUP BY d.unit_id, d.procedure_code, d.handler, d.category, d.at HAVING SUM(d.n) <> 0`,
    ),
    clearSnapshot: db.prepare('DELETE FROM index_months'),
    putSnapshotRow: db.prepare<[string, number, string, Buffer]>(
      'INSERT INTO index_months (id, deltas, directory, blocks) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET deltas = excluded.deltas, directory = excluded.directory, blocks = excluded.blocks',
    ),
    snapshotRows: db.prepare<[], SnapshotRow>('SELECT id, directory, blocks AS keys FROM index_months'),
    insertQuarantined: db.prepare<[number, string, string, string]>(
      'INSERT OR REPLACE INTO quarantine (position, stream_id, type, error) VALUES (?, ?, ?, ?)',
    ),
    countQuarantined: db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM quarantine'),
    latestQuarantined: db.prepare<[number], { position: number; streamId: string; type: string; error: string }>(
      'SELECT position, stream_id AS streamId, type, error FROM quarantine ORDER BY position DESC LIMIT ?',
    ),
    isQuarantined: db.prepare<[number], { position: number }>('SELECT position FROM quarantine WHERE position = ?'),
  };
}
