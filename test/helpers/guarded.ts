// Guarded output regions for kernel tests: a run of float32s in a RawWasm memory with GUARD
// sentinel values on both sides, so a test can check that a kernel wrote nothing outside it.
import type { RawWasm } from './raw-wasm.js';

/** Sentinel floats on each side of a region. */
export const GUARD = 4;
/** The value every guard (and unwritten) float holds. */
export const SENTINEL = -12345.5;

/** `len` floats at `ptr` (byte address) inside an allocation of `blockLen` floats at `block`. */
export interface Region {
  ptr: number;
  len: number;
  block: number;
  blockLen: number;
}

/** `len` floats with GUARD sentinels on both sides, set from `init` if given; `unaligned` puts ptr at 4 mod 16. */
export function region(w: RawWasm, len: number, init?: ArrayLike<number>, unaligned = false): Region {
  const blockLen = len + 2 * GUARD + 1;
  const block = w.alloc(blockLen, new Float32Array(blockLen).fill(SENTINEL));
  const ptr = block + (GUARD + (unaligned ? 1 : 0)) * 4;
  if (init) new Float32Array(w.memory.buffer, ptr, len).set(init);
  return { ptr, len, block, blockLen };
}

/** A copy of the region's `len` floats. */
export function readRegion(w: RawWasm, r: Region): Float32Array {
  return w.read(r.ptr, r.len);
}

/**
 * Offsets (in floats, relative to r.ptr, ascending) of every float in the allocation that is not
 * SENTINEL although it lies outside the region or at an in-region offset that `written` rejects.
 */
export function writesOutside(w: RawWasm, r: Region, written: (i: number) => boolean = () => true): number[] {
  const all = w.read(r.block, r.blockLen);
  const first = (r.ptr - r.block) / 4;
  const bad: number[] = [];
  all.forEach((x, i) => {
    const rel = i - first;
    const inside = rel >= 0 && rel < r.len && written(rel);
    if (!inside && x !== SENTINEL) bad.push(rel);
  });
  return bad;
}
