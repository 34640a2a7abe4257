// receptiveField / receptiveFieldOf over modules: nn.Conv2d, nn.MaxPool2d and nn.AvgPool2d (with
// ceilMode), nn.ConvTranspose2d, activations, nn.Sequential (flattened; a Flatten or Linear ends
// the spatial stack). Ground truth from autograd: the same stack run with all-positive weights on
// an all-positive input, where one output element's backward marks exactly the input pixels it
// depends on (no cancellation can hide one). Plus known values of the arithmetic and bad input.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import * as sc from '../src/index.js';
import { expectError } from './helpers/expect-error.js';
import { expectNoLeakedTensors } from './helpers/leaks.js';

beforeAll(async () => {
  await sc.init();
});
expectNoLeakedTensors();

type Spec =
  | { kind: 'conv'; k: number; s: number; p: number; d: number }
  | { kind: 'max'; k: number; s: number; p: number; d: number; ceil: boolean }
  | { kind: 'avg'; k: number; s: number; p: number; ceil: boolean }
  | { kind: 'convT'; k: number; s: number; p: number; q: number; d: number }
  | { kind: 'relu' };

function moduleOf(l: Spec): sc.nn.Module {
  switch (l.kind) {
    case 'conv': return new sc.nn.Conv2d({ inChannels: 1, outChannels: 1, kernelSize: l.k, stride: l.s, padding: l.p, dilation: l.d, bias: false, seed: 0 });
    case 'max': return new sc.nn.MaxPool2d({ kernelSize: l.k, stride: l.s, padding: l.p, dilation: l.d, ceilMode: l.ceil });
    case 'avg': return new sc.nn.AvgPool2d({ kernelSize: l.k, stride: l.s, padding: l.p, ceilMode: l.ceil });
    case 'convT': return new sc.nn.ConvTranspose2d({ inChannels: 1, outChannels: 1, kernelSize: l.k, stride: l.s, padding: l.p, outputPadding: l.q, dilation: l.d, bias: false, seed: 0 });
    case 'relu': return new sc.nn.ReLU();
  }
}

/**
 * The stack with positive weights: convolutions with all-ones kernels, average pooling; a max
 * pool's field is its window's (every element can win), so it runs as an average pool of the same
 * geometry (a dilated one as a ones-kernel convolution: same windows, same output count).
 */
function positive(x: sc.Tensor, l: Spec): sc.Tensor {
  switch (l.kind) {
    case 'conv': return sc.conv2d(x, sc.ones([1, 1, l.k, l.k]), { stride: l.s, padding: l.p, dilation: l.d });
    case 'max':
      if (l.d === 1) return sc.avgPool2d(x, { kernelSize: l.k, stride: l.s, padding: l.p, ceilMode: l.ceil });
      return sc.conv2d(x, sc.ones([1, 1, l.k, l.k]), { stride: l.s, padding: l.p, dilation: l.d });
    case 'avg': return sc.avgPool2d(x, { kernelSize: l.k, stride: l.s, padding: l.p, ceilMode: l.ceil });
    case 'convT': return sc.conv2dTranspose(x, sc.ones([1, 1, l.k, l.k]), { stride: l.s, padding: l.p, outputPadding: l.q, dilation: l.d });
    case 'relu': return sc.relu(x);
  }
}

const small = (min: number, max: number) => fc.integer({ min, max });
const spec: fc.Arbitrary<Spec> = fc.oneof(
  fc.record({ kind: fc.constant('conv' as const), k: small(1, 3), s: small(1, 2), p: small(0, 1), d: small(1, 2) }),
  fc.record({ kind: fc.constant('max' as const), k: small(1, 3), s: small(1, 3), p: small(0, 1), d: small(1, 2), ceil: fc.boolean() })
    .map((l) => ({ ...l, p: Math.min(l.p, Math.floor(l.k / 2)), ceil: l.d === 1 && l.ceil })),
  fc.record({ kind: fc.constant('avg' as const), k: small(1, 3), s: small(1, 3), p: small(0, 1), ceil: fc.boolean() })
    .map((l) => ({ ...l, p: Math.min(l.p, Math.floor(l.k / 2)) })),
  fc.record({ kind: fc.constant('convT' as const), k: small(1, 3), s: small(1, 3), p: small(0, 1), q: small(0, 2), d: small(1, 2) })
    .map((l) => ({ ...l, q: l.q % Math.max(l.s, l.d) })),
  fc.constant({ kind: 'relu' as const }),
);

