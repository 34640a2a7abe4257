// sc.compile: a captured step replayed must give bitwise what running the same step eagerly gives,
// step after step (two identical setups side by side: one eager, one compiled, with new inputs
// written before each step); misuse is refused at the capture or detected before a replay
// writes anything; replays make no tensors and hold no growing memory.
import fc from 'fast-check';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import * as sc from '../src/index.js';
import { setKernelVariant } from '../src/wasm/kernels.js';
import { heap } from '../src/wasm/runtime.js';
import { expectError } from './helpers/expect-error.js';
import { expectNoLeakedTensors } from './helpers/leaks.js';
import { randArray } from './helpers/random.js';

beforeAll(async () => {
  await sc.init();
});

expectNoLeakedTensors();

afterEach(() => {
  setKernelVariant('simd');
});

const STEPS = 20;

/** One training setup: `fn` is its step (returns the loss); `feed(i)` writes step i's inputs. */
interface Setup {
  fn: () => sc.Tensor;
  feed(i: number): void;
  /** The tensors compared after each step: parameters, gradients, optimizer-visible state. */
  watched(): sc.Tensor[];
  opt: sc.optim.Optimizer;
  /** The model's output on the current inputs, without autograd (CNN setups). */
  forward?: () => sc.Tensor;
  dispose(): void;
}

/** Writes `values` into `t` (shape kept) through a temporary tensor, as a user feeding a batch does. */
function write(t: sc.Tensor, values: Float32Array): void {
  const src = sc.tensor(values, t.shape);
  t.set([], src);
  src.dispose();
}

/** Labels in [0, C) for step i, as a float tensor's values. */
function labelValues(B: number, C: number, seed: number): Float32Array {
  return Float32Array.from(randArray(B, seed, 0, C), (v) => Math.min(C - 1, Math.floor(v)));
}

type Layout = 'NCHW' | 'NHWC';

/** A training step as a user writes it: the loss (temporaries freed), zeroGrad, backward, the optimizer's step; returns the loss. */
function trainStep(loss: () => sc.Tensor, opt: sc.optim.Optimizer): () => sc.Tensor {
  return () => {
    const l = sc.tidy(loss);
    opt.zeroGrad();
    l.backward();
    opt.step();
    return l;
  };
}

/** The lesson's step: corr2d of a 6x8 image with a learnable 1x2 kernel + scalar bias, mseLoss, SGD. */
function lesson(): Setup {
  const x = sc.zeros([6, 8]);
  const y = sc.zeros([6, 7]);
  const k = sc.variable([[0.3, -0.2]]);
  const b = sc.variable([0.05]);
  const opt = new sc.optim.SGD([k, b], { lr: 3e-2 });
  return {
    fn: trainStep(() => sc.nn.mseLoss(sc.corr2d(x, k).add(b), y), opt),
    feed(i) {
      write(x, randArray(48, 100 + i));
      write(y, randArray(42, 200 + i));
    },
    watched: () => [k, b, k.grad!, b.grad!],
    opt,
    dispose() {
      opt.zeroGrad();
      for (const t of [x, y, k, b]) t.dispose();
    },
  };
}

/** The lesson's built-in layer: nn.Conv2d 1 -> 1, kernel [1, 2], with bias, in either layout; squaredError sum; SGD. */
function lessonLayer(layout: Layout, lazy = false): Setup {
  const shape = layout === 'NCHW' ? [1, 1, 6, 8] : [1, 6, 8, 1];
  const yShape = layout === 'NCHW' ? [1, 1, 6, 7] : [1, 6, 7, 1];
  const x = sc.zeros(shape);
  const y = sc.zeros(yShape);
  // Lazy: the weights are made inside the first step (the capture), once.
  const conv = new sc.nn.Conv2d({ ...(lazy ? {} : { inChannels: 1 }), outChannels: 1, kernelSize: [1, 2], layout, seed: 3 });
  const opt = new sc.optim.SGD(conv, { lr: 3e-2 });
  return {
    fn: trainStep(() => sc.nn.squaredError(conv.forward(x), y).sum(), opt),
    feed(i) {
      write(x, randArray(48, 300 + i));
      write(y, randArray(42, 400 + i));
    },
    watched: () => [conv.weight!, conv.bias!, conv.weight!.grad!],
    opt,
    dispose() {
      conv.zeroGrad();
      conv.dispose();
      x.dispose();
      y.dispose();
    },
  };
}

