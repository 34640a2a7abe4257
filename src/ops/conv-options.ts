// The options and geometry of the convolution ops: option types, reading and checking them once
// into a Geometry (sizes, strides, padding, dilation, groups, layouts), and the shapes it implies.
// Weights are OIHW ([Cout, Cin/groups, kh, kw], PyTorch's) in both activation layouts unless
// `weightLayout: 'HWIO'` ([kh, kw, Cin/groups, Cout], TensorFlow's) says otherwise.
import { ArgumentError, ShapeError, describe, shapeStr } from '../errors.js';
import { DIMS, type Tensor, checkTensor } from '../tensor.js';
import { sameShape } from '../layout.js';
import { MAX_INT32, NO_OPTIONS as EMPTY_OPTIONS, checkInt, readArray, readNumbers, readOptions } from '../args.js';

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
 * The options of {@link conv2d}: bias, stride, padding, dilation, groups, activation and weight
 * layouts, correlation or convolution, and an optional output tensor.
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
  /** Activation layout: 'NCHW' (default, PyTorch) or 'NHWC' (TensorFlow). Does not change the weight's layout. */
  layout?: 'NCHW' | 'NHWC';
  /**
   * The weight's layout: 'OIHW' (the default, PyTorch's: [Cout, Cin/groups, kh, kw]) in both
   * activation layouts, or 'HWIO' (TensorFlow's: [kh, kw, Cin/groups, Cout]). Gradients with
   * respect to the weight come back in the same layout.
   */
  weightLayout?: 'OIHW' | 'HWIO';
  /** 'correlation' (default: what deep learning calls convolution) or 'convolution' (kernel flipped). */
  mode?: 'correlation' | 'convolution';
  /** How conv2d and the input gradient compute: see {@link ConvAlgorithm}. Default 'auto'. */
  algorithm?: ConvAlgorithm;
  /**
   * What the padding holds, as PyTorch's `padding_mode`: 'zeros' (default), 'reflect' (mirrored
   * without repeating the edge; each pad must be smaller than its axis), 'replicate' (the edge
   * repeated) or 'circular' (wrapped around; each pad at most its axis). Differentiable: the
   * gradient of a border cell goes back to the input cell it was read from.
   */
  paddingMode?: PaddingMode;
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
export type ConvGeometryOptions = Omit<Conv2dOptions, 'bias' | 'paddingMode'>;

/**
 * What conv2d's padding holds (PyTorch's `padding_mode`).
 * @example
 * const paddingMode: sc.PaddingMode = 'reflect';
 * sc.conv2d(sc.ones([1, 1, 4, 4]), sc.ones([1, 1, 3, 3]), { padding: 1, paddingMode }).toArray()[0][0][0]   // => [9, 9, 9, 9]
 */
export type PaddingMode = 'zeros' | 'reflect' | 'replicate' | 'circular';

/** The padding modes. */
export const PADDING_MODES: readonly PaddingMode[] = ['zeros', 'reflect', 'replicate', 'circular'];

/** Reads the paddingMode option (default 'zeros'). */
export function paddingModeOf(op: string, v: unknown): PaddingMode {
  if (v === undefined) return 'zeros';
  if (!PADDING_MODES.includes(v as PaddingMode)) throw new ArgumentError(op, 'paddingMode', "'zeros', 'reflect', 'replicate' or 'circular'", describe(v));
  return v as PaddingMode;
}

export const OPTION_KEYS = new Set(['bias', 'stride', 'padding', 'dilation', 'groups', 'layout', 'mode', 'out', 'paddingMode', 'algorithm',
  'weightLayout']);

/**
 * How a convolution's forward pass and input gradient are computed: 'direct' (every product of
 * the definition, as GEMMs or direct kernels), 'winograd' (Winograd F(2x2, 3x3): 2.25x fewer
 * multiplications, for 3x3 kernels at stride 1, dilation 1, one group, layout NCHW; results
 * within ~1e-5 relative of the direct ones, and a call whose output would hold a NaN or ±Inf is
 * recomputed directly, so non-finite values propagate exactly as in 'direct'), or 'auto' (the
 * default: 'winograd' where it is eligible and measured faster, else 'direct'). The weight
 * gradient is always direct.
 * @example
 * const x = sc.randn([1, 16, 12, 12], { seed: 0 }), w = sc.randn([16, 16, 3, 3], { seed: 1 });
 * const algorithm: sc.ConvAlgorithm = 'winograd';
 * sc.conv2d(x, w, { padding: 1, algorithm }).shape   // => [1, 16, 12, 12]
 */
