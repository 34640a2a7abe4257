// The memory behind tensors and the bookkeeping of live tensor handles: reference-counted
// storages whose blocks come from the heap's allocTensor, the counts memory() reports, the
// finalizer that frees what was dropped without dispose(), and the stack of open tidy() scopes
// (scope.ts) that new tensors join; the leak warning (live tensors that keep growing while the
// program loops) and, while trackTensors() is on, each tensor's creation site for liveTensors().
import { ArgumentError, describe } from './errors.js';
import { heapIfReady } from './wasm/runtime.js';

/** The bytes behind one or more tensors, reference-counted. `version` counts in-place writes. */
export class Storage {
  ptr: number;
  readonly bytes: number;
  refs = 1;
  version = 0;

  constructor(ptr: number, bytes: number) {
    this.ptr = ptr;
    this.bytes = bytes;
    stats.bytes += bytes;
  }

  retain(): this {
    this.refs++;
    return this;
  }

  release(): void {
    if (--this.refs === 0) {
      const h = heapIfReady();
      if (h !== null) h.freeTensor(this.ptr, this.bytes);
      stats.bytes -= this.bytes;
      this.ptr = -1;
    }
  }
}

/** What this module needs of a tensor handle (tensor.ts's Tensor). */
export interface Handle {
  _storage: Storage;
  _disposed: boolean;
  /** Whether the finalizer knows this handle (see registerLater). */
  _registered: boolean;
  dispose(): void;
}

/** Live tensor handles and the bytes of their storages. */
export const stats = { tensors: 0, bytes: 0 };

// Workers before compatibility date 2025-05-05 have no FinalizationRegistry: there a tensor
// dropped without dispose() stays allocated until tidy/using/dispose frees it.
const finalizer: Pick<FinalizationRegistry<Storage>, 'register' | 'unregister'> = typeof FinalizationRegistry === 'function'
  ? new FinalizationRegistry<Storage>((storage) => {
    stats.tensors--;
    storage.release();
  })
  : { register: () => {}, unregister: () => false };

/**
 * Registering with the FinalizationRegistry costs about 0.2 µs per tensor in V8, more than a small
 * op, so new tensors wait here and are registered in batches: when REGISTER_BATCH are waiting, and
 * when the current job ends (a microtask). A tensor disposed before then is never registered, so
 * an op whose result is disposed in the same job pays nothing; one dropped without dispose() is
 * registered by the end of the job at the latest, and collected as before.
 */
const unregistered: Handle[] = [];
const REGISTER_BATCH = 256;
let registrationQueued = false;

function registerLater(t: Handle): void {
  if (unregistered.push(t) >= REGISTER_BATCH) {
    registerWaiting();
  } else if (!registrationQueued) {
    registrationQueued = true;
    queueMicrotask(registerQueued);
  }
}

function registerQueued(): void {
  registrationQueued = false;
  registerWaiting();
}

/** Handles made before the last registerWaiting (with `unregistered.length`: every handle ever made, the leak rule's clock). */
let madeBefore = 0;

function registerWaiting(): void {
  madeBefore += unregistered.length;
  for (let i = 0; i < unregistered.length; i++) {
    const t = unregistered[i]!;
    if (!t._disposed) {
      finalizer.register(t, t._storage, t);
      t._registered = true;
    }
  }
  unregistered.length = 0;
}

/** Open tidy() scopes, innermost last: every tensor made is recorded in the innermost one. */
export const scopes: Handle[][] = [];
/** While > 0, new tensors belong to no scope (autograd's own tensors). */
let suspended = 0;

/** @internal Runs `fn` so that the tensors it makes are not recorded by enclosing tidy() scopes. */
export function outsideScopes<T>(fn: () => T): T {
  suspended++;
  try {
    return fn();
  } finally {
    suspended--;
  }
}

/**
 * @internal outsideScopes without a closure, for per-step paths: `suspendScopes(1)` before,
 * `suspendScopes(-1)` in a finally.
 */
export function suspendScopes(by: 1 | -1): void {
  suspended += by;
}

/**
 * Counts a new handle, queues it for the finalizer and records it in the innermost tidy() scope.
 * The leak rule and creation sites cost one comparison here (slowAbove) until they have work.
 */
