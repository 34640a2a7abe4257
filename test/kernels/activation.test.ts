// Tests of the sigmoid / tanh kernels (assembly/activation.ts) called directly on
// dist/simdconv.wasm: both twins against float64 references over lengths reaching every SIMD tail,
// with special values, in place, bitwise agreement of the twins, and PyTorch's fixtures.
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { VARIANTS, kernel, rawWasm, type RawWasm } from '../helpers/raw-wasm.js';
import { randArray } from '../helpers/random.js';
import { CNN_FIXTURES, expectClose, expectSameBits, input, out, readChecked } from './cnn-helpers.js';

const LENGTHS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 15, 16, 17, 31, 32, 33, 100];
const SPECIALS = [0, -0, NaN, Infinity, -Infinity, 1e-30, -1e-30, 9, -9, 10, -10, 20, -20, 88, -88, 89, -89, 100, -100, 104, -104, 1e30, -1e30];

let w: RawWasm;
beforeAll(() => {
  w = rawWasm();
});
beforeEach(() => w.reset());

const OPS = [
  { name: 'sigmoid', ref: (x: number) => 1 / (1 + Math.exp(-x)), back: (g: number, y: number) => g * (1 - y) * y },
  { name: 'tanh', ref: Math.tanh, back: (g: number, y: number) => g * (1 - y * y) },
] as const;

/** Runs `name` (forward: out, a, n; backward: dx, dy, y, n) on both twins, returning both outputs. */
function both(name: string, args: ArrayLike<number>[], n: number): Record<string, Float32Array> {
  const res: Record<string, Float32Array> = {};
  for (const v of VARIANTS) {
    const o = out(w, n, true);
    kernel(w, name, v)(o.ptr, ...args.map((a) => input(w, a)), n);
    res[v] = readChecked(w, o, `${name} ${v}`);
  }
  expectSameBits(res.simd, res.scalar, `${name}: twins`);
  return res;
}

describe.each(OPS)('$name', (op) => {
  it.each(LENGTHS)('n = %i: forward and backward match float64, twins bitwise equal', (n) => {
    const x = randArray(n, n + 1, -12, 12);
    const dy = randArray(n, n + 2, -2, 2);
    const y = both(op.name, [x], n).simd;
    expectClose(y, Array.from(x, op.ref), 'y', 1e-6, 1e-44);
    const dx = both(`${op.name}_backward`, [dy, y], n).simd;
    expectClose(dx, Array.from(y, (yi, i) => op.back(dy[i], yi)), 'dx', 1e-6, 1e-6);
  });

  it('special values: ±0, NaN, ±Inf, saturation and tiny results keep their precision', () => {
    const x = Float32Array.from(SPECIALS);
    const y = both(op.name, [x], x.length).simd;
    expectClose(y, Array.from(x, op.ref), 'y', 1e-6, 1e-44);
    expect(Object.is(y[1], op.name === 'tanh' ? -0 : 0.5)).toBe(true);
    if (op.name === 'sigmoid') {
      // 1/(1+exp(100)) would be 1/Inf = 0 in f32; e/(1+e) keeps the subnormal exp(-100) ≈ 3.7e-44
      expect(y[SPECIALS.indexOf(-100)]).toBe(Math.fround(Math.exp(-100)));
      expect(y[SPECIALS.indexOf(-104)]).toBe(0); // exp(-104) is below the smallest subnormal
    }
  });

  it('is accurate over a dense sweep: [-10, 10] in steps of 1/512, around the branch points, and tiny values', () => {
    const xs = [...Array.from({ length: 10241 }, (_, i) => -10 + i / 512), 0.625, Math.fround(0.625) - 2 ** -24, -0.625,
      1e-3, 1e-5, 1e-7, 1e-20, 1e-38, 1e-45, -1e-45];
    const y = both(op.name, [xs], xs.length).simd;
    expectClose(y, xs.map((x) => op.ref(Math.fround(x))), 'y', 1e-6, 1e-44);
  });

  it('runs in place (out = a, dx = dy)', () => {
    const n = 19;
    const x = randArray(n, 3, -5, 5);
    for (const v of VARIANTS) {
      w.reset();
      const p = input(w, x);
      kernel(w, op.name, v)(p, p, n);
      const y = w.read(p, n);
      expectClose(y, Array.from(x, op.ref), `${v} y`, 1e-6, 1e-44);
      const dy = input(w, x);
      kernel(w, `${op.name}_backward`, v)(dy, dy, p, n);
      expectClose(w.read(dy, n), Array.from(y, (yi, i) => op.back(x[i], yi)), `${v} dx`, 1e-6, 1e-6);
    }
  });

  it('property: any float32 input gives the same bits in both twins, within [-1, 1]', () => {
    fc.assert(fc.property(fc.array(fc.float(), { minLength: 1, maxLength: 40 }), (xs) => {
      w.reset();
      const y = both(op.name, [xs], xs.length).simd;
      y.forEach((v, i) => {
        if (!Number.isNaN(xs[i])) expect(Math.abs(v)).toBeLessThanOrEqual(1);
      });
    }), { numRuns: 100, seed: 14 });
  });

  it('matches PyTorch 1.13 (test/fixtures/cnn.json)', () => {
    const f = CNN_FIXTURES.activations[op.name];
    const n = f.x.length;
    const y = both(op.name, [f.x], n).simd;
    expectClose(y, f.y, 'y', 1e-6, 1e-12);
    expectClose(both(`${op.name}_backward`, [f.dy, y], n).simd, f.dx, 'dx', 1e-5, 1e-6);
  });
});
