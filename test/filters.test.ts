// The kernel gallery (sc.kernels): exact values, what each kernel detects on images built for it
// (finite differences of degree d on polynomials of degree d and d - 1, Sobel / Prewitt on ramps,
// the Laplacian on quadratics, edge kernels on edge images, sums and integrals), fresh tensors on
// every call, and argument validation.
import { beforeAll, describe, expect, it } from 'vitest';
import * as sc from '../src/index.js';
import { expectNoLeakedTensors } from './helpers/leaks.js';
import { prng } from './helpers/random.js';

beforeAll(async () => {
  await sc.init();
});

/** An image [H, W] with X[y][x] = f(x, y). */
function image(H: number, W: number, f: (x: number, y: number) => number): sc.Tensor {
  const d = new Float32Array(H * W);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) d[y * W + x] = f(x, y);
  return sc.tensor(d, [H, W]);
}

const factorial = (n: number): number => (n <= 1 ? 1 : n * factorial(n - 1));

describe('kernels', () => {
  expectNoLeakedTensors();

  it.each([
    ['edgeVertical', () => sc.kernels.edgeVertical(), [[1, -1]]],
    ['edgeHorizontal', () => sc.kernels.edgeHorizontal(), [[1], [-1]]],
    ['edgeDiagonal', () => sc.kernels.edgeDiagonal(), [[1, 0], [0, -1]]],
    ['edgeAntiDiagonal', () => sc.kernels.edgeAntiDiagonal(), [[0, 1], [-1, 0]]],
    ['sobelX', () => sc.kernels.sobelX(), [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]],
    ['sobelY', () => sc.kernels.sobelY(), [[-1, -2, -1], [0, 0, 0], [1, 2, 1]]],
    ['prewittX', () => sc.kernels.prewittX(), [[-1, 0, 1], [-1, 0, 1], [-1, 0, 1]]],
    ['prewittY', () => sc.kernels.prewittY(), [[-1, -1, -1], [0, 0, 0], [1, 1, 1]]],
    ['laplacian', () => sc.kernels.laplacian(), [[0, 1, 0], [1, -4, 1], [0, 1, 0]]],
    ['laplacian diagonals', () => sc.kernels.laplacian({ diagonals: true }), [[1, 1, 1], [1, -8, 1], [1, 1, 1]]],
    ['secondDerivative', () => sc.kernels.secondDerivative(), [[1, -2, 1]]],
    ['secondDerivative y', () => sc.kernels.secondDerivative({ axis: 'y' }), [[1], [-2], [1]]],
    ['finiteDifference 0', () => sc.kernels.finiteDifference(0), [[1]]],
    ['finiteDifference 1', () => sc.kernels.finiteDifference(1), [[-1, 1]]],
    ['finiteDifference 2', () => sc.kernels.finiteDifference(2), [[1, -2, 1]]],
    ['finiteDifference 3', () => sc.kernels.finiteDifference(3), [[-1, 3, -3, 1]]],
    ['finiteDifference 4 y', () => sc.kernels.finiteDifference(4, { axis: 'y' }), [[1], [-4], [6], [-4], [1]]],
    ['boxSum 2x3', () => sc.kernels.boxSum([2, 3]), [[1, 1, 1], [1, 1, 1]]],
    ['integral 3', () => sc.kernels.integral(3), [[1, 1, 1]]],
    ['integral 3 step 0.5 trapezoid y', () => sc.kernels.integral(3, { step: 0.5, rule: 'trapezoid', axis: 'y' }), [[0.25], [0.5], [0.25]]],
    ['runningSum 3', () => sc.kernels.runningSum(3), [[1, 1, 1, 0, 0]]],
    ['runningSum 1', () => sc.kernels.runningSum(1), [[1]]],
    ['sharpen', () => sc.kernels.sharpen(), [[0, -1, 0], [-1, 5, -1], [0, -1, 0]]],
    ['emboss', () => sc.kernels.emboss(), [[-2, -1, 0], [-1, 1, 1], [0, 1, 2]]],
  ] as const)('%s', (_, make, want) => {
    const a = make(), b = make();
    expect(a.toArray()).toEqual(want);
    // A fresh tensor on every call: writing one leaves the next untouched.
    expect(a).not.toBe(b);
    a.set([0, 0], 42);
    expect(b.toArray()).toEqual(want);
    a.dispose();
    b.dispose();
  });

  it('finiteDifference(d) has d + 1 taps, binomial magnitudes, alternating signs, summing to 0 (d >= 1)', () => {
    for (let d = 0; d <= 25; d++) {
      const k = sc.kernels.finiteDifference(d);
      const v = Array.from(k.data());
      expect(k.shape).toEqual([1, d + 1]);
      let binom = 1;
      for (let t = 0; t <= d; t++) {
        expect(v[t]).toBe((d - t) % 2 === 0 ? binom : -binom);
        binom = (binom * (d - t)) / (t + 1);
      }
      expect(v.reduce((p, q) => p + q, 0)).toBe(d === 0 ? 1 : 0);
      k.dispose();
    }
  });

  it('finiteDifference(d) on a degree-d polynomial gives d!·a_d, on degree d - 1 gives 0 (both axes, exact integers)', () => {
    const rand = prng(7);
    // Up to degree 6 every value and partial sum is an integer below 2^24: float32 is exact.
    for (let d = 1; d <= 6; d++) {
      sc.tidy(() => {
        // p(x) = Σ a_k x^k with small integer coefficients, a_d != 0, on a grid centred on 0. The image also
        // varies along the other axis (q(y)), which the 1-D difference must ignore.
        const coef = Array.from({ length: d + 1 }, () => Math.floor(rand() * 7) - 3);
        coef[d] = coef[d] === 0 ? 2 : coef[d]!;
        const W = d + 4, H = 4;
        const p = (x: number, deg: number): number => coef.slice(0, deg + 1).reduce((s, a, k) => s + a * (x - (W >> 1)) ** k, 0);
        const q = (y: number): number => 5 * y * y - y;
        for (const axis of ['x', 'y'] as const) {
          const K = sc.kernels.finiteDifference(d, { axis });
          const Xd = axis === 'x' ? image(H, W, (x, y) => p(x, d) + q(y)) : image(W, H, (x, y) => p(y, d) + q(x));
          const Xl = axis === 'x' ? image(H, W, (x, y) => p(x, d - 1) + q(y)) : image(W, H, (x, y) => p(y, d - 1) + q(x));
          const Yd = sc.corr2d(Xd, K), Yl = sc.corr2d(Xl, K);
          expect(Yd.shape).toEqual(axis === 'x' ? [H, W - d] : [W - d, H]);
          expect(new Set(Yd.data())).toEqual(new Set([factorial(d) * coef[d]!]));
          expect(new Set(Yl.data())).toEqual(new Set([0]));
        }
      });
    }
  });

  it('finiteDifference on a smooth function sampled with step h approximates h^d times its d-th derivative', () => {
    sc.tidy(() => {
      const h = 0.01;
      const X = image(1, 40, (x) => Math.sin(1 + x * h));
      // d^3/dt^3 sin = -cos
      const Y = sc.corr2d(X, sc.kernels.finiteDifference(3)).div(h ** 3);
      expect(Math.abs(Y.data()[10]! - -Math.cos(1 + 11.5 * h))).toBeLessThan(0.05);
      const Y1 = sc.corr2d(X, sc.kernels.finiteDifference(1)).div(h);
      expect(Math.abs(Y1.data()[10]! - Math.cos(1 + 10.5 * h))).toBeLessThan(1e-3);
    });
  });

  it('secondDerivative and the Laplacian find curvature: 2 on x², 4 on x² + y², 0 on the harmonic x² - y²', () => {
    sc.tidy(() => {
      expect(new Set(sc.corr2d(image(3, 9, (x) => x * x), sc.kernels.secondDerivative()).data())).toEqual(new Set([2]));
      expect(new Set(sc.corr2d(image(9, 3, (_, y) => y * y), sc.kernels.secondDerivative({ axis: 'y' })).data())).toEqual(new Set([2]));
      expect(new Set(sc.corr2d(image(7, 8, (x, y) => x * x + y * y), sc.kernels.laplacian()).data())).toEqual(new Set([4]));
      expect(new Set(sc.corr2d(image(7, 8, (x, y) => x * x - y * y), sc.kernels.laplacian()).data())).toEqual(new Set([0]));
      expect(new Set(sc.corr2d(image(7, 8, (x, y) => x * x - y * y), sc.kernels.laplacian({ diagonals: true })).data())).toEqual(new Set([0]));
      expect(new Set(sc.corr2d(image(7, 8, (x, y) => 3 * x - 2 * y + 1), sc.kernels.laplacian({ diagonals: true })).data())).toEqual(new Set([0]));
    });
  });

  it('Sobel and Prewitt: positive on a ramp rising along their axis, 0 across it', () => {
    sc.tidy(() => {
      const rampX = image(6, 7, (x) => x), rampY = image(6, 7, (_, y) => y);
      const values = (X: sc.Tensor, K: sc.Tensor) => new Set(sc.corr2d(X, K).data());
      expect(values(rampX, sc.kernels.sobelX())).toEqual(new Set([8]));
      expect(values(rampY, sc.kernels.sobelX())).toEqual(new Set([0]));
      expect(values(rampY, sc.kernels.sobelY())).toEqual(new Set([8]));
      expect(values(rampX, sc.kernels.sobelY())).toEqual(new Set([0]));
      expect(values(rampX, sc.kernels.prewittX())).toEqual(new Set([6]));
      expect(values(rampY, sc.kernels.prewittY())).toEqual(new Set([6]));
      expect(values(rampX, sc.kernels.prewittY())).toEqual(new Set([0]));
    });
  });

  it("edge kernels: the lesson's vertical edges, their transpose, and diagonal edges", () => {
    sc.tidy(() => {
      const X = sc.ones([6, 8]).set([null, [2, 6]], 0);
      expect(sc.corr2d(X, sc.kernels.edgeVertical()).toArray()).toEqual(Array(6).fill([0, 1, 0, 0, 0, -1, 0]));
      expect(sc.corr2d(X.T, sc.kernels.edgeVertical()).toArray()).toEqual(Array(8).fill([0, 0, 0, 0, 0]));
      expect(sc.corr2d(X.T, sc.kernels.edgeHorizontal()).toArray()).toEqual(sc.corr2d(X, sc.kernels.edgeVertical()).T.toArray());
      // An edge along the main diagonal (\): 1 above it, 0 on and below.
      const D = image(6, 6, (x, y) => (x > y ? 1 : 0));
      const along = sc.corr2d(D, sc.kernels.edgeDiagonal());
      expect(new Set(along.data())).toEqual(new Set([0])); // compares pixels along the edge: blind to it
      const across = sc.corr2d(D, sc.kernels.edgeAntiDiagonal()).toArray() as number[][];
      across.forEach((row, y) => row.forEach((v, x) => expect(v).toBe(x === y || x === y + 1 ? 1 : 0)));
      // An edge along the anti-diagonal (/) is what edgeDiagonal sees.
      const A = image(6, 6, (x, y) => (x + y > 5 ? 1 : 0));
      const seen = sc.corr2d(A, sc.kernels.edgeDiagonal()).toArray() as number[][];
      seen.forEach((row, y) => row.forEach((v, x) => expect(v).toBe(x + y === 4 || x + y === 5 ? -1 : 0)));
      expect(new Set(sc.corr2d(A, sc.kernels.edgeAntiDiagonal()).data())).toEqual(new Set([0]));
    });
  });

  it('boxSum sums every window; integral integrates; runningSum is the cumulative sum, undone by the forward difference', () => {
    sc.tidy(() => {
      const X = image(5, 6, (x, y) => x + 10 * y);
      const S = sc.corr2d(X, sc.kernels.boxSum([2, 3])).toArray() as number[][];
      S.forEach((row, y) => row.forEach((v, x) => {
        let want = 0;
        for (let a = 0; a < 2; a++) for (let b = 0; b < 3; b++) want += x + b + 10 * (y + a);
        expect(v).toBe(want);
      }));
      // Trapezoid rule: exact for straight lines. ∫ from t to t + 3h of (2 + 3s) ds, h = 0.25.
      const h = 0.25;
      const line = image(1, 12, (x) => 2 + 3 * x * h);
      const I = sc.corr2d(line, sc.kernels.integral(4, { step: h, rule: 'trapezoid' })).data();
      I.forEach((v, j) => {
        const t0 = j * h, t1 = t0 + 3 * h;
        expect(v).toBeCloseTo(2 * (t1 - t0) + 1.5 * (t1 * t1 - t0 * t0), 5);
      });
      // Rectangle rule on a constant: n·step·c.
      expect(new Set(sc.corr2d(sc.full([2, 9], 3), sc.kernels.integral(5, { step: 0.5 })).data())).toEqual(new Set([7.5]));
      // runningSum(n) with 'same' padding: cumulative sums of any input of length <= n, both axes.
      for (const W of [1, 2, 5, 8]) {
        const v = Array.from({ length: W }, (_, i) => (i * 7) % 5 - 2);
        const cum = v.map((_, i) => v.slice(0, i + 1).reduce((p, q) => p + q, 0));
        const x = sc.tensor(v, [1, 1, 1, W]);
        const y = sc.conv2d(x, sc.kernels.runningSum(8).reshape([1, 1, 1, 15]), { padding: 'same' });
        expect(Array.from(y.data())).toEqual(cum);
        const yc = sc.conv2d(x.reshape([1, 1, W, 1]), sc.kernels.runningSum(8, { axis: 'y' }).reshape([1, 1, 15, 1]), { padding: 'same' });
        expect(Array.from(yc.data())).toEqual(cum);
        // The forward difference (one zero before) gives the input back: differentiation undoes integration.
        const back = sc.conv2d(y, sc.kernels.finiteDifference(1).reshape([1, 1, 1, 2]), { padding: [[0, 0], [1, 0]] });
        expect(Array.from(back.data())).toEqual(v);
      }
    });
  });

  it('gaussian: normalised, symmetric, peaked at the centre, sized 2·ceil(3σ) + 1, separable', () => {
    sc.tidy(() => {
      for (const sigma of [0.3, 0.5, 1, 1.7, 3]) {
        const g = sc.kernels.gaussian(sigma);
        const n = 2 * Math.ceil(3 * sigma) + 1;
        expect(g.shape).toEqual([n, n]);
        expect(g.sum().item()).toBeCloseTo(1, 6);
        const v = g.toArray() as number[][];
        const c = (n - 1) / 2;
        expect(Math.max(...v.flat())).toBe(v[c]![c]);
        expect(g.flip().toArray()).toEqual(v);
        expect(g.T.toArray()).toEqual(v);
        if (n > 1) expect(v[c]![c + 1]! / v[c]![c]!).toBeCloseTo(Math.exp(-1 / (2 * sigma * sigma)), 5);
      }
      const a = sc.kernels.gaussian([1, 2], [3, 5]);
      expect(a.shape).toEqual([3, 5]);
      expect(a.sum().item()).toBeCloseTo(1, 6);
      const v = a.toArray() as number[][];
      expect(v[1]![3]! / v[1]![2]!).toBeCloseTo(Math.exp(-1 / 8), 5); // σx = 2
      expect(v[2]![2]! / v[1]![2]!).toBeCloseTo(Math.exp(-1 / 2), 5); // σy = 1
      // Even sizes are centred between pixels.
      expect(sc.kernels.gaussian(1, 4).toArray()).toEqual(sc.kernels.gaussian(1, 4).flip().toArray());
    });
  });

  it('blur, sharpen and emboss leave a flat image flat (they sum to 1); sharpen boosts a bright dot', () => {
    sc.tidy(() => {
      const flat = sc.full([9, 9], 0.5);
      for (const K of [sc.kernels.gaussian(1), sc.kernels.sharpen(), sc.kernels.emboss(), sc.kernels.boxSum(3).div(9)]) {
        for (const v of sc.corr2d(flat, K).data()) expect(v).toBeCloseTo(0.5, 6);
      }
      const dot = sc.zeros([5, 5]).set([2, 2], 1);
      expect(sc.corr2d(dot, sc.kernels.sharpen()).toArray()).toEqual([[0, -1, 0], [-1, 5, -1], [0, -1, 0]]);
    });
  });
});

