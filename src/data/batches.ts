// Seeded shuffling and mini-batch index iteration: the same (n, seed, epoch) gives the same order
// on every runtime, since only 32-bit integer arithmetic (and exact doubles) is involved.
//
// Generator: the counter-based hash of assembly/random.ts (lowbias32, two rounds, two keys):
//   mix(x) = x ^= x >>> 16; x *= 0x7feb352d; x ^= x >>> 15; x *= 0x846ca68b; x ^= x >>> 16   (mod 2^32)
//   k0 = mix(seed ^ 0x1f83d9ab), k1 = mix((k0 + 0x9e3779b9 + epoch) mod 2^32)
//   bits(c) = mix(mix((c + k0) mod 2^32) ^ k1)
// Permutation (Fisher-Yates, from the end): perm = [0, 1, ..., n-1]; for i = n-1 down to 1,
//   j = floor(bits(i) * (i + 1) / 2^32) (in doubles: exact while (i + 1) < 2^21), swap perm[i], perm[j].
// (The bias of this j is below (i + 1) / 2^32 per step: invisible for datasets of any size here.)
import { ArgumentError } from '../errors.js';

const M1 = 0x7feb352d;
const M2 = 0x846ca68b;
const GOLDEN = 0x9e3779b9;
const STREAM_SHUFFLE = 0x1f83d9ab;

function mix(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, M1);
  x ^= x >>> 15;
  x = Math.imul(x, M2);
  x ^= x >>> 16;
  return x >>> 0;
}

function checkInt(op: string, name: string, v: unknown, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new ArgumentError(op, name, `an integer in [${min}, ${max}]`, String(v));
  }
  return v;
}

/**
 * A seeded random permutation of 0 .. n-1 (see the file header): the same for the same
 * (n, seed, epoch) everywhere. `epoch` selects an independent shuffle of the same seed.
 * @example
 * const p = sc.data.permutation(5, 42);
 * Array.from(p).sort()   // => [0, 1, 2, 3, 4]
 * Array.from(sc.data.permutation(5, 42)).join() === Array.from(p).join()   // => true
 */
export function permutation(n: number, seed: number, epoch = 0): Int32Array {
  const op = 'permutation';
  checkInt(op, 'n', n, 0, 0x7fffffff);
  checkInt(op, 'seed', seed, 0, 0xffffffff);
  checkInt(op, 'epoch', epoch, 0, 0xffffffff);
  const perm = new Int32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  const k0 = mix((seed ^ STREAM_SHUFFLE) >>> 0);
  const k1 = mix((k0 + GOLDEN + epoch) >>> 0);
  for (let i = n - 1; i > 0; i--) {
    const bits = mix((mix((i + k0) >>> 0) ^ k1) >>> 0);
    const j = Math.floor((bits * (i + 1)) / 4294967296);
    const t = perm[i];
    perm[i] = perm[j];
    perm[j] = t;
  }
  return perm;
}

/**
 * The options of {@link batchIndices}.
 * @example
 * const opts: sc.data.BatchOptions = { batchSize: 256, seed: 7, epoch: 1, dropLast: true };
 * sc.data.batchCount(1000, opts.batchSize, opts.dropLast)   // => 3
 */
export interface BatchOptions {
  /** Examples per batch (>= 1). */
  batchSize: number;
  /** Shuffle with {@link permutation} (default true); false keeps 0 .. n-1 in order. */
  shuffle?: boolean;
  /** Seed of the shuffle (an integer in [0, 2^32), default 0). */
  seed?: number;
  /** Epoch number: each epoch of one seed has its own order (default 0). */
  epoch?: number;
  /** Drop the last batch when it is smaller than batchSize (default false). */
  dropLast?: boolean;
}

/**
 * How many batches {@link batchIndices} yields.
 * @example sc.data.batchCount(10, 4)   // => 3
 */
export function batchCount(n: number, batchSize: number, dropLast = false): number {
  checkInt('batchCount', 'n', n, 0, 0x7fffffff);
  checkInt('batchCount', 'batchSize', batchSize, 1, 0x7fffffff);
  return dropLast ? Math.floor(n / batchSize) : Math.ceil(n / batchSize);
}

/**
 * The example indices of each mini-batch of one epoch over n examples: consecutive slices of the
 * epoch's permutation, as views (subarrays) of one Int32Array, so iterating allocates nothing per
 * batch. The last batch is shorter unless dropLast.
 * @example
 * const sizes = [...sc.data.batchIndices(10, { batchSize: 4, seed: 1 })].map((b) => b.length);
 * sizes   // => [4, 4, 2]
 */
export function batchIndices(n: number, options: BatchOptions): Generator<Int32Array, void, undefined> {
  // Validated here, not on the first next(): bad input fails at the call.
  const { batchSize, shuffle = true, seed = 0, epoch = 0, dropLast = false } = options ?? ({} as BatchOptions);
  const count = batchCount(n, batchSize, dropLast);
  let order: Int32Array;
  if (shuffle) {
    order = permutation(n, seed, epoch);
  } else {
    order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
  }
  return slices(order, batchSize, count);
}

function* slices(order: Int32Array, size: number, count: number): Generator<Int32Array, void, undefined> {
  for (let b = 0; b < count; b++) yield order.subarray(b * size, Math.min(order.length, (b + 1) * size));
}
