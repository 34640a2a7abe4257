// Tests of im2col / col2im, NCHW and NHWC (assembly/im2col.ts) called directly on the test build:
// every column entry against the index map of the geometry (strides, asymmetric padding,
// dilation, channel slices), col2im as the exact adjoint of im2col, guard values, and the bitwise
// agreement of the twins.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { VARIANTS, kernel, type Variant } from '../helpers/raw-wasm.js';
import { readRegion, region } from '../helpers/guarded.js';
import { expectBitwise, expectUntouched, useRawWasm, w } from '../helpers/kernel-wasm.js';
import { RTOL, dot64, expectNear, newRef } from '../helpers/conv-refs.js';
import { randArray } from '../helpers/random.js';

useRawWasm();

// im2col / col2im

interface ConvGeom {
  C: number;
  H: number;
  W: number;
  KH: number;
  KW: number;
  SH: number;
  SW: number;
  PT: number;
  PL: number;
  DH: number;
  DW: number;
  HO: number;
  WO: number;
}

/** Output size for paddings top/bottom, left/right (at least 1). */
function geom(
  C: number, H: number, W: number, KH: number, KW: number, SH: number, SW: number,
  PT: number, PB: number, PL: number, PR: number, DH: number, DW: number,
): ConvGeom {
  const HO = Math.max(1, Math.floor((H + PT + PB - DH * (KH - 1) - 1) / SH) + 1);
  const WO = Math.max(1, Math.floor((W + PL + PR - DW * (KW - 1) - 1) / SW) + 1);
  return { C, H, W, KH, KW, SH, SW, PT, PL, DH, DW, HO, WO };
}

const gstr = (g: ConvGeom): string =>
  `C=${g.C} ${g.H}x${g.W} k${g.KH}x${g.KW} s${g.SH},${g.SW} p${g.PT},${g.PL} d${g.DH},${g.DW} -> ${g.HO}x${g.WO}`;

/**
 * For each col index (NCHW layout), the x index it reads or -1. NHWC: same for the slice
 * c0 .. c0+CG-1 of a C-channel image (g.C is then the total channel count).
 */
function colMapNchw(g: ConvGeom): Int32Array {
  const { C, H, W, KH, KW, SH, SW, PT, PL, DH, DW, HO, WO } = g;
  const m = new Int32Array(C * KH * KW * HO * WO);
  let q = 0;
  for (let c = 0; c < C; c++)
    for (let a = 0; a < KH; a++)
      for (let b = 0; b < KW; b++)
        for (let oh = 0; oh < HO; oh++)
          for (let ow = 0; ow < WO; ow++) {
            const ih = oh * SH - PT + a * DH, iw = ow * SW - PL + b * DW;
            m[q++] = ih >= 0 && ih < H && iw >= 0 && iw < W ? (c * H + ih) * W + iw : -1;
          }
  return m;
}

function colMapNhwc(g: ConvGeom, c0: number, CG: number): Int32Array {
  const { C, H, W, KH, KW, SH, SW, PT, PL, DH, DW, HO, WO } = g;
  const m = new Int32Array(HO * WO * KH * KW * CG);
  let q = 0;
  for (let oh = 0; oh < HO; oh++)
    for (let ow = 0; ow < WO; ow++)
      for (let a = 0; a < KH; a++)
        for (let b = 0; b < KW; b++)
          for (let c = 0; c < CG; c++) {
            const ih = oh * SH - PT + a * DH, iw = ow * SW - PL + b * DW;
            m[q++] = ih >= 0 && ih < H && iw >= 0 && iw < W ? (ih * W + iw) * C + c0 + c : -1;
          }
  return m;
}

type Layout = 'nchw' | 'nhwc';

function callIm2col(layout: Layout, v: Variant, g: ConvGeom, x: number, col: number, c0: number, CG: number): void {
  const { C, H, W, KH, KW, SH, SW, PT, PL, DH, DW, HO, WO } = g;
  if (layout === 'nchw') kernel(w, 'im2col_nchw', v)(x, C, H, W, KH, KW, SH, SW, PT, PL, DH, DW, HO, WO, col);
  else kernel(w, 'im2col_nhwc', v)(x, H, W, C, c0, CG, KH, KW, SH, SW, PT, PL, DH, DW, HO, WO, col);
}

function callCol2im(layout: Layout, v: Variant, g: ConvGeom, col: number, x: number, c0: number, CG: number): void {
  const { C, H, W, KH, KW, SH, SW, PT, PL, DH, DW, HO, WO } = g;
  if (layout === 'nchw') kernel(w, 'col2im_nchw', v)(col, C, H, W, KH, KW, SH, SW, PT, PL, DH, DW, HO, WO, x);
  else kernel(w, 'col2im_nhwc', v)(col, H, W, C, c0, CG, KH, KW, SH, SW, PT, PL, DH, DW, HO, WO, x);
}