export function track(t: Handle): void {
  if (++stats.tensors > slowAbove) madeSlow(t);
  registerLater(t);
  if (scopes.length > 0 && suspended === 0) scopes[scopes.length - 1]!.push(t);
}

/** Undoes track for a handle being disposed, and releases its storage. */
export function untrack(t: Handle): void {
  if (--stats.tensors < slowBelow) disposedSlow(t);
  if (t._registered) finalizer.unregister(t);
  t._storage.release();
}

// ---- The leak warning ----
//
// A program that forgets to free tensors in a loop (no tidy, `using` or dispose) shows one
// signature: the live count keeps climbing while the program also frees tensors (its loop makes
// temporaries that library code or the finalizer frees), step after step. The rule watches the
// count only when it crosses the next threshold (LEAK_FIRST, then doubling: one comparison per
// new tensor) and warns, once, when LEAK_STREAK successive thresholds were each reached by
// looping growth: at least LEAK_CHURN tensors made per tensor added since the previous threshold,
// with no fall below half the previous threshold in between (a fall starts over from there).
// What legitimate programs do fails one condition: a model's parameters or a dataset made
// tensor by tensor add about one tensor per tensor made (no churn), and then stop growing; a
// loop under tidy frees what it makes, so its count never crosses the next threshold.

/** The first threshold: fewer live tensors are never reported. */
export const LEAK_FIRST = 512;
/** Successive thresholds reached by looping growth before the warning. */
export const LEAK_STREAK = 3;
/** Tensors made per tensor added that count as looping growth (at least two freed per one kept). */
export const LEAK_CHURN = 3;

// The leak rule's state (module variables, not an object: minifiers shorten their names).
/** Whether the warning may still be given (setLeakWarning; false once given). */
let leakArmed = true;
/** The next threshold, and the level whose loss is a drop (-1: none). */
let leakHigh = LEAK_FIRST, leakLow = -1;
/** Thresholds reached in a row by looping growth. */
let leakStreak = 0;
/** madeSoFar() and stats.tensors when the last threshold was reached (or the rule was re-armed). */
let leakMade = 0, leakLive = 0;

/** track() takes madeSlow when the live count exceeds this; untrack() disposedSlow below slowBelow. */
let slowAbove = LEAK_FIRST;
let slowBelow = -1;

/** Sets slowAbove/slowBelow from the leak rule's state and whether creation sites are recorded. */
function rearmSlowPaths(): void {
  slowAbove = siteHooks !== null ? -1 : leakArmed ? leakHigh : Infinity;
  slowBelow = siteHooks !== null ? Infinity : leakArmed ? leakLow : -1;
}

/**
 * recordSite / forgetSite while trackTensors() is on, else null (reached through this variable,
 * so a bundle that never calls trackTensors leaves them out).
 */
let siteHooks: { made(t: Handle): void; disposed(t: Handle): void } | null = null;

function madeSlow(t: Handle): void {
  if (siteHooks !== null) siteHooks.made(t);
  if (leakArmed && stats.tensors > leakHigh) thresholdReached();
  rearmSlowPaths();
}

function disposedSlow(t: Handle): void {
  if (siteHooks !== null) siteHooks.disposed(t);
  if (leakArmed && stats.tensors < leakLow) {
    // A fall: the growth was freed, so it was no leak; watch again from the level reached (and
    // lower again on each further halving).
    restartLeakWatch();
  }
  rearmSlowPaths();
}

/** Handles ever made (counted in batches by registerWaiting: nothing per tensor). */
function madeSoFar(): number {
  return madeBefore + unregistered.length;
}

function thresholdReached(): void {
  const made = madeSoFar() - leakMade, added = stats.tensors - leakLive;
  leakStreak = made >= LEAK_CHURN * added ? leakStreak + 1 : 0;
  leakMade = madeSoFar();
  leakLive = stats.tensors;
  leakLow = leakHigh >> 1;
  while (leakHigh < stats.tensors) leakHigh *= 2;
  if (leakStreak >= LEAK_STREAK) {
    leakArmed = false;
    console.warn(leakMessage());
  }
}

