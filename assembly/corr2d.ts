// Single-channel 2D cross-correlation, 'valid', stride 1, dilation 1, over byte addresses.
//
//   corr2d_valid_f32_*(x, H, W, k, KH, KW, y, accumulate)
//   y[i*WO + j] (=, or += when accumulate != 0) Σ_{a<KH, b<KW} x[(i+a)*W + j+b] * k[a*KW + b]
//   HO = H - KH + 1, WO = W - KW + 1 (nothing is written when either is < 1).
//
// Layout: x is H x W, k is KH x KW, y is HO x WO, all row-major and contiguous, f32, any
// 4-byte-aligned address. y must not overlap x or k.
//
// Summation order (fixed, bitwise the same in the _simd and _scalar twins and in every path):
//   s = 0; for a = 0 .. KH-1, for b = 0 .. KW-1 in order: s = s + x(i+a, j+b) * k(a, b);
//   then y = s, or y = y + s when accumulating. No fused multiply-add.
//
// SIMD paths (vectorised along output columns, 4 per f32x4):
//   1x2          two hoisted splats, one output vector per step (the lesson's edge detector)
//   3x3          three output rows per pass: each input row is loaded once and feeds every
//                output row it touches (9 hoisted splats + 3 accumulators + 3 loads = 15 regs)
//   any KH x KW  (5x5, 7x7, 1xk, kx1, ...) four output vectors per kernel tap (1 splat +
//                4 loads + 4 accumulators), then single vectors. Unrolled 5x5 variants and
//                two-rows-per-pass variants were no faster (V8 spills what one unrolled
//                iteration loads), so 5x5 takes this path.
// Column tail (WO mod 4 != 0, WO >= 4): one more vector ending at column WO-1 that overlaps the
// previous one; overlapped lanes are recomputed bit-identically, and when accumulating they
// keep their already-updated value (bitselect). WO < 4: scalar loop.

@inline
function madd(s: v128, x: v128, k: v128): v128 {
  return f32x4.add(s, f32x4.mul(x, k));
}

/** Lanes 4-rem .. 3 set: the lanes of the overlapping tail vector not written before. */
@inline
function tailMask(rem: i32): v128 {
  return i32x4.gt_s(i32x4(0, 1, 2, 3), i32x4.splat(3 - rem));
}

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

