// The `out` contract of the convolution ops: a caller's `out` is checked before anything is
// written (shape, no shared memory with an input, not tracked by autograd, the op not recorded);
// writeResult runs the kernels into it or into a new tensor, freeing a new one if they throw.
import { ArgumentError, AutogradError, ShapeError, shapeStr } from '../errors.js';
import { DIMS, Tensor, checkTensor, empty, wroteInPlace } from '../tensor.js';
import { isGradEnabled } from '../autograd/node.js';
import { outShape, weightShape, type Geometry } from './conv-options.js';
import { sameShape } from '../layout.js';

/** Whether `s` is the activation shape [N, C, H, W] (or NHWC, 3-D when unbatched) of g with these C, H, W. */
export function isActivation(s: readonly number[], g: Geometry, C: number, H: number, W: number): boolean {
  const b = g.batched ? 1 : 0;
  if (s.length !== 3 + b || (b === 1 && s[0] !== g.N)) return false;
  return g.nhwc ? s[b] === H && s[b + 1] === W && s[b + 2] === C : s[b] === C && s[b + 1] === H && s[b + 2] === W;
}

/** Whether `s` is the weight shape of g, in its layout (OIHW or HWIO). */
export function isWeight(s: readonly number[], g: Geometry): boolean {
  return sameShape(s, weightShape(g));
}

export function is2d(s: readonly number[], h: number, w: number): boolean {
  return s.length === 2 && s[0] === h && s[1] === w;
}

/**
 * Checks a caller's `out` tensor (null when none is given): live, of the result's shape (`fits`; `want` names it), sharing
 * memory with no input, not tracked by autograd, and the op not being recorded (its inputs do
 * not require grad). Throws the matching SimdconvError before anything is written.
 */
export function checkOut(op: string, out: unknown, fits: (s: readonly number[]) => boolean, want: () => readonly number[],
  recording: boolean, inputs: readonly (Tensor | null)[], names: readonly string[]): Tensor | null {
  if (out === undefined || out === null) return null;
  const t = checkTensor(op, 'out', out);
  if (!fits(t[DIMS])) throw outShapeError(op, want(), t);
  for (let i = 0; i < inputs.length; i++) outApart(op, t, inputs[i]!, names[i]!);
  return outWritable(op, t, recording);
}

/** checkOut for a 2-D result of [h, w] and two inputs `a`, `b` named `an`, `bn`, with no closure or array made per call. */
export function checkOut2d(op: string, out: unknown, h: number, w: number, recording: boolean, a: Tensor, an: string, b: Tensor, bn: string): Tensor | null {
  if (out === undefined || out === null) return null;
  const t = checkTensor(op, 'out', out);
  if (!is2d(t[DIMS], h, w)) throw outShapeError(op, [h, w], t);
  outApart(op, t, a, an);
  outApart(op, t, b, bn);
  return outWritable(op, t, recording);
}

function outShapeError(op: string, want: readonly number[], t: Tensor): ShapeError {
  return new ShapeError(op, 'out', `shape ${shapeStr(want)} (the result's)`, `shape ${shapeStr(t[DIMS])}`);
}

/** Throws unless `out` shares no memory with the input `input` (null: none) named `name`. */
function outApart(op: string, out: Tensor, input: Tensor | null, name: string): void {
  if (input !== null && input._storage === out._storage) {
    throw new ArgumentError(op, 'out', 'a tensor sharing no memory with the inputs', `a tensor sharing memory with '${name}'`,
      `${op}: 'out' shares memory with the input '${name}'; the result cannot overwrite its own input: write to another tensor`);
  }
}

/** Throws unless autograd lets `t` be overwritten (not tracked, and the op not recorded); returns it. */
function outWritable(op: string, t: Tensor, recording: boolean): Tensor {
  if (isGradEnabled() && t._requiresGrad) {
    throw new AutogradError(op, 'out', 'a tensor autograd does not track', t._node ? 'a tensor computed by a recorded op' : 'a leaf tensor that requires grad',
      `${op}: 'out' is ${t._node ? 'a tensor computed by a recorded op' : 'a leaf tensor that requires grad'}, which cannot be overwritten while autograd records: use another tensor (or noGrad)`);
  }
  if (recording) {
    throw new AutogradError(op, 'out', 'no out tensor when an input requires grad', 'an out tensor with inputs that require grad',
      `${op}: results written to 'out' are not recorded by autograd, but an input requires grad: drop 'out', or run under noGrad (or on detach()ed inputs)`);
  }
  return t;
}

/** Throws unless `got` is the convolution's output shape (dy of the gradients). */
export function expectOutput(op: string, got: readonly number[], g: Geometry): void {
  if (!isActivation(got, g, g.CO, g.HO, g.WO)) {
    throw new ShapeError(op, 'dy', `shape ${shapeStr(outShape(g))} (the convolution's output)`, `shape ${shapeStr(got)}`);
  }
}

/**
 * The result of a convolution op: `given` (a caller's `out`, checked by checkOut) or a new tensor
 * of `shape()`, filled by `write`. A new tensor is freed when `write` throws (scratch out of
 * memory), so nothing made is left behind; a written `given` counts as an in-place write.
 */
export function writeResult(op: string, given: Tensor | null, shape: () => readonly number[], write: (out: Tensor) => void): Tensor {
  const out = given ?? empty(shape(), op);
  try {
    write(out);
  } catch (e) {
    if (out !== given) out.dispose();
    throw e;
  }
  return out === given ? wroteInPlace(out) : out;
}

/** Runs the gradient makers given (null: not needed), in order; if one throws, frees what the earlier ones made. */
export function allOrNone(makers: readonly ((() => Tensor) | null)[]): (Tensor | null)[] {
  const grads: (Tensor | null)[] = [];
  try {
    for (const make of makers) grads.push(make === null ? null : make());
  } catch (e) {
    for (const t of grads) t?.dispose();
    throw e;
  }
  return grads;
}
