// The gradients of a convolution: their kernel dispatch (input: GEMM + col2im, or conv_nchw's
// implicit GEMM at stride 1; weight: at column stride 1 conv_grad_weight_nchw or (weightKernel's
// rules) conv_grad_weight_oc, straight from the input, else im2col + GEMM, summed over the batch;
// bias: row sums; direct per-channel kernels where forward runs them), and gradInput /
// gradWeight / gradBias, the internals of conv2dGradInput, conv2dGradWeight and of conv2d's
// backward rule.
import type { Tensor } from '../tensor.js';
import { kernels, CONVOLVE, CORRELATE, OVERWRITE, flag } from '../wasm/kernels.js';
import { F32_BYTES } from '../wasm/memory.js';
import { Slot, partScratch, scratch, writeMeta } from '../wasm/runtime.js';
import { chooseSplit, evenStart, largestPart, parallel, partStart, partsFor } from '../threads/pool.js';
import { stridesOf } from '../layout.js';
import { copyStrided } from './strided.js';
import { inShape, weightShape, type Geometry } from './conv-options.js';
import {
  align16, convFlops, correlatePlanes, convWorkBytes, implicitGemmParts, isDirect, kernelWeight, nhwcPacking, packWeightSliceNHWC, packedWeightNHWC, paddedInput,
  transposeWeight, weightForKernels,
} from './conv-forward.js';
import { writeResult } from './conv-out.js';
import { useWinograd, winogradGradInput } from './conv-winograd.js';

/** dx of the convolution g for output gradient dy and weight w: into `given` (checked) or a new tensor. */
export function gradInput(op: string, g: Geometry, dy: Tensor, w: Tensor, given: Tensor | null = null): Tensor {
  return writeResult(op, given, () => inShape(g), (dx) => {
    if (useWinograd(g, true) && winogradGradInput(op, g, dy.ptr(op, 'dy'), w, dx.ptr(op, 'dx'))) return;
    gradInputKernels(op, g, dy.ptr(op, 'dy'), kernelWeight(op, g, w.ptr(op, 'w')), dx.ptr(op, 'dx'), w);
  });
}

/**
 * dw of the convolution g for input x and output gradient dy, in the weight's layout: into `given`
 * (checked) or a new tensor. (The NCHW kernels write OIHW: an HWIO dw is transposed from scratch.)
 */
export function gradWeight(op: string, g: Geometry, x: Tensor, dy: Tensor, given: Tensor | null = null): Tensor {
  return writeResult(op, given, () => weightShape(g), (dw) => {
    const at = dw.ptr(op, 'dw'), oihw = g.hwio && !g.nhwc ? scratch(Slot.Tmp2, g.CO * g.CG * g.KH * g.KW * F32_BYTES, op) : at;
    gradWeightKernels(op, g, x.ptr(op, 'x'), dy.ptr(op, 'dy'), oihw);
    if (oihw !== at) transposeWeight(op, g, at, oihw, false);
  });
}

/** db of the convolution g for output gradient dy: a new tensor [Cout]. */
export function gradBias(op: string, g: Geometry, dy: Tensor): Tensor {
  return writeResult(op, null, () => [g.CO], (db) => gradBiasKernels(g, dy.ptr(op, 'dy'), db.ptr(op, 'db'), op));
}

