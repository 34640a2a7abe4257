// The worker pool: workers that instantiate the same kernel module on the same shared memory and
// run lists of kernel calls the main thread hands them, so ops stay synchronous.
//
// One job (`parallel`): the op describes its work as T parts; part t is a function that calls
// kernels through the table it is given. With E = min(T, workers + 1) executors, part t goes to
// executor t mod E: executor 0 is the calling thread, which runs its parts with the real kernels;
// the others' parts are recorded (each kernel call becomes a call record, see protocol.ts) and
// posted to workers first. Then the caller waits until every worker has finished (a barrier).
// Parts must write disjoint memory and must not allocate (allocate scratch before `parallel`).
// Results do not depend on T: ops split only over independent outputs, never inside a sum.
//
// Waiting: Atomics.wait where the calling thread may block (Node, Deno, Bun, any worker). A
// browser's main thread may not block: there it polls with Atomics.load, only for the remainder
// after running its own part, which is about as long as the workers' parts.
import { kernels, KERNEL_NAMES, kernelVariant, type KernelTable, type KernelVariant } from '../wasm/kernels.js';
import { recording, type Recording } from '../wasm/capture.js';
import { I32_BYTES, type Heap } from '../wasm/memory.js';
import { CALL_SLOTS, CLAIM, COUNT, CTL_WORDS, DONE, ERROR, LIST, MAX_ARGS, PROGRESS, SEQ, type WorkerReply } from './protocol.js';
import { UnsupportedRuntimeError } from '../errors.js';
import { MAX_THREADS } from '../wasm/runtime.js';
import type { PoolWorker, Spawn } from './spawn.js';

/** Most workers a pool ever starts (control records reserved at start). */
const MAX_WORKERS = MAX_THREADS - 1;

/** How long a worker may take to load and instantiate before it counts as failed. */
const START_TIMEOUT_MS = 20_000;

/**
 * A dead worker (terminated, crashed, out of memory) cannot say so while this thread blocks: its
 * exit event needs this thread's event loop. So the wait is sliced (WAIT_SLICE_MS) and checks
 * the worker's words: a job it has not taken (CLAIM) after PICKUP_MS is cancelled (safe: it can
 * then never run) and the worker counted dead; a job it took but on which it finished no call
 * record (PROGRESS) for STALL_MS counts it dead too. An idle live worker takes a job within
 * microseconds, and one kernel call of a part takes far less than STALL_MS, so both are generous.
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

/** Kernel export names, in the order call records index them: each name's SIMD then scalar twin. */
const NAMES: readonly string[] = KERNEL_NAMES.flatMap((n) => [`${n}_f32_simd`, `${n}_f32_scalar`]);

