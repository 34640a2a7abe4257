// The CNN chapter's ops (maxPool2d, avgPool2d, sigmoid, tanh, softmax, logSoftmax, argmax, linear,
// flatten, nn.crossEntropy): forward and gradients against PyTorch (test/fixtures/cnn.json, from
// test/fixtures/make_cnn_fixtures.py) under both kernel variants, finite-difference gradient
// checks against float64 references, layouts (NHWC = NCHW transposed, 3-D unbatched), and bad input.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as sc from '../src/index.js';
import { setKernelVariant, type KernelVariant } from '../src/wasm/kernels.js';
import { Gen, gradcheck, sizeOf, type Arr64 } from './helpers/gradcheck.js';
import { expectError } from './helpers/expect-error.js';
import { expectNoLeakedTensors } from './helpers/leaks.js';

type Pair = number | [number, number];
interface PoolCase {
  name: string;
  opts: { kernelSize: Pair; stride: Pair; padding: Pair; dilation?: Pair; ceilMode: boolean; countIncludePad?: boolean };
  xShape: number[]; yShape: number[]; x: number[]; y: number[]; dy: number[]; dx: number[]; indices?: number[];
}
interface SoftmaxCase { shape: number[]; dim: number; x: number[]; dy: number[]; softmax: { y: number[]; dx: number[] }; logSoftmax: { y: number[]; dx: number[] } }
interface CeCase { B: number; C: number; reduction: 'mean' | 'sum' | 'none'; labelSmoothing: number; x: number[]; labels: number[]; dy: number[]; loss: number[]; dx: number[] }
interface LinearCase { xShape: number[]; wShape: number[]; yShape: number[]; x: number[]; w: number[]; b?: number[]; dy: number[]; y: number[]; dx: number[]; dw: number[]; db?: number[] }
interface Fixtures {
  maxPool2d: PoolCase[];
  avgPool2d: PoolCase[];
  activations: Record<'sigmoid' | 'tanh', { x: number[]; y: number[]; dy: number[]; dx: number[] }>;
  softmax: SoftmaxCase[];
  argmax: { shape: number[]; dim: number; x: number[]; indices: number[] }[];
  crossEntropy: CeCase[];
  linear: LinearCase[];
}
const fx = JSON.parse(readFileSync(new URL('./fixtures/cnn.json', import.meta.url), 'utf8')) as Fixtures;

beforeAll(async () => {
  await sc.init();
});
afterAll(() => setKernelVariant('simd'));
expectNoLeakedTensors();

const t = (data: number[], shape: number[]): sc.Tensor => sc.tensor(Float32Array.from(data), shape);

/** |got - want| <= rtol·|want| + atol·max(1, max|want|), elementwise, with the shape. */
function expectClose(got: sc.Tensor, want: number[], shape: number[], what: string, rtol = 1e-5, atol = 1e-6): void {
  expect(got.shape, `${what} shape`).toEqual(shape);
  const d = got.data();
  let scale = 1;
  for (const v of want) scale = Math.max(scale, Math.abs(v));
  const bad: string[] = [];
  for (let i = 0; i < want.length; i++) {
    if (!(Math.abs(d[i]! - want[i]!) <= rtol * Math.abs(want[i]!) + atol * scale)) bad.push(`[${i}] got ${d[i]} want ${want[i]}`);
  }
  expect(bad.slice(0, 6), `${what}: ${bad.length} of ${want.length} off`).toEqual([]);
}

/** Runs f(x) with x (made by mx) a variable, backpropagates dy (made by mdy); checks y and dx; frees everything. */
function withGrad(mx: () => sc.Tensor, f: (x: sc.Tensor) => sc.Tensor, mdy: (() => sc.Tensor) | null, check: (y: sc.Tensor, dx: sc.Tensor) => void): void {
  sc.tidy(() => {
    const x = mx();
    x.requiresGrad = true;
    const y = f(x);
    y.backward(mdy === null ? undefined : mdy());
    check(y, x.grad!);
    x.zeroGrad();
  });
}

