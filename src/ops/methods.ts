// The Tensor methods that run ops (`x.add(y)`, `x.T`, `loss.backward()`), attached to
// Tensor.prototype here so that tensor.ts imports no op (the "chained ops" pattern of tfjs-core).
// Their types reach tensor.ts's Tensor by declaration merging, which every module importing this
// one sees (core.ts re-exports Tensor from here, so the package's types always include them);
// the entries call attachTensorMethods() in init, before any tensor exists.
import { Tensor } from '../tensor.js';
import { backward } from '../autograd/engine.js';
import { add, div, maximum, minimum, mul, pow, sub } from './elementwise.js';
import { abs, exp, log, neg, relu, sqrt, square } from './unary.js';
import { item, max, mean, min, sum } from './reduce.js';
import { clone, detach, flip, reshape, setSlice, slice, transpose, type IndexSpec, type SetValue } from './shape.js';
import { matmul } from './matmul.js';
import { attachCnnMethods } from './cnn-methods.js';

export { Tensor };
// Re-exported so that every program that sees this module (the shipped .d.ts included) also sees
// cnn-methods.ts's declaration merging.
export { attachCnnMethods };

declare module '../tensor.js' {
  interface Tensor {
    /** The only element of a one-element tensor, as a number. */
    item(): number;

    /** Same elements, new shape (one axis may be -1). Shares memory with this tensor. */
    reshape(shape: readonly number[]): Tensor;
    /** Flattens to 1-D (shares memory). */
    flatten(): Tensor;
    /**
     * Permutes axes: no argument reverses them (a matrix transpose), two axes swap, an array is a
     * full permutation. Copies.
     */
    transpose(...axes: number[] | [readonly number[]]): Tensor;
    /** The transpose (axes reversed), like `X.T` in PyTorch. */
    readonly T: Tensor;
    /** Reverses the order along the given axes (all axes when omitted). */
    flip(axes?: number | readonly number[]): Tensor;
    /**
     * A copy of a sub-array. One entry per leading axis: `null` (all), an index (drops the axis),
     * or `[start, stop]` / `[start, stop, step]` (Python slice rules, negative counts from the end).
     * @example
     * const X = sc.arange(16).reshape([2, 8]);
     * X.slice([null, [2, 6]])   // => [[2, 3, 4, 5], [10, 11, 12, 13]]
     */
    slice(index: IndexSpec): Tensor;
    /**
     * Writes `value` (a number, or a tensor broadcast to the region) into a sub-array, in place.
     * @example
     * const X = sc.ones([6, 8]);
     * X.set([null, [2, 6]], 0);   // X[:, 2:6] = 0, the lesson's image
     * X.slice([0])                // => [1, 1, 0, 0, 0, 0, 1, 1]
     */
    set(index: IndexSpec, value: SetValue): this;
    /** A copy with its own memory. */
    clone(): Tensor;

    add(other: Tensor | number): Tensor;
    sub(other: Tensor | number): Tensor;
    mul(other: Tensor | number): Tensor;
    div(other: Tensor | number): Tensor;
    pow(exponent: Tensor | number): Tensor;
    maximum(other: Tensor | number): Tensor;
    minimum(other: Tensor | number): Tensor;
    neg(): Tensor;
    abs(): Tensor;
    square(): Tensor;
    sqrt(): Tensor;
    exp(): Tensor;
    log(): Tensor;
    relu(): Tensor;
    /** Matrix product `this @ other` (see `matmul`: 1-D, 2-D and broadcast batches). */
    matmul(other: Tensor): Tensor;

    /** Sum of all elements (a 0-d tensor), or along `axis` (one or several). */
    sum(axis?: number | readonly number[], keepDims?: boolean): Tensor;
    /** Mean of all elements, or along `axis`. */
    mean(axis?: number | readonly number[], keepDims?: boolean): Tensor;
    /** Largest element (or along `axis`); NaN if any element is NaN. Not differentiable. */
    max(axis?: number | readonly number[], keepDims?: boolean): Tensor;
    /** Smallest element (or along `axis`); NaN if any element is NaN. Not differentiable. */
    min(axis?: number | readonly number[], keepDims?: boolean): Tensor;

    /**
     * Computes the gradient of this tensor with respect to every leaf that requires grad, adding it
     * to the leaves' `.grad`. A non-scalar tensor needs `gradient` (same shape): the vector of the
     * vector-Jacobian product.
     */
    backward(gradient?: Tensor, options?: { retainGraph?: boolean }): void;
    /** A tensor sharing this one's memory, cut off from autograd. */
    detach(): Tensor;
  }
}

/** The methods, as plain functions of `this`. */
const methods: ThisType<Tensor> & Partial<Record<keyof Tensor, unknown>> = {
  item(this: Tensor) { return item(this); },
  reshape(this: Tensor, shape: readonly number[]) { return reshape(this, shape); },
  flatten(this: Tensor) { return reshape(this, [this.size]); },
  transpose(this: Tensor, ...axes: number[] | [readonly number[]]) { return transpose(this, ...axes); },
  flip(this: Tensor, axes?: number | readonly number[]) { return flip(this, axes); },
  slice(this: Tensor, index: IndexSpec) { return slice(this, index); },
  set(this: Tensor, index: IndexSpec, value: SetValue) {
    setSlice(this, index, value);
    return this;
  },
  clone(this: Tensor) { return clone(this); },
  add(this: Tensor, other: Tensor | number) { return add(this, other); },
  sub(this: Tensor, other: Tensor | number) { return sub(this, other); },
  mul(this: Tensor, other: Tensor | number) { return mul(this, other); },
  div(this: Tensor, other: Tensor | number) { return div(this, other); },
  pow(this: Tensor, exponent: Tensor | number) { return pow(this, exponent); },
  maximum(this: Tensor, other: Tensor | number) { return maximum(this, other); },
  minimum(this: Tensor, other: Tensor | number) { return minimum(this, other); },
  neg(this: Tensor) { return neg(this); },
  abs(this: Tensor) { return abs(this); },
  square(this: Tensor) { return square(this); },
  sqrt(this: Tensor) { return sqrt(this); },
  exp(this: Tensor) { return exp(this); },
  log(this: Tensor) { return log(this); },
  relu(this: Tensor) { return relu(this); },
  matmul(this: Tensor, other: Tensor) { return matmul(this, other); },
  sum(this: Tensor, axis?: number | readonly number[], keepDims = false) { return sum(this, axis, keepDims); },
  mean(this: Tensor, axis?: number | readonly number[], keepDims = false) { return mean(this, axis, keepDims); },
  max(this: Tensor, axis?: number | readonly number[], keepDims = false) { return max(this, axis, keepDims); },
  min(this: Tensor, axis?: number | readonly number[], keepDims = false) { return min(this, axis, keepDims); },
  backward(this: Tensor, gradient?: Tensor, options: { retainGraph?: boolean } = {}) { backward(this, gradient, options); },
  detach(this: Tensor) { return detach(this); },
};

let attached = false;

/** Attaches the methods to Tensor.prototype (once; later calls do nothing). */
export function attachTensorMethods(): void {
  if (attached) return;
  attached = true;
  for (const [name, fn] of Object.entries(methods)) {
    Object.defineProperty(Tensor.prototype, name, { value: fn, writable: true, configurable: true, enumerable: false });
  }
  Object.defineProperty(Tensor.prototype, 'T', {
    get(this: Tensor) { return transpose(this); },
    configurable: true,
    enumerable: false,
  });
  attachCnnMethods();
}
