// The convolution ops: conv2d and its two gradient ops. Each reads its options into a Geometry
// once (conv-options.ts), checks a caller's `out` (conv-out.ts), runs the dispatch of
// conv-forward.ts / conv-grad.ts and records conv2d's backward rule, which calls the same
// gradient internals as conv2dGradInput and conv2dGradWeight.
import { DIMS, Tensor, checkTensor } from '../tensor.js';
import { ArgumentError, describe } from '../errors.js';
import { needsGrad, record } from '../autograd/node.js';
import { readOptions } from '../args.js';
import {
  NO_OPTIONS, OPTION_KEYS, checkBias, checkShapeArg, geometry, inShape, noBias, outShape, paddingModeOf, weightShape, type Conv2dOptions,
  type ConvGeometryOptions, type Geometry,
} from './conv-options.js';
import { allOrNone, checkOut, expectOutput, isActivation, isWeight, writeResult } from './conv-out.js';
import { forwardKernels } from './conv-forward.js';
import { gradBias, gradInput, gradWeight } from './conv-grad.js';
import { checkPadsFit, pad2d } from './pad.js';

/**
 * 2-D convolution (cross-correlation by default) of a batch: x [N, C, H, W] (or NHWC with
 * `layout: 'NHWC'`, or 3-D unbatched) with weight w, with optional bias [Cout], stride, padding
 * (zeros, or with `paddingMode` the input's reflected, replicated or wrapped border, as PyTorch's
 * padding_mode), dilation and groups. Differentiable in x, w and bias. With `out`, the result is
 * written into that tensor (nothing is allocated). An empty batch gives an empty result.
 *
 * **The weight is OIHW, [Cout, Cin/groups, kh, kw] (PyTorch's), by default — also for NHWC
 * inputs.** A TensorFlow/Keras weight [kh, kw, Cin/groups, Cout] needs `weightLayout: 'HWIO'`;
 * a weight that fits only the other layout throws a ShapeError saying so.
 *
 * The bias may be given like PyTorch's, as the third argument (`conv2d(x, w, b)`,
 * `conv2d(x, w, b, options)`), or as `options.bias`.
 * @example
 * const y = sc.conv2d(sc.ones([1, 1, 6, 8]), sc.tensor([[[[1, -1]]]]));
 * y.shape   // => [1, 1, 6, 7]
 * const x = sc.randn([2, 3, 8, 8], { seed: 0 }), w = sc.randn([4, 3, 3, 3], { seed: 1 }), b = sc.zeros([4]);
 * const z = sc.conv2d(x, w, { padding: 'same', stride: 1, bias: b });
 * z.shape                                           // => [2, 4, 8, 8]
 * sc.conv2d(x, w, b, { padding: 'same' })           // => z.toArray()
 * sc.noGrad(() => sc.conv2d(x, w, { padding: 'same', out: z })) === z   // => true
 * // NHWC activations with a TensorFlow-style HWIO weight:
 * const xt = sc.randn([2, 8, 8, 3], { seed: 2 }), wt = sc.randn([3, 3, 3, 4], { seed: 3 });
 * sc.conv2d(xt, wt, { layout: 'NHWC', weightLayout: 'HWIO', padding: 'same' }).shape   // => [2, 8, 8, 4]
 */
