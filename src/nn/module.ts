// nn.Module: a container of parameters and sub-modules, PyTorch-style.
import { ArgumentError, DisposedTensorError, ShapeError, describe, shapeStr } from '../errors.js';
import { DIMS, Tensor } from '../tensor.js';
import { outsideScopes } from '../storage.js';
import { tensor } from '../ops/create.js';
import { assignValues } from '../ops/update.js';
import { checkShape } from '../ops/util.js';
import { sameShape, sizeOf } from '../layout.js';
import { readArray } from '../args.js';

/**
 * One entry of a state dict: a shape and its data (a Float32Array, or a number array once JSON-parsed).
 * @example
 * const conv = new sc.nn.Conv2d({ inChannels: 1, outChannels: 2, kernelSize: 3, seed: 0 });
 * const entry: sc.nn.StateEntry = conv.stateDict()['weight'];
 * entry.shape   // => [2, 1, 3, 3]
 */
export interface StateEntry {
  shape: number[];
  data: Float32Array | number[];
}
/**
 * A module's parameters by name (`conv1.weight`, ...), as `stateDict()` returns and
 * `loadStateDict()` takes; JSON-serialisable with `{ json: true }`.
 * @example
 * const a = new sc.nn.Conv2d({ inChannels: 1, outChannels: 1, kernelSize: [1, 2], seed: 1 });
 * const b = new sc.nn.Conv2d({ inChannels: 1, outChannels: 1, kernelSize: [1, 2], seed: 2 });
 * const state: sc.nn.StateDict = JSON.parse(JSON.stringify(a.stateDict({ json: true })));
 * Object.keys(state)   // => ['weight', 'bias']
 * b.loadStateDict(state);
 * b.weight            // => a.weight.toArray()
 */
export type StateDict = Record<string, StateEntry>;

/**
 * Counts registrations (of a parameter or a sub-module) in any module: a module's cached parameter
 * list is current while this has not changed since it was made.
 */
let registrations = 0;

/**
 * The base class of layers and models, like `torch.nn.Module`: a subclass registers its
 * parameters (and sub-modules) and implements `forward`; the module lists, zeroes, saves and
 * frees them.
 * @example
 * class Conv2D extends sc.nn.Module {   // the lesson's custom layer: corr2d + a scalar bias
 *   weight = sc.rand([1, 2], { seed: 0 });
 *   bias = sc.zeros([1]);
 *   constructor() {
 *     super();
 *     this.registerParameter('weight', this.weight);
 *     this.registerParameter('bias', this.bias);
 *   }
 *   forward(x: sc.Tensor): sc.Tensor {
 *     return sc.corr2d(x, this.weight).add(this.bias);
 *   }
 * }
 * const layer = new Conv2D();
 * layer.namedParameters().map(([name]) => name)        // => ['weight', 'bias']
 * layer.forward(sc.ones([6, 8])).sum().backward();
 * layer.bias.grad                                      // => [42]
 */
export abstract class Module {
  /** Whether the module is in training mode (see train() / eval()). */
  training = true;
  private readonly params = new Map<string, Tensor | null>();
  private readonly children = new Map<string, Module>();
  #paramList: readonly Tensor[] | null = null;
  #paramListAt = -1;

  /** Computes the module's output. */
  abstract forward(...inputs: Tensor[]): Tensor;

  /** Registers (or replaces) a parameter; `null` declares one not materialised yet (lazy). */
  protected registerParameter(name: string, t: Tensor | null): void {
    if (t !== null) {
      t.requiresGrad = true;
      t.name ??= name;
    }
    const old = this.params.get(name);
    if (old && old !== t) old.dispose();
    this.params.set(name, t);
    registrations++;
  }

  /** Registers a sub-module; its parameters appear as `name.param`. */
  protected registerModule(name: string, m: Module): void {
    this.children.set(name, m);
    registrations++;
  }

