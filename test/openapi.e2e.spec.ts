import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { startTestApp, type TestApp } from './support/test-app.js';

/** What a browser sends when the address is typed in. */
const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8';

interface LintProblem {
  ruleId: string;
  severity: 'error' | 'warn';
  message: string;
  location: { pointer: string }[];
}

/**
 * Redocly's CLI (its own binary: the package has no JS API) on the document, with its recommended
 * rules, in an empty directory so that no config file nearby changes them; offline (no telemetry).
 */
function redoclyLint(document: unknown): Promise<LintProblem[]> {
  const dir = mkdtempSync(join(tmpdir(), 'openapi-lint-'));
  const file = join(dir, 'openapi.json');
  writeFileSync(file, JSON.stringify(document, null, 2));
  const cli = join(dirname(createRequire(import.meta.url).resolve('@redocly/cli/package.json')), 'bin', 'cli.js');
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [cli, 'lint', '--extends=recommended', '--format=json', file],
      { cwd: dir, env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NODE_OPTIONS: '' }, maxBuffer: 64 << 20 },
      (error, stdout, stderr) => {
        rmSync(dir, { recursive: true, force: true });
        // The CLI exits 1 when it found errors: the JSON report on stdout is what counts.
        try {
          resolve((JSON.parse(stdout) as { problems: LintProblem[] }).problems);
        } catch {
          reject(new Error(`redocly lint gave no report (${error?.message ?? 'no error'}): ${stderr}`));
        }
      },
    );
  });
}

