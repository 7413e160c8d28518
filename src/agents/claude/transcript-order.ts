/**
 * Puts transcript records into conversation order as they arrive.
 *
 * Claude Code does not always write records in order: at a session's first prompt the answer's
 * record was seen before the prompt's own record. Every record names its predecessor
 * (`parentUuid`), so a record whose parent has not been released yet is held back and released
 * right after its parent, children in file order. A parent can also never come (a torn line, a
 * session resumed from another file); the caller releases such orphans once they are old enough
 * (`releaseOrphans`). Records without a uuid (bookkeeping) and records whose parent was already
 * released pass straight through. Released records are never reordered later.
 */
export interface Chained {
  uuid?: string;
  parentUuid: string | null;
}

interface Held<T> {
  entry: T;
  /** Arrival number: orphans are released in file order. */
  arrival: number;
  readAt: number;
}

export class ChainOrderer<T extends Chained> {
  private readonly released = new Set<string>();
  /** Held records by the uuid of the parent they wait for. */
  private readonly waiting = new Map<string, Held<T>[]>();
  private readonly heldUuids = new Set<string>();
  private arrivals = 0;

  /** Number of records held back now. */
  get heldCount(): number {
    return this.heldUuids.size;
  }

  /** Takes one record in file order; returns the records that are now in place, in order. */
  add(entry: T, readAt: number): T[] {
    const uuid = entry.uuid;
    if (uuid === undefined) return [entry];
    // A uuid seen before is a repeated record (e.g. copied history); showing it twice would break ids.
    if (this.released.has(uuid) || this.heldUuids.has(uuid)) return [];
    const parent = entry.parentUuid;
    if (parent === null || this.released.has(parent)) return this.release(entry);
    const held = { entry, arrival: this.arrivals++, readAt };
    const list = this.waiting.get(parent);
    if (list) list.push(held);
    else this.waiting.set(parent, [held]);
    this.heldUuids.add(uuid);
    return [];
  }

  /**
   * Releases held records whose parent is unknown (neither released nor itself held) and that
   * `expired` says have waited long enough, oldest arrival first, each followed by its subtree.
   */
  releaseOrphans(expired: (entry: T, readAt: number) => boolean): T[] {
    const orphans: Held<T>[] = [];
    for (const [parent, list] of this.waiting) {
      if (this.heldUuids.has(parent)) continue;
      for (const held of list) if (expired(held.entry, held.readAt)) orphans.push(held);
    }
    orphans.sort((a, b) => a.arrival - b.arrival);
    const out: T[] = [];
    for (const held of orphans) {
      const parent = held.entry.parentUuid as string;
      const list = this.waiting.get(parent) ?? [];
      const rest = list.filter((h) => h !== held);
      if (rest.length > 0) this.waiting.set(parent, rest);
      else this.waiting.delete(parent);
      out.push(...this.release(held.entry));
    }
    return out;
  }

  /** Releases `first` and, depth first, everything that waited on it (iterative: chains can be long). */
  private release(first: T): T[] {
    const out: T[] = [];
    const stack = [first];
    for (let entry = stack.pop(); entry !== undefined; entry = stack.pop()) {
      out.push(entry);
      const uuid = entry.uuid;
      if (uuid === undefined) continue;
      this.released.add(uuid);
      this.heldUuids.delete(uuid);
      const children = this.waiting.get(uuid);
      if (!children) continue;
      this.waiting.delete(uuid);
      for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!.entry);
    }
    return out;
  }
}