describe.each<KernelVariant>(['simd', 'scalar'])('PyTorch fixtures, %s kernels', (variant) => {
  beforeAll(() => setKernelVariant(variant));

  it.each(fx.maxPool2d)('maxPool2d $name', (c) => {
    withGrad(() => t(c.x, c.xShape), (x) => sc.maxPool2d(x, c.opts), () => t(c.dy, c.yShape), (y, dx) => {
      expectClose(y, c.y, c.yShape, 'y');
      expectClose(dx, c.dx, c.xShape, 'dx');
    });
  });

  it.each(fx.avgPool2d)('avgPool2d $name', (c) => {
    withGrad(() => t(c.x, c.xShape), (x) => sc.avgPool2d(x, c.opts as sc.AvgPool2dOptions), () => t(c.dy, c.yShape), (y, dx) => {
      expectClose(y, c.y, c.yShape, 'y');
      expectClose(dx, c.dx, c.xShape, 'dx');
    });
  });

  it.each(['sigmoid', 'tanh'] as const)('%s', (name) => {
    const c = fx.activations[name];
    const n = c.x.length;
    withGrad(() => t(c.x, [n]), (x) => (name === 'sigmoid' ? sc.sigmoid(x) : x.tanh()), () => t(c.dy, [n]), (y, dx) => {
      expectClose(y, c.y, [n], 'y', 2e-6, 1e-7);
      expectClose(dx, c.dx, [n], 'dx', 1e-5, 1e-7);
    });
  });

  it.each(fx.softmax)('softmax / logSoftmax $shape along $dim', (c) => {
    for (const op of ['softmax', 'logSoftmax'] as const) {
      withGrad(() => t(c.x, c.shape), (x) => (op === 'softmax' ? x.softmax(c.dim) : sc.logSoftmax(x, c.dim)), () => t(c.dy, c.shape), (y, dx) => {
        expectClose(y, c[op].y, c.shape, `${op} y`, 1e-5, 1e-6);
        expectClose(dx, c[op].dx, c.shape, `${op} dx`, 1e-4, 1e-6);
      });
    }
  });

  it.each(fx.argmax)('argmax $shape along $dim', (c) => {
    sc.tidy(() => {
      const x = t(c.x, c.shape);
      const want = c.shape.filter((_, i) => i !== (c.dim + c.shape.length) % c.shape.length);
      expectClose(x.argmax(c.dim), c.indices, want, 'indices', 0, 0);
    });
  });

  it.each(fx.crossEntropy.map((c, i) => ({ ...c, i })))('crossEntropy #$i B=$B C=$C $reduction smoothing $labelSmoothing', (c) => {
    const shape = c.reduction === 'none' ? [c.B] : [];
    withGrad(() => t(c.x, [c.B, c.C]), (x) => sc.nn.crossEntropy(x, c.labels, { reduction: c.reduction, labelSmoothing: c.labelSmoothing }),
      c.reduction === 'none' ? () => t(c.dy, [c.B]) : null, (y, dx) => {
        expectClose(y, c.loss, shape, 'loss', 1e-5, 1e-6);
        expectClose(dx, c.dx, [c.B, c.C], 'dx', 1e-4, 1e-6);
      });
  });

  it.each(fx.linear.map((c, i) => ({ ...c, i })))('linear #$i x $xShape, w $wShape', (c) => {
    sc.tidy(() => {
      const x = t(c.x, c.xShape), w = t(c.w, c.wShape), b = c.b ? t(c.b, [c.b.length]) : null;
      for (const v of [x, w, b]) if (v) v.requiresGrad = true;
      const y = sc.linear(x, w, b);
      y.backward(t(c.dy, c.yShape));
      expectClose(y, c.y, c.yShape, 'y');
      expectClose(x.grad!, c.dx, c.xShape, 'dx');
      expectClose(w.grad!, c.dw, c.wShape, 'dw');
      if (b) expectClose(b.grad!, c.db!, [c.b!.length], 'db');
      for (const v of [x, w, b]) v?.zeroGrad();
    });
  });
});

// ---- float64 references for the finite-difference checks --------------------------------------

const pairOf = (v: Pair | undefined, d: number): [number, number] => (v === undefined ? [d, d] : typeof v === 'number' ? [v, v] : v);

