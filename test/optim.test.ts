// optim.SGD and optim.Adam against PyTorch (test/fixtures/optim.json, written by
// test/fixtures/make_fixtures_optim.py), under both kernel variants, for parameter lengths that
// reach every SIMD tail; plus hyper-parameter validation and the optimizer API.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as sc from '../src/index.js';
import { expectNoLeakedTensors } from './helpers/leaks.js';
import { setKernelVariant, type KernelVariant } from '../src/wasm/kernels.js';

interface OptimCase {
  name: string;
  optimizer: 'SGD' | 'Adam';
  options: Record<string, unknown>;
  /** Parameters after each step: after[step][param] (flat). */
  after: number[][][];
}
interface OptimFixtures {
  generated_by: string;
  shapes: number[][];
  params0: number[][];
  /** grads[step][param], null when the parameter has no gradient in that step. */
  grads: (number[] | null)[][];
  cases: OptimCase[];
}

const fx = JSON.parse(readFileSync(new URL('./fixtures/optim.json', import.meta.url), 'utf8')) as OptimFixtures;

beforeAll(async () => {
  await sc.init();
});

expectNoLeakedTensors();

function makeOptimizer(c: OptimCase, params: sc.Tensor[] | sc.nn.Module): sc.optim.Optimizer {
  return c.optimizer === 'SGD'
    ? new sc.optim.SGD(params, c.options as unknown as sc.optim.SGDOptions)
    : new sc.optim.Adam(params, c.options as sc.optim.AdamOptions);
}

/**
 * Runs the fixture's steps on parameters made from `init` (flat data, shapes), setting each
 * gradient through autograd (backward of sum(p * g) gives exactly g). Returns the parameters'
 * data after every step.
 */
function runSteps(c: OptimCase, init: number[][], shapes: number[][], grads: (number[] | null)[][]): Float32Array[][] {
  const params = init.map((d, i) => sc.variable(d, shapes[i]));
  const opt = makeOptimizer(c, params);
  const out: Float32Array[][] = [];
  try {
    for (const step of grads) {
      opt.zeroGrad();
      const loss = sc.tidy(() => {
        let l: sc.Tensor | null = null;
        step.forEach((g, i) => {
          if (g === null) return;
          const term = params[i]!.mul(sc.tensor(g, shapes[i])).sum();
          l = l === null ? term : l.add(term);
        });
        return l!;
      });
      loss.backward();
      loss.dispose();
      step.forEach((g, i) => {
        if (g === null) expect(params[i]!.grad).toBeNull();
        else expect(Array.from(params[i]!.grad!.data())).toEqual(Array.from(Float32Array.from(g)));
      });
      opt.step();
      out.push(params.map((p) => p.data()));
    }
    expect(opt.steps).toBe(grads.length);
  } finally {
    opt.dispose();
    for (const p of params) p.dispose();
  }
  return out;
}

// |got - want| <= TOL * (1 + |want|). Float32 PyTorch and the kernels evaluate the same formula
// in the same order; the differences seen are a few ulps. Any formula mistake (bias correction,
// dampening on the first step, decoupled vs L2 decay) moves values by ~lr·(something) >> TOL.
const TOL = 2e-6;

function expectClose(got: Float32Array, want: number[], what: string): void {
  expect(got.length, `${what}: length`).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const err = Math.abs(got[i]! - want[i]!);
    if (!(err <= TOL * (1 + Math.abs(want[i]!)))) {
      expect.fail(`${what}[${i}]: got ${got[i]}, PyTorch ${want[i]} (|diff| ${err.toExponential(2)})`);
    }
  }
}

const VARIANTS: KernelVariant[] = ['simd', 'scalar'];
const LENGTHS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 17];

