// conv_oc (assembly/conv_few.ts), the direct NCHW forward kernel vectorised along 16 output
// channels for small images, through the public API with the kernel forced (forceFewTaps):
// against the float64 reference on shapes that reach every tail (output widths 1..17, so rows of
// odd width and their lone last pixel; batches 1..5; 16 and 32 output channels, so one and two
// channel blocks; input channels 1..9; padding, uneven padding, groups, mode 'convolution', HWIO
// weights, bias or none); bitwise equal to its scalar twin and to conv_nchw (the same summation
// order), and to itself whatever the split into parts (on a pool of two threads, so parts run in
// a worker too). Geometries it cannot take (channels not in blocks of 16 per group, strides,
// dilations) fall back to conv_nchw. Also which kernel the 'auto' rules choose.
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as sc from '../src/index.js';
import { setKernelVariant } from '../src/wasm/kernels.js';
import { dispatchedJobs, forceParts } from '../src/threads/pool.js';
import { forceFewTaps, nchwKernel } from '../src/ops/conv-forward.js';
import { geometry } from '../src/ops/conv-options.js';
import { randArray } from './helpers/random.js';
import { expectCloseToRef } from './helpers/conv-refs.js';
import { conv2dRef, type ConvRefOptions } from './reference/conv.js';
import { bits } from './helpers/tensor-checks.js';

interface Case {
  name: string;
  x: [number, number, number, number];
  w: [number, number, number, number];
  opts: ConvRefOptions & { layout?: never };
  bias?: boolean;
}

const CASES: Case[] = [
  // Output widths 1..17: even and odd rows (the lone last pixel), one row narrower than a tile.
  ...Array.from({ length: 17 }, (_, i): Case => ({ name: `3 -> 16, 3x3, output width ${i + 1}`, x: [2, 3, 5, i + 3], w: [16, 3, 3, 3], opts: {} })),
  // Batches 1..5 and input channels 1..9.
  ...[1, 2, 3, 4, 5].map((n): Case => ({ name: `batch ${n}, 2 -> 16, 5x5, 9x9`, x: [n, 2, 9, 9], w: [16, 2, 5, 5], opts: {} })),
  ...[1, 4, 5, 7, 9].map((c): Case => ({ name: `${c} -> 32, 3x3, 7x11 (two channel blocks)`, x: [2, c, 7, 11], w: [32, c, 3, 3], opts: {} })),
  { name: 'LeNet conv2 6 -> 16, 5x5, 14x14', x: [3, 6, 14, 14], w: [16, 6, 5, 5], opts: {} },
  { name: 'LeNet conv2 without bias', x: [2, 6, 14, 14], w: [16, 6, 5, 5], opts: {}, bias: false },
  { name: "5x5 'same', 4 -> 16, 9x13", x: [2, 4, 9, 13], w: [16, 4, 5, 5], opts: { padding: 'same' } },
  { name: 'uneven padding [[0, 2], [3, 1]], 2 -> 48', x: [1, 2, 6, 10], w: [48, 2, 3, 3], opts: { padding: [[0, 2], [3, 1]] } },
  { name: 'padding wider than the kernel (3 on 3x3), 1x2 input', x: [2, 1, 1, 2], w: [16, 1, 3, 3], opts: { padding: 3 } },
  { name: 'groups 2, 16 channels per group', x: [2, 6, 8, 9], w: [32, 3, 3, 3], opts: { groups: 2, padding: 1 } },
  { name: 'groups 3, 16 channels per group, 1x1', x: [1, 3, 4, 5], w: [48, 1, 1, 1], opts: { groups: 3 } },
  { name: "mode 'convolution', 2x3 kernel", x: [1, 3, 9, 12], w: [16, 3, 2, 3], opts: { mode: 'convolution', padding: [[1, 0], [2, 1]] } },
  { name: '1x1, 4 -> 16', x: [2, 4, 5, 7], w: [16, 4, 1, 1], opts: {} },
  { name: 'empty batch', x: [0, 3, 8, 8], w: [16, 3, 3, 3], opts: { padding: 1 } },
];

