// The per-version cache of prepared weights (src/ops/weight-cache.ts) for the NHWC GEMM's packed
// weight: packed once per weight version (a write behind the version's back, which no public API
// can make, is not seen by a repeated call: the packing was reused), and packed afresh after every
// kind of in-place write (an optimizer step, set(), gradient accumulation into a .grad used as a
// weight) and for a new weight in reused memory; results always bitwise equal to the uncached
// ones (the weight cloned into fresh storage: the packing is a copy).
import { beforeAll, describe, expect, it } from 'vitest';
import * as sc from '../src/index.js';
import { heap } from '../src/wasm/runtime.js';
import { addressOf } from './helpers/sentinels.js';

beforeAll(async () => {
  await sc.init();
});

const OPTS = { layout: 'NHWC', padding: 1 } as const;

/**
 * Whether `run` (a call with weight w) reuses a packing made before: w's first element is changed
 * in memory without a version bump, and the result compared with the same call on a clone.
 */
function reusesPacking(w: sc.Tensor, run: (w: sc.Tensor) => Float32Array): boolean {
  const f32 = heap('test').f32(), at = addressOf(w) >> 2, old = f32[at]!;
  f32[at] = old + 1;
  try {
    return bits(run(w)).join() !== bits(run(w.detach().clone())).join();
  } finally {
    heap('test').f32()[at] = old;
  }
}

function bits(a: Float32Array): number[] {
  return Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));
}

describe('NHWC packed weight, cached per weight version', () => {
  it('forward and input gradient pack once, repack after each in-place write, and match the uncached result', () => {
    sc.tidy(() => {
      const x = sc.randn([2, 9, 7, 6], { seed: 1 });
      const w = sc.variable(sc.randn([5, 6, 3, 3], { seed: 2 }));
      const dy = sc.randn([2, 9, 7, 5], { seed: 3 });
      const fresh = (): [number[], number[]] => {
        const wc = w.detach().clone();
        return [bits(sc.noGrad(() => sc.conv2d(x, wc, OPTS)).data()), bits(sc.conv2dGradInput(dy, wc, [2, 9, 7, 6], OPTS).data())];
      };
      const cached = (): [number[], number[]] => [bits(sc.noGrad(() => sc.conv2d(x, w, OPTS)).data()), bits(sc.conv2dGradInput(dy, w.detach(), [2, 9, 7, 6], OPTS).data())];
      const forward = (v: sc.Tensor): Float32Array => sc.noGrad(() => sc.conv2d(x, v, OPTS)).data();
      const gradInput = (v: sc.Tensor): Float32Array => sc.conv2dGradInput(dy, v.detach(), [2, 9, 7, 6], OPTS).data();
      const check = (label: string): void => {
        expect(cached(), `${label}: packed afresh after the write`).toEqual(fresh());
        expect(cached(), `${label}: from the cache`).toEqual(fresh());
        expect(reusesPacking(w, forward), `${label}: forward reuses its packing`).toBe(true);
        expect(reusesPacking(w, gradInput), `${label}: dx reuses its packing`).toBe(true);
      };
      check('initial');
      const opt = new sc.optim.SGD([w], { lr: 0.05 });
      sc.conv2d(x, w, OPTS).square().sum().backward();
      opt.step();
      check('after an SGD step');
      sc.noGrad(() => w.set([1, 2, 0, 1], 7));
      check('after set()');
    });
  });

  it('a new weight in the memory of a disposed one, and a weight that is a gradient, are packed afresh', () => {
    sc.tidy(() => {
      const x = sc.randn([1, 5, 5, 4], { seed: 4 });
      const w1 = sc.randn([3, 4, 3, 3], { seed: 5 });
      const y1 = bits(sc.conv2d(x, w1, OPTS).data());
      w1.dispose();
      const w2 = sc.randn([3, 4, 3, 3], { seed: 6 });
      expect(bits(sc.conv2d(x, w2, OPTS).data())).not.toEqual(y1);
      expect(bits(sc.conv2d(x, w2, OPTS).data())).toEqual(bits(sc.conv2d(x, w2.clone(), OPTS).data()));
      // A .grad used as a weight: gradient accumulation writes it in place.
      const p = sc.variable(sc.zeros([3, 4, 3, 3]));
      const q = sc.randn([3, 4, 3, 3], { seed: 7 });
      p.mul(q).sum().backward();
      const g = p.grad!;
      const before = bits(sc.conv2d(x, g, OPTS).data());
      p.mul(q).sum().backward(); // accumulates: g doubles in place
      expect(bits(sc.conv2d(x, g, OPTS).data())).toEqual(bits(sc.conv2d(x, g.clone(), OPTS).data()));
      expect(bits(sc.conv2d(x, g, OPTS).data())).not.toEqual(before);
    });
  });
});
