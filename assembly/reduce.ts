// Reductions over one axis of a contiguous f32 tensor viewed as [outer, n, inner]. Accumulation is in f32 with a FIXED summation order, identical in the simd and scalar
// variants, so results are bitwise reproducible on every runtime and by either variant.
//
// Row order (inner == 1, sum; "x[j]" is the j-th term of the row, a[j]):
//   16 partial sums P[0..16) start at +0. Block k (k < floor(n/16)) adds x[16k + j] to P[j].
//   Then the r = floor((n mod 16) / 4) remaining groups of 4: group g adds x[16K + 4g + l] to
//   P[4g + l] (l < 4). Then V[l] = (P[l] + P[4+l]) + (P[8+l] + P[12+l]) for l < 4, then
//   S = (V[0] + V[1]) + (V[2] + V[3]), then the last n mod 4 terms are added to S one by one, in
//   order. (In the simd variant P is four f32x4 accumulators: P[4g..4g+4) is accumulator g.)
// Column order (inner > 1, sum): out[o, i] = ((+0 + a[o,0,i]) + a[o,1,i]) + ... + a[o,n-1,i].
// max/min have f32.max/f32.min semantics, which do not depend on the order: NaN propagates (the
// simd row kernel returns the canonical NaN), max(-0, +0) = +0 and min(-0, +0) = -0.

// ---------------------------------------------------------------------------------------------
// Row kernels (contiguous, inner == 1)

const R_SUM: i32 = 0;

/** Fixed-order row sum of n terms (see the file header), f32x4 accumulators. */
// @ts-ignore: decorator
@inline function rowSumSimd(a: usize, n: i32): f32 {
  let acc0 = f32x4.splat(0), acc1 = f32x4.splat(0), acc2 = f32x4.splat(0), acc3 = f32x4.splat(0);
  const end16 = a + (<usize>(n & ~15) << 2);
  while (a < end16) {
    acc0 = f32x4.add(acc0, v128.load(a));
    acc1 = f32x4.add(acc1, v128.load(a, 16));
    acc2 = f32x4.add(acc2, v128.load(a, 32));
    acc3 = f32x4.add(acc3, v128.load(a, 48));
    a += 64;
  }
  const r = (n & 15) >> 2;
  if (r > 0) acc0 = f32x4.add(acc0, v128.load(a));
  if (r > 1) acc1 = f32x4.add(acc1, v128.load(a, 16));
  if (r > 2) acc2 = f32x4.add(acc2, v128.load(a, 32));
  const off = <usize>r << 4;
  a += off;
  const v = f32x4.add(f32x4.add(acc0, acc1), f32x4.add(acc2, acc3));
  let s = (f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1)) +
    (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
  const t = n & 3;
  if (t > 0) s += load<f32>(a);
  if (t > 1) s += load<f32>(a, 4);
  if (t > 2) s += load<f32>(a, 8);
  return s;
}

