// The forward dispatch of conv2d, and the weight and input preparation the gradients share.
// Single-channel and depthwise convolutions (one input and one output channel per group) at
// stride 1 and dilation 1 run direct kernels per channel plane, reading the zero padding in place;
// NCHW otherwise is conv_nchw's implicit GEMM over packed panels, conv_few's direct loops for
// few input taps (useFewTaps), or conv_oc's loops over blocks of 16 output channels for small
// images (useChannelTiles); NHWC im2col + GEMM per image and group. Jobs long enough are split over threads by images or bands of output rows.
import { kernels, CONVOLVE, CORRELATE, OVERWRITE } from '../wasm/kernels.js';
import { F32_BYTES } from '../wasm/memory.js';
import { Slot, partScratch, scratch, writeMeta } from '../wasm/runtime.js';
import { chooseSplit, largestPart, parallel, partStart, partsFor } from '../threads/pool.js';
import { stridesOf } from '../layout.js';
import { copyStrided } from './strided.js';
import { weightStrides, type Geometry } from './conv-options.js';
import type { Tensor } from '../tensor.js';
import { useWinograd, winogradForward } from './conv-winograd.js';
import { preparedWeight } from './weight-cache.js';

/** Direct per-channel path: one input and one output channel per group, stride 1, dilation 1. */
export function isDirect(g: Geometry): boolean {
  return g.CG === 1 && g.COG === 1 && g.SH === 1 && g.SW === 1 && g.DH === 1 && g.DW === 1 && !g.nhwc;
}

/**
 * An HWIO weight transposed to OIHW in scratch (the Tmp2 slot, which no convolution kernel path
 * uses), for the NCHW kernels, which read OIHW; any other weight as is (the NHWC kernels read
 * both layouts through nhwcPacking).
 */
export function kernelWeight(op: string, g: Geometry, w: number): number {
  if (!g.hwio || g.nhwc) return w;
  const at = scratch(Slot.Tmp2, g.CO * g.CG * g.KH * g.KW * F32_BYTES, op);
  transposeWeight(op, g, at, w, true);
  return at;
}

/** Copies the weight at `src` from its layout to OIHW at `dst` (`toOIHW`), or from OIHW to its layout. */
export function transposeWeight(op: string, g: Geometry, dst: number, src: number, toOIHW: boolean): void {
  const shape = [g.CO, g.CG, g.KH, g.KW], oihw = stridesOf(shape), own = weightStrides(g);
  copyStrided(op, dst, src, shape, toOIHW ? oihw : own, toOIHW ? own : oihw);
}

/** The (OIHW) weight as the kernels read it: flipped into scratch for mode 'convolution', else as is. */
export function weightForKernels(op: string, g: Geometry, w: number): number {
  if (!g.flip) return w;
  const kk = g.KH * g.KW, planes = g.CO * g.CG;
  const at = scratch(Slot.Weight, planes * kk * F32_BYTES, op);
  kernels.corr2d_flip(at, w, planes, kk);
  return at;
}

/**
 * How the weight (OIHW or HWIO) maps onto the NHWC GEMM layout [G][KH][KW][CG][COG]: the packed
 * shape, the weight's element strides for each packed axis, and the byte offset of packed element
 * 0 in the weight (kernel axes reversed for mode 'convolution').
 */
export function nhwcPacking(g: Geometry): [number[], number[], number] {
  const [so, si, sh, sw] = weightStrides(g);
  const strides = [g.COG * so, sh, sw, si, so];
  let offset = 0;
  if (g.flip) {
    offset = ((g.KH - 1) * sh + (g.KW - 1) * sw) * F32_BYTES;
    strides[1] = -sh;
    strides[2] = -sw;
  }
  return [[g.G, g.KH, g.KW, g.CG, g.COG], strides, offset];
}

/**
 * The weight packed for NHWC GEMMs (see nhwcPacking): an HWIO weight of one group, correlated, is
 * that layout already; else packed once per weight version when the weight tensor `wt` is given
 * (weight-cache.ts), or into scratch on every call without it.
 */
