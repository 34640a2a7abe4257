// Single-precision matrix products, row-major, over byte addresses into linear memory.
//
//   gemm_f32_*    C[M x N] (=, or += when accumulate != 0)  A[M x K]  · B[K x N]
//   gemm_nt_f32_* C[M x N] (=, or +=)                        A[M x K]  · B[N x K]ᵀ
//   gemm_tn_f32_* C[M x N] (=, or +=)                        A[K x M]ᵀ · B[K x N]
//
// Layout: element (r, c) of a matrix X with leading dimension ldx is the f32 at
// x + 4 * (r * ldx + c). Leading dimensions count elements and are at least the row width
// (so at least 1). Pointers need only be 4-byte aligned. C must not overlap A or B.
// M, N, K <= 0 are allowed: nothing is summed (C = 0, or C unchanged when accumulating).
//
// Summation order (fixed; the same for every call with the same M, N, K, whatever the tile an
// element falls in, and bitwise the same in the _simd and _scalar twins):
//   gemm, gemm_tn   s = 0; for k = 0 .. K-1 in order: s = s + a(i,k) * b(k,j)
//   gemm_nt         four partial sums p[l] = Σ a(i,k) * b(j,k) over k ≡ l (mod 4), k < K & ~3,
//                   each in increasing k; s = (p[0] + p[1]) + (p[2] + p[3]); then
//                   for k = K & ~3 .. K-1 in order: s = s + a(i,k) * b(j,k)
//   then C = s, or C = C + s when accumulating. No fused multiply-add anywhere.
//
// B is read in place (this ABI passes no scratch memory to pack it). For gemm / gemm_tn, a row
// stride of B that is a multiple of 4 KiB (ldb = 1024, 2048, 4096 ...) maps the rows of a
// K x 8 panel of B onto a few cache sets and halves the throughput; callers that can choose
// ldb should avoid such strides (e.g. pad by 16 elements).
import { gather4, hsum, hsum4, scatter4 } from './simd-util';

// ---------------------------------------------------------------------------------------------
// gemm / gemm_tn (and conv_nchw, below) share one micro-kernel, strip8: register tiles of 4 rows
// x 8 columns, vectorised along N, over one K x 8 panel of B. A element (i, k) is at
// pa + i * ars + k * aks (bytes), so it serves A, Aᵀ and conv_nchw's weight; the k loop walks B
// from pb to pe in steps of bks bytes (one row of B per step). strip8 is one function (not
// inlined) called once per panel and row block: one copy of the tile code in the module.

/** Rows per register tile; also the granularity of the L2 row blocks below. */
const MR = 4;

/** Bytes of A a row block may hold so that it stays in L2 while B panels stream past it. */
const A_BLOCK_BYTES: i32 = 128 * 1024;

/** 32 zero bytes: the starting accumulators of a tile that does not start from C. */
const ZERO_ROW: usize = memory.data(32, 16);

/**
 * R rows (4, 2 or 1, a literal) x 8 columns: acc = the 8 floats at pi + i * irs (C itself, or
 * ZERO_ROW with irs = 0); acc += a(i, k) * B(k, 0..7) for the k from pb to pe; then C = acc,
 * or C + acc when accumulating, plus bias[i] when bias != 0. The start is loaded, not chosen by
 * a branch: after such a choice V8 compiles the k loop 5-25% slower.
 */
@inline
function tile8(
  R: i32, pa: usize, ars: usize, aks: usize, pb: usize, bks: usize, pe: usize,
  pc: usize, crs: usize, pi: usize, irs: usize, accumulate: i32, bias: usize,
): void {
  let c00 = v128.load(pi), c01 = v128.load(pi, 16);
  let c10 = c00, c11 = c01, c20 = c00, c21 = c01, c30 = c00, c31 = c01;
  if (R > 1) {
    c10 = v128.load(pi + irs);
    c11 = v128.load(pi + irs, 16);
    if (R > 2) {
      c20 = v128.load(pi + 2 * irs);
      c21 = v128.load(pi + 2 * irs, 16);
      c30 = v128.load(pi + 3 * irs);
      c31 = v128.load(pi + 3 * irs, 16);
    }
  }
  const ar2 = ars + ars, ar3 = ar2 + ars;
  while (pb < pe) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    const a0 = v128.load32_splat(pa);
    c00 = f32x4.add(c00, f32x4.mul(a0, b0));
    c01 = f32x4.add(c01, f32x4.mul(a0, b1));
    if (R > 1) {
      const a1 = v128.load32_splat(pa + ars);
      c10 = f32x4.add(c10, f32x4.mul(a1, b0));
      c11 = f32x4.add(c11, f32x4.mul(a1, b1));
      if (R > 2) {
        const a2 = v128.load32_splat(pa + ar2);
        c20 = f32x4.add(c20, f32x4.mul(a2, b0));
        c21 = f32x4.add(c21, f32x4.mul(a2, b1));
        const a3 = v128.load32_splat(pa + ar3);
        c30 = f32x4.add(c30, f32x4.mul(a3, b0));
        c31 = f32x4.add(c31, f32x4.mul(a3, b1));
      }
    }
    pa += aks;
    pb += bks;
  }
  if (accumulate) {
    c00 = f32x4.add(v128.load(pc), c00);
    c01 = f32x4.add(v128.load(pc, 16), c01);
    if (R > 1) {
      c10 = f32x4.add(v128.load(pc + crs), c10);
      c11 = f32x4.add(v128.load(pc + crs, 16), c11);
      if (R > 2) {
        c20 = f32x4.add(v128.load(pc + 2 * crs), c20);
        c21 = f32x4.add(v128.load(pc + 2 * crs, 16), c21);
        c30 = f32x4.add(v128.load(pc + 3 * crs), c30);
        c31 = f32x4.add(v128.load(pc + 3 * crs, 16), c31);
      }
    }
  }
  if (bias) {
    const s0 = v128.load32_splat(bias);
    c00 = f32x4.add(c00, s0);
    c01 = f32x4.add(c01, s0);
    if (R > 1) {
      const s1 = v128.load32_splat(bias, 4);
      c10 = f32x4.add(c10, s1);
      c11 = f32x4.add(c11, s1);
      if (R > 2) {
        const s2 = v128.load32_splat(bias, 8);
        c20 = f32x4.add(c20, s2);
        c21 = f32x4.add(c21, s2);
        const s3 = v128.load32_splat(bias, 12);
        c30 = f32x4.add(c30, s3);
        c31 = f32x4.add(c31, s3);
      }
    }
  }
  v128.store(pc, c00);
  v128.store(pc, c01, 16);
  if (R > 1) {
    v128.store(pc + crs, c10);
    v128.store(pc + crs, c11, 16);
    if (R > 2) {
      v128.store(pc + 2 * crs, c20);
      v128.store(pc + 2 * crs, c21, 16);
      v128.store(pc + 3 * crs, c30);
      v128.store(pc + 3 * crs, c31, 16);
    }
  }
}

