// One recorded operation of the autograd tape. A node keeps what its backward rule needs (saved
// tensors, checked against in-place writes) and an edge per input: the input's own node, the
// leaf tensor whose .grad receives the gradient, or null when the input needs no gradient.
import { ArgumentError, AutogradError, describe } from '../errors.js';
import { DIMS, Tensor, view } from '../tensor.js';
import { outsideScopes } from '../storage.js';

export type Edge = GradNode | Tensor | null;

/** A backward rule: the gradient of the output in, one gradient per input out (null: not needed). */
export type BackwardFn = (gy: Tensor, needs: readonly boolean[]) => (Tensor | null)[];

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

/**
 * Nodes are reference-counted: by the tensors they made (`_node`) and by the nodes that consume
 * those tensors. When the count drops to zero (every output disposed and no later node needs it)
 * the node frees its saved tensors and lets go of its inputs' nodes, so a graph that is never
 * backwarded does not hold memory after its outputs are disposed.
 */
export class GradNode {
  readonly name: string;
  readonly edges: Edge[];
  private readonly rule: BackwardFn;
  private saved: Tensor[];
  private readonly versions: number[];
  /** Whether the saved tensors were freed (by backward, or because nothing refers to the node). */
  released = false;
  private refs = 0;

  constructor(name: string, inputs: readonly (Tensor | null | undefined)[], rule: BackwardFn, saved: readonly Tensor[]) {
    this.name = name;
    this.edges = inputs.map((t) => (t instanceof Tensor && t._requiresGrad ? ((t._node as GradNode | null) ?? t) : null));
    for (const e of this.edges) if (e instanceof GradNode) e.ref();
    this.rule = rule;
    // Saved tensors are private handles on the same storage: disposing the user's handle (or a
    // tidy scope ending) does not free what backward needs.
    this.saved = outsideScopes(() => saved.map((t) => view(t, t[DIMS])));
    this.versions = saved.map((t) => t._storage.version);
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
    for (let i = 0; i < this.saved.length; i++) {
      if (this.saved[i]!._storage.version !== this.versions[i]) {
        throw new AutogradError('backward', 'graph', `the tensors saved by ${this.name} unchanged`,
          'a saved tensor modified in place',
          `backward: a tensor needed to compute the gradient of ${this.name} was modified by an in-place operation (set() or an optimizer step) after it was used; clone() it before modifying, or call backward() first`);
      }
    }
    return this.rule(gy, this.edges.map((e) => e !== null));
  }

  /** Frees the saved tensors (the node can no longer run backward). */
  release(): void {
    if (this.released) return;
    this.released = true;
    for (const t of this.saved) t.dispose();
    this.saved = [];
  }

  ref(): void {
    this.refs++;
  }

  /** Drops one reference; the last one frees the saved tensors and unreferences the inputs' nodes. */
  unref(): void {
    if (--this.refs > 0) return;
    this.release();
    for (const e of this.edges) if (e instanceof GradNode) e.unref();
  }
}

/**
 * Records `out` as made by `name` from `inputs`, with `rule` computing input gradients from the
 * output gradient. `saved` are tensors the rule reads (accessed in the rule as `node.savedTensors`
 * or captured by the closure through `saved` handles passed back by this function).
 * Returns the private handles of the saved tensors, in order.
 */
export function record(out: Tensor, name: string, inputs: readonly (Tensor | null | undefined)[], rule: (gy: Tensor, needs: readonly boolean[], saved: readonly Tensor[]) => (Tensor | null)[], saved: readonly Tensor[] = []): void {
  const node: GradNode = new GradNode(name, inputs, (gy, needs) => rule(gy, needs, node.savedTensors), saved);
  node.ref();
  out._node = node;
  out._requiresGrad = true;
}
