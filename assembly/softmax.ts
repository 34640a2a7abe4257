// Softmax, log-softmax (forward and backward), argmax along one axis, and the fused cross-entropy
// loss over logits [B, C] with integer class labels.
//
// ABI: byte addresses, any 4-byte alignment; f32 data contiguous, viewed as [outer, dim, inner]
// (the reduced axis is `dim`, element (o, j, i) at (o*dim + j)*inner + i); counts in elements.
// Outputs may be exactly their input of the same shape (y = x, dx = dy): every element is read
// before it is written. Labels are i32.
//
// Stability: softmax and log-softmax subtract the maximum m along the axis before exp, so
// s = sum exp(x - m) lies in [1, dim] (for finite inputs); log-softmax is (x - m) - log(s); the
// log-sum-exp of cross-entropy is m + log(s). A NaN along the axis makes the whole slice NaN; an
// all -Inf slice is NaN (as in PyTorch).
//
// Determinism: exp is assembly/exp.ts (the same f32 operations lane-wise and element-wise) and
// log is Mathf.log (musl's logf compiled into this module), once per slice, in both twins. Sums
// along an axis use one fixed order in both twins, so they agree bitwise:
//   inner == 1 ("row order"): four partial sums P[l] (l < 4) start at +0; P[l] += t[4k + l] for
//   k < floor(dim/4); then S = (P[0] + P[1]) + (P[2] + P[3]); then the last dim mod 4 terms are
//   added to S one by one, in order (in the simd twin P is one f32x4 accumulator).
//   inner > 1 ("column order"): S = ((+0 + t[0]) + t[1]) + ... + t[dim-1] for each (o, i); the simd
//   twin runs 4 consecutive i per f32x4, the scalar twin one at a time.
// The maximum does not depend on the order (f32.max: NaN propagates, max(-0, +0) = +0).
//
// argmax writes i32 indices in [0, dim) (PyTorch's: the FIRST index of the maximum; a NaN counts
// as the maximum, so the first NaN wins). dim must be >= 1.

import { expS, expV } from './exp';

// Terms of an axis sum; `kind` is a compile-time constant at every call site.
const T_EXP: i32 = 0; // exp(a - m), also stored to `st` when st != 0
const T_A: i32 = 1; // a
const T_AB: i32 = 2; // a * b

// @ts-ignore: decorator
@inline function termV(kind: i32, a: usize, b: usize, mv: v128, st: usize, off: usize): v128 {
  if (kind == T_EXP) {
    const e = expV(f32x4.sub(v128.load(a + off), mv));
    if (st != 0) v128.store(st + off, e);
    return e;
  }
  if (kind == T_A) return v128.load(a + off);
  return f32x4.mul(v128.load(a + off), v128.load(b + off));
}

// @ts-ignore: decorator
@inline function termS(kind: i32, a: usize, b: usize, m: f32, st: usize, off: usize): f32 {
  if (kind == T_EXP) {
    const e = expS(load<f32>(a + off) - m);
    if (st != 0) store<f32>(st + off, e);
    return e;
  }
  if (kind == T_A) return load<f32>(a + off);
  return load<f32>(a + off) * load<f32>(b + off);
}

/** Row-order sum (see the header) of the n contiguous terms at a (and b). */
// @ts-ignore: decorator
@inline function rowSum(kind: i32, simd: bool, a: usize, b: usize, m: f32, st: usize, n: i32): f32 {
  const n4 = <usize>(n & ~3) << 2;
  let off: usize = 0;
  let s: f32;
  if (simd) {
    const mv = f32x4.splat(m);
    let acc = f32x4.splat(0);
    for (; off < n4; off += 16) acc = f32x4.add(acc, termV(kind, a, b, mv, st, off));
    s = (f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1)) + (f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3));
  } else {
    let p0: f32 = 0, p1: f32 = 0, p2: f32 = 0, p3: f32 = 0;
    for (; off < n4; off += 16) {
      p0 += termS(kind, a, b, m, st, off);
      p1 += termS(kind, a, b, m, st, off + 4);
      p2 += termS(kind, a, b, m, st, off + 8);
      p3 += termS(kind, a, b, m, st, off + 12);
    }
    s = (p0 + p1) + (p2 + p3);
  }
  const end = <usize>n << 2;
  for (; off < end; off += 4) s += termS(kind, a, b, m, st, off);
  return s;
}

