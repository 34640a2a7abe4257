// receptiveField / receptiveFieldOf against autograd: for random stacks of conv layers (kernel
// sizes, strides, dilations, paddings), a chain of conv2d with all-positive weights on an
// all-positive input, one output element's backward marks exactly the input pixels in its
// receptive field (no cancellation can hide one). The reported region must be that set: its
// bounding box, its rows and columns, and (when every layer has dilation 1 and kernel >= stride)
// the whole box. Plus the receptive-field arithmetic, the lesson's example and bad input.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import * as sc from '../src/index.js';
import { expectNoLeakedTensors } from './helpers/leaks.js';

beforeAll(async () => {
  await sc.init();
});

type PaddingSpec = sc.Padding;
interface Layer {
  kernelSize: [number, number];
  stride: [number, number];
  dilation: [number, number];
  padding: PaddingSpec;
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
const pairOf = (min: number, max: number) => fc.tuple(fc.integer({ min, max }), fc.integer({ min, max }));
const layer: fc.Arbitrary<Layer> = fc.record({
  kernelSize: pairOf(1, 4),
  stride: pairOf(1, 3),
  dilation: pairOf(1, 3),
  padding,
});

/** Layers that leave no holes: dilation 1 and a kernel at least as large as the stride. */
const denseLayer: fc.Arbitrary<Layer> = fc
  .record({ kernelSize: pairOf(1, 4), stride: pairOf(1, 3), padding })
  .map(({ kernelSize, stride, padding: p }) => ({
    kernelSize, padding: p, dilation: [1, 1] as [number, number],
    stride: [Math.min(stride[0], kernelSize[0]), Math.min(stride[1], kernelSize[1])] as [number, number],
  }));

/** The output shape of the stack on [H, W], or null when a layer does not fit (conv2d would throw). */
function outputShape(layers: readonly Layer[], H: number, W: number): [number, number] | null {
  try {
    const rf = sc.receptiveField(layers, [H, W]);
    return rf.length === 0 ? [H, W] : rf[rf.length - 1]!.outputShape!;
  } catch (e) {
    if (e instanceof sc.ShapeError) return null;
    throw e;
  }
}

/** The input pixels whose gradient is non-zero for output element [i, j] of the conv2d chain. */
function touchedByAutograd(layers: readonly Layer[], H: number, W: number, i: number, j: number, seed: number): boolean[][] {
  return sc.tidy(() => {
    const x = sc.rand([1, 1, H, W], { seed, low: 0.5, high: 1.5 });
    x.requiresGrad = true;
    let y = x;
    layers.forEach((l, k) => {
      const w = sc.rand([1, 1, ...l.kernelSize], { seed: seed + k + 1, low: 0.5, high: 1.5 });
      y = sc.conv2d(y, w, { stride: l.stride, padding: l.padding, dilation: l.dilation });
    });
    const [HO, WO] = y.shape.slice(2) as [number, number];
    const onehot = sc.zeros([1, 1, HO, WO]);
    onehot.set([0, 0, i, j], 1);
    y.backward(onehot);
    const g = x.grad!.data();
    return Array.from({ length: H }, (_, r) => Array.from({ length: W }, (_, c) => g[r * W + c]! !== 0));
  });
}

const problem = fc
  .record({
    layers: fc.oneof(fc.array(layer, { minLength: 1, maxLength: 4 }), fc.array(denseLayer, { minLength: 1, maxLength: 4 })),
    H: fc.integer({ min: 1, max: 40 }),
    W: fc.integer({ min: 1, max: 40 }),
    pick: fc.tuple(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true })),
    seed: fc.integer({ min: 0, max: 1000 }),
  })
  .filter(({ layers, H, W }) => outputShape(layers, H, W) !== null);

