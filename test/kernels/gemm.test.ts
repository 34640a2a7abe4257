// Tests of gemm, gemm_nt and gemm_tn (assembly/gemm.ts) called directly on the test build: both
// twins against float64 references over sizes that reach every register tile and tail, padded
// leading dimensions, accumulate on and off, guard values inside the row padding of every output,
// and the bitwise agreement of the twins (documented summation order).
import { describe, it } from 'vitest';
import fc from 'fast-check';
import { VARIANTS, kernel, type Variant } from '../helpers/raw-wasm.js';
import { SENTINEL, readRegion, region } from '../helpers/guarded.js';
import { expectBitwise, expectUntouched, useRawWasm, w } from '../helpers/kernel-wasm.js';
import { expectNear, newRef, type Ref } from '../helpers/conv-refs.js';
import { randArray } from '../helpers/random.js';

useRawWasm();

// gemm, gemm_nt, gemm_tn

type GemmKind = 'gemm' | 'gemm_nt' | 'gemm_tn';
const GEMM_KINDS: GemmKind[] = ['gemm', 'gemm_nt', 'gemm_tn'];

interface GemmCase {
  M: number;
  N: number;
  K: number;
  /** Extra elements per row beyond the width, for A, B, C. */
  pa: number;
  pb: number;
  pc: number;
  accumulate: boolean;
  unaligned: boolean;
  seed: number;
}

/** Stored shape (rows x cols) of A and B for a kind. */
function gemmShapes(kind: GemmKind, M: number, N: number, K: number): { ar: number; ac: number; br: number; bc: number } {
  return {
    ar: kind === 'gemm_tn' ? K : M,
    ac: kind === 'gemm_tn' ? M : K,
    br: kind === 'gemm_nt' ? N : K,
    bc: kind === 'gemm_nt' ? K : N,
  };
}

function gemmRef(kind: GemmKind, c: GemmCase, A: Float32Array, lda: number, B: Float32Array, ldb: number): Ref {
  const { M, N, K } = c;
  const r = newRef(M * N);
  const a = (i: number, k: number): number => (kind === 'gemm_tn' ? A[k * lda + i] : A[i * lda + k]);
  const b = (k: number, j: number): number => (kind === 'gemm_nt' ? B[j * ldb + k] : B[k * ldb + j]);
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = 0, m = 0;
      for (let k = 0; k < K; k++) {
        const t = a(i, k) * b(k, j);
        s += t;
        m += Math.abs(t);
      }
      r.val[i * N + j] = s;
      r.mag[i * N + j] = m;
    }
  }
  return r;
}

/** Runs one gemm case, checks values, guards and the row padding of C; returns C (ldc layout). */
function runGemm(kind: GemmKind, v: Variant, c: GemmCase): Float32Array {
  const { M, N, K } = c;
  const s = gemmShapes(kind, M, N, K);
  const lda = s.ac + c.pa, ldb = s.bc + c.pb, ldc = N + c.pc;
  const A = randArray(Math.max(0, (s.ar - 1) * lda + s.ac), c.seed);
  const B = randArray(Math.max(0, (s.br - 1) * ldb + s.bc), c.seed + 1);
  const clen = (M - 1) * ldc + N;
  const C0 = new Float32Array(clen).fill(SENTINEL);
  const r0 = randArray(clen, c.seed + 2);
  for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) C0[i * ldc + j] = c.accumulate ? r0[i * ldc + j] : 7;
  const ra = region(w, A.length, A, c.unaligned);
  const rb = region(w, B.length, B, c.unaligned);
  const rc = region(w, clen, C0, c.unaligned);
  kernel(w, kind, v)(M, N, K, ra.ptr, lda, rb.ptr, ldb, rc.ptr, ldc, c.accumulate ? 1 : 0);
  const ctx = `${kind}_${v} M=${M} N=${N} K=${K} ld+(${c.pa},${c.pb},${c.pc}) acc=${c.accumulate} unaligned=${c.unaligned}`;
  const got = readRegion(w, rc);
  const at = (i: number): number => Math.floor(i / N) * ldc + (i % N);
  expectNear(got, gemmRef(kind, c, A, lda, B, ldb), ctx, at, c.accumulate ? C0 : undefined);
  expectUntouched(rc, ctx, (i) => i % ldc < N);
  return got;
}

