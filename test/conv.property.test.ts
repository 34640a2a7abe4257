// Property tests (fast-check) for conv2d and its gradients, under both kernel variants:
// - conv2d equals the float64 reference on random shapes and options;
// - conv2d is linear in its input and linear in its kernel;
// - convolve2d(X, K) equals corr2d(X, flip(K)), and conv2d mode 'convolution' equals
//   correlation with the flipped weights;
// - transposing input and kernel transposes the output: corr2d(X.T, K.T) = corr2d(X, K).T, and
//   conv2d with the height and width axes swapped in x, w, stride, padding and dilation gives the
//   output with its height and width swapped;
// - padding 'same' keeps the size at stride 1 for any kernel (odd or even) and dilation, and
//   gives ceil(n / stride) at any stride;
// - conv2dGradInput and conv2dGradWeight are the adjoints of conv2d:
//   <conv2d(x, w), dy> = <x, conv2dGradInput(dy, w)> = <w, conv2dGradWeight(x, dy)>;
// - the gradients autograd computes through conv2d (x, w and bias) match float64 finite
//   differences on random geometries (test/helpers/gradcheck.ts).
// Sizes are bounded so the whole file runs in a few seconds.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as sc from '../src/index.js';
import { setKernelVariant, type KernelVariant } from '../src/wasm/kernels.js';
import { uniform } from '../bench/shapes.js';
import { conv2dOutputShapeRef, conv2dRef, corr2dRef, type ConvRefOptions, type PaddingSpec } from './reference/conv.js';
import { Gen, gradcheck, type Arr64 } from './helpers/gradcheck.js';

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