/** The same fixed order as rowSumSimd with 16 scalar partial sums (P[j] is pJ). */
// @ts-ignore: decorator
@inline function rowSumScalar(a: usize, n: i32): f32 {
  let p0: f32 = 0, p1: f32 = 0, p2: f32 = 0, p3: f32 = 0, p4: f32 = 0, p5: f32 = 0, p6: f32 = 0, p7: f32 = 0;
  let p8: f32 = 0, p9: f32 = 0, p10: f32 = 0, p11: f32 = 0, p12: f32 = 0, p13: f32 = 0, p14: f32 = 0, p15: f32 = 0;
  const end16 = a + (<usize>(n & ~15) << 2);
  while (a < end16) {
    p0 += load<f32>(a); p1 += load<f32>(a, 4); p2 += load<f32>(a, 8); p3 += load<f32>(a, 12);
    p4 += load<f32>(a, 16); p5 += load<f32>(a, 20); p6 += load<f32>(a, 24); p7 += load<f32>(a, 28);
    p8 += load<f32>(a, 32); p9 += load<f32>(a, 36); p10 += load<f32>(a, 40); p11 += load<f32>(a, 44);
    p12 += load<f32>(a, 48); p13 += load<f32>(a, 52); p14 += load<f32>(a, 56); p15 += load<f32>(a, 60);
    a += 64;
  }
  const r = (n & 15) >> 2;
  if (r > 0) {
    p0 += load<f32>(a); p1 += load<f32>(a, 4); p2 += load<f32>(a, 8); p3 += load<f32>(a, 12);
  }
  if (r > 1) {
    p4 += load<f32>(a, 16); p5 += load<f32>(a, 20); p6 += load<f32>(a, 24); p7 += load<f32>(a, 28);
  }
  if (r > 2) {
    p8 += load<f32>(a, 32); p9 += load<f32>(a, 36); p10 += load<f32>(a, 40); p11 += load<f32>(a, 44);
  }
  const off = <usize>r << 4;
  a += off;
  const v0 = (p0 + p4) + (p8 + p12);
  const v1 = (p1 + p5) + (p9 + p13);
  const v2 = (p2 + p6) + (p10 + p14);
  const v3 = (p3 + p7) + (p11 + p15);
  let s = (v0 + v1) + (v2 + v3);
  const t = n & 3;
  if (t > 0) s += load<f32>(a);
  if (t > 1) s += load<f32>(a, 4);
  if (t > 2) s += load<f32>(a, 8);
  return s;
}

const R_MAX: i32 = 2;
const R_MIN: i32 = 3;

// @ts-ignore: decorator
@inline function extV(kind: i32, x: v128, y: v128): v128 {
  return kind == R_MAX ? f32x4.max(x, y) : f32x4.min(x, y);
}

// @ts-ignore: decorator
@inline function extS(kind: i32, x: f32, y: f32): f32 {
  return kind == R_MAX ? Mathf.max(x, y) : Mathf.min(x, y);
}

// @ts-ignore: decorator
@inline function extInit(kind: i32): f32 {
  return kind == R_MAX ? -Infinity : Infinity;
}

/**
 * Pseudo-max step acc' = (acc < x) ? x : acc: one instruction (maxps), unlike f32x4.max, which V8
 * lowers to ~8 dependent instructions. It ignores a NaN x and keeps acc on ties, so callers track
 * NaN separately and fix the sign of a zero result (see rowExtSimd).
 */
// @ts-ignore: decorator
@inline function pmaxS(acc: f32, x: f32): f32 {
  return acc < x ? x : acc;
}

/**
 * The max of a row of values x ^ neg (sign bits flipped when neg is 0x80000000) whose non-NaN
 * max is zero, with the sign f32.max gives: +0 if any value is +0, else -0.
 */
// @ts-ignore: decorator
@inline function zeroMax(neg: u32, a: usize, n: i32): f32 {
  const end = a + (<usize>n << 2);
  while (a < end) {
    if ((load<u32>(a) ^ neg) == 0) return 0;
    a += 4;
  }
  return -0.0;
}

/**
 * Max (neg 0) or min (neg 0x80000000) of a contiguous row with f32.max/f32.min semantics (NaN
 * propagates and is returned as the canonical NaN; max(-0, +0) = +0, min(-0, +0) = -0). min is
 * -max(-x), exactly (signed zeros included): every value's sign bit is xor'ed with neg, and so is
 * the result. Pseudo-max accumulators, a NaN mask, and a rescan of the row in the rare case that
 * the result is a zero.
 */