/** Maximum of n contiguous floats (-Inf for n = 0). */
// @ts-ignore: decorator
@inline function rowMax(simd: bool, a: usize, n: i32): f32 {
  let m: f32 = -Infinity;
  let off: usize = 0;
  const end = <usize>n << 2;
  if (simd && n >= 4) {
    const n4 = <usize>(n & ~3) << 2;
    let v = v128.load(a);
    for (off = 16; off < n4; off += 16) v = f32x4.max(v, v128.load(a + off));
    m = Mathf.max(Mathf.max(f32x4.extract_lane(v, 0), f32x4.extract_lane(v, 1)),
      Mathf.max(f32x4.extract_lane(v, 2), f32x4.extract_lane(v, 3)));
  }
  for (; off < end; off += 4) m = Mathf.max(m, load<f32>(a + off));
  return m;
}

// ---------------------------------------------------------------------------------------------
// Softmax / log-softmax forward

// @ts-ignore: decorator
@inline function softmaxRows(simd: bool, log: bool, y: usize, x: usize, rows: i32, n: i32): void {
  const rb = <usize>n << 2;
  const n4 = simd ? <usize>(n & ~3) << 2 : 0;
  const end = <usize>n << 2;
  for (let r = 0; r < rows; r++) {
    const m = rowMax(simd, x, n);
    if (log) {
      const ls = Mathf.log(rowSum(T_EXP, simd, x, 0, m, 0, n));
      const mv = f32x4.splat(m), lv = f32x4.splat(ls);
      let off: usize = 0;
      for (; off < n4; off += 16) v128.store(y + off, f32x4.sub(f32x4.sub(v128.load(x + off), mv), lv));
      for (; off < end; off += 4) store<f32>(y + off, (load<f32>(x + off) - m) - ls);
    } else {
      const s = rowSum(T_EXP, simd, x, 0, m, y, n); // y = exp(x - m)
      const sv = f32x4.splat(s);
      let off: usize = 0;
      for (; off < n4; off += 16) v128.store(y + off, f32x4.div(v128.load(y + off), sv));
      for (; off < end; off += 4) store<f32>(y + off, load<f32>(y + off) / s);
    }
    x += rb;
    y += rb;
  }
}

/** Column-order softmax of lanes [i, i+w) of one outer slice (w = 4 in a vector, 1 in a scalar). */
// @ts-ignore: decorator
@inline function softmaxColsV(log: bool, y: usize, x: usize, dim: i32, stride: usize): void {
  let m = f32x4.splat(-Infinity);
  for (let j = 0; j < dim; j++) m = f32x4.max(m, v128.load(x + <usize>j * stride));
  let s = f32x4.splat(0);
  for (let j = 0; j < dim; j++) {
    const off = <usize>j * stride;
    const e = expV(f32x4.sub(v128.load(x + off), m));
    if (!log) v128.store(y + off, e);
    s = f32x4.add(s, e);
  }
  if (log) {
    let ls = f32x4.splat(Mathf.log(f32x4.extract_lane(s, 0)));
    ls = f32x4.replace_lane(ls, 1, Mathf.log(f32x4.extract_lane(s, 1)));
    ls = f32x4.replace_lane(ls, 2, Mathf.log(f32x4.extract_lane(s, 2)));
    ls = f32x4.replace_lane(ls, 3, Mathf.log(f32x4.extract_lane(s, 3)));
    for (let j = 0; j < dim; j++) {
      const off = <usize>j * stride;
      v128.store(y + off, f32x4.sub(f32x4.sub(v128.load(x + off), m), ls));
    }
  } else {
    for (let j = 0; j < dim; j++) {
      const off = <usize>j * stride;
      v128.store(y + off, f32x4.div(v128.load(y + off), s));
    }
  }
}

