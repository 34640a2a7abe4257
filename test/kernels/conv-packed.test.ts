// Tests of conv_nchw (assembly/gemm.ts): the implicit-GEMM convolution over packed panels, called
// directly on dist/simdconv.wasm. Both twins against a float64 reference over geometries that
// reach every panel-packing path (one output row inside x, one row at a left/right edge, two
// rows merged by lane, any other panel; tails of 1..7 columns; 4-row tiles and 1..3-row tails;
// several K blocks), with bias and without, bands of output rows, 4-byte-offset pointers,
// negative padding, and guards around every output; then the documented bitwise contracts: the
// twins agree, a band equals the same rows of the whole image, and the result equals
// im2col_nchw + gemm (+ bias_add_rows).
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { VARIANTS, kernel, rawWasm, type RawWasm, type Variant } from '../helpers/raw-wasm.js';
import { readRegion, region, writesOutside } from '../helpers/guarded.js';
import { randArray } from '../helpers/random.js';

/** Error bound per element: RTOL * Σ|terms| (the terms of the float64 reference sum). */
const RTOL = 1e-5;
/** Scratch bytes conv_nchw needs besides 12*K (CONV_WORK_BYTES in assembly/gemm.ts). */
const WORK_FIXED = 640 * 32 + 256;

let w: RawWasm;
beforeAll(() => {
  w = rawWasm();
});
beforeEach(() => w.reset());

interface Geo {
  C: number; H: number; W: number; KH: number; KW: number; SH: number; SW: number;
  PT: number; PL: number; DH: number; DW: number; HO: number; WO: number; M: number;
}

/** A geometry with HO, WO from the paddings (top/bottom, left/right; negative crops). */
function geo(C: number, H: number, W: number, M: number, KH: number, KW: number,
  o: { SH?: number; SW?: number; PT?: number; PB?: number; PL?: number; PR?: number; DH?: number; DW?: number } = {}): Geo {
  const { SH = 1, SW = 1, PT = 0, PB = 0, PL = 0, PR = 0, DH = 1, DW = 1 } = o;
  const HO = Math.floor((H + PT + PB - DH * (KH - 1) - 1) / SH) + 1;
  const WO = Math.floor((W + PL + PR - DW * (KW - 1) - 1) / SW) + 1;
  return { C, H, W, KH, KW, SH, SW, PT, PL, DH, DW, HO, WO, M };
}

const label = (g: Geo): string =>
  `C=${g.C} ${g.H}x${g.W} M=${g.M} k=${g.KH}x${g.KW} s=${g.SH},${g.SW} p=${g.PT},${g.PL} d=${g.DH},${g.DW} -> ${g.HO}x${g.WO}`;

interface Run {
  y: Float32Array;
  x: Float32Array;
  wt: Float32Array;
  b: Float32Array | null;
}

/** Calls conv_nchw for rows r0 .. r1-1; checks that nothing outside those rows of y was written. */
function runConv(v: Variant, g: Geo, o: { r0?: number; r1?: number; bias?: boolean; unaligned?: boolean; seed?: number } = {}): Run {
  const { r0 = 0, r1 = g.HO, bias = false, unaligned = false, seed = 1 } = o;
  const K = g.C * g.KH * g.KW, HWo = g.HO * g.WO;
  const x = randArray(g.C * g.H * g.W, seed), wt = randArray(g.M * K, seed + 1), b = bias ? randArray(g.M, seed + 2) : null;
  const rx = region(w, x.length, x, unaligned), rw = region(w, wt.length, wt, unaligned);
  const rb = b ? region(w, b.length, b, unaligned) : null;
  const ry = region(w, g.M * HWo, undefined, unaligned);
  const gp = w.allocI32(14, [g.C, g.H, g.W, g.KH, g.KW, g.SH, g.SW, g.PT, g.PL, g.DH, g.DW, g.HO, g.WO, g.M]);
  const work = w.alloc((WORK_FIXED + 12 * K) / 4);
  kernel(w, 'conv_nchw', v)(rx.ptr, gp, r0, r1, rw.ptr, ry.ptr, rb ? rb.ptr : 0, work);
  const inBand = (i: number): boolean => {
    const oh = Math.floor((i % HWo) / g.WO);
    return oh >= r0 && oh < r1;
  };
  expect(writesOutside(w, ry, inBand).slice(0, 8), `${v} ${label(g)} rows ${r0}..${r1}: written outside the band`).toEqual([]);
  return { y: readRegion(w, ry), x, wt, b };
}

