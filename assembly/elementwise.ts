// Elementwise kernels over f32 tensors: binary ops with broadcasting, unary ops with an optional
// scalar parameter, the ReLU backward mask, fill, axpy and the fused squared error.
//
// ABI (see also assembly/index.ts): pointers are byte addresses of f32 data, any 4-byte alignment;
// counts and strides are in elements. Every kernel exists as `*_f32_simd` (f32x4 loops: a 16-wide
// body, then a 4-wide body, then a scalar tail; binary rows with the broadcast operand on the left,
// axpy and sq_diff: the 4-wide body and the scalar tail) and `*_f32_scalar` (plain loops, same
// results).
// Unless stated, `out` may be exactly `a` (or `b`): every element is read before it is written.
//
// IEEE behaviour: NaN in gives NaN out. maximum/minimum propagate NaN from either side (wasm
// f32.max/f32.min and f32x4.max/f32x4.min do; the pseudo-min/max instructions do not and are not
// used). pow, exp, log and the generic pows/rpows have no vector instruction: both variants call
// Mathf per element, so those ops give bitwise the same results in both variants (the SIMD twins
// of exp, log, pows and rpows are the scalar loop; that of pow a 4-wide loop without the 16-wide
// body, their time being the calls). Every other op is a single correctly rounded IEEE
// operation (or a fixed sequence of them) per element, so the two variants agree bitwise
// everywhere. pow follows IEEE 754 / C99 `pow` (not JavaScript's Math.pow) on special values:
// pow(x, ±0) = 1 and pow(1, y) = 1 even for NaN, pow(-1, ±Inf) = 1, pow(-Inf, 0.5) = +Inf and
// pow(-0, 0.5) = +0.
import { copy_f32 } from './copy';
import { fillRun } from './simd-util';

// ---------------------------------------------------------------------------------------------
// Binary ops

const OP_ADD: i32 = 0;
const OP_SUB: i32 = 1;
const OP_MUL: i32 = 2;
const OP_DIV: i32 = 3;
const OP_POW: i32 = 4;
const OP_MAX: i32 = 5;
const OP_MIN: i32 = 6;

/** IEEE 754 pow: Mathf.pow with C99's answers where JavaScript's Math.pow differs (1^NaN, (-1)^±Inf). */
// @ts-ignore: decorator
@inline function ieeePow(x: f32, y: f32): f32 {
  if (x == 1 || y == 0) return 1;
  if (x == -1 && Mathf.abs(y) == Infinity) return 1;
  return Mathf.pow(x, y);
}

/** Scalar binary op; `op` is a compile-time constant in the row loops, a run-time value in binStrided. */
// @ts-ignore: decorator
@inline function binS(op: i32, x: f32, y: f32): f32 {
  if (op == OP_ADD) return x + y;
  if (op == OP_SUB) return x - y;
  if (op == OP_MUL) return x * y;
  if (op == OP_DIV) return x / y;
  if (op == OP_POW) return ieeePow(x, y);
  if (op == OP_MAX) return Mathf.max(x, y);
  return Mathf.min(x, y);
}

/**
 * ieeePow of each lane pair. pow has no vector instruction: one out-of-line copy serves the
 * 4-wide loops of pow's three row kinds (inlined there, it made pow_f32_simd ~5 KB).
 */
function powLanes(x: v128, y: v128): v128 {
  let r = f32x4.splat(ieeePow(f32x4.extract_lane(x, 0), f32x4.extract_lane(y, 0)));
  r = f32x4.replace_lane(r, 1, ieeePow(f32x4.extract_lane(x, 1), f32x4.extract_lane(y, 1)));
  r = f32x4.replace_lane(r, 2, ieeePow(f32x4.extract_lane(x, 2), f32x4.extract_lane(y, 2)));
  return f32x4.replace_lane(r, 3, ieeePow(f32x4.extract_lane(x, 3), f32x4.extract_lane(y, 3)));
}

/** Lane-wise binary op; `op` is a compile-time constant at every call site. */
// @ts-ignore: decorator
@inline function binV(op: i32, x: v128, y: v128): v128 {
  if (op == OP_ADD) return f32x4.add(x, y);
  if (op == OP_SUB) return f32x4.sub(x, y);
  if (op == OP_MUL) return f32x4.mul(x, y);
  if (op == OP_DIV) return f32x4.div(x, y);
  if (op == OP_POW) return powLanes(x, y);
  if (op == OP_MAX) return f32x4.max(x, y);
  return f32x4.min(x, y);
}

