// Receptive fields of a stack of convolution and pooling-like layers: per layer the field's size,
// jump and start (the classic receptive-field arithmetic), and the exact input region that one
// output element depends on. Geometry (stride, dilation, padding incl. 'same') follows conv2d:
// it is parsed and validated by the same functions in ops/conv.ts.
//
// Coordinates are input pixel indices along each axis (the centre of pixel i is at i). Per layer
// with kernel k, stride s, dilation d and padding p before the data (effective kernel
// e = d·(k-1) + 1), from r₀ = 1, j₀ = 1, first₀ = 0:
//   size  r_l = r_{l-1} + (e - 1)·j_{l-1}
//   jump  j_l = j_{l-1}·s
//   first_l = first_{l-1} - p·j_{l-1}        (top/left edge of output 0's field)
//   start_l = first_l + (r_l - 1)/2          (its centre)
// so output i of layer l sees input pixels [first_l + i·j_l, first_l + i·j_l + r_l).
//
// Pooling layers (nn.MaxPool2d, nn.AvgPool2d) slide a window like a convolution; with ceilMode
// their output count follows PyTorch's pooling rule (a last window may hang over the edge, where
// it sees nothing). A transposed convolution (nn.ConvTranspose2d) runs the other way: its output
// o reads input i = (o + p - t·d) / s for the taps t where that is an integer, so its jump is
// j/s and its outputs' fields differ by phase; from the first such layer on, size and start
// describe output [0, 0]'s field, found by walking the stack back (as receptiveFieldOf does).
// Activations (nn.ReLU, nn.Sigmoid, nn.Tanh) pass fields through; an nn.Sequential is flattened
// into its modules; an nn.Flatten or nn.Linear ends the spatial stack (no entries from there on).
import { SimdconvError, ArgumentError, describe, shapeStr } from './errors.js';
import { checkInputShape, geometry, pair, paddingOf, type Padding, type Pair } from './ops/conv-options.js';
import { poolOutputSize } from './ops/pool.js';
import { transposedLength } from './ops/conv-transpose.js';
import { readArray, readOptions } from './args.js';
import { Module } from './nn/module.js';
import { Conv2d } from './nn/conv2d.js';
import { ConvTranspose2d } from './nn/conv-transpose.js';
import { Sequential } from './nn/sequential.js';
import { AvgPool2d, Flatten, Linear, MaxPool2d, ReLU, Sigmoid, Tanh } from './nn/layers.js';

/**
 * One layer of the stack: a convolution or anything that slides a window (max/avg pooling).
 * @example
 * const pool: sc.ReceptiveLayer = { kernelSize: 2, stride: 2 };
 * sc.receptiveField([{ kernelSize: 3, padding: 'same' }, pool])[1].size   // => [4, 4]
 */
export interface ReceptiveLayer {
  /** Window size: n or [kh, kw]. */
  kernelSize: Pair;
  /** Step between windows: n or [sh, sw]. Default 1. */
  stride?: Pair;
  /** As conv2d: 'valid' (default), 'same', n, [ph, pw] or [[top, bottom], [left, right]]. */
  padding?: Padding;
  /** Spacing between window taps: n or [dh, dw]. Default 1. */
  dilation?: Pair;
}

/**
 * The receptive field of the outputs of one layer, measured on the stack's input. [h, w] pairs.
 * @example
 * sc.receptiveField([{ kernelSize: [3, 1], stride: 2, padding: 1 }], [8, 8])[0]
 * // => { size: [3, 1], jump: [2, 2], start: [0, -1], padding: [1, 1, 1, 1], outputShape: [4, 5] }
 */
