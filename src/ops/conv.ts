// Convolution ops: validate the geometry once, then run kernels. Few-channel, stride-1 cases run a
// direct correlation kernel per channel; everything else is im2col + GEMM per image and group.
// Weights are OIHW ([Cout, Cin/groups, kh, kw]) in both activation layouts.
import { ArgumentError, ShapeError, describe, shapeStr } from '../errors.js';
import { Tensor, empty } from '../tensor.js';
import { K } from '../wasm/kernels.js';
import { Slot, scratch } from '../wasm/runtime.js';
import { needsGrad, record } from '../autograd/node.js';
import { checkTensor, sizeOf, stridesOf } from './util.js';
import { copyStrided, fillStrided } from './strided.js';

export type Pair = number | readonly [number, number];
export type Padding = 'valid' | 'same' | number | readonly [number, number] | readonly [readonly [number, number], readonly [number, number]];

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
}

export type ConvGeometryOptions = Omit<Conv2dOptions, 'bias'>;

const OPTION_KEYS = new Set(['bias', 'stride', 'padding', 'dilation', 'groups', 'layout', 'mode']);

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
 * @example sc.convOutputSize(8, 2)   // 7
 * @example sc.convOutputSize(56, 3, { stride: 2, padBefore: 1, padAfter: 1 })   // 28
 */
export function convOutputSize(n: number, k: number, opts: { stride?: number; padBefore?: number; padAfter?: number; dilation?: number } = {}): number {
  const op = 'convOutputSize';
  const { stride = 1, padBefore = 0, padAfter = 0, dilation = 1 } = opts;
  intArg(op, 'n', n, 1);
  intArg(op, 'k', k, 1);
  intArg(op, 'stride', stride, 1);
  intArg(op, 'dilation', dilation, 1);
  intArg(op, 'padBefore', padBefore, 0);
  intArg(op, 'padAfter', padAfter, 0);
  return Math.floor((n + padBefore + padAfter - dilation * (k - 1) - 1) / stride) + 1;
}

function intArg(op: string, argument: string, v: unknown, min: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
    throw new ArgumentError(op, argument, min === 1 ? 'a positive integer' : `an integer >= ${min}`, describe(v));
  }
  return v;
}

function pair(op: string, argument: string, v: unknown, dflt: number, min: number): [number, number] {
  if (v === undefined) return [dflt, dflt];
  if (typeof v === 'number') {
    intArg(op, argument, v, min);
    return [v, v];
  }
  if (Array.isArray(v) && v.length === 2) {
    return [intArg(op, `${argument}[0]`, v[0], min), intArg(op, `${argument}[1]`, v[1], min)];
  }
  throw new ArgumentError(op, argument, `an integer >= ${min} or a pair [h, w]`, describe(v));
}

/** Resolves padding to [top, bottom, left, right]. */
function paddingOf(op: string, p: unknown, H: number, W: number, KH: number, KW: number, s: [number, number], d: [number, number]): [number, number, number, number] {
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
    intArg(op, 'padding', p, 0);
    return [p, p, p, p];
  }
  if (Array.isArray(p) && p.length === 2) {
    if (typeof p[0] === 'number' && typeof p[1] === 'number') {
      const ph = intArg(op, 'padding[0]', p[0], 0), pw = intArg(op, 'padding[1]', p[1], 0);
      return [ph, ph, pw, pw];
    }
    if (Array.isArray(p[0]) && Array.isArray(p[1]) && p[0].length === 2 && p[1].length === 2) {
      return [intArg(op, 'padding[0][0]', p[0][0], 0), intArg(op, 'padding[0][1]', p[0][1], 0),
        intArg(op, 'padding[1][0]', p[1][0], 0), intArg(op, 'padding[1][1]', p[1][1], 0)];
    }
  }
  throw new ArgumentError(op, 'padding', "'valid', 'same', an integer >= 0, [ph, pw] or [[top, bottom], [left, right]]", describe(p));
}

