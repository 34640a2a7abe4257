// Bad input: each case must throw the named SimdconvError subclass with op/argument/expected/got and
// a message that starts with the op, before any kernel writes memory: no tensor is leaked (count and
// bytes) and every other live tensor is unchanged afterwards.
//
// The catalogue is grouped by the kinds of bad input issue 7 lists; a test checks every kind has
// cases; then fast-check properties for conv2d options, shapes and geometry. Issue 11's classes
// are in safety.test.ts, the fuzzing of every export in fuzz.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as sc from '../../src/index.js';
import { expectError } from '../helpers/expect-error.js';

beforeAll(async () => {
  await sc.init();
});

let x4: sc.Tensor, w4: sc.Tensor, X: sc.Tensor, K: sc.Tensor, dead: sc.Tensor;
let witnesses: [sc.Tensor, Float32Array][] = [];
beforeAll(() => {
  x4 = sc.randn([2, 4, 8, 8], { seed: 1 });
  w4 = sc.randn([6, 2, 3, 3], { seed: 2 });
  X = sc.arange(48).reshape([6, 8]);
  K = sc.tensor([[1, -1]]);
  dead = sc.ones([3]);
  dead.dispose();
  witnesses = [x4, w4, X, K].map((t) => [t, t.data()]);
});
afterAll(() => {
  for (const t of [x4, w4, X, K]) t.dispose();
});

type ErrorClass = new (...a: never[]) => sc.SimdconvError;
type Case = [string, () => unknown, ErrorClass, RegExp?];
const E = { shape: sc.ShapeError, arg: sc.ArgumentError, disposed: sc.DisposedTensorError, oom: sc.SimdconvOutOfMemoryError, grad: sc.AutogradError };

/** A small trained-looking setup for the autograd / nn / optim cases (made inside the case's tidy). */
function lossOf(w: sc.Tensor): sc.Tensor {
  return sc.conv2d(sc.ones([1, 1, 4, 4]), w).square().sum();
}

