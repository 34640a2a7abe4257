// conv2d's paddingMode ('zeros' | 'reflect' | 'replicate' | 'circular') and nn.Conv2d's: forward
// and gradients against PyTorch's nn.Conv2d(padding_mode=...) (test/fixtures/cnn.json) under both
// kernel variants and both layouts, against a float64 reference (pad by definition, then a valid
// convolution), finite-difference gradient checks (the border's gradient accumulates into the
// cells it was read from), a fast-check property, and PyTorch's restrictions as errors.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as sc from '../src/index.js';
import { setKernelVariant, type KernelVariant } from '../src/wasm/kernels.js';
import { Gen, gradcheck, type Arr64 } from './helpers/gradcheck.js';
import { conv2dRef, resolvePaddingRef, type PaddingSpec } from './reference/conv.js';
import { expectError } from './helpers/expect-error.js';
import { expectNoLeakedTensors } from './helpers/leaks.js';
import { expectTensorClose as expectClose } from './helpers/close.js';
import { pad2d } from '../src/ops/pad.js';

type Pair = number | [number, number];
type Mode = 'reflect' | 'replicate' | 'circular';
interface Case {
  name: string; opts: { stride: Pair; padding: Pair; dilation: Pair; groups: number; paddingMode: Mode };
  xShape: number[]; wShape: number[]; yShape: number[];
  x: number[]; w: number[]; b: number[]; dy: number[]; y: number[]; dx: number[]; dw: number[]; db: number[];
}
const fx = JSON.parse(readFileSync(new URL('./fixtures/cnn.json', import.meta.url), 'utf8')) as { conv2dPaddingMode: Case[] };

beforeAll(async () => {
  await sc.init();
});
afterAll(() => setKernelVariant('simd'));
expectNoLeakedTensors();

const t = (data: ArrayLike<number>, shape: number[]): sc.Tensor => sc.tensor(Float32Array.from(data), shape);
const nhwc = (d: ArrayLike<number>, [N, C, H, W]: number[]): [Float32Array, number[]] => {
  const out = new Float32Array(d.length);
  for (let n = 0; n < N!; n++) for (let c = 0; c < C!; c++) for (let i = 0; i < H! * W!; i++) out[(n * H! * W! + i) * C! + c] = d[(n * C! + c) * H! * W! + i]!;
  return [out, [N!, H!, W!, C!]];
};

/** The padded position t's source on an axis of n, by PyTorch's definitions. */
function src(tt: number, n: number, mode: Mode): number {
  if (tt >= 0 && tt < n) return tt;
  if (mode === 'reflect') return tt < 0 ? -tt : 2 * (n - 1) - tt;
  if (mode === 'replicate') return Math.min(Math.max(tt, 0), n - 1);
  return ((tt % n) + n) % n;
}

/** float64 x [N, C, H, W] padded [top, bottom, left, right] by mode. */
function padRef(x: Arr64, [pt, pb, pl, pr]: number[], mode: Mode): Arr64 {
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const HO = H + pt! + pb!, WO = W + pl! + pr!;
  const y = new Float64Array(N * C * HO * WO);
  for (let p = 0; p < N * C; p++) for (let i = 0; i < HO; i++) for (let j = 0; j < WO; j++) {
    y[(p * HO + i) * WO + j] = x.data[(p * H + src(i - pt!, H, mode)) * W + src(j - pl!, W, mode)]!;
  }
  return { data: y, shape: [N, C, HO, WO] };
}

interface RefOpts { stride?: Pair; padding?: PaddingSpec; dilation?: Pair; groups?: number }
function modeRef(x: Arr64, w: Arr64, b: Arr64 | null, o: RefOpts, mode: Mode): Arr64 {
  const [, , H, W] = x.shape as number[];
  const dil = o.dilation ?? 1, str = o.stride ?? 1;
  const [kh, kw] = [w.shape[2]!, w.shape[3]!];
  const [rows, cols] = resolvePaddingRef(o.padding, [H!, W!], [kh!, kw!], typeof str === 'number' ? [str, str] : str, typeof dil === 'number' ? [dil, dil] : dil);
  const xp = padRef(x, [rows.before, rows.after, cols.before, cols.after], mode);
  const r = conv2dRef(xp.data, xp.shape, w.data, w.shape, { stride: o.stride, dilation: o.dilation, groups: o.groups, bias: b?.data });
  return { data: r.data, shape: r.shape };
}

