// Tests of the softmax / log-softmax / argmax / cross-entropy kernels (assembly/softmax.ts) called
// directly on dist/simdconv.wasm: both twins against float64 references over [outer, dim, inner]
// shapes reaching every SIMD tail along the reduced axis (inner = 1) and along inner (inner > 1),
// huge logits, NaN / ±Inf, ties, in place, invalid labels; and PyTorch's fixtures.
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { VARIANTS, kernel, rawWasm, type RawWasm, type Variant } from '../helpers/raw-wasm.js';
import { randArray } from '../helpers/random.js';
import { CNN_FIXTURES, named, expectClose, expectSameBits, input, out, readChecked, readI32 } from './cnn-helpers.js';

let w: RawWasm;
beforeAll(() => {
  w = rawWasm();
});
beforeEach(() => w.reset());

type Axis = [outer: number, dim: number, inner: number];

const DIMS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 15, 16, 17, 33];
const AXES: Axis[] = [
  ...DIMS.map((d): Axis => [3, d, 1]),
  ...[1, 2, 3, 4, 5, 7, 8, 9, 13].map((i): Axis => [2, 5, i]),
  [1, 1, 6], [4, 17, 3], [2, 10, 1], [1, 100, 1],
];

/** Calls fn(base, stride) for every slice along the reduced axis. */
function forSlices([outer, dim, inner]: Axis, fn: (idx: (j: number) => number, slice: number) => void): void {
  for (let o = 0; o < outer; o++) for (let i = 0; i < inner; i++) fn((j) => (o * dim + j) * inner + i, o * inner + i);
}

function refSoftmax(axis: Axis, x: ArrayLike<number>, log: boolean): Float64Array {
  const y = new Float64Array(x.length);
  forSlices(axis, (at) => {
    let m = -Infinity;
    for (let j = 0; j < axis[1]; j++) m = Math.max(m, x[at(j)]);
    let s = 0;
    for (let j = 0; j < axis[1]; j++) s += Math.exp(x[at(j)] - m);
    for (let j = 0; j < axis[1]; j++) y[at(j)] = log ? x[at(j)] - m - Math.log(s) : Math.exp(x[at(j)] - m) / s;
  });
  return y;
}

function refSoftmaxBack(axis: Axis, dy: ArrayLike<number>, y: ArrayLike<number>, log: boolean): Float64Array {
  const dx = new Float64Array(y.length);
  forSlices(axis, (at) => {
    let s = 0;
    for (let j = 0; j < axis[1]; j++) s += log ? dy[at(j)] : dy[at(j)] * y[at(j)];
    for (let j = 0; j < axis[1]; j++) dx[at(j)] = log ? dy[at(j)] - Math.exp(y[at(j)]) * s : y[at(j)] * (dy[at(j)] - s);
  });
  return dx;
}

function refArgmax(axis: Axis, x: ArrayLike<number>): number[] {
  const r = new Array<number>(axis[0] * axis[2]);
  forSlices(axis, (at, k) => {
    let bi = 0;
    for (let j = 1; j < axis[1]; j++) {
      const v = x[at(j)], b = x[at(bi)];
      if (Number.isNaN(b)) break;
      if (v > b || Number.isNaN(v)) bi = j;
    }
    r[k] = bi;
  });
  return r;
}

function run(v: Variant, name: string, n: number, ptrs: number[], axis: Axis): Float32Array {
  const o = out(w, n, true);
  kernel(w, name, v)(o.ptr, ...ptrs, ...axis);
  return readChecked(w, o, `${name} ${v}`);
}

const size = (a: Axis) => a[0] * a[1] * a[2];
const label = (a: Axis) => `[${a.join(', ')}]`;

