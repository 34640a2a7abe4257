// Tests of the reduction kernels sum, max, min (assembly/reduce.ts) called directly on the test
// build: both twins against the documented summation order bit for bit and float64 references,
// rows and columns, NaN and signed zeros, and the bitwise agreement of the twins.
import { describe, expect, it } from 'vitest';
import { VARIANTS, kernel, type Variant } from '../helpers/raw-wasm.js';
import { readRegion, region } from '../helpers/guarded.js';
import { expectUntouched, useRawWasm, w } from '../helpers/kernel-wasm.js';
import { LENGTHS, NONZERO_LENGTHS, expectExact, fr, randArray } from '../helpers/tensor-checks.js';

useRawWasm();

// Reductions

/** The documented row order of sum (assembly/reduce.ts header), emulated with f32 rounding. */
function rowSumOrdered(terms: ArrayLike<number>): number {
  const n = terms.length;
  const P = new Array<number>(16).fill(0);
  let i = 0;
  for (let k = 0; k < n >> 4; k++) for (let j = 0; j < 16; j++) P[j] = fr(P[j] + terms[i++]);
  const r = (n & 15) >> 2;
  for (let g = 0; g < r; g++) for (let l = 0; l < 4; l++) P[4 * g + l] = fr(P[4 * g + l] + terms[i++]);
  const V = [0, 1, 2, 3].map((l) => fr(fr(P[l] + P[4 + l]) + fr(P[8 + l] + P[12 + l])));
  let s = fr(fr(V[0] + V[1]) + fr(V[2] + V[3]));
  while (i < n) s = fr(s + terms[i++]);
  return s;
}

interface ReduceShape {
  outer: number;
  n: number;
  inner: number;
}

const REDUCE_SHAPES: ReduceShape[] = [
  ...LENGTHS.map((n) => ({ outer: 1, n, inner: 1 })),
  ...[1, 5, 16, 33].map((n) => ({ outer: 3, n, inner: 1 })),
  ...[2, 3, 4, 5, 7, 8, 15, 16, 17, 33].flatMap((inner) => [0, 1, 2, 5, 17].map((n) => ({ outer: 1, n, inner }))),
  ...[3, 16, 21].map((inner) => ({ outer: 2, n: 4, inner })),
  { outer: 4, n: 100, inner: 37 },
  // More columns than one pass of the simd column kernel (256).
  { outer: 2, n: 3, inner: 300 },
  { outer: 1, n: 5, inner: 529 },
];

function runReduce(name: string, v: Variant, s: ReduceShape, a: Float32Array, unaligned = false) {
  const ra = region(w, a.length, a, unaligned);
  const out = region(w, s.outer * s.inner, undefined, unaligned);
  kernel(w, name, v)(out.ptr, ra.ptr, s.outer, s.n, s.inner);
  return { got: readRegion(w, out), out };
}

/** Reference reduction over k, in f64 (sum) or exact (max/min); also the f32-rounded sequential sum. */
function reduceRef(a: ArrayLike<number>, s: ReduceShape, f: (acc: number, x: number) => number, init: number): number[] {
  const out: number[] = [];
  for (let o = 0; o < s.outer; o++) {
    for (let i = 0; i < s.inner; i++) {
      let acc = init;
      for (let k = 0; k < s.n; k++) acc = f(acc, a[(o * s.n + k) * s.inner + i]);
      out.push(acc);
    }
  }
  return out;
}

