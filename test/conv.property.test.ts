// Property tests (fast-check) for conv2d and its gradients, under both kernel variants:
// - conv2d equals the float64 reference on random shapes and options;
// - conv2d is linear in its input;
// - convolve2d(X, K) equals corr2d(X, flip(K)), and conv2d mode 'convolution' equals
//   correlation with the flipped weights;
// - conv2dGradInput and conv2dGradWeight are the adjoints of conv2d:
//   <conv2d(x, w), dy> = <x, conv2dGradInput(dy, w)> = <w, conv2dGradWeight(x, dy)>.
// Sizes are bounded so the whole file runs in a few seconds.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as sc from '../src/index.js';
import { setKernelVariant, type KernelVariant } from '../src/wasm/kernels.js';
import { uniform } from '../bench/shapes.js';
import { conv2dOutputShapeRef, conv2dRef, type ConvRefOptions, type PaddingSpec } from './reference/conv.js';

const RTOL = 2e-5;
const NUM_RUNS = 250;

interface Opts {
  stride: [number, number];
  padding: PaddingSpec;
  dilation: [number, number];
  groups: number;
  layout: 'NCHW' | 'NHWC';
  mode: 'correlation' | 'convolution';
}
interface Problem {
  xShape: number[];
  wShape: number[];
  yShape: number[];
  opts: Opts;
  bias: boolean;
  seed: number;
}

const padding: fc.Arbitrary<PaddingSpec> = fc.oneof(
  fc.constant('valid' as const),
  fc.constant('same' as const),
  fc.integer({ min: 0, max: 3 }),
  fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3 })),
  fc.tuple(
    fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3 })),
    fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3 })),
  ),
);

/** A random valid conv2d problem: H and W always cover the dilated kernel. */
const problem: fc.Arbitrary<Problem> = fc
  .record({
    N: fc.option(fc.integer({ min: 1, max: 3 }), { nil: null }), // null: 3D unbatched
    groups: fc.integer({ min: 1, max: 3 }),
    cPerGroup: fc.integer({ min: 1, max: 3 }),
    coutPerGroup: fc.integer({ min: 1, max: 3 }),
    kh: fc.integer({ min: 1, max: 5 }),
    kw: fc.integer({ min: 1, max: 5 }),
    extraH: fc.integer({ min: 0, max: 12 }),
    extraW: fc.integer({ min: 0, max: 20 }),
    stride: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
    dilation: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 })),
    padding,
    layout: fc.constantFrom('NCHW' as const, 'NHWC' as const),
    mode: fc.constantFrom('correlation' as const, 'convolution' as const),
    bias: fc.boolean(),
    seed: fc.integer({ min: 1, max: 1 << 30 }),
  })
  .map((r) => {
    const C = r.groups * r.cPerGroup;
    const Cout = r.groups * r.coutPerGroup;
    const H = r.dilation[0] * (r.kh - 1) + 1 + r.extraH;
    const W = r.dilation[1] * (r.kw - 1) + 1 + r.extraW;
    const s = r.layout === 'NCHW' ? [C, H, W] : [H, W, C];
    const xShape = r.N === null ? s : [r.N, ...s];
    const wShape = [Cout, r.cPerGroup, r.kh, r.kw];
    const opts: Opts = { stride: r.stride, padding: r.padding, dilation: r.dilation, groups: r.groups, layout: r.layout, mode: r.mode };
    return { xShape, wShape, yShape: conv2dOutputShapeRef(xShape, wShape, opts), opts, bias: r.bias, seed: r.seed };
  });

const prod = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);
const describeProblem = (p: Problem): string => `x[${p.xShape}] w[${p.wShape}] ${JSON.stringify(p.opts)}${p.bias ? ' +bias' : ''}`;

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}
function absDot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i]! * b[i]!);
  return s;
}