/**
 * A small CNN: conv2d (3x3, padding 1) + relu, maxPool2d 2, conv2d 3x3 (Winograd when asked),
 * flatten, linear, crossEntropy against a labels tensor; Adam or SGD with momentum.
 */
function cnn(layout: Layout, optimizer: 'Adam' | 'SGD', algorithm: sc.ConvAlgorithm = 'auto'): Setup {
  const B = 3, C = 2, H = 8, W = 8, K = 5;
  const xShape = layout === 'NCHW' ? [B, C, H, W] : [B, H, W, C];
  const x = sc.zeros(xShape);
  const labels = sc.zeros([B]);
  const model = new sc.nn.Sequential(
    new sc.nn.Conv2d({ inChannels: C, outChannels: 4, kernelSize: 3, padding: 1, layout, seed: 1 }),
    new sc.nn.ReLU(),
    new sc.nn.MaxPool2d({ kernelSize: 2, layout }),
    new sc.nn.Conv2d({ inChannels: 4, outChannels: 4, kernelSize: 3, padding: 1, layout, algorithm, seed: 2 }),
    new sc.nn.Flatten({ startDim: 1 }),
    new sc.nn.Linear({ inFeatures: 4 * (H / 2) * (W / 2), outFeatures: K, seed: 3 }),
  );
  const opt = optimizer === 'Adam'
    ? new sc.optim.Adam(model, { lr: 1e-2, weightDecay: 1e-3 })
    : new sc.optim.SGD(model, { lr: 5e-2, momentum: 0.9, weightDecay: 1e-3 });
  return {
    fn: trainStep(() => sc.nn.crossEntropy(model.forward(x), labels), opt),
    feed(i) {
      write(x, randArray(B * C * H * W, 500 + i));
      write(labels, labelValues(B, K, 600 + i));
    },
    watched: () => model.parameters().flatMap((p) => [p, p.grad!]),
    forward: () => sc.noGrad(() => model.forward(x)),
    opt,
    dispose() {
      opt.zeroGrad();
      opt.dispose();
      model.dispose();
      x.dispose();
      labels.dispose();
    },
  };
}

const CASES: { name: string; make: () => Setup; variant?: 'scalar' }[] = [
  { name: 'the lesson: corr2d + bias, mseLoss, SGD', make: lesson },
  { name: 'the lesson: corr2d + bias, scalar kernels', make: lesson, variant: 'scalar' },
  { name: 'the lesson layer, NCHW', make: () => lessonLayer('NCHW') },
  { name: 'the lesson layer, NHWC', make: () => lessonLayer('NHWC') },
  { name: 'the lesson layer, lazy in-channels (weights made during the capture)', make: () => lessonLayer('NCHW', true) },
  { name: 'CNN NCHW, Adam', make: () => cnn('NCHW', 'Adam') },
  { name: 'CNN NHWC, Adam', make: () => cnn('NHWC', 'Adam') },
  { name: 'CNN NCHW, SGD momentum', make: () => cnn('NCHW', 'SGD') },
  { name: 'CNN NHWC, SGD momentum', make: () => cnn('NHWC', 'SGD') },
  { name: 'CNN NCHW, Winograd 3x3, Adam', make: () => cnn('NCHW', 'Adam', 'winograd') },
  { name: 'CNN NHWC, SGD momentum, scalar kernels', make: () => cnn('NHWC', 'SGD'), variant: 'scalar' },
];

/** Runs `steps` steps of an eager and a compiled copy of a setup; every loss and watched tensor must be bitwise equal. */
function expectReplayEqualsEager(make: () => Setup, steps: number, between?: (i: number, eager: Setup, compiled: Setup) => void): void {
  const eager = make();
  const compiled = make();
  const step = sc.compile(compiled.fn);
  try {
    let out: sc.Tensor | undefined;
    for (let i = 0; i < steps; i++) {
      between?.(i, eager, compiled);
      eager.feed(i);
      compiled.feed(i);
      const le = eager.fn();
      const lc = step();
      if (out !== undefined) expect(lc, 'the same output tensor at every call').toBe(out);
      out = lc;
      expect(lc.data(), `loss at step ${i}`).toEqual(le.data());
      le.dispose();
      const we = eager.watched(), wc = compiled.watched();
      expect(wc.length).toBe(we.length);
      for (let j = 0; j < we.length; j++) expect(wc[j]!.data(), `watched tensor ${j} after step ${i}`).toEqual(we[j]!.data());
    }
    expect(compiled.opt.steps).toBe(eager.opt.steps);
  } finally {
    step.dispose();
    eager.dispose();
    compiled.dispose();
  }
}

