// Tests of the convolution kernels (assembly/corr2d.ts, corr2d_grad.ts, gemm.ts, im2col.ts, bias.ts) called
// directly on dist/simdconv.wasm: both variants against naive float64 references over shapes
// that reach every SIMD tail and specialised path, with accumulate on and off, guard values
// around (and inside the row padding of) every output, 4-byte-offset pointers, the bitwise
// agreement of the _simd and _scalar twins that the kernels document, and col2im as the exact
// adjoint of im2col.
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { VARIANTS, kernel, rawWasm, type RawWasm, type Variant } from '../helpers/raw-wasm.js';
import { SENTINEL, readRegion, region, writesOutside, type Region } from '../helpers/guarded.js';
import { randArray } from '../helpers/random.js';

/** Error bound per element: RTOL * Σ|terms| (the terms of the float64 reference sum). */
const RTOL = 1e-5;

let w: RawWasm;
beforeAll(() => {
  w = rawWasm();
});
beforeEach(() => w.reset());

/** Sentinels before and after the region, and at every in-region index `written` does not claim. */
function expectUntouched(r: Region, ctx: string, written: (i: number) => boolean = () => true): void {
  expect(writesOutside(w, r, written).slice(0, 8), `${ctx}: written outside the output (offsets relative to it)`).toEqual([]);
}

/** A float64 reference: value and Σ|terms| per element (the scale of its rounding error). */
interface Ref {
  val: Float64Array;
  mag: Float64Array;
}

function newRef(n: number): Ref {
  return { val: new Float64Array(n), mag: new Float64Array(n) };
}

/** got[idx(i)] ≈ ref.val[i] within RTOL * ref.mag[i] (plus `base` added to both when accumulating). */
function expectNear(got: Float32Array, ref: Ref, ctx: string, at: (i: number) => number = (i) => i, base?: Float32Array): void {
  const bad: string[] = [];
  for (let i = 0; i < ref.val.length && bad.length < 5; i++) {
    const b = base ? base[at(i)] : 0;
    const want = ref.val[i] + b;
    const g = got[at(i)];
    const tol = RTOL * (ref.mag[i] + Math.abs(b)) + 1e-30;
    if (!(Math.abs(g - want) <= tol)) bad.push(`[${i}] got ${g} want ${want}`);
  }
  expect(bad, ctx).toEqual([]);
}

/** The same f32 bits (distinguishes -0 and +0). */
function expectBitwise(a: Float32Array, b: Float32Array, ctx: string): void {
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  const bad: string[] = [];
  for (let i = 0; i < ua.length && bad.length < 5; i++) if (ua[i] !== ub[i]) bad.push(`[${i}] ${a[i]} vs ${b[i]}`);
  expect(bad, ctx).toEqual([]);
}

function dot64(a: ArrayLike<number>, b: ArrayLike<number>): { val: number; mag: number } {
  let val = 0, mag = 0;
  for (let i = 0; i < a.length; i++) {
    val += a[i] * b[i];
    mag += Math.abs(a[i] * b[i]);
  }
  return { val, mag };
}

// =============================================================================================
// corr2d

function corrRef(x: Float32Array, H: number, W: number, k: Float32Array, KH: number, KW: number): Ref {
  return corrPadRef(x, H, W, k, KH, KW, 0, 0, H - KH + 1, W - KW + 1, false);
}

interface CorrCase {
  H: number;
  W: number;
  KH: number;
  KW: number;
  accumulate: boolean;
  unaligned: boolean;
  seed: number;
}