/** dx = the input gradient of conv(x, w) for output gradient dy (`wt`, the weight tensor, lets the NHWC packing be cached). */
export function gradInputKernels(op: string, g: Geometry, dy: number, w0: number, dx: number, wt: Tensor | null = null): void {
  if (g.N === 0) return;
  if (isDirect(g)) return gradInputDirect(g, dy, w0, dx);
  const HWo = g.HO * g.WO;
  const kk = g.KH * g.KW, kg = g.CG * kk;
  // Parts take whole images, or input channels c0 .. c1-1 of every group: a part computes only
  // its channels' rows of the columns and folds them into its channels of dx (col2im adds into
  // each element of dx only from that element's own channel).
  const [T, d] = chooseSplit(partsFor(convFlops(g)), g.N, g.CG);
  const byImage = d === 0;
  const colBytes = align16(kk * (byImage ? g.CG : largestPart(g.CG, T)) * HWo * F32_BYTES);
  if (g.nhwc) {
    // Channel parts read their slice of the packed weight, [G][KH][KW][c1-c0][COG], stored after their columns.
    const scr = partScratch(op, T, colBytes + (byImage ? 0 : g.G * kk * largestPart(g.CG, T) * g.COG * F32_BYTES));
    const wp = byImage ? packedWeightNHWC(op, g, w0, wt) : 0;
    if (!byImage) {
      kernels.fill(dx, g.N * g.C * g.H * g.W, 0);
      for (let t = 0; t < T; t++) packWeightSliceNHWC(op, g, w0, partStart(g.CG, T, t), partStart(g.CG, T, t + 1), scr[t]! + colBytes);
    }
    parallel(T, (k, t) => {
      const n0 = byImage ? partStart(g.N, T, t) : 0, n1 = byImage ? partStart(g.N, T, t + 1) : g.N;
      const c0 = byImage ? 0 : partStart(g.CG, T, t), c1 = byImage ? g.CG : partStart(g.CG, T, t + 1);
      const kc = kk * (c1 - c0), col = scr[t]!, wt = byImage ? wp : col + colBytes;
      if (kc === 0) return;
      for (let n = n0; n < n1; n++) {
        const dyn = dy + n * HWo * g.CO * F32_BYTES;
        const dxn = dx + n * g.H * g.W * g.C * F32_BYTES;
        if (byImage) k.fill(dxn, g.H * g.W * g.C, 0);
        for (let gi = 0; gi < g.G; gi++) {
          k.gemm_nt(HWo, kc, g.COG, dyn + gi * g.COG * F32_BYTES, g.CO, wt + gi * kc * g.COG * F32_BYTES, g.COG, col, kc, OVERWRITE);
          k.col2im_nhwc(col, g.H, g.W, g.C, gi * g.CG + c0, c1 - c0, g.KH, g.KW, g.SH, g.SW, g.PT, g.PL, g.DH, g.DW, g.HO, g.WO, dxn);
        }
      }
    });
    return;
  }
  // Stride 1 with at least 'same' padding (dx no larger than dy) and 8+ input channels per group:
  // the implicit GEMM, as fast as GEMM + col2im there without a column matrix. Elsewhere it would
  // compute dx's border from zero padding (7-14 % more multiplies on 3x3 'valid' layers) or give
  // too few rows per packed panel.
  if (g.SH === 1 && g.SW === 1 && g.CG >= 8 && g.H * g.W <= g.HO * g.WO) return gradInputStride1(op, g, dy, w0, dx);
  const w = weightForKernels(op, g, w0);
  const scr = partScratch(op, T, colBytes);
  parallel(T, (k, t) => {
    const n0 = byImage ? partStart(g.N, T, t) : 0, n1 = byImage ? partStart(g.N, T, t + 1) : g.N;
    const c0 = byImage ? 0 : partStart(g.CG, T, t), c1 = byImage ? g.CG : partStart(g.CG, T, t + 1);
    if (c1 === c0) return;
    for (let n = n0; n < n1; n++) {
      const dyn = dy + n * g.CO * HWo * F32_BYTES;
      const dxn = dx + n * g.C * g.H * g.W * F32_BYTES;
      for (let gi = 0; gi < g.G; gi++) {
        const dxc = dxn + (gi * g.CG + c0) * g.H * g.W * F32_BYTES;
        k.fill(dxc, (c1 - c0) * g.H * g.W, 0);
        k.gemm_tn(kk * (c1 - c0), HWo, g.COG, w + (gi * g.COG * kg + c0 * kk) * F32_BYTES, kg, dyn + gi * g.COG * HWo * F32_BYTES, HWo, scr[t]!, HWo, OVERWRITE);
        k.col2im_nchw(scr[t]!, c1 - c0, g.H, g.W, g.KH, g.KW, g.SH, g.SW, g.PT, g.PL, g.DH, g.DW, g.HO, g.WO, dxc);
      }
    }
  });
}

