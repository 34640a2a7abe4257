// Shared data and checks of the tensor kernel tests (test/kernels/ elementwise, reduce, copy,
// random): lengths that reach every SIMD tail, exact and relative comparisons, strided index walks.
import { expect } from 'vitest';
import { randArray as uniformArray } from './random.js';

/** Lengths reaching every tail of a 16-wide body + 4-wide body + scalar tail. */
export const LENGTHS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 15, 16, 17, 31, 32, 33, 100];
export const NONZERO_LENGTHS = LENGTHS.filter((n) => n > 0);
export const fr = Math.fround;

/** Test data uniform in [lo, hi), [-4, 4) unless given. */
export const randArray = (n: number, seed: number, lo = -4, hi = 4): Float32Array => uniformArray(n, seed, lo, hi);

/** The bit patterns of `a`'s elements (a view: compare two with toEqual for bitwise equality). */
export function bits(a: Float32Array): Uint32Array {
  return new Uint32Array(a.buffer, a.byteOffset, a.length);
}

/** The same value, NaN matching any NaN and +0 differing from -0. */
export function sameValue(got: number, want: number): boolean {
  return Number.isNaN(want) ? Number.isNaN(got) : Object.is(got, want);
}

/** Bitwise-equal values (NaN matches any NaN; +0 and -0 differ). `want` is rounded to f32 first. */
export function expectExact(got: ArrayLike<number>, want: ArrayLike<number>, ctx: string): void {
  expect(got.length, ctx).toBe(want.length);
  const bad: string[] = [];
  for (let i = 0; i < want.length && bad.length < 5; i++) {
    if (!sameValue(got[i], fr(want[i]))) bad.push(`[${i}] got ${got[i]} want ${fr(want[i])}`);
  }
  expect(bad, ctx).toEqual([]);
}

/** |got - want| <= rtol * |want| (infinities and NaN must match exactly). */
export function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, rtol: number, ctx: string): void {
  expect(got.length, ctx).toBe(want.length);
  const bad: string[] = [];
  for (let i = 0; i < want.length && bad.length < 5; i++) {
    const g = got[i];
    const e = want[i];
    const ok = Number.isFinite(e) ? Math.abs(g - e) <= rtol * Math.abs(e) + 1e-37 : sameValue(g, fr(e));
    if (!ok) bad.push(`[${i}] got ${g} want ${e}`);
  }
  expect(bad, ctx).toEqual([]);
}

/** Row-major strides (elements) of `shape`. */
export function contiguousStrides(shape: number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    s[d] = acc;
    acc *= shape[d];
  }
  return s;
}

/** Calls fn(offsetA, offsetB, flat) for every index tuple of shape, in row-major order. */
export function forEachIndex(shape: number[], strides: number[][], fn: (offs: number[], flat: number) => void): void {
  const size = shape.reduce((p, x) => p * x, 1);
  const idx = new Array<number>(shape.length).fill(0);
  for (let flat = 0; flat < size; flat++) {
    fn(
      strides.map((st) => idx.reduce((acc, i, d) => acc + i * st[d], 0)),
      flat,
    );
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++idx[d] < shape[d]) break;
      idx[d] = 0;
    }
  }
}

/** Elements spanned by a strided view: buffer length and the index of element [0,...,0]. */
export function viewSpan(shape: number[], strides: number[]): { len: number; origin: number } {
  let lo = 0;
  let hi = 0;
  shape.forEach((n, d) => {
    if (n === 0) return;
    const ext = (n - 1) * strides[d];
    if (ext < 0) lo += ext;
    else hi += ext;
  });
  return { len: hi - lo + 1, origin: -lo };
}
