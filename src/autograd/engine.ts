// Reverse-mode traversal: orders the recorded nodes reachable from the output, runs each rule
// once with the summed gradient of its output, and adds leaf gradients into `.grad`.
import { ArgumentError, AutogradError, ShapeError, describe, shapeStr } from '../errors.js';
import { DIMS, Tensor, checkGrad, checkTensor, empty, setGrad, view, wroteInPlace } from '../tensor.js';
import { suspendScopes } from '../storage.js';
import { sameShape } from '../layout.js';
import { GradNode, setGradEnabled } from './node.js';
import { kernels, extras } from '../wasm/kernels.js';

/**
 * `acc + g`: in place when `acc` owns its storage alone, else into a new tensor (rules may return
 * views sharing storage, which must not be written). Returns the tensor holding the sum.
 */
function accumulate(acc: Tensor, g: Tensor): Tensor {
  if (acc._storage.refs === 1) {
    kernels.axpy(acc.ptr('backward', 'grad'), g.ptr('backward', 'grad'), acc.size, 1);
    wroteInPlace(acc); // an in-place write: caches keyed on the version (Winograd's) see it
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
  // Outside every tidy() scope, without recording (noGrad and outsideScopes, without closures).
  const prevGrad = setGradEnabled(false);
  suspendScopes(1);
  const own = scratchFree;
  scratchFree = false;
  try {
    run(root, gradient, retain, own ? scratch : newScratch());
  } finally {
    if (own) {
      drain(scratch.order);
      drain(scratch.stackNodes);
      drain(scratch.stackEdge);
      drain(scratch.leaves);
      drain(scratch.leafGrads);
      scratchFree = true;
    }
    suspendScopes(-1);
    setGradEnabled(prevGrad);
  }
}

/** Counts backward() passes: a node whose `visit` equals the current pass was already ordered. */
let pass = 0;

/**
 * The arrays of one backward pass: the nodes in order, the traversal's stack (nodes and edge
 * indices), the leaves and their gradients. One set is reused by every pass (emptied after it);
 * a pass that starts while it is in use gets its own.
 */
interface Scratch { order: GradNode[]; stackNodes: GradNode[]; stackEdge: number[]; leaves: Tensor[]; leafGrads: Tensor[] }
const newScratch = (): Scratch => ({ order: [], stackNodes: [], stackEdge: [], leaves: [], leafGrads: [] });
const scratch = newScratch();
let scratchFree = true;

/** Empties an array by popping (cheaper than `length = 0` for the few entries a pass leaves, and it keeps the array's storage). */
function drain(a: unknown[]): void {
  while (a.length > 0) a.pop();
}

function run(root: Tensor, gradient: Tensor | undefined, retain: boolean, sc: Scratch): void {
  const { order, stackNodes, stackEdge, leaves, leafGrads } = sc;
  const seed = gradient !== undefined ? view(gradient, root[DIMS]) : ones(root[DIMS]);
  const rootNode = root._node as GradNode | null;
  if (rootNode === null) {
    addToLeaf(root, seed);
    return;
  }
  // Topological order (iterative DFS post-order, roots last); the stack holds nodes and the
  // index of the next edge to visit side by side.
  const visit = ++pass;
  stackNodes.push(rootNode);
  stackEdge.push(0);
  rootNode.visit = visit;
  while (stackNodes.length > 0) {
    const top = stackNodes.length - 1;
    const node = stackNodes[top]!;
    const i = stackEdge[top]!;
    if (i < node.edges.length) {
      stackEdge[top] = i + 1;
      const e = node.edges[i];
      if (e instanceof GradNode && e.visit !== visit) {
        e.visit = visit;
        stackNodes.push(e);
        stackEdge.push(0);
      }
    } else {
      stackNodes.pop();
      stackEdge.pop();
      order.push(node);
    }
  }
  // Each node's summed output gradient waits in node.grad until its rule runs. Leaf gradients are
  // collected and added to the leaves' .grad only once every rule has run, so an error midway (out
  // of memory, a saved tensor modified in place) leaves every .grad as it was.
  rootNode.grad = seed;
  let committed = false;
  try {
    for (let k = order.length - 1; k >= 0; k--) {
      const node = order[k]!;
      const gy = node.grad;
      node.grad = null;
      if (gy === null) continue;
      let gx: (Tensor | null)[];
      try {
        gx = node.apply(gy);
      } finally {
        gy.dispose();
      }
      const edges = node.edges;
      for (let i = 0; i < edges.length; i++) {
        const e = edges[i]!;
        const g = gx[i] ?? null;
        if (e === null || g === null) {
          g?.dispose();
          continue;
        }
        if (e instanceof GradNode) {
          const acc = e.grad;
          if (acc === null) e.grad = g;
          else {
            e.grad = accumulate(acc, g);
            g.dispose();
          }
        } else {
          if (!sameShape(e[DIMS], g[DIMS])) {
            for (let j = i; j < gx.length; j++) gx[j]?.dispose();
            throw new AutogradError('backward', node.name, `a gradient of shape ${shapeStr(e[DIMS])}`, shapeStr(g[DIMS]),
              `backward: the rule of ${node.name} returned a gradient of shape ${shapeStr(g[DIMS])} for an input of shape ${shapeStr(e[DIMS])}`);
          }
          leaves.push(e);
          leafGrads.push(g);
        }
      }
      if (!retain) node.release();
    }
    commit(leaves, leafGrads);
    committed = true;
  } finally {
    for (let k = 0; k < order.length; k++) {
      const node = order[k]!;
      if (node.grad !== null) {
        node.grad.dispose();
        node.grad = null;
      }
    }
    if (!committed) for (let k = 0; k < leafGrads.length; k++) leafGrads[k]!.dispose();
  }
}

/**
 * Adds the collected gradients into the leaves, in the order they were produced. The copies a
 * leaf's first gradient may need (when a rule returned a view of another tensor) are made first:
 * they are the only allocations, so running out of memory here changes no leaf. Takes the
 * gradients: each is added and freed (or, on a throw, the ones not yet added stay in `grads`
 * for the caller to free).
 */
function commit(leaves: Tensor[], grads: Tensor[]): void {
  const n = leaves.length;
  // Re-check every existing .grad before the first kernel writes one (all or nothing).
  for (let i = 0; i < n; i++) {
    const leaf = leaves[i]!;
    const cur = leaf._grad;
    if (!leaf._disposed && cur !== null && !cur._disposed) checkGrad('backward', leaf, cur, false);
  }
  for (let i = 0; i < n; i++) {
    const leaf = leaves[i]!;
    if (leaf._disposed || (leaf._grad !== null && !leaf._grad._disposed) || seenBefore(leaves, i)) continue;
    const g = grads[i]!;
    if (g._storage.refs !== 1) {
      grads[i] = copyOf(g);
      g.dispose();
    }
  }
  for (let i = 0; i < n; i++) {
    const g = grads[i]!;
    try {
      addToLeaf(leaves[i]!, g);
    } catch (e) {
      g.dispose();
      grads.splice(0, i + 1);
      throw e;
    }
  }
  drain(grads);
}

/** Whether `list[i]` occurs before index i (leaves are few: a scan beats a Set per backward). */
function seenBefore(list: readonly Tensor[], i: number): boolean {
  const t = list[i];
  for (let j = 0; j < i; j++) if (list[j] === t) return true;
  return false;
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
    if (g._storage.refs === 1 && sameShape(g[DIMS], leaf[DIMS])) {
      setGrad(leaf, g);
      return;
    }
    const own = g._storage.refs === 1 ? g : copyOf(g);
    setGrad(leaf, view(own, leaf[DIMS]));
    if (own !== g) own.dispose();
  } else {
    setGrad(leaf, accumulate(cur, g));
  }
  g.dispose();
}