/**
 * dx of an NCHW convolution at stride 1: the correlation of dy, zero-extended by
 * (DH*(kh-1) - top, DW*(kw-1) - left) (negative: cropped), with the weight transposed to
 * [G][Cin/G][Cout/G][kh][kw] and flipped both ways (for mode 'convolution' the forward kernel is
 * w flipped, so not flipped), as conv_nchw's implicit GEMM: no column matrix and no col2im.
 * Parts take whole images or bands of rows of dx.
 */
function gradInputStride1(op: string, g: Geometry, dy: number, w0: number, dx: number): void {
  const kk = g.KH * g.KW, HWo = g.HO * g.WO, HW = g.H * g.W;
  const wt = scratch(Slot.Weight, g.CO * g.CG * kk * F32_BYTES, op);
  const shape = [g.G, g.CG, g.COG, g.KH, g.KW];
  const sa = g.flip ? g.KW : -g.KW, sb = g.flip ? 1 : -1, offset = g.flip ? 0 : (kk - 1) * F32_BYTES;
  copyStrided(op, wt, w0 + offset, shape, stridesOf(shape), [g.COG * g.CG * kk, kk, g.CG * kk, sa, sb]);
  const [T, d] = chooseSplit(partsFor(convFlops(g)), g.N, g.H);
  const geo = writeMeta(op, [g.COG, g.HO, g.WO, g.KH, g.KW, 1, 1, g.DH * (g.KH - 1) - g.PT, g.DW * (g.KW - 1) - g.PL, g.DH, g.DW, g.H, g.W, g.CG]);
  implicitGemmParts(op, T, d === 0, g.N, g.G, g.H, geo, convWorkBytes(g.COG * kk),
    { at: dy, image: g.CO * HWo * F32_BYTES, group: g.COG * HWo * F32_BYTES },
    { at: wt, image: 0, group: g.CG * g.COG * kk * F32_BYTES },
    { at: dx, image: g.C * HW * F32_BYTES, group: g.CG * HW * F32_BYTES },
    null);
}

