// Tests of copy_strided, fill_strided and copy_f32 (assembly/copy.ts) called directly on the test
// build: both twins against a naive gather/scatter over every row kind, flips and gaps, random
// shapes and strides (property-based), memmove semantics, with guard values around every output.
import { describe, it } from 'vitest';
import fc from 'fast-check';
import { VARIANTS, kernel, type Variant } from '../helpers/raw-wasm.js';
import { SENTINEL, readRegion, region } from '../helpers/guarded.js';
import { expectUntouched, useRawWasm, w } from '../helpers/kernel-wasm.js';
import { LENGTHS, contiguousStrides, expectExact, forEachIndex, randArray, viewSpan } from '../helpers/tensor-checks.js';

useRawWasm();

// Strided copy and fill

interface CopyCase {
  name: string;
  shape: number[];
  ds: number[];
  ss: number[];
}

/** Strided layouts for an inner length n: each SIMD row kind, flips of the destination, fallbacks. */
function copyCases(n: number): CopyCase[] {
  return [
    { name: '1d (1,1)', shape: [n], ds: [1], ss: [1] },
    { name: '1d (1,-1) reversed src', shape: [n], ds: [1], ss: [-1] },
    { name: '1d (1,0) broadcast', shape: [n], ds: [1], ss: [0] },
    { name: '1d (-1,1) reversed dst', shape: [n], ds: [-1], ss: [1] },
    { name: '1d (-1,-1)', shape: [n], ds: [-1], ss: [-1] },
    { name: '1d (-1,0)', shape: [n], ds: [-1], ss: [0] },
    { name: '1d (-1,2) fallback', shape: [n], ds: [-1], ss: [2] },
    { name: '1d (2,3) fallback', shape: [n], ds: [2], ss: [3] },
    { name: '2d transpose gather', shape: [3, n], ds: [n, 1], ss: [1, 3] },
    { name: '2d transpose, 4x4 blocks and both edges', shape: [9, n], ds: [n, 1], ss: [1, 9] },
    { name: '2d transpose, gapped source', shape: [8, n], ds: [n, 1], ss: [1, 11] },
    { name: '2d transpose into a reversed dst row', shape: [5, n], ds: [n, -1], ss: [1, 5] },
    { name: '3d transposes, flipped dst rows', shape: [2, 6, n], ds: [6 * n, -n, 1], ss: [6 * n + 3, 1, 6] },
    { name: '4d transposes (channels-last copy)', shape: [2, 3, 4, n], ds: [12 * n, 4 * n, n, 1], ss: [-(3 * 4 * n), 4 * n, 1, 4] },
    { name: '2d flip both axes', shape: [3, n], ds: [n, 1], ss: [-n, -1] },
    { name: '2d dst with gaps', shape: [3, n], ds: [2 * n + 1, 2], ss: [n, 1] },
    { name: '2d dst transposed (scatter)', shape: [n, 3], ds: [1, n], ss: [3, 1] },
    { name: '3d broadcast outer, flip inner', shape: [2, 3, n], ds: [3 * n, n, 1], ss: [0, n, -1] },
    { name: '3d flipped dst axes', shape: [2, 3, n], ds: [-3 * n, n, -1], ss: [3 * n, n, 1] },
    { name: '4d extent-1 axis', shape: [2, 1, 3, n], ds: [3 * n, 3 * n, n, 1], ss: [-3 * n, 5, n, 1] },
    {
      name: '8d',
      shape: [2, 1, 2, 1, 2, 1, 2, n],
      ds: contiguousStrides([2, 1, 2, 1, 2, 1, 2, n]),
      ss: [8 * n, 0, -4 * n, 0, 2 * n, 0, -n, 1],
    },
  ];
}

/** Runs copy_strided on guarded buffers and compares the WHOLE destination block with a naive scatter. */
function checkCopyStrided(v: Variant, c: CopyCase, unaligned: boolean, seed: number): void {
  const ndim = c.shape.length;
  const sd = viewSpan(c.shape, c.ds);
  const ssp = viewSpan(c.shape, c.ss);
  const src = randArray(ssp.len, seed);
  const rs = region(w, ssp.len, src, unaligned);
  const rd = region(w, sd.len, undefined, unaligned);
  const dstInit = new Float32Array(sd.len).fill(SENTINEL);
  new Float32Array(w.memory.buffer, rd.ptr, sd.len).set(dstInit);
  const want = Array.from(dstInit);
  forEachIndex(c.shape, [c.ds, c.ss], ([od, os]) => {
    want[sd.origin + od] = src[ssp.origin + os];
  });
  const meta = w.allocI32(3 * ndim, [...c.shape, ...c.ds, ...c.ss]);
  kernel(w, 'copy_strided', v)(rd.ptr + sd.origin * 4, rs.ptr + ssp.origin * 4, meta, ndim);
  const ctx = `copy_strided_${v} ${c.name} shape=${c.shape} ds=${c.ds} ss=${c.ss} unaligned=${unaligned}`;
  expectExact(readRegion(w, rd), want, ctx);
  expectUntouched(rd, ctx);
}

