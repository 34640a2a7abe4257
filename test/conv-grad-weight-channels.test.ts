// The NCHW weight gradient at column stride 1 by its two kernels, forced through the public API
// (forceWeightKernel): conv_grad_weight_nchw (vectorised along output columns, a masked last step
// on rows whose width is not a multiple of 4) and conv_grad_weight_oc (vectorised along output
// channels, dy copied channels-last). Against the float64 reference under both kernel variants on
// shapes that reach every tail (output widths 1..17; 1..7 input and 1..17 output channels, so
// partial 4-channel vectors and 16-channel tiles; kernels 1x1..5x5; batches 1..5; padding, row
// stride, dilation, groups, mode 'convolution', the HWIO weight layout) and on random geometries
// (fast-check); each twin pair bitwise equal; bitwise the same whatever the split into parts on a
// pool of two threads (parts run in a worker); finite differences of conv2d's weight gradient
// under the 'auto' rules; and which kernel those rules pick for LeNet's layers.
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as sc from '../src/index.js';
import { setKernelVariant } from '../src/wasm/kernels.js';
import { dispatchedJobs, forceParts } from '../src/threads/pool.js';
import { forceWeightKernel, setRowBandBytes, weightKernel } from '../src/ops/conv-grad.js';
import { geometry } from '../src/ops/conv-options.js';
import { randArray } from './helpers/random.js';
import { expectCloseToRef, type ConvCase } from './helpers/conv-refs.js';
import { conv2dGradWeightRef, conv2dRef } from './reference/conv.js';
import { Gen, gradcheck, type Arr64 } from './helpers/gradcheck.js';
import { bits } from './helpers/tensor-checks.js';

type Case = ConvCase & { hwio?: boolean };

const CASES: Case[] = [
  { name: "LeNet's second layer 6 -> 16, 5x5, batch 3 (output width 10)", x: [3, 6, 14, 14], w: [16, 6, 5, 5], opts: {} },
  { name: '3 -> 32, 3x3 padding 1 (two 16-channel tiles)', x: [2, 3, 9, 11], w: [32, 3, 3, 3], opts: { padding: 1 } },
  { name: '2 -> 17 channels (a lone last vector of one channel)', x: [2, 2, 8, 9], w: [17, 2, 3, 3], opts: {} },
  { name: 'row stride 2, dilation 2, padding 2', x: [2, 3, 17, 12], w: [16, 3, 3, 3], opts: { stride: [2, 1], dilation: 2, padding: 2 } },
  { name: "groups 2 (16 per group), mode 'convolution'", x: [3, 4, 10, 9], w: [32, 2, 3, 2], opts: { groups: 2, mode: 'convolution' } },
  { name: 'HWIO weight layout, 5 -> 16, padding 1', x: [2, 5, 7, 7], w: [16, 5, 3, 3], opts: { padding: 1 }, hwio: true },
  { name: 'images in several runs (about 64 KB each)', x: [5, 4, 40, 40], w: [16, 4, 3, 3], opts: { padding: 1 } },
  { name: 'batch 0', x: [0, 3, 9, 8], w: [16, 3, 3, 3], opts: { padding: 1 } },
  { name: 'bands of output rows: 18 -> 16, output 70x61 (dy of an image over 256 KB)', x: [1, 18, 72, 63], w: [16, 18, 3, 3], opts: {} },
];
// Output widths 1..17 with 1..7 input channels, 1..17 output channels, kernels 1..5 and batches 1..5.
for (let wo = 1; wo <= 17; wo++) {
  const c = 1 + (wo % 7), o = 1 + ((wo * 5) % 17), kh = 1 + (wo % 5), kw = 1 + ((wo * 3) % 5), n = 1 + (wo % 5);
  CASES.push({ name: `output width ${wo}, ${c} -> ${o} channels, ${kh}x${kw}, batch ${n}`, x: [n, c, 3 + kh, wo + kw - 1], w: [o, c, kh, kw], opts: {} });
}
for (let co = 1; co <= 17; co++) {
  CASES.push({ name: `${1 + (co % 4)} -> ${co} channels, 3x3 padding 1, output width ${5 + (co % 4)}`, x: [2, 1 + (co % 4), 4, 5 + (co % 4)], w: [co, 1 + (co % 4), 3, 3], opts: { padding: 1 } });
}

const KERNELS = ['nchw', 'channels'] as const;

