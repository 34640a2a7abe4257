// Fast-check throws random bad arguments at every public op: the table OPS has a generator for
// each exported function, class and Tensor method, and a test fails when an export has neither a
// generator nor a stated reason to be left out (EXEMPT). Every failure must be a SimdconvError,
// leak nothing and leave every tensor it was given (and the shared ones) unchanged; the 'mutate'
// mode makes a valid call and then writes junk into its arguments and the tensors it returned.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as sc from '../../src/index.js';
import * as image from '../../src/image.js';

beforeAll(async () => {
  await sc.init();
});

/** A disposed tensor, offered as junk. */
let dead: sc.Tensor;
/** Tensors no op is given: they must never change. */
let witnesses: [sc.Tensor, Float32Array][] = [];
beforeAll(() => {
  dead = sc.ones([3]);
  dead.dispose();
  const bystanders = [sc.randn([2, 4, 8, 8], { seed: 1 }), sc.arange(48).reshape([6, 8])];
  witnesses = bystanders.map((t) => [t, t.data()]);
});
afterAll(() => {
  for (const [t] of witnesses) t.dispose();
});

// ---- every public op, random bad arguments -------------------------------------------------------

/**
 * How to call one public op: `args()` gives valid arguments (tensors from the shared, witnessed
 * pool; anything the op may modify is made fresh), `call` runs the op. The fuzzer replaces one
 * argument (or one key of the options object at `options`) with junk, drops trailing arguments
 * down to `minArgs`, or makes a valid call and then writes junk into every argument and every
 * public field of the tensors it returned (the result must not change).
 */
interface OpSpec {
  args: () => unknown[];
  call: (args: unknown[]) => unknown;
  /** Positions that take a Tensor: a disposed tensor there must give DisposedTensorError. */
  tensors?: number[];
  /** Position of an options object whose keys are fuzzed too, and those keys. */
  options?: [number, string[]];
  /** Arguments never dropped (the rest may be left out). */
  minArgs?: number;
  /** Argument 0 is the receiver of a Tensor method: only tensors (live or disposed) are put there. */
  receiver?: boolean;
}

/** Runs per op (SIMDCONV_FUZZ_RUNS=2000 for a longer search). */
const FUZZ_RUNS = Number(process.env.SIMDCONV_FUZZ_RUNS ?? 60);
const CONV_KEYS = ['stride', 'padding', 'dilation', 'groups', 'layout', 'mode', 'weightLayout'];
let pool: { x4: sc.Tensor; w4: sc.Tensor; X: sc.Tensor; K: sc.Tensor; v: sc.Tensor; dy: sc.Tensor; png: Uint8Array } | null = null;
const P = () => pool!;
/** A fresh leaf with a gradient, for optimizer steps (which write it). */
const param = () => {
  const p = sc.variable([[[[0.5, -1], [2, 0.25]]]]);
  p.grad = sc.ones([1, 1, 2, 2]);
  return p;
};
const layer = () => new sc.nn.Conv2d({ inChannels: 1, outChannels: 1, kernelSize: 2, seed: 3 });
const un = (f: (t: sc.Tensor) => unknown): OpSpec => ({ args: () => [P().X], call: ([a]) => f(a as sc.Tensor), tensors: [0] });
const bin = (f: (a: unknown, b: unknown) => unknown): OpSpec => ({ args: () => [P().X, P().X], call: ([a, b]) => f(a, b), tensors: [0, 1] });
const red = (f: (t: sc.Tensor, axis?: unknown, keep?: unknown) => unknown): OpSpec => ({ args: () => [P().X, 1, false], call: ([t, a, k]) => f(t as sc.Tensor, a, k), tensors: [0], minArgs: 1 });
const method = (name: string, args: () => unknown[] = () => [], tensors: number[] = []): OpSpec => ({
  args: () => [P().X.clone(), ...args()],
  call: ([t, ...rest]) => (t as unknown as Record<string, (...a: unknown[]) => unknown>)[name]!(...rest),
  tensors: [0, ...tensors.map((i) => i + 1)],
  minArgs: 1,
  receiver: true,
});
const getter = (name: string): OpSpec => ({ args: () => [P().X], call: ([t]) => (t as unknown as Record<string, unknown>)[name], tensors: [0], minArgs: 1, receiver: true });
const noArgs = (f: () => unknown): OpSpec => ({ args: () => [], call: () => f() });

