import { afterAll, describe, expect, it } from '@jest/globals';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SqliteEventStore } from '../../src/event-store/sqlite/sqlite-event-store.js';
import { TEST_KEYS, tempDataDir } from '../support/test-app.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/** Starts `src/main.ts` as `npm start` would (on the TypeScript sources), and waits until it listens; without the demo year (seconds per start, tested in test/catalog). */
async function startService(dataDir: string, port: number): Promise<{ proc: ChildProcess; output: () => string }> {
  const proc = spawn(process.execPath, ['--import', './test/support/register-ts.mjs', 'src/main.ts'], {
    cwd: repoRoot,
    env: { ...process.env, NODE_OPTIONS: '', PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'info', SEED_DEMO_HISTORY: 'false' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  proc.stderr!.on('data', (b: Buffer) => (out += b.toString()));
  const deadline = Date.now() + 30_000;
  while (!out.includes('"msg":"listening"')) {
    if (proc.exitCode !== null || Date.now() > deadline) throw new Error(`service did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { proc, output: () => out };
}

/** Starts the service as `startService` does, on a pseudo-terminal (`script`), as `npm start` in a terminal is. */
function onTerminal(dataDir: string, port: number): { proc: ChildProcess; output: () => string } {
  const command = `exec ${JSON.stringify(process.execPath)} --import ./test/support/register-ts.mjs src/main.ts`;
  const proc = spawn('script', ['-qfec', command, '/dev/null'], {
    cwd: repoRoot,
    env: { ...process.env, NODE_OPTIONS: '', PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'info', SEED_DEMO_HISTORY: 'false' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  proc.stderr!.on('data', (b: Buffer) => (out += b.toString()));
  return { proc, output: () => out.replace(/\r/g, '') };
}

const exited = (proc: ChildProcess) => new Promise<number | null>((resolve) => (proc.exitCode !== null ? resolve(proc.exitCode) : proc.on('exit', (code) => resolve(code))));

describe('the service process', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('starts on an empty data directory, creates its key file, answers /health, and the printed keys work', async () => {
    const dataDir = tempDataDir();
    dirs.push(dataDir);
    const port = await freePort();
    const { proc, output } = await startService(dataDir, port);
    try {
      const health = await fetch(`http://127.0.0.1:${port}/health`);
      expect(health.status).toBe(200);
      const keysFile = join(dataDir, 'api-keys.json');
      expect(existsSync(keysFile)).toBe(true);
      expect(statSync(keysFile).mode & 0o777).toBe(0o600);
      expect(readFileSync(keysFile, 'utf8')).not.toMatch(/"key"\s*:/);
      // The file keeps only hashes. Without a terminal the keys go once to a 0600 file whose path
      // is logged; the log never holds them.
      const initialKeys = join(dataDir, 'initial-keys.txt');
      expect(statSync(initialKeys).mode & 0o777).toBe(0o600);
      expect(output()).toContain(initialKeys);
      const printed = { keys: [...readFileSync(initialKeys, 'utf8').matchAll(/(\w+)\s+initial-\w+\s+([A-Za-z0-9_-]{43})/g)].map((m) => ({ role: m[1]!, key: m[2]! })) };
      expect(printed.keys).toHaveLength(4);
      for (const { key } of printed.keys) expect(output()).not.toContain(key);
      const integrator = printed.keys.find((k) => k.role === 'integrator')!;
      const res = await fetch(`http://127.0.0.1:${port}/dossiers`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${integrator.key}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ dossierId: 'HS-1', procedureCode: 'DN-THANHLAP', unitId: 'TTPVHCC', channel: 'online', receivedAt: '2025-03-03T09:00:00+07:00' }),
      });
      expect(res.status).toBe(201);
      expect((await fetch(`http://127.0.0.1:${port}/units`)).status).toBe(401);
    } finally {
      proc.kill('SIGTERM');
      expect(await exited(proc)).toBe(0);
    }
  });

  it('on SIGTERM finishes the commands in flight: every acknowledged dossier is in the store afterwards', async () => {
    const dataDir = tempDataDir();
    dirs.push(dataDir);
    writeFileSync(join(dataDir, 'api-keys.json'), JSON.stringify([{ key: TEST_KEYS.integrator, role: 'integrator', name: 'it' }]), { mode: 0o600 });
    const port = await freePort();
    const { proc } = await startService(dataDir, port);
    const send = (i: number) =>
      fetch(`http://127.0.0.1:${port}/dossiers`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${TEST_KEYS.integrator}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ dossierId: `HS-${i}`, procedureCode: 'DN-THANHLAP', unitId: 'TTPVHCC', channel: 'online', receivedAt: '2025-03-03T09:00:00+07:00' }),
      }).then((r) => ({ i, status: r.status }), () => ({ i, status: 0 }));
    const inFlight = Array.from({ length: 100 }, (_, i) => send(i));
    // Once the service acknowledges commands (after its start-up work), a second wave, and the
    // signal while it is in flight.
    await new Promise<void>((resolve) => {
      for (const p of inFlight) void p.then((r) => r.status === 201 && resolve());
      void Promise.all(inFlight).then(() => resolve());
    });
    inFlight.push(...Array.from({ length: 100 }, (_, i) => send(100 + i)));
    await new Promise((r) => setTimeout(r, 5));
    proc.kill('SIGTERM');
    const results = await Promise.all(inFlight);
    expect(await exited(proc)).toBe(0);
    const acknowledged = results.filter((r) => r.status === 201).map((r) => `dossier-HS-${r.i}`);
    expect(acknowledged.length).toBeGreaterThan(0);
    const store = SqliteEventStore.open({ file: join(dataDir, 'events.db') });
    try {
      for (const stream of acknowledged) {
        // (the overdue watcher may have marked these 2025 dossiers too)
        expect((await store.readStream(stream)).filter((e) => e.type === 'DossierReceived')).toHaveLength(1);
      }
    } finally {
      await store.close();
    }
  });

  it('on a terminal: a banner with the URLs, the data directory and the generated keys by role; no key file written beside', async () => {
    const dataDir = tempDataDir();
    dirs.push(dataDir);
    const port = await freePort();
    const { proc, output } = onTerminal(dataDir, port);
    try {
      const deadline = Date.now() + 30_000;
      while (!output().includes('Stop with Ctrl+C.')) {
        if (proc.exitCode !== null || Date.now() > deadline) throw new Error(`no banner:\n${output()}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      const text = output();
      expect(text).toContain(`API explorer  http://127.0.0.1:${port}/docs\n`);
      expect(text).toContain(`health        http://127.0.0.1:${port}/health\n`);
      expect(text).toContain(`dashboard     http://127.0.0.1:${port}/\n`);
      expect(text).toContain(`data          ${dataDir}\n`);
      const keys = [...text.matchAll(/^ {4}(\w+) +([A-Za-z0-9_-]{43})$/gm)].map((m) => ({ role: m[1]!, key: m[2]! }));
      expect(keys.map((k) => k.role).sort()).toEqual(['admin', 'auditor', 'integrator', 'supervisor']);
      // Shown once, on the terminal only: no initial-keys.txt, and the file keeps hashes.
      expect(existsSync(join(dataDir, 'initial-keys.txt'))).toBe(false);
      expect(readFileSync(join(dataDir, 'api-keys.json'), 'utf8')).not.toContain(keys[0]!.key);
      const res = await fetch(`http://127.0.0.1:${port}/units`, { headers: { Authorization: `Bearer ${keys.find((k) => k.role === 'auditor')!.key}` } });
      expect(res.status).toBe(200);
      // Ctrl+C at the terminal stops the service cleanly.
      proc.stdin!.write('\x03');
      expect(await exited(proc)).toBe(0);
    } finally {
      if (proc.exitCode === null) proc.kill('SIGKILL');
    }
  });

  it('on a terminal, a start that fails after creating the keys still shows them (they are never lost)', async () => {
    const dataDir = tempDataDir();
    dirs.push(dataDir);
    // The port is taken: the service builds (and creates its key file), then cannot listen.
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const { proc, output } = onTerminal(dataDir, port);
      expect(await exited(proc)).toBe(1);
      expect(output()).toMatch(/failed to start/);
      const keys = [...output().matchAll(/initial-(\w+)\s+([A-Za-z0-9_-]{43})/g)].map((m) => m[1]);
      expect(keys.sort()).toEqual(['admin', 'auditor', 'integrator', 'supervisor']);
      expect(existsSync(join(dataDir, 'api-keys.json'))).toBe(true);
    } finally {
      blocker.close();
    }
  });
});
