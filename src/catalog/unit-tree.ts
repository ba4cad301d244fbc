/**
 * The unit tree every walk uses: the recorded parents, except a link that would close a cycle (a
 * log written by an older version, or two concurrent PUTs on instances sharing one store). Such
 * a unit stands as a root and is listed in `cycles`, so the tree stays a forest and no walk loops.
 */

/** A recorded parent link left out of the unit tree because it closes a cycle. */
export interface UnitCycle {
  unitId: string;
  /** The parent the unit's definition names (stored, shown by GET /units, not followed). */
  parentId: string;
  /** The units around the loop, from `unitId` up through `parentId` and on until the loop closes. */
  cycle: string[];
}

export class UnitTree {
  private readonly parentById = new Map<string, string>();
  private readonly childrenById = new Map<string, Set<string>>();
  private readonly cutLinks = new Map<string, UnitCycle>();

  /**
   * Places a unit below `parentId` (or as a root), in place of where it stood. Answers the cycle
   * when the link would close one (the unit then stands as a root).
   */
  define(unitId: string, parentId: string | undefined): UnitCycle | undefined {
    const previous = this.parentById.get(unitId);
    if (previous !== undefined) this.childrenById.get(previous)?.delete(unitId);
    this.parentById.delete(unitId);
    this.cutLinks.delete(unitId);
    const cut = parentId === undefined ? undefined : this.link(unitId, parentId);
    // A unit cut off earlier may link now that this one moved.
    for (const earlier of [...this.cutLinks.values()]) {
      if (earlier.unitId !== unitId && !this.ancestry(earlier.parentId).includes(earlier.unitId)) {
        this.cutLinks.delete(earlier.unitId);
        this.link(earlier.unitId, earlier.parentId);
      }
    }
    return cut;
  }

  children(unitId: string): string[] {
    return [...(this.childrenById.get(unitId) ?? [])];
  }

  /** The unit and everything below it (each once: the visited set guards against any cycle). */
  subtree(unitId: string): string[] {
    const seen = new Set<string>([unitId]);
    const stack = [unitId];
    while (stack.length > 0) {
      for (const child of this.childrenById.get(stack.pop()!) ?? []) {
        if (!seen.has(child)) seen.add(child), stack.push(child);
      }
    }
    return [...seen];
  }

  /** True when `unitId` is `ancestorId` or lies below it, however deep (no depth limit, no cycle). */
  isWithin(unitId: string, ancestorId: string): boolean {
    return this.ancestry(unitId).includes(ancestorId);
  }

  /** Units whose recorded parent would close a cycle: each stands as a root. */
  cycles(): UnitCycle[] {
    return [...this.cutLinks.values()];
  }

  /** The unit, its parent, its parent's parent... up to a root (or back to where a cycle closes). */
  private ancestry(unitId: string): string[] {
    const path = [unitId];
    const seen = new Set(path);
    for (let id = this.parentById.get(unitId); id !== undefined && !seen.has(id); id = this.parentById.get(id)) {
      path.push(id);
      seen.add(id);
    }
    return path;
  }

  /** Links a unit below its recorded parent, unless that closes a cycle: then it stays a root, reported. */
  private link(unitId: string, parentId: string): UnitCycle | undefined {
    const above = this.ancestry(parentId);
    if (above.includes(unitId)) {
      const cycle: UnitCycle = { unitId, parentId, cycle: [unitId, ...above.slice(0, above.indexOf(unitId))] };
      this.cutLinks.set(unitId, cycle);
      return cycle;
    }
    this.parentById.set(unitId, parentId);
    const siblings = this.childrenById.get(parentId) ?? new Set<string>();
    siblings.add(unitId);
    this.childrenById.set(parentId, siblings);
    return undefined;
  }
}
