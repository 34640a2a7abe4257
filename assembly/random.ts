// Counter-based random numbers: element i of a call is a pure function of (seed, counter + i),
// so results do not depend on the runtime, the variant (simd and scalar are bitwise identical),
// the thread count or how a tensor is split into calls.
//
// Generator (a keyed two-round integer hash in the Random123 sense):
//   mix(x)  = Chris Wellons' "lowbias32" 32-bit finalizer:
//             x ^= x >>> 16; x *= 0x7feb352d; x ^= x >>> 15; x *= 0x846ca68b; x ^= x >>> 16
//   keys    k0 = mix(seed ^ stream), k1 = mix(k0 + 0x9e3779b9)   (once per call)
//   bits(c) = mix(mix(c + k0) ^ k1)                                (c = counter + i, mod 2^32)
// For a fixed (seed, stream) bits() is a bijection of the 32-bit counter (no repeats within
// 2^32 elements); two chained rounds of lowbias32 give full avalanche, and the second key keeps
// different seeds from being shifted copies of one sequence.
//
// Uniform: u = (bits >>> 8) * 2^-24 in [0, 1 - 2^-24] (exact in f32), x = lo + (hi - lo) * u,
// then clamped to the largest float below hi (when hi > lo) so that x < hi despite rounding.
// Normal (Box-Muller, one output per element): u1 = ((bits1 >>> 8) + 1) * 2^-24 in (0, 1],
// u2 = (bits2 >>> 8) * 2^-24 in [0, 1), bits1/bits2 from streams NORMAL_1/NORMAL_2;
// z = sqrt(-2 ln u1) * cos(2π u2) in f32: ln is Mathf.log (AssemblyScript's own wasm code, so
// deterministic), cos(2π u2) a Cephes polynomial after an exact reduction to |2π f| <= π/4
// (cosTurn); both within ~1 ulp. Then x = mean + std * z in f32. |z| <= sqrt(48 ln 2) ≈ 5.77.

const STREAM_UNIFORM: u32 = 0x3c6ef372;
const STREAM_NORMAL_1: u32 = 0xa54ff53a;
const STREAM_NORMAL_2: u32 = 0x510e527f;
const GOLDEN: u32 = 0x9e3779b9;
const M1: u32 = 0x7feb352d;
const M2: u32 = 0x846ca68b;
const TWO_POW_M24: f32 = 5.9604644775390625e-8; // 2^-24
const TWO_PI: f32 = 6.283185307179586;
// Cephes' sinf and cosf polynomials on [-π/4, π/4].
const S0: f32 = -1.9515295891e-4;
const S1: f32 = 8.3321608736e-3;
const S2: f32 = -1.6666654611e-1;
const K0: f32 = 2.443315711809948e-5;
const K1: f32 = -1.388731625493765e-3;
const K2: f32 = 4.166664568298827e-2;

// @ts-ignore: decorator
@inline function mix(x: u32): u32 {
  x ^= x >>> 16;
  x *= M1;
  x ^= x >>> 15;
  x *= M2;
  x ^= x >>> 16;
  return x;
}

// @ts-ignore: decorator
@inline function mixV(x: v128, m1: v128, m2: v128): v128 {
  x = v128.xor(x, i32x4.shr_u(x, 16));
  x = i32x4.mul(x, m1);
  x = v128.xor(x, i32x4.shr_u(x, 15));
  x = i32x4.mul(x, m2);
  return v128.xor(x, i32x4.shr_u(x, 16));
}

// @ts-ignore: decorator
@inline function key0(seed: u32, stream: u32): u32 {
  return mix(seed ^ stream);
}

// @ts-ignore: decorator
@inline function key1(k0: u32): u32 {
  return mix(k0 + GOLDEN);
}

// @ts-ignore: decorator
@inline function bits(c: u32, k0: u32, k1: u32): u32 {
  return mix(mix(c + k0) ^ k1);
}

// @ts-ignore: decorator
@inline function bitsV(c: v128, k0: v128, k1: v128, m1: v128, m2: v128): v128 {
  return mixV(v128.xor(mixV(i32x4.add(c, k0), m1, m2), k1), m1, m2);
}

/** The largest f32 below hi when hi > lo (the clamp bound), else +Infinity (no clamp). */
// @ts-ignore: decorator
@inline function clampBound(lo: f32, hi: f32): f32 {
  if (!(hi > lo)) return Infinity;
  if (hi == 0) return -reinterpret<f32>(<u32>1); // -(smallest subnormal)
  const b = reinterpret<u32>(hi);
  return reinterpret<f32>(hi > 0 ? b - 1 : b + 1);
}

/**
 * out[i] = lo + (hi - lo) * u_i, u_i uniform in [0, 1) from (seed, counter + i); result < hi.
 * The f32 arithmetic is: span = hi - lo (once), x = lo + span * u, x = min(x, bound).
 */
