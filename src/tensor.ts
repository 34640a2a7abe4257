// Tensor: a float32, row-major, contiguous array in WebAssembly linear memory. Several tensors may
// share one Storage (reshape, detach); every other op writes a new one. Memory is freed by
// dispose(), `using`, tidy() (scope.ts) or, as a safety net, the garbage collector (storage.ts).
// The methods that run ops are attached by ops/methods.ts.
import { ArgumentError, AutogradError, DisposedTensorError, ShapeError, describe, shapeStr } from './errors.js';
import { heap } from './wasm/runtime.js';
import { bump, recording, touch } from './wasm/capture.js';
import { formatTensor } from './format.js';
import { Storage, track, untrack } from './storage.js';
import { F32_BYTES } from './wasm/memory.js';
import { sameShape } from './layout.js';
import { float32Length } from './args.js';

/** The typed arrays' own `set`, called on a genuine Float32Array (never a subclass's override). */
const typedSet = (Object.getPrototypeOf(Float32Array.prototype) as { set: (this: Float32Array, src: Float32Array) => void }).set;

/**
 * @internal The key of a tensor's own shape array, for ops (a symbol the package does not export,
 * so callers cannot reach the array; `shape` gives them a frozen copy).
 */
export const DIMS: unique symbol = Symbol('simdconv.dims');

/**
 * @internal What a tensor knows of the autograd node that recorded it (autograd/node.ts's GradNode,
 * which the tape and the backward traversal see in full).
 */
export interface TapeNode {
  readonly name: string;
  /** The tensor no longer refers to the node (disposed). */
  unref(): void;
}

/**
 * A tensor's shape: the extent of each axis, outermost first.
 * @example
 * const shape: sc.Shape = sc.zeros([2, 3, 4]).shape;
 * shape   // => [2, 3, 4]
 */
export type Shape = readonly number[];

/**
 * A float32, row-major, contiguous array in WebAssembly memory, with PyTorch-like methods
 * (arithmetic, reductions, reshape / transpose / slice / set, autograd's `backward` and `grad`).
 * Make one with `sc.tensor`, `sc.zeros`, `sc.arange`, ...; free it with `dispose()`, `using` or
 * `sc.tidy`.
 * @example
 * const X = sc.tensor([[0, 1, 2], [3, 4, 5], [6, 7, 8]]);
 * [X.shape, X.size, X.ndim]   // => [[3, 3], 9, 2]
 * X.T.slice([0])              // => [0, 3, 6]
 * X.sum().item()              // => 36
 * X.toString()                // => 'tensor([[0., 1., 2.],\n        [3., 4., 5.],\n        [6., 7., 8.]])'
 * X.dispose();
 */
export class Tensor {
  // The shape and size live in true private fields behind getters: a caller can neither assign
  // them nor edit the shape it is given (a frozen copy), so a tensor's recorded size always
  // matches its storage. Ops read `dims`, the private array itself: V8 reads frozen arrays
  // several times slower, which small ops would pay on every call.
  readonly #dims: Shape;
  readonly #size: number;
  /** data(out)'s view of the elements in linear memory (never handed out). */
  #view: Float32Array | null = null;
  #frozenShape: Shape | null = null;
  /** @internal */
  _storage: Storage;
  /** @internal */
  _disposed = false;
  /** @internal Whether the finalizer knows this tensor (see registerLater). */
  _registered = false;
  /** @internal The node that made this tensor, when autograd recorded it. */
  _node: TapeNode | null = null;
  /** @internal Whether autograd tracks this tensor (a leaf the user marked, or an op's output). */
  _requiresGrad = false;
  /** @internal The gradient (see the `grad` accessor); set only through setGrad. */
  _grad: Tensor | null = null;
  /** @internal The tensor whose `.grad` this tensor is, if any. */
  _gradOf: Tensor | null = null;
  /** An optional name, shown by nn modules' parameter listings. */
  name?: string;

  /** @internal Use tensor(), zeros(), ... to make tensors. */
  constructor(storage: Storage, shape: Shape, size: number) {
    this._storage = storage;
    // Internal callers pass a validated shape array that is never written again (public shapes
    // are copied by checkShape / readNumbers first); tensors may share one.
    this.#dims = shape;
    this.#size = size;
    track(this);
  }

