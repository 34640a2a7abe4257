// Cross-entropy over logits [B, C] and integer class labels (torch.nn.functional.cross_entropy):
// one fused kernel computes each row's loss from its log-sum-exp (max-subtracted: stable for any
// finite logits) and saves (max, log-sum) per row; the backward kernel writes
// dx = g · (softmax(x) - target) from them. The reduction is applied here ('mean' divides by B).
import { ArgumentError, ShapeError, describe, shapeStr } from '../errors.js';
import { DIMS, Tensor, checkTensor, empty } from '../tensor.js';
import { kernels as K } from '../wasm/kernels.js';
import { readArray, readOptions } from '../args.js';
import { heap } from '../wasm/runtime.js';
import { needsGrad, record } from '../autograd/node.js';
import { recording, replayJs } from '../wasm/capture.js';

/**
 * How a loss reduces its elementwise (or per-row) values: their mean, their sum, or none (all of
 * them), as in `nn.mseLoss` and `nn.crossEntropy`.
 * @example
 * const reduction: sc.nn.Reduction = 'sum';
 * sc.nn.mseLoss(sc.tensor([1, 2]), sc.tensor([0, 0]), { reduction }).item()   // => 5
 */
export type Reduction = 'mean' | 'sum' | 'none';

/**
 * The options of {@link crossEntropy}: the reduction ('mean' by default, 'sum' or 'none') and the
 * label smoothing in [0, 1] (default 0), as in PyTorch.
 * @example
 * const opts: sc.nn.CrossEntropyOptions = { reduction: 'sum', labelSmoothing: 0.1 };
 * sc.nn.crossEntropy(sc.zeros([2, 4]), [0, 3], opts).item()   // => 2 * Math.log(4)
 */
export interface CrossEntropyOptions {
  reduction?: Reduction;
  labelSmoothing?: number;
}

/**
 * Class labels: an Int32Array, an array of integers, or a float tensor [B] of integral values.
 * @example
 * const labels: sc.nn.Labels = new Int32Array([2, 0]);
 * sc.nn.crossEntropy(sc.tensor([[0, 0, 9], [9, 0, 0]]), labels).item() < 1e-3   // => true
 */
export type Labels = Int32Array | readonly number[] | Tensor;

const KEYS = new Set(['reduction', 'labelSmoothing']);

/** The labels read once into an Int32Array of B entries, each an integer in [0, C). */
function readLabels(op: string, labels: unknown, B: number, C: number): Int32Array {
  let values: ArrayLike<unknown>;
  if (labels instanceof Tensor) {
    const t = checkTensor(op, 'labels', labels);
    if (t[DIMS].length !== 1) throw new ShapeError(op, 'labels', `a 1-D tensor of ${B} labels`, `shape ${shapeStr(t[DIMS])}`);
    // Read in place (not data()): a compiled step reads its labels tensor again at each replay.
    const at = t.ptr(op, 'labels') >> 2;
    values = heap(op).f32Raw().subarray(at, at + t.size);
  } else {
    values = readArray(op, 'labels', labels, `${B} class labels (an Int32Array, an array of integers or a tensor)`);
  }
  if (values.length !== B) {
    throw new ShapeError(op, 'labels', `${B} labels (one per row of logits)`, `${values.length}`);
  }
  const out = new Int32Array(B);
  for (let i = 0; i < B; i++) {
    const v = values[i];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v >= C) {
      throw new ArgumentError(op, 'labels', `class indices: integers in [0, ${C - 1}]`, `${describe(v)} at ${i}`);
    }
    out[i] = v;
  }
  return out;
}

/**
 * Cross-entropy between logits [B, C] and class labels (B integers in [0, C)), like
 * `torch.nn.functional.cross_entropy`: the mean (default), the sum or each row's
 * `-log softmax(x)[label]`, with optional label smoothing (the target puts `labelSmoothing / C`
 * on every class). Computed from the log-sum-exp, so huge logits do not overflow; the gradient
 * `softmax(x) - target` comes from one fused kernel. Differentiable in the logits. An empty
 * batch (B = 0) gives NaN for 'mean' (0 / 0, as PyTorch), 0 for 'sum', [0] for 'none', and an
 * empty gradient.
 * @example
 * const logits = sc.variable([[2, 0, 0], [0, 0, 0]]);
 * const loss = sc.nn.crossEntropy(logits, [0, 2]);
 * loss.item()   // => (Math.log(1 + 2 * Math.exp(-2)) + Math.log(3)) / 2
 * loss.backward();
 * logits.grad!.shape   // => [2, 3]
 */
export function crossEntropy(logits: Tensor, labels: Labels, options?: CrossEntropyOptions): Tensor {
  const op = 'crossEntropy';
  const tx = checkTensor(op, 'logits', logits);
  const o = readOptions<CrossEntropyOptions>(op, options, KEYS);
  const reduction = o.reduction ?? 'mean';
  if (reduction !== 'mean' && reduction !== 'sum' && reduction !== 'none') {
    throw new ArgumentError(op, 'reduction', "'mean', 'sum' or 'none'", describe(reduction));
  }
  const eps = o.labelSmoothing ?? 0;
  if (typeof eps !== 'number' || !(eps >= 0 && eps <= 1)) throw new ArgumentError(op, 'labelSmoothing', 'a number in [0, 1]', describe(eps));
  const s = tx[DIMS];
  if (s.length !== 2 || s[1]! < 1) throw new ShapeError(op, 'logits', 'a 2-D tensor [batch, classes] with at least one class', `shape ${shapeStr(s)}`);
  const B = s[0]!, C = s[1]!;
  const lab = readLabels(op, labels, B, C);
  // The labels (int32 bits) and the per-row (max, log-sum) live in tensors so the node can save them.
  const labelsT = empty([B], op);
  const h = heap(op), labelsAt = labelsT.ptr(op, 'labels') >> 2;
  if (recording !== null && labels instanceof Tensor) {
    // A compiled step: the labels tensor's values are read and checked again at each replay.
    let first: Int32Array | null = lab;
    replayJs(() => {
      h.i32Raw().set(first ?? readLabels(op, labels, B, C), labelsAt);
      first = null;
    });
  } else {
    h.i32().set(lab, labelsAt); // labels from a JS array: refused while a capture records (they would be frozen)
  }
  const stats = empty([B, 2], op);
  const rows = empty([B], op);
  const xp = tx.ptr(op, 'logits'), lp = labelsT.ptr(op, 'labels'), sp = stats.ptr(op, 'stats');
  K.cross_entropy(rows.ptr(op, 'loss'), sp, xp, lp, B, C, eps);
  let out = rows;
  if (reduction !== 'none') {
    out = empty([], op);
    const op_ = out.ptr(op, 'loss');
    K.sum(op_, rows.ptr(op, 'loss'), 1, B, 1);
    if (reduction === 'mean') K.divs(op_, op_, 1, B);
    rows.dispose();
  }
  if (needsGrad(tx)) {
    const gstride = reduction === 'none' ? 1 : 0;
    const scale = reduction === 'mean' ? 1 / B : 1;
    record(out, 'CrossEntropy', [tx], (gy, _needs, [sx, sl, ss]) => {
      const dx = empty(s, op);
      if (B > 0) K.cross_entropy_backward(dx.ptr(op, 'dx'), sx!.ptr(op, 'logits'), sl!.ptr(op, 'labels'), ss!.ptr(op, 'stats'), gy.ptr(op, 'dy'), gstride, scale, B, C, eps);
      return [dx];
    }, [tx, labelsT, stats]);
  }
  labelsT.dispose();
  stats.dispose();
  return out;
}
