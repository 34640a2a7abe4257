// Winograd F(2x2, 3x3) convolution of NCHW images: stride 1, dilation 1, one group.
//
//   y[n, co, oh, ow] = Σ_ci Σ_{a,b<3} w(co, ci, a, b) · x[n, ci, oh - PT + a, ow - PL + b]
//   (x is 0 outside its H x W planes; PT, PL any integers, so the input gradient's cropping fits)
//
// The output is cut into 2x2 tiles, TH = ceil(HO/2) by TW = ceil(WO/2) per image, numbered
// t = (n*TH + th)*TW4 + tw over the batch, TW4 = TW rounded up to a multiple of 4: every group of
// 4 tiles (t a multiple of 4) lies in one tile row; tiles tw >= TW pad the row (computed, never
// stored). A tile reads the 4x4 input patch d at rows 2th - PT ..,
// columns 2tw - PL .. and computes, with ξ = 4i + j indexing a 4x4 array:
//
//   V = Bᵀ d B        B  = [[1,0,0,0], [0,1,-1,1], [-1,1,1,0], [0,0,0,-1]]
//   U = G g Gᵀ        G  = [[1,0,0], [.5,.5,.5], [.5,-.5,.5], [0,0,1]]   (per co, ci)
//   M[ξ](co) = Σ_ci U[ξ](co, ci) · V[ξ](ci)                               (16 GEMMs)
//   y tile = Aᵀ M A   Aᵀ = [[1,1,1,0], [0,1,-1,-1]]                        (+ bias[co])
//
// Arithmetic order (fixed, the same in the _simd and _scalar twins, so they agree bitwise; no
// fused multiply-add): every 2-D transform applies its row combination first, then its column
// combination, each as written below (left to right); a GEMM sum is s = 0; s = s + u·v over
// ci = 0 .. CI-1 in order; the bias is added last.
//
// Layouts (floats, byte addresses, 16-byte aligned where vectors are stored):
//   U  [16][CO4/4][CI][4], CO4 = CO rounded up to a multiple of 4 (rows co >= CO are 0): the 4
//      output channels of a register tile are adjacent for each ci.
//   V  [16][np][CI][8]  the transformed input of a block of up to TB tiles (np = panels of 8).
//   M  [16][np][CO4][8] the GEMM results of that block.
//
// winograd_conv work block (16-byte aligned, one per concurrent call): WINO_WORK_BYTES +
// 64*TB*(CI + CO4) bytes. Its first int32 is written at the end: 1 when some output written was
// NaN or ±Inf (Winograd spreads a non-finite value over its tile, so the caller recomputes such
// a call directly), else 0.

/** Bytes of a work block before V and M: the flag (16), 16 staged vectors (256), 4 spare vectors (64). */
const WINO_WORK_BYTES: usize = 336;

// ---------------------------------------------------------------------------------------------
// Weight transform.

/**
 * U = G g Gᵀ for every (co, ci). meta: int32[6] = CO, CI, so, si, sa, sb: element (co, ci, a, b)
 * of the 3x3 kernels is the f32 at w + co*so + ci*si + a*sa + b*sb (byte strides, any sign: a
 * transposed or flipped weight needs no copy). u receives 16*CO4*CI floats.
 */
