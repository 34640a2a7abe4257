// Finite-difference gradient checking for autograd.
//
// For a library function f(inputs) -> tensor, the checked quantity is L(x) = sum(f(x) * R), with R a
// fixed random weight of f's output shape (so every output element contributes). The autograd side
// runs `sc.sum(sc.mul(f(xs), R)).backward()` and reads each input's `.grad` (float32).
//
// The numerical side is computed in float64 from a float64 re-implementation of f (`ref`):
// central differences of L_ref with a tiny step (h = 1e-6 · max(1, |x|)), whose error (~1e-10
// relative) is far below float32's. `ref` is validated against the library's forward at x.
//
// Optionally (`libStep`) a second numerical gradient perturbs the float32 inputs and evaluates the
// library's own forward, summing L in float64: exact up to float32 rounding for ops that are linear
// in each argument (any step), accurate to ~h² for smooth ones. It needs no reference, so it
// catches a reference that is wrong in the same way as the library's backward rule. The actual
// perturbation fround(x+h) - fround(x-h) is used as the denominator.
//
// Tolerance: |autograd - numeric| <= rtol·|numeric| + atol·max(max|numeric over that input|, atolFloor).
// The floor is for inputs whose gradients are sums that may cancel (a one-element bias: the sum of
// R over its outputs): float32's error grows with the terms' magnitudes, not with the cancelled sum.
import * as sc from '../../src/index.js';
import { prng } from './random.js';

/** A float64 array with a shape, row-major. */
export interface Arr64 {
  data: Float64Array;
  shape: number[];
}

export interface CheckInput extends Arr64 {
  /** Whether the input is a leaf that requires grad (default true). */
  requiresGrad?: boolean;
}

export interface GradcheckOptions {
  /** The library computation under test. */
  f: (xs: sc.Tensor[]) => sc.Tensor;
  /** The same computation in float64 (plain JS). */
  ref: (xs: Arr64[]) => Arr64;
  /** The inputs (values must be float32-representable: make them with `fromValues`/`Gen`). */
  inputs: CheckInput[];
  /** Seed of the output weights R. */
  seed?: number;
  /** Autograd vs float64 numerical gradient. */
  rtol?: number;
  atol?: number;
  /** The least scale atol is taken of (default 0): the size of the terms the gradients sum. */
  atolFloor?: number;
  /** Library forward vs `ref`. */
  fwdRtol?: number;
  fwdAtol?: number;
  /** Step of the library-forward finite differences; omit (or null) to skip them. */
  libStep?: number | null;
  /** Tolerance (relative to the input's max |numeric gradient|) of the library finite differences. */
  libTol?: number;
}

export interface GradcheckReport {
  /** Human-readable mismatches; empty when everything agrees. */
  failures: string[];
  /** Number of gradient elements compared against the float64 reference. */
  checked: number;
  /** Largest |autograd - numeric| / (max |numeric| of that input, or 1). */
  worst: number;
}

// ---- seeded data ------------------------------------------------------------------------------

/** Seeded data from mulberry32 (helpers/random.ts); values are rounded to float32 where they become data. */
export class Gen {
  private readonly r: () => number;
  constructor(seed: number) {
    this.r = prng(seed);
  }
  /** The next uniform double in [0, 1). */
  next(): number {
    return this.r();
  }
  /** Uniform in [lo, hi), float32-rounded. */
  uniform(shape: readonly number[], lo = -1, hi = 1): Arr64 {
    return this.make(shape, () => lo + (hi - lo) * this.next());
  }
  /** |v| uniform in [lo, hi) with a random sign: values kept away from 0. */
  away(shape: readonly number[], lo = 0.2, hi = 1.5): Arr64 {
    return this.make(shape, () => (this.next() < 0.5 ? -1 : 1) * (lo + (hi - lo) * this.next()));
  }
  /** Multiples of `step` in [lo, hi]: distinct values differ by >= step, equal ones tie exactly. */
  grid(shape: readonly number[], step = 0.125, lo = -1, hi = 1): Arr64 {
    const n = Math.round((hi - lo) / step);
    return this.make(shape, () => lo + step * Math.floor(this.next() * (n + 1)));
  }
  private make(shape: readonly number[], f: () => number): Arr64 {
    const data = new Float64Array(sizeOf(shape));
    for (let i = 0; i < data.length; i++) data[i] = Math.fround(f());
    return { data, shape: shape.slice() };
  }
}