/** Runs one corr2d case; checks it against the reference and the guards; returns y. */
function runCorr(v: Variant, c: CorrCase): Float32Array {
  const { H, W, KH, KW } = c;
  const HO = H - KH + 1, WO = W - KW + 1;
  const xd = randArray(H * W, c.seed), kd = randArray(KH * KW, c.seed + 1);
  const y0 = c.accumulate ? randArray(HO * WO, c.seed + 2) : undefined;
  const x = region(w, H * W, xd, c.unaligned);
  const k = region(w, KH * KW, kd, c.unaligned);
  const y = region(w, HO * WO, y0, c.unaligned);
  kernel(w, 'corr2d_valid', v)(x.ptr, H, W, k.ptr, KH, KW, y.ptr, c.accumulate ? 1 : 0);
  const ctx = `corr2d_${v} ${H}x${W} * ${KH}x${KW} acc=${c.accumulate} unaligned=${c.unaligned}`;
  const got = readRegion(w, y);
  expectNear(got, corrRef(xd, H, W, kd, KH, KW), ctx, undefined, y0);
  expectUntouched(y, ctx);
  expect(readRegion(w, x), `${ctx}: input changed`).toEqual(xd);
  return got;
}

/** Kernel sizes: the 1x2 and 3x3 specialisations, the generic path (incl. 5x5, 7x7, 1xk, kx1). */
const CORR_KERNELS: [number, number][] = [
  [1, 1], [1, 2], [1, 3], [2, 2], [3, 3], [5, 5], [7, 7], [3, 1], [2, 5],
];
/** Output widths 1..20 (scalar WO < 4, 4-wide body, overlapped tail, 16-wide body); heights
 *  1..7 (every remainder of the 3-row pass). */
const CORR_WO = Array.from({ length: 20 }, (_, i) => i + 1);
const CORR_HO = [1, 2, 3, 4, 5, 7];

describe.each(VARIANTS)('corr2d_valid (%s)', (v) => {
  it.each(CORR_KERNELS)('kernel %ix%i: output widths 1..20, heights 1..7, accumulate, unaligned', (KH, KW) => {
    let seed = 1;
    for (const HO of CORR_HO) {
      for (const WO of CORR_WO) {
        for (const accumulate of [false, true]) {
          w.reset();
          runCorr(v, { H: HO + KH - 1, W: WO + KW - 1, KH, KW, accumulate, unaligned: (seed & 1) === 1, seed: seed++ });
        }
      }
    }
  });

  it.each([
    [6, 8, 1, 2], [67, 131, 3, 3], [67, 131, 5, 5], [67, 131, 1, 2], [40, 71, 7, 7], [33, 29, 1, 5], [9, 1030, 3, 3],
  ])('larger image %ix%i * %ix%i', (H, W, KH, KW) => {
    for (const accumulate of [false, true]) {
      w.reset();
      runCorr(v, { H, W, KH, KW, accumulate, unaligned: accumulate, seed: H * W + KH });
    }
  });

  it('the lesson: [[19,25],[37,43]] and the 6x8 edge detector', () => {
    const f = kernel(w, 'corr2d_valid', v);
    const x = region(w, 9, [0, 1, 2, 3, 4, 5, 6, 7, 8]);
    const k = region(w, 4, [0, 1, 2, 3]);
    const y = region(w, 4);
    f(x.ptr, 3, 3, k.ptr, 2, 2, y.ptr, 0);
    expect(Array.from(readRegion(w, y))).toEqual([19, 25, 37, 43]);
    expectUntouched(y, 'lesson 3x3');

    const img = new Float32Array(48).fill(1);
    for (let i = 0; i < 6; i++) for (let j = 2; j < 6; j++) img[i * 8 + j] = 0;
    const X = region(w, 48, img, true);
    const K = region(w, 2, [1, -1]);
    const Y = region(w, 42);
    f(X.ptr, 6, 8, K.ptr, 1, 2, Y.ptr, 0);
    const row = [0, 1, 0, 0, 0, -1, 0];
    expect(Array.from(readRegion(w, Y))).toEqual(Array.from({ length: 6 }, () => row).flat());
    expectUntouched(Y, 'lesson 6x8');
  });

  it('writes nothing when the kernel is larger than the input', () => {
    const x = region(w, 6, randArray(6, 3));
    const k = region(w, 9, randArray(9, 4));
    const y = region(w, 4);
    kernel(w, 'corr2d_valid', v)(x.ptr, 2, 3, k.ptr, 3, 3, y.ptr, 0);
    expectUntouched(y, 'HO = 0', () => false);
  });
});