/** Geometries conv_oc cannot take: forcing it runs conv_nchw. */
const FALLBACK: Case[] = [
  ...[1, 8, 9, 15, 17, 24].map((co): Case => ({ name: `${co} output channels`, x: [1, 2, 6, 7], w: [co, 2, 3, 3], opts: {} })),
  { name: 'stride 2', x: [1, 2, 9, 9], w: [16, 2, 3, 3], opts: { stride: 2 } },
  { name: 'dilation [1, 2]', x: [1, 2, 9, 9], w: [16, 2, 3, 3], opts: { dilation: [1, 2] } },
  { name: 'groups 2, 32 channels per group', x: [1, 4, 6, 6], w: [64, 2, 3, 3], opts: { groups: 2 } },
];

/** conv2d of the case (bias unless c.bias is false), run by `kernel` under the current variant, in `parts` parts (null: the pool's choice). */
function run(c: Case, kernel: 'conv_oc' | 'conv_nchw', parts: number | null = null, seed = 1, hwio = false): Float32Array {
  const [N, C, H, W] = c.x, CO = c.w[0];
  forceFewTaps(kernel);
  forceParts(parts);
  try {
    return sc.tidy(() => {
      const x = sc.tensor(randArray(N * C * H * W, seed), c.x);
      const w = hwio ? sc.tensor(toHWIO(randArray(c.w.reduce((a, b) => a * b), seed + 1), c.w), [c.w[2], c.w[3], c.w[1], c.w[0]])
        : sc.tensor(randArray(c.w.reduce((a, b) => a * b), seed + 1), c.w);
      const bias = c.bias === false ? undefined : sc.tensor(randArray(CO, seed + 2), [CO]);
      return sc.conv2d(x, w, { ...c.opts, algorithm: 'direct', bias, ...(hwio ? { weightLayout: 'HWIO' } : {}) } as never).data();
    });
  } finally {
    forceFewTaps('auto');
    forceParts(null);
  }
}

/** An OIHW weight's values in HWIO order. */
function toHWIO(v: ArrayLike<number>, [O, I, H, W]: readonly number[]): Float32Array {
  const out = new Float32Array(v.length);
  for (let o = 0; o < O!; o++) for (let i = 0; i < I!; i++) for (let h = 0; h < H!; h++) for (let w = 0; w < W!; w++) {
    out[((h * W! + w) * I! + i) * O! + o] = v[((o * I! + i) * H! + h) * W! + w]!;
  }
  return out;
}

function kernelOf(c: Case, choice: 'auto' | 'conv_oc'): string {
  forceFewTaps(choice);
  try {
    return nchwKernel(geometry('conv2d', c.x, c.w, c.opts as never));
  } finally {
    forceFewTaps('auto');
  }
}

function reference(c: Case, seed = 1): ReturnType<typeof conv2dRef> {
  const [N, C, H, W] = c.x, CO = c.w[0];
  return conv2dRef(randArray(N * C * H * W, seed), c.x, randArray(c.w.reduce((a, b) => a * b), seed + 1), c.w,
    { ...c.opts, ...(c.bias === false ? {} : { bias: randArray(CO, seed + 2) }) });
}

beforeAll(async () => {
  await sc.init({ threads: 2 });
});
afterAll(() => setKernelVariant('simd'));
afterEach(() => setKernelVariant('simd'));

describe('conv_oc against the float64 reference and its twins', () => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s', (_n, c) => {
    expect(kernelOf(c, 'conv_oc')).toBe('conv_oc');
    const simd = run(c, 'conv_oc');
    expectCloseToRef(`${c.name} (simd)`, simd, reference(c));
    const nchw = run(c, 'conv_nchw');
    setKernelVariant('scalar');
    const scalar = run(c, 'conv_oc');
    setKernelVariant('simd');
    expect(bits(simd), 'SIMD = scalar twin').toEqual(bits(scalar));
    expect(bits(simd), 'conv_oc = conv_nchw').toEqual(bits(nchw));
  });

  it('reads an HWIO weight like the OIHW one', () => {
    const c = CASES.find((k) => k.name.startsWith('groups 2,'))!;
    expect(bits(run(c, 'conv_oc', null, 1, true))).toEqual(bits(run(c, 'conv_oc')));
  });
});

