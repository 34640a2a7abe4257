// Layouts that cannot be confused (issue 15, item 7): conv2d's `weightLayout: 'OIHW' | 'HWIO'`
// over both activation layouts, against the float64 reference and against the OIHW results
// (bitwise: an HWIO weight runs the same kernels), gradients through HWIO (autograd, finite
// differences, conv2dGradInput / conv2dGradWeight), nn.Conv2d storing its weight in either layout,
// PyTorch's positional bias, and the bad-input catalogue of these options.
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import * as sc from '../src/index.js';
import { conv2dGradInputRef, conv2dGradWeightRef, conv2dRef, type ConvRefOptions } from './reference/conv.js';
import { RTOL } from './helpers/conv-refs.js';
import { Gen, gradcheck, type Arr64 } from './helpers/gradcheck.js';
import { expectError } from './helpers/expect-error.js';
import { randArray } from './helpers/random.js';
import { geometry } from '../src/ops/conv-options.js';
import { kernelWeight, packedWeightNHWC } from '../src/ops/conv-forward.js';

beforeAll(async () => {
  await sc.init();
});
afterEach(() => {
  vi.restoreAllMocks();
});

/** OIHW [CO, CG, KH, KW] data as HWIO [KH, KW, CG, CO]. */
function toHWIO(w: ArrayLike<number>, [CO, CG, KH, KW]: readonly number[]): Float32Array {
  const out = new Float32Array(CO * CG * KH * KW);
  for (let o = 0; o < CO; o++) for (let c = 0; c < CG; c++) for (let a = 0; a < KH; a++) for (let b = 0; b < KW; b++) {
    out[((a * KW + b) * CG + c) * CO + o] = w[((o * CG + c) * KH + a) * KW + b]!;
  }
  return out;
}
/** HWIO [KH, KW, CG, CO] data as OIHW [CO, CG, KH, KW]. */
function toOIHW(w: ArrayLike<number>, [KH, KW, CG, CO]: readonly number[]): Float64Array {
  const out = new Float64Array(CO * CG * KH * KW);
  for (let o = 0; o < CO; o++) for (let c = 0; c < CG; c++) for (let a = 0; a < KH; a++) for (let b = 0; b < KW; b++) {
    out[((o * CG + c) * KH + a) * KW + b] = w[((a * KW + b) * CG + c) * CO + o]!;
  }
  return out;
}
const hwioShape = ([CO, CG, KH, KW]: readonly number[]) => [KH!, KW!, CG!, CO!];

/** got ≈ the float64 reference within RTOL · Σ|terms| per element. */
function expectNearRef(got: Float32Array, want: ArrayLike<number>, mag: ArrayLike<number>, ctx: string): void {
  const bad: string[] = [];
  for (let i = 0; i < want.length && bad.length < 5; i++) {
    if (!(Math.abs(got[i]! - want[i]!) <= RTOL * mag[i]! + 1e-30)) bad.push(`[${i}] got ${got[i]} want ${want[i]}`);
  }
  expect(bad, ctx).toEqual([]);
}

interface Case {
  name: string;
  /** [N, C, H, W] (N 0: unbatched, 3-D). */
  x: [number, number, number, number];
  /** OIHW weight shape [CO, C/groups, KH, KW]. */
  w: [number, number, number, number];
  opts: Omit<sc.Conv2dOptions, 'bias' | 'layout' | 'weightLayout' | 'out'>;
  bias?: boolean;
}

