// Filter gradient of a single-channel, valid, stride-1 2D cross-correlation, over byte addresses.
//
//   corr2d_grad_weight_f32_*(x, H, W, dy, KH, KW, dw, accumulate)
//   dw[a*KW + b] (=, or += when accumulate != 0) Σ_{i<HO, j<WO} dy[i*WO + j] * x[(i+a)*W + j+b]
//   with HO = H - KH + 1, WO = W - KW + 1: the gradient of y = corr2d_valid(x, k) with respect
//   to k for the output gradient dy. Nothing is written when KH or KW is < 1; when HO or WO is
//   < 1 every sum is empty (+0).
//
// Layout: x is H x W, dy is HO x WO, dw is KH x KW, all row-major and contiguous, f32, any
// 4-byte-aligned address. dw must not overlap x or dy.
//
// Summation order (fixed; bitwise the same in the _simd and _scalar twins). Each tap (a, b) adds
// its terms t(i, j) = dy(i, j) * x(i+a, j+b) into NP partial sums P[0 .. NP-1], all starting at
// +0, rows in increasing i and, within a row, columns in increasing j. With WO4 = WO & ~3:
//   WO < 4:          t(i, j) goes to P[j]
//   j < WO4:         P[j mod NP]
//   j >= WO4:        P[j - WO + 4]   (the row's last, overlapping vector: lanes 4 - WO%4 .. 3)
// Then, for l < 4, v[l] = P[l] (NP 4), P[l] + P[l+4] (NP 8), or (P[l] + P[l+4]) + (P[l+8] +
// P[l+12]) (NP 16); s = (v[0] + v[1]) + (v[2] + v[3]); dw = s, or dw = dw + s. No FMA.
// NP depends only on (KH, KW, a, b) (see tapPartials): the taps are tiled into groups of up to
// 3 kernel rows x 3 kernel columns from the top left (the last row and column groups take what
// remains), and
//   a 3x3 group:     NP 4, except its bottom-right tap: NP 16
//   4 or 6 taps:     NP 4
//   2 or 3 taps:     NP 8
//   1 tap:           NP 16
//
// SIMD passes (vectorised along output columns, f32x4; every accumulator is one set of 4
// partial sums). V8 gives wasm 15 vector registers and issues all of an iteration's loads first,
// so accumulators + loaded vectors must stay <= 14 (one temporary for the products).
//   A group of TA kernel rows x TB kernel columns walks the input rows r; at each column step
//   it loads the TA output-gradient rows r - a that meet input row r and TB shifted vectors of
//   row r, so every x vector feeds TA taps and every dy vector TB taps:
//     8 taps of a 3x3 group:  8 accumulators + 3 dy + 3 x = 14 (the 9th tap runs alone)
//     6 or 4 taps:            6 + 3 + 2 or 4 + 2 + 2
//     3 or 2 taps:            two column vectors per step with their own accumulators (NP 8),
//                             so at least 4 independent add chains: <= 6 + 6 + 2
//   A single tap: four column vectors per step, four accumulators (NP 16): 4 + 4 + 4.
//   Rows r where some of the group's dy rows fall outside dy (the first and last TA-1) and the
//   row's last overlapping vector take a masked step: products outside are replaced by -0,
//   which leaves a sum unchanged.

import { hsum, imax, imin, madd, tailMask } from './simd-util';

/** s + d*x, or with `MASKED` (a literal) s + (d*x where m is set, else -0). */
@inline
function tap(s: v128, d: v128, x: v128, m: v128, MASKED: bool): v128 {
  const p = f32x4.mul(d, x);
  return f32x4.add(s, MASKED ? v128.bitselect(p, f32x4.splat(-0.0), m) : p);
}

/** All lanes set when `on`, else none. */
@inline
function laneMask(on: bool): v128 {
  return i32x4.splat(on ? -1 : 0);
}

/** dw = s, or dw + s when accumulating. */
@inline
function putSum(p: usize, s: f32, accumulate: i32): void {
  store<f32>(p, accumulate ? load<f32>(p) + s : s);
}

// ---------------------------------------------------------------------------------------------
// The summation order, shared by both twins.

