import { ArgumentError, describe } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { adamStep } from '../ops/update.js';
import { Optimizer, type Params } from './optimizer.js';
import { checkFiniteRange, readArray, readOptions } from '../args.js';

const KEYS = new Set(['lr', 'betas', 'eps', 'weightDecay', 'decoupled']);

/**
 * The hyper-parameters of {@link Adam} (PyTorch's names and defaults: lr 1e-3, betas [0.9, 0.999],
 * eps 1e-8, weight decay 0).
 * @example
 * const opts: sc.optim.AdamOptions = { lr: 1e-2, weightDecay: 1e-2, decoupled: true };   // AdamW
 * new sc.optim.Adam([sc.variable([1])], opts).decoupled   // => true
 */
export interface AdamOptions {
  lr?: number;
  betas?: [number, number];
  eps?: number;
  weightDecay?: number;
  /** Decoupled weight decay (AdamW) instead of L2 added to the gradient. */
  decoupled?: boolean;
}

/**
 * Adam (and AdamW with `decoupled: true`), PyTorch's update rule with bias correction.
 * @example
 * const w = sc.variable([1, -2]);
 * const opt = new sc.optim.Adam([w], { lr: 0.1 });
 * w.square().sum().backward();
 * opt.step();   // the first step moves every parameter by about lr, against its gradient's sign
 * w             // => [0.9, -1.9]
 */
export class Adam extends Optimizer {
  readonly lr: number;
  readonly betas: readonly [number, number];
  readonly eps: number;
  readonly weightDecay: number;
  readonly decoupled: boolean;
  protected readonly stateCount = 2;
  private readonly counts = new Map<Tensor, number>();

  constructor(params: Params, options: AdamOptions = {}) {
    const op = 'Adam';
    super(op, params);
    if (options === null || typeof options !== 'object') throw new ArgumentError(op, 'options', 'an object { lr?, betas?, ... }', describe(options));
    const o = readOptions<Record<keyof AdamOptions, unknown>>(op, options, KEYS);
    this.lr = checkFiniteRange(op, 'lr', o.lr ?? 1e-3, 0);
    const betas = o.betas === undefined ? [0.9, 0.999] : readArray(op, 'betas', o.betas, 'a pair [beta1, beta2]', 2);
    if (betas.length !== 2) throw new ArgumentError(op, 'betas', 'a pair [beta1, beta2]', describe(betas));
    this.betas = Object.freeze([checkFiniteRange(op, 'betas[0]', betas[0], 0, 1), checkFiniteRange(op, 'betas[1]', betas[1], 0, 1)] as const);
    this.eps = checkFiniteRange(op, 'eps', o.eps ?? 1e-8, 0);
    this.weightDecay = checkFiniteRange(op, 'weightDecay', o.weightDecay ?? 0, 0);
    if (o.decoupled !== undefined && typeof o.decoupled !== 'boolean') throw new ArgumentError(op, 'decoupled', 'true or false', describe(o.decoupled));
    this.decoupled = o.decoupled ?? false;
  }

  protected update(p: Tensor, g: Tensor, [m, v]: Tensor[]): void {
    adamStep(p, g, m!, v!, this, this.counts);
  }
}
