/**
 * The service as operators start it (src/main.ts in a child process): a first start without a key
 * file creates it and writes the keys to a 0600 file (stdout is no terminal here), which then work; a malformed file stops the start with a
 * message naming the entry and the fault; SIGHUP re-reads a rotated file.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { tempDataDir } from '../support/test-app.js';

interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function start(env: Record<string, string>): Started {
  const child = spawn(process.execPath, ['--import', './test/support/register-ts.mjs', 'src/main.ts'], {
    env: { PATH: process.env.PATH, SEED_DEMO: 'false', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function until(condition: () => boolean, what: () => string, ms = 25_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting: ${what()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('starting the service', () => {
  const dirs: string[] = [];
  const children: ChildProcess[] = [];
  afterAll(async () => {
    const running = children.filter((child) => child.exitCode === null && child.signalCode === null);
    for (const child of running) child.kill('SIGTERM');
    await Promise.all(running.map((child) => new Promise((resolve) => child.on('exit', resolve))));
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('creates a key file on first start, writes one key per role once to a 0600 file (no terminal), and the keys work', async () => {
    const dataDir = tempDataDir();
    dirs.push(dataDir);
    const port = await freePort();
    const s = start({ DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1' });
    children.push(s.child);
    await until(() => s.output().includes('"listening"') || s.child.exitCode !== null, s.output);
    expect(s.child.exitCode).toBeNull();

    const file = join(dataDir, 'api-keys.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const announcement = s.output().split('\n').map((line) => { try { return JSON.parse(line) as { initialKeysFile?: string }; } catch { return {}; } }).find((entry) => entry.initialKeysFile);
    expect(announcement!.initialKeysFile).toBe(join(dataDir, 'initial-keys.txt'));
    expect(statSync(announcement!.initialKeysFile!).mode & 0o777).toBe(0o600);
    const keys = Object.fromEntries([...readFileSync(announcement!.initialKeysFile!, 'utf8').matchAll(/(\w+)\s+initial-\w+\s+([A-Za-z0-9_-]{43})/g)].map((m) => [m[1]!, m[2]!]));
    for (const key of Object.values(keys)) expect(s.output()).not.toContain(key);
    expect(Object.keys(keys).sort()).toEqual(['admin', 'auditor', 'integrator', 'supervisor']);

    const base = `http://127.0.0.1:${port}`;
    const get = (path: string, key?: string) => fetch(base + path, { headers: key ? { authorization: `Bearer ${key}` } : {} });
    expect((await get('/health')).status).toBe(200);
    expect((await get('/calendar')).status).toBe(401);
    for (const key of Object.values(keys)) expect((await get('/calendar', key)).status).toBe(200);
    const put = await fetch(`${base}/units/P`, { method: 'PUT', headers: { authorization: `Bearer ${keys.admin}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Province', level: 'province' }) });
    expect(put.status).toBe(200);
    expect((await fetch(`${base}/units/P`, { method: 'PUT', headers: { authorization: `Bearer ${keys.supervisor}`, 'content-type': 'application/json' }, body: '{}' })).status).toBe(403);

    // Rotation: a new key in the file; SIGHUP re-reads it at once (without waiting for a request).
    const entries = JSON.parse(readFileSync(file, 'utf8')) as object[];
    writeFileSync(file, JSON.stringify([...entries, { key: 'rotated-in-supervisor-key', role: 'supervisor', name: 'rotated' }]));
    s.child.kill('SIGHUP');
    await until(() => s.output().includes('API key file reloaded'), s.output);
    expect((await get('/calendar', 'rotated-in-supervisor-key')).status).toBe(200);
    expect((await get('/calendar', keys.supervisor)).status).toBe(200);

    s.child.kill('SIGTERM');
    expect(await s.exited).toBe(0);
  });

  it('refuses to start on a malformed key file, naming the entry and the fault', async () => {
    const dataDir = tempDataDir();
    dirs.push(dataDir);
    writeFileSync(join(dataDir, 'api-keys.json'), JSON.stringify([{ key: 'a-good-long-enough-key', role: 'integrator' }, { key: 'another-long-enough-key', role: 'superuser' }]));
    const s = start({ DATA_DIR: dataDir, PORT: String(await freePort()), HOST: '127.0.0.1' });
    children.push(s.child);
    const code = await s.exited;
    expect(code).not.toBe(0);
    expect(s.output()).toContain('entry 1: \\"role\\" must be one of integrator, supervisor, auditor, admin, reader, not \\"superuser\\"');
    expect(s.output()).not.toContain('"listening"');
  });
});
