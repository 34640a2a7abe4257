// A worker that dies: killing one (as a crash or the OS would) must not hang or fail the ops that
// split over it: the other threads claim the parts it does not take, results stay bitwise those
// of one thread, nothing leaks, and once it has taken no job for the pick-up timeout the pool
// drops it and carries on with the workers left (one thread in the end); setThreads starts new
// workers. This file has its own process (init is process-wide).
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
  it('its parts are done by the other threads, bitwise, and the pool drops it and recovers', async () => {
    expect(sc.capabilities().threads).toBe(3);
    const want = conv(1);
    expect(conv(3)).toEqual(want);
    poolTestHooks.timeouts(1500, null);
    try {
      for (const left of [2, 1]) {
        await poolTestHooks.killWorker(0);
        const before = sc.memory();
        const t0 = performance.now();
        let ops = 0;
        while (sc.capabilities().threads > left) {
          expect(conv(6), 'an op with a dead worker in the pool').toEqual(want);
          ops++;
          expect(performance.now() - t0, 'dropped soon after the pick-up timeout').toBeLessThan(20_000);
        }
        expect(performance.now() - t0, 'not dropped before the pick-up timeout').toBeGreaterThan(1500);
        expect(ops).toBeGreaterThan(1);
        expect(sc.memory()).toMatchObject({ tensors: before.tensors, bytes: before.bytes });
        expect(sc.capabilities().threads).toBe(left);
        // Still correct, split over what is left (or on this thread alone).
        expect(conv(3)).toEqual(want);
      }
      expect(await sc.setThreads(3)).toBe(3);
      expect(conv(3)).toEqual(want);
    } finally {
      poolTestHooks.timeouts(5_000, null);
    }
  });
});