/** PyTorch's pooling output size (written independently of src/ops/pool.ts). */
function poolOut(n: number, k: number, s: number, p: number, d: number, ceil: boolean): number {
  const eff = d * (k - 1) + 1;
  const num = n + 2 * p - eff;
  let o = (ceil ? Math.ceil(num / s) : Math.floor(num / s)) + 1;
  if (ceil && (o - 1) * s >= n + p) o--;
  return o;
}

interface RefPool { kernelSize: Pair; stride?: Pair; padding?: Pair; dilation?: Pair; ceilMode?: boolean; countIncludePad?: boolean }

function poolRef(x: Arr64, o: RefPool, kind: 'max' | 'avg'): Arr64 {
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const [kh, kw] = pairOf(o.kernelSize, 1), [sh, sw] = pairOf(o.stride, 0).map((v, i) => v || [kh, kw][i]!) as [number, number];
  const [ph, pw] = pairOf(o.padding, 0), [dh, dw] = pairOf(o.dilation, 1);
  const HO = poolOut(H, kh, sh, ph, dh, o.ceilMode ?? false), WO = poolOut(W, kw, sw, pw, dw, o.ceilMode ?? false);
  const data = new Float64Array(N * C * HO * WO);
  for (let p = 0; p < N * C; p++) {
    for (let i = 0; i < HO; i++) {
      for (let j = 0; j < WO; j++) {
        let best = -Infinity, sum = 0, count = 0;
        const h0 = i * sh - ph, w0 = j * sw - pw;
        for (let a = 0; a < kh; a++) {
          for (let b = 0; b < kw; b++) {
            const r = h0 + a * dh, c = w0 + b * dw;
            if (r < 0 || r >= H || c < 0 || c >= W) continue;
            const v = x.data[p * H * W + r * W + c]!;
            best = Math.max(best, v);
            sum += v;
            count++;
          }
        }
        let v = best;
        if (kind === 'avg') {
          const area = (Math.min(h0 + kh, H + ph) - h0) * (Math.min(w0 + kw, W + pw) - w0);
          v = sum / ((o.countIncludePad ?? true) ? area : count);
        }
        data[(p * HO + i) * WO + j] = v;
      }
    }
  }
  return { data, shape: [N, C, HO, WO] };
}

/** softmax / log-softmax of x along `dim` in float64. */
function softmaxRef(x: Arr64, dim: number, log: boolean): Arr64 {
  const s = x.shape, ax = (dim + s.length) % s.length;
  const n = s[ax]!, inner = sizeOf(s.slice(ax + 1)), outer = sizeOf(s.slice(0, ax));
  const data = new Float64Array(x.data.length);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const at = (j: number) => (o * n + j) * inner + i;
      let m = -Infinity;
      for (let j = 0; j < n; j++) m = Math.max(m, x.data[at(j)]!);
      let z = 0;
      for (let j = 0; j < n; j++) z += Math.exp(x.data[at(j)]! - m);
      for (let j = 0; j < n; j++) data[at(j)] = log ? x.data[at(j)]! - m - Math.log(z) : Math.exp(x.data[at(j)]! - m) / z;
    }
  }
  return { data, shape: s.slice() };
}

function ceRef(x: Arr64, labels: number[], reduction: 'mean' | 'sum' | 'none', eps: number): Arr64 {
  const [B, C] = x.shape as [number, number];
  const ls = softmaxRef(x, 1, true);
  const rows = new Float64Array(B);
  for (let b = 0; b < B; b++) {
    let l = 0;
    for (let j = 0; j < C; j++) l -= ((j === labels[b] ? 1 - eps : 0) + eps / C) * ls.data[b * C + j]!;
    rows[b] = l;
  }
  if (reduction === 'none') return { data: rows, shape: [B] };
  const s = rows.reduce((a, v) => a + v, 0);
  return { data: Float64Array.of(reduction === 'mean' ? s / B : s), shape: [] };
}

