// The lesson's training ("Convolutions for Images": learning a kernel from X and Y), the custom
// Conv2D module pattern, and sc.fit / sc.fitSync.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import * as sc from '../src/index.js';
import { expectNoLeakedTensors } from './helpers/leaks.js';
import { setKernelVariant, type KernelVariant } from '../src/wasm/kernels.js';
import { corr2dRef } from './reference/conv.js';
import { gradcheck, type Arr64 } from './helpers/gradcheck.js';

let X: sc.Tensor; // the 6x8 edge image: ones with columns 2..5 zero
let Y: sc.Tensor; // corr2d(X, [[1, -1]])
let X4: sc.Tensor, Y4: sc.Tensor;

beforeAll(async () => {
  await sc.init();
  X = sc.ones([6, 8]);
  X.set([null, [2, 6]], 0);
  Y = sc.corr2d(X, sc.tidy(() => sc.tensor([[1, -1]])));
  X4 = X.reshape([1, 1, 6, 8]);
  Y4 = Y.reshape([1, 1, 6, 7]);
});
afterAll(() => {
  for (const t of [X, Y, X4, Y4]) t.dispose();
});

expectNoLeakedTensors();

const LR = 3e-2;
const EPOCHS = 10;

interface Run {
  losses: number[];
  weight: Float32Array;
  initial: Float32Array;
}

/**
 * The lesson's loop: a lazy Conv2d(1 output channel, kernel [1, 2], no bias, seed), 10 epochs of
 * loss = squaredError(conv(X), Y).sum(), backward, w -= lr·grad. `update` picks how the step is
 * taken; `input` whether X is given as the 2-D image or reshaped to [1, 1, 6, 8] as in the book.
 */
function lesson(seed: number, update: 'manual' | 'sgd' | 'fitSync' = 'manual', input: '2d' | '4d' = '4d'): Run {
  const conv = new sc.nn.Conv2d({ outChannels: 1, kernelSize: [1, 2], bias: false, seed });
  const [x, y] = input === '4d' ? [X4, Y4] : [X, Y];
  const lossOf = () => sc.nn.squaredError(conv.forward(x), y).sum();
  let initial: Float32Array | null = null;
  const losses: number[] = [];
  try {
    if (update === 'fitSync') {
      sc.tidy(() => {
        sc.noGrad(() => conv.forward(x)); // materialise the lazy weight to record it
      });
      initial = conv.weight!.data();
      const opt = new sc.optim.SGD(conv, { lr: LR });
      losses.push(...sc.fitSync({ optimizer: opt, epochs: EPOCHS, loss: lossOf }).losses);
      opt.dispose();
    } else {
      const opt = update === 'sgd' ? new sc.optim.SGD(conv, { lr: LR }) : null;
      for (let epoch = 0; epoch < EPOCHS; epoch++) {
        const l = sc.tidy(lossOf);
        initial ??= conv.weight!.data();
        conv.zeroGrad();
        l.backward();
        if (opt) opt.step();
        else sc.tidy(() => sc.noGrad(() => conv.weight!.set([], conv.weight!.sub(conv.weight!.grad!.mul(LR)))));
        losses.push(l.item());
        l.dispose();
      }
      opt?.dispose();
    }
    expect(conv.weight!.shape).toEqual([1, 1, 1, 2]);
    return { losses, weight: conv.weight!.data(), initial: initial! };
  } finally {
    conv.dispose();
  }
}

/** sum((corr2d(X, w) + b - Y)²) in float64. */
function loss64(w: ArrayLike<number>, b = 0): number {
  const Xd = X.data(), Yd = Y.data();
  const r = corr2dRef(Xd, [6, 8], w, [1, w.length]);
  let s = 0;
  for (let i = 0; i < r.data.length; i++) s += (r.data[i]! + b - Yd[i]!) ** 2;
  return s;
}

