// Tests of rand_uniform and rand_normal (assembly/random.ts) called directly on the test build:
// both twins against a float64 model of the counter-based generator, bounds, counter offsets,
// sample moments, and the bitwise agreement of the twins.
import { describe, expect, it } from 'vitest';
import { VARIANTS, kernel, type Variant } from '../helpers/raw-wasm.js';
import { readRegion, region } from '../helpers/guarded.js';
import { expectUntouched, useRawWasm, w } from '../helpers/kernel-wasm.js';
import { LENGTHS, expectExact, fr } from '../helpers/tensor-checks.js';

useRawWasm();

// Random numbers

/** JS model of the generator documented in assembly/random.ts. */
const mix = (x: number): number => {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
};
const keys = (seed: number, stream: number): [number, number] => {
  const k0 = mix((seed ^ stream) >>> 0);
  return [k0, mix((k0 + 0x9e3779b9) >>> 0)];
};
const bits = (c: number, [k0, k1]: [number, number]): number => mix((mix((c + k0) >>> 0) ^ k1) >>> 0);

function uniformModel(n: number, seed: number, counter: number, lo: number, hi: number): number[] {
  const k = keys(seed, 0x3c6ef372);
  const span = fr(hi - lo);
  let bound = Infinity;
  if (hi > lo) {
    const f = new Float32Array([hi]);
    const u = new Uint32Array(f.buffer);
    if (hi === 0) bound = -(2 ** -149);
    else {
      u[0] += hi > 0 ? -1 : 1;
      bound = f[0];
    }
  }
  return Array.from({ length: n }, (_, i) => {
    const u = (bits((counter + i) >>> 0, k) >>> 8) * 2 ** -24;
    return Math.min(fr(lo + fr(span * u)), bound);
  });
}

function normalModel(n: number, seed: number, counter: number): number[] {
  const ka = keys(seed, 0xa54ff53a);
  const kb = keys(seed, 0x510e527f);
  return Array.from({ length: n }, (_, i) => {
    const c = (counter + i) >>> 0;
    const u1 = ((bits(c, ka) >>> 8) + 1) * 2 ** -24;
    const u2 = (bits(c, kb) >>> 8) * 2 ** -24;
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  });
}

function runRand(name: 'rand_uniform' | 'rand_normal', v: Variant, n: number, seed: number, counter: number, p: number, q: number, unaligned = false) {
  const out = region(w, n, undefined, unaligned);
  kernel(w, name, v)(out.ptr, n, seed | 0, counter | 0, p, q);
  return { got: readRegion(w, out), out };
}

function moments(x: ArrayLike<number>): { mean: number; variance: number } {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i];
  const mean = s / x.length;
  let v = 0;
  for (let i = 0; i < x.length; i++) v += (x[i] - mean) ** 2;
  return { mean, variance: v / (x.length - 1) };
}

const RAND_PARAMS = [
  { seed: 0, counter: 0 },
  { seed: 42, counter: 7 },
  { seed: 0xdeadbeef, counter: 0xfffffffa }, // the counter wraps mod 2^32 inside the call
];

