// conv_few: the direct NCHW convolution for few input taps (K = C*KH*KW small, e.g. 3 -> 16
// channels 3x3, or LeNet's 1 -> 6 channels 5x5), vectorised along the output pixels of a row.
//
// Contract: exactly conv_nchw's (assembly/gemm.ts): the same arguments, the same geometry block
// geo (int32[14]: C, H, W, KH, KW, SH, SW, PT, PL, DH, DW, HO, WO, M), the band r0 .. r1-1 of
// output rows, w (M x K, row-major), y (M x HO*WO, rows of the band written, nothing else), bias
// (M floats, or 0), and the same summation order (s = 0; s = s + w(i, k) * col(k, j) for
// k = 0 .. K-1, zero padding multiplied like any other value; then s, or s + bias[i]), so both
// kernels give bitwise the same y. No fused multiply-add. Only the scratch differs: `work`, a
// 16-byte-aligned block of at least 16*K*min(ceil(M/2), 16) + 4*C*KH*SW*LP + 128 bytes (LP below;
// fewWorkBytes in src/ops/conv-forward.ts), not shared with a concurrent call.
//
// SIMD loops: over blocks of up to 32 output channels (ceil(M/32) blocks of even sizes); per
// block a tap table per channel pair (16 bytes a tap: both weights, then the tap's strip offset
// tab[k]; one pointer walks it, which keeps the tap loop's integer registers from spilling); per
// output row, the C*KH input rows its taps read are copied into a strip in `work` with the zero
// padding written out (rows outside x all zero), SW phases per row so that tap k of
// the pixels ow .. ow+15 is 16 consecutive floats of the strip at ow + tab[k]; the strip is
// C*KH*SW*LP floats (LP = (KW-1)*DW/SW + WO rounded up to 16). Then for every pair of output
// channels (the block's last one paired with itself when odd), tiles of 16 pixels: 8 accumulators
// + 4 strip vectors + 2 weight splats = 14 vector registers, the K taps in order. A row's last
// tile, when partial, is the row's last 16 pixels (overlapping the previous tile: the same
// sums), or, when WO < 16, goes through 2 x 16 floats of `work` and only its columns are stored.
import { madd } from './simd-util';
import { conv_nchw_f32_scalar } from './gemm';

/** Most output channels per block: the block's tap tables (up to BLOCK/2 pairs) are built once per call, its strip once per output row. */
const BLOCK = 32;

/** Floats per strip row phase: the span of the taps along a phase plus the row's 16-pixel tiles. */
@inline
function rowLength(KW: i32, DW: i32, SW: i32, WO: i32): i32 {
  return ((KW - 1) * DW) / SW + ((WO + 15) & ~15);
}

/**
 * One pair of output channels, one output row: the pixels 0 .. WO-1 written at q0 and q1 (the
 * same address when both channels are one). r .. re is the pair's tap table (16 bytes a tap: its
 * two weights, then its byte offset into the strip `s`); b0, b1 the bias splats (zero for
 * none: s + 0 is s, as s is never -0). `tmp` is 128 bytes for the partial last tile.
 */
