// nn.Conv2d (lazy in-channels, shapes, PyTorch-like init, seeding, parameters, state dicts,
// train/eval) and the losses nn.mseLoss / nn.squaredError with their gradients.
import { beforeAll, describe, expect, it } from 'vitest';
import * as sc from '../src/index.js';
import { expectNoLeakedTensors } from './helpers/leaks.js';
import { conv2dRef } from './reference/conv.js';

beforeAll(async () => {
  await sc.init();
});

expectNoLeakedTensors();

const arr = (t: sc.Tensor | null): number[] => {
  if (t === null) throw new Error('expected a tensor, got null');
  return Array.from(t.data());
};

/** Runs `fn` with a layer and disposes the layer afterwards. */
function withLayer<T>(opts: sc.nn.Conv2dLayerOptions, fn: (l: sc.nn.Conv2d) => T): T {
  const l = new sc.nn.Conv2d(opts);
  try {
    return sc.tidy(() => fn(l));
  } finally {
    l.dispose();
  }
}

/** Elementwise closeness to a float64 reference. */
function expectNear(got: ArrayLike<number>, want: ArrayLike<number>, tol = 1e-5): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    if (!(Math.abs(got[i]! - want[i]!) <= tol * (1 + Math.abs(want[i]!)))) {
      expect.fail(`element ${i}: got ${got[i]}, expected ${want[i]}`);
    }
  }
}

