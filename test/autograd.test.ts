// Autograd semantics: accumulation, zeroGrad, noGrad, detach, backward's arguments and errors,
// retainGraph, in-place writes versus saved tensors, which gradients are computed, tidy, and
// memory stability of a training-style loop.
import { beforeAll, describe, expect, it } from 'vitest';
import * as sc from '../src/index.js';
import { expectNoLeakedTensors } from './helpers/leaks.js';

beforeAll(async () => {
  await sc.init();
});

const arr = (t: sc.Tensor | null): number[] => {
  if (t === null) throw new Error('expected a tensor, got null');
  return Array.from(t.data());
};

/** Every test must free what it makes: the live-tensor count returns to where it started. */
const baseline = expectNoLeakedTensors();

describe('memory', () => {
  it('a forward + backward + dispose loop leaves sc.memory() unchanged after warm-up', () => {
    const x = sc.randn([2, 3, 8, 8], { seed: 1 });
    const w = sc.randn([4, 3, 3, 3], { seed: 2 });
    const b = sc.zeros([4]);
    const target = sc.randn([2, 4, 8, 8], { seed: 3 });
    w.requiresGrad = true;
    b.requiresGrad = true;
    const iteration = () => {
      const loss = sc.tidy(() => {
        const y = sc.conv2d(x, w, { bias: b, padding: 'same' }).relu();
        return sc.nn.mseLoss(y.reshape([2, -1]).mean(0), target.reshape([2, -1]).mean(0), { reduction: 'sum' }).add(y.abs().mean());
      });
      loss.backward();
      loss.dispose();
      sc.noGrad(() => {
        w.set([], w.sub(w.grad!.mul(1e-3)));
        b.set([], b.sub(b.grad!.mul(1e-3)));
      });
    };
    // leaks inside noGrad would not be caught by tidy; run the update in a tidy as a user would
    const step = () => sc.tidy(iteration);
    step();
    step();
    const after = sc.memory();
    for (let i = 0; i < 20; i++) step();
    const end = sc.memory();
    expect(end.tensors).toBe(after.tensors);
    expect(end.bytes).toBe(after.bytes);
    expect(end.wasmBytes).toBe(after.wasmBytes);
    // the gradients stay allocated across iterations (accumulated in place); they and the inputs are all that is live
    expect(end.tensors).toBe(baseline() + 6);
    for (const t of [x, w, b, target]) t.dispose();
    expect(sc.memory().tensors).toBe(baseline());
  });

  it('zeroGrad frees the gradients: bytes return to their starting value', () => {
    const start = sc.memory().bytes;
    const x = sc.tidy(() => sc.variable(sc.randn([64], { seed: 4 })));
    for (let i = 0; i < 5; i++) {
      const loss = sc.tidy(() => x.square().sum());
      loss.backward();
      loss.dispose();
      x.zeroGrad();
    }
    expect(x.grad).toBeNull();
    x.dispose();
    expect(sc.memory().bytes).toBe(start);
  });
});

describe('accumulation and zeroGrad', () => {
  it('gradients accumulate across backward calls on separate graphs', () => {
    sc.tidy(() => {
      const x = sc.variable([1, 2, 3]);
      x.mul(x).sum().backward(); // 2x
      expect(arr(x.grad)).toEqual([2, 4, 6]);
      x.mul(3).sum().backward(); // + 3
      expect(arr(x.grad)).toEqual([5, 7, 9]);
      x.zeroGrad();
    });
  });

  it('zeroGrad clears the gradient; the next backward starts from zero', () => {
    sc.tidy(() => {
      const x = sc.variable([[1, -2]]);
      x.mul(4).sum().backward();
      expect(arr(x.grad)).toEqual([4, 4]);
      x.zeroGrad();
      expect(x.grad).toBeNull();
      x.mul(-1).sum().backward();
      expect(arr(x.grad)).toEqual([-1, -1]);
      expect(x.grad!.shape).toEqual([1, 2]);
      x.zeroGrad();
    });
  });

  it('a gradient flowing through several paths into one leaf is summed', () => {
    sc.tidy(() => {
      const x = sc.variable([2]);
      const y = x.mul(3);
      // z = y·y + y + x = 9x² + 4x  ->  dz/dx = 18x + 4 = 40
      y.mul(y).add(y).add(x).sum().backward();
      expect(arr(x.grad)).toEqual([40]);
      x.zeroGrad();
    });
  });

  it('the gradient of a leaf itself (backward on a leaf) is the seed', () => {
    sc.tidy(() => {
      const x = sc.variable([[1, 2], [3, 4]]);
      x.backward(sc.tensor([[1, 0], [0, 2]]));
      expect(arr(x.grad)).toEqual([1, 0, 0, 2]);
      x.zeroGrad();
    });
  });
});

