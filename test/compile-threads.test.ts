// sc.compile with threads (init is process-wide, so this file has its own process): a step
// captured on one thread keeps replaying bitwise like the eager step after setThreads(2) moved the
// memory to a shared one and rebound the kernels, and a step captured while the pool runs (the
// capture forces one part per job) replays like the eager step that splits its jobs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as sc from '../src/index.js';
import { dispatchedJobs } from '../src/threads/pool.js';
import { randArray } from './helpers/random.js';

beforeAll(async () => {
  await sc.init();
});

afterAll(async () => {
  await sc.setThreads(1);
});

const X = [4, 16, 32, 32];

/** A 16 -> 16 3x3 layer step, big enough for its convolutions to be split over threads. */
function layer() {
  const x = sc.tensor(randArray(X.reduce((a, b) => a * b), 7), X);
  const t = sc.tensor(randArray(X.reduce((a, b) => a * b), 8), X);
  const conv = new sc.nn.Conv2d({ inChannels: 16, outChannels: 16, kernelSize: 3, padding: 1, seed: 4 });
  const opt = new sc.optim.SGD(conv, { lr: 1e-2, momentum: 0.9 });
  return {
    fn: () => {
      const l = sc.tidy(() => sc.nn.mseLoss(conv.forward(x), t));
      opt.zeroGrad();
      l.backward();
      opt.step();
      return l;
    },
    weight: () => conv.weight!.data(),
    dispose() {
      opt.zeroGrad();
      opt.dispose();
      conv.dispose();
      x.dispose();
      t.dispose();
    },
  };
}

describe('compile and threads', () => {
  it('replays stay bitwise equal to the eager step across setThreads(2), and a capture under the pool too', async () => {
    const e = layer(), c = layer();
    const step = sc.compile(c.fn);
    const compare = (what: string) => {
      const le = e.fn();
      expect(step().data(), what).toEqual(le.data());
      le.dispose();
      expect(c.weight(), what).toEqual(e.weight());
    };
    try {
      for (let i = 0; i < 3; i++) compare(`one thread, step ${i}`);
      const threads = await sc.setThreads(2);
      const before = dispatchedJobs();
      for (let i = 3; i < 6; i++) compare(`after setThreads(${threads}), step ${i}`);
      if (threads > 1) expect(dispatchedJobs(), 'the eager step splits its jobs').toBeGreaterThan(before);

      // Captured while the pool runs.
      const e2 = layer(), c2 = layer();
      const step2 = sc.compile(c2.fn);
      try {
        for (let i = 0; i < 3; i++) {
          const le = e2.fn();
          expect(step2().data(), `captured with ${threads} threads, step ${i}`).toEqual(le.data());
          le.dispose();
          expect(c2.weight()).toEqual(e2.weight());
        }
      } finally {
        step2.dispose();
        e2.dispose();
        c2.dispose();
      }
    } finally {
      step.dispose();
      e.dispose();
      c.dispose();
    }
  });
});
