/**
 * How the service serves the dashboard (without a browser): the page and its assets at / without a
 * key, with their caching and security headers; nothing else becomes public; and GET /me, which
 * the page uses to show only what the key reaches.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import Fastify from 'fastify';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { dashboardDir, mountDashboard } from '../../src/dashboard/dashboard.js';
import { startTestApp, tempDataDir, type TestApp } from '../support/test-app.js';

describe('the dashboard as served', () => {
  let t: TestApp;

  beforeAll(async () => {
    if (!existsSync(join(dashboardDir(), 'index.html'))) throw new Error('the dashboard is not built: run `npm run build:web` (npm test does)');
    t = await startTestApp({}, tempDataDir(), { extraKeys: [{ key: 'test-district-key', role: 'supervisor', units: ['HUYEN-AN'], name: 'huyen-an' }] });
  });
  afterAll(async () => {
    await t.close({ remove: true });
  });

  it('serves the page at / without a key, never cached, under a strict content security policy', async () => {
    const page = await t.http.get('/').expect(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.headers['cache-control']).toBe('no-cache');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(page.text).toContain('<div id="app">');
    // Its script and stylesheet, named by content hash, come from this service and are cached for good.
    const assets = [...page.text.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]);
    expect(assets.length).toBeGreaterThanOrEqual(2);
    for (const asset of assets) {
      const answer = await t.http.get(asset).expect(200);
      expect(answer.headers['cache-control']).toContain('immutable');
      expect(answer.headers['x-content-type-options']).toBe('nosniff');
    }
    expect(page.text).not.toMatch(/https?:\/\//);
  });

  it('makes nothing else public: API routes still need a key, unknown paths are 404 problems', async () => {
    await t.http.get('/units').expect(401);
    await t.http.get('/me').expect(401);
    const missing = await t.http.get('/assets/not-there.js').expect(404);
    expect(missing.headers['content-type']).toContain('application/problem+json');
    await t.http.get('/no-such-route').expect(404);
  });

  it('GET /me answers the key\'s name, role and units (null: all units)', async () => {
    expect((await t.as('supervisor').get('/me').expect(200)).body).toEqual({ name: 'test-supervisor', role: 'supervisor', units: null });
    expect((await t.as('integrator').get('/me').expect(200)).body).toEqual({ name: 'test-integrator', role: 'integrator', units: null });
    expect((await t.as({ key: 'test-district-key' }).get('/me').expect(200)).body).toEqual({ name: 'huyen-an', role: 'supervisor', units: ['HUYEN-AN'] });
    await t.as({ key: 'not-a-key' }).get('/me').expect(401);
  });

  it('answers / with a 503 problem saying how to build the page when it was not built', async () => {
    // mountDashboard only needs the Fastify instance: a bare one, given an empty directory.
    const dir = mkdtempSync(join(tmpdir(), 'dossier-test-'));
    const fastify = Fastify();
    try {
      mountDashboard({ getHttpAdapter: () => ({ getInstance: () => fastify }) } as unknown as NestFastifyApplication, dir);
      await fastify.ready();
      const answer = await request(fastify.server).get('/').expect(503);
      expect(answer.headers['content-type']).toContain('application/problem+json');
      expect(answer.body.detail).toContain('npm run build');
    } finally {
      await fastify.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
