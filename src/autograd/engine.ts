// Reverse-mode traversal: orders the recorded nodes reachable from the output, runs each rule
// once with the summed gradient of its output, and adds leaf gradients into `.grad`.
import { ArgumentError, AutogradError, ShapeError, describe, shapeStr } from '../errors.js';
import { DIMS, Tensor, checkGrad, checkTensor, empty, setGrad, view } from '../tensor.js';
import { outsideScopes } from '../storage.js';
import { sameShape } from '../layout.js';
import { GradNode, noGrad } from './node.js';
import { kernels, extras } from '../wasm/kernels.js';

/**
 * `acc + g`: in place when `acc` owns its storage alone, else into a new tensor (rules may return
 * views sharing storage, which must not be written). Returns the tensor holding the sum.
 */
function accumulate(acc: Tensor, g: Tensor): Tensor {
  if (acc._storage.refs === 1) {
    kernels.axpy(acc.ptr('backward', 'grad'), g.ptr('backward', 'grad'), acc.size, 1);
    return acc;
  }
  const sum = copyOf(acc);
  acc.dispose();
  kernels.axpy(sum.ptr('backward', 'grad'), g.ptr('backward', 'grad'), sum.size, 1);
  return sum;
}

/** A copy of `t` with memory of its own (rules may return views that share memory). */
function copyOf(t: Tensor): Tensor {
  const out = empty(t[DIMS], 'backward');
  extras.copy_f32(out.ptr('backward', 'grad'), t.ptr('backward', 'grad'), t.size);
  return out;
}

/** The gradient of a scalar output with respect to itself: ones of `shape`. */
function ones(shape: readonly number[]): Tensor {
  const out = empty(shape, 'backward');
  kernels.fill(out.ptr('backward', 'grad'), out.size, 1);
  return out;
}

export function backward(root: Tensor, gradient: Tensor | undefined, options: { retainGraph?: boolean }): void {
  checkTensor('backward', 'this', root);
  if (!root._requiresGrad) {
    throw new AutogradError('backward', 'this', 'a tensor that requires grad', 'a tensor that does not',
      'backward: this tensor does not require grad and has no grad_fn: mark the leaves with requiresGrad = true (or variable(...)) before computing it');
  }
  if (gradient === undefined && root.size !== 1) {
    throw new AutogradError('backward', 'gradient', `a gradient of shape ${shapeStr(root[DIMS])} for a non-scalar output`,
      'no gradient', `backward: grad can be implicitly created only for scalar outputs; this tensor has shape ${shapeStr(root[DIMS])}: pass backward(gradient) or reduce it first (e.g. .sum())`);
  }
  if (gradient !== undefined) {
    checkTensor('backward', 'gradient', gradient);
    if (!sameShape(gradient[DIMS], root[DIMS]) && !(gradient.size === 1 && root.size === 1)) {
      throw new ShapeError('backward', 'gradient', `shape ${shapeStr(root[DIMS])}`, shapeStr(gradient[DIMS]));
    }
  }
  if (options === null || typeof options !== 'object') throw new ArgumentError('backward', 'options', 'an options object { retainGraph? }', describe(options));
  if (options.retainGraph !== undefined && typeof options.retainGraph !== 'boolean') {
    throw new ArgumentError('backward', 'retainGraph', 'true or false', describe(options.retainGraph));
  }
  const retain = options.retainGraph === true;
  outsideScopes(() => noGrad(() => run(root, gradient, retain)));
}

