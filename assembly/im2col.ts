// im2col / col2im: unfold a zero-padded, strided, dilated input into the column matrix of a
// convolution-as-GEMM, and its adjoint. Byte addresses into linear memory, f32, any 4-byte
// alignment; counts and strides in elements. The caller guarantees SH, SW, DH, DW >= 1 and that
// HO, WO are the output size it wants (positions outside the input read as zero).
//
// Input position of output (oh, ow) and kernel tap (a, b):
//   ih = oh*SH - PT + a*DH,  iw = ow*SW - PL + b*DW
//
// NCHW, one image x[C x H x W]; col is [(C*KH*KW) x (HO*WO)]:
//   col[((c*KH + a)*KW + b)*(HO*WO) + oh*WO + ow] = x[(c*H + ih)*W + iw], or 0 outside x
// NHWC, one image x[H x W x C], channels c0 .. c0+CG-1; col is [(HO*WO) x (KH*KW*CG)]:
//   col[(oh*WO + ow)*(KH*KW*CG) + (a*KW + b)*CG + c] = x[(ih*W + iw)*C + c0 + c], or 0
//
// col2im_* is the exact adjoint: x[...] += col[...] for every in-range position (positions that
// fall in the padding are dropped). x is accumulated into, never cleared. Contributions to one
// element of x are added in loop order (NCHW: c, a, b, oh, ow; NHWC: oh, ow, a, b, c), the same
// in the _simd and _scalar twins, so both give bitwise the same result.
// col must not overlap x.
import { zeroRun } from './simd-util';

// ---------------------------------------------------------------------------------------------
// Runs of contiguous floats (n in elements).

@inline
function copyRunSimd(q: usize, p: usize, n: i32): void {
  const e = q + (<usize>n << 2);
  while (q + 32 <= e) {
    const v0 = v128.load(p), v1 = v128.load(p, 16);
    v128.store(q, v0);
    v128.store(q, v1, 16);
    p += 32;
    q += 32;
  }
  if (q + 16 <= e) {
    v128.store(q, v128.load(p));
    p += 16;
    q += 16;
  }
  while (q < e) {
    store<f32>(q, load<f32>(p));
    p += 4;
    q += 4;
  }
}

/** x[p ..] += col[q ..], n elements. */
@inline
function addRunSimd(p: usize, q: usize, n: i32): void {
  const e = q + (<usize>n << 2);
  while (q + 16 <= e) {
    v128.store(p, f32x4.add(v128.load(p), v128.load(q)));
    p += 16;
    q += 16;
  }
  while (q < e) {
    store<f32>(p, load<f32>(p) + load<f32>(q));
    p += 4;
    q += 4;
  }
}

/** First t in [0, n] with t*S + off >= 0 (S >= 1). */
@inline
function firstInside(off: i32, S: i32, n: i32): i32 {
  const t = off >= 0 ? 0 : (S - 1 - off) / S;
  return min(t, n);
}

/** One past the last t in [lo, n] with t*S + off <= L - 1 (S >= 1); at least lo. */
@inline
function endInside(off: i32, S: i32, L: i32, lo: i32, n: i32): i32 {
  const room = L - 1 - off;
  const t = room < 0 ? 0 : min(room / S + 1, n);
  return max(t, lo);
}

// ---------------------------------------------------------------------------------------------
// NCHW

/** col (C*KH*KW x HO*WO) = unfolded x (C x H x W); see the header for the index map. */
export function im2col_nchw_f32_simd(
  x: usize, C: i32, H: i32, W: i32, KH: i32, KW: i32, SH: i32, SW: i32, PT: i32, PL: i32,
  DH: i32, DW: i32, HO: i32, WO: i32, col: usize,
): void {
  if (HO <= 0 || WO <= 0) return;
  const rs = <usize>W << 2, ys = <usize>WO << 2;
  let q = col;
  for (let c = 0; c < C; c++) {
    const xc = x + <usize>c * <usize>H * rs;
    for (let a = 0; a < KH; a++) {
      for (let b = 0; b < KW; b++) {
        const offw = b * DW - PL;
        const lo = firstInside(offw, SW, WO);
        const hi = endInside(offw, SW, W, lo, WO);
        for (let oh = 0; oh < HO; oh++) {
          const ih = oh * SH - PT + a * DH;
          if (ih < 0 || ih >= H) {
            zeroRun(q, WO);
          } else {
            const row = xc + <usize>ih * rs;
            zeroRun(q, lo);
            if (SW == 1) {
              copyRunSimd(q + (<usize>lo << 2), row + (<usize>(lo + offw) << 2), hi - lo);
            } else {
              let ow = lo;
              let iw = lo * SW + offw;
              if (SW == 2) {
                // Four outputs from eight consecutive inputs, while all eight are in the row.
                while (ow + 4 <= hi && iw + 7 < W) {
                  const p = row + (<usize>iw << 2);
                  const v = v128.shuffle<f32>(v128.load(p), v128.load(p, 16), 0, 2, 4, 6);
                  v128.store(q + (<usize>ow << 2), v);
                  ow += 4;
                  iw += 8;
                }
              }
              for (; ow < hi; ow++) {
                store<f32>(q + (<usize>ow << 2), load<f32>(row + (<usize>iw << 2)));
                iw += SW;
              }
            }
            zeroRun(q + (<usize>hi << 2), WO - hi);
          }
          q += ys;
        }
      }
    }
  }
}

