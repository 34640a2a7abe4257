// Border padding of activations for conv2d's paddingMode (PyTorch's F.pad with mode 'reflect',
// 'replicate' or 'circular'), and its backward rule, on the strided-copy and add kernels (both
// SIMD with scalar twins; no kernel of its own, which keeps the release module small).
//
// The index map is separable: y[p, i, j] = x[p, src(i - PT, H), src(j - PL, W)] (cells of E
// floats: NCHW planes are [N*C, H, W, 1], NHWC ones [N, H, W, C]), so the forward copies the
// interior, then each border column of the interior rows, then each border row (whole padded
// rows). The adjoint folds dy the same way backwards: rows first (each border row added into the
// row it was copied from), then columns; every element's sum runs in a fixed order, so results
// are the same bits on every runtime and in both kernel variants' agreement tests.
import { ArgumentError, shapeStr } from '../errors.js';
import { DIMS, Tensor, empty } from '../tensor.js';
import { kernels } from '../wasm/kernels.js';
import { F32_BYTES } from '../wasm/memory.js';
import { Slot, scratch, writeMeta } from '../wasm/runtime.js';
import { stridesOf } from '../layout.js';
import { needsGrad, record } from '../autograd/node.js';
import { collapse, copyStrided } from './strided.js';
import type { PaddingMode } from './conv-options.js';

/** Padding [top, bottom, left, right], each >= 0. */
export type Pads = readonly [number, number, number, number];

/**
 * Throws unless the pads fit the mode, with PyTorch's rules: 'reflect' needs each pad smaller
 * than its axis, 'circular' at most its axis (it wraps around once).
 */
export function checkPadsFit(op: string, mode: PaddingMode, pads: Pads, H: number, W: number, xShape: readonly number[]): void {
  if (mode !== 'reflect' && mode !== 'circular') return;
  pads.forEach((p, i) => {
    const n = i < 2 ? H : W;
    if (mode === 'reflect' ? p >= n : p > n) {
      throw new ArgumentError(op, 'padding', `${mode === 'reflect' ? 'smaller than' : 'no larger than'} the input ${i < 2 ? 'height' : 'width'} ${n} for paddingMode '${mode}'`,
        `${p} (input ${shapeStr(xShape)})`);
    }
  });
}

/** The source of padded position t on an axis of n (the pads fit: see checkPadsFit). */
function src(t: number, n: number, mode: PaddingMode): number {
  if (t >= 0 && t < n) return t;
  if (mode === 'reflect') return t < 0 ? -t : 2 * (n - 1) - t;
  if (mode === 'replicate') return t < 0 ? 0 : n - 1;
  return t < 0 ? t + n : t - n;
}

/** The padded positions of an axis outside its data, in order: 0 .. before-1, then before+n .. before+n+after-1. */
function border(before: number, n: number, after: number): number[] {
  const out: number[] = [];
  for (let t = 0; t < before; t++) out.push(t);
  for (let t = before + n; t < before + n + after; t++) out.push(t);
  return out;
}

/** dst[idx] += from[idx] over `shape` (strides in elements), through the contiguous scratch `tmp`. */
function fold(op: string, dst: number, dstStrides: number[], from: number, fromStrides: number[], shape: number[], tmp: number): void {
  const cont = stridesOf(shape);
  copyStrided(op, tmp, dst, shape, cont, dstStrides);
  const [dims, [sa, sb]] = collapse(shape, cont, fromStrides);
  kernels.add(tmp, tmp, from, writeMeta(op, dims, sa!, sb!), dims.length);
  copyStrided(op, dst, tmp, shape, dstStrides, cont);
}

/**
 * x (3-D or 4-D, NCHW or NHWC; validated by the caller, pads checked by checkPadsFit) padded by
 * `pads` with a border mode: a new tensor, differentiable.
 */
export function pad2d(op: string, x: Tensor, pads: Pads, mode: PaddingMode, nhwc: boolean): Tensor {
  const s = x[DIMS], b = s.length - 3;
  const N = b === 1 ? s[0]! : 1;
  const [hAxis, wAxis] = nhwc ? [b, b + 1] : [b + 1, b + 2];
  const C = s[nhwc ? b + 2 : b]!, H = s[hAxis]!, W = s[wAxis]!;
  const P = nhwc ? N : N * C, E = nhwc ? C : 1;
  const [PT, PB, PL, PR] = pads;
  const HO = H + PT + PB, WO = W + PL + PR, XR = W * E, YR = WO * E; // row lengths
  const yShape = s.slice();
  yShape[hAxis] = HO;
  yShape[wAxis] = WO;
  const y = empty(yShape, op);
  const yp = y.ptr(op, 'out'), xp = x.ptr(op, 'x'), B = F32_BYTES;
  const xPlane = [H * XR, XR, 1], yPlane = [HO * YR, YR, 1];
  copyStrided(op, yp + (PT * YR + PL * E) * B, xp, [P, H, XR], yPlane, xPlane);
  for (const j of border(PL, W, PR)) copyStrided(op, yp + (PT * YR + j * E) * B, xp + src(j - PL, W, mode) * E * B, [P, H, E], yPlane, xPlane);
  for (const i of border(PT, H, PB)) copyStrided(op, yp + i * YR * B, yp + (PT + src(i - PT, H, mode)) * YR * B, [P, YR], [HO * YR, 1], [HO * YR, 1]);
  if (needsGrad(x)) {
    record(y, 'Pad2d', [x], (gy) => {
      const dx = empty(s, op);
      const dyp = gy.ptr(op, 'dy'), dxp = dx.ptr(op, 'dx');
      // Rows folded: rows [P, H, WO, E], then columns into dx.
      const rows = scratch(Slot.Pad, P * H * YR * B, op), tmp = scratch(Slot.Tmp, P * Math.max(YR, H * E) * B, op);
      const rPlane = [H * YR, YR, 1];
      copyStrided(op, rows, dyp + PT * YR * B, [P, H, YR], rPlane, yPlane);
      for (const i of border(PT, H, PB)) fold(op, rows + src(i - PT, H, mode) * YR * B, [H * YR, 1], dyp + i * YR * B, [HO * YR, 1], [P, YR], tmp);
      copyStrided(op, dxp, rows + PL * E * B, [P, H, XR], xPlane, rPlane);
      for (const j of border(PL, W, PR)) fold(op, dxp + src(j - PL, W, mode) * E * B, xPlane, rows + j * E * B, rPlane, [P, H, E], tmp);
      return [dx];
    });
  }
  return y;
}