describe('corr2d_valid: _simd and _scalar are bitwise equal (documented summation order)', () => {
  it.each(CORR_KERNELS)('kernel %ix%i', (KH, KW) => {
    for (const [HO, WO] of [[1, 1], [2, 3], [4, 4], [5, 7], [7, 17], [6, 23], [3, 35]]) {
      for (const accumulate of [false, true]) {
        w.reset();
        const c = { H: HO + KH - 1, W: WO + KW - 1, KH, KW, accumulate, unaligned: false, seed: HO * 31 + WO };
        expectBitwise(runCorr('simd', c), runCorr('scalar', c), `${HO}x${WO} acc=${accumulate}`);
      }
    }
  });
});

// =============================================================================================
// gemm, gemm_nt, gemm_tn

type GemmKind = 'gemm' | 'gemm_nt' | 'gemm_tn';
const GEMM_KINDS: GemmKind[] = ['gemm', 'gemm_nt', 'gemm_tn'];

interface GemmCase {
  M: number;
  N: number;
  K: number;
  /** Extra elements per row beyond the width, for A, B, C. */
  pa: number;
  pb: number;
  pc: number;
  accumulate: boolean;
  unaligned: boolean;
  seed: number;
}

/** Stored shape (rows x cols) of A and B for a kind. */
function gemmShapes(kind: GemmKind, M: number, N: number, K: number): { ar: number; ac: number; br: number; bc: number } {
  return {
    ar: kind === 'gemm_tn' ? K : M,
    ac: kind === 'gemm_tn' ? M : K,
    br: kind === 'gemm_nt' ? N : K,
    bc: kind === 'gemm_nt' ? K : N,
  };
}

function gemmRef(kind: GemmKind, c: GemmCase, A: Float32Array, lda: number, B: Float32Array, ldb: number): Ref {
  const { M, N, K } = c;
  const r = newRef(M * N);
  const a = (i: number, k: number): number => (kind === 'gemm_tn' ? A[k * lda + i] : A[i * lda + k]);
  const b = (k: number, j: number): number => (kind === 'gemm_nt' ? B[j * ldb + k] : B[k * ldb + j]);
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = 0, m = 0;
      for (let k = 0; k < K; k++) {
        const t = a(i, k) * b(k, j);
        s += t;
        m += Math.abs(t);
      }
      r.val[i * N + j] = s;
      r.mag[i * N + j] = m;
    }
  }
  return r;
}

/** Runs one gemm case, checks values, guards and the row padding of C; returns C (ldc layout). */
function runGemm(kind: GemmKind, v: Variant, c: GemmCase): Float32Array {
  const { M, N, K } = c;
  const s = gemmShapes(kind, M, N, K);
  const lda = s.ac + c.pa, ldb = s.bc + c.pb, ldc = N + c.pc;
  const A = randArray(Math.max(0, (s.ar - 1) * lda + s.ac), c.seed);
  const B = randArray(Math.max(0, (s.br - 1) * ldb + s.bc), c.seed + 1);
  const clen = (M - 1) * ldc + N;
  const C0 = new Float32Array(clen).fill(SENTINEL);
  const r0 = randArray(clen, c.seed + 2);
  for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) C0[i * ldc + j] = c.accumulate ? r0[i * ldc + j] : 7;
  const ra = region(w, A.length, A, c.unaligned);
  const rb = region(w, B.length, B, c.unaligned);
  const rc = region(w, clen, C0, c.unaligned);
  kernel(w, kind, v)(M, N, K, ra.ptr, lda, rb.ptr, ldb, rc.ptr, ldc, c.accumulate ? 1 : 0);
  const ctx = `${kind}_${v} M=${M} N=${N} K=${K} ld+(${c.pa},${c.pb},${c.pc}) acc=${c.accumulate} unaligned=${c.unaligned}`;
  const got = readRegion(w, rc);
  const at = (i: number): number => Math.floor(i / N) * ldc + (i % N);
  expectNear(got, gemmRef(kind, c, A, lda, B, ldb), ctx, at, c.accumulate ? C0 : undefined);
  expectUntouched(rc, ctx, (i) => i % ldc < N);
  return got;
}

