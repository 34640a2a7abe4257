// Elementwise binary arithmetic with NumPy broadcasting, each op next to its derivative rule.
import { DIMS, Tensor, empty, view } from '../tensor.js';
import { kernels } from '../wasm/kernels.js';
import { heap } from '../wasm/runtime.js';
import { guarded } from '../wasm/capture.js';
import { needsGrad, record } from '../autograd/node.js';
import { broadcastKernel, operand, reduced, scaled, scalarTensor, sumTo, unaryKernel, type Operand } from './elementwise-kernels.js';
import { neg } from './unary.js';

// ---- binary ops -------------------------------------------------------------------------------

/**
 * `a + b` with broadcasting; either may be a number.
 * @example sc.add(sc.tensor([1, 2]), 1).toArray()   // => [2, 3]
 */
export function add(a: Operand, b: Operand): Tensor {
  const op = 'add';
  a = operand(op, 'a', a);
  b = operand(op, 'b', b);
  if (typeof a === 'number') [a, b] = [b, a];
  if (typeof a === 'number') return scalarTensor(op, a + (b as number));
  if (typeof b === 'number') {
    const out = unaryKernel(op, 'adds', a, b);
    if (needsGrad(a)) record(out, 'Add', [a], (gy) => [view(gy, gy[DIMS])]);
    return out;
  }
  const out = broadcastKernel(op, 'add', a, b);
  if (needsGrad(a, b)) {
    const [sa, sb] = [a[DIMS], b[DIMS]];
    record(out, 'Add', [a, b], (gy, needs) => [needs[0] ? sumTo(gy, sa) : null, needs[1] ? sumTo(gy, sb) : null]);
  }
  return out;
}

/**
 * `a - b` with broadcasting; either may be a number.
 * @example sc.sub(sc.tensor([1, 2]), 1).toArray()   // => [0, 1]
 */
export function sub(a: Operand, b: Operand): Tensor {
  const op = 'sub';
  a = operand(op, 'a', a);
  b = operand(op, 'b', b);
  if (typeof a === 'number') {
    if (typeof b === 'number') return scalarTensor(op, a - b);
    const out = unaryKernel(op, 'rsubs', b, a);
    if (needsGrad(b)) record(out, 'Sub', [b], (gy) => [neg(gy)]);
    return out;
  }
  if (typeof b === 'number') {
    const out = unaryKernel(op, 'adds', a, -b);
    if (needsGrad(a)) record(out, 'Sub', [a], (gy) => [view(gy, gy[DIMS])]);
    return out;
  }
  const out = broadcastKernel(op, 'sub', a, b);
  if (needsGrad(a, b)) {
    const [sa, sb] = [a[DIMS], b[DIMS]];
    record(out, 'Sub', [a, b], (gy, needs) => {
      let gb: Tensor | null = null;
      if (needs[1]) {
        const s = sumTo(gy, sb);
        gb = neg(s);
        s.dispose();
      }
      return [needs[0] ? sumTo(gy, sa) : null, gb];
    });
  }
  return out;
}

/**
 * `a * b` elementwise with broadcasting; either may be a number.
 * @example sc.mul(sc.tensor([1, 2]), sc.tensor([3, 4])).toArray()   // => [3, 8]
 */
export function mul(a: Operand, b: Operand): Tensor {
  const op = 'mul';
  a = operand(op, 'a', a);
  b = operand(op, 'b', b);
  if (typeof a === 'number') [a, b] = [b, a];
  if (typeof a === 'number') return scalarTensor(op, a * (b as number));
  if (typeof b === 'number') {
    const p = b;
    const out = unaryKernel(op, 'muls', a, p);
    if (needsGrad(a)) record(out, 'Mul', [a], (gy) => [unaryKernel(op, 'muls', gy, p)]);
    return out;
  }
  const out = broadcastKernel(op, 'mul', a, b);
  if (needsGrad(a, b)) {
    const [sa, sb] = [a[DIMS], b[DIMS]];
    record(out, 'Mul', [a, b], (gy, needs, [sa_, sb_]) => [
      needs[0] ? reduced(broadcastKernel(op, 'mul', gy, sb_!), sa) : null,
      needs[1] ? reduced(broadcastKernel(op, 'mul', gy, sa_!), sb) : null,
    ], [a, b]);
  }
  return out;
}

/**
 * `a / b` elementwise with broadcasting; either may be a number.
 * @example sc.div(sc.tensor([1, 2]), 2).toArray()   // => [0.5, 1]
 */