/**
 * Rows 0 .. R-1 (R >= 0) of C for 8 columns: 4-row tiles, then the R mod 4 last rows: 2 of them
 * as a 2-row tile; 1 or 3 of them, when C is only written (no accumulate, no init) and R >= 4,
 * as one 4-row tile ending at row R-1 (it stores again the values the tile before it stored: the
 * same sums in the same order); else as a 2-row tile and a 1-row tile, or a 1-row tile. Each
 * element's sum does not depend on the tile it falls in.
 */
function strip8(
  R: i32, pa: usize, ars: usize, aks: usize, pb: usize, bks: usize, pe: usize,
  pc: usize, crs: usize, accumulate: i32, init: bool, bias: usize,
): void {
  const irs = init ? crs : 0;
  const overlap = !accumulate && !init && R >= MR && (R & 3) != 2;
  let i = 0;
  while (i < R) {
    const left = R - i;
    const t = left >= MR || !overlap ? i : R - MR;
    const qa = pa + <usize>t * ars, qc = pc + <usize>t * crs, qi = init ? qc : ZERO_ROW;
    const qb = bias ? bias + (<usize>t << 2) : 0;
    if (left >= MR || overlap) {
      tile8(4, qa, ars, aks, pb, bks, pe, qc, crs, qi, irs, accumulate, qb);
      i = t + MR;
    } else if (left >= 2) {
      tile8(2, qa, ars, aks, pb, bks, pe, qc, crs, qi, irs, accumulate, qb);
      i += 2;
    } else {
      tile8(1, qa, ars, aks, pb, bks, pe, qc, crs, qi, irs, accumulate, qb);
      i++;
    }
  }
}

/**
 * 4 rows x 4 columns: rows 0, r1, r2, r3 (0 <= r1 <= r2 <= r3 < 4) of A at pa and of C at pc,
 * C = acc or C + acc. A repeated row index computes the same sums again and stores the same
 * values to the same place: every row of C is read before any is written.
 */
@inline
function tile4(
  pa: usize, ars: usize, aks: usize, pb: usize, bks: usize, pe: usize,
  pc: usize, crs: usize, r1: usize, r2: usize, r3: usize, accumulate: i32,
): void {
  const ar1 = r1 * ars, ar2 = r2 * ars, ar3 = r3 * ars;
  const pc1 = pc + r1 * crs, pc2 = pc + r2 * crs, pc3 = pc + r3 * crs;
  let c0 = f32x4.splat(0), c1 = f32x4.splat(0), c2 = f32x4.splat(0), c3 = f32x4.splat(0);
  while (pb < pe) {
    const b0 = v128.load(pb);
    c0 = f32x4.add(c0, f32x4.mul(v128.load32_splat(pa), b0));
    c1 = f32x4.add(c1, f32x4.mul(v128.load32_splat(pa + ar1), b0));
    c2 = f32x4.add(c2, f32x4.mul(v128.load32_splat(pa + ar2), b0));
    c3 = f32x4.add(c3, f32x4.mul(v128.load32_splat(pa + ar3), b0));
    pa += aks;
    pb += bks;
  }
  if (accumulate) {
    c0 = f32x4.add(v128.load(pc), c0);
    c1 = f32x4.add(v128.load(pc1), c1);
    c2 = f32x4.add(v128.load(pc2), c2);
    c3 = f32x4.add(v128.load(pc3), c3);
  }
  v128.store(pc, c0);
  v128.store(pc1, c1);
  v128.store(pc2, c2);
  v128.store(pc3, c3);
}