export function packedWeightNHWC(op: string, g: Geometry, w: number, wt: Tensor | null = null): number {
  if (g.hwio && g.G === 1 && !g.flip) return w;
  const bytes = g.CO * g.CG * g.KH * g.KW * F32_BYTES;
  const pack = (at: number): void => {
    const [shape, oihw, offset] = nhwcPacking(g);
    copyStrided(op, at, w + offset, shape, stridesOf(shape), oihw);
  };
  if (wt !== null) return preparedWeight(op, wt, `nhwc ${g.G} ${g.CG} ${g.COG} ${g.KH} ${g.KW} ${g.flip} ${g.hwio}`, bytes, pack);
  const at = scratch(Slot.Weight, bytes, op);
  pack(at);
  return at;
}

/** Input channels c0 .. c1-1 of the NHWC-packed weight (see nhwcPacking), [G][KH][KW][c1-c0][COG], at `at`. */
export function packWeightSliceNHWC(op: string, g: Geometry, w: number, c0: number, c1: number, at: number): void {
  const [shape, oihw, offset] = nhwcPacking(g);
  shape[3] = c1 - c0;
  copyStrided(op, at, w + offset + c0 * oihw[3]! * F32_BYTES, shape, stridesOf(shape), oihw);
}

/** Zero-pads every channel plane of NCHW `x` into scratch: [N*C, H+PT+PB, W+PL+PR]. */
export function paddedInput(op: string, g: Geometry, x: number): [number, number, number] {
  const Hp = g.H + g.PT + g.PB, Wp = g.W + g.PL + g.PR;
  if (Hp === g.H && Wp === g.W) return [x, Hp, Wp];
  const planes = g.N * g.C;
  const at = scratch(Slot.Pad, planes * Hp * Wp * F32_BYTES, op);
  kernels.fill(at, planes * Hp * Wp, 0);
  copyStrided(op, at + (g.PT * Wp + g.PL) * F32_BYTES, x, [planes, g.H, g.W], [Hp * Wp, Wp, 1], [g.H * g.W, g.W, 1]);
  return [at, Hp, Wp];
}

/**
 * y = conv(x, w) (+ bias). All addresses are byte addresses of validated, contiguous tensors; `wt`,
 * the weight tensor itself, lets Winograd cache its transform (without it, the direct kernels run).
 */