/** The float64 reference at every output of rows r0 .. r1-1, within RTOL * Σ|terms|. */
function expectReference(r: Run, g: Geo, ctx: string, r0 = 0, r1 = g.HO): void {
  const K = g.C * g.KH * g.KW, HWo = g.HO * g.WO;
  const bad: string[] = [];
  for (let i = 0; i < g.M && bad.length < 5; i++) {
    for (let oh = r0; oh < r1; oh++) {
      for (let ow = 0; ow < g.WO; ow++) {
        let s = r.b ? r.b[i]! : 0, m = Math.abs(s), k = 0;
        for (let c = 0; c < g.C; c++) {
          for (let a = 0; a < g.KH; a++) {
            for (let bb = 0; bb < g.KW; bb++, k++) {
              const ih = oh * g.SH - g.PT + a * g.DH, iw = ow * g.SW - g.PL + bb * g.DW;
              if (ih < 0 || ih >= g.H || iw < 0 || iw >= g.W) continue;
              const t = r.wt[i * K + k]! * r.x[(c * g.H + ih) * g.W + iw]!;
              s += t;
              m += Math.abs(t);
            }
          }
        }
        const got = r.y[i * HWo + oh * g.WO + ow]!;
        if (!(Math.abs(got - s) <= RTOL * m + 1e-30)) bad.push(`[${i}, ${oh}, ${ow}] got ${got} want ${s}`);
      }
    }
  }
  expect(bad, ctx).toEqual([]);
}

function expectBitwise(a: Float32Array, b: Float32Array, ctx: string): void {
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length), ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  const bad: string[] = [];
  for (let i = 0; i < ua.length && bad.length < 5; i++) if (ua[i] !== ub[i]) bad.push(`[${i}] ${a[i]} vs ${b[i]}`);
  expect(bad, ctx).toEqual([]);
}

/**
 * Geometries by the panel path they reach (output width WO against the 8-column panels, the
 * input edges, strides) and by the row tiles (M mod 4) and K blocks (K = C*kh*kw > 640, or
 * M*K*4 above the 384 KiB block of w).
 */
const GEOMETRIES: [string, Geo][] = [
  ['one row inside x (WO = 16)', geo(3, 18, 18, 8, 3, 3)],
  ['left and right edges (same padding, WO = 16)', geo(2, 16, 16, 4, 3, 3, { PT: 1, PB: 1, PL: 1, PR: 1 })],
  ['two rows merged by lane (WO = 11)', geo(2, 13, 13, 5, 3, 3)],
  ['two rows with edges (same padding, WO = 12)', geo(3, 12, 12, 6, 3, 3, { PT: 1, PB: 1, PL: 1, PR: 1 })],
  ['several rows per panel (WO = 3)', geo(2, 5, 5, 7, 3, 3)],
  ['WO = 1', geo(4, 6, 3, 3, 3, 3)],
  ['1x1, tail of 7 columns (15 outputs)', geo(9, 3, 5, 9, 1, 1)],
  ['stride 2 and padding', geo(3, 15, 17, 4, 3, 3, { SH: 2, SW: 2, PT: 1, PB: 1, PL: 1, PR: 1 })],
  ['stride (1, 3)', geo(2, 10, 29, 5, 3, 3, { SW: 3 })],
  ['dilation 2', geo(2, 14, 21, 6, 3, 3, { DH: 2, DW: 2 })],
  ['5x5, uneven padding', geo(2, 11, 19, 3, 5, 5, { PT: 1, PB: 3, PL: 0, PR: 2 })],
  ['2x3, wide image (W = 70)', geo(2, 4, 70, 4, 2, 3)],
  ['negative padding (cropped)', geo(2, 12, 14, 5, 3, 3, { PT: -1, PB: 0, PL: -2, PR: 1 })],
  ['padding wider than the kernel', geo(2, 4, 5, 3, 3, 3, { PT: 3, PB: 3, PL: 4, PR: 4 })],
  ['two K blocks (K = 648)', geo(72, 6, 10, 6, 3, 3, { PT: 1, PB: 1, PL: 1, PR: 1 })],
  ['three K blocks (K = 1350)', geo(150, 4, 9, 5, 3, 3)],
  ['two K blocks, 3-row tail (M = 7, K = 648)', geo(72, 5, 9, 7, 3, 3, { PT: 1, PB: 1, PL: 1, PR: 1 })],
  ['K blocks from the size of w (M = 170, K = 585)', geo(65, 4, 12, 170, 3, 3, { PT: 1, PB: 1, PL: 1, PR: 1 })],
  ['M = 1', geo(3, 9, 12, 1, 3, 3)],
  ['M = 2, C = 1', geo(1, 9, 12, 2, 3, 3)],
];