function linearRef(x: Arr64, w: Arr64, b?: Arr64): Arr64 {
  const [O, I] = w.shape as [number, number];
  const M = x.data.length / I;
  const data = new Float64Array(M * O);
  for (let m = 0; m < M; m++) {
    for (let o = 0; o < O; o++) {
      let s = b ? b.data[o]! : 0;
      for (let i = 0; i < I; i++) s += x.data[m * I + i]! * w.data[o * I + i]!;
      data[m * O + o] = s;
    }
  }
  return { data, shape: [...x.shape.slice(0, -1), O] };
}

interface GradCase { name: string; f: (xs: sc.Tensor[]) => sc.Tensor; ref: (xs: Arr64[]) => Arr64; inputs: (g: Gen) => Arr64[]; libStep?: number }

const GRAD_CASES: GradCase[] = [
  ...([
    { kernelSize: 2 }, { kernelSize: 3, stride: 2, padding: 1 }, { kernelSize: 3, stride: 2, padding: 1, ceilMode: true },
    { kernelSize: [2, 3], stride: [1, 2], dilation: [2, 1] }, { kernelSize: 3, stride: 3, ceilMode: true },
  ] as RefPool[]).map((o, i): GradCase => ({
    name: `maxPool2d ${JSON.stringify(o)}`, f: ([x]) => sc.maxPool2d(x!, o as sc.MaxPool2dOptions), ref: ([x]) => poolRef(x!, o, 'max'),
    inputs: (g) => [g.uniform([2, 2, 7 + i, 9 - i])], libStep: 1e-3,
  })),
  ...([
    { kernelSize: 2 }, { kernelSize: 3, stride: 2, padding: 1 }, { kernelSize: 3, stride: 2, padding: 1, countIncludePad: false },
    { kernelSize: 3, stride: 2, padding: 1, ceilMode: true }, { kernelSize: [2, 3], stride: [1, 2], padding: [1, 1], ceilMode: true, countIncludePad: false },
  ] as RefPool[]).map((o, i): GradCase => ({
    name: `avgPool2d ${JSON.stringify(o)}`, f: ([x]) => sc.avgPool2d(x!, o as sc.AvgPool2dOptions), ref: ([x]) => poolRef(x!, o, 'avg'),
    inputs: (g) => [g.uniform([2, 2, 8 - i, 7 + i])], libStep: 1e-2,
  })),
  { name: 'sigmoid', f: ([x]) => sc.sigmoid(x!), ref: ([x]) => ({ data: x!.data.map((v) => 1 / (1 + Math.exp(-v))), shape: x!.shape }), inputs: (g) => [g.uniform([3, 7], -4, 4)] },
  { name: 'tanh', f: ([x]) => x!.tanh(), ref: ([x]) => ({ data: x!.data.map(Math.tanh), shape: x!.shape }), inputs: (g) => [g.uniform([3, 7], -3, 3)] },
  ...[0, 1, 2, -1].flatMap((dim) => [false, true].map((log): GradCase => ({
    name: `${log ? 'logSoftmax' : 'softmax'} dim ${dim}`, f: ([x]) => (log ? sc.logSoftmax(x!, dim) : sc.softmax(x!, dim)),
    ref: ([x]) => softmaxRef(x!, dim, log), inputs: (g) => [g.uniform([3, 5, 6], -3, 3)],
  }))),
  ...(['mean', 'sum', 'none'] as const).flatMap((reduction) => [0, 0.2].map((eps): GradCase => {
    const labels = [3, 0, 6, 6, 1];
    return {
      name: `crossEntropy ${reduction} smoothing ${eps}`, f: ([x]) => sc.nn.crossEntropy(x!, labels, { reduction, labelSmoothing: eps }),
      ref: ([x]) => ceRef(x!, labels, reduction, eps), inputs: (g) => [g.uniform([5, 7], -3, 3)],
    };
  })),
  ...[[[3, 5], 4], [[2, 3, 9], 6], [[1, 1], 5], [[6, 17], 3]].flatMap(([xs, o]) => [true, false].map((bias): GradCase => ({
    name: `linear x [${xs}] out ${o}${bias ? ' + bias' : ''}`,
    f: ([x, w, b]) => sc.linear(x!, w!, b), ref: ([x, w, b]) => linearRef(x!, w!, b),
    inputs: (g) => [g.uniform(xs as number[]), g.uniform([o as number, (xs as number[]).at(-1)!]), ...(bias ? [g.uniform([o as number])] : [])],
    libStep: 1e-2,
  }))),
  { name: 'flatten(1, 2) then sigmoid', f: ([x]) => sc.flatten(x!, 1, 2).sigmoid(), ref: ([x]) => ({ data: x!.data.map((v) => 1 / (1 + Math.exp(-v))), shape: [2, 12, 5] }), inputs: (g) => [g.uniform([2, 3, 4, 5])] },
];

