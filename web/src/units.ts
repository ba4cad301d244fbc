/** The unit tree as far as the key reaches: its units and everything below them (null: all). */
import type { Unit } from './types.js';

export function reachableUnits(all: Unit[], roots: string[] | null): Unit[] {
  if (roots === null) return all;
  const byId = new Map(all.map((u) => [u.unitId, u]));
  const reached = (u: Unit): boolean => {
    // Walks up the tree; the guard stops a cycle (the service reports them but still lists the units).
    for (let cur: Unit | undefined = u, steps = 0; cur && steps <= all.length; cur = cur.parentId ? byId.get(cur.parentId) : undefined, steps++) {
      if (roots.includes(cur.unitId)) return true;
    }
    return false;
  };
  return all.filter(reached);
}

/** The units whose parent is not among them: the tops of the visible tree. */
export function treeRoots(units: Unit[]): Unit[] {
  const ids = new Set(units.map((u) => u.unitId));
  return units.filter((u) => u.parentId === undefined || !ids.has(u.parentId));
}

export function childrenOf(units: Unit[], unitId: string): Unit[] {
  return units.filter((u) => u.parentId === unitId);
}
