// Convolution ops: validate the geometry once, then run kernels. Single-channel and depthwise
// convolutions (one input and one output channel per group) at stride 1 and dilation 1 run direct
// kernels per channel plane: the correlation reads the zero padding in place, the input gradient
// is the correlation of dy with the flipped kernel, the filter gradient its own kernel. Everything
// else is im2col + GEMM per image and group. Every op can write its result into an `out` tensor.
// Weights are OIHW ([Cout, Cin/groups, kh, kw]) in both activation layouts.
import { ArgumentError, AutogradError, ShapeError, describe, shapeStr } from '../errors.js';
import { DIMS, Tensor, checkTensor, empty, wroteInPlace } from '../tensor.js';
import { kernels } from '../wasm/kernels.js';
import { Slot, partScratch, scratch, writeMeta } from '../wasm/runtime.js';
import { chooseSplit, parallel, partStart, threadsFor } from '../threads/pool.js';
import { isGradEnabled, needsGrad, record } from '../autograd/node.js';
import { stridesOf } from '../layout.js';
import { MAX_INT32, checkInt, readArray, readNumbers, readOptions } from '../args.js';
import { copyStrided } from './strided.js';

/**
 * One integer for both spatial axes, or [height, width].
 * @example
 * const stride: sc.Pair = [2, 1];
 * sc.conv2d(sc.ones([1, 1, 6, 8]), sc.ones([1, 1, 2, 2]), { stride }).shape   // => [1, 1, 3, 7]
 */
export type Pair = number | readonly [number, number];
/**
 * Zero padding: 'valid' (none), 'same' (output size ceil(n / stride), split evenly with the extra
 * row/column after, like TensorFlow), n on every side, [ph, pw] on both sides of each axis, or
 * [[top, bottom], [left, right]].
 * @example
 * const padding: sc.Padding = [[1, 0], [0, 2]];
 * sc.conv2d(sc.ones([1, 1, 6, 8]), sc.ones([1, 1, 3, 3]), { padding }).shape   // => [1, 1, 5, 8]
 */
export type Padding = 'valid' | 'same' | number | readonly [number, number] | readonly [readonly [number, number], readonly [number, number]];

/**
 * The options of {@link conv2d}: bias, stride, padding, dilation, groups, activation layout,
 * correlation or convolution, and an optional output tensor.
 * @example
 * const opts: sc.Conv2dOptions = { stride: 2, padding: 'same', dilation: 1, layout: 'NHWC' };
 * sc.conv2d(sc.ones([1, 8, 8, 3]), sc.ones([4, 3, 3, 3]), opts).shape   // => [1, 4, 4, 4]
 */
export interface Conv2dOptions {
  /** Per-output-channel bias, shape [Cout]. */
  bias?: Tensor | null;
  /** Step between windows: n or [sh, sw]. Default 1. */
  stride?: Pair;
  /** 'valid' (default), 'same', n, [ph, pw] (both sides) or [[top, bottom], [left, right]]. */
  padding?: Padding;
  /** Spacing between kernel taps: n or [dh, dw]. Default 1. */
  dilation?: Pair;
  /** Channel groups: Cin and Cout must be multiples. Default 1. */
  groups?: number;
  /** Activation layout: 'NCHW' (default, PyTorch) or 'NHWC' (TensorFlow). Weights stay OIHW. */
  layout?: 'NCHW' | 'NHWC';
  /** 'correlation' (default: what deep learning calls convolution) or 'convolution' (kernel flipped). */
  mode?: 'correlation' | 'convolution';
  /**
   * Write the result into this tensor instead of a new one (and return it): it must have exactly
   * the result's shape, share no memory with the inputs, and not be tracked by autograd, and
   * the inputs must not require grad (results written to `out` are not recorded).
   */
  out?: Tensor | null;
}

/**
 * conv2d's options without the bias: the geometry the gradient functions need.
 * @example
 * const opts: sc.ConvGeometryOptions = { padding: 1 };
 * sc.conv2dGradInput(sc.ones([1, 1, 4, 4]), sc.ones([1, 1, 3, 3]), [1, 1, 4, 4], opts).shape   // => [1, 1, 4, 4]
 */
export type ConvGeometryOptions = Omit<Conv2dOptions, 'bias'>;

const OPTION_KEYS = new Set(['bias', 'stride', 'padding', 'dilation', 'groups', 'layout', 'mode', 'out']);
const NO_OPTIONS: Conv2dOptions = Object.freeze({});
const hasOwn = Object.prototype.hasOwnProperty;

/** Everything a convolution kernel call needs, validated. */
export interface Geometry {
  N: number; C: number; H: number; W: number;
  CO: number; KH: number; KW: number;
  G: number; CG: number; COG: number;
  SH: number; SW: number; DH: number; DW: number;
  PT: number; PB: number; PL: number; PR: number;
  HO: number; WO: number;
  nhwc: boolean; flip: boolean; batched: boolean;
}

/**
 * The output length along one axis: `floor((n + padBefore + padAfter - dilation*(k-1) - 1) / stride) + 1`.
 * @example sc.convOutputSize(8, 2)   // => 7
 * @example sc.convOutputSize(56, 3, { stride: 2, padBefore: 1, padAfter: 1 })   // => 28
 */
export function convOutputSize(n: number, k: number, opts: { stride?: number; padBefore?: number; padAfter?: number; dilation?: number } = {}): number {
  const op = 'convOutputSize';
  const o = readOptions<{ stride?: unknown; padBefore?: unknown; padAfter?: unknown; dilation?: unknown }>(op, opts ?? 0, SIZE_KEYS);
  const N = checkInt(op, 'n', n, 1), Kk = checkInt(op, 'k', k, 1);
  const stride = checkInt(op, 'stride', o.stride ?? 1, 1), dilation = checkInt(op, 'dilation', o.dilation ?? 1, 1);
  const padBefore = checkInt(op, 'padBefore', o.padBefore ?? 0, 0), padAfter = checkInt(op, 'padAfter', o.padAfter ?? 0, 0);
  const span = dilation * (Kk - 1) + 1;
  if (span > N + padBefore + padAfter) {
    throw new ShapeError(op, 'k', `a kernel no larger than the padded input (${N + padBefore + padAfter})`,
      `a kernel spanning ${span}`, `${op}: kernel spanning ${span} is larger than the padded input ${N + padBefore + padAfter}: the output would be empty`);
  }
  return Math.floor((N + padBefore + padAfter - span) / stride) + 1;
}

const SIZE_KEYS = new Set(['stride', 'padBefore', 'padAfter', 'dilation']);

