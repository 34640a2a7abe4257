// 2D max and average pooling, forward and backward, NCHW and NHWC, with PyTorch's semantics.
//
// ABI: pointers are byte addresses of f32 (or i32 indices) data, any 4-byte alignment; counts,
// sizes and strides in elements. NCHW kernels take `planes` = N*C contiguous H x W planes (out
// planes HO x WO); NHWC kernels take N images of H x W x C (out HO x WO x C). The caller computes
// HO, WO (floor or ceilMode) and guarantees KH, KW, SH, SW, DH, DW >= 1 and PH, PW >= 0; window
// (oh, ow) starts at input row h0 = oh*SH - PH and column w0 = ow*SW - PW.
//
// Max pooling (taps ih = h0 + a*DH, iw = w0 + b*DW, a < KH, b < KW, those inside the input;
// padding never wins): scanning taps in (a, b) order from best = -Inf, a tap replaces the best when
// `v > best || v is NaN` (PyTorch's rule: ties keep the first maximum, a NaN propagates and the
// LAST NaN of the window is the saved index). idx (i32, may be 0 = not written) receives the
// index ih*W + iw of the winner within its plane (PyTorch's return_indices); the index starts at
// the window's first in-range tap, so a window of -Inf values points at that tap. A window with no
// in-range tap gives -Inf and index -1. Both twins select the same element: bitwise identical.
//
// Average pooling (PyTorch's avg_pool2d): the window is rows [h0, min(h0+KH, H+PH)) x columns
// [w0, min(w0+KW, W+PW)) (ceilMode windows are cut at the far padding edge); its in-input part is
// summed in f32 in (ih, iw) order from +0 and divided by the divisor: the cut window's area
// (padding included) when countIncludePad != 0, else the number of in-input taps. A window with no
// in-input tap gives 0. Backward: dx[ih, iw] += dy[oh, ow] / divisor over every window, in
// (oh, ow, ih, iw) order. Both twins use the same operations in the same order: bitwise identical.
//
// Backward kernels overwrite dx (they clear it, then accumulate). Max backward scatters
// dx[idx] += dy in output order; indices outside [0, H*W) are skipped, so a corrupt index table
// cannot write outside dx. Wasm has no vector scatter: the max backward kernels' SIMD twins
// vectorise only the clearing; avg backward vectorises along C (NHWC) or, for 2-wide stride-2
// windows, along the row (NCHW), keeping each element's order of contributions.

import { imax, imin } from './simd-util';

/** First tap index a >= 0 with s + a*d >= 0. */
// @ts-ignore: decorator
@inline function tapLo(s: i32, d: i32): i32 {
  return s >= 0 ? 0 : (-s + d - 1) / d;
}

/** One past the last tap index a < k with s + a*d < n (may be <= tapLo). */
// @ts-ignore: decorator
@inline function tapHi(s: i32, d: i32, k: i32, n: i32): i32 {
  return s > n - 1 ? 0 : imin(k, (n - 1 - s) / d + 1);
}

/** Output columns [lo, hi) whose taps all lie inside [0, W): w0 >= 0 and w0 + (KW-1)*DW < W. */
// @ts-ignore: decorator
@inline function interiorLo(SW: i32, PW: i32): i32 {
  return (PW + SW - 1) / SW;
}

// @ts-ignore: decorator
@inline function interiorHi(W: i32, WO: i32, span: i32, SW: i32, PW: i32): i32 {
  const last = W - span + PW; // largest ow*SW allowed
  return last < 0 ? 0 : imin(WO, last / SW + 1);
}

/** Lanes x[p], x[p + SW], x[p + 2SW], x[p + 3SW] (p a byte address); reads nothing past x[p + 3SW]. */
// @ts-ignore: decorator
@inline function gather4(p: usize, SW: i32): v128 {
  if (SW == 1) return v128.load(p);
  if (SW == 2) {
    return i8x16.shuffle(v128.load(p), v128.load(p, 12),
      0, 1, 2, 3, 8, 9, 10, 11, 20, 21, 22, 23, 28, 29, 30, 31);
  }
  const s4 = <usize>SW << 2;
  let r = f32x4.splat(load<f32>(p));
  r = f32x4.replace_lane(r, 1, load<f32>(p + s4));
  r = f32x4.replace_lane(r, 2, load<f32>(p + 2 * s4));
  return f32x4.replace_lane(r, 3, load<f32>(p + 3 * s4));
}

