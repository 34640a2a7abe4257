// The CNN chapter's layers: nn.Linear (lazy inFeatures), and the parameter-free modules
// nn.MaxPool2d, nn.AvgPool2d, nn.ReLU, nn.Sigmoid, nn.Tanh, nn.Flatten (PyTorch's names, options
// and defaults). Pooling layers keep a frozen snapshot of their options (kernelSize required,
// unknown keys refused); the op validates them against each input (it owns the rules).
import { ArgumentError, DisposedTensorError, ShapeError, describe, shapeStr } from '../errors.js';
import { DIMS, Tensor, checkTensor } from '../tensor.js';
import { Module } from './module.js';
import { WeightBias } from './weight-bias.js';
import { relu } from '../ops/unary.js';
import { sigmoid, tanh } from '../ops/activation.js';
import { flatten, linear } from '../ops/linear.js';
import { avgPool2d, maxPool2d, type AvgPool2dOptions, type MaxPool2dOptions } from '../ops/pool.js';
import { checkInt, readArray, readOptions, readRequiredOptions } from '../args.js';

/**
 * The options of {@link Linear}: the number of output features, the input features (omit them to
 * take them from the first input), whether there is a bias, and the seed of the initial weights.
 * @example
 * const opts: sc.nn.LinearOptions = { outFeatures: 10, seed: 0 };
 * new sc.nn.Linear(opts).forward(sc.ones([2, 400])).shape   // => [2, 10]
 */
export interface LinearOptions {
  /** Input features; omit to infer them from the first input's last axis (lazy). */
  inFeatures?: number;
  outFeatures: number;
  /** Whether to add a learned bias (default true). */
  bias?: boolean;
  /** Seed for the initial weights (same seed, same weights everywhere); default: the global generator. */
  seed?: number;
}

const LINEAR_KEYS = new Set(['inFeatures', 'outFeatures', 'bias', 'seed']);

/**
 * A fully connected layer, like `torch.nn.Linear`: `y = x · weightᵀ + bias` with weight
 * [outFeatures, inFeatures] and bias [outFeatures]. Initialised like PyTorch (Kaiming-uniform
 * with a = √5: weight and bias uniform in ±1/√inFeatures). With `inFeatures` omitted the weight is
 * made on the first forward (like `nn.LazyLinear`).
 * @example
 * const fc = new sc.nn.Linear({ outFeatures: 3, seed: 0 });   // lazy
 * fc.weight                                 // => null
 * fc.forward(sc.ones([4, 5])).shape         // => [4, 3]
 * fc.weight!.shape                          // => [3, 5]
 */
export class Linear extends Module {
  readonly inFeatures: number | undefined;
  readonly outFeatures: number;
  readonly hasBias: boolean;
  private readonly seed: number | undefined;
  readonly #params: WeightBias;

  /** The weight [outFeatures, inFeatures] (null until a lazy layer's first input). Load values with loadStateDict. */
  get weight(): Tensor | null {
    return this.#params.weight;
  }

  /** The bias [outFeatures], or null. */
  get bias(): Tensor | null {
    return this.#params.bias;
  }

  constructor(optsArg: LinearOptions) {
    super();
    const op = 'Linear';
    const o = readRequiredOptions<Record<keyof LinearOptions, unknown>>(op, optsArg, LINEAR_KEYS, 'an options object { outFeatures, inFeatures?, bias?, seed? }');
    this.outFeatures = checkInt(op, 'outFeatures', o.outFeatures, 1);
    this.inFeatures = o.inFeatures === undefined ? undefined : checkInt(op, 'inFeatures', o.inFeatures, 1);
    if (o.bias !== undefined && typeof o.bias !== 'boolean') throw new ArgumentError(op, 'bias', 'true or false', describe(o.bias));
    this.hasBias = (o.bias as boolean | undefined) ?? true;
    this.seed = o.seed === undefined ? undefined : checkInt(op, 'seed', o.seed, 0, 2 ** 32 - 1);
    this.#params = new WeightBias((name, t) => this.registerParameter(name, t), this.hasBias);
    if (this.inFeatures !== undefined) this.materialize(this.inFeatures);
  }

  protected override onMaterialized(): void {
    this.#params.reload(this.namedParameters());
  }

  private materialize(inF: number): void {
    this.#params.make('Linear', this.seed, [this.outFeatures, inF], inF, this.hasBias ? this.outFeatures : 0);
  }

  /** The input features (known after the first forward when lazy). */
  get featuresIn(): number | undefined {
    const w = this.#params.weight;
    return w === null ? this.inFeatures : w[DIMS][1];
  }

