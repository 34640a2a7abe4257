// conv_few (assembly/conv_few.ts), the direct NCHW forward kernel for few input taps, through the
// public API with the kernel forced (forceFewTaps): against the float64 reference on shapes that
// reach every tail (output channels 1..17, so odd channel pairs, and blocks of up to 32 channels;
// odd counts on wide rows; output widths 1..17 and around the 16-pixel tiles; padding, uneven
// padding, strides with their phases, dilation, groups, mode 'convolution', bias, empty batches);
// bitwise equal to its scalar twin and to conv_nchw (the same contract and summation order), and
// to itself whatever the split into parts (on a pool of two threads, so parts run in a worker too).
// Also which kernel the 'auto' rules choose for the layers the kernel is for.
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as sc from '../src/index.js';
import { setKernelVariant } from '../src/wasm/kernels.js';
import { dispatchedJobs, forceParts } from '../src/threads/pool.js';
import { forceFewTaps, useFewTaps } from '../src/ops/conv-forward.js';
import { geometry } from '../src/ops/conv-options.js';
import { randArray } from './helpers/random.js';
import { expectCloseToRef, type ConvCase } from './helpers/conv-refs.js';
import { conv2dRef } from './reference/conv.js';
import { bits } from './helpers/tensor-checks.js';

type Case = ConvCase;

const CASES: Case[] = [
  // Output channels 1..17 (pairs and a lone last channel, each pair its own tap table), one tile and a partial one.
  ...Array.from({ length: 17 }, (_, i) => i + 1).map((co): Case => ({ name: `1 -> ${co}, 3x3, 20x19`, x: [2, 1, 20, 19], w: [co, 1, 3, 3], opts: {} })),
  // Output widths 1..15 (< 16: the tail through scratch) and 16, 17, 31, 33, 48, 50 (full tiles, overlapping last tile).
  ...[...Array.from({ length: 17 }, (_, i) => i + 1), 31, 33, 48, 50].map((wo): Case => ({ name: `3 -> 5, 3x3, output width ${wo}`, x: [1, 3, 4, wo + 2], w: [5, 3, 3, 3], opts: {} })),
  { name: 'e-like 3 -> 16, 3x3, 30x37', x: [2, 3, 30, 37], w: [16, 3, 3, 3], opts: {} },
  // Odd channel counts (a lone last channel, paired with itself) on rows of >= 24 pixels, as the 'auto' rules give them.
  ...[[1, 24], [3, 25], [5, 47], [1, 48], [3, 50], [7, 71], [1, 30]].map(([co, wo]): Case => ({
    name: `4 -> ${co}, 3x3, output width ${wo} (a lone last channel)`, x: [2, 4, 5, wo + 2], w: [co, 4, 3, 3], opts: {} })),
  { name: '16 -> 3, 3x3, padding 2 (an input gradient as a forward), 33 wide', x: [1, 16, 6, 33], w: [3, 16, 3, 3], opts: { padding: 2 } },
  { name: 'stride 2 (two phases), 3 -> 3, 60 wide', x: [1, 3, 7, 60], w: [3, 3, 3, 3], opts: { stride: 2, padding: 1 } },
  { name: 'groups 2, 6 -> 2 (one channel a group), 27 wide', x: [1, 6, 5, 29], w: [2, 3, 3, 3], opts: { groups: 2 } },
  // Blocks of output channels (ceil(CO/32) blocks of even sizes, each its own tap tables and strips).
  ...[31, 32, 33, 47, 65].map((co): Case => ({ name: `2 -> ${co}, 3x3, 7x21 (channel blocks)`, x: [1, 2, 7, 21], w: [co, 2, 3, 3], opts: { padding: 1 } })),
  { name: 'LeNet conv1 1 -> 6, 5x5, padding 2', x: [3, 1, 28, 28], w: [6, 1, 5, 5], opts: { padding: 2 } },
  { name: "5x5 'same', 2 -> 7, 9x21", x: [2, 2, 9, 21], w: [7, 2, 5, 5], opts: { padding: 'same' } },
  { name: 'uneven padding [[0, 2], [3, 1]]', x: [1, 2, 11, 18], w: [4, 2, 3, 3], opts: { padding: [[0, 2], [3, 1]] } },
  { name: 'padding wider than the kernel (3 on 3x3), narrow input', x: [1, 1, 5, 2], w: [3, 1, 3, 3], opts: { padding: 3 } },
  { name: 'stride 2, padding 1, 3 -> 9', x: [2, 3, 23, 41], w: [9, 3, 3, 3], opts: { stride: 2, padding: 1 } },
  { name: 'stride [1, 3] (three phases), 7x7-wide kernel', x: [1, 2, 8, 60], w: [5, 2, 2, 7], opts: { stride: [1, 3], padding: [[1, 0], [3, 3]] } },
  { name: 'stride [3, 2], dilation 2', x: [1, 2, 19, 45], w: [6, 2, 3, 3], opts: { stride: [3, 2], dilation: 2, padding: 2 } },
  { name: 'dilation [2, 3], padding 3', x: [2, 1, 13, 29], w: [5, 1, 3, 3], opts: { dilation: [2, 3], padding: 3 } },
  { name: 'groups 2, 4 -> 6', x: [2, 4, 12, 20], w: [6, 2, 3, 3], opts: { groups: 2, padding: 1 } },
  { name: 'groups 3 (depthwise x 2), 3 -> 6', x: [1, 3, 10, 17], w: [6, 1, 3, 3], opts: { groups: 3, padding: 1 } },
  { name: "mode 'convolution', 2x3 kernel", x: [1, 3, 9, 22], w: [4, 3, 2, 3], opts: { mode: 'convolution', padding: [[1, 0], [2, 1]] } },
  { name: '1x1, 4 -> 3', x: [2, 4, 5, 18], w: [3, 4, 1, 1], opts: {} },
  { name: 'empty batch', x: [0, 3, 8, 8], w: [4, 3, 3, 3], opts: { padding: 1 } },
];

