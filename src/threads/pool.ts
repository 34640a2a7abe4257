// The worker pool: workers that instantiate the same kernel module on the same shared memory and
// run lists of kernel calls the main thread hands them, so ops stay synchronous.
//
// One job (`parallel`): the op describes its work as T parts; part t is a function that calls
// kernels through the table it is given. Every part is recorded (each kernel call becomes a call
// record, see protocol.ts and record.ts) into one job that is posted to min(T, workers + 1) - 1 workers; the
// calling thread and those workers then claim parts from a shared counter until none is left, so
// a worker that wakes late or is descheduled takes fewer parts instead of making the others wait.
// A worker that had not woken when the last part was claimed is cancelled, not waited for; one
// that took the job is waited for (a barrier). Parts must write disjoint memory and must not
// allocate (allocate scratch per part before `parallel`). Results do not depend on T nor on which
// thread ran a part: ops split only over independent outputs, never inside a sum.
//
// Waiting: Atomics.wait where the calling thread may block (Node, Deno, Bun, any worker). A
// browser's main thread may not block: there it polls with Atomics.load, only for the remainder
// after running its own part, which is about as long as the workers' parts.
import { kernels, KERNEL_NAMES, kernelVariant, type KernelTable } from '../wasm/kernels.js';
import { onReplay, recording } from '../wasm/capture.js';
import { I32_BYTES, type Heap } from '../wasm/memory.js';
import { CLAIM, CTL_WORDS, DONE, ERROR, JOB_NEXT, LIST, PROGRESS, SEEN, SEQ, type WorkerReply } from './protocol.js';
import { runParts, spin } from './parts.js';
import { hereFns, recordJob, writeJob } from './record.js';
import { UnsupportedRuntimeError } from '../errors.js';
import { MAX_THREADS } from '../wasm/runtime.js';
import type { PoolWorker, Spawn } from './spawn.js';

/** Most workers a pool ever starts (control records reserved at start). */
const MAX_WORKERS = MAX_THREADS - 1;

/** How long a worker may take to load and instantiate before it counts as failed. */
const START_TIMEOUT_MS = 20_000;

/**
 * A dead worker (terminated, crashed, out of memory) cannot say so while this thread blocks: its
 * exit event needs this thread's event loop. So the pool watches the worker's words: one that
 * woke for no job (SEEN) during PICKUP_MS while jobs were posted to it is dead (its jobs were
 * cancelled and done by the other threads, so no result is lost; it is dropped from the pool);
 * one that took a job but finished no call record (PROGRESS) for STALL_MS is dead too (the wait
 * for it is sliced, WAIT_SLICE_MS; the parts it claimed are lost, and the op throws). An idle live
 * worker wakes within microseconds, and one kernel call takes far less than STALL_MS, so both are
 * generous.
 */
const WAIT_SLICE_MS = 50;
let pickupMs = 5_000;
let stallMs = 60_000;

/**
 * The cost model that decides whether a job is split: estimated single-thread time is
 * flops / FLOPS_PER_US microseconds (about the speed of the GEMM-based convolution kernels); a
 * job is split only if it takes at least MIN_SPLIT_US (a dispatch round trip costs ~25 µs), into
 * parts of at least MIN_PART_US each.
 */
const FLOPS_PER_US = 30_000;
const MIN_SPLIT_US = 150;
const MIN_PART_US = 75;

/**
 * Parts per thread a large job is split into: smaller parts let a thread that starts late or is
 * descheduled take fewer of them (a part's own setup costs little: at 4 parts per thread, one
 * thread's time moved 0.89-1.07x on the f, g, 128-channel and LeNet conv2 layers).
 */
const PARTS_PER_THREAD = 4;

/** Kernel export names, in the order call records index them: each name's SIMD then scalar twin. */
const NAMES: readonly string[] = KERNEL_NAMES.flatMap((n) => [`${n}_f32_simd`, `${n}_f32_scalar`]);

/** A worker of the pool. */
interface Member {
  worker: PoolWorker;
  /** Byte address of its control record. */
  ctl: number;
  /** The last SEEN value read, and since when (ms) it has not changed while its jobs were cancelled (0: it took the last one). */
  seen: number;
  missedSince: number;
}

interface Pool {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  heap: Heap;
  spawn: Spawn;
  /** Whether this thread may block in Atomics.wait. */
  blocking: boolean;
  /** Control block: MAX_WORKERS records of CTL_WORDS words. */
  ctlAt: number;
  nextSlot: number;
  members: Member[];
  /** Members that take parts (the first `active`; the rest idle, blocked in Atomics.wait). */
  active: number;
  /** Job block (header, part bounds, call records) the workers read; grown with the heap, never shrunk. */
  listAt: number;
  listBytes: number;
  /** Float64 view of the memory for writing call records; replaced when the memory grows. */
  f64: Float64Array;
}