// @ts-ignore: decorator
@inline function softmaxColsS(log: bool, y: usize, x: usize, dim: i32, stride: usize): void {
  let m: f32 = -Infinity;
  for (let j = 0; j < dim; j++) m = Mathf.max(m, load<f32>(x + <usize>j * stride));
  let s: f32 = 0;
  for (let j = 0; j < dim; j++) {
    const off = <usize>j * stride;
    const e = expS(load<f32>(x + off) - m);
    if (!log) store<f32>(y + off, e);
    s += e;
  }
  if (log) {
    const ls = Mathf.log(s);
    for (let j = 0; j < dim; j++) {
      const off = <usize>j * stride;
      store<f32>(y + off, (load<f32>(x + off) - m) - ls);
    }
  } else {
    for (let j = 0; j < dim; j++) {
      const off = <usize>j * stride;
      store<f32>(y + off, load<f32>(y + off) / s);
    }
  }
}

// @ts-ignore: decorator
@inline function softmaxAxis(simd: bool, log: bool, y: usize, x: usize, outer: i32, dim: i32, inner: i32): void {
  if (outer <= 0 || dim <= 0 || inner <= 0) return;
  if (inner == 1) {
    softmaxRows(simd, log, y, x, outer, dim);
    return;
  }
  const stride = <usize>inner << 2;
  const slice = <usize>dim * stride;
  const i4 = simd ? inner & ~3 : 0;
  for (let o = 0; o < outer; o++) {
    let i = 0;
    for (; i < i4; i += 4) softmaxColsV(log, y + (<usize>i << 2), x + (<usize>i << 2), dim, stride);
    for (; i < inner; i++) softmaxColsS(log, y + (<usize>i << 2), x + (<usize>i << 2), dim, stride);
    x += slice;
    y += slice;
  }
}

/** y = softmax(x) along the middle axis of [outer, dim, inner]. */
export function softmax_f32_simd(y: usize, x: usize, outer: i32, dim: i32, inner: i32): void {
  softmaxAxis(true, false, y, x, outer, dim, inner);
}

export function softmax_f32_scalar(y: usize, x: usize, outer: i32, dim: i32, inner: i32): void {
  softmaxAxis(false, false, y, x, outer, dim, inner);
}

/** y = logSoftmax(x) = (x - m) - log(sum exp(x - m)) along the middle axis of [outer, dim, inner]. */
export function log_softmax_f32_simd(y: usize, x: usize, outer: i32, dim: i32, inner: i32): void {
  softmaxAxis(true, true, y, x, outer, dim, inner);
}

export function log_softmax_f32_scalar(y: usize, x: usize, outer: i32, dim: i32, inner: i32): void {
  softmaxAxis(false, true, y, x, outer, dim, inner);
}

// ---------------------------------------------------------------------------------------------
// Softmax / log-softmax backward (from the forward's output y)
//   softmax:     dx = y * (dy - s), s = sum_j dy_j * y_j
//   log-softmax: dx = dy - exp(y) * s, s = sum_j dy_j