describe('noGrad', () => {
  it('records nothing: outputs do not require grad and are leaves', () => {
    sc.tidy(() => {
      const x = sc.variable([1, 2]);
      const y = sc.noGrad(() => x.mul(2).add(1));
      expect(y.requiresGrad).toBe(false);
      expect(y.isLeaf).toBe(true);
      expect(() => y.sum().backward()).toThrow(sc.AutogradError);
      expect(x.grad).toBeNull();
    });
  });

  it('isGradEnabled is false inside and restored after, also when fn throws; nesting works', () => {
    expect(sc.isGradEnabled()).toBe(true);
    sc.noGrad(() => {
      expect(sc.isGradEnabled()).toBe(false);
      sc.noGrad(() => expect(sc.isGradEnabled()).toBe(false));
      expect(sc.isGradEnabled()).toBe(false);
    });
    expect(sc.isGradEnabled()).toBe(true);
    expect(() => sc.noGrad(() => {
      throw new Error('boom');
    })).toThrow('boom');
    expect(sc.isGradEnabled()).toBe(true);
  });

  it('returns the value of fn', () => {
    expect(sc.noGrad(() => 42)).toBe(42);
  });
});

describe('detach', () => {
  it('shares memory with the original', () => {
    sc.tidy(() => {
      const x = sc.variable([1, 2, 3]);
      const d = x.detach();
      expect(d.requiresGrad).toBe(false);
      expect(d.isLeaf).toBe(true);
      d.set([1], 20); // allowed: d does not require grad
      expect(arr(x)).toEqual([1, 20, 3]);
    });
  });

  it('cuts the graph: no gradient flows through the detached path', () => {
    sc.tidy(() => {
      const x = sc.variable([1, 2]);
      // y = x.detach()·x + x  ->  dy/dx = x.detach() + 1
      x.detach().mul(x).add(x).sum().backward();
      expect(arr(x.grad)).toEqual([2, 3]);
      x.zeroGrad();
    });
  });

  it('detaching an intermediate stops the gradient there', () => {
    sc.tidy(() => {
      const x = sc.variable([3]);
      const y = x.square();
      const z = y.detach().mul(x); // d/dx = y = 9, not 3x² = 27
      z.sum().backward();
      expect(arr(x.grad)).toEqual([9]);
      y.sum().backward(); // y's own graph is still intact: + 2x = 6
      expect(arr(x.grad)).toEqual([15]);
      x.zeroGrad();
    });
  });
});

