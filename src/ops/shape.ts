// Shape ops. reshape and detach share memory; transpose, flip and slice copy (every tensor is
// contiguous, so kernels never see strides they do not expect). set() writes in place.
import { ArgumentError, AutogradError, ShapeError, describe, shapeStr } from '../errors.js';
import { DIMS, Tensor, checkTensor, empty, view, wroteInPlace } from '../tensor.js';
import { extras } from '../wasm/kernels.js';
import { isGradEnabled, needsGrad, record } from '../autograd/node.js';
import { broadcastShapes, checkDims, normAxes, normAxis } from './util.js';
import { sizeOf, stridesOf } from '../layout.js';
import { float32Length, readArray, readNumbers } from '../args.js';
import { broadcastStrides, copyStrided, fillStrided } from './strided.js';
import { F32_BYTES } from '../wasm/memory.js';
import { heap } from '../wasm/runtime.js';
import { readFlat } from './create.js';

/**
 * Same elements in a new shape; one entry may be -1 (inferred). Shares memory with `a`.
 * @example sc.arange(6).reshape([2, -1]).shape   // => [2, 3]
 */
export function reshape(a: Tensor, shape: readonly number[]): Tensor {
  const op = 'reshape';
  const t = checkTensor(op, 'this', a);
  const s = readNumbers(op, 'shape', shape, 'a shape (an array of at most 8 integers, one may be -1)', 8, ShapeError);
  const infer = s.indexOf(-1);
  if (infer >= 0) {
    if (s.indexOf(-1, infer + 1) >= 0) throw new ShapeError(op, 'shape', 'at most one -1', shapeStr(s));
    const rest = sizeOf(s.filter((_, i) => i !== infer));
    if (rest === 0 || t.size % rest !== 0) {
      throw new ShapeError(op, 'shape', `a shape compatible with ${t.size} elements`, shapeStr(s));
    }
    s[infer] = t.size / rest;
  }
  const checked = checkDims(op, 'shape', s);
  if (sizeOf(checked) !== t.size) {
    throw new ShapeError(op, 'shape', `a shape with ${t.size} elements (like ${shapeStr(t[DIMS])})`, `${shapeStr(s)} with ${sizeOf(s)}`);
  }
  const out = view(t, checked);
  if (needsGrad(t)) {
    const inShape = t[DIMS];
    record(out, 'Reshape', [t], (gy) => [view(gy, inShape)]);
  }
  return out;
}

/** Parses transpose's arguments into a permutation. */
function permutation(op: string, ndim: number, axes: number[] | [readonly number[]]): number[] {
  if (axes.length === 0) return Array.from({ length: ndim }, (_, i) => ndim - 1 - i);
  const first: unknown = axes[0];
  if (axes.length === 1 && Array.isArray(first)) {
    const list = readArray(op, 'axes', first, `a permutation of the ${ndim} axes`, 64);
    const p = list.map((x) => normAxis(op, x, ndim, 'axes'));
    if (p.length !== ndim || new Set(p).size !== ndim) {
      throw new ArgumentError(op, 'axes', `a permutation of the ${ndim} axes`, describe(list));
    }
    return p;
  }
  if (axes.length === 2) {
    const i = normAxis(op, axes[0], ndim, 'axis0'), j = normAxis(op, axes[1], ndim, 'axis1');
    const p = Array.from({ length: ndim }, (_, k) => k);
    p[i] = j;
    p[j] = i;
    return p;
  }
  throw new ArgumentError(op, 'axes', 'nothing (reverse all), two axes to swap, or a permutation array', describe(axes));
}

/**
 * Permutes axes (a copy): no argument reverses them, two axes swap, an array is a permutation.
 * @example sc.ones([6, 8]).transpose().shape   // => [8, 6]
 */