/** Sizes reaching every edge: 8-column panels and their 4 / 1 tails, 4-row tiles and their
 *  1..3-row tails, K below, at and above a multiple of 4. */
const GEMM_SIZES = [1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 33];
const PADS = [0, 1, 5];

describe.each(VARIANTS)('gemm family (%s)', (v) => {
  describe.each(GEMM_KINDS)('%s', (kind) => {
    it.each(GEMM_SIZES)('M=%i, every N and K in the size table, padded leading dims, accumulate', (M) => {
      let seed = M * 1000;
      for (const N of GEMM_SIZES) {
        for (const K of GEMM_SIZES) {
          w.reset();
          seed++;
          const accumulate = seed % 2 === 0;
          runGemm(kind, v, {
            M, N, K, accumulate, unaligned: seed % 3 === 0,
            pa: PADS[seed % 3], pb: PADS[(seed >> 1) % 3], pc: PADS[(seed >> 2) % 3], seed,
          });
        }
      }
    });

    it('K = 0 gives zeros, or leaves C unchanged when accumulating', () => {
      for (const accumulate of [false, true]) {
        w.reset();
        runGemm(kind, v, { M: 5, N: 9, K: 0, pa: 1, pb: 1, pc: 2, accumulate, unaligned: false, seed: 5 });
      }
    });

    it('a conv-sized product: M=64 N=200 K=576 and M=19 N=37 K=300', () => {
      runGemm(kind, v, { M: 64, N: 200, K: 576, pa: 0, pb: 0, pc: 0, accumulate: false, unaligned: false, seed: 9 });
      w.reset();
      runGemm(kind, v, { M: 19, N: 37, K: 300, pa: 3, pb: 2, pc: 1, accumulate: true, unaligned: true, seed: 10 });
    });
  });
});

describe('gemm family: _simd and _scalar are bitwise equal (documented summation order)', () => {
  it.each(GEMM_KINDS)('%s', (kind) => {
    for (const [M, N, K] of [[1, 1, 1], [3, 5, 7], [4, 8, 4], [7, 13, 9], [9, 17, 33], [17, 33, 15], [6, 40, 130]]) {
      for (const accumulate of [false, true]) {
        w.reset();
        const c = { M, N, K, pa: 1, pb: 2, pc: 3, accumulate, unaligned: true, seed: M * N + K };
        expectBitwise(runGemm(kind, 'simd', c), runGemm(kind, 'scalar', c), `M=${M} N=${N} K=${K} acc=${accumulate}`);
      }
    }
  });
});

describe('gemm family: property (random shapes, leading dims, alignment)', () => {
  it.each(VARIANTS)('%s', (v) => {
    fc.assert(
      fc.property(
        fc.constantFrom(...GEMM_KINDS),
        fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 0, max: 70 }),
        fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 6 }),
        fc.boolean(), fc.boolean(), fc.integer({ min: 1, max: 1 << 30 }),
        (kind, M, N, K, pa, pb, pc, accumulate, unaligned, seed) => {
          w.reset();
          runGemm(kind, v, { M, N, K, pa, pb, pc, accumulate, unaligned, seed });
        },
      ),
      { numRuns: 150, seed: 0x5eed },
    );
  });
});

// =============================================================================================
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

// =============================================================================================
// bias

