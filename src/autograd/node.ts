// One recorded operation of the autograd tape. A node keeps what its backward rule needs (saved
// tensors, checked against in-place writes) and an edge per input: the input's own node, the
// leaf tensor whose .grad receives the gradient, or null when the input needs no gradient.
import { ArgumentError, AutogradError, describe } from '../errors.js';
import { DIMS, Tensor, view } from '../tensor.js';
import { suspendScopes } from '../storage.js';

export type Edge = GradNode | Tensor | null;

/**
 * A backward rule: the gradient of the output in, one gradient per input out (null: not needed);
 * `saved` are the node's private handles of the tensors given to `record`, in order.
 */
export type BackwardFn = (gy: Tensor, needs: readonly boolean[], saved: readonly Tensor[]) => (Tensor | null)[];

const NO_TENSORS: readonly Tensor[] = Object.freeze([]);

let gradEnabled = true;

/**
 * Whether ops are being recorded (false inside noGrad).
 * @example
 * sc.isGradEnabled()                            // => true
 * sc.noGrad(() => sc.isGradEnabled())           // => false
 */
export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** @internal Sets whether ops are recorded; returns the previous setting (noGrad without a closure). */
export function setGradEnabled(on: boolean): boolean {
  const prev = gradEnabled;
  gradEnabled = on;
  return prev;
}

/**
 * Runs `fn` without recording operations for autograd (inference, parameter updates).
 * @example
 * const w = sc.variable([[1, -1]]);
 * const y = sc.noGrad(() => sc.corr2d(sc.ones([2, 3]), w));
 * y.requiresGrad   // => false
 */
export function noGrad<T>(fn: () => T): T {
  if (typeof fn !== 'function') throw new ArgumentError('noGrad', 'fn', 'a function', describe(fn));
  const prev = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = prev;
  }
}

/** Whether an op on these inputs must be recorded. */
export function needsGrad(a: Tensor, b?: Tensor | number | null): boolean {
  return gradEnabled && (a._requiresGrad || (b instanceof Tensor && b._requiresGrad));
}

/** The `needs` arrays of nodes with up to NEEDS_MAX inputs, shared: NEEDS[n][bits] has entry i = bit i of bits. */
const NEEDS_MAX = 3;
const NEEDS: (readonly boolean[])[][] = [];
for (let n = 0; n <= NEEDS_MAX; n++) {
  NEEDS.push([]);
  for (let bits = 0; bits < 1 << n; bits++) NEEDS[n]!.push(Object.freeze(Array.from({ length: n }, (_, i) => (bits >> i & 1) === 1)));
}

/**
 * Nodes are reference-counted: by the tensors they made (`_node`) and by the nodes that consume
 * those tensors. When the count drops to zero (every output disposed and no later node needs it)
 * the node frees its saved tensors and lets go of its inputs' nodes, so a graph that is never
 * backwarded does not hold memory after its outputs are disposed.
 */
export class GradNode {
  readonly name: string;
  readonly edges: Edge[];
  /** Per edge: whether that input needs a gradient (edge not null), as rules receive it (frozen, shared). */
  readonly needs: readonly boolean[];
  private readonly rule: BackwardFn;
  private saved: readonly Tensor[];
  private readonly versions: number[] | null;
  /** Whether the saved tensors were freed (by backward, or because nothing refers to the node). */
  released = false;
  private refs = 0;
  /** @internal The traversal of engine.ts: the backward() pass that last visited the node. */
  visit = 0;
  /** @internal The traversal of engine.ts: the sum of the output gradients received so far. */
  grad: Tensor | null = null;

  constructor(name: string, inputs: readonly (Tensor | null | undefined)[], rule: BackwardFn, saved: readonly Tensor[]) {
    this.name = name;
    const n = inputs.length;
    const edges: Edge[] = new Array(n);
    let bits = 0;
    for (let i = 0; i < n; i++) {
      const t = inputs[i];
      const e = t instanceof Tensor && t._requiresGrad ? ((t._node as GradNode | null) ?? t) : null;
      if (e instanceof GradNode) e.ref();
      edges[i] = e;
      if (e !== null) bits |= 1 << i;
    }
    this.edges = edges;
    this.needs = n <= NEEDS_MAX ? NEEDS[n]![bits]! : Object.freeze(edges.map((e) => e !== null));
    this.rule = rule;
    if (saved.length === 0) {
      this.saved = NO_TENSORS;
      this.versions = null;
    } else {
      // Saved tensors are private handles on the same storage: disposing the user's handle (or a
      // tidy scope ending) does not free what backward needs.
      const handles: Tensor[] = new Array(saved.length);
      const versions: number[] = new Array(saved.length);
      suspendScopes(1);
      try {
        for (let i = 0; i < saved.length; i++) {
          const t = saved[i]!;
          handles[i] = view(t, t[DIMS]);
          versions[i] = t._storage.version;
        }
      } finally {
        suspendScopes(-1);
      }
      this.saved = handles;
      this.versions = versions;
    }
  }

  /** The saved tensors, in the order given to `record`. */
  get savedTensors(): readonly Tensor[] {
    return this.saved;
  }

  /** Runs the rule for an output gradient; checks the saved tensors were not modified since. */
  apply(gy: Tensor): (Tensor | null)[] {
    if (this.released) {
      throw new AutogradError('backward', 'graph', 'a graph that has not been freed',
        'a graph already freed by an earlier backward()',
        `backward: trying to backward through the graph a second time (${this.name}); pass { retainGraph: true } to the first backward() to keep it`);
    }
    const versions = this.versions;
    if (versions !== null) {
      for (let i = 0; i < versions.length; i++) {
        if (this.saved[i]!._storage.version !== versions[i]) {
          throw new AutogradError('backward', 'graph', `the tensors saved by ${this.name} unchanged`,
            'a saved tensor modified in place',
            `backward: a tensor needed to compute the gradient of ${this.name} was modified by an in-place operation (set() or an optimizer step) after it was used; clone() it before modifying, or call backward() first`);
        }
      }
    }
    return this.rule(gy, this.needs, this.saved);
  }

  /** Frees the saved tensors (the node can no longer run backward). */
  release(): void {
    if (this.released) return;
    this.released = true;
    const saved = this.saved;
    this.saved = NO_TENSORS;
    for (let i = 0; i < saved.length; i++) saved[i]!.dispose();
  }

  ref(): void {
    this.refs++;
  }

  /** Drops one reference; the last one frees the saved tensors and unreferences the inputs' nodes. */
  unref(): void {
    if (--this.refs > 0) return;
    this.release();
    const edges = this.edges;
    for (let i = 0; i < edges.length; i++) {
      const e = edges[i];
      if (e instanceof GradNode) e.unref();
    }
  }
}

/**
 * Records `out` as made by `name` from `inputs`, with `rule` computing input gradients from the
 * output gradient. `saved` are tensors the rule reads: it receives the node's private handles of
 * them, in order, as its third argument.
 */
export function record(out: Tensor, name: string, inputs: readonly (Tensor | null | undefined)[], rule: BackwardFn, saved: readonly Tensor[] = NO_TENSORS): void {
  const node = new GradNode(name, inputs, rule, saved);
  node.ref();
  out._node = node;
  out._requiresGrad = true;
}
