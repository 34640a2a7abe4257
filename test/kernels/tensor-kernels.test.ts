// Tests of the tensor kernels (assembly/elementwise.ts, reduce.ts, copy.ts, random.ts) called
// directly on dist/simdconv.wasm: every kernel, both variants, against naive float64 references,
// over lengths that reach every SIMD tail, with guard values around every output.
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { VARIANTS, kernel, rawWasm, type RawWasm, type Variant } from '../helpers/raw-wasm.js';
import { SENTINEL, readRegion, region, writesOutside, type Region } from '../helpers/guarded.js';
import { randArray as uniformArray } from '../helpers/random.js';

/** Lengths reaching every tail of a 16-wide body + 4-wide body + scalar tail. */
const LENGTHS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 15, 16, 17, 31, 32, 33, 100];
const NONZERO_LENGTHS = LENGTHS.filter((n) => n > 0);
const fr = Math.fround;

let w: RawWasm;
beforeAll(() => {
  w = rawWasm();
});
beforeEach(() => w.reset());

/** Test data uniform in [lo, hi), [-4, 4) unless given. */
const randArray = (n: number, seed: number, lo = -4, hi = 4): Float32Array => uniformArray(n, seed, lo, hi);

function expectGuardsIntact(r: Region, ctx: string): void {
  expect(writesOutside(w, r), `${ctx}: written outside the output (offsets relative to out)`).toEqual([]);
}

function sameValue(got: number, want: number): boolean {
  return Number.isNaN(want) ? Number.isNaN(got) : Object.is(got, want);
}

/** Bitwise-equal values (NaN matches any NaN; +0 and -0 differ). `want` is rounded to f32 first. */
function expectExact(got: ArrayLike<number>, want: ArrayLike<number>, ctx: string): void {
  expect(got.length, ctx).toBe(want.length);
  const bad: string[] = [];
  for (let i = 0; i < want.length && bad.length < 5; i++) {
    if (!sameValue(got[i], fr(want[i]))) bad.push(`[${i}] got ${got[i]} want ${fr(want[i])}`);
  }
  expect(bad, ctx).toEqual([]);
}

/** |got - want| <= rtol * |want| (infinities and NaN must match exactly). */
function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, rtol: number, ctx: string): void {
  expect(got.length, ctx).toBe(want.length);
  const bad: string[] = [];
  for (let i = 0; i < want.length && bad.length < 5; i++) {
    const g = got[i];
    const e = want[i];
    const ok = Number.isFinite(e) ? Math.abs(g - e) <= rtol * Math.abs(e) + 1e-37 : sameValue(g, fr(e));
    if (!ok) bad.push(`[${i}] got ${g} want ${e}`);
  }
  expect(bad, ctx).toEqual([]);
}

function contiguousStrides(shape: number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    s[d] = acc;
    acc *= shape[d];
  }
  return s;
}

/** Calls fn(offsetA, offsetB, flat) for every index tuple of shape, in row-major order. */
function forEachIndex(shape: number[], strides: number[][], fn: (offs: number[], flat: number) => void): void {
  const size = shape.reduce((p, x) => p * x, 1);
  const idx = new Array<number>(shape.length).fill(0);
  for (let flat = 0; flat < size; flat++) {
    fn(
      strides.map((st) => idx.reduce((acc, i, d) => acc + i * st[d], 0)),
      flat,
    );
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++idx[d] < shape[d]) break;
      idx[d] = 0;
    }
  }
}

/** Elements spanned by a strided view: buffer length and the index of element [0,...,0]. */
function viewSpan(shape: number[], strides: number[]): { len: number; origin: number } {
  let lo = 0;
  let hi = 0;
  shape.forEach((n, d) => {
    if (n === 0) return;
    const ext = (n - 1) * strides[d];
    if (ext < 0) lo += ext;
    else hi += ext;
  });
  return { len: hi - lo + 1, origin: -lo };
}

// =============================================================================================
// Binary broadcast ops

interface BinaryOp {
  name: string;
  ref: (x: number, y: number) => number;
  exact: boolean;
  /** Input domains [lo, hi] for a and b. */
  da: [number, number];
  db: [number, number];
}

const BINARY: BinaryOp[] = [
  { name: 'add', ref: (x, y) => x + y, exact: true, da: [-4, 4], db: [-4, 4] },
  { name: 'sub', ref: (x, y) => x - y, exact: true, da: [-4, 4], db: [-4, 4] },
  { name: 'mul', ref: (x, y) => x * y, exact: true, da: [-4, 4], db: [-4, 4] },
  { name: 'div', ref: (x, y) => x / y, exact: true, da: [-4, 4], db: [0.25, 4] },
  { name: 'pow', ref: (x, y) => Math.pow(x, y), exact: false, da: [0.1, 3], db: [-3, 3] },
  { name: 'maximum', ref: (x, y) => Math.max(x, y), exact: true, da: [-4, 4], db: [-4, 4] },
  { name: 'minimum', ref: (x, y) => Math.min(x, y), exact: true, da: [-4, 4], db: [-4, 4] },
];

interface Layout {
  name: string;
  shape: number[];
  a: number[];
  b: number[];
}

