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
import { hsum } from './simd-util';

// ---------------------------------------------------------------------------------------------
// gemm / gemm_tn: register tiles of R rows (1..4) x 8 or 4 columns, vectorised along N.
// A element (i, k) is at pa + i * ars + k * aks (bytes), so one kernel serves A and Aᵀ.
// The k loop walks B from pb to pe in steps of bks bytes (one row of B per step).
// R is a literal at every call site: after inlining the unused rows fold away.

/** Rows per register tile; also the granularity of the L2 row blocks below. */
const MR = 4;

/** Bytes of A a row block may hold so that it stays in L2 while B panels stream past it. */
const A_BLOCK_BYTES: i32 = 128 * 1024;

@inline
function tile8(
  R: i32, pa: usize, ars: usize, aks: usize,
  pb: usize, bks: usize, pe: usize, pc: usize, crs: usize, accumulate: i32,
): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
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
    }
    if (R > 2) {
      const a2 = v128.load32_splat(pa + ar2);
      c20 = f32x4.add(c20, f32x4.mul(a2, b0));
      c21 = f32x4.add(c21, f32x4.mul(a2, b1));
    }
    if (R > 3) {
      const a3 = v128.load32_splat(pa + ar3);
      c30 = f32x4.add(c30, f32x4.mul(a3, b0));
      c31 = f32x4.add(c31, f32x4.mul(a3, b1));
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
    }
    if (R > 2) {
      c20 = f32x4.add(v128.load(pc + 2 * crs), c20);
      c21 = f32x4.add(v128.load(pc + 2 * crs, 16), c21);
    }
    if (R > 3) {
      c30 = f32x4.add(v128.load(pc + 3 * crs), c30);
      c31 = f32x4.add(v128.load(pc + 3 * crs, 16), c31);
    }
  }
  v128.store(pc, c00);
  v128.store(pc, c01, 16);
  if (R > 1) {
    v128.store(pc + crs, c10);
    v128.store(pc + crs, c11, 16);
  }
  if (R > 2) {
    v128.store(pc + 2 * crs, c20);
    v128.store(pc + 2 * crs, c21, 16);
  }
  if (R > 3) {
    v128.store(pc + 3 * crs, c30);
    v128.store(pc + 3 * crs, c31, 16);
  }
}