let pool: Pool | null = null;
let forcedParts: number | null = null;
let seq = 0;
let dispatched = 0;

export interface PoolOptions {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  heap: Heap;
  spawn: Spawn;
  blocking: boolean;
}

/**
 * Reserves the control block and starts `workers` workers. Resolves to how many started (workers
 * that fail to start are dropped; 0 leaves the pool empty and ops single-threaded).
 */
export async function startPool(o: PoolOptions, workers: number): Promise<number> {
  if (pool === null) {
    const bytes = MAX_WORKERS * CTL_WORDS * I32_BYTES;
    const ctlAt = o.heap.alloc(bytes, 'init');
    o.heap.i32().fill(0, ctlAt >> 2, (ctlAt + bytes) >> 2);
    pool = { ...o, ctlAt, nextSlot: 0, members: [], active: 0, listAt: 0, listBytes: 0, f64: new Float64Array(o.memory.buffer) };
  }
  return resizePool(workers);
}

/**
 * Makes `workers` workers take parts: starts more if needed (up to MAX_WORKERS), or leaves the
 * extra ones idle. Resolves to the number of active workers.
 */
async function resizePool(workers: number): Promise<number> {
  const p = pool;
  if (p === null) return 0;
  const want = Math.min(Math.max(0, Math.floor(workers)), MAX_WORKERS);
  const starting: Promise<Member>[] = [];
  while (p.members.length + starting.length < want && p.nextSlot < MAX_WORKERS) {
    starting.push(startMember(p, p.nextSlot++));
  }
  for (const r of await Promise.allSettled(starting)) {
    if (r.status === 'fulfilled') p.members.push(r.value);
  }
  p.active = Math.min(want, p.members.length);
  return p.active;
}

function startMember(p: Pool, slot: number): Promise<Member> {
  const ctl = p.ctlAt + slot * CTL_WORDS * I32_BYTES;
  return new Promise((resolve, reject) => {
    let worker: PoolWorker;
    try {
      worker = p.spawn();
    } catch (e) {
      reject(e);
      return;
    }
    const timer = setTimeout(() => fail('it did not start in time'), START_TIMEOUT_MS);
    const fail = (message: string): void => {
      clearTimeout(timer);
      worker.release();
      worker.terminate();
      reject(new Error(`simdconv worker: ${message}`));
    };
    worker.listen((r: WorkerReply) => {
      if (r.type === 'loaded') {
        worker.post({ type: 'start', module: p.module, memory: p.memory, names: [...NAMES], ctl });
      } else if (r.type === 'ready') {
        clearTimeout(timer);
        worker.release();
        resolve({ worker, ctl, seen: 0, missedSince: 0 });
      } else {
        fail(r.message);
      }
    }, fail);
  });
}

/** Threads ops run on: active workers + the calling thread (1 without a pool). */
export function poolThreads(): number {
  return pool === null ? 1 : pool.active + 1;
}

/** Jobs handed to workers so far (for tests: small calls must not be dispatched). */
export function dispatchedJobs(): number {
  return dispatched;
}

/**
 * How many parts to split a job of about `flops` floating-point operations into: 1 when there is
 * no pool or the job is too short to pay for a dispatch, else up to PARTS_PER_THREAD per thread,
 * each of at least MIN_PART_US.
 */
export function partsFor(flops: number): number {
  if (forcedParts !== null) return forcedParts;
  const p = pool;
  if (p === null || p.active === 0) return 1;
  const us = flops / FLOPS_PER_US;
  if (!(us >= MIN_SPLIT_US)) return 1;
  return Math.max(1, Math.min((p.active + 1) * PARTS_PER_THREAD, Math.floor(us / MIN_PART_US)));
}

/**
 * Picks how to split a job into at most T parts along one of several dimensions (`sizes`: the
 * item counts of each, every item costing the same): the dimension whose split is fastest
 * (size / largest part; the first on ties), and the parts it gets (at most its size).
 * Returns [parts, index of the dimension]; [1, 0] for T = 1.
 */
export function chooseSplit(T: number, ...sizes: number[]): [number, number] {
  let best = 0, bestParts = 1, bestSpeed = 1;
  for (let d = 0; d < sizes.length; d++) {
    const n = sizes[d]!, parts = Math.max(1, Math.min(T, n));
    const speed = n / Math.ceil(n / parts);
    if (speed > bestSpeed) {
      best = d;
      bestParts = parts;
      bestSpeed = speed;
    }
  }
  return [bestParts, best];
}

