// conv2dTranspose and nn.ConvTranspose2d: forward and gradients against PyTorch
// (test/fixtures/cnn.json) under both kernel variants, against a float64 scatter reference over
// shapes that reach every SIMD tail and every dispatch path (direct depthwise, NCHW implicit GEMM,
// NHWC im2col + GEMM, many channels), finite-difference gradient checks, a fast-check property,
// the layer (PyTorch init, lazy inChannels, state dict), and bad input.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as sc from '../src/index.js';
import { setKernelVariant, type KernelVariant } from '../src/wasm/kernels.js';
import { Gen, gradcheck, type Arr64 } from './helpers/gradcheck.js';
import { expectError } from './helpers/expect-error.js';
import { expectNoLeakedTensors } from './helpers/leaks.js';
import { expectTensorClose as expectClose } from './helpers/close.js';

type Pair = number | [number, number];
interface Opts { stride?: Pair; padding?: Pair; outputPadding?: Pair; dilation?: Pair; groups?: number; layout?: 'NCHW' | 'NHWC' }
interface Case {
  name: string; opts: Opts; xShape: number[]; wShape: number[]; yShape: number[];
  x: number[]; w: number[]; b?: number[]; dy: number[]; y: number[]; dx: number[]; dw: number[]; db?: number[];
}
const fx = JSON.parse(readFileSync(new URL('./fixtures/cnn.json', import.meta.url), 'utf8')) as { convTranspose2d: Case[] };

beforeAll(async () => {
  await sc.init();
});
afterAll(() => setKernelVariant('simd'));
expectNoLeakedTensors();

const pr = (v: Pair | undefined, d: number): [number, number] => (v === undefined ? [d, d] : typeof v === 'number' ? [v, v] : v);
const t = (data: ArrayLike<number>, shape: number[]): sc.Tensor => sc.tensor(Float32Array.from(data), shape);

/**
 * The float64 transposed convolution, NCHW, by its definition: every x[n, ci, i, j] adds
 * x·w[ci, co, a, b] to y[n, g·Cout/G + co, i·s - p + a·d, j·s - p + b·d] (when inside y).
 */
function convTransposeRef(x: ArrayLike<number>, xShape: readonly number[], w: ArrayLike<number>, wShape: readonly number[],
  o: Opts, bias?: ArrayLike<number>): Arr64 {
  const [N, CI, H, W] = xShape as [number, number, number, number];
  const [, COG, KH, KW] = wShape as [number, number, number, number];
  const G = o.groups ?? 1, CIG = CI / G, CO = COG * G;
  const [sh, sw] = pr(o.stride, 1), [ph, pw] = pr(o.padding, 0), [qh, qw] = pr(o.outputPadding, 0), [dh, dw] = pr(o.dilation, 1);
  const HO = (H - 1) * sh - 2 * ph + dh * (KH - 1) + qh + 1, WO = (W - 1) * sw - 2 * pw + dw * (KW - 1) + qw + 1;
  const y = new Float64Array(N * CO * HO * WO);
  for (let n = 0; n < N; n++) for (let ci = 0; ci < CI; ci++) {
    const g = Math.floor(ci / CIG);
    for (let i = 0; i < H; i++) for (let j = 0; j < W; j++) {
      const v = x[((n * CI + ci) * H + i) * W + j]!;
      for (let co = 0; co < COG; co++) for (let a = 0; a < KH; a++) for (let b = 0; b < KW; b++) {
        const oh = i * sh - ph + a * dh, ow = j * sw - pw + b * dw;
        if (oh < 0 || oh >= HO || ow < 0 || ow >= WO) continue;
        y[((n * CO + g * COG + co) * HO + oh) * WO + ow]! += v * w[((ci * COG + co) * KH + a) * KW + b]!;
      }
    }
  }
  if (bias) for (let i = 0; i < y.length; i++) y[i]! += bias[Math.floor(i / (HO * WO)) % CO]!;
  return { data: y, shape: [N, CO, HO, WO] };
}

/** NCHW [N, C, H, W] data as NHWC. */
function toNHWC(d: ArrayLike<number>, [N, C, H, W]: readonly number[]): Float32Array {
  const out = new Float32Array(d.length);
  for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) for (let i = 0; i < H * W; i++) out[(n * H * W + i) * C + c] = d[(n * C + c) * H * W + i]!;
  return out;
}
const nhwcShape = ([N, C, H, W]: readonly number[]): number[] => [N!, H!, W!, C!];