/** The kinds of bad input, each with its cases. */
const kinds: Record<string, Case[]> = {
  'wrong rank': [
    ['corr2d 1-D input', () => sc.corr2d(sc.ones([8]), K), E.shape, /'X'/],
    ['corr2d 3-D kernel', () => sc.corr2d(X, sc.ones([1, 1, 2])), E.shape, /'K'/],
    ['conv2d 2-D input', () => sc.conv2d(X, w4), E.shape, /'x'/],
    ['conv2d 5-D input', () => sc.conv2d(sc.ones([1, 1, 1, 4, 4]), w4), E.shape],
    ['conv2d 3-D weight', () => sc.conv2d(x4, sc.ones([6, 4, 3])), E.shape, /'w'/],
    ['conv2d 0-d input', () => sc.conv2d(sc.tensor(1), w4), E.shape],
    ['conv2d bias 2-D', () => sc.conv2d(x4, w4, { groups: 2, bias: sc.ones([6, 1]) }), E.shape],
    ['conv2dGradInput 2-D xShape', () => sc.conv2dGradInput(sc.ones([2, 6, 6, 6]), w4, [8, 8], { groups: 2 }), E.shape, /xShape/],
    ['conv2dGradWeight 3-D wShape', () => sc.conv2dGradWeight(x4, sc.ones([2, 6, 6, 6]), [6, 2, 3], { groups: 2 }), E.shape, /wShape/],
    ['Conv2d.forward 5-D input', () => {
      using c = new sc.nn.Conv2d({ outChannels: 1, kernelSize: 1 });
      c.forward(sc.ones([1, 1, 1, 3, 3]));
    }, E.shape, /Conv2d.forward/],
    ['Conv2d.forward 1-D input', () => {
      using c = new sc.nn.Conv2d({ outChannels: 1, kernelSize: 1 });
      c.forward(sc.ones([3]));
    }, E.shape],
    ['zeros 9 dims', () => sc.zeros([1, 1, 1, 1, 1, 1, 1, 1, 1]), E.shape],
    ['tensor nested 9 deep', () => sc.tensor([[[[[[[[[1]]]]]]]]]), E.shape],
    ['item of many elements', () => X.item(), E.shape, /exactly one element/],
    ['backward of a non-scalar', () => sc.variable([1, 2]).mul(2).backward(), E.grad, /only for scalar outputs/],
  ],
  'mismatched shapes or channels': [
    ['conv2d channel mismatch', () => sc.conv2d(x4, sc.ones([6, 3, 3, 3])), E.shape, /input channels/],
    ['conv2d NHWC channel mismatch', () => sc.conv2d(x4, w4, { layout: 'NHWC' }), E.shape],
    ['conv2d bias wrong length', () => sc.conv2d(x4, w4, { groups: 2, bias: sc.ones([5]) }), E.shape, /bias/],
    ['conv2dGradInput wrong dy shape', () => sc.conv2dGradInput(sc.ones([2, 6, 5, 5]), w4, [2, 4, 8, 8], { groups: 2 }), E.shape, /'dy'/],
    ['conv2dGradInput xShape channels do not match w', () => sc.conv2dGradInput(sc.ones([2, 6, 6, 6]), w4, [2, 6, 8, 8], { groups: 2 }), E.shape, /3 input channels per group/],
    ['conv2dGradWeight wrong dy shape', () => sc.conv2dGradWeight(x4, sc.ones([2, 6, 5, 6]), [6, 2, 3, 3], { groups: 2 }), E.shape, /'dy'/],
    ['add shapes do not broadcast', () => X.add(sc.ones([7])), E.shape, /broadcast/],
    ['mul 4-D shapes do not broadcast', () => x4.mul(sc.ones([3, 1, 1])), E.shape],
    ['set value wrong shape', () => X.set([null, [0, 2]], sc.ones([6, 3])), E.shape],
    ['mseLoss shape mismatch', () => sc.nn.mseLoss(sc.ones([2]), sc.ones([3])), E.shape],
    ['squaredError shape mismatch', () => sc.nn.squaredError(sc.ones([2, 2]), sc.ones([4])), E.shape],
    ['backward with a wrong-shaped gradient', () => sc.variable([1, 2]).mul(2).backward(sc.ones([3])), E.shape],
    ['reshape wrong size', () => X.reshape([5, 10]), E.shape, /48 elements/],
    ['Conv2d input channels change', () => {
      using c = new sc.nn.Conv2d({ outChannels: 1, kernelSize: 1 });
      c.forward(sc.ones([1, 2, 3, 3]));
      c.forward(sc.ones([1, 3, 3, 3]));
    }, E.shape, /2 input channels/],
    ['Conv2d declared inChannels differ from the input', () => {
      using c = new sc.nn.Conv2d({ inChannels: 2, outChannels: 1, kernelSize: 1 });
      c.forward(sc.ones([1, 3, 3, 3]));
    }, E.shape],
    ['loadStateDict wrong shape', () => {
      using c = new sc.nn.Conv2d({ inChannels: 1, outChannels: 1, kernelSize: 2, bias: false });
      c.loadStateDict({ weight: { shape: [1, 1, 3, 3], data: new Float32Array(9) } });
    }, E.shape],
    ['loadStateDict data length does not match its shape', () => {
      using c = new sc.nn.Conv2d({ inChannels: 1, outChannels: 1, kernelSize: 2, bias: false });
      c.loadStateDict({ weight: { shape: [1, 1, 2, 2], data: [1, 2, 3] } });
    }, E.shape],
  ],
  'kernel larger than the (padded) input': [
    ['corr2d kernel larger than input', () => sc.corr2d(sc.ones([3, 3]), sc.ones([5, 5])), E.shape, /corr2d: kernel 5x5 is larger than input 3x3/],
    ['corr2d kernel taller than input', () => sc.corr2d(sc.ones([1, 8]), sc.ones([2, 1])), E.shape],
    ['convolve2d kernel larger', () => sc.convolve2d(sc.ones([2, 2]), sc.ones([3, 3])), E.shape],
    ['conv2d kernel larger than padded input', () => sc.conv2d(sc.ones([1, 1, 2, 2]), sc.ones([1, 1, 5, 5]), { padding: 1 }), E.shape, /larger than the padded input 4x4/],
    ['conv2d kernel wider than the input (asymmetric padding)', () => sc.conv2d(sc.ones([1, 1, 4, 2]), sc.ones([1, 1, 1, 5]), { padding: [[0, 0], [1, 1]] }), E.shape],
    ['conv2d dilated kernel too large', () => sc.conv2d(sc.ones([1, 1, 4, 4]), sc.ones([1, 1, 3, 3]), { dilation: 2 }), E.shape, /dilation/],
    ['conv2d NHWC kernel larger than input', () => sc.conv2d(sc.ones([1, 2, 2, 3]), sc.ones([1, 3, 3, 3]), { layout: 'NHWC' }), E.shape],
    ['Conv2d.forward kernel larger than input', () => {
      using c = new sc.nn.Conv2d({ outChannels: 1, kernelSize: 5 });
      c.forward(sc.ones([1, 1, 3, 3]));
    }, E.shape],
  ],
  'zero, negative or fractional sizes': [
    ['corr2d empty kernel', () => sc.corr2d(X, sc.ones([0, 2])), E.shape],
    ['conv2d zero-channel input', () => sc.conv2d(sc.ones([2, 0, 8, 8]), w4, { groups: 2 }), E.shape, /positive channels/],
    ['conv2dTranspose zero-width input', () => sc.conv2dTranspose(sc.ones([2, 6, 8, 0]), w4), E.shape, /positive channels, height and width/],
    ['conv2d zero output channels', () => sc.conv2d(x4, sc.ones([0, 4, 3, 3])), E.shape],
    ['conv2d zero-height kernel', () => sc.conv2d(x4, sc.ones([6, 4, 0, 3])), E.shape],
    ['conv2dGradInput negative xShape', () => sc.conv2dGradInput(sc.ones([2, 6, 6, 6]), w4, [2, 4, -8, 8], { groups: 2 }), E.shape, /xShape/],
    ['conv2dGradInput NaN in xShape', () => sc.conv2dGradInput(sc.ones([2, 6, 6, 6]), w4, [2, 4, NaN, 8], { groups: 2 }), E.shape, /xShape/],
    ['conv2dGradWeight fractional wShape', () => sc.conv2dGradWeight(x4, sc.ones([2, 6, 6, 6]), [6, 2, 3, 2.5], { groups: 2 }), E.shape, /wShape/],
    ['zeros negative size', () => sc.zeros([2, -1]), E.shape, /non-negative integers/],
    ['zeros fractional size', () => sc.zeros([2.5]), E.shape],
    ['zeros NaN size', () => sc.zeros([NaN]), E.shape],
    ['zeros Infinity size', () => sc.zeros([Infinity]), E.shape],
    ['zeros string size', () => sc.zeros(['2'] as never), E.shape],
    ['zeros not an array', () => sc.zeros(3 as never), E.shape],
    ['tensor flat data with a negative shape', () => sc.tensor(new Float32Array(4), [-2, -2]), E.shape],
    ['tensor flat data with a -1 in the shape', () => sc.tensor(new Float32Array(4), [2, -1]), E.shape],
    ['reshape two -1', () => X.reshape([-1, -1]), E.shape],
    ['reshape -1 not dividing', () => X.reshape([5, -1]), E.shape],
    ['reshape fractional', () => X.reshape([4.8, 10]), E.shape],
    ['reshape negative', () => X.reshape([-2, -24]), E.shape],
    ['eye negative', () => sc.eye(-1), E.arg],
    ['eye fractional', () => sc.eye(2.5), E.arg],
    ['Conv2d zero kernel', () => new sc.nn.Conv2d({ outChannels: 1, kernelSize: 0 }), E.arg, /kernelSize/],
    ['Conv2d negative kernel', () => new sc.nn.Conv2d({ outChannels: 1, kernelSize: -3 }), E.arg, /kernelSize/],
    ['Conv2d fractional kernel', () => new sc.nn.Conv2d({ outChannels: 1, kernelSize: [3, 1.5] }), E.arg, /kernelSize\[1\]/],
    ['Conv2d zero outChannels', () => new sc.nn.Conv2d({ outChannels: 0, kernelSize: 1 }), E.arg, /outChannels/],
    ['Conv2d fractional inChannels', () => new sc.nn.Conv2d({ inChannels: 1.5, outChannels: 1, kernelSize: 1 }), E.arg, /inChannels/],
    ['max of an empty tensor', () => sc.zeros([0]).max(), E.shape],
    ['min of an empty axis', () => sc.zeros([3, 0]).min(1), E.shape],
  ],
  'strides': [
    ['conv2d zero stride', () => sc.conv2d(x4, w4, { groups: 2, stride: 0 }), E.arg, /stride/],
    ['conv2d negative stride', () => sc.conv2d(x4, w4, { groups: 2, stride: -1 }), E.arg],
    ['conv2d fractional stride', () => sc.conv2d(x4, w4, { groups: 2, stride: [1, 1.5] }), E.arg, /stride\[1\]/],
    ['conv2d stride triple', () => sc.conv2d(x4, w4, { groups: 2, stride: [1, 1, 1] as never }), E.arg],
    ['conv2d string stride', () => sc.conv2d(x4, w4, { groups: 2, stride: '2' as never }), E.arg],
    // Kernels take i32 arguments: a stride of 2^32 must be refused, not wrapped to 0 (a wasm trap).
    ['conv2d stride 2^32', () => sc.conv2d(x4, w4, { groups: 2, stride: 2 ** 32 }), E.arg, /stride/],
    ['conv2d stride 2^53', () => sc.conv2d(x4, w4, { groups: 2, stride: [1, 2 ** 53] }), E.arg, /stride/],
    ['conv2dGradInput zero stride', () => sc.conv2dGradInput(sc.ones([2, 6, 6, 6]), w4, [2, 4, 8, 8], { groups: 2, stride: 0 }), E.arg, /stride/],
    ['convOutputSize zero stride', () => sc.convOutputSize(8, 2, { stride: 0 }), E.arg],
    ['slice zero step', () => X.slice([[0, 6, 0]]), E.arg, /positive step/],
    ['slice negative step', () => X.slice([[0, 6, -1]]), E.arg, /positive step/],
    ['Conv2d.forward negative stride (checked on the first input)', () => {
      using c = new sc.nn.Conv2d({ outChannels: 1, kernelSize: 1, stride: -2 });
      c.forward(sc.ones([1, 1, 3, 3]));
    }, E.arg, /stride/],
  ],
  'dilations': [
    ['conv2d zero dilation', () => sc.conv2d(x4, w4, { groups: 2, dilation: 0 }), E.arg],
    ['conv2d negative dilation', () => sc.conv2d(x4, w4, { groups: 2, dilation: -2 }), E.arg, /dilation/],
    ['conv2d fractional dilation', () => sc.conv2d(x4, w4, { groups: 2, dilation: [2, 0.5] }), E.arg, /dilation\[1\]/],
    ['conv2dGradWeight zero dilation', () => sc.conv2dGradWeight(x4, sc.ones([2, 6, 6, 6]), [6, 2, 3, 3], { groups: 2, dilation: [0, 1] }), E.arg, /dilation\[0\]/],
    ['convOutputSize fractional dilation', () => sc.convOutputSize(8, 2, { dilation: 1.5 }), E.arg, /dilation/],
  ],
  'groups not dividing channels': [
    ['conv2d groups not dividing C', () => sc.conv2d(x4, w4, { groups: 3 }), E.arg, /groups/],
    ['conv2d groups not dividing Cout', () => sc.conv2d(x4, sc.ones([5, 1, 3, 3]), { groups: 4 }), E.arg],
    ['conv2d groups zero', () => sc.conv2d(x4, w4, { groups: 0 }), E.arg],
    ['conv2dTranspose groups not dividing Cin', () => sc.conv2dTranspose(sc.ones([1, 6, 4, 4]), w4, { groups: 4 }), E.arg, /groups/],
    ['conv2dTranspose outputPadding = stride', () => sc.conv2dTranspose(sc.ones([1, 6, 4, 4]), w4, { stride: 2, outputPadding: 2 }), E.arg, /less than the height's stride 2/],
    ['conv2dTranspose output too small', () => sc.conv2dTranspose(sc.ones([1, 6, 1, 1]), w4, { padding: 2 }), E.shape, /output height -1/],
    ['conv2dTranspose weight rows != channels', () => sc.conv2dTranspose(x4, w4), E.shape, /x has 4 channels/],
    ["conv2d paddingMode 'reflect' with pad = size", () => sc.conv2d(sc.ones([1, 1, 2, 2]), sc.ones([1, 1, 1, 1]), { padding: 2, paddingMode: 'reflect' }), E.arg, /smaller than the input height/],
    ["conv2d paddingMode 'circular' wrapping twice", () => sc.conv2d(sc.ones([1, 1, 2, 2]), sc.ones([1, 1, 1, 1]), { padding: [0, 3], paddingMode: 'circular' }), E.arg, /no larger than the input width/],
    ['conv2d unknown paddingMode', () => sc.conv2d(x4, w4, { groups: 2, paddingMode: 'mirror' as never }), E.arg, /paddingMode/],
    ['conv2d groups fractional', () => sc.conv2d(x4, w4, { groups: 1.5 }), E.arg],
    ['conv2d groups negative', () => sc.conv2d(x4, w4, { groups: -2 }), E.arg, /groups/],
    ['Conv2d groups not dividing outChannels', () => new sc.nn.Conv2d({ outChannels: 3, kernelSize: 1, groups: 2 }), E.arg],
    ['Conv2d groups not dividing inChannels', () => new sc.nn.Conv2d({ inChannels: 3, outChannels: 4, kernelSize: 1, groups: 2 }), E.arg, /inChannels/],
    ['Conv2d (lazy) groups not dividing the input channels', () => {
      using c = new sc.nn.Conv2d({ outChannels: 4, kernelSize: 1, groups: 2 });
      c.forward(sc.ones([1, 3, 2, 2]));
    }, E.shape, /divisible by groups/],
  ],
  'NaN or Infinity hyper-parameters': [
    ['conv2d NaN stride', () => sc.conv2d(x4, w4, { groups: 2, stride: NaN }), E.arg],
    ['conv2d Infinity dilation', () => sc.conv2d(x4, w4, { groups: 2, dilation: Infinity }), E.arg],
    ['conv2d Infinity padding', () => sc.conv2d(x4, w4, { groups: 2, padding: Infinity }), E.arg],
    ['conv2d NaN padding', () => sc.conv2d(x4, w4, { groups: 2, padding: [1, NaN] }), E.arg, /padding\[1\]/],
    ['conv2d NaN groups', () => sc.conv2d(x4, w4, { groups: NaN }), E.arg, /groups/],
    ['convOutputSize NaN n', () => sc.convOutputSize(NaN, 2), E.arg, /'n'/],
    ['convOutputSize Infinity padBefore', () => sc.convOutputSize(8, 2, { padBefore: Infinity }), E.arg, /padBefore/],
    ['SGD negative lr', () => new sc.optim.SGD([], { lr: -1 }), E.arg, /lr/],
    ['SGD NaN lr', () => new sc.optim.SGD([], { lr: NaN }), E.arg],
    ['SGD NaN momentum', () => new sc.optim.SGD([], { lr: 0.1, momentum: NaN }), E.arg, /momentum/],
    ['SGD Infinity momentum', () => new sc.optim.SGD([], { lr: 0.1, momentum: Infinity }), E.arg, /momentum/],
    ['SGD NaN dampening', () => new sc.optim.SGD([], { lr: 0.1, momentum: 0.9, dampening: NaN }), E.arg, /dampening/],
    ['SGD Infinity weightDecay', () => new sc.optim.SGD([], { lr: 0.1, weightDecay: Infinity }), E.arg, /weightDecay/],
    ['SGD lr missing', () => new sc.optim.SGD([], {} as never), E.arg, /lr/],
    ['Adam Infinity lr', () => new sc.optim.Adam([], { lr: Infinity }), E.arg],
    ['Adam beta 1', () => new sc.optim.Adam([], { betas: [1, 0.999] }), E.arg],
    ['Adam NaN beta1', () => new sc.optim.Adam([], { betas: [NaN, 0.999] }), E.arg, /betas\[0\]/],
    ['Adam Infinity beta2', () => new sc.optim.Adam([], { betas: [0.9, Infinity] }), E.arg, /betas\[1\]/],
    ['Adam NaN eps', () => new sc.optim.Adam([], { eps: NaN }), E.arg, /eps/],
    ['Adam -Infinity weightDecay', () => new sc.optim.Adam([], { weightDecay: -Infinity }), E.arg, /weightDecay/],
    ['arange Infinity', () => sc.arange(Infinity), E.arg],
    ['arange NaN step', () => sc.arange(0, 5, NaN), E.arg, /step/],
    ['arange zero step', () => sc.arange(0, 5, 0), E.arg],
    ['rand NaN low', () => sc.rand([2], { low: NaN }), E.arg, /low/],
    ['rand Infinity high', () => sc.rand([2], { high: Infinity }), E.arg, /high/],
    ['rand high <= low', () => sc.rand([2], { low: 1, high: 1 }), E.arg],
    ['randn NaN mean', () => sc.randn([2], { mean: NaN }), E.arg, /mean/],
    ['randn Infinity std', () => sc.randn([2], { std: Infinity }), E.arg, /std/],
    ['randn negative std', () => sc.randn([2], { std: -1 }), E.arg],
    ['rand negative seed', () => sc.rand([2], { seed: -1 }), E.arg, /seed/],
    ['randn NaN seed', () => sc.randn([2], { seed: NaN }), E.arg, /seed/],
    ['manualSeed fractional', () => sc.manualSeed(1.5), E.arg],
    ['manualSeed Infinity', () => sc.manualSeed(Infinity), E.arg],
    ['fit NaN epochs', () => sc.fitSync({ optimizer: new sc.optim.SGD([], { lr: 1 }), loss: () => sc.ones([1]), epochs: NaN }), E.arg, /epochs/],
    ['fit negative epochs', () => sc.fitSync({ optimizer: new sc.optim.SGD([], { lr: 1 }), loss: () => sc.ones([1]), epochs: -1 }), E.arg],
  ],
  'other bad options': [
    ['conv2d negative padding', () => sc.conv2d(x4, w4, { groups: 2, padding: -1 }), E.arg, /padding/],
    ['conv2d fractional padding', () => sc.conv2d(x4, w4, { groups: 2, padding: 0.5 }), E.arg],
    ['conv2d unknown padding word', () => sc.conv2d(x4, w4, { groups: 2, padding: 'full' as never }), E.arg],
    ['conv2d ragged padding', () => sc.conv2d(x4, w4, { groups: 2, padding: [[1, 1], [1]] as never }), E.arg],
    ['conv2d bad layout', () => sc.conv2d(x4, w4, { groups: 2, layout: 'NCWH' as never }), E.arg, /layout/],
    ['conv2d bad mode', () => sc.conv2d(x4, w4, { groups: 2, mode: 'flip' as never }), E.arg, /mode/],
    ['conv2d unknown option', () => sc.conv2d(x4, w4, { groups: 2, strides: 2 } as never), E.arg, /unknown option 'strides'/],
    ['conv2d options not an object', () => sc.conv2d(x4, w4, 3 as never), E.arg, /options/],
    ['conv2d bias not a tensor', () => sc.conv2d(x4, w4, { groups: 2, bias: [1, 2, 3, 4, 5, 6] as never }), E.arg, /bias/],
    ['conv2dGradWeight bias option', () => sc.conv2dGradWeight(x4, sc.ones([2, 6, 6, 6]), [6, 2, 3, 3], { groups: 2, bias: w4 } as never), E.arg],
    ['rand options not an object', () => sc.rand([2], 'seed' as never), E.arg],
    ['transpose bad permutation', () => x4.transpose([0, 0, 1, 2]), E.arg, /permutation/],
    ['transpose axis out of range', () => X.transpose(0, 2), E.arg, /axis1/],
    ['transpose three loose axes', () => x4.transpose(0, 1, 2), E.arg],
    ['flip axis out of range', () => X.flip(2), E.arg],
    ['flip duplicate axes', () => X.flip([0, 0]), E.arg, /distinct/],
    ['flip NaN axis', () => X.flip(NaN), E.arg],
    ['slice too many indices', () => X.slice([0, 0, 0]), E.arg],
    ['slice index out of range', () => X.slice([6]), E.arg, /index\[0\]/],
    ['slice fractional bound', () => X.slice([[0.5, 2]]), E.arg],
    ['slice NaN index', () => X.slice([NaN]), E.arg],
    ['slice not an array', () => X.slice(0 as never), E.arg, /index/],
    ['sum axis out of range', () => X.sum(2), E.arg, /axis/],
    ['sum duplicate axes', () => X.sum([1, -1]), E.arg, /distinct/],
    ['mean fractional axis', () => X.mean(0.5), E.arg],
    ['max NaN axis', () => X.max(NaN), E.arg],
    ['mseLoss bad reduction', () => sc.nn.mseLoss(sc.ones([2]), sc.ones([2]), { reduction: 'avg' as never }), E.arg],
    ['Conv2d unknown option', () => new sc.nn.Conv2d({ outChannels: 1, kernelSize: 1, padd: 1 } as never), E.arg],
    ['Conv2d bad layout', () => new sc.nn.Conv2d({ outChannels: 1, kernelSize: 1, layout: 'CHW' as never }), E.arg, /layout/],
    ['Conv2d bias not a boolean', () => new sc.nn.Conv2d({ outChannels: 1, kernelSize: 1, bias: 1 as never }), E.arg, /bias/],
    ['Conv2d negative seed', () => new sc.nn.Conv2d({ outChannels: 1, kernelSize: 1, seed: -1 }), E.arg, /seed/],
    ['SGD nesterov without momentum', () => new sc.optim.SGD([], { lr: 0.1, nesterov: true }), E.arg, /nesterov/],
    ['SGD params not tensors', () => new sc.optim.SGD([1] as never, { lr: 1 }), E.arg],
    ['Adam decoupled not a boolean', () => new sc.optim.Adam([], { decoupled: 'yes' as never }), E.arg, /decoupled/],
    ['loadStateDict unexpected key', () => {
      using c = new sc.nn.Conv2d({ inChannels: 1, outChannels: 1, kernelSize: 2, bias: false });
      c.loadStateDict({ weight: { shape: [1, 1, 2, 2], data: [1, 2, 3, 4] }, extra: { shape: [1], data: [1] } });
    }, E.arg, /extra/],
    ['fit loss not a function', () => sc.fitSync({ optimizer: new sc.optim.SGD([], { lr: 1 }), loss: 3 as never, epochs: 1 }), E.arg, /loss/],
    ['fit loss returning a number', () => sc.fitSync({ optimizer: new sc.optim.SGD([], { lr: 1 }), loss: (() => 3) as never, epochs: 1 }), E.arg, /loss/],
    ['fit without an optimizer', () => sc.fitSync({ loss: () => sc.ones([1]), epochs: 1 } as never), E.arg, /optimizer/],
    ['tidy of a non-function', () => sc.tidy(3 as never), E.arg, /tidy.*'fn'/],
    ['noGrad of a non-function', () => sc.noGrad(3 as never), E.arg, /noGrad.*'fn'/],
    ['fit progress not a boolean', () => sc.fitSync({ optimizer: new sc.optim.SGD([], { lr: 1 }), loss: () => sc.variable([1]).sum(), epochs: 1, progress: 'yes' as never }), E.arg, /progress/],
    ['fit onEpoch not a function', () => sc.fitSync({ optimizer: new sc.optim.SGD([], { lr: 1 }), loss: () => sc.variable([1]).sum(), epochs: 1, onEpoch: 3 as never }), E.arg, /onEpoch/],
    ['mseLoss options null', () => sc.nn.mseLoss(sc.ones([2]), sc.ones([2]), null as never), E.arg, /options/],
    ['convOutputSize options null', () => sc.convOutputSize(8, 2, null as never), E.arg, /options/],
    ['backward options null', () => sc.variable([1, 2]).sum().backward(undefined, null as never), E.arg, /options/],
    ['backward retainGraph not a boolean', () => sc.variable([1, 2]).sum().backward(undefined, { retainGraph: 'yes' as never }), E.arg, /retainGraph/],
    ['stateDict options null', () => {
      using c = new sc.nn.Conv2d({ inChannels: 1, outChannels: 1, kernelSize: 2 });
      c.stateDict(null as never);
    }, E.arg, /options/],
    ['loadStateDict non-numeric data', () => {
      using c = new sc.nn.Conv2d({ inChannels: 1, outChannels: 1, kernelSize: 2, bias: false });
      c.loadStateDict({ weight: { shape: [1, 1, 2, 2], data: [1, 2, '3' as never, 4] } });
    }, E.arg, /data\[2\]/],
    ['loadStateDict negative shape into a lazy module', () => {
      using c = new sc.nn.Conv2d({ outChannels: 1, kernelSize: 2, bias: false });
      c.loadStateDict({ weight: { shape: [-1, 1, -2, 2], data: [1, 2, 3, 4] } });
    }, E.shape, /weight/],
  ],
  'data whose length does not match the shape': [
    ['tensor data/shape mismatch', () => sc.tensor(new Float32Array(5), [2, 3]), E.shape, /5 elements/],
    ['tensor number array/shape mismatch', () => sc.tensor(new Float32Array(6), [2, 2]), E.shape],
    ['tensor nested data/shape mismatch', () => sc.tensor([[1, 2], [3, 4]], [3]), E.shape],
    ['tensor number with shape', () => sc.tensor(3, [2]), E.shape],
    ['variable data/shape mismatch', () => sc.variable(new Float32Array(3), [2, 2]), E.shape],
  ],
  'ragged nested arrays': [
    ['tensor ragged', () => sc.tensor([[1, 2], [3]]), E.shape, /ragged/],
    ['tensor ragged at depth 3', () => sc.tensor([[[1, 2], [3, 4]], [[5, 6], [7]]]), E.shape, /ragged/],
    ['tensor a typed row of the wrong length', () => sc.tensor([new Float32Array(2), new Float32Array(3)] as never), E.shape, /ragged/],
    ['tensor an array where a number was expected', () => sc.tensor([[1, 2], 3] as never), E.shape],
    ['tensor a number where an array was expected', () => sc.tensor([1, [2, 3]] as never), E.arg],
  ],
  'non-numeric entries': [
    ['tensor non-numeric', () => sc.tensor([[1, 'a' as never]]), E.arg, /numbers/],
    ['tensor null entry', () => sc.tensor([1, null as never]), E.arg],
    ['tensor undefined entry', () => sc.tensor([1, undefined as never]), E.arg],
    ['tensor bigint entry', () => sc.tensor([1n as never, 2]), E.arg],
    ['tensor boolean entry', () => sc.tensor([true as never]), E.arg],
    ['tensor flat array with a string and a shape', () => sc.tensor([1, '2' as never, 3, 4], [2, 2]), E.arg],
    ['tensor string', () => sc.tensor('abc' as never), E.arg],
    ['tensor undefined', () => sc.tensor(undefined as never), E.arg],
    ['full a string value', () => sc.full([2], 'x' as never), E.arg],
    ['full without a value', () => sc.full([2], undefined as never), E.arg],
    ['mul by a string', () => X.mul('2' as never), E.arg],
    ['add undefined', () => sc.add(X, undefined as never), E.arg],
    ['pow by an array', () => X.pow([2] as never), E.arg],
    ['corr2d non-tensor', () => sc.corr2d([[1]] as never, K), E.arg],
    ['neg of a number', () => sc.neg(3 as never), E.arg],
    ['set non-tensor value', () => X.set([0], 'x' as never), E.arg],
    ['requiresGrad set to a string', () => { sc.ones([1]).requiresGrad = 'yes' as never; }, E.grad],
  ],
  'disposed tensors': [
    ['corr2d disposed input', () => sc.corr2d(dead, K), E.disposed, /disposed/],
    ['corr2d disposed kernel', () => sc.corr2d(X, dead), E.disposed, /'K'/],
    ['conv2d disposed input', () => sc.conv2d(dead, w4), E.disposed, /'x'/],
    ['conv2d disposed weight', () => sc.conv2d(x4, dead), E.disposed],
    ['conv2d disposed bias', () => sc.conv2d(x4, w4, { groups: 2, bias: dead }), E.disposed, /'bias'/],
    ['conv2dGradInput disposed dy', () => sc.conv2dGradInput(dead, w4, [2, 4, 8, 8], { groups: 2 }), E.disposed, /'dy'/],
    ['conv2dGradWeight disposed x', () => sc.conv2dGradWeight(dead, sc.ones([2, 6, 6, 6]), [6, 2, 3, 3], { groups: 2 }), E.disposed, /'x'/],
    ['add disposed right operand', () => X.add(dead), E.disposed],
    ['sub disposed left operand', () => sc.sub(dead, 1), E.disposed],
    ['maximum disposed', () => sc.maximum(dead, X), E.disposed],
    ['exp disposed', () => sc.exp(dead), E.disposed],
    ['sum disposed', () => dead.sum(), E.disposed],
    ['reshape disposed', () => dead.reshape([3, 1]), E.disposed],
    ['transpose disposed', () => dead.transpose(), E.disposed],
    ['slice disposed', () => dead.slice([0]), E.disposed],
    ['set into a disposed tensor', () => dead.set([0], 1), E.disposed],
    ['set a disposed value', () => X.set([0], dead), E.disposed, /'value'/],
    ['clone disposed', () => dead.clone(), E.disposed],
    ['detach disposed', () => dead.detach(), E.disposed],
    ['data() of a disposed tensor', () => dead.data(), E.disposed],
    ['toArray() of a disposed tensor', () => dead.toArray(), E.disposed],
    ['item() of a disposed tensor', () => dead.item(), E.disposed],
    ['zerosLike disposed', () => sc.zerosLike(dead), E.disposed],
    ['variable of a disposed tensor', () => sc.variable(dead), E.disposed],
    ['mseLoss disposed target', () => sc.nn.mseLoss(sc.ones([3]), dead), E.disposed],
    ['backward of a disposed tensor', () => {
      const l = sc.variable([1, 2]).sum();
      l.dispose();
      l.backward();
    }, E.disposed],
    ['backward with a disposed gradient', () => sc.variable([1, 2]).mul(2).backward(dead), E.disposed, /gradient/],
    ['SGD over a disposed parameter', () => new sc.optim.SGD([dead], { lr: 0.1 }), E.disposed, /params\[0\]/],
    ['optimizer step after a parameter was disposed', () => {
      const w = sc.variable([[[[1, 2], [3, 4]]]]);
      const opt = new sc.optim.SGD([w], { lr: 0.1 });
      lossOf(w).backward();
      w.dispose();
      opt.step();
    }, E.disposed, /SGD.step/],
    ['Adam step over a disposed module', () => {
      const c = new sc.nn.Conv2d({ inChannels: 1, outChannels: 1, kernelSize: 2, seed: 1 });
      const opt = new sc.optim.Adam(c, { lr: 0.1 });
      sc.nn.mseLoss(c.forward(sc.ones([1, 1, 3, 3])), sc.zeros([1, 1, 2, 2])).backward();
      c.dispose();
      opt.step();
    }, E.disposed, /Adam.step/],
    ['Conv2d.forward with a disposed weight', () => {
      using c = new sc.nn.Conv2d({ inChannels: 1, outChannels: 1, kernelSize: 2 });
      c.weight!.dispose();
      c.forward(sc.ones([1, 1, 3, 3]));
    }, E.disposed, /Conv2d.forward: argument 'weight'/],
    ['Conv2d.forward with a disposed bias', () => {
      using c = new sc.nn.Conv2d({ inChannels: 1, outChannels: 1, kernelSize: 2 });
      c.bias!.dispose();
      c.forward(sc.ones([1, 1, 3, 3]));
    }, E.disposed, /'bias'/],
    ['stateDict of a module with a disposed weight', () => {
      using c = new sc.nn.Conv2d({ inChannels: 1, outChannels: 1, kernelSize: 2 });
      c.weight!.dispose();
      c.stateDict();
    }, E.disposed, /weight/],
    ['loadStateDict into a disposed weight', () => {
      using c = new sc.nn.Conv2d({ inChannels: 1, outChannels: 1, kernelSize: 2, bias: false });
      c.weight!.dispose();
      c.loadStateDict({ weight: { shape: [1, 1, 2, 2], data: [1, 2, 3, 4] } });
    }, E.disposed, /weight/],
  ],
  'autograd misuse': [
    ['backward twice through a freed graph', () => {
      const l = sc.variable([1, 2]).mul(3).sum();
      l.backward();
      l.backward();
    }, E.grad, /second time/],
    ['backward through a graph freed by the backward of a later loss', () => {
      const h = sc.variable([1, 2]).exp();
      h.sum().backward();
      h.mul(2).sum().backward();
    }, E.grad, /second time/],
    ['backward after a saved input was modified in place', () => {
      const a = sc.variable([1, 2]);
      const b = sc.tensor([3, 4]);
      const l = a.mul(b).sum();
      b.set([0], 5);
      l.backward();
    }, E.grad, /modified by an in-place operation/],
    ['backward after an optimizer step changed a saved weight', () => {
      const w = sc.variable([[[[1, 2], [3, 4]]]]);
      const opt = new sc.optim.SGD([w], { lr: 0.1 });
      const l1 = lossOf(w);
      const l2 = lossOf(w);
      l1.backward();
      opt.step();
      l2.backward();
    }, E.grad, /in-place/],
    ['backward of a constant', () => sc.ones([1]).backward(), E.grad, /does not require grad/],
    ['set on a leaf that requires grad', () => sc.variable([1, 2]).set([0], 0), E.grad, /noGrad/],
    ['set on a computed tensor', () => sc.variable([1, 2]).mul(2).set([0], 0), E.grad, /clone/],
    ['requiresGrad set on a disposed tensor', () => { dead.requiresGrad = true; }, E.disposed],
    ['requiresGrad = false on a computed tensor', () => { sc.variable([1]).mul(2).requiresGrad = false; }, E.grad],
  ],
  'sizes that overflow 32 bits or exceed the memory': [
    ['zeros over 4 GiB', () => sc.zeros([1 << 20, 1 << 12]), E.oom, /4 GiB/],
    ['zeros of exactly 4 GiB (2^30 floats)', () => sc.zeros([1 << 15, 1 << 15]), E.oom, /out of memory/],
    ['zeros of 2^32 elements (the element count overflows uint32)', () => sc.zeros([65536, 65536]), E.oom],
    ['zeros whose size is beyond 2^53', () => sc.zeros([2 ** 30, 2 ** 30, 2 ** 30]), E.oom],
    ['ones over 4 GiB in 8 dims', () => sc.ones([16, 16, 16, 16, 16, 16, 16, 16]), E.oom],
    ['randn over 4 GiB', () => sc.randn([2 ** 31], { seed: 1 }), E.oom],
    ['arange of 2^31 values', () => sc.arange(2 ** 31), E.oom],
    ['eye of 70000 x 70000', () => sc.eye(70000), E.oom],
    ['tensor of a huge shape for one number', () => sc.tensor(1, [2 ** 31, 2]), E.oom],
    ['conv2d whose output exceeds the memory', () => sc.conv2d(sc.ones([1, 1, 1, 1]), sc.ones([1, 1, 1, 1]), { padding: 40000 }), E.oom, /conv2d: out of memory/],
    ['conv2d whose output is 4 GiB', () => sc.conv2d(sc.ones([1, 1, 1, 1]), sc.ones([1, 1, 1, 1]), { padding: [[32767, 32767], [16383, 16384]] }), E.oom, /conv2d: out of memory/],
    ['broadcast add whose result exceeds the memory', () => sc.add(sc.zeros([65536, 1]), sc.zeros([1, 65536])), E.oom, /add: out of memory/],
  ],
};

const cases: Case[] = Object.values(kinds).flat();

describe('bad input', () => {
  it('has a large catalogue covering every kind of bad input of issue 7', () => {
    expect(cases.length).toBeGreaterThanOrEqual(200);
    for (const [kind, list] of Object.entries(kinds)) expect(list.length, kind).toBeGreaterThanOrEqual(5);
    expect(new Set(cases.map((c) => c[0])).size, 'case names are distinct').toBe(cases.length);
  });

  it.each(cases)('%s', (_name, fn, cls, message) => {
    const before = sc.memory();
    sc.tidy(() => {
      expectError(fn, cls, message ? { message } : {});
    });
    // nothing leaked, nothing else touched
    expect(sc.memory()).toMatchObject({ tensors: before.tensors, bytes: before.bytes });
    for (const [t, data] of witnesses) expect(t.data()).toEqual(data);
  });

  it('the library still works after every case', () => {
    expect(sc.corr2d(sc.tensor([[0, 1, 2], [3, 4, 5], [6, 7, 8]]), sc.tensor([[0, 1], [2, 3]])).toArray()).toEqual([[19, 25], [37, 43]]);
  });
});

describe('random bad arguments (fast-check)', () => {
  const junk = fc.oneof(
    fc.constant(undefined), fc.constant(null), fc.constant(NaN), fc.constant(Infinity), fc.constant(-1),
    fc.constant(0.5), fc.constant('same!'), fc.constant([1, 2, 3]), fc.constant({}), fc.constant([[-1, 0], [0, 0]]),
  );
  const keys = ['stride', 'padding', 'dilation', 'groups', 'layout', 'mode', 'bias'] as const;

  it('conv2d options: junk is refused with a SimdconvError and leaves tensors intact', () => {
    // undefined means the default for every option, and null is "none" for bias and the default
    // for layout and mode: those are valid; every other junk value must be refused.
    const valid = (key: string, v: unknown) => v === undefined || (v === null && ['bias', 'layout', 'mode'].includes(key));
    fc.assert(fc.property(fc.constantFrom(...keys), junk, (key, value) => {
      fc.pre(!valid(key, value));
      const before = sc.memory().tensors;
      sc.tidy(() => {
        expectError(() => sc.conv2d(x4, w4, { groups: 2, [key]: value } as sc.Conv2dOptions), sc.SimdconvError);
      });
      expect(sc.memory().tensors).toBe(before);
      for (const [t, data] of witnesses) expect(t.data()).toEqual(data);
    }));
  });

  it('shapes: creation and reshape reject anything but arrays of non-negative integers', () => {
    const dim = fc.oneof(fc.integer({ min: -3, max: 4 }), fc.double(), fc.constant('2'), fc.constant(null));
    fc.assert(fc.property(fc.array(dim, { maxLength: 4 }), (shape) => {
      const valid = shape.every((d) => typeof d === 'number' && Number.isInteger(d) && d >= 0);
      const size = valid ? (shape as number[]).reduce((a, d) => a * d, 1) : 0;
      sc.tidy(() => {
        if (!valid) expect(() => sc.zeros(shape as number[])).toThrow(sc.ShapeError);
        else if (size * 4 > 2 ** 32) expect(() => sc.zeros(shape as number[])).toThrow(sc.SimdconvOutOfMemoryError);
        else expect(sc.zeros(shape as number[]).shape).toEqual((shape as number[]).map((d) => d + 0));
      });
    }));
  });

  it('corr2d: any 2-D sizes either work or throw ShapeError (kernel larger than input)', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 6 }), (h, w, kh, kw) => {
      sc.tidy(() => {
        const f = () => sc.corr2d(sc.ones([h, w]), sc.ones([kh, kw]));
        if (kh <= h && kw <= w) expect(f().shape).toEqual([h - kh + 1, w - kw + 1]);
        else expect(f).toThrow(sc.ShapeError);
      });
    }));
  });

  it('conv2d geometry: random sizes (an empty batch too), strides, dilations, paddings and groups either work with the predicted shape or throw', () => {
    const int = (min: number, max: number) => fc.integer({ min, max });
    fc.assert(fc.property(
      fc.record({ N: int(0, 2), C: int(0, 4), H: int(0, 6), W: int(0, 6), CO: int(0, 4), CG: int(0, 4), kh: int(0, 4), kw: int(0, 4),
        s: int(-1, 3), d: int(-1, 3), p: int(-1, 2), g: int(-1, 4) }),
      (r) => {
        const before = sc.memory().tensors;
        sc.tidy(() => {
          const f = () => sc.conv2d(sc.zeros([r.N, r.C, r.H, r.W]), sc.zeros([r.CO, r.CG, r.kh, r.kw]), { stride: r.s, dilation: r.d, padding: r.p, groups: r.g });
          const ok = r.N >= 0 && r.C > 0 && r.H > 0 && r.W > 0 && r.CO > 0 && r.CG > 0 && r.kh > 0 && r.kw > 0 && r.s > 0 && r.d > 0 && r.p >= 0 && r.g > 0
            && r.C % r.g === 0 && r.CO % r.g === 0 && r.CG * r.g === r.C
            && r.d * (r.kh - 1) + 1 <= r.H + 2 * r.p && r.d * (r.kw - 1) + 1 <= r.W + 2 * r.p;
          if (ok) {
            const ho = Math.floor((r.H + 2 * r.p - r.d * (r.kh - 1) - 1) / r.s) + 1;
            const wo = Math.floor((r.W + 2 * r.p - r.d * (r.kw - 1) - 1) / r.s) + 1;
            expect(f().shape).toEqual([r.N, r.CO, ho, wo]);
          } else {
            expect(f).toThrow(sc.SimdconvError);
          }
        });
        expect(sc.memory().tensors).toBe(before);
      },
    ), { numRuns: 300 });
  });
});