/** The number of partial sums of tap (a, b) of a KH x KW kernel (see the header). */
function tapPartials(KH: i32, KW: i32, a: i32, b: i32): i32 {
  const a0 = a - a % 3, b0 = b - b % 3;
  const TA = imin(3, KH - a0), TB = imin(3, KW - b0);
  const n = TA * TB;
  if (n == 9) return a - a0 == 2 && b - b0 == 2 ? 16 : 4;
  if (n >= 4) return 4;
  if (n >= 2) return 8;
  return 16;
}

/** Partial sum P[l] of tap (a, b) with NP partials, by plain loops in the documented order. */
function partialScalar(
  x: usize, W: i32, dy: usize, HO: i32, WO: i32, a: i32, b: i32, NP: i32, l: i32,
): f32 {
  const xs = <usize>W << 2, ds = <usize>WO << 2;
  const WO4 = WO < 4 ? 0 : WO & ~3;
  // The column of the last vector's lane l, if that lane was not summed before.
  const tail = WO < 4 ? (l < WO ? l : -1) : (l < 4 && l + WO - 4 >= WO4 ? l + WO - 4 : -1);
  let s: f32 = 0;
  for (let i = 0; i < HO; i++) {
    const pd = dy + <usize>i * ds, px = x + <usize>(i + a) * xs + (<usize>b << 2);
    for (let j = l; j < WO4; j += NP) {
      s += load<f32>(pd + (<usize>j << 2)) * load<f32>(px + (<usize>j << 2));
    }
    if (tail >= 0) s += load<f32>(pd + (<usize>tail << 2)) * load<f32>(px + (<usize>tail << 2));
  }
  return s;
}

/** dw of tap (a, b) by plain scalar loops in the documented order. */
function tapScalar(
  x: usize, W: i32, dy: usize, HO: i32, WO: i32, KH: i32, KW: i32, a: i32, b: i32, dw: usize, accumulate: i32,
): void {
  const NP = tapPartials(KH, KW, a, b);
  let v0: f32 = 0, v1: f32 = 0, v2: f32 = 0, v3: f32 = 0;
  for (let l = 0; l < 4; l++) {
    let u = partialScalar(x, W, dy, HO, WO, a, b, NP, l);
    if (NP == 8) {
      u = u + partialScalar(x, W, dy, HO, WO, a, b, NP, l + 4);
    } else if (NP == 16) {
      u = (u + partialScalar(x, W, dy, HO, WO, a, b, NP, l + 4))
        + (partialScalar(x, W, dy, HO, WO, a, b, NP, l + 8) + partialScalar(x, W, dy, HO, WO, a, b, NP, l + 12));
    }
    if (l == 0) v0 = u;
    else if (l == 1) v1 = u;
    else if (l == 2) v2 = u;
    else v3 = u;
  }
  putSum(dw + (<usize>(a * KW + b) << 2), (v0 + v1) + (v2 + v3), accumulate);
}

// ---------------------------------------------------------------------------------------------
// SIMD passes

/**
 * The taps of one group: TA (1..3) kernel rows x TB (1..3) kernel columns, NB (1 or 2) column
 * vectors per step, SKIP: leave out the bottom-right tap (a 3x3 group). All four are literals.
 * x points at x(a0, b0) of the group, dw at dw(a0, b0); dws is dw's row stride in bytes.
 * Accumulator sAB is tap (a0+A, b0+B), first column vector; tAB the second (NB 2).
 */