/** conv2d of the case with bias, run by `kernel` under the current variant, in `parts` parts (null: the pool's choice). */
function run(c: Case, kernel: 'conv_few' | 'conv_nchw', parts: number | null = null, seed = 1): Float32Array {
  const [N, C, H, W] = c.x, CO = c.w[0];
  forceFewTaps(kernel);
  forceParts(parts);
  try {
    return sc.tidy(() => {
      const x = sc.tensor(randArray(N * C * H * W, seed), c.x), w = sc.tensor(randArray(c.w.reduce((a, b) => a * b), seed + 1), c.w);
      return sc.conv2d(x, w, { ...c.opts, algorithm: 'direct', bias: sc.tensor(randArray(CO, seed + 2), [CO]) } as never).data();
    });
  } finally {
    forceFewTaps('auto');
    forceParts(null);
  }
}

beforeAll(async () => {
  await sc.init({ threads: 2 });
});
afterAll(() => setKernelVariant('simd'));
afterEach(() => setKernelVariant('simd'));

describe('conv_few against the float64 reference and its twins', () => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s', (_n, c) => {
    const [N, C, H, W] = c.x, CO = c.w[0];
    const ref = conv2dRef(randArray(N * C * H * W, 1), c.x, randArray(c.w.reduce((a, b) => a * b), 2), c.w,
      { ...c.opts, bias: randArray(CO, 3) });
    const simd = run(c, 'conv_few');
    expectCloseToRef(`${c.name} (simd)`, simd, ref);
    const nchw = run(c, 'conv_nchw');
    setKernelVariant('scalar');
    const scalar = run(c, 'conv_few');
    setKernelVariant('simd');
    expect(bits(simd), 'SIMD = scalar twin').toEqual(bits(scalar));
    expect(bits(simd), 'conv_few = conv_nchw').toEqual(bits(nchw));
  });
});