describe.each(VARIANTS)('reductions (%s)', (v) => {
  it.each(REDUCE_SHAPES)('sum outer=$outer n=$n inner=$inner', (s) => {
    for (const unaligned of [false, true]) {
      const a = randArray(s.outer * s.n * s.inner, s.n * 31 + s.inner, -2, 3);
      const { got, out } = runReduce('sum', v, s, a, unaligned);
      const ctx = `sum_${v} ${JSON.stringify(s)} unaligned=${unaligned}`;
      // The documented fixed order, bit for bit.
      const ordered =
        s.inner === 1
          ? Array.from({ length: s.outer }, (_, o) => rowSumOrdered(a.subarray(o * s.n, (o + 1) * s.n)))
          : reduceRef(a, s, (acc, x) => fr(acc + x), 0);
      expectExact(got, ordered, ctx);
      // And close to the exact (f64) sum: |error| <= n * 2^-23 * sum |x|.
      const exact = reduceRef(a, s, (acc, x) => acc + x, 0);
      const mag = reduceRef(a, s, (acc, x) => acc + Math.abs(x), 0);
      exact.forEach((e, i) => expect(Math.abs(got[i] - e), ctx).toBeLessThanOrEqual((s.n + 1) * 2 ** -23 * mag[i]));
      expectUntouched(out, ctx);
      w.reset();
    }
  });

  it.each(REDUCE_SHAPES.filter((s) => s.n > 0))('max/min outer=$outer n=$n inner=$inner', (s) => {
    const a = randArray(s.outer * s.n * s.inner, s.n * 17 + s.inner);
    for (const [name, f, init] of [
      ['max', Math.max, -Infinity],
      ['min', Math.min, Infinity],
    ] as const) {
      const { got, out } = runReduce(name, v, s, a);
      const ctx = `${name}_${v} ${JSON.stringify(s)}`;
      expectExact(got, reduceRef(a, s, f, init), ctx);
      expectUntouched(out, ctx);
      w.reset();
    }
  });

  it('max/min/sum propagate NaN from any position (rows and columns)', () => {
    const shapes: ReduceShape[] = [
      { outer: 1, n: 1, inner: 1 },
      { outer: 1, n: 7, inner: 1 },
      { outer: 2, n: 16, inner: 1 },
      { outer: 1, n: 37, inner: 1 },
      { outer: 1, n: 5, inner: 21 },
      { outer: 2, n: 3, inner: 4 },
    ];
    for (const s of shapes) {
      const total = s.outer * s.n * s.inner;
      for (const pos of [0, Math.floor(total / 2), total - 1]) {
        const a = randArray(total, pos + 1);
        a[pos] = NaN;
        for (const [name, f, init] of [
          ['max', Math.max, -Infinity],
          ['min', Math.min, Infinity],
          ['sum', (x: number, y: number) => x + y, 0],
        ] as const) {
          const { got } = runReduce(name, v, s, a);
          const want = reduceRef(a, s, f, init);
          expect(want.some(Number.isNaN)).toBe(true);
          want.forEach((x, i) => expect(Number.isNaN(got[i]), `${name}_${v} ${JSON.stringify(s)} NaN at ${pos} -> out ${i}`).toBe(Number.isNaN(x)));
          w.reset();
        }
      }
    }
  });

  it('max/min of rows and columns whose extreme is a zero have the sign of f32.max/f32.min', () => {
    for (const n of NONZERO_LENGTHS) {
      for (const [name, f, init, sign] of [
        ['max', Math.max, -Infinity, -1],
        ['min', Math.min, Infinity, 1],
      ] as const) {
        // All zeros of one sign, then the same with one zero of the other sign at a few places.
        const same = sign < 0 ? -0 : 0;
        const other = sign < 0 ? 0 : -0;
        const base = Array.from(randArray(n, n), (x, i) => (i % 3 === 0 ? same : sign * (Math.abs(x) + 0.5)));
        const variants = [base, ...[0, Math.floor(n / 2), n - 1].map((at) => base.map((x, i) => (i === at ? other : x)))];
        for (const a of variants) {
          const s = { outer: 1, n, inner: 1 };
          const { got } = runReduce(name, v, s, Float32Array.from(a));
          expectExact(got, reduceRef(a, s, f, init), `${name}_${v} zeros row [${a}]`);
          w.reset();
        }
        // Columns: column c of a [n, inner] matrix is variants[c % variants.length]; inner = 4 and 17.
        for (const inner of [4, 17]) {
          const s = { outer: 1, n, inner };
          const a = new Float32Array(n * inner);
          for (let k = 0; k < n; k++) for (let c = 0; c < inner; c++) a[k * inner + c] = variants[c % variants.length][k];
          const { got } = runReduce(name, v, s, a);
          expectExact(got, reduceRef(a, s, f, init), `${name}_${v} zeros columns n=${n} inner=${inner}`);
          w.reset();
        }
      }
    }
  });

});

describe('reductions: simd and scalar agree bitwise', () => {
  it.each(['sum', 'max', 'min'])('%s', (name) => {
    for (const s of REDUCE_SHAPES.filter((x) => x.n > 0)) {
      const a = randArray(s.outer * s.n * s.inner, 5, -1e3, 1e3);
      const x = runReduce(name, 'simd', s, a).got;
      const y = runReduce(name, 'scalar', s, a).got;
      expectExact(x, y, `${name} ${JSON.stringify(s)}`);
      w.reset();
    }
  });
});
