// Recording a job for the pool (pool.ts parallel()): each part's kernel calls become call records
// (protocol.ts) instead of running, and the job is written out as header, part bounds and
// records; and this thread's kernels indexed as call records index them, to run its share.
import { kernelTable, KERNEL_NAMES, tablesEpoch, type KernelTable, type KernelVariant } from '../wasm/kernels.js';
import { CALL_SLOTS, JOB_HEADER_WORDS, JOB_PARTS, JOB_RECORDS, MAX_ARGS } from './protocol.js';
import type { RecordFn } from './parts.js';

/** The call records of the job being recorded: CALL_SLOTS values per call, `calls` of them; bounds[t]: part t's first call. */
let words = new Float64Array(64 * CALL_SLOTS);
let calls = 0;
let bounds = new Int32Array(64);
const recorders: Partial<Record<KernelVariant, KernelTable>> = {};

/**
 * Records parts 0 .. T-1 (`part(k, t)` calling kernels through k) as one job of `variant`'s
 * kernels. Returns its size in bytes; write it out with writeJob before recording another.
 */
export function recordJob(T: number, variant: KernelVariant, part: (k: KernelTable, t: number) => void): number {
  const table = recorder(variant);
  if (bounds.length < T + 1) bounds = new Int32Array(2 * (T + 1));
  calls = 0;
  for (let t = 0; t < T; t++) {
    bounds[t] = calls;
    part(table, t);
  }
  bounds[T] = calls;
  return headWords(T) * 4 + calls * CALL_SLOTS * 8;
}

/** Header and part bounds, in Int32 words, rounded up so the call records after them are 8-byte aligned. */
function headWords(T: number): number {
  return (JOB_HEADER_WORDS + T + 2) & ~1;
}

/** Writes the job recordJob recorded (T parts) at byte address `job` (16-byte aligned, recordJob's bytes). */
export function writeJob(i32: Int32Array, f64: Float64Array, job: number, T: number): void {
  const h = job >> 2, records = job + headWords(T) * 4;
  i32[h + JOB_PARTS] = T;
  i32[h + JOB_RECORDS] = records;
  i32.set(bounds.subarray(0, T + 1), h + JOB_HEADER_WORDS);
  f64.set(words.subarray(0, calls * CALL_SLOTS), records >> 3);
}

/** A kernel table whose functions append call records to the job instead of running. */
function recorder(variant: KernelVariant): KernelTable {
  const have = recorders[variant];
  if (have) return have;
  const table: Record<string, (...args: number[]) => number> = {};
  KERNEL_NAMES.forEach((name, i) => {
    const index = 2 * i + (variant === 'scalar' ? 1 : 0);
    table[name] = (...args: number[]): number => {
      if (args.length > MAX_ARGS) throw new Error(`simdconv: ${name} takes more than ${MAX_ARGS} arguments`);
      let o = calls * CALL_SLOTS;
      if (o + CALL_SLOTS > words.length) {
        const bigger = new Float64Array(words.length * 2);
        bigger.set(words);
        words = bigger;
      }
      words[o++] = index;
      words[o++] = args.length;
      for (let j = 0; j < args.length; j++) words[o + j] = args[j]!;
      calls++;
      return 0;
    };
  });
  const t = Object.freeze(table) as unknown as KernelTable;
  recorders[variant] = t;
  return t;
}

let fns: RecordFn[] = [];
let fnsEpoch = -1;

/** This thread's kernels, indexed as call records index them (each name's SIMD then scalar twin). */
export function hereFns(): RecordFn[] {
  if (fnsEpoch !== tablesEpoch) {
    const simd = kernelTable('simd'), scalar = kernelTable('scalar');
    fns = KERNEL_NAMES.flatMap((name) => [simd![name], scalar?.[name] ?? missing(name)]);
    fnsEpoch = tablesEpoch;
  }
  return fns;
}

function missing(name: string): RecordFn {
  return () => {
    throw new Error(`simdconv: the kernel module has no export ${name}_f32_scalar`);
  };
}