function run(root: Tensor, gradient: Tensor | undefined, retain: boolean): void {
  const seed = gradient !== undefined ? view(gradient, root[DIMS]) : ones(root[DIMS]);
  const rootNode = root._node as GradNode | null;
  if (rootNode === null) {
    addToLeaf(root, seed);
    return;
  }
  // Topological order (iterative DFS post-order), roots last.
  const order: GradNode[] = [];
  const seen = new Set<GradNode>();
  const stack: [GradNode, number][] = [[rootNode, 0]];
  seen.add(rootNode);
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    const [node, i] = top;
    if (i < node.edges.length) {
      top[1]++;
      const e = node.edges[i];
      if (e instanceof GradNode && !seen.has(e)) {
        seen.add(e);
        stack.push([e, 0]);
      }
    } else {
      stack.pop();
      order.push(node);
    }
  }
  const grads = new Map<GradNode, Tensor>([[rootNode, seed]]);
  // Leaf gradients are collected and added to the leaves' .grad only once every rule has run, so
  // an error midway (out of memory, a saved tensor modified in place) leaves every .grad as it was.
  const leafGrads: [Tensor, Tensor][] = [];
  let committed = false;
  try {
    for (let k = order.length - 1; k >= 0; k--) {
      const node = order[k]!;
      const gy = grads.get(node);
      grads.delete(node);
      if (gy === undefined) continue;
      let gx: (Tensor | null)[];
      try {
        gx = node.apply(gy);
      } finally {
        gy.dispose();
      }
      for (let i = 0; i < node.edges.length; i++) {
        const e = node.edges[i]!;
        const g = gx[i] ?? null;
        if (e === null || g === null) {
          g?.dispose();
          continue;
        }
        const want = e instanceof GradNode ? null : e[DIMS];
        if (want && !sameShape(want, g[DIMS])) {
          throw new AutogradError('backward', node.name, `a gradient of shape ${shapeStr(want)}`, shapeStr(g[DIMS]),
            `backward: the rule of ${node.name} returned a gradient of shape ${shapeStr(g[DIMS])} for an input of shape ${shapeStr(want)}`);
        }
        if (e instanceof GradNode) {
          const acc = grads.get(e);
          if (acc === undefined) grads.set(e, g);
          else {
            grads.set(e, accumulate(acc, g));
            g.dispose();
          }
        } else {
          leafGrads.push([e, g]);
        }
      }
      if (!retain) node.release();
    }
    commit(leafGrads);
    committed = true;
  } finally {
    for (const g of grads.values()) g.dispose();
    if (!committed) for (const [, g] of leafGrads) g.dispose();
  }
}

/**
 * Adds the collected gradients into the leaves, in the order they were produced. The copies a
 * leaf's first gradient may need (when a rule returned a view of another tensor) are made first:
 * they are the only allocations, so running out of memory here changes no leaf.
 */
function commit(leafGrads: [Tensor, Tensor][]): void {
  // Re-check every existing .grad before the first kernel writes one (all or nothing).
  for (const [leaf] of leafGrads) {
    const cur = leaf._grad;
    if (!leaf._disposed && cur !== null && !cur._disposed) checkGrad('backward', leaf, cur, false);
  }
  const fresh = new Set<Tensor>();
  for (let i = 0; i < leafGrads.length; i++) {
    const [leaf, g] = leafGrads[i]!;
    if (leaf._disposed || fresh.has(leaf) || (leaf._grad !== null && !leaf._grad._disposed)) continue;
    fresh.add(leaf);
    if (g._storage.refs !== 1) {
      leafGrads[i] = [leaf, copyOf(g)];
      g.dispose();
    }
  }
  while (leafGrads.length > 0) {
    const [leaf, g] = leafGrads.shift()!;
    try {
      addToLeaf(leaf, g);
    } catch (e) {
      g.dispose();
      throw e;
    }
  }
}

/** Adds `g` (owned by the engine) into `leaf.grad`. */
function addToLeaf(leaf: Tensor, g: Tensor): void {
  if (leaf._disposed) {
    g.dispose();
    return;
  }
  const cur = leaf._grad;
  if (cur === null || cur._disposed) {
    // The gradient is the leaf's own: copy a rule's result that shares memory with other tensors.
    const own = g._storage.refs === 1 ? g : copyOf(g);
    setGrad(leaf, view(own, leaf[DIMS]));
    if (own !== g) own.dispose();
  } else {
    setGrad(leaf, accumulate(cur, g));
  }
  g.dispose();
}