/** Throws with the first element outside |got - want| <= tol[i]. */
function expectWithin(label: string, got: ArrayLike<number>, want: ArrayLike<number>, tol: (i: number) => number): void {
  expect(got.length, `${label}: length`).toBe(want.length);
  for (let i = 0; i < got.length; i++) {
    const err = Math.abs(got[i]! - want[i]!);
    if (!(err <= tol(i))) throw new Error(`${label}: element ${i}: expected ${want[i]}, got ${got[i]} (tolerance ${tol(i)})`);
  }
}

function conv(x: Float32Array, p: Problem, w: Float32Array, bias?: Float32Array): Float32Array {
  return sc.tidy(() => {
    const opts = bias ? { ...p.opts, bias: sc.tensor(bias, [bias.length]) } : p.opts;
    const y = sc.conv2d(sc.tensor(x, p.xShape), sc.tensor(w, p.wShape), opts as never);
    expect(y.shape).toEqual(p.yShape);
    return y.data();
  });
}

beforeAll(async () => {
  await sc.init();
});
afterAll(() => setKernelVariant('simd'));

for (const variant of ['simd', 'scalar'] as KernelVariant[]) {
  describe(`kernel variant ${variant}`, () => {
    beforeAll(() => setKernelVariant(variant));

    it('conv2d equals the float64 reference', () => {
      fc.assert(
        fc.property(problem, (p) => {
          const x = uniform(prod(p.xShape), p.seed);
          const w = uniform(prod(p.wShape), p.seed + 1);
          const b = p.bias ? uniform(p.wShape[0]!, p.seed + 2) : undefined;
          const ref = conv2dRef(x, p.xShape, w, p.wShape, { ...p.opts, bias: b } as ConvRefOptions);
          const got = conv(x, p, w, b);
          let maxMag = 0;
          for (const m of ref.mag) maxMag = Math.max(maxMag, m);
          expectWithin(describeProblem(p), got, ref.data, (i) => RTOL * ref.mag[i]! + 1e-6 * maxMag);
        }),
        { numRuns: NUM_RUNS },
      );
    });

    it('conv2d is linear in its input', () => {
      fc.assert(
        fc.property(problem, fc.double({ min: -3, max: 3, noNaN: true }), fc.double({ min: -3, max: 3, noNaN: true }), (p, alpha, beta) => {
          const x1 = uniform(prod(p.xShape), p.seed);
          const x2 = uniform(prod(p.xShape), p.seed + 7);
          const w = uniform(prod(p.wShape), p.seed + 1);
          const x3 = new Float32Array(x1.length);
          for (let i = 0; i < x1.length; i++) x3[i] = alpha * x1[i]! + beta * x2[i]!;
          const y1 = conv(x1, p, w);
          const y2 = conv(x2, p, w);
          const y3 = conv(x3, p, w);
          const m1 = conv2dRef(x1, p.xShape, w, p.wShape, p.opts as ConvRefOptions).mag;
          const m2 = conv2dRef(x2, p.xShape, w, p.wShape, p.opts as ConvRefOptions).mag;
          const want = y1.map((v, i) => alpha * v + beta * y2[i]!);
          const scale = (i: number) => Math.abs(alpha) * m1[i]! + Math.abs(beta) * m2[i]!;
          expectWithin(`linearity ${describeProblem(p)} alpha=${alpha} beta=${beta}`, y3, want, (i) => 4 * RTOL * scale(i) + 1e-6);
        }),
        { numRuns: NUM_RUNS / 2 },
      );
    });

    it('convolve2d(X, K) equals corr2d(X, flip(K))', () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 7 }), fc.integer({ min: 1, max: 7 }),
          fc.integer({ min: 0, max: 12 }), fc.integer({ min: 0, max: 20 }),
          fc.integer({ min: 1, max: 1 << 30 }),
          (kh, kw, eh, ew, seed) => {
            const H = kh + eh;
            const W = kw + ew;
            const X = uniform(H * W, seed);
            const K = uniform(kh * kw, seed + 1);
            const Kf = new Float32Array(kh * kw);
            for (let a = 0; a < kh; a++) for (let b = 0; b < kw; b++) Kf[a * kw + b] = K[(kh - 1 - a) * kw + (kw - 1 - b)]!;
            const [conv2, corr] = sc.tidy(() => [
              sc.convolve2d(sc.tensor(X, [H, W]), sc.tensor(K, [kh, kw])).data(),
              sc.corr2d(sc.tensor(X, [H, W]), sc.tensor(Kf, [kh, kw])).data(),
            ]);
            const tol = RTOL * kh * kw;
            expectWithin(`convolve2d X ${H}x${W} K ${kh}x${kw}`, conv2!, corr!, () => tol);
          },
        ),
        { numRuns: NUM_RUNS },
      );
    });

    it("conv2d mode 'convolution' equals correlation with the flipped weights", () => {
      fc.assert(
        fc.property(problem, (p) => {
          const [Cout, Cg, kh, kw] = p.wShape as [number, number, number, number];
          const x = uniform(prod(p.xShape), p.seed);
          const w = uniform(prod(p.wShape), p.seed + 1);
          const wf = new Float32Array(w.length);
          for (let o = 0; o < Cout * Cg; o++)
            for (let a = 0; a < kh; a++)
              for (let b = 0; b < kw; b++) wf[(o * kh + a) * kw + b] = w[(o * kh + kh - 1 - a) * kw + kw - 1 - b]!;
          const conv1 = conv(x, { ...p, opts: { ...p.opts, mode: 'convolution' } }, w);
          const corr = conv(x, { ...p, opts: { ...p.opts, mode: 'correlation' } }, wf);
          const mag = conv2dRef(x, p.xShape, wf, p.wShape, { ...p.opts, mode: 'correlation' } as ConvRefOptions).mag;
          expectWithin(`mode convolution ${describeProblem(p)}`, conv1, corr, (i) => 2 * RTOL * mag[i]! + 1e-7);
        }),
        { numRuns: NUM_RUNS / 2 },
      );
    });

    it('conv2dGradInput and conv2dGradWeight are the adjoints of conv2d', () => {
      fc.assert(
        fc.property(problem, (p) => {
          const x = uniform(prod(p.xShape), p.seed);
          const w = uniform(prod(p.wShape), p.seed + 1);
          const dy = uniform(prod(p.yShape), p.seed + 3);
          const [y, dx, dw] = sc.tidy(() => {
            const xt = sc.tensor(x, p.xShape);
            const wt = sc.tensor(w, p.wShape);
            const dyt = sc.tensor(dy, p.yShape);
            const gi = sc.conv2dGradInput(dyt, wt, p.xShape, p.opts as never);
            const gw = sc.conv2dGradWeight(xt, dyt, p.wShape, p.opts as never);
            expect(gi.shape).toEqual(p.xShape);
            expect(gw.shape).toEqual(p.wShape);
            return [sc.conv2d(xt, wt, p.opts as never).data(), gi.data(), gw.data()];
          });
          const lhs = dot(y!, dy);
          const viaInput = dot(x, dx!);
          const viaWeight = dot(w, dw!);
          // sum over all product terms of |x·w·dy|: bounds the float32 error of all three
          const ref = conv2dRef(x, p.xShape, w, p.wShape, p.opts as ConvRefOptions);
          const scale = absDot(ref.mag, dy);
          const tol = 4 * RTOL * scale + 1e-6;
          const label = describeProblem(p);
          expect(Math.abs(lhs - ref.data.reduce((s, v, i) => s + v * dy[i]!, 0)), `${label}: <conv2d(x,w), dy> vs reference`).toBeLessThanOrEqual(tol);
          expect(Math.abs(viaInput - lhs), `${label}: <x, gradInput> = ${viaInput}, <y, dy> = ${lhs}`).toBeLessThanOrEqual(tol);
          expect(Math.abs(viaWeight - lhs), `${label}: <w, gradWeight> = ${viaWeight}, <y, dy> = ${lhs}`).toBeLessThanOrEqual(tol);
        }),
        { numRuns: NUM_RUNS },
      );
    });
  });
}