describe('nn.Conv2d shapes and lazy in-channels', () => {
  it('with inChannels: parameters exist at construction with OIHW / [Cout] shapes', () => {
    withLayer({ inChannels: 3, outChannels: 8, kernelSize: [3, 5] }, (l) => {
      expect(l.hasLazyParameters).toBe(false);
      expect(l.weight!.shape).toEqual([8, 3, 3, 5]);
      expect(l.bias!.shape).toEqual([8]);
      expect(l.weight!.requiresGrad).toBe(true);
      expect(l.bias!.requiresGrad).toBe(true);
      expect(l.inChannels).toBe(3);
    });
  });

  it('groups divide the weight\'s input channels; bias: false has no bias', () => {
    withLayer({ inChannels: 6, outChannels: 4, kernelSize: 2, groups: 2, bias: false }, (l) => {
      expect(l.weight!.shape).toEqual([4, 3, 2, 2]);
      expect(l.bias).toBeNull();
      expect(l.parameters()).toHaveLength(1);
    });
  });

  const lazyCases: [string, sc.nn.Conv2dLayerOptions, number[], number[], number[]][] = [
    // name, options, input shape, weight shape, output shape
    ['4-D NCHW', { outChannels: 2, kernelSize: 3 }, [2, 3, 6, 7], [2, 3, 3, 3], [2, 2, 4, 5]],
    ['3-D NCHW (unbatched)', { outChannels: 2, kernelSize: 3 }, [3, 6, 7], [2, 3, 3, 3], [2, 4, 5]],
    ['2-D image, one output channel -> 2-D', { outChannels: 1, kernelSize: [1, 2] }, [6, 8], [1, 1, 1, 2], [6, 7]],
    ['2-D image, three output channels -> 3-D', { outChannels: 3, kernelSize: 2 }, [4, 5], [3, 1, 2, 2], [3, 3, 4]],
    ['4-D NHWC', { outChannels: 2, kernelSize: 3, layout: 'NHWC' }, [2, 6, 7, 3], [2, 3, 3, 3], [2, 4, 5, 2]],
    ['3-D NHWC (unbatched)', { outChannels: 2, kernelSize: 3, layout: 'NHWC' }, [6, 7, 3], [2, 3, 3, 3], [4, 5, 2]],
    ['2-D image NHWC, one output channel -> 2-D', { outChannels: 1, kernelSize: [1, 2], layout: 'NHWC' }, [6, 8], [1, 1, 1, 2], [6, 7]],
    ['2-D image NHWC, two output channels -> [H, W, C]', { outChannels: 2, kernelSize: 2, layout: 'NHWC' }, [4, 5], [2, 1, 2, 2], [3, 4, 2]],
    ['groups 2, padding same, stride 2', { outChannels: 4, kernelSize: 3, groups: 2, padding: 'same', stride: 2 }, [1, 6, 8, 8], [4, 3, 3, 3], [1, 4, 4, 4]],
  ];

  it.each(lazyCases)('lazy, %s: weight made by the first forward', (_name, opts, xShape, wShape, yShape) => {
    withLayer({ ...opts, seed: 3 }, (l) => {
      expect(l.hasLazyParameters).toBe(true);
      expect(() => l.weight).toThrow(/lazy layer \(no inChannels\) makes its weight at its first forward/);
      expect(l.parameters()).toEqual([]);
      expect(l.inChannels).toBeUndefined();
      const x = sc.randn(xShape, { seed: 4 });
      const y = sc.noGrad(() => l.forward(x)); // materialises the parameters (requiring grad) even under noGrad
      expect(l.hasLazyParameters).toBe(false);
      expect(l.weight!.shape).toEqual(wShape);
      expect(l.bias!.shape).toEqual([opts.outChannels]);
      expect(y.shape).toEqual(yShape);
      expect(l.parameters()).toHaveLength(2);
      // the output is conv2d with the layer's parameters
      const yy = sc.noGrad(() => sc.conv2d(x.reshape(xShape.length === 2 ? (opts.layout === 'NHWC' ? [...xShape, 1] : [1, ...xShape]) : xShape), l.weight!, {
        bias: l.bias, stride: opts.stride, padding: opts.padding, groups: opts.groups, layout: opts.layout,
      }));
      expect(arr(y)).toEqual(arr(yy));
      // a second forward with another channel count is refused
      if (xShape.length > 2) {
        const bad = [...xShape];
        bad[opts.layout === 'NHWC' ? bad.length - 1 : bad.length - 3]! += opts.groups ?? 1;
        expect(() => sc.noGrad(() => l.forward(sc.zeros(bad)))).toThrow(sc.ShapeError);
      }
    });
  });

  it('the lazy weights equal those of a layer built with inChannels and the same seed', () => {
    const eager = new sc.nn.Conv2d({ inChannels: 3, outChannels: 4, kernelSize: 3, seed: 11 });
    const lazy = new sc.nn.Conv2d({ outChannels: 4, kernelSize: 3, seed: 11 });
    sc.tidy(() => {
      sc.noGrad(() => lazy.forward(sc.zeros([1, 3, 5, 5])));
    });
    expect(arr(lazy.weight)).toEqual(arr(eager.weight));
    expect(arr(lazy.bias)).toEqual(arr(eager.bias));
    eager.dispose();
    lazy.dispose();
  });

  it('parameters made by a forward inside tidy() survive the tidy', () => {
    const l = new sc.nn.Conv2d({ outChannels: 2, kernelSize: 2, seed: 1 });
    sc.tidy(() => {
      l.forward(sc.ones([1, 1, 3, 3])).sum().backward(); // with a graph, freed by backward
    });
    expect(l.weight!.grad).not.toBeNull();
    expect(l.weight!.isDisposed).toBe(false);
    expect(l.bias!.isDisposed).toBe(false);
    l.dispose();
    expect(l.weight!.isDisposed).toBe(true);
  });

  it('forward matches the float64 reference (NHWC, dilation, padding pairs)', () => {
    withLayer({ inChannels: 2, outChannels: 3, kernelSize: [2, 3], dilation: [2, 1], padding: [[1, 0], [2, 1]], layout: 'NHWC', seed: 9 }, (l) => {
      const x = sc.randn([2, 5, 6, 2], { seed: 10 });
      const y = sc.noGrad(() => l.forward(x));
      const r = conv2dRef(x.data(), x.shape, l.weight!.data(), l.weight!.shape, {
        dilation: [2, 1], padding: [[1, 0], [2, 1]], layout: 'NHWC', bias: l.bias!.data(),
      });
      expect(y.shape).toEqual(r.shape);
      expectNear(y.data(), r.data);
    });
  });

  it('rejects bad options and inputs', () => {
    const bad: unknown[] = [
      { outChannels: 0, kernelSize: 3 }, { outChannels: 2, kernelSize: 0 }, { outChannels: 2, kernelSize: [3] },
      { outChannels: 3, kernelSize: 3, groups: 2 }, { inChannels: 3, outChannels: 2, kernelSize: 3, groups: 2 },
      { outChannels: 2, kernelSize: 3, bias: 'yes' }, { outChannels: 2, kernelSize: 3, seed: -1 },
      { outChannels: 2, kernelSize: 3, layout: 'CHWN' }, { outChannels: 2, kernelSize: 3, kernelsize: 3 }, null,
    ];
    for (const o of bad) expect(() => new sc.nn.Conv2d(o as sc.nn.Conv2dLayerOptions), JSON.stringify(o)).toThrow(sc.ArgumentError);
    withLayer({ outChannels: 1, kernelSize: 2 }, (l) => {
      expect(() => l.forward(sc.zeros([5]))).toThrow(sc.ShapeError);
      expect(() => l.forward(sc.zeros([1, 1, 1, 5, 5]))).toThrow(sc.ShapeError);
    });
  });
});

