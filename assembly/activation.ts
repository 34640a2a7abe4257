// Sigmoid and tanh, forward and backward (the backward from the forward's OUTPUT y).
//
// ABI: byte addresses of contiguous f32 arrays of n elements, any 4-byte alignment; out may be
// exactly an input (every element is read before it is written).
//
// Determinism: exp is assembly/exp.ts; everything is a fixed sequence of correctly rounded f32
// operations, lane-wise in the simd twin and element-wise in the scalar twin (tanh's two branches
// are both computed in the simd twin and selected, with the same values). The twins agree
// bitwise, and every engine gives the same bits.
//
// sigmoid(x) = 1/(1+e) for x >= 0 and e/(1+e) for x < 0, with e = exp(-|x|) <= 1: no overflow for
// any x, and the tiny results of very negative x keep their relative precision (down to the
// subnormals).
// NaN gives NaN. Backward (PyTorch's expressions): sigmoid dx = (dy*(1-y))*y, tanh dx = dy*(1-y*y).

import { expS, expV } from './exp';

// @ts-ignore: decorator
@inline function sigmoidS(x: f32): f32 {
  const e = expS(-Mathf.abs(x));
  const d = <f32>1 + e;
  return x >= 0 ? <f32>1 / d : e / d;
}

// tanh (Cephes' tanhf, on |x|, then x's sign bit): |x| < 0.625: a + a*(z*P(z)), z = a*a (a = |x|);
// otherwise 1 - 2/(exp(2a) + 1) (exp from assembly/exp.ts; 1 for large a). Within a few ulp of
// tanh; odd exactly (tanh(-0) = -0); NaN gives NaN.
const T0: f32 = -5.70498872745e-3;
const T1: f32 = 2.06390887954e-2;
const T2: f32 = -5.37397155531e-2;
const T3: f32 = 1.33314422036e-1;
const T4: f32 = -3.33332819422e-1;
const TSMALL: f32 = 0.625;

// @ts-ignore: decorator
@inline function tanhS(x: f32): f32 {
  const a = Mathf.abs(x);
  let t: f32;
  if (a < TSMALL) {
    const z = a * a;
    const p = (((T0 * z + T1) * z + T2) * z + T3) * z + T4;
    t = a + a * (z * p);
  } else {
    t = <f32>1 - <f32>2 / (expS(a + a) + 1);
  }
  return reinterpret<f32>(reinterpret<u32>(t) | (reinterpret<u32>(x) & 0x80000000));
}

// @ts-ignore: decorator
@inline function tanhV(x: v128, one: v128, two: v128, sign: v128): v128 {
  const a = f32x4.abs(x);
  const z = f32x4.mul(a, a);
  let p = f32x4.add(f32x4.mul(f32x4.splat(T0), z), f32x4.splat(T1));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(T2));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(T3));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(T4));
  const small = f32x4.add(a, f32x4.mul(a, f32x4.mul(z, p)));
  const large = f32x4.sub(one, f32x4.div(two, f32x4.add(expV(f32x4.add(a, a)), one)));
  const t = v128.bitselect(small, large, f32x4.lt(a, f32x4.splat(TSMALL)));
  return v128.or(t, v128.and(x, sign));
}

/** out[i] = sigmoid(a[i]). */
export function sigmoid_f32_simd(out: usize, a: usize, n: i32): void {
  if (n <= 0) return;
  const one = f32x4.splat(1);
  const zero = f32x4.splat(0);
  const end = out + (<usize>n << 2);
  const end4 = out + (<usize>(n & ~3) << 2);
  while (out < end4) {
    const x = v128.load(a);
    const e = expV(f32x4.neg(f32x4.abs(x)));
    const d = f32x4.add(one, e);
    v128.store(out, f32x4.div(v128.bitselect(one, e, f32x4.ge(x, zero)), d));
    out += 16; a += 16;
  }
  while (out < end) {
    store<f32>(out, sigmoidS(load<f32>(a)));
    out += 4; a += 4;
  }
}

