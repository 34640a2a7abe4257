// Shared validation for ops: shapes, axes and broadcasting, checked before any kernel runs so bad
// input never reaches memory (arguments in general: ../args.ts; tensors: checkTensor in ../tensor.ts).
import { ArgumentError, ShapeError, SimdconvOutOfMemoryError, describe, shapeStr } from '../errors.js';
import { readArray } from '../args.js';
import { F32_BYTES, MAX_BYTES } from '../wasm/memory.js';

/**
 * Checks a shape (an array of at most 8 non-negative integers, read once) and that its float32
 * bytes fit the memory. Returns a fresh plain array: the caller's is never kept.
 */
export function checkShape(op: string, argument: string, shape: unknown): number[] {
  return checkDims(op, argument, readArray(op, argument, shape, 'a shape (an array of at most 8 non-negative integers)', 8, ShapeError));
}

/** checkShape for an array already read (a snapshot the op owns): checks it in place (-0 becomes 0). */
export function checkDims(op: string, argument: string, s: unknown[]): number[] {
  let size = 1;
  for (let i = 0; i < s.length; i++) {
    const d = s[i];
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 0) {
      throw new ShapeError(op, argument, 'a shape of non-negative integers', `${describe(s)} (entry ${i} is ${describe(d)})`);
    }
    s[i] = d + 0;
    size *= d;
  }
  checkBytes(op, argument, size, s as number[]);
  return s as number[];
}

/** Throws SimdconvOutOfMemoryError when `size` float32s cannot fit in wasm32 memory at all. */
export function checkBytes(op: string, argument: string, size: number, shape: readonly number[]): void {
  if (size * F32_BYTES > MAX_BYTES) {
    throw new SimdconvOutOfMemoryError(op, argument, `a tensor of at most ${MAX_BYTES / F32_BYTES} elements (4 GiB of float32)`,
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

/** Normalises a list of distinct axes (an axis, or an array of them read once), sorted ascending. */
export function normAxes(op: string, axes: unknown, ndim: number): number[] {
  const list = typeof axes === 'number' ? [axes] : readArray(op, 'axis', axes, 'an axis or an array of axes', 64);
  const out = list.map((a) => normAxis(op, a, ndim));
  if (new Set(out).size !== out.length) throw new ArgumentError(op, 'axis', 'distinct axes', describe(list));
  return out.sort((a, b) => a - b);
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
