// Bad input: each case must throw the named SimdconvError subclass with op/argument/expected/got,
// before any kernel writes memory (every other live tensor is unchanged afterwards).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as sc from '../src/index.js';

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

type Case = [string, () => unknown, new (...a: never[]) => sc.SimdconvError, RegExp?];
const E = { shape: sc.ShapeError, arg: sc.ArgumentError, disposed: sc.DisposedTensorError, oom: sc.SimdconvOutOfMemoryError, grad: sc.AutogradError };

const cases: Case[] = [
  // corr2d
  ['corr2d kernel larger than input', () => sc.corr2d(sc.ones([3, 3]), sc.ones([5, 5])), E.shape, /corr2d: kernel 5x5 is larger than input 3x3/],
  ['corr2d kernel taller than input', () => sc.corr2d(sc.ones([1, 8]), sc.ones([2, 1])), E.shape],
  ['corr2d 1-D input', () => sc.corr2d(sc.ones([8]), K), E.shape, /'X'/],
  ['corr2d 3-D kernel', () => sc.corr2d(X, sc.ones([1, 1, 2])), E.shape, /'K'/],
  ['corr2d empty kernel', () => sc.corr2d(X, sc.ones([0, 2])), E.shape],
  ['corr2d non-tensor', () => sc.corr2d([[1]] as never, K), E.arg],
  ['corr2d disposed input', () => sc.corr2d(dead, K), E.disposed, /disposed/],
  ['convolve2d kernel larger', () => sc.convolve2d(sc.ones([2, 2]), sc.ones([3, 3])), E.shape],
  // conv2d shapes
  ['conv2d 2-D input', () => sc.conv2d(X, w4), E.shape, /'x'/],
  ['conv2d 5-D input', () => sc.conv2d(sc.ones([1, 1, 1, 4, 4]), w4), E.shape],
  ['conv2d 3-D weight', () => sc.conv2d(x4, sc.ones([6, 4, 3])), E.shape, /'w'/],
  ['conv2d channel mismatch', () => sc.conv2d(x4, sc.ones([6, 3, 3, 3])), E.shape, /input channels/],
  ['conv2d groups not dividing C', () => sc.conv2d(x4, w4, { groups: 3 }), E.arg, /groups/],
  ['conv2d groups not dividing Cout', () => sc.conv2d(x4, sc.ones([5, 1, 3, 3]), { groups: 4 }), E.arg],
  ['conv2d groups zero', () => sc.conv2d(x4, w4, { groups: 0 }), E.arg],
  ['conv2d groups fractional', () => sc.conv2d(x4, w4, { groups: 1.5 }), E.arg],
  ['conv2d kernel larger than padded input', () => sc.conv2d(sc.ones([1, 1, 2, 2]), sc.ones([1, 1, 5, 5]), { padding: 1 }), E.shape, /larger than the padded input 4x4/],
  ['conv2d dilated kernel too large', () => sc.conv2d(sc.ones([1, 1, 4, 4]), sc.ones([1, 1, 3, 3]), { dilation: 2 }), E.shape, /dilation/],
  ['conv2d zero stride', () => sc.conv2d(x4, w4, { groups: 2, stride: 0 }), E.arg, /stride/],
  ['conv2d negative stride', () => sc.conv2d(x4, w4, { groups: 2, stride: -1 }), E.arg],
  ['conv2d fractional stride', () => sc.conv2d(x4, w4, { groups: 2, stride: [1, 1.5] }), E.arg, /stride\[1\]/],
  ['conv2d stride triple', () => sc.conv2d(x4, w4, { groups: 2, stride: [1, 1, 1] as never }), E.arg],
  ['conv2d NaN stride', () => sc.conv2d(x4, w4, { groups: 2, stride: NaN }), E.arg],
  ['conv2d zero dilation', () => sc.conv2d(x4, w4, { groups: 2, dilation: 0 }), E.arg],
  ['conv2d negative padding', () => sc.conv2d(x4, w4, { groups: 2, padding: -1 }), E.arg, /padding/],
  ['conv2d fractional padding', () => sc.conv2d(x4, w4, { groups: 2, padding: 0.5 }), E.arg],
  ['conv2d unknown padding word', () => sc.conv2d(x4, w4, { groups: 2, padding: 'full' as never }), E.arg],
  ['conv2d ragged padding', () => sc.conv2d(x4, w4, { groups: 2, padding: [[1, 1], [1]] as never }), E.arg],
  ['conv2d Infinity padding', () => sc.conv2d(x4, w4, { groups: 2, padding: Infinity }), E.arg],
  ['conv2d bad layout', () => sc.conv2d(x4, w4, { groups: 2, layout: 'NCWH' as never }), E.arg, /layout/],
  ['conv2d bad mode', () => sc.conv2d(x4, w4, { groups: 2, mode: 'flip' as never }), E.arg, /mode/],
  ['conv2d unknown option', () => sc.conv2d(x4, w4, { groups: 2, strides: 2 } as never), E.arg, /unknown option 'strides'/],
  ['conv2d bias wrong length', () => sc.conv2d(x4, w4, { groups: 2, bias: sc.ones([5]) }), E.shape, /bias/],
  ['conv2d bias 2-D', () => sc.conv2d(x4, w4, { groups: 2, bias: sc.ones([6, 1]) }), E.shape],
  ['conv2d disposed weight', () => sc.conv2d(x4, dead), E.disposed],
  ['conv2d zero-size input', () => sc.conv2d(sc.ones([0, 4, 8, 8]), w4, { groups: 2 }), E.shape, /positive batch/],
  ['conv2d NHWC channel mismatch', () => sc.conv2d(x4, w4, { layout: 'NHWC' }), E.shape],
  ['conv2dGradInput wrong dy shape', () => sc.conv2dGradInput(sc.ones([2, 6, 5, 5]), w4, [2, 4, 8, 8], { groups: 2 }), E.shape, /'dy'/],
  ['conv2dGradInput bad xShape', () => sc.conv2dGradInput(sc.ones([2, 6, 6, 6]), w4, [2, 4, -8, 8], { groups: 2 }), E.shape, /xShape/],
  ['conv2dGradWeight fractional wShape', () => sc.conv2dGradWeight(x4, sc.ones([2, 6, 6, 6]), [6, 2, 3, 2.5], { groups: 2 }), E.shape, /wShape/],
  ['conv2dGradWeight bias option', () => sc.conv2dGradWeight(x4, sc.ones([2, 6, 6, 6]), [6, 2, 3, 3], { groups: 2, bias: w4 } as never), E.arg],
  ['convOutputSize zero stride', () => sc.convOutputSize(8, 2, { stride: 0 }), E.arg],
  // tensor creation
  ['tensor ragged', () => sc.tensor([[1, 2], [3]]), E.shape, /ragged/],
  ['tensor non-numeric', () => sc.tensor([[1, 'a' as never]]), E.arg, /numbers/],
  ['tensor null entry', () => sc.tensor([1, null as never]), E.arg],
  ['tensor data/shape mismatch', () => sc.tensor(new Float32Array(5), [2, 3]), E.shape, /5 elements/],
  ['tensor string', () => sc.tensor('abc' as never), E.arg],
  ['tensor number with shape', () => sc.tensor(3, [2]), E.shape],
  ['zeros negative size', () => sc.zeros([2, -1]), E.shape, /non-negative integers/],
  ['zeros fractional size', () => sc.zeros([2.5]), E.shape],
  ['zeros not an array', () => sc.zeros(3 as never), E.shape],
  ['zeros over 4 GiB', () => sc.zeros([1 << 20, 1 << 12]), E.oom, /4 GiB/],
  ['zeros 9 dims', () => sc.zeros([1, 1, 1, 1, 1, 1, 1, 1, 1]), E.shape],
  ['full NaN value is fine but a string is not', () => sc.full([2], 'x' as never), E.arg],
  ['arange zero step', () => sc.arange(0, 5, 0), E.arg],
  ['arange Infinity', () => sc.arange(Infinity), E.arg],
  ['rand negative seed', () => sc.rand([2], { seed: -1 }), E.arg, /seed/],
  ['rand high <= low', () => sc.rand([2], { low: 1, high: 1 }), E.arg],
  ['randn negative std', () => sc.randn([2], { std: -1 }), E.arg],
  ['manualSeed fractional', () => sc.manualSeed(1.5), E.arg],
  // shape ops
  ['reshape wrong size', () => X.reshape([5, 10]), E.shape, /48 elements/],
  ['reshape two -1', () => X.reshape([-1, -1]), E.shape],
  ['reshape -1 not dividing', () => X.reshape([5, -1]), E.shape],
  ['transpose bad permutation', () => x4.transpose([0, 0, 1, 2]), E.arg, /permutation/],
  ['transpose axis out of range', () => X.transpose(0, 2), E.arg, /axis1/],
  ['flip axis out of range', () => X.flip(2), E.arg],
  ['flip duplicate axes', () => X.flip([0, 0]), E.arg, /distinct/],
  ['slice too many indices', () => X.slice([0, 0, 0]), E.arg],
  ['slice index out of range', () => X.slice([6]), E.arg, /index\[0\]/],
  ['slice zero step', () => X.slice([[0, 6, 0]]), E.arg, /positive step/],
  ['slice fractional bound', () => X.slice([[0.5, 2]]), E.arg],
  ['set value wrong shape', () => X.set([null, [0, 2]], sc.ones([6, 3])), E.shape],
  ['set non-tensor value', () => X.set([0], 'x' as never), E.arg],
  // arithmetic
  ['add shapes do not broadcast', () => X.add(sc.ones([7])), E.shape, /broadcast/],
  ['mul by a string', () => X.mul('2' as never), E.arg],
  ['sum axis out of range', () => X.sum(2), E.arg, /axis/],
  ['mean fractional axis', () => X.mean(0.5), E.arg],
  ['item of many elements', () => X.item(), E.shape, /exactly one element/],
  ['max of an empty tensor', () => sc.zeros([0]).max(), E.shape],
  // autograd, nn, optim
  ['backward of a non-scalar', () => sc.variable([1, 2]).mul(2).backward(), E.grad, /only for scalar outputs/],
  ['backward of a constant', () => sc.ones([1]).backward(), E.grad, /does not require grad/],
  ['backward with a wrong-shaped gradient', () => sc.variable([1, 2]).mul(2).backward(sc.ones([3])), E.shape],
  ['set on a leaf that requires grad', () => sc.variable([1, 2]).set([0], 0), E.grad, /noGrad/],
  ['requiresGrad = false on a computed tensor', () => { sc.variable([1]).mul(2).requiresGrad = false; }, E.grad],
  ['SGD negative lr', () => new sc.optim.SGD([], { lr: -1 }), E.arg, /lr/],
  ['SGD NaN lr', () => new sc.optim.SGD([], { lr: NaN }), E.arg],
  ['Adam Infinity lr', () => new sc.optim.Adam([], { lr: Infinity }), E.arg],
  ['Adam beta 1', () => new sc.optim.Adam([], { betas: [1, 0.999] }), E.arg],
  ['SGD params not tensors', () => new sc.optim.SGD([1] as never, { lr: 1 }), E.arg],
  ['Conv2d zero kernel', () => new sc.nn.Conv2d({ outChannels: 1, kernelSize: 0 }), E.arg, /kernelSize/],
  ['Conv2d groups not dividing outChannels', () => new sc.nn.Conv2d({ outChannels: 3, kernelSize: 1, groups: 2 }), E.arg],
  ['Conv2d unknown option', () => new sc.nn.Conv2d({ outChannels: 1, kernelSize: 1, padd: 1 } as never), E.arg],
  ['Conv2d input channels change', () => {
    using c = new sc.nn.Conv2d({ outChannels: 1, kernelSize: 1 });
    c.forward(sc.ones([1, 2, 3, 3]));
    c.forward(sc.ones([1, 3, 3, 3]));
  }, E.shape, /2 input channels/],
  ['mseLoss shape mismatch', () => sc.nn.mseLoss(sc.ones([2]), sc.ones([3])), E.shape],
  ['mseLoss bad reduction', () => sc.nn.mseLoss(sc.ones([2]), sc.ones([2]), { reduction: 'avg' as never }), E.arg],
  ['fit negative epochs', () => sc.fitSync({ optimizer: new sc.optim.SGD([], { lr: 1 }), loss: () => sc.ones([1]), epochs: -1 }), E.arg],
];