/** Scalar twin of im2col_nchw_f32_simd: one bounds test per element. */
export function im2col_nchw_f32_scalar(
  x: usize, C: i32, H: i32, W: i32, KH: i32, KW: i32, SH: i32, SW: i32, PT: i32, PL: i32,
  DH: i32, DW: i32, HO: i32, WO: i32, col: usize,
): void {
  let q = col;
  for (let c = 0; c < C; c++) {
    for (let a = 0; a < KH; a++) {
      for (let b = 0; b < KW; b++) {
        for (let oh = 0; oh < HO; oh++) {
          const ih = oh * SH - PT + a * DH;
          for (let ow = 0; ow < WO; ow++) {
            const iw = ow * SW - PL + b * DW;
            let v: f32 = 0;
            if (ih >= 0 && ih < H && iw >= 0 && iw < W) {
              v = load<f32>(x + ((<usize>(c * H + ih) * <usize>W + <usize>iw) << 2));
            }
            store<f32>(q, v);
            q += 4;
          }
        }
      }
    }
  }
}

/** x (C x H x W) += folded col (C*KH*KW x HO*WO): the adjoint of im2col_nchw. */
export function col2im_nchw_f32_simd(
  col: usize, C: i32, H: i32, W: i32, KH: i32, KW: i32, SH: i32, SW: i32, PT: i32, PL: i32,
  DH: i32, DW: i32, HO: i32, WO: i32, x: usize,
): void {
  if (HO <= 0 || WO <= 0) return;
  const rs = <usize>W << 2, ys = <usize>WO << 2;
  let q = col;
  for (let c = 0; c < C; c++) {
    const xc = x + <usize>c * <usize>H * rs;
    for (let a = 0; a < KH; a++) {
      for (let b = 0; b < KW; b++) {
        const offw = b * DW - PL;
        const lo = firstInside(offw, SW, WO);
        const hi = endInside(offw, SW, W, lo, WO);
        for (let oh = 0; oh < HO; oh++) {
          const ih = oh * SH - PT + a * DH;
          if (ih >= 0 && ih < H) {
            const row = xc + <usize>ih * rs;
            if (SW == 1) {
              addRunSimd(row + (<usize>(lo + offw) << 2), q + (<usize>lo << 2), hi - lo);
            } else {
              let iw = lo * SW + offw;
              for (let ow = lo; ow < hi; ow++) {
                const p = row + (<usize>iw << 2);
                store<f32>(p, load<f32>(p) + load<f32>(q + (<usize>ow << 2)));
                iw += SW;
              }
            }
          }
          q += ys;
        }
      }
    }
  }
}

