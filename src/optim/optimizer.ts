// Optimizers update parameters in place with one SIMD kernel call per parameter; their state
// (momentum buffers, Adam moments) is allocated once per parameter and reused.
import { ArgumentError, describe } from '../errors.js';
import { Tensor, outsideScopes } from '../tensor.js';
import { Module } from '../nn/module.js';
import { zeros } from '../ops/create.js';

export type Params = readonly Tensor[] | Module;

export abstract class Optimizer {
  private readonly source: Params;
  private readonly state = new Map<Tensor, Tensor[]>();
  /** Completed steps. */
  steps = 0;

  constructor(op: string, params: Params) {
    if (!(params instanceof Module) && !(Array.isArray(params) && params.every((p) => p instanceof Tensor))) {
      throw new ArgumentError(op, 'params', 'an array of tensors or an nn.Module', describe(params));
    }
    this.source = params;
  }

  /** The parameters updated: a module's are looked up at every step, so lazy ones join once made. */
  get params(): Tensor[] {
    return this.source instanceof Module ? this.source.parameters() : this.source.slice();
  }

  /** Clears every parameter's gradient. */
  zeroGrad(): void {
    for (const p of this.params) p.zeroGrad();
  }

  /** Applies one update to every parameter that has a gradient. */
  step(): void {
    this.steps++;
    for (const p of this.params) {
      if (p.isDisposed || p.grad === null || p.grad.isDisposed) continue;
      let s = this.state.get(p);
      if (s === undefined) {
        s = outsideScopes(() => Array.from({ length: this.stateCount }, () => zeros(p.shape)));
        this.state.set(p, s);
      }
      this.update(p, p.grad, s);
      p._storage.version++;
    }
  }

  /** How many state tensors (shaped like the parameter) each parameter needs. */
  protected abstract readonly stateCount: number;
  /** Updates `p` in place from `g` and its state. */
  protected abstract update(p: Tensor, g: Tensor, state: Tensor[]): void;

  /** Frees the optimizer's state. */
  dispose(): void {
    for (const s of this.state.values()) for (const t of s) t.dispose();
    this.state.clear();
  }
}

export function hyper(op: string, argument: string, v: unknown, min: number, maxExclusive = Infinity): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v >= maxExclusive) {
    const range = maxExclusive === Infinity ? `a finite number >= ${min}` : `a number in [${min}, ${maxExclusive})`;
    throw new ArgumentError(op, argument, range, describe(v));
  }
  return v;
}