/**
 * out[i] = a[i*sa] op b[i*sb] for i < n, out contiguous; sa4/sb4 are strides in BYTES. `op` is
 * a run-time value (one copy for all seven ops): the rows of no vector kind, and every row of
 * the scalar twins.
 */
function binStrided(op: i32, o: usize, a: usize, b: usize, n: i32, sa4: usize, sb4: usize): void {
  const end = o + (<usize>n << 2);
  while (o < end) {
    store<f32>(o, binS(op, load<f32>(a), load<f32>(b)));
    o += 4; a += sa4; b += sb4;
  }
}

/** out[i] = a[i] op b[i] for i < n; all three contiguous. */
// @ts-ignore: decorator
@inline function binRowVV(op: i32, o: usize, a: usize, b: usize, n: i32): void {
  const end = o + (<usize>n << 2);
  const end16 = o + (<usize>(n & ~15) << 2);
  const end4 = o + (<usize>(n & ~3) << 2);
  // pow is bound by its Mathf.pow calls: no 16-wide body.
  if (op != OP_POW) {
    while (o < end16) {
      const a0 = v128.load(a), a1 = v128.load(a, 16), a2 = v128.load(a, 32), a3 = v128.load(a, 48);
      const b0 = v128.load(b), b1 = v128.load(b, 16), b2 = v128.load(b, 32), b3 = v128.load(b, 48);
      v128.store(o, binV(op, a0, b0));
      v128.store(o, binV(op, a1, b1), 16);
      v128.store(o, binV(op, a2, b2), 32);
      v128.store(o, binV(op, a3, b3), 48);
      o += 64; a += 64; b += 64;
    }
  }
  while (o < end4) {
    v128.store(o, binV(op, v128.load(a), v128.load(b)));
    o += 16; a += 16; b += 16;
  }
  while (o < end) {
    store<f32>(o, binS(op, load<f32>(a), load<f32>(b)));
    o += 4; a += 4; b += 4;
  }
}

/** out[i] = a[i] op y for i < n; out and a contiguous (b broadcast along the row). */
// @ts-ignore: decorator
@inline function binRowVS(op: i32, o: usize, a: usize, b: usize, n: i32): void {
  const y = load<f32>(b);
  const yv = f32x4.splat(y);
  const end = o + (<usize>n << 2);
  const end16 = o + (<usize>(n & ~15) << 2);
  const end4 = o + (<usize>(n & ~3) << 2);
  // pow is bound by its Mathf.pow calls: no 16-wide body.
  if (op != OP_POW) {
    while (o < end16) {
      const a0 = v128.load(a), a1 = v128.load(a, 16), a2 = v128.load(a, 32), a3 = v128.load(a, 48);
      v128.store(o, binV(op, a0, yv));
      v128.store(o, binV(op, a1, yv), 16);
      v128.store(o, binV(op, a2, yv), 32);
      v128.store(o, binV(op, a3, yv), 48);
      o += 64; a += 64;
    }
  }
  while (o < end4) {
    v128.store(o, binV(op, v128.load(a), yv));
    o += 16; a += 16;
  }
  while (o < end) {
    store<f32>(o, binS(op, load<f32>(a), y));
    o += 4; a += 4;
  }
}

/**
 * Whether x op y == y op x for all x, y (NaN payloads aside, which wasm leaves unspecified): the
 * driver runs these ops' rows of kind 2 as kind 1 with the operands swapped.
 */
// @ts-ignore: decorator
@inline function commutes(op: i32): bool {
  return op == OP_ADD || op == OP_MUL || op == OP_MAX || op == OP_MIN;
}

/**
 * out[i] = x op b[i] for i < n; out and b contiguous (a broadcast along the row); sub, div and pow
 * only (see commutes).
 */
// @ts-ignore: decorator
@inline function binRowSV(op: i32, o: usize, a: usize, b: usize, n: i32): void {
  const x = load<f32>(a);
  const xv = f32x4.splat(x);
  const end = o + (<usize>n << 2);
  const end16 = o + (<usize>(n & ~15) << 2);
  const end4 = o + (<usize>(n & ~3) << 2);
  // pow is bound by its Mathf.pow calls: no 16-wide body.
  if (op != OP_POW) {
    while (o < end16) {
      const b0 = v128.load(b), b1 = v128.load(b, 16), b2 = v128.load(b, 32), b3 = v128.load(b, 48);
      v128.store(o, binV(op, xv, b0));
      v128.store(o, binV(op, xv, b1), 16);
      v128.store(o, binV(op, xv, b2), 32);
      v128.store(o, binV(op, xv, b3), 48);
      o += 64; b += 64;
    }
  }
  while (o < end4) {
    v128.store(o, binV(op, xv, v128.load(b)));
    o += 16; b += 16;
  }
  while (o < end) {
    store<f32>(o, binS(op, x, load<f32>(b)));
    o += 4; b += 4;
  }
}