/** Clears n floats at p. */
// @ts-ignore: decorator
@inline function clear(simd: bool, p: usize, n: i32): void {
  const end = p + (<usize>imax(n, 0) << 2);
  if (simd) {
    const z = f32x4.splat(0);
    while (p + 16 <= end) {
      v128.store(p, z);
      p += 16;
    }
  }
  while (p < end) {
    store<f32>(p, 0);
    p += 4;
  }
}

// ---------------------------------------------------------------------------------------------
// Max pooling, NCHW

/** One output of a max window over a plane (scalar): writes y and (if idx != 0) the index. */
// @ts-ignore: decorator
@inline function maxOne(y: usize, idx: usize, x: usize, W: i32, h0: i32, aLo: i32, aHi: i32, w0: i32, bLo: i32, bHi: i32, DH: i32, DW: i32): void {
  let best: f32 = -Infinity;
  let bi: i32 = -1;
  if (aLo < aHi && bLo < bHi) {
    bi = (h0 + aLo * DH) * W + w0 + bLo * DW;
    for (let a = aLo; a < aHi; a++) {
      const row = (h0 + a * DH) * W + w0;
      for (let b = bLo; b < bHi; b++) {
        const i = row + b * DW;
        const v = load<f32>(x + (<usize>i << 2));
        if (v > best || v != v) {
          best = v;
          bi = i;
        }
      }
    }
  }
  store<f32>(y, best);
  if (idx != 0) store<i32>(idx, bi);
}

// @ts-ignore: decorator
@inline function maxPoolNchw(simd: bool, y: usize, idx: usize, x: usize, planes: i32, H: i32, W: i32, HO: i32, WO: i32,
  KH: i32, KW: i32, SH: i32, SW: i32, PH: i32, PW: i32, DH: i32, DW: i32): void {
  const owLo = interiorLo(SW, PW);
  const owHi = interiorHi(W, WO, (KW - 1) * DW + 1, SW, PW);
  const lane = i32x4(0, SW, 2 * SW, 3 * SW);
  const ninf = f32x4.splat(-Infinity);
  const pair2 = SW == 2 && KW == 2 && DW == 1;
  const planeIn = <usize>H * W << 2;
  const planeOut = <usize>HO * WO << 2;
  for (let p = 0; p < planes; p++) {
    for (let oh = 0; oh < HO; oh++) {
      const h0 = oh * SH - PH;
      const aLo = tapLo(h0, DH), aHi = tapHi(h0, DH, KH, H);
      const yr = y + (<usize>(oh * WO) << 2);
      const ir: usize = idx == 0 ? 0 : idx + (<usize>(oh * WO) << 2);
      let ow = 0;
      while (ow < WO) {
        const w0 = ow * SW - PW;
        if (simd && ow >= owLo && ow < owHi && owHi - owLo >= 4 && aLo < aHi) {
          // 4 outputs whose taps are all inside the row: lanes gathered at stride SW. The last
          // block of the interior starts at owHi - 4, recomputing (identically) a few outputs.
          ow = imin(ow, owHi - 4);
          const w0 = ow * SW - PW;
          let best = ninf;
          let bi = i32x4.add(i32x4.splat((h0 + aLo * DH) * W + w0), lane);
          for (let a = aLo; a < aHi; a++) {
            const row = (h0 + a * DH) * W + w0;
            if (pair2) {
              // 2x2-stride-2 windows: 8 contiguous floats, deinterleaved into taps b = 0 and 1.
              const q = x + (<usize>row << 2);
              const v0 = v128.load(q), v1 = v128.load(q, 16);
              const ev = i8x16.shuffle(v0, v1, 0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19, 24, 25, 26, 27);
              const od = i8x16.shuffle(v0, v1, 4, 5, 6, 7, 12, 13, 14, 15, 20, 21, 22, 23, 28, 29, 30, 31);
              const m0 = v128.or(f32x4.gt(ev, best), f32x4.ne(ev, ev));
              best = v128.bitselect(ev, best, m0);
              bi = v128.bitselect(i32x4.add(i32x4.splat(row), lane), bi, m0);
              const m1 = v128.or(f32x4.gt(od, best), f32x4.ne(od, od));
              best = v128.bitselect(od, best, m1);
              bi = v128.bitselect(i32x4.add(i32x4.splat(row + 1), lane), bi, m1);
              continue;
            }
            for (let b = 0; b < KW; b++) {
              const i = row + b * DW;
              const v = gather4(x + (<usize>i << 2), SW);
              const m = v128.or(f32x4.gt(v, best), f32x4.ne(v, v));
              best = v128.bitselect(v, best, m);
              bi = v128.bitselect(i32x4.add(i32x4.splat(i), lane), bi, m);
            }
          }
          v128.store(yr + (<usize>ow << 2), best);
          if (idx != 0) v128.store(ir + (<usize>ow << 2), bi);
          ow += 4;
        } else {
          maxOne(yr + (<usize>ow << 2), idx == 0 ? <usize>0 : ir + (<usize>ow << 2), x, W, h0, aLo, aHi,
            w0, tapLo(w0, DW), tapHi(w0, DW, KW, W), DH, DW);
          ow++;
        }
      }
    }
    x += planeIn;
    y += planeOut;
    if (idx != 0) idx += planeOut;
  }
}