  /** The extent of each axis (a frozen copy: editing it throws in strict code, and changes nothing). */
  get shape(): Shape {
    return (this.#frozenShape ??= Object.freeze(this.#dims.slice()));
  }

  /** @internal The shape for ops (`t[DIMS]`): the tensor's own array, never handed to callers, never written. */
  get [DIMS](): Shape {
    return this.#dims;
  }

  /** The number of elements. */
  get size(): number {
    return this.#size;
  }

  /**
   * The gradient accumulated by `backward()` into this leaf, or null. Assigning checks the value
   * (like PyTorch): null, or a live tensor of this tensor's shape with memory of its own — not
   * this tensor's memory, not shared with another tensor handle (a view: pass `clone()`), not a
   * tensor autograd tracks and not another tensor's `.grad`. Anything else throws and changes
   * nothing. Assigning does not dispose the gradient it replaces.
   */
  get grad(): Tensor | null {
    return this._grad;
  }

  set grad(g: Tensor | null) {
    checkGrad('grad', this, g);
    setGrad(this, g);
  }

  /** Always `'float32'`. */
  get dtype(): 'float32' {
    return 'float32';
  }

  /** The number of axes. */
  get ndim(): number {
    return this[DIMS].length;
  }

  /** Whether this tensor has been disposed. */
  get isDisposed(): boolean {
    return this._disposed;
  }

  /** @internal Byte address of element 0; throws if disposed. */
  ptr(op: string, argument: string): number {
    if (this._disposed) throw new DisposedTensorError(op, argument);
    if (recording !== null) touch(recording, this._storage, op, argument);
    return this._storage.ptr;
  }

  /**
   * Whether autograd records operations on this tensor so `backward()` can reach it. Setting it
   * on a leaf makes the leaf a variable; outputs of recorded ops have it set automatically.
   */
  get requiresGrad(): boolean {
    return this._requiresGrad;
  }

  set requiresGrad(v: boolean) {
    if (this._disposed) throw new DisposedTensorError('requiresGrad', 'this');
    if (typeof v !== 'boolean') throw new AutogradError('requiresGrad', 'value', 'true or false', String(v));
    if (this._node !== null) {
      if (v) return;
      throw new AutogradError('requiresGrad', 'value', 'a leaf tensor', 'a tensor computed by a recorded op',
        'requiresGrad: only leaf tensors can change requiresGrad; use detach() to get a tensor that does not require grad');
    }
    this._requiresGrad = v;
  }

  /** Whether this tensor was made by the user rather than by a recorded op. */
  get isLeaf(): boolean {
    return this._node === null;
  }

  /**
   * A copy of the elements, row-major. With `out` (a Float32Array of exactly `size` elements) the
   * elements are copied into it, nothing is allocated, and `out` itself is returned.
   */
  data(out?: Float32Array): Float32Array {
    const at = this.ptr('data', 'this') >> 2;
    const h = heap('data');
    const view = recording !== null ? h.f32() : h.f32Raw(); // f32() refuses while a capture records (its error)
    const n = this.#size;
    if (out === undefined) return view.slice(at, at + n);
    // Only a genuine Float32Array, written through its internal slots: a subclass's own `set` or
    // `length` is never called, so no caller code ever sees a view of linear memory.
    const len = float32Length(out);
    if (len < 0) throw new ArgumentError('data', 'out', `a Float32Array of ${n} elements`, describe(out));
    if (len !== n) throw new ShapeError('data', 'out', `a Float32Array of ${n} elements (the tensor's size)`, `one of ${len}`);
    // The view of this tensor's elements is made once (again only after a non-shared memory grew,
    // which leaves it empty): a small read is then one copy, not a copy plus a subarray object.
    let mine = this.#view;
    if (mine === null || mine.length !== n) mine = this.#view = view.subarray(at, at + n);
    typedSet.call(out, mine);
    return out;
  }

  /** The elements as nested arrays (a number for a 0-d tensor). */
  toArray(): NestedArray {
    const flat = this.data();
    if (this[DIMS].length === 0) return flat[0]!;
    let pos = 0;
    const build = (axis: number): NestedArray[] => {
      const n = this[DIMS][axis]!;
      const out: NestedArray[] = new Array(n);
      if (axis === this[DIMS].length - 1) {
        for (let i = 0; i < n; i++) out[i] = flat[pos++]!;
      } else {
        for (let i = 0; i < n; i++) out[i] = build(axis + 1);
      }
      return out;
    };
    return build(0);
  }

  /** PyTorch-style text: `tensor([[19., 25.],\n        [37., 43.]])`. */
  toString(): string {
    if (this._disposed) return 'tensor(<disposed>)';
    return formatTensor(this.data(), this[DIMS], this._requiresGrad && this._node === null ? ', requires_grad=True'
      : this._node ? `, grad_fn=<${this._node.name}Backward>` : '');
  }

  /** Node's console.log shows the same text as toString(). */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }

  /** Frees the memory (shared storage is freed with its last tensor). Safe to call twice. */
  dispose(): void {
    if (this._disposed) return;
    this._disposed = true;
    untrack(this);
    if (this._node) {
      this._node.unref();
      this._node = null;
    }
    this.zeroGrad();
  }

  /** `using t = sc.zeros([3])` disposes `t` at the end of the block. */
  [Symbol.dispose](): void {
    this.dispose();
  }

  /** Clears `.grad` (disposes it). */
  zeroGrad(): void {
    const g = this._grad;
    if (g !== null) {
      setGrad(this, null);
      g.dispose();
    }
  }
}

/**
 * Nested arrays of numbers, as `tensor()` takes and `toArray()` returns (a number for a 0-d tensor).
 * @example
 * const rows: sc.NestedArray = [[1, 2], [3, 4]];
 * sc.tensor(rows).toArray()   // => rows
 */
export type NestedArray = number | NestedArray[];

/**
 * @internal Checks a value for `t.grad`: null, or a live tensor of t's shape that does not share t's
 * memory; when `assigning`, also one that owns its memory alone (no view of a parameter or of
 * anything else), is not tracked by autograd and is not another tensor's gradient. Throws a
 * SimdconvError naming `op`.
 */
export function checkGrad(op: string, t: Tensor, g: unknown, assigning = true): void {
  if (t._disposed) throw new DisposedTensorError(op, 'this');
  if (g === null) return;
  if (!(g instanceof Tensor)) throw new ArgumentError(op, 'grad', 'a Tensor or null', describe(g));
  if (g._disposed) throw new DisposedTensorError(op, 'grad');
  if (!sameShape(g[DIMS], t[DIMS])) {
    throw new ShapeError(op, 'grad', `a gradient of the tensor's shape ${shapeStr(t[DIMS])}`, `shape ${shapeStr(g[DIMS])}`);
  }
  if (g === t || g._storage === t._storage) {
    throw new ArgumentError(op, 'grad', "a tensor with memory of its own", "a tensor sharing this tensor's memory",
      `${op}: a gradient cannot share memory with its tensor (the update would read what it writes): assign a clone()`);
  }
  // backward and the optimizers re-check only what a kernel needs (a view of a gradient is fine
  // then: backward adds out of place into a shared gradient).
  if (!assigning) return;
  if (g._storage.refs !== 1) {
    throw new ArgumentError(op, 'grad', 'a tensor with memory of its own', 'a tensor sharing memory with another tensor (a view)',
      `${op}: the gradient shares memory with another tensor (backward adds into it in place): assign a clone()`);
  }
  if (g._requiresGrad) {
    throw new ArgumentError(op, 'grad', 'a tensor autograd does not track', 'a tensor that requires grad',
      `${op}: the gradient is a tensor that requires grad (a parameter or a computed tensor): assign detach().clone() of it`);
  }
  if (g._gradOf !== null && g._gradOf !== t) {
    throw new ArgumentError(op, 'grad', "a tensor that is no other tensor's gradient", "another tensor's .grad",
      `${op}: the gradient is already another tensor's .grad (backward would add both into it): assign a clone()`);
  }
}

/** @internal Checks that `t` is a live Tensor (an op's argument `argument`). */
export function checkTensor(op: string, argument: string, t: unknown): Tensor {
  if (!(t instanceof Tensor)) throw new ArgumentError(op, argument, 'a Tensor', describe(t));
  if (t._disposed) throw new DisposedTensorError(op, argument);
  return t;
}

/** @internal Installs `g` (checked, or made by backward) as `t.grad`. */
export function setGrad(t: Tensor, g: Tensor | null): void {
  const old = t._grad;
  if (old !== null && old._gradOf === t) old._gradOf = null;
  t._grad = g;
  if (g !== null) g._gradOf = t;
}

/**
 * @internal Counts an in-place write into `t`'s memory (a kernel wrote into it), so autograd
 * detects a saved tensor changed after it was recorded. Returns `t`.
 */
export function wroteInPlace(t: Tensor): Tensor {
  t._storage.version++;
  if (recording !== null) bump(recording, t._storage);
  return t;
}

/** @internal Allocates an uninitialised tensor of `shape` (already validated). */
export function empty(shape: Shape, op: string): Tensor {
  let size = 1;
  for (let i = 0; i < shape.length; i++) size *= shape[i]!;
  const bytes = size * F32_BYTES;
  const ptr = heap(op).allocTensor(bytes, op);
  return new Tensor(new Storage(ptr, bytes), shape, size);
}

/** @internal A new handle on `t`'s storage with another shape (same size). */
export function view(t: Tensor, shape: Shape): Tensor {
  return new Tensor(t._storage.retain(), shape, t.size);
}
