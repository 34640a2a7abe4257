// Running a job's parts (protocol.ts): the claim loop that the calling thread (pool.ts) and every
// worker it posted the job to (serve.ts) run at once, each taking the next unclaimed part until
// none is left; and the spin both sides do before they sleep.
import { CALL_SLOTS, JOB_HEADER_WORDS, JOB_NEXT, JOB_PARTS, JOB_RECORDS, SPIN_MS } from './protocol.js';

/** A kernel, as a call record names it (by its index in the export-name list). */
export type RecordFn = (...args: number[]) => unknown;

/**
 * Claims and runs parts of the job at byte address `job` until none is left. `fns[i]` is the
 * kernel with index i; `progress`, when >= 0, is the Int32 index of a counter to bump after each
 * call record (a worker's PROGRESS). A call that throws ends the loop (the error propagates).
 */
export function runParts(i32: Int32Array, f64: Float64Array, job: number, fns: readonly RecordFn[], progress: number): void {
  const h = job >> 2, parts = i32[h + JOB_PARTS]!, records = i32[h + JOB_RECORDS]! >> 3;
  for (;;) {
    const k = Atomics.add(i32, h + JOB_NEXT, 1);
    if (k >= parts) return;
    const end = records + i32[h + JOB_HEADER_WORDS + k + 1]! * CALL_SLOTS;
    for (let p = records + i32[h + JOB_HEADER_WORDS + k]! * CALL_SLOTS; p < end; p += CALL_SLOTS) {
      // Unused trailing arguments are ignored by the wasm function.
      fns[f64[p]!]!(f64[p + 2]!, f64[p + 3]!, f64[p + 4]!, f64[p + 5]!, f64[p + 6]!, f64[p + 7]!, f64[p + 8]!,
        f64[p + 9]!, f64[p + 10]!, f64[p + 11]!, f64[p + 12]!, f64[p + 13]!, f64[p + 14]!, f64[p + 15]!,
        f64[p + 16]!, f64[p + 17]!, f64[p + 18]!, f64[p + 19]!);
      if (progress >= 0) Atomics.add(i32, progress, 1);
    }
  }
}

/** Returns once i32[at] is no longer `value`, or after SPIN_MS (protocol.ts). */
export function spin(i32: Int32Array, at: number, value: number): void {
  const until = performance.now() + SPIN_MS;
  for (let n = 0; Atomics.load(i32, at) === value; n++) {
    if ((n & 63) === 63 && performance.now() > until) return;
  }
}