describe.each(VARIANTS)('random (%s)', (v) => {
  it.each(RAND_PARAMS)('rand_uniform seed=$seed counter=$counter: matches the documented generator bit for bit', ({ seed, counter }) => {
    for (const n of LENGTHS) {
      for (const [lo, hi] of [
        [0, 1],
        [-2, 3],
        [fr(-0.1), 0],
      ]) {
        const { got, out } = runRand('rand_uniform', v, n, seed, counter, lo, hi, n % 2 === 1);
        const ctx = `rand_uniform_${v} n=${n} [${lo},${hi})`;
        expectExact(got, uniformModel(n, seed, counter, lo, hi), ctx);
        got.forEach((x) => {
          expect(x >= lo && x < hi, `${ctx}: ${x}`).toBe(true);
        });
        expectUntouched(out, ctx);
        w.reset();
      }
    }
  });

  it('rand_uniform: results stay below hi when rounding would reach it', () => {
    const lo = 1;
    const hi = fr(1 + 2 ** -23); // the next float after 1
    const { got } = runRand('rand_uniform', v, 1000, 3, 0, lo, hi);
    got.forEach((x) => expect(x).toBe(1));
    const { got: g2 } = runRand('rand_uniform', v, 1000, 3, 0, -1e-30, 0);
    g2.forEach((x) => expect(x < 0 && x >= fr(-1e-30)).toBe(true));
  });

  it.each(RAND_PARAMS)('rand_normal seed=$seed counter=$counter: matches a float64 Box-Muller model', ({ seed, counter }) => {
    for (const n of LENGTHS) {
      const mean = fr(0.5);
      const std = fr(2);
      const { got, out } = runRand('rand_normal', v, n, seed, counter, mean, std, n % 2 === 0);
      const model = normalModel(n, seed, counter);
      const ctx = `rand_normal_${v} n=${n}`;
      got.forEach((x, i) => expect(Math.abs(x - (mean + std * model[i])), ctx).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(model[i]))));
      expectUntouched(out, ctx);
      w.reset();
    }
  });

  it('counter-based: a call at counter c+k reproduces elements k.. of a call at c', () => {
    for (const name of ['rand_uniform', 'rand_normal'] as const) {
      const full = runRand(name, v, 50, 11, 1000, 0, 1).got;
      for (const k of [1, 3, 4, 13]) {
        const part = runRand(name, v, 50 - k, 11, 1000 + k, 0, 1).got;
        expectExact(part, full.subarray(k), `${name}_${v} offset ${k}`);
      }
      const other = runRand(name, v, 50, 12, 1000, 0, 1).got;
      expect(other.filter((x, i) => x === full[i]).length, `${name}_${v}: another seed gives other numbers`).toBeLessThan(3);
      w.reset();
    }
  });

  it('rand_uniform: 100k samples have mean 1/2, variance 1/12, flat histogram, no lag-1 correlation', () => {
    const N = 100_000;
    const { got } = runRand('rand_uniform', v, N, 2024, 0, 0, 1);
    const { mean, variance } = moments(got);
    expect(got.reduce((m, x) => Math.min(m, x), Infinity)).toBeGreaterThanOrEqual(0);
    expect(got.reduce((m, x) => Math.max(m, x), -Infinity)).toBeLessThan(1);
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.005);
    expect(Math.abs(variance - 1 / 12)).toBeLessThan(0.002);
    const buckets = new Array<number>(100).fill(0);
    got.forEach((x) => buckets[Math.floor(x * 100)]++);
    const chi2 = buckets.reduce((acc, c) => acc + (c - N / 100) ** 2 / (N / 100), 0);
    expect(chi2).toBeLessThan(160); // 99 degrees of freedom: mean 99, sd 14
    let cov = 0;
    for (let i = 1; i < N; i++) cov += (got[i] - mean) * (got[i - 1] - mean);
    expect(Math.abs(cov / (N - 1) / variance)).toBeLessThan(0.015);
  });

  it('rand_normal: 100k samples have the requested mean and std, 68% within one sigma', () => {
    const N = 100_000;
    const { got } = runRand('rand_normal', v, N, 99, 5, fr(-1.5), fr(3));
    const { mean, variance } = moments(got);
    expect(Math.abs(mean + 1.5)).toBeLessThan(0.05);
    expect(Math.abs(Math.sqrt(variance) - 3)).toBeLessThan(0.05);
    const within = got.filter((x) => Math.abs(x + 1.5) < 3).length / N;
    expect(Math.abs(within - 0.6827)).toBeLessThan(0.01);
    const extreme = got.reduce((m, x) => Math.max(m, Math.abs(x + 1.5)), 0);
    expect(extreme).toBeLessThanOrEqual(3 * 5.78); // |z| <= sqrt(-2 ln 2^-24)
    expect(extreme).toBeGreaterThan(3 * 3.5); // but the tails are there
  });
});

describe('random: simd and scalar agree bitwise', () => {
  it.each(['rand_uniform', 'rand_normal'] as const)('%s', (name) => {
    for (const n of [...LENGTHS, 1000]) {
      for (const { seed, counter } of RAND_PARAMS) {
        const a = runRand(name, 'simd', n, seed, counter, -1, 2).got;
        const b = runRand(name, 'scalar', n, seed, counter, -1, 2).got;
        expectExact(a, b, `${name} n=${n} seed=${seed}`);
        w.reset();
      }
    }
  });
});
