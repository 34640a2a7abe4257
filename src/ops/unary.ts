// Elementwise unary functions, each next to its derivative rule.
import { DIMS, Tensor, empty } from '../tensor.js';
import { kernels } from '../wasm/kernels.js';
import { broadcastKernel, times, unary, unaryKernel } from './elementwise-kernels.js';

/**
 * `-a`.
 * @example sc.neg(sc.tensor([1, -2])).toArray()   // => [-1, 2]
 */
export function neg(a: Tensor): Tensor {
  return unary('neg', 'neg', 'Neg', a, (gy) => unaryKernel('neg', 'neg', gy));
}

/**
 * `|a|` (the gradient at 0 is 0, like PyTorch).
 * @example sc.abs(sc.tensor([1, -2])).toArray()   // => [1, 2]
 */
export function abs(a: Tensor): Tensor {
  return unary('abs', 'abs', 'Abs', a, (gy, x) => times('abs', gy, unaryKernel('abs', 'sign', x)));
}

/**
 * `a²`.
 * @example sc.square(sc.tensor([3])).item()   // => 9
 */
export function square(a: Tensor): Tensor {
  return unary('square', 'square', 'Square', a, (gy, x) => times('square', gy, unaryKernel('square', 'muls', x, 2)));
}

/**
 * `√a` (NaN below 0).
 * @example sc.sqrt(sc.tensor([4])).item()   // => 2
 */
export function sqrt(a: Tensor): Tensor {
  return unary('sqrt', 'sqrt', 'Sqrt', a, (gy, _x, out) => {
    const r = unaryKernel('sqrt', 'rdivs', out, 0.5);
    return times('sqrt', gy, r);
  });
}

/**
 * `e^a`.
 * @example sc.exp(sc.tensor([0])).item()   // => 1
 */
export function exp(a: Tensor): Tensor {
  return unary('exp', 'exp', 'Exp', a, (gy, _x, out) => broadcastKernel('exp', 'mul', gy, out));
}

/**
 * Natural logarithm.
 * @example sc.log(sc.tensor([1])).item()   // => 0
 */
export function log(a: Tensor): Tensor {
  return unary('log', 'log', 'Log', a, (gy, x) => broadcastKernel('log', 'div', gy, x));
}

/**
 * `max(a, 0)`.
 * @example sc.relu(sc.tensor([-1, 2])).toArray()   // => [0, 2]
 */
export function relu(a: Tensor): Tensor {
  return unary('relu', 'relu', 'Relu', a, (gy, x) => {
    const g = empty(gy[DIMS], 'relu');
    kernels.relu_backward(g.ptr('relu', 'out'), gy.ptr('relu', 'dy'), x.ptr('relu', 'x'), g.size);
    return g;
  });
}

/**
 * -1, 0 or 1 by the sign of each element (not differentiable: its gradient is 0).
 * @example sc.sign(sc.tensor([-3, 0, 2])).toArray()   // => [-1, 0, 1]
 */
export function sign(a: Tensor): Tensor {
  return unary('sign', 'sign', 'Sign', a, (gy) => unaryKernel('sign', 'muls', gy, 0));
}
