import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { eventHash, GENESIS, splitHash, splitStoredHash } from '../../src/audit/hash-chain.js';
import { chainRows } from '../../src/event-store/chained-rows.js';

const json = fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 6 });

describe('the hash chain (src/audit/hash-chain.ts)', () => {
  it("chains each event of an append to the one before it, the first to the stream's last", () => {
    const events = [
      { id: 'e1', type: 'DossierReceived', data: { n: 1 }, metadata: { actor: 'a' } },
      { id: 'e2', type: 'DossierTransferred', data: { n: 2 } },
    ];
    const [first, second] = chainRows('dossier-HS-1', 4, 'before', events);
    expect(first.hash).toBe(eventHash('before', { streamId: 'dossier-HS-1', revision: 5, id: 'e1', type: 'DossierReceived', dataJson: '{"n":1}', metadataJson: '{"actor":"a"}' }));
    expect(second.hash).toBe(eventHash(first.hash, { streamId: 'dossier-HS-1', revision: 6, id: 'e2', type: 'DossierTransferred', dataJson: '{"n":2}', metadataJson: '{}' }));
    expect(JSON.parse(second.metadata)).toEqual({ hash: second.hash });
    expect(chainRows('dossier-HS-1', -1, undefined, events)[0].hash).not.toBe(first.hash);
  });

  it('a caller\'s own `hash` in metadata is not kept: the stored one is the chain\'s', () => {
    const [row] = chainRows('s', -1, undefined, [{ id: 'e', type: 'T', data: {}, metadata: { hash: 'forged', actor: 'x' } }]);
    expect(JSON.parse(row.metadata)).toEqual({ actor: 'x', hash: row.hash });
    expect(row.hash).toBe(eventHash(GENESIS, { streamId: 's', revision: 0, id: 'e', type: 'T', dataJson: '{}', metadataJson: '{"actor":"x"}' }));
  });

  it('reads stored metadata text as the parsed metadata reads (the worker hashes the texts, the port the objects)', () => {
    fc.assert(
      fc.property(json, json, (data, metadata) => {
        const [row] = chainRows('s', -1, undefined, [{ id: 'e', type: 'T', data, metadata }]);
        expect(splitStoredHash(row.metadata)).toEqual(splitHash(JSON.parse(row.metadata)));
        expect(splitStoredHash(row.metadata).hash).toBe(row.hash);
        expect(JSON.stringify(JSON.parse(row.data))).toBe(row.data);
      }),
      // A fixed seed (the test is the same each run), and a `__proto__` key, which once read apart.
      { seed: 26, numRuns: 500, examples: [[{}, JSON.parse('{"__proto__":{}}') as Record<string, unknown>]] },
    );
    expect(splitStoredHash('{"actor":"x"}')).toEqual({ hash: undefined, metadataJson: '{"actor":"x"}' });
  });
});