export interface ReceptiveFieldInfo {
  /**
   * Input rows and columns one output element spans (its bounding box, ignoring the borders). From
   * a transposed convolution on, fields differ by output: this is output [0, 0]'s (0 when it sees nothing).
   */
  size: [number, number];
  /** Input pixels between two neighbouring outputs (the product of the strides so far; a transposed convolution divides by its stride). */
  jump: [number, number];
  /** Centre of output [0, 0]'s field in input coordinates (half-integer for even sizes; negative inside padding). */
  start: [number, number];
  /** The layer's own padding, resolved: [top, bottom, left, right] (an activation: zeros). */
  padding: [number, number, number, number];
  /** The layer's output [height, width] (only when the input shape was given). */
  outputShape?: [number, number];
}

/**
 * The input region of one output element. Ranges are half-open [start, stop), like `slice`.
 * @example
 * const r = sc.receptiveFieldOf([{ kernelSize: 3, dilation: 2 }], [0, 0], [5, 5]);
 * r.rows         // => [0, 5]
 * r.rowIndices   // => [0, 2, 4]
 * r.dense        // => false
 * sc.arange(25).reshape([5, 5]).slice([r.rows, r.cols]).shape   // => [5, 5]
 */
export interface ReceptiveRegion {
  /** Input rows [start, stop) of the field's bounding box (clipped to the input when its shape is known). */
  rows: [number, number];
  /** Input columns [start, stop) of the bounding box. */
  cols: [number, number];
  /** The input rows that actually reach the element, ascending (dilation or stride > kernel leave holes). */
  rowIndices: number[];
  /** The input columns that actually reach the element, ascending. */
  colIndices: number[];
  /** Whether every pixel of the box reaches the element (the field is rowIndices × colIndices). */
  dense: boolean;
  /** Row-major flat indices (r·W + c) of the input pixels in the field (only when the input shape was given). */
  indices?: number[];
}

/** A layer resolved to numbers. */
interface Axis {
  k: number;
  s: number;
  d: number;
  /** Padding before and after the data (top and bottom, or left and right). */
  p: number;
  q: number;
  /** Input and output length (NaN when the input shape is unknown). */
  n: number;
  out: number;
  /** A transposed convolution (output o reads input (o + p - t·d) / s), or a pass-through layer (k = 1, s = 1). */
  t?: boolean;
}

/**
 * The modules receptiveField and receptiveFieldOf read (besides plain window specs).
 * @example
 * const layers: sc.ReceptiveModule[] = [new sc.nn.MaxPool2d({ kernelSize: 2 }), new sc.nn.ReLU()];
 * sc.receptiveField(layers)[1].jump   // => [2, 2]
 */
export type ReceptiveModule = Conv2d | ConvTranspose2d | MaxPool2d | AvgPool2d | ReLU | Sigmoid | Tanh | Flatten | Linear | Sequential;

/** An identity axis (an activation): length n in, n out. */
const identity = (n: number): Axis => ({ k: 1, s: 1, d: 1, p: 0, q: 0, n, out: n });

const LAYER_KEYS = new Set(['kernelSize', 'stride', 'padding', 'dilation']);

/** Re-throws an error of the shared geometry checks with the layer named in the argument and message. */
function inLayer<T>(op: string, i: number, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (!(e instanceof SimdconvError)) throw e;
    const Ctor = e.constructor as new (op: string, argument: string, expected: string, got: string, message?: string) => SimdconvError;
    const argument = e.argument.startsWith('layers[') ? e.argument : `layers[${i}].${e.argument}`;
    throw new Ctor(op, argument, e.expected, e.got, e.message.replace(`${op}: `, `${op}: layers[${i}]: `));
  }
}

/** The stack with nn.Sequential flattened, cut at the first nn.Flatten / nn.Linear (the end of the spatial layers). */
function spatialLayers(op: string, layersArg: unknown): unknown[] {
  const what = 'an array of layers { kernelSize, stride?, padding?, dilation? } or modules';
  if (!Array.isArray(layersArg)) throw new ArgumentError(op, 'layers', what, describe(layersArg));
  const out: unknown[] = [];
  const walk = (list: readonly unknown[]): boolean => {
    for (const m of list) {
      if (m instanceof Flatten || m instanceof Linear) return false;
      if (m instanceof Sequential) {
        if (!walk(m.layers)) return false;
      } else {
        out.push(m);
      }
    }
    return true;
  };
  walk(readArray(op, 'layers', layersArg, what));
  return out;
}

