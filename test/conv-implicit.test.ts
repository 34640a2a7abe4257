// The implicit-GEMM paths of the NCHW convolution (conv_nchw in assembly/gemm.ts) through the
// public API: forward on every many-channel geometry, and the input gradient where it takes that
// path (stride 1, 'same' or wider padding, >= 8 input channels per group: dx is a correlation of
// the zero-extended dy with the transposed, flipped weight). Against the float64 reference under
// both kernel variants, with groups, dilation, uneven padding, mode 'convolution', bias and
// sizes whose rows cross the 8-column panels; and bitwise the same whatever the split into parts.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as sc from '../src/index.js';
import { setKernelVariant } from '../src/wasm/kernels.js';
import { forceParts } from '../src/threads/pool.js';
import { randArray } from './helpers/random.js';
import { expectCloseToRef, type ConvCase } from './helpers/conv-refs.js';
import { conv2dGradInputRef, conv2dRef } from './reference/conv.js';

type Case = ConvCase;

/** Every case takes the implicit input gradient (stride 1, dx no larger than dy, >= 8 channels per group). */
const CASES: Case[] = [
  { name: '3x3 same, 8 -> 5, 11x13 (rows cross panels)', x: [2, 8, 11, 13], w: [5, 8, 3, 3], opts: { padding: 'same' } },
  { name: '3x3 padding 1, 16 -> 16, 8x8', x: [1, 16, 8, 8], w: [16, 16, 3, 3], opts: { padding: 1 } },
  { name: '5x5 uneven padding wider than same, 9 -> 7', x: [1, 9, 7, 10], w: [7, 9, 5, 5], opts: { padding: [[2, 3], [4, 2]] } },
  { name: '3x3 dilation 2, padding 2, 10 -> 6', x: [1, 10, 12, 9], w: [6, 10, 3, 3], opts: { padding: 2, dilation: 2 } },
  { name: 'groups 2, 16 -> 6, same', x: [2, 16, 9, 9], w: [6, 8, 3, 3], opts: { padding: 'same', groups: 2 } },
  { name: "mode 'convolution', 2x3 kernel, same", x: [1, 12, 10, 17], w: [4, 12, 2, 3], opts: { padding: 'same', mode: 'convolution' } },
  { name: '1x1, 20 -> 3', x: [1, 20, 5, 6], w: [3, 20, 1, 1], opts: {} },
  { name: '3x3 same, 72 -> 9 (two K blocks of dy rows)', x: [1, 72, 6, 5], w: [9, 72, 3, 3], opts: { padding: 1 } },
];

beforeAll(async () => {
  await sc.init();
});
afterAll(() => setKernelVariant('simd'));
afterEach(() => forceParts(null));

for (const variant of ['simd', 'scalar'] as const) {
  describe(`implicit GEMM (${variant})`, () => {
    beforeAll(() => setKernelVariant(variant));
    afterAll(() => setKernelVariant('simd'));
    for (const c of CASES) {
      it(`${c.name}: forward with bias, and dx`, () => {
        const [N, C, H, W] = c.x, [CO] = c.w;
        const xv = randArray(N * C * H * W, 1), wv = randArray(c.w.reduce((a, b) => a * b), 2), bv = randArray(CO, 3);
        sc.tidy(() => {
          const y = sc.conv2d(sc.tensor(xv, c.x), sc.tensor(wv, c.w), { ...c.opts, bias: sc.tensor(bv, [CO]) } as never);
          const ref = conv2dRef(xv, c.x, wv, c.w, { ...c.opts, bias: bv });
          expectCloseToRef(`${c.name} forward`, y.data(), ref);
          const dyv = randArray(ref.data.length, 4);
          const dx = sc.conv2dGradInput(sc.tensor(dyv, ref.shape), sc.tensor(wv, c.w), c.x, c.opts as never);
          expect(dx.shape).toEqual(c.x);
          expectCloseToRef(`${c.name} dx`, dx.data(), conv2dGradInputRef(dyv, wv, c.w, c.x, c.opts));
        });
      });
    }
  });
}

describe('implicit GEMM: the split into parts does not change a bit', () => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s', (_n, c) => {
    const [N, C, H, W] = c.x;
    const xv = randArray(N * C * H * W, 5), wv = randArray(c.w.reduce((a, b) => a * b), 6);
    const run = (parts: number): [Float32Array, Float32Array] => {
      forceParts(parts);
      return sc.tidy(() => {
        const y = sc.conv2d(sc.tensor(xv, c.x), sc.tensor(wv, c.w), c.opts as never);
        const dy = sc.tensor(randArray(y.size, 7), y.shape);
        return [y.data(), sc.conv2dGradInput(dy, sc.tensor(wv, c.w), c.x, c.opts as never).data()];
      });
    };
    const [y1, dx1] = run(1);
    for (const parts of [2, 3, 5]) {
      const [y, dx] = run(parts);
      expect(new Uint32Array(y.buffer), `forward, ${parts} parts`).toEqual(new Uint32Array(y1.buffer));
      expect(new Uint32Array(dx.buffer), `dx, ${parts} parts`).toEqual(new Uint32Array(dx1.buffer));
    }
  });
});