/** dw = the weight gradient of conv(x, w) for output gradient dy (NCHW: OIHW; NHWC: in the weight's layout; flipped back for 'convolution'). */
export function gradWeightKernels(op: string, g: Geometry, x: number, dy: number, dw: number): void {
  if (g.N === 0) return void kernels.fill(dw, g.CO * g.CG * g.KH * g.KW, 0);
  if (isDirect(g)) return gradWeightDirect(op, g, x, dy, dw);
  const HWo = g.HO * g.WO;
  const kk = g.KH * g.KW, kg = g.CG * kk;
  const wsize = g.CO * kg;
  // The sum over images and positions is never split: parts take input channels (or output
  // channels) of the weight gradient, each summing its own elements in the single-thread order.
  const T0 = partsFor(convFlops(g));
  const [T, d] = g.nhwc ? chooseSplit(T0, g.CG) : chooseSplit(T0, g.CG, g.COG);
  if (g.nhwc) {
    // Part t accumulates dWp_t[G][KH][KW][c1-c0][COG] over the batch from the columns of its
    // input channels c0 .. c1-1 (stored after them), then each slice is unpacked to OIHW.
    const colBytes = align16(HWo * kk * largestPart(g.CG, T) * F32_BYTES);
    const scr = partScratch(op, T, colBytes + g.G * kk * largestPart(g.CG, T) * g.COG * F32_BYTES);
    parallel(T, (k, t) => {
      const c0 = partStart(g.CG, T, t), c1 = partStart(g.CG, T, t + 1);
      const kc = kk * (c1 - c0), col = scr[t]!, dwp = col + colBytes;
      if (kc === 0) return;
      for (let n = 0; n < g.N; n++) {
        const xn = x + n * g.H * g.W * g.C * F32_BYTES;
        const dyn = dy + n * HWo * g.CO * F32_BYTES;
        for (let gi = 0; gi < g.G; gi++) {
          k.im2col_nhwc(xn, g.H, g.W, g.C, gi * g.CG + c0, c1 - c0, g.KH, g.KW, g.SH, g.SW, g.PT, g.PL, g.DH, g.DW, g.HO, g.WO, col);
          k.gemm_tn(kc, g.COG, HWo, col, kc, dyn + gi * g.COG * F32_BYTES, g.CO, dwp + gi * kc * g.COG * F32_BYTES, g.COG, flag(n > 0));
        }
      }
    });
    const [shape, oihw, offset] = nhwcPacking(g);
    for (let t = 0; t < T; t++) {
      const c0 = partStart(g.CG, T, t), c1 = partStart(g.CG, T, t + 1);
      if (c1 === c0) continue;
      const slice = shape.slice();
      slice[3] = c1 - c0;
      copyStrided(op, dw + offset + c0 * oihw[3]! * F32_BYTES, scr[t]! + colBytes, slice, oihw, stridesOf(slice));
    }
    return;
  }
  const target = g.flip ? scratch(Slot.Weight, wsize * F32_BYTES, op) : dw;
  const kernel = weightKernel(g);
  if (kernel !== 'columns') {
    gradWeightTaps(op, g, x, dy, target, kernel === 'channels');
    if (g.flip) kernels.corr2d_flip(dw, target, g.CO * g.CG, kk);
    return;
  }
  // Parts take input channels c0 .. c1-1 of every group (their own columns, their columns of
  // dW), or, when there are too few, output channels o0 .. o1-1 (each unfolds the whole group).
  const byChannel = d === 0;
  const scr = partScratch(op, T, kk * (byChannel ? largestPart(g.CG, T) : g.CG) * HWo * F32_BYTES);
  parallel(T, (k, t) => {
    const c0 = byChannel ? partStart(g.CG, T, t) : 0, c1 = byChannel ? partStart(g.CG, T, t + 1) : g.CG;
    const o0 = byChannel ? 0 : partStart(g.COG, T, t), o1 = byChannel ? g.COG : partStart(g.COG, T, t + 1);
    if (c1 === c0 || o1 === o0) return;
    for (let n = 0; n < g.N; n++) {
      const xn = x + n * g.C * g.H * g.W * F32_BYTES;
      const dyn = dy + n * g.CO * HWo * F32_BYTES;
      for (let gi = 0; gi < g.G; gi++) {
        k.im2col_nchw(xn + (gi * g.CG + c0) * g.H * g.W * F32_BYTES, c1 - c0, g.H, g.W, g.KH, g.KW, g.SH, g.SW, g.PT, g.PL, g.DH, g.DW, g.HO, g.WO, scr[t]!);
        k.gemm_nt(o1 - o0, kk * (c1 - c0), HWo, dyn + (gi * g.COG + o0) * HWo * F32_BYTES, HWo, scr[t]!, HWo,
          target + ((gi * g.COG + o0) * kg + c0 * kk) * F32_BYTES, kg, flag(n > 0));
      }
    }
  });
  if (g.flip) kernels.corr2d_flip(dw, target, g.CO * g.CG, kk);
}

/**
 * dw (OIHW) of an NCHW convolution with column stride 1 straight from the zero-padded input, no
 * column matrix: by conv_grad_weight_nchw into 4 partial sums per element, then dw = their sum;
 * or (byChannels) by conv_grad_weight_oc from dy copied channels-last, [G][N][HO*WO][Op] (Op:
 * COG rounded up to 16, the extra channels zero), into dw^T [G][CG*KH*KW][Op], then dw is its
 * transpose. Images go in blocks of about 64 KB of x and dy per group (the tiles of one call
 * re-read them from cache); parts take ranges of taps of every output channel, and each
 * element's sums over all images stay in one part in the kernel's order, so every bit is the
 * same on any number of threads.
 */