describe.each(['simd', 'scalar'] as KernelVariant[])('the lesson: learning the kernel [1, -1] (%s kernels)', (variant) => {
  beforeAll(() => setKernelVariant(variant));
  afterAll(() => setKernelVariant('simd'));

  it('Y is the edge map: 1 at the 1->0 edge, -1 at the 0->1 edge', () => {
    expect(Y.toArray()).toEqual(Array.from({ length: 6 }, () => [0, 1, 0, 0, 0, -1, 0]));
  });

  it('the loss decreases monotonically and the learned kernel is within 0.1 of [1, -1]', () => {
    const r = lesson(0);
    expect(r.losses).toHaveLength(EPOCHS);
    for (let i = 1; i < EPOCHS; i++) expect(r.losses[i]!, `epoch ${i + 1}`).toBeLessThan(r.losses[i - 1]!);
    expect(r.losses[EPOCHS - 1]!).toBeLessThan(r.losses[0]! / 100);
    expect(Math.abs(r.weight[0]! - 1)).toBeLessThan(0.1);
    expect(Math.abs(r.weight[1]! + 1)).toBeLessThan(0.1);
    // the initial weights come from Conv2d's init: uniform in ±1/sqrt(fan_in = 2)
    for (const v of r.initial) expect(Math.abs(v)).toBeLessThanOrEqual(1 / Math.sqrt(2));
  });

  it('the first loss is the float64 squared error of the initial kernel', () => {
    const r = lesson(0);
    const want = loss64(r.initial);
    expect(Math.abs(r.losses[0]! - want)).toBeLessThan(1e-5 * want);
  });

  it('the losses follow float64 gradient descent from the same initial kernel', () => {
    const r = lesson(0);
    // w -= lr · dL/dw, with dL/dw = 2 Σ (corr2d(X, w) - Y) · X-window, in float64
    const Xd = X.data(), Yd = Y.data();
    const w = Array.from(r.initial);
    for (let epoch = 0; epoch < EPOCHS; epoch++) {
      const want = loss64(w);
      expect(Math.abs(r.losses[epoch]! - want), `epoch ${epoch + 1}`).toBeLessThan(1e-4 * want + 1e-6);
      const g = [0, 0];
      for (let i = 0; i < 6; i++) {
        for (let j = 0; j < 7; j++) {
          const e = Xd[i * 8 + j]! * w[0]! + Xd[i * 8 + j + 1]! * w[1]! - Yd[i * 7 + j]!;
          g[0] += 2 * e * Xd[i * 8 + j]!;
          g[1] += 2 * e * Xd[i * 8 + j + 1]!;
        }
      }
      w[0] -= LR * g[0]!;
      w[1] -= LR * g[1]!;
    }
    expect(Math.abs(r.weight[0]! - w[0]!)).toBeLessThan(1e-4);
    expect(Math.abs(r.weight[1]! - w[1]!)).toBeLessThan(1e-4);
    // The oracle behind the LOCK [[0.9766, -0.9891]] (the learned kernel of seed 0 that
    // test/runtimes/lesson.test.ts, test/browser/vite-app.test.ts and runtimes.test.ts pin):
    // float64 descent from the same initial kernel gives those four decimals.
    expect(w.map((x) => x.toFixed(4))).toEqual(['0.9766', '-0.9891']);
  });

  it('two runs with the same seed are bitwise identical (losses and weights); another seed differs', () => {
    const a = lesson(0), b = lesson(0), c = lesson(1);
    expect(b.losses).toEqual(a.losses);
    expect(b.weight).toEqual(a.weight);
    expect(b.initial).toEqual(a.initial);
    expect(c.initial).not.toEqual(a.initial);
  });

  it('w -= lr·grad by hand, optim.SGD and fitSync give bitwise the same run; so do the 2-D and 4-D inputs', () => {
    const manual = lesson(0, 'manual');
    for (const [update, input] of [['sgd', '4d'], ['fitSync', '4d'], ['manual', '2d'], ['fitSync', '2d']] as const) {
      const r = lesson(0, update, input);
      expect(r.losses, `${update} ${input}`).toEqual(manual.losses);
      expect(r.weight, `${update} ${input}`).toEqual(manual.weight);
    }
  });
});