@inline
function tile4(
  R: i32, pa: usize, ars: usize, aks: usize,
  pb: usize, bks: usize, pe: usize, pc: usize, crs: usize, accumulate: i32,
): void {
  let c0 = f32x4.splat(0), c1 = f32x4.splat(0), c2 = f32x4.splat(0), c3 = f32x4.splat(0);
  const ar2 = ars + ars, ar3 = ar2 + ars;
  while (pb < pe) {
    const b0 = v128.load(pb);
    c0 = f32x4.add(c0, f32x4.mul(v128.load32_splat(pa), b0));
    if (R > 1) c1 = f32x4.add(c1, f32x4.mul(v128.load32_splat(pa + ars), b0));
    if (R > 2) c2 = f32x4.add(c2, f32x4.mul(v128.load32_splat(pa + ar2), b0));
    if (R > 3) c3 = f32x4.add(c3, f32x4.mul(v128.load32_splat(pa + ar3), b0));
    pa += aks;
    pb += bks;
  }
  if (accumulate) {
    c0 = f32x4.add(v128.load(pc), c0);
    if (R > 1) c1 = f32x4.add(v128.load(pc + crs), c1);
    if (R > 2) c2 = f32x4.add(v128.load(pc + 2 * crs), c2);
    if (R > 3) c3 = f32x4.add(v128.load(pc + 3 * crs), c3);
  }
  v128.store(pc, c0);
  if (R > 1) v128.store(pc + crs, c1);
  if (R > 2) v128.store(pc + 2 * crs, c2);
  if (R > 3) v128.store(pc + 3 * crs, c3);
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

/** Rows i0 .. i1-1 (i1 - i0 = R) of C for columns j0 .. j1-1 in column panels of 8, 4, 1. */
@inline
function rowsR(
  R: i32, N: i32, pa: usize, ars: usize, aks: usize,
  b: usize, bks: usize, kspan: usize, pc: usize, crs: usize, accumulate: i32,
): void {
  let j = 0;
  for (; j + 8 <= N; j += 8) {
    const pb = b + (<usize>j << 2);
    tile8(R, pa, ars, aks, pb, bks, pb + kspan, pc + (<usize>j << 2), crs, accumulate);
  }
  if (j + 4 <= N) {
    const pb = b + (<usize>j << 2);
    tile4(R, pa, ars, aks, pb, bks, pb + kspan, pc + (<usize>j << 2), crs, accumulate);
    j += 4;
  }
  for (; j < N; j++) {
    const pb = b + (<usize>j << 2);
    for (let r = 0; r < R; r++) {
      dot1(pa + <usize>r * ars, aks, pb, bks, pb + kspan, pc + <usize>r * crs + (<usize>j << 2), accumulate);
    }
  }
}

/**
 * Shared driver of gemm and gemm_tn (A element (i, k) at a + i*ars + k*aks bytes).
 * Loops: row blocks of A sized for L2 > column panels of 8 > 4-row tiles, so each K x 8 panel
 * of B is reused by every tile of a row block while it is still in cache.
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
  for (let i0 = 0; i0 < M4; i0 += mc) {
    const i1 = min(i0 + mc, M4);
    let j = 0;
    for (; j + 8 <= N; j += 8) {
      const pb = b + (<usize>j << 2);
      const pe = pb + kspan;
      const pcj = c + (<usize>j << 2);
      for (let i = i0; i < i1; i += MR) {
        tile8(4, a + <usize>i * ars, ars, aks, pb, bks, pe, pcj + <usize>i * crs, crs, accumulate);
      }
    }
    // Column tail (N mod 8) of this row block: 4-column tiles, then single elements.
    if (j < N) {
      for (let i = i0; i < i1; i += MR) {
        rowsR(4, N - j, a + <usize>i * ars, ars, aks, b + (<usize>j << 2), bks, kspan,
          c + <usize>i * crs + (<usize>j << 2), crs, accumulate);
      }
    }
  }
  // Row tail (M mod 4).
  const pa = a + <usize>M4 * ars, pc = c + <usize>M4 * crs;
  switch (M - M4) {
    case 3: rowsR(3, N, pa, ars, aks, b, bks, kspan, pc, crs, accumulate); break;
    case 2: rowsR(2, N, pa, ars, aks, b, bks, kspan, pc, crs, accumulate); break;
    case 1: rowsR(1, N, pa, ars, aks, b, bks, kspan, pc, crs, accumulate); break;
    default: break;
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
// gemm_nt: dot products of A rows with B rows, vectorised along K, R (1..4) rows of A x
// S (1..2) rows of B per tile (8 accumulators + 6 loaded vectors at most), then horizontal sums.

/** Finishes one element of gemm_nt: horizontal sum, sequential K tail, store. */
@inline
function ntFinish(acc: v128, pa: usize, pb: usize, n: usize, pc: usize, accumulate: i32): void {
  let s = hsum(acc);
  for (let t: usize = 0; t < n; t += 4) s += load<f32>(pa + t) * load<f32>(pb + t);
  store<f32>(pc, accumulate ? load<f32>(pc) + s : s);
}

@inline
function ntTile(
  R: i32, S: i32, pa: usize, ars: usize, pb: usize, brs: usize,
  k4span: usize, tail: usize, pc: usize, crs: usize, accumulate: i32,
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
    let b1 = b0;
    if (S > 1) b1 = v128.load(q + brs);
    const a0 = v128.load(p);
    s00 = f32x4.add(s00, f32x4.mul(a0, b0));
    if (S > 1) s01 = f32x4.add(s01, f32x4.mul(a0, b1));
    if (R > 1) {
      const a1 = v128.load(p + ars);
      s10 = f32x4.add(s10, f32x4.mul(a1, b0));
      if (S > 1) s11 = f32x4.add(s11, f32x4.mul(a1, b1));
    }
    if (R > 2) {
      const a2 = v128.load(p + ar2);
      s20 = f32x4.add(s20, f32x4.mul(a2, b0));
      if (S > 1) s21 = f32x4.add(s21, f32x4.mul(a2, b1));
    }
    if (R > 3) {
      const a3 = v128.load(p + ar3);
      s30 = f32x4.add(s30, f32x4.mul(a3, b0));
      if (S > 1) s31 = f32x4.add(s31, f32x4.mul(a3, b1));
    }
    p += 16;
    q += 16;
  }
  const ta = pa + k4span, tb = pb + k4span;
  ntFinish(s00, ta, tb, tail, pc, accumulate);
  if (S > 1) ntFinish(s01, ta, tb + brs, tail, pc + 4, accumulate);
  if (R > 1) {
    ntFinish(s10, ta + ars, tb, tail, pc + crs, accumulate);
    if (S > 1) ntFinish(s11, ta + ars, tb + brs, tail, pc + crs + 4, accumulate);
  }
  if (R > 2) {
    ntFinish(s20, ta + ar2, tb, tail, pc + 2 * crs, accumulate);
    if (S > 1) ntFinish(s21, ta + ar2, tb + brs, tail, pc + 2 * crs + 4, accumulate);
  }
  if (R > 3) {
    ntFinish(s30, ta + ar3, tb, tail, pc + 3 * crs, accumulate);
    if (S > 1) ntFinish(s31, ta + ar3, tb + brs, tail, pc + 3 * crs + 4, accumulate);
  }
}