/** One axis of a pooling layer's window: [k, s, p, d] for height (a = 0) or width (a = 1). */
function poolAxis(op: string, o: { kernelSize: Pair; stride?: Pair | null; padding?: Pair; dilation?: Pair }): [number, number, number, number][] {
  const k = pair(op, 'kernelSize', o.kernelSize, 1, 1);
  const s = o.stride === undefined || o.stride === null ? k : pair(op, 'stride', o.stride, 1, 1);
  const p = pair(op, 'padding', o.padding, 0, 0), d = pair(op, 'dilation', o.dilation, 1, 1);
  return [0, 1].map((a) => [k[a]!, s[a]!, p[a]!, d[a]!]);
}

/** Validates the stack and resolves every layer to [rows axis, cols axis]. */
function resolve(op: string, layersArg: unknown, hwIn: [number, number] | null): [Axis, Axis][] {
  let hw = hwIn;
  const out: [Axis, Axis][] = [];
  spatialLayers(op, layersArg).forEach((layer: unknown, i) => {
    const n = hw ?? [NaN, NaN];
    let axes: [Axis, Axis];
    if (layer instanceof ReLU || layer instanceof Sigmoid || layer instanceof Tanh) {
      axes = [identity(n[0]), identity(n[1])];
    } else if (layer instanceof MaxPool2d || layer instanceof AvgPool2d) {
      const o = layer.options as { kernelSize: Pair; stride?: Pair; padding?: Pair; dilation?: Pair; ceilMode?: boolean };
      const ax = inLayer(op, i, () => poolAxis(op, o));
      axes = [0, 1].map((a) => {
        const [k, s, p, d] = ax[a]!;
        const len = hw === null ? NaN : inLayer(op, i, () => poolOutputSize(op, a === 0 ? 'height' : 'width', n[a]!, k, s, p, d, o.ceilMode === true));
        return { k, s, d, p, q: p, n: n[a]!, out: len };
      }) as [Axis, Axis];
    } else if (layer instanceof ConvTranspose2d) {
      const o = layer.options;
      const [s, d, p, q] = (['stride', 'dilation', 'padding', 'outputPadding'] as const).map((key) =>
        inLayer(op, i, () => pair(op, key, o[key], key === 'stride' || key === 'dilation' ? 1 : 0, key === 'stride' || key === 'dilation' ? 1 : 0)));
      axes = [0, 1].map((a) => {
        const k = layer.kernelSize[a]!;
        const len = hw === null ? NaN : inLayer(op, i, () => transposedLength(op, a === 0 ? 'height' : 'width', n[a]!, k, s![a]!, p![a]!, q![a]!, d![a]!));
        return { k, s: s![a]!, d: d![a]!, p: p![a]!, q: p![a]!, n: n[a]!, out: len, t: true };
      }) as [Axis, Axis];
    } else {
      axes = convAxes(op, layer, i, hw);
    }
    out.push(axes);
    if (hw !== null) hw = [axes[0].out, axes[1].out];
  });
  return out;
}