describe('kernels: bad arguments', () => {
  it.each([
    ['finiteDifference(-1)', () => sc.kernels.finiteDifference(-1), 'degree'],
    ['finiteDifference(1.5)', () => sc.kernels.finiteDifference(1.5), 'degree'],
    ['finiteDifference(26)', () => sc.kernels.finiteDifference(26), 'degree'],
    ["finiteDifference('2')", () => sc.kernels.finiteDifference('2' as never), 'degree'],
    ["finiteDifference(2, { axis: 'z' })", () => sc.kernels.finiteDifference(2, { axis: 'z' as never }), 'axis'],
    ['finiteDifference(2, { size: 3 })', () => sc.kernels.finiteDifference(2, { size: 3 } as never), 'options'],
    ['secondDerivative(1)', () => sc.kernels.secondDerivative(1 as never), 'options'],
    ['laplacian({ diagonals: 1 })', () => sc.kernels.laplacian({ diagonals: 1 as never }), 'diagonals'],
    ['boxSum(0)', () => sc.kernels.boxSum(0), 'size'],
    ['boxSum([2])', () => sc.kernels.boxSum([2] as never), 'size'],
    ['boxSum([2, 0])', () => sc.kernels.boxSum([2, 0]), 'size[1]'],
    ['boxSum(5000)', () => sc.kernels.boxSum(5000), 'size'],
    ['integral(0)', () => sc.kernels.integral(0), 'n'],
    ["integral(1, { rule: 'trapezoid' })", () => sc.kernels.integral(1, { rule: 'trapezoid' }), 'n'],
    ["integral(3, { rule: 'simpson' })", () => sc.kernels.integral(3, { rule: 'simpson' as never }), 'rule'],
    ['integral(3, { step: 0 })', () => sc.kernels.integral(3, { step: 0 }), 'step'],
    ['integral(3, { step: Infinity })', () => sc.kernels.integral(3, { step: Infinity }), 'step'],
    ['runningSum(0)', () => sc.kernels.runningSum(0), 'n'],
    ['gaussian(0)', () => sc.kernels.gaussian(0), 'sigma'],
    ['gaussian(NaN)', () => sc.kernels.gaussian(NaN), 'sigma'],
    ['gaussian([1, -1])', () => sc.kernels.gaussian([1, -1]), 'sigma[1]'],
    ["gaussian('1')", () => sc.kernels.gaussian('1' as never), 'sigma'],
    ['gaussian(1000)', () => sc.kernels.gaussian(1000), 'sigma'],
    ['gaussian(1, 0)', () => sc.kernels.gaussian(1, 0), 'size'],
    ['gaussian(1, 2.5)', () => sc.kernels.gaussian(1, 2.5), 'size'],
  ])('%s', (_, fn, argument) => {
    const before = sc.memory().tensors;
    let err: unknown;
    try {
      fn();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(sc.ArgumentError);
    const e = err as sc.SimdconvError;
    expect(e.op).toMatch(/^kernels\./);
    expect(e.argument).toBe(argument);
    expect(e.message).toContain(e.op);
    expect(e.expected.length).toBeGreaterThan(0);
    expect(sc.memory().tensors).toBe(before);
  });
});