/** Broadcast layouts for an inner length n: every SIMD inner kind and the scalar fallback, 1..4 dims. */
function layouts(n: number): Layout[] {
  return [
    { name: '1d (1,1)', shape: [n], a: [1], b: [1] },
    { name: '1d (1,0)', shape: [n], a: [1], b: [0] },
    { name: '1d (0,1)', shape: [n], a: [0], b: [1] },
    { name: '1d (0,2) fallback', shape: [n], a: [0], b: [2] },
    { name: '1d (3,1) fallback', shape: [n], a: [3], b: [1] },
    { name: '2d row-broadcast b, (1,1)', shape: [3, n], a: [n, 1], b: [0, 1] },
    { name: '2d column b, (1,0)', shape: [3, n], a: [n, 1], b: [1, 0] },
    { name: '2d column a, (0,1)', shape: [2, n], a: [1, 0], b: [n, 1] },
    { name: '2d (0,2) fallback', shape: [2, n], a: [1, 0], b: [2 * n, 2] },
    { name: '3d mixed (1,0)', shape: [2, 3, n], a: [3 * n, n, 1], b: [0, 1, 0] },
    { name: '3d outer broadcast a (1,1)', shape: [2, 3, n], a: [0, n, 1], b: [3 * n, n, 1] },
    { name: '4d with extent-1 axis (0,1)', shape: [2, 1, 3, n], a: [3, 7, 1, 0], b: [0, 0, n, 1] },
    { name: '4d transposed a (fallback)', shape: [2, 2, 3, n], a: [6 * n, 3 * n, 1, 3], b: [0, 3 * n, n, 1] },
  ];
}

function runBinary(
  op: BinaryOp,
  v: Variant,
  lay: Layout,
  opts: { unaligned?: boolean; inplace?: 'a' | 'b'; seed?: number; a?: Float32Array; b?: Float32Array } = {},
): { got: Float32Array; want: number[]; out: Region } {
  const { shape } = lay;
  const ndim = shape.length;
  const size = shape.reduce((p, x) => p * x, 1);
  const sa = viewSpan(shape, lay.a);
  const sb = viewSpan(shape, lay.b);
  const seed = opts.seed ?? 1;
  const aData = opts.a ?? randArray(sa.len, seed, ...op.da);
  const bData = opts.b ?? randArray(sb.len, seed + 1, ...op.db);
  const ra = region(w, sa.len, aData, opts.unaligned);
  const rb = region(w, sb.len, bData, opts.unaligned);
  const want = new Array<number>(size);
  forEachIndex(shape, [lay.a, lay.b], ([oa, ob], flat) => {
    want[flat] = op.ref(aData[sa.origin + oa], bData[sb.origin + ob]);
  });
  const out = opts.inplace === 'a' ? ra : opts.inplace === 'b' ? rb : region(w, size, undefined, opts.unaligned);
  const meta = w.allocI32(3 * ndim, [...shape, ...lay.a, ...lay.b]);
  kernel(w, op.name, v)(out.ptr, ra.ptr + sa.origin * 4, rb.ptr + sb.origin * 4, meta, ndim);
  return { got: readRegion(w, out).slice(0, size), want, out };
}

function checkBinary(op: BinaryOp, got: Float32Array, want: number[], ctx: string): void {
  if (op.exact) expectExact(got, want, ctx);
  else expectClose(got, want, 2 ** -21, ctx);
}