// @ts-ignore: decorator
@inline function softmaxBackAxis(simd: bool, log: bool, dx: usize, dy: usize, y: usize, outer: i32, dim: i32, inner: i32): void {
  if (outer <= 0 || dim <= 0 || inner <= 0) return;
  const stride = <usize>inner << 2;
  const slice = <usize>dim * stride;
  for (let o = 0; o < outer; o++) {
    if (inner == 1) {
      const s = log ? rowSum(T_A, simd, dy, 0, 0, 0, dim) : rowSum(T_AB, simd, dy, y, 0, 0, dim);
      const sv = f32x4.splat(s);
      const n4 = simd ? <usize>(dim & ~3) << 2 : 0;
      const end = <usize>dim << 2;
      let off: usize = 0;
      for (; off < n4; off += 16) {
        const g = v128.load(dy + off), yv = v128.load(y + off);
        v128.store(dx + off, log ? f32x4.sub(g, f32x4.mul(expV(yv), sv)) : f32x4.mul(yv, f32x4.sub(g, sv)));
      }
      for (; off < end; off += 4) {
        const g = load<f32>(dy + off), yv = load<f32>(y + off);
        store<f32>(dx + off, log ? g - expS(yv) * s : yv * (g - s));
      }
    } else {
      const i4 = simd ? inner & ~3 : 0;
      let i = 0;
      for (; i < i4; i += 4) {
        const b = <usize>i << 2;
        let s = f32x4.splat(0);
        for (let j = 0; j < dim; j++) {
          const off = b + <usize>j * stride;
          s = f32x4.add(s, log ? v128.load(dy + off) : f32x4.mul(v128.load(dy + off), v128.load(y + off)));
        }
        for (let j = 0; j < dim; j++) {
          const off = b + <usize>j * stride;
          const g = v128.load(dy + off), yv = v128.load(y + off);
          v128.store(dx + off, log ? f32x4.sub(g, f32x4.mul(expV(yv), s)) : f32x4.mul(yv, f32x4.sub(g, s)));
        }
      }
      for (; i < inner; i++) {
        const b = <usize>i << 2;
        let s: f32 = 0;
        for (let j = 0; j < dim; j++) {
          const off = b + <usize>j * stride;
          s += log ? load<f32>(dy + off) : load<f32>(dy + off) * load<f32>(y + off);
        }
        for (let j = 0; j < dim; j++) {
          const off = b + <usize>j * stride;
          const g = load<f32>(dy + off), yv = load<f32>(y + off);
          store<f32>(dx + off, log ? g - expS(yv) * s : yv * (g - s));
        }
      }
    }
    dx += slice;
    dy += slice;
    y += slice;
  }
}

/** dx = y * (dy - sum(dy * y)) along the middle axis; y = softmax(x). dx may equal dy. */
export function softmax_backward_f32_simd(dx: usize, dy: usize, y: usize, outer: i32, dim: i32, inner: i32): void {
  softmaxBackAxis(true, false, dx, dy, y, outer, dim, inner);
}

export function softmax_backward_f32_scalar(dx: usize, dy: usize, y: usize, outer: i32, dim: i32, inner: i32): void {
  softmaxBackAxis(false, false, dx, dy, y, outer, dim, inner);
}

/** dx = dy - exp(y) * sum(dy) along the middle axis; y = logSoftmax(x). dx may equal dy. */
export function log_softmax_backward_f32_simd(dx: usize, dy: usize, y: usize, outer: i32, dim: i32, inner: i32): void {
  softmaxBackAxis(true, true, dx, dy, y, outer, dim, inner);
}

export function log_softmax_backward_f32_scalar(dx: usize, dy: usize, y: usize, outer: i32, dim: i32, inner: i32): void {
  softmaxBackAxis(false, true, dx, dy, y, outer, dim, inner);
}

// ---------------------------------------------------------------------------------------------
// argmax

/** Whether candidate (v, i) beats (b, bi): NaN first, then the larger value, then the smaller index. */
// @ts-ignore: decorator
@inline function beats(v: f32, i: i32, b: f32, bi: i32): bool {
  if (v != v) return b == b || i < bi;
  if (b != b) return false;
  return v > b || (v == b && i < bi);
}