function leakMessage(): string {
  const mb = (stats.bytes / 2 ** 20).toFixed(1);
  return `simdconv: ${stats.tensors} tensors (${mb} MB) alive and growing: free each step's with sc.tidy(), \`using\` or dispose(); `
    + 'find them with sc.trackTensors() + sc.liveTensors(); silence: sc.setLeakWarning(false)';
}

/**
 * Turns the one-time warning about leaking tensors on or off (it is on by default). simdconv
 * warns once (console.warn) when the number of live tensors keeps growing while a program loops,
 * the sign of a loop that forgets `tidy`, `using` or `dispose()`. `setLeakWarning(true)` turns
 * it back on, re-armed: it may warn once more, for growth from the current count on.
 * @example
 * sc.setLeakWarning(false);   // a program that deliberately keeps many tensors alive
 * sc.setLeakWarning(true);
 */
export function setLeakWarning(enabled: boolean): void {
  if (typeof enabled !== 'boolean') throw new ArgumentError('setLeakWarning', 'enabled', 'true or false', describe(enabled));
  leakArmed = enabled;
  restartLeakWatch();
  rearmSlowPaths();
}

/** Starts the leak rule over from the current count: the next threshold twice it (at least LEAK_FIRST), a fall to half of it a drop. */
function restartLeakWatch(): void {
  leakStreak = 0;
  leakHigh = Math.max(LEAK_FIRST, 2 * stats.tensors);
  leakLow = stats.tensors >> 1;
  leakMade = madeSoFar();
  leakLive = stats.tensors;
}

// ---- Creation sites (trackTensors / liveTensors) ----

/** One recorded tensor: a weak reference (leaked tensors stay collectable) and its creation stack. */
interface SiteEntry {
  ref: { deref(): Handle | undefined };
  stack: string;
}

/** The recorded tensors while trackTensors() is on, else null; `siteOf` finds a handle's entry. */
let sites: Set<SiteEntry> | null = null;
let siteOf = new WeakMap<Handle, SiteEntry>();
/** sites.size after the last pruning of collected handles. */
let prunedAt = 0;

function recordSite(t: Handle): void {
  const e: SiteEntry = { ref: typeof WeakRef === 'function' ? new WeakRef(t) : { deref: () => t }, stack: captureStack() };
  siteOf.set(t, e);
  sites!.add(e);
  if (sites!.size > 2 * prunedAt + 1024) pruneSites();
}

function forgetSite(t: Handle): void {
  const e = siteOf.get(t);
  if (e !== undefined) sites!.delete(e);
}

/** Drops entries whose handle was garbage-collected (the finalizer freed its memory) or disposed. */
function pruneSites(): void {
  for (const e of sites!) {
    const t = e.ref.deref();
    if (t === undefined || t._disposed) sites!.delete(e);
  }
  prunedAt = sites!.size;
}

/** The current stack, deep enough to reach the caller's code under nested layers and ops. */
function captureStack(): string {
  const E = Error as { stackTraceLimit?: number };
  const limit = E.stackTraceLimit;
  if (typeof limit === 'number') E.stackTraceLimit = 64;
  const stack = new Error().stack ?? '';
  if (typeof limit === 'number') E.stackTraceLimit = limit;
  return stack;
}

/** `file:line:col` of a stack line (V8's `at f (loc)` / `at loc`, or Firefox/Safari's `f@loc`), or null. */
function locationOf(line: string): string | null {
  const m = /(?:\(|@|at )([^()\s@]*:\d+:\d+)\)?\s*$/.exec(line);
  return m ? m[1]! : null;
}

/** The directory of simdconv's own files (src/ or dist/), from where this function runs; null if unknown. */
let ownDir: string | null | undefined;
function libraryDir(): string | null {
  if (ownDir !== undefined) return ownDir;
  for (const line of (new Error().stack ?? '').split('\n')) {
    const loc = locationOf(line);
    if (loc !== null) {
      // storage.ts sits at the top of the library's source tree (src/ or dist/).
      const file = loc.replace(/:\d+:\d+$/, '');
      return (ownDir = file.slice(0, file.lastIndexOf('/') + 1) || null);
    }
  }
  return (ownDir = null);
}