it('the SIMD and scalar kernels train to the same numbers (to float32 rounding)', () => {
  const a = lesson(0);
  setKernelVariant('scalar');
  let b: Run;
  try {
    b = lesson(0);
  } finally {
    setKernelVariant('simd');
  }
  a.losses.forEach((v, i) => expect(Math.abs(v - b.losses[i]!)).toBeLessThanOrEqual(1e-6 * (1 + v)));
  a.weight.forEach((v, i) => expect(Math.abs(v - b.weight[i]!)).toBeLessThanOrEqual(1e-6));
});

// ---- the custom Conv2D module (the lesson's own class, registered on nn.Module) ----------------

/** The lesson's Conv2D: weight and bias parameters, forward = corr2d(x, weight) + bias. */
class Conv2D extends sc.nn.Module {
  readonly weight: sc.Tensor;
  readonly bias: sc.Tensor;
  constructor(weight: sc.Tensor, bias: sc.Tensor) {
    super();
    this.weight = weight;
    this.bias = bias;
    this.registerParameter('weight', weight);
    this.registerParameter('bias', bias);
  }
  static create(kernelSize: [number, number], seed: number): Conv2D {
    return new Conv2D(sc.rand(kernelSize, { seed }), sc.zeros([1]));
  }
  forward(x: sc.Tensor): sc.Tensor {
    return sc.corr2d(x, this.weight).add(this.bias);
  }
}

describe('a custom Conv2D module (corr2d + weight + bias)', () => {
  // Stable step: the loss's curvature along the bias is 2·42 = 84, so the lesson's lr 3e-2 diverges
  // with a bias (it would in PyTorch too); 8e-3 converges.
  const lr = 8e-3;
  const epochs = 40;

  it('registers weight and bias as parameters that require grad', () => {
    const m = Conv2D.create([1, 2], 0);
    expect(m.namedParameters().map(([n, p]) => [n, p.shape])).toEqual([['weight', [1, 2]], ['bias', [1]]]);
    expect(m.parameters().every((p) => p.requiresGrad)).toBe(true);
    m.dispose();
  });

  it('trains with sc.fitSync: the loss falls and the kernel approaches [1, -1] with bias ~0', () => {
    const m = Conv2D.create([1, 2], 0);
    const opt = new sc.optim.SGD(m, { lr });
    const { losses } = sc.fitSync({ optimizer: opt, epochs, loss: () => sc.nn.squaredError(m.forward(X), Y).sum() });
    expect(losses).toHaveLength(epochs);
    for (let i = 1; i < epochs; i++) expect(losses[i]!, `epoch ${i + 1}`).toBeLessThan(losses[i - 1]!);
    const w = m.weight.data();
    expect(Math.abs(w[0]! - 1)).toBeLessThan(0.1);
    expect(Math.abs(w[1]! + 1)).toBeLessThan(0.1);
    expect(Math.abs(m.bias.item())).toBeLessThan(0.05);
    expect(opt.steps).toBe(epochs);
    opt.dispose();
    m.dispose();
  });

  it('its gradients match finite differences (float64 reference and the library forward)', () => {
    const lossRef = ([w, b]: Arr64[]): Arr64 => ({ data: Float64Array.of(loss64(w!.data, b!.data[0]!)), shape: [] });
    for (const seed of [0, 1, 2]) {
      const init = sc.tidy(() => {
        const m = Conv2D.create([1, 2], seed);
        const v = [Float64Array.from(m.weight.data()), Float64Array.from(m.bias.data())];
        m.dispose();
        return v;
      });
      init[1]![0] = Math.fround(0.1 * seed); // a non-zero bias too
      const report = gradcheck({
        // the module built on the checked tensors: its parameters are the inputs
        f: ([w, b]) => sc.nn.squaredError(new Conv2D(w!, b!).forward(X), Y).sum(),
        ref: lossRef,
        inputs: [{ data: init[0]!, shape: [1, 2] }, { data: init[1]!, shape: [1] }],
        libStep: 1e-2,
      });
      expect(report.failures, `seed ${seed}`).toEqual([]);
    }
  });

  it('a 2-D kernel [2, 2] module also matches finite differences', () => {
    const report = gradcheck({
      f: ([w, b]) => sc.nn.squaredError(new Conv2D(w!, b!).forward(X), sc.tidy(() => sc.zeros([5, 7]))).mean(),
      ref: ([w, b]) => {
        const r = corr2dRef(X.data(), [6, 8], w!.data, [2, 2]);
        let s = 0;
        for (const v of r.data) s += (v + b!.data[0]!) ** 2;
        return { data: Float64Array.of(s / r.data.length), shape: [] };
      },
      inputs: [{ data: Float64Array.from([0.5, -0.25, 0.125, 1].map(Math.fround)), shape: [2, 2] }, { data: Float64Array.of(Math.fround(0.3)), shape: [1] }],
      libStep: 1e-2,
    });
    expect(report.failures).toEqual([]);
  });
});