describe.each([
  { name: 'softmax', log: false },
  { name: 'log_softmax', log: true },
])('$name', ({ name, log }) => {
  it.each(AXES.map((a) => [label(a), a] as const))('%s: forward and backward match float64, twins bitwise equal', (_, axis) => {
    const n = size(axis);
    const x = randArray(n, n + axis[2], -6, 6);
    const dy = randArray(n, n + 7, -1, 1);
    const y: Record<string, Float32Array> = {};
    const dx: Record<string, Float32Array> = {};
    for (const v of VARIANTS) {
      w.reset();
      y[v] = run(v, name, n, [input(w, x)], axis);
      expectClose(y[v], refSoftmax(axis, x, log), `${v} y`, 1e-5, 1e-7);
      dx[v] = run(v, `${name}_backward`, n, [input(w, dy), input(w, y[v])], axis);
      expectClose(dx[v], refSoftmaxBack(axis, dy, y[v], log), `${v} dx`, 1e-5, 1e-6);
    }
    expectSameBits(y.simd, y.scalar, 'y twins');
    expectSameBits(dx.simd, dx.scalar, 'dx twins');
  });

  it('is stable for huge logits and propagates NaN / ±Inf to its slice', () => {
    const axis: Axis = [4, 6, 1];
    const x = [1000, 999, 998.5, -1000, 0, 3, -1e30, -1e30, -1e30, -1e30, -1e30, -1e30,
      1, 2, NaN, 3, 4, 5, 1, 2, Infinity, 3, 4, 5];
    for (const v of VARIANTS) {
      w.reset();
      const y = run(v, name, 24, [input(w, x)], axis);
      expectClose(y, refSoftmax(axis, x, log), v, 1e-5, 1e-7);
      expect(y.slice(0, 12).every(Number.isFinite)).toBe(true);
      expect(y.slice(12).every(Number.isNaN)).toBe(true);
    }
  });

  it('runs in place (y = x, dx = dy)', () => {
    const axis: Axis = [2, 7, 3];
    const x = randArray(42, 9, -3, 3);
    for (const v of VARIANTS) {
      w.reset();
      const p = input(w, x);
      kernel(w, name, v)(p, p, ...axis);
      const y = w.read(p, 42);
      expectClose(y, refSoftmax(axis, x, log), `${v} y`, 1e-5, 1e-7);
      const g = input(w, x);
      kernel(w, `${name}_backward`, v)(g, g, p, ...axis);
      expectClose(w.read(g, 42), refSoftmaxBack(axis, x, y, log), `${v} dx`, 1e-5, 1e-6);
    }
  });

  it.each(named(CNN_FIXTURES.softmax, (f) => `${label(f.shape)} dim ${f.dim}`))('matches PyTorch 1.13: %s', (_, f: any) => {
    const axis = axisOf(f.shape, f.dim);
    const want = f[log ? 'logSoftmax' : 'softmax'];
    for (const v of VARIANTS) {
      w.reset();
      const y = run(v, name, f.x.length, [input(w, f.x)], axis);
      expectClose(y, want.y, `${v} y`, 1e-5, 1e-7);
      expectClose(run(v, `${name}_backward`, f.x.length, [input(w, f.dy), input(w, y)], axis), want.dx, `${v} dx`, 1e-5, 1e-6);
    }
  });
});

describe('exp (assembly/exp.ts), seen through log_softmax_backward', () => {
  // With dy = (1, 0) along a 2-long axis, s = 1 and dx[1] = 0 - exp(y[1]) * 1: exactly -exp(y[1]).
  function expOf(v: Variant, ys: number[]): Float32Array {
    const n = ys.length;
    const y = ys.flatMap((t) => [0, t]);
    const dy = ys.flatMap(() => [1, 0]);
    const dx = run(v, 'log_softmax_backward', 2 * n, [input(w, dy), input(w, y)], [n, 2, 1]);
    return Float32Array.from({ length: n }, (_, i) => -dx[2 * i + 1]);
  }

  it('is within 2 ulp of exp over the normal range, exact at the edges, the same in both twins', () => {
    const xs = [0, -0, 1, -1, 0.5, -0.5, 1e-8, -1e-8, 0.34657359, -0.34657359, 10, -10, 50, -50, 88, 88.7, 88.8, -87, -87.4,
      -90, -100, -103.9, -104, -200, Infinity, -Infinity, NaN, ...Array.from(randArray(200, 77, -87, 88))];
    const got: Record<string, Float32Array> = {};
    for (const v of VARIANTS) {
      w.reset();
      got[v] = expOf(v, xs);
    }
    expectSameBits(got.simd, got.scalar, 'twins');
    const bad: string[] = [];
    xs.forEach((x, i) => {
      const want = Math.exp(Math.fround(x));
      const g = got.simd[i];
      if (Number.isNaN(x)) {
        if (!Number.isNaN(g)) bad.push(`exp(NaN) = ${g}`);
        return;
      }
      const f = Math.fround(want);
      const ulp = f === 0 || !Number.isFinite(f) ? 1.4e-45 : Math.abs(Math.fround(f * (1 + 2 ** -23)) - f);
      const tol = Math.abs(want) < 1.18e-38 ? 1.4e-45 : 2 * ulp; // subnormals: one unit
      if (!(g === f || Math.abs(g - want) <= tol)) bad.push(`exp(${x}) = ${g}, want ${want}`);
    });
    expect(bad).toEqual([]);
  });
});