/** The first frame of `stack` outside simdconv's files (the caller's line), else its first frame below this module. */
function siteOfStack(stack: string): string {
  const dir = libraryDir();
  let fallback: string | null = null;
  for (const line of stack.split('\n')) {
    const loc = locationOf(line);
    if (loc === null) continue;
    if (dir === null || !loc.startsWith(dir)) return line.trim();
    if (fallback === null && !loc.startsWith(`${dir}storage.`)) fallback = line.trim();
  }
  return fallback ?? '(unknown)';
}

/**
 * Starts (or, with `false`, stops) recording where each new tensor is made, for liveTensors().
 * Recording captures a stack per tensor (a few microseconds each): turn it on to hunt a leak,
 * not in production. Tensors made while it is off have no recorded site. Turning it off forgets
 * the sites recorded so far.
 * @example
 * sc.trackTensors();
 * const leaked = sc.ones([2]).add(1);   // (the ones([2]) is leaked too)
 * sc.liveTensors().sites.length > 0      // => true
 * sc.trackTensors(false);
 */
export function trackTensors(enabled = true): void {
  if (typeof enabled !== 'boolean') throw new ArgumentError('trackTensors', 'enabled', 'true or false', describe(enabled));
  if (enabled && sites === null) {
    sites = new Set();
    prunedAt = 0;
    siteHooks = { made: recordSite, disposed: forgetSite };
  } else if (!enabled) {
    sites = null;
    siteOf = new WeakMap();
    siteHooks = null;
  }
  rearmSlowPaths();
}

/**
 * One creation site in liveTensors()'s report: the caller's stack line that made the tensors,
 * how many of them are alive, their bytes, and one full creation stack.
 * @example
 * const site: sc.TensorSite = { site: 'at train (/app/train.js:12:18)', tensors: 3, bytes: 48, stack: 'Error\n    at train ...' };
 * site.tensors   // => 3
 */
export interface TensorSite {
  /**
   * The first stack line outside simdconv's own files (where your code made the tensors). When a
   * bundler put simdconv and your code in one file, they cannot be told apart: read `stack`.
   */
  site: string;
  tensors: number;
  /** Bytes of their memory (memory shared between views counted once). */
  bytes: number;
  /** The full creation stack of one of them. */
  stack: string;
}

/**
 * The live tensors grouped by where they were made (recorded while trackTensors() is on), most
 * bytes first; `tensors` and `bytes` count every live tensor, like memory(), and `untracked`
 * those made while recording was off.
 * @example
 * sc.trackTensors();
 * const kept = [1, 2, 3].map((i) => sc.full([4], i));
 * const report = sc.liveTensors();
 * report.sites[0].tensors >= 3   // => true
 * report.sites[0].bytes >= 48    // => true
 * sc.trackTensors(false);
 */
export function liveTensors(): { tensors: number; bytes: number; sites: TensorSite[]; untracked: { tensors: number; bytes: number } } {
  const bySite = new Map<string, TensorSite & { storages: Set<Storage> }>();
  let tensors = 0;
  const storages = new Set<Storage>();
  if (sites !== null) {
    pruneSites();
    for (const e of sites) {
      const t = e.ref.deref()!;
      const site = siteOfStack(e.stack);
      let s = bySite.get(site);
      if (s === undefined) bySite.set(site, (s = { site, tensors: 0, bytes: 0, stack: e.stack, storages: new Set() }));
      s.tensors++;
      tensors++;
      if (!s.storages.has(t._storage)) {
        s.storages.add(t._storage);
        s.bytes += t._storage.bytes;
      }
      storages.add(t._storage);
    }
  }
  let trackedBytes = 0;
  for (const st of storages) trackedBytes += st.bytes;
  const list = [...bySite.values()].map(({ storages: _, ...s }) => s).sort((a, b) => b.bytes - a.bytes || b.tensors - a.tensors);
  return {
    tensors: stats.tensors, bytes: stats.bytes, sites: list,
    untracked: { tensors: stats.tensors - tensors, bytes: Math.max(0, stats.bytes - trackedBytes) },
  };
}