describe('backward arguments and errors', () => {
  it('a non-scalar output without a gradient throws AutogradError naming the shape', () => {
    sc.tidy(() => {
      const x = sc.variable([[1, 2], [3, 4]]);
      const y = x.mul(2);
      let err: unknown;
      try {
        y.backward();
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(sc.AutogradError);
      const msg = (err as Error).message;
      expect(msg).toMatch(/scalar/);
      expect(msg).toContain('[2, 2]');
      expect(msg).toMatch(/backward\(gradient\)|\.sum\(\)/);
      expect(x.grad).toBeNull();
    });
  });

  it('a one-element non-0-d output needs no gradient', () => {
    sc.tidy(() => {
      const x = sc.variable([[5]]);
      x.mul(x).backward();
      expect(arr(x.grad)).toEqual([10]);
      x.zeroGrad();
    });
  });

  it('an explicit gradient gives the vector-Jacobian product', () => {
    sc.tidy(() => {
      const x = sc.variable([[1, 2], [3, 4]]);
      const y = x.square(); // dy/dx = 2x
      y.backward(sc.tensor([[1, 10], [100, 1000]]));
      expect(arr(x.grad)).toEqual([2, 40, 600, 8000]);
      x.zeroGrad();
    });
  });

  it('equals sum(y * R).backward() for the same R', () => {
    sc.tidy(() => {
      const x = sc.variable(sc.randn([3, 4], { seed: 5 }));
      const R = sc.randn([3, 4], { seed: 6 });
      x.exp().mul(x).backward(R);
      const g1 = arr(x.grad);
      x.zeroGrad();
      x.exp().mul(x).mul(R).sum().backward();
      expect(arr(x.grad)).toEqual(g1);
      x.zeroGrad();
    });
  });

  it('a gradient of the wrong shape throws ShapeError', () => {
    sc.tidy(() => {
      const x = sc.variable([1, 2, 3]);
      expect(() => x.mul(2).backward(sc.ones([2]))).toThrow(sc.ShapeError);
      expect(x.grad).toBeNull();
    });
  });

  it('backward on a tensor that does not require grad throws AutogradError', () => {
    sc.tidy(() => {
      const x = sc.tensor([1, 2]);
      expect(() => x.sum().backward()).toThrow(sc.AutogradError);
      expect(() => x.sum().backward()).toThrow(/requiresGrad/);
    });
  });

  it('backward on a disposed tensor throws DisposedTensorError', () => {
    const x = sc.variable([1, 2]);
    const y = x.sum();
    y.dispose();
    expect(() => y.backward()).toThrow(sc.DisposedTensorError);
    x.dispose();
  });

  it('requiresGrad accepts only booleans and cannot be cleared on a computed tensor', () => {
    sc.tidy(() => {
      const x = sc.tensor([1]);
      expect(() => {
        (x as { requiresGrad: unknown }).requiresGrad = 1;
      }).toThrow(sc.AutogradError);
      x.requiresGrad = true;
      const y = x.mul(2);
      expect(y.requiresGrad).toBe(true);
      expect(y.isLeaf).toBe(false);
      expect(() => {
        y.requiresGrad = false;
      }).toThrow(sc.AutogradError);
    });
  });
});

describe('retainGraph', () => {
  it('backward twice through the same graph throws AutogradError', () => {
    sc.tidy(() => {
      const x = sc.variable([1, 2]);
      const loss = x.exp().sum();
      loss.backward();
      const g = arr(x.grad);
      expect(() => loss.backward()).toThrow(sc.AutogradError);
      expect(() => loss.backward()).toThrow(/second time|retainGraph/);
      expect(arr(x.grad)).toEqual(g); // the failed call added nothing
      x.zeroGrad();
    });
  });

  it('with retainGraph the graph can be traversed again and gradients accumulate', () => {
    sc.tidy(() => {
      const x = sc.variable([1, 2]);
      const loss = x.mul(x).sum();
      loss.backward(undefined, { retainGraph: true });
      loss.backward(undefined, { retainGraph: true });
      expect(arr(x.grad)).toEqual([4, 8]);
      loss.backward(); // frees it now
      expect(arr(x.grad)).toEqual([6, 12]);
      expect(() => loss.backward()).toThrow(sc.AutogradError);
      x.zeroGrad();
    });
  });

  it('a shared subgraph freed by one backward cannot be reused by another output', () => {
    sc.tidy(() => {
      const x = sc.variable([1, 2]);
      const y = x.exp();
      y.sum().backward();
      expect(() => y.mul(2).sum().backward()).toThrow(sc.AutogradError);
      x.zeroGrad();
    });
  });
});

describe('in-place writes', () => {
  it('set() on a leaf that requires grad throws AutogradError, and works under noGrad', () => {
    sc.tidy(() => {
      const x = sc.variable([1, 2, 3]);
      expect(() => x.set([0], 5)).toThrow(sc.AutogradError);
      expect(arr(x)).toEqual([1, 2, 3]);
      sc.noGrad(() => x.set([0], 5));
      expect(arr(x)).toEqual([5, 2, 3]);
    });
  });

  it('set() on a tensor computed by a recorded op throws AutogradError', () => {
    sc.tidy(() => {
      const x = sc.variable([1, 2, 3]);
      const y = x.mul(2);
      expect(() => y.set([0], 0)).toThrow(sc.AutogradError);
      expect(() => y.set([0], 0)).toThrow(/clone/);
    });
  });

  it('modifying a tensor saved by conv2d before backward throws AutogradError', () => {
    sc.tidy(() => {
      const x = sc.randn([1, 1, 5, 5], { seed: 7 });
      const w = sc.variable(sc.randn([1, 1, 3, 3], { seed: 8 }));
      const loss = sc.conv2d(x, w).sum();
      sc.noGrad(() => w.set([0, 0, 0, 0], 100));
      let err: unknown;
      try {
        loss.backward();
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(sc.AutogradError);
      expect((err as Error).message).toMatch(/modified by an in-place operation/);
      expect(w.grad).toBeNull();
    });
  });

  it('modifying the saved input (through a detached view) is detected too', () => {
    sc.tidy(() => {
      const x = sc.variable(sc.randn([4, 4], { seed: 9 }));
      const K = sc.variable([[1, -1]]);
      const loss = sc.corr2d(x, K).square().sum();
      x.detach().set([0, 0], 3); // shares x's storage
      expect(() => loss.backward()).toThrow(sc.AutogradError);
      expect(x.grad).toBeNull();
      expect(K.grad).toBeNull();
    });
  });

  it('an optimizer step between forward and backward is detected', () => {
    sc.tidy(() => {
      const w = sc.variable([[0.5, -0.5]]);
      const X = sc.ones([3, 4]);
      const opt = new sc.optim.SGD([w], { lr: 0.1 });
      sc.corr2d(X, w).sum().backward();
      const loss = sc.corr2d(X, w).sum();
      opt.step();
      expect(() => loss.backward()).toThrow(sc.AutogradError);
      opt.dispose();
      w.zeroGrad();
    });
  });

  it('modifying a tensor that no backward rule reads is fine', () => {
    sc.tidy(() => {
      const x = sc.variable([1, 2]);
      const c = sc.tensor([10, 20]);
      const loss = x.add(c).sum(); // add's rule needs neither input's values
      c.set([0], 0);
      loss.backward();
      expect(arr(x.grad)).toEqual([1, 1]);
      x.zeroGrad();
    });
  });

  it('writes after backward are fine (the graph is gone)', () => {
    sc.tidy(() => {
      const w = sc.variable([2, 3]);
      w.square().sum().backward();
      sc.noGrad(() => w.set([], w.sub(w.grad!)));
      expect(arr(w)).toEqual([-2, -3]);
      w.zeroGrad();
    });
  });
});

describe('which gradients are computed', () => {
  it('an input without requiresGrad gets no gradient; intermediates keep none', () => {
    sc.tidy(() => {
      const x = sc.randn([1, 2, 5, 5], { seed: 10 });
      const w = sc.variable(sc.randn([3, 2, 3, 3], { seed: 11 }));
      const b = sc.zeros([3]); // not requiring grad
      const y = sc.conv2d(x, w, { bias: b });
      const loss = y.square().mean();
      loss.backward();
      expect(x.grad).toBeNull();
      expect(b.grad).toBeNull();
      expect(y.grad).toBeNull();
      expect(loss.grad).toBeNull();
      expect(w.grad).not.toBeNull();
      expect(w.grad!.shape).toEqual([3, 2, 3, 3]);
      w.zeroGrad();
    });
  });

  it('an op whose inputs do not require grad is not recorded', () => {
    sc.tidy(() => {
      const a = sc.tensor([1, 2]);
      const y = a.mul(2).exp().sum();
      expect(y.requiresGrad).toBe(false);
      expect(y.isLeaf).toBe(true);
      expect(y.toString()).not.toContain('grad_fn');
      const v = sc.variable([1, 2]);
      const z = v.mul(2);
      expect(z.toString()).toContain('grad_fn=<MulBackward>');
      expect(v.toString()).toContain('requires_grad=True');
    });
  });

  it('the gradient of an unused leaf stays null', () => {
    sc.tidy(() => {
      const x = sc.variable([1]);
      const unused = sc.variable([2]);
      x.mul(3).sum().backward();
      expect(unused.grad).toBeNull();
      expect(arr(x.grad)).toEqual([3]);
      x.zeroGrad();
    });
  });

  it('gradients keep the leaf shape and dtype, and are not tracked themselves', () => {
    sc.tidy(() => {
      const x = sc.variable(sc.ones([2, 1, 3]));
      x.mul(sc.ones([4, 3])).sum().backward(); // broadcast to [2, 4, 3]
      expect(x.grad!.shape).toEqual([2, 1, 3]);
      expect(x.grad!.dtype).toBe('float32');
      expect(x.grad!.requiresGrad).toBe(false);
      expect(arr(x.grad)).toEqual([4, 4, 4, 4, 4, 4]);
      x.zeroGrad();
    });
  });
});

describe('tidy and disposal', () => {
  it('backward works after a tidy() around the forward freed the intermediates', () => {
    const x = sc.variable([[1, 2], [3, 4]]);
    const before = sc.memory();
    let y: sc.Tensor | null = null;
    const loss = sc.tidy(() => {
      y = x.mul(x); // intermediates, disposed at the end of tidy
      const z = y.exp().log(); // = y
      return z.mul(0.5).sum();
    });
    expect(y!.isDisposed).toBe(true);
    // alive: loss, and the graph's private handles on what backward needs (mul: x, x; exp: in, out; log: in, out)
    expect(sc.memory().tensors).toBe(before.tensors + 1 + 6);
    loss.backward();
    // backward freed the graph: only loss and x.grad are new
    expect(sc.memory().tensors).toBe(before.tensors + 2);
    expect(arr(x.grad).map((v) => Math.round(v * 1e5) / 1e5)).toEqual([1, 2, 3, 4]);
    loss.dispose();
    x.dispose();
    expect(sc.memory().bytes).toBe(before.bytes - 16);
  });

  it('disposing the user handles of saved tensors does not break backward', () => {
    const [x, w] = sc.tidy(() => [sc.variable(sc.randn([1, 1, 4, 4], { seed: 12 })), sc.variable(sc.randn([1, 1, 2, 2], { seed: 13 }))]);
    const xd = x.detach();
    const loss = sc.tidy(() => sc.conv2d(x, w).sum());
    x.dispose(); // the graph keeps its own handle on x's storage
    loss.backward();
    // d(sum conv)/dw[a][b] = sum of the x window positions
    const xs = arr(xd);
    const want = [0, 1].flatMap((a) => [0, 1].map((b) => {
      let s = 0;
      for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) s += xs[(i + a) * 4 + (j + b)]!;
      return s;
    }));
    arr(w.grad).forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 5));
    for (const t of [xd, w, loss]) t.dispose();
  });

  it('a disposed leaf simply receives no gradient', () => {
    const x = sc.variable([1, 2]);
    const y = sc.variable([3, 4]);
    const loss = sc.tidy(() => x.mul(y).sum());
    x.dispose();
    loss.backward();
    expect(x.grad).toBeNull();
    expect(arr(y.grad)).toEqual([1, 2]);
    y.dispose();
    loss.dispose();
  });

  it('a backward that throws frees its temporaries', () => {
    const x = sc.variable([1, 2]);
    const loss = sc.tidy(() => x.exp().mul(x).sum());
    sc.noGrad(() => x.set([0], 5));
    const before = sc.memory();
    expect(() => loss.backward()).toThrow(sc.AutogradError);
    expect(sc.memory().tensors).toBe(before.tensors);
    expect(sc.memory().bytes).toBe(before.bytes);
    loss.dispose();
    x.dispose();
  });
});

// ---- graph lifetime and gradient ownership -------------------------------------------------------
describe('graph lifetime', () => {
  it('disposing the output of a graph that is never backwarded frees its saved tensors', () => {
    const [w, x] = sc.tidy(() => [sc.variable(sc.randn([4, 2, 3, 3], { seed: 20 })), sc.randn([1, 2, 16, 16], { seed: 21 })]);
    const before = sc.memory();
    // e.g. a validation loss computed without noGrad: the output is disposed, backward never runs
    for (let i = 0; i < 3; i++) sc.tidy(() => sc.conv2d(x, w).relu().sum().item());
    const after = sc.memory();
    w.dispose();
    x.dispose();
    expect(after.tensors).toBe(before.tensors);
    expect(after.bytes).toBe(before.bytes);
  });

  it('x.grad does not alias the gradient tensor passed to backward()', () => {
    sc.tidy(() => {
      const x = sc.variable([1, 2, 3]);
      const G = sc.tensor([1, 1, 1]);
      x.add(1).backward(G);
      G.set([0], 100); // the caller reuses its buffer
      const g = arr(x.grad);
      x.zeroGrad();
      expect(g).toEqual([1, 1, 1]);
    });
  });
});