/** dw of case c for x and dy seeded by `seed`, by `kernel` under the current variant, in `parts` parts (null: the pool's choice). */
function gradWeight(c: Case, kernel: 'nchw' | 'channels' | 'auto', seed: number, parts: number | null = null): Float32Array {
  const [N, C, H, W] = c.x;
  const [O, I, KH, KW] = c.w;
  const opts = { ...c.opts, ...(c.hwio ? { weightLayout: 'HWIO' } : {}) } as never;
  forceWeightKernel(kernel);
  forceParts(parts);
  try {
    return sc.tidy(() => {
      const x = sc.tensor(randArray(N * C * H * W, seed), c.x);
      const y = sc.conv2d(x, sc.zeros(c.hwio ? [KH, KW, I, O] : c.w), opts);
      const dw = sc.conv2dGradWeight(x, sc.tensor(randArray(y.size, seed + 1), y.shape), c.hwio ? [KH, KW, I, O] : c.w, opts);
      return c.hwio ? toOIHW(dw.data(), c.w) : dw.data();
    });
  } finally {
    forceWeightKernel('auto');
    forceParts(null);
  }
}

/** An HWIO weight [KH][KW][I][O] as OIHW (shape w). */
function toOIHW(hwio: Float32Array, [O, I, KH, KW]: readonly number[]): Float32Array {
  const out = new Float32Array(hwio.length);
  for (let o = 0; o < O!; o++) {
    for (let i = 0; i < I!; i++) {
      for (let a = 0; a < KH!; a++) for (let b = 0; b < KW!; b++) out[((o * I! + i) * KH! + a) * KW! + b] = hwio[((a * KW! + b) * I! + i) * O! + o]!;
    }
  }
  return out;
}

beforeAll(async () => {
  await sc.init({ threads: 2 });
});
afterAll(() => setKernelVariant('simd'));
afterEach(() => setKernelVariant('simd'));

describe('stride-1 weight gradient kernels against the float64 reference and their scalar twins', () => {
  const rows = CASES.flatMap((c) => KERNELS.map((k) => [`${c.name} (${k})`, c, k] as const));
  it.each(rows)('%s', (_n, c, kernel) => {
    const [N, C, H, W] = c.x;
    const y = conv2dRef(randArray(N * C * H * W, 1), c.x, new Float32Array(c.w.reduce((a, b) => a * b)), c.w, c.opts);
    const ref = conv2dGradWeightRef(randArray(N * C * H * W, 1), c.x, randArray(y.data.length, 2), c.w, c.opts);
    const simd = gradWeight(c, kernel, 1);
    expectCloseToRef(`${c.name} dw (simd)`, simd, ref);
    setKernelVariant('scalar');
    const scalar = gradWeight(c, kernel, 1);
    setKernelVariant('simd');
    expect(bits(simd), 'SIMD = scalar twin').toEqual(bits(scalar));
  });
});

describe('stride-1 weight gradient kernels: the split into parts does not change a bit', () => {
  const split = CASES.filter((c) => c.x[0] > 0 && /LeNet|two 16|groups 2|several runs|width 10,|width 13,|bands/.test(c.name));
  const rows = split.flatMap((c) => KERNELS.map((k) => [`${c.name} (${k})`, c, k] as const));
  it.each(rows)('%s', (_n, c, kernel) => {
    const one = gradWeight(c, kernel, 5, 1);
    const before = dispatchedJobs();
    for (const parts of [2, 3, 7]) expect(bits(gradWeight(c, kernel, 5, parts)), `${parts} parts`).toEqual(bits(one));
    expect(dispatchedJobs(), 'jobs a worker ran').toBeGreaterThan(before);
  });
});

describe('stride-1 weight gradient kernels on random geometries (property)', () => {
  it('both kernels agree with the float64 reference within tolerance', () => {
    fc.assert(fc.property(
      fc.record({
        N: fc.integer({ min: 1, max: 3 }), C: fc.integer({ min: 1, max: 4 }), CO: fc.integer({ min: 1, max: 20 }),
        H: fc.integer({ min: 1, max: 9 }), W: fc.integer({ min: 1, max: 21 }),
        KH: fc.integer({ min: 1, max: 5 }), KW: fc.integer({ min: 1, max: 5 }), SH: fc.integer({ min: 1, max: 3 }),
        DH: fc.integer({ min: 1, max: 2 }), DW: fc.integer({ min: 1, max: 2 }),
        PT: fc.integer({ min: 0, max: 2 }), PB: fc.integer({ min: 0, max: 2 }), PL: fc.integer({ min: 0, max: 2 }), PR: fc.integer({ min: 0, max: 2 }),
      }).filter((p) => p.DH * (p.KH - 1) < p.H + p.PT + p.PB && p.DW * (p.KW - 1) < p.W + p.PL + p.PR),
      (p) => {
        const c: Case = {
          name: JSON.stringify(p), x: [p.N, p.C, p.H, p.W], w: [p.CO, p.C, p.KH, p.KW],
          opts: { stride: [p.SH, 1], dilation: [p.DH, p.DW], padding: [[p.PT, p.PB], [p.PL, p.PR]] },
        };
        const y = conv2dRef(randArray(p.N * p.C * p.H * p.W, 3), c.x, new Float32Array(p.CO * p.C * p.KH * p.KW), c.w, c.opts);
        const ref = conv2dGradWeightRef(randArray(p.N * p.C * p.H * p.W, 3), c.x, randArray(y.data.length, 4), c.w, c.opts);
        for (const kernel of KERNELS) expectCloseToRef(`${c.name} (${kernel})`, gradWeight(c, kernel, 3), ref);
      },
    ), { numRuns: 100 });
  });
});