function pairRow(s: usize, r: usize, re: usize, q0: usize, q1: usize, WO: i32, b0: v128, b1: v128, tmp: usize): void {
  for (let j0 = 0; j0 < WO; j0 += 16) {
    // A partial last tile: the last 16 pixels again where WO >= 16 (the same sums), else via tmp.
    const j = j0 + 16 > WO && WO >= 16 ? WO - 16 : j0;
    const full = j + 16 <= WO;
    const d0 = full ? q0 + (<usize>j << 2) : tmp, d1 = full ? q1 + (<usize>j << 2) : tmp + 64;
    const xs = s + (<usize>j << 2);
    let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0, c0 = a0, c1 = a0, c2 = a0, c3 = a0;
    for (let t = r; t < re; t += 16) {
      const p = xs + <usize>load<i32>(t, 8);
      const x0 = v128.load(p), x1 = v128.load(p, 16), x2 = v128.load(p, 32), x3 = v128.load(p, 48);
      const w0 = v128.load32_splat(t), w1 = v128.load32_splat(t, 4);
      a0 = madd(a0, x0, w0);
      a1 = madd(a1, x1, w0);
      a2 = madd(a2, x2, w0);
      a3 = madd(a3, x3, w0);
      c0 = madd(c0, x0, w1);
      c1 = madd(c1, x1, w1);
      c2 = madd(c2, x2, w1);
      c3 = madd(c3, x3, w1);
    }
    v128.store(d1, f32x4.add(c0, b1));
    v128.store(d1, f32x4.add(c1, b1), 16);
    v128.store(d1, f32x4.add(c2, b1), 32);
    v128.store(d1, f32x4.add(c3, b1), 48);
    v128.store(d0, f32x4.add(a0, b0));
    v128.store(d0, f32x4.add(a1, b0), 16);
    v128.store(d0, f32x4.add(a2, b0), 32);
    v128.store(d0, f32x4.add(a3, b0), 48);
    if (!full) {
      for (let l = 0; l < WO - j; l++) {
        const o = <usize>(j + l) << 2, e = <usize>l << 2;
        store<f32>(q1 + o, load<f32>(tmp + e, 64));
        store<f32>(q0 + o, load<f32>(tmp + e));
      }
    }
  }
}

/**
 * One strip row phase: d[j] = x[j*SW + p - PL] of the input row at xr, or 0 outside it (every
 * element 0 when xr is 0), for j < LP. At stride 1 the run inside the row is copied 4 at a time.
 */
function stripRow(d: usize, xr: usize, LP: i32, W: i32, PL: i32, SW: i32, p: i32): void {
  let j0 = -1, j1 = 0;
  if (SW == 1 && xr) {
    j0 = min(max(PL, 0), LP);
    j1 = j0 + (max(min(PL + W, LP) - j0, 0) & ~3);
  }
  let j = 0;
  while (j < LP) {
    if (j == j0) {
      for (; j < j1; j += 4) v128.store(d + (<usize>j << 2), v128.load(xr + (<usize>(j - PL) << 2)));
      j0 = -1;
      continue;
    }
    const iw = j * SW + p - PL;
    store<f32>(d + (<usize>j << 2), xr != 0 && <u32>iw < <u32>W ? load<f32>(xr + (<usize>iw << 2)) : 0);
    j++;
  }
}

