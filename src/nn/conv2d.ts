// nn.Conv2d: a convolution layer with a weight [Cout, Cin/groups, kh, kw] (or [kh, kw, Cin/groups,
// Cout] with weightLayout 'HWIO') and an optional bias [Cout]; in-channels may be left out and are
// then taken from the first input (like LazyConv2d).
import { ArgumentError, DisposedTensorError, ShapeError, SimdconvError, describe, shapeStr } from '../errors.js';
import { DIMS, Tensor, checkTensor } from '../tensor.js';
import { Module } from './module.js';
import { WeightBias } from './weight-bias.js';
import { conv2d } from '../ops/conv.js';
import { OPTION_KEYS, checkWeightLayoutName, paddingModeOf, type Conv2dOptions, type ConvAlgorithm, type Padding, type PaddingMode, type Pair } from '../ops/conv-options.js';
import { reshape, transpose } from '../ops/shape.js';
import { checkInt, readArray, readOptions, readRequiredOptions } from '../args.js';

/**
 * The options of {@link Conv2d}: its shape (out channels, kernel size, lazy or given in channels),
 * conv2d's geometry options, whether it has a bias, and the seed of its initial weights.
 * @example
 * const opts: sc.nn.Conv2dLayerOptions = { outChannels: 8, kernelSize: 3, padding: 'same', seed: 0 };
 * new sc.nn.Conv2d(opts).forward(sc.ones([1, 3, 5, 5])).shape   // => [1, 8, 5, 5]
 */
export interface Conv2dLayerOptions {
  /** Input channels; omit to infer them from the first input (lazy). */
  inChannels?: number;
  outChannels: number;
  /** n or [kh, kw]. */
  kernelSize: Pair;
  stride?: Pair;
  padding?: Padding;
  dilation?: Pair;
  groups?: number;
  /** Whether to add a learned bias (default true). */
  bias?: boolean;
  /** The activations' layout: 'NCHW' (default) or 'NHWC'. It does not change the weight's (see weightLayout). */
  layout?: 'NCHW' | 'NHWC';
  /**
   * The layout the layer keeps its weight in, which `weight` and `stateDict()` show and
   * `loadStateDict()` expects: 'OIHW' ([Cout, Cin/groups, kh, kw], PyTorch's; the default, also
   * with layout 'NHWC') or 'HWIO' ([kh, kw, Cin/groups, Cout], TensorFlow/Keras's). The same seed
   * gives the same initial weight in both, transposed.
   */
  weightLayout?: 'OIHW' | 'HWIO';
  mode?: 'correlation' | 'convolution';
  /** What the padding holds: 'zeros' (default), 'reflect', 'replicate' or 'circular' (PyTorch's padding_mode). */
  paddingMode?: PaddingMode;
  /** How forward and the input gradient compute (conv2d's option): 'direct', 'winograd' or 'auto' (default). */
  algorithm?: ConvAlgorithm;
  /** Seed for the initial weights (same seed, same weights on every runtime); default: the global generator. */
  seed?: number;
}

const KEYS = new Set(['inChannels', 'outChannels', 'kernelSize', 'stride', 'padding', 'dilation', 'groups', 'bias', 'layout', 'mode', 'seed', 'paddingMode', 'algorithm',
  'weightLayout']);

/** A frozen copy of an option value (arrays read once, nested pairs too): the layer keeps no caller array. */
function frozen(argument: string, v: unknown, depth = 0): unknown {
  if (!Array.isArray(v) || depth > 1) return v;
  return Object.freeze(readArray('Conv2d', argument, v, 'n or a pair', 2).map((x) => frozen(argument, x, depth + 1)));
}

/** An OIHW weight re-laid out as HWIO (the OIHW one is disposed). */
function toHwio(oihw: Tensor): Tensor {
  const hwio = transpose(oihw, [2, 3, 1, 0]);
  oihw.dispose();
  return hwio;
}

