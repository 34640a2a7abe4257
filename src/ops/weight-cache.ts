// Weights prepared for a kernel (Winograd's transform, the NHWC GEMM's packing), kept per weight
// version: a prepared copy is reused while the weight's storage has not been written since, so a
// layer's forward passes prepare it once per optimizer step (or once, at inference), not once per
// call (a capture, see wasm/capture.ts, bypasses the cache). A few entries, most recently used first, each a heap block kept for reuse; a weight that
// is a gradient is written in place uncounted, so its copies are never reused.
import type { Tensor } from '../tensor.js';
import type { Storage } from '../storage.js';
import { heap } from '../wasm/runtime.js';
import { recording } from '../wasm/capture.js';

interface Entry {
  storage: Storage;
  /** The storage's version when prepared; -1: never reused. */
  version: number;
  /** What was prepared, and for which geometry (the caller's key). */
  key: string;
  at: number;
  bytes: number;
}

const cache: Entry[] = [];
const ENTRIES = 8;

/**
 * The address of `bytes` bytes prepared from weight w by `prepare(at)` for `key` (what is
 * prepared and every number it depends on): from the cache when w's storage has not been written
 * since, else prepared into the least recently used entry (grown if needed). Scratch the caller
 * needs must be taken before, so running out of memory here leaves no new entry behind.
 */
export function preparedWeight(op: string, w: Tensor, key: string, bytes: number, prepare: (at: number) => void): number {
  // A compiled step prepares into a block of its own at every replay: the weight changes between
  // replays, and the cache's blocks are reused by later calls.
  if (recording !== null) {
    const at = recording.own(bytes, op);
    prepare(at);
    return at;
  }
  const s = w._storage;
  let i = cache.findIndex((e) => e.storage === s && e.key === key);
  if (i >= 0 && cache[i]!.version === s.version) {
    const hit = cache.splice(i, 1)[0]!;
    cache.unshift(hit);
    return hit.at;
  }
  if (i < 0) i = cache.length < ENTRIES ? -1 : cache.length - 1;
  const h = heap(op);
  let e: Entry;
  if (i < 0) {
    e = { storage: s, version: -1, key, at: h.alloc(bytes, op), bytes };
  } else {
    e = cache.splice(i, 1)[0]!;
    if (e.bytes < bytes) {
      h.free(e.at, e.bytes);
      e.bytes = 0;
      e.at = h.alloc(bytes, op);
      e.bytes = bytes;
    }
    e.storage = s;
    e.version = -1;
    e.key = key;
  }
  cache.unshift(e);
  prepare(e.at);
  e.version = w._gradOf === null ? s.version : -1;
  return e.at;
}
