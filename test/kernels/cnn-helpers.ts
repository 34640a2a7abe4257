// Shared by the CNN kernel tests (pool, activation, softmax): comparisons with float64 references,
// guarded calls of both twins, and the PyTorch fixture file.
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import type { RawWasm } from '../helpers/raw-wasm.js';
import { readRegion, region, writesOutside, type Region } from '../helpers/guarded.js';

/** |got - want| <= rtol*|want| + atol elementwise; NaN must meet NaN and infinities must match. */
export function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, ctx: string, rtol = 2e-6, atol = 1e-7): void {
  expect(got.length, ctx).toBe(want.length);
  const bad: string[] = [];
  for (let i = 0; i < want.length && bad.length < 5; i++) {
    const g = got[i];
    const e = want[i];
    const ok = Number.isNaN(e) ? Number.isNaN(g) : Number.isFinite(e) ? Math.abs(g - e) <= rtol * Math.abs(e) + atol : g === e;
    if (!ok) bad.push(`[${i}] got ${g} want ${e}`);
  }
  expect(bad, ctx).toEqual([]);
}

/** Bitwise-equal arrays (any NaN matches any NaN; +0 and -0 differ): the twins' contract. */
export function expectSameBits(a: ArrayLike<number>, b: ArrayLike<number>, ctx: string): void {
  expect(a.length, ctx).toBe(b.length);
  const bad: string[] = [];
  for (let i = 0; i < a.length && bad.length < 5; i++) {
    const same = Number.isNaN(a[i]) ? Number.isNaN(b[i]) : Object.is(a[i], b[i]);
    if (!same) bad.push(`[${i}] ${a[i]} vs ${b[i]}`);
  }
  expect(bad, ctx).toEqual([]);
}

/** A guarded output region; `i32` reads it back as Int32Array. */
export function out(w: RawWasm, len: number, unaligned = false): Region {
  return region(w, len, undefined, unaligned);
}

export function readI32(w: RawWasm, r: Region): Int32Array {
  return new Int32Array(w.memory.buffer, r.ptr, r.len).slice();
}

/** Reads the region and checks nothing outside it (or at rejected offsets) was written. */
export function readChecked(w: RawWasm, r: Region, ctx: string): Float32Array {
  expect(writesOutside(w, r), `${ctx}: written outside the output`).toEqual([]);
  return readRegion(w, r);
}

/** f32 data at a 4-mod-16 address when `unaligned` (the kernels accept any 4-byte alignment). */
export function input(w: RawWasm, data: ArrayLike<number>, unaligned = false): number {
  return region(w, data.length, data, unaligned).ptr;
}

/** Copy of `data` with NaN, +Inf and -Inf planted at a few seeded positions. */
export function withSpecials(data: Float32Array, every: number): Float32Array {
  const d = data.slice();
  const specials = [NaN, Infinity, -Infinity];
  for (let i = 3, k = 0; i < d.length; i += every, k++) d[i] = specials[k % 3];
  return d;
}

/** The PyTorch fixtures written by test/fixtures/make_cnn_fixtures.py. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const CNN_FIXTURES: any = JSON.parse(
  readFileSync(new URL('../fixtures/cnn.json', import.meta.url), 'utf8'),
);

/** [a, a] for a number, the pair itself otherwise. */
export function pair(v: number | number[]): [number, number] {
  return typeof v === 'number' ? [v, v] : [v[0], v[1]];
}

/** Fixture cases as `it.each` rows: [name, case]. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function named(cases: any[], name: (c: any, i: number) => string): [string, any][] {
  return cases.map((c, i) => [name(c, i), c]);
}