  forward(x: Tensor): Tensor {
    const op = 'Linear.forward';
    const t = checkTensor(op, 'x', x);
    if (t.ndim < 1) throw new ShapeError(op, 'x', 'a tensor [..., inFeatures]', 'a 0-d tensor');
    const inF = t[DIMS][t.ndim - 1]!;
    if (this.#params.weight === null) {
      if (inF < 1) throw new ShapeError(op, 'x', 'at least one input feature', `shape ${shapeStr(t[DIMS])}`);
      this.materialize(inF);
    }
    const w = this.#params.weight!, b = this.#params.bias;
    if (w.isDisposed) throw new DisposedTensorError(op, 'weight');
    if (b?.isDisposed) throw new DisposedTensorError(op, 'bias');
    return linear(t, w, b);
  }
}

/** A frozen snapshot of pooling options (arrays read once), checked for unknown keys. */
function poolOptions<T extends object>(op: string, opts: unknown, keys: ReadonlySet<string>): Readonly<T> {
  const o = readRequiredOptions<Record<string, unknown>>(op, opts, keys, 'an options object { kernelSize, ... }');
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) out[k] = Array.isArray(v) ? Object.freeze(readArray(op, k, v, 'n or a pair', 2)) : v;
  if (out.kernelSize === undefined) throw new ArgumentError(op, 'kernelSize', 'n or [kh, kw] (positive integers)', 'undefined');
  return Object.freeze(out) as Readonly<T>;
}

const MAX_KEYS = new Set(['kernelSize', 'stride', 'padding', 'dilation', 'ceilMode', 'layout']);
const AVG_KEYS = new Set(['kernelSize', 'stride', 'padding', 'ceilMode', 'countIncludePad', 'layout']);

/**
 * Max pooling as a layer, like `torch.nn.MaxPool2d` (see `maxPool2d` for the options).
 * @example
 * const pool = new sc.nn.MaxPool2d({ kernelSize: 2, stride: 2 });
 * pool.forward(sc.ones([1, 6, 28, 28])).shape   // => [1, 6, 14, 14]
 */
export class MaxPool2d extends Module {
  readonly options: Readonly<MaxPool2dOptions>;
  constructor(options: MaxPool2dOptions) {
    super();
    this.options = poolOptions('MaxPool2d', options, MAX_KEYS);
  }
  forward(x: Tensor): Tensor {
    return maxPool2d(x, this.options);
  }
}

/**
 * Average pooling as a layer, like `torch.nn.AvgPool2d` (see `avgPool2d` for the options).
 * @example
 * const pool = new sc.nn.AvgPool2d({ kernelSize: 2, stride: 2 });
 * pool.forward(sc.ones([1, 6, 28, 28])).shape   // => [1, 6, 14, 14]
 */
export class AvgPool2d extends Module {
  readonly options: Readonly<AvgPool2dOptions>;
  constructor(options: AvgPool2dOptions) {
    super();
    this.options = poolOptions('AvgPool2d', options, AVG_KEYS);
  }
  forward(x: Tensor): Tensor {
    return avgPool2d(x, this.options);
  }
}

/**
 * `max(x, 0)` as a layer, like `torch.nn.ReLU`.
 * @example new sc.nn.ReLU().forward(sc.tensor([-1, 2]))   // => [0, 2]
 */
export class ReLU extends Module {
  forward(x: Tensor): Tensor {
    return relu(x);
  }
}

/**
 * The logistic sigmoid as a layer, like `torch.nn.Sigmoid`.
 * @example new sc.nn.Sigmoid().forward(sc.tensor([0]))   // => [0.5]
 */
export class Sigmoid extends Module {
  forward(x: Tensor): Tensor {
    return sigmoid(x);
  }
}

/**
 * The hyperbolic tangent as a layer, like `torch.nn.Tanh`.
 * @example new sc.nn.Tanh().forward(sc.tensor([0]))   // => [0]
 */
export class Tanh extends Module {
  forward(x: Tensor): Tensor {
    return tanh(x);
  }
}

/**
 * Flattens axes startDim .. endDim into one, like `torch.nn.Flatten` (defaults 1 and -1: keeps
 * the batch axis). Shares memory with its input.
 * @example new sc.nn.Flatten().forward(sc.zeros([2, 16, 5, 5])).shape   // => [2, 400]
 */
export class Flatten extends Module {
  readonly startDim: number;
  readonly endDim: number;
  constructor(options: { startDim?: number; endDim?: number } = {}) {
    super();
    const o = readOptions<{ startDim?: unknown; endDim?: unknown }>('Flatten', options, new Set(['startDim', 'endDim']));
    this.startDim = checkInt('Flatten', 'startDim', o.startDim ?? 1, -64, 63);
    this.endDim = checkInt('Flatten', 'endDim', o.endDim ?? -1, -64, 63);
  }
  forward(x: Tensor): Tensor {
    return flatten(x, this.startDim, this.endDim);
  }
}