describe('receptiveFieldOf agrees with autograd', () => {
  expectNoLeakedTensors();

  it('on random stacks of conv layers (strides, dilations, paddings)', () => {
    let dilated = 0, holes = 0, denseChecked = 0;
    fc.assert(
      fc.property(problem, ({ layers, H, W, pick, seed }) => {
        const [HO, WO] = outputShape(layers, H, W)!;
        const i = Math.floor(pick[0] * HO), j = Math.floor(pick[1] * WO);
        const grad = touchedByAutograd(layers, H, W, i, j, seed);
        const region = sc.receptiveFieldOf(layers, [i, j], [H, W]);
        const rows = grad.map((row) => row.some(Boolean)).flatMap((v, r) => (v ? [r] : []));
        const cols = Array.from({ length: W }, (_, c) => grad.some((row) => row[c])).flatMap((v, c) => (v ? [c] : []));
        // The touched set is exactly rowIndices x colIndices.
        expect(region.rowIndices).toEqual(rows);
        expect(region.colIndices).toEqual(cols);
        for (let r = 0; r < H; r++) {
          for (let c = 0; c < W; c++) expect(grad[r]![c], `pixel [${r}, ${c}]`).toBe(rows.includes(r) && cols.includes(c));
        }
        // The bounding box.
        const box = (v: number[]): [number, number] => (v.length === 0 ? [0, 0] : [v[0]!, v[v.length - 1]! + 1]);
        expect(region.rows).toEqual(box(rows));
        expect(region.cols).toEqual(box(cols));
        const full = rows.length === region.rows[1] - region.rows[0] && cols.length === region.cols[1] - region.cols[0];
        expect(region.dense).toBe(full);
        expect(region.indices).toEqual(rows.flatMap((r) => cols.map((c) => r * W + c)));
        // Without holes from dilation or strides skipping pixels, the field is the whole box.
        if (layers.every((l) => l.dilation[0] === 1 && l.dilation[1] === 1 && l.kernelSize[0] >= l.stride[0] && l.kernelSize[1] >= l.stride[1])) {
          denseChecked++;
          expect(region.dense).toBe(true);
        }
        if (layers.some((l) => l.dilation[0] > 1 || l.dilation[1] > 1)) dilated++;
        if (!full) holes++;
      }),
      { numRuns: 300, seed: 20240611 },
    );
    // The generator reached the interesting cases.
    expect(dilated).toBeGreaterThan(30);
    expect(holes).toBeGreaterThan(10);
    expect(denseChecked).toBeGreaterThan(50);
  });

  it('away from the borders, the region is the arithmetic field: [start - (size-1)/2, +size) + index·jump', () => {
    fc.assert(
      fc.property(fc.array(layer, { minLength: 1, maxLength: 4 }), fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 20 }), (layers, i, j) => {
        fc.pre(layers.every((l) => l.padding !== 'same' || (l.stride[0] === 1 && l.stride[1] === 1)));
        const rf = sc.receptiveField(layers);
        const last = rf[rf.length - 1]!;
        const region = sc.receptiveFieldOf(layers, [i, j]);
        for (const [a, idx, range, list] of [[0, i, region.rows, region.rowIndices], [1, j, region.cols, region.colIndices]] as const) {
          const lo = last.start[a]! - (last.size[a]! - 1) / 2 + idx * last.jump[a]!;
          expect(range).toEqual([lo, lo + last.size[a]!]);
          // The box's ends are always touched (all taps first, or all taps last).
          expect(list[0]).toBe(lo);
          expect(list[list.length - 1]).toBe(lo + last.size[a]! - 1);
        }
        // On an input large enough that nothing is clipped, the clipped region is the same.
        if (region.rows[0] >= 0 && region.cols[0] >= 0) {
          const shifted = sc.receptiveFieldOf(layers, [i, j], [region.rows[1] + 3, region.cols[1] + 3]);
          expect(shifted.rowIndices).toEqual(region.rowIndices);
          expect(shifted.colIndices).toEqual(region.colIndices);
        }
      }),
      { numRuns: 300, seed: 7 },
    );
  });
});