// Channel counts reach the SIMD tails (1..3, 4, 5..7, 8+ per group), and the cases reach every
// dispatch path: NCHW implicit GEMM, direct per-channel (depthwise, stride 1), the stride-1
// implicit-GEMM input gradient (8+ channels per group, 'same'), GEMM + col2im, NHWC im2col + GEMM.
const CASES: Case[] = [
  { name: 'the lesson: 1 channel, 1x2', x: [1, 1, 6, 8], w: [1, 1, 1, 2], opts: {} },
  { name: 'RGB 3x3 -> 4, same, bias', x: [2, 3, 7, 6], w: [4, 3, 3, 3], opts: { padding: 'same' }, bias: true },
  { name: '5 -> 7, 3x2, stride 2, dilation [1, 2]', x: [1, 5, 9, 10], w: [7, 5, 3, 2], opts: { stride: 2, dilation: [1, 2], padding: [1, 2] } },
  { name: '2 -> 1, 2x3, convolution mode', x: [2, 2, 5, 6], w: [1, 2, 2, 3], opts: { mode: 'convolution', padding: 1 }, bias: true },
  { name: 'groups 2: 6 -> 10, 3x3', x: [1, 6, 6, 6], w: [10, 3, 3, 3], opts: { groups: 2, padding: [[1, 0], [0, 2]] }, bias: true },
  { name: 'depthwise 4 channels, 3x3 (direct path)', x: [2, 4, 7, 5], w: [4, 1, 3, 3], opts: { groups: 4, padding: 1 } },
  { name: 'depthwise, convolution mode', x: [1, 3, 6, 6], w: [3, 1, 2, 3], opts: { groups: 3, mode: 'convolution' } },
  { name: '9 -> 9, 3x3 same, stride 1 (implicit-GEMM input gradient)', x: [1, 9, 6, 7], w: [9, 9, 3, 3], opts: { padding: 'same' } },
  { name: '16 -> 8 in groups of 8, 3x3 same, convolution', x: [1, 16, 5, 5], w: [8, 8, 3, 3], opts: { groups: 2, padding: 'same', mode: 'convolution' } },
  { name: 'unbatched 3-D input, 3 -> 5, 1x1', x: [0, 3, 4, 5], w: [5, 3, 1, 1], opts: {}, bias: true },
];

/** The input's shape in a layout (3-D when N is 0). */
function xShapeOf(c: Case, layout: 'NCHW' | 'NHWC'): number[] {
  const [N, C, H, W] = c.x;
  const s = layout === 'NHWC' ? [N, H, W, C] : [N, C, H, W];
  return N === 0 ? s.slice(1) : s;
}

