// 2-D max and average pooling with PyTorch's semantics (torch.nn.functional.max_pool2d /
// avg_pool2d): validate → kernel (assembly/pool.ts) → record. Inputs are [N, C, H, W] or
// [C, H, W] (NCHW, the default) or [N, H, W, C] / [H, W, C] with `layout: 'NHWC'`.
//
// Geometry (PyTorch's pooling_output_shape): with the effective kernel span e = d*(k-1) + 1,
//   out = floor((n + 2p - e + (ceilMode ? s - 1 : 0)) / s) + 1,
//   and with ceilMode the last window must start inside the input or the left padding:
//   if (out - 1) * s >= n + p then out -= 1.
// Validity: padding <= kernelSize / 2 (on each axis, the kernel size itself, not its span), and
// every output extent >= 1. Max pooling saves the winner's index per output (int32, in a private
// tensor) for its backward; average pooling needs nothing saved. NCHW jobs long enough are split
// over threads by planes.
import { ArgumentError, ShapeError, describe, shapeStr } from '../errors.js';
import { DIMS, Tensor, checkTensor, empty } from '../tensor.js';
import { kernels as K, type KernelTable } from '../wasm/kernels.js';
import { F32_BYTES } from '../wasm/memory.js';
import { chooseSplit, parallel, partStart, partsFor } from '../threads/pool.js';
import { readOptions } from '../args.js';
import { needsGrad, record } from '../autograd/node.js';
import { pair, type Pair } from './conv-options.js';

/**
 * The options of {@link maxPool2d}: PyTorch's kernel_size, stride (default: the kernel size),
 * padding, dilation and ceil_mode, and the activation layout.
 * @example
 * const opts: sc.MaxPool2dOptions = { kernelSize: 3, stride: 2, padding: 1 };
 * sc.maxPool2d(sc.ones([1, 1, 7, 9]), opts).shape   // => [1, 1, 4, 5]
 */
export interface MaxPool2dOptions {
  /** n or [kh, kw]. */
  kernelSize: Pair;
  /** n or [sh, sw]; default: the kernel size. */
  stride?: Pair;
  /** Implicit -Infinity padding on both sides: n or [ph, pw], at most half the kernel size. Default 0. */
  padding?: Pair;
  /** Spacing between taps: n or [dh, dw]. Default 1. */
  dilation?: Pair;
  /** Round the output size up (a last window may hang over the edge). Default false. */
  ceilMode?: boolean;
  /** 'NCHW' (default) or 'NHWC'. */
  layout?: 'NCHW' | 'NHWC';
}

/**
 * The options of {@link avgPool2d}: PyTorch's kernel_size, stride (default: the kernel size),
 * padding, ceil_mode and count_include_pad, and the activation layout.
 * @example
 * const opts: sc.AvgPool2dOptions = { kernelSize: 3, stride: 2, padding: 1, countIncludePad: false };
 * sc.avgPool2d(sc.ones([1, 1, 7, 9]), opts)   // every window averages only real inputs: all ones
 */
export interface AvgPool2dOptions {
  /** n or [kh, kw]. */
  kernelSize: Pair;
  /** n or [sh, sw]; default: the kernel size. */
  stride?: Pair;
  /** Implicit zero padding on both sides: n or [ph, pw], at most half the kernel size. Default 0. */
  padding?: Pair;
  /** Round the output size up (a last window may hang over the edge). Default false. */
  ceilMode?: boolean;
  /** Whether the padding counts in a window's divisor (default true, as in PyTorch). */
  countIncludePad?: boolean;
  /** 'NCHW' (default) or 'NHWC'. */
  layout?: 'NCHW' | 'NHWC';
}

const MAX_KEYS = new Set(['kernelSize', 'stride', 'padding', 'dilation', 'ceilMode', 'layout']);
const AVG_KEYS = new Set(['kernelSize', 'stride', 'padding', 'ceilMode', 'countIncludePad', 'layout']);

/** A validated pooling: sizes, window parameters, layout. */
interface PoolGeometry {
  N: number; C: number; H: number; W: number; HO: number; WO: number;
  KH: number; KW: number; SH: number; SW: number; PH: number; PW: number; DH: number; DW: number;
  nhwc: boolean; batched: boolean;
}

/** PyTorch's pooling_output_shape for one axis (see the file header); throws when it is < 1. */
export function poolOutputSize(op: string, axis: string, n: number, k: number, s: number, p: number, d: number, ceil: boolean): number {
  const span = d * (k - 1) + 1;
  let out = Math.floor((n + 2 * p - span + (ceil ? s - 1 : 0)) / s) + 1;
  if (ceil && (out - 1) * s >= n + p) out--;
  if (out < 1) {
    throw new ShapeError(op, 'x', `an input ${axis} of at least ${span - 2 * p} (the kernel spans ${span} with padding ${p})`, `${axis} ${n}`,
      `${op}: the output ${axis} would be ${out}: input ${axis} ${n} is smaller than the kernel span ${span} minus twice the padding ${p}`);
  }
  return out;
}

