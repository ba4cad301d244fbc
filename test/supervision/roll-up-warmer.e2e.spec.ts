import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Projector } from '../../src/projections/projector.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

describe('report roll-ups at start', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close({ remove: true }));

  it('are built for the top of the unit tree once the read models caught up, before any report asks', async () => {
    const projector = t.app.get(Projector);
    await projector.whenCaughtUp(); // the warmer's turn comes before this one's
    // The demo province: PROVINCE is the only unit at the top with a subtree big enough for a roll-up.
    expect(projector.dossiers.index.rollUpList().map((r) => r.root)).toEqual(['PROVINCE']);
  });
});