describe.each(VARIANTS)('binary broadcast ops (%s)', (v) => {
  it.each(BINARY)('$name: every layout and length', (op) => {
    for (const n of LENGTHS) {
      for (const lay of layouts(n)) {
        const ctx = `${op.name}_${v} ${lay.name} n=${n}`;
        const { got, want, out } = runBinary(op, v, lay, { seed: n + 7 });
        checkBinary(op, got, want, ctx);
        expectGuardsIntact(out, ctx);
        w.reset();
      }
    }
  });

  it.each(BINARY)('$name: unaligned pointers', (op) => {
    for (const n of [1, 3, 4, 17, 33]) {
      for (const lay of layouts(n)) {
        const ctx = `${op.name}_${v} unaligned ${lay.name} n=${n}`;
        const { got, want, out } = runBinary(op, v, lay, { unaligned: true, seed: 3 * n });
        checkBinary(op, got, want, ctx);
        expectGuardsIntact(out, ctx);
        w.reset();
      }
    }
  });

  it.each(BINARY)('$name: in place (out == a, out == b)', (op) => {
    for (const n of [1, 5, 16, 33]) {
      const c = contiguousStrides([3, n]);
      const cases: [Layout, 'a' | 'b'][] = [
        [{ name: 'out==a, b row', shape: [3, n], a: c, b: [0, 1] }, 'a'],
        [{ name: 'out==a, b column', shape: [3, n], a: c, b: [1, 0] }, 'a'],
        [{ name: 'out==b, a scalar', shape: [3, n], a: [0, 0], b: c }, 'b'],
        [{ name: 'out==b, a same shape', shape: [3, n], a: c, b: c }, 'b'],
      ];
      for (const [lay, inplace] of cases) {
        const ctx = `${op.name}_${v} ${lay.name} n=${n}`;
        const { got, want, out } = runBinary(op, v, lay, { inplace, seed: n });
        checkBinary(op, got, want, ctx);
        expectGuardsIntact(out, ctx);
        w.reset();
      }
    }
  });

  it('maximum/minimum/add propagate NaN from either operand', () => {
    for (const name of ['maximum', 'minimum', 'add', 'mul']) {
      const op = BINARY.find((o) => o.name === name)!;
      for (const n of [1, 4, 7, 16, 19]) {
        for (const lay of layouts(n).slice(0, 5)) {
          const sa = viewSpan(lay.shape, lay.a);
          const sb = viewSpan(lay.shape, lay.b);
          const a = randArray(sa.len, 5);
          const b = randArray(sb.len, 6);
          a[0] = NaN;
          b[sb.len - 1] = NaN;
          if (sa.len > 2) a[Math.floor(sa.len / 2)] = NaN;
          const { got, want } = runBinary(op, v, lay, { a, b });
          expect(want.some(Number.isNaN)).toBe(true);
          expectExact(got, want, `${name}_${v} NaN ${lay.name} n=${n}`);
          w.reset();
        }
      }
    }
  });

  it('signed zeros and infinities in maximum/minimum', () => {
    const a = Float32Array.from([-0, 0, -0, Infinity, -Infinity, 1, -Infinity, 0]);
    const b = Float32Array.from([0, -0, -0, 1, 1, Infinity, -Infinity, NaN]);
    for (const name of ['maximum', 'minimum']) {
      const op = BINARY.find((o) => o.name === name)!;
      const { got, want } = runBinary(op, v, { name: '1d', shape: [8], a: [1], b: [1] }, { a, b });
      expectExact(got, want, `${name}_${v} specials`);
    }
  });
});

it('binary ops: property — random broadcast shapes equal a naive loop, simd and scalar', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 4 }).chain((ndim) =>
        fc.record({
          shape: fc.array(fc.integer({ min: 1, max: 6 }), { minLength: ndim, maxLength: ndim }),
          inner: fc.integer({ min: 1, max: 40 }),
          aBroadcast: fc.array(fc.boolean(), { minLength: ndim, maxLength: ndim }),
          bBroadcast: fc.array(fc.boolean(), { minLength: ndim, maxLength: ndim }),
          op: fc.constantFrom(...BINARY.filter((o) => o.exact)),
          variant: fc.constantFrom(...VARIANTS),
          unaligned: fc.boolean(),
        }),
      ),
      ({ shape, inner, aBroadcast, bBroadcast, op, variant, unaligned }) => {
        const full = [...shape.slice(0, -1), inner];
        const stridesFor = (bc: boolean[]) => {
          const sub = full.map((n, d) => (bc[d] ? 1 : n));
          const cs = contiguousStrides(sub);
          return cs.map((s, d) => (bc[d] ? 0 : s));
        };
        const lay = { name: 'prop', shape: full, a: stridesFor(aBroadcast), b: stridesFor(bBroadcast) };
        w.reset();
        const { got, want, out } = runBinary(op, variant, lay, { unaligned, seed: inner });
        checkBinary(op, got, want, `${op.name}_${variant} ${JSON.stringify(lay)}`);
        expectGuardsIntact(out, 'property');
      },
    ),
    { numRuns: 300, seed: 42 },
  );
});

// =============================================================================================
// Unary ops with a scalar parameter

interface UnaryCase {
  name: string;
  /** Kernel export base name. */
  kernel: string;
  p: number;
  ref: (x: number, p: number) => number;
  exact: boolean;
  domain: [number, number];
  /** Whether a NaN input must give NaN output. */
  nanOut: boolean;
}

const pr = (name: string, p: number, ref: (x: number) => number, exact: boolean, domain: [number, number] = [-4, 4]): UnaryCase => ({
  name: `pows p=${p}`,
  kernel: 'pows',
  p,
  ref: (x) => ref(x),
  exact,
  domain,
  nanOut: p !== 0,
});

