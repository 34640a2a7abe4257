// Small @inline helpers shared by the correlation kernels. Not re-exported from index.ts: this
// module adds no wasm exports.

/** s + x*k, rounded twice (mul then add: the same result on every engine, unlike a fused madd). */
@inline
export function madd(s: v128, x: v128, k: v128): v128 {
  return f32x4.add(s, f32x4.mul(x, k));
}

/** Lanes 4-rem .. 3 set: the lanes of an overlapping tail vector not handled before. */
@inline
export function tailMask(rem: i32): v128 {
  return i32x4.gt_s(i32x4(0, 1, 2, 3), i32x4.splat(3 - rem));
}

@inline
export function imax(a: i32, b: i32): i32 {
  return a > b ? a : b;
}

@inline
export function imin(a: i32, b: i32): i32 {
  return a < b ? a : b;
}