describe(`against PyTorch (${fx.generated_by})`, () => {
  describe.each(VARIANTS)('%s kernels', (variant) => {
    beforeAll(() => setKernelVariant(variant));
    afterAll(() => setKernelVariant('simd'));

    it.each(fx.cases.map((c) => [c.name, c] as const))('%s: two parameters, 4 steps, one step without a gradient', (_n, c) => {
      const got = runSteps(c, fx.params0, fx.shapes, fx.grads);
      got.forEach((ps, step) => ps.forEach((p, i) => expectClose(p, c.after[step]![i]!, `step ${step + 1} param ${i}`)));
    });

    it.each(fx.cases.map((c) => [c.name, c] as const))('%s: lengths 1..9 and 17', (_n, c) => {
      for (const n of LENGTHS) {
        const grads = fx.grads.map((s) => [s[0]!.slice(0, n)]);
        const got = runSteps(c, [fx.params0[0]!.slice(0, n)], [[n]], grads);
        got.forEach(([p], step) => expectClose(p!, c.after[step]![0]!.slice(0, n), `length ${n}, step ${step + 1}`));
      }
    });
  });

  it.each(fx.cases.map((c) => [c.name, c] as const))('%s: the SIMD and scalar kernels agree bitwise', (_n, c) => {
    const run = (v: KernelVariant) => {
      setKernelVariant(v);
      try {
        return runSteps(c, fx.params0, fx.shapes, fx.grads);
      } finally {
        setKernelVariant('simd');
      }
    };
    const a = run('simd'), b = run('scalar');
    a.forEach((ps, step) => ps.forEach((p, i) => expect(p, `step ${step + 1} param ${i}`).toEqual(b[step]![i]!)));
  });

  it('the fixture exercises what it claims (steps change the parameters; a step skips param 1)', () => {
    expect(fx.grads[2]![1]).toBeNull();
    for (const c of fx.cases) {
      expect(c.after[2]![1], c.name).toEqual(c.after[1]![1]); // no gradient, no update (even with weight decay)
      expect(c.after[0]![0], c.name).not.toEqual(fx.params0[0]);
    }
  });
});

describe('optimizer API', () => {
  it('SGD step is p -= lr * grad (the lesson\'s update), bitwise', () => {
    sc.tidy(() => {
      const w = sc.variable([[0.3, -0.7]]);
      const manual = w.detach().clone();
      const X = sc.tensor([[1, 2, 3], [4, 5, 6]]);
      const opt = new sc.optim.SGD([w], { lr: 3e-2 });
      const loss = sc.corr2d(X, w).square().sum();
      loss.backward();
      const g = w.grad!.clone();
      opt.step();
      expect(w.data()).toEqual(manual.sub(g.mul(3e-2)).data());
      opt.dispose();
      w.zeroGrad();
    });
  });

  it('a module\'s parameters are looked up at every step, so lazy ones join once made', () => {
    const layer = new sc.nn.Conv2d({ outChannels: 1, kernelSize: 2, seed: 1 });
    const opt = new sc.optim.SGD(layer, { lr: 0.1 });
    expect(opt.params).toEqual([]);
    opt.step(); // nothing to update yet
    const x = sc.ones([1, 1, 3, 3]);
    const loss = sc.tidy(() => layer.forward(x).sum());
    loss.backward();
    loss.dispose();
    const before = layer.weight!.data();
    const grad = layer.weight!.grad!.data();
    opt.step();
    expect(opt.params).toEqual([layer.weight, layer.bias]);
    const after = layer.weight!.data();
    for (let i = 0; i < after.length; i++) expect(after[i]).toBe(Math.fround(before[i]! - Math.fround(Math.fround(0.1) * grad[i]!)));
    opt.zeroGrad();
    expect(layer.weight!.grad).toBeNull();
    expect(layer.bias!.grad).toBeNull();
    opt.dispose();
    layer.dispose();
    x.dispose();
  });

  it('parameters without a gradient are skipped; a disposed parameter is an error', () => {
    const a = sc.variable([1, 2]);
    const b = sc.variable([3, 4]);
    const opt = new sc.optim.Adam([a, b], { lr: 0.5 });
    const loss = sc.tidy(() => a.sum());
    loss.backward();
    loss.dispose();
    opt.step();
    expect(Array.from(b.data())).toEqual([3, 4]);
    expect(Array.from(a.data())).not.toEqual([1, 2]);
    a.dispose();
    expect(() => opt.step()).toThrow(sc.DisposedTensorError);
    opt.dispose();
    b.dispose();
  });

  it('state is allocated once per parameter and freed by dispose()', () => {
    const p = sc.variable(new Float32Array(100), [100]);
    const opt = new sc.optim.Adam([p]);
    const step = () => {
      const loss = sc.tidy(() => p.square().sum().add(p.sum()));
      loss.backward();
      loss.dispose();
      opt.step();
      opt.zeroGrad();
    };
    step();
    const afterFirst = sc.memory();
    for (let i = 0; i < 5; i++) step();
    expect(sc.memory().tensors).toBe(afterFirst.tensors);
    expect(sc.memory().bytes).toBe(afterFirst.bytes);
    opt.dispose();
    expect(sc.memory().bytes).toBe(afterFirst.bytes - 2 * 400); // Adam's m and v
    p.dispose();
  });

  it('a step bumps the parameter version, so a graph recorded before it cannot be backwarded', () => {
    const w = sc.variable([1, 2]);
    const opt = new sc.optim.SGD([w], { lr: 1, momentum: 0.5 });
    const l1 = sc.tidy(() => w.square().sum());
    l1.backward();
    const l2 = sc.tidy(() => w.square().sum());
    opt.step();
    expect(() => l2.backward()).toThrow(sc.AutogradError);
    for (const t of [l1, l2, w]) t.dispose();
    opt.dispose();
  });
});

