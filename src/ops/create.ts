// Making tensors: from JS data, constants, ranges and seeded random numbers.
import { ArgumentError, ShapeError, describe, shapeStr } from '../errors.js';
import { DIMS, Tensor, empty, type NestedArray, checkTensor } from '../tensor.js';
import { kernels, extras } from '../wasm/kernels.js';
import { heap } from '../wasm/runtime.js';
import { replayJs } from '../wasm/capture.js';
import { fillStrided } from './strided.js';
import { checkBytes, checkShape } from './util.js';
import { sizeOf } from '../layout.js';
import { checkFinite, checkInt, checkNumber, readOptions } from '../args.js';

/**
 * What `tensor` and `variable` read: a number, nested arrays of numbers (one level per axis), or a
 * flat array-like of numbers (e.g. a Float32Array) with a shape.
 * @example
 * const data: sc.Data = [[1, 2], [3, 4]];
 * sc.tensor(data).shape                                      // => [2, 2]
 * sc.tensor(new Float32Array([1, 2, 3, 4]), [2, 2]).sum().item()   // => 10
 */
export type Data = NestedArray | readonly NestedArray[] | ArrayLike<number>;

/**
 * Reads nested arrays (each length and element exactly once) into plain numbers and their shape,
 * checking they are rectangular and numeric; typed arrays may be the innermost rows.
 */
function readNested(op: string, data: readonly unknown[]): { shape: number[]; flat: number[] } {
  const shape: number[] = [];
  const flat: number[] = [];
  let leafDepth = -1; // the depth of the arrays that hold numbers, once known
  const walk = (v: unknown, depth: number, path: string): void => {
    if (depth > 7) throw new ShapeError(op, 'data', 'at most 8 levels of nesting', `more (at data${path})`);
    const typed = isTypedArray(v);
    if (!typed && !Array.isArray(v)) {
      throw new ShapeError(op, 'data', `an array of length ${shape[depth - 1] ?? 0} at data${path}`, describe(v));
    }
    if (typed && isBigIntArray(v)) throw new ArgumentError(op, 'data', `numbers (data${path})`, `a ${(v as object).constructor.name}`);
    const a = v as ArrayLike<unknown>;
    const n: unknown = a.length; // read once; each element below is read once too
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) throw new ArgumentError(op, 'data', 'nested arrays of numbers', `an array of length ${describe(n)} at data${path}`);
    if (depth === shape.length) shape.push(n);
    else if (n !== shape[depth]) throw ragged(op, path, shape[depth]!, n);
    const first = n > 0 ? a[0] : undefined;
    if (leafDepth < 0 && (typed || n === 0 || (!Array.isArray(first) && !isTypedArray(first)))) leafDepth = depth;
    if (typed && depth !== leafDepth) throw new ShapeError(op, 'data', `an array of arrays at data${path}`, describe(v));
    if (depth === leafDepth) {
      for (let i = 0; i < n; i++) {
        const x = i === 0 ? first : a[i];
        if (typeof x !== 'number') throw new ArgumentError(op, 'data', `numbers (data${path}[${i}])`, describe(x));
        flat.push(x);
      }
      return;
    }
    for (let i = 0; i < n; i++) walk(i === 0 ? first : a[i], depth + 1, `${path}[${i}]`);
  };
  walk(data, 0, '');
  if (leafDepth >= 0 && shape.length > leafDepth + 1) shape.length = leafDepth + 1;
  return { shape, flat };
}

function isTypedArray(v: unknown): boolean {
  return ArrayBuffer.isView(v) && !(v instanceof DataView);
}

function isBigIntArray(v: unknown): boolean {
  return v instanceof BigInt64Array || v instanceof BigUint64Array;
}

/**
 * Flat data read once into a Float32Array copy: a typed array (not of bigints) copied natively, or
 * an array-like object whose `length` (a safe integer) and elements (numbers) are read once each.
 */