function geometry(op: string, x: Tensor, o: { kernelSize?: unknown; stride?: unknown; padding?: unknown; dilation?: unknown; ceilMode?: unknown; layout?: unknown }): PoolGeometry {
  const layout = o.layout ?? 'NCHW';
  if (layout !== 'NCHW' && layout !== 'NHWC') throw new ArgumentError(op, 'layout', "'NCHW' or 'NHWC'", describe(layout));
  const nhwc = layout === 'NHWC';
  if (o.kernelSize === undefined) throw new ArgumentError(op, 'kernelSize', 'n or [kh, kw] (positive integers)', 'undefined');
  const [KH, KW] = pair(op, 'kernelSize', o.kernelSize, 1, 1);
  const [SH, SW] = o.stride === undefined || o.stride === null ? [KH, KW] : pair(op, 'stride', o.stride, 1, 1);
  const [PH, PW] = pair(op, 'padding', o.padding, 0, 0);
  const [DH, DW] = pair(op, 'dilation', o.dilation, 1, 1);
  const ceil = o.ceilMode ?? false;
  if (typeof ceil !== 'boolean') throw new ArgumentError(op, 'ceilMode', 'true or false', describe(ceil));
  if (2 * PH > KH || 2 * PW > KW) {
    throw new ArgumentError(op, 'padding', `at most half the kernel size ${KH}x${KW} on each axis`, `[${PH}, ${PW}]`,
      `${op}: padding [${PH}, ${PW}] should be at most half of the kernel size ${KH}x${KW}`);
  }
  const s = x[DIMS];
  if (s.length !== 3 && s.length !== 4) {
    throw new ShapeError(op, 'x', `a 4-D tensor ${nhwc ? '[N, H, W, C]' : '[N, C, H, W]'} (or 3-D unbatched)`, `shape ${shapeStr(s)}`);
  }
  const batched = s.length === 4, b = batched ? 1 : 0;
  const N = batched ? s[0]! : 1;
  const C = s[nhwc ? b + 2 : b]!, H = s[nhwc ? b : b + 1]!, W = s[nhwc ? b + 1 : b + 2]!;
  if (C < 1 || H < 1 || W < 1) throw new ShapeError(op, 'x', 'non-zero channels, height and width', `shape ${shapeStr(s)}`);
  const HO = poolOutputSize(op, 'height', H, KH, SH, PH, DH, ceil);
  const WO = poolOutputSize(op, 'width', W, KW, SW, PW, DW, ceil);
  return { N, C, H, W, HO, WO, KH, KW, SH, SW, PH, PW, DH, DW, nhwc, batched };
}

/**
 * What the thread pool's cost model (threads/pool.ts, in flops) charges per input element: pooling
 * is memory-bound, about 1 ns per element forward and 0.4 ns backward on one core here.
 */
const POOL_COST = 30, POOL_BACKWARD_COST = 12;

/**
 * Runs `part(k, p0, p1)` on NCHW planes p0 .. p1-1 (of N*C), split over threads when the job is
 * long enough. Planes are independent and each is pooled whole by one part: the bits do not
 * depend on the split.
 */
function byPlanes(g: PoolGeometry, costPerElement: number, part: (k: KernelTable, p0: number, p1: number) => void): void {
  const planes = g.N * g.C;
  const [T] = chooseSplit(partsFor(costPerElement * planes * g.H * g.W), planes);
  parallel(T, (k, t) => {
    const p0 = partStart(planes, T, t), p1 = partStart(planes, T, t + 1);
    if (p1 > p0) part(k, p0, p1);
  });
}

function outShape(g: PoolGeometry): number[] {
  const s = g.nhwc ? [g.N, g.HO, g.WO, g.C] : [g.N, g.C, g.HO, g.WO];
  return g.batched ? s : s.slice(1);
}

/**
 * 2-D max pooling, like `torch.nn.functional.max_pool2d`: each output is the maximum of its
 * window (padding never wins; a NaN propagates). Differentiable: the gradient goes to the element
 * that won each window (the first maximum in row-major window order, as in PyTorch).
 * @example
 * const x = sc.arange(16).reshape([1, 1, 4, 4]);
 * sc.maxPool2d(x, { kernelSize: 2 })   // => [[[[5, 7], [13, 15]]]]
 * sc.maxPool2d(sc.ones([1, 1, 5, 7]), { kernelSize: 2, ceilMode: true }).shape   // => [1, 1, 3, 4]
 */