describe.each<KernelVariant>(['simd', 'scalar'])('finite-difference gradients, %s kernels', (variant) => {
  beforeAll(() => setKernelVariant(variant));
  it.each(GRAD_CASES.map((c, i) => [c.name, c, i] as const))('%s', (_, c, i) => {
    const report = gradcheck({ f: c.f, ref: c.ref, inputs: c.inputs(new Gen(500 + i)), seed: 3 + i, libStep: c.libStep ?? null, rtol: 1e-3, atol: 1e-4, fwdRtol: 1e-5, fwdAtol: 1e-6 });
    expect(report.failures).toEqual([]);
    expect(report.checked).toBeGreaterThan(0);
  });
});

describe('layouts and shapes', () => {
  const opts = [{ kernelSize: 3, stride: 2, padding: 1, ceilMode: true }, { kernelSize: [2, 3], stride: [1, 2] }, { kernelSize: 2, dilation: 2 }];
  it.each(opts)('NHWC equals NCHW transposed, forward and backward: %j', (o) => {
    sc.tidy(() => {
      const x = sc.randn([2, 5, 9, 11], { seed: 4 });
      for (const op of ['max', 'avg'] as const) {
        if (op === 'avg' && 'dilation' in o) continue;
        const f = (v: sc.Tensor, layout: 'NCHW' | 'NHWC') => (op === 'max' ? sc.maxPool2d(v, { ...o, layout } as sc.MaxPool2dOptions) : sc.avgPool2d(v, { ...o, layout } as sc.AvgPool2dOptions));
        const a = sc.variable(x), b = sc.variable(x.transpose([0, 2, 3, 1]));
        const ya = f(a, 'NCHW'), yb = f(b, 'NHWC');
        expect(Array.from(yb.data())).toEqual(Array.from(ya.transpose([0, 2, 3, 1]).data()));
        const dy = sc.randn(ya.shape, { seed: 5 });
        ya.backward(dy);
        yb.backward(dy.transpose([0, 2, 3, 1]));
        expect(Array.from(b.grad!.data())).toEqual(Array.from(a.grad!.transpose([0, 2, 3, 1]).data()));
      }
    });
  });

  it('3-D unbatched input gives the batched result without the batch axis', () => {
    sc.tidy(() => {
      const x = sc.randn([3, 6, 7], { seed: 6 });
      const y = sc.maxPool2d(x, { kernelSize: 2 });
      expect(y.shape).toEqual([3, 3, 3]);
      expect(y.toArray()).toEqual(sc.maxPool2d(x.reshape([1, 3, 6, 7]), { kernelSize: 2 }).reshape([3, 3, 3]).toArray());
      expect(sc.avgPool2d(x, { kernelSize: 3, layout: 'NHWC' }).shape).toEqual([1, 2, 7]);
    });
  });

  it('a zero-size batch gives an empty output and gradient', () => {
    sc.tidy(() => {
      const x = sc.variable(sc.zeros([0, 2, 4, 4]));
      const y = sc.maxPool2d(x, { kernelSize: 2 });
      expect(y.shape).toEqual([0, 2, 2, 2]);
      y.sum().backward();
      expect(x.grad!.shape).toEqual([0, 2, 4, 4]);
    });
  });

  it('stride defaults to the kernel size; null stride too (PyTorch None)', () => {
    sc.tidy(() => {
      const x = sc.ones([1, 1, 6, 6]);
      expect(sc.maxPool2d(x, { kernelSize: 3 }).shape).toEqual([1, 1, 2, 2]);
      expect(sc.avgPool2d(x, { kernelSize: 3, stride: null as never }).shape).toEqual([1, 1, 2, 2]);
    });
  });

  it('argmax: all elements, keepdim, 0-d, first maximum and NaN', () => {
    sc.tidy(() => {
      const x = sc.tensor([[1, 5, 5], [7, 0, 7]]);
      expect(x.argmax().shape).toEqual([]);
      expect(x.argmax().item()).toBe(3);
      expect(x.argmax(null, { keepdim: true }).shape).toEqual([1, 1]);
      expect(x.argmax(-1).toArray()).toEqual([1, 0]);
      expect(x.argmax(0, { keepdim: true }).toArray()).toEqual([[1, 0, 1]]);
      expect(sc.tensor(4).argmax(0).item()).toBe(0);
      expect(sc.tensor([1, NaN, 3, NaN]).argmax().item()).toBe(1);
    });
  });

  it('flatten follows torch.flatten; the method without arguments still flattens everything', () => {
    sc.tidy(() => {
      const x = sc.arange(24).reshape([2, 3, 4]);
      expect(x.flatten().shape).toEqual([24]);
      expect(x.flatten(1).shape).toEqual([2, 12]);
      expect(x.flatten(0, 1).shape).toEqual([6, 4]);
      expect(x.flatten(-2).shape).toEqual([2, 12]);
      expect(sc.tensor(3).flatten().shape).toEqual([1]);
    });
  });

  it('crossEntropy takes labels as an Int32Array, numbers or a float tensor, and is stable for huge logits', () => {
    sc.tidy(() => {
      const x = sc.tensor([[1000, 0, -1000], [0, 2000, 0]]);
      const a = sc.nn.crossEntropy(x, new Int32Array([0, 1])).item();
      const b = sc.nn.crossEntropy(x, [0, 1]).item();
      const c = sc.nn.crossEntropy(x, sc.tensor([0, 1])).item();
      expect([a, b, c]).toEqual([0, 0, 0]);
      expect(sc.nn.crossEntropy(x, [2, 0]).item()).toBeCloseTo(2000, 3);
    });
  });

  it('linear broadcasts batch axes and matches matmul with the transposed weight', () => {
    sc.tidy(() => {
      const x = sc.randn([2, 3, 5], { seed: 1 }), w = sc.randn([4, 5], { seed: 2 }), b = sc.randn([4], { seed: 3 });
      const y = sc.linear(x, w, b);
      const r = sc.matmul(x, w.T).add(b);
      const [yd, rd] = [y.data(), r.data()];
      for (let i = 0; i < yd.length; i++) expect(yd[i]).toBeCloseTo(rd[i]!, 5);
    });
  });
});