export type ConvAlgorithm = 'direct' | 'winograd' | 'auto';

/** Why Winograd cannot compute the convolution g (null when it can). */
export function winogradIneligible(g: Geometry): string | null {
  if (g.KH !== 3 || g.KW !== 3) return `a ${g.KH}x${g.KW} kernel`;
  if (g.SH !== 1 || g.SW !== 1) return `stride [${g.SH}, ${g.SW}]`;
  if (g.DH !== 1 || g.DW !== 1) return `dilation [${g.DH}, ${g.DW}]`;
  if (g.G !== 1) return `groups ${g.G}`;
  if (g.nhwc) return "layout 'NHWC'";
  if (g.hwio) return "weightLayout 'HWIO'";
  return null;
}

/** No options: readOptions' empty object (it inherits nothing, and readOptions returns it as it is). */
export const NO_OPTIONS: Conv2dOptions = EMPTY_OPTIONS;

/** Everything a convolution kernel call needs, validated. */
export interface Geometry {
  N: number; C: number; H: number; W: number;
  CO: number; KH: number; KW: number;
  G: number; CG: number; COG: number;
  SH: number; SW: number; DH: number; DW: number;
  PT: number; PB: number; PL: number; PR: number;
  HO: number; WO: number;
  nhwc: boolean; flip: boolean; batched: boolean;
  /** The `algorithm` option ('auto' when not given; 'winograd' only where eligible). */
  algorithm?: ConvAlgorithm;
  /** The weight is HWIO [KH, KW, CG, CO] (else OIHW [CO, CG, KH, KW]). */
  hwio: boolean;
}

/** The weight's shape in its layout. */
export function weightShape(g: Geometry): number[] {
  return g.hwio ? [g.KH, g.KW, g.CG, g.CO] : [g.CO, g.CG, g.KH, g.KW];
}

/** Element strides of the weight's output-channel, input-channel, kernel-row and kernel-column axes, in its layout. */
export function weightStrides(g: Geometry): [number, number, number, number] {
  return g.hwio ? [1, g.CO, g.KW * g.CG * g.CO, g.CG * g.CO] : [g.CG * g.KH * g.KW, g.KH * g.KW, g.KW, 1];
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
 * 4-D), `wShape` the weight's ([Cout, Cin/groups, kh, kw], or [kh, kw, Cin/groups, Cout] with
 * `weightLayout: 'HWIO'`).
 */
export function geometry(op: string, xShape: readonly number[], wShape: readonly number[], opts: unknown, xArg = 'x', wArg = 'w'): Geometry {
  const o = readOptions<Conv2dOptions>(op, opts, OPTION_KEYS);
  // Frozen options read once (a layer's) keep their last valid geometry: a layer's next call on
  // the same shapes reuses it (the result depends only on the shapes and the options).
  const reusable = o !== NO_OPTIONS && Object.isFrozen(o);
  const last = reusable ? lastGeometry.get(o) : undefined;
  if (last !== undefined && sameShape(last.x, xShape) && sameShape(last.w, wShape)) return last.g;
  const g = computeGeometry(op, xShape, wShape, o, xArg, wArg);
  if (reusable) lastGeometry.set(o, { x: xShape.slice(), w: wShape.slice(), g: Object.freeze(g) });
  return g;
}

/** Per frozen options object, its last geometry and the shapes it was computed for (see geometry). */
const lastGeometry = new WeakMap<object, { x: readonly number[]; w: readonly number[]; g: Geometry }>();