const UNARY: UnaryCase[] = [
  { name: 'neg', kernel: 'neg', p: 0, ref: (x) => -x, exact: true, domain: [-4, 4], nanOut: true },
  { name: 'abs', kernel: 'abs', p: 0, ref: (x) => Math.abs(x), exact: true, domain: [-4, 4], nanOut: true },
  { name: 'square', kernel: 'square', p: 0, ref: (x) => x * x, exact: true, domain: [-4, 4], nanOut: true },
  { name: 'sqrt', kernel: 'sqrt', p: 0, ref: (x) => Math.sqrt(x), exact: true, domain: [0, 9], nanOut: true },
  { name: 'sqrt negative', kernel: 'sqrt', p: 0, ref: (x) => Math.sqrt(x), exact: true, domain: [-9, 9], nanOut: true },
  { name: 'exp', kernel: 'exp', p: 0, ref: (x) => Math.exp(x), exact: false, domain: [-20, 20], nanOut: true },
  { name: 'log', kernel: 'log', p: 0, ref: (x) => Math.log(x), exact: false, domain: [1e-3, 1e3], nanOut: true },
  { name: 'relu', kernel: 'relu', p: 0, ref: (x) => Math.max(x, 0), exact: true, domain: [-4, 4], nanOut: true },
  { name: 'sign', kernel: 'sign', p: 0, ref: (x) => (x > 0 ? 1 : x < 0 ? -1 : x), exact: true, domain: [-4, 4], nanOut: true },
  { name: 'recip', kernel: 'recip', p: 0, ref: (x) => 1 / x, exact: true, domain: [-4, 4], nanOut: true },
  { name: 'adds', kernel: 'adds', p: fr(1.3), ref: (x, p) => x + p, exact: true, domain: [-4, 4], nanOut: true },
  { name: 'muls', kernel: 'muls', p: fr(-2.7), ref: (x, p) => x * p, exact: true, domain: [-4, 4], nanOut: true },
  { name: 'rsubs', kernel: 'rsubs', p: fr(0.9), ref: (x, p) => p - x, exact: true, domain: [-4, 4], nanOut: true },
  { name: 'divs', kernel: 'divs', p: fr(3.1), ref: (x, p) => x / p, exact: true, domain: [-4, 4], nanOut: true },
  { name: 'rdivs', kernel: 'rdivs', p: fr(-1.7), ref: (x, p) => p / x, exact: true, domain: [-4, 4], nanOut: true },
  { name: 'rpows', kernel: 'rpows', p: fr(1.5), ref: (x, p) => Math.pow(p, x), exact: false, domain: [-8, 8], nanOut: true },
  pr('pows', 2, (x) => x * x, true),
  pr('pows', 1, (x) => x, true),
  pr('pows', 0.5, (x) => Math.sqrt(x), true, [0, 9]),
  pr('pows', -1, (x) => 1 / x, true),
  pr('pows', 0, () => 1, true),
  pr('pows', 3, (x) => fr(fr(x * x) * x), true),
  pr('pows', fr(2.7), (x) => Math.pow(x, fr(2.7)), false, [0.05, 5]),
  pr('pows', -1.5, (x) => Math.pow(x, -1.5), false, [0.05, 5]),
  pr('pows', 4, (x) => Math.pow(x, 4), false, [-3, 3]),
];

function runUnary(c: UnaryCase, v: Variant, x: Float32Array, opts: { unaligned?: boolean; inplace?: boolean } = {}) {
  const ra = region(w, x.length, x, opts.unaligned);
  const out = opts.inplace ? ra : region(w, x.length, undefined, opts.unaligned);
  kernel(w, c.kernel, v)(out.ptr, ra.ptr, x.length, c.p);
  return { got: readRegion(w, out), out };
}

function checkUnary(c: UnaryCase, got: Float32Array, x: Float32Array, ctx: string): void {
  const want = Array.from(x, (xi) => c.ref(xi, c.p));
  if (c.exact) expectExact(got, want, ctx);
  else expectClose(got, want, 2 ** -21, ctx);
}

describe.each(VARIANTS)('unary ops (%s)', (v) => {
  it.each(UNARY)('$name: lengths, guards, unaligned', (c) => {
    for (const n of LENGTHS) {
      for (const unaligned of [false, true]) {
        const x = randArray(n, n + 100, ...c.domain);
        const ctx = `${c.name}_${v} n=${n} unaligned=${unaligned}`;
        const { got, out } = runUnary(c, v, x, { unaligned });
        checkUnary(c, got, x, ctx);
        expectGuardsIntact(out, ctx);
        w.reset();
      }
    }
  });

  it.each(UNARY)('$name: in place (out == a)', (c) => {
    for (const n of [1, 6, 16, 33]) {
      const x = randArray(n, n, ...c.domain);
      const ctx = `${c.name}_${v} in place n=${n}`;
      const { got, out } = runUnary(c, v, x, { inplace: true });
      checkUnary(c, got, x, ctx);
      expectGuardsIntact(out, ctx);
      w.reset();
    }
  });

  it.each(UNARY.filter((c) => c.nanOut))('$name: NaN in gives NaN out', (c) => {
    for (const n of [1, 5, 16, 19]) {
      const x = randArray(n, n, ...c.domain);
      const nanAt = [0, Math.floor(n / 2), n - 1];
      for (const i of nanAt) x[i] = NaN;
      const { got } = runUnary(c, v, x);
      for (const i of nanAt) expect(got[i], `${c.name}_${v} n=${n} at ${i}`).toBeNaN();
      w.reset();
    }
  });

  it('special values: signed zeros and infinities', () => {
    const x = Float32Array.from([0, -0, Infinity, -Infinity, 1e-40, -1e-40, 3, -3, NaN]);
    for (const name of ['neg', 'abs', 'square', 'sqrt', 'relu', 'sign', 'recip']) {
      const c = UNARY.find((u) => u.name === name)!;
      const { got } = runUnary(c, v, x);
      checkUnary(c, got, x, `${name}_${v} specials`);
    }
    const log = UNARY.find((u) => u.name === 'log')!;
    const { got } = runUnary(log, v, Float32Array.from([0, -1, Infinity, 1]));
    expectExact(got, [-Infinity, NaN, Infinity, 0], `log_${v} specials`);
    const exp = UNARY.find((u) => u.name === 'exp')!;
    expectExact(runUnary(exp, v, Float32Array.from([-Infinity, Infinity, 0, 200, -200])).got, [0, Infinity, 1, Infinity, 0], `exp_${v} specials`);
  });
});

