// Single-channel 2D cross-correlation, stride 1, dilation 1, over byte addresses.
//
//   corr2d_valid_f32_*(x, H, W, k, KH, KW, y, accumulate)
//     y[i*WO + j] (=, or += when accumulate != 0) Σ_{a<KH, b<KW} x[(i+a)*W + j+b] * k[a*KW + b]
//     for i < HO = H - KH + 1, j < WO = W - KW + 1 (nothing is written when either is < 1).
//
//   corr2d_pad_f32_*(x, H, W, k, KH, KW, PT, PL, y, HO, WO, accumulate, flip)
//     The correlation of x zero-extended on every side, for any HO x WO window of it:
//     y[i*WO + j] (=, or +=) Σ x[(i+a-PT)*W + j+b-PL] * k[a*KW + b] over the taps (a, b) whose
//     input element lies inside x (0 <= i+a-PT < H, 0 <= j+b-PL < W), for i < HO, j < WO.
//     PT and PL may be any integers (negative ones start inside x). Taps outside x are skipped,
//     not multiplied by 0, so an infinite kernel value meets only real inputs. With flip != 0 the
//     kernel is read flipped both ways (k(a, b) is k[(KH-1-a)*KW + KW-1-b]): a convolution, and
//     the input gradient of a correlation, without a flipped copy. With PT = PL = 0, HO = H-KH+1
//     and WO = W-KW+1 (and no flip) this is corr2d_valid, bitwise. Nothing is written when HO, WO,
//     KH or KW is < 1.
//
//   corr2d_flip_f32_*(dst, src, planes, kk)
//     dst[p*kk + i] = src[p*kk + kk-1-i] for p < planes, i < kk: each of `planes` contiguous
//     kh x kw kernels flipped both ways (kk = kh*kw), as convolution and the input gradient use
//     them. dst must not overlap src.
//
// Layout: x is H x W, k is KH x KW, y is HO x WO, all row-major and contiguous, f32, any
// 4-byte-aligned address. y must not overlap x or k. Inside, tap t = a*KW + b of the kernel as
// read is at k + t*kstep (kstep = 4, or -4 from the last element when flipped).
//
// Summation order (fixed, bitwise the same in the _simd and _scalar twins and in every path):
//   s = 0; for a = 0 .. KH-1, for b = 0 .. KW-1 in order, skipping taps outside x:
//   s = s + x(i+a-PT, j+b-PL) * k(a, b); then y = s, or y = y + s when accumulating.
//   No fused multiply-add.
//
// SIMD paths (vectorised along output columns, 4 per f32x4), for the outputs whose taps all lie
// inside x (corr2d_pad: the rows whose kernel rows all fall inside x, and the columns likewise):
//   1x2          two hoisted splats, one output vector per step (the lesson's edge detector)
//   3x3          three output rows per pass: each input row is loaded once and feeds every
//                output row it touches (9 hoisted splats + 3 accumulators + 3 loads = 15 regs)
//   any KH x KW  (5x5, 7x7, 1xk, kx1, ...) four output vectors per kernel tap (1 splat +
//                4 loads + 4 accumulators), then single vectors. Unrolled 5x5 variants and
//                two-rows-per-pass variants were no faster (V8 spills what one unrolled
//                iteration loads), so 5x5 takes this path.
// Column tail (width mod 4 != 0, width >= 4): one more vector ending at the last column that
// overlaps the previous one; overlapped lanes are recomputed bit-identically, and when
// accumulating they keep their already-updated value (bitselect). Width < 4: scalar loop.
// corr2d_pad's other outputs: rows where only kernel rows aLo .. aHi-1 meet x run the same paths
// with that sub-kernel (the skipped taps are whole kernel rows); the columns near the left and
// right edges run a scalar loop over the taps inside x.

import { imax, imin, madd, tailMask } from './simd-util';

/**
 * Stores one output vector: y = s, or y = y + s when accumulating; with `masked` (a literal),
 * lanes outside `mask` keep their current value.
 */