const BIAS_LENGTHS = [0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33, 100];

function runBiasAdd(kind: 'rows' | 'cols', v: Variant, rows: number, cols: number, unaligned: boolean, seed: number): void {
  const n = rows * cols;
  const yd = randArray(n, seed);
  const bd = randArray(kind === 'rows' ? rows : cols, seed + 1);
  const y = region(w, n, yd, unaligned);
  const b = region(w, bd.length, bd, !unaligned);
  kernel(w, `bias_add_${kind}`, v)(y.ptr, b.ptr, rows, cols);
  const want = Float32Array.from(yd, (val, i) => val + bd[kind === 'rows' ? Math.floor(i / cols) : i % cols]);
  const ctx = `bias_add_${kind}_${v} ${rows}x${cols}`;
  expect(readRegion(w, y), ctx).toEqual(want);
  expectUntouched(y, ctx);
}

function runBiasGrad(kind: 'rows' | 'cols', v: Variant, rows: number, cols: number, accumulate: boolean, unaligned: boolean, seed: number): Float32Array {
  const dyd = randArray(rows * cols, seed);
  const m = kind === 'rows' ? rows : cols;
  const db0 = accumulate ? randArray(m, seed + 1) : undefined;
  const dy = region(w, dyd.length, dyd, unaligned);
  const db = region(w, m, db0, !unaligned);
  kernel(w, `bias_grad_${kind}`, v)(dy.ptr, db.ptr, rows, cols, accumulate ? 1 : 0);
  const ref = newRef(m);
  dyd.forEach((val, i) => {
    const t = kind === 'rows' ? Math.floor(i / cols) : i % cols;
    ref.val[t] += val;
    ref.mag[t] += Math.abs(val);
  });
  const ctx = `bias_grad_${kind}_${v} ${rows}x${cols} acc=${accumulate}`;
  const got = readRegion(w, db);
  expectNear(got, ref, ctx, undefined, db0);
  expectUntouched(db, ctx);
  return got;
}

describe.each(VARIANTS)('bias (%s)', (v) => {
  it.each(['rows', 'cols'] as const)('bias_add_%s: every rows x cols in the length table', (kind) => {
    let seed = 1;
    for (const rows of BIAS_LENGTHS) {
      for (const cols of BIAS_LENGTHS) {
        w.reset();
        runBiasAdd(kind, v, rows, cols, seed % 2 === 1, seed++);
      }
    }
  });

  it.each(['rows', 'cols'] as const)('bias_grad_%s: every rows x cols, accumulate', (kind) => {
    let seed = 1;
    for (const rows of BIAS_LENGTHS) {
      for (const cols of BIAS_LENGTHS) {
        for (const accumulate of [false, true]) {
          w.reset();
          runBiasGrad(kind, v, rows, cols, accumulate, seed % 3 === 0, seed++);
        }
      }
    }
  });

  it('bias_grad_cols over more rows than one cache chunk (running sums across chunks)', () => {
    for (const [rows, cols] of [[3000, 5], [700, 20], [9000, 1], [40, 300]]) {
      for (const accumulate of [false, true]) {
        w.reset();
        runBiasGrad('cols', v, rows, cols, accumulate, false, rows + cols);
      }
    }
  });
});

describe('bias_grad: _simd and _scalar are bitwise equal', () => {
  it.each(['rows', 'cols'] as const)('%s', (kind) => {
    for (const [rows, cols] of [[1, 1], [3, 7], [5, 17], [9, 33], [2000, 3], [33, 100], [1, 1001], [1001, 1]]) {
      for (const accumulate of [false, true]) {
        w.reset();
        const a = runBiasGrad(kind, 'simd', rows, cols, accumulate, false, rows * cols);
        const b = runBiasGrad(kind, 'scalar', rows, cols, accumulate, false, rows * cols);
        expectBitwise(a, b, `${rows}x${cols} acc=${accumulate}`);
      }
    }
  });
});