describe('bad input', () => {
  it('has a large catalogue', () => expect(cases.length).toBeGreaterThanOrEqual(80));

  it.each(cases)('%s', (_name, fn, cls, message) => {
    const before = sc.memory();
    let err: unknown;
    sc.tidy(() => {
      try {
        fn();
      } catch (e) {
        err = e;
      }
    });
    expect(err).toBeInstanceOf(cls);
    const e = err as sc.SimdconvError;
    expect(e).toBeInstanceOf(sc.SimdconvError);
    expect(e.name).toBe(cls.name);
    for (const field of [e.op, e.argument, e.expected, e.got]) expect(typeof field === 'string' && field.length > 0).toBe(true);
    expect(e.message.startsWith(`${e.op}:`)).toBe(true);
    if (message) expect(e.message).toMatch(message);
    // nothing leaked, nothing else touched
    expect(sc.memory().tensors).toBe(before.tensors);
    for (const [t, data] of witnesses) expect(t.data()).toEqual(data);
  });
});

describe('random bad arguments (fast-check)', () => {
  const junk = fc.oneof(
    fc.constant(undefined), fc.constant(null), fc.constant(NaN), fc.constant(Infinity), fc.constant(-1),
    fc.constant(0.5), fc.constant('same!'), fc.constant([1, 2, 3]), fc.constant({}), fc.constant([[-1, 0], [0, 0]]),
  );
  const keys = ['stride', 'padding', 'dilation', 'groups', 'layout', 'mode', 'bias'] as const;

  it('conv2d options: every failure is a SimdconvError and leaves tensors intact', () => {
    fc.assert(fc.property(fc.constantFrom(...keys), junk, (key, value) => {
      const before = sc.memory().tensors;
      let err: unknown = null;
      sc.tidy(() => {
        try {
          sc.conv2d(x4, w4, { groups: 2, [key]: value } as sc.Conv2dOptions);
        } catch (e) {
          err = e;
        }
      });
      if (err !== null) expect(err).toBeInstanceOf(sc.SimdconvError);
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
});