describe('compile: a replay is bitwise the eager step', () => {
  it.each(CASES)('$name, over 20 steps with new inputs each step', ({ make, variant }) => {
    if (variant) setKernelVariant(variant);
    expectReplayEqualsEager(make, STEPS);
  });

  it('a learning rate changed between replays takes effect (SGD and Adam)', () => {
    for (const optimizer of ['SGD', 'Adam'] as const) {
      expectReplayEqualsEager(() => cnn('NCHW', optimizer), 8, (i, e, c) => {
        if (i === 4) {
          for (const o of [e.opt, c.opt]) (o as unknown as { lr: number }).lr = 0.2;
        }
      });
    }
  });

  it('replays bump the versions of what they write: an eager forward afterwards sees the new weights (Winograd weight cache)', () => {
    const e = cnn('NCHW', 'SGD', 'winograd');
    const c = cnn('NCHW', 'SGD', 'winograd');
    const step = sc.compile(c.fn);
    try {
      e.feed(0);
      c.feed(0);
      e.fn().dispose();
      step(); // the capture
      // Prepare (and cache) the transformed weights at their current versions.
      e.forward!().dispose();
      c.forward!().dispose();
      for (let i = 0; i < 3; i++) {
        e.fn().dispose();
        step();
      }
      const ye = e.forward!(), yc = c.forward!();
      expect(yc.data()).toEqual(ye.data());
      ye.dispose();
      yc.dispose();
    } finally {
      step.dispose();
      e.dispose();
      c.dispose();
    }
  });

  it('compiled inside tidy(): the step and its output outlive the scope', () => {
    const s = lesson();
    const e = lesson();
    let step!: sc.CompiledStep<sc.Tensor>;
    let first!: sc.Tensor;
    try {
      sc.tidy(() => {
        step = sc.compile(s.fn);
        s.feed(0);
        first = step();
      });
      e.feed(0);
      e.fn().dispose();
      expect(first.isDisposed).toBe(false);
      for (let i = 1; i < 5; i++) {
        s.feed(i);
        e.feed(i);
        const le = e.fn();
        expect(step().data()).toEqual(le.data());
        le.dispose();
      }
      expect(s.watched()[0]!.data()).toEqual(e.watched()[0]!.data());
    } finally {
      step.dispose();
      s.dispose();
      e.dispose();
    }
  });

  it('a step that returns nothing, or an object of tensors', () => {
    const x = sc.variable([1, 2, 3]);
    const opt = new sc.optim.SGD([x], { lr: 0.5 });
    const a = sc.compile(() => {
      const l = sc.tidy(() => x.square().sum());
      opt.zeroGrad();
      l.backward();
      opt.step();
      l.dispose();
    });
    const b = sc.compile(() => ({ double: x.mul(2), sum: x.sum() }));
    try {
      expect(a()).toBeUndefined();
      a();
      expect(x.data()).toEqual(Float32Array.from([0, 0, 0]));
      const r = b();
      expect(b()).toBe(r);
      expect(r.double.data()).toEqual(Float32Array.from([0, 0, 0]));
      expect(a.captured && b.captured).toBe(true);
    } finally {
      a.dispose();
      b.dispose();
      opt.zeroGrad();
      x.dispose();
    }
  });

  it('property: random affine steps replay bitwise (fast-check)', () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 9 }), fc.double({ min: 1e-3, max: 0.5, noNaN: true }), fc.integer({ min: 0, max: 1000 }),
      (n, m, lr, seed) => {
        const make = (): Setup => {
          const x = sc.zeros([n]);
          const w = sc.variable(randArray(n * m, seed), [m, n]);
          const opt = new sc.optim.SGD([w], { lr, momentum: 0.5 });
          return {
            fn: trainStep(() => sc.matmul(w, x.reshape([n, 1])).relu().mean(), opt),
            feed: (i) => write(x, randArray(n, seed + i + 1)),
            watched: () => [w],
            opt,
            dispose() {
              opt.zeroGrad();
              opt.dispose();
              x.dispose();
              w.dispose();
            },
          };
        };
        expectReplayEqualsEager(make, 4);
      }), { numRuns: 25 });
  });
});