// =============================================================================================
// corr2d_pad: correlation of the zero-extended input over any output window

/** Float64 reference of corr2d_pad: the taps inside x only, the kernel flipped both ways when `flip`. */
function corrPadRef(x: Float32Array, H: number, W: number, k: Float32Array, KH: number, KW: number,
  PT: number, PL: number, HO: number, WO: number, flip: boolean): Ref {
  const r = newRef(HO * WO);
  for (let i = 0; i < HO; i++) {
    for (let j = 0; j < WO; j++) {
      let s = 0, m = 0;
      for (let a = 0; a < KH; a++) {
        for (let b = 0; b < KW; b++) {
          const xi = i + a - PT, xj = j + b - PL;
          if (xi < 0 || xi >= H || xj < 0 || xj >= W) continue;
          const t = x[xi * W + xj] * (flip ? k[(KH - 1 - a) * KW + KW - 1 - b] : k[a * KW + b]);
          s += t;
          m += Math.abs(t);
        }
      }
      r.val[i * WO + j] = s;
      r.mag[i * WO + j] = m;
    }
  }
  return r;
}

interface PadCase {
  H: number;
  W: number;
  KH: number;
  KW: number;
  PT: number;
  PL: number;
  HO: number;
  WO: number;
  accumulate: boolean;
  unaligned: boolean;
  flip: boolean;
  seed: number;
}

function runPad(v: Variant, c: PadCase): Float32Array {
  const { H, W, KH, KW, PT, PL, HO, WO } = c;
  const xd = randArray(H * W, c.seed), kd = randArray(KH * KW, c.seed + 1);
  const y0 = c.accumulate ? randArray(HO * WO, c.seed + 2) : undefined;
  const x = region(w, H * W, xd, c.unaligned);
  const k = region(w, KH * KW, kd, c.unaligned);
  const y = region(w, HO * WO, y0, !c.unaligned);
  kernel(w, 'corr2d_pad', v)(x.ptr, H, W, k.ptr, KH, KW, PT, PL, y.ptr, HO, WO, c.accumulate ? 1 : 0, c.flip ? 1 : 0);
  const ctx = `corr2d_pad_${v} x ${H}x${W} * ${KH}x${KW} pad ${PT},${PL} -> ${HO}x${WO} acc=${c.accumulate} flip=${c.flip}`;
  const got = readRegion(w, y);
  expectNear(got, corrPadRef(xd, H, W, kd, KH, KW, PT, PL, HO, WO, c.flip), ctx, undefined, y0);
  expect(readRegion(w, k), `${ctx}: kernel changed`).toEqual(kd);
  expectUntouched(y, ctx);
  expect(readRegion(w, x), `${ctx}: input changed`).toEqual(xd);
  return got;
}

/** Windows around x: 'full' (the input gradient's), 'same'-like, 'valid', cropping (negative pads) and wider than x. */
function padWindows(H: number, W: number, KH: number, KW: number): [number, number, number, number][] {
  return [
    [KH - 1, KW - 1, H + KH - 1, W + KW - 1],
    [(KH - 1) >> 1, (KW - 1) >> 1, H, W],
    [0, 0, H - KH + 1, W - KW + 1],
    [-1, -2, H - KH, W - KW - 1],
    [KH + 1, 2, H + 2 * KH + 2, W + 3],
    [1, KW + 2, 2, W + 2 * KW + 4],
  ];
}

