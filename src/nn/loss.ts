// Losses, built from differentiable ops.
import { ArgumentError, ShapeError, describe, shapeStr } from '../errors.js';
import { Tensor } from '../tensor.js';
import { sub, square } from '../ops/elementwise.js';
import { mean, sum } from '../ops/reduce.js';
import { checkTensor, sameShape } from '../ops/util.js';

export type Reduction = 'mean' | 'sum' | 'none';

/**
 * The elementwise squared error `(yHat - y)²`, the lesson's `l`.
 * @example const l = sc.nn.squaredError(yHat, Y); l.sum().backward();
 */
export function squaredError(yHat: Tensor, y: Tensor): Tensor {
  const op = 'squaredError';
  const a = checkTensor(op, 'yHat', yHat), b = checkTensor(op, 'y', y);
  if (!sameShape(a.shape, b.shape)) throw new ShapeError(op, 'y', `shape ${shapeStr(a.shape)} (like yHat)`, `shape ${shapeStr(b.shape)}`);
  const d = sub(a, b);
  const out = square(d);
  d.dispose();
  return out;
}

/**
 * Mean squared error, reduced by 'mean' (default), 'sum' or 'none' (like torch.nn.MSELoss).
 * @example const loss = sc.nn.mseLoss(layer.forward(X), Y, { reduction: 'sum' });
 */
export function mseLoss(yHat: Tensor, y: Tensor, options: { reduction?: Reduction } = {}): Tensor {
  const reduction = options.reduction ?? 'mean';
  if (reduction !== 'mean' && reduction !== 'sum' && reduction !== 'none') {
    throw new ArgumentError('mseLoss', 'reduction', "'mean', 'sum' or 'none'", describe(reduction));
  }
  const l = squaredError(yHat, y);
  if (reduction === 'none') return l;
  const r = reduction === 'mean' ? mean(l) : sum(l);
  l.dispose();
  return r;
}