function gradWeightTaps(op: string, g: Geometry, x: number, dy: number, dw: number, byChannels: boolean): void {
  const kk = g.KH * g.KW, kg = g.CG * kk, HWo = g.HO * g.WO, Op = byChannels ? 16 * Math.ceil(g.COG / 16) : g.COG;
  const [xp, Hp, Wp] = paddedInput(op, g, x);
  // Per image: x and dy elements; per group: dy elements and acc floats.
  const XI = g.C * Hp * Wp, DI = byChannels ? HWo * Op : g.CO * HWo;
  const dyG = byChannels ? g.N * DI : g.COG * HWo, accG = byChannels ? kg * Op : g.COG * kg * 4;
  const acc = scratch(Slot.Col, g.G * accG * F32_BYTES, op);
  let from = dy;
  if (byChannels) {
    from = scratch(Slot.Tmp, g.G * dyG * F32_BYTES, op);
    if (Op !== g.COG) kernels.fill(from, g.G * dyG, 0);
    channelsLast(op, g, dy, from, Op, dyG, DI);
  }
  // Parts take tap pairs (the kernels' tiles are 2 taps): taps k0 .. k1-1 of part t. With
  // byChannels each part also zeroes its rows of acc first and writes its columns of dw from them
  // last (the transpose [kg][Op] -> [COG][kg], its view at views + 24t). Images go in blocks of nb
  // (about 64 KB of x and dy); when one image is more than that, conv_grad_weight_oc takes it in
  // bands of RB output rows (geo for RB rows, geoLast for the last band), so that every tile of
  // the part re-reads a band of dy from L1 instead of the whole image from L2: each element's sum
  // still runs over images, then rows, then columns, the same bits.
  const pairs = Math.ceil(kg / 2);
  const [T] = chooseSplit(partsFor(convFlops(g)), pairs);
  const taps = (t: number) => Math.min(kg, 2 * partStart(pairs, T, t));
  const nb = Math.max(1, Math.floor(65536 / ((g.CG * Hp * Wp + (byChannels ? DI : g.COG * HWo)) * F32_BYTES)));
  const RB = byChannels && nb === 1 && DI * F32_BYTES > BAND_IMAGE_BYTES ? Math.min(g.HO, Math.max(1, Math.floor(rowBandBytes / (g.WO * Op * F32_BYTES)))) : g.HO;
  const bands = Math.ceil(g.HO / RB);
  const header = (rows: number) => [byChannels ? Op / 4 : g.COG, rows, g.WO, g.SH * Wp, XI, DI, byChannels ? Op : kg];
  const views: number[][] = [];
  if (byChannels) for (let t = 0; t < T; t++) views.push([g.COG, taps(t + 1) - taps(t)], [kg, 1], [1, Op]);
  const tapTable = tapOffsets(g, Hp, Wp);
  const geo = writeMeta(op, header(RB), tapTable, header(g.HO - (bands - 1) * RB), tapTable, ...views);
  const geoLast = geo + (7 + kg) * F32_BYTES, view0 = geoLast + (7 + kg) * F32_BYTES;
  const xBand = RB * g.SH * Wp * F32_BYTES, dyBand = RB * g.WO * Op * F32_BYTES;
  if (!byChannels) kernels.fill(acc, g.G * accG, 0);
  parallel(T, (k, t) => {
    const k0 = taps(t), k1 = taps(t + 1);
    if (k0 === k1) return;
    for (let gi = 0; gi < g.G; gi++) {
      const xg = xp + gi * g.CG * Hp * Wp * F32_BYTES, dyg = from + gi * dyG * F32_BYTES, ag = acc + gi * accG * F32_BYTES;
      if (byChannels) k.fill(ag + k0 * Op * F32_BYTES, (k1 - k0) * Op, 0);
      for (let n = 0; n < g.N; n += nb) {
        const xn = xg + n * XI * F32_BYTES, dyn = dyg + n * DI * F32_BYTES, m = Math.min(nb, g.N - n);
        if (!byChannels) k.conv_grad_weight_nchw(xn, dyn, geo, m, k0, k1, ag);
        else for (let b = 0; b < bands; b++) k.conv_grad_weight_oc(xn + b * xBand, dyn + b * dyBand, b < bands - 1 ? geo : geoLast, m, k0, k1, ag);
      }
      if (byChannels) k.copy_strided(dw + (gi * g.COG * kg + k0) * F32_BYTES, ag + k0 * Op * F32_BYTES, view0 + 6 * t * F32_BYTES, 2);
    }
  });
  if (!byChannels) kernels.sum(dw, acc, g.CO * kg, 4, 1);
}

