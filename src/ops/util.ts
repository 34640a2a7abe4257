// Shared validation for ops: every public op converts and checks its inputs with these before
// any kernel runs, so bad input never reaches memory.
import { ArgumentError, DisposedTensorError, ShapeError, SimdconvOutOfMemoryError, describe, shapeStr } from '../errors.js';
import { Tensor } from '../tensor.js';
import { MAX_BYTES } from '../wasm/memory.js';

/** Checks that `t` is a live Tensor. */
export function checkTensor(op: string, argument: string, t: unknown): Tensor {
  if (!(t instanceof Tensor)) throw new ArgumentError(op, argument, 'a Tensor', describe(t));
  if (t._disposed) throw new DisposedTensorError(op, argument);
  return t;
}

/** Checks a finite number. */
export function checkNumber(op: string, argument: string, v: unknown): number {
  if (typeof v !== 'number' || Number.isNaN(v)) throw new ArgumentError(op, argument, 'a number', describe(v));
  return v;
}

/** Checks a finite number (no NaN, no ±Infinity). */
export function checkFinite(op: string, argument: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ArgumentError(op, argument, 'a finite number', describe(v));
  return v;
}

/** Checks an integer ≥ `min`. */
export function checkInt(op: string, argument: string, v: unknown, min: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
    throw new ArgumentError(op, argument, `an integer >= ${min}`, describe(v));
  }
  return v;
}

/** Checks a shape (array of non-negative integers) and that its float32 bytes fit the memory. */
export function checkShape(op: string, argument: string, shape: unknown): number[] {
  if (!Array.isArray(shape)) throw new ShapeError(op, argument, 'a shape (an array of non-negative integers)', describe(shape));
  if (shape.length > 8) throw new ShapeError(op, argument, 'at most 8 dimensions', `${shape.length} dimensions`);
  let size = 1;
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i];
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 0) {
      throw new ShapeError(op, argument, 'a shape of non-negative integers', `${describe(shape)} (entry ${i} is ${describe(d)})`);
    }
    size *= d;
  }
  checkBytes(op, argument, size, shape);
  return shape.map((d: number) => d + 0); // + 0 turns a -0 into 0
}

/** Throws SimdconvOutOfMemoryError when `size` float32s cannot fit in wasm32 memory at all. */
export function checkBytes(op: string, argument: string, size: number, shape: readonly number[]): void {
  if (size * 4 > MAX_BYTES) {
    throw new SimdconvOutOfMemoryError(op, argument, `a tensor of at most ${MAX_BYTES / 4} elements (4 GiB of float32)`,
      `shape ${shapeStr(shape)} with ${size} elements`);
  }
}

/** Normalises an axis (negative counts from the end). */
export function normAxis(op: string, axis: unknown, ndim: number, argument = 'axis'): number {
  if (typeof axis !== 'number' || !Number.isInteger(axis) || axis < -ndim || axis >= ndim) {
    throw new ArgumentError(op, argument, ndim === 0 ? 'no axis (the tensor is 0-d)' : `an integer axis in [${-ndim}, ${ndim - 1}]`, describe(axis));
  }
  return axis < 0 ? axis + ndim : axis;
}

/** Normalises a list of distinct axes, sorted ascending. */
export function normAxes(op: string, axes: number | readonly number[], ndim: number): number[] {
  const list = typeof axes === 'number' ? [axes] : axes;
  if (!Array.isArray(list)) throw new ArgumentError(op, 'axis', 'an axis or an array of axes', describe(axes));
  const out = list.map((a) => normAxis(op, a, ndim));
  if (new Set(out).size !== out.length) throw new ArgumentError(op, 'axis', 'distinct axes', describe(list));
  return out.sort((a, b) => a - b);
}

/** Row-major element strides of `shape`. */
export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i]!;
  }
  return s;
}

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (let i = 0; i < shape.length; i++) n *= shape[i]!;
  return n;
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** NumPy broadcasting of two shapes; throws ShapeError naming the op when they do not broadcast. */
export function broadcastShapes(op: string, a: readonly number[], b: readonly number[]): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new ShapeError(op, 'other', `a shape that broadcasts with ${shapeStr(a)}`,
        `${shapeStr(b)} (axis ${i - n} has ${db}, expected ${da} or 1)`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}