describe('compile: misuse', () => {
  /** A compiled lesson step, already captured, between sentinels that must not change. */
  function captured() {
    const s = lesson();
    s.feed(0);
    const step = sc.compile(s.fn);
    step();
    return { s, step };
  }

  const DISPOSE_CASES: { what: string; kill: (s: Setup, out: sc.Tensor) => void }[] = [
    { what: 'a parameter', kill: (s) => s.watched()[0]!.dispose() },
    { what: 'a gradient (zeroGrad outside the step)', kill: (s) => s.opt.zeroGrad() },
    { what: 'the output', kill: (_s, out) => out.dispose() },
  ];

  it.each(DISPOSE_CASES)('disposing $what, then calling the step: DisposedTensorError, nothing written', ({ kill }) => {
    const { s, step } = captured();
    const out = step();
    const k = s.watched()[0]!;
    kill(s, out);
    // New tensors of every size the step uses take the freed memory: they must be left alone.
    const grabbers = [1, 2, 42, 48].flatMap((n) => Array.from({ length: 20 }, () => sc.full([n], 42)));
    const kBefore = k.isDisposed ? null : k.data();
    const outBefore = out.isDisposed ? null : out.data();
    try {
      expectError(() => step(), sc.DisposedTensorError, { op: 'compile' });
      for (const g of grabbers) expect(g.data().every((v) => v === 42)).toBe(true);
      if (kBefore !== null) expect(k.data()).toEqual(kBefore);
      if (outBefore !== null) expect(out.data()).toEqual(outBefore);
    } finally {
      for (const g of grabbers) g.dispose();
      step.dispose();
      s.dispose();
    }
  });

  it('replays never write into tensors made after the capture (the capture\'s temporaries stay reserved)', () => {
    const s = cnn('NCHW', 'Adam');
    s.feed(0);
    const step = sc.compile(s.fn);
    step();
    const made = [1, 4, 16, 64, 300, 2000].flatMap((n) => Array.from({ length: 8 }, () => sc.full([n], 42)));
    try {
      for (let i = 0; i < 5; i++) step();
      for (const t of made) expect(t.data().every((v) => v === 42)).toBe(true);
    } finally {
      for (const t of made) t.dispose();
      step.dispose();
      s.dispose();
    }
  });

  it('a value the step read from memory that changed (a backward seed given as a tensor): CompileError at the replay', () => {
    const x = sc.variable([1, 2]);
    const seed = sc.ones([]);
    const step = sc.compile(() => {
      x.zeroGrad();
      sc.tidy(() => x.square().sum()).backward(seed);
    });
    try {
      step();
      step();
      expect(x.grad!.data()).toEqual(Float32Array.from([2, 4]));
      const two = sc.full([], 2);
      seed.set([], two);
      two.dispose();
      expectError(() => step(), sc.CompileError, { op: 'compile', message: /changed since the capture/ });
    } finally {
      step.dispose();
      x.zeroGrad();
      x.dispose();
      seed.dispose();
    }
  });

  it('the step name given appears in errors', () => {
    const x = sc.variable([1, 2]);
    const step = sc.compile(() => x.mul(2), { name: 'double' });
    step();
    x.dispose();
    expectError(() => step(), sc.DisposedTensorError, { op: 'double', argument: /\(mul\)/ });
    step.dispose();
  });

  const REFUSED: { what: string; fn: (x: sc.Tensor) => unknown; cls?: typeof sc.CompileError }[] = [
    { what: 'data()', fn: (x) => x.mul(2).data() },
    { what: 'item()', fn: (x) => x.sum().item() },
    { what: 'toArray()', fn: (x) => x.toArray() },
    { what: 'toString()', fn: (x) => x.toString() },
    { what: 'randn', fn: () => sc.randn([4]) },
    { what: 'rand', fn: () => sc.rand([4]) },
    { what: 'sc.tensor(array)', fn: () => sc.tensor([1, 2]) },
    { what: 'labels from an array', fn: (x) => sc.nn.crossEntropy(x.reshape([2, 2]), [0, 1]) },
    { what: 'a number result', fn: () => 3 },
    { what: 'a Promise result', fn: () => Promise.resolve() },
  ];

  it.each(REFUSED)('$what inside the step: CompileError at the capture, nothing kept', ({ fn }) => {
    const x = sc.tensor(new Float32Array([1, 2, 3, 4]));
    const before = sc.memory();
    const used = heap('test').stats().usedBytes;
    const step = sc.compile(() => fn(x));
    expectError(() => step(), sc.CompileError, { op: 'compile' });
    expect(sc.memory().tensors).toBe(before.tensors);
    expect(heap('test').stats().usedBytes).toBeLessThanOrEqual(used);
    // The library works as before: memory reads, random numbers.
    expect(sc.tidy(() => x.sum().item())).toBe(10);
    const r = sc.randn([2], { seed: 1 });
    expect(r.data().length).toBe(2);
    r.dispose();
    step.dispose();
    x.dispose();
  });

  it('nested: calling or capturing a step inside a capture is refused', () => {
    const x = sc.variable([1, 2]);
    const inner = sc.compile(() => x.mul(2));
    const outerCalls = sc.compile(() => {
      inner();
    });
    expectError(() => outerCalls(), sc.CompileError, { op: 'compile', message: /do not nest/ });
    const y = inner();
    expect(y.data()).toEqual(Float32Array.from([2, 4]));
    expectError(() => sc.compile(() => {
      inner();
    })(), sc.CompileError);
    const outerUsesCaptured = sc.compile(() => {
      inner();
    });
    expectError(() => outerUsesCaptured(), sc.CompileError, { message: /do not nest/ });
    for (const s of [inner, outerCalls, outerUsesCaptured]) s.dispose();
    x.dispose();
  });

  it('setKernelVariant inside a capture is refused', () => {
    const x = sc.ones([2]);
    const step = sc.compile(() => {
      setKernelVariant('scalar');
    });
    expectError(() => step(), sc.UnsupportedRuntimeError, { op: 'setKernelVariant' });
    step.dispose();
    x.dispose();
  });

  it('a disposed step throws; dispose() twice is fine; bad arguments', () => {
    const step = sc.compile(() => {});
    step();
    step.dispose();
    step.dispose();
    expectError(() => step(), sc.CompileError, { op: 'compile', argument: 'this' });
    expectError(() => sc.compile(3 as unknown as () => void), sc.ArgumentError, { op: 'compile', argument: 'fn' });
    expectError(() => sc.compile(() => {}, { name: '' }), sc.ArgumentError, { argument: 'name' });
  });
});