function computeGeometry(op: string, xShape: readonly number[], wShape: readonly number[], o: Conv2dOptions, xArg: string, wArg: string): Geometry {
  const layout = o.layout ?? 'NCHW';
  if (layout !== 'NCHW' && layout !== 'NHWC') throw new ArgumentError(op, 'layout', "'NCHW' or 'NHWC'", describe(layout));
  const mode = o.mode ?? 'correlation';
  if (mode !== 'correlation' && mode !== 'convolution') throw new ArgumentError(op, 'mode', "'correlation' or 'convolution'", describe(mode));
  const nhwc = layout === 'NHWC', hwio = checkWeightLayoutName(op, o.weightLayout) === 'HWIO';
  if (xShape.length !== 4 && xShape.length !== 3) {
    throw new ShapeError(op, xArg, `a 4-D tensor ${nhwc ? '[N, H, W, C]' : '[N, C, H, W]'} (or 3-D unbatched)`, `shape ${shapeStr(xShape)}`);
  }
  if (wShape.length !== 4) {
    throw new ShapeError(op, wArg, `a 4-D weight ${hwio ? '[kh, kw, Cin/groups, Cout]' : '[Cout, Cin/groups, kh, kw]'}`, `shape ${shapeStr(wShape)}`);
  }
  const batched = xShape.length === 4, b = batched ? 1 : 0;
  const N = batched ? xShape[0]! : 1;
  const C = xShape[nhwc ? b + 2 : b]!, H = xShape[nhwc ? b : b + 1]!, W = xShape[nhwc ? b + 1 : b + 2]!;
  const [CO, CIG, KH, KW] = hwio ? [wShape[3]!, wShape[2]!, wShape[0]!, wShape[1]!] : [wShape[0]!, wShape[1]!, wShape[2]!, wShape[3]!];
  // N may be 0 (an empty batch, as in PyTorch): the result and the gradients are then empty, and dw, db zeros.
  positive(op, C, 'channels', xArg, xShape);
  positive(op, H, 'height', xArg, xShape);
  positive(op, W, 'width', xArg, xShape);
  positive(op, CO, 'output channels', wArg, wShape);
  positive(op, CIG, 'input channels', wArg, wShape);
  positive(op, KH, 'kernel height', wArg, wShape);
  positive(op, KW, 'kernel width', wArg, wShape);
  const G = o.groups === undefined ? 1 : checkInt(op, 'groups', o.groups, 1);
  if (CIG * G !== C) checkWeightLayout(op, wArg, wShape, C, G, hwio);
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
    if (o.weightLayout === undefined) checkWeightLayout(op, wArg, wShape, C, G, hwio);
    throw new ShapeError(op, wArg, `a kernel no larger than the padded input ${H + PT + PB}x${W + PL + PR}`,
      `a ${KH}x${KW} kernel${DH > 1 || DW > 1 ? ` spanning ${ekh}x${ekw} with dilation` : ''}`,
      `${op}: kernel ${KH}x${KW}${DH > 1 || DW > 1 ? ` (spanning ${ekh}x${ekw} with dilation)` : ''} is larger than the${PT + PB + PL + PR > 0 ? ' padded' : ''} input ${H + PT + PB}x${W + PL + PR}`);
  }
  const HO = Math.floor((H + PT + PB - ekh) / SH) + 1;
  const WO = Math.floor((W + PL + PR - ekw) / SW) + 1;
  const g: Geometry = {
    N, C, H, W, CO, KH, KW, G, CG: C / G, COG: CO / G, SH, SW, DH, DW,
    PT, PB, PL, PR, HO, WO, nhwc, flip: mode === 'convolution', batched, hwio,
  };
  g.algorithm = checkAlgorithm(op, o.algorithm, g);
  return g;
}

/** Reads the `algorithm` option; 'winograd' on a convolution it cannot compute throws, saying why. */
function checkAlgorithm(op: string, a: unknown, g: Geometry): ConvAlgorithm {
  if (a === undefined) return 'auto';
  if (a !== 'direct' && a !== 'winograd' && a !== 'auto') throw new ArgumentError(op, 'algorithm', "'direct', 'winograd' or 'auto'", describe(a));
  const why = a === 'winograd' ? winogradIneligible(g) : null;
  if (why !== null) {
    throw new ArgumentError(op, 'algorithm', "'direct' or 'auto' for this convolution", `'winograd' with ${why}`,
      `${op}: algorithm 'winograd' needs a 3x3 kernel, stride 1, dilation 1, groups 1 and layout 'NCHW'; this convolution has ${why} (use 'direct' or 'auto')`);
  }
  return a;
}