/**
 * `m` consecutive rows of one binary op, the offsets of a and b advancing by ra and rb bytes
 * per row. Row kind: 0 = strides (1,1), 1 = (1,0), 2 = (0,1), never 2 for an op that commutes;
 * the other rows go to binStrided.
 */
type BinaryRows = (kind: i32, m: i32, o: usize, a: usize, b: usize, n: i32, ra: usize, rb: usize) => void;

/** The body of every BinaryRows; `op` is a compile-time constant (one specialised copy per op). */
// @ts-ignore: decorator
@inline function binRows(op: i32, kind: i32, m: i32, o: usize, a: usize, b: usize, n: i32, ra: usize, rb: usize): void {
  const rowBytes = <usize>n << 2;
  for (let r = 0; r < m; r++) {
    if (kind == 0) binRowVV(op, o, a, b, n);
    else if (kind == 1 || commutes(op)) binRowVS(op, o, a, b, n);
    else binRowSV(op, o, a, b, n);
    o += rowBytes; a += ra; b += rb;
  }
}

function addRows(kind: i32, m: i32, o: usize, a: usize, b: usize, n: i32, ra: usize, rb: usize): void { binRows(OP_ADD, kind, m, o, a, b, n, ra, rb); }
function subRows(kind: i32, m: i32, o: usize, a: usize, b: usize, n: i32, ra: usize, rb: usize): void { binRows(OP_SUB, kind, m, o, a, b, n, ra, rb); }
function mulRows(kind: i32, m: i32, o: usize, a: usize, b: usize, n: i32, ra: usize, rb: usize): void { binRows(OP_MUL, kind, m, o, a, b, n, ra, rb); }
function divRows(kind: i32, m: i32, o: usize, a: usize, b: usize, n: i32, ra: usize, rb: usize): void { binRows(OP_DIV, kind, m, o, a, b, n, ra, rb); }
function powRows(kind: i32, m: i32, o: usize, a: usize, b: usize, n: i32, ra: usize, rb: usize): void { binRows(OP_POW, kind, m, o, a, b, n, ra, rb); }
function maxRows(kind: i32, m: i32, o: usize, a: usize, b: usize, n: i32, ra: usize, rb: usize): void { binRows(OP_MAX, kind, m, o, a, b, n, ra, rb); }
function minRows(kind: i32, m: i32, o: usize, a: usize, b: usize, n: i32, ra: usize, rb: usize): void { binRows(OP_MIN, kind, m, o, a, b, n, ra, rb); }

/**
 * Broadcasting driver, one copy for every binary op (OP_*) and both twins. meta = i32[3*ndim]:
 * shape, aStride, bStride (elements, >= 0). out is contiguous with that shape. The rows (all axes
 * but the last) are walked in runs along axis ndim-2, whose stride the offsets of a and b advance
 * by; at the start of each run they are recomputed from the row index, so no per-axis counters
 * (and no scratch memory) are needed. `rows` is op's specialised row loops (an indirect call per
 * run of rows, not per element) for row kinds 0..2; kind 3 (strided rows, and every row of the
 * scalar twins, `simd` false) runs binStrided.
 */