/**
 * im2col against the index map (exact), col2im against the float64 scatter-add (from a random
 * x), the adjoint identity <col2im(y), x> = <y, im2col(x)>, and guards; returns both outputs.
 */
function runUnfold(layout: Layout, v: Variant, g: ConvGeom, c0: number, CG: number, unaligned: boolean, seed: number): {
  col: Float32Array;
  xacc: Float32Array;
} {
  const map = layout === 'nchw' ? colMapNchw(g) : colMapNhwc(g, c0, CG);
  const xlen = g.C * g.H * g.W;
  const ctx = `${layout}_${v} ${gstr(g)} c0=${c0} CG=${CG} unaligned=${unaligned}`;

  // im2col: every element is an exact copy or zero.
  const xd = randArray(xlen, seed);
  const rx = region(w, xlen, xd, unaligned);
  const rcol = region(w, map.length, undefined, unaligned);
  callIm2col(layout, v, g, rx.ptr, rcol.ptr, c0, CG);
  const col = readRegion(w, rcol);
  const want = Float32Array.from(map, (m) => (m < 0 ? 0 : xd[m]));
  expect(col, `im2col ${ctx}`).toEqual(want);
  expectUntouched(rcol, `im2col ${ctx}`);
  expect(readRegion(w, rx), `im2col ${ctx}: input changed`).toEqual(xd);

  // col2im: x0 + scatter-add of y; channels outside the slice untouched.
  const yd = randArray(map.length, seed + 1);
  const x0 = randArray(xlen, seed + 2);
  const ref = newRef(xlen);
  ref.val.set(x0);
  for (let i = 0; i < xlen; i++) ref.mag[i] = Math.abs(x0[i]);
  map.forEach((m, q) => {
    if (m >= 0) {
      ref.val[m] += yd[q];
      ref.mag[m] += Math.abs(yd[q]);
    }
  });
  const ry = region(w, map.length, yd, unaligned);
  const rxa = region(w, xlen, x0, !unaligned);
  callCol2im(layout, v, g, ry.ptr, rxa.ptr, c0, CG);
  const xacc = readRegion(w, rxa);
  expectNear(xacc, ref, `col2im ${ctx}`);
  if (layout === 'nhwc') {
    const bad: number[] = [];
    xacc.forEach((val, i) => {
      const c = i % g.C;
      if ((c < c0 || c >= c0 + CG) && val !== x0[i] && bad.length < 5) bad.push(i);
    });
    expect(bad, `col2im ${ctx}: channels outside the slice changed`).toEqual([]);
  }
  expectUntouched(rxa, `col2im ${ctx}`);
  expect(readRegion(w, ry), `col2im ${ctx}: col changed`).toEqual(yd);

  // Adjoint: <col2im(y) from zero, x> == <y, im2col(x)>.
  const rz = region(w, xlen, new Float32Array(xlen), unaligned);
  callCol2im(layout, v, g, ry.ptr, rz.ptr, c0, CG);
  const lhs = dot64(readRegion(w, rz), xd);
  const rhs = dot64(yd, col);
  expect(Math.abs(lhs.val - rhs.val), `adjoint ${ctx}`).toBeLessThanOrEqual(RTOL * (lhs.mag + rhs.mag) + 1e-30);
  return { col, xacc };
}

/** Horizontal parameter grid (stride, dilation, left/right padding, width, kernel width) with
 *  the vertical parameters cycled through the same ranges; channels 1..3. */
function unfoldCases(): ConvGeom[] {
  const out: ConvGeom[] = [];
  let t = 0;
  for (const SW of [1, 2, 3])
    for (const DW of [1, 2])
      for (const [PL, PR] of [[0, 0], [1, 0], [0, 2], [2, 1]])
        for (const W of [1, 4, 9, 21])
          for (const KW of [1, 2, 3]) {
            t++;
            const SH = 1 + (t % 3), DH = 1 + ((t >> 1) % 2), PT = t % 3, PB = (t >> 2) % 3;
            const H = [1, 3, 6, 11][t % 4], KH = [1, 3, 2][(t >> 3) % 3], C = 1 + (t % 3);
            out.push(geom(C, H, W, KH, KW, SH, SW, PT, PB, PL, PR, DH, DW));
          }
  return out;
}
const UNFOLD = unfoldCases();