describe.each(VARIANTS)('conv_nchw (%s): against the float64 reference', (v) => {
  it.each(GEOMETRIES)('%s', (_name, g) => {
    for (const bias of [false, true]) {
      w.reset();
      const r = runConv(v, g, { bias, unaligned: bias, seed: g.C * 31 + g.M });
      expectReference(r, g, `${v} ${label(g)} bias=${bias}`);
    }
  });

  it('bands of rows write only their rows', () => {
    const g = geo(3, 17, 13, 6, 3, 3, { PT: 1, PB: 1, PL: 1, PR: 1 });
    for (const [r0, r1] of [[0, 1], [1, 2], [3, 11], [16, 17], [5, 5]]) {
      w.reset();
      const r = runConv(v, g, { r0, r1, bias: true, seed: 7 });
      expectReference(r, g, `${v} rows ${r0}..${r1}`, r0, r1);
    }
  });
});

describe('conv_nchw: bitwise contracts', () => {
  it('_simd and _scalar agree bitwise', () => {
    for (const [name, g] of GEOMETRIES) {
      for (const bias of [false, true]) {
        w.reset();
        const a = runConv('simd', g, { bias, seed: 3 }).y;
        w.reset();
        const b = runConv('scalar', g, { bias, seed: 3 }).y;
        expectBitwise(a, b, `${name} bias=${bias}`);
      }
    }
  });

  it('a band gives bitwise the rows of the whole image', () => {
    const g = geo(5, 19, 23, 7, 3, 3, { PT: 1, PB: 1, PL: 1, PR: 1 });
    const whole = runConv('simd', g, { bias: true, seed: 11 }).y;
    const HWo = g.HO * g.WO;
    for (const [r0, r1] of [[0, 7], [7, 8], [8, 19]]) {
      w.reset();
      const part = runConv('simd', g, { r0, r1, bias: true, seed: 11 }).y;
      for (let i = 0; i < g.M; i++) {
        const at = i * HWo + r0 * g.WO, n = (r1 - r0) * g.WO;
        expectBitwise(part.subarray(at, at + n), whole.subarray(at, at + n), `rows ${r0}..${r1} of output channel ${i}`);
      }
    }
  });

  it.each(VARIANTS)('equals im2col_nchw + gemm + bias_add_rows bitwise (%s)', (v) => {
    for (const [name, g] of GEOMETRIES) {
      w.reset();
      const r = runConv(v, g, { bias: true, seed: 5 });
      const K = g.C * g.KH * g.KW, HWo = g.HO * g.WO;
      const px = w.alloc(r.x.length, r.x), pw = w.alloc(r.wt.length, r.wt), pb = w.alloc(g.M, r.b!);
      const col = w.alloc(K * HWo), py = w.alloc(g.M * HWo);
      kernel(w, 'im2col_nchw', v)(px, g.C, g.H, g.W, g.KH, g.KW, g.SH, g.SW, g.PT, g.PL, g.DH, g.DW, g.HO, g.WO, col);
      kernel(w, 'gemm', v)(g.M, HWo, K, pw, K, col, HWo, py, HWo, 0);
      kernel(w, 'bias_add_rows', v)(py, pb, g.M, HWo);
      expectBitwise(r.y, w.read(py, g.M * HWo), name);
    }
  });
});

describe('conv_nchw: property (random geometry, band, bias, alignment)', () => {
  it.each(VARIANTS)('%s', (v) => {
    fc.assert(
      fc.property(
        fc.record({
          C: fc.integer({ min: 1, max: 6 }), H: fc.integer({ min: 1, max: 14 }), W: fc.integer({ min: 1, max: 20 }),
          M: fc.integer({ min: 1, max: 9 }), KH: fc.integer({ min: 1, max: 4 }), KW: fc.integer({ min: 1, max: 4 }),
          SH: fc.integer({ min: 1, max: 3 }), SW: fc.integer({ min: 1, max: 3 }), DH: fc.integer({ min: 1, max: 2 }),
          DW: fc.integer({ min: 1, max: 2 }), PT: fc.integer({ min: -1, max: 3 }), PB: fc.integer({ min: -1, max: 3 }),
          PL: fc.integer({ min: -1, max: 3 }), PR: fc.integer({ min: -1, max: 3 }),
        }),
        fc.boolean(), fc.boolean(), fc.nat(), fc.nat(), fc.integer({ min: 1, max: 1 << 30 }),
        (p, bias, unaligned, a, b, seed) => {
          const g = geo(p.C, p.H, p.W, p.M, p.KH, p.KW, p);
          fc.pre(g.HO >= 1 && g.WO >= 1);
          const r0 = a % (g.HO + 1), r1 = r0 + (b % (g.HO - r0 + 1));
          w.reset();
          const r = runConv(v, g, { r0, r1, bias, unaligned, seed });
          expectReference(r, g, `${v} ${label(g)} rows ${r0}..${r1}`, r0, r1);
        },
      ),
      { numRuns: 200, seed: 0x9a1e1 },
    );
  });
});
