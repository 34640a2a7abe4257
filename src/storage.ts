// The memory behind tensors and the bookkeeping of live tensor handles: reference-counted
// storages whose blocks come from the heap's allocTensor, the counts memory() reports, the
// finalizer that frees what was dropped without dispose(), and the stack of open tidy() scopes
// (scope.ts) that new tensors join.
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

function registerWaiting(): void {
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

/** Counts a new handle, queues it for the finalizer and records it in the innermost tidy() scope. */
export function track(t: Handle): void {
  stats.tensors++;
  registerLater(t);
  if (scopes.length > 0 && suspended === 0) scopes[scopes.length - 1]!.push(t);
}

/** Undoes track for a handle being disposed, and releases its storage. */
export function untrack(t: Handle): void {
  stats.tensors--;
  if (t._registered) finalizer.unregister(t);
  t._storage.release();
}
