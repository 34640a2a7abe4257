// The per-step bookkeeping an eager training step reuses across steps (issue 13 item 6): tidy()'s
// scope arrays, backward()'s traversal arrays, the options objects readOptions makes, and the
// shared `needs` arrays of autograd nodes. Each is checked where reuse could go wrong: after a
// throw, when nested, and against the same step computed fresh.
import { beforeAll, describe, expect, it } from 'vitest';
import * as sc from '../src/index.js';

beforeAll(async () => {
  await sc.init();
});

/** The lesson's step on a Conv2d with a bias; returns the loss. */
function lessonStep(conv: sc.nn.Conv2d, opt: sc.optim.Optimizer, x: sc.Tensor, y: sc.Tensor): number {
  const l = sc.tidy(() => sc.nn.squaredError(conv.forward(x), y).sum());
  conv.zeroGrad();
  l.backward();
  opt.step();
  const v = l.item();
  l.dispose();
  return v;
}

describe('an eager step reuses its bookkeeping without changing a result', () => {
  it('steps after failed ones (a throwing tidy, a throwing backward) give the same losses and weights as uninterrupted steps', () => {
    const x = sc.randn([2, 3, 6, 7], { seed: 1 }), y = sc.randn([2, 4, 6, 6], { seed: 2 });
    const run = (interrupt: boolean) => {
      const conv = new sc.nn.Conv2d({ inChannels: 3, outChannels: 4, kernelSize: [1, 2], seed: 3 });
      const opt = new sc.optim.SGD(conv, { lr: 0.01, momentum: 0.9 });
      const losses: number[] = [];
      for (let i = 0; i < 6; i++) {
        if (interrupt) {
          expect(() => sc.tidy(() => {
            sc.ones([3]);
            throw new RangeError('in tidy');
          })).toThrow(RangeError);
          // A backward that fails midway: a saved tensor modified after it was used.
          const v = sc.variable([1, 2, 3]);
          const s = sc.tidy(() => {
            const m = v.mul(1);
            const r = m.square().sum();
            sc.noGrad(() => m.set([0], 5));
            return r;
          });
          expect(() => s.backward()).toThrow(sc.AutogradError);
          s.dispose();
          v.dispose();
        }
        losses.push(lessonStep(conv, opt, x, y));
      }
      const state = { losses, w: conv.weight.data(), b: conv.bias!.data() };
      opt.dispose();
      conv.dispose();
      return state;
    };
    const before = sc.memory().tensors;
    const plain = run(false), interrupted = run(true);
    expect(interrupted.losses).toEqual(plain.losses);
    expect(Array.from(interrupted.w)).toEqual(Array.from(plain.w));
    expect(Array.from(interrupted.b)).toEqual(Array.from(plain.b));
    expect(sc.memory().tensors).toBe(before);
    x.dispose();
    y.dispose();
  });

  it('nested tidy scopes, some throwing, each free their own tensors and hand kept ones to the enclosing scope', () => {
    const before = sc.memory().tensors;
    for (let round = 0; round < 4; round++) {
      let inner: sc.Tensor | null = null;
      const kept = sc.tidy(() => {
        sc.ones([2]);
        inner = sc.tidy(() => {
          sc.zeros([5]);
          if (round % 2 === 1) {
            expect(() => sc.tidy(() => {
              sc.ones([7]);
              throw new Error('inner');
            })).toThrow('inner');
          }
          return sc.ones([3]).mul(2);
        });
        expect(inner.isDisposed).toBe(false);
        const both = sc.tidy(() => [sc.ones([1]), { t: sc.ones([4]) }] as const);
        expect(both[0].isDisposed || both[1].t.isDisposed).toBe(false);
        return inner.add(1);
      });
      expect(inner!.isDisposed).toBe(true); // made in the outer scope's child, kept there, freed at its end
      expect(Array.from(kept.data())).toEqual([3, 3, 3]);
      kept.dispose();
      expect(sc.memory().tensors).toBe(before);
    }
  });

  it('an options object readOptions made is not mistaken for another key set, and Object.prototype entries do not show through, with or without options', () => {
    const x = sc.ones([1, 1, 5, 5]), w = sc.ones([1, 1, 2, 2]);
    const proto = Object.prototype as Record<string, unknown>;
    proto.padding = 2;
    proto.stride = 3;
    try {
      expect(sc.conv2d(x, w).shape).toEqual([1, 1, 4, 4]);
      expect(sc.conv2d(x, w, null).shape).toEqual([1, 1, 4, 4]);
      using conv = new sc.nn.Conv2d({ inChannels: 1, outChannels: 1, kernelSize: 2, seed: 0, stride: 1, padding: 0 });
      expect(conv.forward(x).shape).toEqual([1, 1, 4, 4]);
      // Nor through a plain options object, given or empty: only its own enumerable keys count.
      expect(sc.conv2d(x, w, { dilation: 1 }).shape).toEqual([1, 1, 4, 4]);
      expect(sc.conv2d(x, w, {}).shape).toEqual([1, 1, 4, 4]);
      const bare = Object.create(null) as Record<string, unknown>;
      bare.padding = 1;
      expect(sc.conv2d(x, w, bare).shape).toEqual([1, 1, 6, 6]);
      // A non-enumerable own key is not an option, known or not (as `{ ...opts }` would copy).
      const hidden = Object.defineProperties({ stride: 1 }, { padding: { value: 1, enumerable: false }, strides: { value: 2, enumerable: false } });
      expect(sc.conv2d(x, w, hidden).shape).toEqual([1, 1, 4, 4]);
      expect(() => sc.conv2d(x, w, { strides: 2 } as never)).toThrow(/unknown option 'strides'/);
    } finally {
      delete proto.padding;
      delete proto.stride;
    }
    x.dispose();
    w.dispose();
  });

  it('options of a class instance: its own and inherited known keys are read, getters once each', () => {
    const x = sc.ones([1, 1, 5, 5]), w = sc.ones([1, 1, 2, 2]);
    let reads = 0;
    class Opts { get padding(): number { reads++; return 1; } }
    class MoreOpts extends Opts { stride = 2; }
    expect(sc.conv2d(x, w, new MoreOpts() as never).shape).toEqual([1, 1, 3, 3]);
    expect(reads).toBe(1);
    x.dispose();
    w.dispose();
  });

  it('a layer reuses its geometry only for the shapes it was computed for: alternating input sizes match fresh conv2d calls', () => {
    using conv = new sc.nn.Conv2d({ inChannels: 2, outChannels: 3, kernelSize: 3, stride: [1, 2], padding: 'same', seed: 7 });
    for (const [n, h, w] of [[1, 5, 6], [2, 7, 4], [1, 5, 6], [1, 6, 5], [2, 7, 4]] as const) {
      sc.tidy(() => {
        const x = sc.randn([n, 2, h, w], { seed: h * 10 + w });
        const y = conv.forward(x), want = sc.conv2d(x, conv.weight, conv.bias, { stride: [1, 2], padding: 'same' });
        expect(y.shape).toEqual(want.shape);
        expect(Array.from(y.data())).toEqual(Array.from(want.data()));
      });
    }
    expect(() => sc.tidy(() => conv.forward(sc.ones([1, 3, 5, 5])))).toThrow(sc.ShapeError);
  });

  it('every pattern of inputs that need a gradient reaches the rules (conv2d with and without bias, x and w each on or off)', () => {
    for (const [xg, wg, bg] of [[true, true, true], [false, true, true], [true, false, true], [true, true, false], [false, false, true], [true, false, false], [false, true, false]]) {
      const x = sc.randn([1, 2, 4, 4], { seed: 4 }), w = sc.randn([3, 2, 2, 2], { seed: 5 }), b = sc.randn([3], { seed: 6 });
      x.requiresGrad = xg;
      w.requiresGrad = wg;
      b.requiresGrad = bg;
      sc.tidy(() => sc.conv2d(x, w, b).square().sum()).backward();
      expect([x.grad !== null, w.grad !== null, b.grad !== null]).toEqual([xg, wg, bg]);
      for (const t of [x, w, b]) t.dispose();
    }
  });
});