/**
 * Bytes of channels-last dy in one band of output rows of conv_grad_weight_oc (gradWeightTaps),
 * for images whose dy is over BAND_IMAGE_BYTES. Measured in one process against whole images,
 * two threads: 64 -> 64 at 56x56 (729 KB of dy an image) 0.84-0.86x the time, 128 -> 128 at 28x28
 * 0.92-0.99x (one thread 0.93-1.05x, 1.01-1.07x); 64 KB bands and bands of images within L2 (g,
 * 113 KB) gained nothing.
 */
let rowBandBytes = 32768;
const BAND_IMAGE_BYTES = 262144;

/** For tests: the band size of conv_grad_weight_oc (Infinity: whole images); returns the previous one. */
export function setRowBandBytes(bytes: number): number {
  const was = rowBandBytes;
  rowBandBytes = bytes;
  return was;
}

/**
 * dy [N][G*COG][HWo] copied channels-last to `to` [G][N][HWo][Op] (dyG, DI: the elements per group
 * and per image there), split over threads by images or, when there are too few, by positions
 * (in fours, so the transpose's 4 x 4 blocks stay whole): a transpose that reads 4 channels' rows
 * at once, bounded by how fast one core misses in cache. Part t's copy is the 3-D view
 * [images][positions][COG] at meta + 36t.
 */
function channelsLast(op: string, g: Geometry, dy: number, to: number, Op: number, dyG: number, DI: number): void {
  const HWo = g.HO * g.WO, quads = Math.ceil(HWo / 4);
  const [T, d] = chooseSplit(partsFor(g.N * g.CO * HWo * CHANNELS_LAST_FLOPS), g.N, quads);
  const range = (t: number): [number, number, number, number] => d === 0
    ? [partStart(g.N, T, t), partStart(g.N, T, t + 1), 0, HWo]
    : [0, g.N, Math.min(HWo, 4 * partStart(quads, T, t)), Math.min(HWo, 4 * partStart(quads, T, t + 1))];
  const views: number[][] = [];
  for (let t = 0; t < T; t++) {
    const [n0, n1, p0, p1] = range(t);
    views.push([n1 - n0, p1 - p0, g.COG], [DI, Op, 1], [g.CO * HWo, 1, HWo]);
  }
  const meta = writeMeta(op, ...views);
  parallel(T, (k, t) => {
    const [n0, n1, p0, p1] = range(t);
    if (n1 === n0 || p1 === p0) return;
    for (let gi = 0; gi < g.G; gi++) {
      k.copy_strided(to + (gi * dyG + n0 * DI + p0 * Op) * F32_BYTES, dy + ((n0 * g.CO + gi * g.COG) * HWo + p0) * F32_BYTES,
        meta + 36 * t, 3);
    }
  });
}

/**
 * What partsFor counts per element of channelsLast: its time in flops of a convolution (measured
 * on one thread: 0.5-1 ns an element, dy of 0.19-0.46 M elements, mostly cache misses).
 */
const CHANNELS_LAST_FLOPS = 30;

/** The element offset of tap k = (c*KH + a)*KW + b in Hp x Wp input planes, for c < CG: (c*Hp + a*DH)*Wp + b*DW. */
function tapOffsets(g: Geometry, Hp: number, Wp: number): number[] {
  const taps: number[] = [];
  for (let c = 0; c < g.CG; c++) {
    for (let a = 0; a < g.KH; a++) for (let b = 0; b < g.KW; b++) taps.push((c * Hp + a * g.DH) * Wp + b * g.DW);
  }
  return taps;
}

/** Which kernel takes an NCHW weight gradient that is not direct: 'auto' (measured rules), or forced (tests, benchmarks). */
let weightChoice: 'auto' | 'nchw' | 'channels' | 'columns' = 'auto';