describe.each(VARIANTS)('im2col / col2im NCHW (%s)', (v) => {
  it(`${UNFOLD.length} geometries: strides 1..3, paddings 0..2 asymmetric, dilation 1..2, C 1..3`, () => {
    UNFOLD.forEach((g, i) => {
      w.reset();
      runUnfold('nchw', v, g, 0, g.C, i % 2 === 1, i + 1);
    });
  });

  it('wide rows for the vector copy and the stride-2 shuffle, output larger than the input', () => {
    for (const g of [
      geom(2, 5, 70, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1),
      geom(1, 4, 75, 3, 5, 2, 2, 0, 2, 2, 1, 1, 1),
      geom(1, 3, 64, 1, 3, 1, 2, 0, 0, 0, 0, 1, 2),
      geom(3, 9, 33, 2, 2, 3, 3, 2, 2, 2, 2, 2, 1),
      { ...geom(1, 4, 10, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1), HO: 9, WO: 17 },
    ]) {
      w.reset();
      runUnfold('nchw', v, g, 0, g.C, false, g.W);
    }
  });
});

describe.each(VARIANTS)('im2col / col2im NHWC (%s)', (v) => {
  const slices: [number, number, number][] = [
    // [C, c0, CG]: whole image (contiguous runs when DW = 1), and channel slices.
    [1, 0, 1], [3, 0, 3], [3, 1, 2], [8, 0, 8], [8, 2, 5], [9, 4, 4], [6, 5, 1],
  ];
  it(`${UNFOLD.length} geometries x channel slices`, () => {
    UNFOLD.forEach((g0, i) => {
      const [C, c0, CG] = slices[i % slices.length];
      w.reset();
      runUnfold('nhwc', v, { ...g0, C }, c0, CG, i % 2 === 0, i + 7);
    });
  });

  it('every channel slice on a padded 3x3 and a dilated strided geometry', () => {
    for (const [C, c0, CG] of slices) {
      for (const g of [geom(C, 7, 9, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1), geom(C, 8, 11, 3, 2, 2, 3, 2, 0, 1, 2, 2, 2)]) {
        w.reset();
        runUnfold('nhwc', v, g, c0, CG, C % 2 === 0, C * 10 + c0);
      }
    }
  });
});

describe('im2col / col2im: _simd and _scalar are bitwise equal', () => {
  it.each(['nchw', 'nhwc'] as const)('%s', (layout) => {
    UNFOLD.filter((_, i) => i % 5 === 0).forEach((g, i) => {
      w.reset();
      const c0 = layout === 'nhwc' && g.C > 1 ? 1 : 0;
      const CG = g.C - c0;
      const a = runUnfold(layout, 'simd', g, c0, CG, false, i);
      const b = runUnfold(layout, 'scalar', g, c0, CG, false, i);
      expectBitwise(a.col, b.col, `im2col ${gstr(g)}`);
      expectBitwise(a.xacc, b.xacc, `col2im ${gstr(g)}`);
    });
  });
});

describe('im2col / col2im: property (random geometries and slices)', () => {
  it.each(VARIANTS)('%s', (v) => {
    fc.assert(
      fc.property(
        fc.constantFrom<Layout>('nchw', 'nhwc'),
        fc.record({
          C: fc.integer({ min: 1, max: 6 }), H: fc.integer({ min: 1, max: 12 }), W: fc.integer({ min: 1, max: 24 }),
          KH: fc.integer({ min: 1, max: 4 }), KW: fc.integer({ min: 1, max: 4 }),
          SH: fc.integer({ min: 1, max: 3 }), SW: fc.integer({ min: 1, max: 3 }),
          PT: fc.integer({ min: 0, max: 3 }), PB: fc.integer({ min: 0, max: 3 }),
          PL: fc.integer({ min: 0, max: 3 }), PR: fc.integer({ min: 0, max: 3 }),
          DH: fc.integer({ min: 1, max: 3 }), DW: fc.integer({ min: 1, max: 3 }),
        }),
        fc.nat(), fc.nat(), fc.boolean(), fc.integer({ min: 1, max: 1 << 30 }),
        (layout, p, s0, s1, unaligned, seed) => {
          const g = geom(p.C, p.H, p.W, p.KH, p.KW, p.SH, p.SW, p.PT, p.PB, p.PL, p.PR, p.DH, p.DW);
          const c0 = layout === 'nchw' ? 0 : s0 % p.C;
          const CG = layout === 'nchw' ? p.C : 1 + (s1 % (p.C - c0));
          w.reset();
          runUnfold(layout, v, g, c0, CG, unaligned, seed);
        },
      ),
      { numRuns: 200, seed: 0xc01 },
    );
  });
});
