// LeNet (examples/lenet.ts, on the built package) trains to bitwise the same weights whatever the
// thread count: a few training steps of each variant on seeded synthetic images, with every job
// run unsplit (one thread), split in two over a pool of two threads, and as the cost model
// chooses; the hashes of all parameters must be equal. (init is process-wide: this file has its
// own process.)
import { beforeAll, describe, expect, it } from 'vitest';
import { fnv1a } from './determinism/cases.js';

type Example = typeof import('../examples/lenet.js');
let ex: Example;
let forceParts: (parts: number | null) => void;
let dispatchedJobs: () => number;

beforeAll(async () => {
  ex = await import('../examples/lenet.js');
  ({ forceParts, dispatchedJobs } = (await import(new URL('../dist/threads/pool.js', import.meta.url).href)) as
    { forceParts: typeof forceParts; dispatchedJobs: typeof dispatchedJobs });
  await ex.sc.init({ threads: 2 });
});

/** Trains a freshly seeded LeNet for `steps` steps on seeded random images; returns the hash of every parameter's bits. */
function trainedHash(variant: 'relu' | 'd2l', parts: number | null, steps = 3, batch = 64): string {
  const { sc } = ex;
  forceParts(parts);
  try {
    using model = ex.leNet(variant);
    ex.xavier(model, 7);
    const opt = variant === 'relu' ? new sc.optim.Adam(model, { lr: 1e-3 }) : new sc.optim.SGD(model, { lr: 0.9 });
    try {
      const labels = new Int32Array(batch).map((_, i) => (i * 7) % 10);
      for (let s = 0; s < steps; s++) {
        const images = sc.tidy(() => sc.rand([batch, 1, 28, 28], { seed: 100 + s }).data());
        ex.trainStep(model, opt, images, labels, [batch, 1, 28, 28]);
      }
    } finally {
      opt.dispose();
    }
    const parts_ = model.namedParameters().map(([name, p]) => {
      const d = p.data();
      return `${name}:${fnv1a(new Uint8Array(d.buffer, d.byteOffset, d.byteLength))}`;
    });
    return parts_.join(' ');
  } finally {
    forceParts(null);
  }
}

describe('LeNet: same seed, same bits on every thread count', () => {
  it('runs with a pool of two threads', () => {
    expect(ex.sc.capabilities().threads).toBe(2);
  });

  for (const variant of ['relu', 'd2l'] as const) {
    it(`${variant}: one thread, two parts on two threads and the cost model's split train to the same weights`, () => {
      const one = trainedHash(variant, 1);
      const before = dispatchedJobs();
      expect(trainedHash(variant, 2)).toBe(one);
      expect(dispatchedJobs() - before, 'jobs run on the worker').toBeGreaterThan(0);
      expect(trainedHash(variant, null)).toBe(one);
      // The hash covers the training: another seed of the data gives other weights.
      expect(one).not.toBe(trainedHash(variant, 1, 2));
    }, 120_000);
  }
});