describe.each<KernelVariant>(['simd', 'scalar'])('PyTorch fixtures, %s kernels', (variant) => {
  beforeAll(() => setKernelVariant(variant));

  it.each(fx.conv2dPaddingMode)('conv2d $name', (c) => {
    sc.tidy(() => {
      const x = sc.variable(t(c.x, c.xShape)), w = sc.variable(t(c.w, c.wShape)), b = sc.variable(t(c.b, [c.b.length]));
      const y = sc.conv2d(x, w, { ...c.opts, bias: b });
      y.backward(t(c.dy, c.yShape));
      expectClose(y, c.y, c.yShape, 'y');
      expectClose(x.grad!, c.dx, c.xShape, 'dx');
      expectClose(w.grad!, c.dw, c.wShape, 'dw');
      expectClose(b.grad!, c.db, [c.db.length], 'db');
    });
  });

  it.each(fx.conv2dPaddingMode)('NHWC: conv2d $name', (c) => {
    sc.tidy(() => {
      const x = sc.variable(t(...nhwc(c.x, c.xShape))), w = sc.variable(t(c.w, c.wShape));
      const y = sc.conv2d(x, w, { ...c.opts, layout: 'NHWC', bias: t(c.b, [c.b.length]) });
      y.backward(t(...nhwc(c.dy, c.yShape)));
      expectClose(y, ...nhwc(c.y, c.yShape), 'y');
      expectClose(x.grad!, ...nhwc(c.dx, c.xShape), 'dx');
      expectClose(w.grad!, c.dw, c.wShape, 'dw');
    });
  });
});

it.each(fx.conv2dPaddingMode.filter((c) => c.xShape[0] === 1))('nn.Conv2d with paddingMode: $name', (c) => {
  const [co, , kh, kw] = c.wShape as [number, number, number, number];
  const { paddingMode, ...geo } = c.opts;
  const layer = new sc.nn.Conv2d({ outChannels: co, kernelSize: [kh, kw], ...geo, paddingMode });
  layer.loadStateDict({ weight: { shape: c.wShape, data: c.w }, bias: { shape: [co], data: c.b } });
  sc.tidy(() => expectClose(layer.forward(t(c.x, c.xShape)), c.y, c.yShape, 'y'));
  layer.dispose();
});

// Widths 1..3, 4, 5..7, 8, 9+ and the dispatch paths (direct depthwise, implicit GEMM, NHWC).
const SHAPES: { x: number[]; w: number[]; o: RefOpts }[] = [
  { x: [1, 1, 2, 1], w: [1, 1, 1, 1], o: { padding: [1, 0] } },
  { x: [1, 1, 2, 2], w: [1, 1, 3, 3], o: { padding: 1 } },
  { x: [2, 1, 3, 3], w: [2, 1, 3, 3], o: { padding: 'same' } },
  { x: [1, 2, 4, 4], w: [2, 1, 3, 3], o: { padding: 1, groups: 2 } },
  { x: [1, 3, 5, 5], w: [3, 1, 5, 5], o: { padding: 2, groups: 3 } },
  { x: [1, 2, 3, 6], w: [3, 2, 3, 2], o: { padding: [[2, 0], [0, 1]] } },
  { x: [1, 2, 5, 7], w: [2, 2, 3, 3], o: { padding: 2, dilation: 2 } },
  { x: [2, 3, 6, 9], w: [4, 3, 3, 3], o: { padding: 1, stride: 2 } },
  { x: [1, 4, 4, 13], w: [2, 4, 2, 4], o: { padding: 'same' } },
];

describe('against the float64 reference and by finite differences', () => {
  for (const mode of ['reflect', 'replicate', 'circular'] as const) {
    it.each(SHAPES)(`${mode}: x $x w $w $o`, ({ x: xs, w: ws, o }) => {
      const g = new Gen(xs.length + ws[0]! * 7);
      const r = gradcheck({
        f: ([x, w, b]) => sc.conv2d(x!, w!, { ...o, bias: b, paddingMode: mode }),
        ref: ([x, w, b]) => modeRef(x!, w!, b!, o, mode),
        inputs: [g.uniform(xs), g.uniform(ws), g.uniform([ws[0]!])],
        libStep: 0.25,
      });
      expect(r.failures).toEqual([]);
    });
  }
});

