// Float64 references with error bounds for the convolution kernel tests (test/kernels/): a
// reference value and the magnitude of its terms per element, and the check against them.
import { expect } from 'vitest';
import type { ConvRefOptions, RefResult } from '../reference/conv.js';

/** A table case of the convolution tests: x NCHW, w OIHW, and the options. */
export interface ConvCase {
  name: string;
  x: [number, number, number, number];
  w: [number, number, number, number];
  opts: ConvRefOptions;
}

/** Error bound per element: RTOL * Σ|terms| (the terms of the float64 reference sum). */
export const RTOL = 1e-5;

/** A float64 reference: value and Σ|terms| per element (the scale of its rounding error). */
export interface Ref {
  val: Float64Array;
  mag: Float64Array;
}

export function newRef(n: number): Ref {
  return { val: new Float64Array(n), mag: new Float64Array(n) };
}

/** got[idx(i)] ≈ ref.val[i] within RTOL * ref.mag[i] (plus `base` added to both when accumulating). */
export function expectNear(got: Float32Array, ref: Ref, ctx: string, at: (i: number) => number = (i) => i, base?: Float32Array): void {
  const bad: string[] = [];
  for (let i = 0; i < ref.val.length && bad.length < 5; i++) {
    const b = base ? base[at(i)] : 0;
    const want = ref.val[i] + b;
    const g = got[at(i)];
    const tol = RTOL * (ref.mag[i] + Math.abs(b)) + 1e-30;
    if (!(Math.abs(g - want) <= tol)) bad.push(`[${i}] got ${g} want ${want}`);
  }
  expect(bad, ctx).toEqual([]);
}

/** Σ a[i]*b[i] in float64, with Σ|a[i]*b[i]|. */
export function dot64(a: ArrayLike<number>, b: ArrayLike<number>): { val: number; mag: number } {
  let val = 0, mag = 0;
  for (let i = 0; i < a.length; i++) {
    val += a[i] * b[i];
    mag += Math.abs(a[i] * b[i]);
  }
  return { val, mag };
}

/** |got - ref| <= rtol * Σ|terms| + atol * max Σ|terms| per element (as test/conv.test.ts), for a RefResult of test/reference/conv.ts. */
export function expectCloseToRef(label: string, got: Float32Array, ref: RefResult, rtol = 2e-5, atol = 1e-6): void {
  let maxMag = 0;
  for (let i = 0; i < ref.mag.length; i++) maxMag = Math.max(maxMag, ref.mag[i]!);
  const bad: string[] = [];
  for (let i = 0; i < got.length && bad.length < 5; i++) {
    if (!(Math.abs(got[i]! - ref.data[i]!) <= rtol * ref.mag[i]! + atol * maxMag)) bad.push(`[${i}] got ${got[i]} want ${ref.data[i]}`);
  }
  expect(got.length, `${label}: length`).toBe(ref.data.length);
  expect(bad, label).toEqual([]);
}