@inline
function put(q: usize, s: v128, accumulate: i32, masked: bool, mask: v128): void {
  if (accumulate) {
    const old = v128.load(q);
    let v = f32x4.add(old, s);
    if (masked) v = v128.bitselect(v, old, mask);
    v128.store(q, v);
  } else {
    v128.store(q, s);
  }
}

// ---------------------------------------------------------------------------------------------
// Blocks whose taps all lie inside x. Every path below computes an HO x WO block of outputs at
// y (row stride ys bytes) from the input block at x (row stride xs bytes).

/** Plain scalar loops in the documented order. */
function corrScalarBlock(
  x: usize, xs: usize, k: usize, kstep: usize, KH: i32, KW: i32, y: usize, ys: usize, HO: i32, WO: i32, accumulate: i32,
): void {
  for (let i = 0; i < HO; i++) {
    const px = x + <usize>i * xs;
    const py = y + <usize>i * ys;
    for (let j = 0; j < WO; j++) {
      let s: f32 = 0;
      let kp = k;
      let r = px + (<usize>j << 2);
      for (let a = 0; a < KH; a++) {
        for (let b = 0; b < KW; b++) {
          s += load<f32>(r + (<usize>b << 2)) * load<f32>(kp);
          kp += kstep;
        }
        r += xs;
      }
      const q = py + (<usize>j << 2);
      store<f32>(q, accumulate ? load<f32>(q) + s : s);
    }
  }
}

@inline
function vec1x2(p: usize, k0: v128, k1: v128): v128 {
  return madd(madd(f32x4.splat(0), v128.load(p), k0), v128.load(p, 4), k1);
}

@inline
function corr1x2Simd(x: usize, xs: usize, k: usize, kstep: usize, y: usize, ys: usize, HO: i32, WO: i32, accumulate: i32): void {
  const k0 = v128.load32_splat(k), k1 = v128.load32_splat(k + kstep);
  const body = <usize>(WO & ~3) << 2, last = <usize>(WO - 4) << 2;
  const rem = WO & 3, mask = tailMask(rem);
  let px = x, py = y;
  for (let i = 0; i < HO; i++) {
    let p = px, q = py;
    const qe = py + body;
    while (q < qe) {
      put(q, vec1x2(p, k0, k1), accumulate, false, mask);
      p += 16;
      q += 16;
    }
    if (rem) put(py + last, vec1x2(px + last, k0, k1), accumulate, true, mask);
    px += xs;
    py += ys;
  }
}

/** One output vector of a 3x3 correlation whose top-left input is at p. */
@inline
function vec3x3(
  p: usize, rs: usize,
  k0: v128, k1: v128, k2: v128, k3: v128, k4: v128, k5: v128, k6: v128, k7: v128, k8: v128,
): v128 {
  let s = f32x4.splat(0);
  s = madd(s, v128.load(p), k0);
  s = madd(s, v128.load(p, 4), k1);
  s = madd(s, v128.load(p, 8), k2);
  const r = p + rs;
  s = madd(s, v128.load(r), k3);
  s = madd(s, v128.load(r, 4), k4);
  s = madd(s, v128.load(r, 8), k5);
  const u = r + rs;
  s = madd(s, v128.load(u), k6);
  s = madd(s, v128.load(u, 4), k7);
  s = madd(s, v128.load(u, 8), k8);
  return s;
}

/**
 * Three vertically adjacent output vectors (rows i, i+1, i+2) from input rows i .. i+4, each
 * input row loaded once. Per output row the taps still arrive in order (a, then b).
 */