/** `opts` read once (see readOptions in util.ts), with only the `keys`; else throws ArgumentError. */
export const optionsOf = readOptions;

/** Checks an input size [height, width] of two positive integers. */
export function checkInputShape(op: string, s: unknown): [number, number] {
  const expected = 'the input [height, width] (two positive integers)';
  const hw = readNumbers(op, 'inputShape', s, expected, 2, ShapeError);
  if (hw.length !== 2 || hw.some((d) => !Number.isInteger(d) || d < 1 || d > MAX_INT32)) throw new ShapeError(op, 'inputShape', expected, describe(hw));
  return [hw[0]!, hw[1]!];
}

/** Parses n or [h, w] (integers >= min; `dflt` when undefined). */
export function pair(op: string, argument: string, v: unknown, dflt: number, min: number): [number, number] {
  if (v === undefined) return [dflt, dflt];
  if (typeof v === 'number') {
    const n = checkInt(op, argument, v, min);
    return [n, n];
  }
  const hw = Array.isArray(v) ? readArray(op, argument, v, `an integer >= ${min} or a pair [h, w]`, 2) : [];
  if (hw.length === 2) return [checkInt(op, `${argument}[0]`, hw[0], min), checkInt(op, `${argument}[1]`, hw[1], min)];
  throw new ArgumentError(op, argument, `an integer >= ${min} or a pair [h, w]`, describe(v));
}

/** Resolves padding to [top, bottom, left, right] for an H x W input (only 'same' depends on it). */
export function paddingOf(op: string, p: unknown, H: number, W: number, KH: number, KW: number, s: [number, number], d: [number, number]): [number, number, number, number] {
  if (p === undefined || p === 'valid') return [0, 0, 0, 0];
  if (p === 'same') {
    // out = ceil(n / stride); total = max((out-1)*stride + d*(k-1) + 1 - n, 0); before = floor(total/2).
    const side = (n: number, k: number, st: number, dl: number): [number, number] => {
      const out = Math.ceil(n / st);
      const total = Math.max((out - 1) * st + dl * (k - 1) + 1 - n, 0);
      const before = Math.floor(total / 2);
      return [before, total - before];
    };
    const [t, b] = side(H, KH, s[0], d[0]);
    const [l, r] = side(W, KW, s[1], d[1]);
    return [t, b, l, r];
  }
  if (typeof p === 'number') {
    const n = checkInt(op, 'padding', p, 0);
    return [n, n, n, n];
  }
  const pp = Array.isArray(p) ? readArray(op, 'padding', p, 'padding', 2) : [];
  if (pp.length === 2) {
    const [p0, p1] = pp;
    if (typeof p0 === 'number' && typeof p1 === 'number') {
      const ph = checkInt(op, 'padding[0]', p0, 0), pw = checkInt(op, 'padding[1]', p1, 0);
      return [ph, ph, pw, pw];
    }
    const a = Array.isArray(p0) ? readArray(op, 'padding[0]', p0, 'a pair', 2) : [];
    const b = Array.isArray(p1) ? readArray(op, 'padding[1]', p1, 'a pair', 2) : [];
    if (a.length === 2 && b.length === 2) {
      return [checkInt(op, 'padding[0][0]', a[0], 0), checkInt(op, 'padding[0][1]', a[1], 0),
        checkInt(op, 'padding[1][0]', b[0], 0), checkInt(op, 'padding[1][1]', b[1], 0)];
    }
  }
  throw new ArgumentError(op, 'padding', "'valid', 'same', an integer >= 0, [ph, pw] or [[top, bottom], [left, right]]", describe(p));
}

/**
 * Validates a convolution's shapes and options. `xShape` is the input's shape (3-D unbatched or
 * 4-D), `wShape` the weight's ([Cout, Cin/groups, kh, kw]).
 */
export function geometry(op: string, xShape: readonly number[], wShape: readonly number[], opts: unknown, xArg = 'x', wArg = 'w'): Geometry {
  const o = optionsOf<Conv2dOptions>(op, opts, OPTION_KEYS);
  const layout = o.layout ?? 'NCHW';
  if (layout !== 'NCHW' && layout !== 'NHWC') throw new ArgumentError(op, 'layout', "'NCHW' or 'NHWC'", describe(layout));
  const mode = o.mode ?? 'correlation';
  if (mode !== 'correlation' && mode !== 'convolution') throw new ArgumentError(op, 'mode', "'correlation' or 'convolution'", describe(mode));
  const nhwc = layout === 'NHWC';
  if (xShape.length !== 4 && xShape.length !== 3) {
    throw new ShapeError(op, xArg, `a 4-D tensor ${nhwc ? '[N, H, W, C]' : '[N, C, H, W]'} (or 3-D unbatched)`, `shape ${shapeStr(xShape)}`);
  }
  if (wShape.length !== 4) {
    throw new ShapeError(op, wArg, 'a 4-D weight [Cout, Cin/groups, kh, kw]', `shape ${shapeStr(wShape)}`);
  }
  const batched = xShape.length === 4, b = batched ? 1 : 0;
  const N = batched ? xShape[0]! : 1;
  const C = xShape[nhwc ? b + 2 : b]!, H = xShape[nhwc ? b : b + 1]!, W = xShape[nhwc ? b + 1 : b + 2]!;
  const CO = wShape[0]!, CIG = wShape[1]!, KH = wShape[2]!, KW = wShape[3]!;
  positive(op, N, 'batch', xArg, xShape);
  positive(op, C, 'channels', xArg, xShape);
  positive(op, H, 'height', xArg, xShape);
  positive(op, W, 'width', xArg, xShape);
  positive(op, CO, 'output channels', wArg, wShape);
  positive(op, CIG, 'input channels', wArg, wShape);
  positive(op, KH, 'kernel height', wArg, wShape);
  positive(op, KW, 'kernel width', wArg, wShape);
  const G = o.groups === undefined ? 1 : checkInt(op, 'groups', o.groups, 1);
  if (C % G !== 0) throw new ArgumentError(op, 'groups', `a divisor of the input channels (${C})`, String(G));
  if (CO % G !== 0) throw new ArgumentError(op, 'groups', `a divisor of the output channels (${CO})`, String(G));
  if (CIG * G !== C) {
    throw new ShapeError(op, wArg, `${C / G} input channels per group (x has ${C} channels, groups ${G}): shape [${CO}, ${C / G}, ${KH}, ${KW}]`,
      `shape ${shapeStr(wShape)}`);
  }
  let SH = 1, SW = 1, DH = 1, DW = 1, PT = 0, PB = 0, PL = 0, PR = 0;
  if (o.stride !== undefined) [SH, SW] = pair(op, 'stride', o.stride, 1, 1);
  if (o.dilation !== undefined) [DH, DW] = pair(op, 'dilation', o.dilation, 1, 1);
  if (o.padding !== undefined && o.padding !== 'valid') [PT, PB, PL, PR] = paddingOf(op, o.padding, H, W, KH, KW, [SH, SW], [DH, DW]);
  const ekh = DH * (KH - 1) + 1, ekw = DW * (KW - 1) + 1;
  if (ekh > H + PT + PB || ekw > W + PL + PR) {
    throw new ShapeError(op, wArg, `a kernel no larger than the padded input ${H + PT + PB}x${W + PL + PR}`,
      `a ${KH}x${KW} kernel${DH > 1 || DW > 1 ? ` spanning ${ekh}x${ekw} with dilation` : ''}`,
      `${op}: kernel ${KH}x${KW}${DH > 1 || DW > 1 ? ` (spanning ${ekh}x${ekw} with dilation)` : ''} is larger than the${PT + PB + PL + PR > 0 ? ' padded' : ''} input ${H + PT + PB}x${W + PL + PR}`);
  }
  const HO = Math.floor((H + PT + PB - ekh) / SH) + 1;
  const WO = Math.floor((W + PL + PR - ekw) / SW) + 1;
  return {
    N, C, H, W, CO, KH, KW, G, CG: C / G, COG: CO / G, SH, SW, DH, DW,
    PT, PB, PL, PR, HO, WO, nhwc, flip: mode === 'convolution', batched,
  };
}