/** The direct few-tap convolution (see the section header). */
export function conv_few_f32_simd(x: usize, geo: usize, r0: i32, r1: i32, w: usize, y: usize, bias: usize, work: usize): void {
  const C = load<i32>(geo), H = load<i32>(geo, 4), W = load<i32>(geo, 8), KH = load<i32>(geo, 12), KW = load<i32>(geo, 16);
  const SH = load<i32>(geo, 20), SW = load<i32>(geo, 24), PT = load<i32>(geo, 28), PL = load<i32>(geo, 32);
  const DH = load<i32>(geo, 36), DW = load<i32>(geo, 40), HO = load<i32>(geo, 44), WO = load<i32>(geo, 48), M = load<i32>(geo, 52);
  if (r1 <= r0 || WO <= 0 || M <= 0) return;
  const K = C * KH * KW, LP = rowLength(KW, DW, SW, WO), rows = C * KH * SW;
  // ceil(M / BLOCK) blocks of equal even sizes (the last one smaller), at most BLOCK channels each.
  const blocks = (M + BLOCK - 1) / BLOCK, bs = ((M + blocks - 1) / blocks + 1) & ~1;
  const tb = <usize>K * 16, tab = work, s = tab + <usize>(bs >> 1) * tb;
  const tmp = s + (<usize>(rows * LP) << 2), kb = <usize>K << 2, plane = <usize>(HO * WO) << 2;
  for (let m0 = 0; m0 < M; m0 += bs) {
    const m1 = min(m0 + bs, M);
    // The tap table of pair (i, i1) of the block: for k = (c*KH + a)*KW + b, w(i, k), w(i1, k),
    // then the byte offset of tap k's first pixel in the strip (16 bytes a tap).
    let t = tab;
    for (let i = m0; i < m1; i += 2) {
      const w0 = w + <usize>i * kb, w1 = i + 1 < m1 ? w0 + kb : w0;
      for (let ca = 0; ca < C * KH; ca++) {
        for (let b = 0; b < KW; b++) {
          const k = <usize>(ca * KW + b) << 2;
          store<f32>(t, load<f32>(w0 + k));
          store<f32>(t, load<f32>(w1 + k), 4);
          // The offsets are the same for every pair: computed for the first, copied for the others.
          const o = i == m0 ? ((ca * SW + (b * DW) % SW) * LP + (b * DW) / SW) << 2 : load<i32>(t - tb, 8);
          store<i32>(t, o, 8);
          t += 16;
        }
      }
    }
    for (let oh = r0; oh < r1; oh++) {
      // Strip row (c, a), phase p: element j is x[c][ih][j*SW + p - PL], ih = oh*SH - PT + a*DH, or 0 outside x.
      let d = s;
      for (let c = 0; c < C; c++) {
        for (let a = 0; a < KH; a++) {
          const ih = oh * SH - PT + a * DH;
          const xr = x + ((<usize>(c * H + ih) * <usize>W) << 2);
          for (let p = 0; p < SW; p++) {
            stripRow(d, <u32>ih < <u32>H ? xr : 0, LP, W, PL, SW, p);
            d += <usize>LP << 2;
          }
        }
      }
      const yr = y + (<usize>(oh * WO) << 2);
      let r = tab;
      for (let i = m0; i < m1; i += 2) {
        const i1 = i + 1 < m1 ? i + 1 : i;
        const b0 = bias ? v128.load32_splat(bias + (<usize>i << 2)) : f32x4.splat(0);
        const b1 = bias ? v128.load32_splat(bias + (<usize>i1 << 2)) : f32x4.splat(0);
        pairRow(s, r, r + tb, yr + <usize>i * plane, yr + <usize>i1 * plane, WO, b0, b1, tmp);
        r += tb;
      }
    }
  }
}

/** Scalar twin of conv_few_f32_simd: conv_nchw's scalar twin (the same contract and summation order). */
export function conv_few_f32_scalar(x: usize, geo: usize, r0: i32, r1: i32, w: usize, y: usize, bias: usize, work: usize): void {
  conv_nchw_f32_scalar(x, geo, r0, r1, w, y, bias, work);
}


// ---------------------------------------------------------------------------------------------
// conv_oc: the direct NCHW convolution for small images (e.g. LeNet's 6 -> 16 channels 5x5 on
// 14x14), vectorised along the output channels, so rows of 10 output pixels waste no lanes and
// nothing is packed per call.
//
// Contract: conv_nchw's arguments, results and summation order (bitwise the same y; see conv_few
// above), except: M is 16, strides and dilations are 1, every tap lies inside x (PT and PL in geo are 0: callers pad x), w is
// K x 16 (column i: output channel i; k = (c*KH + a)*KW + b as in conv_nchw), and `work` is
// 128 bytes, 16-byte aligned, not shared with a concurrent call.
//
// SIMD loops: tiles of 2 pixels of one output row (the last pixel of a row of odd width alone): 8 accumulators + 4 weight vectors + 2 input splats = 14 vector
// registers, the taps in order, a row (c, a) of the kernel at a time. The tile goes through
// `work` into y.

