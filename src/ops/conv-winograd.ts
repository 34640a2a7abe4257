// Winograd F(2x2, 3x3) (assembly/winograd.ts) for the forward pass and the input gradient of 3x3,
// stride-1, dilation-1, one-group NCHW convolutions: the weight transformed once per weight
// version (weight-cache.ts), then the batch's output tiles split over threads, each part running
// winograd_conv on its own range of tiles (so every output's sum order is the same whatever the
// split). The input gradient is the same correlation over dy with the weight transposed and
// flipped. A call whose output holds a NaN or ±Inf returns false: the caller recomputes it with
// the direct kernels, so non-finite values propagate exactly as there.
import type { Tensor } from '../tensor.js';
import { kernels } from '../wasm/kernels.js';
import { F32_BYTES } from '../wasm/memory.js';
import { heap, partScratch, writeMeta } from '../wasm/runtime.js';
import { chooseSplit, parallel, partStart, partsFor } from '../threads/pool.js';
import { winogradIneligible, type Geometry } from './conv-options.js';
import { preparedWeight } from './weight-cache.js';
import { guarded } from '../wasm/capture.js';

/** Bytes of winograd_conv's work block before V and M (WINO_WORK_BYTES in assembly/winograd.ts). */
const WORK_HEADER = 336;
/** Bytes of V + M one block of tiles may take (kept in L2 between its three passes). */
const BLOCK_BYTES = 192 * 1024;
/** Most tiles per block. */
const MAX_TB = 256;

/**
 * Whether the convolution g runs Winograd (forward, or with `gradInput` its input gradient):
 * 'winograd' (geometry() has checked it is eligible), or 'auto' where it measured faster than
 * the direct kernels (A/B in one process): at least 4 input and 4 output channels forward; for
 * the input gradient, whose GEMMs run from the Cout channels of dy to the Cin of dx, Cout >= 4
 * and Cin >= 3; and at least 64 pixels per image in the result. Below that the transforms and
 * the padding of channels to 4 cost about what the multiplications save (forward 3 -> 16 at
 * 224x224: 0.9-1.0x; 1 -> 8: 0.5-0.8x; 4x4 images: 0.7-0.8x), above it Winograd wins (input
 * gradient 16 -> 3 at 224x224: 1.4-1.7x; forward 4 -> 16 at 112x112: 1.5x; 8 -> 8 at 8x8:
 * 1.5x; 64 -> 64 at 56x56: 1.9-2.1x).
 */
export function useWinograd(g: Geometry, gradInput = false): boolean {
  const a = g.algorithm ?? 'auto';
  if (a === 'direct') return false;
  if (a === 'winograd') return true;
  const channels = gradInput ? g.CO >= 4 && g.C >= 3 : g.C >= 4 && g.CO >= 4;
  return winogradIneligible(g) === null && channels && (gradInput ? g.H * g.W : g.HO * g.WO) >= 64;
}

/** y = conv(x, w) (+ bias) by Winograd; false (y partly written) when some output is not finite. */
export function winogradForward(op: string, g: Geometry, x: number, w: Tensor, bias: number, y: number): boolean {
  const kk = 9 * F32_BYTES;
  // OIHW; mode 'convolution' reads the kernels turned 180°.
  const strides = g.flip ? [g.C * kk, kk, -3 * F32_BYTES, -F32_BYTES] : [g.C * kk, kk, 3 * F32_BYTES, F32_BYTES];
  return run(op, g.N, g.C, g.H, g.W, g.PT, g.PL, g.HO, g.WO, g.CO, x,
    () => transformedWeight(op, w, g.flip ? Kind.Convolve : Kind.Correlate, g.CO, g.C, g.flip ? 8 * F32_BYTES : 0, strides), bias, y);
}

/**
 * dx of the convolution g for output gradient dy, by Winograd: dx correlates dy, zero-extended
 * by (2 - top, 2 - left), with w transposed to [Cin][Cout] and flipped (for mode 'convolution'
 * the forward kernel is w flipped, so not flipped). False when some output is not finite.
 */
export function winogradGradInput(op: string, g: Geometry, dy: number, w: Tensor, dx: number): boolean {
  const kk = 9 * F32_BYTES;
  const strides = g.flip ? [kk, g.C * kk, 3 * F32_BYTES, F32_BYTES] : [kk, g.C * kk, -3 * F32_BYTES, -F32_BYTES];
  return run(op, g.N, g.CO, g.HO, g.WO, 2 - g.PT, 2 - g.PL, g.H, g.W, g.C, dy,
    () => transformedWeight(op, w, g.flip ? Kind.GradConvolve : Kind.GradCorrelate, g.C, g.CO, g.flip ? 0 : 8 * F32_BYTES, strides), 0, dx);
}

/**
 * Runs winograd_conv over all N*ceil(HO/2)*TW4 tiles (TW4: ceil(WO/2) rounded up to a multiple
 * of 4), split over threads in panels of 8 (two groups of 4); false when a part flagged a non-finite output. The work blocks are allocated before the transformed weight
 * (`weight()`), so running out of memory for them leaves no new cache entry behind.
 */
function run(op: string, N: number, CI: number, H: number, W: number, PT: number, PL: number, HO: number, WO: number, CO: number,
  x: number, weight: () => number, bias: number, y: number): boolean {
  const groups = N * Math.ceil(HO / 2) * Math.ceil(Math.ceil(WO / 2) / 4), panels = Math.ceil(groups / 2);
  const CO4 = Math.ceil(CO / 4) * 4;
  const TB = Math.max(8, Math.min(MAX_TB, Math.floor(BLOCK_BYTES / (64 * (CI + CO4))) & ~7));
  const [T] = chooseSplit(partsFor(2 * N * CO * HO * WO * CI * 9), panels);
  // Part t: the tiles of panels (8 tiles, 2 groups) partStart(panels, T, t) .. (the last part ends
  // with the last group), so no part but the last computes a half panel of padding.
  const end = (t: number) => Math.min(4 * groups, 8 * partStart(panels, T, t));
  const work = partScratch(op, T, WORK_HEADER + 64 * TB * (CI + CO4));
  const u = weight();
  const geo = writeMeta(op, [CI, H, W, PT, PL, HO, WO, CO, TB]);
  parallel(T, (k, t) => {
    const t0 = end(t), t1 = end(t + 1);
    if (t1 > t0) k.winograd_conv(x, geo, u, t0, t1, y, bias, work[t]!);
  });
  const h = heap(op);
  for (let t = 0; t < T; t++) {
    if (end(t + 1) > end(t) && guarded(h, work[t]!).i32Raw()[work[t]! >> 2] !== 0) return false;
  }
  return true;
}

/** Which transform of a weight a cache entry holds. */
const Kind = { Correlate: 0, Convolve: 1, GradCorrelate: 2, GradConvolve: 3 } as const;
type Kind = (typeof Kind)[keyof typeof Kind];

/**
 * U of weight w (see winograd_weight: CO x CI kernels at w + base with byte strides
 * [so, si, sa, sb]), transformed once per weight version (preparedWeight).
 */
function transformedWeight(op: string, w: Tensor, kind: Kind, CO: number, CI: number, base: number, strides: number[]): number {
  const bytes = 16 * Math.ceil(CO / 4) * 4 * CI * F32_BYTES;
  return preparedWeight(op, w, `winograd ${kind} ${CO} ${CI}`, bytes, (at) => {
    const meta = writeMeta(op, [CO, CI, ...strides]);
    kernels.winograd_weight(w.ptr(op, 'w') + base, meta, at);
  });
}