export function transpose(a: Tensor, ...axes: number[] | [readonly number[]]): Tensor {
  const op = 'transpose';
  const t = checkTensor(op, 'this', a);
  const perm = permutation(op, t.ndim, axes);
  const out = permuted(op, t, perm);
  if (needsGrad(t)) {
    const inv = new Array<number>(perm.length);
    perm.forEach((p, i) => (inv[p] = i));
    record(out, 'Transpose', [t], (gy) => [permuted(op, gy, inv)]);
  }
  return out;
}

function permuted(op: string, t: Tensor, perm: readonly number[]): Tensor {
  const shape = perm.map((p) => t[DIMS][p]!);
  const out = empty(shape, op);
  const st = stridesOf(t[DIMS]);
  copyStrided(op, out.ptr(op, 'out'), t.ptr(op, 'this'), shape, stridesOf(shape), perm.map((p) => st[p]!));
  return out;
}

/**
 * Reverses the order of elements along `axes` (all axes when omitted). Copies.
 * @example sc.tensor([[0, 1], [2, 3]]).flip([0, 1]).toArray()   // => [[3, 2], [1, 0]]
 */
export function flip(a: Tensor, axes?: number | readonly number[]): Tensor {
  const op = 'flip';
  const t = checkTensor(op, 'this', a);
  const ax = axes === undefined ? t[DIMS].map((_, i) => i) : normAxes(op, axes, t.ndim);
  const out = flipped(op, t, ax);
  if (needsGrad(t)) record(out, 'Flip', [t], (gy) => [flipped(op, gy, ax)]);
  return out;
}

/** @internal A copy of `t` reversed along `axes` (validated). */
export function flipped(op: string, t: Tensor, axes: readonly number[]): Tensor {
  const out = empty(t[DIMS], op);
  const st = stridesOf(t[DIMS]);
  let offset = 0;
  const src = st.map((s, i) => {
    if (!axes.includes(i)) return s;
    offset += (t[DIMS][i]! - 1) * s;
    return -s;
  });
  copyStrided(op, out.ptr(op, 'out'), t.ptr(op, 'this') + offset * F32_BYTES, t[DIMS], stridesOf(t[DIMS]), src);
  return out;
}

/**
 * Which part of a tensor `slice` / `set` address: one entry per leading axis, null (all), an index
 * (drops the axis), or [start, stop] / [start, stop, step] (Python slice rules).
 * @example
 * const rows: sc.IndexSpec = [[0, 3, 2], -1];   // X[0:3:2, -1]
 * sc.arange(12).reshape([3, 4]).slice(rows)      // => [3, 11]
 */
export type IndexSpec = readonly (null | undefined | number | readonly [number | null, (number | null)?, (number | null)?])[];
/**
 * What `set` writes: a number, a tensor broadcast to the region's shape, or the region's values
 * in row-major order (a typed array or an array of numbers, exactly as many as the region has).
 * @example
 * const row: sc.SetValue = sc.tensor([1, 2, 3]);
 * sc.zeros([2, 3]).set([null], row)                         // => [[1, 2, 3], [1, 2, 3]]
 * sc.zeros([2, 3]).set([], new Float32Array([1, 2, 3, 4, 5, 6]))   // => [[1, 2, 3], [4, 5, 6]]
 */
export type SetValue = number | Tensor | ArrayLike<number>;

/** Whether a region of element strides `strides` over `shape` is one row-major run. */
function rowMajor(shape: readonly number[], strides: readonly number[]): boolean {
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] !== 1 && strides[i] !== s) return false;
    s *= shape[i]!;
  }
  return true;
}

interface Region {
  /** Byte offset of the region's first element from the tensor's base. */
  offset: number;
  /** Shape of the region, one entry per axis of the tensor. */
  shape: number[];
  /** Element strides of the region in the tensor. */
  strides: number[];
  /** Axes indexed by a single number (dropped from a slice's result). */
  dropped: boolean[];
}

