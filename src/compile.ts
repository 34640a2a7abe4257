// compile(): a step function captured once and replayed as its recorded kernel calls (like a CUDA
// graph). The capture and replay machinery is wasm/capture.ts; this module runs the capture in a
// scope of its own, decides what the step owns, and checks what the step returns.
import { ArgumentError, CompileError, describe } from './errors.js';
import { Tensor } from './tensor.js';
import { scopes } from './storage.js';
import { heap } from './wasm/runtime.js';
import { program, recording, startRecording, stopRecording, type Program } from './wasm/capture.js';
import { forceParts } from './threads/pool.js';

/**
 * A step made by {@link compile}: call it to run one step; it returns the same value (the same
 * tensor objects, with new contents) every time. `dispose()` frees what it holds.
 * @example
 * const w = sc.variable([2]);
 * const step: sc.CompiledStep<sc.Tensor> = sc.compile(() => w.mul(3));
 * step() === step()   // => true
 * step.dispose();
 * w.dispose();
 */
export interface CompiledStep<T> {
  (): T;
  /** Frees the step's outputs and the memory its replays use; calling it afterwards throws. */
  dispose(): void;
  [Symbol.dispose](): void;
  /** Whether the first call (the capture) has run. */
  readonly captured: boolean;
}

/**
 * The options of {@link compile}.
 * @example
 * const options: sc.CompileOptions = { name: 'trainStep' };   // errors then name 'trainStep'
 */
export interface CompileOptions {
  /** The name errors give the step (default 'compile'). */
  name?: string;
}

/**
 * Captures a training (or inference) step once and replays it: the first call runs `fn` as usual
 * while every WebAssembly kernel call it makes is recorded; each later call runs only those kernel
 * calls again, on the same memory, with no tensor objects, autograd graph or option parsing, so a
 * small step costs a fraction of running it eagerly. The result is bitwise what running `fn`
 * again would give.
 *
 * - **Inputs** change by writing into the tensors `fn` reads (e.g. `x.set([], batch)`), never by
 *   making new ones: the replay reads the same memory. JavaScript values inside `fn` (numbers,
 *   shapes, options) are frozen at the capture; an optimizer's learning rate and step count (Adam's
 *   bias correction, momentum's first step) are read again at every replay.
 * - **Returns** `fn`'s result, which must be nothing, a tensor, or an array or object of tensors:
 *   the same objects at every call, with new contents. The tensors `fn` made and returns belong
 *   to the step (`dispose()` frees them; enclosing `tidy()` scopes do not).
 * - **Refused at the capture** (a `CompileError`): reading tensor memory into JavaScript
 *   (`data()`, `item()`, `toArray()`, printing), making tensors from JavaScript arrays
 *   (`sc.tensor(array)`, cross-entropy labels as an array: pass a labels tensor), random numbers
 *   (`randn`, `rand`, dropout), calling or compiling another step.
 * - **Checked at each replay**: every tensor the step reads or writes (parameters, gradients,
 *   optimizer state, inputs, outputs) must still be alive (else `DisposedTensorError`, before any
 *   write); a value the step read from memory to compute with must not have changed (else
 *   `CompileError`; e.g. the gradient seed of `backward()`).
 * - **One thread**: the capture runs every kernel on the calling thread, and so do the replays.
 * - Do not change the step's tensors' lifetimes from outside between calls (e.g. `opt.zeroGrad()`
 *   outside the step disposes the gradients the replays write: the next call throws).
 * @example
 * const x = sc.tensor([[1, 2, 3], [4, 5, 6]]);
 * const y = sc.tensor([[1, 1], [1, 1]]);
 * const k = sc.variable([[0, 0]]);
 * const opt = new sc.optim.SGD([k], { lr: 0.01 });
 * const step = sc.compile(() => {
 *   const loss = sc.tidy(() => sc.nn.mseLoss(sc.corr2d(x, k), y));
 *   opt.zeroGrad();
 *   loss.backward();
 *   opt.step();
 *   return loss;
 * });
 * const first = step().item();   // the capture: runs fn once
 * const next = step().item();    // a replay
 * next < first                   // => true
 * step.dispose();
 * opt.zeroGrad();
 * for (const t of [x, y, k]) t.dispose();
 */
export function compile<T>(fn: () => T, options: CompileOptions = {}): CompiledStep<T> {
  if (typeof fn !== 'function') throw new ArgumentError('compile', 'fn', 'a function', describe(fn));
  if (options === null || typeof options !== 'object') throw new ArgumentError('compile', 'options', 'an object { name? }', describe(options));
  if (options.name !== undefined && (typeof options.name !== 'string' || options.name === '')) {
    throw new ArgumentError('compile', 'name', 'a non-empty string', describe(options.name));
  }
  const name = options.name ?? 'compile';
  let prog: Program | null = null;
  let result: T;
  let owned: Tensor[] = [];
  let disposed = false;

  const capture = (): T => {
    const h = heap(name);
    const parts = forceParts(1);
    let rec;
    try {
      rec = startRecording(h, name);
    } catch (e) {
      forceParts(parts);
      throw e;
    }
    const scope: Tensor[] = [];
    scopes.push(scope);
    let out: T;
    let kept: Set<Tensor>;
    try {
      out = fn();
      kept = outputs(name, out);
    } catch (e) {
      scopes.pop();
      for (const t of scope) t.dispose();
      stopRecording();
      forceParts(parts);
      program(rec).release();
      throw e;
    }
    scopes.pop();
    const mine: Tensor[] = [];
    for (const t of scope) {
      if (kept.has(t)) mine.push(t);
      else t.dispose(); // its block stays held for the replays
    }
    stopRecording();
    forceParts(parts);
    prog = program(rec);
    owned = mine;
    result = out;
    return out;
  };

  const step = (() => {
    if (disposed) {
      throw new CompileError(name, 'this', 'a compiled step that was not disposed', 'a disposed one', `${name}: this compiled step was disposed`);
    }
    if (prog === null) return capture();
    if (recording !== null) {
      throw new CompileError(name, 'this', 'a call outside any capture', `a call inside the capture of '${recording.op}'`,
        `${name}: compiled steps do not nest: this step was called while '${recording.op}' was being captured; call it outside, or capture one step that does both`);
    }
    prog.run(name);
    return result;
  }) as CompiledStep<T>;
  const dispose = () => {
    if (disposed) return;
    disposed = true;
    for (const t of owned) t.dispose();
    owned = [];
    prog?.release();
    prog = null;
  };
  Object.defineProperties(step, {
    dispose: { value: dispose },
    [Symbol.dispose]: { value: dispose },
    captured: { get: () => prog !== null },
  });
  return step;
}

/** The tensors in a step's result (nothing, a tensor, or an array or plain object of tensors); CompileError for anything else. */
function outputs(op: string, v: unknown): Set<Tensor> {
  const set = new Set<Tensor>();
  if (v === undefined) return set;
  if (v instanceof Tensor) return set.add(v);
  const items = Array.isArray(v) ? v : v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype ? Object.values(v) : null;
  if (items !== null && items.every((t) => t instanceof Tensor)) {
    for (const t of items) set.add(t as Tensor);
    return set;
  }
  const thenable = v !== null && typeof v === 'object' && typeof (v as { then?: unknown }).then === 'function';
  throw new CompileError(op, 'fn', 'a step that returns nothing, a tensor, or an array or object of tensors', describe(v),
    thenable
      ? `${op}: the step must be synchronous, but it returned a Promise (an async function?)`
      : `${op}: a step must return nothing, a tensor, or an array or object of tensors (a replay returns the same objects with new contents), got ${describe(v)}`);
}
