// Shared set-up and checks of the kernel tests (test/kernels/): one raw instance of the test build
// of the kernels (both twins) per test file, reset before every test, and the checks on guarded
// output regions and exact bits that every kernel family uses.
import { beforeAll, beforeEach, expect } from 'vitest';
import { writesOutside, type Region } from './guarded.js';
import { rawWasm, type RawWasm } from './raw-wasm.js';

/** The instance of the current test file (set by useRawWasm). */
export let w: RawWasm;

/** Instantiates the kernels for this test file and forgets every allocation before each test. */
export function useRawWasm(): void {
  beforeAll(() => {
    w = rawWasm();
  });
  beforeEach(() => w.reset());
}

/** Sentinels before and after the region, and at every in-region index `written` does not claim. */
export function expectUntouched(r: Region, ctx: string, written: (i: number) => boolean = () => true): void {
  expect(writesOutside(w, r, written).slice(0, 8), `${ctx}: written outside the output (offsets relative to it)`).toEqual([]);
}

/** The same f32 bits (distinguishes -0 and +0). */
export function expectBitwise(a: Float32Array, b: Float32Array, ctx: string): void {
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  const bad: string[] = [];
  for (let i = 0; i < ua.length && bad.length < 5; i++) if (ua[i] !== ub[i]) bad.push(`[${i}] ${a[i]} vs ${b[i]}`);
  expect(bad, ctx).toEqual([]);
}
