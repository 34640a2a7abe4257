// Losses: the squared error and mseLoss, each one fused op.
import { ArgumentError, ShapeError, describe, shapeStr } from '../errors.js';
import { DIMS, Tensor, checkTensor } from '../tensor.js';
import { squaredDifference, squaredDifferenceSum } from '../ops/elementwise.js';
import { sameShape } from '../layout.js';

import type { Reduction } from '../ops/cross-entropy.js';

export type { Reduction };

/**
 * The elementwise squared error `(yHat - y)²`, the lesson's `l`.
 * @example
 * const yHat = sc.variable([1, 2, 3]);
 * const l = sc.nn.squaredError(yHat, sc.tensor([1, 0, 0]));
 * l                  // => [0, 4, 9]
 * l.sum().backward();
 * yHat.grad          // => [0, 4, 6]
 */
export function squaredError(yHat: Tensor, y: Tensor): Tensor {
  const op = 'squaredError';
  const a = checkTensor(op, 'yHat', yHat), b = checkTensor(op, 'y', y);
  if (!sameShape(a[DIMS], b[DIMS])) throw new ShapeError(op, 'y', `shape ${shapeStr(a[DIMS])} (like yHat)`, `shape ${shapeStr(b[DIMS])}`);
  return squaredDifference(a, b);
}

/**
 * Mean squared error, reduced by 'mean' (default), 'sum' or 'none' (like torch.nn.MSELoss).
 * @example
 * sc.nn.mseLoss(sc.tensor([1, 2, 3]), sc.tensor([1, 0, 0])).item()                        // => 13 / 3
 * sc.nn.mseLoss(sc.tensor([1, 2, 3]), sc.tensor([1, 0, 0]), { reduction: 'sum' }).item()  // => 13
 */
export function mseLoss(yHat: Tensor, y: Tensor, options: { reduction?: Reduction } = {}): Tensor {
  if (options === null || typeof options !== 'object') throw new ArgumentError('mseLoss', 'options', 'an options object { reduction? }', describe(options));
  const reduction = options.reduction ?? 'mean';
  if (reduction !== 'mean' && reduction !== 'sum' && reduction !== 'none') {
    throw new ArgumentError('mseLoss', 'reduction', "'mean', 'sum' or 'none'", describe(reduction));
  }
  if (reduction === 'none') return squaredError(yHat, y);
  const op = 'mseLoss';
  const a = checkTensor(op, 'yHat', yHat), b = checkTensor(op, 'y', y);
  if (!sameShape(a[DIMS], b[DIMS])) throw new ShapeError(op, 'y', `shape ${shapeStr(a[DIMS])} (like yHat)`, `shape ${shapeStr(b[DIMS])}`);
  return squaredDifferenceSum(a, b, reduction === 'mean');
}