describe('conv2d with weightLayout, both activation layouts', () => {
  for (const c of CASES) {
    for (const layout of ['NCHW', 'NHWC'] as const) {
      it(`${c.name}, ${layout}: HWIO gives the OIHW result bitwise, the float64 reference, and gradients in HWIO`, () => {
        const before = sc.memory().tensors;
        const xShape = xShapeOf(c, layout);
        const xData = randArray(xShape.reduce((a, d) => a * d, 1), 1);
        const wData = randArray(c.w.reduce((a, d) => a * d, 1), 2);
        const bData = c.bias ? randArray(c.w[0], 3) : undefined;
        const run = (weightLayout: 'OIHW' | 'HWIO' | undefined) => sc.tidy(() => {
          const x = sc.variable(xData, xShape);
          const w = sc.variable(weightLayout === 'HWIO' ? toHWIO(wData, c.w) : wData, weightLayout === 'HWIO' ? hwioShape(c.w) : c.w);
          const b = bData ? sc.variable(bData) : null;
          const y = b ? sc.conv2d(x, w, b, { ...c.opts, layout, weightLayout }) : sc.conv2d(x, w, { ...c.opts, layout, weightLayout });
          const R = sc.tensor(randArray(y.size, 4), y.shape);
          y.mul(R).sum().backward();
          return { y: y.data(), shape: y.shape, R: R.data(), dx: x.grad!.data(), dw: w.grad!.data(), dwShape: w.grad!.shape, db: b?.grad!.data() };
        });
        const oihw = run(undefined);
        const named = run('OIHW');
        const hwio = run('HWIO');
        expect(named).toEqual(oihw);
        expect(hwio.shape).toEqual(oihw.shape);
        expect(hwio.y).toEqual(oihw.y);
        expect(hwio.dx).toEqual(oihw.dx);
        expect(hwio.dwShape).toEqual(hwioShape(c.w));
        expect(hwio.dw).toEqual(toHWIO(oihw.dw, c.w));
        expect(hwio.db).toEqual(oihw.db);
        // float64 reference (OIHW weights)
        const ro: ConvRefOptions = { ...c.opts, layout, bias: bData };
        const yRef = conv2dRef(xData, xShape, wData, c.w, ro);
        expect(hwio.shape).toEqual(yRef.shape);
        expectNearRef(hwio.y, yRef.data, yRef.mag, 'forward');
        const dxRef = conv2dGradInputRef(hwio.R, wData, c.w, xShape, ro);
        expectNearRef(hwio.dx, dxRef.data, dxRef.mag, 'dx');
        const dwRef = conv2dGradWeightRef(xData, xShape, hwio.R, c.w, ro);
        expectNearRef(hwio.dw, toHWIO(dwRef.data, c.w), toHWIO(dwRef.mag, c.w), 'dw (HWIO)');
        expect(sc.memory().tensors).toBe(before);
      });
    }
  }

  it('conv2dGradInput / conv2dGradWeight take weightLayout: the OIHW results (dw transposed to HWIO), out of the HWIO shape', () => {
    for (const layout of ['NCHW', 'NHWC'] as const) {
      const c = CASES[4]!; // groups 2
      const xShape = xShapeOf(c, layout);
      const x = sc.tensor(randArray(xShape.reduce((a, d) => a * d, 1), 5), xShape);
      const w = sc.tensor(randArray(c.w.reduce((a, d) => a * d, 1), 6), c.w);
      const wh = sc.tensor(toHWIO(w.data(), c.w), hwioShape(c.w));
      const opts = { ...c.opts, layout };
      const y = sc.conv2d(x, w, opts);
      const dy = sc.tensor(randArray(y.size, 7), y.shape);
      const dx = sc.conv2dGradInput(dy, w, xShape, opts), dxh = sc.conv2dGradInput(dy, wh, xShape, { ...opts, weightLayout: 'HWIO' });
      expect(dxh.data()).toEqual(dx.data());
      const dw = sc.conv2dGradWeight(x, dy, c.w, opts), dwh = sc.conv2dGradWeight(x, dy, hwioShape(c.w), { ...opts, weightLayout: 'HWIO' });
      expect(dwh.shape).toEqual(hwioShape(c.w));
      expect(dwh.data()).toEqual(toHWIO(dw.data(), c.w));
      const out = sc.zeros(hwioShape(c.w));
      expect(sc.conv2dGradWeight(x, dy, hwioShape(c.w), { ...opts, weightLayout: 'HWIO', out })).toBe(out);
      expect(out.data()).toEqual(dwh.data());
      for (const t of [x, w, wh, y, dy, dx, dxh, dw, dwh, out]) t.dispose();
    }
  });

  it('the NHWC GEMM reads an HWIO weight of one group in place (no repack); other cases pack into scratch', () => {
    const w = sc.ones([3, 3, 4, 8]);
    const at = w.ptr('test', 'w');
    const geo = (xShape: number[], wShape: number[], o: sc.Conv2dOptions) => geometry('test', xShape, wShape, o);
    expect(packedWeightNHWC('test', geo([1, 6, 6, 4], [3, 3, 4, 8], { layout: 'NHWC', weightLayout: 'HWIO' }), at)).toBe(at);
    expect(packedWeightNHWC('test', geo([1, 6, 6, 4], [3, 3, 4, 8], { layout: 'NHWC', weightLayout: 'HWIO', mode: 'convolution' }), at)).not.toBe(at);
    expect(packedWeightNHWC('test', geo([1, 6, 6, 8], [3, 3, 4, 8], { layout: 'NHWC', weightLayout: 'HWIO', groups: 2 }), at)).not.toBe(at);
    expect(packedWeightNHWC('test', geo([1, 6, 6, 3], [8, 3, 3, 4], { layout: 'NHWC' }), at)).not.toBe(at);
    // NCHW kernels read OIHW: an HWIO weight is transposed into scratch, an OIHW one read as is.
    expect(kernelWeight('test', geo([1, 4, 6, 6], [3, 3, 4, 8], { weightLayout: 'HWIO' }), at)).not.toBe(at);
    expect(kernelWeight('test', geo([1, 4, 6, 6], [8, 4, 3, 3], {}), at)).toBe(at);
    expect(kernelWeight('test', geo([1, 6, 6, 4], [3, 3, 4, 8], { layout: 'NHWC', weightLayout: 'HWIO' }), at)).toBe(at);
    w.dispose();
  });
});