// pad2d itself (the op conv2d runs for a border mode): forward exactly the definition, the
// backward the float64 adjoint, for cells of E = 1 (NCHW) and E = 3, 4, 5 (NHWC channels), widths
// reaching every SIMD tail of the copy and add kernels, both twins (bit for bit the same).
describe('pad2d', () => {
  const cases: [Mode, number, number, number, [number, number, number, number]][] = [];
  for (const mode of ['reflect', 'replicate', 'circular'] as const) {
    for (const [H, W] of [[1, 1], [2, 3], [3, 4], [4, 5], [5, 7], [3, 8], [2, 9], [4, 13]] as const) {
      for (const E of [1, 3, 4, 5]) {
        const lim = (n: number, q: number): number => (mode === 'reflect' ? Math.min(q, n - 1) : mode === 'circular' ? Math.min(q, n) : q);
        cases.push([mode, H, W, E, [lim(H, 1), lim(H, 2), lim(W, 3), lim(W, 1)]]);
      }
    }
  }
  it.each(cases)('%s H %i W %i E %i pads %j', (mode, H, W, E, pads) => {
    const nhwcLayout = E > 1, P = 2;
    const xShape = nhwcLayout ? [P, H, W, E] : [P, 1, H, W];
    const [PT, PB, PL, PR] = pads, HO = H + PT + PB, WO = W + PL + PR;
    const g = new Gen(H * 100 + W * 10 + E);
    const x = g.uniform(xShape), dy = g.uniform(nhwcLayout ? [P, HO, WO, E] : [P, 1, HO, WO]);
    const want = new Float64Array(HO * WO * P * E), dxWant = new Float64Array(x.data.length);
    for (let p = 0; p < P; p++) for (let i = 0; i < HO; i++) for (let j = 0; j < WO; j++) for (let e = 0; e < E; e++) {
      const yi = ((p * HO + i) * WO + j) * E + e, xi = ((p * H + src(i - PT, H, mode)) * W + src(j - PL, W, mode)) * E + e;
      want[yi] = x.data[xi]!;
      dxWant[xi]! += dy.data[yi]!;
    }
    const grads = (['simd', 'scalar'] as const).map((v) => {
      setKernelVariant(v);
      return sc.tidy(() => {
        const xv = sc.variable(t(x.data, xShape));
        const y = pad2d('test', xv, pads, mode, nhwcLayout);
        expect(Array.from(y.data())).toEqual(Array.from(want, Math.fround));
        y.backward(t(dy.data, y.shape as number[]));
        expectClose(xv.grad!, dxWant, xShape, 'dx');
        return xv.grad!.data();
      });
    });
    setKernelVariant('simd');
    expect(grads[0]).toEqual(grads[1]);
  });
});