export function readFlat(op: string, data: object, argument = 'data'): Float32Array {
  if (isTypedArray(data)) {
    if (isBigIntArray(data)) {
      throw new ArgumentError(op, argument, 'numbers (a typed array of numbers)', `a ${data.constructor.name} (bigints)`);
    }
    return new Float32Array(data as unknown as ArrayLike<number>);
  }
  if (ArrayBuffer.isView(data)) throw new ArgumentError(op, argument, 'a number, nested arrays of numbers or a typed array', describe(data));
  const n: unknown = (data as ArrayLike<unknown>).length;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) {
    throw new ArgumentError(op, argument, 'an array-like with a length of 0 or more', `length ${describe(n)}`);
  }
  checkBytes(op, argument, n, [n]);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const x: unknown = (data as ArrayLike<unknown>)[i];
    if (typeof x !== 'number') throw new ArgumentError(op, argument, `numbers (${argument}[${i}])`, describe(x));
    out[i] = x;
  }
  return out;
}

function ragged(op: string, path: string, want: number, got: number): ShapeError {
  return new ShapeError(op, 'data', `rectangular nested arrays (data${path} of length ${want})`, `length ${got} (ragged)`);
}

/**
 * A float32 tensor from nested arrays, a number (0-d), or a flat array / typed array with `shape`.
 * @example
 * const X = sc.tensor([[0, 1, 2], [3, 4, 5], [6, 7, 8]]);
 * X.shape                                                        // => [3, 3]
 * sc.tensor(new Float32Array([1, 2, 3, 4]), [2, 2])             // => [[1, 2], [3, 4]]
 * sc.tensor(7).item()                                            // => 7
 */
export function tensor(data: Data | number, shape?: readonly number[]): Tensor {
  const op = 'tensor';
  if (typeof data === 'number') {
    const s = shape === undefined ? [] : checkShape(op, 'shape', shape);
    if (sizeOf(s) !== 1) throw new ShapeError(op, 'shape', 'a shape of one element for a single number', shapeStr(s));
    return full(s, data);
  }
  if (data === null || typeof data !== 'object') {
    throw new ArgumentError(op, 'data', 'a number, nested arrays of numbers or a typed array', describe(data));
  }
  // Everything is read, checked and copied into JS memory before the tensor is allocated: no
  // caller code (a getter, a Proxy) runs between the allocation and the copy into wasm memory.
  let flat: Float32Array;
  let s: number[];
  if (Array.isArray(data)) {
    const nested = readNested(op, data);
    checkBytes(op, 'data', nested.flat.length, nested.shape);
    flat = new Float32Array(nested.flat);
    s = nested.shape;
  } else {
    flat = readFlat(op, data);
    s = [flat.length];
  }
  if (shape !== undefined) {
    const given = checkShape(op, 'shape', shape);
    if (sizeOf(given) !== flat.length) {
      throw new ShapeError(op, 'shape', `a shape with ${flat.length} elements (the data's)`, `${shapeStr(given)} with ${sizeOf(given)}`);
    }
    s = given;
  }
  const t = empty(s, op);
  heap(op).f32().set(flat, t.ptr(op, 'data') >> 2);
  return t;
}

/**
 * A tensor of `shape` filled with `value`.
 * @example sc.full([2, 3], 7)   // => [[7, 7, 7], [7, 7, 7]]
 */
export function full(shape: readonly number[], value: number, op = 'full'): Tensor {
  const s = checkShape(op, 'shape', shape);
  checkNumber(op, 'value', value);
  const t = empty(s, op);
  kernels.fill(t.ptr(op, 'out'), t.size, value);
  return t;
}

/**
 * A tensor of zeros.
 * @example sc.zeros([2, 3])   // => [[0, 0, 0], [0, 0, 0]]
 */
export function zeros(shape: readonly number[]): Tensor {
  return full(shape, 0, 'zeros');
}

