// NaN and ±Infinity propagate as IEEE 754 says, through every op, under both kernel variants.
//
// The reference is plain float64 JavaScript over the same data: JS arithmetic is IEEE, so a NaN
// (or an Inf·0) in a term makes the reference NaN exactly where it mathematically reaches. Rules
// checked element by element (`expectIeee`):
// - reference NaN    -> the library gives NaN (a NaN is never silently dropped or zeroed);
// - reference ±Inf   -> the library gives the same infinity;
// - reference finite -> the library is finite and within a relative tolerance.
// One allowance, for convolutions only: zero padding is part of their definition, so a kernel
// may multiply a padding zero by a weight (forward, dX) or by an output gradient (dW). When that
// factor is NaN or ±Inf the term is NaN although the reference (which sums only terms of real
// data) has no such term; `mayNaN` marks those elements, where NaN is accepted too. Everything else
// must match, so a kernel that skips zero weights, clamps with max(), or reads uninitialised
// memory fails here.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as sc from '../src/index.js';
import { setKernelVariant, type KernelVariant } from '../src/wasm/kernels.js';
import { prng } from './helpers/random.js';
import {
  conv2dGradInputRef, conv2dGradWeightRef, conv2dOutputShapeRef, conv2dRef, corr2dRef, type ConvRefOptions,
} from './reference/conv.js';

const RTOL = 1e-4;

beforeAll(async () => {
  await sc.init();
});
afterAll(() => setKernelVariant('simd'));

/** Special values and ordinary ones, to pair up. */
const SPECIALS = [NaN, Infinity, -Infinity, 0, -0, 1, -1, 2, 0.5, -2.5, 1e-40, 3e38];

/** C99 / IEEE 754 pow (JavaScript's Math.pow differs on 1^NaN, 1^±Inf and (-1)^±Inf). */
function ieeePow(x: number, y: number): number {
  if (x === 1 || y === 0) return 1;
  if (x === -1 && Math.abs(y) === Infinity) return 1;
  return Math.pow(x, y);
}

/** Checks `got` against the float64 reference `want` with the rules in the file header. */
function expectIeee(label: string, got: ArrayLike<number>, want: ArrayLike<number>, opts: { mayNaN?: ArrayLike<boolean>; mag?: ArrayLike<number>; rtol?: number; exact?: boolean } = {}): void {
  expect(got.length, `${label}: length`).toBe(want.length);
  const rtol = opts.rtol ?? RTOL;
  for (let i = 0; i < want.length; i++) {
    const g = got[i]!, w = want[i]!;
    const where = `${label}: element ${i}: reference ${w}, got ${g}`;
    if (Number.isNaN(w)) {
      if (!Number.isNaN(g)) throw new Error(`${where} (a NaN was lost)`);
    } else if (Number.isNaN(g)) {
      if (!opts.mayNaN?.[i]) throw new Error(`${where} (a NaN from nowhere)`);
    } else if (!Number.isFinite(w) || Math.abs(w) > 3.5e38) {
      // infinite, or beyond float32's range (overflows to the infinity of its sign)
      if (g !== (w > 0 ? Infinity : -Infinity)) throw new Error(where);
    } else if (opts.exact) {
      const f = Math.fround(w);
      if (!Object.is(g, f) && !(g === 0 && f === 0)) throw new Error(`${where} (expected exactly ${f})`);
    } else {
      const scale = opts.mag ? opts.mag[i]! : Math.abs(w);
      if (!(Math.abs(g - w) <= rtol * scale + 1e-30)) throw new Error(`${where} (tolerance ${rtol * scale})`);
    }
  }
}

const fr = (a: ArrayLike<number>) => Float32Array.from(a);
const sizeOf = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

/** Values uniform in [-1, 1) as float32, from a seed. */
function data(n: number, seed: number): Float32Array {
  const r = prng(seed);
  return Float32Array.from({ length: n }, () => 2 * r() - 1);
}

/** Puts `values` at distinct seeded positions of `a`; returns the positions. */
function plant(a: Float32Array, values: readonly number[], seed: number): number[] {
  const r = prng(seed);
  const at: number[] = [];
  for (const v of values) {
    let i: number;
    do i = Math.floor(r() * a.length); while (at.includes(i));
    a[i] = v;
    at.push(i);
  }
  return at;
}

