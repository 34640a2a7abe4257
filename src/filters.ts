// A gallery of hand-designed 2-D kernels, for `corr2d` / `conv2d` (all are cross-correlation
// kernels: they are applied as written, not flipped). Every function returns a fresh [kh, kw]
// tensor. Derivative kernels follow the finite-difference convention of the forward difference:
// correlating f with [-1, 1] gives f(x+1) - f(x), so a function increasing to the right (or
// downwards, for 'y') gives positive values. Imported as the namespace `sc.kernels`.
import { ArgumentError, describe } from './errors.js';
import type { Tensor } from './tensor.js';
import { tensor } from './ops/create.js';

/**
 * Which axis a 1-D kernel runs along: 'x' (columns: a [1, n] kernel) or 'y' (rows: [n, 1]).
 * @example
 * const axis: sc.kernels.Axis = 'y';
 * sc.kernels.finiteDifference(1, { axis }).toArray()   // => [[-1], [1]]
 */
export type Axis = 'x' | 'y';

function axisOf(op: string, axis: unknown): Axis {
  if (axis === undefined) return 'x';
  if (axis !== 'x' && axis !== 'y') throw new ArgumentError(op, 'axis', "'x' (along a row) or 'y' (along a column)", describe(axis));
  return axis;
}

function opts<T extends object>(op: string, o: unknown, keys: readonly string[]): Partial<T> {
  if (o === undefined) return {};
  if (o === null || typeof o !== 'object' || Array.isArray(o)) throw new ArgumentError(op, 'options', 'an options object', describe(o));
  for (const k of Object.keys(o)) if (!keys.includes(k)) throw new ArgumentError(op, 'options', `only the options ${keys.join(', ')}`, `an unknown option '${k}'`);
  return o as Partial<T>;
}

function intIn(op: string, argument: string, v: unknown, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new ArgumentError(op, argument, `an integer in [${min}, ${max}]`, describe(v));
  }
  return v;
}

function positive(op: string, argument: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new ArgumentError(op, argument, 'a finite number > 0', describe(v));
  return v;
}

/** Sizes up to this many taps per axis (a 4096 x 4096 kernel is already 64 MiB). */
const MAX_SIZE = 4096;

function sizePair(op: string, argument: string, v: unknown): [number, number] {
  if (typeof v === 'number') {
    intIn(op, argument, v, 1, MAX_SIZE);
    return [v, v];
  }
  if (Array.isArray(v) && v.length === 2) return [intIn(op, `${argument}[0]`, v[0], 1, MAX_SIZE), intIn(op, `${argument}[1]`, v[1], 1, MAX_SIZE)];
  throw new ArgumentError(op, argument, 'n or [h, w] (positive integers)', describe(v));
}

/** A 1-D kernel laid along `axis`. */
function line(values: readonly number[], axis: Axis): Tensor {
  return tensor(Float32Array.from(values), axis === 'x' ? [1, values.length] : [values.length, 1]);
}

// ---- edges -------------------------------------------------------------------------------------

/**
 * Detects vertical edges: `[[1, -1]]`, the lesson's K (1 on a white-to-black edge, -1 on black-to-white).
 * @example sc.kernels.edgeVertical().toArray()   // => [[1, -1]]
 */
export function edgeVertical(): Tensor {
  return tensor([[1, -1]]);
}

/**
 * Detects horizontal edges: `[[1], [-1]]`, the transposed edge kernel.
 * @example sc.kernels.edgeHorizontal().shape   // => [2, 1]
 */
export function edgeHorizontal(): Tensor {
  return tensor([[1], [-1]]);
}

/**
 * Detects edges running along the anti-diagonal (/): `[[1, 0], [0, -1]]` compares each pixel with its lower-right neighbour (Roberts cross).
 * @example sc.kernels.edgeDiagonal().toArray()   // => [[1, 0], [0, -1]]
 */
export function edgeDiagonal(): Tensor {
  return tensor([[1, 0], [0, -1]]);
}

/**
 * Detects edges running along the main diagonal (\): `[[0, 1], [-1, 0]]` compares the upper-right and lower-left pixels (Roberts cross).
 * @example sc.kernels.edgeAntiDiagonal().toArray()   // => [[0, 1], [-1, 0]]
 */
export function edgeAntiDiagonal(): Tensor {
  return tensor([[0, 1], [-1, 0]]);
}

/**
 * Detects vertical edges with smoothing (Sobel ∂/∂x): positive where intensity increases to the right.
 * @example sc.kernels.sobelX().toArray()   // => [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]
 */
export function sobelX(): Tensor {
  return tensor([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]);
}

/**
 * Detects horizontal edges with smoothing (Sobel ∂/∂y): positive where intensity increases downwards.
 * @example sc.kernels.sobelY().toArray()   // => [[-1, -2, -1], [0, 0, 0], [1, 2, 1]]
 */
export function sobelY(): Tensor {
  return tensor([[-1, -2, -1], [0, 0, 0], [1, 2, 1]]);
}