/** A random valid conv2d problem: H and W always cover the dilated kernel. `small` for gradient checks. */
const problemOf = (small: boolean): fc.Arbitrary<Problem> => fc
  .record({
    N: fc.option(fc.integer({ min: 1, max: small ? 2 : 3 }), { nil: null }), // null: 3D unbatched
    groups: fc.integer({ min: 1, max: small ? 2 : 3 }),
    cPerGroup: fc.integer({ min: 1, max: small ? 2 : 3 }),
    coutPerGroup: fc.integer({ min: 1, max: small ? 2 : 3 }),
    kh: fc.integer({ min: 1, max: small ? 3 : 5 }),
    kw: fc.integer({ min: 1, max: small ? 3 : 5 }),
    extraH: fc.integer({ min: 0, max: small ? 3 : 12 }),
    extraW: fc.integer({ min: 0, max: small ? 4 : 20 }),
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
const problem = problemOf(false);

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

/**
 * Swaps the height and width axes of a flat activation (3-D or 4-D, NCHW or NHWC) or OIHW weight
 * array; returns the data and the new shape.
 */
function swapHW(data: ArrayLike<number>, shape: readonly number[], layout: 'NCHW' | 'NHWC' | 'OIHW'): [Float32Array, number[]] {
  const s4 = shape.length === 4 ? shape : [1, ...shape];
  // axes of H and W in s4
  const [ha, wa] = layout === 'NHWC' ? [1, 2] : [2, 3];
  const perm = [0, 1, 2, 3];
  perm[ha] = wa;
  perm[wa] = ha;
  const out4 = perm.map((a) => s4[a]!);
  const st = [s4[1]! * s4[2]! * s4[3]!, s4[2]! * s4[3]!, s4[3]!, 1];
  const out = new Float32Array(data.length);
  let i = 0;
  for (let a = 0; a < out4[0]!; a++)
    for (let b = 0; b < out4[1]!; b++)
      for (let c = 0; c < out4[2]!; c++)
        for (let d = 0; d < out4[3]!; d++) {
          const idx = [a, b, c, d];
          let src = 0;
          for (let k = 0; k < 4; k++) src += idx[k]! * st[perm[k]!]!;
          out[i++] = data[src]!;
        }
  return [out, shape.length === 4 ? out4 : out4.slice(1)];
}

/** The same padding with the height and width entries swapped. */
function swapPadding(p: PaddingSpec): PaddingSpec {
  if (typeof p === 'string' || typeof p === 'number') return p;
  return [p[1], p[0]] as PaddingSpec;
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

    it.each(['input', 'kernel'] as const)('conv2d is linear in its %s', (arg) => {
      fc.assert(
        fc.property(problem, fc.double({ min: -3, max: 3, noNaN: true }), fc.double({ min: -3, max: 3, noNaN: true }), (p, alpha, beta) => {
          // a1, a2: two values of the argument under test; `other` is the fixed one.
          const [n, seed] = arg === 'input' ? [prod(p.xShape), p.seed] : [prod(p.wShape), p.seed + 1];
          const a1 = uniform(n, seed);
          const a2 = uniform(n, seed + 5);
          const other = arg === 'input' ? uniform(prod(p.wShape), p.seed + 1) : uniform(prod(p.xShape), p.seed);
          const a3 = new Float32Array(n);
          for (let i = 0; i < n; i++) a3[i] = alpha * a1[i]! + beta * a2[i]!;
          const run = (a: Float32Array) => (arg === 'input' ? conv(a, p, other) : conv(other, p, a));
          const mag = (a: Float32Array) => (arg === 'input'
            ? conv2dRef(a, p.xShape, other, p.wShape, p.opts as ConvRefOptions)
            : conv2dRef(other, p.xShape, a, p.wShape, p.opts as ConvRefOptions)).mag;
          const y1 = run(a1), y2 = run(a2), y3 = run(a3);
          const m1 = mag(a1), m2 = mag(a2);
          const want = y1.map((v, i) => alpha * v + beta * y2[i]!);
          const scale = (i: number) => Math.abs(alpha) * m1[i]! + Math.abs(beta) * m2[i]!;
          expectWithin(`${arg} linearity ${describeProblem(p)} alpha=${alpha} beta=${beta}`, y3, want, (i) => 4 * RTOL * scale(i) + 1e-6);
        }),
        { numRuns: NUM_RUNS / 2 },
      );
    });

    it('corr2d(X.T, K.T) equals corr2d(X, K).T', () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 7 }), fc.integer({ min: 1, max: 7 }),
          fc.integer({ min: 0, max: 12 }), fc.integer({ min: 0, max: 20 }),
          fc.integer({ min: 1, max: 1 << 30 }),
          (kh, kw, eh, ew, seed) => {
            const H = kh + eh, W = kw + ew;
            const X = uniform(H * W, seed), K = uniform(kh * kw, seed + 1);
            const [yT, yOfT] = sc.tidy(() => {
              const tx = sc.tensor(X, [H, W]), tk = sc.tensor(K, [kh, kw]);
              return [sc.corr2d(tx, tk).T.data(), sc.corr2d(tx.T, tk.T).data()];
            });
            const mag = corr2dRef(X, [H, W], K, [kh, kw]).mag;
            const [magT] = swapHW(mag, [1, 1, H - kh + 1, W - kw + 1], 'NCHW');
            expectWithin(`corr2d transpose X ${H}x${W} K ${kh}x${kw}`, yOfT!, yT!, (i) => 2 * RTOL * magT[i]! + 1e-7);
          },
        ),
        { numRuns: NUM_RUNS },
      );
    });

    it('conv2d with height and width swapped everywhere gives the transposed output', () => {
      fc.assert(
        fc.property(problem, (p) => {
          const layout = p.opts.layout;
          const x = uniform(prod(p.xShape), p.seed);
          const w = uniform(prod(p.wShape), p.seed + 1);
          const b = p.bias ? uniform(p.wShape[0]!, p.seed + 2) : undefined;
          const [xT, xTShape] = swapHW(x, p.xShape, layout);
          const [wT, wTShape] = swapHW(w, p.wShape, 'OIHW');
          const swapped: Opts = {
            ...p.opts, stride: [p.opts.stride[1], p.opts.stride[0]], dilation: [p.opts.dilation[1], p.opts.dilation[0]], padding: swapPadding(p.opts.padding),
          };
          const q: Problem = { ...p, xShape: xTShape, wShape: wTShape, opts: swapped, yShape: conv2dOutputShapeRef(xTShape, wTShape, swapped) };
          const [want] = swapHW(conv(x, p, w, b), p.yShape, layout);
          const got = conv(xT, q, wT, b);
          const [mag] = swapHW(conv2dRef(x, p.xShape, w, p.wShape, { ...p.opts, bias: b } as ConvRefOptions).mag, p.yShape, layout);
          expectWithin(`HW swap ${describeProblem(p)}`, got, want, (i) => 2 * RTOL * mag[i]! + 1e-6);
        }),
        { numRuns: NUM_RUNS / 2 },
      );
    });

    it("padding 'same' keeps the size at stride 1 (any kernel, odd or even, any dilation) and gives ceil(n / stride) otherwise", () => {
      fc.assert(
        fc.property(
          fc.record({
            H: fc.integer({ min: 1, max: 12 }), W: fc.integer({ min: 1, max: 12 }), C: fc.integer({ min: 1, max: 3 }), CO: fc.integer({ min: 1, max: 3 }),
            kh: fc.integer({ min: 1, max: 6 }), kw: fc.integer({ min: 1, max: 6 }), dh: fc.integer({ min: 1, max: 3 }), dw: fc.integer({ min: 1, max: 3 }),
            sh: fc.constantFrom(1, 1, 2, 3), sw: fc.constantFrom(1, 1, 2, 3), layout: fc.constantFrom('NCHW' as const, 'NHWC' as const), seed: fc.integer({ min: 1, max: 1 << 30 }),
          }),
          (r) => {
            const xShape = r.layout === 'NCHW' ? [1, r.C, r.H, r.W] : [1, r.H, r.W, r.C];
            const wShape = [r.CO, r.C, r.kh, r.kw];
            const opts = { padding: 'same' as const, stride: [r.sh, r.sw] as [number, number], dilation: [r.dh, r.dw] as [number, number], layout: r.layout };
            const x = uniform(prod(xShape), r.seed), w = uniform(prod(wShape), r.seed + 1);
            const y = sc.tidy(() => {
              const out = sc.conv2d(sc.tensor(x, xShape), sc.tensor(w, wShape), opts);
              return { shape: out.shape.slice(), data: out.data() };
            });
            const [ho, wo] = [Math.ceil(r.H / r.sh), Math.ceil(r.W / r.sw)];
            expect(y.shape).toEqual(r.layout === 'NCHW' ? [1, r.CO, ho, wo] : [1, ho, wo, r.CO]);
            if (r.sh === 1 && r.sw === 1) expect([ho, wo]).toEqual([r.H, r.W]);
            const ref = conv2dRef(x, xShape, w, wShape, opts);
            expectWithin(`same ${JSON.stringify(r)}`, y.data, ref.data, (i) => RTOL * ref.mag[i]! + 1e-6);
          },
        ),
        { numRuns: NUM_RUNS },
      );
    });

    it('autograd gradients of conv2d (x, w, bias) match float64 finite differences on random geometries', () => {
      // small problems: every input element costs two float64 forward passes
      fc.assert(
        fc.property(problemOf(true), (p) => {
          const gen = new Gen(p.seed);
          const inputs = [gen.uniform(p.xShape), gen.uniform(p.wShape), ...(p.bias ? [gen.uniform([p.wShape[0]!])] : [])];
          const report = gradcheck({
            f: ([x, w, b]) => sc.conv2d(x!, w!, { ...p.opts, bias: b } as sc.Conv2dOptions),
            ref: ([x, w, b]: Arr64[]) => {
              const r = conv2dRef(x!.data, x!.shape, w!.data, w!.shape, { ...p.opts, bias: b?.data } as ConvRefOptions);
              return { data: r.data, shape: r.shape };
            },
            inputs,
            seed: p.seed + 9,
            rtol: 1e-4,
            atol: 2e-5,
            // Inputs and R are in [-1, 1): a bias's gradient sums R over its outputs and may cancel
            // to ~1e-3, where float32's rounding of the O(1) terms is ~1e-7 (seen: 23 of 60,000).
            atolFloor: 1,
          });
          expect(report.failures, describeProblem(p)).toEqual([]);
          expect(report.checked).toBe(inputs.reduce((n, a) => n + a.data.length, 0));
        }),
        { numRuns: 25 },
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