describe('unary ops: simd and scalar agree bitwise', () => {
  it.each(UNARY)('$name', (c) => {
    const x = randArray(100, 9, ...c.domain);
    x[3] = NaN;
    const s = runUnary(c, 'simd', x).got;
    const t = runUnary(c, 'scalar', x).got;
    expectExact(s, t, c.name);
  });
});

// =============================================================================================
// relu_backward, fill, axpy

describe.each(VARIANTS)('relu_backward, fill, axpy (%s)', (v) => {
  it('relu_backward: out = x <= 0 ? 0 : dy (a NaN x passes dy through, as PyTorch)', () => {
    for (const n of LENGTHS) {
      for (const unaligned of [false, true]) {
        const dy = randArray(n, n + 1);
        const x = randArray(n, n + 2);
        if (n > 2) {
          x[1] = NaN;
          x[2] = 0;
          dy[0] = NaN;
          x[0] = 1;
        }
        const rdy = region(w, n, dy, unaligned);
        const rx = region(w, n, x, unaligned);
        const out = region(w, n, undefined, unaligned);
        kernel(w, 'relu_backward', v)(out.ptr, rdy.ptr, rx.ptr, n);
        const ctx = `relu_backward_${v} n=${n}`;
        expectExact(readRegion(w, out), Array.from(x, (xi, i) => (xi <= 0 ? 0 : dy[i])), ctx);
        expectGuardsIntact(out, ctx);
        w.reset();
      }
    }
  });

  it('relu_backward: in place (out == dy)', () => {
    const n = 37;
    const dy = randArray(n, 1);
    const x = randArray(n, 2);
    const rdy = region(w, n, dy);
    const rx = region(w, n, x);
    kernel(w, 'relu_backward', v)(rdy.ptr, rdy.ptr, rx.ptr, n);
    expectExact(readRegion(w, rdy), Array.from(x, (xi, i) => (xi <= 0 ? 0 : dy[i])), 'in place');
  });

  it('fill', () => {
    for (const n of LENGTHS) {
      for (const unaligned of [false, true]) {
        const out = region(w, n, randArray(n, n), unaligned);
        kernel(w, 'fill', v)(out.ptr, n, fr(2.5));
        const ctx = `fill_${v} n=${n}`;
        expectExact(readRegion(w, out), new Array(n).fill(2.5), ctx);
        expectGuardsIntact(out, ctx);
        w.reset();
      }
    }
  });

  it('axpy: y += alpha * x', () => {
    const alpha = fr(-0.37);
    for (const n of LENGTHS) {
      for (const unaligned of [false, true]) {
        const x = randArray(n, n + 11);
        const y = randArray(n, n + 12);
        const rx = region(w, n, x, unaligned);
        const ry = region(w, n, y, unaligned);
        kernel(w, 'axpy', v)(ry.ptr, rx.ptr, n, alpha);
        const ctx = `axpy_${v} n=${n}`;
        expectExact(readRegion(w, ry), Array.from(y, (yi, i) => yi + fr(alpha * x[i])), ctx);
        expectGuardsIntact(ry, ctx);
        w.reset();
      }
    }
  });
});

// =============================================================================================
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
      expectGuardsIntact(out, ctx);
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
      expectGuardsIntact(out, ctx);
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

// =============================================================================================
// Strided copy and fill

interface CopyCase {
  name: string;
  shape: number[];
  ds: number[];
  ss: number[];
}

/** Strided layouts for an inner length n: each SIMD row kind, flips of the destination, fallbacks. */
function copyCases(n: number): CopyCase[] {
  return [
    { name: '1d (1,1)', shape: [n], ds: [1], ss: [1] },
    { name: '1d (1,-1) reversed src', shape: [n], ds: [1], ss: [-1] },
    { name: '1d (1,0) broadcast', shape: [n], ds: [1], ss: [0] },
    { name: '1d (-1,1) reversed dst', shape: [n], ds: [-1], ss: [1] },
    { name: '1d (-1,-1)', shape: [n], ds: [-1], ss: [-1] },
    { name: '1d (-1,0)', shape: [n], ds: [-1], ss: [0] },
    { name: '1d (-1,2) fallback', shape: [n], ds: [-1], ss: [2] },
    { name: '1d (2,3) fallback', shape: [n], ds: [2], ss: [3] },
    { name: '2d transpose gather', shape: [3, n], ds: [n, 1], ss: [1, 3] },
    { name: '2d flip both axes', shape: [3, n], ds: [n, 1], ss: [-n, -1] },
    { name: '2d dst with gaps', shape: [3, n], ds: [2 * n + 1, 2], ss: [n, 1] },
    { name: '2d dst transposed (scatter)', shape: [n, 3], ds: [1, n], ss: [3, 1] },
    { name: '3d broadcast outer, flip inner', shape: [2, 3, n], ds: [3 * n, n, 1], ss: [0, n, -1] },
    { name: '3d flipped dst axes', shape: [2, 3, n], ds: [-3 * n, n, -1], ss: [3 * n, n, 1] },
    { name: '4d extent-1 axis', shape: [2, 1, 3, n], ds: [3 * n, 3 * n, n, 1], ss: [-3 * n, 5, n, 1] },
    {
      name: '8d',
      shape: [2, 1, 2, 1, 2, 1, 2, n],
      ds: contiguousStrides([2, 1, 2, 1, 2, 1, 2, n]),
      ss: [8 * n, 0, -4 * n, 0, 2 * n, 0, -n, 1],
    },
  ];
}