/** One element: sequential dot product of an A row (step aks) with a B column (step bks). */
@inline
function dot1(pa: usize, aks: usize, pb: usize, bks: usize, pe: usize, pc: usize, accumulate: i32): void {
  let s: f32 = 0;
  while (pb < pe) {
    s += load<f32>(pa) * load<f32>(pb);
    pa += aks;
    pb += bks;
  }
  store<f32>(pc, accumulate ? load<f32>(pc) + s : s);
}

/**
 * Rows 0 .. R-1 of C for nr (1..7) columns (gemm's column tail, where 8-wide loads of B could
 * leave B): a 4-column tile per 4 rows (the last row repeated as in strip8), then single elements.
 */
function stripTail(
  R: i32, nr: i32, pa: usize, ars: usize, aks: usize, pb: usize, bks: usize, kspan: usize,
  pc: usize, crs: usize, accumulate: i32,
): void {
  if (nr >= 4) {
    for (let i = 0; i < R; i += MR) {
      const r3 = <usize>min(R - i - 1, 3);
      tile4(pa + <usize>i * ars, ars, aks, pb, bks, pb + kspan, pc + <usize>i * crs, crs,
        min<usize>(1, r3), min<usize>(2, r3), r3, accumulate);
    }
  }
  for (let j = nr & 4; j < nr; j++) {
    const pbj = pb + (<usize>j << 2);
    for (let r = 0; r < R; r++) {
      dot1(pa + <usize>r * ars, aks, pbj, bks, pbj + kspan, pc + <usize>r * crs + (<usize>j << 2), accumulate);
    }
  }
}

/**
 * Shared driver of gemm and gemm_tn (A element (i, k) at a + i*ars + k*aks bytes).
 * Loops: row blocks of A sized for L2 > column panels of 8 > 4-row tiles (strip8), so each
 * K x 8 panel of B is reused by every tile of a row block while it is still in cache.
 */
function gemmCoreSimd(
  M: i32, N: i32, K: i32, a: usize, ars: usize, aks: usize,
  b: usize, ldb: i32, c: usize, ldc: i32, accumulate: i32,
): void {
  if (M <= 0 || N <= 0) return;
  const bks = <usize>ldb << 2, crs = <usize>ldc << 2;
  const kspan = K > 0 ? <usize>K * bks : 0;
  const K1 = K > 1 ? K : 1;
  let mc = (A_BLOCK_BYTES / (K1 << 2)) & ~(MR - 1);
  if (mc < MR) mc = MR;
  const M4 = M & ~(MR - 1);
  // Even row blocks (64 rows as 32 + 32, not 56 + 8: every block streams all of B once); the
  // last block also takes the M mod 4 last rows.
  const nb = (M4 + mc - 1) / mc;
  if (nb > 0) mc = ((M4 / MR + nb - 1) / nb) * MR;
  for (let i0 = 0; i0 < M;) {
    const R = i0 + mc < M4 ? mc : M - i0;
    const pa = a + <usize>i0 * ars, pc = c + <usize>i0 * crs;
    let j = 0;
    for (; j + 8 <= N; j += 8) {
      const pb = b + (<usize>j << 2);
      strip8(R, pa, ars, aks, pb, bks, pb + kspan, pc + (<usize>j << 2), crs, accumulate, false, 0);
    }
    if (j < N) stripTail(R, N - j, pa, ars, aks, b + (<usize>j << 2), bks, kspan, pc + (<usize>j << 2), crs, accumulate);
    i0 += R;
  }
}

/** Scalar twin of gemmCoreSimd: one sequential dot product per element (same order). */
function gemmCoreScalar(
  M: i32, N: i32, K: i32, a: usize, ars: usize, aks: usize,
  b: usize, ldb: i32, c: usize, ldc: i32, accumulate: i32,
): void {
  const bks = <usize>ldb << 2, crs = <usize>ldc << 2;
  for (let i = 0; i < M; i++) {
    const pa = a + <usize>i * ars, pc = c + <usize>i * crs;
    for (let j = 0; j < N; j++) {
      let s: f32 = 0;
      for (let k = 0; k < K; k++) {
        s += load<f32>(pa + <usize>k * aks) * load<f32>(b + <usize>k * bks + (<usize>j << 2));
      }
      const q = pc + (<usize>j << 2);
      store<f32>(q, accumulate ? load<f32>(q) + s : s);
    }
  }
}

/** C[M x N] (=, or += when accumulate != 0) A[M x K] · B[K x N]; row-major, ld in elements. */
export function gemm_f32_simd(
  M: i32, N: i32, K: i32, a: usize, lda: i32, b: usize, ldb: i32, c: usize, ldc: i32, accumulate: i32,
): void {
  gemmCoreSimd(M, N, K, a, <usize>lda << 2, 4, b, ldb, c, ldc, accumulate);
}

/** Scalar twin of gemm_f32_simd (bitwise the same result). */
export function gemm_f32_scalar(
  M: i32, N: i32, K: i32, a: usize, lda: i32, b: usize, ldb: i32, c: usize, ldc: i32, accumulate: i32,
): void {
  gemmCoreScalar(M, N, K, a, <usize>lda << 2, 4, b, ldb, c, ldc, accumulate);
}

