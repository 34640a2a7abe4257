import { ArgumentError, describe } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { sgdStep } from '../ops/update.js';
import { Optimizer, type Params } from './optimizer.js';
import { checkFiniteRange, readOptions } from '../args.js';

const KEYS = new Set(['lr', 'momentum', 'dampening', 'weightDecay', 'nesterov']);

/**
 * The hyper-parameters of {@link SGD} (PyTorch's names and defaults: momentum 0, dampening 0,
 * weight decay 0, no Nesterov).
 * @example
 * const opts: sc.optim.SGDOptions = { lr: 0.1, momentum: 0.9 };
 * new sc.optim.SGD([sc.variable([1])], opts).momentum   // => 0.9
 */
export interface SGDOptions {
  lr: number;
  momentum?: number;
  dampening?: number;
  weightDecay?: number;
  nesterov?: boolean;
}

/**
 * Stochastic gradient descent with optional momentum, dampening, Nesterov and weight decay
 * (PyTorch's update rule).
 * @example
 * const w = sc.variable([1, -2]);
 * const opt = new sc.optim.SGD([w], { lr: 0.1 });   // or an nn.Module: new sc.optim.SGD(conv, { lr })
 * opt.zeroGrad();
 * w.square().sum().backward();   // dw = 2w = [2, -4]
 * opt.step();                    // w -= lr * dw
 * w                              // => [0.8, -1.6]
 */
export class SGD extends Optimizer {
  readonly lr: number;
  readonly momentum: number;
  readonly dampening: number;
  readonly weightDecay: number;
  readonly nesterov: boolean;
  protected readonly stateCount: number;

  constructor(params: Params, options: SGDOptions) {
    const op = 'SGD';
    super(op, params);
    if (options === null || typeof options !== 'object') throw new ArgumentError(op, 'options', 'an object { lr, momentum?, ... }', describe(options));
    const o = readOptions<Record<keyof SGDOptions, unknown>>(op, options, KEYS);
    this.lr = checkFiniteRange(op, 'lr', o.lr, 0);
    this.momentum = checkFiniteRange(op, 'momentum', o.momentum ?? 0, 0);
    this.dampening = checkFiniteRange(op, 'dampening', o.dampening ?? 0, 0, 1.0000001);
    this.weightDecay = checkFiniteRange(op, 'weightDecay', o.weightDecay ?? 0, 0);
    if (o.nesterov !== undefined && typeof o.nesterov !== 'boolean') throw new ArgumentError(op, 'nesterov', 'true or false', describe(o.nesterov));
    this.nesterov = o.nesterov ?? false;
    if (this.nesterov && (this.momentum <= 0 || this.dampening !== 0)) {
      throw new ArgumentError(op, 'nesterov', 'momentum > 0 and zero dampening for Nesterov momentum', `momentum ${this.momentum}, dampening ${this.dampening}`);
    }
    this.stateCount = this.momentum !== 0 ? 1 : 0;
  }

  protected update(p: Tensor, g: Tensor, state: Tensor[]): void {
    sgdStep(p, g, state[0] ?? null, this, this.started);
  }

  private readonly started = new WeakSet<Tensor>();
}