@inline
function groupPass(
  x: usize, xs: usize, dy: usize, HO: i32, WO: i32, dw: usize, dws: usize, accumulate: i32,
  TA: i32, TB: i32, NB: i32, SKIP: bool,
): void {
  const ds = <usize>WO << 2;
  const z = f32x4.splat(0);
  let s00 = z, s01 = z, s02 = z, s10 = z, s11 = z, s12 = z, s20 = z, s21 = z, s22 = z;
  let t00 = z, t01 = z, t02 = z, t10 = z, t11 = z, t12 = z, t20 = z, t21 = z, t22 = z;
  // Column steps: NB vectors while a whole step fits, then (NB 2) one more single vector, then
  // the overlapping last vector.
  const body = <usize>(WO & ~(4 * NB - 1)) << 2, body4 = <usize>(WO & ~3) << 2;
  const last = <usize>(WO - 4) << 2, rem = WO & 3;
  const tmask = tailMask(rem), none = laneMask(false);
  const rows = HO + TA - 1;
  for (let r = 0; r < rows; r++) {
    const q = x + <usize>r * xs;
    // dy rows r, r-1, r-2 meet input row r through kernel rows a0, a0+1, a0+2.
    const p0 = dy + <usize>imin(r, HO - 1) * ds;
    const p1 = dy + <usize>imax(imin(r - 1, HO - 1), 0) * ds;
    const p2 = dy + <usize>imax(r - 2, 0) * ds;
    const full = r >= TA - 1 && r < HO;
    let o: usize = 0;
    if (full) {
      while (o < body) {
        const d0 = v128.load(p0 + o);
        const d1 = TA > 1 ? v128.load(p1 + o) : z;
        const d2 = TA > 2 ? v128.load(p2 + o) : z;
        const x0 = v128.load(q + o);
        const x1 = TB > 1 ? v128.load(q + o, 4) : z;
        const x2 = TB > 2 ? v128.load(q + o, 8) : z;
        s00 = madd(s00, d0, x0);
        if (TB > 1) s01 = madd(s01, d0, x1);
        if (TB > 2) s02 = madd(s02, d0, x2);
        if (TA > 1) {
          s10 = madd(s10, d1, x0);
          if (TB > 1) s11 = madd(s11, d1, x1);
          if (TB > 2) s12 = madd(s12, d1, x2);
        }
        if (TA > 2) {
          s20 = madd(s20, d2, x0);
          if (TB > 1) s21 = madd(s21, d2, x1);
          if (TB > 2 && !SKIP) s22 = madd(s22, d2, x2);
        }
        if (NB == 2) {
          const e0 = v128.load(p0 + o, 16);
          const e1 = TA > 1 ? v128.load(p1 + o, 16) : z;
          const e2 = TA > 2 ? v128.load(p2 + o, 16) : z;
          const y0 = v128.load(q + o, 16);
          const y1 = TB > 1 ? v128.load(q + o, 20) : z;
          const y2 = TB > 2 ? v128.load(q + o, 24) : z;
          t00 = madd(t00, e0, y0);
          if (TB > 1) t01 = madd(t01, e0, y1);
          if (TB > 2) t02 = madd(t02, e0, y2);
          if (TA > 1) {
            t10 = madd(t10, e1, y0);
            if (TB > 1) t11 = madd(t11, e1, y1);
            if (TB > 2) t12 = madd(t12, e1, y2);
          }
          if (TA > 2) {
            t20 = madd(t20, e2, y0);
            if (TB > 1) t21 = madd(t21, e2, y1);
            if (TB > 2 && !SKIP) t22 = madd(t22, e2, y2);
          }
        }
        o += 16 * NB;
      }
    }
    // Masked steps: the whole row when some dy rows are outside (their products masked off),
    // then the single vector and the overlapping last vector. o0 and o1 are the offsets of a
    // step's two vectors; a step without a second one re-reads the first with no lane set.
    const m0 = laneMask(r < HO), m1 = laneMask(r >= 1 && r - 1 < HO), m2 = laneMask(r >= 2 && r - 2 < HO);
    while (true) {
      let o0 = o, o1 = o + 16;
      let n0 = m0, n1 = m1, n2 = m2, u0 = m0, u1 = m1, u2 = m2;
      if (o < body) {
        o += 16 * NB;
      } else if (o < body4) {
        o1 = o0;
        u0 = none; u1 = none; u2 = none;
        o += 16;
      } else if (rem != 0 && o < body4 + 16) {
        o0 = last;
        o1 = last;
        n0 = v128.and(m0, tmask); n1 = v128.and(m1, tmask); n2 = v128.and(m2, tmask);
        u0 = none; u1 = none; u2 = none;
        o = body4 + 16;
      } else {
        break;
      }
      const d0 = v128.load(p0 + o0);
      const d1 = TA > 1 ? v128.load(p1 + o0) : z;
      const d2 = TA > 2 ? v128.load(p2 + o0) : z;
      const x0 = v128.load(q + o0);
      const x1 = TB > 1 ? v128.load(q + o0, 4) : z;
      const x2 = TB > 2 ? v128.load(q + o0, 8) : z;
      s00 = tap(s00, d0, x0, n0, true);
      if (TB > 1) s01 = tap(s01, d0, x1, n0, true);
      if (TB > 2) s02 = tap(s02, d0, x2, n0, true);
      if (TA > 1) {
        s10 = tap(s10, d1, x0, n1, true);
        if (TB > 1) s11 = tap(s11, d1, x1, n1, true);
        if (TB > 2) s12 = tap(s12, d1, x2, n1, true);
      }
      if (TA > 2) {
        s20 = tap(s20, d2, x0, n2, true);
        if (TB > 1) s21 = tap(s21, d2, x1, n2, true);
        if (TB > 2 && !SKIP) s22 = tap(s22, d2, x2, n2, true);
      }
      if (NB == 2) {
        const e0 = v128.load(p0 + o1);
        const e1 = TA > 1 ? v128.load(p1 + o1) : z;
        const e2 = TA > 2 ? v128.load(p2 + o1) : z;
        const y0 = v128.load(q + o1);
        const y1 = TB > 1 ? v128.load(q + o1, 4) : z;
        const y2 = TB > 2 ? v128.load(q + o1, 8) : z;
        t00 = tap(t00, e0, y0, u0, true);
        if (TB > 1) t01 = tap(t01, e0, y1, u0, true);
        if (TB > 2) t02 = tap(t02, e0, y2, u0, true);
        if (TA > 1) {
          t10 = tap(t10, e1, y0, u1, true);
          if (TB > 1) t11 = tap(t11, e1, y1, u1, true);
          if (TB > 2) t12 = tap(t12, e1, y2, u1, true);
        }
        if (TA > 2) {
          t20 = tap(t20, e2, y0, u2, true);
          if (TB > 1) t21 = tap(t21, e2, y1, u2, true);
          if (TB > 2 && !SKIP) t22 = tap(t22, e2, y2, u2, true);
        }
      }
    }
  }
  if (NB == 2) {
    s00 = f32x4.add(s00, t00); s01 = f32x4.add(s01, t01); s02 = f32x4.add(s02, t02);
    s10 = f32x4.add(s10, t10); s11 = f32x4.add(s11, t11); s12 = f32x4.add(s12, t12);
    s20 = f32x4.add(s20, t20); s21 = f32x4.add(s21, t21); s22 = f32x4.add(s22, t22);
  }
  putSum(dw, hsum(s00), accumulate);
  if (TB > 1) putSum(dw + 4, hsum(s01), accumulate);
  if (TB > 2) putSum(dw + 8, hsum(s02), accumulate);
  if (TA > 1) {
    putSum(dw + dws, hsum(s10), accumulate);
    if (TB > 1) putSum(dw + dws + 4, hsum(s11), accumulate);
    if (TB > 2) putSum(dw + dws + 8, hsum(s12), accumulate);
  }
  if (TA > 2) {
    putSum(dw + 2 * dws, hsum(s20), accumulate);
    if (TB > 1) putSum(dw + 2 * dws + 4, hsum(s21), accumulate);
    if (TB > 2 && !SKIP) putSum(dw + 2 * dws + 8, hsum(s22), accumulate);
  }
}