/** Throws ShapeError unless the extent `v` (a shape's `what`) is positive. */
function positive(op: string, v: number, what: string, argument: string, shape: readonly number[]): void {
  if (v < 1) throw new ShapeError(op, argument, `a positive ${what}`, `shape ${shapeStr(shape)}`);
}

/** The output shape of a geometry, in its layout (3-D when the input was unbatched). */
function outShape(g: Geometry): number[] {
  const s = g.nhwc ? [g.N, g.HO, g.WO, g.CO] : [g.N, g.CO, g.HO, g.WO];
  return g.batched ? s : s.slice(1);
}

function inShape(g: Geometry): number[] {
  const s = g.nhwc ? [g.N, g.H, g.W, g.C] : [g.N, g.C, g.H, g.W];
  return g.batched ? s : s.slice(1);
}

/** Direct per-channel path: one input and one output channel per group, stride 1, dilation 1. */
function isDirect(g: Geometry): boolean {
  return g.CG === 1 && g.COG === 1 && g.SH === 1 && g.SW === 1 && g.DH === 1 && g.DW === 1 && !g.nhwc;
}

/** The weight as the kernels read it: flipped into scratch for mode 'convolution', else as is. */
function weightForKernels(op: string, g: Geometry, w: number): number {
  if (!g.flip) return w;
  const kk = g.KH * g.KW, planes = g.CO * g.CG;
  const at = scratch(Slot.Weight, planes * kk * 4, op);
  kernels.corr2d_flip(at, w, planes, kk);
  return at;
}

/**
 * How the OIHW weight maps onto the NHWC GEMM layout [G][KH][KW][CG][COG]: the packed shape, the
 * OIHW element strides for each packed axis, and the byte offset of packed element 0 in OIHW
 * (kernel axes reversed for mode 'convolution').
 */
function nhwcPacking(g: Geometry): [number[], number[], number] {
  const kk = g.KH * g.KW;
  const strides = [g.COG * g.CG * kk, g.KW, 1, kk, g.CG * kk];
  let offset = 0;
  if (g.flip) {
    offset = ((g.KH - 1) * g.KW + (g.KW - 1)) * 4;
    strides[1] = -strides[1]!;
    strides[2] = -strides[2]!;
  }
  return [[g.G, g.KH, g.KW, g.CG, g.COG], strides, offset];
}

/** The weight packed for NHWC GEMMs (see nhwcPacking), in scratch. */
function packedWeightNHWC(op: string, g: Geometry, w: number): number {
  const at = scratch(Slot.Weight, g.CO * g.CG * g.KH * g.KW * 4, op);
  const [shape, oihw, offset] = nhwcPacking(g);
  copyStrided(op, at, w + offset, shape, stridesOf(shape), oihw);
  return at;
}

/** Input channels c0 .. c1-1 of the NHWC-packed weight (see nhwcPacking), [G][KH][KW][c1-c0][COG], at `at`. */
function packWeightSliceNHWC(op: string, g: Geometry, w: number, c0: number, c1: number, at: number): void {
  const [shape, oihw, offset] = nhwcPacking(g);
  shape[3] = c1 - c0;
  copyStrided(op, at, w + offset + c0 * oihw[3]! * 4, shape, stridesOf(shape), oihw);
}

/** Zero-pads every channel plane of NCHW `x` into scratch: [N*C, H+PT+PB, W+PL+PR]. */
function paddedInput(op: string, g: Geometry, x: number): [number, number, number] {
  const Hp = g.H + g.PT + g.PB, Wp = g.W + g.PL + g.PR;
  if (Hp === g.H && Wp === g.W) return [x, Hp, Wp];
  const planes = g.N * g.C;
  const at = scratch(Slot.Pad, planes * Hp * Wp * 4, op);
  kernels.fill(at, planes * Hp * Wp, 0);
  copyStrided(op, at + (g.PT * Wp + g.PL) * 4, x, [planes, g.H, g.W], [Hp * Wp, Wp, 1], [g.H * g.W, g.W, 1]);
  return [at, Hp, Wp];
}