describe('bad input', () => {
  const x4 = () => sc.ones([1, 2, 6, 6]);
  const cases: [string, () => unknown, new (...a: never[]) => sc.SimdconvError, RegExp?][] = [
    ['maxPool2d padding over half the kernel', () => sc.maxPool2d(x4(), { kernelSize: 2, padding: 2 }), sc.ArgumentError, /half/],
    ['avgPool2d padding over half the kernel', () => sc.avgPool2d(x4(), { kernelSize: [3, 2], padding: [1, 2] }), sc.ArgumentError, /half/],
    ['maxPool2d output smaller than 1', () => sc.maxPool2d(x4(), { kernelSize: 7 }), sc.ShapeError, /height/],
    ['maxPool2d dilated kernel too large', () => sc.maxPool2d(x4(), { kernelSize: 3, dilation: 3 }), sc.ShapeError],
    ['maxPool2d without kernelSize', () => sc.maxPool2d(x4(), {} as never), sc.ArgumentError, /kernelSize/],
    ['maxPool2d without options', () => sc.maxPool2d(x4(), undefined as never), sc.ArgumentError, /kernelSize/],
    ['maxPool2d kernelSize 0', () => sc.maxPool2d(x4(), { kernelSize: 0 }), sc.ArgumentError],
    ['maxPool2d stride 0', () => sc.maxPool2d(x4(), { kernelSize: 2, stride: 0 }), sc.ArgumentError],
    ['maxPool2d 2-D input', () => sc.maxPool2d(sc.ones([6, 6]), { kernelSize: 2 }), sc.ShapeError],
    ['maxPool2d bad layout', () => sc.maxPool2d(x4(), { kernelSize: 2, layout: 'CHWN' as never }), sc.ArgumentError],
    ['maxPool2d ceilMode not boolean', () => sc.maxPool2d(x4(), { kernelSize: 2, ceilMode: 1 as never }), sc.ArgumentError],
    ['avgPool2d dilation (not a PyTorch option)', () => sc.avgPool2d(x4(), { kernelSize: 2, dilation: 2 } as never), sc.ArgumentError, /dilation/],
    ['avgPool2d countIncludePad not boolean', () => sc.avgPool2d(x4(), { kernelSize: 2, countIncludePad: 'no' as never }), sc.ArgumentError],
    ['softmax without dim', () => sc.softmax(x4(), undefined as never), sc.ArgumentError, /dim/],
    ['softmax dim out of range', () => sc.logSoftmax(x4(), 4), sc.ArgumentError, /dim/],
    ['argmax dim out of range', () => sc.argmax(x4(), -5), sc.ArgumentError],
    ['argmax of an empty tensor', () => sc.argmax(sc.zeros([0])), sc.ShapeError],
    ['argmax keepdim not boolean', () => sc.argmax(x4(), 0, { keepdim: 1 as never }), sc.ArgumentError],
    ['linear feature mismatch', () => sc.linear(sc.ones([2, 5]), sc.ones([3, 4])), sc.ShapeError, /features/],
    ['linear 1-D weight', () => sc.linear(sc.ones([2, 5]), sc.ones([5])), sc.ShapeError],
    ['linear bias of the wrong size', () => sc.linear(sc.ones([2, 5]), sc.ones([3, 5]), sc.ones([5])), sc.ShapeError],
    ['flatten startDim after endDim', () => sc.flatten(x4(), 2, 1), sc.ShapeError],
    ['flatten startDim out of range', () => sc.flatten(x4(), 4), sc.ArgumentError],
    ['crossEntropy label out of range', () => sc.nn.crossEntropy(sc.ones([2, 3]), [0, 3]), sc.ArgumentError, /labels/],
    ['crossEntropy negative label', () => sc.nn.crossEntropy(sc.ones([2, 3]), new Int32Array([-1, 0])), sc.ArgumentError],
    ['crossEntropy fractional label tensor', () => sc.nn.crossEntropy(sc.ones([2, 3]), sc.tensor([0, 1.5])), sc.ArgumentError],
    ['crossEntropy label count', () => sc.nn.crossEntropy(sc.ones([2, 3]), [0]), sc.ShapeError],
    ['crossEntropy 1-D logits', () => sc.nn.crossEntropy(sc.ones([3]), [0]), sc.ShapeError],
    ['crossEntropy bad reduction', () => sc.nn.crossEntropy(sc.ones([2, 3]), [0, 1], { reduction: 'avg' as never }), sc.ArgumentError],
    ['crossEntropy labelSmoothing > 1', () => sc.nn.crossEntropy(sc.ones([2, 3]), [0, 1], { labelSmoothing: 2 }), sc.ArgumentError],
    ['crossEntropy labels a string', () => sc.nn.crossEntropy(sc.ones([2, 3]), '01' as never), sc.ArgumentError],
  ];
  it.each(cases)('%s', (_, fn, cls, msg) => {
    sc.tidy(() => {
      const e = expectError(fn, cls as never);
      if (msg) expect(e.message).toMatch(msg);
    });
  });

  it('a disposed input is a DisposedTensorError', () => {
    const d = sc.ones([1, 1, 4, 4]);
    d.dispose();
    for (const f of [() => sc.maxPool2d(d, { kernelSize: 2 }), () => sc.sigmoid(d), () => sc.softmax(d, 0), () => sc.linear(d, d), () => d.argmax()]) {
      expect(f).toThrow(sc.DisposedTensorError);
    }
  });
});



