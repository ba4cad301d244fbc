import { describe, expect, it } from '@jest/globals';
import { Test } from '@nestjs/testing';
import { AppError } from '../../src/common/errors.js';
import type { Principal } from '../../src/access/principal.js';
import { UNIT_TREE, UnitScope, type UnitTree } from '../../src/access/unit-scope.js';

/** P > D01 > (C0101, C0102), P > D02 > C0201 */
const PARENTS: Record<string, string | undefined> = { P: undefined, D01: 'P', D02: 'P', C0101: 'D01', C0102: 'D01', C0201: 'D02' };
const tree: UnitTree = {
  isWithin(unitId, ancestorId) {
    for (let id: string | undefined = unitId; id !== undefined && id in PARENTS; id = PARENTS[id]) if (id === ancestorId) return true;
    return false;
  },
};

async function scope(): Promise<UnitScope> {
  const moduleRef = await Test.createTestingModule({ providers: [UnitScope, { provide: UNIT_TREE, useValue: tree }] }).compile();
  return moduleRef.get(UnitScope);
}

const district: Principal = { name: 'd01', role: 'supervisor', units: ['D01'] };
const everywhere: Principal = { name: 'all', role: 'supervisor' };

function forbidden(action: () => void): void {
  expect(action).toThrow(AppError);
  try {
    action();
  } catch (error) {
    expect((error as AppError).code).toBe('FORBIDDEN');
  }
}

describe('unit scope', () => {
  it('reaches the key\'s units and everything below them, not their siblings or parents', async () => {
    const s = await scope();
    for (const unit of ['D01', 'C0101', 'C0102']) {
      s.assertCanRead(district, unit);
      s.assertCanWrite({ ...district, role: 'integrator' }, unit);
    }
    for (const unit of ['D02', 'C0201', 'P', 'UNKNOWN']) {
      forbidden(() => s.assertCanRead(district, unit));
      forbidden(() => s.assertCanWrite({ ...district, role: 'integrator' }, unit));
    }
  });

  it('narrows every role alike; no units means all units', async () => {
    const s = await scope();
    forbidden(() => s.assertCanRead({ ...district, role: 'auditor' }, 'C0201'));
    forbidden(() => s.assertCanRead({ ...district, role: 'admin' }, 'C0201'));
    for (const unit of ['P', 'C0201', 'UNKNOWN']) s.assertCanRead(everywhere, unit);
    expect(s.readableRoots(district)).toEqual(['D01']);
    expect(s.readableRoots(everywhere)).toBeUndefined();
  });

  it('reads a dossier when any of its units is reached', async () => {
    const s = await scope();
    s.assertCanReadAny(district, ['C0201', 'C0102']);
    forbidden(() => s.assertCanReadAny(district, ['C0201', undefined]));
    forbidden(() => s.assertCanReadAny(district, []));
  });

  it('says whether any of a dossier\'s units is reached, and a refusal names none of them', async () => {
    const s = await scope();
    expect(s.coversAny(district, ['C0201', 'C0102'])).toBe(true);
    expect(s.coversAny(district, ['C0201', undefined, 'P'])).toBe(false);
    expect(s.coversAny(everywhere, [])).toBe(true);
    expect(() => s.assertCanReadAny(district, ['C0201', 'D02'])).toThrow(expect.objectContaining({ detail: expect.not.stringMatching(/C0201|D02/) }));
  });

  it('keeps what concerns all units for keys without units', async () => {
    const s = await scope();
    s.assertAllUnits(everywhere);
    forbidden(() => s.assertAllUnits({ ...district, role: 'admin' }));
  });

  it('without a unit tree, reaches the named units only (narrower, never wider)', async () => {
    const moduleRef = await Test.createTestingModule({ providers: [UnitScope] }).compile();
    const s = moduleRef.get(UnitScope);
    s.assertCanRead(district, 'D01');
    forbidden(() => s.assertCanRead(district, 'C0101'));
  });
});
