// Tests of corr2d_grad_weight, the filter gradient of a valid correlation (assembly/corr2d_grad.ts),
// called directly on the test build: both twins against float64 references over kernel and
// output shapes that reach every tap group and lane tail, masked rows and lanes, empty sums, and
// the bitwise agreement of the twins (documented summation order).
import { describe, expect, it } from 'vitest';
import { VARIANTS, kernel, type Variant } from '../helpers/raw-wasm.js';
import { readRegion, region } from '../helpers/guarded.js';
import { expectBitwise, expectUntouched, useRawWasm, w } from '../helpers/kernel-wasm.js';
import { expectNear, newRef, type Ref } from '../helpers/conv-refs.js';
import { randArray } from '../helpers/random.js';

useRawWasm();

// corr2d_grad_weight: the filter gradient of a valid correlation

/** Float64 reference: dw[a, b] = Σ dy(i, j) * x(i+a, j+b). */
function gradWeightRef(x: Float32Array, H: number, W: number, dy: Float32Array, KH: number, KW: number): Ref {
  const HO = H - KH + 1, WO = W - KW + 1;
  const r = newRef(KH * KW);
  for (let a = 0; a < KH; a++) {
    for (let b = 0; b < KW; b++) {
      let s = 0, m = 0;
      for (let i = 0; i < HO; i++) {
        for (let j = 0; j < WO; j++) {
          const t = dy[i * WO + j] * x[(i + a) * W + j + b];
          s += t;
          m += Math.abs(t);
        }
      }
      r.val[a * KW + b] = s;
      r.mag[a * KW + b] = m;
    }
  }
  return r;
}

interface GradWeightCase {
  HO: number;
  WO: number;
  KH: number;
  KW: number;
  accumulate: boolean;
  unaligned: boolean;
  seed: number;
}

function runGradWeightKernel(v: Variant, c: GradWeightCase, xd?: Float32Array): Float32Array {
  const { HO, WO, KH, KW } = c;
  const H = HO + KH - 1, W = WO + KW - 1;
  xd ??= randArray(H * W, c.seed);
  const dyd = randArray(HO * WO, c.seed + 1);
  const dw0 = c.accumulate ? randArray(KH * KW, c.seed + 2) : undefined;
  const x = region(w, H * W, xd, c.unaligned);
  const dy = region(w, HO * WO, dyd, !c.unaligned);
  const dw = region(w, KH * KW, dw0, c.unaligned);
  kernel(w, 'corr2d_grad_weight', v)(x.ptr, H, W, dy.ptr, KH, KW, dw.ptr, c.accumulate ? 1 : 0);
  const ctx = `corr2d_grad_weight_${v} x ${H}x${W}, dy ${HO}x${WO}, dw ${KH}x${KW} acc=${c.accumulate}`;
  const got = readRegion(w, dw);
  expectNear(got, gradWeightRef(xd, H, W, dyd, KH, KW), ctx, undefined, dw0);
  expectUntouched(dw, ctx);
  expect(readRegion(w, x), `${ctx}: x changed`).toEqual(xd);
  expect(readRegion(w, dy), `${ctx}: dy changed`).toEqual(dyd);
  return got;
}

/** Kernel sizes reaching every tap group shape (3x3 with its lone 9th tap, 3x2, 2x3, 2x2, 3x1, 1x3, 2x1, 1x2, 1x1). */
const GRAD_KERNELS: [number, number][] = [
  [1, 1], [1, 2], [2, 1], [1, 3], [3, 1], [2, 2], [2, 3], [3, 2], [3, 3], [4, 4], [5, 5], [7, 7], [2, 5], [1, 5],
];
/** dy widths 1..20 and 31..33 (scalar WO < 4, one/two-vector steps, 16-column steps, every remainder and tail); heights 1..7 (groups taller than dy, first and last rows). */
const GRAD_WO = [...Array.from({ length: 20 }, (_, i) => i + 1), 31, 32, 33];
const GRAD_HO = [1, 2, 3, 4, 5, 7];