/** y = conv(x, w) (+ bias). All addresses are byte addresses of validated, contiguous tensors. */
export function forwardKernels(op: string, g: Geometry, x: number, w0: number, bias: number, y: number): void {
  const HWo = g.HO * g.WO;
  const kg = g.CG * g.KH * g.KW;
  if (g.nhwc) {
    const wp = packedWeightNHWC(op, g, w0);
    // Parts take whole images or bands of output rows r0 .. r1-1 (im2col of a band: the top
    // padding shifted by r0*SH; its GEMM writes the band's rows of y).
    const [T, byImage] = imagesOrRows(g);
    const cols = partScratch(op, T, (byImage ? g.HO : Math.ceil(g.HO / T)) * g.WO * kg * 4);
    parallel(T, (k, t) => {
      const n0 = byImage ? partStart(g.N, T, t) : 0, n1 = byImage ? partStart(g.N, T, t + 1) : g.N;
      const r0 = byImage ? 0 : partStart(g.HO, T, t), r1 = byImage ? g.HO : partStart(g.HO, T, t + 1);
      const m = (r1 - r0) * g.WO, col = cols[t]!;
      if (m === 0) return;
      for (let n = n0; n < n1; n++) {
        const xn = x + n * g.H * g.W * g.C * 4;
        const yr = y + (n * HWo + r0 * g.WO) * g.CO * 4;
        for (let gi = 0; gi < g.G; gi++) {
          k.im2col_nhwc(xn, g.H, g.W, g.C, gi * g.CG, g.CG, g.KH, g.KW, g.SH, g.SW, g.PT - r0 * g.SH, g.PL, g.DH, g.DW, r1 - r0, g.WO, col);
          k.gemm(m, g.COG, kg, col, kg, wp + gi * kg * g.COG * 4, g.COG, yr + gi * g.COG * 4, g.CO, 0);
        }
        if (bias) k.bias_add_cols(yr, bias, m, g.CO);
      }
    });
    return;
  }
  if (isDirect(g)) {
    forwardDirect(g, x, w0, y);
    if (bias) for (let n = 0; n < g.N; n++) kernels.bias_add_rows(y + n * g.CO * HWo * 4, bias, g.CO, HWo);
    return;
  }
  const w = weightForKernels(op, g, w0);
  // Parts take whole images or bands of output rows r0 .. r1-1 (as in the NHWC case above); the
  // implicit GEMM packs its own column panels (no column matrix) and adds the bias.
  const [T, byImage] = imagesOrRows(g);
  const work = partScratch(op, T, convWorkBytes(kg));
  const geo = writeMeta(op, [g.CG, g.H, g.W, g.KH, g.KW, g.SH, g.SW, g.PT, g.PL, g.DH, g.DW, g.HO, g.WO, g.COG]);
  parallel(T, (k, t) => {
    const n0 = byImage ? partStart(g.N, T, t) : 0, n1 = byImage ? partStart(g.N, T, t + 1) : g.N;
    const r0 = byImage ? 0 : partStart(g.HO, T, t), r1 = byImage ? g.HO : partStart(g.HO, T, t + 1);
    if (r1 === r0) return;
    for (let n = n0; n < n1; n++) {
      for (let gi = 0; gi < g.G; gi++) {
        k.conv_nchw(x + (n * g.C + gi * g.CG) * g.H * g.W * 4, geo, r0, r1, w + gi * g.COG * kg * 4,
          y + (n * g.CO + gi * g.COG) * HWo * 4, bias ? bias + gi * g.COG * 4 : 0, work[t]!);
      }
    }
  });
}

/** Scratch bytes of one conv_nchw call with K = C*kh*kw (CONV_WORK_BYTES + 12*K in assembly/gemm.ts). */
function convWorkBytes(K: number): number {
  return 640 * 32 + 256 + 12 * K;
}

/** 2·N·Cout·Ho·Wo·(Cin/groups)·kh·kw: the multiply-adds of a convolution (and of each gradient), twice. */
function convFlops(g: Geometry): number {
  return 2 * g.N * g.CO * g.HO * g.WO * g.CG * g.KH * g.KW;
}

/** Threads for a convolution over g, and whether parts take whole images (else output rows). */
function imagesOrRows(g: Geometry): [number, boolean] {
  const [T, d] = chooseSplit(threadsFor(convFlops(g)), g.N, g.HO);
  return [T, d === 0];
}

/** 16-byte multiple (scratch blocks carved into several arrays). */
function align16(bytes: number): number {
  return Math.ceil(bytes / 16) * 16;
}