export function rand_uniform_f32_simd(out: usize, n: i32, seed: u32, counter: u32, lo: f32, hi: f32): void {
  if (n <= 0) return;
  const k0 = key0(seed, STREAM_UNIFORM);
  const k1 = key1(k0);
  const span = hi - lo;
  const bound = clampBound(lo, hi);
  const k0v = i32x4.splat(k0), k1v = i32x4.splat(k1);
  const m1 = i32x4.splat(M1), m2 = i32x4.splat(M2);
  const scale = f32x4.splat(TWO_POW_M24);
  const spanv = f32x4.splat(span), lov = f32x4.splat(lo), boundv = f32x4.splat(bound);
  const four = i32x4.splat(4);
  let cv = i32x4.add(i32x4.splat(counter), i32x4(0, 1, 2, 3));
  const end = out + (<usize>n << 2);
  const end4 = out + (<usize>(n & ~3) << 2);
  while (out < end4) {
    const h = bitsV(cv, k0v, k1v, m1, m2);
    const u = f32x4.mul(f32x4.convert_i32x4_u(i32x4.shr_u(h, 8)), scale);
    v128.store(out, f32x4.min(f32x4.add(lov, f32x4.mul(spanv, u)), boundv));
    cv = i32x4.add(cv, four);
    out += 16;
  }
  let c = counter + <u32>(n & ~3);
  while (out < end) {
    const u = <f32>(bits(c, k0, k1) >>> 8) * TWO_POW_M24;
    store<f32>(out, Mathf.min(lo + span * u, bound));
    c++;
    out += 4;
  }
}

export function rand_uniform_f32_scalar(out: usize, n: i32, seed: u32, counter: u32, lo: f32, hi: f32): void {
  if (n <= 0) return;
  const k0 = key0(seed, STREAM_UNIFORM);
  const k1 = key1(k0);
  const span = hi - lo;
  const bound = clampBound(lo, hi);
  for (let i = 0; i < n; i++) {
    const u = <f32>(bits(counter + <u32>i, k0, k1) >>> 8) * TWO_POW_M24;
    store<f32>(out + (<usize>i << 2), Mathf.min(lo + span * u, bound));
  }
}

/**
 * cos(2π u) for u in [0, 1) a multiple of 2^-24 (see the file header): q = nearest(4u),
 * f = u - q/4 (exact, |f| <= 1/8), r = f * 2π, then Cephes' sinf/cosf polynomial of r by the
 * quadrant q mod 4 (cos r, -sin r, -cos r, sin r).
 */
function cosTurn(u: f32): f32 {
  const qf = nearest<f32>(u * 4);
  const r = (u - qf * 0.25) * TWO_PI;
  const z = r * r;
  const q = <i32>qf;
  let v: f32;
  if (q & 1) v = ((S0 * z + S1) * z + S2) * z * r + r;
  else v = ((K0 * z + K1) * z + K2) * z * z - 0.5 * z + 1;
  return (q + 1) & 2 ? -v : v;
}

/** Standard normal z from the two 32-bit hashes of one element (see the file header). */
function boxMuller(h1: u32, h2: u32): f32 {
  const u1 = <f32>((h1 >>> 8) + 1) * TWO_POW_M24; // (0, 1]
  const u2 = <f32>(h2 >>> 8) * TWO_POW_M24; // [0, 1)
  return Mathf.sqrt(<f32>-2 * Mathf.log(u1)) * cosTurn(u2);
}

/** out[i] = mean + std * z_i, z_i standard normal from (seed, counter + i) by Box-Muller. */
export function rand_normal_f32_simd(out: usize, n: i32, seed: u32, counter: u32, mean: f32, std: f32): void {
  if (n <= 0) return;
  const a0 = key0(seed, STREAM_NORMAL_1), a1 = key1(a0);
  const b0 = key0(seed, STREAM_NORMAL_2), b1 = key1(b0);
  const a0v = i32x4.splat(a0), a1v = i32x4.splat(a1);
  const b0v = i32x4.splat(b0), b1v = i32x4.splat(b1);
  const m1 = i32x4.splat(M1), m2 = i32x4.splat(M2);
  const meanv = f32x4.splat(mean), stdv = f32x4.splat(std);
  const four = i32x4.splat(4);
  let cv = i32x4.add(i32x4.splat(counter), i32x4(0, 1, 2, 3));
  const end = out + (<usize>n << 2);
  const end4 = out + (<usize>(n & ~3) << 2);
  while (out < end4) {
    const h1 = bitsV(cv, a0v, a1v, m1, m2);
    const h2 = bitsV(cv, b0v, b1v, m1, m2);
    let z = f32x4.splat(boxMuller(<u32>i32x4.extract_lane(h1, 0), <u32>i32x4.extract_lane(h2, 0)));
    z = f32x4.replace_lane(z, 1, boxMuller(<u32>i32x4.extract_lane(h1, 1), <u32>i32x4.extract_lane(h2, 1)));
    z = f32x4.replace_lane(z, 2, boxMuller(<u32>i32x4.extract_lane(h1, 2), <u32>i32x4.extract_lane(h2, 2)));
    z = f32x4.replace_lane(z, 3, boxMuller(<u32>i32x4.extract_lane(h1, 3), <u32>i32x4.extract_lane(h2, 3)));
    v128.store(out, f32x4.add(meanv, f32x4.mul(stdv, z)));
    cv = i32x4.add(cv, four);
    out += 16;
  }
  let c = counter + <u32>(n & ~3);
  while (out < end) {
    store<f32>(out, mean + std * boxMuller(bits(c, a0, a1), bits(c, b0, b1)));
    c++;
    out += 4;
  }
}

export function rand_normal_f32_scalar(out: usize, n: i32, seed: u32, counter: u32, mean: f32, std: f32): void {
  if (n <= 0) return;
  const a0 = key0(seed, STREAM_NORMAL_1), a1 = key1(a0);
  const b0 = key0(seed, STREAM_NORMAL_2), b1 = key1(b0);
  for (let i = 0; i < n; i++) {
    const c = counter + <u32>i;
    store<f32>(out + (<usize>i << 2), mean + std * boxMuller(bits(c, a0, a1), bits(c, b0, b1)));
  }
}