describe.each(VARIANTS)('corr2d_pad (%s)', (v) => {
  it.each(CORR_KERNELS)('kernel %ix%i: inputs 1..9 x 1..21, windows around x, accumulate, unaligned, flipped', (KH, KW) => {
    let seed = 1;
    for (const H of [1, 2, 3, 4, 6, 9]) {
      for (const W of [1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 17, 21]) {
        for (const [PT, PL, HO, WO] of padWindows(H, W, KH, KW)) {
          if (HO < 1 || WO < 1) continue;
          w.reset();
          runPad(v, { H, W, KH, KW, PT, PL, HO, WO, accumulate: (seed & 2) === 2, unaligned: (seed & 1) === 1, flip: (seed % 3) === 0, seed: seed++ });
        }
      }
    }
  });

  it.each([[64, 77, 3, 3], [40, 33, 5, 5], [31, 70, 1, 2], [25, 26, 7, 7]])('larger image %ix%i * %ix%i, every window', (H, W, KH, KW) => {
    let seed = 100;
    for (const [PT, PL, HO, WO] of padWindows(H, W, KH, KW)) {
      for (const accumulate of [false, true]) {
        for (const flip of [false, true]) {
          w.reset();
          runPad(v, { H, W, KH, KW, PT, PL, HO, WO, accumulate, unaligned: accumulate, flip, seed: seed++ });
        }
      }
    }
  });

  it('with no padding is corr2d_valid (flipped: with the reversed kernel), bitwise', () => {
    for (const [H, W, KH, KW] of [[6, 8, 1, 2], [9, 13, 3, 3], [12, 37, 5, 5], [5, 5, 2, 5], [7, 3, 3, 1]]) {
      w.reset();
      const xd = randArray(H * W, H + W), kd = randArray(KH * KW, KH);
      const HO = H - KH + 1, WO = W - KW + 1;
      const x = w.alloc(H * W, xd), k = w.alloc(KH * KW, kd), y1 = w.alloc(HO * WO), y2 = w.alloc(HO * WO);
      kernel(w, 'corr2d_pad', v)(x, H, W, k, KH, KW, 0, 0, y1, HO, WO, 0, 0);
      kernel(w, 'corr2d_valid', v)(x, H, W, k, KH, KW, y2, 0);
      expectBitwise(w.read(y1, HO * WO), w.read(y2, HO * WO), `${H}x${W} * ${KH}x${KW}`);
      // flipped: corr2d_valid with the kernel reversed
      const kf = w.alloc(KH * KW, kd.slice().reverse()), y3 = w.alloc(HO * WO), y4 = w.alloc(HO * WO);
      kernel(w, 'corr2d_pad', v)(x, H, W, k, KH, KW, 0, 0, y3, HO, WO, 0, 1);
      kernel(w, 'corr2d_valid', v)(x, H, W, kf, KH, KW, y4, 0);
      expectBitwise(w.read(y3, HO * WO), w.read(y4, HO * WO), `${H}x${W} * ${KH}x${KW} flipped`);
    }
  });

  it('equals corr2d_valid on the explicitly zero-padded input, bitwise (random data)', () => {
    for (const [H, W, KH, KW, PT, PB, PL, PR] of [[6, 8, 3, 3, 1, 1, 1, 1], [9, 17, 3, 3, 2, 2, 2, 2], [7, 11, 5, 5, 2, 2, 2, 2],
      [6, 8, 1, 2, 0, 0, 1, 1], [10, 5, 2, 3, 3, 0, 0, 4], [4, 4, 7, 7, 6, 6, 6, 6]]) {
      w.reset();
      const Hp = H + PT + PB, Wp = W + PL + PR, HO = Hp - KH + 1, WO = Wp - KW + 1;
      const xd = randArray(H * W, H * W), kd = randArray(KH * KW, KH + KW);
      const xpd = new Float32Array(Hp * Wp);
      for (let i = 0; i < H; i++) xpd.set(xd.subarray(i * W, (i + 1) * W), (i + PT) * Wp + PL);
      const x = w.alloc(H * W, xd), xp = w.alloc(Hp * Wp, xpd), k = w.alloc(KH * KW, kd);
      const y1 = w.alloc(HO * WO), y2 = w.alloc(HO * WO);
      kernel(w, 'corr2d_pad', v)(x, H, W, k, KH, KW, PT, PL, y1, HO, WO, 0, 0);
      kernel(w, 'corr2d_valid', v)(xp, Hp, Wp, k, KH, KW, y2, 0);
      expectBitwise(w.read(y1, HO * WO), w.read(y2, HO * WO), `${H}x${W} * ${KH}x${KW} pad ${PT},${PB},${PL},${PR}`);
    }
  });

  it('skips the taps outside x: an infinite kernel corner meets only the padding at the far corner', () => {
    const H = 6, W = 9, KH = 3, KW = 3;
    const x = w.alloc(H * W, randArray(H * W, 9));
    const kd = randArray(9, 10);
    kd[0] = Infinity; // tap (0, 0): outside x for output (0, 0) of the 'full' window
    const k = w.alloc(9, kd);
    const y = region(w, (H + 2) * (W + 2));
    kernel(w, 'corr2d_pad', v)(x, H, W, k, KH, KW, 2, 2, y.ptr, H + 2, W + 2, 0, 0);
    const got = readRegion(w, y);
    expect(Number.isFinite(got[0]), 'output (0, 0) reads x only through tap (2, 2)').toBe(true);
    expect(Math.abs(got[(H + 1) * (W + 2) + W + 1]), 'output (H+1, W+1) reads x(H-1, W-1) through tap (0, 0)').toBe(Infinity);
  });

  it('writes nothing for an empty window', () => {
    const x = w.alloc(12, randArray(12, 1)), k = w.alloc(4, randArray(4, 2));
    const y = region(w, 4);
    for (const [HO, WO] of [[0, 4], [4, 0], [-1, 2]]) kernel(w, 'corr2d_pad', v)(x, 3, 4, k, 2, 2, 1, 1, y.ptr, HO, WO, 0, 1);
    expectUntouched(y, 'empty window', () => false);
  });
});