/** A convolution layer (a plain window spec or an nn.Conv2d) as two axes. */
function convAxes(op: string, layer: unknown, i: number, hw: [number, number] | null): [Axis, Axis] {
  let spec: ReceptiveLayer;
  if (layer instanceof Conv2d) {
    spec = { kernelSize: layer.kernelSize, stride: layer.options.stride, padding: layer.options.padding, dilation: layer.options.dilation };
  } else {
    if (layer === null || typeof layer !== 'object' || Array.isArray(layer) || layer instanceof Module) {
      throw new ArgumentError(op, `layers[${i}]`, 'a layer { kernelSize, stride?, padding?, dilation? }, an nn.Conv2d, nn.ConvTranspose2d, nn.MaxPool2d, nn.AvgPool2d, an activation or an nn.Sequential of them', describe(layer));
    }
    for (const k of Object.keys(layer)) {
      if (!LAYER_KEYS.has(k)) throw new ArgumentError(op, `layers[${i}]`, `only the keys ${[...LAYER_KEYS].join(', ')}`, `an unknown key '${k}'`);
    }
    spec = readOptions<ReceptiveLayer>(op, layer, LAYER_KEYS);
    if (spec.kernelSize === undefined) throw new ArgumentError(op, `layers[${i}].kernelSize`, 'n or [kh, kw]', 'undefined');
  }
  const [kh, kw] = inLayer(op, i, () => pair(op, 'kernelSize', spec.kernelSize, 1, 1));
  const geom = { stride: spec.stride, padding: spec.padding, dilation: spec.dilation };
  if (hw !== null) {
    const [H, W] = hw;
    const g = inLayer(op, i, () => geometry(op, [1, H, W], [1, 1, kh, kw], geom, 'inputShape', 'kernelSize'));
    return [
      { k: kh, s: g.SH, d: g.DH, p: g.PT, q: g.PB, n: H, out: g.HO },
      { k: kw, s: g.SW, d: g.DW, p: g.PL, q: g.PR, n: W, out: g.WO },
    ];
  }
  const [sh, sw] = inLayer(op, i, () => pair(op, 'stride', spec.stride, 1, 1));
  const [dh, dw] = inLayer(op, i, () => pair(op, 'dilation', spec.dilation, 1, 1));
  if (spec.padding === 'same' && (sh > 1 || sw > 1)) {
    throw new ArgumentError(op, 'inputShape', `the input [height, width]: layers[${i}] has padding 'same' with stride > 1, whose padding depends on the input size`, 'none');
  }
  // Only 'same' depends on the input size, and with stride 1 it does not: any size will do.
  const [pt, pb, pl, pr] = inLayer(op, i, () => paddingOf(op, spec.padding, 1, 1, kh, kw, [sh, sw], [dh, dw]));
  return [
    { k: kh, s: sh, d: dh, p: pt, q: pb, n: NaN, out: NaN },
    { k: kw, s: sw, d: dw, p: pl, q: pr, n: NaN, out: NaN },
  ];
}

/**
 * The receptive field of each layer of a stack of convolution / pooling layers: its size, jump
 * (stride in input pixels) and start (centre of output 0's field), per axis [h, w]. Layers are
 * `{ kernelSize, stride?, padding?, dilation? }` (as conv2d's options) or modules: `nn.Conv2d`,
 * `nn.ConvTranspose2d`, `nn.MaxPool2d`, `nn.AvgPool2d` (with ceilMode, as PyTorch counts
 * outputs), activations (`nn.ReLU`, `nn.Sigmoid`, `nn.Tanh`: the field passes through) and
 * `nn.Sequential` (flattened into its modules). The spatial stack ends at the first `nn.Flatten`
 * or `nn.Linear`: there is one entry per module before it. `inputShape` ([H, W]) is needed only
 * for `padding: 'same'` with stride > 1; given, each entry also has the layer's output shape.
 * @example
 * const rf = sc.receptiveField([{ kernelSize: 3 }, { kernelSize: 3 }, { kernelSize: 2, stride: 2 }]);
 * rf.map((l) => l.size[0])   // => [3, 5, 6]
 * rf[2].jump                 // => [2, 2]
 * const lenet = new sc.nn.Sequential(new sc.nn.Conv2d({ inChannels: 1, outChannels: 6, kernelSize: 5, padding: 2, seed: 0 }), new sc.nn.Sigmoid(),
 *   new sc.nn.AvgPool2d({ kernelSize: 2, stride: 2 }), new sc.nn.Conv2d({ inChannels: 6, outChannels: 16, kernelSize: 5, seed: 0 }), new sc.nn.Flatten());
 * sc.receptiveField([lenet], [28, 28]).map((l) => l.size[0])   // => [5, 5, 6, 14]
 */