/** Checks a `weightLayout` option: 'OIHW' (also for undefined or null) or 'HWIO'. */
export function checkWeightLayoutName(op: string, v: unknown): 'OIHW' | 'HWIO' {
  if (v === undefined || v === null) return 'OIHW';
  if (v !== 'OIHW' && v !== 'HWIO') throw new ArgumentError(op, 'weightLayout', "'OIHW' or 'HWIO'", describe(v));
  return v;
}

/** Whether `wShape` read in the layout `hwio` has Cin/groups input channels per group and Cout a multiple of groups. */
function fitsChannels(wShape: readonly number[], C: number, G: number, hwio: boolean): boolean {
  const cig = hwio ? wShape[2]! : wShape[1]!, co = hwio ? wShape[3]! : wShape[0]!;
  return cig * G === C && co % G === 0;
}

/**
 * Throws the mix-up of weight layouts a weight that does not fit as `hwio` says: when it fits
 * the other layout (and the caller did not name the layout, or named the other one), a
 * ShapeError that names the layout to pass. Returns when the other layout does not fit either.
 */
function checkWeightLayout(op: string, wArg: string, wShape: readonly number[], C: number, G: number, hwio: boolean): void {
  if (!fitsChannels(wShape, C, G, !hwio)) return;
  const other = hwio ? 'OIHW' : 'HWIO';
  throw new ShapeError(op, wArg, hwio ? `HWIO [kh, kw, ${C / G}, Cout]` : `OIHW [Cout, ${C / G}, kh, kw] (the default weightLayout)`,
    `shape ${shapeStr(wShape)}, which fits ${other}: pass { weightLayout: '${other}' }`);
}

/** Throws ShapeError unless the extent `v` (a shape's `what`) is positive. */
function positive(op: string, v: number, what: string, argument: string, shape: readonly number[]): void {
  if (v < 1) throw new ShapeError(op, argument, `a positive ${what}`, `shape ${shapeStr(shape)}`);
}

/** The output shape of a geometry, in its layout (3-D when the input was unbatched). */
export function outShape(g: Geometry): number[] {
  const s = g.nhwc ? [g.N, g.HO, g.WO, g.CO] : [g.N, g.CO, g.HO, g.WO];
  return g.batched ? s : s.slice(1);
}

export function inShape(g: Geometry): number[] {
  const s = g.nhwc ? [g.N, g.H, g.W, g.C] : [g.N, g.C, g.H, g.W];
  return g.batched ? s : s.slice(1);
}

export function checkShapeArg(op: string, argument: string, s: unknown): readonly number[] {
  const expected = 'a shape of non-negative integers';
  const shape = readNumbers(op, argument, s, expected, 8, ShapeError);
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) throw new ShapeError(op, argument, expected, describe(shape));
  return shape;
}

export function noBias(op: string, opts: unknown): void {
  if ((opts as Conv2dOptions | null | undefined)?.bias !== undefined) throw new ArgumentError(op, 'options', 'no bias option', 'a bias');
  // Like torch.nn.grad's functions, the gradient ops take zero padding only.
  if (paddingModeOf(op, (opts as Conv2dOptions | null | undefined)?.paddingMode) !== 'zeros') {
    throw new ArgumentError(op, 'paddingMode', "'zeros' (the gradient ops take zero padding only)", describe((opts as Conv2dOptions).paddingMode));
  }
}

export function checkBias(op: string, bias: unknown, CO: number): Tensor | null {
  if (bias === undefined || bias === null) return null;
  const b = checkTensor(op, 'bias', bias);
  if (b.ndim !== 1 || b[DIMS][0] !== CO) throw new ShapeError(op, 'bias', `shape [${CO}] (one per output channel)`, `shape ${shapeStr(b[DIMS])}`);
  return b;
}

/** The geometry of a single-channel valid correlation. */
export function single(H: number, W: number, KH: number, KW: number, flip: boolean): Geometry {
  return {
    N: 1, C: 1, H, W, CO: 1, KH, KW, G: 1, CG: 1, COG: 1, SH: 1, SW: 1, DH: 1, DW: 1,
    PT: 0, PB: 0, PL: 0, PR: 0, HO: H - KH + 1, WO: W - KW + 1, nhwc: false, flip, batched: false, hwio: false,
  };
}