/** Runs copy_strided on guarded buffers and compares the WHOLE destination block with a naive scatter. */
function checkCopyStrided(v: Variant, c: CopyCase, unaligned: boolean, seed: number): void {
  const ndim = c.shape.length;
  const sd = viewSpan(c.shape, c.ds);
  const ssp = viewSpan(c.shape, c.ss);
  const src = randArray(ssp.len, seed);
  const rs = region(w, ssp.len, src, unaligned);
  const rd = region(w, sd.len, undefined, unaligned);
  const dstInit = new Float32Array(sd.len).fill(SENTINEL);
  new Float32Array(w.memory.buffer, rd.ptr, sd.len).set(dstInit);
  const want = Array.from(dstInit);
  forEachIndex(c.shape, [c.ds, c.ss], ([od, os]) => {
    want[sd.origin + od] = src[ssp.origin + os];
  });
  const meta = w.allocI32(3 * ndim, [...c.shape, ...c.ds, ...c.ss]);
  kernel(w, 'copy_strided', v)(rd.ptr + sd.origin * 4, rs.ptr + ssp.origin * 4, meta, ndim);
  const ctx = `copy_strided_${v} ${c.name} shape=${c.shape} ds=${c.ds} ss=${c.ss} unaligned=${unaligned}`;
  expectExact(readRegion(w, rd), want, ctx);
  expectGuardsIntact(rd, ctx);
}

function checkFillStrided(v: Variant, shape: number[], ds: number[], unaligned: boolean): void {
  const ndim = shape.length;
  const sd = viewSpan(shape, ds);
  const rd = region(w, sd.len, new Float32Array(sd.len).fill(SENTINEL), unaligned);
  const want = new Array<number>(sd.len).fill(SENTINEL);
  forEachIndex(shape, [ds], ([od]) => {
    want[sd.origin + od] = 7.25;
  });
  const meta = w.allocI32(2 * ndim, [...shape, ...ds]);
  kernel(w, 'fill_strided', v)(rd.ptr + sd.origin * 4, meta, ndim, 7.25);
  const ctx = `fill_strided_${v} shape=${shape} ds=${ds} unaligned=${unaligned}`;
  expectExact(readRegion(w, rd), want, ctx);
  expectGuardsIntact(rd, ctx);
}

describe.each(VARIANTS)('copy and fill (%s)', (v) => {
  it.each(copyCases(1).map((c) => c.name))('copy_strided %s: every length', (name) => {
    for (const n of LENGTHS) {
      for (const unaligned of [false, true]) {
        checkCopyStrided(v, copyCases(n).find((c) => c.name === name)!, unaligned, n + 3);
        w.reset();
      }
    }
  });

  it('fill_strided: contiguous, reversed, gapped and multi-dim destinations', () => {
    for (const n of LENGTHS) {
      for (const unaligned of [false, true]) {
        for (const [shape, ds] of [
          [[n], [1]],
          [[n], [-1]],
          [[n], [3]],
          [[3, n], [n, 1]],
          [[3, n], [-n, -1]],
          [[2, 3, n], [3 * (2 * n + 1), 2 * n + 1, 2]],
          [[n, 3], [1, n]],
          [[2, 1, 2, n], [-2 * n, 0, n, 1]],
        ] as [number[], number[]][]) {
          checkFillStrided(v, shape, ds, unaligned);
          w.reset();
        }
      }
    }
  });

});

describe('copy_f32', () => {
  it('copies n floats, nothing else', () => {
    for (const n of LENGTHS) {
      for (const unaligned of [false, true]) {
        const src = randArray(n, n);
        const rs = region(w, n, src, unaligned);
        const rd = region(w, n, undefined, !unaligned);
        kernel(w, 'copy_f32')(rd.ptr, rs.ptr, n);
        expectExact(readRegion(w, rd), src, `copy_f32 n=${n}`);
        expectGuardsIntact(rd, `copy_f32 n=${n}`);
        w.reset();
      }
    }
  });

  it('is memmove-safe for overlapping ranges', () => {
    const data = randArray(40, 1);
    const r = region(w, 40, data);
    kernel(w, 'copy_f32')(r.ptr + 12, r.ptr, 30); // forward overlap
    expectExact(readRegion(w, r).subarray(3, 33), data.subarray(0, 30), 'forward');
    const r2 = region(w, 40, data);
    kernel(w, 'copy_f32')(r2.ptr, r2.ptr + 20, 35); // backward overlap
    expectExact(readRegion(w, r2).subarray(0, 35), data.subarray(5, 40), 'backward');
  });
});