/** Rows of A (R of them, literal) against every row of B, two B rows at a time. */
@inline
function ntRows(
  R: i32, N: i32, pa: usize, ars: usize, b: usize, brs: usize,
  k4span: usize, tail: usize, pc: usize, crs: usize, accumulate: i32,
): void {
  let j = 0;
  for (; j + 2 <= N; j += 2) {
    ntTile(R, 2, pa, ars, b + <usize>j * brs, brs, k4span, tail, pc + (<usize>j << 2), crs, accumulate);
  }
  if (j < N) {
    ntTile(R, 1, pa, ars, b + <usize>j * brs, brs, k4span, tail, pc + (<usize>j << 2), crs, accumulate);
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
  const M4 = M & ~3;
  // Column pairs outer, 4-row tiles inner: the two B rows stay in cache across the A rows.
  let j = 0;
  for (; j + 2 <= N; j += 2) {
    const pb = b + <usize>j * brs, pcj = c + (<usize>j << 2);
    for (let i = 0; i < M4; i += 4) {
      ntTile(4, 2, a + <usize>i * ars, ars, pb, brs, k4span, tail, pcj + <usize>i * crs, crs, accumulate);
    }
  }
  if (j < N) {
    const pb = b + <usize>j * brs, pcj = c + (<usize>j << 2);
    for (let i = 0; i < M4; i += 4) {
      ntTile(4, 1, a + <usize>i * ars, ars, pb, brs, k4span, tail, pcj + <usize>i * crs, crs, accumulate);
    }
  }
  const pa = a + <usize>M4 * ars, pc = c + <usize>M4 * crs;
  switch (M - M4) {
    case 3: ntRows(3, N, pa, ars, b, brs, k4span, tail, pc, crs, accumulate); break;
    case 2: ntRows(2, N, pa, ars, b, brs, k4span, tail, pc, crs, accumulate); break;
    case 1: ntRows(1, N, pa, ars, b, brs, k4span, tail, pc, crs, accumulate); break;
    default: break;
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