/** @internal A worker of the pool. */
export interface Member {
  worker: PoolWorker;
  /** Byte address of its control record. */
  ctl: number;
  /** Its call records for the job being recorded (CALL_SLOTS values per call). */
  words: Float64Array;
  calls: number;
  recorders: Partial<Record<KernelVariant, KernelTable>>;
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
  /** Call-record block the workers read; grown with the heap, never shrunk. */
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
        resolve({ worker, ctl, words: new Float64Array(64 * CALL_SLOTS), calls: 0, recorders: {} });
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
 * no pool or the job is too short to pay for a dispatch, else up to the thread count.
 */
export function threadsFor(flops: number): number {
  if (forcedParts !== null) return forcedParts;
  const p = pool;
  if (p === null || p.active === 0) return 1;
  const us = flops / FLOPS_PER_US;
  if (!(us >= MIN_SPLIT_US)) return 1;
  return Math.max(1, Math.min(p.active + 1, Math.floor(us / MIN_PART_US)));
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
 * dealt out round-robin; with no pool they all run on this thread); null restores the cost model.
 * Returns the previous setting.
 */
export function forceParts(parts: number | null): number | null {
  const was = forcedParts;
  forcedParts = parts;
  return was;
}

/**
 * The first item of part t when n items are split into T near-equal parts: part t is the items
 * partStart(n, T, t) .. partStart(n, T, t + 1) - 1.
 */
export function partStart(n: number, T: number, t: number): number {
  return Math.floor((n * t) / T);
}

/**
 * Runs parts 0 .. T-1 of a job, each on one thread, and returns when all are done. `part(k, t)`
 * must do part t's work by calling kernels through `k` (a kernel table with the signatures of
 * `kernels`), write only memory no other part touches, and not allocate. With T = 1 or no pool it is
 * just `part(kernels, 0)`.
 */
export function parallel(T: number, part: (k: KernelTable, t: number) => void): void {
  const p = pool;
  if (T <= 1 || p === null || p.active === 0) {
    for (let t = 0; t < T || t === 0; t++) part(kernels, t);
    return;
  }
  const E = Math.min(T, p.active + 1); // executors: this thread and E-1 workers
  const variant = kernelVariant();
  for (let e = 1; e < E; e++) p.members[e - 1]!.calls = 0;
  for (let t = 0; t < T; t++) {
    const e = t % E;
    if (e !== 0) part(recorder(p.members[e - 1]!, variant), t);
  }
  let slots = 0;
  for (let e = 1; e < E; e++) slots += p.members[e - 1]!.calls * CALL_SLOTS;
  // While a capture records, the call records go to a block it owns, kept for its replays.
  const rec = recording;
  let at: number;
  if (rec !== null && slots > 0) {
    at = rec.own(slots * 8, 'threads');
  } else {
    if (slots * 8 > p.listBytes) {
      const bytes = Math.max(slots * 8, p.listBytes * 2, 4096);
      const block = p.heap.alloc(bytes, 'threads');
      if (p.listBytes > 0) p.heap.free(p.listAt, p.listBytes);
      p.listAt = block;
      p.listBytes = bytes;
    }
    at = p.listAt;
  }
  const lists = at, start = rec?.actions.length ?? 0;
  seq = seq >= 0x7ffffffe ? 1 : seq + 1;
  const i32 = p.heap.i32Raw();
  if (p.f64.buffer !== i32.buffer) p.f64 = new Float64Array(i32.buffer);
  for (let e = 1; e < E; e++) {
    const m = p.members[e - 1]!;
    if (m.calls === 0) continue;
    const n = m.calls * CALL_SLOTS;
    p.f64.set(m.words.subarray(0, n), at >> 3);
    post(i32, m, at, m.calls);
    at += n * 8;
  }
  if (slots > 0) dispatched++;
  try {
    for (let t = 0; t < T; t += E) part(kernels, t);
  } finally {
    finish(p, p.members, E - 1, false);
  }
  if (rec !== null && slots > 0) keepJob!(rec, start, p.members.slice(0, E - 1).filter((m) => m.calls > 0), lists);
}

/** Posts job `seq`: `count` call records at byte address `list` for member `m`, and wakes it. */
function post(i32: Int32Array, m: Member, list: number, count: number): void {
  const c = m.ctl >> 2;
  Atomics.store(i32, c + LIST, list);
  Atomics.store(i32, c + COUNT, count);
  Atomics.store(i32, c + CLAIM, 0);
  Atomics.store(i32, c + SEQ, seq);
  Atomics.notify(i32, c + SEQ);
}

/**
 * Waits until the first `n` of `members` finished job `seq` (`all` false: only those with calls,
 * the ones parallel() posted). A dead one is dropped from the pool and reported
 * (UnsupportedRuntimeError: the job's result is lost, the pool carries on), as is a failed call.
 */
function finish(p: Pool, members: readonly Member[], n: number, all: boolean): void {
  const i32 = p.heap.i32Raw();
  let failed = false;
  let dead: Member[] | null = null;
  for (let k = 0; k < n; k++) {
    const m = members[k]!;
    if (!all && m.calls === 0) continue;
    if (!awaitMember(p, i32, m.ctl >> 2, seq)) (dead ??= []).push(m);
    else if (Atomics.load(i32, (m.ctl >> 2) + ERROR) !== 0) failed = true;
  }
  if (dead !== null) {
    dropMembers(p, dead);
    throw new UnsupportedRuntimeError('threads', 'worker', 'live worker threads',
      `${dead.length} worker${dead.length > 1 ? 's' : ''} that stopped (terminated, crashed or out of memory)`,
      `simdconv: a worker thread stopped before finishing its part of a job (terminated, crashed or out of memory); the job's result is lost. The pool carries on with ${p.active} worker${p.active === 1 ? '' : 's'} (${p.active + 1} thread${p.active === 0 ? '' : 's'}); setThreads() starts new ones`);
  }
  if (failed) {
    throw new UnsupportedRuntimeError('threads', 'worker', 'kernel calls that succeed', 'a kernel call that failed in a worker thread',
      'simdconv: a kernel call failed in a worker thread (a broken kernel module?)');
  }
}

/**
 * @internal What parallel() does with a job it split while a capture records (`start`: index of the
 * capture's first action that is the calling thread's call in this job; `members`: the workers
 * posted, each with its `calls` and `words`; their call records are at byte address `lists`, one
 * after another): set by threads/replay.ts when compile() captures, so apps that never compile do
 * not bundle the replay code.
 */
let keepJob: ((rec: Recording, start: number, members: readonly Member[], lists: number) => void) | null = null;

/** @internal Installs keepJob (threads/replay.ts). */
export function onSplitCapture(f: (rec: Recording, start: number, members: readonly Member[], lists: number) => void): void {
  keepJob = f;
}

/** @internal Whether `m` is still one of the pool's active members (it takes parts). */
export function takesParts(m: Member): boolean {
  const p = pool;
  if (p === null) return false;
  const i = p.members.indexOf(m);
  return i >= 0 && i < p.active;
}

/**
 * @internal Posts one job to `members` (member k runs `counts[k]` call records at byte address
 * `lists[k]`), runs `run` on this thread, and waits for them as parallel() does (finish). The
 * members must be active (takesParts).
 */
export function runPosted(members: readonly Member[], lists: readonly number[], counts: readonly number[], run: () => void): void {
  const p = pool!;
  seq = seq >= 0x7ffffffe ? 1 : seq + 1;
  const i32 = p.heap.i32Raw();
  for (let k = 0; k < members.length; k++) post(i32, members[k]!, lists[k]!, counts[k]!);
  dispatched++;
  try {
    run();
  } finally {
    finish(p, members, members.length, true);
  }
}

/**
 * Waits until the member with control record `c` (Int32 index) has finished job `seq`. Returns
 * false when it is dead: it did not take the job within pickupMs (the job is then cancelled, so
 * it can never run late), or it took it and finished no call record for stallMs.
 */
function awaitMember(p: Pool, i32: Int32Array, c: number, seq: number): boolean {
  const start = performance.now();
  let progress = Atomics.load(i32, c + PROGRESS);
  let progressAt = start;
  for (;;) {
    const d = Atomics.load(i32, c + DONE);
    if (d === seq) return true;
    if (p.blocking) Atomics.wait(i32, c + DONE, d, WAIT_SLICE_MS);
    const now = performance.now();
    if (Atomics.load(i32, c + CLAIM) === 0) {
      if (now - start > pickupMs && Atomics.compareExchange(i32, c + CLAIM, 0, -1) === 0) return false;
    } else {
      const pr = Atomics.load(i32, c + PROGRESS);
      if (pr !== progress) {
        progress = pr;
        progressAt = now;
      } else if (now - progressAt > stallMs && Atomics.load(i32, c + DONE) !== seq) {
        return false;
      }
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
  timeouts(pickup: number | null, stall: number | null): void {
    if (pickup !== null) pickupMs = pickup;
    if (stall !== null) stallMs = stall;
  },
};

/** A kernel table whose functions append call records to `m`'s list instead of running. */
function recorder(m: Member, variant: KernelVariant): KernelTable {
  const have = m.recorders[variant];
  if (have) return have;
  const table: Record<string, (...args: number[]) => number> = {};
  KERNEL_NAMES.forEach((name, i) => {
    const index = 2 * i + (variant === 'scalar' ? 1 : 0);
    table[name] = (...args: number[]): number => {
      if (args.length > MAX_ARGS) throw new Error(`simdconv: ${name} takes more than ${MAX_ARGS} arguments`);
      let o = m.calls * CALL_SLOTS;
      if (o + CALL_SLOTS > m.words.length) {
        const bigger = new Float64Array(m.words.length * 2);
        bigger.set(m.words);
        m.words = bigger;
      }
      m.words[o++] = index;
      m.words[o++] = args.length;
      for (let j = 0; j < args.length; j++) m.words[o + j] = args[j]!;
      m.calls++;
      return 0;
    };
  });
  const t = Object.freeze(table) as unknown as KernelTable;
  m.recorders[variant] = t;
  return t;
}