describe('compile: steady state', () => {
  it('5,000 replays: no leak warning, no new tensors, no heap growth', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const s = cnn('NCHW', 'Adam');
    s.feed(0);
    const step = sc.compile(s.fn);
    try {
      step();
      step();
      const tensors = sc.memory().tensors;
      const used = heap('test').stats().usedBytes;
      for (let i = 0; i < 5000; i++) step();
      expect(sc.memory().tensors).toBe(tensors);
      expect(heap('test').stats().usedBytes).toBe(used);
      expect(warn).not.toHaveBeenCalled();
      expect(s.opt.steps).toBe(5002);
    } finally {
      warn.mockRestore();
      step.dispose();
      s.dispose();
    }
  });

  it('dispose() gives back every byte the step held: 30 compile/dispose cycles do not grow the heap', () => {
    const s = cnn('NHWC', 'SGD');
    s.feed(0);
    const cycle = () => {
      const step = sc.compile(s.fn);
      step();
      step();
      step.dispose();
    };
    try {
      cycle();
      const used = heap('test').stats().usedBytes;
      for (let i = 0; i < 30; i++) cycle();
      // Up to 16 recycled tensor blocks of at most 1 KiB are counted as used (memory.ts RECYCLE_*).
      expect(heap('test').stats().usedBytes - used).toBeLessThanOrEqual(16 * 1024);
    } finally {
      s.dispose();
    }
  });
});