describe("conv2d's weight gradient under the 'auto' rules: finite differences", () => {
  const FD: Case[] = [
    { name: '2 -> 16, 5x5, output width 6', x: [2, 2, 8, 10], w: [16, 2, 5, 5], opts: {} },
    { name: '3 -> 5, 3x3 padding 1, output width 7', x: [2, 3, 5, 7], w: [5, 3, 3, 3], opts: { padding: 1 } },
  ];
  it.each(FD.map((c) => [c.name, c] as const))('%s', (_n, c) => {
    const g = new Gen(3);
    const report = gradcheck({
      f: ([x, w]) => sc.conv2d(x!, w!, c.opts as never),
      ref: ([x, w]: Arr64[]) => {
        const y = conv2dRef(x!.data, x!.shape, w!.data, w!.shape, c.opts);
        return { data: y.data, shape: y.shape };
      },
      inputs: [{ ...g.uniform(c.x), requiresGrad: false }, g.uniform(c.w)],
      seed: 11,
    });
    expect(report.failures).toEqual([]);
    expect(report.checked).toBe(c.w.reduce((a, b) => a * b));
  });
});

describe('conv_grad_weight_oc in bands of output rows', () => {
  it('gives the bits of whole images, for every band size down to one row', () => {
    const c = CASES.find((k) => k.name.startsWith('bands'))!;
    const was = setRowBandBytes(Infinity);
    try {
      const whole = bits(gradWeight(c, 'channels', 7));
      for (const bytes of [1, 61 * 64 * 3, 32768, 65536]) {
        setRowBandBytes(bytes);
        expect(bits(gradWeight(c, 'channels', 7)), `${bytes}-byte bands`).toEqual(whole);
      }
    } finally {
      setRowBandBytes(was);
    }
  });
});

describe("the 'auto' rules", () => {
  it.each([
    ["LeNet's second layer (6 -> 16, output width 10)", [256, 6, 14, 14], [16, 6, 5, 5], {}, 'channels'],
    ['6 -> 16 at output width 12', [256, 6, 16, 16], [16, 6, 5, 5], {}, 'nchw'],
    ['32 -> 32 at 32x32 padding 1', [16, 32, 32, 32], [32, 32, 3, 3], { padding: 1 }, 'nchw'],
    ['16 -> 32 at output width 13', [2, 16, 15, 15], [32, 16, 3, 3], {}, 'channels'],
    ['16 -> 24 at output width 13 (not whole 16-channel tiles)', [2, 16, 15, 15], [24, 16, 3, 3], {}, 'nchw'],
    ['16 -> 64 at 50x130 (dy of an image over 256 KB)', [1, 16, 52, 132], [64, 16, 3, 3], {}, 'nchw'],
    ['64 -> 64 at 56x56 padding 1 (dy of an image over 256 KB)', [1, 64, 56, 56], [64, 64, 3, 3], { padding: 1 }, 'nchw'],
    ["LeNet's first layer (1 -> 6, padding 2)", [256, 1, 28, 28], [6, 1, 5, 5], { padding: 2 }, 'nchw'],
    ['3 -> 8, output width 13', [4, 3, 15, 15], [8, 3, 3, 3], {}, 'nchw'],
    ['column stride 2', [2, 16, 16, 16], [16, 16, 3, 3], { stride: 2, padding: 1 }, 'columns'],
    ['3 -> 16 at 222x222 (27 taps, output width 222)', [8, 3, 224, 224], [16, 3, 3, 3], {}, 'nchw'],
    ['64 -> 64 at 54x54 (576 taps, output width 54; dy of an image over 256 KB)', [1, 64, 56, 56], [64, 64, 3, 3], {}, 'channels'],
    ['128 -> 128 at 26x26 (1152 taps, output width 26; dy of an image over 256 KB)', [1, 128, 28, 28], [128, 128, 3, 3], {}, 'channels'],
    ['64 -> 72 at 54x54 (576 taps, not whole 16-channel tiles)', [1, 64, 56, 56], [72, 64, 3, 3], {}, 'columns'],
  ] as const)('%s: %s', (_n, x, w, opts, want) => {
    expect(weightKernel(geometry('test', x, w, opts as never))).toBe(want);
  });
});