// @ts-ignore: decorator
@inline function argmaxAxis(simd: bool, out: usize, x: usize, outer: i32, dim: i32, inner: i32): void {
  if (outer <= 0 || dim <= 0 || inner <= 0) return;
  const stride = <usize>inner << 2;
  for (let o = 0; o < outer; o++) {
    const xs = x + <usize>o * dim * stride;
    const os = out + (<usize>o * inner << 2);
    if (inner == 1) {
      let best = load<f32>(xs);
      let bi = 0;
      let j = 1;
      if (simd && dim >= 8) {
        // lane l scans indices l, l+4, l+8, ...: its first maximum (first NaN); then the lanes
        // are merged by `beats`, which restores the first index overall.
        let bv = v128.load(xs);
        let iv = i32x4(0, 1, 2, 3);
        let cur = iv;
        const four = i32x4.splat(4);
        const d4 = dim & ~3;
        for (j = 4; j < d4; j += 4) {
          const v = v128.load(xs + (<usize>j << 2));
          cur = i32x4.add(cur, four);
          const m = v128.or(f32x4.gt(v, bv), v128.and(f32x4.ne(v, v), f32x4.eq(bv, bv)));
          bv = v128.bitselect(v, bv, m);
          iv = v128.bitselect(cur, iv, m);
        }
        best = f32x4.extract_lane(bv, 0);
        bi = i32x4.extract_lane(iv, 0);
        if (beats(f32x4.extract_lane(bv, 1), i32x4.extract_lane(iv, 1), best, bi)) {
          best = f32x4.extract_lane(bv, 1); bi = i32x4.extract_lane(iv, 1);
        }
        if (beats(f32x4.extract_lane(bv, 2), i32x4.extract_lane(iv, 2), best, bi)) {
          best = f32x4.extract_lane(bv, 2); bi = i32x4.extract_lane(iv, 2);
        }
        if (beats(f32x4.extract_lane(bv, 3), i32x4.extract_lane(iv, 3), best, bi)) {
          best = f32x4.extract_lane(bv, 3); bi = i32x4.extract_lane(iv, 3);
        }
        j = d4;
      }
      for (; j < dim; j++) {
        const v = load<f32>(xs + (<usize>j << 2));
        if (v > best || (v != v && best == best)) {
          best = v;
          bi = j;
        }
      }
      store<i32>(os, bi);
    } else {
      const i4 = simd ? inner & ~3 : 0;
      let i = 0;
      for (; i < i4; i += 4) {
        const b = <usize>i << 2;
        let bv = v128.load(xs + b);
        let iv = i32x4.splat(0);
        for (let j = 1; j < dim; j++) {
          const v = v128.load(xs + b + <usize>j * stride);
          const m = v128.or(f32x4.gt(v, bv), v128.and(f32x4.ne(v, v), f32x4.eq(bv, bv)));
          bv = v128.bitselect(v, bv, m);
          iv = v128.bitselect(i32x4.splat(j), iv, m);
        }
        v128.store(os + b, iv);
      }
      for (; i < inner; i++) {
        const b = <usize>i << 2;
        let best = load<f32>(xs + b);
        let bi = 0;
        for (let j = 1; j < dim; j++) {
          const v = load<f32>(xs + b + <usize>j * stride);
          if (v > best || (v != v && best == best)) {
            best = v;
            bi = j;
          }
        }
        store<i32>(os + b, bi);
      }
    }
  }
}

/** out[o, i] (i32) = the first j maximising x[o, j, i] (a NaN counts as the maximum). dim >= 1. */
export function argmax_f32_simd(out: usize, x: usize, outer: i32, dim: i32, inner: i32): void {
  argmaxAxis(true, out, x, outer, dim, inner);
}

export function argmax_f32_scalar(out: usize, x: usize, outer: i32, dim: i32, inner: i32): void {
  argmaxAxis(false, out, x, outer, dim, inner);
}

// ---------------------------------------------------------------------------------------------
// Cross-entropy over logits x [B, C] and labels t [B] (i32), with label smoothing eps:
//   target[b, j] = (1 - eps) * (j == t[b]) + eps / C
//   m = max_j x[b, j],  ls = log(sum_j exp(x[b, j] - m)),  lse = m + ls (the log-sum-exp)
//   loss[b] = (1 - eps) * ((m - x[b, t[b]]) + ls) + eps * ((m - sum_j x[b, j] / C) + ls)
//             (= (m - x[b, t[b]]) + ls exactly when eps == 0; the sum is skipped then)
//   stats[2b] = m, stats[2b + 1] = ls: what the backward needs (lse itself would lose the low
//             bits of ls next to a large m, and exp(x - lse) with them)
//   dx[b, j] = (g[b * gstride] * scale) * (exp((x[b, j] - m) - ls) - target[b, j])
// A label outside [0, C) (PyTorch's ignore_index, mapped by the caller) gives loss 0 and a zero
// gradient row; it is never used as an address. Reduction is the caller's: 'mean' is
// scale = 1 / (number of valid labels) with g the upstream scalar (gstride 0), 'sum' scale = 1,
// 'none' g = the upstream gradient per row (gstride 1). Row sums use the row order.