describe('GET /docs', () => {
  let t: TestApp;
  beforeAll(async () => {
    // Without the rate limit: a test below calls every route without a key, more than the failed authentications an address may make in a minute.
    t = await startTestApp({ OVERDUE_WATCHER: 'false', RATE_LIMIT_PER_MINUTE: '0' });
  });
  afterAll(() => t.close({ remove: true }));

  it('documents the reconciliation routes, with the register as CSV or JSON', async () => {
    const doc = (await t.http.get('/docs/openapi.json')).body;
    const post = doc.paths['/units/{unitId}/reconciliations'].post;
    expect(Object.keys(post.requestBody.content)).toEqual(['text/csv', 'application/json']);
    expect(Object.keys(post.responses)).toEqual(expect.arrayContaining(['201', '400', '403', '404', '413', '415']));
    expect(doc.paths['/units/{unitId}/reconciliations'].get.responses['200']).toBeDefined();
    expect(doc.paths['/units/{unitId}/reconciliations/{reconciliationId}'].get.responses['200']).toBeDefined();
  });

  it('documents every command with the schema of the DTO that validates it', async () => {
    const doc = (await t.http.get('/docs/openapi.json')).body;
    for (const path of ['/dossiers', '/dossiers/{id}/transfer', '/dossiers/{id}/resolve', '/units/{unitId}', '/calendar']) {
      expect(Object.keys(doc.paths)).toContain(path);
    }
    const schema = doc.components.schemas.ReceiveDossierBody;
    expect(schema.required).toEqual(expect.arrayContaining(['dossierId', 'procedureCode', 'unitId', 'channel', 'receivedAt']));
    expect(schema.properties.channel.enum).toEqual(['online', 'direct', 'postal']);
    expect(doc.paths['/dossiers'].post.requestBody.content['application/json'].schema.$ref).toBe('#/components/schemas/ReceiveDossierBody');
  });

  it('serves the document as JSON, without a key, at /docs/openapi.json and at /docs for Accept: application/json or no preference', async () => {
    const atFile = await t.http.get('/docs/openapi.json').expect(200);
    expect(atFile.headers['content-type']).toMatch(/^application\/json/);
    expect(atFile.body.openapi).toMatch(/^3\./);
    for (const accept of ['application/json', '*/*', undefined]) {
      const request = t.http.get('/docs');
      const res = await (accept === undefined ? request : request.set('Accept', accept)).expect(200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.headers.vary).toMatch(/accept/i);
      expect(res.body).toEqual(atFile.body);
    }
  });

  it('serves the explorer to a browser, its scripts and styles from the service itself, without a key', async () => {
    const page = await t.http.get('/docs').set('Accept', BROWSER_ACCEPT).expect(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers.vary).toMatch(/accept/i);
    const assets = [...page.text.matchAll(/<(?:script|link)\b[^>]*\b(?:src|href)=['"]([^'"]+)['"]/g)].map((m) => m[1]!);
    const scripts = assets.filter((a) => a.endsWith('.js'));
    const styles = assets.filter((a) => a.endsWith('.css'));
    expect(scripts.length).toBeGreaterThanOrEqual(2);
    expect(styles.length).toBeGreaterThanOrEqual(1);
    const base = new URL('http://service.test/docs');
    for (const asset of assets) {
      const url = new URL(asset, base);
      expect(url.origin).toBe(base.origin); // nothing from a CDN
      const res = await t.http.get(url.pathname).expect(200);
      if (asset.endsWith('.js')) expect(res.headers['content-type']).toMatch(/javascript/);
      if (asset.endsWith('.css')) expect(res.headers['content-type']).toMatch(/^text\/css/);
    }
    // The explorer starts on this service's document (the init script carries it).
    const init = scripts.find((s) => s.includes('swagger-ui-init'));
    expect(init).toBeDefined();
    expect((await t.http.get(new URL(init!, base).pathname)).text).toContain('"/dossiers/{id}/transfer"');
  });

  it('passes redocly lint with its recommended rules: no errors; every operation has a summary, 4xx problems and an example', async () => {
    const doc = (await t.http.get('/docs/openapi.json').expect(200)).body;
    const problems = await redoclyLint(doc);
    const errors = problems.filter((p) => p.severity === 'error');
    const warnings = problems.filter((p) => p.severity !== 'error');
    // eslint-disable-next-line no-console
    console.log(`redocly lint (recommended): ${errors.length} errors, ${warnings.length} warnings${warnings.map((w) => `\n  ${w.ruleId} at ${w.location[0]?.pointer}: ${w.message}`).join('')}`);
    expect(errors.map((e) => `${e.ruleId} at ${e.location[0]?.pointer}: ${e.message}`)).toEqual([]);
    // A warning there, but an example that its own schema refuses would mislead a client's author.
    expect(warnings.filter((w) => w.ruleId === 'no-invalid-media-type-examples').map((w) => `${w.location[0]?.pointer}: ${w.message}`)).toEqual([]);

    const operations = Object.entries(doc.paths as Record<string, Record<string, Operation>>).flatMap(([path, item]) =>
      Object.entries(item).map(([method, op]) => ({ name: `${method.toUpperCase()} ${path}`, op })),
    );
    expect(operations.length).toBeGreaterThanOrEqual(25);
    for (const { name, op } of operations) {
      expect({ name, summary: typeof op.summary === 'string' && op.summary.length > 0 }).toEqual({ name, summary: true });
      const fourxx = Object.keys(op.responses).filter((s) => s.startsWith('4'));
      expect({ name, fourxx: fourxx.length > 0 }).toEqual({ name, fourxx: true });
      for (const status of fourxx) {
        const content = op.responses[status]!.content?.['application/problem+json'];
        expect({ name, status, problem: content?.schema?.$ref ?? content?.schema?.allOf?.[0]?.$ref }).toEqual({ name, status, problem: '#/components/schemas/Problem' });
        expect({ name, status, example: typeof content?.example?.code === 'string' || Object.keys(content?.examples ?? {}).length > 0 }).toEqual({ name, status, example: true });
      }
      const body = op.requestBody?.content?.['application/json'];
      if (body) expect({ name, bodyExample: body.example !== undefined || Object.keys(body.examples ?? {}).length > 0 }).toEqual({ name, bodyExample: true });
    }
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.components.schemas.Problem.required).toEqual(expect.arrayContaining(['type', 'title', 'status', 'detail', 'code']));
  });

  it('says truly which routes need a key: each answers 401 without one, unless it is documented as open', async () => {
    const doc = (await t.http.get('/docs/openapi.json').expect(200)).body;
    let open = 0;
    let requests = 0;
    for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, Operation>>)) {
      for (const [method, op] of Object.entries(item)) {
        const security = op.security ?? doc.security;
        const url = path.replace(/\{[^}]+\}/g, 'HS-1');
        const res = await t.http[method as 'get' | 'post' | 'put'](url).set('X-Forwarded-For', `198.51.100.${++requests}`);
        if (Array.isArray(security) && security.length === 0) {
          open++;
          expect({ method, path, status: res.status }).not.toEqual({ method, path, status: 401 });
        } else {
          expect(security).toEqual([{ bearer: [] }]);
          expect({ method, path, status: res.status, code: res.body.code }).toEqual({ method, path, status: 401, code: 'UNAUTHENTICATED' });
          expect(Object.keys(op.responses)).toContain('401');
        }
      }
    }
    expect(open).toBeGreaterThanOrEqual(1); // /health
  });
});

interface MediaType {
  schema?: { $ref?: string; allOf?: { $ref?: string }[] };
  example?: { code?: string };
  examples?: Record<string, unknown>;
}
interface Operation {
  summary?: string;
  security?: unknown[];
  responses: Record<string, { content?: Record<string, MediaType> }>;
  requestBody?: { content?: Record<string, { example?: unknown; examples?: Record<string, unknown> }> };
}