/** The convolution vectorised along the output channels (see the section header). */
export function conv_oc_f32_simd(x: usize, geo: usize, r0: i32, r1: i32, w: usize, y: usize, bias: usize, work: usize): void {
  const C = load<i32>(geo), H = load<i32>(geo, 4), W = load<i32>(geo, 8), KH = load<i32>(geo, 12), KW = load<i32>(geo, 16);
  const HO = load<i32>(geo, 44), WO = load<i32>(geo, 48);
  const j1 = r1 * WO, plane = <usize>(HO * WO) << 2;
  // Kernel row (c, a) starts (c*H + a)*W floats after an output's top-left input element: a step
  // of one row, and of H - KH more rows after each channel's last kernel row.
  const kwb = <usize>KW << 6, rowb = <usize>W << 2, chb = <usize>((H - KH) * W) << 2;
  const pe = w + <usize>(C * KH) * kwb;
  for (let j = r0 * WO; j < j1; j += 2) {
    // Pixels j and j + 1 of one output row (an odd row's last pixel paired with itself).
    const oh = j / WO, ow = j - oh * WO, two = ow + 1 < WO;
    const p0 = x + (<usize>(oh * W + ow) << 2), p1 = two ? p0 + 4 : p0;
    if (!two) j--;
    let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0, c0 = a0, c1 = a0, c2 = a0, c3 = a0;
    let pw = w, o: usize = 0, a = 0;
    while (pw < pe) {
      let q0 = p0 + o, q1 = p1 + o;
      const qe = pw + kwb;
      while (pw < qe) {
        const w0 = v128.load(pw), w1 = v128.load(pw, 16), w2 = v128.load(pw, 32), w3 = v128.load(pw, 48);
        const s0 = v128.load32_splat(q0), s1 = v128.load32_splat(q1);
        a0 = madd(a0, w0, s0);
        a1 = madd(a1, w1, s0);
        a2 = madd(a2, w2, s0);
        a3 = madd(a3, w3, s0);
        c0 = madd(c0, w0, s1);
        c1 = madd(c1, w1, s1);
        c2 = madd(c2, w2, s1);
        c3 = madd(c3, w3, s1);
        pw += 64;
        q0 += 4;
        q1 += 4;
      }
      o += rowb;
      if (++a == KH) {
        a = 0;
        o += chb;
      }
    }
    v128.store(work, a0);
    v128.store(work, a1, 16);
    v128.store(work, a2, 32);
    v128.store(work, a3, 48);
    v128.store(work, c0, 64);
    v128.store(work, c1, 80);
    v128.store(work, c2, 96);
    v128.store(work, c3, 112);
    for (let l = 0; l < 16; l++) {
      const b: f32 = bias ? load<f32>(bias + (<usize>l << 2)) : 0;
      const d = y + <usize>l * plane + (<usize>(oh * WO + ow) << 2), v = work + (<usize>l << 2);
      store<f32>(d, load<f32>(v) + b);
      if (two) store<f32>(d, load<f32>(v, 64) + b, 4);
    }
  }
}

/** Scalar twin of conv_oc_f32_simd: one sequential sum per output (the same order). */
export function conv_oc_f32_scalar(x: usize, geo: usize, r0: i32, r1: i32, w: usize, y: usize, bias: usize, work: usize): void {
  const C = load<i32>(geo), H = load<i32>(geo, 4), W = load<i32>(geo, 8), KH = load<i32>(geo, 12), KW = load<i32>(geo, 16);
  const SH = load<i32>(geo, 20), SW = load<i32>(geo, 24), DH = load<i32>(geo, 36), DW = load<i32>(geo, 40);
  const HO = load<i32>(geo, 44), WO = load<i32>(geo, 48);
  for (let i = 0; i < 16; i++) {
    const wi = w + (<usize>i << 2);
    for (let j = r0 * WO; j < r1 * WO; j++) {
      const oh = j / WO, ow = j - oh * WO;
      let s: f32 = 0;
      let k = 0;
      for (let c = 0; c < C; c++) {
        for (let a = 0; a < KH; a++) {
          for (let b = 0; b < KW; b++) {
            const v = load<f32>(x + ((<usize>(c * H + oh * SH + a * DH) * <usize>W + <usize>(ow * SW + b * DW)) << 2));
            s += load<f32>(wi + (<usize>k << 6)) * v;
            k++;
          }
        }
      }
      if (bias) s = s + load<f32>(bias + (<usize>i << 2));
      store<f32>(y + ((<usize>i * <usize>(HO * WO) + <usize>j) << 2), s);
    }
  }
}
