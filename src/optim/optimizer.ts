// Optimizers update parameters in place with one SIMD kernel call per parameter; their state
// (momentum buffers, Adam moments) is allocated once per parameter and reused.
import { ArgumentError, DisposedTensorError, describe } from '../errors.js';
import { DIMS, Tensor, checkGrad } from '../tensor.js';
import { outsideScopes } from '../storage.js';
import { Module } from '../nn/module.js';
import { zeros } from '../ops/create.js';
import { readArray } from '../args.js';
import { everyStep, outsideCapture } from '../ops/update.js';

/**
 * What an optimizer updates: an array of tensors, or a module (whose parameters are looked up at
 * every step, so lazy ones join once made).
 * @example
 * const params: sc.optim.Params = [sc.variable([1, 2])];
 * new sc.optim.SGD(params, { lr: 0.1 }).params.length   // => 1
 */
export type Params = readonly Tensor[] | Module;

/**
 * The base class of the optimizers ({@link SGD}, {@link Adam}): `step()` updates every parameter
 * from its gradient in place, `zeroGrad()` clears the gradients.
 * @example
 * const w = sc.variable([3]);
 * const opt: sc.optim.Optimizer = new sc.optim.SGD([w], { lr: 0.25 });
 * for (let i = 0; i < 3; i++) {
 *   opt.zeroGrad();
 *   w.square().sum().backward();
 *   opt.step();   // w *= 1 - 2·lr
 * }
 * opt.steps   // => 3
 * w           // => [0.375]
 */
export abstract class Optimizer {
  /** The name in error messages ('SGD', 'Adam'). */
  private readonly op: string;
  /** The name of step() in error messages ('SGD.step'). */
  private readonly stepOp: string;
  private readonly source: Params;
  private readonly state = new Map<Tensor, Tensor[]>();
  /** Completed steps. */
  steps = 0;
  private readonly countStep = () => {
    this.steps++;
  };

  constructor(op: string, params: Params) {
    // An array is read once (later edits of the caller's array change nothing).
    const list = params instanceof Module ? null : Array.isArray(params) ? readArray(op, 'params', params, 'an array of tensors or an nn.Module') : null;
    if (list === null && !(params instanceof Module)) throw new ArgumentError(op, 'params', 'an array of tensors or an nn.Module', describe(params));
    if (list !== null) list.forEach((p, i) => {
      if (!(p instanceof Tensor)) throw new ArgumentError(op, 'params', 'an array of tensors or an nn.Module', `${describe(p)} at params[${i}]`);
      if (p.isDisposed) throw new DisposedTensorError(op, `params[${i}]`);
    });
    this.op = op;
    this.stepOp = `${op}.step`;
    this.source = list === null ? params : Object.freeze(list as Tensor[]);
  }

  /** The parameters updated: a module's are looked up at every step, so lazy ones join once made. */
  get params(): Tensor[] {
    return this.list().slice();
  }

  /** The parameters, not copied (callers must not edit the array). */
  private list(): readonly Tensor[] {
    return this.source instanceof Module ? this.source.parameterList() : this.source;
  }

  /** Clears every parameter's gradient. */
  zeroGrad(): void {
    const ps = this.list();
    for (let i = 0; i < ps.length; i++) ps[i]!.zeroGrad();
  }

  /**
   * Applies one update to every parameter that has a gradient. All or nothing: a disposed
   * parameter (DisposedTensorError) or running out of memory for the optimizer's state is
   * detected before any parameter changes.
   */
  step(): void {
    const params = this.list();
    const n = params.length;
    // Check every parameter and its gradient (shape and memory) before any kernel runs.
    for (let i = 0; i < n; i++) {
      const p = params[i];
      if (!(p instanceof Tensor)) throw new ArgumentError(this.stepOp, `params[${i}]`, 'a Tensor', describe(p));
      if (p._disposed) throw new DisposedTensorError(this.stepOp, p.name ?? `params[${i}]`);
      const g = p._grad;
      if (g !== null && !g._disposed) checkGrad(this.stepOp, p, g, false);
    }
    if (this.stateCount > 0) {
      for (let i = 0; i < n; i++) {
        const p = params[i]!, g = p._grad;
        if (g !== null && !g._disposed && !this.state.has(p)) this.state.set(p, outsideCapture(() => outsideScopes(() => newState(p[DIMS], this.stateCount))));
      }
    }
    everyStep(this.countStep); // a compiled step's replays count too
    for (let i = 0; i < n; i++) {
      const p = params[i]!, g = p._grad;
      if (g !== null && !g._disposed) this.update(p, g, this.state.get(p) ?? NO_STATE);
    }
  }

  /** How many state tensors (shaped like the parameter) each parameter needs. */
  protected abstract readonly stateCount: number;
  /** Updates `p` in place from `g` and its state, through an op of ops/update.ts. */
  protected abstract update(p: Tensor, g: Tensor, state: Tensor[]): void;

  /** Frees the optimizer's state. */
  dispose(): void {
    for (const s of this.state.values()) for (const t of s) t.dispose();
    this.state.clear();
  }
}

/** The state of a parameter when the optimizer keeps none. */
const NO_STATE: Tensor[] = [];

/** `count` zero tensors of `shape`; none stays allocated if one cannot be. */
function newState(shape: readonly number[], count: number): Tensor[] {
  const out: Tensor[] = [];
  try {
    for (let i = 0; i < count; i++) out.push(zeros(shape));
  } catch (e) {
    for (const t of out) t.dispose();
    throw e;
  }
  return out;
}