/**
 * One tap alone (NP 16): four column vectors per step into four accumulators, then single
 * vectors into the first three in turn, then the overlapping last vector into the first.
 * x points at x(a, b), dw at dw(a, b).
 */
function tapPass16(x: usize, xs: usize, dy: usize, HO: i32, WO: i32, dw: usize, accumulate: i32): void {
  const ds = <usize>WO << 2;
  let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
  const body = <usize>(WO & ~15) << 2, body4 = <usize>(WO & ~3) << 2;
  const last = <usize>(WO - 4) << 2, rem = WO & 3, tmask = tailMask(rem);
  for (let i = 0; i < HO; i++) {
    const p = dy + <usize>i * ds, q = x + <usize>i * xs;
    let o: usize = 0;
    while (o < body) {
      s0 = madd(s0, v128.load(p + o), v128.load(q + o));
      s1 = madd(s1, v128.load(p + o, 16), v128.load(q + o, 16));
      s2 = madd(s2, v128.load(p + o, 32), v128.load(q + o, 32));
      s3 = madd(s3, v128.load(p + o, 48), v128.load(q + o, 48));
      o += 64;
    }
    if (o < body4) {
      s0 = madd(s0, v128.load(p + o), v128.load(q + o));
      o += 16;
      if (o < body4) {
        s1 = madd(s1, v128.load(p + o), v128.load(q + o));
        o += 16;
        if (o < body4) s2 = madd(s2, v128.load(p + o), v128.load(q + o));
      }
    }
    if (rem) s0 = tap(s0, v128.load(p + last), v128.load(q + last), tmask, true);
  }
  putSum(dw, hsum(f32x4.add(f32x4.add(s0, s1), f32x4.add(s2, s3))), accumulate);
}