function checkFillStrided(v: Variant, shape: number[], ds: number[], unaligned: boolean): void {
  const ndim = shape.length;
  const sd = viewSpan(shape, ds);
  const rd = region(w, sd.len, new Float32Array(sd.len).fill(SENTINEL), unaligned);
  const want = new Array<number>(sd.len).fill(SENTINEL);
  forEachIndex(shape, [ds], ([od]) => {
    want[sd.origin + od] = 7.25;
  });
  const meta = w.allocI32(2 * ndim, [...shape, ...ds]);
  kernel(w, 'fill_strided', v)(rd.ptr + sd.origin * 4, meta, ndim, 7.25);
  const ctx = `fill_strided_${v} shape=${shape} ds=${ds} unaligned=${unaligned}`;
  expectExact(readRegion(w, rd), want, ctx);
  expectUntouched(rd, ctx);
}

describe.each(VARIANTS)('copy and fill (%s)', (v) => {
  it.each(copyCases(1).map((c) => c.name))('copy_strided %s: every length', (name) => {
    for (const n of LENGTHS) {
      for (const unaligned of [false, true]) {
        checkCopyStrided(v, copyCases(n).find((c) => c.name === name)!, unaligned, n + 3);
        w.reset();
      }
    }
  });

  it('fill_strided: contiguous, reversed, gapped and multi-dim destinations', () => {
    for (const n of LENGTHS) {
      for (const unaligned of [false, true]) {
        for (const [shape, ds] of [
          [[n], [1]],
          [[n], [-1]],
          [[n], [3]],
          [[3, n], [n, 1]],
          [[3, n], [-n, -1]],
          [[2, 3, n], [3 * (2 * n + 1), 2 * n + 1, 2]],
          [[n, 3], [1, n]],
          [[2, 1, 2, n], [-2 * n, 0, n, 1]],
        ] as [number[], number[]][]) {
          checkFillStrided(v, shape, ds, unaligned);
          w.reset();
        }
      }
    }
  });

});

describe('copy_f32', () => {
  it('copies n floats, nothing else', () => {
    for (const n of LENGTHS) {
      for (const unaligned of [false, true]) {
        const src = randArray(n, n);
        const rs = region(w, n, src, unaligned);
        const rd = region(w, n, undefined, !unaligned);
        kernel(w, 'copy_f32')(rd.ptr, rs.ptr, n);
        expectExact(readRegion(w, rd), src, `copy_f32 n=${n}`);
        expectUntouched(rd, `copy_f32 n=${n}`);
        w.reset();
      }
    }
  });

  it('is memmove-safe for overlapping ranges', () => {
    const data = randArray(40, 1);
    const r = region(w, 40, data);
    kernel(w, 'copy_f32')(r.ptr + 12, r.ptr, 30); // forward overlap
    expectExact(readRegion(w, r).subarray(3, 33), data.subarray(0, 30), 'forward');
    const r2 = region(w, 40, data);
    kernel(w, 'copy_f32')(r2.ptr, r2.ptr + 20, 35); // backward overlap
    expectExact(readRegion(w, r2).subarray(0, 35), data.subarray(5, 40), 'backward');
  });
});

describe('strided copy/fill properties', () => {
  /** A non-self-overlapping layout: axes in a random order, each optionally flipped and gapped. */
  const layoutArb = fc.integer({ min: 1, max: 4 }).chain((ndim) =>
    fc.record({
      shape: fc.tuple(
        fc.array(fc.integer({ min: 1, max: 5 }), { minLength: ndim - 1, maxLength: ndim - 1 }),
        fc.integer({ min: 1, max: 23 }),
      ),
      perm: fc.shuffledSubarray([...Array(ndim).keys()], { minLength: ndim, maxLength: ndim }),
      flip: fc.array(fc.boolean(), { minLength: ndim, maxLength: ndim }),
      gap: fc.array(fc.integer({ min: 1, max: 2 }), { minLength: ndim, maxLength: ndim }),
      ss: fc.array(fc.integer({ min: -4, max: 4 }), { minLength: ndim, maxLength: ndim }),
      variant: fc.constantFrom(...VARIANTS),
      unaligned: fc.boolean(),
    }),
  );

  const dstStrides = (shape: number[], perm: number[], flip: boolean[], gap: number[]): number[] => {
    const ds = new Array<number>(shape.length);
    let cur = 1;
    for (let k = perm.length - 1; k >= 0; k--) {
      const axis = perm[k];
      ds[axis] = cur * gap[axis];
      cur = ds[axis] * shape[axis];
    }
    return ds.map((s, d) => (flip[d] ? -s : s));
  };

  it('copy_strided equals a naive gather/scatter for random shapes and strides', () => {
    fc.assert(
      fc.property(layoutArb, ({ shape: [outerDims, inner], perm, flip, gap, ss, variant, unaligned }) => {
        const shape = [...outerDims, inner];
        w.reset();
        checkCopyStrided(variant, { name: 'property', shape, ds: dstStrides(shape, perm, flip, gap), ss }, unaligned, inner);
      }),
      { numRuns: 400, seed: 7 },
    );
  });

  it('fill_strided equals a naive scatter for random shapes and strides', () => {
    fc.assert(
      fc.property(layoutArb, ({ shape: [outerDims, inner], perm, flip, gap, variant, unaligned }) => {
        const shape = [...outerDims, inner];
        w.reset();
        checkFillStrided(variant, shape, dstStrides(shape, perm, flip, gap), unaligned);
      }),
      { numRuns: 200, seed: 8 },
    );
  });
});