/**
 * Validates a convolution's shapes and options. `xShape` is the input's shape (3-D unbatched or
 * 4-D), `wShape` the weight's ([Cout, Cin/groups, kh, kw]).
 */
export function geometry(op: string, xShape: readonly number[], wShape: readonly number[], opts: unknown, xArg = 'x', wArg = 'w'): Geometry {
  if (opts === undefined || opts === null) opts = {};
  if (typeof opts !== 'object' || opts === null || Array.isArray(opts)) throw new ArgumentError(op, 'options', 'an options object', describe(opts));
  for (const k of Object.keys(opts)) {
    if (!OPTION_KEYS.has(k)) throw new ArgumentError(op, 'options', `only the options ${[...OPTION_KEYS].join(', ')}`, `an unknown option '${k}'`);
  }
  const o = opts as Conv2dOptions;
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
  const batched = xShape.length === 4;
  const s4 = batched ? xShape : [1, ...xShape];
  const [N, C, H, W] = nhwc ? [s4[0]!, s4[3]!, s4[1]!, s4[2]!] : [s4[0]!, s4[1]!, s4[2]!, s4[3]!];
  const [CO, CIG, KH, KW] = wShape as [number, number, number, number];
  for (const [v, what, arg] of [[N, 'batch', xArg], [C, 'channels', xArg], [H, 'height', xArg], [W, 'width', xArg],
    [CO, 'output channels', wArg], [CIG, 'input channels', wArg], [KH, 'kernel height', wArg], [KW, 'kernel width', wArg]] as const) {
    if (v < 1) throw new ShapeError(op, arg, `a positive ${what}`, `shape ${shapeStr(arg === xArg ? xShape : wShape)}`);
  }
  const G = o.groups === undefined ? 1 : intArg(op, 'groups', o.groups, 1);
  if (C % G !== 0) throw new ArgumentError(op, 'groups', `a divisor of the input channels (${C})`, String(G));
  if (CO % G !== 0) throw new ArgumentError(op, 'groups', `a divisor of the output channels (${CO})`, String(G));
  if (CIG * G !== C) {
    throw new ShapeError(op, wArg, `${C / G} input channels per group (x has ${C} channels, groups ${G}): shape [${CO}, ${C / G}, ${KH}, ${KW}]`,
      `shape ${shapeStr(wShape)}`);
  }
  const st = pair(op, 'stride', o.stride, 1, 1);
  const dl = pair(op, 'dilation', o.dilation, 1, 1);
  const [PT, PB, PL, PR] = paddingOf(op, o.padding, H, W, KH, KW, st, dl);
  const ekh = dl[0] * (KH - 1) + 1, ekw = dl[1] * (KW - 1) + 1;
  if (ekh > H + PT + PB || ekw > W + PL + PR) {
    throw new ShapeError(op, wArg, `a kernel no larger than the padded input ${H + PT + PB}x${W + PL + PR}`,
      `a ${KH}x${KW} kernel${dl[0] > 1 || dl[1] > 1 ? ` spanning ${ekh}x${ekw} with dilation` : ''}`,
      `${op}: kernel ${KH}x${KW}${dl[0] > 1 || dl[1] > 1 ? ` (spanning ${ekh}x${ekw} with dilation)` : ''} is larger than the${PT + PB + PL + PR > 0 ? ' padded' : ''} input ${H + PT + PB}x${W + PL + PR}`);
  }
  const HO = Math.floor((H + PT + PB - ekh) / st[0]) + 1;
  const WO = Math.floor((W + PL + PR - ekw) / st[1]) + 1;
  return {
    N, C, H, W, CO, KH, KW, G, CG: C / G, COG: CO / G, SH: st[0], SW: st[1], DH: dl[0], DW: dl[1],
    PT, PB, PL, PR, HO, WO, nhwc, flip: mode === 'convolution', batched,
  };
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

/** The weight as the kernels read it: flipped (mode 'convolution') into scratch, else as is. */
function weightForKernels(op: string, g: Geometry, w: number): number {
  if (!g.flip) return w;
  const shape = [g.CO, g.CG, g.KH, g.KW];
  const at = scratch(Slot.Weight, sizeOf(shape) * 4, op);
  const st = stridesOf(shape);
  const offset = ((g.KH - 1) * g.KW + (g.KW - 1)) * 4;
  copyStrided(op, at, w + offset, shape, st, [st[0]!, st[1]!, -st[2]!, -st[3]!]);
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

/** Zero-pads every channel plane of NCHW `x` into scratch: [N*C, H+PT+PB, W+PL+PR]. */
function paddedInput(op: string, g: Geometry, x: number): [number, number, number] {
  const Hp = g.H + g.PT + g.PB, Wp = g.W + g.PL + g.PR;
  if (Hp === g.H && Wp === g.W) return [x, Hp, Wp];
  const planes = g.N * g.C;
  const at = scratch(Slot.Pad, planes * Hp * Wp * 4, op);
  K.fill(at, planes * Hp * Wp, 0);
  copyStrided(op, at + (g.PT * Wp + g.PL) * 4, x, [planes, g.H, g.W], [Hp * Wp, Wp, 1], [g.H * g.W, g.W, 1]);
  return [at, Hp, Wp];
}

/** y = conv(x, w) (+ bias). All addresses are byte addresses of validated, contiguous tensors. */
export function forwardKernels(op: string, g: Geometry, x: number, w0: number, bias: number, y: number): void {
  const HWo = g.HO * g.WO;
  const kg = g.CG * g.KH * g.KW;
  if (g.nhwc) {
    const wp = packedWeightNHWC(op, g, w0);
    const col = scratch(Slot.Col, HWo * kg * 4, op);
    for (let n = 0; n < g.N; n++) {
      const xn = x + n * g.H * g.W * g.C * 4;
      const yn = y + n * HWo * g.CO * 4;
      for (let gi = 0; gi < g.G; gi++) {
        K.im2col_nhwc(xn, g.H, g.W, g.C, gi * g.CG, g.CG, g.KH, g.KW, g.SH, g.SW, g.PT, g.PL, g.DH, g.DW, g.HO, g.WO, col);
        K.gemm(HWo, g.COG, kg, col, kg, wp + gi * kg * g.COG * 4, g.COG, yn + gi * g.COG * 4, g.CO, 0);
      }
    }
    if (bias) K.bias_add_cols(y, bias, g.N * HWo, g.CO);
    return;
  }
  const w = weightForKernels(op, g, w0);
  if (isDirect(g)) {
    const [xp, Hp, Wp] = paddedInput(op, g, x);
    for (let p = 0; p < g.N * g.C; p++) {
      K.corr2d_valid(xp + p * Hp * Wp * 4, Hp, Wp, w + (p % g.C) * g.KH * g.KW * 4, g.KH, g.KW, y + p * HWo * 4, 0);
    }
  } else {
    const pointwise = g.KH === 1 && g.KW === 1 && g.SH === 1 && g.SW === 1 && g.PT + g.PB + g.PL + g.PR === 0;
    const col = pointwise ? 0 : scratch(Slot.Col, kg * HWo * 4, op);
    for (let n = 0; n < g.N; n++) {
      const xn = x + n * g.C * g.H * g.W * 4;
      const yn = y + n * g.CO * HWo * 4;
      for (let gi = 0; gi < g.G; gi++) {
        const xg = xn + gi * g.CG * g.H * g.W * 4;
        let b = xg;
        if (!pointwise) {
          K.im2col_nchw(xg, g.CG, g.H, g.W, g.KH, g.KW, g.SH, g.SW, g.PT, g.PL, g.DH, g.DW, g.HO, g.WO, col);
          b = col;
        }
        K.gemm(g.COG, HWo, kg, w + gi * g.COG * kg * 4, kg, b, HWo, yn + gi * g.COG * HWo * 4, HWo, 0);
      }
    }
  }
  if (bias) for (let n = 0; n < g.N; n++) K.bias_add_rows(y + n * g.CO * HWo * 4, bias, g.CO, HWo);
}

/** dx = the input gradient of conv(x, w) for output gradient dy. */
export function gradInputKernels(op: string, g: Geometry, dy: number, w0: number, dx: number): void {
  const HWo = g.HO * g.WO;
  const kg = g.CG * g.KH * g.KW;
  K.fill(dx, g.N * g.C * g.H * g.W, 0);
  const col = scratch(Slot.Col, kg * HWo * 4, op);
  if (g.nhwc) {
    const wp = packedWeightNHWC(op, g, w0);
    for (let n = 0; n < g.N; n++) {
      const dyn = dy + n * HWo * g.CO * 4;
      const dxn = dx + n * g.H * g.W * g.C * 4;
      for (let gi = 0; gi < g.G; gi++) {
        K.gemm_nt(HWo, kg, g.COG, dyn + gi * g.COG * 4, g.CO, wp + gi * kg * g.COG * 4, g.COG, col, kg, 0);
        K.col2im_nhwc(col, g.H, g.W, g.C, gi * g.CG, g.CG, g.KH, g.KW, g.SH, g.SW, g.PT, g.PL, g.DH, g.DW, g.HO, g.WO, dxn);
      }
    }
    return;
  }
  const w = weightForKernels(op, g, w0);
  for (let n = 0; n < g.N; n++) {
    const dyn = dy + n * g.CO * HWo * 4;
    const dxn = dx + n * g.C * g.H * g.W * 4;
    for (let gi = 0; gi < g.G; gi++) {
      K.gemm_tn(kg, HWo, g.COG, w + gi * g.COG * kg * 4, kg, dyn + gi * g.COG * HWo * 4, HWo, col, HWo, 0);
      K.col2im_nchw(col, g.CG, g.H, g.W, g.KH, g.KW, g.SH, g.SW, g.PT, g.PL, g.DH, g.DW, g.HO, g.WO, dxn + gi * g.CG * g.H * g.W * 4);
    }
  }
}

/** dw = the weight gradient of conv(x, w) for output gradient dy (OIHW, flipped back for 'convolution'). */
export function gradWeightKernels(op: string, g: Geometry, x: number, dy: number, dw: number): void {
  const HWo = g.HO * g.WO;
  const kg = g.CG * g.KH * g.KW;
  const wsize = g.CO * kg;
  const col = scratch(Slot.Col, kg * HWo * 4, op);
  if (g.nhwc) {
    // dWp[G][KH][KW][CG][COG] accumulated over the batch, then unpacked to OIHW.
    const dwp = scratch(Slot.Weight, wsize * 4, op);
    for (let n = 0; n < g.N; n++) {
      const xn = x + n * g.H * g.W * g.C * 4;
      const dyn = dy + n * HWo * g.CO * 4;
      for (let gi = 0; gi < g.G; gi++) {
        K.im2col_nhwc(xn, g.H, g.W, g.C, gi * g.CG, g.CG, g.KH, g.KW, g.SH, g.SW, g.PT, g.PL, g.DH, g.DW, g.HO, g.WO, col);
        K.gemm_tn(kg, g.COG, HWo, col, kg, dyn + gi * g.COG * 4, g.CO, dwp + gi * kg * g.COG * 4, g.COG, n > 0 ? 1 : 0);
      }
    }
    const [shape, oihw, offset] = nhwcPacking(g);
    copyStrided(op, dw + offset, dwp, shape, oihw, stridesOf(shape));
    return;
  }
  const target = g.flip ? scratch(Slot.Weight, wsize * 4, op) : dw;
  if (isDirect(g)) {
    const [xp, Hp, Wp] = paddedInput(op, g, x);
    for (let n = 0; n < g.N; n++) {
      for (let c = 0; c < g.C; c++) {
        const p = n * g.C + c;
        K.corr2d_valid(xp + p * Hp * Wp * 4, Hp, Wp, dy + p * HWo * 4, g.HO, g.WO, target + c * g.KH * g.KW * 4, n > 0 ? 1 : 0);
      }
    }
  } else {
    for (let n = 0; n < g.N; n++) {
      const xn = x + n * g.C * g.H * g.W * 4;
      const dyn = dy + n * g.CO * HWo * 4;
      for (let gi = 0; gi < g.G; gi++) {
        K.im2col_nchw(xn + gi * g.CG * g.H * g.W * 4, g.CG, g.H, g.W, g.KH, g.KW, g.SH, g.SW, g.PT, g.PL, g.DH, g.DW, g.HO, g.WO, col);
        K.gemm_nt(g.COG, kg, HWo, dyn + gi * g.COG * HWo * 4, HWo, col, HWo, target + gi * g.COG * kg * 4, kg, n > 0 ? 1 : 0);
      }
    }
  }
  if (g.flip) {
    const shape = [g.CO, g.CG, g.KH, g.KW];
    const st = stridesOf(shape);
    copyStrided(op, dw + ((g.KH - 1) * g.KW + (g.KW - 1)) * 4, target, shape, [st[0]!, st[1]!, -st[2]!, -st[3]!], st);
  }
}

/** db[c] = sum of dy over batch and positions. */
export function gradBiasKernels(g: Geometry, dy: number, db: number): void {
  const HWo = g.HO * g.WO;
  if (g.nhwc) K.bias_grad_cols(dy, db, g.N * HWo, g.CO, 0);
  else for (let n = 0; n < g.N; n++) K.bias_grad_rows(dy + n * g.CO * HWo * 4, db, g.CO, HWo, n > 0 ? 1 : 0);
}

function checkBias(op: string, bias: unknown, CO: number): Tensor | null {
  if (bias === undefined || bias === null) return null;
  const b = checkTensor(op, 'bias', bias);
  if (b.ndim !== 1 || b.shape[0] !== CO) throw new ShapeError(op, 'bias', `shape [${CO}] (one per output channel)`, `shape ${shapeStr(b.shape)}`);
  return b;
}

/**
 * 2-D convolution (cross-correlation by default) of a batch: x [N, C, H, W] (or NHWC with
 * `layout: 'NHWC'`, or 3-D unbatched) with weight w [Cout, C/groups, kh, kw], with optional bias,
 * stride, padding, dilation and groups. Differentiable in x, w and bias.
 * @example
 * const y = sc.conv2d(sc.ones([1, 1, 6, 8]), sc.tensor([[[[1, -1]]]]));   // shape [1, 1, 6, 7]
 * const z = sc.conv2d(x, w, { padding: 'same', stride: 1, bias: b });
 */
export function conv2d(x: Tensor, w: Tensor, opts: Conv2dOptions = {}): Tensor {
  const op = 'conv2d';
  const tx = checkTensor(op, 'x', x);
  const tw = checkTensor(op, 'w', w);
  const g = geometry(op, tx.shape, tw.shape, opts);
  const tb = checkBias(op, opts?.bias, g.CO);
  const out = empty(outShape(g), op);
  forwardKernels(op, g, tx.ptr(op, 'x'), tw.ptr(op, 'w'), tb ? tb.ptr(op, 'bias') : 0, out.ptr(op, 'out'));
  if (needsGrad(tx, tw) || (tb !== null && needsGrad(tb))) {
    record(out, 'Conv2d', [tx, tw, tb], (gy, needs, [sx, sw]) => {
      const dyp = gy.ptr(op, 'dy');
      let dx: Tensor | null = null, dw: Tensor | null = null, db: Tensor | null = null;
      if (needs[0]) {
        dx = empty(inShape(g), op);
        gradInputKernels(op, g, dyp, sw!.ptr(op, 'w'), dx.ptr(op, 'dx'));
      }
      if (needs[1]) {
        dw = empty([g.CO, g.CG, g.KH, g.KW], op);
        gradWeightKernels(op, g, sx!.ptr(op, 'x'), dyp, dw.ptr(op, 'dw'));
      }
      if (needs[2]) {
        db = empty([g.CO], op);
        gradBiasKernels(g, dyp, db.ptr(op, 'db'));
      }
      return [dx, dw, db];
    }, [tx, tw]);
  }
  return out;
}

function checkShapeArg(op: string, argument: string, s: unknown): number[] {
  if (!Array.isArray(s) || s.some((d) => typeof d !== 'number' || !Number.isInteger(d) || d < 1)) {
    throw new ShapeError(op, argument, 'a shape of positive integers', describe(s));
  }
  return s.slice();
}

/**
 * The gradient of conv2d with respect to its input, like `torch.nn.grad.conv2d_input`:
 * given dy (the output gradient), w and the input's shape, returns dx.
 * @example const dx = sc.conv2dGradInput(dy, w, [1, 3, 8, 8], { padding: 1 });
 */
export function conv2dGradInput(dy: Tensor, w: Tensor, xShape: readonly number[], opts: ConvGeometryOptions = {}): Tensor {
  const op = 'conv2dGradInput';
  const tdy = checkTensor(op, 'dy', dy);
  const tw = checkTensor(op, 'w', w);
  const g = geometry(op, checkShapeArg(op, 'xShape', xShape), tw.shape, opts, 'xShape', 'w');
  if ((opts as Conv2dOptions)?.bias !== undefined) throw new ArgumentError(op, 'options', 'no bias option', 'a bias');
  expectShape(op, 'dy', tdy.shape, outShape(g));
  const dx = empty(inShape(g), op);
  gradInputKernels(op, g, tdy.ptr(op, 'dy'), tw.ptr(op, 'w'), dx.ptr(op, 'dx'));
  return dx;
}

/**
 * The gradient of conv2d with respect to its weight, like `torch.nn.grad.conv2d_weight`:
 * given x, dy and the weight's shape, returns dw.
 * @example const dw = sc.conv2dGradWeight(x, dy, [16, 3, 3, 3], { stride: 2 });
 */
export function conv2dGradWeight(x: Tensor, dy: Tensor, wShape: readonly number[], opts: ConvGeometryOptions = {}): Tensor {
  const op = 'conv2dGradWeight';
  const tx = checkTensor(op, 'x', x);
  const tdy = checkTensor(op, 'dy', dy);
  const g = geometry(op, tx.shape, checkShapeArg(op, 'wShape', wShape), opts, 'x', 'wShape');
  if ((opts as Conv2dOptions)?.bias !== undefined) throw new ArgumentError(op, 'options', 'no bias option', 'a bias');
  expectShape(op, 'dy', tdy.shape, outShape(g));
  const dw = empty([g.CO, g.CG, g.KH, g.KW], op);
  gradWeightKernels(op, g, tx.ptr(op, 'x'), tdy.ptr(op, 'dy'), dw.ptr(op, 'dw'));
  return dw;
}

function expectShape(op: string, argument: string, got: readonly number[], want: readonly number[]): void {
  if (got.length !== want.length || got.some((d, i) => d !== want[i])) {
    throw new ShapeError(op, argument, `shape ${shapeStr(want)} (the convolution's output)`, `shape ${shapeStr(got)}`);
  }
}

// ---- single-channel 2-D correlation (the lesson's corr2d) ----------------------------------------

function check2d(op: string, X: unknown, Kt: unknown): [Tensor, Tensor] {
  const tx = checkTensor(op, 'X', X);
  const tk = checkTensor(op, 'K', Kt);
  if (tx.ndim !== 2) throw new ShapeError(op, 'X', 'a 2-D tensor [height, width]', `shape ${shapeStr(tx.shape)}`);
  if (tk.ndim !== 2) throw new ShapeError(op, 'K', 'a 2-D kernel [kh, kw]', `shape ${shapeStr(tk.shape)}`);
  const [H, W] = tx.shape as [number, number];
  const [KH, KW] = tk.shape as [number, number];
  if (KH < 1 || KW < 1) throw new ShapeError(op, 'K', 'a non-empty kernel', `shape ${shapeStr(tk.shape)}`);
  if (KH > H || KW > W) {
    throw new ShapeError(op, 'K', `a kernel no larger than the input ${H}x${W}`, `a ${KH}x${KW} kernel`,
      `${op}: kernel ${KH}x${KW} is larger than input ${H}x${W}`);
  }
  return [tx, tk];
}

/**
 * 2-D cross-correlation of a 2-D input with a 2-D kernel, 'valid' (no padding), stride 1: the
 * lesson's `corr2d`. Differentiable in X and K.
 * @example sc.corr2d(sc.tensor([[0, 1, 2], [3, 4, 5], [6, 7, 8]]), sc.tensor([[0, 1], [2, 3]])).toArray()
 * // [[19, 25], [37, 43]]
 */
export function corr2d(X: Tensor, Kt: Tensor): Tensor {
  return correlate('corr2d', X, Kt, false);
}

/**
 * Strict 2-D convolution (the kernel flipped both ways), 'valid', stride 1.
 * @example sc.convolve2d(X, K)   // equals sc.corr2d(X, K.flip())
 */
export function convolve2d(X: Tensor, Kt: Tensor): Tensor {
  return correlate('convolve2d', X, Kt, true);
}

function correlate(op: string, X: Tensor, Kt: Tensor, flip: boolean): Tensor {
  const [tx, tk] = check2d(op, X, Kt);
  const [H, W] = tx.shape as [number, number];
  const [KH, KW] = tk.shape as [number, number];
  const out = empty([H - KH + 1, W - KW + 1], op);
  const g = single(H, W, KH, KW, flip);
  K.corr2d_valid(tx.ptr(op, 'X'), H, W, weightForKernels(op, g, tk.ptr(op, 'K')), KH, KW, out.ptr(op, 'out'), 0);
  if (needsGrad(tx, tk)) {
    record(out, flip ? 'Convolve2d' : 'Corr2d', [tx, tk], (gy, needs, [sx, sk]) => {
      const dyp = gy.ptr(op, 'dy');
      let dx: Tensor | null = null, dk: Tensor | null = null;
      if (needs[0]) {
        dx = empty([H, W], op);
        gradInputDirect(op, g, dyp, sk!.ptr(op, 'K'), dx.ptr(op, 'dX'));
      }
      if (needs[1]) {
        dk = empty([KH, KW], op);
        gradWeightKernels(op, g, sx!.ptr(op, 'X'), dyp, dk.ptr(op, 'dK'));
      }
      return [dx, dk];
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

/**
 * Single-channel, unpadded input gradient: dx = full correlation of dy with the flipped kernel,
 * i.e. a valid correlation of dy zero-padded by (kh-1, kw-1) on every side.
 */
function gradInputDirect(op: string, g: Geometry, dy: number, w0: number, dx: number): void {
  const Hp = g.HO + 2 * (g.KH - 1), Wp = g.WO + 2 * (g.KW - 1);
  const at = scratch(Slot.Pad, Hp * Wp * 4, op);
  fillStrided(op, at, [Hp * Wp], [1], 0);
  copyStrided(op, at + ((g.KH - 1) * Wp + (g.KW - 1)) * 4, dy, [g.HO, g.WO], [Wp, 1], [g.WO, 1]);
  // The adjoint of correlating with w is correlating with w flipped; for mode 'convolution' the
  // kernel was already flipped, so flipping again gives w itself.
  const flipped = weightForKernels(op, { ...g, flip: !g.flip }, w0);
  K.corr2d_valid(at, Hp, Wp, flipped, g.KH, g.KW, dx, 0);
}