/** Sizes reaching every edge: 8-column panels and their 4 / 1 tails, 4-row tiles and their
 *  1..3-row tails, K below, at and above a multiple of 4. */
const GEMM_SIZES = [1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 33];
const PADS = [0, 1, 5];

describe.each(VARIANTS)('gemm family (%s)', (v) => {
  describe.each(GEMM_KINDS)('%s', (kind) => {
    it.each(GEMM_SIZES)('M=%i, every N and K in the size table, padded leading dims, accumulate', (M) => {
      let seed = M * 1000;
      for (const N of GEMM_SIZES) {
        for (const K of GEMM_SIZES) {
          w.reset();
          seed++;
          const accumulate = seed % 2 === 0;
          runGemm(kind, v, {
            M, N, K, accumulate, unaligned: seed % 3 === 0,
            pa: PADS[seed % 3], pb: PADS[(seed >> 1) % 3], pc: PADS[(seed >> 2) % 3], seed,
          });
        }
      }
    });

    it('K = 0 gives zeros, or leaves C unchanged when accumulating', () => {
      for (const accumulate of [false, true]) {
        w.reset();
        runGemm(kind, v, { M: 5, N: 9, K: 0, pa: 1, pb: 1, pc: 2, accumulate, unaligned: false, seed: 5 });
      }
    });

    it('a conv-sized product: M=64 N=200 K=576, M=19 N=37 K=300, and M=67 N=13 K=600 (two row blocks, the last with the 3-row tail)', () => {
      runGemm(kind, v, { M: 64, N: 200, K: 576, pa: 0, pb: 0, pc: 0, accumulate: false, unaligned: false, seed: 9 });
      w.reset();
      runGemm(kind, v, { M: 19, N: 37, K: 300, pa: 3, pb: 2, pc: 1, accumulate: true, unaligned: true, seed: 10 });
      w.reset();
      runGemm(kind, v, { M: 67, N: 13, K: 600, pa: 1, pb: 0, pc: 2, accumulate: true, unaligned: false, seed: 11 });
    });
  });
});

describe('gemm family: _simd and _scalar are bitwise equal (documented summation order)', () => {
  it.each(GEMM_KINDS)('%s', (kind) => {
    for (const [M, N, K] of [[1, 1, 1], [3, 5, 7], [4, 8, 4], [7, 13, 9], [9, 17, 33], [17, 33, 15], [6, 40, 130]]) {
      for (const accumulate of [false, true]) {
        w.reset();
        const c = { M, N, K, pa: 1, pb: 2, pc: 3, accumulate, unaligned: true, seed: M * N + K };
        expectBitwise(runGemm(kind, 'simd', c), runGemm(kind, 'scalar', c), `M=${M} N=${N} K=${K} acc=${accumulate}`);
      }
    }
  });
});

describe('gemm family: property (random shapes, leading dims, alignment)', () => {
  it.each(VARIANTS)('%s', (v) => {
    fc.assert(
      fc.property(
        fc.constantFrom(...GEMM_KINDS),
        fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 0, max: 70 }),
        fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 6 }),
        fc.boolean(), fc.boolean(), fc.integer({ min: 1, max: 1 << 30 }),
        (kind, M, N, K, pa, pb, pc, accumulate, unaligned, seed) => {
          w.reset();
          runGemm(kind, v, { M, N, K, pa, pb, pc, accumulate, unaligned, seed });
        },
      ),
      { numRuns: 150, seed: 0x5eed },
    );
  });
});
