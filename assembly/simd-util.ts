// Small @inline helpers shared by the SIMD kernels. Not re-exported from index.ts: this module
// adds no wasm exports.

/** s + x*k, rounded twice (mul then add: the same result on every engine, unlike a fused madd). */
@inline
export function madd(s: v128, x: v128, k: v128): v128 {
  return f32x4.add(s, f32x4.mul(x, k));
}

/** (l0 + l1) + (l2 + l3) of a f32x4: the horizontal sum in the order the scalar twins reproduce. */
@inline
export function hsum(v: v128): f32 {
  return (f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1)) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}

/** Lane r = (l0 + l1) + (l2 + l3) of the r-th argument: hsum of four vectors, in hsum's order. */
@inline
export function hsum4(a: v128, b: v128, c: v128, d: v128): v128 {
  const u = f32x4.add(v128.shuffle<f32>(a, b, 0, 2, 4, 6), v128.shuffle<f32>(a, b, 1, 3, 5, 7));
  const w = f32x4.add(v128.shuffle<f32>(c, d, 0, 2, 4, 6), v128.shuffle<f32>(c, d, 1, 3, 5, 7));
  return f32x4.add(v128.shuffle<f32>(u, w, 0, 2, 4, 6), v128.shuffle<f32>(u, w, 1, 3, 5, 7));
}

/** The floats at p, p + s, p + 2s, p + 3s (bytes) as lanes 0..3. */
@inline
export function gather4(p: usize, s: usize): v128 {
  let v = v128.load32_zero(p);
  v = v128.load32_lane(p + s, v, 1);
  v = v128.load32_lane(p + 2 * s, v, 2);
  return v128.load32_lane(p + 3 * s, v, 3);
}

/** Lanes 0..3 of v to p, p + s, p + 2s, p + 3s (bytes), in that order. */
@inline
export function scatter4(p: usize, s: usize, v: v128): void {
  v128.store32_lane(p, v, 0);
  v128.store32_lane(p + s, v, 1);
  v128.store32_lane(p + 2 * s, v, 2);
  v128.store32_lane(p + 3 * s, v, 3);
}

/** Lanes 4-rem .. 3 set: the lanes of an overlapping tail vector not handled before. */
@inline
export function tailMask(rem: i32): v128 {
  return i32x4.gt_s(i32x4(0, 1, 2, 3), i32x4.splat(3 - rem));
}

/** d[i] = 0 for i < n (n >= 0, contiguous): a 4-wide body, a scalar tail. */
@inline
export function zeroRun(d: usize, n: i32): void {
  const e = d + (<usize>n << 2);
  while (d + 16 <= e) {
    v128.store(d, f32x4.splat(0));
    d += 16;
  }
  while (d < e) {
    store<f32>(d, 0);
    d += 4;
  }
}

/** d[i] = v for i < n (n >= 0, contiguous): a 16-wide body, a 4-wide body, a scalar tail. vv = splat(v). */
@inline
export function fillRun(d: usize, n: i32, v: f32, vv: v128): void {
  const end = d + (<usize>n << 2);
  const end16 = d + (<usize>(n & ~15) << 2);
  const end4 = d + (<usize>(n & ~3) << 2);
  while (d < end16) {
    v128.store(d, vv);
    v128.store(d, vv, 16);
    v128.store(d, vv, 32);
    v128.store(d, vv, 48);
    d += 64;
  }
  while (d < end4) {
    v128.store(d, vv);
    d += 16;
  }
  while (d < end) {
    store<f32>(d, v);
    d += 4;
  }
}

@inline
export function imax(a: i32, b: i32): i32 {
  return a > b ? a : b;
}

@inline
export function imin(a: i32, b: i32): i32 {
  return a < b ? a : b;
}
