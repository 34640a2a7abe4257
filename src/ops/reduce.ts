// Reductions over all elements or along axes. Summation order is fixed by the kernel, so results
// are bitwise identical on every runtime.
import { ShapeError, shapeStr } from '../errors.js';
import { DIMS, Tensor, empty, view, checkTensor } from '../tensor.js';
import { kernels } from '../wasm/kernels.js';
import { heap } from '../wasm/runtime.js';
import { guarded } from '../wasm/capture.js';
import { needsGrad, record } from '../autograd/node.js';
import { normAxes } from './util.js';
import { sizeOf, stridesOf } from '../layout.js';
import { broadcastStrides, copyStrided } from './strided.js';

type ReduceKernel = 'sum' | 'max' | 'min';

/** Reduces `t` along sorted `axes` with a kernel, one run of adjacent axes at a time. */
function reduceAxes(op: string, kernel: ReduceKernel, t: Tensor, axes: readonly number[]): Tensor {
  // Group adjacent axes into runs: each run is one kernel call over [outer, n, inner].
  let cur = t;
  let shape = t[DIMS].slice();
  let removed = 0;
  let i = 0;
  while (i < axes.length) {
    let j = i;
    while (j + 1 < axes.length && axes[j + 1] === axes[j]! + 1) j++;
    const first = axes[i]! - removed, last = axes[j]! - removed;
    const outer = sizeOf(shape.slice(0, first));
    const n = sizeOf(shape.slice(first, last + 1));
    const inner = sizeOf(shape.slice(last + 1));
    const next = shape.slice(0, first).concat(shape.slice(last + 1));
    if (n === 0 && kernel !== 'sum') {
      throw new ShapeError(op, 'this', 'a non-empty tensor along the reduced axes', shapeStr(t[DIMS]));
    }
    const out = empty(next, op);
    if (n === 0) kernels.fill(out.ptr(op, 'out'), out.size, 0);
    else if (out.size > 0) kernels[kernel](out.ptr(op, 'out'), cur.ptr(op, 'a'), outer, n, inner);
    if (cur !== t) cur.dispose();
    cur = out;
    shape = next;
    removed += j - i + 1;
    i = j + 1;
  }
  return cur;
}

function keepShape(shape: readonly number[], axes: readonly number[]): number[] {
  return shape.map((d, i) => (axes.includes(i) ? 1 : d));
}

/** Normalises the `axis` argument: all axes when undefined. */
function axesOf(op: string, t: Tensor, axis: number | readonly number[] | undefined): number[] {
  if (axis === undefined) return t[DIMS].map((_, i) => i);
  return normAxes(op, axis, t.ndim);
}

/**
 * Sum of all elements (0-d result), or along `axis` (an axis or several); `keepDims` keeps the
 * reduced axes with length 1.
 * @example sc.tensor([[1, 2], [3, 4]]).sum(0).toArray()   // => [4, 6]
 */
export function sum(a: Tensor, axis?: number | readonly number[], keepDims = false): Tensor {
  return sumOrMean('sum', a, axis, keepDims);
}

/**
 * Mean of all elements, or along `axis`.
 * @example sc.tensor([[1, 2], [3, 4]]).mean().item()   // => 2.5
 */
export function mean(a: Tensor, axis?: number | readonly number[], keepDims = false): Tensor {
  return sumOrMean('mean', a, axis, keepDims);
}

/** The sum (or mean: the sum divided by the count, and so is its gradient) over `axis`. */
function sumOrMean(op: 'sum' | 'mean', a: Tensor, axis: number | readonly number[] | undefined, keepDims: boolean): Tensor {
  const t = checkTensor(op, 'this', a);
  if (axis === undefined && !keepDims) return sumOrMeanAll(op, t);
  const axes = axesOf(op, t, axis);
  let count = 1;
  for (const ax of axes) count *= t[DIMS][ax]!;
  // Divide (not multiply by 1/n) so means of integers stay exact where they can.
  const scale = (x: Tensor) => {
    if (op === 'mean') kernels.divs(x.ptr(op, 'out'), x.ptr(op, 'out'), x.size, count);
    return x;
  };
  let out = scale(reduceAxes(op, 'sum', t, axes));
  const kept = keepShape(t[DIMS], axes);
  if (keepDims) {
    const r = view(out, kept);
    out.dispose();
    out = r;
  }
  if (needsGrad(t)) {
    const inShape = t[DIMS];
    record(out, op === 'sum' ? 'Sum' : 'Mean', [t], (gy) => [scale(expandTo(gy, kept, inShape))]);
  }
  return out;
}

/** The sum (or mean) of all elements, a 0-d tensor: one kernel call each way. */
function sumOrMeanAll(op: 'sum' | 'mean', t: Tensor): Tensor {
  const n = t.size;
  const out = empty([], op);
  const at = out.ptr(op, 'out');
  if (n === 0) kernels.fill(at, 1, 0);
  else kernels.sum(at, t.ptr(op, 'a'), 1, n, 1);
  if (op === 'mean') kernels.divs(at, at, 1, n);
  if (needsGrad(t)) {
    const inShape = t[DIMS];
    // The gradient of every element is gy (divided by the count for the mean, rounded as divs does).
    record(out, op === 'sum' ? 'Sum' : 'Mean', [t], (gy) => {
      const at = gy.ptr(op, 'gy');
      const v = guarded(heap(op), at).f32Raw()[at >> 2]!;
      const g = empty(inShape, op);
      kernels.fill(g.ptr(op, 'out'), n, op === 'mean' ? v / Math.fround(n) : v);
      return [g];
    });
  }
  return out;
}

/**
 * Largest element, or along `axis` (NaN propagates). Not differentiable.
 * @example sc.tensor([[1, 5], [3, 4]]).max(1).toArray()   // => [5, 4]
 */
export function max(a: Tensor, axis?: number | readonly number[], keepDims = false): Tensor {
  return extreme('max', a, axis, keepDims);
}

/**
 * Smallest element, or along `axis` (NaN propagates). Not differentiable.
 * @example sc.tensor([[1, 5], [3, 4]]).min().item()   // => 1
 */
export function min(a: Tensor, axis?: number | readonly number[], keepDims = false): Tensor {
  return extreme('min', a, axis, keepDims);
}

function extreme(op: 'max' | 'min', a: Tensor, axis: number | readonly number[] | undefined, keepDims: boolean): Tensor {
  const t = checkTensor(op, 'this', a);
  const axes = axesOf(op, t, axis);
  const out = reduceAxes(op, op, t, axes);
  if (!keepDims) return out;
  const r = view(out, keepShape(t[DIMS], axes));
  out.dispose();
  return r;
}

/** Broadcasts `g` (of `keptShape`, reduced axes of length 1) to `shape`: the adjoint of sum. */
function expandTo(g: Tensor, keptShape: readonly number[], shape: readonly number[]): Tensor {
  const op = 'expand';
  const out = empty(shape, op);
  copyStrided(op, out.ptr(op, 'out'), g.ptr(op, 'g'), shape, stridesOf(shape), broadcastStrides(keptShape, shape));
  return out;
}

/**
 * The value of a one-element tensor.
 * @example sc.tensor([[19]]).item()   // => 19
 */
export function item(a: Tensor): number {
  const t = checkTensor('item', 'this', a);
  if (t.size !== 1) throw new ShapeError('item', 'this', 'a tensor with exactly one element', `shape ${shapeStr(t[DIMS])} with ${t.size}`);
  return heap('item').f32()[t.ptr('item', 'this') >> 2]!;
}