/** C[M x N] (=, or +=) A[K x M]ᵀ · B[K x N]; A is stored K x M with leading dimension lda. */
export function gemm_tn_f32_simd(
  M: i32, N: i32, K: i32, a: usize, lda: i32, b: usize, ldb: i32, c: usize, ldc: i32, accumulate: i32,
): void {
  gemmCoreSimd(M, N, K, a, 4, <usize>lda << 2, b, ldb, c, ldc, accumulate);
}

/** Scalar twin of gemm_tn_f32_simd (bitwise the same result). */
export function gemm_tn_f32_scalar(
  M: i32, N: i32, K: i32, a: usize, lda: i32, b: usize, ldb: i32, c: usize, ldc: i32, accumulate: i32,
): void {
  gemmCoreScalar(M, N, K, a, 4, <usize>lda << 2, b, ldb, c, ldc, accumulate);
}

// ---------------------------------------------------------------------------------------------
// gemm_nt: dot products of A rows with B rows, vectorised along K: tiles of 4 (or 1) rows of A
// x 2 rows of B (8 accumulators + 6 loaded vectors), then horizontal sums. ntStrip (not
// inlined) runs every row of A against one pair of B rows: one copy of the tile code.

/** One element's sum of gemm_nt: horizontal sum of acc, then the sequential K tail (n bytes). */
@inline
function ntSum(acc: v128, pa: usize, pb: usize, n: usize): f32 {
  let s = hsum(acc);
  for (let t: usize = 0; t < n; t += 4) s += load<f32>(pa + t) * load<f32>(pb + t);
  return s;
}

/** Finishes the elements at pc and pc + co of one row of gemm_nt (B rows at tb and tb + bo). */
@inline
function ntFinish(
  acc0: v128, acc1: v128, ta: usize, tb: usize, bo: usize, tail: usize, pc: usize, co: usize, accumulate: i32,
): void {
  let e0 = ntSum(acc0, ta, tb, tail), e1 = ntSum(acc1, ta, tb + bo, tail);
  if (accumulate) {
    e0 = load<f32>(pc) + e0;
    e1 = load<f32>(pc + co) + e1;
  }
  store<f32>(pc, e0);
  store<f32>(pc + co, e1);
}

/**
 * R rows (4 or 1, a literal) of A x the B rows at pb and pb + bo (bo = 0: the same row again),
 * into C at pc and pc + co. Both elements of a row of C are read before either is written, so a
 * repeated B row stores the same value twice.
 */
@inline
function ntTile(
  R: i32, pa: usize, ars: usize, pb: usize, bo: usize,
  k4span: usize, tail: usize, pc: usize, crs: usize, co: usize, accumulate: i32,
): void {
  let s00 = f32x4.splat(0), s01 = f32x4.splat(0);
  let s10 = f32x4.splat(0), s11 = f32x4.splat(0);
  let s20 = f32x4.splat(0), s21 = f32x4.splat(0);
  let s30 = f32x4.splat(0), s31 = f32x4.splat(0);
  const ar2 = ars + ars, ar3 = ar2 + ars;
  let p = pa, q = pb;
  const pe = pa + k4span;
  while (p < pe) {
    const b0 = v128.load(q);
    const b1 = v128.load(q + bo);
    const a0 = v128.load(p);
    s00 = f32x4.add(s00, f32x4.mul(a0, b0));
    s01 = f32x4.add(s01, f32x4.mul(a0, b1));
    if (R > 1) {
      const a1 = v128.load(p + ars);
      s10 = f32x4.add(s10, f32x4.mul(a1, b0));
      s11 = f32x4.add(s11, f32x4.mul(a1, b1));
      const a2 = v128.load(p + ar2);
      s20 = f32x4.add(s20, f32x4.mul(a2, b0));
      s21 = f32x4.add(s21, f32x4.mul(a2, b1));
      const a3 = v128.load(p + ar3);
      s30 = f32x4.add(s30, f32x4.mul(a3, b0));
      s31 = f32x4.add(s31, f32x4.mul(a3, b1));
    }
    p += 16;
    q += 16;
  }
  const ta = pa + k4span, tb = pb + k4span;
  if (R == 1) {
    ntFinish(s00, s01, ta, tb, bo, tail, pc, co, accumulate);
    return;
  }
  // The same operations per element as ntFinish, four rows a vector: lane r of h0 (h1) is row r
  // of the first (second) column.
  let h0 = hsum4(s00, s10, s20, s30), h1 = hsum4(s01, s11, s21, s31);
  for (let t: usize = 0; t < tail; t += 4) {
    const av = gather4(ta + t, ars);
    h0 = f32x4.add(h0, f32x4.mul(av, v128.load32_splat(tb + t)));
    h1 = f32x4.add(h1, f32x4.mul(av, v128.load32_splat(tb + bo + t)));
  }
  if (accumulate) {
    h0 = f32x4.add(gather4(pc, crs), h0);
    h1 = f32x4.add(gather4(pc + co, crs), h1);
  }
  scatter4(pc, crs, h0);
  scatter4(pc + co, crs, h1);
}

