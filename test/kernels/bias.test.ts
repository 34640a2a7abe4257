// Tests of bias_add and bias_grad, rows and cols (assembly/bias.ts) called directly on the test
// build: both twins against float64 references over lengths that reach every SIMD tail,
// accumulate on and off, guard values, and the bitwise agreement of the twins.
import { describe, expect, it } from 'vitest';
import { VARIANTS, kernel, type Variant } from '../helpers/raw-wasm.js';
import { readRegion, region } from '../helpers/guarded.js';
import { expectBitwise, expectUntouched, useRawWasm, w } from '../helpers/kernel-wasm.js';
import { expectNear, newRef } from '../helpers/conv-refs.js';
import { randArray } from '../helpers/random.js';

useRawWasm();

// bias

const BIAS_LENGTHS = [0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33, 100];

function runBiasAdd(kind: 'rows' | 'cols', v: Variant, rows: number, cols: number, unaligned: boolean, seed: number): void {
  const n = rows * cols;
  const yd = randArray(n, seed);
  const bd = randArray(kind === 'rows' ? rows : cols, seed + 1);
  const y = region(w, n, yd, unaligned);
  const b = region(w, bd.length, bd, !unaligned);
  kernel(w, `bias_add_${kind}`, v)(y.ptr, b.ptr, rows, cols);
  const want = Float32Array.from(yd, (val, i) => val + bd[kind === 'rows' ? Math.floor(i / cols) : i % cols]);
  const ctx = `bias_add_${kind}_${v} ${rows}x${cols}`;
  expect(readRegion(w, y), ctx).toEqual(want);
  expectUntouched(y, ctx);
}

function runBiasGrad(kind: 'rows' | 'cols', v: Variant, rows: number, cols: number, accumulate: boolean, unaligned: boolean, seed: number): Float32Array {
  const dyd = randArray(rows * cols, seed);
  const m = kind === 'rows' ? rows : cols;
  const db0 = accumulate ? randArray(m, seed + 1) : undefined;
  const dy = region(w, dyd.length, dyd, unaligned);
  const db = region(w, m, db0, !unaligned);
  kernel(w, `bias_grad_${kind}`, v)(dy.ptr, db.ptr, rows, cols, accumulate ? 1 : 0);
  const ref = newRef(m);
  dyd.forEach((val, i) => {
    const t = kind === 'rows' ? Math.floor(i / cols) : i % cols;
    ref.val[t] += val;
    ref.mag[t] += Math.abs(val);
  });
  const ctx = `bias_grad_${kind}_${v} ${rows}x${cols} acc=${accumulate}`;
  const got = readRegion(w, db);
  expectNear(got, ref, ctx, undefined, db0);
  expectUntouched(db, ctx);
  return got;
}

describe.each(VARIANTS)('bias (%s)', (v) => {
  it.each(['rows', 'cols'] as const)('bias_add_%s: every rows x cols in the length table', (kind) => {
    let seed = 1;
    for (const rows of BIAS_LENGTHS) {
      for (const cols of BIAS_LENGTHS) {
        w.reset();
        runBiasAdd(kind, v, rows, cols, seed % 2 === 1, seed++);
      }
    }
  });

  it.each(['rows', 'cols'] as const)('bias_grad_%s: every rows x cols, accumulate', (kind) => {
    let seed = 1;
    for (const rows of BIAS_LENGTHS) {
      for (const cols of BIAS_LENGTHS) {
        for (const accumulate of [false, true]) {
          w.reset();
          runBiasGrad(kind, v, rows, cols, accumulate, seed % 3 === 0, seed++);
        }
      }
    }
  });

  it('bias_grad_cols over more rows than one cache chunk (running sums across chunks)', () => {
    for (const [rows, cols] of [[3000, 5], [700, 20], [9000, 1], [40, 300]]) {
      for (const accumulate of [false, true]) {
        w.reset();
        runBiasGrad('cols', v, rows, cols, accumulate, false, rows + cols);
      }
    }
  });
});

describe('bias_grad: _simd and _scalar are bitwise equal', () => {
  it.each(['rows', 'cols'] as const)('%s', (kind) => {
    for (const [rows, cols] of [[1, 1], [3, 7], [5, 17], [9, 33], [2000, 3], [33, 100], [1, 1001], [1001, 1]]) {
      for (const accumulate of [false, true]) {
        w.reset();
        const a = runBiasGrad(kind, 'simd', rows, cols, accumulate, false, rows * cols);
        const b = runBiasGrad(kind, 'scalar', rows, cols, accumulate, false, rows * cols);
        expectBitwise(a, b, `${rows}x${cols} acc=${accumulate}`);
      }
    }
  });
});