function binaryBroadcast(op: i32, rows: BinaryRows, simd: bool, out: usize, a: usize, b: usize, meta: usize, ndim: i32): void {
  if (ndim < 1) return;
  const last = ndim - 1;
  const shp = meta;
  let ast = meta + (<usize>ndim << 2);
  let bst = meta + (<usize>ndim << 3);
  const n = load<i32>(shp + (<usize>last << 2));
  let sa = load<i32>(ast + (<usize>last << 2));
  let sb = load<i32>(bst + (<usize>last << 2));
  if (simd && sa == 0 && sb == 1 && commutes(op)) {
    // x op b[i] as b[i] op x: row kind 1 (see commutes).
    const t = a; a = b; b = t;
    const ts = ast; ast = bst; bst = ts;
    sa = 1; sb = 0;
  }
  let total = 1;
  for (let d = 0; d < last; d++) total *= load<i32>(shp + (<usize>d << 2));
  if (n <= 0 || total <= 0) return;

  // The axis just outside the row: its extent (the run length) and byte strides.
  let m = total;
  let ra: usize = 0, rb: usize = 0;
  if (last > 0) {
    m = load<i32>(shp + (<usize>(last - 1) << 2));
    ra = <usize>load<i32>(ast + (<usize>(last - 1) << 2)) << 2;
    rb = <usize>load<i32>(bst + (<usize>(last - 1) << 2)) << 2;
  }
  let kind = 3;
  if (simd) {
    if (sa == 1 && sb == 1) kind = 0;
    else if (sa == 1 && sb == 0) kind = 1;
    else if (sa == 0 && sb == 1) kind = 2;
  }
  const sa4 = <usize>sa << 2, sb4 = <usize>sb << 2;
  const runBytes = <usize>m * (<usize>n << 2);
  // total is a multiple of m: every run is m whole rows.
  for (let r = 0; r < total; r += m) {
    // Row r has index 0 on axis last-1; build its offsets from axes last-2 .. 0.
    let q = r / m;
    let ap = a, bp = b;
    for (let d = last - 2; d >= 0 && q > 0; d--) {
      const s = load<i32>(shp + (<usize>d << 2));
      const i = q % s;
      q /= s;
      ap += <usize>(i * load<i32>(ast + (<usize>d << 2))) << 2;
      bp += <usize>(i * load<i32>(bst + (<usize>d << 2))) << 2;
    }
    if (kind == 3) {
      for (let i = 0; i < m; i++) binStrided(op, out + <usize>i * (<usize>n << 2), ap + <usize>i * ra, bp + <usize>i * rb, n, sa4, sb4);
    } else rows(kind, m, out, ap, bp, n, ra, rb);
    out += runBytes;
  }
}

export function add_f32_simd(out: usize, a: usize, b: usize, meta: usize, ndim: i32): void { binaryBroadcast(OP_ADD, addRows, true, out, a, b, meta, ndim); }
export function add_f32_scalar(out: usize, a: usize, b: usize, meta: usize, ndim: i32): void { binaryBroadcast(OP_ADD, addRows, false, out, a, b, meta, ndim); }
export function sub_f32_simd(out: usize, a: usize, b: usize, meta: usize, ndim: i32): void { binaryBroadcast(OP_SUB, subRows, true, out, a, b, meta, ndim); }
export function sub_f32_scalar(out: usize, a: usize, b: usize, meta: usize, ndim: i32): void { binaryBroadcast(OP_SUB, subRows, false, out, a, b, meta, ndim); }
export function mul_f32_simd(out: usize, a: usize, b: usize, meta: usize, ndim: i32): void { binaryBroadcast(OP_MUL, mulRows, true, out, a, b, meta, ndim); }
export function mul_f32_scalar(out: usize, a: usize, b: usize, meta: usize, ndim: i32): void { binaryBroadcast(OP_MUL, mulRows, false, out, a, b, meta, ndim); }
export function div_f32_simd(out: usize, a: usize, b: usize, meta: usize, ndim: i32): void { binaryBroadcast(OP_DIV, divRows, true, out, a, b, meta, ndim); }
export function div_f32_scalar(out: usize, a: usize, b: usize, meta: usize, ndim: i32): void { binaryBroadcast(OP_DIV, divRows, false, out, a, b, meta, ndim); }
export function pow_f32_simd(out: usize, a: usize, b: usize, meta: usize, ndim: i32): void { binaryBroadcast(OP_POW, powRows, true, out, a, b, meta, ndim); }
export function pow_f32_scalar(out: usize, a: usize, b: usize, meta: usize, ndim: i32): void { binaryBroadcast(OP_POW, powRows, false, out, a, b, meta, ndim); }
export function maximum_f32_simd(out: usize, a: usize, b: usize, meta: usize, ndim: i32): void { binaryBroadcast(OP_MAX, maxRows, true, out, a, b, meta, ndim); }
export function maximum_f32_scalar(out: usize, a: usize, b: usize, meta: usize, ndim: i32): void { binaryBroadcast(OP_MAX, maxRows, false, out, a, b, meta, ndim); }
export function minimum_f32_simd(out: usize, a: usize, b: usize, meta: usize, ndim: i32): void { binaryBroadcast(OP_MIN, minRows, true, out, a, b, meta, ndim); }
export function minimum_f32_scalar(out: usize, a: usize, b: usize, meta: usize, ndim: i32): void { binaryBroadcast(OP_MIN, minRows, false, out, a, b, meta, ndim); }

