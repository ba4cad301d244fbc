import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { STATUS_BY_CODE } from '../../src/common/errors.js';

/** docs/API.md's error table is what integrators code against: it must list every code the service answers, with its status. */
describe('docs/API.md error codes', () => {
  const table = new Map<string, number>();
  for (const match of readFileSync(new URL('../../docs/API.md', import.meta.url), 'utf8').matchAll(/^\| `([A-Z_]+)` \| (\d{3}) \|/gm)) {
    table.set(match[1], Number(match[2]));
  }

  it('lists every code of the service with its status, and no other', () => {
    expect(Object.fromEntries(table)).toEqual({ ...STATUS_BY_CODE });
  });
});