/** One group of TA x TB taps at (a0, b0) (see groupPass), by its literal shape. */
function groupSimd(
  x: usize, W: i32, dy: usize, HO: i32, WO: i32, KW: i32, dw: usize, accumulate: i32,
  a0: i32, b0: i32, TA: i32, TB: i32,
): void {
  const xs = <usize>W << 2, dws = <usize>KW << 2;
  const xg = x + <usize>a0 * xs + (<usize>b0 << 2), dg = dw + <usize>a0 * dws + (<usize>b0 << 2);
  if (TA == 3) {
    if (TB == 3) {
      groupPass(xg, xs, dy, HO, WO, dg, dws, accumulate, 3, 3, 1, true);
      tapPass16(xg + 2 * xs + 8, xs, dy, HO, WO, dg + 2 * dws + 8, accumulate);
    } else if (TB == 2) groupPass(xg, xs, dy, HO, WO, dg, dws, accumulate, 3, 2, 1, false);
    else groupPass(xg, xs, dy, HO, WO, dg, dws, accumulate, 3, 1, 2, false);
  } else if (TA == 2) {
    if (TB == 3) groupPass(xg, xs, dy, HO, WO, dg, dws, accumulate, 2, 3, 1, false);
    else if (TB == 2) groupPass(xg, xs, dy, HO, WO, dg, dws, accumulate, 2, 2, 1, false);
    else groupPass(xg, xs, dy, HO, WO, dg, dws, accumulate, 2, 1, 2, false);
  } else {
    if (TB == 3) groupPass(xg, xs, dy, HO, WO, dg, dws, accumulate, 1, 3, 2, false);
    else if (TB == 2) groupPass(xg, xs, dy, HO, WO, dg, dws, accumulate, 1, 2, 2, false);
    else tapPass16(xg, xs, dy, HO, WO, dg, accumulate);
  }
}

// ---------------------------------------------------------------------------------------------

/** dw (=, or += when accumulate != 0) the filter gradient of a valid correlation (see the header). */
export function corr2d_grad_weight_f32_simd(
  x: usize, H: i32, W: i32, dy: usize, KH: i32, KW: i32, dw: usize, accumulate: i32,
): void {
  if (KH < 1 || KW < 1) return;
  const HO = H - KH + 1, WO = W - KW + 1;
  if (HO < 1 || WO < 4) {
    corr2d_grad_weight_f32_scalar(x, H, W, dy, KH, KW, dw, accumulate);
    return;
  }
  for (let a0 = 0; a0 < KH; a0 += 3) {
    for (let b0 = 0; b0 < KW; b0 += 3) {
      groupSimd(x, W, dy, HO, WO, KW, dw, accumulate, a0, b0, imin(3, KH - a0), imin(3, KW - b0));
    }
  }
}

/** Scalar twin of corr2d_grad_weight_f32_simd (bitwise the same result). */
export function corr2d_grad_weight_f32_scalar(
  x: usize, H: i32, W: i32, dy: usize, KH: i32, KW: i32, dw: usize, accumulate: i32,
): void {
  if (KH < 1 || KW < 1) return;
  const HO = imax(H - KH + 1, 0), WO = imax(W - KW + 1, 0);
  for (let a = 0; a < KH; a++) {
    for (let b = 0; b < KW; b++) tapScalar(x, W, dy, HO, WO, KH, KW, a, b, dw, accumulate);
  }
}
