// Reading a caller's arguments exactly once and checking their kind: options objects, arrays,
// numbers and integers. No tensors, no memory: every layer may use these (the wasm loader reads
// init's options with them, ops their arguments). Errors name the op and the argument.
import { ArgumentError, describe } from './errors.js';

/** The typed arrays' `length` and `Symbol.toStringTag` getters: they read internal slots, so no caller code runs. */
const typedProto = Object.getPrototypeOf(Float32Array.prototype) as object;
const typedLength = Object.getOwnPropertyDescriptor(typedProto, 'length')!.get!;
const typedTag = Object.getOwnPropertyDescriptor(typedProto, Symbol.toStringTag)!.get!;

/**
 * The length of a genuine Float32Array (of any realm, a subclass included), read from its internal
 * slot; -1 for anything else (a Proxy of one, another typed array, a plain object). No caller code
 * runs: a subclass's own `length` getter or `set` method is never called.
 */
export function float32Length(v: unknown): number {
  return typedTag.call(v) === 'Float32Array' ? typedLength.call(v) as number : -1;
}

/** Checks a finite number. */
export function checkNumber(op: string, argument: string, v: unknown): number {
  if (typeof v !== 'number' || Number.isNaN(v)) throw new ArgumentError(op, argument, 'a number', describe(v));
  return v;
}

/** Checks a finite number (no NaN, no ±Infinity). */
export function checkFinite(op: string, argument: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ArgumentError(op, argument, 'a finite number', describe(v));
  return v;
}

/**
 * A finite number in [min, maxExclusive) (hyper-parameters: learning rates, momenta, betas).
 * Returns it.
 */
export function checkFiniteRange(op: string, argument: string, v: unknown, min: number, maxExclusive = Infinity): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v >= maxExclusive) {
    const range = maxExclusive === Infinity ? `a finite number >= ${min}` : `a number in [${min}, ${maxExclusive})`;
    throw new ArgumentError(op, argument, range, describe(v));
  }
  return v;
}

/** The largest integer the kernels take: they read 32-bit signed arguments. */
export const MAX_INT32 = 2 ** 31 - 1;

/**
 * The one integer check: a number primitive that is an integer in [min, max] (max defaults to
 * MAX_INT32, what a kernel argument holds). Returns it (-0 as 0).
 */
export function checkInt(op: string, argument: string, v: unknown, min: number, max = MAX_INT32): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    const range = min === 1 && max === MAX_INT32 ? `a positive integer (at most ${MAX_INT32})` : `an integer in [${min}, ${max}]`;
    throw new ArgumentError(op, argument, range, describe(v));
  }
  return v + 0;
}

/** A SimdconvError class with the usual (op, argument, expected, got) constructor. */
type ErrorClass = new (op: string, argument: string, expected: string, got: string) => Error;

/**
 * Reads an array (or a typed array) exactly once into a fresh plain array: `length` once (a safe
 * integer in [0, maxLength]), then each element once. Getters, Proxies and later mutation by the
 * caller cannot change what the op validated. Anything else throws `Err` (ArgumentError).
 */
export function readArray(op: string, argument: string, v: unknown, expected: string, maxLength = 2 ** 32 - 1,
  Err: ErrorClass = ArgumentError): unknown[] {
  if (!Array.isArray(v) && !ArrayBuffer.isView(v)) throw new Err(op, argument, expected, describe(v));
  const n: unknown = (v as ArrayLike<unknown>).length;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0 || n > maxLength) {
    throw new Err(op, argument, expected, `an array of length ${describe(n)}`);
  }
  const out: unknown[] = []; // packed, grown by push (a new Array(n) would be holey)
  for (let i = 0; i < n; i++) out.push((v as ArrayLike<unknown>)[i]);
  return out;
}

/**
 * readArray, then checks that every element is a number primitive (strings, booleans, bigints and
 * objects with valueOf / Symbol.toPrimitive are refused): the result is plain numbers.
 */
export function readNumbers(op: string, argument: string, v: unknown, expected: string, maxLength = 2 ** 32 - 1,
  Err: ErrorClass = ArgumentError): number[] {
  const a = readArray(op, argument, v, expected, maxLength, Err);
  for (let i = 0; i < a.length; i++) {
    if (typeof a[i] !== 'number') throw new Err(op, argument, expected, `${describe(a)} (entry ${i} is ${describe(a[i])})`);
  }
  return a as number[];
}