describe('nn.Conv2d initialisation', () => {
  it('weight and bias are uniform in ±1/sqrt(fan_in) (PyTorch), checked on a big layer', () => {
    withLayer({ inChannels: 16, outChannels: 64, kernelSize: 3, seed: 123 }, (l) => {
      const bound = 1 / Math.sqrt(16 * 9);
      const w = arr(l.weight);
      expect(w.length).toBe(64 * 16 * 9);
      const min = Math.min(...w), max = Math.max(...w);
      expect(min).toBeGreaterThanOrEqual(-bound);
      expect(max).toBeLessThanOrEqual(bound);
      // with 9216 samples the extremes come within 0.1% of the bounds
      expect(min).toBeLessThan(-bound * 0.995);
      expect(max).toBeGreaterThan(bound * 0.995);
      const mean = w.reduce((a, v) => a + v, 0) / w.length;
      const std = Math.sqrt(w.reduce((a, v) => a + (v - mean) ** 2, 0) / w.length);
      const wantStd = bound / Math.sqrt(3);
      expect(Math.abs(mean)).toBeLessThan(4 * wantStd / Math.sqrt(w.length));
      expect(Math.abs(std / wantStd - 1)).toBeLessThan(0.03);
      // roughly uniform: each tenth of the range holds about a tenth of the values
      const bins = new Array(10).fill(0);
      for (const v of w) bins[Math.min(9, Math.floor(((v + bound) / (2 * bound)) * 10))]++;
      for (const c of bins) expect(Math.abs(c / w.length - 0.1)).toBeLessThan(0.02);
      const b = arr(l.bias);
      expect(b.every((v) => v >= -bound && v <= bound)).toBe(true);
      expect(new Set(b).size).toBe(64);
    });
  });

  it('fan_in counts the channels of one group and the kernel area', () => {
    withLayer({ inChannels: 32, outChannels: 32, kernelSize: [1, 2], groups: 8, seed: 5 }, (l) => {
      const bound = 1 / Math.sqrt((32 / 8) * 2);
      const w = arr(l.weight);
      expect(Math.min(...w)).toBeGreaterThanOrEqual(-bound);
      expect(Math.max(...w)).toBeLessThanOrEqual(bound);
      expect(Math.max(...w.map(Math.abs))).toBeGreaterThan(bound * 0.95);
    });
  });

  it('the same seed gives bitwise the same weights; another seed others', () => {
    const make = (seed: number) => new sc.nn.Conv2d({ inChannels: 3, outChannels: 5, kernelSize: 3, seed });
    const [a, b, c] = [make(7), make(7), make(8)];
    expect(a.weight!.data()).toEqual(b.weight!.data());
    expect(a.bias!.data()).toEqual(b.bias!.data());
    expect(arr(a.weight)).not.toEqual(arr(c.weight));
    // the bias is not a copy of the first weights
    expect(arr(a.bias)).not.toEqual(arr(a.weight).slice(0, 5));
    for (const l of [a, b, c]) l.dispose();
  });

  it('without a seed, manualSeed makes the global generator reproducible', () => {
    sc.manualSeed(99);
    const a = new sc.nn.Conv2d({ inChannels: 2, outChannels: 2, kernelSize: 2 });
    const a2 = new sc.nn.Conv2d({ inChannels: 2, outChannels: 2, kernelSize: 2 });
    sc.manualSeed(99);
    const b = new sc.nn.Conv2d({ inChannels: 2, outChannels: 2, kernelSize: 2 });
    expect(arr(a.weight)).toEqual(arr(b.weight));
    expect(arr(a.weight)).not.toEqual(arr(a2.weight)); // the generator advanced
    for (const l of [a, a2, b]) l.dispose();
  });
});

