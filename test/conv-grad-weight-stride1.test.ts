// The weight gradient of NCHW convolutions with column stride 1, computed by conv_grad_weight_nchw
// or conv_grad_weight_oc straight from the zero-padded input (the 'auto' rules of weightKernel in
// src/ops/conv-grad.ts; test/conv-grad-weight-channels.test.ts forces each), and of its neighbour
// on the column-matrix path (column stride 2): against the float64 reference under both kernel
// variants over shapes that reach every tail (output widths 1..9, 12 and 16; 1..7 input and output
// channels, so the last 4-row tile repeats rows; an odd tap count, so the last tap is alone; 5x5
// and 3x3, padding 2, row stride 2, dilation, groups, mode 'convolution', batches 0, 1, 3, 17, and
// images large enough to go in several runs); the twins bitwise equal; and bitwise the same
// whatever the split into parts.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as sc from '../src/index.js';
import { setKernelVariant } from '../src/wasm/kernels.js';
import { forceParts } from '../src/threads/pool.js';
import { randArray } from './helpers/random.js';
import { expectCloseToRef, type ConvCase } from './helpers/conv-refs.js';
import { conv2dGradWeightRef } from './reference/conv.js';

type Case = ConvCase;

const CASES: Case[] = [
  { name: "LeNet's second layer, batch 3 (output width 10)", x: [3, 6, 14, 14], w: [16, 6, 5, 5], opts: {} },
  { name: 'output width 12, 2 -> 7 channels, 5x5', x: [3, 2, 9, 16], w: [7, 2, 5, 5], opts: {} },
  { name: 'output width 16, 5 -> 3 channels, 3x3 padding 1', x: [2, 5, 6, 16], w: [3, 5, 3, 3], opts: { padding: 1 } },
  { name: "LeNet's first layer, batch 17 (6 rows: the last tile repeats one)", x: [17, 1, 28, 28], w: [6, 1, 5, 5], opts: { padding: 2 } },
  { name: 'batch 0', x: [0, 3, 9, 8], w: [4, 3, 3, 3], opts: { padding: 1 } },
  { name: 'batch 1, 7 -> 5 channels, 3x3 same', x: [1, 7, 11, 8], w: [5, 7, 3, 3], opts: { padding: 1 } },
  { name: 'row stride 2, dilation 2, padding 2', x: [2, 3, 17, 12], w: [3, 3, 3, 3], opts: { stride: [2, 1], dilation: 2, padding: 2 } },
  { name: "groups 2, mode 'convolution'", x: [3, 4, 10, 9], w: [6, 2, 3, 2], opts: { groups: 2, mode: 'convolution' } },
  { name: 'images in several runs (about 64 KB each)', x: [3, 4, 48, 48], w: [5, 4, 3, 3], opts: { padding: 1 } },
  { name: 'width 3 (one masked step per row)', x: [2, 2, 5, 5], w: [3, 2, 3, 3], opts: {} },
  { name: 'column stride 2 (the column-matrix path)', x: [2, 3, 9, 11], w: [4, 3, 3, 3], opts: { stride: 2, padding: 1 } },
];
// Output widths 1..9 (all but 4 and 8 end rows with a masked step) with 1..7 channels each way.
for (let wo = 1; wo <= 9; wo++) {
  const c = 1 + (wo % 7), o = 1 + ((wo * 3) % 7);
  CASES.push({ name: `output width ${wo}, ${c} -> ${o} channels, 5x5 padding 2`, x: [3, c, 6, wo], w: [o === 1 && c === 1 ? 2 : o, c, 5, 5], opts: { padding: 2 } });
}

beforeAll(async () => {
  await sc.init();
});
afterAll(() => setKernelVariant('simd'));
afterEach(() => forceParts(null));

/** dw of case c for seeded x and dy, with the kernel variant and parts currently set. */
function gradWeight(c: Case, seed: number): Float32Array {
  const [N, C, H, W] = c.x;
  const xv = randArray(N * C * H * W, seed);
  return sc.tidy(() => {
    const y = sc.conv2d(sc.tensor(xv, c.x), sc.zeros(c.w), c.opts as never);
    const dy = sc.tensor(randArray(y.size, seed + 1), y.shape);
    return sc.conv2dGradWeight(sc.tensor(xv, c.x), dy, c.w, c.opts as never).data();
  });
}

describe('stride-1 weight gradient against the float64 reference', () => {
  const rows = CASES.flatMap((c) => (['simd', 'scalar'] as const).map((v) => [`${c.name} (${v})`, c, v] as const));
  it.each(rows)('%s', (_n, c, variant) => {
    const [N, C, H, W] = c.x;
    const xv = randArray(N * C * H * W, 1);
    setKernelVariant(variant);
    try {
      sc.tidy(() => {
        const y = sc.conv2d(sc.tensor(xv, c.x), sc.zeros(c.w), c.opts as never);
        const dyv = randArray(y.size, 2);
        const dw = sc.conv2dGradWeight(sc.tensor(xv, c.x), sc.tensor(dyv, y.shape), c.w, c.opts as never);
        expect(dw.shape).toEqual(c.w);
        expectCloseToRef(`${c.name} dw`, dw.data(), conv2dGradWeightRef(xv, c.x, dyv, c.w, c.opts));
      });
    } finally {
      setKernelVariant('simd');
    }
  });
});

describe('stride-1 weight gradient: bitwise the same in both twins and whatever the split into parts', () => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s', (_n, c) => {
    const bits = (a: Float32Array) => new Uint32Array(a.buffer);
    const one = bits(gradWeight(c, 5));
    for (const parts of [2, 3, 7]) {
      forceParts(parts);
      expect(bits(gradWeight(c, 5)), `${parts} parts`).toEqual(one);
    }
    forceParts(null);
    setKernelVariant('scalar');
    try {
      expect(bits(gradWeight(c, 5)), 'scalar twin').toEqual(one);
    } finally {
      setKernelVariant('simd');
    }
  });
});