/** A generator for every public op. Keys: export name, `ns.name` for namespaces, `Tensor#name` for methods. */
const OPS: Record<string, OpSpec> = {
  // creation
  tensor: { args: () => [[[1, 2], [3, 4]], [2, 2]], call: ([d, s]) => sc.tensor(d as never, s as never), minArgs: 1 },
  zeros: { args: () => [[2, 3]], call: ([s]) => sc.zeros(s as never) },
  ones: { args: () => [[2, 3]], call: ([s]) => sc.ones(s as never) },
  full: { args: () => [[2, 3], 7], call: ([s, v]) => sc.full(s as never, v as never) },
  zerosLike: { args: () => [P().X], call: ([t]) => sc.zerosLike(t as never), tensors: [0] },
  onesLike: { args: () => [P().X], call: ([t]) => sc.onesLike(t as never), tensors: [0] },
  arange: { args: () => [1, 7, 2], call: ([a, b, c]) => sc.arange(a as never, b as never, c as never), minArgs: 1 },
  eye: { args: () => [3], call: ([n]) => sc.eye(n as never) },
  rand: { args: () => [[2, 3], { seed: 1, low: -1, high: 2 }], call: ([s, o]) => sc.rand(s as never, o as never), options: [1, ['seed', 'low', 'high']], minArgs: 1 },
  randn: { args: () => [[2, 3], { seed: 1, mean: 1, std: 2 }], call: ([s, o]) => sc.randn(s as never, o as never), options: [1, ['seed', 'mean', 'std']], minArgs: 1 },
  manualSeed: { args: () => [5], call: ([s]) => sc.manualSeed(s as never) },
  variable: { args: () => [[1, 2, 3, 4], [2, 2]], call: ([d, s]) => sc.variable(d as never, s as never), tensors: [0], minArgs: 1 },
  // elementwise
  add: bin(sc.add as never), sub: bin(sc.sub as never), mul: bin(sc.mul as never), div: bin(sc.div as never), pow: bin(sc.pow as never),
  maximum: bin(sc.maximum as never), minimum: bin(sc.minimum as never),
  neg: un(sc.neg), abs: un(sc.abs), square: un(sc.square), sqrt: un(sc.sqrt), exp: un(sc.exp), log: un(sc.log), relu: un(sc.relu), sign: un(sc.sign),
  // reductions
  sum: red(sc.sum as never), mean: red(sc.mean as never), max: red(sc.max as never), min: red(sc.min as never),
  // shape
  reshape: { args: () => [P().X, [8, -1]], call: ([t, s]) => sc.reshape(t as never, s as never), tensors: [0] },
  transpose: { args: () => [P().x4, [0, 2, 1, 3]], call: ([t, ...a]) => sc.transpose(t as never, ...(a as never[])), tensors: [0], minArgs: 1 },
  flip: { args: () => [P().X, [0, 1]], call: ([t, a]) => sc.flip(t as never, a as never), tensors: [0], minArgs: 1 },
  slice: { args: () => [P().X, [null, [1, 7, 2]]], call: ([t, i]) => sc.slice(t as never, i as never), tensors: [0] },
  clone: un(sc.clone), detach: un(sc.detach),
  // convolution
  corr2d: { args: () => [P().X, P().K, {}], call: ([a, b, o]) => sc.corr2d(a as never, b as never, o as never), tensors: [0, 1], options: [2, ['out']], minArgs: 2 },
  convolve2d: { args: () => [P().X, P().K, {}], call: ([a, b, o]) => sc.convolve2d(a as never, b as never, o as never), tensors: [0, 1], options: [2, ['out']], minArgs: 2 },
  conv2d: {
    args: () => [P().x4, P().w4, { groups: 2, padding: 1, bias: P().v }], call: ([x, w, o]) => sc.conv2d(x as never, w as never, o as never),
    tensors: [0, 1], options: [2, [...CONV_KEYS, 'bias', 'out', 'paddingMode']], minArgs: 2,
  },
  conv2dTranspose: {
    args: () => [P().dy, P().w4, { groups: 2, stride: 2, padding: 1, outputPadding: 1, dilation: 1, layout: 'NCHW' }],
    call: ([x, w, o]) => sc.conv2dTranspose(x as never, w as never, o as never),
    tensors: [0, 1], options: [2, ['stride', 'padding', 'outputPadding', 'dilation', 'groups', 'layout', 'bias', 'out']], minArgs: 2,
  },
  conv2dGradInput: {
    args: () => [P().dy, P().w4, [2, 4, 8, 8], { groups: 2 }], call: ([d, w, s, o]) => sc.conv2dGradInput(d as never, w as never, s as never, o as never),
    tensors: [0, 1], options: [3, [...CONV_KEYS, 'out']], minArgs: 3,
  },
  conv2dGradWeight: {
    args: () => [P().x4, P().dy, [6, 2, 3, 3], { groups: 2 }], call: ([x, d, s, o]) => sc.conv2dGradWeight(x as never, d as never, s as never, o as never),
    tensors: [0, 1], options: [3, [...CONV_KEYS, 'out']], minArgs: 3,
  },
  convOutputSize: {
    args: () => [8, 3, { stride: 2, padBefore: 1, padAfter: 0, dilation: 1 }], call: ([n, k, o]) => sc.convOutputSize(n as never, k as never, o as never),
    options: [2, ['stride', 'padBefore', 'padAfter', 'dilation']], minArgs: 2,
  },
  im2col: {
    args: () => [P().x4, [3, 2], { stride: 2, padding: 1, dilation: 1, layout: 'NCHW' }], call: ([x, k, o]) => sc.im2col(x as never, k as never, o as never),
    tensors: [0], options: [2, ['stride', 'padding', 'dilation', 'layout']], minArgs: 2,
  },
  toeplitz: {
    args: () => [P().K, [4, 5], { stride: 1, padding: 1, dilation: 1, mode: 'convolution' }], call: ([k, s, o]) => sc.toeplitz(k as never, s as never, o as never),
    tensors: [0], options: [2, ['stride', 'padding', 'dilation', 'mode']], minArgs: 2,
  },
  matmul: { args: () => [P().X, P().X.T], call: ([a, b]) => sc.matmul(a as never, b as never), tensors: [0, 1] },
  // CNN chapter
  maxPool2d: {
    args: () => [P().x4, { kernelSize: 3, stride: 2, padding: 1, dilation: 1, ceilMode: true, layout: 'NCHW' }],
    call: ([x, o]) => sc.maxPool2d(x as never, o as never), tensors: [0], options: [1, ['kernelSize', 'stride', 'padding', 'dilation', 'ceilMode', 'layout']],
  },
  avgPool2d: {
    args: () => [P().x4, { kernelSize: 3, stride: 2, padding: 1, ceilMode: true, countIncludePad: false, layout: 'NHWC' }],
    call: ([x, o]) => sc.avgPool2d(x as never, o as never), tensors: [0], options: [1, ['kernelSize', 'stride', 'padding', 'ceilMode', 'countIncludePad', 'layout']],
  },
  sigmoid: un(sc.sigmoid), tanh: un(sc.tanh),
  softmax: { args: () => [P().X, 1], call: ([x, d]) => sc.softmax(x as never, d as never), tensors: [0] },
  logSoftmax: { args: () => [P().X, -1], call: ([x, d]) => sc.logSoftmax(x as never, d as never), tensors: [0] },
  argmax: { args: () => [P().X, 1, { keepdim: true }], call: ([x, d, o]) => sc.argmax(x as never, d as never, o as never), tensors: [0], options: [2, ['keepdim']], minArgs: 1 },
  linear: { args: () => [P().X, P().X, P().X.slice([null, 0])], call: ([x, w, b]) => sc.linear(x as never, w as never, b as never), tensors: [0, 1, 2], minArgs: 2 },
  flatten: { args: () => [P().x4, 1, 2], call: ([x, a, b]) => sc.flatten(x as never, a as never, b as never), tensors: [0], minArgs: 1 },
  receptiveField: {
    args: () => [[{ kernelSize: 3, stride: 2, padding: 1, dilation: 1 }, { kernelSize: 2 }], [16, 16]], call: ([l, s]) => sc.receptiveField(l as never, s as never), minArgs: 1,
  },
  // Always with an input shape: without one, a huge kernelSize makes receptiveFieldOf run for
  // minutes (reported); its bad-input fuzzing is bounded by the shape.
  receptiveFieldOf: {
    args: () => [[{ kernelSize: 3, stride: 2, padding: 1, dilation: 1 }, { kernelSize: 2 }], [1, 2], [16, 16]], call: ([l, i, s]) => sc.receptiveFieldOf(l as never, i as never, s as never), minArgs: 3,
  },
  // autograd, training
  fitSync: {
    // onEpoch stops after 2 epochs whatever `epochs` the fuzzer gives (1e10 epochs is valid input).
    args: () => [{ optimizer: new sc.optim.SGD([param()], { lr: 0.1 }), loss: () => sc.variable([2]).square().sum(), epochs: 2, yieldEveryMs: 5, progress: false,
      onEpoch: (p: sc.Progress) => p.epoch < 2 }],
    // 'onEpoch' is not fuzzed: it is what bounds the run (the catalogue checks a non-function onEpoch).
    call: ([o]) => sc.fitSync(o as never), options: [0, ['optimizer', 'loss', 'epochs', 'yieldEveryMs', 'progress']],
  },
  // nn
  'nn.Conv2d': {
    args: () => [{ inChannels: 2, outChannels: 4, kernelSize: [3, 2], stride: 1, padding: 'same', dilation: 1, groups: 2, bias: true, layout: 'NCHW', mode: 'correlation', seed: 1 }],
    call: ([o]) => {
      using c = new sc.nn.Conv2d(o as never);
      return c.forward(sc.ones([1, c.inChannels ?? 2, 5, 5]));
    },
    options: [0, ['inChannels', 'outChannels', 'kernelSize', 'stride', 'padding', 'dilation', 'groups', 'bias', 'layout', 'mode', 'seed', 'weightLayout']],
  },
  'nn.ConvTranspose2d': {
    args: () => [{ inChannels: 2, outChannels: 4, kernelSize: [3, 2], stride: 2, padding: 1, outputPadding: 1, dilation: 1, groups: 2, bias: true, layout: 'NCHW', seed: 1 }],
    call: ([o]) => {
      using c = new sc.nn.ConvTranspose2d(o as never);
      return c.forward(sc.ones([1, c.inChannels ?? 2, 5, 5]));
    },
    options: [0, ['inChannels', 'outChannels', 'kernelSize', 'stride', 'padding', 'outputPadding', 'dilation', 'groups', 'bias', 'layout', 'seed']],
  },
  'nn.mseLoss': { args: () => [P().X, P().X, { reduction: 'sum' }], call: ([a, b, o]) => sc.nn.mseLoss(a as never, b as never, o as never), tensors: [0, 1], options: [2, ['reduction']], minArgs: 2 },
  'nn.squaredError': bin(sc.nn.squaredError as never),
  // data (no tensors: bytes and integers)
  'data.parseIdx': { args: () => [new Uint8Array([0, 0, 8, 1, 0, 0, 0, 2, 7, 9])], call: ([b]) => sc.data.parseIdx(b as never) },
  'data.isGzip': { args: () => [new Uint8Array([0x1f, 0x8b])], call: ([b]) => sc.data.isGzip(b as never) },
  'data.permutation': { args: () => [10, 3, 1], call: ([n, s, e]) => sc.data.permutation(n as never, s as never, e as never), minArgs: 2 },
  'data.batchCount': { args: () => [10, 4, true], call: ([n, b, d]) => sc.data.batchCount(n as never, b as never, d as never), minArgs: 2 },
  'data.batchIndices': {
    args: () => [10, { batchSize: 4, shuffle: true, seed: 1, epoch: 2, dropLast: false }],
    call: ([n, o]) => [...sc.data.batchIndices(n as never, o as never)], options: [1, ['batchSize', 'shuffle', 'seed', 'epoch', 'dropLast']],
  },
  'data.pixelStats': {
    args: () => [{ count: 2, rows: 1, cols: 2, images: new Uint8Array([0, 9, 200, 255]), labels: new Uint8Array([1, 2]) }],
    call: ([s]) => sc.data.pixelStats(s as never), options: [0, ['images']],
  },
  'nn.crossEntropy': {
    args: () => [P().X, [0, 7, 1, 2, 3, 4], { reduction: 'sum', labelSmoothing: 0.1 }],
    call: ([x, l, o]) => sc.nn.crossEntropy(x as never, l as never, o as never), tensors: [0], options: [2, ['reduction', 'labelSmoothing']], minArgs: 2,
  },
  'nn.Linear': {
    args: () => [{ inFeatures: 8, outFeatures: 3, bias: true, seed: 2 }],
    call: ([o]) => {
      using l = new sc.nn.Linear(o as never);
      return l.forward(sc.ones([2, l.featuresIn ?? 8]));
    },
    options: [0, ['inFeatures', 'outFeatures', 'bias', 'seed']],
  },
  'nn.Sequential': {
    args: () => [new sc.nn.ReLU(), new sc.nn.Flatten()],
    call: (ms) => {
      using s = new sc.nn.Sequential(...(ms as never[]));
      return s.forward(sc.ones([2, 3, 4]));
    },
  },
  'nn.MaxPool2d': { args: () => [{ kernelSize: 2, stride: 2, padding: 1, dilation: 1, ceilMode: false, layout: 'NCHW' }], call: ([o]) => new sc.nn.MaxPool2d(o as never).forward(P().x4), options: [0, ['kernelSize', 'stride', 'padding', 'dilation', 'ceilMode', 'layout']] },
  'nn.AvgPool2d': { args: () => [{ kernelSize: 2, stride: 2, padding: 1, ceilMode: false, countIncludePad: true, layout: 'NCHW' }], call: ([o]) => new sc.nn.AvgPool2d(o as never).forward(P().x4), options: [0, ['kernelSize', 'stride', 'padding', 'ceilMode', 'countIncludePad', 'layout']] },
  'nn.ReLU': { args: () => [P().X], call: ([x]) => new sc.nn.ReLU().forward(x as never), tensors: [0] },
  'nn.Sigmoid': { args: () => [P().X], call: ([x]) => new sc.nn.Sigmoid().forward(x as never), tensors: [0] },
  'nn.Tanh': { args: () => [P().X], call: ([x]) => new sc.nn.Tanh().forward(x as never), tensors: [0] },
  'nn.Flatten': { args: () => [{ startDim: 1, endDim: -1 }], call: ([o]) => new sc.nn.Flatten(o as never).forward(P().x4), options: [0, ['startDim', 'endDim']] },
  'nn.Conv2d#forward': {
    args: () => [sc.ones([1, 1, 3, 3])], call: ([x]) => {
      using c = layer();
      return c.forward(x as never);
    }, tensors: [0],
  },
  'nn.Conv2d#loadStateDict': {
    args: () => [{ weight: { shape: [1, 1, 2, 2], data: [1, 2, 3, 4] }, bias: { shape: [1], data: [0] } }, { strict: true }],
    call: ([st, o]) => {
      using c = layer();
      c.loadStateDict(st as never, o as never);
      return c.weight!.data();
    }, options: [0, ['weight', 'bias']], minArgs: 1,
  },
  // optim
  'optim.SGD': {
    args: () => [[param()], { lr: 0.1, momentum: 0.9, dampening: 0, weightDecay: 0.01, nesterov: true }],
    call: ([p, o]) => {
      const opt = new sc.optim.SGD(p as never, o as never);
      try {
        opt.step();
      } finally {
        opt.dispose();
      }
    }, options: [1, ['lr', 'momentum', 'dampening', 'weightDecay', 'nesterov']],
  },
  'optim.Adam': {
    args: () => [[param()], { lr: 0.1, betas: [0.8, 0.9], eps: 1e-6, weightDecay: 0.01, decoupled: true }],
    call: ([p, o]) => {
      const opt = new sc.optim.Adam(p as never, o as never);
      try {
        opt.step();
      } finally {
        opt.dispose();
      }
    }, options: [1, ['lr', 'betas', 'eps', 'weightDecay', 'decoupled']], minArgs: 1,
  },
  // kernels
  'kernels.edgeVertical': noArgs(() => sc.kernels.edgeVertical()),
  'kernels.edgeHorizontal': noArgs(() => sc.kernels.edgeHorizontal()),
  'kernels.edgeDiagonal': noArgs(() => sc.kernels.edgeDiagonal()),
  'kernels.edgeAntiDiagonal': noArgs(() => sc.kernels.edgeAntiDiagonal()),
  'kernels.sobelX': noArgs(() => sc.kernels.sobelX()),
  'kernels.sobelY': noArgs(() => sc.kernels.sobelY()),
  'kernels.prewittX': noArgs(() => sc.kernels.prewittX()),
  'kernels.prewittY': noArgs(() => sc.kernels.prewittY()),
  'kernels.sharpen': noArgs(() => sc.kernels.sharpen()),
  'kernels.emboss': noArgs(() => sc.kernels.emboss()),
  'kernels.secondDerivative': { args: () => [{ axis: 'y' }], call: ([o]) => sc.kernels.secondDerivative(o as never), options: [0, ['axis']] },
  'kernels.laplacian': { args: () => [{ diagonals: true }], call: ([o]) => sc.kernels.laplacian(o as never), options: [0, ['diagonals']] },
  'kernels.finiteDifference': { args: () => [3, { axis: 'y' }], call: ([d, o]) => sc.kernels.finiteDifference(d as never, o as never), options: [1, ['axis']], minArgs: 1 },
  'kernels.boxSum': { args: () => [[2, 3]], call: ([n]) => sc.kernels.boxSum(n as never) },
  'kernels.integral': { args: () => [4, { step: 0.5, axis: 'x', rule: 'trapezoid' }], call: ([n, o]) => sc.kernels.integral(n as never, o as never), options: [1, ['step', 'axis', 'rule']], minArgs: 1 },
  'kernels.runningSum': { args: () => [4, { axis: 'y' }], call: ([n, o]) => sc.kernels.runningSum(n as never, o as never), options: [1, ['axis']], minArgs: 1 },
  'kernels.gaussian': { args: () => [[1, 0.5], [5, 3]], call: ([s, n]) => sc.kernels.gaussian(s as never, n as never), minArgs: 1 },
  // simdconv/image
  'image.toPNG': {
    args: () => [P().X, { colormap: 'viridis', normalize: [0, 10], scale: 2, nanColor: [1, 2, 3] }], call: ([t, o]) => image.toPNG(t as never, o as never),
    tensors: [0], options: [1, ['colormap', 'normalize', 'scale', 'nanColor']], minArgs: 1,
  },
  'image.toImageData': {
    args: () => [P().X, { colormap: 'bwr', normalize: 'symmetric', scale: 1 }], call: ([t, o]) => image.toImageData(t as never, o as never),
    tensors: [0], options: [1, ['colormap', 'normalize', 'scale', 'nanColor']], minArgs: 1,
  },
  'image.fromPNG': {
    args: () => [P().png, { channels: 3, layout: 'HWC' }], call: ([b, o]) => image.fromPNG(b as never, o as never), options: [1, ['channels', 'layout']], minArgs: 1,
  },
  'image.fromImageData': {
    args: () => [{ width: 2, height: 3, data: new Uint8ClampedArray(24).fill(7) }, { channels: 4 }], call: ([d, o]) => image.fromImageData(d as never, o as never),
    options: [0, ['width', 'height', 'data']], minArgs: 1,
  },
  // Tensor methods (receiver first)
  'Tensor#data': method('data'), 'Tensor#toArray': method('toArray'),
  'Tensor#item': { args: () => [sc.tensor([[5]])], call: ([t]) => (t as sc.Tensor).item(), tensors: [0], minArgs: 1, receiver: true },
  'Tensor#reshape': method('reshape', () => [[4, 12]]), 'Tensor#flatten': method('flatten', () => [0, 1]),
  'Tensor#transpose': method('transpose', () => [1, 0]), 'Tensor#flip': method('flip', () => [1]),
  'Tensor#slice': method('slice', () => [[[1, 3], -1]]), 'Tensor#set': method('set', () => [[null, [2, 6]], 0], [1]),
  'Tensor#clone': method('clone'), 'Tensor#detach': method('detach'),
  'Tensor#add': method('add', () => [P().X], [0]), 'Tensor#sub': method('sub', () => [2], [0]), 'Tensor#mul': method('mul', () => [P().X], [0]),
  'Tensor#div': method('div', () => [P().X], [0]), 'Tensor#pow': method('pow', () => [2], [0]),
  'Tensor#maximum': method('maximum', () => [P().X], [0]), 'Tensor#minimum': method('minimum', () => [1], [0]),
  'Tensor#neg': method('neg'), 'Tensor#abs': method('abs'), 'Tensor#square': method('square'), 'Tensor#sqrt': method('sqrt'),
  'Tensor#exp': method('exp'), 'Tensor#log': method('log'), 'Tensor#relu': method('relu'),
  'Tensor#sigmoid': method('sigmoid'), 'Tensor#tanh': method('tanh'), 'Tensor#softmax': method('softmax', () => [1]),
  'Tensor#logSoftmax': method('logSoftmax', () => [0]), 'Tensor#argmax': method('argmax', () => [1, { keepdim: false }]),
  'Tensor#matmul': method('matmul', () => [sc.ones([P().X.shape[1]!, 3])], [0]),
  'Tensor#sum': method('sum', () => [0, true]), 'Tensor#mean': method('mean', () => [[0, 1]]), 'Tensor#max': method('max', () => [-1]), 'Tensor#min': method('min', () => [0]),
  'Tensor#backward': {
    args: () => [sc.variable([1, 2]).mul(3), sc.ones([2]), { retainGraph: true }],
    call: ([t, g, o]) => (t as sc.Tensor).backward(g as never, o as never), tensors: [0, 1], minArgs: 1, receiver: true,
  },
  'Tensor#requiresGrad': { args: () => [sc.ones([2]), true], call: ([t, v]) => { (t as sc.Tensor).requiresGrad = v as boolean; }, tensors: [0], minArgs: 2, receiver: true },
  'Tensor#T': getter('T'),
  // Shaped [2] so that no junk tensor fits: an accepted gradient belongs to the tensor from then on.
  'Tensor#grad': {
    args: () => [sc.variable([1, 2]), sc.zeros([2])], call: ([t, g]) => { (t as sc.Tensor).grad = g as never; }, tensors: [0, 1], minArgs: 2, receiver: true,
  },
};