// @ts-ignore: decorator
@inline function rowExtSimd(neg: u32, a: usize, n: i32): f32 {
  const init = f32x4.splat(-Infinity);
  const negv = i32x4.splat(neg);
  let acc0 = init, acc1 = init, acc2 = init, acc3 = init;
  let nan = i32x4.splat(0);
  const start = a;
  const end = a + (<usize>n << 2);
  const end16 = a + (<usize>(n & ~15) << 2);
  const end4 = a + (<usize>(n & ~3) << 2);
  while (a < end16) {
    const x0 = v128.xor(v128.load(a), negv), x1 = v128.xor(v128.load(a, 16), negv);
    const x2 = v128.xor(v128.load(a, 32), negv), x3 = v128.xor(v128.load(a, 48), negv);
    acc0 = f32x4.pmax(acc0, x0);
    acc1 = f32x4.pmax(acc1, x1);
    acc2 = f32x4.pmax(acc2, x2);
    acc3 = f32x4.pmax(acc3, x3);
    nan = v128.or(nan, v128.or(v128.or(f32x4.ne(x0, x0), f32x4.ne(x1, x1)), v128.or(f32x4.ne(x2, x2), f32x4.ne(x3, x3))));
    a += 64;
  }
  while (a < end4) {
    const x = v128.xor(v128.load(a), negv);
    acc0 = f32x4.pmax(acc0, x);
    nan = v128.or(nan, f32x4.ne(x, x));
    a += 16;
  }
  const v = f32x4.pmax(f32x4.pmax(acc0, acc1), f32x4.pmax(acc2, acc3));
  let s = pmaxS(pmaxS(f32x4.extract_lane(v, 0), f32x4.extract_lane(v, 1)),
    pmaxS(f32x4.extract_lane(v, 2), f32x4.extract_lane(v, 3)));
  let anyNan = v128.any_true(nan);
  while (a < end) {
    const x = reinterpret<f32>(load<u32>(a) ^ neg);
    anyNan |= x != x;
    s = pmaxS(s, x);
    a += 4;
  }
  if (anyNan) return NaN;
  if (s == 0) s = zeroMax(neg, start, n);
  return reinterpret<f32>(reinterpret<u32>(s) ^ neg);
}

/** Sequential f32.max/f32.min over the row. */
// @ts-ignore: decorator
@inline function rowExtScalar(kind: i32, a: usize, n: i32): f32 {
  let s = extInit(kind);
  const end = a + (<usize>n << 2);
  while (a < end) {
    s = extS(kind, s, load<f32>(a));
    a += 4;
  }
  return s;
}

// ---------------------------------------------------------------------------------------------
// Column kernels (inner > 1): out[i] = reduce over k < n of a[k*inner + i], i < inner.
// The output row is the accumulator: it is set to the identity (+0, -inf or +inf), then input rows
// k = 0..n-1 are combined into it in order, so both variants follow the documented column order.

/** Columns per pass in the simd variant: 1 KB of output stays in L1 while all n rows stream by. */
const COL_CHUNK: i32 = 256;

// @ts-ignore: decorator
@inline function colV(kind: i32, acc: v128, x: v128): v128 {
  return kind == R_SUM ? f32x4.add(acc, x) : extV(kind, acc, x);
}

// @ts-ignore: decorator
@inline function colS(kind: i32, acc: f32, x: f32): f32 {
  return kind == R_SUM ? acc + x : extS(kind, acc, x);
}

// @ts-ignore: decorator
@inline function colReduceSimd(kind: i32, out: usize, a: usize, n: i32, inner: i32): void {
  const initS: f32 = kind == R_SUM ? 0 : extInit(kind);
  const init = f32x4.splat(initS);
  const rowBytes = <usize>inner << 2;
  for (let c0 = 0; c0 < inner; c0 += COL_CHUNK) {
    const cols = min(COL_CHUNK, inner - c0);
    const ob = out + (<usize>c0 << 2);
    const oe = ob + (<usize>cols << 2);
    const oe16 = ob + (<usize>(cols & ~15) << 2);
    const oe4 = ob + (<usize>(cols & ~3) << 2);
    let o = ob;
    while (o < oe4) {
      v128.store(o, init);
      o += 16;
    }
    while (o < oe) {
      store<f32>(o, initS);
      o += 4;
    }
    let row = a + (<usize>c0 << 2);
    for (let k = 0; k < n; k++) {
      let p = row;
      o = ob;
      while (o < oe16) {
        const x0 = v128.load(p), x1 = v128.load(p, 16), x2 = v128.load(p, 32), x3 = v128.load(p, 48);
        const y0 = v128.load(o), y1 = v128.load(o, 16), y2 = v128.load(o, 32), y3 = v128.load(o, 48);
        v128.store(o, colV(kind, y0, x0));
        v128.store(o, colV(kind, y1, x1), 16);
        v128.store(o, colV(kind, y2, x2), 32);
        v128.store(o, colV(kind, y3, x3), 48);
        o += 64; p += 64;
      }
      while (o < oe4) {
        v128.store(o, colV(kind, v128.load(o), v128.load(p)));
        o += 16; p += 16;
      }
      while (o < oe) {
        store<f32>(o, colS(kind, load<f32>(o), load<f32>(p)));
        o += 4; p += 4;
      }
      row += rowBytes;
    }
  }
}