describe.each(VARIANTS)('corr2d_grad_weight (%s)', (v) => {
  it.each(GRAD_KERNELS)('kernel %ix%i: dy widths 1..20, 31..33, heights 1..7, accumulate, unaligned', (KH, KW) => {
    let seed = 1;
    for (const HO of GRAD_HO) {
      for (const WO of GRAD_WO) {
        w.reset();
        runGradWeightKernel(v, { HO, WO, KH, KW, accumulate: (seed & 2) === 2, unaligned: (seed & 1) === 1, seed: seed++ });
      }
    }
  });

  it.each([[62, 75, 3, 3], [40, 41, 5, 5], [31, 70, 1, 2], [20, 29, 7, 7], [9, 1030, 3, 3]])('larger dy %ix%i, kernel %ix%i', (HO, WO, KH, KW) => {
    for (const accumulate of [false, true]) {
      w.reset();
      runGradWeightKernel(v, { HO, WO, KH, KW, accumulate, unaligned: accumulate, seed: HO * WO + KH });
    }
  });

  it('masked rows and lanes stay out of the sums: infinite first and last input rows reach only the taps that read them', () => {
    for (const [HO, WO, KH, KW] of [[5, 9, 3, 3], [2, 13, 3, 3], [6, 7, 5, 5], [4, 6, 3, 1], [1, 5, 3, 3]]) {
      w.reset();
      const H = HO + KH - 1, W = WO + KW - 1;
      const xd = randArray(H * W, HO + WO);
      xd.fill(Infinity, 0, W); // row 0: read only by kernel row 0
      xd.fill(-Infinity, (H - 1) * W); // row H-1: read only by kernel row KH-1
      const dyd = randArray(HO * WO, 5).map((d) => Math.abs(d) + 0.5); // positive: each infinite product keeps its sign
      const x = w.alloc(H * W, xd), dy = w.alloc(HO * WO, dyd), dw = w.alloc(KH * KW);
      kernel(w, 'corr2d_grad_weight', v)(x, H, W, dy, KH, KW, dw, 0);
      const got = w.read(dw, KH * KW);
      for (let a = 0; a < KH; a++) {
        for (let b = 0; b < KW; b++) {
          const want = KH === 1 ? NaN : a === 0 ? Infinity : a === KH - 1 ? -Infinity : 'finite';
          const g = got[a * KW + b];
          const ctx = `${HO}x${WO} * ${KH}x${KW} tap (${a}, ${b}) = ${g}`;
          if (want === 'finite') expect(Number.isFinite(g), ctx).toBe(true);
          else expect(g, ctx).toBe(want);
        }
      }
    }
  });

  it('empty sums: dy with no rows or columns gives +0 (dw unchanged when accumulating); no kernel writes nothing', () => {
    const x = w.alloc(12, randArray(12, 3)), dy = w.alloc(4, randArray(4, 4));
    const dw = region(w, 9);
    kernel(w, 'corr2d_grad_weight', v)(x, 2, 6, dy, 3, 3, dw.ptr, 0); // HO = 0
    expect(Array.from(readRegion(w, dw)).every((d) => Object.is(d, 0)), 'HO = 0: +0').toBe(true);
    expectUntouched(dw, 'HO = 0');
    const acc = region(w, 9, randArray(9, 5));
    const before = readRegion(w, acc);
    kernel(w, 'corr2d_grad_weight', v)(x, 6, 2, dy, 3, 3, acc.ptr, 1); // WO = 0, accumulating
    expect(readRegion(w, acc), 'WO = 0, accumulate: unchanged').toEqual(before);
    const none = region(w, 4);
    kernel(w, 'corr2d_grad_weight', v)(x, 3, 4, dy, 0, 2, none.ptr, 0);
    expectUntouched(none, 'KH = 0', () => false);
  });
});

describe('corr2d_grad_weight: _simd and _scalar are bitwise equal (documented summation order)', () => {
  it.each(GRAD_KERNELS)('kernel %ix%i', (KH, KW) => {
    for (const [HO, WO] of [[1, 1], [2, 3], [4, 4], [5, 7], [7, 17], [6, 23], [3, 35], [9, 31], [2, 50], [12, 16]]) {
      for (const accumulate of [false, true]) {
        w.reset();
        const c = { HO, WO, KH, KW, accumulate, unaligned: false, seed: HO * 31 + WO };
        expectBitwise(runGradWeightKernel('simd', c), runGradWeightKernel('scalar', c), `${HO}x${WO} acc=${accumulate}`);
      }
    }
  });
});
