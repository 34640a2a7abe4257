// Sentinel tensors on both sides of a victim tensor in wasm memory, for bad-input tests: after a
// failed call, the sentinels, the victim and every witness must hold the same bytes as before.
import { expect } from 'vitest';
import * as sc from '../../src/index.js';

/** Floats in each sentinel: over the recycling limit (1 KiB), so sentinels come from the heap in address order. */
const SENTINEL_FLOATS = 300;

/** The byte address of a live tensor's first element (internal). */
export function addressOf(t: sc.Tensor): number {
  return (t as unknown as { ptr(op: string, arg: string): number }).ptr('test', 't');
}

export interface Sandwich {
  lo: sc.Tensor;
  victim: sc.Tensor;
  hi: sc.Tensor;
  /** Fails unless the sentinels and the victim hold the bytes they held when made (victim: `victimData`). */
  expectIntact(victimData?: Float32Array): void;
  dispose(): void;
}

/**
 * Makes the victim with `make` between two sentinels, lo below it and hi above it in memory
 * (retrying, holding the misplaced tries, until the allocator puts them in that order).
 */
export function sandwich(make: () => sc.Tensor): Sandwich {
  const spare: sc.Tensor[] = [];
  for (let attempt = 0; ; attempt++) {
    const lo = sc.full([SENTINEL_FLOATS], -7.25);
    const victim = make();
    const hi = sc.full([SENTINEL_FLOATS], 9.5);
    const ordered = addressOf(lo) < addressOf(victim) && addressOf(victim) < addressOf(hi);
    if (ordered || attempt === 64) {
      for (const t of spare) t.dispose();
      expect(ordered, 'sentinels on both sides of the victim').toBe(true);
      const loData = lo.data(), hiData = hi.data(), victimBefore = victim.data();
      return {
        lo, victim, hi,
        expectIntact(victimData = victimBefore) {
          expect(lo.data(), 'the sentinel below the victim').toEqual(loData);
          expect(hi.data(), 'the sentinel above the victim').toEqual(hiData);
          if (!victim.isDisposed) expect(victim.data(), 'the victim').toEqual(victimData);
        },
        dispose() {
          lo.dispose();
          victim.dispose();
          hi.dispose();
        },
      };
    }
    spare.push(lo, victim, hi);
  }
}

/** memory() as the tests compare it: live tensors, their bytes and the wasm memory size. */
export function memoryState(): { tensors: number; bytes: number; wasmBytes: number } {
  return sc.memory();
}