describe('geometries conv_oc cannot take run conv_nchw when it is forced', () => {
  it.each(FALLBACK.map((c) => [c.name, c] as const))('%s', (_n, c) => {
    expect(kernelOf(c, 'conv_oc')).toBe('conv_nchw');
    const y = run(c, 'conv_oc');
    expectCloseToRef(c.name, y, reference(c));
    expect(bits(y)).toEqual(bits(run(c, 'conv_nchw')));
  });
});

describe('conv_oc: the split into parts does not change a bit', () => {
  const split = CASES.filter((c) => /LeNet conv2 6|two channel blocks|groups 2,|'same'/.test(c.name) && c.x[0] > 0);
  it.each(split.map((c) => [c.name, c] as const))('%s', (_n, c) => {
    const one = run(c, 'conv_oc', 1);
    const before = dispatchedJobs();
    for (const parts of [2, 3]) expect(bits(run(c, 'conv_oc', parts)), `${parts} parts`).toEqual(bits(one));
    expect(dispatchedJobs(), 'jobs a worker ran').toBeGreaterThan(before);
  });
});

describe('conv_oc on random geometries (property)', () => {
  it('equals conv_nchw bitwise and the reference within tolerance', () => {
    fc.assert(fc.property(
      fc.record({
        N: fc.integer({ min: 1, max: 3 }), C: fc.integer({ min: 1, max: 5 }), blocks: fc.integer({ min: 1, max: 2 }),
        H: fc.integer({ min: 1, max: 9 }), W: fc.integer({ min: 1, max: 20 }),
        KH: fc.integer({ min: 1, max: 5 }), KW: fc.integer({ min: 1, max: 5 }),
        PT: fc.integer({ min: 0, max: 3 }), PB: fc.integer({ min: 0, max: 3 }), PL: fc.integer({ min: 0, max: 3 }), PR: fc.integer({ min: 0, max: 3 }),
      }).filter((p) => p.KH - 1 < p.H + p.PT + p.PB && p.KW - 1 < p.W + p.PL + p.PR),
      (p) => {
        const c: Case = {
          name: JSON.stringify(p), x: [p.N, p.C, p.H, p.W], w: [16 * p.blocks, p.C, p.KH, p.KW],
          opts: { padding: [[p.PT, p.PB], [p.PL, p.PR]] },
        };
        const y = run(c, 'conv_oc', null, 7);
        expect(bits(y), c.name).toEqual(bits(run(c, 'conv_nchw', null, 7)));
        expectCloseToRef(c.name, y, reference(c, 7));
      },
    ), { numRuns: 80 });
  });
});

describe("the 'auto' rules", () => {
  const rule = (x: number[], w: number[], opts: object): string => nchwKernel(geometry('conv2d', x, w, opts as never));
  it('take conv_oc for small images with blocks of 16 output channels and >= 48 taps: LeNet conv2', () => {
    expect(rule([256, 6, 14, 14], [16, 6, 5, 5], {})).toBe('conv_oc');
    expect(rule([64, 16, 12, 12], [32, 16, 3, 3], { padding: 1 })).toBe('conv_oc');
  });
  it('leave wide images to conv_nchw or conv_few, and channels not in blocks of 16 to conv_nchw', () => {
    expect(rule([16, 32, 32, 32], [32, 32, 3, 3], { padding: 1 })).toBe('conv_nchw');
    expect(rule([256, 1, 28, 28], [6, 1, 5, 5], { padding: 2 })).toBe('conv_few');
    expect(rule([256, 6, 14, 14], [12, 6, 5, 5], {})).toBe('conv_nchw');
  });
  it('leave fewer than 48 taps to conv_nchw', () => {
    expect(rule([256, 4, 10, 10], [32, 4, 3, 3], {})).toBe('conv_nchw');
    expect(rule([256, 16, 8, 8], [16, 16, 1, 3], {})).toBe('conv_oc');
  });
});
