/** The outcome of ordering a graph: like pnpm's graph-sequencer, it explains rather than throws. */
export interface Sequence {
  /** False when some nodes are on a cycle; they are then left out of `chunks`. */
  safe: boolean;
  /** Nodes in order; the nodes of one chunk do not depend on each other (sorted by name). */
  chunks: string[][];
  /** The nodes that could not be ordered because they are on, or behind, a cycle (sorted). */
  cycles: string[];
}

/**
 * Orders `nodes` so that every node comes after the nodes it depends on (`dependsOn`), in
 * chunks of nodes that could run at the same time. Dependencies outside `nodes` are ignored.
 */
export function sequence(nodes: readonly string[], dependsOn: (node: string) => readonly string[]): Sequence {
  const known = new Set(nodes);
  const waiting = new Map<string, number>();
  const dependents = new Map<string, string[]>();
  for (const node of known) {
    let count = 0;
    const deps = dependsOn(node);
    // most nodes have one dependency or none: no set to drop duplicates from those
    for (const dep of deps.length > 1 ? new Set(deps) : deps) {
      if (!known.has(dep) || dep === node) continue;
      count++;
      const list = dependents.get(dep);
      if (list === undefined) dependents.set(dep, [node]);
      else list.push(node);
    }
    waiting.set(node, count);
  }
  const chunks: string[][] = [];
  let ready = [...known].filter((node) => waiting.get(node) === 0);
  let placed = 0;
  while (ready.length > 0) {
    ready.sort();
    chunks.push(ready);
    placed += ready.length;
    const next: string[] = [];
    for (const node of ready) {
      for (const dependent of dependents.get(node) ?? []) {
        const left = waiting.get(dependent)! - 1;
        waiting.set(dependent, left);
        if (left === 0) next.push(dependent);
      }
    }
    ready = next;
  }
  const cycles = placed === known.size ? [] : [...known].filter((node) => waiting.get(node)! > 0).sort();
  return { safe: cycles.length === 0, chunks, cycles };
}