/**
 * Every row of A (M of them) against the B rows at pb and pb + bo, into C's columns at pc and
 * pc + co: 4-row tiles, then the M mod 4 last rows as strip8 does them (one 4-row tile ending at
 * row M-1 when not accumulating and M >= 4, else 1-row tiles).
 */
function ntStrip(
  M: i32, pa: usize, ars: usize, pb: usize, bo: usize, k4span: usize, tail: usize,
  pc: usize, crs: usize, co: usize, accumulate: i32,
): void {
  const overlap = !accumulate && M >= 4;
  let i = 0;
  while (i < M) {
    const full = i + 4 <= M;
    const t = full ? i : overlap ? M - 4 : i;
    const qa = pa + <usize>t * ars, qc = pc + <usize>t * crs;
    if (full || overlap) {
      ntTile(4, qa, ars, pb, bo, k4span, tail, qc, crs, co, accumulate);
      i = t + 4;
    } else {
      ntTile(1, qa, ars, pb, bo, k4span, tail, qc, crs, co, accumulate);
      i++;
    }
  }
}

/** C[M x N] (=, or +=) A[M x K] · B[N x K]ᵀ; B is stored N x K with leading dimension ldb. */
export function gemm_nt_f32_simd(
  M: i32, N: i32, K: i32, a: usize, lda: i32, b: usize, ldb: i32, c: usize, ldc: i32, accumulate: i32,
): void {
  if (M <= 0 || N <= 0) return;
  const ars = <usize>lda << 2, brs = <usize>ldb << 2, crs = <usize>ldc << 2;
  const K0 = K > 0 ? K : 0;
  const k4span = <usize>(K0 & ~3) << 2, tail = <usize>(K0 & 3) << 2;
  // Column pairs outer (the last one of an odd N repeats its row), every row of A inner: the two
  // B rows stay in cache across the A rows.
  for (let j = 0; j < N; j += 2) {
    const two = j + 1 < N;
    ntStrip(M, a, ars, b + <usize>j * brs, two ? brs : 0, k4span, tail, c + (<usize>j << 2), crs, two ? 4 : 0, accumulate);
  }
}