/**
 * y[p, oh, ow] = max over the window (see the file header); idx[p, oh, ow] = its index in the
 * plane (idx may be 0). x: planes x H x W, y and idx: planes x HO x WO.
 */
export function maxpool2d_nchw_f32_simd(y: usize, idx: usize, x: usize, planes: i32, H: i32, W: i32, HO: i32, WO: i32,
  KH: i32, KW: i32, SH: i32, SW: i32, PH: i32, PW: i32, DH: i32, DW: i32): void {
  maxPoolNchw(true, y, idx, x, planes, H, W, HO, WO, KH, KW, SH, SW, PH, PW, DH, DW);
}

export function maxpool2d_nchw_f32_scalar(y: usize, idx: usize, x: usize, planes: i32, H: i32, W: i32, HO: i32, WO: i32,
  KH: i32, KW: i32, SH: i32, SW: i32, PH: i32, PW: i32, DH: i32, DW: i32): void {
  maxPoolNchw(false, y, idx, x, planes, H, W, HO, WO, KH, KW, SH, SW, PH, PW, DH, DW);
}

// ---------------------------------------------------------------------------------------------
// Max pooling, NHWC (vectorised along C)

// @ts-ignore: decorator
@inline function maxPoolNhwc(simd: bool, y: usize, idx: usize, x: usize, N: i32, H: i32, W: i32, C: i32, HO: i32, WO: i32,
  KH: i32, KW: i32, SH: i32, SW: i32, PH: i32, PW: i32, DH: i32, DW: i32): void {
  const ninf = f32x4.splat(-Infinity);
  const c4 = simd ? C & ~3 : 0;
  for (let n = 0; n < N; n++) {
    const xn = x + (<usize>n * H * W * C << 2);
    for (let oh = 0; oh < HO; oh++) {
      const h0 = oh * SH - PH;
      const aLo = tapLo(h0, DH), aHi = tapHi(h0, DH, KH, H);
      for (let ow = 0; ow < WO; ow++) {
        const w0 = ow * SW - PW;
        const bLo = tapLo(w0, DW), bHi = tapHi(w0, DW, KW, W);
        const o = <usize>((n * HO + oh) * WO + ow) * C;
        const empty = aLo >= aHi || bLo >= bHi;
        const first = empty ? -1 : (h0 + aLo * DH) * W + w0 + bLo * DW;
        for (let c = 0; c < c4; c += 4) {
          let best = ninf;
          let bi = i32x4.splat(first);
          for (let a = aLo; a < aHi; a++) {
            const row = (h0 + a * DH) * W + w0;
            for (let b = bLo; b < bHi; b++) {
              const i = row + b * DW;
              const v = v128.load(xn + ((<usize>i * C + c) << 2));
              const m = v128.or(f32x4.gt(v, best), f32x4.ne(v, v));
              best = v128.bitselect(v, best, m);
              bi = v128.bitselect(i32x4.splat(i), bi, m);
            }
          }
          v128.store(y + ((o + c) << 2), best);
          if (idx != 0) v128.store(idx + ((o + c) << 2), bi);
        }
        for (let c = c4; c < C; c++) {
          let best: f32 = -Infinity;
          let bi = first;
          for (let a = aLo; a < aHi; a++) {
            const row = (h0 + a * DH) * W + w0;
            for (let b = bLo; b < bHi; b++) {
              const i = row + b * DW;
              const v = load<f32>(xn + ((<usize>i * C + c) << 2));
              if (v > best || v != v) {
                best = v;
                bi = i;
              }
            }
          }
          store<f32>(y + ((o + c) << 2), best);
          if (idx != 0) store<i32>(idx + ((o + c) << 2), bi);
        }
      }
    }
  }
}

