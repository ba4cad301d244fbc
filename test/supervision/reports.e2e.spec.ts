import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestApp, type TestApp } from '../support/test-app.js';

describe('smoke', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close({ remove: true }));

  it('receives and reports', async () => {
    const res = await t.as('integrator').post('/dossiers').send({
      dossierId: 'D-1', procedureCode: 'HT-KHAISINH', unitId: 'HUYEN-AN.XA1', channel: 'online', receivedAt: '2026-03-03T09:00:00+07:00',
    });
    console.log(res.status, res.body);
    const rep = await t.as('supervisor').get(`/units/PROVINCE/timeliness?from=2026-01-01T00:00:00%2B07:00&minPosition=${res.body.position}`);
    console.log(rep.status, JSON.stringify(rep.body));
    const st = await t.as('admin').get('/projections/status');
    console.log(st.status, JSON.stringify(st.body));
  });
});