describe.each<KernelVariant>(['simd', 'scalar'])('PyTorch fixtures, %s kernels', (variant) => {
  beforeAll(() => setKernelVariant(variant));

  it.each(fx.convTranspose2d)('conv2dTranspose $name', (c) => {
    sc.tidy(() => {
      const x = sc.variable(t(c.x, c.xShape)), w = sc.variable(t(c.w, c.wShape));
      const b = c.b ? sc.variable(t(c.b, [c.b.length])) : null;
      const y = sc.conv2dTranspose(x, w, { ...c.opts, bias: b });
      y.backward(t(c.dy, c.yShape));
      expectClose(y, c.y, c.yShape, 'y');
      expectClose(x.grad!, c.dx, c.xShape, 'dx');
      expectClose(w.grad!, c.dw, c.wShape, 'dw');
      if (b) expectClose(b.grad!, c.db!, [c.db!.length], 'db');
    });
  });

  it.each(fx.convTranspose2d)('NHWC: conv2dTranspose $name', (c) => {
    sc.tidy(() => {
      const x = sc.variable(t(toNHWC(c.x, c.xShape), nhwcShape(c.xShape))), w = sc.variable(t(c.w, c.wShape));
      const y = sc.conv2dTranspose(x, w, { ...c.opts, layout: 'NHWC', bias: c.b ? t(c.b, [c.b.length]) : null });
      y.backward(t(toNHWC(c.dy, c.yShape), nhwcShape(c.yShape)));
      expectClose(y, toNHWC(c.y, c.yShape), nhwcShape(c.yShape), 'y');
      expectClose(x.grad!, toNHWC(c.dx, c.xShape), nhwcShape(c.xShape), 'dx');
      expectClose(w.grad!, c.dw, c.wShape, 'dw');
    });
  });

  it('nn.ConvTranspose2d with a fixture\'s parameters gives PyTorch\'s output', () => {
    const c = fx.convTranspose2d.find((k) => k.b && (k.opts.groups ?? 1) > 1)!;
    const [cin, cog, kh, kw] = c.wShape as [number, number, number, number];
    const layer = new sc.nn.ConvTranspose2d({ outChannels: cog * c.opts.groups!, kernelSize: [kh, kw], ...c.opts });
    layer.loadStateDict({ weight: { shape: c.wShape, data: c.w }, bias: { shape: [c.b!.length], data: c.b! } });
    expect(layer.inChannels).toBe(cin);
    sc.tidy(() => expectClose(layer.forward(t(c.x, c.xShape)), c.y, c.yShape, 'y'));
    layer.dispose();
  });
});

// Shapes: output widths 1..3, 4, 5..7, 8, 9+ (the SIMD tails of every kernel the transpose runs),
// and the dispatch paths: depthwise stride 1 (direct kernels), NCHW implicit GEMM, NHWC, 8+
// channels per group with a large padding (the stride-1 implicit GEMM of the input gradient).
const SHAPES: { x: number[]; w: number[]; o: Opts }[] = [
  { x: [1, 1, 1, 1], w: [1, 1, 1, 1], o: {} },
  { x: [1, 1, 1, 2], w: [1, 1, 1, 2], o: {} },
  { x: [2, 1, 3, 1], w: [1, 2, 2, 3], o: {} },
  { x: [1, 2, 2, 2], w: [2, 1, 3, 3], o: {} },
  { x: [1, 3, 4, 3], w: [3, 1, 3, 3], o: { groups: 3 } },
  { x: [2, 4, 5, 5], w: [4, 1, 3, 3], o: { groups: 4, padding: 1 } },
  { x: [1, 2, 3, 4], w: [2, 3, 2, 2], o: { stride: 2 } },
  { x: [1, 2, 3, 5], w: [2, 2, 3, 3], o: { stride: 2, padding: 1, outputPadding: 1 } },
  { x: [1, 3, 4, 6], w: [3, 2, 3, 3], o: { stride: [1, 2], dilation: [2, 1], outputPadding: [1, 1] } },
  { x: [1, 2, 4, 4], w: [2, 2, 3, 3], o: { stride: 1, dilation: 2, outputPadding: 1, padding: 2 } },
  { x: [2, 4, 3, 9], w: [4, 3, 3, 2], o: { groups: 2, stride: 2, padding: [1, 0] } },
  { x: [1, 16, 6, 7], w: [16, 8, 3, 3], o: { padding: 1 } },
  { x: [1, 16, 6, 7], w: [16, 16, 3, 3], o: { padding: 2 } },
  { x: [2, 8, 5, 13], w: [8, 4, 3, 5], o: { stride: 3, padding: 1, outputPadding: 2 } },
  { x: [1, 5, 7, 17], w: [5, 3, 4, 4], o: { stride: 2, padding: 1 } },
];