/** An Arr64 from explicit values (float32-rounded). */
export function fromValues(values: readonly number[], shape: readonly number[] = [values.length]): Arr64 {
  if (values.length !== sizeOf(shape)) throw new Error(`fromValues: ${values.length} values for shape [${shape}]`);
  return { data: Float64Array.from(values, (v) => Math.fround(v)), shape: shape.slice() };
}

// Shape helpers of the reference side, kept apart from src/ so the oracle stays independent.
export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i]!;
  }
  return s;
}

/** The multi-index of flat position `i` in `shape`. */
export function unravel(i: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let a = shape.length - 1; a >= 0; a--) {
    idx[a] = i % shape[a]!;
    i = Math.floor(i / shape[a]!);
  }
  return idx;
}

// ---- float64 reference ops (independent of src/) -----------------------------------------------

export const ref = {
  /** NumPy broadcasting of two shapes. */
  broadcastShape(a: readonly number[], b: readonly number[]): number[] {
    const n = Math.max(a.length, b.length);
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      const da = a[a.length - n + i] ?? 1, db = b[b.length - n + i] ?? 1;
      if (da !== db && da !== 1 && db !== 1) throw new Error(`ref: [${a}] and [${b}] do not broadcast`);
      out.push(da === 1 ? db : da);
    }
    return out;
  },

  /** out = fn(a, b) elementwise with broadcasting. */
  binary(a: Arr64, b: Arr64, fn: (x: number, y: number) => number): Arr64 {
    const shape = ref.broadcastShape(a.shape, b.shape);
    const data = new Float64Array(sizeOf(shape));
    const index = (src: Arr64, idx: number[]): number => {
      const st = stridesOf(src.shape);
      const lead = shape.length - src.shape.length;
      let p = 0;
      for (let k = 0; k < src.shape.length; k++) p += (src.shape[k] === 1 ? 0 : idx[k + lead]!) * st[k]!;
      return p;
    };
    for (let i = 0; i < data.length; i++) {
      const idx = unravel(i, shape);
      data[i] = fn(a.data[index(a, idx)]!, b.data[index(b, idx)]!);
    }
    return { data, shape };
  },

  unary(a: Arr64, fn: (x: number) => number): Arr64 {
    return { data: a.data.map(fn), shape: a.shape.slice() };
  },

  /** A 0-d array holding v. */
  scalar(v: number): Arr64 {
    return { data: Float64Array.of(v), shape: [] };
  },

  normAxes(axis: number | readonly number[] | undefined, ndim: number): number[] {
    if (axis === undefined) return Array.from({ length: ndim }, (_, i) => i);
    const list = typeof axis === 'number' ? [axis] : axis;
    return list.map((a) => (a < 0 ? a + ndim : a));
  },

  sum(a: Arr64, axis?: number | readonly number[], keepDims = false): Arr64 {
    const axes = ref.normAxes(axis, a.shape.length);
    const kept = a.shape.map((d, i) => (axes.includes(i) ? 1 : d));
    const data = new Float64Array(sizeOf(kept));
    const st = stridesOf(kept);
    for (let i = 0; i < a.data.length; i++) {
      const idx = unravel(i, a.shape);
      let p = 0;
      for (let k = 0; k < idx.length; k++) p += (axes.includes(k) ? 0 : idx[k]!) * st[k]!;
      data[p] += a.data[i]!;
    }
    return { data, shape: keepDims ? kept : a.shape.filter((_, i) => !axes.includes(i)) };
  },

  mean(a: Arr64, axis?: number | readonly number[], keepDims = false): Arr64 {
    const axes = ref.normAxes(axis, a.shape.length);
    let n = 1;
    for (const ax of axes) n *= a.shape[ax]!;
    const s = ref.sum(a, axis, keepDims);
    return { data: s.data.map((v) => v / n), shape: s.shape };
  },

  reshape(a: Arr64, shape: readonly number[]): Arr64 {
    const s = shape.slice();
    const k = s.indexOf(-1);
    if (k >= 0) s[k] = a.data.length / sizeOf(s.filter((_, i) => i !== k));
    if (sizeOf(s) !== a.data.length) throw new Error(`ref.reshape: [${a.shape}] -> [${shape}]`);
    return { data: a.data.slice(), shape: s };
  },

  /** out[i0, i1, ...] = a[idx] with idx[perm[k]] = i_k. */
  transpose(a: Arr64, perm?: readonly number[]): Arr64 {
    const p = perm ?? a.shape.map((_, i) => a.shape.length - 1 - i);
    const shape = p.map((ax) => a.shape[ax]!);
    const st = stridesOf(a.shape);
    const data = new Float64Array(a.data.length);
    for (let i = 0; i < data.length; i++) {
      const idx = unravel(i, shape);
      let src = 0;
      for (let k = 0; k < p.length; k++) src += idx[k]! * st[p[k]!]!;
      data[i] = a.data[src]!;
    }
    return { data, shape };
  },

  flip(a: Arr64, axes?: number | readonly number[]): Arr64 {
    const ax = ref.normAxes(axes, a.shape.length);
    const st = stridesOf(a.shape);
    const data = new Float64Array(a.data.length);
    for (let i = 0; i < data.length; i++) {
      const idx = unravel(i, a.shape);
      let src = 0;
      for (let k = 0; k < idx.length; k++) src += (ax.includes(k) ? a.shape[k]! - 1 - idx[k]! : idx[k]!) * st[k]!;
      data[i] = a.data[src]!;
    }
    return { data, shape: a.shape.slice() };
  },

  /** Python slicing: null (all), an integer (drops the axis) or [start, stop, step]. */
  slice(a: Arr64, index: readonly (null | number | readonly (number | null)[])[]): Arr64 {
    const picks: number[][] = [];
    const keep: boolean[] = [];
    for (let k = 0; k < a.shape.length; k++) {
      const n = a.shape[k]!;
      const e = index[k] ?? null;
      if (e === null) {
        picks.push(Array.from({ length: n }, (_, i) => i));
        keep.push(true);
      } else if (typeof e === 'number') {
        picks.push([e < 0 ? e + n : e]);
        keep.push(false);
      } else {
        const step = e[2] ?? 1;
        const norm = (v: number) => Math.min(Math.max(v < 0 ? v + n : v, 0), n);
        const start = e[0] === null || e[0] === undefined ? 0 : norm(e[0]);
        const stop = e[1] === null || e[1] === undefined ? n : norm(e[1]);
        const list: number[] = [];
        for (let i = start; i < stop; i += step) list.push(i);
        picks.push(list);
        keep.push(true);
      }
    }
    const regionShape = picks.map((p) => p.length);
    const st = stridesOf(a.shape);
    const data = new Float64Array(sizeOf(regionShape));
    for (let i = 0; i < data.length; i++) {
      const idx = unravel(i, regionShape);
      let src = 0;
      for (let k = 0; k < idx.length; k++) src += picks[k]![idx[k]!]! * st[k]!;
      data[i] = a.data[src]!;
    }
    return { data, shape: regionShape.filter((_, k) => keep[k]) };
  },
};

