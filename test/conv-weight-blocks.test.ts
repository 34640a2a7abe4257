// The weight gradient of direct (single-channel and depthwise) convolutions with few channels,
// whose per-channel sum is split into row blocks of dy (weightRowBlocks in src/ops/conv-grad.ts)
// so that it can be shared over threads: against the float64 reference under both kernel
// variants, with padding, batches, mode 'convolution' and uneven last blocks; bitwise the same
// whatever the split into parts; and the block count a function of the geometry only.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as sc from '../src/index.js';
import { setKernelVariant } from '../src/wasm/kernels.js';
import { forceParts } from '../src/threads/pool.js';
import { weightRowBlocks } from '../src/ops/conv-grad.js';
import { geometry as convGeometry } from '../src/ops/conv-options.js';
import { randArray } from './helpers/random.js';
import { expectCloseToRef, type ConvCase } from './helpers/conv-refs.js';
import { conv2dGradWeightRef } from './reference/conv.js';

interface Case extends ConvCase {
  blocks: number;
}

/** Every case is big enough to be split into row blocks (`blocks`, checked; the 7x3 case's last block is shorter). */
const CASES: Case[] = [
  { name: '1 channel 3x3, 2 blocks', x: [1, 1, 300, 130], w: [1, 1, 3, 3], opts: {}, blocks: 2 },
  { name: '1 channel 5x5 padded, odd width, 8 blocks', x: [1, 1, 260, 203], w: [1, 1, 5, 5], opts: { padding: 2 }, blocks: 8 },
  { name: "1 channel 1x2, batch 3, mode 'convolution'", x: [3, 1, 181, 400], w: [1, 1, 1, 2], opts: { mode: 'convolution' }, blocks: 3 },
  { name: 'depthwise 3 channels, batch 2, same', x: [2, 3, 161, 141], w: [3, 1, 3, 3], opts: { groups: 3, padding: 'same' }, blocks: 3 },
  { name: '2 channels 7x3, uneven last block', x: [1, 2, 117, 257], w: [2, 1, 7, 3], opts: { groups: 2 }, blocks: 4 },
];

beforeAll(async () => {
  await sc.init();
});
afterAll(() => setKernelVariant('simd'));
afterEach(() => forceParts(null));

function geometry(c: Case) {
  return convGeometry('conv2dGradWeight', c.x, c.w, c.opts);
}

it('the block count depends on the geometry only (and small jobs are not blocked)', () => {
  for (const c of CASES) {
    const g = geometry(c);
    expect(weightRowBlocks(g), c.name).toBe(c.blocks);
  }
  expect(weightRowBlocks(geometry({ name: 'lesson', x: [1, 1, 6, 8], w: [1, 1, 1, 2], opts: {}, blocks: 1 }))).toBe(1);
  expect(weightRowBlocks(geometry({ name: 'many channels', x: [1, 8, 300, 300], w: [8, 1, 3, 3], opts: { groups: 8 }, blocks: 1 }))).toBe(1);
});

for (const variant of ['simd', 'scalar'] as const) {
  describe(`row-blocked weight gradient (${variant})`, () => {
    beforeAll(() => setKernelVariant(variant));
    afterAll(() => setKernelVariant('simd'));
    for (const c of CASES) {
      it(c.name, () => {
        const [N, C, H, W] = c.x;
        const xv = randArray(N * C * H * W, 1);
        sc.tidy(() => {
          const y = sc.conv2d(sc.tensor(xv, c.x), sc.zeros(c.w), c.opts as never);
          const dyv = randArray(y.size, 2);
          const dw = sc.conv2dGradWeight(sc.tensor(xv, c.x), sc.tensor(dyv, y.shape), c.w, c.opts as never);
          expectCloseToRef(`${c.name} dw`, dw.data(), conv2dGradWeightRef(xv, c.x, dyv, c.w, c.opts));
        });
      });
    }
  });
}

describe('row-blocked weight gradient: the split into parts does not change a bit', () => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s', (_n, c) => {
    const [N, C, H, W] = c.x;
    const xv = randArray(N * C * H * W, 5);
    const run = (parts: number): Float32Array => {
      forceParts(parts);
      return sc.tidy(() => {
        const y = sc.conv2d(sc.tensor(xv, c.x), sc.zeros(c.w), c.opts as never);
        const dy = sc.tensor(randArray(y.size, 7), y.shape);
        return sc.conv2dGradWeight(sc.tensor(xv, c.x), dy, c.w, c.opts as never).data();
      });
    };
    const one = run(1);
    for (const parts of [2, 3, 5, 8]) expect(new Uint32Array(run(parts).buffer), `${parts} parts`).toEqual(new Uint32Array(one.buffer));
  });
});
