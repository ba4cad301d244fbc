/**
 * GET /feed (issue 26, item 4): the log for downstream systems, as NDJSON pages and as a live
 * Server-Sent Event stream, for auditors and reader keys, filtered by a key's units. Over real
 * HTTP against the real service and store.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { FakeClock } from '../support/fake-clock.js';
import { auth, startTestApp, TEST_KEYS, type TestApp } from '../support/test-app.js';
import { command } from '../supervision/support/scenario.js';
import { SseClient } from '../supervision/support/sse.js';
import { feed, type FeedLine, listen, readToEnd, storedLog } from './support.js';

/** Fixed: a receive a minute before now is never overdue, so the watcher appends nothing. */
const clock = new FakeClock('2026-12-07T03:00:00Z');
const ago = (ms: number) => new Date(clock.now().getTime() - ms).toISOString();
const receive = (dossierId: string, unitId: string) => ({ dossierId, procedureCode: 'HT-KHAISINH', unitId, channel: 'direct', receivedAt: ago(60_000) });
const transfer = (toUnitId: string) => ({ toUnitId, allottedWorkingHours: 8, occurredAt: ago(30_000) });

const READER_AN = 'reader-huyen-an-api-key';
const READER_BINH = 'reader-huyen-binh-api-key';
const AUDITOR_AN = 'auditor-huyen-an-api-key';
async function until(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
const positions = (lines: { position: number }[]) => lines.map((l) => l.position);

describe('GET /feed', () => {
  let t: TestApp;
  let port: number;
  const clients: SseClient[] = [];
  const open = (path: string, key: string, headers: Record<string, string> = {}) => {
    const c = new SseClient(port, path, { ...auth({ key }), ...headers });
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    t = await startTestApp({ LIVE_STREAMS_PER_KEY: '2' }, undefined, {
      clock,
      extraKeys: [
        { key: READER_AN, role: 'reader', units: ['HUYEN-AN'], name: 'portal-huyen-an' },
        { key: READER_BINH, role: 'reader', units: ['HUYEN-BINH'], name: 'portal-huyen-binh' },
        { key: AUDITOR_AN, role: 'auditor', units: ['HUYEN-AN'], name: 'auditor-huyen-an' },
      ],
    });
    port = await listen(t);
    // A dossier of each district; the one from HUYEN-BINH is handed on into HUYEN-AN.
    await command(t, '/dossiers', receive('AN-1', 'HUYEN-AN.XA1'));
    await command(t, '/dossiers', receive('BINH-1', 'HUYEN-BINH.XA1'));
    await command(t, '/dossiers/AN-1/transfer', transfer('HUYEN-AN.XA2'));
    await command(t, '/dossiers/BINH-1/transfer', transfer('HUYEN-AN.XA2'));
  });
  afterAll(async () => {
    clients.forEach((c) => c.close());
    await t.close({ remove: true });
  });

  it('answers the whole log in position order as NDJSON, each event as stored', async () => {
    const stored = await storedLog(t);
    const page = await feed(port, TEST_KEYS.reader, '?limit=10000');
    expect(page.status).toBe(200);
    expect(page.type).toBe('application/x-ndjson; charset=utf-8');
    expect(page.lines).toEqual(stored);
    expect(page.lines.length).toBeGreaterThan(4); // the demo province's reference data, then the dossiers
    expect(page.next).toBe(stored[stored.length - 1].position);
    expect((await feed(port, TEST_KEYS.auditor, '?limit=10000')).lines).toEqual(stored);
    // Metadata says who acted by name; no key of the service appears anywhere.
    for (const key of [...Object.values(TEST_KEYS), READER_AN, READER_BINH, AUDITOR_AN]) expect(page.text).not.toContain(key);
  });

  it('pages with after and limit: each page starts after the last one, nothing lost or repeated', async () => {
    const stored = await storedLog(t);
    const first = await feed(port, TEST_KEYS.reader, '?limit=3');
    expect(positions(first.lines)).toEqual(positions(stored.slice(0, 3)));
    expect(first.next).toBe(stored[2].position);
    const middle = stored[Math.floor(stored.length / 2)].position;
    const after = await feed(port, TEST_KEYS.reader, `?after=${middle}&limit=2`);
    expect(positions(after.lines)).toEqual(positions(stored.filter((e) => e.position > middle).slice(0, 2)));
    expect((await readToEnd(port, TEST_KEYS.reader, 0, 7)).lines).toEqual(stored);
    // Past the head: an empty answer that says where to go on from.
    const head = stored[stored.length - 1].position;
    const end = await feed(port, TEST_KEYS.reader, `?after=${head}`);
    expect([end.status, end.text, end.next]).toEqual([200, '', head]);
    // The default page is 1,000 events.
    expect((await feed(port, TEST_KEYS.reader)).lines).toEqual(stored.slice(0, 1000));
  });

  it("shows a key limited to units the dossiers its units received, all their events, and nothing else", async () => {
    const stored = await storedLog(t);
    const of = (id: string) => stored.filter((e) => e.streamId === `dossier-${id}`);
    for (const key of [READER_AN, AUDITOR_AN]) expect((await readToEnd(port, key)).lines).toEqual(of('AN-1'));
    // BINH-1 now sits in HUYEN-AN.XA2: still HUYEN-BINH's (the unit that received it), never HUYEN-AN's.
    expect((await readToEnd(port, READER_BINH)).lines).toEqual(of('BINH-1'));
    // From past a dossier's reception, its later events are still recognised as the key's.
    const received = of('AN-1')[0].position;
    expect((await readToEnd(port, READER_AN, received)).lines).toEqual(of('AN-1').slice(1));
    // A page over the other district's events only is empty, and moves past them.
    const binhTransfer = of('BINH-1')[1].position;
    const page = await feed(port, READER_AN, `?after=${binhTransfer - 1}&limit=5`);
    expect(page.lines).toEqual([]);
    expect(page.next).toBeGreaterThanOrEqual(binhTransfer);
  });

  it('streams with Accept: text/event-stream from a position, then a command appended after connecting', async () => {
    const stored = await storedLog(t);
    const head = stored[stored.length - 1].position;
    const fromStart = open('/feed', TEST_KEYS.reader);
    await fromStart.waitForPosition(head);
    expect(fromStart.contentType).toBe('text/event-stream');
    expect(fromStart.events.map((e) => [Number(e.id), e.data])).toEqual(stored.map((e) => [e.position, e]));

    const live = open(`/feed?after=${head}`, TEST_KEYS.auditor);
    await live.connected;
    const { position } = await command(t, '/dossiers', receive('LIVE-1', 'HUYEN-BINH.XA2'));
    // Barrier: the command's event is the first the stream is sent; nothing came before it.
    const event = await live.waitForPosition(position);
    expect(live.events).toEqual([event]);
    expect(event.data).toMatchObject({ position, streamId: 'dossier-LIVE-1', type: 'DossierReceived', data: { unitId: 'HUYEN-BINH.XA2' } });
    await fromStart.waitForPosition(position);
    live.close();
    fromStart.close();
  });

  it("streams to a key limited to units only its units' dossier events; Last-Event-ID resumes", async () => {
    const binh = open('/feed', READER_BINH);
    const an = open('/feed', READER_AN);
    await binh.connected;
    await an.connected;
    const other = await command(t, '/dossiers/AN-1/transfer', transfer('HUYEN-AN.XA3'));
    const own = await command(t, '/dossiers', receive('BINH-2', 'HUYEN-BINH.XA1'));
    await binh.waitForPosition(own.position);
    await an.waitForPosition(other.position);
    const streams = (c: SseClient) => [...new Set(c.events.map((e) => (e.data as FeedLine).streamId))];
    expect(streams(binh)).toEqual(['dossier-BINH-1', 'dossier-LIVE-1', 'dossier-BINH-2']);
    expect(streams(an)).toEqual(['dossier-AN-1']);
    // An id alone moves the HUYEN-AN client's Last-Event-ID past HUYEN-BINH's event (no event dispatched).
    await until(() => an.lastEventId === String(own.position), "HUYEN-AN's stream to be moved past the other district's event");
    expect(an.events.map((e) => Number(e.id))).not.toContain(own.position);
    binh.close();
    an.close();

    // An EventSource reconnects with its first URL and the last id it was sent.
    const stored = await storedLog(t);
    const resumed = open('/feed?after=0', READER_BINH, { 'Last-Event-ID': String(other.position - 1) });
    const marker = await command(t, '/dossiers/BINH-2/transfer', transfer('HUYEN-BINH.XA2'));
    await resumed.waitForPosition(marker.position);
    const since = stored.filter((e) => e.position >= other.position && e.streamId === 'dossier-BINH-2');
    expect(resumed.events.map((e) => e.data)).toEqual([...since, expect.objectContaining({ position: marker.position })]);
    resumed.close();
  });

  it('limits open streams per key like the live reports (429 problem+json)', async () => {
    const held = [open('/feed?after=0', READER_AN), open('/feed?after=0', READER_AN)];
    for (const c of held) await c.connected;
    expect(held.map((c) => c.status)).toEqual([200, 200]);
    const refused = await feed(port, READER_AN, '', { accept: 'text/event-stream' });
    expect(refused.status).toBe(429);
    expect(refused.type).toContain('application/problem+json');
    expect(JSON.parse(refused.text)).toMatchObject({ code: 'LIVE_STREAMS_LIMITED' });
    // Another key has places of its own; NDJSON pages take none.
    expect((await feed(port, READER_AN, '?limit=1')).status).toBe(200);
    const another = open('/feed?after=0', READER_BINH);
    await another.connected;
    expect(another.status).toBe(200);
    [...held, another].forEach((c) => c.close());
  });

  it('refuses a reader key everywhere else with 403, and other roles than auditors the feed', async () => {
    const reader = t.as('reader');
    for (const res of [
      await reader.get('/dossiers'),
      await reader.get('/dossiers/AN-1'),
      await reader.get('/dossiers/AN-1/events'),
      await reader.get('/units'),
      await reader.get('/units/HUYEN-AN/timeliness'),
      await reader.get('/me'),
      await reader.get('/metrics'),
      await reader.post('/dossiers').send(receive('NOPE-1', 'HUYEN-AN.XA1')),
      await t.as('supervisor').get('/feed'),
      await t.as('integrator').get('/feed'),
    ]) {
      expect([res.status, res.headers['content-type'], res.body.code]).toEqual([403, 'application/problem+json; charset=utf-8', 'FORBIDDEN']);
    }
  });

  it.each([
    ['?after=-1', 'after'],
    ['?after=abc', 'after'],
    ['?after=1.5', 'after'],
    ['?after=1&after=2', 'after'],
    ['?limit=0', 'limit'],
    ['?limit=10001', 'limit'],
    ['?limit=ten', 'limit'],
  ])('answers %s with 400 problem+json naming the parameter', async (query, field) => {
    for (const accept of ['application/x-ndjson', 'text/event-stream']) {
      const res = await feed(port, TEST_KEYS.reader, query, { accept });
      expect([res.status, res.type]).toEqual([400, 'application/problem+json; charset=utf-8']);
      expect(JSON.parse(res.text)).toMatchObject({ code: 'VALIDATION_FAILED', errors: [expect.objectContaining({ field })] });
    }
  });

  it('answers a Last-Event-ID that is not a position with 400', async () => {
    const res = await feed(port, TEST_KEYS.reader, '', { accept: 'text/event-stream', 'last-event-id': 'yesterday' });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text).errors[0].field).toBe('Last-Event-ID');
  });
});