/** NHWC max pooling: x N x H x W x C, y and idx N x HO x WO x C; idx holds ih*W + iw (may be 0). */
export function maxpool2d_nhwc_f32_simd(y: usize, idx: usize, x: usize, N: i32, H: i32, W: i32, C: i32, HO: i32, WO: i32,
  KH: i32, KW: i32, SH: i32, SW: i32, PH: i32, PW: i32, DH: i32, DW: i32): void {
  maxPoolNhwc(true, y, idx, x, N, H, W, C, HO, WO, KH, KW, SH, SW, PH, PW, DH, DW);
}

export function maxpool2d_nhwc_f32_scalar(y: usize, idx: usize, x: usize, N: i32, H: i32, W: i32, C: i32, HO: i32, WO: i32,
  KH: i32, KW: i32, SH: i32, SW: i32, PH: i32, PW: i32, DH: i32, DW: i32): void {
  maxPoolNhwc(false, y, idx, x, N, H, W, C, HO, WO, KH, KW, SH, SW, PH, PW, DH, DW);
}

// ---------------------------------------------------------------------------------------------
// Max pooling backward (from the saved indices)

// @ts-ignore: decorator
@inline function maxBackNchw(simd: bool, dx: usize, dy: usize, idx: usize, planes: i32, HW: i32, HOWO: i32): void {
  for (let p = 0; p < planes; p++) {
    clear(simd, dx, HW);
    for (let o = 0; o < HOWO; o++) {
      const i = load<i32>(idx + (<usize>o << 2));
      if (<u32>i < <u32>HW) {
        const q = dx + (<usize>i << 2);
        store<f32>(q, load<f32>(q) + load<f32>(dy + (<usize>o << 2)));
      }
    }
    dx += <usize>HW << 2;
    dy += <usize>HOWO << 2;
    idx += <usize>HOWO << 2;
  }
}

/** dx (planes x HW) = 0, then dx[p, idx[p, o]] += dy[p, o] for o in output order (HOWO = HO*WO). */
export function maxpool2d_backward_nchw_f32_simd(dx: usize, dy: usize, idx: usize, planes: i32, HW: i32, HOWO: i32): void {
  maxBackNchw(true, dx, dy, idx, planes, HW, HOWO);
}

export function maxpool2d_backward_nchw_f32_scalar(dx: usize, dy: usize, idx: usize, planes: i32, HW: i32, HOWO: i32): void {
  maxBackNchw(false, dx, dy, idx, planes, HW, HOWO);
}

// @ts-ignore: decorator
@inline function maxBackNhwc(simd: bool, dx: usize, dy: usize, idx: usize, N: i32, HW: i32, HOWO: i32, C: i32): void {
  for (let n = 0; n < N; n++) {
    clear(simd, dx, HW * C);
    for (let o = 0; o < HOWO; o++) {
      const r = <usize>o * C;
      for (let c = 0; c < C; c++) {
        const i = load<i32>(idx + ((r + c) << 2));
        if (<u32>i < <u32>HW) {
          const q = dx + ((<usize>i * C + c) << 2);
          store<f32>(q, load<f32>(q) + load<f32>(dy + ((r + c) << 2)));
        }
      }
    }
    dx += <usize>HW * C << 2;
    dy += <usize>HOWO * C << 2;
    idx += <usize>HOWO * C << 2;
  }
}

/** NHWC: dx (N x HW x C) = 0, then dx[n, idx[n, o, c], c] += dy[n, o, c] in (o, c) order. */
export function maxpool2d_backward_nhwc_f32_simd(dx: usize, dy: usize, idx: usize, N: i32, HW: i32, HOWO: i32, C: i32): void {
  maxBackNhwc(true, dx, dy, idx, N, HW, HOWO, C);
}

export function maxpool2d_backward_nhwc_f32_scalar(dx: usize, dy: usize, idx: usize, N: i32, HW: i32, HOWO: i32, C: i32): void {
  maxBackNhwc(false, dx, dy, idx, N, HW, HOWO, C);
}

// ---------------------------------------------------------------------------------------------
// Average pooling

