// Seeded permutations and mini-batch indices (src/data/batches.ts): valid permutations, the same
// order for the same (n, seed, epoch) (pinned values: any change to the generator shows), different
// orders for different seeds and epochs, batch sizes, and bad arguments.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { batchCount, batchIndices, permutation } from '../../src/data/batches.js';
import { ArgumentError } from '../../src/errors.js';

describe('permutation', () => {
  it.each([0, 1, 2, 3, 10, 257, 60000])('n = %i: a permutation of 0 .. n-1', (n) => {
    const p = permutation(n, 7);
    const seen = new Uint8Array(n);
    for (const i of p) seen[i]++;
    expect(seen.every((c) => c === 1)).toBe(true);
  });

  it('pins the order: the same bits on every runtime', () => {
    expect(Array.from(permutation(10, 0))).toEqual(PINNED.seed0);
    expect(Array.from(permutation(10, 42, 3))).toEqual(PINNED.seed42epoch3);
    expect(Array.from(permutation(60000, 2024).subarray(0, 8))).toEqual(PINNED.fashion);
  });

  it('follows the documented generator exactly (a BigInt reading of the spec)', () => {
    for (const [n, seed, epoch] of [[10, 0, 0], [10, 42, 3], [1000, 2 ** 32 - 1, 7], [60000, 2024, 0]]) {
      expect(Array.from(permutation(n, seed, epoch))).toEqual(specPermutation(n, seed, epoch));
    }
  });

  it('differs across seeds and epochs, and is not the identity', () => {
    const a = Array.from(permutation(100, 1)).join();
    expect(Array.from(permutation(100, 1)).join()).toBe(a);
    expect(Array.from(permutation(100, 2)).join()).not.toBe(a);
    expect(Array.from(permutation(100, 1, 1)).join()).not.toBe(a);
    expect(a).not.toBe(Array.from({ length: 100 }, (_, i) => i).join());
  });

  it('is roughly uniform: each position takes each value about equally often over seeds', () => {
    const n = 5, runs = 5000;
    const counts = Array.from({ length: n }, () => new Array<number>(n).fill(0));
    for (let s = 0; s < runs; s++) permutation(n, s).forEach((v, pos) => counts[pos][v]++);
    for (const row of counts) for (const c of row) expect(Math.abs(c - runs / n)).toBeLessThan(0.1 * runs / n);
  });

  it.each([
    ['n', () => permutation(-1, 0)],
    ['n', () => permutation(1.5, 0)],
    ['seed', () => permutation(3, -1)],
    ['seed', () => permutation(3, 2 ** 32)],
    ['epoch', () => permutation(3, 0, NaN)],
  ])('bad %s is an ArgumentError', (arg, f) => {
    expect(f).toThrow(ArgumentError);
    try {
      f();
    } catch (e) {
      expect((e as ArgumentError).argument).toBe(arg);
    }
  });
});

describe('batchIndices', () => {
  it('slices the epoch permutation into batches; the last is shorter unless dropLast', () => {
    const perm = Array.from(permutation(10, 5, 2));
    const got = [...batchIndices(10, { batchSize: 4, seed: 5, epoch: 2 })].map((b) => Array.from(b));
    expect(got).toEqual([perm.slice(0, 4), perm.slice(4, 8), perm.slice(8)]);
    expect([...batchIndices(10, { batchSize: 4, seed: 5, epoch: 2, dropLast: true })].length).toBe(2);
    expect([...batchIndices(6, { batchSize: 4, shuffle: false })].map((b) => Array.from(b))).toEqual([[0, 1, 2, 3], [4, 5]]);
    expect([...batchIndices(0, { batchSize: 3 })]).toEqual([]);
  });

  it('property: batches cover every index once, with batchCount batches of batchSize (last may be smaller)', () => {
    fc.assert(fc.property(fc.nat({ max: 300 }), fc.integer({ min: 1, max: 64 }), fc.nat(), fc.boolean(), (n, bs, seed, dropLast) => {
      const batches = [...batchIndices(n, { batchSize: bs, seed, dropLast })];
      expect(batches.length).toBe(batchCount(n, bs, dropLast));
      batches.forEach((b, i) => {
        if (i < batches.length - 1 || dropLast) expect(b.length).toBe(bs);
        else expect(b.length).toBeGreaterThan(0);
      });
      const all = batches.flatMap((b) => Array.from(b)).sort((a, b) => a - b);
      const want = dropLast ? all.length : n;
      expect(all.length).toBe(want);
      expect(new Set(all).size).toBe(all.length);
      if (!dropLast) expect(all).toEqual(Array.from({ length: n }, (_, i) => i));
    }), { numRuns: 200, seed: 14 });
  });

  it('rejects bad options at the call, not at the first batch', () => {
    expect(() => batchIndices(10, { batchSize: 0 })).toThrow(ArgumentError);
    expect(() => batchIndices(10, { batchSize: 2, seed: -3 })).toThrow(ArgumentError);
    expect(() => batchIndices(-1, { batchSize: 2 })).toThrow(ArgumentError);
    expect(() => batchIndices(10, undefined as never)).toThrow(ArgumentError);
  });
});

// Written down once from this implementation; the reference test below shows they follow the spec.
const PINNED = {
  seed0: [6, 4, 8, 7, 1, 2, 0, 5, 3, 9],
  seed42epoch3: [2, 1, 0, 9, 7, 6, 4, 8, 3, 5],
  fashion: [29945, 43315, 35889, 31947, 35415, 29067, 20132, 54679],
};

/** The documented generator (src/data/batches.ts header) in BigInt arithmetic: an independent reading of the spec. */
function specPermutation(n: number, seed: number, epoch: number): number[] {
  const M = (1n << 32n) - 1n;
  const mix = (v: bigint): bigint => {
    let x = v & M;
    x ^= x >> 16n; x = (x * 0x7feb352dn) & M;
    x ^= x >> 15n; x = (x * 0x846ca68bn) & M;
    x ^= x >> 16n;
    return x;
  };
  const k0 = mix(BigInt(seed) ^ 0x1f83d9abn);
  const k1 = mix(k0 + 0x9e3779b9n + BigInt(epoch));
  const perm = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const bits = mix(mix(BigInt(i) + k0) ^ k1);
    const j = Number((bits * BigInt(i + 1)) >> 32n);
    [perm[i], perm[j]] = [perm[j], perm[i]];
  }
  return perm;
}
