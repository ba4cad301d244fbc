import { describe, expect, it } from '@jest/globals';
import { UnitTree } from '../../src/catalog/unit-tree.js';

describe('the unit tree stays a forest whatever links are recorded', () => {
  it('follows recorded parents, however deep', () => {
    const tree = new UnitTree();
    for (let i = 0; i < 100; i++) expect(tree.define(`C${i}`, i === 0 ? undefined : `C${i - 1}`)).toBeUndefined();
    expect(tree.isWithin('C99', 'C0')).toBe(true);
    expect(tree.isWithin('C0', 'C99')).toBe(false);
    expect(tree.subtree('C98').sort()).toEqual(['C98', 'C99']);
    expect(tree.children('C0')).toEqual(['C1']);
  });

  it('leaves out a link that closes a cycle, reports it, and walks end', () => {
    const tree = new UnitTree();
    tree.define('A', undefined);
    tree.define('B', 'A');
    tree.define('C', 'B');
    expect(tree.define('A', 'C')).toEqual({ unitId: 'A', parentId: 'C', cycle: ['A', 'C', 'B'] });
    expect(tree.cycles()).toHaveLength(1);
    expect(tree.subtree('A').sort()).toEqual(['A', 'B', 'C']);
    expect(tree.isWithin('A', 'C')).toBe(false);
  });

  it('links a unit cut off earlier once the loop is broken elsewhere', () => {
    const tree = new UnitTree();
    tree.define('X', undefined);
    tree.define('Y', 'X');
    tree.define('X', 'Y');
    expect(tree.cycles().map((c) => c.unitId)).toEqual(['X']);
    tree.define('Y', undefined);
    expect(tree.cycles()).toEqual([]);
    expect(tree.isWithin('X', 'Y')).toBe(true);
    expect(tree.children('X')).toEqual([]);
  });
});