/** Scalar twin of gemm_nt_f32_simd: four interleaved partial sums, bitwise the same result. */
export function gemm_nt_f32_scalar(
  M: i32, N: i32, K: i32, a: usize, lda: i32, b: usize, ldb: i32, c: usize, ldc: i32, accumulate: i32,
): void {
  const ars = <usize>lda << 2, brs = <usize>ldb << 2, crs = <usize>ldc << 2;
  const K4 = K & ~3;
  for (let i = 0; i < M; i++) {
    const pa = a + <usize>i * ars;
    for (let j = 0; j < N; j++) {
      const pb = b + <usize>j * brs;
      let p0: f32 = 0, p1: f32 = 0, p2: f32 = 0, p3: f32 = 0;
      for (let k = 0; k < K4; k += 4) {
        const o = <usize>k << 2;
        p0 += load<f32>(pa + o) * load<f32>(pb + o);
        p1 += load<f32>(pa + o, 4) * load<f32>(pb + o, 4);
        p2 += load<f32>(pa + o, 8) * load<f32>(pb + o, 8);
        p3 += load<f32>(pa + o, 12) * load<f32>(pb + o, 12);
      }
      let s = (p0 + p1) + (p2 + p3);
      for (let k = K4; k < K; k++) {
        const o = <usize>k << 2;
        s += load<f32>(pa + o) * load<f32>(pb + o);
      }
      const q = c + <usize>i * crs + (<usize>j << 2);
      store<f32>(q, accumulate ? load<f32>(q) + s : s);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// conv_nchw: the convolution of one NCHW image (or one group of it) as an implicit GEMM: the
// column matrix of im2col_nchw is never stored whole; it is packed 8 columns at a time straight
// into the micro-kernel's panel order, and every 4 x 8 register tile of y reads that panel.
//
//   y[i*HO*WO + oh*WO + ow] = (Σ_{k<K} w[i*K + k] · col(k, oh, ow)) (+ bias[i])
//   for i < M, r0 <= oh < r1 (a band of output rows), ow < WO; K = C*KH*KW, k = (c*KH + a)*KW + b,
//   col(k, oh, ow) = x[(c*H + ih)*W + iw] with ih = oh*SH - PT + a*DH, iw = ow*SW - PL + b*DW,
//   or 0 where (ih, iw) lies outside x (multiplied like any other value, as gemm would).
//
// Arguments: x (the C x H x W input), geo (int32[14] at a 4-byte-aligned address: C, H, W, KH,
// KW, SH, SW, PT, PL, DH, DW, HO, WO, M; SH, SW, DH, DW >= 1, PT and PL any integers), the band
// r0 .. r1-1 (0 <= r0 <= r1 <= HO), w (M x K, row-major, contiguous), y (M x HO*WO, rows of the
// band written, nothing else), bias (M floats, or 0 for none) and work: a 16-byte-aligned
// scratch block of at least CONV_WORK_BYTES + 12*K bytes, not shared with a concurrent call.
// x, w and bias need only 4-byte alignment; y must not overlap x, w, bias or work.
//
// Summation order: gemm's (s = 0; s = s + w(i, k) * col(k, j) for k = 0 .. K-1 in order), then
// y = s, or y = s + bias[i]: bitwise what im2col_nchw + gemm (+ bias_add_rows) give, and the
// same in the _simd and _scalar twins, whatever the band. No fused multiply-add.
//
// SIMD loops: K is cut into even blocks of at most CONV_PANEL_K rows (the panel, <= 20 KB,
// stays in L1) and at most A_BLOCK_BYTES of w (the rows of w a block reads stay in L2 while the
// panels stream past); a later block starts its accumulators from the partial sums in y, so the
// blocking does not change the order. Per block and panel of 8 columns: pack the panel, then
// every 4-row tile of y runs over it (8 accumulators + 4 splats + 2 panel vectors = 14 vector
// registers). Packing (stride 1 along the width): where the 8 columns lie in one output row, two
// vector copies per row of the panel, with the lanes outside the input row cleared by a mask at
// the left and right edges; where they span two output rows, two such runs merged by lane; any
// other panel (strides, WO < 8, the band's last columns) element by element with bounds tests.
// Vector loads never leave x (those that would take the element-by-element path).

/** Rows of a packed panel (8 floats each) per K block. */
const CONV_PANEL_K = 640;
/** Bytes of `work` besides the 12*K bytes of tap tables: panel, one spare 4 x 8 tile, lane data. */
const CONV_WORK_BYTES: i32 = CONV_PANEL_K * 32 + 128 + 128;

/** Bytes of w one K block may read (kept in L2 across the panels of the block). */
const CONV_A_BYTES: i32 = 384 * 1024;

/**
 * Every row of y (M of them) for one packed panel (rows of 8 floats, lanes >= nr zero): strip8
 * with A's k step 4. A panel of nr < 8 columns goes through the spare tile `tmp` (4 x 8
 * floats), 4 rows at a time, so only its nr columns of y are read and written.
 */
@inline
function panelRows(
  M: i32, nr: i32, pa: usize, ars: usize, pb: usize, pe: usize, pc: usize, crs: usize,
  init: bool, bias: usize, tmp: usize,
): void {
  if (nr == 8) {
    strip8(M, pa, ars, 4, pb, 32, pe, pc, crs, 0, init, bias);
  } else {
    for (let i = 0; i < M; i += MR) {
      const R = min(MR, M - i);
      const qc = pc + <usize>i * crs;
      if (init) {
        for (let r = 0; r < R; r++) {
          for (let l = 0; l < nr; l++) {
            store<f32>(tmp + (<usize>(r * 8 + l) << 2), load<f32>(qc + <usize>r * crs + (<usize>l << 2)));
          }
        }
      }
      strip8(R, pa + <usize>i * ars, ars, 4, pb, 32, pe, tmp, 32, 0, init, bias ? bias + (<usize>i << 2) : 0);
      for (let r = 0; r < R; r++) {
        for (let l = 0; l < nr; l++) {
          store<f32>(qc + <usize>r * crs + (<usize>l << 2), load<f32>(tmp + (<usize>(r * 8 + l) << 2)));
        }
      }
    }
  }
}

/**
 * Tap tables for k = 0 .. K-1 (k = (c*KH + a)*KW + b): tab[k] = byte offset of tap k from an
 * output's top-left input element, ((c*H + a*DH)*W + b*DW)*4; tab[K + k] = a*DH; tab[2K + k] = b*DW.
 */
function tapTables(tab: usize, C: i32, H: i32, W: i32, KH: i32, KW: i32, DH: i32, DW: i32): void {
  const K = C * KH * KW;
  const da = tab + (<usize>K << 2), db = da + (<usize>K << 2);
  let k: usize = 0;
  for (let c = 0; c < C; c++) {
    for (let a = 0; a < KH; a++) {
      for (let b = 0; b < KW; b++) {
        store<i32>(tab + k, ((c * H + a * DH) * W + b * DW) << 2);
        store<i32>(da + k, a * DH);
        store<i32>(db + k, b * DW);
        k += 4;
      }
    }
  }
}

/**
 * im2col_nchw into panel order: rows k0 .. k1-1 of columns j0 .. j0+nr-1 (nr 1..8; column
 * j = oh*WO + ow) of the column matrix, as panel[(k - k0)*8 + l] for lane l = j - j0; lanes
 * >= nr are zero. `lanes` is 96 bytes of scratch.
 */
function packPanel(
  x: usize, geo: usize, tab: usize, K: i32, k0: i32, k1: i32, j0: i32, nr: i32, panel: usize, lanes: usize,
): void {
  const H = load<i32>(geo, 4), W = load<i32>(geo, 8), KH = load<i32>(geo, 12), KW = load<i32>(geo, 16);
  const SH = load<i32>(geo, 20), SW = load<i32>(geo, 24), PT = load<i32>(geo, 28), PL = load<i32>(geo, 32);
  const DH = load<i32>(geo, 36), DW = load<i32>(geo, 40), WO = load<i32>(geo, 48);
  const offs = tab + (<usize>k0 << 2), kn = <usize>(k1 - k0) << 2;
  const das = tab + (<usize>(K + k0) << 2), dbs = tab + (<usize>(2 * K + k0) << 2);
  const spanH = (KH - 1) * DH, spanW = (KW - 1) * DW;
  // Last address of x where 8 floats can be loaded (unsigned compares: a wrapped address fails them).
  const xlast = x + (<usize>(load<i32>(geo) * H * W) << 2) - 32;
  const oh0 = j0 / WO, ow0 = j0 - oh0 * WO;
  const ih0 = oh0 * SH - PT, iw0 = ow0 * SW - PL;
  let q = panel;
  const rowsInside = ih0 >= 0 && ih0 + spanH < H;
  if (SW == 1 && nr == 8 && ow0 + 8 <= WO) {
    // One output row: tap k's 8 inputs are consecutive floats of one input row.
    const base = x + <usize>((ih0 * W + iw0) << 2);
    if (rowsInside && iw0 >= 0 && iw0 + 7 + spanW < W) {
      for (let t: usize = 0; t < kn; t += 4) {
        const p = base + <usize>load<i32>(offs + t);
        const v0 = v128.load(p), v1 = v128.load(p, 16);
        v128.store(q, v0);
        v128.store(q, v1, 16);
        q += 32;
      }
      return;
    }
    // Taps in input rows outside x: zeros. Taps at the left or right edge: 8 consecutive floats
    // loaded where they all lie inside x, the lanes outside the input row cleared; else element
    // by element.
    const z = f32x4.splat(0), wv = i32x4.splat(W);
    for (let t: usize = 0; t < kn; t += 4) {
      const p = base + <usize>load<i32>(offs + t);
      const iw = iw0 + load<i32>(dbs + t);
      if (!rowsInside && <u32>(ih0 + load<i32>(das + t)) >= <u32>H) {
        v128.store(q, z);
        v128.store(q, z, 16);
      } else if (iw >= 0 && iw + 8 <= W) {
        const v0 = v128.load(p), v1 = v128.load(p, 16);
        v128.store(q, v0);
        v128.store(q, v1, 16);
      } else if (p >= x && p <= xlast) {
        const s = i32x4.splat(iw);
        const m0 = i32x4.lt_u(i32x4.add(s, i32x4(0, 1, 2, 3)), wv), m1 = i32x4.lt_u(i32x4.add(s, i32x4(4, 5, 6, 7)), wv);
        v128.store(q, v128.and(v128.load(p), m0));
        v128.store(q, v128.and(v128.load(p, 16), m1), 16);
      } else {
        v128.store(q, z);
        v128.store(q, z, 16);
        const lo = iw < 0 ? -iw : 0, hi = W - iw < 8 ? W - iw : 8;
        for (let l = lo; l < hi; l++) store<f32>(q + (<usize>l << 2), load<f32>(p + (<usize>l << 2)));
      }
      q += 32;
    }
    return;
  }
  if (SW == 1 && nr == 8 && rowsInside) {
    // Two output rows: lanes 0 .. L-1 end row oh0, lanes L .. 7 start row oh0 + 1. Where both runs
    // of a tap lie inside x, both are loaded as 8 consecutive floats and merged by lane; every
    // such load stays inside the tap's channel plane (the next input row exists and W >= 8).
    const L = WO - ow0, ih1 = ih0 + SH;
    if (WO >= 8 && W >= 8 && ih1 + spanH < H) {
      const base0 = x + <usize>((ih0 * W + iw0) << 2);
      const base1 = x + <usize>((ih1 * W - PL - L) << 2);
      const Lv = i32x4.splat(L), wv = i32x4.splat(W);
      const lane0 = i32x4(0, 1, 2, 3), lane1 = i32x4(4, 5, 6, 7);
      const mask0 = i32x4.gt_s(Lv, lane0), mask1 = i32x4.gt_s(Lv, lane1);
      for (let t: usize = 0; t < kn; t += 4) {
        const off = <usize>load<i32>(offs + t);
        const db = load<i32>(dbs + t);
        const a = iw0 + db, b = db - PL;
        const p = base0 + off, r = base1 + off;
        if (a >= 0 && a + L <= W && b >= 0 && b + 8 - L <= W) {
          v128.store(q, v128.bitselect(v128.load(p), v128.load(r), mask0));
          v128.store(q, v128.bitselect(v128.load(p, 16), v128.load(r, 16), mask1), 16);
        } else if (p >= x && p <= xlast && r >= x && r <= xlast) {
          // An edge tap: the same merge, lanes whose column lies outside the input row cleared.
          const av = i32x4.splat(a), bv = i32x4.sub(i32x4.splat(b), Lv);
          const m0 = i32x4.lt_u(v128.bitselect(i32x4.add(av, lane0), i32x4.add(bv, lane0), mask0), wv);
          const m1 = i32x4.lt_u(v128.bitselect(i32x4.add(av, lane1), i32x4.add(bv, lane1), mask1), wv);
          v128.store(q, v128.and(v128.bitselect(v128.load(p), v128.load(r), mask0), m0));
          v128.store(q, v128.and(v128.bitselect(v128.load(p, 16), v128.load(r, 16), mask1), m1), 16);
        } else {
          for (let l = 0; l < 8; l++) {
            const iw = l < L ? a + l : b + l - L;
            const pl = l < L ? p : r;
            store<f32>(q + (<usize>l << 2), iw >= 0 && iw < W ? load<f32>(pl + (<usize>l << 2)) : 0);
          }
        }
        q += 32;
      }
      return;
    }
  }
  // Any other panel: per element, each lane's (ih, iw) tested against x.
  let oh = oh0, ow = ow0;
  for (let l = 0; l < nr; l++) {
    const ih = oh * SH - PT, iw = ow * SW - PL;
    store<i32>(lanes + (<usize>l << 2), ih);
    store<i32>(lanes + (<usize>l << 2), iw, 32);
    store<i32>(lanes + (<usize>l << 2), (ih * W + iw) << 2, 64);
    if (++ow == WO) {
      ow = 0;
      oh++;
    }
  }
  for (let t: usize = 0; t < kn; t += 4) {
    const off = load<i32>(offs + t), da = load<i32>(das + t), db = load<i32>(dbs + t);
    v128.store(q, f32x4.splat(0));
    v128.store(q, f32x4.splat(0), 16);
    for (let l = 0; l < nr; l++) {
      const pl = lanes + (<usize>l << 2);
      const ih = load<i32>(pl) + da, iw = load<i32>(pl, 32) + db;
      if (<u32>ih < <u32>H && <u32>iw < <u32>W) {
        store<f32>(q + (<usize>l << 2), load<f32>(x + <usize>(load<i32>(pl, 64) + off)));
      }
    }
    q += 32;
  }
}

/** The implicit-GEMM convolution over packed panels (see the section header). */
export function conv_nchw_f32_simd(x: usize, geo: usize, r0: i32, r1: i32, w: usize, y: usize, bias: usize, work: usize): void {
  const C = load<i32>(geo), H = load<i32>(geo, 4), W = load<i32>(geo, 8), KH = load<i32>(geo, 12), KW = load<i32>(geo, 16);
  const DH = load<i32>(geo, 36), DW = load<i32>(geo, 40), HO = load<i32>(geo, 44), WO = load<i32>(geo, 48), M = load<i32>(geo, 52);
  if (r1 <= r0 || WO <= 0 || M <= 0) return;
  const K = C * KH * KW;
  const ars = <usize>K << 2, crs = <usize>(HO * WO) << 2;
  const panel = work, tmp = work + (<usize>CONV_PANEL_K << 5), lanes = tmp + 128, tab = work + <usize>CONV_WORK_BYTES;
  tapTables(tab, C, H, W, KH, KW, DH, DW);
  // Even K blocks of at most kmax rows.
  let kmax = min(CONV_PANEL_K, CONV_A_BYTES / (M << 2));
  if (kmax < 8) kmax = 8;
  const nkb = (K + kmax - 1) / kmax;
  const j0 = r0 * WO, j1 = r1 * WO;
  for (let kb = 0; kb < nkb; kb++) {
    const k0 = <i32>(<i64>K * kb / nkb), k1 = <i32>(<i64>K * (kb + 1) / nkb);
    const init = kb > 0;
    const bz = kb == nkb - 1 ? bias : 0;
    const pe = panel + (<usize>(k1 - k0) << 5);
    const pa = w + (<usize>k0 << 2);
    for (let j = j0; j < j1; j += 8) {
      const nr = min(8, j1 - j);
      packPanel(x, geo, tab, K, k0, k1, j, nr, panel, lanes);
      panelRows(M, nr, pa, ars, panel, pe, y + (<usize>j << 2), crs, init, bz, tmp);
    }
  }
}

/** Scalar twin of conv_nchw_f32_simd: one sequential sum per output, bounds tested per term (same order). */
export function conv_nchw_f32_scalar(x: usize, geo: usize, r0: i32, r1: i32, w: usize, y: usize, bias: usize, work: usize): void {
  const C = load<i32>(geo), H = load<i32>(geo, 4), W = load<i32>(geo, 8), KH = load<i32>(geo, 12), KW = load<i32>(geo, 16);
  const SH = load<i32>(geo, 20), SW = load<i32>(geo, 24), PT = load<i32>(geo, 28), PL = load<i32>(geo, 32);
  const DH = load<i32>(geo, 36), DW = load<i32>(geo, 40), HO = load<i32>(geo, 44), WO = load<i32>(geo, 48), M = load<i32>(geo, 52);
  const K = C * KH * KW;
  for (let i = 0; i < M; i++) {
    const wi = w + <usize>i * (<usize>K << 2);
    for (let oh = r0; oh < r1; oh++) {
      for (let ow = 0; ow < WO; ow++) {
        let s: f32 = 0;
        let k = 0;
        for (let c = 0; c < C; c++) {
          for (let a = 0; a < KH; a++) {
            const ih = oh * SH - PT + a * DH;
            for (let b = 0; b < KW; b++) {
              const iw = ow * SW - PL + b * DW;
              let v: f32 = 0;
              if (ih >= 0 && ih < H && iw >= 0 && iw < W) v = load<f32>(x + ((<usize>(c * H + ih) * <usize>W + <usize>iw) << 2));
              s += load<f32>(wi + (<usize>k << 2)) * v;
              k++;
            }
          }
        }
        if (bias) s = s + load<f32>(bias + (<usize>i << 2));
        store<f32>(y + ((<usize>i * <usize>(HO * WO) + <usize>(oh * WO + ow)) << 2), s);
      }
    }
  }
}