// ---- the check ----------------------------------------------------------------------------------

function toTensor(a: Arr64): sc.Tensor {
  return sc.tensor(Float32Array.from(a.data), a.shape);
}

/** L = sum(y * R) in float64. */
function weighted(y: ArrayLike<number>, R: Float64Array): number {
  let s = 0;
  for (let i = 0; i < R.length; i++) s += y[i]! * R[i]!;
  return s;
}

function fmt(v: number): string {
  return Number.isFinite(v) ? v.toPrecision(7) : String(v);
}

/**
 * Compares autograd gradients of sum(f(x) * R) with float64 finite differences (see the file
 * header). Never throws on a mismatch: returns the list of failures.
 */
export function gradcheck(o: GradcheckOptions): GradcheckReport {
  const failures: string[] = [];
  const rtol = o.rtol ?? 1e-4, atol = o.atol ?? 1e-5;
  const fwdRtol = o.fwdRtol ?? 1e-5, fwdAtol = o.fwdAtol ?? 1e-6;

  // Forward reference and output weights.
  const yRef = o.ref(o.inputs);
  const gen = new Gen(o.seed ?? 12345);
  const R = gen.uniform(yRef.shape, -1, 1);

  // Autograd.
  let yData!: Float32Array;
  let yShape!: number[];
  const grads: (Float32Array | null)[] = [];
  const gradShapes: (number[] | null)[] = [];
  sc.tidy(() => {
    const xs = o.inputs.map((a) => {
      const t = toTensor(a);
      t.requiresGrad = a.requiresGrad ?? true;
      return t;
    });
    const y = o.f(xs);
    yData = y.data();
    yShape = y.shape.slice();
    if (!y.requiresGrad) {
      failures.push('output: requiresGrad is false although an input requires grad');
      return;
    }
    const loss = sc.sum(sc.mul(y, toTensor(R)));
    loss.backward();
    for (const x of xs) {
      grads.push(x.grad ? x.grad.data() : null);
      gradShapes.push(x.grad ? x.grad.shape.slice() : null);
      x.zeroGrad();
    }
  });
  if (failures.length > 0) return { failures, checked: 0, worst: Infinity };

  // Forward against the reference.
  if (yShape.length !== yRef.shape.length || yShape.some((d, i) => d !== yRef.shape[i])) {
    failures.push(`forward: shape [${yShape}], reference [${yRef.shape}]`);
    return { failures, checked: 0, worst: Infinity };
  }
  let yMax = 0;
  for (const v of yRef.data) yMax = Math.max(yMax, Math.abs(v));
  for (let i = 0; i < yRef.data.length; i++) {
    const want = yRef.data[i]!, got = yData[i]!;
    if (!(Math.abs(got - want) <= fwdRtol * Math.abs(want) + fwdAtol * yMax)) {
      failures.push(`forward[${unravel(i, yRef.shape)}]: got ${fmt(got)}, reference ${fmt(want)}`);
      if (failures.length > 8) break;
    }
  }

  // Float64 central differences of the reference, element by element.
  let checked = 0;
  let worst = 0;
  const Lref = (xs: Arr64[]) => weighted(o.ref(xs).data, R.data);
  for (let k = 0; k < o.inputs.length; k++) {
    const inp = o.inputs[k]!;
    const g = grads[k]!;
    if (!(inp.requiresGrad ?? true)) {
      if (g !== null) failures.push(`input ${k}: has a gradient although it does not require grad`);
      continue;
    }
    if (g === null) {
      failures.push(`input ${k}: no gradient`);
      continue;
    }
    const gs = gradShapes[k]!;
    if (gs.length !== inp.shape.length || gs.some((d, i) => d !== inp.shape[i])) {
      failures.push(`input ${k}: gradient shape [${gs}], expected [${inp.shape}]`);
      continue;
    }
    const num = new Float64Array(inp.data.length);
    const xs = o.inputs.map((a) => ({ data: a.data.slice(), shape: a.shape }));
    const xk = xs[k]!;
    for (let j = 0; j < num.length; j++) {
      const x0 = inp.data[j]!;
      const h = 1e-6 * Math.max(1, Math.abs(x0));
      xk.data[j] = x0 + h;
      const lp = Lref(xs);
      xk.data[j] = x0 - h;
      const lm = Lref(xs);
      xk.data[j] = x0;
      num[j] = (lp - lm) / (2 * h);
    }
    let scale = 0;
    for (const v of num) scale = Math.max(scale, Math.abs(v));
    let bad = 0;
    for (let j = 0; j < num.length; j++) {
      const err = Math.abs(g[j]! - num[j]!);
      worst = Math.max(worst, err / (scale || 1));
      checked++;
      if (!(err <= rtol * Math.abs(num[j]!) + atol * Math.max(scale, o.atolFloor ?? 0))) {
        if (bad++ < 6) failures.push(`input ${k} [${unravel(j, inp.shape)}]: autograd ${fmt(g[j]!)}, float64 finite difference ${fmt(num[j]!)}`);
      }
    }
    if (bad > 6) failures.push(`input ${k}: ... ${bad} mismatches in all`);

    // Finite differences of the library's own forward.
    if (o.libStep !== undefined && o.libStep !== null) {
      const step = o.libStep;
      const tol = (o.libTol ?? 1e-3) * Math.max(scale, 1e-6);
      const f32 = o.inputs.map((a) => Float32Array.from(a.data));
      const fk = f32[k]!;
      let badLib = 0;
      for (let j = 0; j < num.length; j++) {
        const x0 = fk[j]!;
        const xp = Math.fround(x0 + step), xm = Math.fround(x0 - step);
        const L = (v: number): number => {
          fk[j] = v;
          const out = sc.tidy(() => sc.noGrad(() => o.f(o.inputs.map((a, i) => sc.tensor(f32[i]!, a.shape))).data()));
          fk[j] = x0;
          return weighted(out, R.data);
        };
        const lib = (L(xp) - L(xm)) / (xp - xm);
        if (!(Math.abs(lib - num[j]!) <= tol)) {
          if (badLib++ < 4) failures.push(`input ${k} [${unravel(j, inp.shape)}]: library finite difference ${fmt(lib)}, float64 reference ${fmt(num[j]!)} (autograd ${fmt(g[j]!)})`);
        }
      }
      if (badLib > 4) failures.push(`input ${k}: ... ${badLib} library finite-difference mismatches in all`);
    }
  }
  return { failures, checked, worst };
}
