/**
 * No import cycles among the modules of src/extension and of src/core. Read from the source text, so type-only
 * imports and lazy `import()` count as much as value imports: a cycle is a knot in the design (two modules that
 * can only be understood together), whether or not the bundler or the runtime would trip on it.
 */
import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = resolve(__dirname, '../../..');

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (name.endsWith('.ts')) out.push(path);
  }
  return out;
}

/** Every module specifier a file names: `import … from`, `import type … from`, `export … from`, `import()`, `import '…'`. */
export function specifiersIn(text: string): string[] {
  const re =
    /(?:import|export)\s[^'";]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|import\s+['"]([^'"]+)['"]/g;
  return [...text.matchAll(re)].map((m) => m[1] ?? m[2] ?? m[3]);
}

/** File → the files of the same set it imports (relative specifiers resolved as TypeScript does). */
function importGraph(files: string[]): Map<string, string[]> {
  const known = new Set(files);
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const targets = new Set<string>();
    for (const spec of specifiersIn(readFileSync(file, 'utf8'))) {
      if (!spec.startsWith('.')) continue;
      const base = resolve(dirname(file), spec);
      const target = [`${base}.ts`, join(base, 'index.ts'), base].find((c) => known.has(c));
      if (target) targets.add(target);
    }
    graph.set(file, [...targets]);
  }
  return graph;
}

/**
 * Each strongly connected group of more than one node (or a node that imports itself), with a shortest loop
 * through it.
 */
export function findCycles<T>(graph: ReadonlyMap<T, readonly T[]>): Array<{ loop: T[]; group: T[] }> {
  // Tarjan's algorithm, then a shortest loop back to the group's first node to show.
  let next = 0;
  const index = new Map<T, number>();
  const low = new Map<T, number>();
  const stack: T[] = [];
  const onStack = new Set<T>();
  const groups: T[][] = [];
  const visit = (v: T): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const group: T[] = [];
    let w: T;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      group.push(w);
    } while (w !== v);
    if (group.length > 1 || (graph.get(v) ?? []).includes(v)) groups.push(group);
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return groups.map((group) => ({ loop: loopThrough(graph, new Set(group), group[group.length - 1]), group }));
}

function loopThrough<T>(graph: ReadonlyMap<T, readonly T[]>, group: Set<T>, start: T): T[] {
  const cameFrom = new Map<T, T>();
  const queue: T[] = [start];
  for (let i = 0; i < queue.length; i++) {
    for (const w of graph.get(queue[i]) ?? []) {
      if (!group.has(w)) continue;
      if (w === start) {
        const path = [start];
        for (let at = queue[i]; at !== start; at = cameFrom.get(at)!) path.splice(1, 0, at);
        return [...path, start];
      }
      if (!cameFrom.has(w)) {
        cameFrom.set(w, queue[i]);
        queue.push(w);
      }
    }
  }
  return [start];
}

/** Each knot as one loop through it, and all the files it ties together when they are more than the loop. */
function cyclesUnder(...dirs: string[]): string[] {
  const graph = importGraph(dirs.flatMap((d) => sourceFiles(join(root, d))));
  return findCycles(graph).map(({ loop, group }) => {
    const shown = loop.map((f) => relative(root, f)).join(' → ');
    const all = group.map((f) => relative(root, f)).sort();
    return all.length > loop.length - 1 ? `${shown} (knot of ${all.length}: ${all.join(', ')})` : shown;
  });
}

describe('import cycles', () => {
  it('finds a cycle through type-only and lazy imports, and none in a tree', () => {
    const graph = new Map([
      ['context', ['panel', 'log']],
      ['panel', ['log']],
      ['log', []],
      ['handlers', ['report']],
      ['report', ['context']],
    ]);
    assert.deepEqual(findCycles(graph), []);
    graph.get('context')!.push('handlers');
    assert.deepEqual(
      findCycles(graph).map((c) => c.loop),
      [['context', 'handlers', 'report', 'context']],
    );
    assert.deepEqual(
      specifiersIn(
        "import type { A } from './a';\nimport {\n  b,\n  type C,\n} from './b';\nexport type { D } from './d';\nconst e = await import('./e');\nimport './f';",
      ),
      ['./a', './b', './d', './e', './f'],
    );
  });

  it('src/extension has none', () => {
    assert.deepEqual(cyclesUnder('src/extension', 'src/shared'), []);
  });

  it('src/core has none', () => {
    assert.deepEqual(cyclesUnder('src/core'), []);
  });
});
