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

/** The largest integer the kernels take: they read 32-bit signed arguments. */
export const MAX_INT32 = 2 ** 31 - 1;

/**
 * The one integer check: a number primitive that is an integer in [min, max] (max defaults to
 * MAX_INT32, what a kernel argument holds). Returns it (-0 as 0).
 */
export function checkInt(op: string, argument: string, v: unknown, min: number, max = MAX_INT32): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    const range = min === 1 && max === MAX_INT32 ? `a positive integer (at most ${MAX_INT32})` : `an integer in [${min}, ${max}]`;
    throw new ArgumentError(op, argument, range, describe(v));
  }
  return v + 0;
}

/** A SimdconvError class with the usual (op, argument, expected, got) constructor. */
type ErrorClass = new (op: string, argument: string, expected: string, got: string) => Error;

/**
 * Reads an array (or a typed array) exactly once into a fresh plain array: `length` once (a safe
 * integer in [0, maxLength]), then each element once. Getters, Proxies and later mutation by the
 * caller cannot change what the op validated. Anything else throws `Err` (ArgumentError).
 */
export function readArray(op: string, argument: string, v: unknown, expected: string, maxLength = 2 ** 32 - 1,
  Err: ErrorClass = ArgumentError): unknown[] {
  if (!Array.isArray(v) && !ArrayBuffer.isView(v)) throw new Err(op, argument, expected, describe(v));
  const n: unknown = (v as ArrayLike<unknown>).length;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0 || n > maxLength) {
    throw new Err(op, argument, expected, `an array of length ${describe(n)}`);
  }
  const out: unknown[] = []; // packed, grown by push (a new Array(n) would be holey)
  for (let i = 0; i < n; i++) out.push((v as ArrayLike<unknown>)[i]);
  return out;
}

/**
 * readArray, then checks that every element is a number primitive (strings, booleans, bigints and
 * objects with valueOf / Symbol.toPrimitive are refused): the result is plain numbers.
 */
export function readNumbers(op: string, argument: string, v: unknown, expected: string, maxLength = 2 ** 32 - 1,
  Err: ErrorClass = ArgumentError): number[] {
  const a = readArray(op, argument, v, expected, maxLength, Err);
  for (let i = 0; i < a.length; i++) {
    if (typeof a[i] !== 'number') throw new Err(op, argument, expected, `${describe(a)} (entry ${i} is ${describe(a[i])})`);
  }
  return a as number[];
}

const hasOwn = Object.prototype.hasOwnProperty;
/** The options of a call that passed none. */
export const NO_OPTIONS: object = Object.freeze(Object.create(null) as object);

/**
 * An options object read once: `undefined` / `null` give an empty one; own keys outside `keys`
 * throw ArgumentError; each known key is read exactly once into a fresh null-prototype object, so
 * the op validates and uses the same values whatever getters or Proxy traps the caller's object has.
 */
export function readOptions<T extends object>(op: string, opts: unknown, keys: ReadonlySet<string>): T {
  if (opts === undefined || opts === null) return NO_OPTIONS as T;
  if (typeof opts !== 'object' || Array.isArray(opts) || ArrayBuffer.isView(opts)) {
    throw new ArgumentError(op, 'options', 'an options object', describe(opts));
  }
  for (const k of Reflect.ownKeys(opts)) {
    if (typeof k === 'string' && hasOwn.call(opts, k) && !keys.has(k)) {
      throw new ArgumentError(op, 'options', `only the options ${[...keys].join(', ')}`, `an unknown option '${k}'`);
    }
  }
  const out = Object.create(null) as Record<string, unknown>;
  for (const k of keys) {
    const v = (opts as Record<string, unknown>)[k];
    if (v !== undefined) out[k] = v;
  }
  return out as T;
}

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

/** Normalises a list of distinct axes (an axis, or an array of them read once), sorted ascending. */
export function normAxes(op: string, axes: unknown, ndim: number): number[] {
  const list = typeof axes === 'number' ? [axes] : readArray(op, 'axis', axes, 'an axis or an array of axes', 64);
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
