/** Graph facts about stages and their `dependsOn` edges. Pure functions over names. */

export interface Node {
  name: string;
  dependsOn: readonly string[];
}

/**
 * One cycle in the graph, as the path of names that closes it (`a → b → a`), or undefined.
 * Depth-first search with three colours; edges to unknown names are ignored (reported elsewhere).
 */
export function findCycle(nodes: readonly Node[]): string[] | undefined {
  const deps = new Map(nodes.map((n) => [n.name, n.dependsOn]));
  const colour = new Map<string, 'grey' | 'black'>();
  const path: string[] = [];
  const visit = (name: string): string[] | undefined => {
    colour.set(name, 'grey');
    path.push(name);
    for (const dep of deps.get(name) ?? []) {
      if (!deps.has(dep)) continue;
      const c = colour.get(dep);
      if (c === 'grey') return [...path.slice(path.indexOf(dep)), dep];
      if (c === undefined) {
        const found = visit(dep);
        if (found) return found;
      }
    }
    path.pop();
    colour.set(name, 'black');
    return undefined;
  };
  for (const n of nodes) {
    if (colour.has(n.name)) continue;
    const found = visit(n.name);
    if (found) return found;
  }
  return undefined;
}

/** Every stage `name` depends on, directly or through others (the graph must be acyclic). */
export function ancestors(nodes: readonly Node[], name: string): Set<string> {
  const deps = new Map(nodes.map((n) => [n.name, n.dependsOn]));
  const out = new Set<string>();
  const stack = [...(deps.get(name) ?? [])];
  while (stack.length) {
    const d = stack.pop()!;
    if (out.has(d)) continue;
    out.add(d);
    stack.push(...(deps.get(d) ?? []));
  }
  return out;
}
