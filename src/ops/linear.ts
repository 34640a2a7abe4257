// linear (torch.nn.functional.linear) and flatten (torch.flatten): validate → kernel → record.
// linear: y[..., out] = x[..., in] · wᵀ + b with w [out, in] (PyTorch's layout); the leading axes
// of x are one batch of M rows. Forward is gemm_nt (rows of x against rows of w), dx = dy · w
// (gemm), dw = dyᵀ · x (gemm_tn), db = the column sums of dy (bias_grad_cols): fixed summation
// orders, so the same inputs give the same bits everywhere.
import { ShapeError, shapeStr } from '../errors.js';
import { DIMS, Tensor, checkTensor, empty } from '../tensor.js';
import { kernels as K } from '../wasm/kernels.js';
import { sizeOf } from '../layout.js';
import { needsGrad, record } from '../autograd/node.js';
import { reshape } from './shape.js';
import { checkBytes, normAxis } from './util.js';

/**
 * A fully connected layer's function, like `torch.nn.functional.linear`: `x · wᵀ + b` with x
 * [..., in], w [out, in] and optional b [out]; the result is [..., out]. Differentiable in x, w
 * and b.
 * @example
 * const x = sc.tensor([[1, 2, 3]]), w = sc.tensor([[1, 0, 0], [0, 1, 1]]);
 * sc.linear(x, w)                       // => [[1, 5]]
 * sc.linear(x, w, sc.tensor([10, 20]))  // => [[11, 25]]
 */
export function linear(x: Tensor, w: Tensor, b?: Tensor | null): Tensor {
  const op = 'linear';
  const tx = checkTensor(op, 'x', x);
  const tw = checkTensor(op, 'w', w);
  const tb = b === undefined || b === null ? null : checkTensor(op, 'b', b);
  const xs = tx[DIMS], ws = tw[DIMS];
  if (ws.length !== 2) throw new ShapeError(op, 'w', 'a 2-D weight [out, in]', `shape ${shapeStr(ws)}`);
  const out = ws[0]!, inF = ws[1]!;
  if (xs.length < 1) throw new ShapeError(op, 'x', `a tensor [..., ${inF}]`, 'a 0-d tensor');
  if (xs[xs.length - 1] !== inF) {
    throw new ShapeError(op, 'x', `a last axis of ${inF} features (w is ${shapeStr(ws)})`, `shape ${shapeStr(xs)}`,
      `${op}: x ${shapeStr(xs)} has ${xs[xs.length - 1]} features, w ${shapeStr(ws)} takes ${inF}`);
  }
  if (tb !== null && (tb[DIMS].length !== 1 || tb[DIMS][0] !== out)) {
    throw new ShapeError(op, 'b', `a bias [${out}]`, `shape ${shapeStr(tb[DIMS])}`);
  }
  const yShape = [...xs.slice(0, -1), out];
  const M = sizeOf(xs.slice(0, -1));
  checkBytes(op, 'out', sizeOf(yShape), yShape);
  const y = empty(yShape, op);
  const yp = y.ptr(op, 'out');
  if (M > 0 && out > 0) {
    K.gemm_nt(M, out, inF, tx.ptr(op, 'x'), inF, tw.ptr(op, 'w'), inF, yp, out, 0);
    if (tb !== null) K.bias_add_cols(yp, tb.ptr(op, 'b'), M, out);
  }
  if (needsGrad(tx, tw) || (tb !== null && needsGrad(tb))) {
    record(y, 'Linear', [tx, tw, tb], (gy, needs, [sx, sw]) => {
      const gp = gy.ptr(op, 'dy');
      const grads: (Tensor | null)[] = [null, null, null];
      if (needs[0]) {
        const dx = (grads[0] = empty(xs, op));
        if (M > 0 && inF > 0) K.gemm(M, inF, out, gp, out, sw!.ptr(op, 'w'), inF, dx.ptr(op, 'dx'), inF, 0);
      }
      if (needs[1]) {
        const dw = (grads[1] = empty(ws, op));
        if (out > 0 && inF > 0) K.gemm_tn(out, inF, M, gp, out, sx!.ptr(op, 'x'), inF, dw.ptr(op, 'dw'), inF, 0);
      }
      if (needs[2]) {
        const db = (grads[2] = empty([out], op));
        if (out > 0) K.bias_grad_cols(gp, db.ptr(op, 'db'), M, out, 0);
      }
      return grads;
    }, [tx, tw]);
  }
  return y;
}

/**
 * Flattens axes `startDim` .. `endDim` (inclusive; negative counts from the end) into one, like
 * `torch.flatten`: the defaults (0, -1) give a 1-D tensor; `nn.Flatten` uses startDim 1 to keep
 * the batch. Shares memory with `x` (a reshape). Differentiable.
 * @example
 * const x = sc.zeros([2, 3, 4, 5]);
 * sc.flatten(x).shape         // => [120]
 * sc.flatten(x, 1).shape      // => [2, 60]
 * sc.flatten(x, 1, 2).shape   // => [2, 12, 5]
 */
export function flatten(x: Tensor, startDim = 0, endDim = -1): Tensor {
  const op = 'flatten';
  const t = checkTensor(op, 'x', x);
  const s = t[DIMS];
  if (s.length === 0) {
    normAxis(op, startDim, 1, 'startDim');
    normAxis(op, endDim, 1, 'endDim');
    return reshape(t, [1]);
  }
  const a = normAxis(op, startDim, s.length, 'startDim');
  const b = normAxis(op, endDim, s.length, 'endDim');
  if (a > b) throw new ShapeError(op, 'endDim', `an axis at or after startDim (${a})`, String(endDim), `${op}: startDim ${startDim} comes after endDim ${endDim}`);
  return reshape(t, [...s.slice(0, a), sizeOf(s.slice(a, b + 1)), ...s.slice(b + 1)]);
}