describe('nn.Module parameters and state', () => {
  class Net extends sc.nn.Module {
    readonly c1: sc.nn.Conv2d;
    readonly c2: sc.nn.Conv2d;
    readonly scale: sc.Tensor;
    constructor(seed = 0) {
      super();
      this.c1 = new sc.nn.Conv2d({ inChannels: 1, outChannels: 2, kernelSize: 3, padding: 1, seed });
      this.c2 = new sc.nn.Conv2d({ inChannels: 2, outChannels: 1, kernelSize: 1, bias: false, seed: seed + 1 });
      this.scale = sc.ones([1]);
      this.registerModule('c1', this.c1);
      this.registerModule('c2', this.c2);
      this.registerParameter('scale', this.scale);
    }
    forward(x: sc.Tensor): sc.Tensor {
      return this.c2.forward(this.c1.forward(x).relu()).mul(this.scale);
    }
  }

  it('parameters() / namedParameters() list own parameters first, then sub-modules depth first', () => {
    const net = new Net();
    expect(net.namedParameters().map(([n, p]) => [n, p.shape])).toEqual([
      ['scale', [1]], ['c1.weight', [2, 1, 3, 3]], ['c1.bias', [2]], ['c2.weight', [1, 2, 1, 1]],
    ]);
    expect(net.parameters()).toEqual(net.namedParameters().map(([, p]) => p));
    expect(net.parameters().every((p) => p.requiresGrad)).toBe(true);
    expect(net.parameters()[1]).toBe(net.c1.weight);
    net.dispose();
    expect(net.c1.weight!.isDisposed).toBe(true);
  });

  it('zeroGrad clears every parameter\'s gradient', () => {
    const net = new Net();
    const loss = sc.tidy(() => net.forward(sc.ones([1, 1, 4, 4])).sum());
    loss.backward();
    loss.dispose();
    expect(net.parameters().every((p) => p.grad !== null)).toBe(true);
    net.zeroGrad();
    expect(net.parameters().every((p) => p.grad === null)).toBe(true);
    net.dispose();
  });

  it('stateDict / loadStateDict round-trip through JSON.stringify (json: true)', () => {
    const a = new Net(1);
    const b = new Net(2);
    const x = sc.randn([1, 1, 5, 5], { seed: 3 });
    const run = (m: Net) => sc.tidy(() => sc.noGrad(() => m.forward(x).data()));
    expect(run(a)).not.toEqual(run(b));
    const text = JSON.stringify(a.stateDict({ json: true }));
    b.loadStateDict(JSON.parse(text));
    for (const [[na, pa], [nb, pb]] of a.namedParameters().map((e, i) => [e, b.namedParameters()[i]!] as const)) {
      expect(nb).toBe(na);
      expect(pb.data()).toEqual(pa.data()); // bitwise: JSON numbers round-trip float32 values
    }
    expect(run(a)).toEqual(run(b));
    for (const t of [a, b, x]) t.dispose();
  });

  it('stateDict with Float32Array data round-trips, and the copy is independent of the parameters', () => {
    const a = new Net(4);
    const b = new Net(5);
    const state = a.stateDict();
    expect(state['c1.weight']!.data).toBeInstanceOf(Float32Array);
    expect(state['c1.weight']!.shape).toEqual([2, 1, 3, 3]);
    b.loadStateDict(state);
    expect(b.c1.weight!.data()).toEqual(a.c1.weight!.data());
    (state['c1.weight']!.data as Float32Array)[0] = 1234;
    expect(a.c1.weight!.data()[0]).not.toBe(1234);
    expect(b.c1.weight!.data()[0]).not.toBe(1234);
    a.dispose();
    b.dispose();
  });

  it('loadStateDict into a lazy layer materialises it with the stored shape', () => {
    const src = new sc.nn.Conv2d({ inChannels: 3, outChannels: 2, kernelSize: 2, seed: 6 });
    const lazy = new sc.nn.Conv2d({ outChannels: 2, kernelSize: 2 });
    lazy.loadStateDict(JSON.parse(JSON.stringify(src.stateDict({ json: true }))));
    expect(lazy.hasLazyParameters).toBe(false);
    expect(lazy.inChannels).toBe(3);
    expect(lazy.weight!.data()).toEqual(src.weight!.data());
    expect(lazy.bias!.data()).toEqual(src.bias!.data());
    expect(lazy.weight!.requiresGrad).toBe(true);
    const x = sc.randn([1, 3, 4, 4], { seed: 7 });
    sc.tidy(() => sc.noGrad(() => expect(lazy.forward(x).data()).toEqual(src.forward(x).data())));
    for (const t of [src, lazy, x]) t.dispose();
  });

  it('loadStateDict updates the parameters in place (the tensors optimizers hold stay the same)', () => {
    const a = new Net(1);
    const b = new Net(2);
    const w = b.c1.weight!;
    b.loadStateDict(a.stateDict());
    expect(b.c1.weight).toBe(w);
    expect(w.data()).toEqual(a.c1.weight!.data());
    a.dispose();
    b.dispose();
  });

  describe('strict checks and errors leave the parameters unchanged', () => {
    const snapshot = (m: sc.nn.Module) => m.namedParameters().map(([n, p]) => [n, arr(p)] as const);
    const cases: [string, (s: sc.nn.StateDict) => unknown, typeof sc.ArgumentError | typeof sc.ShapeError][] = [
      ['an unexpected key', (s) => ({ ...s, 'c3.weight': { shape: [1], data: [0] } }), sc.ArgumentError],
      ['a missing key', (s) => {
        const { ['c2.weight']: _drop, ...rest } = s;
        return rest;
      }, sc.ArgumentError],
      ['a shape mismatch (the last entry)', (s) => ({ ...s, 'c2.weight': { shape: [2, 1, 1, 1], data: [1, 2] } }), sc.ShapeError],
      ['a shape mismatch with the right element count', (s) => ({ ...s, 'c1.weight': { shape: [2, 1, 9, 1], data: Array.from(s['c1.weight']!.data) } }), sc.ShapeError],
      ['data of the wrong length', (s) => ({ ...s, 'c1.bias': { shape: [2], data: [1, 2, 3] } }), sc.ShapeError],
      ['a malformed entry', (s) => ({ ...s, scale: { shape: [1] } }), sc.ArgumentError],
      ['not an object', () => null, sc.ArgumentError],
    ];
    it.each(cases)('%s', (_name, mutate, Err) => {
      const a = new Net(1);
      const b = new Net(2);
      const before = snapshot(b);
      const bad = mutate(a.stateDict({ json: true }));
      expect(() => b.loadStateDict(bad as sc.nn.StateDict)).toThrow(Err);
      expect(snapshot(b)).toEqual(before);
      a.dispose();
      b.dispose();
    });

    it('strict: false loads the matching entries and ignores unknown ones', () => {
      const a = new Net(1);
      const b = new Net(2);
      const before = snapshot(b);
      const s = a.stateDict({ json: true });
      b.loadStateDict({ 'c1.bias': s['c1.bias']!, extra: { shape: [1], data: [5] } }, { strict: false });
      const after = snapshot(b);
      for (let i = 0; i < after.length; i++) {
        if (after[i]![0] === 'c1.bias') expect(after[i]![1]).toEqual(Array.from(s['c1.bias']!.data));
        else expect(after[i]).toEqual(before[i]);
      }
      // a shape mismatch is still an error with strict: false
      expect(() => b.loadStateDict({ 'c1.bias': { shape: [3], data: [1, 2, 3] } }, { strict: false })).toThrow(sc.ShapeError);
      a.dispose();
      b.dispose();
    });
  });

  it('train() / eval() set the mode on the module and every sub-module, and return it', () => {
    const net = new Net();
    expect(net.training).toBe(true);
    expect(net.eval()).toBe(net);
    expect([net.training, net.c1.training, net.c2.training]).toEqual([false, false, false]);
    expect(net.train()).toBe(net);
    expect([net.training, net.c1.training, net.c2.training]).toEqual([true, true, true]);
    net.train(false);
    expect(net.c2.training).toBe(false);
    // the mode does not change a convolution's output
    const x = sc.randn([1, 1, 4, 4], { seed: 8 });
    const y1 = sc.tidy(() => sc.noGrad(() => net.forward(x).data()));
    net.train();
    const y2 = sc.tidy(() => sc.noGrad(() => net.forward(x).data()));
    expect(y1).toEqual(y2);
    net.dispose();
    x.dispose();
  });
});

