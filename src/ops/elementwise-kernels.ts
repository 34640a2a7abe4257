// How the elementwise ops run their kernels: binary kernels over NumPy-broadcast shapes, unary
// kernels with a scalar parameter, the adjoint of broadcasting (sumTo) for their gradients, and
// the recording of a unary op with its derivative rule.
import { ArgumentError, describe } from '../errors.js';
import { DIMS, Tensor, empty, view, checkTensor } from '../tensor.js';
import { kernels } from '../wasm/kernels.js';
import { writeMeta } from '../wasm/runtime.js';
import { needsGrad, record } from '../autograd/node.js';
import { broadcastShapes } from './util.js';
import { sameShape, sizeOf } from '../layout.js';
import { sum } from './reduce.js';
import { broadcastStrides, collapse } from './strided.js';

/**
 * An operand of the elementwise binary ops (`add`, `mul`, `maximum`, ...): a tensor, or a number
 * (a scalar, broadcast to the other operand's shape).
 * @example
 * const two: sc.Operand = 2;
 * sc.mul(sc.tensor([1, 2]), two)   // => [2, 4]
 */
export type Operand = Tensor | number;
export type BinaryKernel = 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'maximum' | 'minimum';
export type UnaryKernel = 'neg' | 'abs' | 'square' | 'sqrt' | 'exp' | 'log' | 'relu' | 'sign' | 'recip'
  | 'adds' | 'muls' | 'rsubs' | 'divs' | 'rdivs' | 'pows' | 'rpows';

/** Runs a broadcasting binary kernel: out[i] = a[i'] ∘ b[i''] over the broadcast shape. */
export function broadcastKernel(op: string, kernel: BinaryKernel, a: Tensor, b: Tensor): Tensor {
  const shape = sameShape(a[DIMS], b[DIMS]) ? a[DIMS] : broadcastShapes(op, a[DIMS], b[DIMS]);
  const out = empty(shape, op);
  if (out.size === 0) return out;
  const [dims, [sa, sb]] = collapse(shape, broadcastStrides(a[DIMS], shape), broadcastStrides(b[DIMS], shape));
  const meta = writeMeta(op, dims, sa!, sb!);
  kernels[kernel](out.ptr(op, 'out'), a.ptr(op, 'a'), b.ptr(op, 'b'), meta, dims.length);
  return out;
}

/** Runs a unary kernel with scalar parameter `p`. */
export function unaryKernel(op: string, kernel: UnaryKernel, a: Tensor, p = 0): Tensor {
  const out = empty(a[DIMS], op);
  kernels[kernel](out.ptr(op, 'out'), a.ptr(op, 'a'), a.size, p);
  return out;
}

/** Sums a broadcast gradient back down to `shape` (the adjoint of broadcasting). */
export function sumTo(g: Tensor, shape: readonly number[]): Tensor {
  if (sameShape(g[DIMS], shape)) return view(g, g[DIMS]);
  const lead = g[DIMS].length - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g[DIMS].length; i++) {
    if (i < lead || (shape[i - lead] === 1 && g[DIMS][i] !== 1)) axes.push(i);
  }
  if (axes.length === 0) return view(g, shape);
  const s = sum(g, axes, true);
  if (sizeOf(s[DIMS]) === sizeOf(shape) && !sameShape(s[DIMS], shape)) {
    const r = view(s, shape);
    s.dispose();
    return r;
  }
  return s;
}

export function operand(op: string, argument: string, v: unknown): Operand {
  if (typeof v === 'number') return v;
  if (v instanceof Tensor) return checkTensor(op, argument, v);
  throw new ArgumentError(op, argument, 'a Tensor or a number', describe(v));
}

/** A 0-d tensor holding `v` (for the rare scalar forms that have no scalar kernel). */
export function scalarTensor(op: string, v: number): Tensor {
  const t = empty([], op);
  kernels.fill(t.ptr(op, 'out'), 1, v);
  return t;
}

/** `sumTo` that frees its input. */
export function reduced(g: Tensor, shape: readonly number[]): Tensor {
  const r = sumTo(g, shape);
  g.dispose();
  return r;
}

/** `g * p`, freeing g. */
export function scaled(g: Tensor, p: number): Tensor {
  const r = unaryKernel('mul', 'muls', g, p);
  g.dispose();
  return r;
}

export function unary(op: string, kernel: UnaryKernel, name: string, a: unknown,
  rule: ((gy: Tensor, a: Tensor, out: Tensor) => Tensor) | null): Tensor {
  const t = checkTensor(op, 'a', a);
  const out = unaryKernel(op, kernel, t);
  if (rule !== null && needsGrad(t)) record(out, name, [t], (gy, _n, [sa, so]) => [rule(gy, sa!, so!)], [t, out]);
  return out;
}

/** Multiplies gy by f(a, out), freeing the factor. */
export function times(op: string, gy: Tensor, factor: Tensor): Tensor {
  const g = broadcastKernel(op, 'mul', gy, factor);
  factor.dispose();
  return g;
}