@inline
function vecs3x3Rows3(
  p: usize, rs: usize, q: usize, ys: usize, accumulate: i32, masked: bool, mask: v128,
  k0: v128, k1: v128, k2: v128, k3: v128, k4: v128, k5: v128, k6: v128, k7: v128, k8: v128,
): void {
  let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0);
  let v0 = v128.load(p), v1 = v128.load(p, 4), v2 = v128.load(p, 8);
  s0 = madd(s0, v0, k0); s0 = madd(s0, v1, k1); s0 = madd(s0, v2, k2);
  let r = p + rs;
  v0 = v128.load(r); v1 = v128.load(r, 4); v2 = v128.load(r, 8);
  s0 = madd(s0, v0, k3); s0 = madd(s0, v1, k4); s0 = madd(s0, v2, k5);
  s1 = madd(s1, v0, k0); s1 = madd(s1, v1, k1); s1 = madd(s1, v2, k2);
  r += rs;
  v0 = v128.load(r); v1 = v128.load(r, 4); v2 = v128.load(r, 8);
  s0 = madd(s0, v0, k6); s0 = madd(s0, v1, k7); s0 = madd(s0, v2, k8);
  s1 = madd(s1, v0, k3); s1 = madd(s1, v1, k4); s1 = madd(s1, v2, k5);
  s2 = madd(s2, v0, k0); s2 = madd(s2, v1, k1); s2 = madd(s2, v2, k2);
  put(q, s0, accumulate, masked, mask);
  r += rs;
  v0 = v128.load(r); v1 = v128.load(r, 4); v2 = v128.load(r, 8);
  s1 = madd(s1, v0, k6); s1 = madd(s1, v1, k7); s1 = madd(s1, v2, k8);
  s2 = madd(s2, v0, k3); s2 = madd(s2, v1, k4); s2 = madd(s2, v2, k5);
  put(q + ys, s1, accumulate, masked, mask);
  r += rs;
  v0 = v128.load(r); v1 = v128.load(r, 4); v2 = v128.load(r, 8);
  s2 = madd(s2, v0, k6); s2 = madd(s2, v1, k7); s2 = madd(s2, v2, k8);
  put(q + 2 * ys, s2, accumulate, masked, mask);
}

@inline
function corr3x3Simd(x: usize, xs: usize, k: usize, kstep: usize, y: usize, ys: usize, HO: i32, WO: i32, accumulate: i32): void {
  const k0 = v128.load32_splat(k), k1 = v128.load32_splat(k + kstep), k2 = v128.load32_splat(k + 2 * kstep);
  const k3 = v128.load32_splat(k + 3 * kstep), k4 = v128.load32_splat(k + 4 * kstep), k5 = v128.load32_splat(k + 5 * kstep);
  const k6 = v128.load32_splat(k + 6 * kstep), k7 = v128.load32_splat(k + 7 * kstep), k8 = v128.load32_splat(k + 8 * kstep);
  const body = <usize>(WO & ~3) << 2, last = <usize>(WO - 4) << 2;
  const rem = WO & 3, mask = tailMask(rem);
  let i = 0;
  for (; i + 3 <= HO; i += 3) {
    const px = x + <usize>i * xs, py = y + <usize>i * ys;
    let p = px, q = py;
    const qe = py + body;
    while (q < qe) {
      vecs3x3Rows3(p, xs, q, ys, accumulate, false, mask, k0, k1, k2, k3, k4, k5, k6, k7, k8);
      p += 16;
      q += 16;
    }
    if (rem) {
      vecs3x3Rows3(px + last, xs, py + last, ys, accumulate, true, mask, k0, k1, k2, k3, k4, k5, k6, k7, k8);
    }
  }
  // Remaining HO mod 3 rows, one at a time.
  for (; i < HO; i++) {
    const px = x + <usize>i * xs, py = y + <usize>i * ys;
    let p = px, q = py;
    const qe = py + body;
    while (q < qe) {
      put(q, vec3x3(p, xs, k0, k1, k2, k3, k4, k5, k6, k7, k8), accumulate, false, mask);
      p += 16;
      q += 16;
    }
    if (rem) {
      put(py + last, vec3x3(px + last, xs, k0, k1, k2, k3, k4, k5, k6, k7, k8), accumulate, true, mask);
    }
  }
}