describe('losses', () => {
  const yHatV = [[1.5, -2, 0.25], [3, 0, -1]];
  const yV = [[1, -1, 0.5], [2.5, 0.5, -3]];
  const diff = [0.5, -1, -0.25, 0.5, -0.5, 2];

  it('squaredError is (yHat - y)² elementwise', () => {
    sc.tidy(() => {
      const l = sc.nn.squaredError(sc.tensor(yHatV), sc.tensor(yV));
      expect(l.shape).toEqual([2, 3]);
      expect(arr(l)).toEqual(diff.map((d) => d * d));
    });
  });

  it("mseLoss 'mean' (default), 'sum' and 'none' against hand computation", () => {
    sc.tidy(() => {
      const a = sc.tensor(yHatV), b = sc.tensor(yV);
      const sq = diff.map((d) => d * d);
      const total = sq.reduce((s, v) => s + v, 0); // 0.25 + 1 + 0.0625 + 0.25 + 0.25 + 4 = 5.8125
      expect(total).toBe(5.8125);
      expect(sc.nn.mseLoss(a, b).item()).toBe(total / 6);
      expect(sc.nn.mseLoss(a, b).shape).toEqual([]);
      expect(sc.nn.mseLoss(a, b, { reduction: 'mean' }).item()).toBe(total / 6);
      expect(sc.nn.mseLoss(a, b, { reduction: 'sum' }).item()).toBe(total);
      const none = sc.nn.mseLoss(a, b, { reduction: 'none' });
      expect(none.shape).toEqual([2, 3]);
      expect(arr(none)).toEqual(sq);
    });
  });

  it("mseLoss 'mean' / 'sum' (one fused node) equal squaredError(...).mean() / .sum() bitwise, value and gradients, over every SIMD tail", () => {
    for (const n of [1, 2, 3, 4, 5, 7, 8, 16, 17, 33, 100]) {
      sc.tidy(() => {
        const yh = sc.randn([n], { seed: n }), yt = sc.randn([n], { seed: n + 1000 });
        for (const reduction of ['mean', 'sum'] as const) {
          for (const needs of [[true, true], [true, false], [false, true]] as const) {
            const run = (fused: boolean) => {
              const a = yh.detach().clone(), b = yt.detach().clone();
              a.requiresGrad = needs[0];
              b.requiresGrad = needs[1];
              const l = fused ? sc.nn.mseLoss(a, b, { reduction }) : sc.nn.squaredError(a, b)[reduction]();
              l.backward();
              return { l: l.item(), ga: a.grad?.data() ?? null, gb: b.grad?.data() ?? null };
            };
            const f = run(true), u = run(false);
            const ctx = `n=${n} ${reduction} needs=${needs}`;
            expect(Object.is(f.l, u.l), `${ctx}: loss ${f.l} vs ${u.l}`).toBe(true);
            expect(f.ga, ctx).toEqual(u.ga);
            expect(f.gb, ctx).toEqual(u.gb);
          }
        }
      });
    }
  });

  it('mseLoss of empty tensors: mean NaN, sum 0, zero-size gradients', () => {
    sc.tidy(() => {
      const a = sc.variable(new Float32Array(0), [0, 3]), b = sc.zeros([0, 3]);
      expect(sc.nn.mseLoss(a, b).item()).toBeNaN();
      const l = sc.nn.mseLoss(a, b, { reduction: 'sum' });
      expect(l.item()).toBe(0);
      l.backward();
      expect(a.grad!.shape).toEqual([0, 3]);
    });
  });

  it('gradients: 2(yHat - y)/n for mean, 2(yHat - y) for sum, G·2(yHat - y) for none; negated for y', () => {
    sc.tidy(() => {
      const G = [[1, 2, 3], [-1, -2, -3]];
      const cases: [sc.nn.Reduction, number[]][] = [
        ['mean', diff.map((d) => (2 * d) / 6)],
        ['sum', diff.map((d) => 2 * d)],
        ['none', diff.map((d, i) => 2 * d * G.flat()[i]!)],
      ];
      for (const [reduction, want] of cases) {
        const a = sc.variable(yHatV), b = sc.variable(yV);
        const l = sc.nn.mseLoss(a, b, { reduction });
        if (reduction === 'none') l.backward(sc.tensor(G));
        else l.backward();
        expectNear(arr(a.grad), want, 1e-7);
        expectNear(arr(b.grad), want.map((v) => -v), 1e-7);
        a.zeroGrad();
        b.zeroGrad();
      }
    });
  });

  it('squaredError(...).sum() has the gradient of mseLoss sum', () => {
    sc.tidy(() => {
      const a = sc.variable(yHatV);
      sc.nn.squaredError(a, sc.tensor(yV)).sum().backward();
      expect(arr(a.grad)).toEqual(diff.map((d) => 2 * d));
      a.zeroGrad();
    });
  });

  it('rejects mismatched shapes (no broadcasting) and unknown reductions', () => {
    sc.tidy(() => {
      const a = sc.ones([2, 3]);
      expect(() => sc.nn.squaredError(a, sc.ones([3]))).toThrow(sc.ShapeError);
      expect(() => sc.nn.mseLoss(a, sc.ones([2, 1]))).toThrow(sc.ShapeError);
      expect(() => sc.nn.mseLoss(a, a, { reduction: 'max' as sc.nn.Reduction })).toThrow(sc.ArgumentError);
    });
  });
});