export function maxPool2d(x: Tensor, options: MaxPool2dOptions): Tensor {
  const op = 'maxPool2d';
  const tx = checkTensor(op, 'x', x);
  const o = readOptions<MaxPool2dOptions>(op, options, MAX_KEYS);
  const g = geometry(op, tx, o);
  const recording = needsGrad(tx);
  const out = empty(outShape(g), op); // N = 0: the kernels run no plane
  // Winner indices (int32 bits in a float32-sized block), only when backward will need them.
  const idx = recording ? empty(out[DIMS], op) : null;
  const ip = idx === null ? 0 : idx.ptr(op, 'indices');
  if (g.nhwc) {
    K.maxpool2d_nhwc(out.ptr(op, 'out'), ip, tx.ptr(op, 'x'), g.N, g.H, g.W, g.C, g.HO, g.WO, g.KH, g.KW, g.SH, g.SW, g.PH, g.PW, g.DH, g.DW);
  } else {
    const yp = out.ptr(op, 'out'), xp = tx.ptr(op, 'x'), HW = g.H * g.W * F32_BYTES, HWo = g.HO * g.WO * F32_BYTES;
    byPlanes(g, POOL_COST, (k, p0, p1) => k.maxpool2d_nchw(yp + p0 * HWo, ip && ip + p0 * HWo, xp + p0 * HW, p1 - p0,
      g.H, g.W, g.HO, g.WO, g.KH, g.KW, g.SH, g.SW, g.PH, g.PW, g.DH, g.DW));
  }
  if (idx !== null) {
    const xShape = tx[DIMS];
    record(out, 'MaxPool2D', [tx], (gy, _needs, [si]) => {
      const dx = empty(xShape, op);
      if (g.nhwc) K.maxpool2d_backward_nhwc(dx.ptr(op, 'dx'), gy.ptr(op, 'dy'), si!.ptr(op, 'indices'), g.N, g.H * g.W, g.HO * g.WO, g.C);
      else {
        const dxp = dx.ptr(op, 'dx'), dyp = gy.ptr(op, 'dy'), sp = si!.ptr(op, 'indices'), HW = g.H * g.W, HWo = g.HO * g.WO;
        byPlanes(g, POOL_BACKWARD_COST, (k, p0, p1) => k.maxpool2d_backward_nchw(dxp + p0 * HW * F32_BYTES, dyp + p0 * HWo * F32_BYTES,
          sp + p0 * HWo * F32_BYTES, p1 - p0, HW, HWo));
      }
      return [dx];
    }, [idx]);
    idx.dispose(); // the node holds its own handle
  }
  return out;
}

/**
 * 2-D average pooling, like `torch.nn.functional.avg_pool2d`: each output is the mean of its
 * window; with `countIncludePad: false` the padding is left out of the divisor. Differentiable.
 * @example
 * const x = sc.arange(16).reshape([1, 1, 4, 4]);
 * sc.avgPool2d(x, { kernelSize: 2 })   // => [[[[2.5, 4.5], [10.5, 12.5]]]]
 * sc.avgPool2d(sc.ones([1, 1, 3, 3]), { kernelSize: 3, stride: 1, padding: 1 }).slice([0, 0, 0])   // => [4 / 9, 6 / 9, 4 / 9]
 */
export function avgPool2d(x: Tensor, options: AvgPool2dOptions): Tensor {
  const op = 'avgPool2d';
  const tx = checkTensor(op, 'x', x);
  const o = readOptions<AvgPool2dOptions>(op, options, AVG_KEYS);
  const g = geometry(op, tx, o);
  const cip = o.countIncludePad ?? true;
  if (typeof cip !== 'boolean') throw new ArgumentError(op, 'countIncludePad', 'true or false', describe(cip));
  const include = cip ? 1 : 0;
  const out = empty(outShape(g), op); // N = 0: the kernels run no plane
  if (g.nhwc) {
    K.avgpool2d_nhwc(out.ptr(op, 'out'), tx.ptr(op, 'x'), g.N, g.H, g.W, g.C, g.HO, g.WO, g.KH, g.KW, g.SH, g.SW, g.PH, g.PW, include);
  } else {
    const yp = out.ptr(op, 'out'), xp = tx.ptr(op, 'x'), HW = g.H * g.W * F32_BYTES, HWo = g.HO * g.WO * F32_BYTES;
    byPlanes(g, POOL_COST, (k, p0, p1) => k.avgpool2d_nchw(yp + p0 * HWo, xp + p0 * HW, p1 - p0, g.H, g.W, g.HO, g.WO,
      g.KH, g.KW, g.SH, g.SW, g.PH, g.PW, include));
  }
  if (needsGrad(tx)) {
    const xShape = tx[DIMS];
    record(out, 'AvgPool2D', [tx], (gy) => {
      const dx = empty(xShape, op);
      if (g.nhwc) K.avgpool2d_backward_nhwc(dx.ptr(op, 'dx'), gy.ptr(op, 'dy'), g.N, g.H, g.W, g.C, g.HO, g.WO, g.KH, g.KW, g.SH, g.SW, g.PH, g.PW, include);
      else {
        const dxp = dx.ptr(op, 'dx'), dyp = gy.ptr(op, 'dy'), HW = g.H * g.W * F32_BYTES, HWo = g.HO * g.WO * F32_BYTES;
        byPlanes(g, POOL_BACKWARD_COST, (k, p0, p1) => k.avgpool2d_backward_nchw(dxp + p0 * HW, dyp + p0 * HWo, p1 - p0, g.H, g.W, g.HO, g.WO,
          g.KH, g.KW, g.SH, g.SW, g.PH, g.PW, include));
      }
      return [dx];
    });
  }
  return out;
}