// ---------------------------------------------------------------------------------------------
// Unary ops with a scalar parameter p: out[i] = f(a[i], p), both contiguous, out may equal a.

const U_NEG: i32 = 0;
const U_ABS: i32 = 1;
const U_SQUARE: i32 = 2;
const U_SQRT: i32 = 3;
const U_EXP: i32 = 4;
const U_LOG: i32 = 5;
const U_RELU: i32 = 6;
const U_SIGN: i32 = 7;
const U_RECIP: i32 = 8;
const U_ADDS: i32 = 9;
const U_MULS: i32 = 10;
const U_RSUBS: i32 = 11;
const U_DIVS: i32 = 12;
const U_RDIVS: i32 = 13;
const U_POWS: i32 = 14; // generic a^p, Mathf.pow per element
const U_RPOWS: i32 = 15; // p^a, Mathf.pow per element
const U_CUBE: i32 = 16; // (a*a)*a
const U_IDENT: i32 = 17; // a
const U_ONE: i32 = 18; // 1
const U_POWHALF: i32 = 19; // a^0.5: sqrt(a) + 0 (so -0 gives +0), and +Inf for -Inf

/** Scalar unary op; `op` is a compile-time constant at every call site. */
// @ts-ignore: decorator
@inline function unS(op: i32, x: f32, p: f32): f32 {
  if (op == U_NEG) return -x;
  if (op == U_ABS) return Mathf.abs(x);
  if (op == U_SQUARE) return x * x;
  if (op == U_SQRT) return Mathf.sqrt(x);
  if (op == U_EXP) return Mathf.exp(x);
  if (op == U_LOG) return Mathf.log(x);
  // Same values as Mathf.max(x, 0): x <= 0 (including -0) gives +0, NaN stays NaN.
  if (op == U_RELU) return x <= 0 ? <f32>0 : x;
  // ±0 and NaN map to themselves.
  if (op == U_SIGN) return x > 0 ? <f32>1 : (x < 0 ? <f32>-1 : x);
  if (op == U_RECIP) return <f32>1 / x;
  if (op == U_ADDS) return x + p;
  if (op == U_MULS) return x * p;
  if (op == U_RSUBS) return p - x;
  if (op == U_DIVS) return x / p;
  if (op == U_RDIVS) return p / x;
  if (op == U_POWS) return ieeePow(x, p);
  if (op == U_RPOWS) return ieeePow(p, x);
  if (op == U_POWHALF) return x == -Infinity ? Infinity : Mathf.sqrt(x) + 0;
  if (op == U_CUBE) return x * x * x;
  if (op == U_IDENT) return x;
  return 1;
}

/**
 * Lane-wise unary op (not the per-element ops, see hasVectorOp); pv = splat(p), one = splat(1),
 * zero = splat(0), hoisted by the caller.
 */
// @ts-ignore: decorator
@inline function unV(op: i32, x: v128, pv: v128, p: f32, one: v128, zero: v128): v128 {
  if (op == U_NEG) return f32x4.neg(x);
  if (op == U_ABS) return f32x4.abs(x);
  if (op == U_SQUARE) return f32x4.mul(x, x);
  if (op == U_SQRT) return f32x4.sqrt(x);
  if (op == U_RELU) return v128.andnot(x, f32x4.le(x, zero)); // 2 instructions; f32x4.max is ~8 in V8
  if (op == U_SIGN) {
    const gt = f32x4.gt(x, zero);
    const lt = f32x4.lt(x, zero);
    // gt lanes -> +1, lt lanes -> -1 (= -(+1)), others (±0, NaN) -> x.
    const s = v128.or(v128.and(gt, one), v128.and(lt, f32x4.neg(one)));
    return v128.bitselect(s, x, v128.or(gt, lt));
  }
  if (op == U_RECIP) return f32x4.div(one, x);
  if (op == U_ADDS) return f32x4.add(x, pv);
  if (op == U_MULS) return f32x4.mul(x, pv);
  if (op == U_RSUBS) return f32x4.sub(pv, x);
  if (op == U_DIVS) return f32x4.div(x, pv);
  if (op == U_RDIVS) return f32x4.div(pv, x);
  if (op == U_CUBE) return f32x4.mul(f32x4.mul(x, x), x);
  if (op == U_IDENT) return x;
  if (op == U_POWHALF) {
    const r = f32x4.add(f32x4.sqrt(x), zero);
    return v128.bitselect(f32x4.splat(Infinity), r, f32x4.eq(x, f32x4.splat(-Infinity)));
  }
  return one; // U_ONE
}