export function receptiveField(layers: readonly (ReceptiveLayer | ReceptiveModule)[], inputShape?: readonly [number, number]): ReceptiveFieldInfo[] {
  const op = 'receptiveField';
  const axes = resolve(op, layers, inputShape === undefined ? null : checkInputShape(op, inputShape));
  const r = [1, 1], j = [1, 1], first = [0, 0];
  let transposed = false;
  return axes.map((layer, l) => {
    transposed ||= layer[0].t === true;
    for (let a = 0; a < 2; a++) {
      const { k, s, d, p, t } = layer[a]!;
      if (!transposed) {
        first[a] = first[a]! - p * j[a]!;
        r[a] = r[a]! + d * (k - 1) * j[a]!;
      }
      j[a] = t ? j[a]! / s : j[a]! * s;
      if (transposed) {
        // Output 0's field, unclipped (padding positions included, as in the formulas above).
        const set = touched(axes.slice(0, l + 1).map((x) => x[a]!), 0, false);
        first[a] = set.length === 0 ? NaN : set[0]!;
        r[a] = set.length === 0 ? 0 : set[set.length - 1]! - set[0]! + 1;
      }
    }
    const [ah, aw] = layer;
    const info: ReceptiveFieldInfo = {
      size: [r[0]!, r[1]!],
      jump: [j[0]!, j[1]!],
      start: [first[0]! + (r[0]! - 1) / 2, first[1]! + (r[1]! - 1) / 2],
      padding: [ah.p, ah.q, aw.p, aw.q],
    };
    if (inputShape !== undefined) info.outputShape = [ah.out, aw.out];
    return info;
  });
}

/**
 * The input positions along one axis that reach output `i` of the last layer: walks the stack
 * backwards, expanding each position by the layer's taps and dropping positions in the padding
 * (when the lengths are known).
 */
function touched(axes: readonly Axis[], i: number, clip = true): number[] {
  // Layer by layer back to the input: output x of a layer reads x*s - p + t*d for t < k, a run of
  // k positions d apart. Runs are marked in a difference array whose prefix sum steps by d, so a
  // layer costs O(|set| + span), not O(|set| * k).
  let set = [i];
  for (let l = axes.length - 1; l >= 0 && set.length > 0; l--) {
    const { k, s, d, p, t } = axes[l]!;
    const n = clip ? axes[l]!.n : NaN;
    if (t) {
      set = touchedTransposed(axes[l]!, set, n);
      continue;
    }
    const lo = set[0]! * s - p;
    const span = set[set.length - 1]! * s - p + (k - 1) * d - lo + 1;
    if (span > MAX_SPAN) {
      throw new ArgumentError('receptiveFieldOf', 'layers', `a receptive field of at most ${MAX_SPAN} positions per axis`, `${span} positions`);
    }
    const acc = new Int32Array(span + d);
    for (const x of set) {
      acc[x * s - p - lo]! += 1;
      acc[x * s - p - lo + k * d]! -= 1;
    }
    const next: number[] = [];
    for (let j = 0; j < span; j++) {
      if (j >= d) acc[j]! += acc[j - d]!;
      const v = lo + j;
      if (acc[j]! > 0 && (Number.isNaN(n) || (v >= 0 && v < n))) next.push(v);
    }
    set = next;
  }
  return set;
}

const MAX_SPAN = 1 << 26;

