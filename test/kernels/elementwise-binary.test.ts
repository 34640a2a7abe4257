// Tests of the broadcasting binary kernels add, sub, mul, div, pow, maximum, minimum
// (assembly/elementwise.ts) called directly on the test build: both twins against float64
// references over every row kind (contiguous, broadcast either side, strided), lengths that reach
// every SIMD tail, in place, NaN, signed zeros and infinities, with guard values around every output.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { VARIANTS, kernel, type Variant } from '../helpers/raw-wasm.js';
import { readRegion, region, type Region } from '../helpers/guarded.js';
import { expectUntouched, useRawWasm, w } from '../helpers/kernel-wasm.js';
import { LENGTHS, contiguousStrides, expectClose, expectExact, forEachIndex, randArray, viewSpan } from '../helpers/tensor-checks.js';

useRawWasm();

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
        expectUntouched(out, ctx);
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
        expectUntouched(out, ctx);
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
        expectUntouched(out, ctx);
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
        expectUntouched(out, 'property');
      },
    ),
    { numRuns: 300, seed: 42 },
  );
});
