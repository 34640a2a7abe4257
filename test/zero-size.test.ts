// Empty batches ([0, C, H, W]), as in PyTorch: every CNN op gives an empty result of the right
// shape, the input gradient is empty, and parameter gradients are zeros (a sum over no images);
// crossEntropy's 'mean' over no rows is NaN (PyTorch 1.13 gives nan too), 'sum' 0, 'none' [0].
// Checked under both kernel variants, in both layouts, and end to end through nn.Sequential.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as sc from '../src/index.js';
import { setKernelVariant, type KernelVariant } from '../src/wasm/kernels.js';
import { expectNoLeakedTensors } from './helpers/leaks.js';

beforeAll(async () => {
  await sc.init();
});
afterAll(() => setKernelVariant('simd'));
expectNoLeakedTensors();

/** Runs f on a [0, ...] variable with parameter variables, backpropagates a sum, returns [y shape, dx shape, parameter grads]. */
function empty(xShape: number[], params: sc.Tensor[], f: (x: sc.Tensor, p: sc.Tensor[]) => sc.Tensor): [readonly number[], readonly number[], number[][]] {
  return sc.tidy(() => {
    const x = sc.variable(sc.zeros(xShape));
    const ps = params.map((p) => sc.variable(p));
    const y = f(x, ps);
    y.sum().backward();
    return [y.shape, x.grad!.shape, ps.map((p) => Array.from(p.grad!.data()))];
  });
}

const zeros = (n: number): number[] => new Array<number>(n).fill(0);

