// The CNN chapter's Tensor methods, installed on Tensor.prototype (declaration merging gives them
// their types): t.sigmoid() t.tanh() t.softmax(dim) t.logSoftmax(dim) t.argmax(dim?, opts?) and
// t.flatten(startDim?, endDim?) (torch.flatten: no argument flattens everything, as before).
// attachTensorMethods (ops/methods.ts) installs them with the others, at init.
import { Tensor } from '../tensor.js';
import { sigmoid, tanh } from './activation.js';
import { argmax, logSoftmax, softmax } from './softmax.js';
import { flatten } from './linear.js';

declare module '../tensor.js' {
  interface Tensor {
    /** The logistic sigmoid, elementwise (see `sigmoid`). */
    sigmoid(): Tensor;
    /** The hyperbolic tangent, elementwise (see `tanh`). */
    tanh(): Tensor;
    /** Softmax along `dim` (see `softmax`). */
    softmax(dim: number): Tensor;
    /** Log-softmax along `dim` (see `logSoftmax`). */
    logSoftmax(dim: number): Tensor;
    /** Indices of the maxima along `dim`, or of all elements (see `argmax`). */
    argmax(dim?: number | null, options?: { keepdim?: boolean }): Tensor;
    /** Flattens axes startDim .. endDim (default all: a 1-D tensor) into one (see `flatten`). Shares memory. */
    flatten(startDim?: number, endDim?: number): Tensor;
  }
}

const methods: Partial<Record<keyof Tensor, unknown>> = {
  sigmoid(this: Tensor): Tensor {
    return sigmoid(this);
  },
  tanh(this: Tensor): Tensor {
    return tanh(this);
  },
  softmax(this: Tensor, dim: number): Tensor {
    return softmax(this, dim);
  },
  logSoftmax(this: Tensor, dim: number): Tensor {
    return logSoftmax(this, dim);
  },
  argmax(this: Tensor, dim?: number | null, options?: { keepdim?: boolean }): Tensor {
    return argmax(this, dim, options);
  },
  flatten(this: Tensor, startDim?: number, endDim?: number): Tensor {
    return flatten(this, startDim, endDim);
  },
};
/** Attaches the CNN chapter's methods to Tensor.prototype (called by attachTensorMethods). */
export function attachCnnMethods(): void {
  for (const [name, fn] of Object.entries(methods)) {
    Object.defineProperty(Tensor.prototype, name, { value: fn, writable: true, configurable: true, enumerable: false });
  }
}