// @ts-ignore: decorator
@inline function crossEntropy(simd: bool, loss: usize, stats: usize, x: usize, labels: usize, B: i32, C: i32, eps: f32): void {
  const rb = <usize>C << 2;
  for (let b = 0; b < B; b++) {
    const m = rowMax(simd, x, C);
    const ls = Mathf.log(rowSum(T_EXP, simd, x, 0, m, 0, C));
    if (stats != 0) {
      store<f32>(stats + (<usize>b << 3), m);
      store<f32>(stats + (<usize>b << 3), ls, 4);
    }
    const t = load<i32>(labels + (<usize>b << 2));
    let v: f32 = 0;
    if (<u32>t < <u32>C) {
      v = (m - load<f32>(x + (<usize>t << 2))) + ls;
      if (eps != 0) v = (<f32>1 - eps) * v + eps * ((m - rowSum(T_A, simd, x, 0, 0, 0, C) / <f32>C) + ls);
    }
    store<f32>(loss + (<usize>b << 2), v);
    x += rb;
  }
}

/** loss[b] (and stats[b] = (m, ls) when stats != 0) for logits x [B, C] and i32 labels; see above. */
export function cross_entropy_f32_simd(loss: usize, stats: usize, x: usize, labels: usize, B: i32, C: i32, smoothing: f32): void {
  crossEntropy(true, loss, stats, x, labels, B, C, smoothing);
}

export function cross_entropy_f32_scalar(loss: usize, stats: usize, x: usize, labels: usize, B: i32, C: i32, smoothing: f32): void {
  crossEntropy(false, loss, stats, x, labels, B, C, smoothing);
}

// @ts-ignore: decorator
@inline function crossEntropyBack(simd: bool, dx: usize, x: usize, labels: usize, stats: usize, g: usize, gstride: i32,
  scale: f32, B: i32, C: i32, eps: f32): void {
  const rb = <usize>C << 2;
  const off = eps / <f32>C; // target of every class but the label
  const on = (<f32>1 - eps) + off; // target of the label
  const offv = f32x4.splat(off);
  const c4 = simd ? <usize>(C & ~3) << 2 : 0;
  const end = <usize>C << 2;
  for (let b = 0; b < B; b++) {
    const t = load<i32>(labels + (<usize>b << 2));
    const gb = load<f32>(g + (<usize>(b * gstride) << 2)) * scale;
    const m = load<f32>(stats + (<usize>b << 3)), ls = load<f32>(stats + (<usize>b << 3), 4);
    let k: usize = 0;
    if (<u32>t >= <u32>C) {
      const z = f32x4.splat(0);
      for (; k < c4; k += 16) v128.store(dx + k, z);
      for (; k < end; k += 4) store<f32>(dx + k, 0);
    } else {
      const q = <usize>t << 2;
      const xt = load<f32>(x + q); // read before the row is written (dx may equal x)
      const gv = f32x4.splat(gb), mv = f32x4.splat(m), lv = f32x4.splat(ls);
      for (; k < c4; k += 16) {
        const p = expV(f32x4.sub(f32x4.sub(v128.load(x + k), mv), lv));
        v128.store(dx + k, f32x4.mul(gv, f32x4.sub(p, offv)));
      }
      for (; k < end; k += 4) store<f32>(dx + k, gb * (expS((load<f32>(x + k) - m) - ls) - off));
      store<f32>(dx + q, gb * (expS((xt - m) - ls) - on));
    }
    dx += rb;
    x += rb;
  }
}

/**
 * dx [B, C] = (g[b*gstride] * scale) * (softmax(x[b]) - target[b]), from the stats [B, 2] the
 * forward saved. dx may equal x.
 */
export function cross_entropy_backward_f32_simd(dx: usize, x: usize, labels: usize, stats: usize, g: usize, gstride: i32,
  scale: f32, B: i32, C: i32, smoothing: f32): void {
  crossEntropyBack(true, dx, x, labels, stats, g, gstride, scale, B, C, smoothing);
}

export function cross_entropy_backward_f32_scalar(dx: usize, x: usize, labels: usize, stats: usize, g: usize, gstride: i32,
  scale: f32, B: i32, C: i32, smoothing: f32): void {
  crossEntropyBack(false, dx, x, labels, stats, g, gstride, scale, B, C, smoothing);
}
