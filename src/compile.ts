// compile(): a step function captured once and replayed as its recorded kernel calls (like a CUDA
// graph). The capture and replay machinery is wasm/capture.ts; this module runs the capture in a
// scope of its own, decides what the step owns, and checks what the step returns.
import { ArgumentError, CompileError, describe } from './errors.js';
import { Tensor } from './tensor.js';
import { scopes } from './storage.js';
import { heap } from './wasm/runtime.js';
import { notNested, program, startRecording, stopRecording, type Program } from './wasm/capture.js';

/**
 * A step made by {@link compile}: each call runs one step, returning the same tensors refilled.
 * @example
 * const step: sc.CompiledStep<void> = sc.compile(() => {});
 * step.dispose();
 */
export interface CompiledStep<T> {
  (): T;
  dispose(): void;
  [Symbol.dispose](): void;
  /** Whether the first call (the capture) has run. */
  readonly captured: boolean;
}

/**
 * {@link compile}'s options: `name`, the step's name in errors (default 'compile').
 * @example const options: sc.CompileOptions = { name: 'trainStep' };
 */
export interface CompileOptions {
  name?: string;
}

/**
 * Captures a step and replays it: the first call runs `fn` recording its kernel calls; later calls
 * replay only those on the same memory, bitwise equal to running `fn` again. Write new inputs into
 * the tensors `fn` reads; `fn` returns nothing, a tensor, or an array or object of tensors (the
 * same ones every call). README, "A compiled step": what is refused (CompileError) and checked.
 *
 * Threads: a job the capture split over the thread pool is kept as its parts' recorded kernel
 * calls (no op code runs at a replay); each replay hands it to the pool's threads of the time,
 * which claim parts as an eager op's threads do, so threads added or removed by setThreads()
 * since the capture are used or left out, bitwise the same. A worker that dies while running its
 * parts makes that call throw UnsupportedRuntimeError, the step stopped at the job it failed (as
 * an eager step would); one that died before the job is not waited for.
 * @example
 * const w = sc.variable([4]);
 * const opt = new sc.optim.SGD([w], { lr: 0.25 });
 * // The first call runs fn (the capture), later ones replay its kernel calls.
 * const step = sc.compile(() => {
 *   const loss = sc.tidy(() => w.square().sum());
 *   opt.zeroGrad();
 *   loss.backward();
 *   opt.step();
 *   return loss;
 * });
 * step().item()   // => 16
 * step().item()   // => 4
 * step.dispose();
 * opt.zeroGrad();
 * w.dispose();
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
    const rec = startRecording(heap(name), name);
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
    prog = program(rec);
    owned = mine;
    result = out;
    return out;
  };

  const step = (() => {
    if (disposed) throw new CompileError(name, 'this', 'a live step', 'a disposed one', `${name}: this compiled step was disposed`);
    if (prog === null) return capture();
    notNested(name);
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
  const items = v === undefined ? [] : v instanceof Tensor ? [v]
    : Array.isArray(v) ? v : v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype ? Object.values(v) : [0];
  if (items.every((t) => t instanceof Tensor)) return new Set(items as Tensor[]);
  throw new CompileError(op, 'fn', 'a synchronous step returning nothing, a tensor, or an array or object of tensors', describe(v));
}
