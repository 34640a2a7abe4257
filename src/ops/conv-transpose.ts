// conv2dTranspose (torch.nn.functional.conv_transpose2d): the adjoint of a convolution, run on
// the convolution kernels. Its geometry is that of the convolution C whose input is the transpose's
// output and whose output is the transpose's input, with the same weight ([Cin, Cout/groups, kh,
// kw] is C's OIHW weight): forward is C's input gradient, dx is C's forward of dy, dw is C's
// weight gradient with x and dy in swapped roles, db the sums of dy per channel.
import { ArgumentError, ShapeError, describe, shapeStr } from '../errors.js';
import { DIMS, type Tensor, checkTensor } from '../tensor.js';
import { needsGrad, record } from '../autograd/node.js';
import { checkInt, readOptions } from '../args.js';
import { checkBias, inShape, outShape, pair, type Geometry, type Pair } from './conv-options.js';
import { allOrNone, checkOut, isActivation, writeResult } from './conv-out.js';
import { biasAdd, forwardKernels } from './conv-forward.js';
import { biasGrad, gradInputKernels, gradWeight } from './conv-grad.js';

/**
 * The options of {@link conv2dTranspose}, PyTorch's: bias, stride, padding (removed from each
 * side of the output), outputPadding (added to one side of the output), dilation, groups, and
 * the activation layout and an optional output tensor as in conv2d.
 * @example
 * const opts: sc.Conv2dTransposeOptions = { stride: 2, padding: 1, outputPadding: 1 };
 * sc.conv2dTranspose(sc.ones([1, 4, 7, 7]), sc.ones([4, 2, 3, 3]), opts).shape   // => [1, 2, 14, 14]
 */
export interface Conv2dTransposeOptions {
  /** Per-output-channel bias, shape [Cout]. */
  bias?: Tensor | null;
  /** n or [sh, sw]. Default 1. */
  stride?: Pair;
  /** Rows and columns removed from each side of the output: n or [ph, pw]. Default 0. */
  padding?: Pair;
  /** Rows and columns added after the output (bottom, right): n or [oh, ow], each smaller than the stride or the dilation of its axis. Default 0. */
  outputPadding?: Pair;
  /** n or [dh, dw]. Default 1. */
  dilation?: Pair;
  /** Channel groups: Cin and Cout must be multiples. Default 1. */
  groups?: number;
  /** 'NCHW' (default) or 'NHWC'. The weight is [Cin, Cout/groups, kh, kw] either way. */
  layout?: 'NCHW' | 'NHWC';
  /** Write the result into this tensor (as conv2d's `out`). */
  out?: Tensor | null;
}

const NO_OPTIONS: Conv2dTransposeOptions = Object.freeze({});
const KEYS = new Set(['bias', 'stride', 'padding', 'outputPadding', 'dilation', 'groups', 'layout', 'out']);

/** One axis's output length, with PyTorch's checks of outputPadding and of an empty output (errors name `op`). */
export function transposedLength(op: string, name: string, n: number, k: number, s: number, p: number, q: number, d: number): number {
  if (q >= Math.max(s, d)) throw new ArgumentError(op, 'outputPadding', `less than the ${name}'s stride ${s} or dilation ${d}`, String(q));
  const out = (n - 1) * s - 2 * p + d * (k - 1) + q + 1;
  if (out < 1) throw new ShapeError(op, 'padding', `a padding leaving an output ${name} >= 1`, `padding ${p}: output ${name} ${out}`);
  return out;
}