describe('strided copy/fill properties', () => {
  /** A non-self-overlapping layout: axes in a random order, each optionally flipped and gapped. */
  const layoutArb = fc.integer({ min: 1, max: 4 }).chain((ndim) =>
    fc.record({
      shape: fc.tuple(
        fc.array(fc.integer({ min: 1, max: 5 }), { minLength: ndim - 1, maxLength: ndim - 1 }),
        fc.integer({ min: 1, max: 23 }),
      ),
      perm: fc.shuffledSubarray([...Array(ndim).keys()], { minLength: ndim, maxLength: ndim }),
      flip: fc.array(fc.boolean(), { minLength: ndim, maxLength: ndim }),
      gap: fc.array(fc.integer({ min: 1, max: 2 }), { minLength: ndim, maxLength: ndim }),
      ss: fc.array(fc.integer({ min: -4, max: 4 }), { minLength: ndim, maxLength: ndim }),
      variant: fc.constantFrom(...VARIANTS),
      unaligned: fc.boolean(),
    }),
  );

  const dstStrides = (shape: number[], perm: number[], flip: boolean[], gap: number[]): number[] => {
    const ds = new Array<number>(shape.length);
    let cur = 1;
    for (let k = perm.length - 1; k >= 0; k--) {
      const axis = perm[k];
      ds[axis] = cur * gap[axis];
      cur = ds[axis] * shape[axis];
    }
    return ds.map((s, d) => (flip[d] ? -s : s));
  };

  it('copy_strided equals a naive gather/scatter for random shapes and strides', () => {
    fc.assert(
      fc.property(layoutArb, ({ shape: [outerDims, inner], perm, flip, gap, ss, variant, unaligned }) => {
        const shape = [...outerDims, inner];
        w.reset();
        checkCopyStrided(variant, { name: 'property', shape, ds: dstStrides(shape, perm, flip, gap), ss }, unaligned, inner);
      }),
      { numRuns: 400, seed: 7 },
    );
  });

  it('fill_strided equals a naive scatter for random shapes and strides', () => {
    fc.assert(
      fc.property(layoutArb, ({ shape: [outerDims, inner], perm, flip, gap, variant, unaligned }) => {
        const shape = [...outerDims, inner];
        w.reset();
        checkFillStrided(variant, shape, dstStrides(shape, perm, flip, gap), unaligned);
      }),
      { numRuns: 200, seed: 8 },
    );
  });
});

// =============================================================================================
// Random numbers

/** JS model of the generator documented in assembly/random.ts. */
const mix = (x: number): number => {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
};
const keys = (seed: number, stream: number): [number, number] => {
  const k0 = mix((seed ^ stream) >>> 0);
  return [k0, mix((k0 + 0x9e3779b9) >>> 0)];
};
const bits = (c: number, [k0, k1]: [number, number]): number => mix((mix((c + k0) >>> 0) ^ k1) >>> 0);

function uniformModel(n: number, seed: number, counter: number, lo: number, hi: number): number[] {
  const k = keys(seed, 0x3c6ef372);
  const span = fr(hi - lo);
  let bound = Infinity;
  if (hi > lo) {
    const f = new Float32Array([hi]);
    const u = new Uint32Array(f.buffer);
    if (hi === 0) bound = -(2 ** -149);
    else {
      u[0] += hi > 0 ? -1 : 1;
      bound = f[0];
    }
  }
  return Array.from({ length: n }, (_, i) => {
    const u = (bits((counter + i) >>> 0, k) >>> 8) * 2 ** -24;
    return Math.min(fr(lo + fr(span * u)), bound);
  });
}

function normalModel(n: number, seed: number, counter: number): number[] {
  const ka = keys(seed, 0xa54ff53a);
  const kb = keys(seed, 0x510e527f);
  return Array.from({ length: n }, (_, i) => {
    const c = (counter + i) >>> 0;
    const u1 = ((bits(c, ka) >>> 8) + 1) * 2 ** -24;
    const u2 = (bits(c, kb) >>> 8) * 2 ** -24;
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  });
}

function runRand(name: 'rand_uniform' | 'rand_normal', v: Variant, n: number, seed: number, counter: number, p: number, q: number, unaligned = false) {
  const out = region(w, n, undefined, unaligned);
  kernel(w, name, v)(out.ptr, n, seed | 0, counter | 0, p, q);
  return { got: readRegion(w, out), out };
}

function moments(x: ArrayLike<number>): { mean: number; variance: number } {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i];
  const mean = s / x.length;
  let v = 0;
  for (let i = 0; i < x.length; i++) v += (x[i] - mean) ** 2;
  return { mean, variance: v / (x.length - 1) };
}

const RAND_PARAMS = [
  { seed: 0, counter: 0 },
  { seed: 42, counter: 7 },
  { seed: 0xdeadbeef, counter: 0xfffffffa }, // the counter wraps mod 2^32 inside the call
];

