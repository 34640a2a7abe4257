// tidy() scopes and keep(), and memory(): what a caller sees of the tensors' lifetimes (the
// bookkeeping itself is storage.ts).
import { ArgumentError, describe } from './errors.js';
import { heapIfReady } from './wasm/runtime.js';
import { Tensor } from './tensor.js';
import { scopes, stats } from './storage.js';

/**
 * Live tensors, the bytes they hold and the size of the WebAssembly memory.
 * @example
 * const before = sc.memory().tensors;
 * sc.tidy(() => { sc.ones([3]).add(1); });
 * sc.memory().tensors === before   // => true
 */
export function memory(): { tensors: number; bytes: number; wasmBytes: number } {
  return { tensors: stats.tensors, bytes: stats.bytes, wasmBytes: heapIfReady()?.memory.buffer.byteLength ?? 0 };
}

/**
 * The tensors inside a tidy() result: the result itself, or inside arrays, Maps (keys and values),
 * Sets and plain objects' own enumerable values, at any depth (each object visited once).
 */
function collect(v: unknown, into: Set<Tensor>, seen: Set<object>): void {
  if (v instanceof Tensor) {
    into.add(v);
    return;
  }
  if (v === null || typeof v !== 'object' || ArrayBuffer.isView(v) || seen.has(v)) return;
  seen.add(v);
  if (Array.isArray(v) || v instanceof Set) {
    for (const x of v) collect(x, into, seen);
  } else if (v instanceof Map) {
    for (const [k, x] of v) {
      collect(k, into, seen);
      collect(x, into, seen);
    }
  } else {
    for (const x of Object.values(v)) collect(x, into, seen);
  }
}

/**
 * Runs `fn` and disposes every tensor made inside it except those it returns (a tensor, or
 * tensors inside returned arrays/objects). Scopes nest. `fn` must be synchronous.
 * @example
 * const x = sc.tensor([1, 2]);
 * const before = sc.memory().tensors;
 * const y = sc.tidy(() => x.mul(2).add(1));   // the x.mul(2) temporary is freed
 * y                                           // => [3, 5]
 * sc.memory().tensors - before                // => 1
 */
export function tidy<T>(fn: () => T): T {
  if (typeof fn !== 'function') throw new ArgumentError('tidy', 'fn', 'a function', describe(fn));
  const scope = spareScopes.pop() ?? [];
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    scopes.pop();
    end(scope, null);
    throw e;
  }
  scopes.pop();
  if (isThenable(result)) {
    // An async fn has already run up to its first await; what it made so far is freed, and what
    // it makes after the await belongs to no scope.
    end(scope, null);
    throw new ArgumentError('tidy', 'fn', 'a synchronous function', 'a function that returned a Promise (an async function)',
      'tidy: fn must be synchronous, but it returned a Promise (an async function?): tidy cannot wait for it; free tensors with dispose() or `using` in async code');
  }
  if (result instanceof Tensor || result === undefined || result === null || typeof result !== 'object') {
    // A lone tensor (or no tensor at all): no Set to build.
    end(scope, result instanceof Tensor ? result : null);
    return result;
  }
  const kept = new Set<Tensor>();
  collect(result, kept, new Set());
  end(scope, kept);
  return result;
}

/** The emptied arrays of ended tidy() scopes, reused by the next ones (a loop's tidy makes none). */
const spareScopes: Tensor[][] = [];

/**
 * Ends a tidy() scope: its tensors in `kept` (a tensor, a Set, or none) move to the enclosing
 * scope, the others are disposed, in the order they were made; the emptied array is kept for reuse.
 */
function end(scope: Tensor[], kept: Tensor | Set<Tensor> | null): void {
  const parent = scopes.length > 0 ? scopes[scopes.length - 1]! : null;
  for (let i = 0; i < scope.length; i++) {
    const t = scope[i]!;
    if (kept !== null && (kept === t || (kept instanceof Set && kept.has(t)))) parent?.push(t);
    else t.dispose();
  }
  while (scope.length > 0) scope.pop();
  spareScopes.push(scope);
}

/**
 * Takes `t` out of the enclosing tidy() scopes so it survives them. Returns `t`.
 * @example
 * let kept!: sc.Tensor;
 * sc.tidy(() => {
 *   kept = sc.keep(sc.ones([2]));
 *   sc.zeros([2]);   // freed when the scope ends
 * });
 * kept.isDisposed   // => false
 */
export function keep<T extends Tensor>(t: T): T {
  if (!(t instanceof Tensor)) throw new ArgumentError('keep', 't', 'a Tensor', describe(t));
  for (const scope of scopes) {
    const i = scope.indexOf(t);
    if (i >= 0) scope.splice(i, 1);
  }
  return t;
}

function isThenable(v: unknown): boolean {
  if (v instanceof Promise) return true;
  if (v === null || (typeof v !== 'object' && typeof v !== 'function')) return false;
  try {
    return typeof (v as { then?: unknown }).then === 'function';
  } catch {
    return false;
  }
}
