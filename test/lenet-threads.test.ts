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

describe('pooling and linear split over threads: bitwise the unsplit result', () => {
  /** Forward and gradients of `f` on a seeded input (and weight), unsplit and in `parts` parts. */
  function grads(parts: number, f: (x: import('simdconv').Tensor, w: import('simdconv').Tensor) => import('simdconv').Tensor,
    xShape: number[], wShape: number[]): Float32Array[] {
    const { sc } = ex;
    forceParts(parts);
    try {
      return sc.tidy(() => {
        const x = sc.variable(sc.randn(xShape, { seed: 1 })), w = sc.variable(sc.randn(wShape, { seed: 2 }));
        const y = f(x, w);
        y.mul(sc.randn(y.shape, { seed: 3 })).sum().backward();
        return [y.data(), x.grad!.data(), w.grad!.data()];
      });
    } finally {
      forceParts(null);
    }
  }
  const cases: [string, (x: import('simdconv').Tensor, w: import('simdconv').Tensor) => import('simdconv').Tensor, number[], number[]][] = [
    ['maxPool2d 2x2, 7 planes', (x, w) => ex.sc.maxPool2d(x.mul(w), { kernelSize: 2 }), [1, 7, 10, 9], [1]],
    ['maxPool2d 3x3 stride 2 padding 1 ceilMode, 5 planes', (x, w) => ex.sc.maxPool2d(x.mul(w), { kernelSize: 3, stride: 2, padding: 1, ceilMode: true }), [5, 1, 11, 6], [1]],
    ['avgPool2d 2x2, 7 planes', (x, w) => ex.sc.avgPool2d(x.mul(w), { kernelSize: 2 }), [7, 1, 6, 10], [1]],
    ['avgPool2d 3x3 padding 1 no pad count, 3 planes', (x, w) => ex.sc.avgPool2d(x.mul(w), { kernelSize: 3, stride: 2, padding: 1, countIncludePad: false }), [1, 3, 9, 9], [1]],
    ['linear 7 rows', (x, w) => ex.sc.linear(x, w), [7, 13], [5, 13]],
    ['linear 3 x 2 rows, 9 outputs', (x, w) => ex.sc.linear(x, w), [3, 2, 6], [9, 6]],
  ];
  for (const [name, f, xs, ws] of cases) {
    it(name, () => {
      const want = grads(1, f, xs, ws);
      for (const parts of [2, 3]) {
        const got = grads(parts, f, xs, ws);
        got.forEach((g, i) => expect(Array.from(new Uint32Array(g.buffer, g.byteOffset, g.length)), `${parts} parts, output ${i}`)
          .toEqual(Array.from(new Uint32Array(want[i]!.buffer, want[i]!.byteOffset, want[i]!.length))));
      }
    });
  }
});
