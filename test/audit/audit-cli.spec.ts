import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { startTestApp, tempDataDir, TEST_KEYS, type TestApp } from '../support/test-app.js';
import { type AuditedLog, auditedLog, NO_AUTO_SEAL, tampered } from './support.js';

/** The command line as an auditor runs it: a child process, its exit code and outputs. */
function audit(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', './test/support/register-ts.mjs', 'src/audit/audit-cli.ts', ...args],
      { env: { PATH: process.env.PATH, ...env }, timeout: 60_000 },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 99) : 0, stdout, stderr }),
    );
  });
}

const PERIOD = ['--from', '2025-03-01T00:00:00+07:00', '--to', '2025-04-01T00:00:00+07:00'];

describe('npm run audit', () => {
  let log: AuditedLog;
  let t: TestApp;
  let url: string;
  const scratch = tempDataDir('dossier-audit-cli-');
  const dirs = [scratch];
  const key = ['--key', TEST_KEYS.auditor];

  beforeAll(async () => {
    log = await auditedLog();
    dirs.push(log.dir);
    // A copy served over HTTP, so that the original stays closed for --data-dir.
    const served = tampered(log, () => undefined);
    dirs.push(served);
    t = await startTestApp(NO_AUTO_SEAL, served);
    await t.app.listen(0, '127.0.0.1');
    url = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await t.close();
    dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
  });

  describe('verify', () => {
    it('a running service: exit 0 and the head', async () => {
      const run = await audit(['verify', '--url', url, ...key, '--json']);
      expect(run.code).toBe(0);
      expect(JSON.parse(run.stdout)).toMatchObject({ verified: true, events: log.head, seals: 2, head: { position: log.head } });
    });

    it('a stopped service\'s data directory: exit 0, in words', async () => {
      const run = await audit(['verify', '--data-dir', log.dir]);
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(new RegExp(`^VERIFIED: ${log.head} events checked`));
      expect(run.stdout).toContain(`head: position ${log.head}, hash `);
      const json = JSON.parse((await audit(['verify', '--data-dir', log.dir, '--json'])).stdout);
      // The file read by a worker thread of its own, hashing the stored texts: the same answer as the service's.
      expect(json).toMatchObject({ verified: true, events: log.head, thread: 'worker' });
    });

    it('a tampered data directory: exit 1, naming the position', async () => {
      const at = log.positions['HS-E'][0];
      const dir = tampered(log, (db) => db.prepare("UPDATE events SET data = json_set(data, '$.unitId', 'STP') WHERE position = ?").run(at));
      dirs.push(dir);
      const run = await audit(['verify', '--data-dir', dir]);
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(new RegExp(`^TAMPERED: position ${at}: `));
    });
  });

  it("history: a dossier's timeline with its instants, actor and what changed, from the service or the files", async () => {
    const run = await audit(['history', 'HS-A', '--url', url, ...key]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Dossier HS-A: 2 events');
    expect(run.stdout).toMatch(/#0 DossierReceived {2}occurred 2025-03-03 08:00:00 \+07:00 {2}recorded 2026-12-07 10:00:00 \+07:00 {2}by test-integrator/);
    expect(run.stdout).toMatch(/#1 DossierTransferred .*\n {4}.*toUnitId: SKHDT-DKKD/);
    const offline = await audit(['history', 'HS-A', '--data-dir', log.dir, '--json']);
    expect(JSON.parse(offline.stdout).map((e: { type: string }) => e.type)).toEqual(['DossierReceived', 'DossierTransferred']);
    expect((await audit(['history', 'HS-NOPE', '--url', url, ...key])).code).toBe(1);
  });

  it('report: the timeliness report over HTTP, as of an instant too', async () => {
    const run = await audit(['report', 'TTPVHCC', ...PERIOD, '--url', url, ...key]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Timeliness of TTPVHCC/);
    const asOf = await audit(['report', 'TTPVHCC', ...PERIOD, '--as-of', '2026-12-07T10:00:00+07:00', '--url', url, ...key, '--json']);
    expect(JSON.parse(asOf.stdout).rows[0].received.total).toBe(6);
  });

  describe('export and verify --bundle', () => {
    it('a bundle from the service verifies offline; one with an edited event or a removed line does not', async () => {
      const file = join(scratch, 'http.ndjson');
      expect((await audit(['export', 'TTPVHCC', ...PERIOD, '--out', file, '--url', url, ...key])).code).toBe(0);
      const ok = await audit(['verify', '--bundle', file, '--json']);
      expect(ok.code).toBe(0);
      expect(JSON.parse(ok.stdout)).toMatchObject({ verified: true, unitId: 'TTPVHCC', dossiers: 6, seals: 2 });

      const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
      const at = lines.findIndex((l) => l.includes('"dossier-HS-B"') && l.includes('DossierReceived'));
      const edited = join(scratch, 'edited.ndjson');
      writeFileSync(edited, lines.map((l, i) => (i === at ? l.replace('"channel":"online"', '"channel":"direct"') : l)).join('\n'));
      const bad = await audit(['verify', '--bundle', edited]);
      expect(bad.code).toBe(1);
      expect(bad.stdout).toContain(`TAMPERED: position ${log.positions['HS-B'][0]}`);

      const removed = join(scratch, 'removed.ndjson');
      writeFileSync(removed, lines.filter((_, i) => i !== at).join('\n'));
      expect((await audit(['verify', '--bundle', removed])).code).toBe(1);
    });

    it('a bundle from the data directory is the same', async () => {
      const file = join(scratch, 'dir.ndjson');
      expect((await audit(['export', 'TTPVHCC', ...PERIOD, '--out', file, '--data-dir', log.dir])).code).toBe(0);
      expect(readFileSync(file, 'utf8')).toBe(readFileSync(join(scratch, 'http.ndjson'), 'utf8'));
    });
  });

  it('exit codes: 2 bad usage, 3 nothing to reach', async () => {
    expect((await audit([])).code).toBe(2);
    expect((await audit(['verify', '--bogus'])).code).toBe(2);
    expect((await audit(['verify', '--url', url])).code).toBe(2); // no key
    expect((await audit(['report', 'TTPVHCC', '--data-dir', log.dir])).code).toBe(2);
    expect((await audit(['verify', '--url', 'http://127.0.0.1:9', ...key])).code).toBe(3);
    expect((await audit(['verify', '--data-dir', join(scratch, 'nowhere')])).code).toBe(3);
    expect((await audit(['verify', '--url', url, '--key', 'not-a-key'])).code).toBe(3);
  });
});