for (const variant of ['simd', 'scalar'] as KernelVariant[]) {
  describe(`NaN and Infinity (${variant})`, () => {
    beforeAll(() => setKernelVariant(variant));

    // ---- elementwise ---------------------------------------------------------------------------

    const binaries: [string, (a: sc.Tensor | number, b: sc.Tensor | number) => sc.Tensor, (x: number, y: number) => number, boolean][] = [
      ['add', sc.add, (x, y) => x + y, true],
      ['sub', sc.sub, (x, y) => x - y, true],
      ['mul', sc.mul, (x, y) => x * y, true],
      ['div', sc.div, (x, y) => x / y, true],
      ['pow', sc.pow, ieeePow, false],
      ['maximum', sc.maximum, (x, y) => (Number.isNaN(x) || Number.isNaN(y) ? NaN : Math.max(x, y)), true],
      ['minimum', sc.minimum, (x, y) => (Number.isNaN(x) || Number.isNaN(y) ? NaN : Math.min(x, y)), true],
    ];

    it.each(binaries)('%s: every pair of special values, tensor∘tensor, tensor∘number, number∘tensor, broadcast', (_name, op, ref, exact) => {
      const n = SPECIALS.length;
      // a[i, j] = S[i], b[i, j] = S[j]: all n² pairs, in rows of 12 (three vectors: SIMD bodies only) ...
      const a = fr(SPECIALS.flatMap((x) => SPECIALS.map(() => x)));
      const b = fr(SPECIALS.flatMap(() => SPECIALS));
      const want = Array.from(a, (x, i) => ref(x, b[i]!));
      sc.tidy(() => {
        const ta = sc.tensor(a, [n, n]), tb = sc.tensor(b, [n, n]);
        expectIeee('tensor∘tensor', op(ta, tb).data(), want, { exact, rtol: 1e-6 });
        // ... broadcast: a column [n, 1] against a row [n] (strided kernels)
        expectIeee('broadcast', op(sc.tensor(fr(SPECIALS), [n, 1]), sc.tensor(fr(SPECIALS), [n])).data(), want, { exact, rtol: 1e-6 });
        // ... with a number on either side (the scalar kernels; a tail of 12 % 4 = 0 and 13 % 4 = 1)
        const col = fr([...SPECIALS, 1.5]);
        for (const s of SPECIALS) {
          const f = Math.fround(s);
          expectIeee(`tensor∘${s}`, op(sc.tensor(col), s).data(), Array.from(col, (x) => ref(x, f)), { exact, rtol: 1e-6 });
          expectIeee(`${s}∘tensor`, op(s, sc.tensor(col)).data(), Array.from(col, (x) => ref(f, x)), { exact, rtol: 1e-6 });
        }
      });
    });

    const unaries: [string, (a: sc.Tensor) => sc.Tensor, (x: number) => number, boolean][] = [
      ['neg', sc.neg, (x) => -x, true],
      ['abs', sc.abs, Math.abs, true],
      ['square', sc.square, (x) => x * x, true],
      ['sqrt', sc.sqrt, Math.sqrt, true],
      ['exp', sc.exp, Math.exp, false],
      ['log', sc.log, Math.log, false],
      ['relu', sc.relu, (x) => (Number.isNaN(x) ? NaN : x <= 0 ? 0 : x), true],
      ['sign', sc.sign, (x) => (Number.isNaN(x) ? NaN : x > 0 ? 1 : x < 0 ? -1 : x), true],
      ['pow 0.5', (t) => t.pow(0.5), (x) => ieeePow(x, 0.5), false],
      ['pow 2', (t) => t.pow(2), (x) => x * x, true],
      ['pow 3', (t) => t.pow(3), (x) => ieeePow(x, 3), false],
      ['pow -1', (t) => t.pow(-1), (x) => 1 / x, true],
      ['pow 0', (t) => t.pow(0), () => 1, true],
      ['pow 1.7', (t) => t.pow(1.7), (x) => ieeePow(x, Math.fround(1.7)), false],
      ['pow NaN', (t) => t.pow(NaN), (x) => ieeePow(x, NaN), true],
      ['pow Infinity', (t) => t.pow(Infinity), (x) => ieeePow(x, Infinity), true],
      ['1^x', (t) => sc.pow(1, t), (x) => ieeePow(1, x), true],
      ['(-1)^x', (t) => sc.pow(-1, t), (x) => ieeePow(-1, x), true],
      ['2^x', (t) => sc.pow(2, t), (x) => ieeePow(2, x), false],
    ];

    it.each(unaries)('%s: special values', (_name, op, ref, exact) => {
      // Both a vector body (16) and a scalar tail (3) see every special value.
      const x = fr([...SPECIALS, ...SPECIALS.slice(0, 7)]);
      sc.tidy(() => expectIeee('', op(sc.tensor(x)).data(), Array.from(x, ref), { exact, rtol: 1e-6 }));
    });

    it('Inf·0 = NaN and Inf - Inf = NaN in elementwise ops and their gradients', () => {
      sc.tidy(() => {
        const a = sc.variable([Infinity, -Infinity, 2, Infinity]);
        const b = sc.variable([0, 3, 0, Infinity]);
        expectIeee('mul', a.mul(b).data(), [NaN, -Infinity, 0, Infinity]);
        expectIeee('sub', a.sub(b).data(), [Infinity, -Infinity, 2, NaN]);
        a.mul(b).sum().backward();
        expectIeee('d(a·b)/da = b', a.grad!.data(), [0, 3, 0, Infinity]);
        expectIeee('d(a·b)/db = a', b.grad!.data(), [Infinity, -Infinity, 2, Infinity]);
      });
    });

    it('a NaN reaching ReLU reaches the gradient below it (not a zero gradient)', () => {
      sc.tidy(() => {
        const w = sc.variable([2, 2, 2]);
        const x = sc.tensor([NaN, -1, 1]);
        const loss = sc.nn.mseLoss(w.mul(x).relu(), sc.zeros([3]), { reduction: 'sum' });
        expect(loss.item()).toBeNaN();
        loss.backward();
        // dL/dw = 2·relu(w·x)·relu'(w·x)·x: NaN where x is NaN, 0 where w·x < 0, 2·2·1 = 4 at the last.
        expectIeee('dL/dw', w.grad!.data(), [NaN, 0, 4]);
      });
    });

    // ---- reductions ----------------------------------------------------------------------------

    it('sum, mean, max and min: NaN and ±Inf reach exactly the reduced outputs they are in', () => {
      const shape = [3, 5, 7];
      const cases: [number[], number][] = [[[NaN], 1], [[Infinity], 2], [[-Infinity, Infinity], 3], [[NaN, Infinity, -Infinity], 4], [[Infinity, Infinity], 5]];
      for (const [specials, seed] of cases) {
        const x = data(sizeOf(shape), seed);
        plant(x, specials, seed + 100);
        const ref = (axis: number[] | undefined, f: (v: number[]) => number): number[] => {
          const axes = axis ?? [0, 1, 2];
          const keep = shape.map((d, i) => (axes.includes(i) ? 1 : d));
          const groups = new Map<number, number[]>();
          for (let i = 0; i < x.length; i++) {
            const idx = [Math.floor(i / 35), Math.floor(i / 7) % 5, i % 7];
            const key = idx.reduce((acc, v, k) => acc * keep[k]! + (axes.includes(k) ? 0 : v), 0);
            if (!groups.has(key)) groups.set(key, []);
            groups.get(key)!.push(x[i]!);
          }
          return [...groups.keys()].sort((p, q) => p - q).map((k) => f(groups.get(k)!));
        };
        const sum = (v: number[]) => v.reduce((a, b) => a + b, 0);
        const maxOf = (v: number[]) => (v.some(Number.isNaN) ? NaN : Math.max(...v));
        const minOf = (v: number[]) => (v.some(Number.isNaN) ? NaN : Math.min(...v));
        sc.tidy(() => {
          const t = sc.tensor(x, shape);
          for (const axis of [undefined, [0], [1], [2], [0, 2], [1, 2]]) {
            const label = `specials ${specials} axis ${axis}`;
            const mag = ref(axis, (v) => v.reduce((a, b) => a + (Number.isFinite(b) ? Math.abs(b) : 0), 0));
            expectIeee(`sum ${label}`, t.sum(axis).data(), ref(axis, sum), { mag });
            expectIeee(`mean ${label}`, t.mean(axis).data(), ref(axis, (v) => sum(v) / v.length), { mag: mag.map((m, i) => m / (axis ? axis.reduce((a, k) => a * shape[k]!, 1) : x.length) + 0 * i) });
            expectIeee(`max ${label}`, t.max(axis).data(), ref(axis, maxOf), { exact: true });
            expectIeee(`min ${label}`, t.min(axis).data(), ref(axis, minOf), { exact: true });
          }
        });
      }
    });

    // ---- convolutions --------------------------------------------------------------------------

    interface ConvPath {
      name: string;
      xShape: number[];
      wShape: number[];
      opts: ConvRefOptions;
    }
    /** Every conv2d code path: direct single-channel, depthwise, im2col+GEMM NCHW and NHWC, pointwise, strided, dilated, flipped, unbatched. */
    const PATHS: ConvPath[] = [
      { name: 'direct single-channel', xShape: [2, 1, 6, 9], wShape: [1, 1, 3, 2], opts: {} },
      { name: 'direct single-channel, padded', xShape: [1, 1, 5, 7], wShape: [1, 1, 3, 3], opts: { padding: 1 } },
      { name: 'direct depthwise, same', xShape: [2, 3, 6, 7], wShape: [3, 1, 3, 3], opts: { groups: 3, padding: 'same' } },
      { name: 'im2col+gemm NCHW', xShape: [2, 3, 6, 7], wShape: [5, 3, 3, 3], opts: {} },
      { name: 'im2col+gemm NCHW, padded, grouped', xShape: [2, 4, 6, 7], wShape: [6, 2, 2, 3], opts: { groups: 2, padding: [[1, 0], [2, 1]] } },
      { name: 'pointwise 1x1 NCHW', xShape: [2, 3, 5, 5], wShape: [9, 3, 1, 1], opts: {} },
      { name: 'strided, dilated, padded NCHW', xShape: [2, 3, 9, 10], wShape: [5, 3, 3, 2], opts: { stride: [2, 3], dilation: [2, 1], padding: 2 } },
      { name: 'mode convolution NCHW', xShape: [2, 3, 6, 7], wShape: [5, 3, 3, 2], opts: { mode: 'convolution', padding: 1 } },
      { name: 'mode convolution direct', xShape: [1, 1, 6, 7], wShape: [1, 1, 2, 3], opts: { mode: 'convolution' } },
      { name: 'im2col+gemm NHWC', xShape: [2, 6, 7, 3], wShape: [5, 3, 3, 3], opts: { layout: 'NHWC' } },
      { name: 'NHWC depthwise, strided, padded', xShape: [2, 7, 6, 4], wShape: [4, 1, 3, 3], opts: { layout: 'NHWC', groups: 4, stride: 2, padding: 1 } },
      { name: 'NHWC mode convolution, dilated', xShape: [1, 8, 8, 2], wShape: [3, 2, 2, 2], opts: { layout: 'NHWC', mode: 'convolution', dilation: 2, padding: 'same' } },
      { name: 'unbatched 3-D', xShape: [3, 6, 7], wShape: [5, 3, 3, 3], opts: { padding: 1 } },
    ];

    /** The output channel of each element of an activation tensor of `shape` (layout-aware, 3-D or 4-D). */
    function channelOf(shape: readonly number[], layout: 'NCHW' | 'NHWC' | undefined): number[] {
      const s4 = shape.length === 4 ? shape : [1, ...shape];
      const [a, b, c, d] = s4 as [number, number, number, number];
      return Array.from({ length: a * b * c * d }, (_, i) => (layout === 'NHWC' ? i % d : Math.floor(i / (c * d)) % b));
    }

    /** Index sets of the weights each channel touches: output o uses w[o]; input c is read by the w[o, c - g*Cg] of its group. */
    function nonFiniteWeightsBy(w: Float32Array, wShape: readonly number[], groups: number): { out: boolean[]; in: boolean[] } {
      const [CO, CG, kh, kw] = wShape as [number, number, number, number];
      const out = new Array<boolean>(CO).fill(false), inp = new Array<boolean>(CG * groups).fill(false);
      const COG = CO / groups;
      for (let i = 0; i < w.length; i++) {
        if (Number.isFinite(w[i]!)) continue;
        const o = Math.floor(i / (CG * kh * kw)), cl = Math.floor(i / (kh * kw)) % CG;
        out[o] = true;
        inp[Math.floor(o / COG) * CG + cl] = true;
      }
      return { out, in: inp };
    }

    /** Replaces non-finite values by 0 (for the tolerance scale of the finite outputs). */
    const finite = (a: Float32Array) => a.map((v) => (Number.isFinite(v) ? v : 0));

    type Scenario = { name: string; x?: number[]; w?: number[]; dy?: number[]; zeroW?: boolean; zeroDy?: boolean };
    const SCENARIOS: Scenario[] = [
      { name: 'NaN in x', x: [NaN, NaN] },
      { name: 'NaN in w', w: [NaN] },
      { name: '+Inf in x, a zero weight (Inf·0)', x: [Infinity], zeroW: true },
      { name: '-Inf and +Inf in x', x: [-Infinity, Infinity] },
      { name: '+Inf in w, a zero output gradient (Inf·0)', w: [Infinity], zeroDy: true },
      { name: 'NaN and -Inf in dy', dy: [NaN, -Infinity] },
    ];

    describe.each(PATHS)('conv2d $name', (p) => {
      it.each(SCENARIOS)('$name: forward, dX and dW', (s) => {
        const seed = PATHS.indexOf(p) * 100 + SCENARIOS.indexOf(s) * 7 + 1;
        const opts = p.opts;
        const yShape = conv2dOutputShapeRef(p.xShape, p.wShape, opts);
        const x = data(sizeOf(p.xShape), seed), w = data(sizeOf(p.wShape), seed + 1), dy = data(sizeOf(yShape), seed + 2);
        if (s.zeroW) plant(w, [0], seed + 3);
        if (s.zeroDy) dy.fill(0, 0, Math.ceil(dy.length / 2));
        if (s.x) plant(x, s.x, seed + 4);
        if (s.w) plant(w, s.w, seed + 5);
        if (s.dy) plant(dy, s.dy, seed + 6);
        const groups = opts.groups ?? 1;
        const byW = nonFiniteWeightsBy(w, p.wShape, groups);
        const yChannel = channelOf(yShape, opts.layout);
        // dy's non-finite entries by output channel (they meet x's padding zeros in dW)
        const dyBad = new Array<boolean>(p.wShape[0]!).fill(false);
        dy.forEach((v, i) => { if (!Number.isFinite(v)) dyBad[yChannel[i]!] = true; });
        const api = { ...opts } as sc.Conv2dOptions;
        const [y, dx, dw] = sc.tidy(() => {
          const tx = sc.tensor(x, p.xShape), tw = sc.tensor(w, p.wShape), tdy = sc.tensor(dy, yShape);
          return [sc.conv2d(tx, tw, api).data(), sc.conv2dGradInput(tdy, tw, p.xShape, api).data(), sc.conv2dGradWeight(tx, tdy, p.wShape, api).data()];
        });
        const label = `${p.name} / ${s.name}`;
        expectIeee(`${label}: forward`, y!, conv2dRef(x, p.xShape, w, p.wShape, opts).data, {
          mayNaN: yChannel.map((o) => byW.out[o]!), mag: conv2dRef(finite(x), p.xShape, finite(w), p.wShape, opts).mag,
        });
        expectIeee(`${label}: dX`, dx!, conv2dGradInputRef(dy, w, p.wShape, p.xShape, opts).data, {
          mayNaN: channelOf(p.xShape, opts.layout).map((c) => byW.in[c]!), mag: conv2dGradInputRef(finite(dy), finite(w), p.wShape, p.xShape, opts).mag,
        });
        const wPerO = sizeOf(p.wShape.slice(1));
        expectIeee(`${label}: dW`, dw!, conv2dGradWeightRef(x, p.xShape, dy, p.wShape, opts).data, {
          mayNaN: Array.from(dw!, (_, i) => dyBad[Math.floor(i / wPerO)]!), mag: conv2dGradWeightRef(finite(x), p.xShape, finite(dy), p.wShape, opts).mag,
        });
      });
    });

    it('conv2d bias: a NaN bias reaches its whole output channel; the bias gradient sums dy (autograd)', () => {
      sc.tidy(() => {
        const x = sc.tensor(data(2 * 3 * 5 * 5, 7), [2, 3, 5, 5]);
        const w = sc.variable(sc.tensor(data(4 * 3 * 9, 8), [4, 3, 3, 3]));
        const b = sc.variable([0.5, NaN, -Infinity, 1]);
        const y = sc.conv2d(x, w, { bias: b, padding: 1 });
        const yd = y.data();
        const channel = channelOf(y.shape, 'NCHW');
        yd.forEach((v, i) => {
          if (channel[i] === 1) expect(v).toBeNaN();
          else if (channel[i] === 2) expect(v).toBe(-Infinity);
          else expect(Number.isFinite(v)).toBe(true);
        });
        const gy = sc.tensor(data(yd.length, 9), y.shape);
        gy.set([1, 3, 2, 2], NaN); // one NaN in dy, batch 1, channel 3
        y.backward(gy);
        expectIeee('db', b.grad!.data(), [0, 1, 2, 3].map((o) => (o === 3 ? NaN : 1)), { mayNaN: [false, false, false, false], rtol: Infinity });
        // the NaN dy reaches every weight of output channel 3 (through x and the padding zeros) and no other
        const dw = w.grad!.data();
        dw.forEach((v, i) => expect(Number.isNaN(v), `dw[${i}]`).toBe(Math.floor(i / 27) === 3));
      });
    });

    it('corr2d and convolve2d: forward and both gradients through autograd (the direct kernels)', () => {
      for (const [H, W, kh, kw, seed] of [[6, 8, 1, 2, 1], [7, 9, 3, 3, 2], [5, 13, 2, 5, 3]] as const) {
        for (const flip of [false, true]) {
          const X = data(H * W, seed), Kd = data(kh * kw, seed + 1);
          plant(X, [NaN, Infinity], seed + 2);
          plant(Kd, [0], seed + 3);
          const Kf = flip ? Float32Array.from(Kd).reverse() : Kd;
          const ref = corr2dRef(X, [H, W], Kf, [kh, kw]);
          sc.tidy(() => {
            const tx = sc.variable(sc.tensor(X, [H, W])), tk = sc.variable(sc.tensor(Kd, [kh, kw]));
            const y = flip ? sc.convolve2d(tx, tk) : sc.corr2d(tx, tk);
            const label = `${flip ? 'convolve2d' : 'corr2d'} ${H}x${W} * ${kh}x${kw}`;
            expectIeee(label, y.data(), ref.data, { mag: corr2dRef(finite(X), [H, W], finite(Kf), [kh, kw]).mag });
            const dyv = data(y.size, seed + 4);
            y.backward(sc.tensor(dyv, y.shape));
            // dX[i] = Σ dy[o]·K[tap] over the (o, tap) that read X[i]: finite (K and dy are finite) ...
            const dxRef = conv2dGradInputRef(dyv, Kd, [1, 1, kh, kw], [1, 1, H, W], { mode: flip ? 'convolution' : 'correlation' }).data;
            expectIeee(`${label} dX`, tx.grad!.data(), dxRef, { mag: dxRef.map(Math.abs).map((v) => v + kh * kw) });
            // ... and dK[tap] = Σ X[o + tap]·dy[o]: NaN or Inf where the planted values are read
            const dkRef = conv2dGradWeightRef(X, [1, 1, H, W], dyv, [1, 1, kh, kw], { mode: flip ? 'convolution' : 'correlation' }).data;
            expectIeee(`${label} dK`, tk.grad!.data(), dkRef, { mag: conv2dGradWeightRef(finite(X), [1, 1, H, W], dyv, [1, 1, kh, kw], { mode: flip ? 'convolution' : 'correlation' }).mag });
          });
        }
      }
    });

    // ---- optimizers ----------------------------------------------------------------------------

    /** PyTorch's SGD and Adam in float64 (weight decay skipped when 0, as PyTorch does). */
    function sgdRef(p: number[], grads: number[][], o: { lr: number; momentum?: number; dampening?: number; weightDecay?: number; nesterov?: boolean }): number[] {
      const { lr, momentum = 0, dampening = 0, weightDecay = 0, nesterov = false } = o;
      let buf: number[] | null = null;
      for (const g of grads) {
        const d0 = g.map((gi, i) => (weightDecay !== 0 ? gi + weightDecay * p[i]! : gi));
        let d = d0;
        if (momentum !== 0) {
          buf = buf === null ? d0.slice() : buf.map((b, i) => momentum * b + (1 - dampening) * d0[i]!);
          d = nesterov ? d0.map((di, i) => di + momentum * buf![i]!) : buf;
        }
        p = p.map((pi, i) => pi - lr * d[i]!);
      }
      return p;
    }
    function adamRef(p: number[], grads: number[][], o: { lr: number; betas: [number, number]; eps: number; weightDecay: number; decoupled: boolean }): number[] {
      const [b1, b2] = o.betas;
      let m = p.map(() => 0), v = p.map(() => 0);
      grads.forEach((g0, k) => {
        const t = k + 1;
        if (o.weightDecay !== 0 && o.decoupled) p = p.map((pi) => pi - o.lr * o.weightDecay * pi);
        const g = o.weightDecay !== 0 && !o.decoupled ? g0.map((gi, i) => gi + o.weightDecay * p[i]!) : g0;
        m = m.map((mi, i) => b1 * mi + (1 - b1) * g[i]!);
        v = v.map((vi, i) => b2 * vi + (1 - b2) * g[i]! * g[i]!);
        p = p.map((pi, i) => pi - (o.lr / (1 - b1 ** t)) * (m[i]! / (Math.sqrt(v[i]!) / Math.sqrt(1 - b2 ** t) + o.eps)));
      });
      return p;
    }

    const P0 = [0.5, -1, 2, 0.25, Infinity, 1.5, -0.75];
    // Three steps of gradients with NaN and ±Inf in the vector body (0..3) and the scalar tail (4..6).
    const GRADS = [
      [0.1, NaN, -0.2, Infinity, 0.3, -0.4, 0.5],
      [0.2, 0.1, -Infinity, 0.2, 0.1, NaN, 0.3],
      [-0.1, 0.3, 0.2, -0.1, 0.2, 0.1, 0],
    ];
    const OPTIMS: [string, (ps: sc.Tensor[]) => sc.optim.Optimizer, (p: number[], g: number[][]) => number[]][] = [
      ['SGD', (ps) => new sc.optim.SGD(ps, { lr: 0.1 }), (p, g) => sgdRef(p, g, { lr: 0.1 })],
      ['SGD momentum', (ps) => new sc.optim.SGD(ps, { lr: 0.1, momentum: 0.9, dampening: 0.1 }), (p, g) => sgdRef(p, g, { lr: 0.1, momentum: 0.9, dampening: 0.1 })],
      ['SGD nesterov, weight decay', (ps) => new sc.optim.SGD(ps, { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.01 }), (p, g) => sgdRef(p, g, { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.01 })],
      ['Adam', (ps) => new sc.optim.Adam(ps, { lr: 0.01 }), (p, g) => adamRef(p, g, { lr: 0.01, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, decoupled: false })],
      ['Adam, L2', (ps) => new sc.optim.Adam(ps, { lr: 0.01, weightDecay: 0.1 }), (p, g) => adamRef(p, g, { lr: 0.01, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0.1, decoupled: false })],
      ['AdamW', (ps) => new sc.optim.Adam(ps, { lr: 0.01, weightDecay: 0.1, decoupled: true }), (p, g) => adamRef(p, g, { lr: 0.01, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0.1, decoupled: true })],
    ];

    it.each(OPTIMS)('%s: NaN and ±Inf in gradients and parameters follow the update formula', (_name, make, ref) => {
      const p = sc.tensor(P0);
      p.requiresGrad = true;
      const opt = make([p]);
      for (const g of GRADS) {
        p.grad?.dispose();
        p.grad = sc.tensor(g);
        opt.step();
      }
      expectIeee('parameter after 3 steps', p.data(), ref(P0.map(Math.fround), GRADS.map((g) => g.map(Math.fround))), { rtol: 1e-5 });
      opt.dispose();
      p.dispose();
    });
  });
}
