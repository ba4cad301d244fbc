import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { auth, startTestApp, tempDataDir, type TestApp } from '../support/test-app.js';
import { SseClient } from '../supervision/support/sse.js';

describe('live streams of a revoked key', () => {
  const district = { key: 'district-an-supervisor-key', role: 'supervisor' as const, units: ['HUYEN-AN'], name: 'district-an' };
  const reader = { key: 'revocable-reader-api-key', role: 'reader' as const, name: 'downstream' };
  const narrowed = { key: 'district-binh-supervisor-key', role: 'supervisor' as const, units: ['HUYEN-BINH'], name: 'district-binh' };
  const dataDir = tempDataDir();
  const keyFile = join(dataDir, 'api-keys.json');
  let t: TestApp;
  let port: number;
  const clients: SseClient[] = [];
  const open = (path: string, who: { key: string } | 'supervisor') => {
    const c = new SseClient(port, path, auth(who));
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    t = await startTestApp({}, dataDir, { extraKeys: [district, reader, narrowed] });
    await t.app.listen(0, '127.0.0.1');
    port = (t.app.getHttpServer().address() as AddressInfo).port;
  });
  afterAll(async () => {
    clients.forEach((c) => c.close());
    await t.close({ remove: true });
  });

  /** Rewrites the key file without the entries `drop` picks (as an operator revoking a key would). */
  const revoke = (drop: (entry: { name?: string; units?: string[] }) => boolean, change?: (entry: { name?: string; units?: string[] }) => void) => {
    const entries = (JSON.parse(readFileSync(keyFile, 'utf8')) as { name?: string; units?: string[] }[]).filter((e) => !drop(e));
    entries.forEach((e) => change?.(e));
    writeFileSync(keyFile, JSON.stringify(entries));
  };

  it('ends a report stream and a feed stream once their keys leave the key file; other streams go on', async () => {
    const report = open('/units/HUYEN-AN/timeliness/live', { key: district.key });
    const feed = open('/feed', { key: reader.key });
    const other = open('/units/HUYEN-AN/timeliness/live', 'supervisor');
    await report.waitFor(1);
    await other.waitFor(1);
    await feed.connected;
    expect([report.status, feed.status, other.status]).toEqual([200, 200, 200]);

    revoke((e) => e.name === district.name || e.name === reader.name);
    await report.waitForEnd(10_000);
    await feed.waitForEnd(10_000);
    // Both ended in the same pass over the open streams: the one whose key stays was looked at too.
    expect(other.ended).toBe(false);
    expect((await t.http.get('/units/HUYEN-AN/timeliness').set(auth({ key: district.key }))).status).toBe(401);
    const metrics = await t.http.get('/metrics').set(auth('admin'));
    expect(metrics.text).toMatch(/live_streams_ended_revoked_total 2/);
  });
});