export function forwardKernels(op: string, g: Geometry, x: number, w0: number, bias: number, y: number, wt: Tensor | null = null): void {
  if (g.N === 0) return;
  if (wt !== null && useWinograd(g) && winogradForward(op, g, x, wt, bias, y)) return;
  const HWo = g.HO * g.WO;
  const kg = g.CG * g.KH * g.KW;
  if (g.nhwc) {
    // Parts take whole images or bands of output rows r0 .. r1-1 (im2col of a band: the top
    // padding shifted by r0*SH; its GEMM writes the band's rows of y).
    const [T, byImage] = imagesOrRows(g);
    const cols = partScratch(op, T, (byImage ? g.HO : largestPart(g.HO, T)) * g.WO * kg * F32_BYTES);
    const wp = packedWeightNHWC(op, g, w0, wt); // after the scratch: an out-of-memory leaves no cache entry
    parallel(T, (k, t) => {
      const n0 = byImage ? partStart(g.N, T, t) : 0, n1 = byImage ? partStart(g.N, T, t + 1) : g.N;
      const r0 = byImage ? 0 : partStart(g.HO, T, t), r1 = byImage ? g.HO : partStart(g.HO, T, t + 1);
      const m = (r1 - r0) * g.WO, col = cols[t]!;
      if (m === 0) return;
      for (let n = n0; n < n1; n++) {
        const xn = x + n * g.H * g.W * g.C * F32_BYTES;
        const yr = y + (n * HWo + r0 * g.WO) * g.CO * F32_BYTES;
        for (let gi = 0; gi < g.G; gi++) {
          k.im2col_nhwc(xn, g.H, g.W, g.C, gi * g.CG, g.CG, g.KH, g.KW, g.SH, g.SW, g.PT - r0 * g.SH, g.PL, g.DH, g.DW, r1 - r0, g.WO, col);
          k.gemm(m, g.COG, kg, col, kg, wp + gi * kg * g.COG * F32_BYTES, g.COG, yr + gi * g.COG * F32_BYTES, g.CO, OVERWRITE);
        }
        if (bias) k.bias_add_cols(yr, bias, m, g.CO);
      }
    });
    return;
  }
  if (isDirect(g)) {
    forwardDirect(g, x, kernelWeight(op, g, w0), y);
    if (bias) biasAdd(false, g.N, g.CO, HWo, y, bias);
    return;
  }
  const w = weightForKernels(op, g, kernelWeight(op, g, w0));
  // Parts take whole images or bands of output rows r0 .. r1-1 (as in the NHWC case above); the
  // implicit GEMM packs its own column panels (no column matrix) and adds the bias; conv_few
  // (same arguments, bitwise the same result) copies the rows it reads into its own strip.
  const [T, byImage] = imagesOrRows(g);
  const kernel = nchwKernel(g), oc = kernel === 'conv_oc';
  // conv_oc reads x with its zero padding written out (every tap inside the input) and calls per
  // block of M = 16 output channels (as a group: it reads its group's input, or with one group
  // the whole input); the others per group of M = COG output channels.
  const [xs, H, W] = oc ? paddedInput(op, g, x) : [x, g.H, g.W];
  const ws = oc ? channelBlocks(op, g, w) : w; // before geo: both write Slot.Meta
  const M = oc ? 16 : g.COG, plane = H * W * F32_BYTES;
  const geo = writeMeta(op, [g.CG, H, W, g.KH, g.KW, g.SH, g.SW, oc ? 0 : g.PT, oc ? 0 : g.PL, g.DH, g.DW, g.HO, g.WO, M]);
  implicitGemmParts(op, T, byImage, g.N, g.CO / M, g.HO, geo, oc ? 128 : kernel === 'conv_few' ? fewWorkBytes(g) : convWorkBytes(kg),
    { at: xs, image: g.C * plane, group: oc && g.G === 1 ? 0 : g.CG * plane },
    { at: ws, image: 0, group: M * kg * F32_BYTES },
    { at: y, image: g.CO * HWo * F32_BYTES, group: M * HWo * F32_BYTES },
    bias ? { at: bias, image: 0, group: M * F32_BYTES } : null, kernel);
}

/** The OIHW weight at w as conv_oc reads it, in scratch: blocks of 16 output channels, [CO/16][CG*KH*KW][16]. */
function channelBlocks(op: string, g: Geometry, w: number): number {
  const K = g.CG * g.KH * g.KW;
  const at = scratch(Slot.Tmp, g.CO * K * F32_BYTES, op);
  copyStrided(op, at, w, [g.CO >> 4, K, 16], [K * 16, 16, 1], [16 * K, 1, K]);
  return at;
}

/** An NCHW forward kernel: conv_nchw's contract, bitwise the same results (assembly/gemm.ts, assembly/conv_few.ts). */
export type NchwKernel = 'conv_nchw' | 'conv_few' | 'conv_oc';

/** Which NCHW kernel takes a convolution that is neither direct nor Winograd: 'auto' (measured rules), or forced (tests, benchmarks). */
let kernelChoice: 'auto' | NchwKernel = 'auto';

/** Forces the NCHW forward kernel (for tests and A/B benchmarks); 'auto' restores the measured rules. */
export function forceFewTaps(choice: 'auto' | NchwKernel): void {
  kernelChoice = choice;
}

/** The NCHW forward kernel of g: forced, else conv_few for few taps (useFewTaps), conv_oc for small images (useChannelTiles), else conv_nchw. */
export function nchwKernel(g: Geometry): NchwKernel {
  if (kernelChoice === 'conv_oc' && !channelTiles(g)) return 'conv_nchw';
  if (kernelChoice !== 'auto') return kernelChoice;
  return useFewTaps(g) ? 'conv_few' : useChannelTiles(g) ? 'conv_oc' : 'conv_nchw';
}

