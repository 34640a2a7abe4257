// Sigmoid and tanh: validate → kernel (assembly/activation.ts) → record. Both backward rules read
// the saved output y: sigmoid' = y (1 - y), tanh' = 1 - y².
import { DIMS, Tensor, checkTensor, empty } from '../tensor.js';
import { kernels as K } from '../wasm/kernels.js';
import { needsGrad, record } from '../autograd/node.js';

type Activation = 'sigmoid' | 'tanh';

function activation(op: Activation, name: string, a: Tensor): Tensor {
  const t = checkTensor(op, 'a', a);
  const out = empty(t[DIMS], op);
  K[op](out.ptr(op, 'out'), t.ptr(op, 'a'), t.size);
  if (needsGrad(t)) {
    const back = op === 'sigmoid' ? 'sigmoid_backward' : 'tanh_backward';
    record(out, name, [t], (gy, _needs, [y]) => {
      const dx = empty(gy[DIMS], op);
      K[back](dx.ptr(op, 'dx'), gy.ptr(op, 'dy'), y!.ptr(op, 'y'), dx.size);
      return [dx];
    }, [out]);
  }
  return out;
}

/**
 * The logistic sigmoid `1 / (1 + e^-a)`, elementwise (like `torch.sigmoid`). Differentiable.
 * @example sc.sigmoid(sc.tensor([0, 100, -100])).toArray()   // => [0.5, 1, 0]
 */
export function sigmoid(a: Tensor): Tensor {
  return activation('sigmoid', 'Sigmoid', a);
}

/**
 * The hyperbolic tangent, elementwise (like `torch.tanh`). Differentiable.
 * @example sc.tanh(sc.tensor([0, 20, -20])).toArray()   // => [0, 1, -1]
 */
export function tanh(a: Tensor): Tensor {
  return activation('tanh', 'Tanh', a);
}
