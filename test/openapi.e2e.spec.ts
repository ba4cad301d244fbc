import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestApp, type TestApp } from './support/test-app.js';

describe('GET /docs', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ OVERDUE_WATCHER: 'false' });
  });
  afterAll(() => t.close({ remove: true }));

  it('documents every command with the schema of the DTO that validates it', async () => {
    const doc = (await t.http.get('/docs')).body;
    for (const path of ['/dossiers', '/dossiers/{id}/transfer', '/dossiers/{id}/resolve', '/units/{unitId}', '/calendar']) {
      expect(Object.keys(doc.paths)).toContain(path);
    }
    const schema = doc.components.schemas.ReceiveDossierBody;
    expect(schema.required).toEqual(expect.arrayContaining(['dossierId', 'procedureCode', 'unitId', 'channel', 'receivedAt']));
    expect(schema.properties.channel.enum).toEqual(['online', 'direct', 'postal']);
    expect(doc.paths['/dossiers'].post.requestBody.content['application/json'].schema.$ref).toBe('#/components/schemas/ReceiveDossierBody');
  });
});