/**
 * Forces the NCHW weight-gradient kernel (for tests and A/B benchmarks): conv_grad_weight_nchw or
 * conv_grad_weight_oc at column stride 1, or im2col + GEMM; 'auto' restores the measured rules.
 */
export function forceWeightKernel(choice: 'auto' | 'nchw' | 'channels' | 'columns'): void {
  weightChoice = choice;
}

/**
 * The kernel of the (NCHW, not direct) weight gradient of g: im2col + GEMM ('columns') unless the
 * column stride is 1; there conv_grad_weight_oc ('channels') for whole tiles of 16 output
 * channels per group at an output width that is not a multiple of 4 (where
 * conv_grad_weight_nchw's masked last step wastes lanes), with one image's dy (channels-last)
 * within 256 KB, so that it stays in L2 while every tap pair streams it, or at any size above
 * MASKED_NCHW_MAX_TAPS taps; else conv_grad_weight_nchw ('nchw') at widths 4k or up to
 * MASKED_NCHW_MAX_TAPS taps, and im2col + GEMM above. Measured in one process, 'channels' against
 * 'nchw': LeNet's 6 -> 16 layer (output width 10) 0.54-0.65x the time; at widths 4k, 6 -> 16 at
 * width 12 1.22x, 32 -> 32 at 32x32 0.83-1.10x, 16 -> 32 at width 16 0.83x, 64 -> 64 at 56x56
 * 1.07x; 8 or fewer output channels 1.1-2.3x; past 256 KB of dy an image at 144 taps or fewer
 * 0.92-1.04x (16 -> 32 at 114x114, 16 -> 16 at 226x226, 8 -> 16 at 100x100). 'channels' against
 * 'columns' above 160 taps, one thread / two: 64 -> 64 at 56x56 (729 KB of dy an image) 0.84 /
 * 0.99x, 128 -> 128 at 28x28 0.87 / 0.97x, 64 -> 64 at 114x114 (3 MB) 0.94 / 0.96x, 48 -> 96 at
 * 40x40 0.79 / 0.97x, 8 x 64 -> 64 at 30x30 0.86 / 0.92x.
 */
export function weightKernel(g: Geometry): 'nchw' | 'channels' | 'columns' {
  if (weightChoice !== 'auto') return g.SW === 1 ? weightChoice : 'columns';
  if (g.SW !== 1) return 'columns';
  if (g.WO % 4 === 0) return 'nchw';
  const few = g.CG * g.KH * g.KW <= MASKED_NCHW_MAX_TAPS;
  if (g.COG % 16 === 0 && (!few || g.HO * g.WO * g.COG * F32_BYTES <= 262144)) return 'channels';
  return few ? 'nchw' : 'columns';
}

/**
 * Most taps (CG*KH*KW) for which conv_grad_weight_nchw with its masked last step beats im2col +
 * GEMM at an output width that is not a multiple of 4. Measured in one process, 3x3 kernels,
 * 'nchw' against 'columns': 27 taps (3 -> 16 at 224x224) 0.81x the time, 144 (16 -> 16 at 32x32)
 * 0.95x; 288 (32 -> 64 at 32x32) 1.17x, 576 (64 -> 64 at 56x56) 1.09x, 1152 (128 -> 128 at 28x28)
 * 1.47x.
 */
const MASKED_NCHW_MAX_TAPS = 160;

/** db[c] = sum of dy over batch and positions. */
export function gradBiasKernels(g: Geometry, dy: number, db: number, op = 'conv2d'): void {
  biasGrad(g.nhwc, g.N, g.CO, g.HO * g.WO, dy, db, op);
}

/**
 * db[c] = the sum of dy [N, C, HW] (NHWC: [N, HW, C]) over images and positions; zeros when N is 0.
 * NCHW: the N*C row sums in one call (scratch), then db[c] = ((+0 + s[0][c]) + s[1][c]) + ... in
 * image order (sum's column order).
 */