describe('properties', () => {
  it('every mode matches the reference for random geometries, both layouts', () => {
    const arb = fc.record({
      mode: fc.constantFrom<Mode>('reflect', 'replicate', 'circular'), N: fc.integer({ min: 0, max: 2 }), C: fc.integer({ min: 1, max: 3 }),
      H: fc.integer({ min: 1, max: 6 }), W: fc.integer({ min: 1, max: 10 }), k: fc.integer({ min: 1, max: 3 }),
      pads: fc.tuple(fc.nat(3), fc.nat(3), fc.nat(3), fc.nat(3)), s: fc.integer({ min: 1, max: 2 }), layout: fc.constantFrom('NCHW', 'NHWC'), seed: fc.nat(),
    });
    fc.assert(fc.property(arb, (p) => {
      const lim = (n: number, q: number): number => (p.mode === 'reflect' ? Math.min(q, n - 1) : p.mode === 'circular' ? Math.min(q, n) : q);
      const pads = [lim(p.H, p.pads[0]), lim(p.H, p.pads[1]), lim(p.W, p.pads[2]), lim(p.W, p.pads[3])];
      fc.pre(p.H + pads[0]! + pads[1]! >= p.k && p.W + pads[2]! + pads[3]! >= p.k);
      const g = new Gen(p.seed);
      const x = g.uniform([p.N, p.C, p.H, p.W]), w = g.uniform([2, p.C, p.k, p.k]);
      const o: RefOpts = { padding: [[pads[0]!, pads[1]!], [pads[2]!, pads[3]!]], stride: p.s };
      const want = modeRef(x, w, null, o, p.mode);
      sc.tidy(() => {
        const isNhwc = p.layout === 'NHWC';
        const xt = isNhwc ? t(...nhwc(x.data, x.shape)) : t(x.data, x.shape);
        const y = sc.conv2d(xt, t(w.data, w.shape), { ...o, paddingMode: p.mode, layout: p.layout } as sc.Conv2dOptions);
        if (isNhwc) expectClose(y, ...nhwc(want.data, want.shape), 'y');
        else expectClose(y, want.data, want.shape, 'y');
      });
    }), { numRuns: 200, seed: 14 });
  });

  it("'zeros' (and any mode without padding) is the plain convolution", () => {
    sc.tidy(() => {
      const x = sc.randn([1, 2, 5, 6], { seed: 1 }), w = sc.randn([3, 2, 3, 3], { seed: 2 });
      const plain = sc.conv2d(x, w, { padding: 1 }).data();
      expect(sc.conv2d(x, w, { padding: 1, paddingMode: 'zeros' }).data()).toEqual(plain);
      expect(sc.conv2d(x, w, { paddingMode: 'reflect' }).data()).toEqual(sc.conv2d(x, w).data());
    });
  });

  it("writes into 'out', and frees its padded copy", () => {
    sc.tidy(() => {
      const x = sc.randn([1, 2, 5, 6], { seed: 1 }), w = sc.randn([3, 2, 3, 3], { seed: 2 });
      const out = sc.zeros([1, 3, 5, 6]);
      const before = sc.memory().tensors;
      expect(sc.conv2d(x, w, { padding: 1, paddingMode: 'circular', out })).toBe(out);
      expect(sc.memory().tensors).toBe(before);
      expect(out.data()).toEqual(sc.conv2d(x, w, { padding: 1, paddingMode: 'circular' }).data());
    });
  });
});

describe('bad input (PyTorch\'s restrictions)', () => {
  const x = (): sc.Tensor => sc.ones([1, 1, 3, 4]);
  const w = (): sc.Tensor => sc.ones([1, 1, 3, 3]);
  it.each<[string, () => unknown, new (...a: never[]) => sc.SimdconvError, string | RegExp]>([
    ['reflect: pad = height', () => sc.conv2d(x(), w(), { padding: [3, 1], paddingMode: 'reflect' }), sc.ArgumentError, 'padding'],
    ['reflect: pad = width (one side)', () => sc.conv2d(x(), w(), { padding: [[0, 0], [0, 4]], paddingMode: 'reflect' }), sc.ArgumentError, 'padding'],
    ["reflect: 'same' on a 1-pixel axis", () => sc.conv2d(sc.ones([1, 1, 1, 4]), w(), { padding: 'same', paddingMode: 'reflect' }), sc.ArgumentError, 'padding'],
    ['circular: pad > height', () => sc.conv2d(x(), w(), { padding: [4, 0], paddingMode: 'circular' }), sc.ArgumentError, 'padding'],
    ['an unknown mode', () => sc.conv2d(x(), w(), { padding: 1, paddingMode: 'constant' as 'zeros' }), sc.ArgumentError, 'paddingMode'],
    ['the gradient ops take zero padding only', () => sc.conv2dGradInput(sc.ones([1, 1, 3, 4]), w(), [1, 1, 3, 4], { padding: 1, paddingMode: 'reflect' } as sc.ConvGeometryOptions), sc.ArgumentError, 'paddingMode'],
    ['nn.Conv2d: an unknown mode', () => new sc.nn.Conv2d({ outChannels: 1, kernelSize: 3, paddingMode: 'mirror' as 'zeros' }), sc.ArgumentError, 'paddingMode'],
    ['an out of the wrong shape', () => sc.conv2d(x(), w(), { padding: 1, paddingMode: 'reflect', out: sc.zeros([1, 1, 3, 3]) }), sc.ShapeError, 'out'],
  ])('%s', (_, fn, cls, argument) => {
    sc.tidy(() => expectError(fn, cls, { argument }));
  });

  it('replicate and circular accept pads PyTorch accepts (replicate: any size; circular: up to the axis)', () => {
    sc.tidy(() => {
      expect(sc.conv2d(x(), w(), { padding: [5, 7], paddingMode: 'replicate' }).shape).toEqual([1, 1, 11, 16]);
      expect(sc.conv2d(x(), w(), { padding: [3, 4], paddingMode: 'circular' }).shape).toEqual([1, 1, 7, 10]);
    });
  });
});