/** Scalar twin of col2im_nchw_f32_simd (same order, bitwise the same result). */
export function col2im_nchw_f32_scalar(
  col: usize, C: i32, H: i32, W: i32, KH: i32, KW: i32, SH: i32, SW: i32, PT: i32, PL: i32,
  DH: i32, DW: i32, HO: i32, WO: i32, x: usize,
): void {
  let q = col;
  for (let c = 0; c < C; c++) {
    for (let a = 0; a < KH; a++) {
      for (let b = 0; b < KW; b++) {
        for (let oh = 0; oh < HO; oh++) {
          const ih = oh * SH - PT + a * DH;
          for (let ow = 0; ow < WO; ow++) {
            const iw = ow * SW - PL + b * DW;
            if (ih >= 0 && ih < H && iw >= 0 && iw < W) {
              const p = x + ((<usize>(c * H + ih) * <usize>W + <usize>iw) << 2);
              store<f32>(p, load<f32>(p) + load<f32>(q));
            }
            q += 4;
          }
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// NHWC

/** col (HO*WO x KH*KW*CG) = unfolded channels c0 .. c0+CG-1 of x (H x W x C). */
export function im2col_nhwc_f32_simd(
  x: usize, H: i32, W: i32, C: i32, c0: i32, CG: i32, KH: i32, KW: i32, SH: i32, SW: i32,
  PT: i32, PL: i32, DH: i32, DW: i32, HO: i32, WO: i32, col: usize,
): void {
  if (HO <= 0 || WO <= 0 || CG <= 0) return;
  const KC = KW * CG;
  const ps = <usize>C << 2;
  const xs = x + (<usize>c0 << 2);
  const contiguous = DW == 1 && CG == C;
  let q = col;
  for (let oh = 0; oh < HO; oh++) {
    for (let ow = 0; ow < WO; ow++) {
      const iw0 = ow * SW - PL;
      const lo = firstInside(iw0, DW, KW);
      const hi = endInside(iw0, DW, W, lo, KW);
      for (let a = 0; a < KH; a++) {
        const ih = oh * SH - PT + a * DH;
        if (ih < 0 || ih >= H) {
          zeroRun(q, KC);
        } else {
          const pix = ih * W + iw0; // pixel index of tap b is pix + b*DW (>= 0 for lo <= b < hi)
          zeroRun(q, lo * CG);
          if (contiguous) {
            copyRunSimd(q + (<usize>(lo * CG) << 2), xs + <usize>(pix + lo) * ps, (hi - lo) * CG);
          } else {
            for (let b = lo; b < hi; b++) {
              copyRunSimd(q + (<usize>(b * CG) << 2), xs + <usize>(pix + b * DW) * ps, CG);
            }
          }
          zeroRun(q + (<usize>(hi * CG) << 2), (KW - hi) * CG);
        }
        q += <usize>KC << 2;
      }
    }
  }
}

/** Scalar twin of im2col_nhwc_f32_simd: one bounds test per element. */
export function im2col_nhwc_f32_scalar(
  x: usize, H: i32, W: i32, C: i32, c0: i32, CG: i32, KH: i32, KW: i32, SH: i32, SW: i32,
  PT: i32, PL: i32, DH: i32, DW: i32, HO: i32, WO: i32, col: usize,
): void {
  let q = col;
  for (let oh = 0; oh < HO; oh++) {
    for (let ow = 0; ow < WO; ow++) {
      for (let a = 0; a < KH; a++) {
        const ih = oh * SH - PT + a * DH;
        for (let b = 0; b < KW; b++) {
          const iw = ow * SW - PL + b * DW;
          const inside = ih >= 0 && ih < H && iw >= 0 && iw < W;
          for (let c = 0; c < CG; c++) {
            let v: f32 = 0;
            if (inside) v = load<f32>(x + ((<usize>(ih * W + iw) * <usize>C + <usize>(c0 + c)) << 2));
            store<f32>(q, v);
            q += 4;
          }
        }
      }
    }
  }
}

/** Channels c0 .. c0+CG-1 of x (H x W x C) += folded col: the adjoint of im2col_nhwc. */
export function col2im_nhwc_f32_simd(
  col: usize, H: i32, W: i32, C: i32, c0: i32, CG: i32, KH: i32, KW: i32, SH: i32, SW: i32,
  PT: i32, PL: i32, DH: i32, DW: i32, HO: i32, WO: i32, x: usize,
): void {
  if (HO <= 0 || WO <= 0 || CG <= 0) return;
  const KC = KW * CG;
  const ps = <usize>C << 2;
  const xs = x + (<usize>c0 << 2);
  const contiguous = DW == 1 && CG == C;
  let q = col;
  for (let oh = 0; oh < HO; oh++) {
    for (let ow = 0; ow < WO; ow++) {
      const iw0 = ow * SW - PL;
      const lo = firstInside(iw0, DW, KW);
      const hi = endInside(iw0, DW, W, lo, KW);
      for (let a = 0; a < KH; a++) {
        const ih = oh * SH - PT + a * DH;
        if (ih >= 0 && ih < H) {
          const pix = ih * W + iw0; // pixel index of tap b is pix + b*DW (>= 0 for lo <= b < hi)
          if (contiguous) {
            addRunSimd(xs + <usize>(pix + lo) * ps, q + (<usize>(lo * CG) << 2), (hi - lo) * CG);
          } else {
            for (let b = lo; b < hi; b++) {
              addRunSimd(xs + <usize>(pix + b * DW) * ps, q + (<usize>(b * CG) << 2), CG);
            }
          }
        }
        q += <usize>KC << 2;
      }
    }
  }
}

/** Scalar twin of col2im_nhwc_f32_simd (same order, bitwise the same result). */
export function col2im_nhwc_f32_scalar(
  col: usize, H: i32, W: i32, C: i32, c0: i32, CG: i32, KH: i32, KW: i32, SH: i32, SW: i32,
  PT: i32, PL: i32, DH: i32, DW: i32, HO: i32, WO: i32, x: usize,
): void {
  let q = col;
  for (let oh = 0; oh < HO; oh++) {
    for (let ow = 0; ow < WO; ow++) {
      for (let a = 0; a < KH; a++) {
        const ih = oh * SH - PT + a * DH;
        for (let b = 0; b < KW; b++) {
          const iw = ow * SW - PL + b * DW;
          const inside = ih >= 0 && ih < H && iw >= 0 && iw < W;
          for (let c = 0; c < CG; c++) {
            if (inside) {
              const p = x + ((<usize>(ih * W + iw) * <usize>C + <usize>(c0 + c)) << 2);
              store<f32>(p, load<f32>(p) + load<f32>(q));
            }
            q += 4;
          }
        }
      }
    }
  }
}