/**
 * A 2-D convolution layer. Initialised like PyTorch (weight and bias uniform in ±1/√fan_in).
 * Accepts 4-D batches, 3-D unbatched inputs, and 2-D single-channel images (a 2-D image and one
 * output channel give a 2-D output).
 * @example
 * const X = sc.ones([6, 8]).set([null, [2, 6]], 0);   // the lesson's image
 * const conv = new sc.nn.Conv2d({ outChannels: 1, kernelSize: [1, 2], bias: false, seed: 0 });
 * conv.forward(X.reshape([1, 1, 6, 8])).shape   // => [1, 1, 6, 7]
 * conv.weight.shape                             // => [1, 1, 1, 2]
 * const keras = new sc.nn.Conv2d({ inChannels: 3, outChannels: 8, kernelSize: 3, layout: 'NHWC', weightLayout: 'HWIO', seed: 0 });
 * keras.weight.shape                            // => [3, 3, 3, 8]
 * keras.forward(sc.ones([1, 5, 5, 3])).shape    // => [1, 3, 3, 8]
 */
export class Conv2d extends Module {
  readonly outChannels: number;
  readonly kernelSize: readonly [number, number];
  readonly options: Readonly<Omit<Conv2dOptions, 'bias'>>;
  readonly hasBias: boolean;
  /** The layout of `weight`: 'OIHW' ([Cout, Cin/groups, kh, kw], the default) or 'HWIO' ([kh, kw, Cin/groups, Cout]). */
  readonly weightLayout: 'OIHW' | 'HWIO';
  private readonly seed: number | undefined;
  /** The input channel count: the option, or learned from the first input of a lazy layer. */
  #inChannels: number | undefined;
  readonly #params: WeightBias;
  /** `options` with the weight layout, as conv2d reads them (read once here, not per forward; frozen, so conv2d may reuse its geometry). */
  readonly #convOptions: Conv2dOptions;

  /**
   * The weight [Cout, Cin/groups, kh, kw] (OIHW), or [kh, kw, Cin/groups, Cout] with `weightLayout: 'HWIO'`. Read-only: load values with loadStateDict. A lazy layer
   * (no `inChannels`) makes it at its first forward (or loadStateDict); reading it before throws a
   * SimdconvError (`hasLazyParameters` tells whether it exists yet).
   */
  get weight(): Tensor {
    const w = this.#params.weight;
    if (w === null) {
      throw new SimdconvError('Conv2d', 'weight', 'read after the first forward', 'a lazy layer that has not seen an input',
        'Conv2d: a lazy layer (no inChannels) makes its weight at its first forward: call forward (or loadStateDict) first, or pass inChannels');
    }
    return w;
  }

  set weight(_: Tensor) {
    throw new ArgumentError('Conv2d', 'weight', 'no assignment (the layer owns its parameters)', 'an assignment',
      "Conv2d: 'weight' cannot be replaced: load values with loadStateDict, or write them under noGrad(() => layer.weight.set([], values))");
  }

  /** The bias [Cout]; null without a bias, and before a lazy layer's first forward. Read-only, like `weight`. */
  get bias(): Tensor | null {
    return this.#params.bias;
  }

  set bias(_: Tensor | null) {
    throw new ArgumentError('Conv2d', 'bias', 'no assignment (the layer owns its parameters)', 'an assignment',
      "Conv2d: 'bias' cannot be replaced: load values with loadStateDict, or write them under noGrad(() => layer.bias.set([], values))");
  }