describe.each<KernelVariant>(['simd', 'scalar'])('%s kernels', (variant) => {
  beforeAll(() => setKernelVariant(variant));

  it.each([
    ['conv2d NCHW', [0, 4, 6, 7], { padding: 1, groups: 2 }, [0, 6, 6, 7]],
    ['conv2d NCHW stride 2', [0, 4, 6, 7], { stride: 2 }, [0, 6, 2, 3]],
    ['conv2d depthwise (direct kernels)', [0, 4, 6, 7], { padding: 1, groups: 4 }, [0, 4, 6, 7]],
    ['conv2d NHWC', [0, 6, 7, 4], { padding: 'same', layout: 'NHWC' }, [0, 6, 7, 6]],
    ["conv2d paddingMode 'reflect'", [0, 4, 6, 7], { padding: 2, paddingMode: 'reflect' }, [0, 6, 8, 9]],
    ["conv2d paddingMode 'circular' NHWC", [0, 6, 7, 4], { padding: 1, paddingMode: 'circular', layout: 'NHWC' }, [0, 6, 7, 6]],
  ] as const)('%s', (_, xShape, opts, yShape) => {
    const groups = (opts as { groups?: number }).groups ?? 1;
    const w = sc.randn([groups === 4 ? 4 : 6, 4 / groups, 3, 3], { seed: 1 }), b = sc.randn([groups === 4 ? 4 : 6], { seed: 2 });
    const [ys, dxs, [dw, db]] = empty([...xShape], [w, b], (x, [wv, bv]) => sc.conv2d(x, wv!, { ...opts, bias: bv } as sc.Conv2dOptions));
    expect(ys).toEqual(groups === 4 ? [0, 4, 6, 7] : yShape);
    expect(dxs).toEqual(xShape);
    expect(dw).toEqual(zeros(w.size));
    expect(db).toEqual(zeros(b.size));
    w.dispose();
    b.dispose();
  });

  it('conv2dGradInput and conv2dGradWeight', () => {
    sc.tidy(() => {
      const w = sc.randn([6, 2, 3, 3], { seed: 1 });
      expect(sc.conv2dGradInput(sc.zeros([0, 6, 4, 4]), w, [0, 4, 6, 6], { groups: 2 }).shape).toEqual([0, 4, 6, 6]);
      const dw = sc.conv2dGradWeight(sc.zeros([0, 4, 6, 6]), sc.zeros([0, 6, 4, 4]), [6, 2, 3, 3], { groups: 2 });
      expect(Array.from(dw.data())).toEqual(zeros(108));
      const nhwc = sc.conv2dGradWeight(sc.zeros([0, 6, 6, 4]), sc.zeros([0, 4, 4, 6]), [6, 2, 3, 3], { groups: 2, layout: 'NHWC' });
      expect(Array.from(nhwc.data())).toEqual(zeros(108));
      // into an out tensor holding junk: overwritten with zeros
      const out = sc.full([6, 2, 3, 3], 7);
      sc.conv2dGradWeight(sc.zeros([0, 4, 6, 6]), sc.zeros([0, 6, 4, 4]), [6, 2, 3, 3], { groups: 2, out });
      expect(Array.from(out.data())).toEqual(zeros(108));
    });
  });

  it.each(['NCHW', 'NHWC'] as const)('conv2dTranspose %s', (layout) => {
    const w = sc.randn([4, 3, 3, 3], { seed: 1 }), b = sc.randn([6], { seed: 2 });
    const xShape = layout === 'NCHW' ? [0, 4, 5, 5] : [0, 5, 5, 4];
    const [ys, dxs, [dw, db]] = empty(xShape, [w, b], (x, [wv, bv]) => sc.conv2dTranspose(x, wv!, { stride: 2, padding: 1, outputPadding: 1, groups: 2, bias: bv, layout }));
    expect(ys).toEqual(layout === 'NCHW' ? [0, 6, 10, 10] : [0, 10, 10, 6]);
    expect(dxs).toEqual(xShape);
    expect(dw).toEqual(zeros(w.size));
    expect(db).toEqual(zeros(6));
    w.dispose();
    b.dispose();
  });

  it.each([
    ['maxPool2d', (x: sc.Tensor) => sc.maxPool2d(x, { kernelSize: 2 }), [0, 3, 2, 3]],
    ['maxPool2d NHWC ceilMode', (x: sc.Tensor) => sc.maxPool2d(x.reshape([0, 4, 6, 3]), { kernelSize: 3, stride: 2, ceilMode: true, layout: 'NHWC' }), [0, 2, 3, 3]],
    ['avgPool2d', (x: sc.Tensor) => sc.avgPool2d(x, { kernelSize: 2, padding: 1 }), [0, 3, 3, 4]],
    ['flatten + linear', (x: sc.Tensor) => sc.linear(sc.flatten(x, 1), sc.ones([5, 72])), [0, 5]],
    ['softmax', (x: sc.Tensor) => sc.softmax(x, 1), [0, 3, 4, 6]],
    ['sigmoid, tanh, relu', (x: sc.Tensor) => x.sigmoid().tanh().relu(), [0, 3, 4, 6]],
  ] as const)('%s', (_, f, yShape) => {
    const [ys, dxs] = empty([0, 3, 4, 6], [], (x) => f(x));
    expect(ys).toEqual(yShape);
    expect(dxs).toEqual([0, 3, 4, 6]);
  });

  it('linear: zero weight and bias gradients', () => {
    const w = sc.randn([5, 3], { seed: 1 }), b = sc.randn([5], { seed: 2 });
    const [ys, , [dw, db]] = empty([0, 3], [w, b], (x, [wv, bv]) => sc.linear(x, wv!, bv));
    expect(ys).toEqual([0, 5]);
    expect(dw).toEqual(zeros(15));
    expect(db).toEqual(zeros(5));
    w.dispose();
    b.dispose();
  });

  it("crossEntropy: 'mean' is NaN (as PyTorch), 'sum' 0, 'none' empty; the logits' gradient is empty", () => {
    sc.tidy(() => {
      const x = sc.variable(sc.zeros([0, 10]));
      const mean = sc.nn.crossEntropy(x, []);
      expect(mean.shape).toEqual([]);
      expect(mean.item()).toBeNaN();
      mean.backward();
      expect(x.grad!.shape).toEqual([0, 10]);
      expect(sc.nn.crossEntropy(x, new Int32Array(0), { labelSmoothing: 0.1 }).item()).toBeNaN();
      expect(sc.nn.crossEntropy(x, sc.zeros([0]), { reduction: 'sum' }).item()).toBe(0);
      expect(sc.nn.crossEntropy(x, [], { reduction: 'none' }).shape).toEqual([0]);
    });
  });

  it('a CNN end to end: Sequential forward, crossEntropy, backward, an optimizer step that changes nothing', () => {
    const net = new sc.nn.Sequential(
      new sc.nn.Conv2d({ outChannels: 4, kernelSize: 3, padding: 1, paddingMode: 'reflect', seed: 1 }), new sc.nn.ReLU(), new sc.nn.MaxPool2d({ kernelSize: 2 }),
      new sc.nn.ConvTranspose2d({ outChannels: 2, kernelSize: 2, stride: 2, seed: 2 }), new sc.nn.Sigmoid(), new sc.nn.AvgPool2d({ kernelSize: 2 }),
      new sc.nn.Flatten(), new sc.nn.Linear({ outFeatures: 3, seed: 3 }));
    const lazy = new sc.nn.Sequential(new sc.nn.Conv2d({ outChannels: 2, kernelSize: 3, seed: 4 }));
    // Lazy layers learn their input sizes from an empty batch too.
    sc.tidy(() => {
      const logits = net.forward(sc.zeros([0, 1, 8, 8]));
      expect(logits.shape).toEqual([0, 3]);
      expect(lazy.forward(sc.zeros([0, 5, 4, 4])).shape).toEqual([0, 2, 2, 2]);
      const loss = sc.nn.crossEntropy(logits, []);
      expect(loss.item()).toBeNaN();
      loss.backward();
    });
    const before = net.parameters().map((p) => Array.from(p.data()));
    for (const p of net.parameters()) expect(Array.from(p.grad!.data())).toEqual(zeros(p.size));
    const opt = new sc.optim.SGD(net.parameters(), { lr: 0.1 });
    opt.step();
    expect(net.parameters().map((p) => Array.from(p.data()))).toEqual(before);
    net.dispose();
    lazy.dispose();
  });
});

describe('tensor() and friends with zero-size shapes (PyTorch allows them)', () => {
  it.each([
    ['tensor([])', () => sc.tensor([]), [0], []],
    ['tensor([[]])', () => sc.tensor([[]]), [1, 0], [[]]],
    ['tensor(Float32Array(0), [0, 3, 4, 4])', () => sc.tensor(new Float32Array(0), [0, 3, 4, 4]), [0, 3, 4, 4], []],
    ['zeros([0, 3])', () => sc.zeros([0, 3]), [0, 3], []],
    ['randn([2, 0])', () => sc.randn([2, 0], { seed: 1 }), [2, 0], [[], []]],
    ['reshape [0, 48]', () => sc.zeros([0, 3, 4, 4]).reshape([0, 48]), [0, 48], []],
  ] as const)('%s', (_, make, shape, nested) => {
    sc.tidy(() => {
      const t = make();
      expect(t.shape).toEqual(shape);
      expect(t.size).toBe(0);
      expect(t.toArray()).toEqual(nested);
    });
  });

  it('sum of nothing is 0, mean NaN, as in PyTorch; reshape with -1 is ambiguous, as in PyTorch', () => {
    sc.tidy(() => {
      expect(sc.zeros([0, 3]).sum().item()).toBe(0);
      expect(sc.zeros([0, 3]).mean().item()).toBeNaN();
      expect(() => sc.zeros([0, 3]).reshape([-1, 0])).toThrow(sc.ShapeError);
    });
  });
});