export function winograd_weight_f32_simd(w: usize, meta: usize, u: usize): void {
  const CO = load<i32>(meta), CI = load<i32>(meta, 4);
  const so = <isize>load<i32>(meta, 8), si = <isize>load<i32>(meta, 12), sa = <isize>load<i32>(meta, 16), sb = <isize>load<i32>(meta, 20);
  const CB = (CO + 3) >> 2;
  const xs = <usize>(CB * CI) << 4; // bytes between ξ planes of U
  const half = f32x4.splat(0.5);
  for (let cb = 0; cb < CB; cb++) {
    for (let ci = 0; ci < CI; ci++) {
      // g[a][b] of the 4 output channels 4cb .. 4cb+3 (0 past CO) gathered into U's first 9 ξ
      // planes of this (cb, ci), then read back as one vector each before any is overwritten.
      const dst = u + ((<usize>(cb * CI + ci)) << 4);
      for (let l = 0; l < 4; l++) {
        const co = cb * 4 + l;
        const p = w + <usize>(<isize>co * so + <isize>ci * si);
        for (let k = 0; k < 9; k++) {
          const a = k / 3, b = k - a * 3;
          store<f32>(dst + <usize>k * xs + (<usize>l << 2), co < CO ? load<f32>(p + <usize>(<isize>a * sa + <isize>b * sb)) : 0);
        }
      }
      const g0 = v128.load(dst), g1 = v128.load(dst + xs), g2 = v128.load(dst + 2 * xs), g3 = v128.load(dst + 3 * xs);
      const g4 = v128.load(dst + 4 * xs), g5 = v128.load(dst + 5 * xs), g6 = v128.load(dst + 6 * xs), g7 = v128.load(dst + 7 * xs);
      const g8 = v128.load(dst + 8 * xs);
      // Rows: G g (4 x 3); then columns: (G g) Gᵀ, one output row at a time.
      weightRow(g0, g1, g2, dst, xs, half);
      weightRow(f32x4.mul(f32x4.add(f32x4.add(g0, g6), g3), half), f32x4.mul(f32x4.add(f32x4.add(g1, g7), g4), half),
        f32x4.mul(f32x4.add(f32x4.add(g2, g8), g5), half), dst + 4 * xs, xs, half);
      weightRow(f32x4.mul(f32x4.sub(f32x4.add(g0, g6), g3), half), f32x4.mul(f32x4.sub(f32x4.add(g1, g7), g4), half),
        f32x4.mul(f32x4.sub(f32x4.add(g2, g8), g5), half), dst + 8 * xs, xs, half);
      weightRow(g6, g7, g8, dst + 12 * xs, xs, half);
    }
  }
}

/** One row of U: (t0, ((t0 + t2) + t1)·½, ((t0 + t2) - t1)·½, t2) stored ξ-plane by ξ-plane. */
function weightRow(t0: v128, t1: v128, t2: v128, dst: usize, xs: usize, half: v128): void {
  const s = f32x4.add(t0, t2);
  v128.store(dst, t0);
  v128.store(dst + xs, f32x4.mul(f32x4.add(s, t1), half));
  v128.store(dst + 2 * xs, f32x4.mul(f32x4.sub(s, t1), half));
  v128.store(dst + 3 * xs, t2);
}