/** Input pixels (flat r·W + c) that output `at` of the positive stack depends on, or null when a layer does not fit. */
function byAutograd(layers: Spec[], H: number, W: number, at: (shape: readonly number[]) => [number, number]): { out: [number, number]; index: [number, number]; pixels: number[] } | null {
  return sc.tidy(() => {
    const x = sc.variable(sc.ones([1, 1, H, W]));
    let y: sc.Tensor = x;
    try {
      for (const l of layers) y = positive(y, l);
    } catch (e) {
      if (e instanceof sc.ShapeError) return null;
      throw e;
    }
    const [ho, wo] = [y.shape[2]!, y.shape[3]!];
    const [i, j] = at(y.shape);
    const pick = sc.zeros([1, 1, ho, wo]).set([0, 0, i, j], 1);
    y.mul(pick).sum().backward();
    const g = x.grad!.data();
    const pixels: number[] = [];
    g.forEach((v, k) => { if (v !== 0) pixels.push(k); });
    return { out: [ho, wo], index: [i, j], pixels };
  });
}

describe('against autograd', () => {
  it('receptiveFieldOf gives exactly the pixels one output depends on (random stacks of modules, in and out of a Sequential)', () => {
    fc.assert(fc.property(fc.array(spec, { minLength: 1, maxLength: 4 }), small(3, 12), small(3, 12), fc.nat(), fc.nat(), fc.boolean(), (layers, H, W, ri, ci, wrap) => {
      const truth = byAutograd(layers, H, W, (s) => [ri % s[2]!, ci % s[3]!]);
      fc.pre(truth !== null);
      const modules = layers.map(moduleOf);
      try {
        // A Sequential (with a Flatten and a Linear after the spatial part) or the bare list.
        const stack = wrap ? [new sc.nn.Sequential(...modules, new sc.nn.Flatten(), new sc.nn.Linear({ inFeatures: 1, outFeatures: 1, seed: 0 }))] : modules;
        const rf = sc.receptiveField(stack, [H, W]);
        expect(rf).toHaveLength(layers.length);
        expect(rf.at(-1)!.outputShape).toEqual(truth!.out);
        const region = sc.receptiveFieldOf(stack, truth!.index, [H, W]);
        expect(region.indices).toEqual(truth!.pixels);
        if (wrap) (stack[0] as sc.nn.Module).dispose();
      } finally {
        modules.forEach((m) => m.dispose());
      }
    }), { numRuns: 300, seed: 14 });
  });

  it("receptiveField's size and start describe output [0, 0]'s unclipped field", () => {
    fc.assert(fc.property(fc.array(spec, { minLength: 1, maxLength: 4 }), (layers) => {
      const modules = layers.map(moduleOf);
      try {
        const last = sc.receptiveField(modules).at(-1)!;
        const box = sc.receptiveFieldOf(modules, [0, 0]);
        const len = box.rows[1] - box.rows[0];
        expect(last.size[0]).toBe(len);
        if (len > 0) expect(last.start[0]).toBe((box.rows[0] + box.rows[1] - 1) / 2);
        const jump = layers.reduce((j, l) => (l.kind === 'convT' ? j / l.s : l.kind === 'relu' ? j : j * l.s), 1);
        expect(last.jump).toEqual([jump, jump]);
      } finally {
        modules.forEach((m) => m.dispose());
      }
    }), { numRuns: 200, seed: 15 });
  });
});