/**
 * For tests: split every job, whatever its size, into `parts` parts (more parts than threads are
 * claimed by the threads as usual; with no pool they all run on this thread); null restores the cost model.
 * Returns the previous setting.
 */
export function forceParts(parts: number | null): number | null {
  const was = forcedParts;
  forcedParts = parts;
  return was;
}

/**
 * The first item of part t when n items are split into T parts: part t is the items
 * partStart(n, T, t) .. partStart(n, T, t + 1) - 1. Below GUIDED_PARTS parts they are near-equal;
 * from there on they shrink linearly, part t weighing 3T - 1 - 2t (the first about 2.5 times the
 * last), so the parts claimed last are the small ones and a thread that finds none left waits
 * for at most a small part of another (the bounds are floor(n * t(3T - t) / 2T²)). A pure function
 * of (n, T): a job and the code after it compute the same bounds.
 */
export function partStart(n: number, T: number, t: number): number {
  if (T < GUIDED_PARTS) return evenStart(n, T, t);
  return Math.floor((n * t * (3 * T - t)) / (2 * T * T));
}

/** The first item of block t when n items are split into T near-equal blocks. */
export function evenStart(n: number, T: number, t: number): number {
  return Math.floor((n * t) / T);
}

/** Fewest parts that partStart sizes decreasingly. */
const GUIDED_PARTS = 4;

/** The most items any part t < T of partStart(n, T, t) gets (to size its scratch). */
export function largestPart(n: number, T: number): number {
  let most = 0;
  for (let t = 0; t < T; t++) most = Math.max(most, partStart(n, T, t + 1) - partStart(n, T, t));
  return most;
}

/**
 * Runs parts 0 .. T-1 of a job, spread over the threads, and returns when all are done. `part(k, t)`
 * must do part t's work by calling kernels through `k` (a kernel table with the signatures of
 * `kernels`), write only memory no other part touches, and not allocate. With T = 1 or no pool it is
 * just `part(kernels, 0)`. While a compile() capture records, the job is kept and run again, on the
 * pool's threads of the time, at each replay.
 */
export function parallel(T: number, part: (k: KernelTable, t: number) => void): void {
  const p = pool;
  if (T <= 1 || p === null || p.active === 0) {
    for (let t = 0; t < T || t === 0; t++) part(kernels, t);
    return;
  }
  const bytes = recordJob(T, kernelVariant(), part);
  // While a capture records, the job goes to a block it owns, kept for its replays.
  const rec = recording;
  let job: number;
  if (rec !== null) {
    job = rec.own(bytes, 'threads');
  } else {
    if (bytes > p.listBytes) {
      const size = Math.max(bytes, p.listBytes * 2, 4096);
      const block = p.heap.alloc(size, 'threads');
      if (p.listBytes > 0) p.heap.free(p.listAt, p.listBytes);
      p.listAt = block;
      p.listBytes = size;
    }
    job = p.listAt;
  }
  writeJob(p.heap.i32Raw(), f64Of(p), job, T);
  runJob(p, job, T);
  if (rec !== null) onReplay(() => runJob(pool!, job, T));
}

/**
 * Runs the job at byte address `job` (its header and call records written, `parts` parts): posts
 * it to min(parts, threads) - 1 active workers, claims parts on this thread too, then cancels the
 * workers that have not taken it yet and waits for those that have.
 */
function runJob(p: Pool, job: number, parts: number): void {
  const i32 = p.heap.i32Raw();
  Atomics.store(i32, (job >> 2) + JOB_NEXT, 0);
  const posted = Math.min(parts - 1, p.active);
  seq = seq >= 0x7ffffffe ? 1 : seq + 1;
  for (let k = 0; k < posted; k++) post(i32, p.members[k]!, job);
  if (posted > 0) dispatched++;
  try {
    runParts(i32, f64Of(p), job, hereFns(), -1);
  } finally {
    finish(p, posted);
  }
}

/** The pool's Float64 view of the memory, replaced when the memory has grown. */
function f64Of(p: Pool): Float64Array {
  const buffer = p.heap.i32Raw().buffer;
  if (p.f64.buffer !== buffer) p.f64 = new Float64Array(buffer);
  return p.f64;
}

/** Posts job `seq` (at byte address `job`) to member `m`, and wakes it. */
function post(i32: Int32Array, m: Member, job: number): void {
  const c = m.ctl >> 2;
  Atomics.store(i32, c + LIST, job);
  Atomics.store(i32, c + CLAIM, -seq);
  Atomics.store(i32, c + SEQ, seq);
  Atomics.notify(i32, c + SEQ);
}