/**
 * exp, log and the generic pows/rpows have no vector instruction: both variants run them per
 * element (one inlined copy of the call, not five).
 */
// @ts-ignore: decorator
@inline function hasVectorOp(op: i32): bool {
  return op != U_EXP && op != U_LOG && op != U_POWS && op != U_RPOWS;
}

// @ts-ignore: decorator
@inline function unaryLoop(op: i32, simd: bool, o: usize, a: usize, n: i32, p: f32): void {
  if (n <= 0) return;
  const end = o + (<usize>n << 2);
  if (simd && hasVectorOp(op)) {
    const pv = f32x4.splat(p);
    const one = f32x4.splat(1);
    const zero = f32x4.splat(0);
    const end4 = o + (<usize>(n & ~3) << 2);
    const end16 = o + (<usize>(n & ~15) << 2);
    while (o < end16) {
      const a0 = v128.load(a), a1 = v128.load(a, 16), a2 = v128.load(a, 32), a3 = v128.load(a, 48);
      v128.store(o, unV(op, a0, pv, p, one, zero));
      v128.store(o, unV(op, a1, pv, p, one, zero), 16);
      v128.store(o, unV(op, a2, pv, p, one, zero), 32);
      v128.store(o, unV(op, a3, pv, p, one, zero), 48);
      o += 64; a += 64;
    }
    while (o < end4) {
      v128.store(o, unV(op, v128.load(a), pv, p, one, zero));
      o += 16; a += 16;
    }
  }
  while (o < end) {
    store<f32>(o, unS(op, load<f32>(a), p));
    o += 4; a += 4;
  }
}

/**
 * a^p with the special cases p = 2 (a*a), 1 (a), 0.5 (sqrt a, with pow's -0 and -Inf cases),
 * -1 (1/a), 0 (1), 3 ((a*a)*a); any other p uses IEEE pow per element. The same choice is made
 * in both variants.
 */
// @ts-ignore: decorator
@inline function powsDispatch(simd: bool, o: usize, a: usize, n: i32, p: f32): void {
  // Kernels that already exist are called (one copy of their loops in the module): square,
  // rdivs with p = 1 (recip), fill with 1 and copy (memory.copy; a copy is bit-exact, as a load/store loop is).
  if (p == 2) {
    if (simd) square_f32_simd(o, a, n, p);
    else square_f32_scalar(o, a, n, p);
  } else if (p == 1) {
    if (simd) copy_f32(o, a, n);
    else unaryLoop(U_IDENT, simd, o, a, n, p);
  } else if (p == 0.5) unaryLoop(U_POWHALF, simd, o, a, n, p);
  else if (p == -1) {
    if (simd) rdivs_f32_simd(o, a, n, 1);
    else recip_f32_scalar(o, a, n, p);
  } else if (p == 0) {
    if (simd) fill_f32_simd(o, n, 1);
    else unaryLoop(U_ONE, simd, o, a, n, p);
  } else if (p == 3) unaryLoop(U_CUBE, simd, o, a, n, p);
  else unaryLoop(U_POWS, simd, o, a, n, p);
}