/**
 * A tensor of ones.
 * @example sc.ones([6, 8]).set([null, [2, 6]], 0).toArray()[0]   // => [1, 1, 0, 0, 0, 0, 1, 1]
 */
export function ones(shape: readonly number[]): Tensor {
  return full(shape, 1, 'ones');
}

/**
 * A tensor of zeros shaped like `t`.
 * @example sc.zerosLike(sc.ones([2, 2]))   // => [[0, 0], [0, 0]]
 */
export function zerosLike(t: Tensor): Tensor {
  return full(checkTensor('zerosLike', 't', t)[DIMS], 0, 'zerosLike');
}

/**
 * A tensor of ones shaped like `t`.
 * @example sc.onesLike(sc.zeros([1, 3]))   // => [[1, 1, 1]]
 */
export function onesLike(t: Tensor): Tensor {
  return full(checkTensor('onesLike', 't', t)[DIMS], 1, 'onesLike');
}

/**
 * `[start, start+step, ...)` below `stop` (like torch.arange); `arange(n)` is `0..n-1`.
 * @example
 * sc.arange(9).reshape([3, 3])   // => [[0, 1, 2], [3, 4, 5], [6, 7, 8]]
 * sc.arange(1, 2, 0.25)          // => [1, 1.25, 1.5, 1.75]
 */
export function arange(start: number, stop?: number, step = 1): Tensor {
  const op = 'arange';
  if (stop === undefined) {
    stop = start;
    start = 0;
  }
  checkFinite(op, 'start', start);
  checkFinite(op, 'stop', stop);
  checkFinite(op, 'step', step);
  if (step === 0) throw new ArgumentError(op, 'step', 'a non-zero number', '0');
  const n = Math.max(0, Math.ceil((stop - start) / step));
  checkBytes(op, 'stop', n, [n]);
  const t = empty([n], op);
  // start + i*step, computed as in PyTorch (double, then rounded to float32): a fill then an
  // axpy would round differently, so the values are written from a Float64 computation here.
  const h = heap(op), p = t.ptr(op, 'out') >> 2;
  replayJs(() => {
    const f32 = h.f32Raw();
    for (let i = 0; i < n; i++) f32[p + i] = start + i * step;
  });
  return t;
}

/**
 * The identity matrix (n x n).
 * @example sc.eye(3)   // => [[1, 0, 0], [0, 1, 0], [0, 0, 1]]
 */
export function eye(n: number): Tensor {
  checkInt('eye', 'n', n, 0);
  const t = full([n, n], 0, 'eye');
  fillStrided('eye', t.ptr('eye', 'out'), [n], [n + 1], 1); // the diagonal
  return t;
}

// ---- random numbers -------------------------------------------------------------------------
// A counter-based generator (see assembly/random.ts): the numbers depend only on (seed, counter),
// so the same seed gives the same numbers on every runtime, and the global generator just advances
// a counter.

let globalSeed = 0x5eed;
/** The generator takes a 32-bit seed: larger seeds are refused, not wrapped. */
const MAX_SEED = 2 ** 32 - 1;
let globalCounter = 0;

/**
 * Seeds the global generator used by rand/randn/nn initialisation when no `seed` is given.
 * @example
 * sc.manualSeed(42);
 * const a = sc.randn([3]);
 * sc.manualSeed(42);
 * sc.randn([3])   // => a.toArray()
 */
export function manualSeed(seed: number): void {
  checkInt('manualSeed', 'seed', seed, 0, MAX_SEED);
  globalSeed = seed >>> 0;
  globalCounter = 0;
}

/**
 * The seed option of the random tensors (`rand`, `randn`).
 * @example
 * const opts: sc.RandomOptions = { seed: 1 };
 * sc.rand([3], opts)   // => sc.rand([3], { seed: 1 }).toArray()
 */
export interface RandomOptions {
  /** A seed: the same seed gives the same numbers everywhere. Without one, the global generator. */
  seed?: number;
}