/** The divisor of the window (h0, w0) and its in-input row and column ranges (0 = empty window). */
// @ts-ignore: decorator
@inline function avgDivisor(h0: i32, w0: i32, H: i32, W: i32, KH: i32, KW: i32, PH: i32, PW: i32, cip: i32): i32 {
  const h1 = imin(h0 + KH, H + PH), w1 = imin(w0 + KW, W + PW);
  const rows = imin(h1, H) - imax(h0, 0), cols = imin(w1, W) - imax(w0, 0);
  if (rows <= 0 || cols <= 0) return 0;
  return cip != 0 ? (h1 - h0) * (w1 - w0) : rows * cols;
}

// @ts-ignore: decorator
@inline function avgPoolNchw(simd: bool, y: usize, x: usize, planes: i32, H: i32, W: i32, HO: i32, WO: i32,
  KH: i32, KW: i32, SH: i32, SW: i32, PH: i32, PW: i32, cip: i32): void {
  const owLo = interiorLo(SW, PW);
  const owHi = interiorHi(W, WO, KW, SW, PW);
  const pair2 = SW == 2 && KW == 2;
  for (let p = 0; p < planes; p++) {
    for (let oh = 0; oh < HO; oh++) {
      const h0 = oh * SH - PH;
      const ihLo = imax(h0, 0), ihHi = imin(h0 + KH, H);
      const yr = y + (<usize>(oh * WO) << 2);
      let ow = 0;
      while (ow < WO) {
        const w0 = ow * SW - PW;
        const div = avgDivisor(h0, w0, H, W, KH, KW, PH, PW, cip);
        if (simd && ow >= owLo && ow < owHi && owHi - owLo >= 4 && div != 0) {
          // 4 outputs with every column inside the row: the same divisor for all lanes. The last
          // block of the interior starts at owHi - 4, recomputing (identically) a few outputs.
          ow = imin(ow, owHi - 4);
          const w0 = ow * SW - PW;
          let s = f32x4.splat(0);
          for (let ih = ihLo; ih < ihHi; ih++) {
            const row = x + (<usize>(ih * W + w0) << 2);
            if (pair2) {
              // 2x2-stride-2 windows: 8 contiguous floats, deinterleaved into taps b = 0 and 1.
              const v0 = v128.load(row), v1 = v128.load(row, 16);
              s = f32x4.add(s, i8x16.shuffle(v0, v1, 0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19, 24, 25, 26, 27));
              s = f32x4.add(s, i8x16.shuffle(v0, v1, 4, 5, 6, 7, 12, 13, 14, 15, 20, 21, 22, 23, 28, 29, 30, 31));
            } else {
              for (let b = 0; b < KW; b++) s = f32x4.add(s, gather4(row + (<usize>b << 2), SW));
            }
          }
          v128.store(yr + (<usize>ow << 2), f32x4.div(s, f32x4.splat(<f32>div)));
          ow += 4;
        } else {
          let s: f32 = 0;
          if (div != 0) {
            const iwLo = imax(w0, 0), iwHi = imin(w0 + KW, W);
            for (let ih = ihLo; ih < ihHi; ih++) {
              for (let iw = iwLo; iw < iwHi; iw++) s += load<f32>(x + (<usize>(ih * W + iw) << 2));
            }
            s /= <f32>div;
          }
          store<f32>(yr + (<usize>ow << 2), s);
          ow++;
        }
      }
    }
    x += <usize>H * W << 2;
    y += <usize>HO * WO << 2;
  }
}

/** y[p, oh, ow] = average of the window (see the file header); countIncludePad: 0 or 1. */
export function avgpool2d_nchw_f32_simd(y: usize, x: usize, planes: i32, H: i32, W: i32, HO: i32, WO: i32,
  KH: i32, KW: i32, SH: i32, SW: i32, PH: i32, PW: i32, countIncludePad: i32): void {
  avgPoolNchw(true, y, x, planes, H, W, HO, WO, KH, KW, SH, SW, PH, PW, countIncludePad);
}

export function avgpool2d_nchw_f32_scalar(y: usize, x: usize, planes: i32, H: i32, W: i32, HO: i32, WO: i32,
  KH: i32, KW: i32, SH: i32, SW: i32, PH: i32, PW: i32, countIncludePad: i32): void {
  avgPoolNchw(false, y, x, planes, H, W, HO, WO, KH, KW, SH, SW, PH, PW, countIncludePad);
}

