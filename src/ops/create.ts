// Making tensors: from JS data, constants, ranges and seeded random numbers.
import { ArgumentError, ShapeError, describe, shapeStr } from '../errors.js';
import { Tensor, empty, type NestedArray } from '../tensor.js';
import { K, X } from '../wasm/kernels.js';
import { heap } from '../wasm/runtime.js';
import { fillStrided } from './strided.js';
import { checkBytes, checkFinite, checkInt, checkNumber, checkShape, checkTensor, sizeOf } from './util.js';

type Data = NestedArray | readonly NestedArray[] | ArrayLike<number>;

/** Infers the shape of nested arrays, checking they are rectangular and numeric. */
function inferShape(op: string, data: unknown): number[] {
  const shape: number[] = [];
  let v: unknown = data;
  while (Array.isArray(v) || ArrayBuffer.isView(v)) {
    const n = (v as ArrayLike<unknown>).length;
    shape.push(n);
    if (n === 0 || ArrayBuffer.isView(v)) break;
    v = (v as unknown[])[0];
  }
  if (shape.length > 8) throw new ShapeError(op, 'data', 'at most 8 levels of nesting', `${shape.length}`);
  return shape;
}

/** Flattens rectangular nested arrays into `out`, throwing on ragged or non-numeric entries. */
function flatten(op: string, data: unknown, shape: readonly number[], out: Float32Array): void {
  let pos = 0;
  const walk = (v: unknown, axis: number, path: string): void => {
    const n = shape[axis]!;
    if (axis === shape.length - 1) {
      if (ArrayBuffer.isView(v)) {
        const a = v as unknown as ArrayLike<number>;
        if (a.length !== n) throw ragged(op, path, n, a.length);
        for (let i = 0; i < n; i++) out[pos++] = a[i]!;
        return;
      }
      if (!Array.isArray(v)) throw new ShapeError(op, 'data', `an array of ${n} numbers at data${path}`, describe(v));
      if (v.length !== n) throw ragged(op, path, n, v.length);
      for (let i = 0; i < n; i++) {
        const x = v[i];
        if (typeof x !== 'number') {
          throw new ArgumentError(op, 'data', `numbers (data${path}[${i}])`, describe(x));
        }
        out[pos++] = x;
      }
      return;
    }
    if (!Array.isArray(v)) throw new ShapeError(op, 'data', `an array of length ${n} at data${path}`, describe(v));
    if (v.length !== n) throw ragged(op, path, n, v.length);
    for (let i = 0; i < n; i++) walk(v[i], axis + 1, `${path}[${i}]`);
  };
  walk(data, 0, '');
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
  const flat = ArrayBuffer.isView(data) || (!Array.isArray(data) && typeof (data as ArrayLike<number>).length === 'number');
  if (flat) {
    const a = data as ArrayLike<number>;
    const s = shape === undefined ? [a.length] : checkShape(op, 'shape', shape);
    const size = sizeOf(s);
    if (size !== a.length) {
      throw new ShapeError(op, 'shape', `a shape with ${a.length} elements (the data's length)`, `${shapeStr(s)} with ${size}`);
    }
    if (!ArrayBuffer.isView(data)) {
      for (let i = 0; i < size; i++) {
        if (typeof a[i] !== 'number') throw new ArgumentError(op, 'data', `numbers (data[${i}])`, describe(a[i]));
      }
    }
    const t = empty(s, op);
    heap(op).f32().set(a, t.ptr(op, 'data') >> 2);
    return t;
  }
  const inferred = inferShape(op, data);
  const size = sizeOf(inferred);
  checkBytes(op, 'data', size, inferred);
  const buf = new Float32Array(size);
  if (size > 0) flatten(op, data, inferred, buf);
  let s = inferred;
  if (shape !== undefined) {
    s = checkShape(op, 'shape', shape);
    if (sizeOf(s) !== size) throw new ShapeError(op, 'shape', `a shape with ${size} elements (the data's)`, `${shapeStr(s)} with ${sizeOf(s)}`);
  }
  const t = empty(s, op);
  heap(op).f32().set(buf, t.ptr(op, 'data') >> 2);
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
  K.fill(t.ptr(op, 'out'), t.size, value);
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
  return full(checkTensor('zerosLike', 't', t).shape, 0, 'zerosLike');
}

/**
 * A tensor of ones shaped like `t`.
 * @example sc.onesLike(sc.zeros([1, 3]))   // => [[1, 1, 1]]
 */
export function onesLike(t: Tensor): Tensor {
  return full(checkTensor('onesLike', 't', t).shape, 1, 'onesLike');
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
  const f32 = heap(op).f32();
  const p = t.ptr(op, 'out') >> 2;
  for (let i = 0; i < n; i++) f32[p + i] = start + i * step;
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
  checkInt('manualSeed', 'seed', seed, 0);
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
  if (opts?.seed !== undefined) {
    checkInt(op, 'seed', opts.seed, 0);
    return [opts.seed >>> 0, 0];
  }
  const counter = globalCounter;
  globalCounter = (globalCounter + n) >>> 0;
  return [globalSeed, counter];
}

/**
 * Uniform numbers in [low, high) (default [0, 1)).
 * @example
 * const u = sc.rand([1000], { seed: 1, low: -1, high: 1 });
 * u.min().item() >= -1 && u.max().item() < 1   // => true
 */
export function rand(shape: readonly number[], opts?: RandomOptions & { low?: number; high?: number }): Tensor {
  const op = 'rand';
  const s = checkShape(op, 'shape', shape);
  const low = checkFinite(op, 'low', opts?.low ?? 0);
  const high = checkFinite(op, 'high', opts?.high ?? 1);
  if (!(high > low)) throw new ArgumentError(op, 'high', `a number greater than low (${low})`, String(high));
  const [seed, counter] = takeStream(op, sizeOf(s), opts);
  const t = empty(s, op);
  K.rand_uniform(t.ptr(op, 'out'), t.size, seed, counter, low, high);
  return t;
}

/** @internal Uniform numbers in [low, high) from an explicit (seed, counter) stream position. */
export function uniformAt(op: string, shape: readonly number[], low: number, high: number, seed: number, counter: number): Tensor {
  const t = empty(checkShape(op, 'shape', shape), op);
  K.rand_uniform(t.ptr(op, 'out'), t.size, seed >>> 0, counter >>> 0, low, high);
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
  const mean = checkFinite(op, 'mean', opts?.mean ?? 0);
  const std = checkFinite(op, 'std', opts?.std ?? 1);
  if (std < 0) throw new ArgumentError(op, 'std', 'a number >= 0', String(std));
  const [seed, counter] = takeStream(op, sizeOf(s), opts);
  const t = empty(s, op);
  K.rand_normal(t.ptr(op, 'out'), t.size, seed, counter, mean, std);
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
  const out = empty(t.shape, op);
  X.copy_f32(out.ptr(op, 'out'), src, t.size);
  return out;
}