/** The inputs of a transposed convolution that reach the outputs `set` (ascending): x + p - t·d = i·s. */
function touchedTransposed({ k, s, d, p }: Axis, set: readonly number[], n: number): number[] {
  const lo = Math.floor((set[0]! + p - (k - 1) * d) / s), hi = Math.floor((set[set.length - 1]! + p) / s);
  if (hi - lo + 1 > MAX_SPAN) {
    throw new ArgumentError('receptiveFieldOf', 'layers', `a receptive field of at most ${MAX_SPAN} positions per axis`, `${hi - lo + 1} positions`);
  }
  const mark = new Uint8Array(hi - lo + 1);
  for (const x of set) {
    for (let t = 0; t < k; t++) {
      const v = x + p - t * d;
      if (((v % s) + s) % s === 0) mark[v / s - lo] = 1;
    }
  }
  const next: number[] = [];
  for (let u = 0; u < mark.length; u++) {
    const v = lo + u;
    if (mark[u] === 1 && (Number.isNaN(n) || (v >= 0 && v < n))) next.push(v);
  }
  return next;
}

/**
 * The input region that one output element of a layer stack depends on: the bounding box of its
 * receptive field (rows and cols as half-open [start, stop)) and the exact rows and columns in it.
 * With `inputShape` ([H, W]) the region is clipped to the input (padding contributes nothing) and
 * also listed as flat indices; without it, coordinates may fall in the padding (negative or past
 * the end).
 * @example
 * // The lesson: 19 = corr2d(X, K)[0, 0] sees X's elements 0, 1, 3, 4; a second 2x2 layer's z sees all nine.
 * sc.receptiveFieldOf([{ kernelSize: 2 }], [0, 0], [3, 3]).indices                    // => [0, 1, 3, 4]
 * sc.receptiveFieldOf([{ kernelSize: 2 }, { kernelSize: 2 }], [0, 0], [3, 3]).indices // => [0, 1, 2, 3, 4, 5, 6, 7, 8]
 */
export function receptiveFieldOf(layers: readonly (ReceptiveLayer | ReceptiveModule)[], outputIndex: readonly [number, number],
  inputShape?: readonly [number, number]): ReceptiveRegion {
  const op = 'receptiveFieldOf';
  const hw = inputShape === undefined ? null : checkInputShape(op, inputShape);
  const axes = resolve(op, layers, hw);
  const index = Array.isArray(outputIndex) ? readArray(op, 'outputIndex', outputIndex, 'an output position [row, col]', 2) : [];
  if (index.length !== 2) throw new ArgumentError(op, 'outputIndex', 'an output position [row, col]', describe(outputIndex));
  const last = axes[axes.length - 1];
  for (let a = 0; a < 2; a++) {
    const v = index[a];
    const n = last ? last[a]!.out : hw ? hw[a]! : NaN;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v >= n) {
      throw new ArgumentError(op, `outputIndex[${a}]`, Number.isNaN(n) ? 'an integer >= 0' : `an integer in [0, ${n - 1}] (the output is ${last ? `${last[0]!.out}x${last[1]!.out}` : shapeStr(hw!)})`, describe(v));
    }
  }
  let rowIndices = touched(axes.map((l) => l[0]), index[0] as number);
  let colIndices = touched(axes.map((l) => l[1]), index[1] as number);
  // An output whose window lies in the padding along one axis sees nothing at all.
  if (rowIndices.length === 0 || colIndices.length === 0) rowIndices = colIndices = [];
  const box = (v: number[]): [number, number] => (v.length === 0 ? [0, 0] : [v[0]!, v[v.length - 1]! + 1]);
  const rows = box(rowIndices), cols = box(colIndices);
  const region: ReceptiveRegion = {
    rows, cols, rowIndices, colIndices,
    dense: rowIndices.length === rows[1] - rows[0] && colIndices.length === cols[1] - cols[0],
  };
  if (hw !== null) {
    const W = hw[1];
    region.indices = rowIndices.flatMap((r) => colIndices.map((c) => r * W + c));
  }
  return region;
}
