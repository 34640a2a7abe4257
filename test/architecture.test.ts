// The import graph of src/, read with TypeScript's own scanner (ts.preProcessFile: every import,
// export-from and dynamic import with a string literal, `import type` included), checked against
// the layering ARCHITECTURE.md draws. A module may import its own layer or a lower one, never a
// higher one, and the graph has no cycle (type-only imports count: a cycle of types is still a
// knot to untie before files can be split or moved).
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../src/', import.meta.url));

/**
 * The layers, lowest first. Each file of src/ belongs to the first layer one of whose patterns
 * matches its path (relative to src/, with '/' separators).
 */
const LAYERS: readonly { name: string; files: RegExp[] }[] = [
  // Errors, argument reading and shape arithmetic: no tensors, no memory.
  { name: 'base', files: [/^errors\.ts$/, /^args\.ts$/, /^layout\.ts$/, /^format\.ts$/, /^[^/]+\.d\.ts$/] },
  // Loading the kernels (assembly/) and the one allocator.
  { name: 'wasm', files: [/^wasm\//] },
  // The worker pool: below the ops that split jobs over it, started by the entries.
  { name: 'threads', files: [/^threads\//] },
  // Tensor handles over the allocator's blocks, tidy scopes.
  { name: 'tensor', files: [/^storage\.ts$/, /^tensor\.ts$/, /^scope\.ts$/] },
  // The tape (record, noGrad) and the backward traversal.
  { name: 'autograd', files: [/^autograd\//] },
  // Ops: validate, run a kernel, record; their gradient rules; the tensor methods.
  { name: 'ops', files: [/^ops\//] },
  // Layers, losses, optimizers and the tools built on ops.
  { name: 'nn/optim', files: [/^nn\//, /^optim\//, /^filters\.ts$/, /^receptive\.ts$/, /^train\.ts$/, /^compile\.ts$/, /^image(\.ts$|\/)/, /^data\//] },
  // The public face: what package.json's exports point at.
  { name: 'entries', files: [/^core\.ts$/, /^entry\.ts$/, /^index\.ts$/, /^browser\.ts$/, /^workerd\.ts$/, /^inline\.ts$/] },
];

/** Imports that are not files of src/ (packages, node: built-ins) and the .wasm the Workers entry imports. */
const EXTERNAL = /^(node:|fast-png$)|\.wasm$/;

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (name.endsWith('.ts')) out.push(relative(SRC, p).split('\\').join('/'));
  }
  return out.sort();
}

/** The src/ files each file imports (paths relative to src/), read with ts.preProcessFile. */
function importGraph(): Map<string, string[]> {
  const files = walk(SRC);
  const known = new Set(files);
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const info = ts.preProcessFile(readFileSync(join(SRC, file), 'utf8'), true, true);
    const deps: string[] = [];
    for (const { fileName: spec } of info.importedFiles) {
      if (EXTERNAL.test(spec)) continue;
      if (!spec.startsWith('.')) throw new Error(`${file} imports the package '${spec}': list it in EXTERNAL if it is meant`);
      const target = join(dirname(file), spec.replace(/\.js$/, '.ts')).split('\\').join('/');
      const resolved = known.has(target) ? target : target.replace(/\.ts$/, '.d.ts');
      if (!known.has(resolved)) throw new Error(`${file} imports '${spec}', which is no file of src/`);
      if (!deps.includes(resolved)) deps.push(resolved);
    }
    graph.set(file, deps);
  }
  return graph;
}

/** The cycles of the graph: one per strongly connected component of more than one file (or a self-import), as a path a → b → … → a. */
function cycles(graph: Map<string, string[]>): string[][] {
  // Tarjan's algorithm, then one shortest cycle through each component's first file.
  let index = 0;
  const idx = new Map<string, number>(), low = new Map<string, number>(), onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  const visit = (v: string): void => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v)!) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, idx.get(w)!));
      }
    }
    if (low.get(v) === idx.get(v)) {
      const c: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        c.push(w);
      } while (w !== v);
      if (c.length > 1 || graph.get(v)!.includes(v)) components.push(c.sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return components.map((c) => {
    const inside = new Set(c);
    const start = c[0]!;
    // Breadth-first from start back to start, inside the component.
    const prev = new Map<string, string>();
    const queue = [start];
    while (queue.length > 0) {
      const v = queue.shift()!;
      for (const w of graph.get(v)!) {
        if (!inside.has(w)) continue;
        if (w === start) {
          const path = [start];
          for (let u = v; u !== start; u = prev.get(u)!) path.splice(1, 0, u);
          return [...path, start, `(${c.length} files: ${c.join(', ')})`];
        }
        if (!prev.has(w)) {
          prev.set(w, v);
          queue.push(w);
        }
      }
    }
    return c;
  });
}

function layerOf(file: string): number {
  const i = LAYERS.findIndex((l) => l.files.some((re) => re.test(file)));
  if (i < 0) throw new Error(`${file} belongs to no layer: add it to LAYERS in test/architecture.test.ts (and to ARCHITECTURE.md)`);
  return i;
}

describe('architecture: the import graph of src/', () => {
  const graph = importGraph();

  it('reads the real graph (sanity: the files and edges the checks below rely on are found)', () => {
    expect(graph.size).toBeGreaterThan(40);
    expect(graph.get('core.ts')).toContain('tensor.ts');
    expect(graph.get('ops/conv.ts') ?? graph.get('ops/conv/index.ts') ?? []).not.toHaveLength(0);
  });

  it('has no import cycle', () => {
    const found = cycles(graph).map((c) => c.join(' → '));
    expect(found, `import cycles in src/:\n${found.join('\n')}`).toEqual([]);
  });

  it('imports only downwards through the layers', () => {
    const wrong: string[] = [];
    for (const [file, deps] of graph) {
      const from = layerOf(file);
      for (const d of deps) {
        const to = layerOf(d);
        if (to > from) wrong.push(`${file} (${LAYERS[from]!.name}) imports ${d} (${LAYERS[to]!.name})`);
      }
    }
    expect(wrong, `imports against the layering (ARCHITECTURE.md):\n${wrong.join('\n')}`).toEqual([]);
  });

  it('attaches the tensor methods from outside tensor.ts, and the wasm loader does not start threads', () => {
    const importsOf = (f: string) => graph.get(f) ?? [];
    expect(importsOf('tensor.ts').filter((d) => d.startsWith('ops/') || d.startsWith('autograd/'))).toEqual([]);
    expect(importsOf('autograd/engine.ts').filter((d) => d.startsWith('ops/'))).toEqual([]);
    for (const f of graph.keys()) {
      if (f.startsWith('wasm/')) expect(importsOf(f).filter((d) => d.startsWith('threads/')), f).toEqual([]);
    }
  });

  it('nn and optim change parameters only through ops (no kernel, heap or storage of their own)', () => {
    for (const [f, deps] of graph) {
      if (!f.startsWith('nn/') && !f.startsWith('optim/')) continue;
      expect(deps.filter((d) => d.startsWith('wasm/')), f).toEqual([]);
      expect(readFileSync(join(SRC, f), 'utf8'), f).not.toMatch(/\._storage\b/);
    }
  });
});

describe('architecture: the checker itself', () => {
  it('finds a cycle and names its files in order', () => {
    const g = new Map([['a.ts', ['b.ts']], ['b.ts', ['c.ts']], ['c.ts', ['a.ts', 'd.ts']], ['d.ts', []]]);
    expect(cycles(g)).toEqual([['a.ts', 'b.ts', 'c.ts', 'a.ts', '(3 files: a.ts, b.ts, c.ts)']]);
    expect(cycles(new Map([['a.ts', ['b.ts']], ['b.ts', []]]))).toEqual([]);
  });
});
