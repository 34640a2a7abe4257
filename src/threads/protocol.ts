// The shared-memory protocol between the main thread and the pool's workers. Imported by both
// sides, so it holds only constants and plain types (no imports).
//
// Control block: one 64-byte record per worker (a cache line each, so workers do not share one),
// at a 16-byte aligned byte address inside the shared linear memory. Int32 words:
//   SEQ    job number the main thread posts (Atomics.store + notify)
//   DONE   job number the worker has finished (Atomics.store + notify)
//   LIST   byte address of the job (its header, below)
//   ERROR  0, or 1 when a call threw (the message is not transferred: kernels never throw, so an
//          error means a broken module or a bug; the main thread reports it)
//   CLAIM  -seq while posted job seq waits; the worker takes it by compareExchange(-seq -> seq),
//          or the main thread cancels it by compareExchange(-seq -> 0) once every part is done
//          (the worker woke too late to help): exactly one side wins, so a cancelled job never
//          runs late, and a worker still holding an older job number can never take a newer job
//   PROGRESS  call records the worker has finished, ever (wraps): the main thread watches it to
//          tell a worker that works from one that stopped (killed, crashed) mid-job
//   SEEN   the last job number the worker woke for, taken or not: a worker that sees no job for
//          long while jobs are posted is dead
//
// Job: at a 16-byte aligned byte address, Int32 words [NEXT, PARTS, RECORDS, 0], then PARTS + 1
// Int32 part bounds: part k is call records bounds[k] .. bounds[k+1]-1 of the call records at byte
// address RECORDS (8-byte aligned). Every executor (the calling thread and the workers the job
// was posted to) claims parts with Atomics.add(NEXT, 1) until the number passes PARTS, so a thread
// that starts late or is descheduled takes fewer parts. Parts write disjoint memory, so results do
// not depend on which thread ran which part.
//
// Call record: CALL_SLOTS float64 values at an 8-byte aligned address: [kernel index, argument
// count, arguments...]. The kernel index is a position in the export-name list the worker
// received at start; arguments are the kernel's parameters (byte addresses, element counts, f32
// scalars), all exact in a float64.

/**
 * How long (ms) a thread that finished its share spins on a word before it sleeps in Atomics.wait:
 * a worker waiting for the next job, the calling thread waiting for a worker to finish. A thread
 * that slept wakes tens of µs later and, on the VMs measured here (Firecracker, a vCPU that halts
 * when idle), runs its first hundreds of µs slower: a worker woken from sleep ran its parts of a
 * single-image convolution 1.1-1.4x slower than the calling thread; spinning, 0.96-1.17x, and it
 * started 4-5 µs after the post instead of 40-60. Back-to-back ops (a training step) keep the
 * threads spinning; an idle pool spins once, for this long, then sleeps.
 */
export const SPIN_MS = 2;

/** Int32 words per worker in the control block (64 bytes). */
export const CTL_WORDS = 16;
export const SEQ = 0;
export const DONE = 1;
export const LIST = 2;
export const ERROR = 4;
export const CLAIM = 5;
export const PROGRESS = 6;
export const SEEN = 7;

/** Int32 words of a job header (see above), before its part bounds. */
export const JOB_NEXT = 0;
export const JOB_PARTS = 1;
export const JOB_RECORDS = 2;
export const JOB_HEADER_WORDS = 4;

/** Most arguments a kernel takes (im2col_nhwc / col2im_nhwc take 17). */
export const MAX_ARGS = 18;
/** Float64 values per call record: index, argument count, MAX_ARGS arguments. */
export const CALL_SLOTS = 2 + MAX_ARGS;

/** The message a worker receives once, right after it starts. */
export interface StartMessage {
  type: 'start';
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  /** Export names; a call record's kernel index points into this list. */
  names: string[];
  /** Byte address of this worker's control record. */
  ctl: number;
}

/**
 * What a worker posts: 'loaded' once it listens (the main thread then sends the StartMessage),
 * 'ready' once it waits for jobs, or 'error' with a message.
 */
export type WorkerReply = { type: 'loaded' } | { type: 'ready' } | { type: 'error'; message: string };