describe('known values', () => {
  it('LeNet: conv 5 (pad 2), sigmoid, avg pool 2, conv 5, sigmoid, avg pool 2, then Flatten/Linear end the stack', () => {
    const net = new sc.nn.Sequential(
      new sc.nn.Conv2d({ inChannels: 1, outChannels: 6, kernelSize: 5, padding: 2, seed: 0 }), new sc.nn.Sigmoid(), new sc.nn.AvgPool2d({ kernelSize: 2, stride: 2 }),
      new sc.nn.Conv2d({ inChannels: 6, outChannels: 16, kernelSize: 5, seed: 0 }), new sc.nn.Sigmoid(), new sc.nn.AvgPool2d({ kernelSize: 2, stride: 2 }),
      new sc.nn.Flatten(), new sc.nn.Linear({ inFeatures: 400, outFeatures: 120, seed: 0 }), new sc.nn.Sigmoid());
    const rf = sc.receptiveField([net], [28, 28]);
    expect(rf.map((l) => l.size[0])).toEqual([5, 5, 6, 14, 14, 16]);
    expect(rf.map((l) => l.jump[0])).toEqual([1, 1, 2, 2, 2, 4]);
    expect(rf.map((l) => l.outputShape)).toEqual([[28, 28], [28, 28], [14, 14], [10, 10], [10, 10], [5, 5]]);
    expect(rf[1]!.padding).toEqual([0, 0, 0, 0]);
    expect(sc.receptiveFieldOf([net], [4, 4], [28, 28]).rows).toEqual([14, 28]);
    net.dispose();
  });

  it('ceilMode adds a last window that hangs over the edge and sees only what is inside', () => {
    const floor = new sc.nn.MaxPool2d({ kernelSize: 2, stride: 2 }), ceil = new sc.nn.MaxPool2d({ kernelSize: 2, stride: 2, ceilMode: true });
    expect(sc.receptiveField([floor], [5, 5])[0]!.outputShape).toEqual([2, 2]);
    expect(sc.receptiveField([ceil], [5, 5])[0]!.outputShape).toEqual([3, 3]);
    expect(sc.receptiveFieldOf([ceil], [2, 2], [5, 5]).indices).toEqual([24]);
    expectError(() => sc.receptiveFieldOf([floor], [2, 2], [5, 5]), sc.ArgumentError, { argument: 'outputIndex[0]' });
  });

  it('a transposed convolution halves the jump; its outputs see one or two inputs by phase', () => {
    const up = new sc.nn.ConvTranspose2d({ inChannels: 1, outChannels: 1, kernelSize: 3, stride: 2, padding: 1, outputPadding: 1, seed: 0 });
    const [rf] = sc.receptiveField([up], [4, 4]);
    expect(rf!.jump).toEqual([0.5, 0.5]);
    expect(rf!.outputShape).toEqual([8, 8]);
    expect(rf!.size).toEqual([1, 1]); // output 0 reads input 0 (tap 1) only
    expect(sc.receptiveFieldOf([up], [1, 1], [4, 4]).rowIndices).toEqual([0, 1]);
    expect(sc.receptiveFieldOf([up], [2, 2], [4, 4]).rowIndices).toEqual([1]);
    // conv after up: every output mixes three upsampled positions
    const conv = new sc.nn.Conv2d({ inChannels: 1, outChannels: 1, kernelSize: 3, padding: 1, seed: 0 });
    expect(sc.receptiveFieldOf([up, conv], [3, 3], [4, 4]).rowIndices).toEqual([1, 2]);
    up.dispose();
    conv.dispose();
  });
});

describe('bad input', () => {
  class Custom extends sc.nn.Module {
    forward(x: sc.Tensor): sc.Tensor {
      return x;
    }
  }
  it.each<[string, () => unknown, string | RegExp]>([
    ['a module without a known geometry', () => sc.receptiveField([new Custom() as never]), 'layers[0]'],
    ['one inside a Sequential', () => sc.receptiveField([new sc.nn.Sequential(new sc.nn.ReLU(), new Custom())]), 'layers[1]'],
    ['a pool that leaves no output', () => sc.receptiveField([new sc.nn.MaxPool2d({ kernelSize: 3 })], [2, 2]), /layers\[0\]/],
    ['a transposed convolution whose padding leaves no output', () => {
      const up = new sc.nn.ConvTranspose2d({ inChannels: 1, outChannels: 1, kernelSize: 1, padding: 1, seed: 0 });
      try {
        return sc.receptiveField([up], [1, 1]);
      } finally {
        up.dispose();
      }
    }, /layers\[0\]/],
  ])('%s', (_, fn, argument) => {
    expectError(fn, sc.SimdconvError, { argument });
  });
});
