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
//   any other tap:   NP 16
//
// SIMD passes (vectorised along output columns, f32x4; every accumulator is one set of 4
// partial sums). V8 gives wasm 15 vector registers and issues all of an iteration's loads first,
// so accumulators + loaded vectors must stay <= 14 (one temporary for the products).
//   A 3x3 group walks the input rows r; at each column step it loads the 3 output-gradient rows
//   r - a that meet input row r and 3 shifted vectors of row r, so every x vector feeds 3 taps
//   and every dy vector 3 taps: 8 accumulators + 3 dy + 3 x = 14 (the 9th tap runs alone).
//   Rows r where some of the group's dy rows fall outside dy (the first and last two) and the
//   row's last overlapping vector take a masked step: products outside are replaced by -0,
//   which leaves a sum unchanged.
//   A single tap (the 9th of a 3x3 group, and every tap of a smaller group at the kernel's
//   right or bottom edge): four column vectors per step, four accumulators (NP 16): 4 + 4 + 4.

import { hsum, imax, imin, madd, tailMask } from './simd-util';

/** s + d*x for the lanes set in m; other lanes' products are replaced by -0 (the sum is unchanged). */
@inline
function tapMasked(s: v128, d: v128, x: v128, m: v128): v128 {
  return f32x4.add(s, v128.bitselect(f32x4.mul(d, x), f32x4.splat(-0.0), m));
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
  if (TA * TB == 9) return a - a0 == 2 && b - b0 == 2 ? 16 : 4;
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
 * The first 8 taps of a 3x3 group (all but the bottom-right one). x points at x(a0, b0) of the
 * group, dw at dw(a0, b0); dws is dw's row stride in bytes. Accumulator sAB is tap (a0+A, b0+B).
 */
function group3x3Pass(x: usize, xs: usize, dy: usize, HO: i32, WO: i32, dw: usize, dws: usize, accumulate: i32): void {
  const ds = <usize>WO << 2;
  const z = f32x4.splat(0);
  let s00 = z, s01 = z, s02 = z, s10 = z, s11 = z, s12 = z, s20 = z, s21 = z;
  const body = <usize>(WO & ~3) << 2;
  const last = <usize>(WO - 4) << 2, rem = WO & 3;
  const tmask = tailMask(rem);
  const rows = HO + 2;
  for (let r = 0; r < rows; r++) {
    const q = x + <usize>r * xs;
    // dy rows r, r-1, r-2 meet input row r through kernel rows a0, a0+1, a0+2.
    const p0 = dy + <usize>imin(r, HO - 1) * ds;
    const p1 = dy + <usize>imax(imin(r - 1, HO - 1), 0) * ds;
    const p2 = dy + <usize>imax(r - 2, 0) * ds;
    let o: usize = 0;
    if (r >= 2 && r < HO) {
      while (o < body) {
        const d0 = v128.load(p0 + o), d1 = v128.load(p1 + o), d2 = v128.load(p2 + o);
        const x0 = v128.load(q + o), x1 = v128.load(q + o, 4), x2 = v128.load(q + o, 8);
        s00 = madd(s00, d0, x0); s01 = madd(s01, d0, x1); s02 = madd(s02, d0, x2);
        s10 = madd(s10, d1, x0); s11 = madd(s11, d1, x1); s12 = madd(s12, d1, x2);
        s20 = madd(s20, d2, x0); s21 = madd(s21, d2, x1);
        o += 16;
      }
    }
    // Masked steps: the whole row when some dy rows are outside (their products masked off),
    // then the overlapping last vector.
    const m0 = laneMask(r < HO), m1 = laneMask(r >= 1 && r - 1 < HO), m2 = laneMask(r >= 2 && r - 2 < HO);
    while (true) {
      let o0 = o, n0 = m0, n1 = m1, n2 = m2;
      if (o < body) {
        o += 16;
      } else if (rem != 0 && o < body + 16) {
        o0 = last;
        n0 = v128.and(m0, tmask); n1 = v128.and(m1, tmask); n2 = v128.and(m2, tmask);
        o = body + 16;
      } else {
        break;
      }
      const d0 = v128.load(p0 + o0), d1 = v128.load(p1 + o0), d2 = v128.load(p2 + o0);
      const x0 = v128.load(q + o0), x1 = v128.load(q + o0, 4), x2 = v128.load(q + o0, 8);
      s00 = tapMasked(s00, d0, x0, n0); s01 = tapMasked(s01, d0, x1, n0); s02 = tapMasked(s02, d0, x2, n0);
      s10 = tapMasked(s10, d1, x0, n1); s11 = tapMasked(s11, d1, x1, n1); s12 = tapMasked(s12, d1, x2, n1);
      s20 = tapMasked(s20, d2, x0, n2); s21 = tapMasked(s21, d2, x1, n2);
    }
  }
  putSum(dw, hsum(s00), accumulate);
  putSum(dw + 4, hsum(s01), accumulate);
  putSum(dw + 8, hsum(s02), accumulate);
  putSum(dw + dws, hsum(s10), accumulate);
  putSum(dw + dws + 4, hsum(s11), accumulate);
  putSum(dw + dws + 8, hsum(s12), accumulate);
  putSum(dw + 2 * dws, hsum(s20), accumulate);
  putSum(dw + 2 * dws + 4, hsum(s21), accumulate);
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
    if (rem) s0 = tapMasked(s0, v128.load(p + last), v128.load(q + last), tmask);
  }
  putSum(dw, hsum(f32x4.add(f32x4.add(s0, s1), f32x4.add(s2, s3))), accumulate);
}