describe('gradients through an HWIO weight (finite differences)', () => {
  for (const layout of ['NCHW', 'NHWC'] as const) {
    it(`${layout}: x, HWIO w and a positional bias against float64 finite differences`, () => {
      const before = sc.memory().tensors;
      const g = new Gen(41);
      const C = 3, CO = 5, KH = 2, KW = 3;
      const xShape = layout === 'NHWC' ? [2, 5, 6, C] : [2, C, 5, 6];
      const opts = { layout, padding: [1, 0] as [number, number], stride: [1, 2] as [number, number] };
      const report = gradcheck({
        f: ([x, w, b]) => sc.conv2d(x!, w!, b!, { ...opts, weightLayout: 'HWIO' }),
        ref: ([x, w, b]) => {
          const r = conv2dRef(x!.data, x!.shape, toOIHW(w!.data, w!.shape), [CO, C, KH, KW], { ...opts, bias: b!.data });
          return { data: r.data, shape: r.shape } satisfies Arr64;
        },
        inputs: [g.uniform(xShape), g.uniform([KH, KW, C, CO]), g.uniform([CO])],
        libStep: 1e-2,
      });
      expect(report.failures).toEqual([]);
      expect(report.checked).toBeGreaterThan(0);
      expect(sc.memory().tensors).toBe(before);
    });
  }
});

describe('positional bias, like PyTorch', () => {
  it('conv2d(x, w, b), conv2d(x, w, b, options), conv2d(x, w, null | undefined, options) and conv2d(x, w, options) agree', () => {
    const x = sc.randn([1, 3, 5, 5], { seed: 1 }), w = sc.randn([4, 3, 3, 3], { seed: 2 }), b = sc.randn([4], { seed: 3 });
    const ref = sc.conv2d(x, w, { bias: b }).data();
    expect(sc.conv2d(x, w, b).data()).toEqual(ref);
    expect(sc.conv2d(x, w, b, { padding: 1 }).data()).toEqual(sc.conv2d(x, w, { bias: b, padding: 1 }).data());
    expect(sc.conv2d(x, w, null, { padding: 1 }).data()).toEqual(sc.conv2d(x, w, { padding: 1 }).data());
    expect(sc.conv2d(x, w, undefined, { padding: 1 }).data()).toEqual(sc.conv2d(x, w, { padding: 1 }).data());
    expect(sc.conv2d(x, w, null).data()).toEqual(sc.conv2d(x, w).data());
    for (const t of [x, w, b]) t.dispose();
  });

  it('a positional bias gets its gradient', () => {
    const x = sc.randn([2, 2, 4, 4], { seed: 4 }), w = sc.randn([3, 2, 2, 2], { seed: 5 }), b = sc.variable([0, 0, 0]);
    sc.conv2d(x, w, b).sum().backward();
    expect(b.grad!.toArray()).toEqual([2 * 9, 2 * 9, 2 * 9]);
    for (const t of [x, w, b]) t.dispose();
  });
});

describe('nn.Conv2d with weightLayout', () => {
  it('stores, reports and saves an HWIO weight: the OIHW layer of the same seed, transposed, with the same outputs and gradients', () => {
    const mk = (weightLayout?: 'OIHW' | 'HWIO') => new sc.nn.Conv2d({ inChannels: 3, outChannels: 4, kernelSize: [3, 2], padding: 'same', layout: 'NHWC', weightLayout, seed: 7 });
    const o = mk(), h = mk('HWIO');
    expect(o.weightLayout).toBe('OIHW');
    expect(h.weightLayout).toBe('HWIO');
    expect(o.weight.shape).toEqual([4, 3, 3, 2]);
    expect(h.weight.shape).toEqual([3, 2, 3, 4]);
    expect(h.weight.data()).toEqual(toHWIO(o.weight.data(), [4, 3, 3, 2]));
    expect(h.bias!.data()).toEqual(o.bias!.data());
    const x = sc.randn([2, 5, 6, 3], { seed: 8 });
    const yo = o.forward(x), yh = h.forward(x);
    expect(yh.data()).toEqual(yo.data());
    yo.sum().backward();
    yh.sum().backward();
    expect(h.weight.grad!.shape).toEqual([3, 2, 3, 4]);
    expect(h.weight.grad!.data()).toEqual(toHWIO(o.weight.grad!.data(), [4, 3, 3, 2]));
    const state = h.stateDict();
    expect(state['weight']!.shape).toEqual([3, 2, 3, 4]);
    // Loading an OIHW layer's state into an HWIO layer is refused (the shapes differ) ...
    expectError(() => h.loadStateDict(o.stateDict()), sc.ShapeError, { op: 'loadStateDict', argument: 'weight' });
    // ... an HWIO state loads, also into a lazy HWIO layer, which learns its in-channels from it.
    const lazy = new sc.nn.Conv2d({ outChannels: 4, kernelSize: [3, 2], padding: 'same', layout: 'NHWC', weightLayout: 'HWIO' });
    lazy.loadStateDict(JSON.parse(JSON.stringify(h.stateDict({ json: true }))));
    expect(lazy.inChannels).toBe(3);
    expect(lazy.forward(x).data()).toEqual(yh.data());
    for (const m of [o, h, lazy]) m.dispose();
    for (const t of [x, yo, yh]) t.dispose();
  });

  it('a lazy HWIO layer makes its weight at the first forward; an NCHW HWIO layer works too; training steps it', () => {
    const lazy = new sc.nn.Conv2d({ outChannels: 2, kernelSize: 3, weightLayout: 'HWIO', seed: 1 });
    const x = sc.randn([1, 5, 6, 6], { seed: 2 });
    const y = lazy.forward(x);
    expect(lazy.weight.shape).toEqual([3, 3, 5, 2]);
    expect(lazy.inChannels).toBe(5);
    const ref = new sc.nn.Conv2d({ inChannels: 5, outChannels: 2, kernelSize: 3, seed: 1 });
    expect(y.data()).toEqual(ref.forward(x).data());
    const opt = new sc.optim.SGD(lazy, { lr: 0.1 });
    const before = lazy.weight.data();
    sc.tidy(() => lazy.forward(x).square().sum().backward());
    opt.step();
    expect(lazy.weight.data()).not.toEqual(before);
    opt.dispose();
    for (const m of [lazy, ref]) m.dispose();
    for (const t of [x, y]) t.dispose();
  });
});