// ---- fit / fitSync -----------------------------------------------------------------------------

describe('sc.fit and sc.fitSync', () => {
  /** A fresh lesson setup: a non-lazy Conv2d (seeded), its optimizer and the loss function. */
  function setup(seed = 0) {
    const conv = new sc.nn.Conv2d({ inChannels: 1, outChannels: 1, kernelSize: [1, 2], bias: false, seed });
    const optimizer = new sc.optim.SGD(conv, { lr: LR });
    const loss = () => sc.nn.squaredError(conv.forward(X4), Y4).sum();
    const done = () => {
      optimizer.dispose();
      conv.dispose();
    };
    return { conv, optimizer, loss, done };
  }

  it('fit (async) gives the same numbers as fitSync and calls onEpoch once per epoch', async () => {
    const s1 = setup();
    const sync = sc.fitSync({ optimizer: s1.optimizer, epochs: EPOCHS, loss: s1.loss });
    const w1 = s1.conv.weight!.data();
    s1.done();

    const s2 = setup();
    const seen: sc.Progress[] = [];
    const promise = sc.fit({ optimizer: s2.optimizer, epochs: EPOCHS, loss: s2.loss, onEpoch: (p) => void seen.push({ ...p }) });
    expect(promise).toBeInstanceOf(Promise);
    const res = await promise;
    expect(res.losses).toEqual(sync.losses);
    expect(s2.conv.weight!.data()).toEqual(w1);
    expect(seen.map((p) => p.epoch)).toEqual(Array.from({ length: EPOCHS }, (_, i) => i + 1));
    expect(seen.every((p) => p.epochs === EPOCHS)).toBe(true);
    expect(seen.map((p) => p.loss)).toEqual(sync.losses);
    for (let i = 1; i < seen.length; i++) expect(seen[i]!.elapsedMs).toBeGreaterThanOrEqual(seen[i - 1]!.elapsedMs);
    expect(seen[0]!.elapsedMs).toBeGreaterThanOrEqual(0);
    s2.done();
  });

  it('fit yielding to the event loop between every epoch (yieldEveryMs: 0) gives the same numbers', async () => {
    const s1 = setup(3);
    const sync = sc.fitSync({ optimizer: s1.optimizer, epochs: 6, loss: s1.loss });
    s1.done();
    const s2 = setup(3);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    const res = await sc.fit({ optimizer: s2.optimizer, epochs: 6, loss: s2.loss, yieldEveryMs: 0 });
    clearInterval(timer);
    expect(res.losses).toEqual(sync.losses);
    expect(ticks).toBeGreaterThan(0); // other tasks ran while training
    s2.done();
  });

  it('the loss reported for an epoch is computed before that epoch\'s update', () => {
    const s = setup(5);
    const seen: number[] = [];
    sc.fitSync({
      optimizer: s.optimizer, epochs: 3, loss: s.loss,
      onEpoch: () => void seen.push(loss64(s.conv.weight!.data())),
    });
    const s2 = setup(5);
    const { losses } = sc.fitSync({ optimizer: s2.optimizer, epochs: 4, loss: s2.loss });
    // the value after epoch k's update is the loss epoch k+1 reports
    for (let k = 0; k < 3; k++) expect(Math.abs(seen[k]! - losses[k + 1]!)).toBeLessThan(1e-4 * losses[k + 1]! + 1e-6);
    s.done();
    s2.done();
  });

  it('onEpoch returning false stops early (fitSync and fit)', async () => {
    const s1 = setup();
    const r1 = sc.fitSync({ optimizer: s1.optimizer, epochs: EPOCHS, loss: s1.loss, onEpoch: (p) => p.epoch < 3 });
    expect(r1.losses).toHaveLength(3);
    expect(s1.optimizer.steps).toBe(3);
    const w1 = s1.conv.weight!.data();
    s1.done();
    const s2 = setup();
    const r2 = await sc.fit({ optimizer: s2.optimizer, epochs: EPOCHS, loss: s2.loss, onEpoch: (p) => (p.epoch === 3 ? false : undefined) });
    expect(r2.losses).toEqual(r1.losses);
    expect(s2.optimizer.steps).toBe(3);
    expect(s2.conv.weight!.data()).toEqual(w1);
    s2.done();
  });

  it('epochs: 0 trains nothing', () => {
    const s = setup();
    const before = s.conv.weight!.data();
    expect(sc.fitSync({ optimizer: s.optimizer, epochs: 0, loss: s.loss }).losses).toEqual([]);
    expect(s.conv.weight!.data()).toEqual(before);
    s.done();
  });

  it('frees every epoch\'s temporaries: memory is the same after 2 and after 20 epochs', () => {
    const s = setup();
    sc.fitSync({ optimizer: s.optimizer, epochs: 2, loss: s.loss });
    const m2 = sc.memory();
    sc.fitSync({ optimizer: s.optimizer, epochs: 18, loss: s.loss });
    const m20 = sc.memory();
    expect(m20.tensors).toBe(m2.tensors);
    expect(m20.bytes).toBe(m2.bytes);
    s.done();
  });

  it("progress: 'always' writes a progress line per epoch to stderr when it is not a terminal", () => {
    const s = setup();
    const writes: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      writes.push(String(chunk));
      return true;
    });
    const wasTTY = process.stderr.isTTY;
    try {
      (process.stderr as { isTTY?: boolean }).isTTY = false;
      sc.fitSync({ optimizer: s.optimizer, epochs: 4, loss: s.loss, progress: 'always' });
    } finally {
      (process.stderr as { isTTY?: boolean }).isTTY = wasTTY;
      spy.mockRestore();
    }
    const last = writes.filter((w) => w.includes('epoch')).at(-1);
    expect(last).toMatch(/epoch 4\/4 \[=+\] loss \d+\.\d{4} \d+\.\ds/);
    s.done();
  });

  it('progress: true draws nothing when stderr is not a terminal', () => {
    const s = setup();
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const wasTTY = process.stderr.isTTY;
    try {
      (process.stderr as { isTTY?: boolean }).isTTY = false;
      sc.fitSync({ optimizer: s.optimizer, epochs: 2, loss: s.loss, progress: true });
      expect(spy).not.toHaveBeenCalled();
    } finally {
      (process.stderr as { isTTY?: boolean }).isTTY = wasTTY;
      spy.mockRestore();
    }
    s.done();
  });

  it('rejects bad options with ArgumentError (fit rejects its promise)', async () => {
    const s = setup();
    const bad: unknown[] = [
      null,
      { optimizer: s.optimizer, epochs: -1, loss: s.loss },
      { optimizer: s.optimizer, epochs: 1.5, loss: s.loss },
      { optimizer: s.optimizer, epochs: 2 },
      { optimizer: {}, epochs: 2, loss: s.loss },
      { optimizer: s.optimizer, epochs: 2, loss: s.loss, yieldEveryMs: -5 },
    ];
    for (const o of bad) {
      expect(() => sc.fitSync(o as sc.FitOptions), JSON.stringify(o)).toThrow(sc.ArgumentError);
      await expect(sc.fit(o as sc.FitOptions)).rejects.toThrow(sc.ArgumentError);
    }
    // a loss function that does not return a tensor
    expect(() => sc.fitSync({ optimizer: s.optimizer, epochs: 1, loss: () => 3 as unknown as sc.Tensor })).toThrow(sc.ArgumentError);
    s.done();
  });
});