describe.each(VARIANTS)('random (%s)', (v) => {
  it.each(RAND_PARAMS)('rand_uniform seed=$seed counter=$counter: matches the documented generator bit for bit', ({ seed, counter }) => {
    for (const n of LENGTHS) {
      for (const [lo, hi] of [
        [0, 1],
        [-2, 3],
        [fr(-0.1), 0],
      ]) {
        const { got, out } = runRand('rand_uniform', v, n, seed, counter, lo, hi, n % 2 === 1);
        const ctx = `rand_uniform_${v} n=${n} [${lo},${hi})`;
        expectExact(got, uniformModel(n, seed, counter, lo, hi), ctx);
        got.forEach((x) => {
          expect(x >= lo && x < hi, `${ctx}: ${x}`).toBe(true);
        });
        expectGuardsIntact(out, ctx);
        w.reset();
      }
    }
  });

  it('rand_uniform: results stay below hi when rounding would reach it', () => {
    const lo = 1;
    const hi = fr(1 + 2 ** -23); // the next float after 1
    const { got } = runRand('rand_uniform', v, 1000, 3, 0, lo, hi);
    got.forEach((x) => expect(x).toBe(1));
    const { got: g2 } = runRand('rand_uniform', v, 1000, 3, 0, -1e-30, 0);
    g2.forEach((x) => expect(x < 0 && x >= fr(-1e-30)).toBe(true));
  });

  it.each(RAND_PARAMS)('rand_normal seed=$seed counter=$counter: matches a float64 Box-Muller model', ({ seed, counter }) => {
    for (const n of LENGTHS) {
      const mean = fr(0.5);
      const std = fr(2);
      const { got, out } = runRand('rand_normal', v, n, seed, counter, mean, std, n % 2 === 0);
      const model = normalModel(n, seed, counter);
      const ctx = `rand_normal_${v} n=${n}`;
      got.forEach((x, i) => expect(Math.abs(x - (mean + std * model[i])), ctx).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(model[i]))));
      expectGuardsIntact(out, ctx);
      w.reset();
    }
  });

  it('counter-based: a call at counter c+k reproduces elements k.. of a call at c', () => {
    for (const name of ['rand_uniform', 'rand_normal'] as const) {
      const full = runRand(name, v, 50, 11, 1000, 0, 1).got;
      for (const k of [1, 3, 4, 13]) {
        const part = runRand(name, v, 50 - k, 11, 1000 + k, 0, 1).got;
        expectExact(part, full.subarray(k), `${name}_${v} offset ${k}`);
      }
      const other = runRand(name, v, 50, 12, 1000, 0, 1).got;
      expect(other.filter((x, i) => x === full[i]).length, `${name}_${v}: another seed gives other numbers`).toBeLessThan(3);
      w.reset();
    }
  });

  it('rand_uniform: 100k samples have mean 1/2, variance 1/12, flat histogram, no lag-1 correlation', () => {
    const N = 100_000;
    const { got } = runRand('rand_uniform', v, N, 2024, 0, 0, 1);
    const { mean, variance } = moments(got);
    expect(got.reduce((m, x) => Math.min(m, x), Infinity)).toBeGreaterThanOrEqual(0);
    expect(got.reduce((m, x) => Math.max(m, x), -Infinity)).toBeLessThan(1);
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.005);
    expect(Math.abs(variance - 1 / 12)).toBeLessThan(0.002);
    const buckets = new Array<number>(100).fill(0);
    got.forEach((x) => buckets[Math.floor(x * 100)]++);
    const chi2 = buckets.reduce((acc, c) => acc + (c - N / 100) ** 2 / (N / 100), 0);
    expect(chi2).toBeLessThan(160); // 99 degrees of freedom: mean 99, sd 14
    let cov = 0;
    for (let i = 1; i < N; i++) cov += (got[i] - mean) * (got[i - 1] - mean);
    expect(Math.abs(cov / (N - 1) / variance)).toBeLessThan(0.015);
  });

  it('rand_normal: 100k samples have the requested mean and std, 68% within one sigma', () => {
    const N = 100_000;
    const { got } = runRand('rand_normal', v, N, 99, 5, fr(-1.5), fr(3));
    const { mean, variance } = moments(got);
    expect(Math.abs(mean + 1.5)).toBeLessThan(0.05);
    expect(Math.abs(Math.sqrt(variance) - 3)).toBeLessThan(0.05);
    const within = got.filter((x) => Math.abs(x + 1.5) < 3).length / N;
    expect(Math.abs(within - 0.6827)).toBeLessThan(0.01);
    const extreme = got.reduce((m, x) => Math.max(m, Math.abs(x + 1.5)), 0);
    expect(extreme).toBeLessThanOrEqual(3 * 5.78); // |z| <= sqrt(-2 ln 2^-24)
    expect(extreme).toBeGreaterThan(3 * 3.5); // but the tails are there
  });
});

describe('random: simd and scalar agree bitwise', () => {
  it.each(['rand_uniform', 'rand_normal'] as const)('%s', (name) => {
    for (const n of [...LENGTHS, 1000]) {
      for (const { seed, counter } of RAND_PARAMS) {
        const a = runRand(name, 'simd', n, seed, counter, -1, 2).got;
        const b = runRand(name, 'scalar', n, seed, counter, -1, 2).got;
        expectExact(a, b, `${name} n=${n} seed=${seed}`);
        w.reset();
      }
    }
  });
});