describe.each<KernelVariant>(['simd', 'scalar'])('against the float64 reference, %s kernels', (variant) => {
  beforeAll(() => setKernelVariant(variant));
  const g = new Gen(7);
  it.each(SHAPES.flatMap((s) => [{ ...s, layout: 'NCHW' as const }, { ...s, layout: 'NHWC' as const }]))('x $x w $w $o $layout', ({ x: xs, w: ws, o, layout }) => {
    const x = g.uniform(xs), w = g.uniform(ws), b = g.uniform([ws[1]! * (o.groups ?? 1)]);
    const want = convTransposeRef(x.data, xs, w.data, ws, o, b.data);
    sc.tidy(() => {
      const nhwc = layout === 'NHWC';
      const y = sc.conv2dTranspose(t(nhwc ? toNHWC(x.data, xs) : x.data, nhwc ? nhwcShape(xs) : xs), t(w.data, ws), { ...o, layout, bias: t(b.data, b.shape) });
      expectClose(y, nhwc ? toNHWC(want.data, want.shape) : want.data, nhwc ? nhwcShape(want.shape) : want.shape, 'y', 1e-5, 1e-6);
      // Unbatched input: the same as a batch of one.
      if (xs[0] === 1 && !nhwc) expectClose(sc.conv2dTranspose(t(x.data, xs.slice(1)), t(w.data, ws), { ...o, bias: t(b.data, b.shape) }), want.data, want.shape.slice(1), 'unbatched');
    });
  });
});

describe('gradients by finite differences', () => {
  it.each(SHAPES.filter((_, i) => i % 2 === 0 || i === 9))('x $x w $w $o', ({ x: xs, w: ws, o }) => {
    const g = new Gen(11);
    const CO = ws[1]! * (o.groups ?? 1);
    const r = gradcheck({
      f: ([x, w, b]) => sc.conv2dTranspose(x!, w!, { ...o, bias: b }),
      ref: ([x, w, b]) => convTransposeRef(x!.data, x!.shape, w!.data, w!.shape, o, b!.data),
      inputs: [g.uniform(xs), g.uniform(ws), g.uniform([CO])],
      libStep: 0.25,
    });
    expect(r.failures).toEqual([]);
  });
});

describe('properties', () => {
  it('matches the reference for random geometries, both layouts', () => {
    const geo = fc.record({
      N: fc.integer({ min: 0, max: 2 }), G: fc.integer({ min: 1, max: 2 }), cig: fc.integer({ min: 1, max: 3 }), cog: fc.integer({ min: 1, max: 3 }),
      H: fc.integer({ min: 1, max: 5 }), W: fc.integer({ min: 1, max: 9 }), kh: fc.integer({ min: 1, max: 3 }), kw: fc.integer({ min: 1, max: 4 }),
      sh: fc.integer({ min: 1, max: 3 }), sw: fc.integer({ min: 1, max: 3 }), dh: fc.integer({ min: 1, max: 2 }), dw: fc.integer({ min: 1, max: 2 }),
      ph: fc.integer({ min: 0, max: 2 }), pw: fc.integer({ min: 0, max: 2 }), qh: fc.nat(2), qw: fc.nat(2), nhwc: fc.boolean(), seed: fc.nat(),
    });
    fc.assert(fc.property(geo, (p) => {
      const qh = p.qh % Math.max(p.sh, p.dh), qw = p.qw % Math.max(p.sw, p.dw);
      const o: Opts = { stride: [p.sh, p.sw], dilation: [p.dh, p.dw], padding: [p.ph, p.pw], outputPadding: [qh, qw], groups: p.G };
      const HO = (p.H - 1) * p.sh - 2 * p.ph + p.dh * (p.kh - 1) + qh + 1, WO = (p.W - 1) * p.sw - 2 * p.pw + p.dw * (p.kw - 1) + qw + 1;
      fc.pre(HO >= 1 && WO >= 1);
      const xs = [p.N, p.G * p.cig, p.H, p.W], ws = [p.G * p.cig, p.cog, p.kh, p.kw];
      const g = new Gen(p.seed);
      const x = g.uniform(xs), w = g.uniform(ws);
      const want = convTransposeRef(x.data, xs, w.data, ws, o);
      sc.tidy(() => {
        const xt = p.nhwc ? t(toNHWC(x.data, xs), nhwcShape(xs)) : t(x.data, xs);
        const y = sc.conv2dTranspose(xt, t(w.data, ws), { ...o, layout: p.nhwc ? 'NHWC' : 'NCHW' });
        expectClose(y, p.nhwc ? toNHWC(want.data, want.shape) : want.data, p.nhwc ? nhwcShape(want.shape) : want.shape, 'y');
      });
    }), { numRuns: 150, seed: 14 });
  });

  it('is the adjoint of conv2d: <conv2dTranspose(x, w), y> = <x, conv2d(y, w)>', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 0, max: 1 }), fc.integer({ min: 2, max: 6 }), fc.nat(), (s, k, p, n, seed) => {
      fc.pre((n - 1) * s - 2 * p + k >= 1);
      const g = new Gen(seed);
      const x = g.uniform([1, 2, n, n]), w = g.uniform([2, 3, k, k]);
      sc.tidy(() => {
        const up = sc.conv2dTranspose(t(x.data, x.shape), t(w.data, w.shape), { stride: s, padding: p });
        const y = sc.tensor(g.uniform(up.shape).data.map(Math.fround) as unknown as number[], up.shape);
        const down = sc.conv2d(y, t(w.data, w.shape), { stride: s, padding: p });
        if (down.shape[2] !== n) return; // a stride that drops the last row: not an exact adjoint pair
        const lhs = up.mul(y).sum().item(), rhs = down.mul(t(x.data, x.shape)).sum().item();
        expect(Math.abs(lhs - rhs)).toBeLessThanOrEqual(1e-4 * (1 + Math.abs(lhs)));
      });
    }), { numRuns: 60, seed: 3 });
  });
});

