// softmax, logSoftmax and argmax along one axis: validate → kernel (assembly/softmax.ts) → record.
// The tensor is viewed as [outer, dim, inner] around the axis; the kernels are numerically stable
// (the axis maximum is subtracted before exp). argmax returns float32 indices (the library has one
// dtype), exact up to 2^24.
import { ArgumentError, ShapeError, describe, shapeStr } from '../errors.js';
import { DIMS, Tensor, checkTensor, empty } from '../tensor.js';
import { kernels as K } from '../wasm/kernels.js';
import { readOptions } from '../args.js';
import { Slot, heap, scratch } from '../wasm/runtime.js';
import { needsGrad, record } from '../autograd/node.js';
import { normAxis } from './util.js';
import { replayJs } from '../wasm/capture.js';

/** [outer, dim, inner] of `shape` around `axis`. */
function around(shape: readonly number[], axis: number): [number, number, number] {
  let outer = 1, inner = 1;
  for (let i = 0; i < axis; i++) outer *= shape[i]!;
  for (let i = axis + 1; i < shape.length; i++) inner *= shape[i]!;
  return [outer, shape[axis]!, inner];
}

function softmaxLike(op: 'softmax' | 'logSoftmax', x: Tensor, dim: number): Tensor {
  const t = checkTensor(op, 'x', x);
  // A 0-d tensor is one element along dim 0 or -1, as in PyTorch.
  const shape = t[DIMS].length === 0 ? [1] : t[DIMS];
  if (dim === undefined) throw new ArgumentError(op, 'dim', 'an integer axis (PyTorch needs dim too)', 'undefined');
  const axis = normAxis(op, dim, shape.length, 'dim');
  const [outer, n, inner] = around(shape, axis);
  const out = empty(t[DIMS], op);
  const fwd = op === 'softmax' ? 'softmax' : 'log_softmax';
  if (out.size > 0) K[fwd](out.ptr(op, 'out'), t.ptr(op, 'x'), outer, n, inner);
  if (needsGrad(t)) {
    const back = op === 'softmax' ? 'softmax_backward' : 'log_softmax_backward';
    record(out, op === 'softmax' ? 'Softmax' : 'LogSoftmax', [t], (gy, _needs, [y]) => {
      const dx = empty(gy[DIMS], op);
      if (dx.size > 0) K[back](dx.ptr(op, 'dx'), gy.ptr(op, 'dy'), y!.ptr(op, 'y'), outer, n, inner);
      return [dx];
    }, [out]);
  }
  return out;
}

/**
 * `exp(x) / sum(exp(x))` along `dim` (like `torch.softmax(x, dim)`), computed stably.
 * Differentiable.
 * @example
 * sc.softmax(sc.tensor([[0, 0], [1000, 1000]]), 1)   // => [[0.5, 0.5], [0.5, 0.5]]
 */
export function softmax(x: Tensor, dim: number): Tensor {
  return softmaxLike('softmax', x, dim);
}

/**
 * `log(softmax(x, dim))` computed stably as `x - max - log(sum(exp(x - max)))` (like
 * `torch.log_softmax`). Differentiable.
 * @example
 * sc.logSoftmax(sc.tensor([0, 0]), 0)   // => [-Math.LN2, -Math.LN2]
 */
export function logSoftmax(x: Tensor, dim: number): Tensor {
  return softmaxLike('logSoftmax', x, dim);
}

const ARGMAX_KEYS = new Set(['keepdim']);

/**
 * The index of the maximum along `dim` (of all elements, flattened, when `dim` is omitted or
 * null), like `torch.argmax`: the first index of the maximum; a NaN counts as the maximum. The
 * indices are returned as a float32 tensor (exact below 2^24). `keepdim` keeps the reduced axis
 * as size 1. Not differentiable.
 * @example
 * const x = sc.tensor([[1, 5, 5], [7, 0, 2]]);
 * sc.argmax(x, 1)                       // => [1, 0]
 * sc.argmax(x, 0, { keepdim: true })    // => [[1, 0, 0]]
 * sc.argmax(x).item()                   // => 3
 */
export function argmax(x: Tensor, dim?: number | null, options?: { keepdim?: boolean }): Tensor {
  const op = 'argmax';
  const t = checkTensor(op, 'x', x);
  const o = readOptions<{ keepdim?: unknown }>(op, options, ARGMAX_KEYS);
  const keepdim = o.keepdim ?? false;
  if (typeof keepdim !== 'boolean') throw new ArgumentError(op, 'keepdim', 'true or false', describe(keepdim));
  const s = t[DIMS];
  let outer: number, n: number, inner: number, shape: number[];
  if (dim === undefined || dim === null) {
    [outer, n, inner] = [1, t.size, 1];
    shape = keepdim ? s.map(() => 1) : [];
  } else {
    const axis = normAxis(op, dim, Math.max(s.length, 1), 'dim');
    [outer, n, inner] = s.length === 0 ? [1, 1, 1] : around(s, axis);
    shape = s.length === 0 ? [] : keepdim ? s.map((d, i) => (i === axis ? 1 : d)) : s.filter((_, i) => i !== axis);
  }
  if (n === 0) throw new ShapeError(op, 'x', 'a non-empty axis to take the maximum of', `shape ${shapeStr(s)}`);
  const out = empty(shape, op);
  const m = outer * inner;
  if (m === 0) return out;
  const at = scratch(Slot.Tmp, m * 4, op);
  K.argmax(at, t.ptr(op, 'x'), outer, n, inner);
  // int32 → float32 conversion by TypedArray.set (native, element by element; the source is copied
  // first when the two views share a buffer).
  const h = heap(op), to = out.ptr(op, 'out') >> 2;
  replayJs(() => h.f32Raw().set(h.i32Raw().subarray(at >> 2, (at >> 2) + m), to));
  return out;
}