/**
 * Detects vertical edges, averaging three rows (Prewitt ∂/∂x): positive where intensity increases to the right.
 * @example sc.kernels.prewittX().toArray()   // => [[-1, 0, 1], [-1, 0, 1], [-1, 0, 1]]
 */
export function prewittX(): Tensor {
  return tensor([[-1, 0, 1], [-1, 0, 1], [-1, 0, 1]]);
}

/**
 * Detects horizontal edges, averaging three columns (Prewitt ∂/∂y): positive where intensity increases downwards.
 * @example sc.kernels.prewittY().toArray()   // => [[-1, -1, -1], [0, 0, 0], [1, 1, 1]]
 */
export function prewittY(): Tensor {
  return tensor([[-1, -1, -1], [0, 0, 0], [1, 1, 1]]);
}

// ---- derivatives -------------------------------------------------------------------------------

/**
 * Detects curvature along an axis (the second derivative f(x-1) - 2f(x) + f(x+1)): `[[1, -2, 1]]`.
 * @example sc.kernels.secondDerivative().toArray()          // => [[1, -2, 1]]
 * sc.kernels.secondDerivative({ axis: 'y' }).shape        // => [3, 1]
 */
export function secondDerivative(options?: { axis?: Axis }): Tensor {
  const op = 'kernels.secondDerivative';
  const o = opts<{ axis: Axis }>(op, options, ['axis']);
  return line([1, -2, 1], axisOf(op, o.axis));
}

/**
 * Detects blobs and edges in every direction (the Laplacian ∂²/∂x² + ∂²/∂y²): the 4-neighbour
 * stencil, or the 8-neighbour one with `{ diagonals: true }`; it sums to 0, so flat regions give 0.
 * @example sc.kernels.laplacian().toArray()   // => [[0, 1, 0], [1, -4, 1], [0, 1, 0]]
 */
export function laplacian(options?: { diagonals?: boolean }): Tensor {
  const op = 'kernels.laplacian';
  const o = opts<{ diagonals: boolean }>(op, options, ['diagonals']);
  if (o.diagonals !== undefined && typeof o.diagonals !== 'boolean') throw new ArgumentError(op, 'diagonals', 'true or false', describe(o.diagonals));
  return o.diagonals ? tensor([[1, 1, 1], [1, -8, 1], [1, 1, 1]]) : tensor([[0, 1, 0], [1, -4, 1], [0, 1, 0]]);
}

/** The largest degree whose binomial coefficients float32 holds exactly (C(25, 12) = 5200300 < 2^24). */
const MAX_DEGREE = 25;

/**
 * Detects the degree-`d` derivative: the d-th forward difference, `d + 1` taps (the minimum) with the
 * binomial coefficients of degree d and alternating signs, ending in +1 (d = 1: [-1, 1]; d = 2:
 * [1, -2, 1]; d = 3: [-1, 3, -3, 1]). On samples of a polynomial of degree d with leading
 * coefficient a_d (unit spacing) it gives the constant d!·a_d; lower degrees give 0.
 * @example
 * sc.kernels.finiteDifference(3).toArray()   // => [[-1, 3, -3, 1]]
 * sc.corr2d(sc.tensor([[0, 1, 8, 27, 64]]), sc.kernels.finiteDifference(3)).toArray()   // => [[6, 6]]
 */
export function finiteDifference(degree: number, options?: { axis?: Axis }): Tensor {
  const op = 'kernels.finiteDifference';
  intIn(op, 'degree', degree, 0, MAX_DEGREE);
  const o = opts<{ axis: Axis }>(op, options, ['axis']);
  const c = new Array<number>(degree + 1);
  let binom = 1; // C(degree, t)
  for (let t = 0; t <= degree; t++) {
    c[t] = (degree - t) % 2 === 0 ? binom : -binom;
    binom = (binom * (degree - t)) / (t + 1);
  }
  return line(c, axisOf(op, o.axis));
}

// ---- sums and integrals ------------------------------------------------------------------------

/**
 * Detects how much is in a window (box sum): an all-ones `size` kernel (n or [h, w]); its
 * correlation sums every `h x w` window, a discrete integral over the window.
 * @example sc.corr2d(sc.ones([3, 4]), sc.kernels.boxSum([2, 2])).toArray()   // => [[4, 4, 4], [4, 4, 4]]
 */
export function boxSum(size: number | readonly [number, number]): Tensor {
  const [h, w] = sizePair('kernels.boxSum', 'size', size);
  return tensor(new Float32Array(h * w).fill(1), [h, w]);
}

/**
 * Detects the area under a sampled function (the integral over n samples spaced `step` apart):
 * `rule: 'rectangle'` (default) is step·[1, ..., 1], the box sum (∫ over n steps, exact for
 * constants); `'trapezoid'` is step·[½, 1, ..., 1, ½] (∫ over the n - 1 steps between the
 * samples, exact for straight lines).
 * @example
 * sc.kernels.integral(4, { step: 0.5, rule: 'trapezoid' }).toArray()   // => [[0.25, 0.5, 0.5, 0.25]]
 */