/** Picks (seed, counter) for `n` numbers and advances the global counter when unseeded. */
export function takeStream(op: string, n: number, opts: RandomOptions | undefined): [number, number] {
  if (opts !== undefined && (opts === null || typeof opts !== 'object')) {
    throw new ArgumentError(op, 'options', 'an object { seed? }', describe(opts));
  }
  const seed = opts?.seed;
  if (seed !== undefined) return [checkInt(op, 'seed', seed, 0, MAX_SEED), 0];
  const counter = globalCounter;
  globalCounter = (globalCounter + n) >>> 0;
  return [globalSeed, counter];
}

const RAND_KEYS = new Set(['seed', 'low', 'high']);
const RANDN_KEYS = new Set(['seed', 'mean', 'std']);

/**
 * Uniform numbers in [low, high) (default [0, 1)).
 * @example
 * const u = sc.rand([1000], { seed: 1, low: -1, high: 1 });
 * u.min().item() >= -1 && u.max().item() < 1   // => true
 */
export function rand(shape: readonly number[], opts?: RandomOptions & { low?: number; high?: number }): Tensor {
  const op = 'rand';
  const s = checkShape(op, 'shape', shape);
  const o = readOptions<RandomOptions & { low?: number; high?: number }>(op, opts ?? {}, RAND_KEYS);
  const low = checkFinite(op, 'low', o.low ?? 0);
  const high = checkFinite(op, 'high', o.high ?? 1);
  if (!(high > low)) throw new ArgumentError(op, 'high', `a number greater than low (${low})`, String(high));
  const [seed, counter] = takeStream(op, sizeOf(s), o);
  return uniformAt(op, s, low, high, seed, counter);
}

/** @internal Uniform numbers in [low, high) from an explicit (seed, counter) stream position. */
export function uniformAt(op: string, shape: readonly number[], low: number, high: number, seed: number, counter: number): Tensor {
  const t = empty(checkShape(op, 'shape', shape), op);
  kernels.rand_uniform(t.ptr(op, 'out'), t.size, seed >>> 0, counter >>> 0, low, high);
  return t;
}

/**
 * Normally distributed numbers (default mean 0, std 1).
 * @example
 * const z = sc.randn([10000], { seed: 0, mean: 5, std: 2 });
 * Math.abs(z.mean().item() - 5) < 0.1   // => true
 */
export function randn(shape: readonly number[], opts?: RandomOptions & { mean?: number; std?: number }): Tensor {
  const op = 'randn';
  const s = checkShape(op, 'shape', shape);
  const o = readOptions<RandomOptions & { mean?: number; std?: number }>(op, opts ?? {}, RANDN_KEYS);
  const mean = checkFinite(op, 'mean', o.mean ?? 0);
  const std = checkFinite(op, 'std', o.std ?? 1);
  if (std < 0) throw new ArgumentError(op, 'std', 'a number >= 0', String(std));
  const [seed, counter] = takeStream(op, sizeOf(s), o);
  const t = empty(s, op);
  kernels.rand_normal(t.ptr(op, 'out'), t.size, seed, counter, mean, std);
  return t;
}

/**
 * A leaf tensor that requires grad: `variable(data)` is `tensor(data)` with `requiresGrad = true`.
 * @example
 * const w = sc.variable([[1, -1]]);
 * sc.corr2d(sc.tensor([[1, 2, 4]]), w).sum().backward();
 * w.grad   // => [[3, 6]]
 */
export function variable(data: Data | number | Tensor, shape?: readonly number[]): Tensor {
  const t = data instanceof Tensor ? cloneLeaf(data) : tensor(data, shape);
  t._requiresGrad = true;
  return t;
}

function cloneLeaf(t: Tensor): Tensor {
  const op = 'variable';
  const src = checkTensor(op, 'data', t).ptr(op, 'data');
  const out = empty(t[DIMS], op);
  extras.copy_f32(out.ptr(op, 'out'), src, t.size);
  return out;
}