/**
 * Whether the 'auto' rules run conv_few rather than conv_nchw (same results, bitwise).
 * Measured (A/B in one process, one thread): conv_few wins on rows of >= 24 output pixels with
 * up to 64 taps per output at stride 1 (1.2-1.8x at 9-27 taps, 1.0-1.4x at 36-64), and up to 160
 * at a larger width stride, where conv_nchw packs its panels element by element (1.1-1.5x); it
 * loses on narrower rows (its 16-pixel tiles: 0.4-0.9x at 8-20 pixels) and at 100-150 taps.
 * With up to 8 output channels per group (conv_nchw's GEMM then has 8 rows or fewer) it also
 * wins at up to 800 taps on rows of >= 32 pixels: conv_few's time over
 * conv_nchw's (7 alternating rounds, medians) 0.51-0.97x on 16 such shapes (1-8 channels a group,
 * 144-800 taps, strides 1 and 2, groups 1, 2 and 4, 3x3 and 5x5, 56-226 pixels wide); at 28
 * pixels and 1152 taps 1.08x, at 24 pixels (one channel, paired with itself) 1.29x.
 */
export function useFewTaps(g: Geometry): boolean {
  const taps = g.CG * g.KH * g.KW;
  return g.WO >= 24 && taps <= (g.SW === 1 ? 64 : 160) || g.WO >= 32 && g.COG <= 8 && taps <= 800;
}

/**
 * Whether the 'auto' rules run conv_oc rather than conv_nchw (same results, bitwise): output rows
 * narrower than conv_few's reach, at least 48 taps. Measured (A/B in one process, one thread,
 * batch 256): LeNet's conv2 (6 -> 16, 5x5, 14x14) 1.37-1.44x; 8..16 -> 16..32 channels, 3x3 and
 * 5x5, 8..15 pixels, 72-400 taps 1.07-1.48x; below 48 taps it mostly loses (9-36 taps:
 * 0.84-0.90x, one 27-tap shape 1.08x).
 */
export function useChannelTiles(g: Geometry): boolean {
  return channelTiles(g) && g.WO < 24 && g.CG * g.KH * g.KW >= 48;
}

/**
 * Whether conv_oc can take g: blocks of 16 output channels within one group (one group, or 16
 * channels per group), stride and dilation 1, padding >= 0 (written out by paddedInput).
 */
function channelTiles(g: Geometry): boolean {
  return g.COG % 16 === 0 && (g.G === 1 || g.COG === 16) && g.SH === 1 && g.SW === 1 && g.DH === 1 && g.DW === 1 &&
    Math.min(g.PT, g.PB, g.PL, g.PR) >= 0;
}

/** Scratch bytes of one conv_few call (assembly/conv_few.ts): the tap tables of up to 16 channel pairs (16 bytes a tap), input strip, tail tile. */
export function fewWorkBytes(g: Geometry): number {
  const LP = Math.floor(((g.KW - 1) * g.DW) / g.SW) + Math.ceil(g.WO / 16) * 16;
  return Math.min(Math.ceil(g.COG / 2), 16) * g.CG * g.KH * g.KW * 16 + g.CG * g.KH * g.SW * LP * F32_BYTES + 128;
}

/** An operand of implicitGemmParts: the byte address of image 0, group 0, and the bytes between images and groups. */
export interface GroupedOperand {
  at: number;
  image: number;
  group: number;
}

/**
 * conv_nchw (the implicit GEMM), or conv_few (the same contract), over N images x G groups, in T parts of whole images (byImage)
 * or of bands of the `rows` output rows; geo is conv_nchw's geometry block, workBytes its scratch
 * per part. Image n, group gi reads src and w and writes dst (and adds bias, if any) at
 * `at + n*image + gi*group`.
 */