  /** [name, parameter] pairs, depth first (`conv1.weight`, ...); lazy parameters not yet made are left out. */
  namedParameters(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [n, p] of this.params) if (p !== null) out.push([prefix + n, p]);
    for (const [n, m] of this.children) out.push(...m.namedParameters(`${prefix}${n}.`));
    return out;
  }

  /** Every parameter (lazy ones once materialised by a first forward). */
  parameters(): Tensor[] {
    return this.parameterList().slice();
  }

  /**
   * @internal The parameters (an array callers must not edit), rebuilt only after a registration
   * anywhere (what zeroGrad and the optimizers read at every step).
   */
  parameterList(): readonly Tensor[] {
    if (this.#paramList === null || this.#paramListAt !== registrations) {
      this.#paramList = this.namedParameters().map(([, p]) => p);
      this.#paramListAt = registrations;
    }
    return this.#paramList;
  }

  /** Whether some parameter is still waiting for its first input to know its shape. */
  get hasLazyParameters(): boolean {
    for (const p of this.params.values()) if (p === null) return true;
    for (const m of this.children.values()) if (m.hasLazyParameters) return true;
    return false;
  }

  /** Clears every parameter's gradient. */
  zeroGrad(): void {
    const ps = this.parameterList();
    for (let i = 0; i < ps.length; i++) ps[i]!.zeroGrad();
  }

  /** Sets training mode (and that of every sub-module). */
  train(mode = true): this {
    this.training = mode;
    for (const m of this.children.values()) m.train(mode);
    return this;
  }

  /** Sets evaluation mode: `train(false)`. */
  eval(): this {
    return this.train(false);
  }

  /**
   * The parameters as plain data: `{ name: { shape, data: Float32Array } }`; `{ json: true }`
   * gives number arrays, so `JSON.stringify(m.stateDict({ json: true }))` round-trips.
   */
  stateDict(options: { json?: boolean } = {}): StateDict {
    if (options === null || typeof options !== 'object') throw new ArgumentError('stateDict', 'options', 'an options object { json? }', describe(options));
    const out: StateDict = {};
    for (const [n, p] of this.namedParameters()) {
      if (p.isDisposed) throw new DisposedTensorError('stateDict', n);
      const data = p.data();
      out[n] = { shape: p[DIMS].slice(), data: options.json ? Array.from(data) : data };
    }
    return out;
  }

  /**
   * Loads parameters from `stateDict()` output (Float32Arrays or number arrays). Lazy parameters
   * are materialised with the stored shape. `strict` (default) requires exactly the same names.
   */
  loadStateDict(state: StateDict, options: { strict?: boolean } = {}): void {
    const op = 'loadStateDict';
    if (state === null || typeof state !== 'object') throw new ArgumentError(op, 'state', 'an object { name: { shape, data } }', describe(state));
    if (options === null || typeof options !== 'object') throw new ArgumentError(op, 'options', 'an options object { strict? }', describe(options));
    if (options.strict !== undefined && typeof options.strict !== 'boolean') throw new ArgumentError(op, 'strict', 'true or false', describe(options.strict));
    const strict = options.strict ?? true;
    const names = new Set(this.parameterSlots().map(([n]) => n));
    if (strict) {
      for (const k of Object.keys(state)) if (!names.has(k)) throw new ArgumentError(op, 'state', `only the parameters ${[...names].join(', ')}`, `an unexpected key '${k}'`);
      for (const n of names) if (!(n in state)) throw new ArgumentError(op, 'state', `an entry for '${n}'`, 'none');
    }
    // Validate everything before writing anything.
    // Each entry's shape and data are read once, into plain numbers, before anything is allocated.
    const plan: [Module, string, Tensor | null, { shape: number[]; data: Float32Array }][] = [];
    const expected = '{ shape: number[], data: Float32Array | number[] }';
    for (const [n, owner, local, cur] of this.parameterSlots()) {
      const e: unknown = state[n];
      if (e === undefined) continue;
      if (e === null || typeof e !== 'object') throw new ArgumentError(op, n, expected, describe(e));
      const shapeArg: unknown = (e as StateEntry).shape, dataArg: unknown = (e as StateEntry).data;
      if (!Array.isArray(shapeArg) || !(dataArg instanceof Float32Array || Array.isArray(dataArg))) throw new ArgumentError(op, n, expected, describe(e));
      const shape = checkShape(op, n, shapeArg);
      const size = sizeOf(shape);
      const values = readArray(op, n, dataArg, expected);
      if (values.length !== size) throw new ShapeError(op, n, `${size} values for shape ${shapeStr(shape)}`, `${values.length}`);
      const bad = values.findIndex((v) => typeof v !== 'number');
      if (bad >= 0) throw new ArgumentError(op, n, `numbers (data[${bad}])`, describe(values[bad]));
      if (cur?.isDisposed) throw new DisposedTensorError(op, n);
      if (cur !== null && !sameShape(cur[DIMS], shape)) throw new ShapeError(op, n, `shape ${shapeStr(cur[DIMS])}`, `shape ${shapeStr(shape)}`);
      plan.push([owner, local, cur, { shape, data: Float32Array.from(values as number[]) }]);
    }
    // Make the lazy parameters' tensors first: the only allocations, so running out of memory
    // here leaves the module as it was.
    const made: (Tensor | null)[] = [];
    try {
      for (const [, , cur, e] of plan) made.push(cur === null ? outsideScopes(() => tensor(Float32Array.from(e.data), e.shape)) : null);
    } catch (err) {
      for (const t of made) t?.dispose();
      throw err;
    }
    plan.forEach(([owner, local, cur, e], i) => {
      if (cur === null) {
        owner.registerParameter(local, made[i]!);
        owner.onMaterialized();
      } else {
        assignValues(op, local, cur, e.data);
      }
    });
  }

  /** Called when loadStateDict materialised a lazy parameter. */
  protected onMaterialized(): void {}

  /** [full name, owning module, local name, current tensor or null] for every parameter slot. */
  private parameterSlots(prefix = ''): [string, Module, string, Tensor | null][] {
    const out: [string, Module, string, Tensor | null][] = [];
    for (const [n, p] of this.params) out.push([prefix + n, this, n, p]);
    for (const [n, m] of this.children) out.push(...m.parameterSlots(`${prefix}${n}.`));
    return out;
  }

  /** Frees every parameter (and its gradient). */
  dispose(): void {
    for (const p of this.params.values()) p?.dispose();
    for (const m of this.children.values()) m.dispose();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}
