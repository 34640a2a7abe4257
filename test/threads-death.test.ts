// A worker that dies: killing one (as a crash or the OS would) must not hang the next op that
// splits over it; the op throws a SimdconvError, leaks nothing, and the pool carries on with the
// workers left (one thread in the end), with results bitwise those of one thread; setThreads
// starts new workers. This file has its own process (init is process-wide).
import { beforeAll, describe, expect, it } from 'vitest';
import * as sc from '../src/index.js';
import { forceParts, poolTestHooks } from '../src/threads/pool.js';
import { expectError } from './helpers/expect-error.js';

beforeAll(async () => {
  await sc.init({ threads: 3 });
});

const x = () => sc.randn([2, 8, 20, 20], { seed: 1 });
const w = () => sc.randn([8, 8, 3, 3], { seed: 2 });

/** conv2d of the fixed inputs split into `parts` parts (1: on this thread). */
function conv(parts: number): Float32Array {
  forceParts(parts);
  try {
    return sc.tidy(() => sc.conv2d(x(), w(), { padding: 1 }).data());
  } finally {
    forceParts(null);
  }
}

describe('a worker that dies', () => {
  it('fails the op that needs it with a SimdconvError, not a hang, and the pool recovers', async () => {
    expect(sc.capabilities().threads).toBe(3);
    const want = conv(1);
    expect(conv(3)).toEqual(want);
    poolTestHooks.timeouts(1500, null);
    const x0 = x(), w0 = w();
    try {
      for (const left of [2, 1]) {
        await poolTestHooks.killWorker(0);
        const before = sc.memory();
        const t0 = performance.now();
        forceParts(3);
        try {
          expectError(() => sc.tidy(() => sc.conv2d(x0, w0, { padding: 1 })), sc.UnsupportedRuntimeError, { message: /worker thread stopped/ });
        } finally {
          forceParts(null);
        }
        expect(performance.now() - t0, 'the op waited far longer than the pick-up timeout').toBeLessThan(20_000);
        expect(sc.memory()).toMatchObject({ tensors: before.tensors, bytes: before.bytes });
        expect(sc.capabilities().threads).toBe(left);
        // Still correct, split over what is left (or on this thread alone).
        expect(conv(3)).toEqual(want);
      }
      expect(await sc.setThreads(3)).toBe(3);
      expect(conv(3)).toEqual(want);
    } finally {
      x0.dispose();
      w0.dispose();
      poolTestHooks.timeouts(5_000, null);
    }
  });
});
