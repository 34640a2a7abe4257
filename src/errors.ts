/**
 * Every error simdconv throws on bad input is a {@link SimdconvError}. Each names the operation,
 * the argument, what was expected and what was given, so a message reads like
 * `conv2d: argument 'w' must have 4 dimensions [Cout, Cin/groups, kh, kw], got shape [2, 3]`.
 * @example
 * try { sc.corr2d(sc.ones([3, 3]), sc.ones([5, 5])); }
 * catch (e) { if (e instanceof sc.ShapeError) console.log(e.op, e.argument); } // 'corr2d' 'K'
 */
export class SimdconvError extends Error {
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
    this.name = new.target.name;
  }
}

/** A tensor's shape, rank or size does not fit the operation. */
export class ShapeError extends SimdconvError {}

/** An option or scalar argument is out of range or of the wrong kind. */
export class ArgumentError extends SimdconvError {}

/** A disposed tensor was used. */
export class DisposedTensorError extends SimdconvError {
  constructor(op: string, argument: string) {
    super(op, argument, 'a live tensor', 'a disposed tensor',
      `${op}: argument '${argument}' is a disposed tensor (its memory was freed by dispose(), tidy() or using)`);
  }
}

/** An operation ran before `await init()` finished. */
export class NotInitializedError extends SimdconvError {
  constructor(op: string) {
    super(op, 'init', 'simdconv to be initialised', 'no init',
      `${op}: simdconv is not initialised: call \`await init()\` once before using any operation`);
  }
}

/** The WebAssembly runtime cannot run simdconv (no WebAssembly SIMD, a bad module, ...). */
export class UnsupportedRuntimeError extends SimdconvError {}

/** The tensors asked for do not fit in the WebAssembly memory (at most 4 GiB). */
export class SimdconvOutOfMemoryError extends SimdconvError {}

/** Autograd was used in a way it cannot honour (backward twice, in-place write to a saved tensor, ...). */
export class AutogradError extends SimdconvError {}

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