describe('nn.ConvTranspose2d', () => {
  it('has PyTorch\'s parameters, init bounds and state dict names', () => {
    const layer = new sc.nn.ConvTranspose2d({ inChannels: 6, outChannels: 4, kernelSize: [3, 2], groups: 2, seed: 5 });
    expect(layer.weight!.shape).toEqual([6, 2, 3, 2]);
    expect(layer.bias!.shape).toEqual([4]);
    expect(Object.keys(layer.stateDict())).toEqual(['weight', 'bias']);
    const bound = 1 / Math.sqrt(2 * 3 * 2); // fan_in = weight.size(1) · kh · kw
    const all = [...layer.weight!.data(), ...layer.bias!.data()];
    expect(Math.max(...all.map(Math.abs))).toBeLessThanOrEqual(bound);
    expect(Math.max(...all.map(Math.abs))).toBeGreaterThan(bound * 0.8);
    const again = new sc.nn.ConvTranspose2d({ inChannels: 6, outChannels: 4, kernelSize: [3, 2], groups: 2, seed: 5 });
    expect(again.weight!.toArray()).toEqual(layer.weight!.toArray());
    layer.dispose();
    again.dispose();
  });

  it('is lazy without inChannels, trains, and works in a Sequential', () => {
    const net = new sc.nn.Sequential(new sc.nn.ConvTranspose2d({ outChannels: 2, kernelSize: 2, stride: 2, seed: 1 }), new sc.nn.ReLU(),
      new sc.nn.ConvTranspose2d({ outChannels: 1, kernelSize: 3, padding: 1, bias: false, seed: 2 }));
    expect(net.hasLazyParameters).toBe(true);
    const x = sc.randn([2, 3, 4, 5], { seed: 3 });
    const y = net.forward(x);
    expect(y.shape).toEqual([2, 1, 8, 10]);
    expect(Object.keys(net.stateDict())).toEqual(['0.weight', '0.bias', '2.weight']);
    expect((net.at(0) as sc.nn.ConvTranspose2d).weight!.shape).toEqual([3, 2, 2, 2]);
    const opt = new sc.optim.SGD(net.parameters(), { lr: 0.1 });
    const loss = () => sc.tidy(() => {
      const l = net.forward(x).square().mean();
      l.backward();
      return l.item();
    });
    const first = loss();
    opt.step();
    opt.zeroGrad();
    expect(loss()).toBeLessThan(first);
    [x, y].forEach((v) => v.dispose());
    net.dispose();
  });

  it('NHWC layout', () => {
    const a = new sc.nn.ConvTranspose2d({ inChannels: 3, outChannels: 2, kernelSize: 3, stride: 2, seed: 4 });
    const b = new sc.nn.ConvTranspose2d({ inChannels: 3, outChannels: 2, kernelSize: 3, stride: 2, seed: 4, layout: 'NHWC' });
    const x = sc.randn([1, 3, 3, 4], { seed: 1 });
    sc.tidy(() => {
      const want = a.forward(x);
      expectClose(b.forward(x.transpose([0, 2, 3, 1]).clone()), toNHWC(want.data(), want.shape), nhwcShape(want.shape), 'NHWC');
    });
    [a, b, x].forEach((v) => v.dispose());
  });
});

