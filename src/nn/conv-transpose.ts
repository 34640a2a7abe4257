// nn.ConvTranspose2d: a transposed convolution layer (torch.nn.ConvTranspose2d) with a weight
// [Cin, Cout/groups, kh, kw] and an optional bias [Cout]; in-channels may be left out and are then
// taken from the first input (like LazyConvTranspose2d).
import { ArgumentError, ShapeError, describe, shapeStr } from '../errors.js';
import { DIMS, Tensor, checkTensor } from '../tensor.js';
import { Module } from './module.js';
import { WeightBias } from './weight-bias.js';
import { conv2dTranspose, type Conv2dTransposeOptions } from '../ops/conv-transpose.js';
import { pair, type Pair } from '../ops/conv-options.js';
import { checkInt, readRequiredOptions } from '../args.js';

/**
 * The options of {@link ConvTranspose2d}, PyTorch's names: its shape (out channels, kernel size,
 * lazy or given in channels), conv2dTranspose's geometry, whether it has a bias, the activation
 * layout and the seed of its initial weights.
 * @example
 * const opts: sc.nn.ConvTranspose2dLayerOptions = { outChannels: 4, kernelSize: 2, stride: 2, seed: 0 };
 * new sc.nn.ConvTranspose2d(opts).forward(sc.ones([1, 8, 5, 5])).shape   // => [1, 4, 10, 10]
 */
export interface ConvTranspose2dLayerOptions {
  /** Input channels; omit to infer them from the first input (lazy). */
  inChannels?: number;
  outChannels: number;
  /** n or [kh, kw]. */
  kernelSize: Pair;
  stride?: Pair;
  padding?: Pair;
  outputPadding?: Pair;
  groups?: number;
  /** Whether to add a learned bias (default true). */
  bias?: boolean;
  dilation?: Pair;
  /** 'NCHW' (default) or 'NHWC'. The weight is [Cin, Cout/groups, kh, kw] either way. */
  layout?: 'NCHW' | 'NHWC';
  /** Seed for the initial weights (same seed, same weights on every runtime); default: the global generator. */
  seed?: number;
}

const KEYS = new Set(['inChannels', 'outChannels', 'kernelSize', 'stride', 'padding', 'outputPadding', 'groups', 'bias', 'dilation', 'layout', 'seed']);

/**
 * A transposed 2-D convolution layer, like `torch.nn.ConvTranspose2d` (see `conv2dTranspose`):
 * it upsamples by its stride. Initialised like PyTorch: weight and bias uniform in ±1/√fan_in with
 * fan_in = (outChannels/groups)·kh·kw. Parameters `weight` and `bias`, as in PyTorch's state dict.
 * @example
 * const up = new sc.nn.ConvTranspose2d({ inChannels: 8, outChannels: 4, kernelSize: 3, stride: 2, padding: 1, outputPadding: 1, seed: 0 });
 * up.forward(sc.ones([2, 8, 7, 7])).shape   // => [2, 4, 14, 14]
 * up.weight!.shape                          // => [8, 4, 3, 3]
 */
export class ConvTranspose2d extends Module {
  readonly outChannels: number;
  readonly kernelSize: readonly [number, number];
  /** The geometry options, read once: stride, padding, outputPadding and dilation as [h, w] pairs. */
  readonly options: Readonly<Omit<Conv2dTransposeOptions, 'bias' | 'out'>>;
  readonly hasBias: boolean;
  private readonly seed: number | undefined;
  #inChannels: number | undefined;
  readonly #params: WeightBias;

  /** The weight [Cin, Cout/groups, kh, kw] (null until a lazy layer's first input). Load values with loadStateDict. */
  get weight(): Tensor | null {
    return this.#params.weight;
  }

  /** The bias [Cout], or null. */
  get bias(): Tensor | null {
    return this.#params.bias;
  }

  constructor(optsArg: ConvTranspose2dLayerOptions) {
    super();
    const op = 'ConvTranspose2d';
    const o = readRequiredOptions<Record<keyof ConvTranspose2dLayerOptions, unknown>>(op, optsArg, KEYS);
    this.outChannels = checkInt(op, 'outChannels', o.outChannels, 1);
    this.kernelSize = Object.freeze(pair(op, 'kernelSize', o.kernelSize ?? 0, 1, 1));
    const groups = checkInt(op, 'groups', o.groups ?? 1, 1);
    const cin = o.inChannels === undefined ? undefined : checkInt(op, 'inChannels', o.inChannels, 1);
    if (this.outChannels % groups !== 0 || (cin ?? 0) % groups !== 0) throw new ArgumentError(op, 'groups', 'a divisor of inChannels and outChannels', String(groups));
    if (o.bias !== undefined && typeof o.bias !== 'boolean') throw new ArgumentError(op, 'bias', 'true or false', describe(o.bias));
    this.seed = o.seed === undefined ? undefined : checkInt(op, 'seed', o.seed, 0, 2 ** 32 - 1);
    this.hasBias = o.bias !== false;
    const p = (k: string, d: number): readonly [number, number] => Object.freeze(pair(op, k, (o as Record<string, unknown>)[k], d, d));
    this.options = Object.freeze({
      stride: p('stride', 1), padding: p('padding', 0), outputPadding: p('outputPadding', 0), dilation: p('dilation', 1), groups,
      layout: o.layout as 'NCHW' | 'NHWC' | undefined,
    });
    this.#params = new WeightBias((name, t) => this.registerParameter(name, t), this.hasBias);
    if (cin !== undefined) this.materialize(cin);
  }

  /** The input channel count: the option, or (a lazy layer) learned from its first input. */
  get inChannels(): number | undefined {
    return this.#inChannels;
  }

  private materialize(cin: number): void {
    const op = 'ConvTranspose2d';
    const [kh, kw] = this.kernelSize;
    const groups = this.options.groups ?? 1;
    if (cin % groups !== 0) throw new ShapeError(op, 'x', `channels divisible by groups (${groups})`, `${cin} channels`);
    const cog = this.outChannels / groups;
    this.#inChannels = cin;
    this.#params.make(op, this.seed, [cin, cog, kh, kw], cog * kh * kw, this.hasBias ? this.outChannels : 0);
  }

  protected override onMaterialized(): void {
    this.#params.reload(this.namedParameters());
    const w = this.#params.weight;
    if (w) this.#inChannels = w[DIMS][0];
  }

  forward(x: Tensor): Tensor {
    const op = 'ConvTranspose2d.forward';
    const t = checkTensor(op, 'x', x);
    const d = t[DIMS];
    // The channels axis (3-D and 4-D inputs; conv2dTranspose rejects any other rank).
    const cin = d[this.options.layout === 'NHWC' ? d.length - 1 : d.length - 3] ?? 0;
    if (this.#params.weight === null && cin > 0) this.materialize(cin);
    if (cin !== this.#inChannels) throw new ShapeError(op, 'x', `${this.#inChannels} input channels`, `shape ${shapeStr(d)}`);
    return conv2dTranspose(t, this.#params.weight!, { ...this.options, bias: this.#params.bias });
  }
}