const hasOwn = Object.prototype.hasOwnProperty;
/**
 * The options of a call that passed none, and the prototype of every options object readOptions
 * makes: frozen and empty, so nothing added to Object.prototype shows through, while the objects
 * made with it stay in V8's fast (non-dictionary) mode, unlike Object.create(null).
 */
export const NO_OPTIONS: object = Object.freeze(Object.create(null) as object);
/**
 * The options objects readOptions makes, branded (a private field: unforgeable, and checked
 * without running a caller's Proxy trap) with the key set they were read for, so ops that hand
 * them on are not read twice. Their prototype chain ends in NO_OPTIONS: no inherited properties.
 */
class ReadOptions {
  readonly #keys: ReadonlySet<string>;
  constructor(keys: ReadonlySet<string>) {
    this.#keys = keys;
  }
  /** The key set `o` was read for, if readOptions made it. */
  static keysOf(o: object): ReadonlySet<string> | undefined {
    return #keys in o ? (o as ReadOptions).#keys : undefined;
  }
}
delete (ReadOptions.prototype as { constructor?: unknown }).constructor;
Object.setPrototypeOf(ReadOptions.prototype, NO_OPTIONS);
Object.freeze(ReadOptions.prototype);

/**
 * An options object read once: `undefined` / `null` give an empty one; own keys outside `keys`
 * throw ArgumentError; each known key is read exactly once into a fresh object with no inherited
 * properties, so the op validates and uses the same values whatever getters or Proxy traps the
 * caller's object has. Of a plain object (prototype Object.prototype or null) only its own
 * enumerable keys are options (what Object.prototype may hold never is); of any other object (a
 * class instance, say) every known key, own or inherited. Unknown keys throw before any value is
 * read. An object readOptions made for the same `keys` is returned as it is (the layers and ops
 * that hand options on read the caller's object only once).
 */
export function readOptions<T extends object>(op: string, opts: unknown, keys: ReadonlySet<string>): T {
  if (opts === undefined || opts === null || opts === NO_OPTIONS) return NO_OPTIONS as T;
  if (typeof opts !== 'object' || Array.isArray(opts) || ArrayBuffer.isView(opts)) {
    throw new ArgumentError(op, 'options', 'an options object', describe(opts));
  }
  if (ReadOptions.keysOf(opts) === keys) return opts as T;
  const proto: unknown = Object.getPrototypeOf(opts);
  if (proto === Object.prototype || proto === null) {
    // A plain object (a literal, Object.create(null), or a Proxy that says it is one): nothing
    // it could inherit is an option, so only its own enumerable keys are read (what `{ ...opts }`
    // copies), once each, in their order. Object.keys costs ~10 ns in V8, Reflect.ownKeys ~80,
    // and reading every known key ~12 keyed loads that miss.
    const own = Object.keys(opts);
    for (const k of own) if (!keys.has(k)) throw unknownOption(op, keys, k);
    const out = new ReadOptions(keys) as unknown as Record<string, unknown>;
    for (const k of own) {
      const v = (opts as Record<string, unknown>)[k];
      if (v !== undefined) out[k] = v;
    }
    return out as T;
  }
  for (const k of Reflect.ownKeys(opts)) {
    if (typeof k === 'string' && hasOwn.call(opts, k) && !keys.has(k)) throw unknownOption(op, keys, k);
  }
  const out = new ReadOptions(keys) as unknown as Record<string, unknown>;
  for (const k of keys) {
    const v = (opts as Record<string, unknown>)[k];
    if (v !== undefined) out[k] = v;
  }
  return out as T;
}

/** The error for an option key outside `keys`. */
function unknownOption(op: string, keys: ReadonlySet<string>, k: string): ArgumentError {
  return new ArgumentError(op, 'options', `only the options ${[...keys].join(', ')}`, `an unknown option '${k}'`);
}

/**
 * readOptions for an options argument that must be given: null and undefined are refused too,
 * with `expected` (e.g. 'an options object { outFeatures, ... }') as the error's expectation.
 */
export function readRequiredOptions<T extends object>(op: string, opts: unknown, keys: ReadonlySet<string>, expected = 'an options object'): T {
  if (opts === null || typeof opts !== 'object') throw new ArgumentError(op, 'options', expected, describe(opts));
  return readOptions<T>(op, opts, keys);
}