describe('bad input', () => {
  const x = (): sc.Tensor => sc.ones([1, 2, 3, 3]);
  const w = (): sc.Tensor => sc.ones([2, 1, 3, 3]);
  it.each<[string, () => unknown, new (...a: never[]) => sc.SimdconvError, string | RegExp]>([
    ['outputPadding not below stride or dilation', () => sc.conv2dTranspose(x(), w(), { stride: 2, outputPadding: 2 }), sc.ArgumentError, 'outputPadding'],
    ['outputPadding with stride 1, dilation 1', () => sc.conv2dTranspose(x(), w(), { outputPadding: 1 }), sc.ArgumentError, 'outputPadding'],
    ['an empty output', () => sc.conv2dTranspose(x(), w(), { padding: 3 }), sc.ShapeError, 'padding'],
    ['weight rows != input channels', () => sc.conv2dTranspose(x(), sc.ones([3, 1, 3, 3])), sc.ShapeError, 'w'],
    ['a 3-D weight', () => sc.conv2dTranspose(x(), sc.ones([2, 3, 3])), sc.ShapeError, 'w'],
    ['groups not dividing Cin', () => sc.conv2dTranspose(x(), w(), { groups: 3 }), sc.ArgumentError, 'groups'],
    ['a 2-D input', () => sc.conv2dTranspose(sc.ones([3, 3]), w()), sc.ShapeError, 'x'],
    ['zero channels', () => sc.conv2dTranspose(sc.zeros([1, 0, 3, 3]), w()), sc.ShapeError, 'x'],
    ['string padding', () => sc.conv2dTranspose(x(), w(), { padding: 'same' as unknown as number }), sc.ArgumentError, 'padding'],
    ['negative stride', () => sc.conv2dTranspose(x(), w(), { stride: -1 }), sc.ArgumentError, 'stride'],
    ['an unknown option', () => sc.conv2dTranspose(x(), w(), { paddingMode: 'reflect' } as never), sc.ArgumentError, /paddingMode|options/],
    ['a bias of the wrong size', () => sc.conv2dTranspose(x(), w(), { bias: sc.ones([2]) }), sc.ShapeError, 'bias'],
    ['an out of the wrong shape', () => sc.conv2dTranspose(x(), w(), { out: sc.zeros([1, 1, 4, 4]) }), sc.ShapeError, 'out'],
    ['a bad layout', () => sc.conv2dTranspose(x(), w(), { layout: 'CHWN' as 'NCHW' }), sc.ArgumentError, 'layout'],
    ['layer: groups not dividing outChannels', () => new sc.nn.ConvTranspose2d({ outChannels: 3, kernelSize: 2, groups: 2 }), sc.ArgumentError, 'groups'],
    ['layer: no kernelSize', () => new sc.nn.ConvTranspose2d({ outChannels: 3 } as never), sc.ArgumentError, 'kernelSize'],
    ['layer: unknown option', () => new sc.nn.ConvTranspose2d({ outChannels: 3, kernelSize: 2, paddingMode: 'zeros' } as never), sc.ArgumentError, /paddingMode|options/],
    ['layer: wrong input channels', () => {
      const layer = new sc.nn.ConvTranspose2d({ inChannels: 3, outChannels: 3, kernelSize: 2, seed: 0 });
      try {
        return layer.forward(x());
      } finally {
        layer.dispose();
      }
    }, sc.ShapeError, 'x'],
  ])('%s', (_, fn, cls, argument) => {
    sc.tidy(() => expectError(fn, cls, { argument }));
  });

  it('an out tensor: written in place, and refused while recording', () => {
    sc.tidy(() => {
      const out = sc.zeros([1, 1, 5, 5]);
      expect(sc.conv2dTranspose(x(), w(), { out })).toBe(out);
      expect(out.sum().item()).toBe(2 * 81);
      expectError(() => sc.conv2dTranspose(sc.variable(x()), w(), { out }), sc.AutogradError, { argument: 'out' });
    });
  });
});