describe('receptiveField arithmetic', () => {
  it.each([
    // [layers, size, jump, start] of the last layer, rows axis
    [[{ kernelSize: 3 }], 3, 1, 1],
    [[{ kernelSize: 3 }, { kernelSize: 3 }], 5, 1, 2],
    [[{ kernelSize: 3 }, { kernelSize: 3 }, { kernelSize: 3 }], 7, 1, 3],
    [[{ kernelSize: 3, padding: 1 }, { kernelSize: 3, padding: 1 }], 5, 1, 0],
    [[{ kernelSize: 3, stride: 2 }, { kernelSize: 3, stride: 2 }], 7, 4, 3],
    [[{ kernelSize: 2, stride: 2 }, { kernelSize: 2, stride: 2 }, { kernelSize: 2, stride: 2 }], 8, 8, 3.5],
    [[{ kernelSize: 3, dilation: 2 }], 5, 1, 2],
    [[{ kernelSize: 3, dilation: 1 }, { kernelSize: 3, dilation: 2 }, { kernelSize: 3, dilation: 4 }], 15, 1, 7],
    // AlexNet's first layers: conv 11/4 pad 2, maxpool 3/2, conv 5 pad 2, maxpool 3/2.
    [[{ kernelSize: 11, stride: 4, padding: 2 }, { kernelSize: 3, stride: 2 }, { kernelSize: 5, padding: 2 }, { kernelSize: 3, stride: 2 }], 67, 16, 15],
    [[{ kernelSize: 7, stride: 2, padding: 3 }, { kernelSize: 3, stride: 2, padding: 1 }], 11, 4, 0],
  ] as const)('%j', (layers, size, jump, start) => {
    const rf = sc.receptiveField(layers as unknown as sc.ReceptiveLayer[]);
    const last = rf[rf.length - 1]!;
    expect(last.size[0]).toBe(size);
    expect(last.jump[0]).toBe(jump);
    expect(last.start[0]).toBe(start);
    expect(last.size[1]).toBe(size);
  });

  it('treats the axes separately and resolves padding like conv2d', () => {
    const rf = sc.receptiveField([{ kernelSize: [1, 2], stride: [1, 2], padding: [[0, 0], [1, 0]] }, { kernelSize: [3, 1], dilation: [2, 1] }], [6, 8]);
    expect(rf[0]).toEqual({ size: [1, 2], jump: [1, 2], start: [0, -0.5], padding: [0, 0, 1, 0], outputShape: [6, 4] });
    expect(rf[1]).toEqual({ size: [5, 2], jump: [1, 2], start: [2, -0.5], padding: [0, 0, 0, 0], outputShape: [2, 4] });
    // 'same' with stride 2 depends on the input size: 7 -> out 4, total pad 2; 8 -> total pad 1.
    expect(sc.receptiveField([{ kernelSize: 3, stride: 2, padding: 'same' }], [7, 8])[0]!.padding).toEqual([1, 1, 0, 1]);
  });

  it('accepts nn.Conv2d layers', () => {
    const conv = new sc.nn.Conv2d({ outChannels: 1, kernelSize: [3, 5], stride: 2, padding: 1, inChannels: 1, seed: 0 });
    expect(sc.receptiveField([conv, conv])[1]).toEqual({ size: [7, 13], jump: [4, 4], start: [0, 3], padding: [1, 1, 1, 1] });
    conv.parameters().forEach((p) => p.dispose());
  });

  it('huge kernels cost their span, not span x kernel (a 1e6 kernel under a 1000 kernel)', () => {
    // (It used to enumerate span x kernel positions and ran for minutes: the test timeout guards it.)
    const r = sc.receptiveFieldOf([{ kernelSize: [1, 1e6] }, { kernelSize: [1, 1000] }], [0, 0]);
    expect(r.cols).toEqual([0, 1e6 + 999]);
    expect(r.colIndices.length).toBe(1e6 + 999);
    expect(() => sc.receptiveFieldOf([{ kernelSize: [1, 1e5], dilation: [1, 1e4] }], [0, 0])).toThrow(sc.ArgumentError);
  });

  it('an empty stack is the identity', () => {
    expect(sc.receptiveField([])).toEqual([]);
    expect(sc.receptiveFieldOf([], [2, 1], [3, 3])).toMatchObject({ rows: [2, 3], cols: [1, 2], indices: [7] });
  });

  it('an output that sees only padding has an empty region', () => {
    const layers = [{ kernelSize: 1, padding: 2 }];
    const r = sc.receptiveFieldOf(layers, [0, 1], [3, 3]);
    expect(r).toMatchObject({ rows: [0, 0], rowIndices: [], cols: [0, 0], colIndices: [], indices: [] });
    // Column 1 alone would be inside the input, but row 0 is padding: the whole field is empty.
    // Autograd agrees: that output's gradient reaches no input.
    const touched = touchedByAutograd([{ kernelSize: [1, 1], stride: [1, 1], dilation: [1, 1], padding: 2 }], 3, 3, 0, 1, 3);
    expect(touched.flat().some(Boolean)).toBe(false);
  });
});