export function implicitGemmParts(
  op: string, T: number, byImage: boolean, N: number, G: number, rows: number, geo: number, workBytes: number,
  src: GroupedOperand, w: GroupedOperand, dst: GroupedOperand, bias: GroupedOperand | null,
  kernel: NchwKernel = 'conv_nchw',
): void {
  const work = partScratch(op, T, workBytes);
  parallel(T, (k, t) => {
    const n0 = byImage ? partStart(N, T, t) : 0, n1 = byImage ? partStart(N, T, t + 1) : N;
    const r0 = byImage ? 0 : partStart(rows, T, t), r1 = byImage ? rows : partStart(rows, T, t + 1);
    if (r1 === r0) return;
    for (let n = n0; n < n1; n++) {
      for (let gi = 0; gi < G; gi++) {
        k[kernel](src.at + n * src.image + gi * src.group, geo, r0, r1, w.at + gi * w.group,
          dst.at + n * dst.image + gi * dst.group, bias ? bias.at + gi * bias.group : 0, work[t]!);
      }
    }
  });
}

/** y [N, C, HW] (NHWC: [N, HW, C]) += bias [C] along the channels. */
export function biasAdd(nhwc: boolean, N: number, C: number, HW: number, y: number, bias: number): void {
  if (nhwc) kernels.bias_add_cols(y, bias, N * HW, C);
  else for (let n = 0; n < N; n++) kernels.bias_add_rows(y + n * C * HW * F32_BYTES, bias, C, HW);
}

/** Scratch bytes of one conv_nchw call with K = C*kh*kw (CONV_WORK_BYTES + 12*K in assembly/gemm.ts). */
export function convWorkBytes(K: number): number {
  return 640 * 32 + 256 + 12 * K;
}

/** 2·N·Cout·Ho·Wo·(Cin/groups)·kh·kw: the multiply-adds of a convolution (and of each gradient), twice. */
export function convFlops(g: Geometry): number {
  return 2 * g.N * g.CO * g.HO * g.WO * g.CG * g.KH * g.KW;
}

/** Threads for a convolution over g, and whether parts take whole images (else output rows). */
export function imagesOrRows(g: Geometry): [number, boolean] {
  const [T, d] = chooseSplit(partsFor(convFlops(g)), g.N, g.HO);
  return [T, d === 0];
}

/** 16-byte multiple (scratch blocks carved into several arrays). */
export function align16(bytes: number): number {
  return Math.ceil(bytes / 16) * 16;
}

/** y = the correlation of every channel plane of x with its channel's kernel of w (OIHW; flipped for mode 'convolution'), zero padding read in place. */
function forwardDirect(g: Geometry, x: number, w: number, y: number): void {
  correlatePlanes(g, x, g.H, g.W, w, g.PT, g.PL, y, g.HO, g.WO, g.flip ? CONVOLVE : CORRELATE);
}

/**
 * The direct kernels' loop (forward, and input gradient): correlates each of the N*C planes of
 * `src` (srcH x srcW) with its channel's kernel of `w` (flipped when `flip` is CONVOLVE) into the
 * plane of `dst` (dstH x dstW), with top and left zero padding PT, PL (negative: cropped). Parts
 * take whole planes or bands of dst rows r0 .. r1-1 (a band's top padding is PT - r0).
 */
export function correlatePlanes(g: Geometry, src: number, srcH: number, srcW: number, w: number, PT: number, PL: number,
  dst: number, dstH: number, dstW: number, flip: typeof CORRELATE | typeof CONVOLVE): void {
  const kk = g.KH * g.KW, planes = g.N * g.C;
  const [T, d] = chooseSplit(partsFor(convFlops(g)), planes, dstH);
  const byPlane = d === 0;
  parallel(T, (k, t) => {
    const p0 = byPlane ? partStart(planes, T, t) : 0, p1 = byPlane ? partStart(planes, T, t + 1) : planes;
    const r0 = byPlane ? 0 : partStart(dstH, T, t), r1 = byPlane ? dstH : partStart(dstH, T, t + 1);
    if (r1 === r0) return;
    for (let p = p0; p < p1; p++) {
      k.corr2d_pad(src + p * srcH * srcW * F32_BYTES, srcH, srcW, w + (p % g.C) * kk * F32_BYTES, g.KH, g.KW, PT - r0, PL,
        dst + (p * dstH * dstW + r0 * dstW) * F32_BYTES, r1 - r0, dstW, OVERWRITE, flip);
    }
  });
}