/** Resolves an index spec against `shape` with Python's slice rules. */
function region(op: string, shape: readonly number[], spec: unknown): Region {
  const index = readArray(op, 'index', spec, 'an array with one entry per axis (null, an index or [start, stop, step])', 64);
  if (index.length > shape.length) {
    throw new ArgumentError(op, 'index', `at most ${shape.length} entries (one per axis of ${shapeStr(shape)})`, `${index.length} entries`);
  }
  const st = stridesOf(shape);
  const r: Region = { offset: 0, shape: [], strides: [], dropped: [] };
  for (let i = 0; i < shape.length; i++) {
    const n = shape[i]!;
    const e: unknown = index[i];
    if (e === null || e === undefined) {
      r.shape.push(n);
      r.strides.push(st[i]!);
      r.dropped.push(false);
    } else if (typeof e === 'number') {
      if (!Number.isInteger(e) || e < -n || e >= n) {
        throw new ArgumentError(op, `index[${i}]`, `an integer index in [${-n}, ${n - 1}] for axis ${i} of length ${n}`, describe(e));
      }
      r.offset += (e < 0 ? e + n : e) * st[i]!;
      r.shape.push(1);
      r.strides.push(st[i]!);
      r.dropped.push(true);
    } else if (Array.isArray(e) && e.length >= 1 && e.length <= 3) {
      const [s0, s1, s2] = readArray(op, `index[${i}]`, e, '[start, stop] or [start, stop, step]', 3) as (number | null | undefined)[];
      for (const [v, what] of [[s0, 'start'], [s1, 'stop'], [s2, 'step']] as const) {
        if (v !== null && v !== undefined && (typeof v !== 'number' || !Number.isInteger(v))) {
          throw new ArgumentError(op, `index[${i}]`, `an integer or null ${what}`, describe(v));
        }
      }
      const step = s2 ?? 1;
      if (step <= 0) throw new ArgumentError(op, `index[${i}]`, 'a positive step', String(step));
      const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + n : v, 0), n);
      const start = s0 === null || s0 === undefined ? 0 : clamp(s0);
      const stop = s1 === null || s1 === undefined ? n : clamp(s1);
      const len = stop > start ? Math.ceil((stop - start) / step) : 0;
      r.offset += start * st[i]!;
      r.shape.push(len);
      r.strides.push(st[i]! * step);
      r.dropped.push(false);
    } else {
      throw new ArgumentError(op, `index[${i}]`, 'null, an integer index, or [start, stop] / [start, stop, step]', describe(e));
    }
  }
  return r;
}

/**
 * A copy of a sub-array (Python slice rules; an integer index drops its axis).
 * @example sc.arange(12).reshape([3, 4]).slice([null, [1, 3]])   // => [[1, 2], [5, 6], [9, 10]]
 */
export function slice(a: Tensor, index: IndexSpec): Tensor {
  const op = 'slice';
  const t = checkTensor(op, 'this', a);
  const r = region(op, t[DIMS], index);
  const outShape = r.shape.filter((_, i) => !r.dropped[i]);
  const out = empty(outShape, op);
  copyStrided(op, out.ptr(op, 'out'), t.ptr(op, 'this') + r.offset * F32_BYTES, r.shape, stridesOf(r.shape), r.strides);
  if (needsGrad(t)) {
    const inShape = t[DIMS];
    record(out, 'Slice', [t], (gy) => {
      const g = empty(inShape, op);
      fillStrided(op, g.ptr(op, 'out'), inShape, stridesOf(inShape), 0);
      copyStrided(op, g.ptr(op, 'out') + r.offset * F32_BYTES, gy.ptr(op, 'gy'), r.shape, r.strides, stridesOf(r.shape));
      return [g];
    });
  }
  return out;
}

/**
 * Writes `value` (a number, or a tensor broadcast to the region's shape) into a sub-array of `a`,
 * in place. Refuses (AutogradError) a tensor autograd needs: a leaf that requires grad (unless in
 * noGrad), or a tensor computed by a recorded op.
 * @example
 * const X = sc.ones([2, 8]);
 * X.set([null, [2, 6]], 0);   // X[:, 2:6] = 0
 * X                           // => [[1, 1, 0, 0, 0, 0, 1, 1], [1, 1, 0, 0, 0, 0, 1, 1]]
 */
