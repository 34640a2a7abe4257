// linear (torch.nn.functional.linear) and flatten (torch.flatten): validate → kernel → record.
// linear: y[..., out] = x[..., in] · wᵀ + b with w [out, in] (PyTorch's layout); the leading axes
// of x are one batch of M rows. Forward is gemm_nt (rows of x against rows of w), dx = dy · w
// (gemm), dw = dyᵀ · x (gemm_tn), db = the column sums of dy (bias_grad_cols): fixed summation
// orders, so the same inputs give the same bits everywhere. Long products are split over threads
// by rows of the result (y and dx: rows of the batch; dw: output features).
import { ShapeError, shapeStr } from '../errors.js';
import { DIMS, Tensor, checkTensor, empty } from '../tensor.js';
import { kernels as K, type KernelTable } from '../wasm/kernels.js';
import { F32_BYTES } from '../wasm/memory.js';
import { chooseSplit, parallel, partStart, partsFor } from '../threads/pool.js';
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
    const xp = tx.ptr(op, 'x'), wp = tw.ptr(op, 'w'), bp = tb === null ? 0 : tb.ptr(op, 'b');
    byRows(M, out, inF, (k, m0, m1) => {
      k.gemm_nt(m1 - m0, out, inF, xp + m0 * inF * F32_BYTES, inF, wp, inF, yp + m0 * out * F32_BYTES, out, 0);
      if (bp) k.bias_add_cols(yp + m0 * out * F32_BYTES, bp, m1 - m0, out);
    });
  }
  if (needsGrad(tx, tw) || (tb !== null && needsGrad(tb))) {
    record(y, 'Linear', [tx, tw, tb], (gy, needs, [sx, sw]) => {
      const gp = gy.ptr(op, 'dy');
      const grads: (Tensor | null)[] = [null, null, null];
      if (needs[0]) {
        const dx = (grads[0] = empty(xs, op));
        const wp = sw!.ptr(op, 'w'), dxp = dx.ptr(op, 'dx');
        if (M > 0 && inF > 0) byRows(M, inF, out, (k, m0, m1) => k.gemm(m1 - m0, inF, out, gp + m0 * out * F32_BYTES, out, wp, inF, dxp + m0 * inF * F32_BYTES, inF, 0));
      }
      if (needs[1]) {
        const dw = (grads[1] = empty(ws, op));
        const xp = sx!.ptr(op, 'x'), dwp = dw.ptr(op, 'dw');
        // Parts take rows o0 .. o1-1 of dw (columns of dy); each sums over the whole batch.
        if (out > 0 && inF > 0) byRows(out, inF, M, (k, o0, o1) => k.gemm_tn(o1 - o0, inF, M, gp + o0 * F32_BYTES, out, xp, inF, dwp + o0 * inF * F32_BYTES, inF, 0));
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
 * Runs `part(k, r0, r1)` over row ranges of an [rows x cols] result with inner dimension `inner`,
 * split over threads when the product is long enough (threads/pool.ts's cost model). Every result
 * element is computed by one part with the kernel's fixed summation order, so the bits do not
 * depend on the split.
 */
function byRows(rows: number, cols: number, inner: number, part: (k: KernelTable, r0: number, r1: number) => void): void {
  const [T] = chooseSplit(partsFor(2 * rows * cols * inner), rows);
  parallel(T, (k, t) => {
    const r0 = partStart(rows, T, t), r1 = partStart(rows, T, t + 1);
    if (r1 > r0) part(k, r0, r1);
  });
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