export function div(a: Operand, b: Operand): Tensor {
  const op = 'div';
  a = operand(op, 'a', a);
  b = operand(op, 'b', b);
  if (typeof a === 'number') {
    if (typeof b === 'number') return scalarTensor(op, a / b);
    const p = a;
    const out = unaryKernel(op, 'rdivs', b, p);
    if (needsGrad(b)) record(out, 'Div', [b], (gy, _n, [bb, o]) => [divisorGrad(op, gy, o!, bb!)], [b, out]);
    return out;
  }
  if (typeof b === 'number') {
    const p = b;
    const out = unaryKernel(op, 'divs', a, p);
    if (needsGrad(a)) record(out, 'Div', [a], (gy) => [unaryKernel(op, 'divs', gy, p)]);
    return out;
  }
  const out = broadcastKernel(op, 'div', a, b);
  if (needsGrad(a, b)) {
    const sa = a[DIMS];
    record(out, 'Div', [a, b], (gy, needs, [, bb, o]) => [
      needs[0] ? reduced(broadcastKernel(op, 'div', gy, bb!), sa) : null,
      needs[1] ? divisorGrad(op, gy, o!, bb!) : null,
    ], [a, b, out]);
  }
  return out;
}

/** The gradient of `out = a / b` for the divisor: d(a/b)/db = -a/b² = -out/b, so -(gy·out/b) summed to b's shape. */
function divisorGrad(op: string, gy: Tensor, out: Tensor, b: Tensor): Tensor {
  const t = broadcastKernel(op, 'mul', gy, out);
  const r = broadcastKernel(op, 'div', t, b);
  t.dispose();
  const s = reduced(r, b[DIMS]);
  const g = unaryKernel(op, 'neg', s);
  s.dispose();
  return g;
}

/**
 * `a ** b` elementwise with broadcasting; either may be a number.
 * @example sc.pow(sc.tensor([1, 2, 3]), 2).toArray()   // => [1, 4, 9]
 */
export function pow(a: Operand, b: Operand): Tensor {
  const op = 'pow';
  a = operand(op, 'a', a);
  b = operand(op, 'exponent', b);
  if (typeof a === 'number') {
    if (typeof b === 'number') return scalarTensor(op, Math.fround(Math.pow(a, b)));
    const p = a;
    const out = unaryKernel(op, 'rpows', b, p);
    // d(p^b)/db = p^b · ln p
    if (needsGrad(b)) record(out, 'Pow', [b], (gy, _n, [o]) => [scaled(broadcastKernel(op, 'mul', gy, o!), Math.log(p))], [out]);
    return out;
  }
  if (typeof b === 'number') {
    const p = b;
    const out = unaryKernel(op, 'pows', a, p);
    // d(a^p)/da = p · a^(p-1)
    if (needsGrad(a)) {
      record(out, 'Pow', [a], (gy, _n, [aa]) => {
        if (p === 0) return [unaryKernel(op, 'muls', gy, 0)];
        const d = unaryKernel(op, 'pows', aa!, p - 1);
        const g = broadcastKernel(op, 'mul', gy, d);
        d.dispose();
        return [scaled(g, p)];
      }, [a]);
    }
    return out;
  }
  const out = broadcastKernel(op, 'pow', a, b);
  if (needsGrad(a, b)) {
    const [sa, sb] = [a[DIMS], b[DIMS]];
    record(out, 'Pow', [a, b], (gy, needs, [aa, bb, o]) => {
      let ga: Tensor | null = null, gb: Tensor | null = null;
      if (needs[0]) {
        // b · a^(b-1) = b · out / a  would divide by zero at a = 0; use a^(b-1) directly.
        const bm1 = unaryKernel(op, 'adds', bb!, -1);
        const d = broadcastKernel(op, 'pow', aa!, bm1);
        bm1.dispose();
        const t = broadcastKernel(op, 'mul', d, bb!);
        d.dispose();
        ga = reduced(broadcastKernel(op, 'mul', gy, t), sa);
        t.dispose();
      }
      if (needs[1]) {
        const l = unaryKernel(op, 'log', aa!);
        const t = broadcastKernel(op, 'mul', o!, l);
        l.dispose();
        gb = reduced(broadcastKernel(op, 'mul', gy, t), sb);
        t.dispose();
      }
      return [ga, gb];
    }, [a, b, out]);
  }
  return out;
}

/**
 * `(a - b)²` for two tensors of the same shape (checked by the caller, nn.squaredError): one fused
 * kernel each way; the gradient is `gy · 2(a - b)` for a and its negation for b.
 */
export function squaredDifference(a: Tensor, b: Tensor): Tensor {
  const op = 'squaredError';
  const out = empty(a[DIMS], op);
  kernels.sq_diff(out.ptr(op, 'out'), a.ptr(op, 'yHat'), b.ptr(op, 'y'), out.size, 0, 0, 0);
  if (needsGrad(a, b)) record(out, 'SquaredError', [a, b], squaredDifferenceRule, [a, b]);
  return out;
}

function squaredDifferenceRule(gy: Tensor, needs: readonly boolean[], [a, b]: readonly Tensor[]): (Tensor | null)[] {
  const op = 'squaredError';
  const ga = empty(gy[DIMS], op);
  kernels.sq_diff(ga.ptr(op, 'out'), a!.ptr(op, 'yHat'), b!.ptr(op, 'y'), ga.size, 1, gy.ptr(op, 'gy'), 0);
  return withNegation(op, ga, needs);
}