describe('bad input: layouts that cannot be confused', () => {
  type Case = [string, () => unknown, abstract new (...a: never[]) => sc.SimdconvError, { argument?: string; message?: RegExp }];
  const t = {
    nhwc: () => sc.ones([1, 8, 8, 4]), nchw: () => sc.ones([1, 4, 8, 8]),
    hwio: () => sc.ones([3, 3, 4, 16]), oihw: () => sc.ones([16, 4, 3, 3]), b16: () => sc.zeros([16]),
  };
  const cases: Case[] = [
    ['an NHWC input with an HWIO weight and no weightLayout', () => sc.conv2d(t.nhwc(), t.hwio(), { layout: 'NHWC' }), sc.ShapeError,
      { argument: 'w', message: /must be OIHW \[Cout, 4, kh, kw\] \(the default weightLayout\), got shape \[3, 3, 4, 16\], which fits HWIO: pass \{ weightLayout: 'HWIO' \}/ }],
    ['an NCHW input with an HWIO weight and no weightLayout', () => sc.conv2d(t.nchw(), t.hwio()), sc.ShapeError, { argument: 'w', message: /weightLayout: 'HWIO'/ }],
    ['an OIHW weight with weightLayout HWIO', () => sc.conv2d(t.nhwc(), t.oihw(), { layout: 'NHWC', weightLayout: 'HWIO' }), sc.ShapeError,
      { argument: 'w', message: /must be HWIO \[kh, kw, 4, Cout\], got shape \[16, 4, 3, 3\], which fits OIHW: pass \{ weightLayout: 'OIHW' \}/ }],
    ['an HWIO weight whose OIHW reading fits the channels but not the input size', () => sc.conv2d(sc.ones([1, 8, 8, 3]), sc.ones([3, 3, 3, 16]), { layout: 'NHWC' }),
      sc.ShapeError, { argument: 'w', message: /pass \{ weightLayout: 'HWIO' \}/ }],
    ['conv2dGradInput with an HWIO weight and no weightLayout', () => sc.conv2dGradInput(sc.ones([1, 6, 6, 16]), t.hwio(), [1, 8, 8, 4], { layout: 'NHWC' }),
      sc.ShapeError, { argument: 'w', message: /weightLayout: 'HWIO'/ }],
    ['conv2dGradWeight with an HWIO wShape and no weightLayout', () => sc.conv2dGradWeight(t.nhwc(), sc.ones([1, 6, 6, 16]), [3, 3, 4, 16], { layout: 'NHWC' }),
      sc.ShapeError, { argument: 'wShape', message: /argument 'wShape' must be OIHW .*\[3, 3, 4, 16\].*weightLayout: 'HWIO'/ }],
    ['conv2dGradWeight out in OIHW for an HWIO weight', () => sc.conv2dGradWeight(t.nhwc(), sc.ones([1, 6, 6, 16]), [3, 3, 4, 16], { layout: 'NHWC', weightLayout: 'HWIO', out: t.oihw() }),
      sc.ShapeError, { argument: 'out', message: /\[3, 3, 4, 16\]/ }],
    ['a weight fitting neither layout', () => sc.conv2d(t.nchw(), sc.ones([16, 5, 3, 3])), sc.ShapeError, { argument: 'w', message: /4 input channels per group/ }],
    ['a 3-D HWIO weight', () => sc.conv2d(t.nhwc(), sc.ones([3, 3, 4]), { layout: 'NHWC', weightLayout: 'HWIO' }), sc.ShapeError, { argument: 'w', message: /a 4-D weight \[kh, kw, Cin\/groups, Cout\]/ }],
    ['a positional bias of the wrong shape', () => sc.conv2d(t.nchw(), t.oihw(), sc.zeros([4])), sc.ShapeError, { argument: 'bias', message: /\[16\]/ }],
    ['a positional 2-D bias', () => sc.conv2d(t.nchw(), t.oihw(), sc.zeros([16, 1]), { padding: 1 }), sc.ShapeError, { argument: 'bias' }],
    ['a disposed positional bias', () => { const b = t.b16(); b.dispose(); return sc.conv2d(t.nchw(), t.oihw(), b); }, sc.DisposedTensorError, { argument: 'bias' }],
    ['a bias given twice', () => sc.conv2d(t.nchw(), t.oihw(), t.b16(), { bias: t.b16() } as never), sc.ArgumentError, { argument: 'bias', message: /given once/ }],
    ['a fourth argument after an options object', () => sc.conv2d(t.nchw(), t.oihw(), { padding: 1 } as never, { stride: 1 }), sc.ArgumentError, { argument: 'options' }],
    ['a number as the third argument', () => sc.conv2d(t.nchw(), t.oihw(), 3 as never), sc.ArgumentError, { argument: 'options' }],
    ['nn.Conv2d weightLayout junk', () => new sc.nn.Conv2d({ outChannels: 2, kernelSize: 3, weightLayout: 'hwio' as never }), sc.ArgumentError, { argument: 'weightLayout' }],
  ];
  // (null, like undefined, means the default, as for layout)
  for (const junk of ['hwio', 'IOHW', 'NHWC', '', 1, {}, ['HWIO']]) {
    cases.push([`weightLayout ${JSON.stringify(junk)}`, () => sc.conv2d(t.nchw(), t.oihw(), { weightLayout: junk as never }), sc.ArgumentError,
      { argument: 'weightLayout', message: /must be 'OIHW' or 'HWIO'/ }]);
    cases.push([`conv2dGradWeight weightLayout ${JSON.stringify(junk)}`, () => sc.conv2dGradWeight(t.nchw(), sc.ones([1, 16, 6, 6]), [16, 4, 3, 3], { weightLayout: junk as never }),
      sc.ArgumentError, { argument: 'weightLayout' }]);
  }

  it.each(cases)('%s', (_name, call, cls, { argument, message }) => {
    const before = sc.memory().tensors;
    const e = sc.tidy(() => expectError(call, cls as never, argument ? { argument } : {}));
    if (message) expect(e.message).toMatch(message);
    expect(sc.memory().tensors).toBe(before);
  });

  it('a weight that fits both layouts is read as OIHW unless weightLayout says otherwise ([3, 3, 3, 32] on 3 channels)', () => {
    sc.tidy(() => {
      const x = sc.ones([1, 40, 40, 3]), w = sc.ones([3, 3, 3, 32]);
      expect(sc.conv2d(x, w, { layout: 'NHWC' }).shape).toEqual([1, 38, 9, 3]); // OIHW: 3 out, a 3x32 kernel
      expect(sc.conv2d(x, w, { layout: 'NHWC', weightLayout: 'OIHW' }).shape).toEqual([1, 38, 9, 3]);
      expect(sc.conv2d(x, w, { layout: 'NHWC', weightLayout: 'HWIO' }).shape).toEqual([1, 38, 38, 32]);
    });
  });
});