export function neg_f32_simd(out: usize, a: usize, n: i32, p: f32): void { unaryLoop(U_NEG, true, out, a, n, p); }
export function neg_f32_scalar(out: usize, a: usize, n: i32, p: f32): void { unaryLoop(U_NEG, false, out, a, n, p); }
export function abs_f32_simd(out: usize, a: usize, n: i32, p: f32): void { unaryLoop(U_ABS, true, out, a, n, p); }
export function abs_f32_scalar(out: usize, a: usize, n: i32, p: f32): void { unaryLoop(U_ABS, false, out, a, n, p); }
export function square_f32_simd(out: usize, a: usize, n: i32, p: f32): void { unaryLoop(U_SQUARE, true, out, a, n, p); }
export function square_f32_scalar(out: usize, a: usize, n: i32, p: f32): void { unaryLoop(U_SQUARE, false, out, a, n, p); }
export function sqrt_f32_simd(out: usize, a: usize, n: i32, p: f32): void { unaryLoop(U_SQRT, true, out, a, n, p); }
export function sqrt_f32_scalar(out: usize, a: usize, n: i32, p: f32): void { unaryLoop(U_SQRT, false, out, a, n, p); }
export function exp_f32_simd(out: usize, a: usize, n: i32, p: f32): void { unaryLoop(U_EXP, true, out, a, n, p); }
export function exp_f32_scalar(out: usize, a: usize, n: i32, p: f32): void { unaryLoop(U_EXP, false, out, a, n, p); }
export function log_f32_simd(out: usize, a: usize, n: i32, p: f32): void { unaryLoop(U_LOG, true, out, a, n, p); }
export function log_f32_scalar(out: usize, a: usize, n: i32, p: f32): void { unaryLoop(U_LOG, false, out, a, n, p); }
export function relu_f32_simd(out: usize, a: usize, n: i32, p: f32): void { unaryLoop(U_RELU, true, out, a, n, p); }
export function relu_f32_scalar(out: usize, a: usize, n: i32, p: f32): void { unaryLoop(U_RELU, false, out, a, n, p); }
export function sign_f32_simd(out: usize, a: usize, n: i32, p: f32): void { unaryLoop(U_SIGN, true, out, a, n, p); }
export function sign_f32_scalar(out: usize, a: usize, n: i32, p: f32): void { unaryLoop(U_SIGN, false, out, a, n, p); }
/** 1 / a[i]: rdivs with p = 1 (the same division per element, one copy of the loops). */
export function recip_f32_simd(out: usize, a: usize, n: i32, p: f32): void { rdivs_f32_simd(out, a, n, 1); }
export function recip_f32_scalar(out: usize, a: usize, n: i32, p: f32): void { unaryLoop(U_RECIP, false, out, a, n, p); }
export function adds_f32_simd(out: usize, a: usize, n: i32, p: f32): void { unaryLoop(U_ADDS, true, out, a, n, p); }
export function adds_f32_scalar(out: usize, a: usize, n: i32, p: f32): void { unaryLoop(U_ADDS, false, out, a, n, p); }
export function muls_f32_simd(out: usize, a: usize, n: i32, p: f32): void { unaryLoop(U_MULS, true, out, a, n, p); }
export function muls_f32_scalar(out: usize, a: usize, n: i32, p: f32): void { unaryLoop(U_MULS, false, out, a, n, p); }
export function rsubs_f32_simd(out: usize, a: usize, n: i32, p: f32): void { unaryLoop(U_RSUBS, true, out, a, n, p); }
export function rsubs_f32_scalar(out: usize, a: usize, n: i32, p: f32): void { unaryLoop(U_RSUBS, false, out, a, n, p); }
export function divs_f32_simd(out: usize, a: usize, n: i32, p: f32): void { unaryLoop(U_DIVS, true, out, a, n, p); }
export function divs_f32_scalar(out: usize, a: usize, n: i32, p: f32): void { unaryLoop(U_DIVS, false, out, a, n, p); }
export function rdivs_f32_simd(out: usize, a: usize, n: i32, p: f32): void { unaryLoop(U_RDIVS, true, out, a, n, p); }
export function rdivs_f32_scalar(out: usize, a: usize, n: i32, p: f32): void { unaryLoop(U_RDIVS, false, out, a, n, p); }
export function pows_f32_simd(out: usize, a: usize, n: i32, p: f32): void { powsDispatch(true, out, a, n, p); }
export function pows_f32_scalar(out: usize, a: usize, n: i32, p: f32): void { powsDispatch(false, out, a, n, p); }
export function rpows_f32_simd(out: usize, a: usize, n: i32, p: f32): void { unaryLoop(U_RPOWS, true, out, a, n, p); }
export function rpows_f32_scalar(out: usize, a: usize, n: i32, p: f32): void { unaryLoop(U_RPOWS, false, out, a, n, p); }

// ---------------------------------------------------------------------------------------------
// ReLU backward, fill, axpy (all contiguous, n elements).

/**
 * out[i] = x[i] <= 0 ? 0 : dy[i]: a NaN x passes dy through (like PyTorch's threshold_backward),
 * so a NaN reaching ReLU is not turned into a zero gradient. out may equal dy or x.
 */
export function relu_backward_f32_simd(out: usize, dy: usize, x: usize, n: i32): void {
  if (n <= 0) return;
  const zero = f32x4.splat(0);
  const end = out + (<usize>n << 2);
  const end16 = out + (<usize>(n & ~15) << 2);
  const end4 = out + (<usize>(n & ~3) << 2);
  while (out < end16) {
    const x0 = v128.load(x), x1 = v128.load(x, 16), x2 = v128.load(x, 32), x3 = v128.load(x, 48);
    const d0 = v128.load(dy), d1 = v128.load(dy, 16), d2 = v128.load(dy, 32), d3 = v128.load(dy, 48);
    v128.store(out, v128.andnot(d0, f32x4.le(x0, zero)));
    v128.store(out, v128.andnot(d1, f32x4.le(x1, zero)), 16);
    v128.store(out, v128.andnot(d2, f32x4.le(x2, zero)), 32);
    v128.store(out, v128.andnot(d3, f32x4.le(x3, zero)), 48);
    out += 64; dy += 64; x += 64;
  }
  while (out < end4) {
    v128.store(out, v128.andnot(v128.load(dy), f32x4.le(v128.load(x), zero)));
    out += 16; dy += 16; x += 16;
  }
  while (out < end) {
    store<f32>(out, load<f32>(x) <= 0 ? 0 : load<f32>(dy));
    out += 4; dy += 4; x += 4;
  }
}