/** Rows i0 .. i1-1 of the output, plain scalar loops in the documented order. */
function corrScalarRows(
  x: usize, W: i32, k: usize, KH: i32, KW: i32, y: usize, WO: i32, i0: i32, i1: i32, accumulate: i32,
): void {
  const rs = <usize>W << 2;
  for (let i = i0; i < i1; i++) {
    const px = x + <usize>i * rs;
    const py = y + <usize>i * (<usize>WO << 2);
    for (let j = 0; j < WO; j++) {
      let s: f32 = 0;
      let kp = k;
      let r = px + (<usize>j << 2);
      for (let a = 0; a < KH; a++) {
        for (let b = 0; b < KW; b++) {
          s += load<f32>(r + (<usize>b << 2)) * load<f32>(kp);
          kp += 4;
        }
        r += rs;
      }
      const q = py + (<usize>j << 2);
      store<f32>(q, accumulate ? load<f32>(q) + s : s);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// 1x2

@inline
function vec1x2(p: usize, k0: v128, k1: v128): v128 {
  return madd(madd(f32x4.splat(0), v128.load(p), k0), v128.load(p, 4), k1);
}

@inline
function corr1x2Simd(x: usize, H: i32, W: i32, k: usize, y: usize, accumulate: i32): void {
  const WO = W - 1;
  const k0 = v128.load32_splat(k), k1 = v128.load32_splat(k, 4);
  const rs = <usize>W << 2, ys = <usize>WO << 2;
  const body = <usize>(WO & ~3) << 2, last = <usize>(WO - 4) << 2;
  const rem = WO & 3, mask = tailMask(rem);
  let px = x, py = y;
  const pyEnd = y + <usize>H * ys;
  while (py < pyEnd) {
    let p = px, q = py;
    const qe = py + body;
    while (q < qe) {
      put(q, vec1x2(p, k0, k1), accumulate, false, mask);
      p += 16;
      q += 16;
    }
    if (rem) put(py + last, vec1x2(px + last, k0, k1), accumulate, true, mask);
    px += rs;
    py += ys;
  }
}

// ---------------------------------------------------------------------------------------------
// 3x3

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
function corr3x3Simd(x: usize, H: i32, W: i32, k: usize, y: usize, accumulate: i32): void {
  const HO = H - 2, WO = W - 2;
  const k0 = v128.load32_splat(k, 0), k1 = v128.load32_splat(k, 4), k2 = v128.load32_splat(k, 8);
  const k3 = v128.load32_splat(k, 12), k4 = v128.load32_splat(k, 16), k5 = v128.load32_splat(k, 20);
  const k6 = v128.load32_splat(k, 24), k7 = v128.load32_splat(k, 28), k8 = v128.load32_splat(k, 32);
  const rs = <usize>W << 2, ys = <usize>WO << 2;
  const body = <usize>(WO & ~3) << 2, last = <usize>(WO - 4) << 2;
  const rem = WO & 3, mask = tailMask(rem);
  let i = 0;
  for (; i + 3 <= HO; i += 3) {
    const px = x + <usize>i * rs, py = y + <usize>i * ys;
    let p = px, q = py;
    const qe = py + body;
    while (q < qe) {
      vecs3x3Rows3(p, rs, q, ys, accumulate, false, mask, k0, k1, k2, k3, k4, k5, k6, k7, k8);
      p += 16;
      q += 16;
    }
    if (rem) {
      vecs3x3Rows3(px + last, rs, py + last, ys, accumulate, true, mask, k0, k1, k2, k3, k4, k5, k6, k7, k8);
    }
  }
  // Remaining HO mod 3 rows, one at a time.
  for (; i < HO; i++) {
    const px = x + <usize>i * rs, py = y + <usize>i * ys;
    let p = px, q = py;
    const qe = py + body;
    while (q < qe) {
      put(q, vec3x3(p, rs, k0, k1, k2, k3, k4, k5, k6, k7, k8), accumulate, false, mask);
      p += 16;
      q += 16;
    }
    if (rem) {
      put(py + last, vec3x3(px + last, rs, k0, k1, k2, k3, k4, k5, k6, k7, k8), accumulate, true, mask);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Any KH x KW

/** One output vector at p (top-left input), taps in order. */
@inline
function vecGeneric(p: usize, rs: usize, k: usize, KH: i32, kws: usize): v128 {
  let s = f32x4.splat(0);
  let kp = k, r = p;
  for (let a = 0; a < KH; a++) {
    let xp = r;
    const ke = kp + kws;
    while (kp < ke) {
      s = madd(s, v128.load(xp), v128.load32_splat(kp));
      kp += 4;
      xp += 4;
    }
    r += rs;
  }
  return s;
}

@inline
function corrGenericSimd(
  x: usize, H: i32, W: i32, k: usize, KH: i32, KW: i32, y: usize, accumulate: i32,
): void {
  const HO = H - KH + 1, WO = W - KW + 1;
  const rs = <usize>W << 2, ys = <usize>WO << 2, kws = <usize>KW << 2;
  const body16 = <usize>(WO & ~15) << 2, body4 = <usize>(WO & ~3) << 2, last = <usize>(WO - 4) << 2;
  const rem = WO & 3, mask = tailMask(rem);
  for (let i = 0; i < HO; i++) {
    const px = x + <usize>i * rs, py = y + <usize>i * ys;
    let p = px, q = py;
    // Four output vectors per kernel tap.
    let qe = py + body16;
    while (q < qe) {
      let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
      let kp = k, r = p;
      for (let a = 0; a < KH; a++) {
        let xp = r;
        const ke = kp + kws;
        while (kp < ke) {
          const kv = v128.load32_splat(kp);
          s0 = madd(s0, v128.load(xp), kv);
          s1 = madd(s1, v128.load(xp, 16), kv);
          s2 = madd(s2, v128.load(xp, 32), kv);
          s3 = madd(s3, v128.load(xp, 48), kv);
          kp += 4;
          xp += 4;
        }
        r += rs;
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
      put(q, vecGeneric(p, rs, k, KH, kws), accumulate, false, mask);
      p += 16;
      q += 16;
    }
    if (rem) put(py + last, vecGeneric(px + last, rs, k, KH, kws), accumulate, true, mask);
  }
}

// ---------------------------------------------------------------------------------------------

/** y (=, or += when accumulate != 0) valid cross-correlation of x (H x W) with k (KH x KW). */
export function corr2d_valid_f32_simd(
  x: usize, H: i32, W: i32, k: usize, KH: i32, KW: i32, y: usize, accumulate: i32,
): void {
  const HO = H - KH + 1, WO = W - KW + 1;
  if (HO < 1 || WO < 1 || KH < 1 || KW < 1) return;
  if (WO < 4) {
    corrScalarRows(x, W, k, KH, KW, y, WO, 0, HO, accumulate);
  } else if (KH == 1 && KW == 2) {
    if (accumulate) corr1x2Simd(x, H, W, k, y, 1);
    else corr1x2Simd(x, H, W, k, y, 0);
  } else if (KH == 3 && KW == 3) {
    if (accumulate) corr3x3Simd(x, H, W, k, y, 1);
    else corr3x3Simd(x, H, W, k, y, 0);
  } else {
    if (accumulate) corrGenericSimd(x, H, W, k, KH, KW, y, 1);
    else corrGenericSimd(x, H, W, k, KH, KW, y, 0);
  }
}

/** Scalar twin of corr2d_valid_f32_simd (bitwise the same result). */
export function corr2d_valid_f32_scalar(
  x: usize, H: i32, W: i32, k: usize, KH: i32, KW: i32, y: usize, accumulate: i32,
): void {
  const HO = H - KH + 1, WO = W - KW + 1;
  if (HO < 1 || WO < 1 || KH < 1 || KW < 1) return;
  corrScalarRows(x, W, k, KH, KW, y, WO, 0, HO, accumulate);
}