/** One output vector at p (top-left input), taps in order; a kernel row spans kws bytes of k (kstep per tap). */
@inline
function vecGeneric(p: usize, rs: usize, k: usize, kstep: usize, KH: i32, kws: usize): v128 {
  let s = f32x4.splat(0);
  let kp = k, r = p;
  for (let a = 0; a < KH; a++) {
    let xp = r;
    const ke = kp + kws;
    while (kp != ke) {
      s = madd(s, v128.load(xp), v128.load32_splat(kp));
      kp += kstep;
      xp += 4;
    }
    r += rs;
  }
  return s;
}

@inline
function corrGenericSimd(
  x: usize, xs: usize, k: usize, kstep: usize, KH: i32, KW: i32, y: usize, ys: usize, HO: i32, WO: i32, accumulate: i32,
): void {
  const kws = <usize>KW * kstep;
  const body16 = <usize>(WO & ~15) << 2, body4 = <usize>(WO & ~3) << 2, last = <usize>(WO - 4) << 2;
  const rem = WO & 3, mask = tailMask(rem);
  for (let i = 0; i < HO; i++) {
    const px = x + <usize>i * xs, py = y + <usize>i * ys;
    let p = px, q = py;
    // Four output vectors per kernel tap.
    let qe = py + body16;
    while (q < qe) {
      let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
      let kp = k, r = p;
      for (let a = 0; a < KH; a++) {
        let xp = r;
        const ke = kp + kws;
        while (kp != ke) {
          const kv = v128.load32_splat(kp);
          s0 = madd(s0, v128.load(xp), kv);
          s1 = madd(s1, v128.load(xp, 16), kv);
          s2 = madd(s2, v128.load(xp, 32), kv);
          s3 = madd(s3, v128.load(xp, 48), kv);
          kp += kstep;
          xp += 4;
        }
        r += xs;
      }
      put(q, s0, accumulate, false, mask);
      put(q + 16, s1, accumulate, false, mask);
      put(q + 32, s2, accumulate, false, mask);
      put(q + 48, s3, accumulate, false, mask);
      p += 64;
      q += 64;
    }
    // Single output vectors.
    qe = py + body4;
    while (q < qe) {
      put(q, vecGeneric(p, xs, k, kstep, KH, kws), accumulate, false, mask);
      p += 16;
      q += 16;
    }
    if (rem) put(py + last, vecGeneric(px + last, xs, k, kstep, KH, kws), accumulate, true, mask);
  }
}

/** The fastest path for a block whose taps all lie inside x (see the header). */
function corrBlockSimd(
  x: usize, xs: usize, k: usize, kstep: usize, KH: i32, KW: i32, y: usize, ys: usize, HO: i32, WO: i32, accumulate: i32,
): void {
  if (HO < 1 || WO < 1) return;
  if (WO < 4) {
    corrScalarBlock(x, xs, k, kstep, KH, KW, y, ys, HO, WO, accumulate);
  } else if (KH == 1 && KW == 2) {
    corr1x2Simd(x, xs, k, kstep, y, ys, HO, WO, accumulate);
  } else if (KH == 3 && KW == 3) {
    if (accumulate) corr3x3Simd(x, xs, k, kstep, y, ys, HO, WO, 1);
    else corr3x3Simd(x, xs, k, kstep, y, ys, HO, WO, 0);
  } else {
    corrGenericSimd(x, xs, k, kstep, KH, KW, y, ys, HO, WO, accumulate);
  }
}

/** Where tap 0 of the kernel as read lies, and the step between taps (see the header). */
@inline
function kernelBase(k: usize, KH: i32, KW: i32, flip: i32): usize {
  return flip ? k + (<usize>(KH * KW - 1) << 2) : k;
}

@inline
function kernelStep(flip: i32): usize {
  return flip ? <usize>-4 : 4;
}

// ---------------------------------------------------------------------------------------------
// Zero-extended input (corr2d_pad)