export function relu_backward_f32_scalar(out: usize, dy: usize, x: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const off = <usize>i << 2;
    store<f32>(out + off, load<f32>(x + off) <= 0 ? 0 : load<f32>(dy + off));
  }
}

/** out[i] = v for i < n. */
export function fill_f32_simd(out: usize, n: i32, v: f32): void {
  if (n > 0) fillRun(out, n, v, f32x4.splat(v));
}

export function fill_f32_scalar(out: usize, n: i32, v: f32): void {
  for (let i = 0; i < n; i++) store<f32>(out + (<usize>i << 2), v);
}

/**
 * y[i] = y[i] + alpha * x[i] (a multiply then an add, not fused). x must not overlap y unless equal.
 * A 4-wide body only: autograd's gradient accumulation, bound by memory, not by the loop.
 */
export function axpy_f32_simd(y: usize, x: usize, n: i32, alpha: f32): void {
  const av = f32x4.splat(alpha);
  const end4 = y + (<usize>(n & ~3) << 2);
  while (y < end4) {
    v128.store(y, f32x4.add(v128.load(y), f32x4.mul(av, v128.load(x))));
    y += 16; x += 16;
  }
  axpy_f32_scalar(y, x, n & 3, alpha); // the last n mod 4 elements
}

export function axpy_f32_scalar(y: usize, x: usize, n: i32, alpha: f32): void {
  for (let i = 0; i < n; i++) {
    const off = <usize>i << 2;
    store<f32>(y + off, load<f32>(y + off) + alpha * load<f32>(x + off));
  }
}

// ---------------------------------------------------------------------------------------------
// Squared error, fused, one kernel both ways. With grad == 0: out[i] = (a[i] - b[i])². With grad
// != 0, the gradient with respect to a: out[i] = g · ((a[i] - b[i]) + (a[i] - b[i])), g being gy[i],
// or the scalar c for every element when gy is 0 (the gradient of a sum or mean); that with respect
// to b is its negation. a, b, gy and out are contiguous and of n elements; out may equal any input.
// Each element is the same IEEE operations in both twins (a 4-wide body and a scalar tail: these
// run on loss-sized tensors, where the call dominates), so they agree bitwise.

export function sq_diff_f32_simd(out: usize, a: usize, b: usize, n: i32, grad: i32, gy: usize, c: f32): void {
  const end4 = out + (<usize>(n & ~3) << 2);
  // One loop per mode: a select between modes inside the loop ran 4x slower in V8.
  if (grad == 0) {
    while (out < end4) {
      const d = f32x4.sub(v128.load(a), v128.load(b));
      v128.store(out, f32x4.mul(d, d));
      out += 16; a += 16; b += 16;
    }
  } else if (gy != 0) {
    while (out < end4) {
      const d = f32x4.sub(v128.load(a), v128.load(b));
      v128.store(out, f32x4.mul(v128.load(gy), f32x4.add(d, d)));
      out += 16; gy += 16; a += 16; b += 16;
    }
  } else {
    const cv = f32x4.splat(c);
    while (out < end4) {
      const d = f32x4.sub(v128.load(a), v128.load(b));
      v128.store(out, f32x4.mul(cv, f32x4.add(d, d)));
      out += 16; a += 16; b += 16;
    }
  }
  sq_diff_f32_scalar(out, a, b, n & 3, grad, gy, c); // the last n mod 4 elements
}

export function sq_diff_f32_scalar(out: usize, a: usize, b: usize, n: i32, grad: i32, gy: usize, c: f32): void {
  for (let i = 0; i < n; i++) {
    const off = <usize>i << 2;
    const d = load<f32>(a + off) - load<f32>(b + off);
    const g = grad == 0 ? d : gy != 0 ? load<f32>(gy + off) : c;
    store<f32>(out + off, g * (grad == 0 ? d : d + d));
  }
}