// @ts-ignore: decorator
@inline function avgBackNchw(simd: bool, dx: usize, dy: usize, planes: i32, H: i32, W: i32, HO: i32, WO: i32,
  KH: i32, KW: i32, SH: i32, SW: i32, PH: i32, PW: i32, cip: i32): void {
  // 2-wide, stride-2 windows do not overlap along a row: 4 interior outputs update 8 contiguous
  // floats of each window row with one vector add per 4 floats. Every element then still receives
  // its contributions in (oh, ow) order, as in the scalar loop.
  const pair2 = simd && SW == 2 && KW == 2;
  const owLo = interiorLo(SW, PW);
  const owHi = interiorHi(W, WO, KW, SW, PW);
  for (let p = 0; p < planes; p++) {
    clear(simd, dx, H * W);
    for (let oh = 0; oh < HO; oh++) {
      const h0 = oh * SH - PH;
      const ihLo = imax(h0, 0), ihHi = imin(h0 + KH, H);
      let ow = 0;
      while (ow < WO) {
        const w0 = ow * SW - PW;
        const div = avgDivisor(h0, w0, H, W, KH, KW, PH, PW, cip);
        if (pair2 && ow >= owLo && ow + 4 <= owHi && div != 0) {
          const g = f32x4.div(v128.load(dy + (<usize>(oh * WO + ow) << 2)), f32x4.splat(<f32>div));
          const lo = i8x16.shuffle(g, g, 0, 1, 2, 3, 0, 1, 2, 3, 4, 5, 6, 7, 4, 5, 6, 7);
          const hi = i8x16.shuffle(g, g, 8, 9, 10, 11, 8, 9, 10, 11, 12, 13, 14, 15, 12, 13, 14, 15);
          for (let ih = ihLo; ih < ihHi; ih++) {
            const q = dx + (<usize>(ih * W + w0) << 2);
            v128.store(q, f32x4.add(v128.load(q), lo));
            v128.store(q, f32x4.add(v128.load(q, 16), hi), 16);
          }
          ow += 4;
          continue;
        }
        if (div != 0) {
          const g = load<f32>(dy + (<usize>(oh * WO + ow) << 2)) / <f32>div;
          const iwLo = imax(w0, 0), iwHi = imin(w0 + KW, W);
          for (let ih = ihLo; ih < ihHi; ih++) {
            for (let iw = iwLo; iw < iwHi; iw++) {
              const q = dx + (<usize>(ih * W + iw) << 2);
              store<f32>(q, load<f32>(q) + g);
            }
          }
        }
        ow++;
      }
    }
    dx += <usize>H * W << 2;
    dy += <usize>HO * WO << 2;
  }
}

/** dx (planes x H x W) = 0, then dx[ih, iw] += dy[oh, ow] / divisor over every window. */
export function avgpool2d_backward_nchw_f32_simd(dx: usize, dy: usize, planes: i32, H: i32, W: i32, HO: i32, WO: i32,
  KH: i32, KW: i32, SH: i32, SW: i32, PH: i32, PW: i32, countIncludePad: i32): void {
  avgBackNchw(true, dx, dy, planes, H, W, HO, WO, KH, KW, SH, SW, PH, PW, countIncludePad);
}

export function avgpool2d_backward_nchw_f32_scalar(dx: usize, dy: usize, planes: i32, H: i32, W: i32, HO: i32, WO: i32,
  KH: i32, KW: i32, SH: i32, SW: i32, PH: i32, PW: i32, countIncludePad: i32): void {
  avgBackNchw(false, dx, dy, planes, H, W, HO, WO, KH, KW, SH, SW, PH, PW, countIncludePad);
}

/**
 * NHWC average pooling (forward when `back` is false; backward into a cleared dx when true), with
 * the channel loop innermost: 4 channels per f32x4 in the simd twin, the rest one by one.
 */