/**
 * Outputs rows i0 .. i1-1, columns j0 .. j1-1 of corr2d_pad by plain scalar loops over the taps
 * inside x (the documented order, the skipped taps left out).
 */
function corrEdgeScalar(
  x: usize, H: i32, W: i32, k: usize, kstep: usize, KH: i32, KW: i32, PT: i32, PL: i32,
  y: usize, WO: i32, i0: i32, i1: i32, j0: i32, j1: i32, accumulate: i32,
): void {
  const xs = <usize>W << 2;
  for (let i = i0; i < i1; i++) {
    const aLo = imax(0, PT - i), aHi = imin(KH, H + PT - i);
    const py = y + <usize>i * (<usize>WO << 2);
    for (let j = j0; j < j1; j++) {
      const bLo = imax(0, PL - j), bHi = imin(KW, W + PL - j);
      let s: f32 = 0;
      for (let a = aLo; a < aHi; a++) {
        const r = x + <usize>(i + a - PT) * xs + (<usize>(j - PL) << 2);
        const kr = k + <usize>(a * KW) * kstep;
        for (let b = bLo; b < bHi; b++) {
          s += load<f32>(r + (<usize>b << 2)) * load<f32>(kr + <usize>b * kstep);
        }
      }
      const q = py + (<usize>j << 2);
      store<f32>(q, accumulate ? load<f32>(q) + s : s);
    }
  }
}

/**
 * Output rows i0 .. i1-1, columns j0 .. j1-1 of corr2d_pad where every kernel column meets x but
 * only kernel rows aLo .. aHi-1 (which depend on the row) do: that sub-kernel, one row at a time.
 */
function corrRowsPartialSimd(
  x: usize, H: i32, W: i32, k: usize, kstep: usize, KH: i32, KW: i32, PT: i32, PL: i32,
  y: usize, WO: i32, i0: i32, i1: i32, j0: i32, j1: i32, accumulate: i32,
): void {
  const xs = <usize>W << 2, ys = <usize>WO << 2;
  for (let i = i0; i < i1; i++) {
    const aLo = imax(0, PT - i), aHi = imin(KH, H + PT - i);
    if (aHi > aLo) {
      corrBlockSimd(x + <usize>(i + aLo - PT) * xs + (<usize>(j0 - PL) << 2), xs, k + <usize>(aLo * KW) * kstep, kstep, aHi - aLo, KW,
        y + <usize>i * ys + (<usize>j0 << 2), ys, 1, j1 - j0, accumulate);
    } else {
      corrEdgeScalar(x, H, W, k, kstep, KH, KW, PT, PL, y, WO, i, i + 1, j0, j1, accumulate);
    }
  }
}

/** y (=, or += when accumulate != 0) the zero-extended correlation (see the header). */
export function corr2d_pad_f32_simd(
  x: usize, H: i32, W: i32, k0: usize, KH: i32, KW: i32, PT: i32, PL: i32,
  y: usize, HO: i32, WO: i32, accumulate: i32, flip: i32,
): void {
  if (HO < 1 || WO < 1 || KH < 1 || KW < 1) return;
  const k = kernelBase(k0, KH, KW, flip), kstep = kernelStep(flip);
  // Columns j0 .. j1-1 have every kernel column inside x; rows i0 .. i1-1 every kernel row.
  const j0 = imin(imax(PL, 0), WO), j1 = imin(imax(W - KW + PL + 1, j0), WO);
  const i0 = imin(imax(PT, 0), HO), i1 = imin(imax(H - KH + PT + 1, i0), HO);
  if (j1 > j0) {
    if (i0 > 0) corrRowsPartialSimd(x, H, W, k, kstep, KH, KW, PT, PL, y, WO, 0, i0, j0, j1, accumulate);
    if (i1 > i0) {
      const xs = <usize>W << 2, ys = <usize>WO << 2;
      corrBlockSimd(x + <usize>(i0 - PT) * xs + (<usize>(j0 - PL) << 2), xs, k, kstep, KH, KW,
        y + <usize>i0 * ys + (<usize>j0 << 2), ys, i1 - i0, j1 - j0, accumulate);
    }
    if (HO > i1) corrRowsPartialSimd(x, H, W, k, kstep, KH, KW, PT, PL, y, WO, i1, HO, j0, j1, accumulate);
  }
  if (j0 > 0) corrEdgeScalar(x, H, W, k, kstep, KH, KW, PT, PL, y, WO, 0, HO, 0, j0, accumulate);
  if (WO > j1) corrEdgeScalar(x, H, W, k, kstep, KH, KW, PT, PL, y, WO, 0, HO, j1, WO, accumulate);
}