/** Exports that take no tensors, shapes or options, with the reason they are not fuzzed here. */
const EXEMPT: Record<string, string> = {
  init: 'async loader, tested by init.test.ts / init-sources.test.ts',
  tidy: 'takes only a callback (the catalogue checks a non-function)',
  noGrad: 'takes only a callback (the catalogue checks a non-function)',
  compile: 'takes a callback and { name }: its bad arguments and refused steps are tested in test/compile.test.ts',
  keep: 'returns its argument (a no-op for anything but a tensor in a tidy scope)',
  memory: 'no arguments',
  liveTensors: 'no arguments',
  setLeakWarning: 'one boolean, process-wide; its argument check is tested in test/leak-warning.test.ts',
  trackTensors: 'one boolean, process-wide; its argument check is tested in test/leak-warning.test.ts',
  isGradEnabled: 'no arguments',
  capabilities: 'no arguments',
  setThreads: 'async and process-wide (starts workers, moves the memory); its argument checks are tested with the threads',
  fit: 'async twin of fitSync (the same check() runs first)',
  Tensor: 'the class, exported for instanceof; its constructor is internal (made by tensor(), zeros(), ...)',
  SimdconvError: 'error class', ShapeError: 'error class', ArgumentError: 'error class', DisposedTensorError: 'error class',
  NotInitializedError: 'error class', UnsupportedRuntimeError: 'error class', SimdconvOutOfMemoryError: 'error class', AutogradError: 'error class', CompileError: 'error class',
  'data.readIdx': 'async (gunzips through DecompressionStream); corrupt input is tested in test/data/idx.test.ts',
  'data.fashionMnistFromBytes': 'async; wrong files are tested in test/data/fashion-mnist.test.ts',
  'data.loadFashionMnist': 'async, reads files through the given reader; tested in test/data/fashion-mnist.test.ts',
  'data.IdxFormatError': 'error class',
  'nn.Module': 'abstract base class (its methods are fuzzed through nn.Conv2d)',
  'optim.Optimizer': 'abstract base class (fuzzed through optim.SGD and optim.Adam)',
  'Tensor#toString': 'no arguments; a disposed tensor prints as tensor(<disposed>)',
  'Tensor#dispose': 'no arguments; safe to call twice',
  'Tensor#zeroGrad': 'no arguments',
  'Tensor#ptr': 'internal (@internal)',
  'Tensor#shape': 'a getter of a frozen copy (assignments and edits: the mutate mode below and safety.test.ts)',
  'Tensor#size': 'a getter (assignments: the mutate mode below and safety.test.ts)',
  'Tensor#dtype': 'a constant', 'Tensor#ndim': 'a plain property', 'Tensor#isDisposed': 'a plain property', 'Tensor#isLeaf': 'a plain property',
};