// @ts-ignore: decorator
@inline function colReduceScalar(kind: i32, out: usize, a: usize, n: i32, inner: i32): void {
  const initS: f32 = kind == R_SUM ? 0 : extInit(kind);
  const rowBytes = <usize>inner << 2;
  const colsEnd = out + rowBytes;
  for (let o = out; o < colsEnd; o += 4) store<f32>(o, initS);
  for (let k = 0; k < n; k++) {
    let p = a + <usize>k * rowBytes;
    for (let o = out; o < colsEnd; o += 4) {
      store<f32>(o, colS(kind, load<f32>(o), load<f32>(p)));
      p += 4;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Drivers

// @ts-ignore: decorator
@inline function reduceAxis(kind: i32, simd: bool, neg: u32, out: usize, a: usize, outer: i32, n: i32, inner: i32): void {
  if (outer <= 0 || inner <= 0) return;
  if (n < 0) n = 0;
  const slab = <usize>n * <usize>inner << 2; // bytes of one [n, inner] slab of a
  for (let o = 0; o < outer; o++) {
    if (inner == 1) {
      let s: f32;
      if (kind == R_SUM) s = simd ? rowSumSimd(a, n) : rowSumScalar(a, n);
      else s = simd ? rowExtSimd(neg, a, n) : rowExtScalar(kind, a, n);
      store<f32>(out, s);
      out += 4;
    } else {
      if (!simd) colReduceScalar(kind, out, a, n, inner);
      else if (kind == R_SUM) colReduceSimd(R_SUM, out, a, n, inner);
      else if (neg) colReduceSimd(R_MIN, out, a, n, inner);
      else colReduceSimd(R_MAX, out, a, n, inner);
      out += <usize>inner << 2;
    }
    a += slab;
  }
}

/**
 * out[o*inner + i] = sum over k < n of a[(o*n + k)*inner + i], for o < outer, i < inner, in the
 * fixed order of the file header. out (outer*inner floats) is overwritten and must not overlap a.
 * n == 0 gives +0.
 */
export function sum_f32_simd(out: usize, a: usize, outer: i32, n: i32, inner: i32): void { reduceAxis(R_SUM, true, 0, out, a, outer, n, inner); }
export function sum_f32_scalar(out: usize, a: usize, outer: i32, n: i32, inner: i32): void { reduceAxis(R_SUM, false, 0, out, a, outer, n, inner); }

/**
 * The SIMD twin of max (neg 0) and min (neg 0x80000000): one copy of the row loops, min being
 * -max(-x) (see rowExtSimd); the column loops keep one copy per op (f32x4.max/min directly: a
 * sign flip there cost min 1.3x).
 */
function extremeSimd(neg: u32, out: usize, a: usize, outer: i32, n: i32, inner: i32): void {
  reduceAxis(R_MAX, true, neg, out, a, outer, n, inner);
}

/** Like sum, with max over k (NaN propagates). n >= 1 (n == 0 gives -Infinity). */
export function max_f32_simd(out: usize, a: usize, outer: i32, n: i32, inner: i32): void { extremeSimd(0, out, a, outer, n, inner); }
export function max_f32_scalar(out: usize, a: usize, outer: i32, n: i32, inner: i32): void { reduceAxis(R_MAX, false, 0, out, a, outer, n, inner); }

/** Like sum, with min over k (NaN propagates). n >= 1 (n == 0 gives +Infinity). */
export function min_f32_simd(out: usize, a: usize, outer: i32, n: i32, inner: i32): void { extremeSimd(0x80000000, out, a, outer, n, inner); }
export function min_f32_scalar(out: usize, a: usize, outer: i32, n: i32, inner: i32): void { reduceAxis(R_MIN, false, 0, out, a, outer, n, inner); }