describe("the lesson's feature map and receptive field", () => {
  // X (3x3) --2x2 kernel--> Y = [[19, 25], [37, 43]] --2x2 kernel--> z (1x1).
  const one = [{ kernelSize: 2 }];
  const two = [{ kernelSize: 2 }, { kernelSize: 2 }];

  it("19's field is the inputs 0, 1, 3, 4; z's field is all nine", () => {
    expect(sc.receptiveFieldOf(one, [0, 0], [3, 3]).indices).toEqual([0, 1, 3, 4]);
    expect(sc.receptiveFieldOf(one, [1, 1], [3, 3]).indices).toEqual([4, 5, 7, 8]);
    expect(sc.receptiveFieldOf(two, [0, 0], [3, 3]).indices).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    // z's field in Y is all four of 19, 25, 37, 43.
    expect(sc.receptiveFieldOf(one, [0, 0], [2, 2]).indices).toEqual([0, 1, 2, 3]);
    expect(sc.receptiveField(two, [3, 3]).map((l) => [l.size, l.outputShape])).toEqual([[[2, 2], [2, 2]], [[3, 3], [1, 1]]]);
  });

  it('autograd agrees: d19/dX and dz/dX', () => {
    sc.tidy(() => {
      const X = sc.variable([[0, 1, 2], [3, 4, 5], [6, 7, 8]]);
      const K = sc.tensor([[0, 1], [2, 3]]);
      const Y = sc.corr2d(X, K);
      expect(Y.toArray()).toEqual([[19, 25], [37, 43]]);
      Y.backward(sc.tensor([[1, 0], [0, 0]]), { retainGraph: true });
      expect(Array.from(X.grad!.data(), (g, i) => (g !== 0 ? i : -1)).filter((i) => i >= 0)).toEqual([1, 3, 4]); // K[0,0] = 0 hides input 0
      X.zeroGrad();
      const z = sc.corr2d(Y, sc.ones([2, 2]));
      z.backward(sc.ones([1, 1]));
      expect(X.grad!.toArray()).toEqual([[0, 1, 1], [2, 6, 4], [2, 5, 3]]);
    });
  });
});

describe('bad input', () => {
  it.each([
    ['layers not an array', () => sc.receptiveField({} as never), sc.ArgumentError, 'layers'],
    ['a layer that is not an object', () => sc.receptiveField([3 as never]), sc.ArgumentError, 'layers[0]'],
    ['missing kernelSize', () => sc.receptiveField([{} as never]), sc.ArgumentError, 'layers[0].kernelSize'],
    ['an unknown key', () => sc.receptiveField([{ kernelSize: 3, strides: 2 } as never]), sc.ArgumentError, 'layers[0]'],
    ['kernelSize 0', () => sc.receptiveField([{ kernelSize: 3 }, { kernelSize: 0 }]), sc.ArgumentError, 'layers[1].kernelSize'],
    ['a fractional stride', () => sc.receptiveField([{ kernelSize: 3, stride: 1.5 }]), sc.ArgumentError, 'layers[0].stride'],
    ['a negative padding', () => sc.receptiveField([{ kernelSize: 3, padding: -1 }]), sc.ArgumentError, 'layers[0].padding'],
    ["padding 'same' with stride 2 and no input shape", () => sc.receptiveField([{ kernelSize: 3, stride: 2, padding: 'same' }]), sc.ArgumentError, 'inputShape'],
    ['a bad input shape', () => sc.receptiveField([{ kernelSize: 3 }], [0, 3] as never), sc.ShapeError, 'inputShape'],
    ['a kernel larger than its input', () => sc.receptiveField([{ kernelSize: 3 }, { kernelSize: 3 }], [4, 4]), sc.ShapeError, 'layers[1].kernelSize'],
    ['an output index out of range', () => sc.receptiveFieldOf([{ kernelSize: 2 }], [2, 0], [3, 3]), sc.ArgumentError, 'outputIndex[0]'],
    ['a negative output index', () => sc.receptiveFieldOf([{ kernelSize: 2 }], [0, -1]), sc.ArgumentError, 'outputIndex[1]'],
    ['an output index that is not a pair', () => sc.receptiveFieldOf([{ kernelSize: 2 }], 0 as never), sc.ArgumentError, 'outputIndex'],
  ])('%s', (_, fn, Err, argument) => {
    let err: unknown;
    try {
      fn();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(Err);
    const e = err as sc.SimdconvError;
    expect(e.argument).toBe(argument);
    expect(e.op).toMatch(/^receptiveField(Of)?$/);
    expect(e.expected.length).toBeGreaterThan(0);
    expect(e.got.length).toBeGreaterThan(0);
    expect(e.message).toContain(e.op);
  });

  it('names the layer in the message', () => {
    expect(() => sc.receptiveField([{ kernelSize: 3 }, { kernelSize: 3 }], [4, 4])).toThrow(/receptiveField: layers\[1\]: kernel 3x3 is larger than the input 2x2/);
  });
});