/** Scalar twin of winograd_weight_f32_simd (bitwise the same U). */
export function winograd_weight_f32_scalar(w: usize, meta: usize, u: usize): void {
  const CO = load<i32>(meta), CI = load<i32>(meta, 4);
  const so = <isize>load<i32>(meta, 8), si = <isize>load<i32>(meta, 12), sa = <isize>load<i32>(meta, 16), sb = <isize>load<i32>(meta, 20);
  const CB = (CO + 3) >> 2;
  const xs = <usize>(CB * CI) << 4;
  for (let co = 0; co < CB * 4; co++) {
    for (let ci = 0; ci < CI; ci++) {
      const dst = u + ((<usize>((co >> 2) * CI + ci)) << 4) + (<usize>(co & 3) << 2);
      for (let b = 0; b < 3; b++) {
        // Column b of G g, kept in the spare lanes of U's rows while the column pass runs.
        let g0: f32 = 0, g1: f32 = 0, g2: f32 = 0;
        if (co < CO) {
          const p = w + <usize>(<isize>co * so + <isize>ci * si + <isize>b * sb);
          g0 = load<f32>(p);
          g1 = load<f32>(p + <usize>sa);
          g2 = load<f32>(p + <usize>(2 * sa));
        }
        const s = g0 + g2;
        store<f32>(dst + (<usize>b) * xs, g0);
        store<f32>(dst + (<usize>(4 + b)) * xs, (s + g1) * 0.5);
        store<f32>(dst + (<usize>(8 + b)) * xs, (s - g1) * 0.5);
        store<f32>(dst + (<usize>(12 + b)) * xs, g2);
      }
      for (let i = 0; i < 4; i++) {
        const r = dst + (<usize>(4 * i)) * xs;
        const t0 = load<f32>(r), t1 = load<f32>(r + xs), t2 = load<f32>(r + 2 * xs);
        const s = t0 + t2;
        store<f32>(r + xs, (s + t1) * 0.5);
        store<f32>(r + 2 * xs, (s - t1) * 0.5);
        store<f32>(r + 3 * xs, t2);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The convolution: blocks of TB tiles; per block, the input transform into V, the 16 GEMMs into
// M, the output transform into y.

/**
 * Tiles t0 .. t1-1 (global numbering, see the header; t0 and t1 multiples of 4) of
 * y = conv(x, w) (+ bias). geo: int32[9]
 * = CI, H, W, PT, PL, HO, WO, CO, TB (TB a positive multiple of 8). x: the batch's input
 * [N][CI][H][W]; u: winograd_weight's U; y: the output [N][CO][HO][WO] (only the tiles' elements
 * are written); bias: CO floats or 0; work: see the header.
 */
export function winograd_conv_f32_simd(x: usize, geo: usize, u: usize, t0: i32, t1: i32, y: usize, bias: usize, work: usize): void {
  const CI = load<i32>(geo), CO = load<i32>(geo, 28), TB = load<i32>(geo, 32);
  const CO4 = (CO + 3) & ~3;
  const v = work + WINO_WORK_BYTES;
  const m = v + (<usize>(CI * TB) << 6);
  let bad = f32x4.splat(0);
  for (let b0 = t0; b0 < t1; b0 += TB) {
    const nt = min(TB, t1 - b0), np = (nt + 7) >> 3;
    for (let g = 0; g < np * 2; g++) {
      const dst = v + (<usize>(g >> 1) * <usize>CI << 5) + (<usize>(g & 1) << 4), xs = <usize>(np * CI) << 5;
      if (b0 + g * 4 < t1) {
        inputGroup(x, geo, b0 + g * 4, dst, xs, work);
      } else {
        // The half panel past t1: zeros.
        for (let k: usize = 0; k < 16; k++) for (let ci: usize = 0; ci < <usize>CI; ci++) v128.store(dst + k * xs + (ci << 5), f32x4.splat(0));
      }
    }
    gemm16(u, v, m, CI, CO4, np);
    for (let g = 0; g < np * 2; g++) {
      if (b0 + g * 4 >= t1) break;
      bad = outputGroup(geo, b0 + g * 4, m + (<usize>(g >> 1) * <usize>CO4 << 5) + (<usize>(g & 1) << 4), <usize>(np * CO4) << 5, y, bias, work, bad);
    }
  }
  store<i32>(work, i32(!i32x4.all_true(f32x4.eq(bad, bad))));
}

/**
 * The input transform of tiles tg .. tg+3 (lanes; tg a multiple of 4, so one tile row) for every
 * input channel: V[ξ] of channel ci at dst + ci*32 + ξ*xs. Patches inside x are read with vector
 * loads straight from x; others (at its edges, or padding tiles) from a zeroed 4 x 12 copy.
 */
function inputGroup(x: usize, geo: usize, tg: i32, dst: usize, xs: usize, work: usize): void {
  const CI = load<i32>(geo), H = load<i32>(geo, 4), W = load<i32>(geo, 8), PT = load<i32>(geo, 12), PL = load<i32>(geo, 16);
  const HO = load<i32>(geo, 20), WO = load<i32>(geo, 24);
  const TH = (HO + 1) >> 1, TW = (WO + 1) >> 1, TW4 = (TW + 3) & ~3, TT = TH * TW4;
  const n = tg / TT, r = tg - n * TT, th = r / TW4, tw = r - th * TW4;
  const ih = 2 * th - PT, iw = 2 * tw - PL;
  const plane = <usize>(H * W) << 2, rs = <usize>W << 2;
  const stage = work + 16;
  const xn = x + <usize>n * <usize>CI * plane;
  if (ih >= 0 && ih + 4 <= H && iw >= 0 && iw + 10 <= W) {
    let p = xn + ((<usize>(ih * W + iw)) << 2);
    for (let ci = 0; ci < CI; ci++) {
      inputLoaded(p, rs, dst + (<usize>ci << 5), xs);
      p += plane;
    }
    return;
  }
  // Patches partly outside x: their 4 rows x 10 columns copied into a zeroed 4 x 12 block.
  const lo = iw < 0 ? -iw : 0, hi = W - iw < 10 ? W - iw : 10;
  for (let ci = 0; ci < CI; ci++) {
    for (let rr = 0; rr < 4; rr++) {
      const b = stage + <usize>(rr * 48);
      v128.store(b, f32x4.splat(0));
      v128.store(b, f32x4.splat(0), 16);
      v128.store(b, f32x4.splat(0), 32);
      if (<u32>(ih + rr) < <u32>H) {
        const src = xn + plane * <usize>ci + ((<usize>((ih + rr) * W + iw)) << 2);
        for (let c = lo; c < hi; c++) store<f32>(b + (<usize>c << 2), load<f32>(src + (<usize>c << 2)));
      }
    }
    inputLoaded(stage, 48, dst + (<usize>ci << 5), xs);
  }
}

/**
 * V of tile (th, tw) of image n, channel ci, one value at a time (the scalar twin's input
 * transform): V[ξ] stored at q + ξ*xs. The 4x4 patch (0 outside x) goes through d (16 floats).
 */
function tileInput(x: usize, CI: i32, H: i32, W: i32, PT: i32, PL: i32, n: i32, th: i32, tw: i32, ci: i32, d: usize, q: usize, xs: usize): void {
  const base = x + ((<usize>(n * CI + ci) * <usize>H * <usize>W) << 2);
  for (let rr = 0; rr < 4; rr++) {
    for (let b = 0; b < 4; b++) {
      const ih = 2 * th - PT + rr, iw = 2 * tw - PL + b;
      store<f32>(d + (<usize>(rr * 4 + b) << 2), <u32>ih < <u32>H && <u32>iw < <u32>W ? load<f32>(base + ((<usize>(ih * W + iw)) << 2)) : 0);
    }
  }
  for (let b = 0; b < 4; b++) {
    const p = d + (<usize>b << 2);
    const e0 = load<f32>(p), e1 = load<f32>(p, 16), e2 = load<f32>(p, 32), e3 = load<f32>(p, 48);
    store<f32>(p, e0 - e2);
    store<f32>(p, e1 + e2, 16);
    store<f32>(p, e2 - e1, 32);
    store<f32>(p, e1 - e3, 48);
  }
  for (let i = 0; i < 4; i++) {
    const p = d + (<usize>(i * 4) << 2);
    const c0 = load<f32>(p), c1 = load<f32>(p, 4), c2 = load<f32>(p, 8), c3 = load<f32>(p, 12);
    const o = q + <usize>(4 * i) * xs;
    store<f32>(o, c0 - c2);
    store<f32>(o + xs, c1 + c2);
    store<f32>(o + 2 * xs, c2 - c1);
    store<f32>(o + 3 * xs, c1 - c3);
  }
}

/** V of 4 tiles of one tile row (see inputGroup) from their 4 x 10 input block at p (row stride rs bytes). */
function inputLoaded(p: usize, rs: usize, q: usize, xs: usize): void {
  const p1 = p + rs, p2 = p1 + rs, p3 = p2 + rs;
  // Each row as columns 0 .. 7 (a, b) and 2 .. 9 (c, d).
  const r1a = v128.load(p1), r1b = v128.load(p1, 16), r1c = v128.load(p1, 8), r1d = v128.load(p1, 24);
  const r2a = v128.load(p2), r2b = v128.load(p2, 16), r2c = v128.load(p2, 8), r2d = v128.load(p2, 24);
  inputRowLoaded(f32x4.sub(v128.load(p), r2a), f32x4.sub(v128.load(p, 16), r2b), f32x4.sub(v128.load(p, 8), r2c), f32x4.sub(v128.load(p, 24), r2d), q, xs);
  inputRowLoaded(f32x4.add(r1a, r2a), f32x4.add(r1b, r2b), f32x4.add(r1c, r2c), f32x4.add(r1d, r2d), q + 4 * xs, xs);
  inputRowLoaded(f32x4.sub(r2a, r1a), f32x4.sub(r2b, r1b), f32x4.sub(r2c, r1c), f32x4.sub(r2d, r1d), q + 8 * xs, xs);
  inputRowLoaded(f32x4.sub(r1a, v128.load(p3)), f32x4.sub(r1b, v128.load(p3, 16)), f32x4.sub(r1c, v128.load(p3, 8)), f32x4.sub(r1d, v128.load(p3, 24)), q + 12 * xs, xs);
}

/**
 * One row i of V from the row combination of the patch rows, given as the loaded columns
 * lo = iw .. iw+3, lo2 = iw+4 .. iw+7, hi = iw+2 .. iw+5, hi2 = iw+6 .. iw+9 (lane l = tile l,
 * whose column b is iw + 2l + b).
 */
@inline
function inputRowLoaded(lo: v128, lo2: v128, hi: v128, hi2: v128, dst: usize, xs: usize): void {
  inputRow(
    v128.shuffle<f32>(lo, lo2, 0, 2, 4, 6), v128.shuffle<f32>(lo, lo2, 1, 3, 5, 7),
    v128.shuffle<f32>(hi, hi2, 0, 2, 4, 6), v128.shuffle<f32>(hi, hi2, 1, 3, 5, 7), dst, xs);
}

/** V[i][0..3] = (c0 - c2, c1 + c2, c2 - c1, c1 - c3) from one row of the row combination. */
@inline
function inputRow(c0: v128, c1: v128, c2: v128, c3: v128, dst: usize, xs: usize): void {
  v128.store(dst, f32x4.sub(c0, c2));
  v128.store(dst + xs, f32x4.add(c1, c2));
  v128.store(dst + 2 * xs, f32x4.sub(c2, c1));
  v128.store(dst + 3 * xs, f32x4.sub(c1, c3));
}

/**
 * The 16 GEMMs of a block: M[ξ][p][co][0..7] = Σ_ci U[ξ](co, ci) · V[ξ][p][ci][0..7], in register
 * tiles of 4 output channels x 8 tiles (8 accumulators, 4 splats, 2 panel vectors).
 */
function gemm16(u: usize, v: usize, m: usize, CI: i32, CO4: i32, np: i32): void {
  const kspan = <usize>CI << 5, ublock = <usize>CI << 4;
  for (let xi = 0; xi < 16; xi++) {
    const ux = u + <usize>xi * <usize>(CO4 >> 2) * ublock;
    const vx = v + <usize>xi * <usize>np * kspan;
    const mx = m + ((<usize>xi * <usize>np * <usize>CO4) << 5);
    for (let p = 0; p < np; p++) {
      const pb0 = vx + <usize>p * kspan, pe = pb0 + kspan;
      let pc = mx + ((<usize>p * <usize>CO4) << 5);
      let pa0 = ux;
      for (let cb = 0; cb < CO4; cb += 4) {
        let c00 = f32x4.splat(0), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
        let pa = pa0, pb = pb0;
        while (pb < pe) {
          const b0 = v128.load(pb), b1 = v128.load(pb, 16);
          const a0 = v128.load32_splat(pa), a1 = v128.load32_splat(pa, 4), a2 = v128.load32_splat(pa, 8), a3 = v128.load32_splat(pa, 12);
          c00 = f32x4.add(c00, f32x4.mul(a0, b0));
          c01 = f32x4.add(c01, f32x4.mul(a0, b1));
          c10 = f32x4.add(c10, f32x4.mul(a1, b0));
          c11 = f32x4.add(c11, f32x4.mul(a1, b1));
          c20 = f32x4.add(c20, f32x4.mul(a2, b0));
          c21 = f32x4.add(c21, f32x4.mul(a2, b1));
          c30 = f32x4.add(c30, f32x4.mul(a3, b0));
          c31 = f32x4.add(c31, f32x4.mul(a3, b1));
          pa += 16;
          pb += 32;
        }
        v128.store(pc, c00);
        v128.store(pc, c01, 16);
        v128.store(pc, c10, 32);
        v128.store(pc, c11, 48);
        v128.store(pc, c20, 64);
        v128.store(pc, c21, 80);
        v128.store(pc, c30, 96);
        v128.store(pc, c31, 112);
        pc += 128;
        pa0 += ublock;
      }
    }
  }
}

/**
 * The output transform of tiles tg .. tg+3 (tg a multiple of 4) for every output channel, from
 * M[ξ] of channel co at src + co*32 + ξ*xs; returns `bad` plus 0·(each output written) (NaN once
 * one is not finite). Four tiles whose outputs all lie inside y are stored as two vectors per
 * output row; others element by element, padding tiles not at all.
 */
function outputGroup(geo: usize, tg: i32, src: usize, xs: usize, y: usize, bias: usize, work: usize, bad: v128): v128 {
  const HO = load<i32>(geo, 20), WO = load<i32>(geo, 24), CO = load<i32>(geo, 28);
  const TH = (HO + 1) >> 1, TW = (WO + 1) >> 1, TW4 = (TW + 3) & ~3, TT = TH * TW4;
  const n = tg / TT, r = tg - n * TT, th = r / TW4, tw = r - th * TW4;
  const plane = <usize>(HO * WO) << 2, rs = <usize>WO << 2;
  const zero = f32x4.splat(0);
  const fast = 2 * th + 2 <= HO && 2 * tw + 8 <= WO;
  let yp = y + <usize>n * <usize>CO * plane + ((<usize>(2 * th * WO + 2 * tw)) << 2);
  const tmp = work + 272;
  for (let co = 0; co < CO; co++) {
    const q = src + (<usize>co << 5);
    // Row combination, column j at a time: s_j = (m0j + m1j) + m2j, d_j = (m1j - m2j) - m3j.
    let m1 = v128.load(q + 4 * xs), m2 = v128.load(q + 8 * xs);
    const s0 = f32x4.add(f32x4.add(v128.load(q), m1), m2), d0 = f32x4.sub(f32x4.sub(m1, m2), v128.load(q + 12 * xs));
    m1 = v128.load(q + 5 * xs); m2 = v128.load(q + 9 * xs);
    const s1 = f32x4.add(f32x4.add(v128.load(q + xs), m1), m2), d1 = f32x4.sub(f32x4.sub(m1, m2), v128.load(q + 13 * xs));
    m1 = v128.load(q + 6 * xs); m2 = v128.load(q + 10 * xs);
    const s2 = f32x4.add(f32x4.add(v128.load(q + 2 * xs), m1), m2), d2 = f32x4.sub(f32x4.sub(m1, m2), v128.load(q + 14 * xs));
    m1 = v128.load(q + 7 * xs); m2 = v128.load(q + 11 * xs);
    const s3 = f32x4.add(f32x4.add(v128.load(q + 3 * xs), m1), m2), d3 = f32x4.sub(f32x4.sub(m1, m2), v128.load(q + 15 * xs));
    let o00 = f32x4.add(f32x4.add(s0, s1), s2), o01 = f32x4.sub(f32x4.sub(s1, s2), s3);
    let o10 = f32x4.add(f32x4.add(d0, d1), d2), o11 = f32x4.sub(f32x4.sub(d1, d2), d3);
    if (bias) {
      const bv = v128.load32_splat(bias + (<usize>co << 2));
      o00 = f32x4.add(o00, bv);
      o01 = f32x4.add(o01, bv);
      o10 = f32x4.add(o10, bv);
      o11 = f32x4.add(o11, bv);
    }
    if (fast) {
      bad = f32x4.add(bad, f32x4.add(f32x4.add(f32x4.mul(o00, zero), f32x4.mul(o01, zero)), f32x4.add(f32x4.mul(o10, zero), f32x4.mul(o11, zero))));
      v128.store(yp, v128.shuffle<f32>(o00, o01, 0, 4, 1, 5));
      v128.store(yp, v128.shuffle<f32>(o00, o01, 2, 6, 3, 7), 16);
      v128.store(yp + rs, v128.shuffle<f32>(o10, o11, 0, 4, 1, 5));
      v128.store(yp + rs, v128.shuffle<f32>(o10, o11, 2, 6, 3, 7), 16);
      yp += plane;
    } else {
      v128.store(tmp, o00);
      v128.store(tmp, o01, 16);
      v128.store(tmp, o10, 32);
      v128.store(tmp, o11, 48);
      let b: f32 = 0;
      for (let l = 0; l < 4 && tw + l < TW; l++) b += storeTile(tmp + (<usize>l << 2), 16, y, n * CO + co, HO, WO, th, tw + l);
      bad = f32x4.add(bad, f32x4.splat(b));
    }
  }
  return bad;
}

/**
 * Stores output (i, j) of tile (th, tw), the f32 at src + (2i + j)*step, into plane p of y where
 * it lies inside HO x WO; returns the sum of 0·(each value stored).
 */
@inline
function storeTile(src: usize, step: usize, y: usize, p: i32, HO: i32, WO: i32, th: i32, tw: i32): f32 {
  let bad: f32 = 0;
  for (let i = 0; i < 2; i++) {
    const oh = 2 * th + i;
    if (oh >= HO) break;
    for (let j = 0; j < 2; j++) {
      const ow = 2 * tw + j;
      if (ow >= WO) break;
      const val = load<f32>(src + <usize>(2 * i + j) * step);
      bad += val * 0;
      store<f32>(y + ((<usize>(p * HO + oh) * <usize>WO + <usize>ow) << 2), val);
    }
  }
  return bad;
}

/** Scalar twin of winograd_conv_f32_simd: tile by tile, the same arithmetic in the same order. */
export function winograd_conv_f32_scalar(x: usize, geo: usize, u: usize, t0: i32, t1: i32, y: usize, bias: usize, work: usize): void {
  const CI = load<i32>(geo), H = load<i32>(geo, 4), W = load<i32>(geo, 8), PT = load<i32>(geo, 12), PL = load<i32>(geo, 16);
  const HO = load<i32>(geo, 20), WO = load<i32>(geo, 24), CO = load<i32>(geo, 28);
  const TH = (HO + 1) >> 1, TW = (WO + 1) >> 1, TW4 = (TW + 3) & ~3;
  const CB = (CO + 3) >> 2;
  const uxs = <usize>(CB * CI) << 4;
  const v = work + WINO_WORK_BYTES; // V[ξ][ci] of one tile
  const d = work + 16, mt = work + 80, o = work + 144; // 16 patch values, 16 M values, 4 outputs
  let bad: f32 = 0;
  for (let t = t0; t < t1; t++) {
    const n = t / (TH * TW4), r = t - n * TH * TW4, th = r / TW4, tw = r - th * TW4;
    if (tw >= TW) continue;
    for (let ci = 0; ci < CI; ci++) tileInput(x, CI, H, W, PT, PL, n, th, tw, ci, d, v + (<usize>ci << 2), <usize>CI << 2);
    for (let co = 0; co < CO; co++) {
      for (let xi = 0; xi < 16; xi++) {
        let s: f32 = 0;
        const ua = u + <usize>xi * uxs + ((<usize>((co >> 2) * CI)) << 4) + (<usize>(co & 3) << 2);
        const va = v + (<usize>(xi * CI) << 2);
        for (let ci = 0; ci < CI; ci++) s += load<f32>(ua + (<usize>ci << 4)) * load<f32>(va + (<usize>ci << 2));
        store<f32>(mt + (<usize>xi << 2), s);
      }
      for (let j = 0; j < 4; j++) {
        const q = mt + (<usize>j << 2);
        const m0 = load<f32>(q), m1 = load<f32>(q, 16), m2 = load<f32>(q, 32), m3 = load<f32>(q, 48);
        store<f32>(q, (m0 + m1) + m2);
        store<f32>(q, (m1 - m2) - m3, 16);
      }
      for (let i = 0; i < 2; i++) {
        const q = mt + (<usize>(i * 4) << 2);
        const s0 = load<f32>(q), s1 = load<f32>(q, 4), s2 = load<f32>(q, 8), s3 = load<f32>(q, 12);
        let a = (s0 + s1) + s2, b = (s1 - s2) - s3;
        if (bias) {
          const bv = load<f32>(bias + (<usize>co << 2));
          a = a + bv;
          b = b + bv;
        }
        store<f32>(o + (<usize>(2 * i) << 2), a);
        store<f32>(o + (<usize>(2 * i + 1) << 2), b);
      }
      bad += storeTile(o, 4, y, n * CO + co, HO, WO, th, tw);
    }
  }
  store<i32>(work, i32(bad != bad));
}