export function sigmoid_f32_scalar(out: usize, a: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const off = <usize>i << 2;
    store<f32>(out + off, sigmoidS(load<f32>(a + off)));
  }
}

/** out[i] = tanh(a[i]). */
export function tanh_f32_simd(out: usize, a: usize, n: i32): void {
  if (n <= 0) return;
  const end = out + (<usize>n << 2);
  const end4 = out + (<usize>(n & ~3) << 2);
  const one = f32x4.splat(1), two = f32x4.splat(2), sign = i32x4.splat(0x80000000);
  while (out < end4) {
    v128.store(out, tanhV(v128.load(a), one, two, sign));
    out += 16; a += 16;
  }
  while (out < end) {
    store<f32>(out, tanhS(load<f32>(a)));
    out += 4; a += 4;
  }
}

export function tanh_f32_scalar(out: usize, a: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const off = <usize>i << 2;
    store<f32>(out + off, tanhS(load<f32>(a + off)));
  }
}

const B_SIGMOID: i32 = 0;
const B_TANH: i32 = 1;

/** The backward expression on one lane set; `op` is a compile-time constant. */
// @ts-ignore: decorator
@inline function backV(op: i32, g: v128, y: v128, one: v128): v128 {
  if (op == B_SIGMOID) return f32x4.mul(f32x4.mul(g, f32x4.sub(one, y)), y);
  return f32x4.mul(g, f32x4.sub(one, f32x4.mul(y, y)));
}

// @ts-ignore: decorator
@inline function backS(op: i32, g: f32, y: f32): f32 {
  if (op == B_SIGMOID) return g * (1 - y) * y;
  return g * (1 - y * y);
}

// @ts-ignore: decorator
@inline function backLoop(op: i32, simd: bool, dx: usize, dy: usize, y: usize, n: i32): void {
  if (n <= 0) return;
  const end = dx + (<usize>n << 2);
  if (simd) {
    const one = f32x4.splat(1);
    const end16 = dx + (<usize>(n & ~15) << 2);
    const end4 = dx + (<usize>(n & ~3) << 2);
    while (dx < end16) {
      const y0 = v128.load(y), y1 = v128.load(y, 16), y2 = v128.load(y, 32), y3 = v128.load(y, 48);
      const g0 = v128.load(dy), g1 = v128.load(dy, 16), g2 = v128.load(dy, 32), g3 = v128.load(dy, 48);
      v128.store(dx, backV(op, g0, y0, one));
      v128.store(dx, backV(op, g1, y1, one), 16);
      v128.store(dx, backV(op, g2, y2, one), 32);
      v128.store(dx, backV(op, g3, y3, one), 48);
      dx += 64; dy += 64; y += 64;
    }
    while (dx < end4) {
      v128.store(dx, backV(op, v128.load(dy), v128.load(y), one));
      dx += 16; dy += 16; y += 16;
    }
  }
  while (dx < end) {
    store<f32>(dx, backS(op, load<f32>(dy), load<f32>(y)));
    dx += 4; dy += 4; y += 4;
  }
}

/** dx[i] = (dy[i] * (1 - y[i])) * y[i], y = sigmoid(x). dx may equal dy or y. */
export function sigmoid_backward_f32_simd(dx: usize, dy: usize, y: usize, n: i32): void {
  backLoop(B_SIGMOID, true, dx, dy, y, n);
}

export function sigmoid_backward_f32_scalar(dx: usize, dy: usize, y: usize, n: i32): void {
  backLoop(B_SIGMOID, false, dx, dy, y, n);
}

/** dx[i] = dy[i] * (1 - y[i]*y[i]), y = tanh(x). dx may equal dy or y. */
export function tanh_backward_f32_simd(dx: usize, dy: usize, y: usize, n: i32): void {
  backLoop(B_TANH, true, dx, dy, y, n);
}

export function tanh_backward_f32_scalar(dx: usize, dy: usize, y: usize, n: i32): void {
  backLoop(B_TANH, false, dx, dy, y, n);
}