export function integral(n: number, options?: { step?: number; axis?: Axis; rule?: 'rectangle' | 'trapezoid' }): Tensor {
  const op = 'kernels.integral';
  const o = opts<{ step: number; axis: Axis; rule: 'rectangle' | 'trapezoid' }>(op, options, ['step', 'axis', 'rule']);
  const rule = o.rule ?? 'rectangle';
  if (rule !== 'rectangle' && rule !== 'trapezoid') throw new ArgumentError(op, 'rule', "'rectangle' or 'trapezoid'", describe(rule));
  intIn(op, 'n', n, rule === 'trapezoid' ? 2 : 1, MAX_SIZE * MAX_SIZE);
  const step = o.step === undefined ? 1 : positive(op, 'step', o.step);
  const c = new Array<number>(n).fill(step);
  if (rule === 'trapezoid') c[0] = c[n - 1] = step / 2;
  return line(c, axisOf(op, o.axis));
}

/**
 * Detects the running total (cumulative sum, the discrete integral from the start): n ones
 * followed by n - 1 zeros. With `padding: 'same'` (n - 1 zeros on each side) output i is
 * x[0] + ... + x[i] for every input of length at most n; its forward difference gives x back.
 * @example
 * const x = sc.tensor([[[[1, 2, 3, 4]]]]);
 * sc.conv2d(x, sc.kernels.runningSum(4).reshape([1, 1, 1, 7]), { padding: 'same' }).data()   // => [1, 3, 6, 10]
 */
export function runningSum(n: number, options?: { axis?: Axis }): Tensor {
  const op = 'kernels.runningSum';
  intIn(op, 'n', n, 1, MAX_SIZE * MAX_SIZE / 2);
  const o = opts<{ axis: Axis }>(op, options, ['axis']);
  const c = new Array<number>(2 * n - 1).fill(0);
  c.fill(1, 0, n);
  return line(c, axisOf(op, o.axis));
}

// ---- smoothing and effects ---------------------------------------------------------------------

/**
 * Smooths away detail smaller than about `sigma` pixels (Gaussian blur): a normalised Gaussian (sums to
 * 1) with standard deviation `sigma` pixels (n or [σy, σx]) and `size` taps (n or [h, w]; default
 * 2·ceil(3σ) + 1 per axis), centred.
 * @example
 * const g = sc.kernels.gaussian(1);   // 7 x 7
 * g.sum().item()   // => 1
 */
export function gaussian(sigma: number | readonly [number, number], size?: number | readonly [number, number]): Tensor {
  const op = 'kernels.gaussian';
  const [sy, sx] = typeof sigma === 'number' ? [positive(op, 'sigma', sigma), sigma]
    : Array.isArray(sigma) && sigma.length === 2 ? [positive(op, 'sigma[0]', sigma[0]), positive(op, 'sigma[1]', sigma[1])]
    : (() => { throw new ArgumentError(op, 'sigma', 'a finite number > 0 or [σy, σx]', describe(sigma)); })();
  const auto = (s: number): number => {
    const n = 2 * Math.ceil(3 * s) + 1;
    if (n > MAX_SIZE) throw new ArgumentError(op, 'sigma', `at most ${(MAX_SIZE - 1) / 6} (a kernel of at most ${MAX_SIZE} taps)`, String(s));
    return n;
  };
  const [h, w] = size === undefined ? [auto(sy), auto(sx)] : sizePair(op, 'size', size);
  const taps = (n: number, s: number): number[] => {
    const c = (n - 1) / 2;
    const v = Array.from({ length: n }, (_, i) => Math.exp(-((i - c) ** 2) / (2 * s * s)));
    const total = v.reduce((p, q) => p + q, 0);
    return v.map((x) => x / total);
  };
  const gy = taps(h, sy), gx = taps(w, sx);
  const out = new Float32Array(h * w);
  for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) out[i * w + j] = gy[i]! * gx[j]!;
  return tensor(out, [h, w]);
}

/**
 * Boosts edges and fine detail (sharpen): the identity minus the Laplacian; it sums to 1, so flat regions are unchanged.
 * @example sc.kernels.sharpen().toArray()   // => [[0, -1, 0], [-1, 5, -1], [0, -1, 0]]
 */
export function sharpen(): Tensor {
  return tensor([[0, -1, 0], [-1, 5, -1], [0, -1, 0]]);
}

/**
 * Shows edges running along the anti-diagonal (/) as a relief (emboss): positive where the lower right is brighter than the upper left; it sums to 1.
 * @example sc.kernels.emboss().toArray()   // => [[-2, -1, 0], [-1, 1, 1], [0, 1, 2]]
 */
export function emboss(): Tensor {
  return tensor([[-2, -1, 0], [-1, 1, 1], [0, 1, 2]]);
}