export function biasGrad(nhwc: boolean, N: number, C: number, HW: number, dy: number, db: number, op = 'conv2d'): void {
  if (N === 0) kernels.fill(db, C, 0);
  else if (nhwc) kernels.bias_grad_cols(dy, db, N * HW, C, OVERWRITE);
  else if (N === 1) kernels.bias_grad_rows(dy, db, C, HW, OVERWRITE);
  else {
    const rows = scratch(Slot.Tmp, N * C * F32_BYTES, op);
    kernels.bias_grad_rows(dy, rows, N * C, HW, OVERWRITE);
    kernels.sum(db, rows, 1, N, C);
  }
}

/**
 * dx of a direct convolution: the adjoint of correlating with a kernel is correlating dy, zero
 * extended by (kh-1-top, kw-1-left) (negative: cropped), with the kernel flipped both ways. For
 * mode 'convolution' the forward kernel is w flipped, so dx correlates with w itself.
 */
export function gradInputDirect(g: Geometry, dy: number, w0: number, dx: number): void {
  correlatePlanes(g, dy, g.HO, g.WO, w0, g.KH - 1 - g.PT, g.KW - 1 - g.PL, dx, g.H, g.W, g.flip ? CORRELATE : CONVOLVE);
}

/**
 * Row blocks of each channel's weight-gradient sum in a direct convolution: 1 when there are
 * enough channels to share out, else enough blocks to give up to 8 parts at least 16 output rows
 * and ~2^17 multiply-adds each. A function of the geometry alone, never of the thread count, so
 * the sum order (and every bit of dw) is the same on any number of threads.
 */
export function weightRowBlocks(g: Geometry): number {
  if (g.C >= 8) return 1;
  const work = g.N * g.HO * g.WO * g.KH * g.KW;
  return Math.max(1, Math.min(Math.ceil(8 / g.C), Math.floor(g.HO / 16), Math.floor(work / 131072)));
}

/**
 * dw of a direct convolution: per channel, the filter-gradient kernel over the (padded) input,
 * summed over the batch. With B = weightRowBlocks(g) > 1, channel c's sum is split into B row
 * blocks of dy: block b's partial (over the batch, in image order) goes to its own scratch slot,
 * and dw[c] = ((p0 + p1) + p2) + ... in block order after all parts are done.
 */
export function gradWeightDirect(op: string, g: Geometry, x: number, dy: number, dw: number): void {
  const kk = g.KH * g.KW, HWo = g.HO * g.WO;
  const target = g.flip ? scratch(Slot.Weight, g.CO * kk * F32_BYTES, op) : dw;
  const [xp, Hp, Wp] = paddedInput(op, g, x);
  const B = weightRowBlocks(g);
  const partials = B > 1 ? scratch(Slot.Col, g.C * B * kk * F32_BYTES, op) : 0;
  // Parts take units u = c * B + b (channel c, row block b) u0 .. u1-1; each unit's sum over the
  // batch stays on one thread, in image order.
  const units = g.C * B;
  const [T] = chooseSplit(partsFor(convFlops(g)), units);
  parallel(T, (k, t) => {
    const u0 = partStart(units, T, t), u1 = partStart(units, T, t + 1);
    for (let u = u0; u < u1; u++) {
      const c = Math.floor(u / B), b = u - c * B;
      const r0 = evenStart(g.HO, B, b), r1 = evenStart(g.HO, B, b + 1);
      const into = B > 1 ? partials + u * kk * F32_BYTES : target + c * kk * F32_BYTES;
      for (let n = 0; n < g.N; n++) {
        const p = n * g.C + c;
        k.corr2d_grad_weight(xp + (p * Hp + r0) * Wp * F32_BYTES, r1 - r0 + g.KH - 1, Wp, dy + (p * HWo + r0 * g.WO) * F32_BYTES,
          g.KH, g.KW, into, flag(n > 0));
      }
    }
  });
  if (B > 1) {
    for (let c = 0; c < g.C; c++) {
      const to = target + c * kk * F32_BYTES, from = partials + c * B * kk * F32_BYTES;
      copyStrided(op, to, from, [kk], [1], [1]);
      for (let b = 1; b < B; b++) kernels.axpy(to, from + b * kk * F32_BYTES, kk, 1);
    }
  }
  if (g.flip) kernels.corr2d_flip(dw, target, g.CO, kk);
}
