/**
 * Every error simdconv throws on bad input is a {@link SimdconvError}. Each names the operation,
 * the argument, what was expected and what was given, so a message reads like
 * `conv2d: argument 'w' must have 4 dimensions [Cout, Cin/groups, kh, kw], got shape [2, 3]`.
 * @example
 * let error: any;
 * try { sc.corr2d(sc.ones([3, 3]), sc.ones([5, 5])); } catch (e) { error = e; }
 * error instanceof sc.SimdconvError   // => true
 * [error.op, error.argument]          // => ['corr2d', 'K']
 * error.message                       // => 'corr2d: kernel 5x5 is larger than input 3x3'
 */
export class SimdconvError extends Error {
  // Names are literal strings, not `new.target.name`: minifiers rename classes.
  override name = 'SimdconvError';
  /** The public operation that rejected its input, e.g. `'conv2d'`. */
  readonly op: string;
  /** The argument at fault, e.g. `'padding'`. */
  readonly argument: string;
  /** What was expected, in words. */
  readonly expected: string;
  /** What was given, in words. */
  readonly got: string;

  constructor(op: string, argument: string, expected: string, got: string, message?: string) {
    super(message ?? `${op}: argument '${argument}' must be ${expected}, got ${got}`);
    this.op = op;
    this.argument = argument;
    this.expected = expected;
    this.got = got;
  }
}

/**
 * A tensor's shape, rank or size does not fit the operation.
 * @example
 * let error: any;
 * try { sc.matmul(sc.ones([2, 3]), sc.ones([2, 3])); } catch (e) { error = e; }
 * error instanceof sc.ShapeError   // => true
 * error.argument                   // => 'b'
 */
export class ShapeError extends SimdconvError {
  override name = 'ShapeError';
}

/**
 * An option or scalar argument is out of range or of the wrong kind.
 * @example
 * let error: any;
 * try { sc.conv2d(sc.ones([1, 1, 4, 4]), sc.ones([1, 1, 2, 2]), { stride: 0 }); } catch (e) { error = e; }
 * error instanceof sc.ArgumentError   // => true
 * [error.argument, error.got]         // => ['stride', '0']
 */
export class ArgumentError extends SimdconvError {
  override name = 'ArgumentError';
}

/**
 * A disposed tensor was used.
 * @example
 * const t = sc.ones([2]);
 * t.dispose();
 * let error: any;
 * try { sc.add(t, 1); } catch (e) { error = e; }
 * error instanceof sc.DisposedTensorError   // => true
 */
export class DisposedTensorError extends SimdconvError {
  override name = 'DisposedTensorError';
  constructor(op: string, argument: string) {
    super(op, argument, 'a live tensor', 'a disposed tensor',
      `${op}: argument '${argument}' is a disposed tensor (its memory was freed by dispose(), tidy() or using)`);
  }
}

/**
 * An operation ran before `await init()` finished.
 * @example
 * // Before `await sc.init()`, sc.zeros([2]) throws
 * // "zeros: simdconv is not initialised: call `await init()` once before using any operation".
 * new sc.NotInitializedError('zeros') instanceof sc.SimdconvError   // => true
 */
export class NotInitializedError extends SimdconvError {
  override name = 'NotInitializedError';
  constructor(op: string) {
    super(op, 'init', 'simdconv to be initialised', 'no init',
      `${op}: simdconv is not initialised: call \`await init()\` once before using any operation`);
  }
}

/**
 * The WebAssembly runtime cannot run simdconv (no WebAssembly SIMD, a bad module, ...).
 * @example
 * let simd = true;
 * try { await sc.init(); } catch (e) { if (e instanceof sc.UnsupportedRuntimeError) simd = false; }
 * simd   // => true
 */
export class UnsupportedRuntimeError extends SimdconvError {
  override name = 'UnsupportedRuntimeError';
}

/**
 * The tensors asked for do not fit in the WebAssembly memory (at most 4 GiB).
 * @example
 * let error: any;
 * try { sc.zeros([65536, 65536]); } catch (e) { error = e; }
 * error instanceof sc.SimdconvOutOfMemoryError   // => true
 */
export class SimdconvOutOfMemoryError extends SimdconvError {
  override name = 'SimdconvOutOfMemoryError';
}

/**
 * Autograd was used in a way it cannot honour (backward twice, in-place write to a saved tensor, ...).
 * @example
 * const x = sc.variable([1, 2]);
 * const y = x.mul(x).sum();
 * y.backward();
 * let error: any;
 * try { y.backward(); } catch (e) { error = e; }
 * error instanceof sc.AutogradError   // => true
 */
export class AutogradError extends SimdconvError {
  override name = 'AutogradError';
}

/**
 * A step given to `compile()` cannot be replayed (it reads tensor memory into JS, draws random
 * numbers, ...), or a compiled step was misused (called after dispose(), nested).
 * @example
 * new sc.CompileError('compile', 'fn', 'a replayable step', 'item()') instanceof sc.SimdconvError   // => true
 */
export class CompileError extends SimdconvError {
  override name = 'CompileError';
}

/** Describes a value for an error message: shapes as `[2, 3]`, strings quoted, objects by kind. */
export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (typeof v === 'string') return `'${v}'`;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (Array.isArray(v)) return `[${v.map(describe).join(', ')}]`;
  if (ArrayBuffer.isView(v)) return `${v.constructor.name}(${(v as unknown as ArrayLike<number>).length})`;
  if (typeof v === 'function') return 'a function';
  const name = (v as object).constructor?.name;
  return name && name !== 'Object' ? `a ${name}` : 'an object';
}

/** `[2, 3, 4]` for messages. */
export function shapeStr(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}