export function conv2d(x: Tensor, w: Tensor, options?: Conv2dOptions): Tensor;
export function conv2d(x: Tensor, w: Tensor, bias: Tensor | null | undefined, options?: Omit<Conv2dOptions, 'bias'>): Tensor;
export function conv2d(x: Tensor, w: Tensor, third?: Conv2dOptions | Tensor | null, fourth?: Omit<Conv2dOptions, 'bias'>): Tensor {
  const op = 'conv2d';
  const tx = checkTensor(op, 'x', x);
  const tw = checkTensor(op, 'w', w);
  // (x, w, bias?, options?) like PyTorch, or (x, w, options?) with options.bias.
  const positional = third === null || third instanceof Tensor || (third === undefined && fourth !== undefined);
  if (!positional && fourth !== undefined) throw new ArgumentError(op, 'options', 'no fourth argument after options', describe(fourth));
  const o = readOptions<Conv2dOptions>(op, (positional ? fourth : third) ?? NO_OPTIONS, OPTION_KEYS);
  if (positional && o.bias !== undefined) throw new ArgumentError(op, 'bias', 'given once (third argument or options.bias)', 'both');
  const g0 = geometry(op, tx[DIMS], tw[DIMS], o);
  const mode = paddingModeOf(op, o.paddingMode);
  const tb = checkBias(op, positional ? third : o.bias, g0.CO);
  const recording = needsGrad(tx, tw) || (tb !== null && needsGrad(tb));
  const given = checkOut(op, o.out, (s) => isActivation(s, g0, g0.CO, g0.HO, g0.WO), () => outShape(g0), recording, [tx, tw, tb], ['x', 'w', 'bias']);
  const pads = [g0.PT, g0.PB, g0.PL, g0.PR] as const;
  const bordered = mode !== 'zeros' && pads.some((p) => p > 0);
  if (bordered) checkPadsFit(op, mode, pads, g0.H, g0.W, tx[DIMS]);
  // A border mode (PyTorch's padding_mode): x padded by pad2d (its own autograd node), then the
  // convolution without padding.
  const xin = bordered ? pad2d(op, tx, pads, mode, g0.nhwc) : tx;
  const g: Geometry = bordered ? { ...g0, H: g0.H + g0.PT + g0.PB, W: g0.W + g0.PL + g0.PR, PT: 0, PB: 0, PL: 0, PR: 0 } : g0;
  try {
    const out = writeResult(op, given, () => outShape(g),
      (y) => forwardKernels(op, g, xin.ptr(op, 'x'), tw.ptr(op, 'w'), tb ? tb.ptr(op, 'bias') : 0, y.ptr(op, 'out'), tw));
    // (checkOut refuses an out while recording: a recorded result is always a new tensor)
    if (recording) {
      record(out, 'Conv2d', [xin, tw, tb], (gy, needs, [sx, sw]) => allOrNone([
        needs[0] ? () => gradInput(op, g, gy, sw!) : null,
        needs[1] ? () => gradWeight(op, g, sx!, gy) : null,
        needs[2] ? () => gradBias(op, g, gy) : null,
      ]), [xin, tw]);
    }
    return out;
  } finally {
    if (bordered) xin.dispose(); // the node holds its own handle
  }
}

/**
 * The gradient of conv2d with respect to its input, like `torch.nn.grad.conv2d_input`:
 * given dy (the output gradient), w (OIHW, or HWIO with `weightLayout: 'HWIO'`) and the input's
 * shape, returns dx (written into `out` when given).
 * @example
 * const w = sc.randn([16, 3, 3, 3], { seed: 0 }), dy = sc.ones([1, 16, 8, 8]);
 * const dx = sc.conv2dGradInput(dy, w, [1, 3, 8, 8], { padding: 1 });
 * dx.shape   // => [1, 3, 8, 8]
 */
export function conv2dGradInput(dy: Tensor, w: Tensor, xShape: readonly number[], opts: ConvGeometryOptions = NO_OPTIONS): Tensor {
  const op = 'conv2dGradInput';
  const tdy = checkTensor(op, 'dy', dy);
  const tw = checkTensor(op, 'w', w);
  const o = readOptions<Conv2dOptions>(op, opts, OPTION_KEYS);
  const g = geometry(op, checkShapeArg(op, 'xShape', xShape), tw[DIMS], o, 'xShape', 'w');
  noBias(op, o);
  expectOutput(op, tdy[DIMS], g);
  const given = checkOut(op, o.out, (s) => isActivation(s, g, g.C, g.H, g.W), () => inShape(g), needsGrad(tdy, tw), [tdy, tw], ['dy', 'w']);
  return gradInput(op, g, tdy, tw, given);
}

/**
 * The gradient of conv2d with respect to its weight, like `torch.nn.grad.conv2d_weight`:
 * given x, dy and the weight's shape, returns dw (written into `out` when given), in the weight's
 * layout (`weightLayout`, OIHW by default).
 * @example
 * const x = sc.randn([1, 3, 9, 9], { seed: 0 }), dy = sc.ones([1, 16, 4, 4]);
 * const dw = sc.conv2dGradWeight(x, dy, [16, 3, 3, 3], { stride: 2 });
 * dw.shape   // => [16, 3, 3, 3]
 */
export function conv2dGradWeight(x: Tensor, dy: Tensor, wShape: readonly number[], opts: ConvGeometryOptions = NO_OPTIONS): Tensor {
  const op = 'conv2dGradWeight';
  const tx = checkTensor(op, 'x', x);
  const tdy = checkTensor(op, 'dy', dy);
  const o = readOptions<Conv2dOptions>(op, opts, OPTION_KEYS);
  const g = geometry(op, tx[DIMS], checkShapeArg(op, 'wShape', wShape), o, 'x', 'wShape');
  noBias(op, o);
  expectOutput(op, tdy[DIMS], g);
  const given = checkOut(op, o.out, (s) => isWeight(s, g), () => weightShape(g), needsGrad(tx, tdy), [tx, tdy], ['x', 'dy']);
  return gradWeight(op, g, tx, tdy, given);
}