/** [ga, -ga] as `needs` asks (ga is freed when only its negation is needed). */
function withNegation(op: string, ga: Tensor, needs: readonly boolean[]): (Tensor | null)[] {
  if (!needs[1]) return [ga, null];
  const gb = unaryKernel(op, 'neg', ga);
  if (needs[0]) return [ga, gb];
  ga.dispose();
  return [null, gb];
}

/**
 * The sum (or mean) of `(a - b)²` over all elements, a 0-d tensor, for a and b of the same shape
 * (checked by the caller, nn.mseLoss), recorded as one node: the elementwise squares are freed at
 * once, and the gradient is one kernel call, `c · 2(a - b)` with c = gy (divided by the count for the
 * mean), bitwise what the squared error's gradient gives for the broadcast gradient of the sum.
 */
export function squaredDifferenceSum(a: Tensor, b: Tensor, mean: boolean): Tensor {
  const op = 'mseLoss';
  const n = a.size;
  const sq = n === 0 ? null : empty(a[DIMS], op);
  let out: Tensor;
  try {
    out = empty([], op);
  } catch (e) {
    sq?.dispose();
    throw e;
  }
  const at = out.ptr(op, 'out');
  if (sq === null) kernels.fill(at, 1, 0);
  else {
    kernels.sq_diff(sq.ptr(op, 'out'), a.ptr(op, 'yHat'), b.ptr(op, 'y'), n, 0, 0, 0);
    kernels.sum(at, sq.ptr(op, 'a'), 1, n, 1);
    sq.dispose();
  }
  if (mean) kernels.divs(at, at, 1, n);
  if (needsGrad(a, b)) {
    record(out, 'MseLoss', [a, b], (gy, needs, [sa, sb]) => {
      const at = gy.ptr(op, 'gy');
      const v = guarded(heap(op), at).f32Raw()[at >> 2]!;
      const ga = empty(sa![DIMS], op);
      kernels.sq_diff(ga.ptr(op, 'out'), sa!.ptr(op, 'yHat'), sb!.ptr(op, 'y'), n, 1, 0, mean ? v / Math.fround(n) : v);
      return withNegation(op, ga, needs);
    }, [a, b]);
  }
  return out;
}

/**
 * Elementwise maximum with broadcasting (NaN if either is NaN). The gradient is split evenly at ties.
 * @example sc.maximum(sc.tensor([1, 5]), 3).toArray()   // => [3, 5]
 */
export function maximum(a: Operand, b: Operand): Tensor {
  return extremum('maximum', a, b);
}

/**
 * Elementwise minimum with broadcasting (NaN if either is NaN).
 * @example sc.minimum(sc.tensor([1, 5]), 3).toArray()   // => [1, 3]
 */
export function minimum(a: Operand, b: Operand): Tensor {
  return extremum('minimum', a, b);
}

function extremum(op: 'maximum' | 'minimum', a0: Operand, b0: Operand): Tensor {
  let a = operand(op, 'a', a0);
  let b = operand(op, 'b', b0);
  if (typeof a === 'number' && typeof b === 'number') return scalarTensor(op, op === 'maximum' ? Math.max(a, b) : Math.min(a, b));
  if (typeof a === 'number') [a, b] = [b, a];
  const ta = a as Tensor;
  const tb = typeof b === 'number' ? scalarTensor(op, b) : b;
  try {
    const out = broadcastKernel(op, op, ta, tb);
    if (needsGrad(ta, tb)) {
      const [sa, sb] = [ta[DIMS], tb[DIMS]];
      // weight of a: (sign(a - b) + 1) / 2 for maximum (1, 0, or ½ at a tie); b gets 1 - that.
      record(out, op === 'maximum' ? 'Maximum' : 'Minimum', [ta, tb], (gy, needs, [aa, bb]) => {
        const d = broadcastKernel(op, 'sub', aa!, bb!);
        const s = unaryKernel(op, 'sign', d);
        d.dispose();
        const sgn = op === 'maximum' ? 1 : -1;
        const wa = unaryKernel(op, 'muls', s, 0.5 * sgn);
        s.dispose();
        const res: (Tensor | null)[] = [null, null];
        if (needs[0]) {
          const w = unaryKernel(op, 'adds', wa, 0.5);
          res[0] = reduced(broadcastKernel(op, 'mul', gy, w), sa);
          w.dispose();
        }
        if (needs[1]) {
          const w = unaryKernel(op, 'rsubs', wa, 0.5);
          res[1] = reduced(broadcastKernel(op, 'mul', gy, w), sb);
          w.dispose();
        }
        wa.dispose();
        return res;
      }, [ta, tb]);
    }
    return out;
  } finally {
    if (tb !== b) tb.dispose();
  }
}