  constructor(optsArg: Conv2dLayerOptions) {
    super();
    const opts = readRequiredOptions<Record<keyof Conv2dLayerOptions, unknown>>('Conv2d', optsArg, KEYS);
    this.outChannels = checkInt('Conv2d', 'outChannels', opts.outChannels, 1);
    const ks = frozen('kernelSize', opts.kernelSize);
    this.kernelSize = Object.freeze(typeof ks === 'number' ? [checkInt('Conv2d', 'kernelSize', ks, 1), ks] as const
      : Array.isArray(ks) && ks.length === 2 ? [checkInt('Conv2d', 'kernelSize[0]', ks[0], 1), checkInt('Conv2d', 'kernelSize[1]', ks[1], 1)] as const
      : (() => { throw new ArgumentError('Conv2d', 'kernelSize', 'n or [kh, kw]', describe(ks)); })());
    const groups = opts.groups === undefined ? 1 : checkInt('Conv2d', 'groups', opts.groups, 1);
    if (this.outChannels % groups !== 0) throw new ArgumentError('Conv2d', 'groups', `a divisor of outChannels (${this.outChannels})`, String(groups));
    if (opts.inChannels !== undefined) {
      const cin = checkInt('Conv2d', 'inChannels', opts.inChannels, 1);
      if (cin % groups !== 0) throw new ArgumentError('Conv2d', 'groups', `a divisor of inChannels (${cin})`, String(groups));
    }
    if (opts.bias !== undefined && typeof opts.bias !== 'boolean') throw new ArgumentError('Conv2d', 'bias', 'true or false', describe(opts.bias));
    if (opts.seed !== undefined) checkInt('Conv2d', 'seed', opts.seed, 0, 2 ** 32 - 1);
    this.#inChannels = opts.inChannels as number | undefined;
    this.hasBias = (opts.bias as boolean | undefined) ?? true;
    this.seed = opts.seed as number | undefined;
    this.options = Object.freeze({
      stride: frozen('stride', opts.stride), padding: frozen('padding', opts.padding), dilation: frozen('dilation', opts.dilation), groups,
      layout: opts.layout, mode: opts.mode, paddingMode: opts.paddingMode === undefined ? undefined : paddingModeOf('Conv2d', opts.paddingMode),
      algorithm: opts.algorithm,
    }) as Readonly<Omit<Conv2dOptions, 'bias'>>;
    // The layout is checked now; stride, padding, dilation and mode are checked by conv2d on the first input.
    if (opts.layout !== undefined && opts.layout !== 'NCHW' && opts.layout !== 'NHWC') throw new ArgumentError('Conv2d', 'layout', "'NCHW' or 'NHWC'", describe(opts.layout));
    this.weightLayout = checkWeightLayoutName('Conv2d', opts.weightLayout);
    this.#convOptions = Object.freeze(readOptions<Conv2dOptions>('Conv2d', { ...this.options, weightLayout: this.weightLayout }, OPTION_KEYS));
    this.#params = new WeightBias((name, t) => this.registerParameter(name, t), this.hasBias);
    if (this.#inChannels !== undefined) this.materialize(this.#inChannels);
  }

  /** The number of input channels: the `inChannels` option, or (a lazy layer) learned from its first input; undefined until then. */
  get inChannels(): number | undefined {
    return this.#inChannels;
  }

  private materialize(cin: number): void {
    const [kh, kw] = this.kernelSize;
    const groups = this.options.groups ?? 1;
    if (cin % groups !== 0) throw new ShapeError('Conv2d', 'x', `a channel count divisible by groups (${groups})`, `${cin} channels`);
    this.#inChannels = cin;
    // Made OIHW (so a seed gives the same values in either layout), then transposed for HWIO.
    this.#params.make('Conv2d', this.seed, [this.outChannels, cin / groups, kh, kw], (cin / groups) * kh * kw, this.hasBias ? this.outChannels : 0,
      this.weightLayout === 'HWIO' ? toHwio : undefined);
  }

  protected override onMaterialized(): void {
    this.#params.reload(this.namedParameters());
    const w = this.#params.weight;
    if (w) this.#inChannels = w[DIMS][this.weightLayout === 'HWIO' ? 2 : 1]! * (this.options.groups ?? 1);
  }

  forward(x: Tensor): Tensor {
    const t = checkTensor('Conv2d.forward', 'x', x);
    const nhwc = this.options.layout === 'NHWC';
    if (t.ndim < 2 || t.ndim > 4) {
      throw new ShapeError('Conv2d.forward', 'x', `a 2-D image, a 3-D unbatched or a 4-D batched input (${nhwc ? 'NHWC' : 'NCHW'})`, `shape ${shapeStr(t[DIMS])}`);
    }
    const image2d = t.ndim === 2;
    const input = image2d ? reshape(t, nhwc ? [...t[DIMS], 1] : [1, ...t[DIMS]]) : t;
    const cin = nhwc ? input[DIMS][input.ndim - 1]! : input[DIMS][input.ndim - 3]!;
    if (this.#params.weight === null) this.materialize(cin);
    if (this.weight.isDisposed) throw new DisposedTensorError('Conv2d.forward', 'weight');
    if (this.bias?.isDisposed) throw new DisposedTensorError('Conv2d.forward', 'bias');
    const want = this.#inChannels!;
    if (cin !== want) {
      throw new ShapeError('Conv2d.forward', 'x', `${want} input channels`, `${cin} channels (shape ${shapeStr(t[DIMS])})`);
    }
    const y = conv2d(input, this.weight, this.bias, this.#convOptions);
    if (input !== t) input.dispose();
    if (image2d && this.outChannels === 1) {
      const r = reshape(y, nhwc ? y[DIMS].slice(0, 2) : y[DIMS].slice(1));
      y.dispose();
      return r;
    }
    return y;
  }
}