// @ts-ignore: decorator
@inline function avgPoolNhwc(simd: bool, back: bool, out: usize, inp: usize, N: i32, H: i32, W: i32, C: i32, HO: i32, WO: i32,
  KH: i32, KW: i32, SH: i32, SW: i32, PH: i32, PW: i32, cip: i32): void {
  const c4 = simd ? C & ~3 : 0;
  if (back) clear(simd, out, N * H * W * C);
  for (let n = 0; n < N; n++) {
    const big = back ? out : inp; // the N x H x W x C side
    const small = back ? inp : out; // the N x HO x WO x C side
    const bn = big + (<usize>n * H * W * C << 2);
    for (let oh = 0; oh < HO; oh++) {
      const h0 = oh * SH - PH;
      const ihLo = imax(h0, 0), ihHi = imin(h0 + KH, H);
      for (let ow = 0; ow < WO; ow++) {
        const w0 = ow * SW - PW;
        const div = avgDivisor(h0, w0, H, W, KH, KW, PH, PW, cip);
        const iwLo = imax(w0, 0), iwHi = imin(w0 + KW, W);
        const so = small + (<usize>((n * HO + oh) * WO + ow) * C << 2);
        const fd = <f32>div;
        const dv = f32x4.splat(fd);
        if (back) {
          if (div == 0) continue;
          for (let c = 0; c < c4; c += 4) {
            const g = f32x4.div(v128.load(so + (<usize>c << 2)), dv);
            for (let ih = ihLo; ih < ihHi; ih++) {
              for (let iw = iwLo; iw < iwHi; iw++) {
                const q = bn + ((<usize>(ih * W + iw) * C + c) << 2);
                v128.store(q, f32x4.add(v128.load(q), g));
              }
            }
          }
          for (let c = c4; c < C; c++) {
            const g = load<f32>(so + (<usize>c << 2)) / fd;
            for (let ih = ihLo; ih < ihHi; ih++) {
              for (let iw = iwLo; iw < iwHi; iw++) {
                const q = bn + ((<usize>(ih * W + iw) * C + c) << 2);
                store<f32>(q, load<f32>(q) + g);
              }
            }
          }
        } else {
          for (let c = 0; c < c4; c += 4) {
            let s = f32x4.splat(0);
            if (div != 0) {
              for (let ih = ihLo; ih < ihHi; ih++) {
                for (let iw = iwLo; iw < iwHi; iw++) s = f32x4.add(s, v128.load(bn + ((<usize>(ih * W + iw) * C + c) << 2)));
              }
              s = f32x4.div(s, dv);
            }
            v128.store(so + (<usize>c << 2), s);
          }
          for (let c = c4; c < C; c++) {
            let s: f32 = 0;
            if (div != 0) {
              for (let ih = ihLo; ih < ihHi; ih++) {
                for (let iw = iwLo; iw < iwHi; iw++) s += load<f32>(bn + ((<usize>(ih * W + iw) * C + c) << 2));
              }
              s /= fd;
            }
            store<f32>(so + (<usize>c << 2), s);
          }
        }
      }
    }
  }
}

/** NHWC average pooling: x N x H x W x C, y N x HO x WO x C. */
export function avgpool2d_nhwc_f32_simd(y: usize, x: usize, N: i32, H: i32, W: i32, C: i32, HO: i32, WO: i32,
  KH: i32, KW: i32, SH: i32, SW: i32, PH: i32, PW: i32, countIncludePad: i32): void {
  avgPoolNhwc(true, false, y, x, N, H, W, C, HO, WO, KH, KW, SH, SW, PH, PW, countIncludePad);
}

export function avgpool2d_nhwc_f32_scalar(y: usize, x: usize, N: i32, H: i32, W: i32, C: i32, HO: i32, WO: i32,
  KH: i32, KW: i32, SH: i32, SW: i32, PH: i32, PW: i32, countIncludePad: i32): void {
  avgPoolNhwc(false, false, y, x, N, H, W, C, HO, WO, KH, KW, SH, SW, PH, PW, countIncludePad);
}

/** NHWC: dx (N x H x W x C) = 0, then dx[n, ih, iw, c] += dy[n, oh, ow, c] / divisor over every window. */
export function avgpool2d_backward_nhwc_f32_simd(dx: usize, dy: usize, N: i32, H: i32, W: i32, C: i32, HO: i32, WO: i32,
  KH: i32, KW: i32, SH: i32, SW: i32, PH: i32, PW: i32, countIncludePad: i32): void {
  avgPoolNhwc(true, true, dx, dy, N, H, W, C, HO, WO, KH, KW, SH, SW, PH, PW, countIncludePad);
}

export function avgpool2d_backward_nhwc_f32_scalar(dx: usize, dy: usize, N: i32, H: i32, W: i32, C: i32, HO: i32, WO: i32,
  KH: i32, KW: i32, SH: i32, SW: i32, PH: i32, PW: i32, countIncludePad: i32): void {
  avgPoolNhwc(false, true, dx, dy, N, H, W, C, HO, WO, KH, KW, SH, SW, PH, PW, countIncludePad);
}