describe('invalid hyper-parameters throw ArgumentError', () => {
  const bad: [string, () => unknown][] = [
    ['SGD lr missing', () => new sc.optim.SGD([], {} as sc.optim.SGDOptions)],
    ['SGD lr negative', () => new sc.optim.SGD([], { lr: -0.1 })],
    ['SGD lr NaN', () => new sc.optim.SGD([], { lr: NaN })],
    ['SGD lr Infinity', () => new sc.optim.SGD([], { lr: Infinity })],
    ['SGD lr a string', () => new sc.optim.SGD([], { lr: '0.1' as unknown as number })],
    ['SGD momentum negative', () => new sc.optim.SGD([], { lr: 0.1, momentum: -0.5 })],
    ['SGD momentum NaN', () => new sc.optim.SGD([], { lr: 0.1, momentum: NaN })],
    ['SGD dampening > 1', () => new sc.optim.SGD([], { lr: 0.1, momentum: 0.9, dampening: 1.5 })],
    ['SGD dampening negative', () => new sc.optim.SGD([], { lr: 0.1, momentum: 0.9, dampening: -0.1 })],
    ['SGD weightDecay negative', () => new sc.optim.SGD([], { lr: 0.1, weightDecay: -1 })],
    ['SGD weightDecay Infinity', () => new sc.optim.SGD([], { lr: 0.1, weightDecay: Infinity })],
    ['SGD nesterov without momentum', () => new sc.optim.SGD([], { lr: 0.1, nesterov: true })],
    ['SGD nesterov with dampening', () => new sc.optim.SGD([], { lr: 0.1, momentum: 0.9, dampening: 0.1, nesterov: true })],
    ['SGD nesterov not a boolean', () => new sc.optim.SGD([], { lr: 0.1, momentum: 0.9, nesterov: 1 as unknown as boolean })],
    ['SGD options null', () => new sc.optim.SGD([], null as unknown as sc.optim.SGDOptions)],
    ['SGD params not tensors', () => new sc.optim.SGD([1, 2] as unknown as sc.Tensor[], { lr: 0.1 })],
    ['SGD params a tensor (not an array)', () => sc.tidy(() => new sc.optim.SGD(sc.zeros([1]) as unknown as sc.Tensor[], { lr: 0.1 }))],
    ['Adam lr negative', () => new sc.optim.Adam([], { lr: -1e-3 })],
    ['Adam lr NaN', () => new sc.optim.Adam([], { lr: NaN })],
    ['Adam lr Infinity', () => new sc.optim.Adam([], { lr: Infinity })],
    ['Adam beta1 = 1', () => new sc.optim.Adam([], { betas: [1, 0.999] })],
    ['Adam beta2 = 1', () => new sc.optim.Adam([], { betas: [0.9, 1] })],
    ['Adam beta1 negative', () => new sc.optim.Adam([], { betas: [-0.1, 0.999] })],
    ['Adam beta2 > 1', () => new sc.optim.Adam([], { betas: [0.9, 1.5] })],
    ['Adam beta NaN', () => new sc.optim.Adam([], { betas: [NaN, 0.999] })],
    ['Adam betas not a pair', () => new sc.optim.Adam([], { betas: [0.9] as unknown as [number, number] })],
    ['Adam eps negative', () => new sc.optim.Adam([], { eps: -1e-8 })],
    ['Adam eps NaN', () => new sc.optim.Adam([], { eps: NaN })],
    ['Adam weightDecay negative', () => new sc.optim.Adam([], { weightDecay: -0.01 })],
    ['Adam weightDecay NaN', () => new sc.optim.Adam([], { weightDecay: NaN })],
    ['Adam decoupled not a boolean', () => new sc.optim.Adam([], { decoupled: 'yes' as unknown as boolean })],
    ['Adam options not an object', () => new sc.optim.Adam([], 3 as unknown as sc.optim.AdamOptions)],
  ];
  it.each(bad)('%s', (_name, make) => {
    let err: unknown;
    try {
      make();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(sc.ArgumentError);
    expect((err as sc.ArgumentError).op).toMatch(/^(SGD|Adam)$/);
  });

  it('valid edge values are accepted (lr 0, momentum 0, dampening 1, betas 0, eps 0)', () => {
    expect(() => new sc.optim.SGD([], { lr: 0, momentum: 0.9, dampening: 1 })).not.toThrow();
    expect(() => new sc.optim.Adam([], { lr: 0, betas: [0, 0], eps: 0 })).not.toThrow();
  });
});