describe('conv_few: the split into parts does not change a bit', () => {
  const split = CASES.filter((c) => c.x[0] > 0 && /e-like|LeNet|stride 2|groups 2|dilation \[|input gradient/.test(c.name));
  it.each(split.map((c) => [c.name, c] as const))('%s', (_n, c) => {
    const one = run(c, 'conv_few', 1);
    const before = dispatchedJobs();
    for (const parts of [2, 3]) expect(bits(run(c, 'conv_few', parts)), `${parts} parts`).toEqual(bits(one));
    expect(dispatchedJobs(), 'jobs a worker ran').toBeGreaterThan(before);
  });
});

describe('conv_few on random geometries (property)', () => {
  it('equals conv_nchw bitwise and the reference within tolerance', () => {
    fc.assert(fc.property(
      fc.record({
        N: fc.integer({ min: 1, max: 2 }), C: fc.integer({ min: 1, max: 3 }), CO: fc.integer({ min: 1, max: 9 }),
        H: fc.integer({ min: 1, max: 9 }), W: fc.integer({ min: 1, max: 40 }),
        KH: fc.integer({ min: 1, max: 5 }), KW: fc.integer({ min: 1, max: 5 }),
        SH: fc.integer({ min: 1, max: 3 }), SW: fc.integer({ min: 1, max: 3 }),
        DH: fc.integer({ min: 1, max: 2 }), DW: fc.integer({ min: 1, max: 2 }),
        PT: fc.integer({ min: 0, max: 3 }), PB: fc.integer({ min: 0, max: 3 }), PL: fc.integer({ min: 0, max: 3 }), PR: fc.integer({ min: 0, max: 3 }),
      }).filter((p) => p.DH * (p.KH - 1) < p.H + p.PT + p.PB && p.DW * (p.KW - 1) < p.W + p.PL + p.PR),
      (p) => {
        const c: Case = {
          name: JSON.stringify(p), x: [p.N, p.C, p.H, p.W], w: [p.CO, p.C, p.KH, p.KW],
          opts: { stride: [p.SH, p.SW], dilation: [p.DH, p.DW], padding: [[p.PT, p.PB], [p.PL, p.PR]] },
        };
        const few = run(c, 'conv_few', null, 7);
        expect(bits(few), c.name).toEqual(bits(run(c, 'conv_nchw', null, 7)));
        expectCloseToRef(c.name, few, conv2dRef(randArray(p.N * p.C * p.H * p.W, 7), c.x,
          randArray(p.CO * p.C * p.KH * p.KW, 8), c.w, { ...c.opts, bias: randArray(p.CO, 9) }));
      },
    ), { numRuns: 120 });
  });
});

describe("the 'auto' rules", () => {
  const rule = (x: number[], w: number[], opts: object): boolean => useFewTaps(geometry('conv2d', x, w, opts as never));
  it('take conv_few for few input taps: the first layers of shape e and of LeNet', () => {
    expect(rule([8, 3, 224, 224], [16, 3, 3, 3], {})).toBe(true);
    expect(rule([256, 1, 28, 28], [6, 1, 5, 5], { padding: 2 })).toBe(true);
  });
  it('leave many input taps to conv_nchw', () => {
    expect(rule([1, 64, 56, 56], [64, 64, 3, 3], { padding: 1 })).toBe(false);
    expect(rule([256, 6, 14, 14], [16, 6, 5, 5], {})).toBe(false);
    expect(rule([4, 64, 56, 56], [9, 64, 3, 3], { padding: 1 })).toBe(false);
  });
  it('take conv_few for up to 8 output channels a group and up to 800 taps, on rows of >= 32 pixels', () => {
    expect(rule([8, 16, 224, 224], [3, 16, 3, 3], { padding: 2 })).toBe(true);
    expect(rule([4, 32, 112, 112], [3, 32, 5, 5], { padding: 2 })).toBe(true);
    expect(rule([4, 64, 112, 112], [8, 16, 3, 3], { padding: 1, groups: 4 })).toBe(true);
    expect(rule([4, 64, 112, 112], [4, 64, 3, 3], { padding: 1, stride: 2 })).toBe(true);
    expect(rule([16, 128, 28, 28], [4, 128, 3, 3], { padding: 1 })).toBe(false); // 28 pixels wide, 1152 taps
    expect(rule([4, 128, 64, 64], [4, 128, 3, 3], { padding: 1 })).toBe(false); // 1152 taps
    expect(rule([64, 6, 28, 28], [1, 6, 5, 5], {})).toBe(false); // 24 pixels wide, 150 taps
  });
});