/** dx = the input gradient of conv(x, w) for output gradient dy. */
export function gradInputKernels(op: string, g: Geometry, dy: number, w0: number, dx: number): void {
  if (isDirect(g)) return gradInputDirect(g, dy, w0, dx);
  const HWo = g.HO * g.WO;
  const kk = g.KH * g.KW, kg = g.CG * kk;
  // Parts take whole images, or input channels c0 .. c1-1 of every group: a part computes only
  // its channels' rows of the columns and folds them into its channels of dx (col2im adds into
  // each element of dx only from that element's own channel).
  const [T, d] = chooseSplit(threadsFor(convFlops(g)), g.N, g.CG);
  const byImage = d === 0;
  const colBytes = align16(kk * (byImage ? g.CG : Math.ceil(g.CG / T)) * HWo * 4);
  if (g.nhwc) {
    // Channel parts read their slice of the packed weight, [G][KH][KW][c1-c0][COG], stored after their columns.
    const scr = partScratch(op, T, colBytes + (byImage ? 0 : g.G * kk * Math.ceil(g.CG / T) * g.COG * 4));
    const wp = byImage ? packedWeightNHWC(op, g, w0) : 0;
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
        const dyn = dy + n * HWo * g.CO * 4;
        const dxn = dx + n * g.H * g.W * g.C * 4;
        if (byImage) k.fill(dxn, g.H * g.W * g.C, 0);
        for (let gi = 0; gi < g.G; gi++) {
          k.gemm_nt(HWo, kc, g.COG, dyn + gi * g.COG * 4, g.CO, wt + gi * kc * g.COG * 4, g.COG, col, kc, 0);
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
      const dyn = dy + n * g.CO * HWo * 4;
      const dxn = dx + n * g.C * g.H * g.W * 4;
      for (let gi = 0; gi < g.G; gi++) {
        const dxc = dxn + (gi * g.CG + c0) * g.H * g.W * 4;
        k.fill(dxc, (c1 - c0) * g.H * g.W, 0);
        k.gemm_tn(kk * (c1 - c0), HWo, g.COG, w + (gi * g.COG * kg + c0 * kk) * 4, kg, dyn + gi * g.COG * HWo * 4, HWo, scr[t]!, HWo, 0);
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
  const wt = scratch(Slot.Weight, g.CO * g.CG * kk * 4, op);
  const shape = [g.G, g.CG, g.COG, g.KH, g.KW];
  const sa = g.flip ? g.KW : -g.KW, sb = g.flip ? 1 : -1, offset = g.flip ? 0 : (kk - 1) * 4;
  copyStrided(op, wt, w0 + offset, shape, stridesOf(shape), [g.COG * g.CG * kk, kk, g.CG * kk, sa, sb]);
  const [T, d] = chooseSplit(threadsFor(convFlops(g)), g.N, g.H);
  const byImage = d === 0;
  const work = partScratch(op, T, convWorkBytes(g.COG * kk));
  const geo = writeMeta(op, [g.COG, g.HO, g.WO, g.KH, g.KW, 1, 1, g.DH * (g.KH - 1) - g.PT, g.DW * (g.KW - 1) - g.PL, g.DH, g.DW, g.H, g.W, g.CG]);
  parallel(T, (k, t) => {
    const n0 = byImage ? partStart(g.N, T, t) : 0, n1 = byImage ? partStart(g.N, T, t + 1) : g.N;
    const r0 = byImage ? 0 : partStart(g.H, T, t), r1 = byImage ? g.H : partStart(g.H, T, t + 1);
    if (r1 === r0) return;
    for (let n = n0; n < n1; n++) {
      for (let gi = 0; gi < g.G; gi++) {
        k.conv_nchw(dy + (n * g.CO + gi * g.COG) * HWo * 4, geo, r0, r1, wt + gi * g.CG * g.COG * kk * 4,
          dx + (n * g.C + gi * g.CG) * HW * 4, 0, work[t]!);
      }
    }
  });
}

/** dw = the weight gradient of conv(x, w) for output gradient dy (OIHW, flipped back for 'convolution'). */
export function gradWeightKernels(op: string, g: Geometry, x: number, dy: number, dw: number): void {
  if (isDirect(g)) return gradWeightDirect(op, g, x, dy, dw);
  const HWo = g.HO * g.WO;
  const kk = g.KH * g.KW, kg = g.CG * kk;
  const wsize = g.CO * kg;
  // The sum over images and positions is never split: parts take input channels (or output
  // channels) of the weight gradient, each summing its own elements in the single-thread order.
  const T0 = threadsFor(convFlops(g));
  const [T, d] = g.nhwc ? chooseSplit(T0, g.CG) : chooseSplit(T0, g.CG, g.COG);
  if (g.nhwc) {
    // Part t accumulates dWp_t[G][KH][KW][c1-c0][COG] over the batch from the columns of its
    // input channels c0 .. c1-1 (stored after them), then each slice is unpacked to OIHW.
    const colBytes = align16(HWo * kk * Math.ceil(g.CG / T) * 4);
    const scr = partScratch(op, T, colBytes + g.G * kk * Math.ceil(g.CG / T) * g.COG * 4);
    parallel(T, (k, t) => {
      const c0 = partStart(g.CG, T, t), c1 = partStart(g.CG, T, t + 1);
      const kc = kk * (c1 - c0), col = scr[t]!, dwp = col + colBytes;
      if (kc === 0) return;
      for (let n = 0; n < g.N; n++) {
        const xn = x + n * g.H * g.W * g.C * 4;
        const dyn = dy + n * HWo * g.CO * 4;
        for (let gi = 0; gi < g.G; gi++) {
          k.im2col_nhwc(xn, g.H, g.W, g.C, gi * g.CG + c0, c1 - c0, g.KH, g.KW, g.SH, g.SW, g.PT, g.PL, g.DH, g.DW, g.HO, g.WO, col);
          k.gemm_tn(kc, g.COG, HWo, col, kc, dyn + gi * g.COG * 4, g.CO, dwp + gi * kc * g.COG * 4, g.COG, n > 0 ? 1 : 0);
        }
      }
    });
    const [shape, oihw, offset] = nhwcPacking(g);
    for (let t = 0; t < T; t++) {
      const c0 = partStart(g.CG, T, t), c1 = partStart(g.CG, T, t + 1);
      if (c1 === c0) continue;
      const slice = shape.slice();
      slice[3] = c1 - c0;
      copyStrided(op, dw + offset + c0 * oihw[3]! * 4, scr[t]! + colBytes, slice, oihw, stridesOf(slice));
    }
    return;
  }
  const target = g.flip ? scratch(Slot.Weight, wsize * 4, op) : dw;
  // Parts take input channels c0 .. c1-1 of every group (their own columns, their columns of
  // dW), or, when there are too few, output channels o0 .. o1-1 (each unfolds the whole group).
  const byChannel = d === 0;
  const scr = partScratch(op, T, kk * (byChannel ? Math.ceil(g.CG / T) : g.CG) * HWo * 4);
  parallel(T, (k, t) => {
    const c0 = byChannel ? partStart(g.CG, T, t) : 0, c1 = byChannel ? partStart(g.CG, T, t + 1) : g.CG;
    const o0 = byChannel ? 0 : partStart(g.COG, T, t), o1 = byChannel ? g.COG : partStart(g.COG, T, t + 1);
    if (c1 === c0 || o1 === o0) return;
    for (let n = 0; n < g.N; n++) {
      const xn = x + n * g.C * g.H * g.W * 4;
      const dyn = dy + n * g.CO * HWo * 4;
      for (let gi = 0; gi < g.G; gi++) {
        k.im2col_nchw(xn + (gi * g.CG + c0) * g.H * g.W * 4, c1 - c0, g.H, g.W, g.KH, g.KW, g.SH, g.SW, g.PT, g.PL, g.DH, g.DW, g.HO, g.WO, scr[t]!);
        k.gemm_nt(o1 - o0, kk * (c1 - c0), HWo, dyn + (gi * g.COG + o0) * HWo * 4, HWo, scr[t]!, HWo,
          target + ((gi * g.COG + o0) * kg + c0 * kk) * 4, kg, n > 0 ? 1 : 0);
      }
    }
  });
  if (g.flip) kernels.corr2d_flip(dw, target, g.CO * g.CG, kk);
}

/** db[c] = sum of dy over batch and positions. */
export function gradBiasKernels(g: Geometry, dy: number, db: number): void {
  const HWo = g.HO * g.WO;
  if (g.nhwc) kernels.bias_grad_cols(dy, db, g.N * HWo, g.CO, 0);
  else for (let n = 0; n < g.N; n++) kernels.bias_grad_rows(dy + n * g.CO * HWo * 4, db, g.CO, HWo, n > 0 ? 1 : 0);
}

function checkBias(op: string, bias: unknown, CO: number): Tensor | null {
  if (bias === undefined || bias === null) return null;
  const b = checkTensor(op, 'bias', bias);
  if (b.ndim !== 1 || b[DIMS][0] !== CO) throw new ShapeError(op, 'bias', `shape [${CO}] (one per output channel)`, `shape ${shapeStr(b[DIMS])}`);
  return b;
}

// ---- results: a new tensor, or the caller's `out` -----------------------------------------------

/** Whether `s` is the activation shape [N, C, H, W] (or NHWC, 3-D when unbatched) of g with these C, H, W. */
function isActivation(s: readonly number[], g: Geometry, C: number, H: number, W: number): boolean {
  const b = g.batched ? 1 : 0;
  if (s.length !== 3 + b || (b === 1 && s[0] !== g.N)) return false;
  return g.nhwc ? s[b] === H && s[b + 1] === W && s[b + 2] === C : s[b] === C && s[b + 1] === H && s[b + 2] === W;
}

function isWeight(s: readonly number[], g: Geometry): boolean {
  return s.length === 4 && s[0] === g.CO && s[1] === g.CG && s[2] === g.KH && s[3] === g.KW;
}

function is2d(s: readonly number[], h: number, w: number): boolean {
  return s.length === 2 && s[0] === h && s[1] === w;
}

/**
 * Checks a caller's `out` tensor: live, of the result's shape (`fits`; `want` names it), sharing
 * memory with no input, not tracked by autograd, and the op not being recorded (its inputs do
 * not require grad). Throws the matching SimdconvError before anything is written.
 */
function checkOut(op: string, out: unknown, fits: (s: readonly number[]) => boolean, want: () => readonly number[],
  recording: boolean, inputs: readonly (Tensor | null)[], names: readonly string[]): Tensor {
  const t = checkTensor(op, 'out', out);
  if (!fits(t[DIMS])) throw new ShapeError(op, 'out', `shape ${shapeStr(want())} (the result's)`, `shape ${shapeStr(t[DIMS])}`);
  for (let i = 0; i < inputs.length; i++) {
    if (inputs[i] !== null && inputs[i]!._storage === t._storage) {
      throw new ArgumentError(op, 'out', 'a tensor sharing no memory with the inputs', `a tensor sharing memory with '${names[i]}'`,
        `${op}: 'out' shares memory with the input '${names[i]}'; the result cannot overwrite its own input: write to another tensor`);
    }
  }
  if (isGradEnabled() && t._requiresGrad) {
    throw new AutogradError(op, 'out', 'a tensor autograd does not track', t._node ? 'a tensor computed by a recorded op' : 'a leaf tensor that requires grad',
      `${op}: 'out' is ${t._node ? 'a tensor computed by a recorded op' : 'a leaf tensor that requires grad'}, which cannot be overwritten while autograd records: use another tensor (or noGrad)`);
  }
  if (recording) {
    throw new AutogradError(op, 'out', 'no out tensor when an input requires grad', 'an out tensor with inputs that require grad',
      `${op}: results written to 'out' are not recorded by autograd, but an input requires grad: drop 'out', or run under noGrad (or on detach()ed inputs)`);
  }
  return t;
}

// ---- conv2d and its gradients ---------------------------------------------------------------------

/**
 * 2-D convolution (cross-correlation by default) of a batch: x [N, C, H, W] (or NHWC with
 * `layout: 'NHWC'`, or 3-D unbatched) with weight w [Cout, C/groups, kh, kw], with optional bias,
 * stride, padding, dilation and groups. Differentiable in x, w and bias. With `out`, the result
 * is written into that tensor (nothing is allocated).
 * @example
 * const y = sc.conv2d(sc.ones([1, 1, 6, 8]), sc.tensor([[[[1, -1]]]]));
 * y.shape   // => [1, 1, 6, 7]
 * const x = sc.randn([2, 3, 8, 8], { seed: 0 }), w = sc.randn([4, 3, 3, 3], { seed: 1 }), b = sc.zeros([4]);
 * const z = sc.conv2d(x, w, { padding: 'same', stride: 1, bias: b });
 * z.shape   // => [2, 4, 8, 8]
 * sc.noGrad(() => sc.conv2d(x, w, { padding: 'same', out: z })) === z   // => true
 */
export function conv2d(x: Tensor, w: Tensor, opts: Conv2dOptions = NO_OPTIONS): Tensor {
  const op = 'conv2d';
  const tx = checkTensor(op, 'x', x);
  const tw = checkTensor(op, 'w', w);
  const o = optionsOf<Conv2dOptions>(op, opts, OPTION_KEYS);
  const g = geometry(op, tx[DIMS], tw[DIMS], o);
  const tb = checkBias(op, o.bias, g.CO);
  const recording = needsGrad(tx, tw) || (tb !== null && needsGrad(tb));
  const given = o.out;
  const out = given === undefined || given === null ? empty(outShape(g), op)
    : checkOut(op, given, (s) => isActivation(s, g, g.CO, g.HO, g.WO), () => outShape(g), recording, [tx, tw, tb], ['x', 'w', 'bias']);
  try {
    forwardKernels(op, g, tx.ptr(op, 'x'), tw.ptr(op, 'w'), tb ? tb.ptr(op, 'bias') : 0, out.ptr(op, 'out'));
  } catch (e) {
    if (out !== given) out.dispose(); // scratch ran out of memory: nothing made is left behind
    throw e;
  }
  if (out === given) return wroteInPlace(out);
  if (recording) {
    record(out, 'Conv2d', [tx, tw, tb], (gy, needs, [sx, sw]) => {
      const dyp = gy.ptr(op, 'dy');
      const grads: (Tensor | null)[] = [null, null, null];
      try {
        if (needs[0]) gradInputKernels(op, g, dyp, sw!.ptr(op, 'w'), (grads[0] = empty(inShape(g), op)).ptr(op, 'dx'));
        if (needs[1]) gradWeightKernels(op, g, sx!.ptr(op, 'x'), dyp, (grads[1] = empty([g.CO, g.CG, g.KH, g.KW], op)).ptr(op, 'dw'));
        if (needs[2]) gradBiasKernels(g, dyp, (grads[2] = empty([g.CO], op)).ptr(op, 'db'));
      } catch (e) {
        for (const t of grads) t?.dispose();
        throw e;
      }
      return grads;
    }, [tx, tw]);
  }
  return out;
}

function checkShapeArg(op: string, argument: string, s: unknown): readonly number[] {
  const expected = 'a shape of positive integers';
  const shape = readNumbers(op, argument, s, expected, 8, ShapeError);
  if (shape.some((d) => !Number.isInteger(d) || d < 1)) throw new ShapeError(op, argument, expected, describe(shape));
  return shape;
}

function noBias(op: string, opts: unknown): void {
  if ((opts as Conv2dOptions | null | undefined)?.bias !== undefined) throw new ArgumentError(op, 'options', 'no bias option', 'a bias');
}

/**
 * The gradient of conv2d with respect to its input, like `torch.nn.grad.conv2d_input`:
 * given dy (the output gradient), w and the input's shape, returns dx (written into `out` when
 * given).
 * @example
 * const w = sc.randn([16, 3, 3, 3], { seed: 0 }), dy = sc.ones([1, 16, 8, 8]);
 * const dx = sc.conv2dGradInput(dy, w, [1, 3, 8, 8], { padding: 1 });
 * dx.shape   // => [1, 3, 8, 8]
 */
export function conv2dGradInput(dy: Tensor, w: Tensor, xShape: readonly number[], opts: ConvGeometryOptions = NO_OPTIONS): Tensor {
  const op = 'conv2dGradInput';
  const tdy = checkTensor(op, 'dy', dy);
  const tw = checkTensor(op, 'w', w);
  const o = optionsOf<Conv2dOptions>(op, opts, OPTION_KEYS);
  const g = geometry(op, checkShapeArg(op, 'xShape', xShape), tw[DIMS], o, 'xShape', 'w');
  noBias(op, o);
  expectOutput(op, tdy[DIMS], g);
  const given = o.out;
  const dx = given === undefined || given === null ? empty(inShape(g), op)
    : checkOut(op, given, (s) => isActivation(s, g, g.C, g.H, g.W), () => inShape(g), needsGrad(tdy, tw), [tdy, tw], ['dy', 'w']);
  try {
    gradInputKernels(op, g, tdy.ptr(op, 'dy'), tw.ptr(op, 'w'), dx.ptr(op, 'dx'));
  } catch (e) {
    if (dx !== given) dx.dispose();
    throw e;
  }
  return dx === given ? wroteInPlace(dx) : dx;
}

/**
 * The gradient of conv2d with respect to its weight, like `torch.nn.grad.conv2d_weight`:
 * given x, dy and the weight's shape, returns dw (written into `out` when given).
 * @example
 * const x = sc.randn([1, 3, 9, 9], { seed: 0 }), dy = sc.ones([1, 16, 4, 4]);
 * const dw = sc.conv2dGradWeight(x, dy, [16, 3, 3, 3], { stride: 2 });
 * dw.shape   // => [16, 3, 3, 3]
 */
export function conv2dGradWeight(x: Tensor, dy: Tensor, wShape: readonly number[], opts: ConvGeometryOptions = NO_OPTIONS): Tensor {
  const op = 'conv2dGradWeight';
  const tx = checkTensor(op, 'x', x);
  const tdy = checkTensor(op, 'dy', dy);
  const o = optionsOf<Conv2dOptions>(op, opts, OPTION_KEYS);
  const g = geometry(op, tx[DIMS], checkShapeArg(op, 'wShape', wShape), o, 'x', 'wShape');
  noBias(op, o);
  expectOutput(op, tdy[DIMS], g);
  const given = o.out;
  const dw = given === undefined || given === null ? empty([g.CO, g.CG, g.KH, g.KW], op)
    : checkOut(op, given, (s) => isWeight(s, g), () => [g.CO, g.CG, g.KH, g.KW], needsGrad(tx, tdy), [tx, tdy], ['x', 'dy']);
  try {
    gradWeightKernels(op, g, tx.ptr(op, 'x'), tdy.ptr(op, 'dy'), dw.ptr(op, 'dw'));
  } catch (e) {
    if (dw !== given) dw.dispose();
    throw e;
  }
  return dw === given ? wroteInPlace(dw) : dw;
}

/** Throws unless `got` is the convolution's output shape (dy of the gradients). */
function expectOutput(op: string, got: readonly number[], g: Geometry): void {
  if (!isActivation(got, g, g.CO, g.HO, g.WO)) {
    throw new ShapeError(op, 'dy', `shape ${shapeStr(outShape(g))} (the convolution's output)`, `shape ${shapeStr(got)}`);
  }
}

// ---- single-channel 2-D correlation (the lesson's corr2d) ----------------------------------------

/** The `out` of corr2d / convolve2d options (the only option). */
function outOption(op: string, opts: unknown): unknown {
  if (opts === undefined || opts === null) return undefined;
  if (typeof opts !== 'object' || Array.isArray(opts)) throw new ArgumentError(op, 'options', 'an options object { out? }', describe(opts));
  for (const k in opts) {
    if (hasOwn.call(opts, k) && k !== 'out') throw new ArgumentError(op, 'options', 'only the option out', `an unknown option '${k}'`);
  }
  return (opts as { out?: unknown }).out;
}

/**
 * 2-D cross-correlation of a 2-D input with a 2-D kernel, 'valid' (no padding), stride 1: the
 * lesson's `corr2d`. Differentiable in X and K. With `out` (a tensor of the result's shape; see
 * Conv2dOptions.out) the result is written into it and nothing is allocated.
 * @example sc.corr2d(sc.tensor([[0, 1, 2], [3, 4, 5], [6, 7, 8]]), sc.tensor([[0, 1], [2, 3]])).toArray()
 * // => [[19, 25], [37, 43]]
 */
export function corr2d(X: Tensor, K: Tensor, opts?: { out?: Tensor | null }): Tensor {
  return correlate('corr2d', X, K, false, opts);
}

/**
 * Strict 2-D convolution (the kernel flipped both ways), 'valid', stride 1.
 * @example
 * const X = sc.tensor([[0, 1, 2], [3, 4, 5], [6, 7, 8]]), K = sc.tensor([[0, 1], [2, 3]]);
 * sc.convolve2d(X, K)   // => [[5, 11], [23, 29]]
 * sc.corr2d(X, K.flip())   // => [[5, 11], [23, 29]]
 */
export function convolve2d(X: Tensor, K: Tensor, opts?: { out?: Tensor | null }): Tensor {
  return correlate('convolve2d', X, K, true, opts);
}

function correlate(op: string, X: Tensor, K: Tensor, flip: boolean, opts: unknown): Tensor {
  const given = outOption(op, opts);
  const tx = checkTensor(op, 'X', X);
  const tk = checkTensor(op, 'K', K);
  const xs = tx[DIMS], ks = tk[DIMS];
  if (xs.length !== 2) throw new ShapeError(op, 'X', 'a 2-D tensor [height, width]', `shape ${shapeStr(xs)}`);
  if (ks.length !== 2) throw new ShapeError(op, 'K', 'a 2-D kernel [kh, kw]', `shape ${shapeStr(ks)}`);
  const H = xs[0]!, W = xs[1]!, KH = ks[0]!, KW = ks[1]!;
  if (KH < 1 || KW < 1) throw new ShapeError(op, 'K', 'a non-empty kernel', `shape ${shapeStr(ks)}`);
  if (KH > H || KW > W) {
    throw new ShapeError(op, 'K', `a kernel no larger than the input ${H}x${W}`, `a ${KH}x${KW} kernel`,
      `${op}: kernel ${KH}x${KW} is larger than input ${H}x${W}`);
  }
  const HO = H - KH + 1, WO = W - KW + 1;
  const recording = needsGrad(tx, tk);
  const out = given === undefined || given === null ? empty([HO, WO], op)
    : checkOut(op, given, (s) => is2d(s, HO, WO), () => [HO, WO], recording, [tx, tk], ['X', 'K']);
  if (flip) kernels.corr2d_pad(tx.ptr(op, 'X'), H, W, tk.ptr(op, 'K'), KH, KW, 0, 0, out.ptr(op, 'out'), HO, WO, 0, 1);
  else kernels.corr2d_valid(tx.ptr(op, 'X'), H, W, tk.ptr(op, 'K'), KH, KW, out.ptr(op, 'out'), 0);
  if (out === given) return wroteInPlace(out);
  if (recording) {
    const g = single(H, W, KH, KW, flip);
    record(out, flip ? 'Convolve2d' : 'Corr2d', [tx, tk], (gy, needs, [sx, sk]) => {
      const dyp = gy.ptr(op, 'dy');
      const grads: (Tensor | null)[] = [null, null];
      try {
        if (needs[0]) gradInputDirect(g, dyp, sk!.ptr(op, 'K'), (grads[0] = empty([H, W], op)).ptr(op, 'dX'));
        if (needs[1]) gradWeightDirect(op, g, sx!.ptr(op, 'X'), dyp, (grads[1] = empty([KH, KW], op)).ptr(op, 'dK'));
      } catch (e) {
        for (const t of grads) t?.dispose();
        throw e;
      }
      return grads;
    }, [tx, tk]);
  }
  return out;
}

/** The geometry of a single-channel valid correlation. */
function single(H: number, W: number, KH: number, KW: number, flip: boolean): Geometry {
  return {
    N: 1, C: 1, H, W, CO: 1, KH, KW, G: 1, CG: 1, COG: 1, SH: 1, SW: 1, DH: 1, DW: 1,
    PT: 0, PB: 0, PL: 0, PR: 0, HO: H - KH + 1, WO: W - KW + 1, nhwc: false, flip, batched: false,
  };
}

// ---- direct per-channel kernels (isDirect: one input and one output channel per group, NCHW) ----

/** y = the correlation of every channel plane of x with its channel's kernel of w (OIHW; flipped for mode 'convolution'), zero padding read in place. */
function forwardDirect(g: Geometry, x: number, w: number, y: number): void {
  const HW = g.H * g.W, HWo = g.HO * g.WO, kk = g.KH * g.KW, planes = g.N * g.C;
  // Parts take whole planes or bands of output rows r0 .. r1-1 (the band's top padding is PT - r0).
  const [T, d] = chooseSplit(threadsFor(convFlops(g)), planes, g.HO);
  const byPlane = d === 0;
  parallel(T, (k, t) => {
    const p0 = byPlane ? partStart(planes, T, t) : 0, p1 = byPlane ? partStart(planes, T, t + 1) : planes;
    const r0 = byPlane ? 0 : partStart(g.HO, T, t), r1 = byPlane ? g.HO : partStart(g.HO, T, t + 1);
    if (r1 === r0) return;
    for (let p = p0; p < p1; p++) {
      k.corr2d_pad(x + p * HW * 4, g.H, g.W, w + (p % g.C) * kk * 4, g.KH, g.KW, g.PT - r0, g.PL, y + (p * HWo + r0 * g.WO) * 4, r1 - r0, g.WO, 0,
        g.flip ? 1 : 0);
    }
  });
}

/**
 * dx of a direct convolution: the adjoint of correlating with a kernel is correlating dy, zero
 * extended by (kh-1-top, kw-1-left) (negative: cropped), with the kernel flipped both ways. For
 * mode 'convolution' the forward kernel is w flipped, so dx correlates with w itself.
 */
function gradInputDirect(g: Geometry, dy: number, w0: number, dx: number): void {
  const HW = g.H * g.W, HWo = g.HO * g.WO, kk = g.KH * g.KW, planes = g.N * g.C;
  // Parts take whole planes or bands of rows r0 .. r1-1 of dx (as in forwardDirect).
  const [T, d] = chooseSplit(threadsFor(convFlops(g)), planes, g.H);
  const byPlane = d === 0;
  parallel(T, (k, t) => {
    const p0 = byPlane ? partStart(planes, T, t) : 0, p1 = byPlane ? partStart(planes, T, t + 1) : planes;
    const r0 = byPlane ? 0 : partStart(g.H, T, t), r1 = byPlane ? g.H : partStart(g.H, T, t + 1);
    if (r1 === r0) return;
    for (let p = p0; p < p1; p++) {
      k.corr2d_pad(dy + p * HWo * 4, g.HO, g.WO, w0 + (p % g.C) * kk * 4, g.KH, g.KW, g.KH - 1 - g.PT - r0, g.KW - 1 - g.PL,
        dx + (p * HW + r0 * g.W) * 4, r1 - r0, g.W, 0, g.flip ? 0 : 1);
    }
  });
}

/** dw of a direct convolution: per channel, the filter-gradient kernel over the (padded) input, summed over the batch. */
function gradWeightDirect(op: string, g: Geometry, x: number, dy: number, dw: number): void {
  const kk = g.KH * g.KW, HWo = g.HO * g.WO;
  const target = g.flip ? scratch(Slot.Weight, g.CO * kk * 4, op) : dw;
  const [xp, Hp, Wp] = paddedInput(op, g, x);
  // Parts take channels c0 .. c1-1; each channel's sum over the batch stays on one thread, in
  // order. (One channel is one sum: it is never split.)
  const [T] = chooseSplit(threadsFor(convFlops(g)), g.C);
  parallel(T, (k, t) => {
    const c0 = partStart(g.C, T, t), c1 = partStart(g.C, T, t + 1);
    for (let n = 0; n < g.N; n++) {
      for (let c = c0; c < c1; c++) {
        const p = n * g.C + c;
        k.corr2d_grad_weight(xp + p * Hp * Wp * 4, Hp, Wp, dy + p * HWo * 4, g.KH, g.KW, target + c * kk * 4, n > 0 ? 1 : 0);
      }
    }
  });
  if (g.flip) kernels.corr2d_flip(dw, target, g.CO, kk);
}