/** One group of TA x TB taps at (a0, b0): a 3x3 group by group3x3Pass, any other tap by tapPass16. */
function groupSimd(
  x: usize, W: i32, dy: usize, HO: i32, WO: i32, KW: i32, dw: usize, accumulate: i32,
  a0: i32, b0: i32, TA: i32, TB: i32,
): void {
  const xs = <usize>W << 2, dws = <usize>KW << 2;
  const xg = x + <usize>a0 * xs + (<usize>b0 << 2), dg = dw + <usize>a0 * dws + (<usize>b0 << 2);
  if (TA == 3 && TB == 3) {
    group3x3Pass(xg, xs, dy, HO, WO, dg, dws, accumulate);
    tapPass16(xg + 2 * xs + 8, xs, dy, HO, WO, dg + 2 * dws + 8, accumulate);
    return;
  }
  for (let a = 0; a < TA; a++) {
    for (let b = 0; b < TB; b++) {
      tapPass16(xg + <usize>a * xs + (<usize>b << 2), xs, dy, HO, WO, dg + <usize>a * dws + (<usize>b << 2), accumulate);
    }
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

// ---------------------------------------------------------------------------------------------
// conv_grad_weight_nchw: the weight gradient of a multi-channel NCHW convolution with column
// stride 1, summed over a run of images straight from the (zero-padded) input: no column matrix.
//
//   conv_grad_weight_nchw_f32_*(x, dy, geo, n, k0, k1, acc)
//   for o < M and k0 <= k < k1, with k = (c*KH + a)*KW + b, adds to the 4 partial sums
//   acc[(o*LD + k)*4 + l] the products dy[i*DI + o*HO*WO + oh*WO + ow]
//   * x[i*XI + (c*Hp + oh*SH + a*DH)*Wp + ow + b*DW] of i < n, oh < HO, ow < WO (below: which
//   lane l gets which column); the weight gradient is the sum of the 4 lanes after the last run.
//
// geo: int32s at a 4-byte-aligned address: M, HO, WO, XR, XI, DI, LD, then for every tap k the
// element offset of x(c, a, b) = (c*Hp + a*DH)*Wp + b*DW (Hp x Wp: the padded input planes); XR
// = SH*Wp is the x row step, XI and DI the image strides of x and dy, LD the row stride of acc in
// elements of 4 lanes. WO >= 1 is any width, and every read of a used element lies in x:
// (HO-1)*SH + (KH-1)*DH < Hp and WO-1 + (KW-1)*DW < Wp. When WO is not a multiple of 4 each row
// ends with a masked step over its last 4 columns, so up to 12 bytes before a row of x or dy (or
// before x and dy themselves when WO < 4) are read and discarded (never multiplied: the masked
// lanes are zeros, so non-finite values there change nothing). acc is 16-byte aligned and does
// not overlap x or dy; calls with disjoint k ranges may run at once on one acc. x and dy need
// 4-byte alignment.
//
// Summation order (bitwise the same in both twins, whatever the k range or the runs of images
// the calls get): lane l adds, image by image and row by row, the products of the columns
// ow = l, l+4, .. < WO - WO%4, then (when l >= 4 - WO%4) of column WO-4+l. No FMA.

/**
 * Four output channels, dy rows at dy + (0, d1, d2, d3) and acc rows at acc + (0, a1, a2, a3)
 * (a repeated row computes the same sums again and stores the same values), x the taps at
 * x + t0 and x + t0 + dt (acc columns at acc and acc + ao; dt = ao = 0 for a lone tap), over n
 * images: adds every product to the partial sums at acc, 4 columns a step.
 */
function gwTile(
  x: usize, dy: usize, n: i32, xi: usize, di: usize, xr: usize, HO: i32, WO: i32, t0: usize, dt: usize,
  d1: usize, d2: usize, d3: usize, acc: usize, a1: usize, a2: usize, a3: usize, ao: usize,
): void {
  let s00 = v128.load(acc), s01 = v128.load(acc + ao);
  let s10 = v128.load(acc + a1), s11 = v128.load(acc + a1 + ao);
  let s20 = v128.load(acc + a2), s21 = v128.load(acc + a2 + ao);
  let s30 = v128.load(acc + a3), s31 = v128.load(acc + a3 + ao);
  const rs = <usize>WO << 2, rem = WO & 3, rb = rs - 16;
  for (let i = 0; i < n; i++) {
    let px = x + <usize>i * xi + t0, pd = dy + <usize>i * di;
    for (let oh = 0; oh < HO; oh++) {
      const pe = pd + (rs & ~15);
      let p = pd, q = px;
      while (p < pe) {
        const d0 = v128.load(p), x0 = v128.load(q), x1 = v128.load(q + dt);
        const e1 = v128.load(p + d1), e2 = v128.load(p + d2), e3 = v128.load(p + d3);
        s00 = madd(s00, d0, x0);
        s01 = madd(s01, d0, x1);
        s10 = madd(s10, e1, x0);
        s11 = madd(s11, e1, x1);
        s20 = madd(s20, e2, x0);
        s21 = madd(s21, e2, x1);
        s30 = madd(s30, e3, x0);
        s31 = madd(s31, e3, x1);
        p += 16;
        q += 16;
      }
      if (rem) {
        // The row's last 4 columns, the lanes done above masked to zeros.
        const m = tailMask(rem), pt = pd + rb, qt = px + rb;
        const d0 = v128.and(v128.load(pt), m), x0 = v128.and(v128.load(qt), m), x1 = v128.and(v128.load(qt + dt), m);
        const e1 = v128.and(v128.load(pt + d1), m), e2 = v128.and(v128.load(pt + d2), m), e3 = v128.and(v128.load(pt + d3), m);
        s00 = madd(s00, d0, x0);
        s01 = madd(s01, d0, x1);
        s10 = madd(s10, e1, x0);
        s11 = madd(s11, e1, x1);
        s20 = madd(s20, e2, x0);
        s21 = madd(s21, e2, x1);
        s30 = madd(s30, e3, x0);
        s31 = madd(s31, e3, x1);
      }
      pd += rs;
      px += xr;
    }
  }
  // Repeated rows store last: their values equal the first copy's.
  v128.store(acc + a3, s30);
  v128.store(acc + a3 + ao, s31);
  v128.store(acc + a2, s20);
  v128.store(acc + a2 + ao, s21);
  v128.store(acc + a1, s10);
  v128.store(acc + a1 + ao, s11);
  v128.store(acc, s00);
  v128.store(acc + ao, s01);
}

/** Byte offset in x of tap k's first element (geo's table). */
@inline
function gwTap(geo: usize, k: i32): usize {
  return <usize>load<i32>(geo + (<usize>k << 2), 28) << 2;
}

/** Adds the weight-gradient products of n images to acc (see above). */
export function conv_grad_weight_nchw_f32_simd(x: usize, dy: usize, geo: usize, n: i32, k0: i32, k1: i32, acc: usize): void {
  const M = load<i32>(geo), HO = load<i32>(geo, 4), WO = load<i32>(geo, 8), xr = <usize>load<i32>(geo, 12) << 2;
  const xi = <usize>load<i32>(geo, 16) << 2, di = <usize>load<i32>(geo, 20) << 2, ar = <usize>load<i32>(geo, 24) << 4;
  const ds = <usize>(HO * WO) << 2;
  for (let k = k0; k < k1; k += 2) {
    const k2 = k + 1 < k1 ? k + 1 : k, t0 = gwTap(geo, k), dt = gwTap(geo, k2) - t0, ao = <usize>(k2 - k) << 4;
    for (let o = 0; o < M; o += 4) {
      // The last tile's rows past M repeat row M-1.
      const r = imin(M - o, 4) - 1, r1 = <usize>imin(1, r), r2 = <usize>imin(2, r), r3 = <usize>r;
      gwTile(x, dy + <usize>o * ds, n, xi, di, xr, HO, WO, t0, dt, r1 * ds, r2 * ds, r3 * ds,
        acc + <usize>o * ar + (<usize>k << 4), r1 * ar, r2 * ar, r3 * ar, ao);
    }
  }
}

/** Scalar twin of conv_grad_weight_nchw_f32_simd (bitwise the same result). */
export function conv_grad_weight_nchw_f32_scalar(x: usize, dy: usize, geo: usize, n: i32, k0: i32, k1: i32, acc: usize): void {
  const M = load<i32>(geo), HO = load<i32>(geo, 4), WO = load<i32>(geo, 8), XR = load<i32>(geo, 12);
  const xi = <usize>load<i32>(geo, 16) << 2, di = <usize>load<i32>(geo, 20) << 2, LD = load<i32>(geo, 24), rem = WO & 3;
  for (let o = 0; o < M; o++) {
    for (let k = k0; k < k1; k++) {
      const pa = acc + (<usize>(o * LD + k) << 4), t = gwTap(geo, k);
      for (let l = 0; l < 4; l++) {
        let s = load<f32>(pa + (<usize>l << 2));
        for (let i = 0; i < n; i++) {
          for (let oh = 0; oh < HO; oh++) {
            const pd = dy + <usize>i * di + (<usize>((o * HO + oh) * WO) << 2);
            const px = x + <usize>i * xi + (<usize>(oh * XR) << 2) + t;
            for (let ow = l; ow < WO - rem; ow += 4) s += load<f32>(pd + (<usize>ow << 2)) * load<f32>(px + (<usize>ow << 2));
            if (l >= 4 - rem) s += load<f32>(pd + (<usize>(WO - 4 + l) << 2)) * load<f32>(px + (<usize>(WO - 4 + l) << 2));
          }
        }
        store<f32>(pa + (<usize>l << 2), s);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// conv_grad_weight_oc: the weight gradient of a multi-channel convolution with column stride 1,
// vectorised along the output channels: dy is read channels-last (one row of 4M channels per
// output position), so every output width runs without a tail.
//
//   conv_grad_weight_oc_f32_*(x, dy, geo, n, k0, k1, acc)
//   for k0 <= k < k1 and o < 4M adds to acc[k*LD + o] the products
//   x[i*XI + T[k] + oh*XR + ow] * dy[i*DI + (oh*WO + ow)*4M + o] of i < n, oh < HO, ow < WO,
//   in that order (images, then rows, then columns), one product at a time. No FMA.
//
// geo: int32s at a 4-byte-aligned address: M (a multiple of 4), HO, WO, XR, XI, DI, LD, then the
// tap table T[k] (the element offset in x of tap k's first input, e.g. (c*Hp + a*DH)*Wp + b*DW
// over zero-padded Hp x Wp planes): conv_grad_weight_nchw's layout. XR is the x row step
// (SH*Wp), XI and DI the image strides of x and dy in elements, LD >= 4M the row stride of acc.
// dy and acc are 16-byte aligned and do not overlap; calls with disjoint k ranges may run at once
// on one acc. x needs 4-byte alignment.

/**
 * Two taps (x at x + t0 and x + t0 + dt; acc rows at acc and acc + ao, dt = ao = 0 for a lone
 * tap: computed twice, stored twice, the same values) times 16 channels over n images.
 */
function goTile(
  x: usize, dy: usize, n: i32, xi: usize, di: usize, xr: usize, HO: i32, WO: i32, ps: usize, t0: usize, dt: usize,
  acc: usize, ao: usize,
): void {
  let s00 = v128.load(acc), s01 = v128.load(acc, 16), s02 = v128.load(acc, 32), s03 = v128.load(acc, 48);
  const a1 = acc + ao;
  let s10 = v128.load(a1), s11 = v128.load(a1, 16), s12 = v128.load(a1, 32), s13 = v128.load(a1, 48);
  const rs = <usize>WO << 2;
  for (let i = 0; i < n; i++) {
    let px = x + <usize>i * xi + t0, pd = dy + <usize>i * di;
    for (let oh = 0; oh < HO; oh++) {
      const qe = px + rs;
      for (let q = px; q < qe; q += 4) {
        const a = v128.load32_splat(q), b = v128.load32_splat(q + dt);
        const d0 = v128.load(pd), d1 = v128.load(pd, 16), d2 = v128.load(pd, 32), d3 = v128.load(pd, 48);
        s00 = madd(s00, d0, a);
        s01 = madd(s01, d1, a);
        s02 = madd(s02, d2, a);
        s03 = madd(s03, d3, a);
        s10 = madd(s10, d0, b);
        s11 = madd(s11, d1, b);
        s12 = madd(s12, d2, b);
        s13 = madd(s13, d3, b);
        pd += ps;
      }
      px += xr;
    }
  }
  v128.store(a1, s10);
  v128.store(a1, s11, 16);
  v128.store(a1, s12, 32);
  v128.store(a1, s13, 48);
  v128.store(acc, s00);
  v128.store(acc, s01, 16);
  v128.store(acc, s02, 32);
  v128.store(acc, s03, 48);
}

/** Adds the weight-gradient products of n images to acc (see above). */
export function conv_grad_weight_oc_f32_simd(x: usize, dy: usize, geo: usize, n: i32, k0: i32, k1: i32, acc: usize): void {
  const M = load<i32>(geo), HO = load<i32>(geo, 4), WO = load<i32>(geo, 8), xr = <usize>load<i32>(geo, 12) << 2;
  const xi = <usize>load<i32>(geo, 16) << 2, di = <usize>load<i32>(geo, 20) << 2, ar = <usize>load<i32>(geo, 24) << 2;
  const ps = <usize>M << 4;
  for (let k = k0; k < k1; k += 2) {
    const k2 = k + 1 < k1 ? k + 1 : k, t0 = gwTap(geo, k);
    for (let v: usize = 0; v < ps; v += 64) {
      goTile(x, dy + v, n, xi, di, xr, HO, WO, ps, t0, gwTap(geo, k2) - t0, acc + <usize>k * ar + v, <usize>(k2 - k) * ar);
    }
  }
}

/** Scalar twin of conv_grad_weight_oc_f32_simd (bitwise the same result). */
export function conv_grad_weight_oc_f32_scalar(x: usize, dy: usize, geo: usize, n: i32, k0: i32, k1: i32, acc: usize): void {
  const M4 = load<i32>(geo) * 4, HO = load<i32>(geo, 4), WO = load<i32>(geo, 8), XR = load<i32>(geo, 12);
  const xi = <usize>load<i32>(geo, 16) << 2, di = <usize>load<i32>(geo, 20) << 2, LD = load<i32>(geo, 24);
  for (let k = k0; k < k1; k++) {
    const t = gwTap(geo, k);
    for (let o = 0; o < M4; o++) {
      const pa = acc + (<usize>(k * LD + o) << 2);
      let s = load<f32>(pa);
      for (let i = 0; i < n; i++) {
        for (let oh = 0; oh < HO; oh++) {
          const px = x + <usize>i * xi + t + (<usize>(oh * XR) << 2), pd = dy + <usize>i * di + (<usize>(oh * WO * M4 + o) << 2);
          for (let ow = 0; ow < WO; ow++) s += load<f32>(pd + (<usize>(ow * M4) << 2)) * load<f32>(px + (<usize>ow << 2));
        }
      }
      store<f32>(pa, s);
    }
  }
}