describe('corr2d_pad: _simd and _scalar are bitwise equal', () => {
  it.each(CORR_KERNELS)('kernel %ix%i', (KH, KW) => {
    let seed = 7;
    for (const [H, W] of [[1, 1], [3, 5], [6, 8], [9, 23], [13, 35]]) {
      for (const [PT, PL, HO, WO] of padWindows(H, W, KH, KW)) {
        if (HO < 1 || WO < 1) continue;
        for (const accumulate of [false, true]) {
          w.reset();
          const c = { H, W, KH, KW, PT, PL, HO, WO, accumulate, unaligned: false, flip: accumulate === (seed % 2 === 0), seed: seed++ };
          expectBitwise(runPad('simd', c), runPad('scalar', c), `${H}x${W} pad ${PT},${PL} -> ${HO}x${WO} acc=${accumulate} flip=${c.flip}`);
        }
      }
    }
  });
});

// =============================================================================================
// corr2d_flip

describe.each(VARIANTS)('corr2d_flip (%s)', (v) => {
  it('reverses each kernel: planes 1..3 x kk 1..20, 25, 49, unaligned', () => {
    for (const planes of [1, 2, 3]) {
      for (const kk of [...Array.from({ length: 20 }, (_, i) => i + 1), 25, 49]) {
        w.reset();
        const n = planes * kk;
        const sd = randArray(n, n + planes);
        const src = region(w, n, sd, kk % 2 === 1);
        const dst = region(w, n, undefined, planes === 2);
        kernel(w, 'corr2d_flip', v)(dst.ptr, src.ptr, planes, kk);
        const want = new Float32Array(n);
        for (let p = 0; p < planes; p++) for (let i = 0; i < kk; i++) want[p * kk + i] = sd[p * kk + kk - 1 - i];
        const ctx = `corr2d_flip_${v} ${planes} x ${kk}`;
        expect(readRegion(w, dst), ctx).toEqual(want);
        expectUntouched(dst, ctx);
        expect(readRegion(w, src), `${ctx}: input changed`).toEqual(sd);
      }
    }
  });
});

// =============================================================================================
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