/** [outer, dim, inner] of `shape` around axis `dim` (negative counts from the end). */
function axisOf(shape: number[], d: number): Axis {
  const k = d < 0 ? shape.length + d : d;
  const prod = (a: number[]) => a.reduce((p, x) => p * x, 1);
  return [prod(shape.slice(0, k)), shape[k], prod(shape.slice(k + 1))];
}

describe('argmax', () => {
  function argmax(v: Variant, x: ArrayLike<number>, axis: Axis): number[] {
    const o = out(w, axis[0] * axis[2], true);
    kernel(w, 'argmax', v)(o.ptr, input(w, x), ...axis);
    readChecked(w, o, `argmax ${v}`);
    return Array.from(readI32(w, o));
  }

  it.each(AXES.map((a) => [label(a), a] as const))('%s: first index of the maximum, with ties, NaN and ±Inf', (_, axis) => {
    const n = size(axis);
    // small integers: many ties; a few NaN and infinities
    const x = Array.from(randArray(n, n * 3 + 1, -3, 3), Math.round);
    for (let i = 5; i < n; i += 11) x[i] = [NaN, Infinity, -Infinity][i % 3];
    for (const v of VARIANTS) {
      w.reset();
      expect(argmax(v, x, axis), v).toEqual(refArgmax(axis, x));
    }
  });

  it('property: both twins give the reference index for any float32 data', () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 9 }),
      fc.array(fc.oneof(fc.float(), fc.constantFrom(0, -0, 1, -1)), { minLength: 540, maxLength: 540 }),
      (outer, dim, inner, data) => {
        w.reset();
        const axis: Axis = [outer, dim, inner];
        const x = data.slice(0, size(axis));
        for (const v of VARIANTS) expect(argmax(v, x, axis)).toEqual(refArgmax(axis, x));
      }), { numRuns: 80, seed: 14 });
  });

  it.each(named(CNN_FIXTURES.argmax, (f) => `${label(f.shape)} dim ${f.dim}`))('matches PyTorch 1.13: %s', (_, f: any) => {
    for (const v of VARIANTS) {
      w.reset();
      expect(argmax(v, f.x, axisOf(f.shape, f.dim))).toEqual(f.indices);
    }
  });
});

// ---------------------------------------------------------------- cross-entropy

function refCrossEntropy(x: ArrayLike<number>, labels: number[], C: number, eps: number) {
  const B = labels.length;
  const loss = new Float64Array(B), lse = new Float64Array(B), p = new Float64Array(B * C);
  for (let b = 0; b < B; b++) {
    const row = Array.from({ length: C }, (_, j) => x[b * C + j]);
    const m = Math.max(...row);
    lse[b] = m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
    row.forEach((v, j) => (p[b * C + j] = Math.exp(v - lse[b])));
    const t = labels[b];
    if (t >= 0 && t < C) loss[b] = (1 - eps) * (lse[b] - row[t]) + eps * (lse[b] - row.reduce((s, v) => s + v, 0) / C);
  }
  return { loss, lse, p };
}

function crossEntropy(v: Variant, x: ArrayLike<number>, labels: number[], C: number, eps: number, g: number[], gstride: number, scale: number) {
  const B = labels.length;
  const loss = out(w, B), stats = out(w, 2 * B, true), dx = out(w, B * C, true);
  const xp = input(w, x), lp = w.allocI32(B, labels);
  kernel(w, 'cross_entropy', v)(loss.ptr, stats.ptr, xp, lp, B, C, eps);
  kernel(w, 'cross_entropy_backward', v)(dx.ptr, xp, lp, stats.ptr, input(w, g), gstride, scale, B, C, eps);
  return { loss: readChecked(w, loss, 'loss'), stats: readChecked(w, stats, 'stats'), dx: readChecked(w, dx, 'dx') };
}

