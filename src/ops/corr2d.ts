// The lesson's single-channel 2-D correlation and convolution: corr2d(X, K) and convolve2d(X, K),
// 'valid', stride 1, through the direct kernels of conv-forward.ts / conv-grad.ts.
import { ArgumentError, ShapeError, describe, shapeStr } from '../errors.js';
import { DIMS, type Tensor, checkTensor, empty, wroteInPlace } from '../tensor.js';
import { kernels, CONVOLVE, OVERWRITE } from '../wasm/kernels.js';
import { needsGrad, record } from '../autograd/node.js';
import { single } from './conv-options.js';
import { allOrNone, checkOut2d, writeResult } from './conv-out.js';
import { gradInputDirect, gradWeightDirect } from './conv-grad.js';

const hasOwn = Object.prototype.hasOwnProperty;

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
  const outArg = outOption(op, opts);
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
  // No closures on this path (the lesson's call, timed against a plain JS loop): `given` is
  // checked before anything is written; a new result is freed if the kernel throws.
  const given = checkOut2d(op, outArg, HO, WO, recording, tx, 'X', tk, 'K');
  const out = given ?? empty([HO, WO], op);
  try {
    if (flip) kernels.corr2d_pad(tx.ptr(op, 'X'), H, W, tk.ptr(op, 'K'), KH, KW, 0, 0, out.ptr(op, 'out'), HO, WO, OVERWRITE, CONVOLVE);
    else kernels.corr2d_valid(tx.ptr(op, 'X'), H, W, tk.ptr(op, 'K'), KH, KW, out.ptr(op, 'out'), OVERWRITE);
  } catch (e) {
    if (out !== given) out.dispose();
    throw e;
  }
  if (given !== null) wroteInPlace(given);
  if (recording) {
    const g = single(H, W, KH, KW, flip);
    record(out, flip ? 'Convolve2d' : 'Corr2d', [tx, tk], (gy, needs, [sx, sk]) => allOrNone([
      needs[0] ? () => writeResult(op, null, () => [H, W], (dX) => gradInputDirect(g, gy.ptr(op, 'dy'), sk!.ptr(op, 'K'), dX.ptr(op, 'dX'))) : null,
      needs[1] ? () => writeResult(op, null, () => [KH, KW], (dK) => gradWeightDirect(op, g, sx!.ptr(op, 'X'), gy.ptr(op, 'dy'), dK.ptr(op, 'dK'))) : null,
    ]), [tx, tk]);
  }
  return out;
}