/**
 * Every public name an op could hide behind: exported functions and classes, namespace members,
 * Tensor methods and accessors, and the functions of the 'simdconv/image' entry.
 */
function publicSurface(): string[] {
  const names: string[] = [];
  for (const [k, v] of Object.entries(sc)) {
    if (typeof v === 'function') names.push(k);
    else if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      for (const [k2, v2] of Object.entries(v)) if (typeof v2 === 'function') names.push(`${k}.${k2}`);
    }
  }
  for (const k of Object.getOwnPropertyNames(sc.Tensor.prototype)) if (k !== 'constructor') names.push(`Tensor#${k}`);
  for (const [k, v] of Object.entries(image)) if (typeof v === 'function') names.push(`image.${k}`);
  return names.sort();
}

describe('random bad arguments for every public op (fast-check)', () => {
  const T = {} as Record<string, sc.Tensor>;
  beforeAll(() => {
    // Tensors offered as junk: they must never be written by an op they are passed to.
    T.scalar = sc.tensor(2);
    T.big5d = sc.ones([1, 1, 1, 2, 2]);
    T.vec = sc.tensor([1, 2, 3]);
    T.leaf = sc.variable([1, 2, 3]);
    pool = {
      x4: sc.randn([2, 4, 8, 8], { seed: 11 }), w4: sc.randn([6, 2, 3, 3], { seed: 12 }),
      X: sc.arange(48).reshape([6, 8]).add(1), K: sc.tensor([[1, -1], [2, 0.5]]), v: sc.tensor([1, 2, 3, 4, 5, 6]),
      dy: sc.randn([2, 6, 6, 6], { seed: 13 }), png: new Uint8Array(0),
    };
    pool.png = sc.tidy(() => image.toPNG(sc.rand([3, 4, 5], { seed: 14 }), {}));
  });
  afterAll(() => {
    for (const t of [...Object.values(T), ...Object.values(pool!).filter((v) => v instanceof sc.Tensor)]) (t as sc.Tensor).dispose();
  });

  it('every public op has a bad-input generator (or a stated reason not to)', () => {
    const surface = publicSurface();
    const covered = new Set([...Object.keys(OPS), ...Object.keys(EXEMPT)]);
    const missing = surface.filter((n) => !covered.has(n) && !(n.includes('#') && (n.startsWith('nn.') || n.startsWith('optim.'))));
    expect(missing, 'exports without a generator in OPS or a reason in EXEMPT').toEqual([]);
    const stale = [...covered].filter((n) => !surface.includes(n) && !n.startsWith('nn.Conv2d#'));
    expect(stale, 'OPS/EXEMPT entries that are no longer exported').toEqual([]);
    // The generators are valid calls as written (so the fuzzer starts from a call that works).
    for (const [name, spec] of Object.entries(OPS)) {
      const before = sc.memory().tensors;
      expect(() => sc.tidy(() => void spec.call(spec.args())), name).not.toThrow();
      expect(sc.memory().tensors, `${name} leaks`).toBe(before);
    }
  });

  const junk = (): fc.Arbitrary<unknown> => fc.oneof(
    fc.constantFrom<unknown>(undefined, null, NaN, Infinity, -Infinity, -1, -0, 0, 0.5, 1.5, 3, 1e10, 2 ** 31, 2 ** 53, 1n,
      '', '2', 'same', 'NHWC', true, false, [], [0], [NaN], [-1, 2], [0.5, 1], [2, 2, 2], [[1, 2], [3]], [[-1, 0], [0, 0]], {}, { length: 3 },
      new Float32Array(3), new Uint8Array(4), Symbol('junk'), () => 1),
    fc.constantFrom('dead', 'scalar', 'big5d', 'vec', 'leaf').map((k) => ({ tensorRef: k })),
  );
  const resolveJunk = (j: unknown): unknown => (j !== null && typeof j === 'object' && 'tensorRef' in j
    ? ((j as { tensorRef: string }).tensorRef === 'dead' ? dead : T[(j as { tensorRef: string }).tensorRef]) : j);

  it.each(Object.keys(OPS))('%s', (name) => {
    const spec = OPS[name]!;
    const allWitnesses = (): [sc.Tensor, Float32Array][] => [...witnesses, ...Object.values(T).map((t) => [t, t.data()] as [sc.Tensor, Float32Array]),
      ...(['x4', 'w4', 'X', 'K', 'v', 'dy'] as const).map((k) => [P()[k], P()[k].data()] as [sc.Tensor, Float32Array])];
    const snapshot = allWitnesses();
    fc.assert(fc.property(fc.constantFrom('arg', 'option', 'drop', 'mutate'), fc.nat(), fc.nat(), junk(), (how, i, k, j) => {
      const value = resolveJunk(j);
      const before = sc.memory();
      let err: unknown = null;
      let disposedAt = -1;
      sc.tidy(() => {
        const args = spec.args();
        const n = args.length;
        if (how === 'mutate') {
          // A valid call, then every argument and every public field of the result is mutated
          // with junk: the result must not change (nothing kept a caller's array or object).
          const result = spec.call(args);
          const seen = snapshotOf(result);
          mutateAll(args, value, i);
          mutateAll(result, value, i, 0, true); // the result's own arrays are the caller's: only its tensors
          expect(snapshotOf(result), `${name}: mutating the arguments or the result's fields changed the result`).toEqual(seen);
          return;
        }
        if (how === 'option' && spec.options) {
          const [at, keys] = spec.options;
          args[at] = { ...(args[at] as object), [keys[k % keys.length]!]: value };
        } else if (how === 'drop' && n > (spec.minArgs ?? 0)) {
          args.length = (spec.minArgs ?? 0) + (i % (n - (spec.minArgs ?? 0)));
        } else if (n > 0) {
          args[i % n] = spec.receiver && i % n === 0 && !(value instanceof sc.Tensor) ? dead : value;
          if (args[i % n] === dead && (spec.tensors ?? []).includes(i % n)) disposedAt = i % n;
        } else {
          return;
        }
        try {
          spec.call(args);
        } catch (e) {
          err = e;
        }
      });
      if (err !== null && !(err instanceof sc.SimdconvError)) throw new Error(`${name}: ${how} ${String(i)} ${describeJunk(value)}: threw ${String(err)} (not a SimdconvError)`);
      if (disposedAt >= 0) expect(err, `${name}: a disposed tensor at argument ${disposedAt}`).toBeInstanceOf(sc.DisposedTensorError);
      expect(sc.memory(), `${name}: ${how} ${describeJunk(value)} leaked`).toMatchObject({ tensors: before.tensors, bytes: before.bytes });
    }), { numRuns: FUZZ_RUNS });
    for (const [t, data] of snapshot) expect(t.data(), `${name} wrote into a tensor it was given`).toEqual(data);
  });

  /** What a caller sees of a result: a tensor's shape, size and data, a typed array's values, arrays and objects of those. */
  function snapshotOf(v: unknown, depth = 0): unknown {
    if (v instanceof sc.Tensor) return v.isDisposed ? 'disposed' : { shape: [...v.shape], size: v.size, data: v.data() };
    if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<number>);
    if (depth > 3 || v === null || typeof v !== 'object') return v;
    if (Array.isArray(v)) return v.map((x) => snapshotOf(x, depth + 1));
    return Object.fromEntries(Object.entries(v).map(([key, x]) => [key, snapshotOf(x, depth + 1)]));
  }

  /**
   * Writes `junk` everywhere a caller can: array entries and lengths, own keys of plain objects,
   * and a tensor's public fields (shape, its entries, size, grad, requiresGrad, name), recursively.
   * Each write may be refused (TypeError: frozen or read-only; SimdconvError: checked) and nothing
   * else. A gradient or requiresGrad the tensor accepted is put back (the junk tensor must not be
   * disposed with it, and the pool's tensors are shared by every op's runs).
   */
  function mutateAll(v: unknown, junk: unknown, i: number, depth = 0, tensorsOnly = false): void {
    const attempt = (write: () => void): void => {
      try {
        write();
      } catch (e) {
        if (!(e instanceof TypeError) && !(e instanceof sc.SimdconvError)) throw e;
      }
    };
    if (v instanceof sc.Tensor) {
      if (v === dead || Object.values(T).includes(v)) return;
      const t = v as unknown as Record<string, unknown>;
      attempt(() => { (v.shape as unknown[])[i % Math.max(1, v.shape.length)] = junk; });
      attempt(() => { (v.shape as unknown[]).length = 0; });
      for (const key of ['shape', 'size', 'name']) attempt(() => { t[key] = junk; });
      // requiresGrad and grad may legitimately take the junk: put them back (the tensors are shared).
      const tracked = v.requiresGrad, had = v.grad;
      attempt(() => { t.requiresGrad = junk; });
      if (v.requiresGrad !== tracked) v.requiresGrad = tracked;
      attempt(() => { t.grad = junk; });
      if (v.grad !== had) v.grad = null;
      return;
    }
    if (depth > 3 || v === null || typeof v !== 'object' || ArrayBuffer.isView(v) || Object.isFrozen(v)) return;
    if (Array.isArray(v)) {
      for (const x of v) mutateAll(x, junk, i, depth + 1, tensorsOnly);
      if (tensorsOnly) return;
      if (v.length > 0) attempt(() => { v[i % v.length] = junk; });
      attempt(() => v.push(junk));
      return;
    }
    if (Object.getPrototypeOf(v) !== Object.prototype) return; // modules, optimizers: their own tests
    for (const key of Object.keys(v)) {
      mutateAll((v as Record<string, unknown>)[key], junk, i, depth + 1, tensorsOnly);
      if (!tensorsOnly) attempt(() => { (v as Record<string, unknown>)[key] = junk; });
    }
  }

  function describeJunk(v: unknown): string {
    if (v instanceof sc.Tensor) return v.isDisposed ? 'a disposed tensor' : `a tensor [${v.shape}]`;
    if (typeof v === 'symbol' || typeof v === 'bigint' || typeof v === 'function') return String(v);
    try {
      return JSON.stringify(v) ?? String(v);
    } catch {
      return String(v);
    }
  }
});