describe('cross_entropy', () => {
  const SHAPES: [number, number][] = [[1, 1], [2, 2], [3, 3], [2, 4], [4, 5], [3, 7], [2, 8], [2, 9], [5, 10], [2, 17], [1, 33]];

  it.each(SHAPES.flatMap(([B, C]) => [0, 0.1].map((eps) => [B, C, eps] as const)))(
    'B %i, C %i, smoothing %s: loss, lse and fused gradient match float64, twins bitwise equal', (B, C, eps) => {
      const x = randArray(B * C, B * 100 + C, -8, 8);
      const labels = Array.from({ length: B }, (_, b) => (b * 7 + C) % C);
      const g = Array.from(randArray(B, C, -2, 2));
      const ref = refCrossEntropy(x, labels, C, eps);
      const res: Record<string, ReturnType<typeof crossEntropy>> = {};
      for (const v of VARIANTS) {
        w.reset();
        res[v] = crossEntropy(v, x, labels, C, eps, g, 1, 0.5);
        expectClose(res[v].loss, ref.loss, `${v} loss`, 1e-5, 1e-6);
        const st = res[v].stats;
        const rowMax = (b: number) => Math.max(...Array.from(x.subarray(b * C, (b + 1) * C)));
        expect(Array.from({ length: B }, (_, b) => st[2 * b]), `${v} stats: max`).toEqual(Array.from({ length: B }, (_, b) => rowMax(b)));
        expectClose(Array.from({ length: B }, (_, b) => st[2 * b] + st[2 * b + 1]), ref.lse, `${v} stats: lse`, 1e-6, 1e-6);
        const want = Array.from(ref.p, (p, i) => {
          const b = Math.floor(i / C);
          return g[b] * 0.5 * (p - ((i % C === labels[b] ? 1 - eps : 0) + eps / C));
        });
        expectClose(res[v].dx, want, `${v} dx`, 1e-5, 1e-6);
      }
      for (const k of ['loss', 'stats', 'dx'] as const) expectSameBits(res.simd[k], res.scalar[k], `${k} twins`);
    });

  it('labels outside [0, C) give loss 0 and a zero gradient row, and are never used as addresses', () => {
    const C = 6;
    const x = randArray(4 * C, 1, -2, 2);
    const labels = [-1, 6, 1 << 30, 2];
    for (const v of VARIANTS) {
      w.reset();
      const r = crossEntropy(v, x, labels, C, 0.2, [1], 0, 1);
      expect(Array.from(r.loss.slice(0, 3))).toEqual([0, 0, 0]);
      expect(r.loss[3]).toBeGreaterThan(0);
      expect(Array.from(r.dx.slice(0, 3 * C)).every((d) => d === 0)).toBe(true);
    }
  });

  it('gradient with eps = 0 is softmax - onehot; dx may equal x', () => {
    const B = 3, C = 9;
    const x = randArray(B * C, 4, -3, 3);
    const labels = [0, 8, 4];
    const ref = refCrossEntropy(x, labels, C, 0);
    for (const v of VARIANTS) {
      w.reset();
      const xp = input(w, x), lp = w.allocI32(B, labels), stats = out(w, 2 * B), loss = out(w, B);
      kernel(w, 'cross_entropy', v)(loss.ptr, stats.ptr, xp, lp, B, C, 0);
      kernel(w, 'cross_entropy_backward', v)(xp, xp, lp, stats.ptr, input(w, [1]), 0, 1, B, C, 0);
      const want = Array.from(ref.p, (p, i) => p - (i % C === labels[Math.floor(i / C)] ? 1 : 0));
      expectClose(w.read(xp, B * C), want, `${v} in place`, 1e-5, 1e-6);
    }
  });

  it.each(named(CNN_FIXTURES.crossEntropy, (f, i) => `#${i} B ${f.B} C ${f.C} ${f.reduction} smoothing ${f.labelSmoothing}`))(
    'matches PyTorch 1.13: %s', (_, f: any) => {
      const none = f.reduction === 'none';
      const scale = f.reduction === 'mean' ? 1 / f.B : 1;
      for (const v of VARIANTS) {
        w.reset();
        const r = crossEntropy(v, f.x, f.labels, f.C, f.labelSmoothing, f.dy, none ? 1 : 0, scale);
        const loss = none ? Array.from(r.loss) : [r.loss.reduce((s, l) => s + l, 0) * scale];
        expectClose(loss, f.loss, `${v} loss`, 1e-5, 1e-6);
        expectClose(r.dx, f.dx, `${v} dx`, 1e-5, 1e-6);
      }
    });
});