/**
 * Ends job `seq` for the first `n` active members, once this thread found no part left: cancels
 * it for each member that has not taken it, and waits for each that has. A member that took it
 * and stopped is dropped from the pool and reported (UnsupportedRuntimeError: the parts it claimed
 * are lost, the pool carries on), as is a failed call; a member that has woken for no job during
 * pickupMs is dropped (its jobs were done without it: no result is lost).
 */
function finish(p: Pool, n: number): void {
  const i32 = p.heap.i32Raw();
  let failed = false;
  let dead: Member[] | null = null, silent: Member[] | null = null;
  for (let k = 0; k < n; k++) {
    const m = p.members[k]!, c = m.ctl >> 2;
    if (Atomics.compareExchange(i32, c + CLAIM, -seq, 0) === -seq) {
      // It had not woken for this job: cancelled. Dead if it has woken for none for pickupMs.
      const seen = Atomics.load(i32, c + SEEN), now = performance.now();
      if (seen !== m.seen || m.missedSince === 0) {
        m.seen = seen;
        m.missedSince = now;
      } else if (now - m.missedSince > pickupMs) {
        (silent ??= []).push(m);
      }
      continue;
    }
    m.missedSince = 0;
    if (!awaitMember(p, i32, c, seq)) (dead ??= []).push(m);
    else if (Atomics.load(i32, c + ERROR) !== 0) failed = true;
  }
  if (silent !== null) dropMembers(p, silent);
  if (dead !== null) {
    dropMembers(p, dead);
    throw new UnsupportedRuntimeError('threads', 'worker', 'live worker threads',
      `${dead.length} worker${dead.length > 1 ? 's' : ''} that stopped (terminated, crashed or out of memory)`,
      `simdconv: a worker thread stopped while running its part of a job (terminated, crashed or out of memory); the job's result is lost. The pool carries on with ${p.active} worker${p.active === 1 ? '' : 's'} (${p.active + 1} thread${p.active === 0 ? '' : 's'}); setThreads() starts new ones`);
  }
  if (failed) {
    throw new UnsupportedRuntimeError('threads', 'worker', 'kernel calls that succeed', 'a kernel call that failed in a worker thread',
      'simdconv: a kernel call failed in a worker thread (a broken kernel module?)');
  }
}

/**
 * Waits until the member with control record `c` (Int32 index), which took job `seq`, has finished
 * it. Returns false when it is dead: it finished no call record for stallMs.
 */
function awaitMember(p: Pool, i32: Int32Array, c: number, seq: number): boolean {
  const was = Atomics.load(i32, c + DONE);
  if (was !== seq) spin(i32, c + DONE, was);
  let progress = Atomics.load(i32, c + PROGRESS);
  let progressAt = performance.now();
  for (;;) {
    const d = Atomics.load(i32, c + DONE);
    if (d === seq) return true;
    if (p.blocking) Atomics.wait(i32, c + DONE, d, WAIT_SLICE_MS);
    const now = performance.now();
    const pr = Atomics.load(i32, c + PROGRESS);
    if (pr !== progress) {
      progress = pr;
      progressAt = now;
    } else if (now - progressAt > stallMs && Atomics.load(i32, c + DONE) !== seq) {
      return false;
    }
  }
}

/** Takes dead members out of the pool (ending them, in case they still run): fewer threads from now on. */
function dropMembers(p: Pool, dead: readonly Member[]): void {
  for (const m of dead) {
    void Promise.resolve().then(() => m.worker.terminate()).catch(() => {});
    const i = p.members.indexOf(m);
    if (i >= 0) p.members.splice(i, 1);
  }
  p.active = Math.min(p.active, p.members.length);
}

/**
 * @internal For tests: ends worker `index` of the pool behind its back (as a crash would), resolving
 * once it has stopped; and sets the dead-worker timeouts (null keeps one).
 */
export const poolTestHooks = {
  killWorker(index: number): Promise<unknown> {
    const m = pool?.members[index];
    if (m === undefined) return Promise.reject(new Error(`no worker ${index}`));
    return Promise.resolve(m.worker.terminate());
  },
  /** Call records worker `index` has run, ever (its PROGRESS word). */
  progress(index: number): number {
    const p = pool, m = p?.members[index];
    return m === undefined ? 0 : Atomics.load(p!.heap.i32Raw(), (m.ctl >> 2) + PROGRESS);
  },
  /** Workers started and not dropped (active or idle). */
  workers(): number {
    return pool?.members.length ?? 0;
  },
  timeouts(pickup: number | null, stall: number | null): void {
    if (pickup !== null) pickupMs = pickup;
    if (stall !== null) stallMs = stall;
  },
};