export function setSlice(a: Tensor, index: IndexSpec, value: SetValue): void {
  const op = 'set';
  const t = checkTensor(op, 'this', a);
  if (isGradEnabled() && t._requiresGrad) {
    throw new AutogradError(op, 'this', 'a tensor autograd does not track', t._node ? 'a tensor computed by a recorded op' : 'a leaf tensor that requires grad',
      t._node
        ? 'set: in-place writes to a tensor computed by a recorded op are not supported: clone() it first (or write under noGrad)'
        : 'set: a leaf tensor that requires grad cannot be modified in place while autograd records: wrap the update in noGrad(() => ...) or write to detach()');
  }
  const r = region(op, t[DIMS], index);
  const base = t.ptr(op, 'this') + r.offset * F32_BYTES;
  if (typeof value === 'number') {
    fillStrided(op, base, r.shape, r.strides, value);
  } else if (value !== null && typeof value === 'object' && !(value instanceof Tensor)) {
    // Values: a Float32Array is copied natively from its own memory (no copy in JavaScript, no
    // caller code between the check and the write); anything else is read once into one first.
    const own = float32Length(value);
    const flat = own >= 0 ? (value as Float32Array) : readFlat(op, value, 'value');
    const n = sizeOf(r.shape), got = own >= 0 ? own : flat.length;
    if (got !== n) {
      throw new ShapeError(op, 'value', `${n} numbers (the region's ${shapeStr(r.shape.filter((_, i) => !r.dropped[i]))}, row-major)`, `${got} numbers`);
    }
    if (rowMajor(r.shape, r.strides)) {
      heap(op).f32().set(flat, base >> 2);
    } else {
      const tmp = empty(r.shape, op);
      try {
        heap(op).f32().set(flat, tmp.ptr(op, 'value') >> 2);
        copyStrided(op, base, tmp.ptr(op, 'value'), r.shape, r.strides, stridesOf(r.shape));
      } finally {
        tmp.dispose();
      }
    }
  } else {
    const v = checkTensor(op, 'value', value);
    const target = r.shape.filter((_, i) => !r.dropped[i]);
    const b = broadcastShapes(op, target, v[DIMS]);
    if (b.length !== target.length || b.some((d, i) => d !== target[i])) {
      throw new ShapeError(op, 'value', `a tensor broadcastable to the region's shape ${shapeStr(target)}`, shapeStr(v[DIMS]));
    }
    const srcStrides = broadcastStrides(v[DIMS], target);
    const full: number[] = [];
    let k = 0;
    for (let i = 0; i < r.shape.length; i++) full.push(r.dropped[i] ? 0 : srcStrides[k++]!);
    let src = v;
    if (v._storage === t._storage) src = clone(v); // the value overlaps the destination
    try {
      copyStrided(op, base, src.ptr(op, 'value'), r.shape, r.strides, full);
    } finally {
      if (src !== v) src.dispose();
    }
  }
  wroteInPlace(t);
}

/**
 * A copy with its own memory (differentiable).
 * @example
 * const a = sc.tensor([1, 2]);
 * const b = a.clone().set([0], 5);
 * [a.toArray(), b.toArray()]   // => [[1, 2], [5, 2]]
 */
export function clone(a: Tensor): Tensor {
  const op = 'clone';
  const t = checkTensor(op, 'this', a);
  const out = empty(t[DIMS], op);
  extras.copy_f32(out.ptr(op, 'out'), t.ptr(op, 'this'), t.size);
  if (needsGrad(t)) record(out, 'Clone', [t], (gy) => [view(gy, gy[DIMS])]);
  return out;
}

/**
 * A tensor sharing `a`'s memory, not tracked by autograd.
 * @example
 * const w = sc.variable([1, 2]);
 * const frozen = w.detach();
 * [w.requiresGrad, frozen.requiresGrad]   // => [true, false]
 */
export function detach(a: Tensor): Tensor {
  const t = checkTensor('detach', 'this', a);
  return view(t, t[DIMS]);
}
