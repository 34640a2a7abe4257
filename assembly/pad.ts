// pad2d: border padding of a stack of images for conv2d's paddingMode, and its adjoint.
//
// x is [P, H, W, E] and y is [P, HO, WO, E] with HO = PT + H + PB, WO = PL + W + PR: P planes
// of H rows of W cells, each cell a contiguous run of E floats (NCHW: P = N*C, E = 1; NHWC:
// P = N, E = C). Byte addresses, f32, any 4-byte alignment; counts in elements. y and x never
// overlap.
//
//   y[p, i, j, e] = x[p, src(i - PT, H), src(j - PL, W), e]   (0 where src gives -1)
//
// where src(t, n) is t inside [0, n) and outside by mode:
//   ZEROS 0: -1 · REFLECT 1: -t or 2(n-1) - t (no edge repeat) · REPLICATE 2: 0 or n-1 ·
//   CIRCULAR 3: t + n or t - n.
// The caller guarantees the pads fit the mode: REFLECT pad < n, CIRCULAR pad <= n.
//
// pad2d_backward is the adjoint: dx = 0, then every dy cell is added into the x cell it was read
// from, in the order rows of dy (top to bottom), and within a row the W inner cells, then the
// left border cells, then the right ones. The _simd and _scalar twins add in the same order per
// element, so they give bitwise the same result.

const ZEROS = 0;
const REFLECT = 1;
const REPLICATE = 2;

/** The source index of padded position t along an axis of length n (see the header); -1: zero. */
@inline
function src(t: i32, n: i32, mode: i32): i32 {
  if (t >= 0 && t < n) return t;
  if (mode == ZEROS) return -1;
  if (mode == REFLECT) return t < 0 ? -t : 2 * (n - 1) - t;
  if (mode == REPLICATE) return t < 0 ? 0 : n - 1;
  return t < 0 ? t + n : t - n;
}

/** d[0 .. n) = s[0 .. n) (s null: zeros). */
@inline
function copyRun(d: usize, s: usize, n: i32, simd: bool): void {
  const e = d + (<usize>n << 2);
  if (simd) {
    const z = f32x4.splat(0);
    while (d + 16 <= e) {
      v128.store(d, s ? v128.load(s) : z);
      d += 16;
      if (s) s += 16;
    }
  }
  while (d < e) {
    store<f32>(d, s ? load<f32>(s) : 0);
    d += 4;
    if (s) s += 4;
  }
}

/** d[0 .. n) += s[0 .. n). */
@inline
function addRun(d: usize, s: usize, n: i32, simd: bool): void {
  const e = d + (<usize>n << 2);
  if (simd) {
    while (d + 16 <= e) {
      v128.store(d, f32x4.add(v128.load(d), v128.load(s)));
      d += 16;
      s += 16;
    }
  }
  while (d < e) {
    store<f32>(d, load<f32>(d) + load<f32>(s));
    d += 4;
    s += 4;
  }
}

/** Columns j0 .. j1-1 of one padded row: each cell from (or into) its source cell of the x row. */
function borderCells(yrow: usize, xrow: usize, j0: i32, j1: i32, PL: i32, W: i32, E: i32, mode: i32, backward: bool, simd: bool): void {
  const cell = <usize>E << 2;
  for (let j = j0; j < j1; j++) {
    const sc = src(j - PL, W, mode);
    const yc = yrow + <usize>j * cell;
    if (backward) {
      if (sc >= 0) addRun(xrow + <usize>sc * cell, yc, E, simd);
    } else {
      copyRun(yc, sc >= 0 ? xrow + <usize>sc * cell : 0, E, simd);
    }
  }
}

// One body for both directions and both twins (the flags are arguments, not inlined constants):
// the kernel is rarely hot next to the convolution it feeds, and this keeps the module small.
function pad2d(y: usize, x: usize, P: i32, H: i32, W: i32, E: i32, PT: i32, PB: i32, PL: i32, PR: i32, mode: i32, backward: bool, simd: bool): void {
  const HO = PT + H + PB, WO = PL + W + PR;
  const xrowBytes = <usize>W * <usize>E << 2, yrowBytes = <usize>WO * <usize>E << 2;
  for (let p = 0; p < P; p++) {
    const xp = x + <usize>p * <usize>H * xrowBytes, yp = y + <usize>p * <usize>HO * yrowBytes;
    if (backward) copyRun(xp, 0, H * W * E, simd);
    for (let i = 0; i < HO; i++) {
      const sr = src(i - PT, H, mode);
      const yrow = yp + <usize>i * yrowBytes;
      if (sr < 0) {
        if (!backward) copyRun(yrow, 0, WO * E, simd);
        continue;
      }
      const xrow = xp + <usize>sr * xrowBytes, inner = yrow + (<usize>PL * <usize>E << 2);
      if (backward) addRun(xrow, inner, W * E, simd);
      else copyRun(inner, xrow, W * E, simd);
      borderCells(yrow, xrow, 0, PL, PL, W, E, mode, backward, simd);
      borderCells(yrow, xrow, PL + W, WO, PL, W, E, mode, backward, simd);
    }
  }
}

/** y [P, PT+H+PB, PL+W+PR, E] = x [P, H, W, E] padded by `mode` (see the header). */
export function pad2d_f32_simd(y: usize, x: usize, P: i32, H: i32, W: i32, E: i32, PT: i32, PB: i32, PL: i32, PR: i32, mode: i32): void {
  pad2d(y, x, P, H, W, E, PT, PB, PL, PR, mode, false, true);
}

export function pad2d_f32_scalar(y: usize, x: usize, P: i32, H: i32, W: i32, E: i32, PT: i32, PB: i32, PL: i32, PR: i32, mode: i32): void {
  pad2d(y, x, P, H, W, E, PT, PB, PL, PR, mode, false, false);
}

/** dx [P, H, W, E] = the adjoint of pad2d applied to dy [P, PT+H+PB, PL+W+PR, E] (see the header). */
export function pad2d_backward_f32_simd(dx: usize, dy: usize, P: i32, H: i32, W: i32, E: i32, PT: i32, PB: i32, PL: i32, PR: i32, mode: i32): void {
  pad2d(dy, dx, P, H, W, E, PT, PB, PL, PR, mode, true, true);
}

export function pad2d_backward_f32_scalar(dx: usize, dy: usize, P: i32, H: i32, W: i32, E: i32, PT: i32, PB: i32, PL: i32, PR: i32, mode: i32): void {
  pad2d(dy, dx, P, H, W, E, PT, PB, PL, PR, mode, true, false);
}
