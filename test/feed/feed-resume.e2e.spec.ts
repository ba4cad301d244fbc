/**
 * A consumer that resumes from the last position it saw never loses or repeats an event, also
 * when the service stops in between and another starts on the same data directory: by pages
 * (`after`) and by a live stream (`Last-Event-ID`).
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { FakeClock } from '../support/fake-clock.js';
import { auth, startTestApp, TEST_KEYS, tempDataDir, type TestApp } from '../support/test-app.js';
import { command } from '../supervision/support/scenario.js';
import { SseClient } from '../supervision/support/sse.js';
import { feed, type FeedLine, listen, readToEnd, storedLog } from './support.js';

const clock = new FakeClock('2026-12-07T03:00:00Z');
const ago = (ms: number) => new Date(clock.now().getTime() - ms).toISOString();
const receive = (dossierId: string) => ({ dossierId, procedureCode: 'HT-KHAISINH', unitId: 'HUYEN-AN.XA1', channel: 'online', receivedAt: ago(60_000) });

describe('GET /feed across a restart', () => {
  const dir = tempDataDir();
  let t: TestApp | undefined;
  afterAll(() => t?.close({ remove: true }));

  it('resumed from the last position seen, pages and streams deliver the log exactly once', async () => {
    t = await startTestApp({}, dir, { clock });
    let port = await listen(t);
    for (let i = 0; i < 5; i++) await command(t, '/dossiers', receive(`R-${i}`));

    // A page consumer reads two small pages; a stream consumer follows the log.
    const paged: FeedLine[] = [];
    let next = 0;
    for (let i = 0; i < 2; i++) {
      const page = await feed(port, TEST_KEYS.reader, `?after=${next}&limit=4`);
      paged.push(...page.lines);
      next = page.next;
    }
    const stream = new SseClient(port, '/feed', auth('reader'));
    const beforeStop = await command(t, '/dossiers/R-0/transfer', { toUnitId: 'HUYEN-AN.XA2', allottedWorkingHours: 8, occurredAt: ago(30_000) });
    await stream.waitForPosition(beforeStop.position);
    for (let i = 5; i < 8; i++) await command(t, '/dossiers', receive(`R-${i}`));

    // The service stops (the stream ends), another starts on the same directory.
    await t.close();
    await stream.waitForEnd();
    const lastSeen = stream.events[stream.events.length - 1].id!;
    t = await startTestApp({}, dir, { clock });
    port = await listen(t);
    for (let i = 8; i < 10; i++) await command(t, '/dossiers', receive(`R-${i}`));

    paged.push(...(await readToEnd(port, TEST_KEYS.reader, next, 4)).lines);
    const resumed = new SseClient(port, '/feed?after=0', { ...auth('reader'), 'Last-Event-ID': lastSeen });
    const log = await storedLog(t);
    await resumed.waitForPosition(log[log.length - 1].position);
    resumed.close();

    expect(paged).toEqual(log);
    expect([...stream.events, ...resumed.events].map((e) => e.data)).toEqual(log);
    expect(log.filter((e) => e.type === 'DossierReceived').length).toBe(10);
  });
});
