// exp(x) as a fixed sequence of f32 operations (Cephes' expf polynomial), lane-wise for f32x4
// (expV) and element-wise for f32 (expS): the two give bitwise the same result for every input,
// on every engine (mul and add are separate, correctly rounded operations; no fused multiply-add).
// Not re-exported from index.ts: this module adds no wasm exports. Each kernel calls the one
// out-of-line copy of each (the @inline exports are thin wrappers: an exported function with a
// v128 signature draws asc's AS112 warning).
//
//   t = x < -110 ? -110 : x; t = 100 < t ? 100 : t      (NaN stays NaN; f32x4.pmax / pmin)
//   k = t * log2(e) + 1.5*2^23; nf = k - 1.5*2^23       (the add rounds to an integer, ties to
//       even); n = bits(k) - bits(1.5*2^23), an integer in [-159, 145]
//   r = (t - nf*C1) - nf*C2          (C1 + C2 = ln 2; nf*C1 is exact)
//   p = Horner(r) with Cephes' six coefficients; y = (p*r*r + r) + 1 = e^r, |r| <= ln(2)/2
//   exp(x) = (y * 2^(n >> 1)) * 2^(n - (n >> 1))  (two normal scale factors: no overflow of the
//            exponent field, and the second product rounds a subnormal result once)
// Accuracy: within 2 ulp of exp over the normal range (checked against Math.exp in the tests);
// exp(x) = 0 for x < -103.97, +Inf for x > 88.73, exp(-Inf) = 0, exp(+Inf) = +Inf.

const LOG2E: f32 = 1.44269504088896341;
const C1: f32 = 0.693359375;
const C2: f32 = -2.12194440e-4;
const P0: f32 = 1.9875691500e-4;
const P1: f32 = 1.3981999507e-3;
const P2: f32 = 8.3334519073e-3;
const P3: f32 = 4.1665795894e-2;
const P4: f32 = 1.6666665459e-1;
const P5: f32 = 5.0000001201e-1;
const MAGIC: f32 = 12582912; // 1.5 * 2^23
const MAGIC_BITS: i32 = 0x4b400000;
const LO: f32 = -110;
const HI: f32 = 100;

/** 2^k for an integer k in [-126, 127], as f32 bits. */
// @ts-ignore: decorator
@inline function pow2S(k: i32): f32 {
  return reinterpret<f32>((k + 127) << 23);
}

/** exp(x), scalar: the same operations as expV, in the same order (one out-of-line copy). */
// @ts-ignore: decorator
@inline export function expS(x: f32): f32 {
  return expScalar(x);
}

/** exp of each lane of x (see the file header; one out-of-line copy). */
// @ts-ignore: decorator
@inline export function expV(x: v128): v128 {
  return expVector(x);
}

function expScalar(x: f32): f32 {
  const t0 = x < LO ? LO : x;
  const t = HI < t0 ? HI : t0;
  const k = t * LOG2E + MAGIC;
  const nf = k - MAGIC;
  const n = reinterpret<i32>(k) - MAGIC_BITS;
  const r = (t - nf * C1) - nf * C2;
  let p = P0 * r + P1;
  p = p * r + P2;
  p = p * r + P3;
  p = p * r + P4;
  p = p * r + P5;
  const y = (p * (r * r) + r) + 1;
  const n1 = n >> 1;
  return (y * pow2S(n1)) * pow2S(n - n1);
}

function expVector(x: v128): v128 {
  const t = f32x4.pmin(f32x4.pmax(x, f32x4.splat(LO)), f32x4.splat(HI));
  const k = f32x4.add(f32x4.mul(t, f32x4.splat(LOG2E)), f32x4.splat(MAGIC));
  const nf = f32x4.sub(k, f32x4.splat(MAGIC));
  const n = i32x4.sub(k, i32x4.splat(MAGIC_BITS));
  const r = f32x4.sub(f32x4.sub(t, f32x4.mul(nf, f32x4.splat(C1))), f32x4.mul(nf, f32x4.splat(C2)));
  let p = f32x4.add(f32x4.mul(f32x4.splat(P0), r), f32x4.splat(P1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(P2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(P3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(P4));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(P5));
  const y = f32x4.add(f32x4.add(f32x4.mul(p, f32x4.mul(r, r)), r), f32x4.splat(1));
  const n1 = i32x4.shr_s(n, 1);
  const bias = i32x4.splat(127);
  const s1 = i32x4.shl(i32x4.add(n1, bias), 23);
  const s2 = i32x4.shl(i32x4.add(i32x4.sub(n, n1), bias), 23);
  return f32x4.mul(f32x4.mul(y, s1), s2);
}