/** The geometry of the convolution whose input gradient the transpose is (see the file header). */
function transposeGeometry(op: string, xShape: readonly number[], wShape: readonly number[], o: Conv2dTransposeOptions): Geometry {
  const layout = o.layout ?? 'NCHW';
  if (layout !== 'NCHW' && layout !== 'NHWC') throw new ArgumentError(op, 'layout', "'NCHW' or 'NHWC'", describe(layout));
  const nhwc = layout === 'NHWC';
  if (xShape.length !== 4 && xShape.length !== 3) {
    throw new ShapeError(op, 'x', `a 4-D tensor ${nhwc ? '[N, H, W, C]' : '[N, C, H, W]'} (or 3-D unbatched)`, `shape ${shapeStr(xShape)}`);
  }
  if (wShape.length !== 4 || wShape.some((v) => v < 1)) {
    throw new ShapeError(op, 'w', 'a 4-D weight [Cin, Cout/groups, kh, kw] of positive sizes', `shape ${shapeStr(wShape)}`);
  }
  const batched = xShape.length === 4, b = batched ? 1 : 0;
  const N = batched ? xShape[0]! : 1;
  const C = xShape[nhwc ? b + 2 : b]!, H = xShape[nhwc ? b : b + 1]!, W = xShape[nhwc ? b + 1 : b + 2]!;
  if (C < 1 || H < 1 || W < 1) throw new ShapeError(op, 'x', 'positive channels, height and width (the batch may be 0)', `shape ${shapeStr(xShape)}`);
  const [CIN, COG, KH, KW] = wShape as [number, number, number, number];
  const G = o.groups === undefined ? 1 : checkInt(op, 'groups', o.groups, 1);
  if (C % G !== 0) throw new ArgumentError(op, 'groups', `a divisor of the input channels (${C})`, String(G));
  if (CIN !== C) throw new ShapeError(op, 'w', `[${C}, Cout/groups, kh, kw] (x has ${C} channels)`, `shape ${shapeStr(wShape)}`);
  const [SH, SW] = pair(op, 'stride', o.stride, 1, 1);
  const [DH, DW] = pair(op, 'dilation', o.dilation, 1, 1);
  const [PH, PW] = pair(op, 'padding', o.padding, 0, 0);
  const [QH, QW] = pair(op, 'outputPadding', o.outputPadding, 0, 0);
  const HO = transposedLength(op, 'height', H, KH, SH, PH, QH, DH);
  const WO = transposedLength(op, 'width', W, KW, SW, PW, QW, DW);
  // The convolution C: input [N, Cout, HO, WO], output [N, Cin, H, W], padding PH before and
  // PH - QH after (negative: rows C never reads), so that its output is exactly H x W.
  return {
    N, C: COG * G, H: HO, W: WO, CO: C, KH, KW, G, CG: COG, COG: C / G, SH, SW, DH, DW,
    PT: PH, PB: PH - QH, PL: PW, PR: PW - QW, HO: H, WO: W, nhwc, flip: false, batched, hwio: false,
  };
}

/**
 * Transposed 2-D convolution, like `torch.nn.functional.conv_transpose2d`: x [N, Cin, H, W] (or
 * NHWC with `layout: 'NHWC'`, or 3-D unbatched) with weight w [Cin, Cout/groups, kh, kw] gives
 * [N, Cout, (H-1)·stride - 2·padding + dilation·(kh-1) + outputPadding + 1, ...]: every input
 * pixel scatters its kernel-weighted copy into the output (the gradient of conv2d with respect to
 * its input). Differentiable in x, w and bias. An empty batch gives an empty result.
 * @example
 * const x = sc.tensor([[[[1, 2], [3, 4]]]]), w = sc.ones([1, 1, 2, 2]);
 * sc.conv2dTranspose(x, w)   // => [[[[1, 3, 2], [4, 10, 6], [3, 7, 4]]]]
 * sc.conv2dTranspose(sc.ones([2, 8, 7, 7]), sc.ones([8, 4, 3, 3]), { stride: 2, padding: 1, outputPadding: 1 }).shape   // => [2, 4, 14, 14]
 */
export function conv2dTranspose(x: Tensor, w: Tensor, opts: Conv2dTransposeOptions = NO_OPTIONS): Tensor {
  const op = 'conv2dTranspose';
  const tx = checkTensor(op, 'x', x);
  const tw = checkTensor(op, 'w', w);
  const o = readOptions<Conv2dTransposeOptions>(op, opts, KEYS);
  const g = transposeGeometry(op, tx[DIMS], tw[DIMS], o);
  const tb = checkBias(op, o.bias, g.C);
  const recording = needsGrad(tx, tw) || (tb !== null && needsGrad(tb));
  const given = checkOut(op, o.out, (s) => isActivation(s, g, g.C, g.H, g.W), () => inShape(g), recording, [tx, tw, tb], ['x', 'w', 'bias']);
  const HW = g.H * g.W;
  const out = writeResult(op, given, () => inShape(g), (y) => {
    gradInputKernels(op, g, tx.ptr(op, 'x'), tw.ptr(op, 'w'), y.ptr(op, 'out'));
    if (tb !== null) biasAdd(g.nhwc, g.N, g.C, HW, y.ptr(op, 'out'), tb.ptr(op, 'bias'));
  });
  if (recording) {
    record(out, 'ConvTranspose2d', [tx, tw, tb], (gy, needs, [sx, sw]) => allOrNone([
      needs[0] ? () => writeResult(op, null, () => outShape(g), (dx) => forwardKernels(op, g, gy.ptr(op, 'dy'), sw!.ptr(op, 'w'), 0, dx.ptr(op, 'dx'))) : null,
      needs[1] ? () => gradWeight(op, g, gy, sx!) : null,
      needs[2] ? () => writeResult(op, null, () => [g.C], (db) => biasGrad(g.nhwc, g.N, g.C, HW, gy.ptr(op, 'dy'), db.ptr(op, 'db'))) : null,
    ]), [tx, tw]);
  }
  return out;
}