/** Scalar twin of corr2d_pad_f32_simd (bitwise the same result). */
export function corr2d_pad_f32_scalar(
  x: usize, H: i32, W: i32, k: usize, KH: i32, KW: i32, PT: i32, PL: i32,
  y: usize, HO: i32, WO: i32, accumulate: i32, flip: i32,
): void {
  if (HO < 1 || WO < 1 || KH < 1 || KW < 1) return;
  corrEdgeScalar(x, H, W, kernelBase(k, KH, KW, flip), kernelStep(flip), KH, KW, PT, PL, y, WO, 0, HO, 0, WO, accumulate);
}

// ---------------------------------------------------------------------------------------------

/** y (=, or += when accumulate != 0) valid cross-correlation of x (H x W) with k (KH x KW). */
export function corr2d_valid_f32_simd(
  x: usize, H: i32, W: i32, k: usize, KH: i32, KW: i32, y: usize, accumulate: i32,
): void {
  const HO = H - KH + 1, WO = W - KW + 1;
  if (HO < 1 || WO < 1 || KH < 1 || KW < 1) return;
  corrBlockSimd(x, <usize>W << 2, k, 4, KH, KW, y, <usize>WO << 2, HO, WO, accumulate);
}

/** Scalar twin of corr2d_valid_f32_simd (bitwise the same result). */
export function corr2d_valid_f32_scalar(
  x: usize, H: i32, W: i32, k: usize, KH: i32, KW: i32, y: usize, accumulate: i32,
): void {
  const HO = H - KH + 1, WO = W - KW + 1;
  if (HO < 1 || WO < 1 || KH < 1 || KW < 1) return;
  corrScalarBlock(x, <usize>W << 2, k, 4, KH, KW, y, <usize>WO << 2, HO, WO, accumulate);
}

// ---------------------------------------------------------------------------------------------

/** Each of `planes` kernels of kk elements reversed (see the header). */
export function corr2d_flip_f32_simd(dst: usize, src: usize, planes: i32, kk: i32): void {
  if (planes < 1 || kk < 1) return;
  const bytes = <usize>kk << 2, body = <usize>(kk & ~3) << 2;
  for (let p = 0; p < planes; p++) {
    const d = dst + <usize>p * bytes, s = src + <usize>p * bytes;
    // Vector i of dst is the reversed vector ending at element kk-1-4i of src.
    let o: usize = 0;
    while (o < body) {
      const v = v128.load(s + bytes - o - 16);
      v128.store(d + o, i8x16.shuffle(v, v, 12, 13, 14, 15, 8, 9, 10, 11, 4, 5, 6, 7, 0, 1, 2, 3));
      o += 16;
    }
    while (o < bytes) {
      store<f32>(d + o, load<f32>(s + bytes - o - 4));
      o += 4;
    }
  }
}

/** Scalar twin of corr2d_flip_f32_simd. */
export function corr2d_flip_f32_scalar(dst: usize, src: usize, planes: i32, kk: i32): void {
  if (planes < 1 || kk < 1) return;
  for (let p = 0; p < planes; p++) {
    const d = dst + (<usize>(p * kk) << 2), s = src + (<usize>(p * kk) << 2);
    for (let i = 0; i < kk; i++) store<f32>(d + (<usize>i << 2), load<f32>(s + (<usize>(kk - 1 - i) << 2)));
  }
}
