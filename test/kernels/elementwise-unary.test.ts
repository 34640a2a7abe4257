// Tests of the unary kernels with a scalar parameter, relu_backward, fill, axpy and the fused squared error
// (assembly/elementwise.ts) called directly on the test build: both twins against float64
// references over lengths that reach every SIMD tail, in place and unaligned, special values,
// with guard values around every output, and the bitwise agreement of the twins.
import { describe, expect, it } from 'vitest';
import { VARIANTS, kernel, type Variant } from '../helpers/raw-wasm.js';
import { readRegion, region } from '../helpers/guarded.js';
import { expectUntouched, useRawWasm, w } from '../helpers/kernel-wasm.js';
import { LENGTHS, expectClose, expectExact, fr, randArray } from '../helpers/tensor-checks.js';

useRawWasm();

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
        expectUntouched(out, ctx);
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
      expectUntouched(out, ctx);
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
        expectUntouched(out, ctx);
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
        expectUntouched(out, ctx);
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
        expectUntouched(ry, ctx);
        w.reset();
      }
    }
  });
});

// sq_diff: the fused squared error and its gradient

describe.each(VARIANTS)('sq_diff (%s)', (v) => {
  const data = (n: number) => {
    const a = randArray(n, n + 21), b = randArray(n, n + 22), gy = randArray(n, n + 23);
    if (n > 3) {
      a[0] = NaN; // NaN in gives NaN out
      b[1] = Infinity;
      a[2] = b[2]!; // a zero difference
      gy[3] = -0;
    }
    return { a, b, gy };
  };
  const sq = (a: number, b: number) => {
    const d = fr(a - b);
    return fr(d * d);
  };
  const back = (gy: number, a: number, b: number) => {
    const d = fr(a - b);
    return fr(gy * (d + d));
  };

  it('sq_diff: out = (a - b)², every tail, unaligned, guards untouched', () => {
    for (const n of LENGTHS) {
      for (const unaligned of [false, true]) {
        const { a, b } = data(n);
        const ra = region(w, n, a, unaligned), rb = region(w, n, b, unaligned), out = region(w, n, undefined, unaligned);
        kernel(w, 'sq_diff', v)(out.ptr, ra.ptr, rb.ptr, n, 0, 0, 0);
        const ctx = `sq_diff_${v} n=${n}`;
        expectExact(readRegion(w, out), Array.from(a, (ai, i) => sq(ai, b[i]!)), ctx);
        expectUntouched(out, ctx);
        w.reset();
      }
    }
  });

  it('sq_diff with grad: out = gy · 2(a - b), every tail, unaligned, guards untouched', () => {
    for (const n of LENGTHS) {
      for (const unaligned of [false, true]) {
        const { a, b, gy } = data(n);
        const ra = region(w, n, a, unaligned), rb = region(w, n, b, unaligned), rg = region(w, n, gy, unaligned);
        const out = region(w, n, undefined, unaligned);
        kernel(w, 'sq_diff', v)(out.ptr, ra.ptr, rb.ptr, n, 1, rg.ptr, 0);
        const ctx = `sq_diff_${v} grad n=${n}`;
        expectExact(readRegion(w, out), Array.from(a, (ai, i) => back(gy[i]!, ai, b[i]!)), ctx);
        expectUntouched(out, ctx);
        w.reset();
      }
    }
  });

  it('sq_diff with grad and gy = 0: out = c · 2(a - b), one scalar for every element', () => {
    const c = fr(-0.0625 / 3);
    for (const n of LENGTHS) {
      for (const unaligned of [false, true]) {
        const { a, b } = data(n);
        const ra = region(w, n, a, unaligned), rb = region(w, n, b, unaligned), out = region(w, n, undefined, unaligned);
        kernel(w, 'sq_diff', v)(out.ptr, ra.ptr, rb.ptr, n, 1, 0, c);
        const ctx = `sq_diff_${v} grad scalar n=${n}`;
        expectExact(readRegion(w, out), Array.from(a, (ai, i) => back(c, ai, b[i]!)), ctx);
        expectUntouched(out, ctx);
        w.reset();
      }
    }
  });

  it('in place: out == a for the forward, out == gy for the gradient', () => {
    const n = 37;
    const { a, b, gy } = data(n);
    const ra = region(w, n, a), rb = region(w, n, b), rg = region(w, n, gy);
    kernel(w, 'sq_diff', v)(rg.ptr, ra.ptr, rb.ptr, n, 1, rg.ptr, 0);
    expectExact(readRegion(w, rg), Array.from(a, (ai, i) => back(gy[i]!, ai, b[i]!)), 'gradient in place');
    kernel(w, 'sq_diff', v)(ra.ptr, ra.ptr, rb.ptr, n, 0, 0, 0);
    expectExact(readRegion(w, ra), Array.from(a, (ai, i) => sq(ai, b[i]!)), 'forward in place');
  });
});
