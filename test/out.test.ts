// The `out` option of corr2d, convolve2d, conv2d, conv2dGradInput and conv2dGradWeight: the
// result is written into the caller's tensor (bitwise what the allocating call returns), nothing is
// allocated in steady state (memory() and the heap's allocation calls unchanged over 1000 calls),
// and a bad `out` (not a tensor, disposed, wrong shape, sharing memory with an input, tracked by
// autograd, or given while an input requires grad) throws the matching SimdconvError before
// anything is written: no tensor leaks and `out` keeps its values. Also: tensors register with the
// garbage-collection safety net in batches, and a dropped tensor is still reclaimed.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as sc from '../src/index.js';
import { heap } from '../src/wasm/runtime.js';
import { setKernelVariant, type KernelVariant } from '../src/wasm/kernels.js';
import { randArray } from './helpers/random.js';

beforeAll(async () => {
  await sc.init();
});
afterAll(() => setKernelVariant('simd'));

type Call = (out?: sc.Tensor) => sc.Tensor;

interface OutCase {
  name: string;
  /** Makes the inputs (kept across calls) and returns the call. */
  make: () => { call: Call; inputs: sc.Tensor[] };
}

const rnd = (shape: number[], seed: number): sc.Tensor => sc.tensor(randArray(shape.reduce((a, b) => a * b, 1), seed), shape);

/** One case per op and path: the lesson shapes, the direct per-channel kernels, GEMM, NHWC, bias, mode. */
const CASES: OutCase[] = [
  { name: 'corr2d 6x8 * 1x2', make: () => {
    const X = rnd([6, 8], 1), K = sc.tensor([[1, -1]]);
    return { call: (out) => sc.corr2d(X, K, { out }), inputs: [X, K] };
  } },
  { name: 'convolve2d 9x13 * 3x3', make: () => {
    const X = rnd([9, 13], 2), K = rnd([3, 3], 3);
    return { call: (out) => sc.convolve2d(X, K, { out }), inputs: [X, K] };
  } },
  { name: 'conv2d lesson 1x1x6x8 * 1x1x1x2', make: () => {
    const x = rnd([1, 1, 6, 8], 4), w = sc.tensor([1, -1], [1, 1, 1, 2]);
    return { call: (out) => sc.conv2d(x, w, { out }), inputs: [x, w] };
  } },
  { name: 'conv2d depthwise 2x3x11x17 same, bias, convolution', make: () => {
    const x = rnd([2, 3, 11, 17], 5), w = rnd([3, 1, 3, 3], 6), b = rnd([3], 7);
    return { call: (out) => sc.conv2d(x, w, { padding: 'same', groups: 3, bias: b, mode: 'convolution', out }), inputs: [x, w, b] };
  } },
  { name: 'conv2d GEMM 2x4x9x9 stride 2 pad 1', make: () => {
    const x = rnd([2, 4, 9, 9], 8), w = rnd([5, 4, 3, 3], 9);
    return { call: (out) => sc.conv2d(x, w, { stride: 2, padding: 1, out }), inputs: [x, w] };
  } },
  { name: 'conv2d NHWC unbatched 7x7x3', make: () => {
    const x = rnd([7, 7, 3], 10), w = rnd([4, 3, 2, 2], 11);
    return { call: (out) => sc.conv2d(x, w, { layout: 'NHWC', out }), inputs: [x, w] };
  } },
  { name: 'conv2dGradInput lesson', make: () => {
    const dy = rnd([1, 1, 6, 7], 12), w = sc.tensor([1, -1], [1, 1, 1, 2]);
    return { call: (out) => sc.conv2dGradInput(dy, w, [1, 1, 6, 8], { out }), inputs: [dy, w] };
  } },
  { name: 'conv2dGradInput single channel 20x23 5x5 pad [[1,3],[0,2]]', make: () => {
    const dy = rnd([1, 1, 20, 21], 13), w = rnd([1, 1, 5, 5], 14);
    return { call: (out) => sc.conv2dGradInput(dy, w, [1, 1, 20, 23], { padding: [[1, 3], [0, 2]], out }), inputs: [dy, w] };
  } },
  { name: 'conv2dGradInput GEMM 2x3x8x8 -> 4 channels', make: () => {
    const dy = rnd([2, 4, 6, 6], 15), w = rnd([4, 3, 3, 3], 16);
    return { call: (out) => sc.conv2dGradInput(dy, w, [2, 3, 8, 8], { out }), inputs: [dy, w] };
  } },
  { name: 'conv2dGradWeight lesson', make: () => {
    const x = rnd([1, 1, 6, 8], 17), dy = rnd([1, 1, 6, 7], 18);
    return { call: (out) => sc.conv2dGradWeight(x, dy, [1, 1, 1, 2], { out }), inputs: [x, dy] };
  } },
  { name: 'conv2dGradWeight depthwise batch 3, convolution, same', make: () => {
    const x = rnd([3, 2, 10, 19], 19), dy = rnd([3, 2, 10, 19], 20);
    return { call: (out) => sc.conv2dGradWeight(x, dy, [2, 1, 3, 3], { groups: 2, padding: 'same', mode: 'convolution', out }), inputs: [x, dy] };
  } },
  { name: 'conv2dGradWeight GEMM NHWC', make: () => {
    const x = rnd([2, 6, 6, 3], 21), dy = rnd([2, 5, 5, 4], 22);
    return { call: (out) => sc.conv2dGradWeight(x, dy, [4, 3, 2, 2], { layout: 'NHWC', out }), inputs: [x, dy] };
  } },
];

/** The same f32 bits. */
function sameBits(a: Float32Array, b: Float32Array): boolean {
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length), ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  return ua.length === ub.length && ua.every((v, i) => v === ub[i]);
}

/** Counts the heap's allocation calls while `fn` runs. */
function countAllocs(fn: () => void): number {
  const h = heap('test');
  const alloc = h.alloc;
  let n = 0;
  h.alloc = function (this: typeof h, ...args: Parameters<typeof alloc>) {
    n++;
    return alloc.apply(this, args);
  };
  try {
    fn();
  } finally {
    h.alloc = alloc;
  }
  return n;
}

for (const variant of ['simd', 'scalar'] as KernelVariant[]) {
  describe(`out (${variant})`, () => {
    beforeAll(() => setKernelVariant(variant));

    it.each(CASES)('$name: writes the result into out, bitwise, and returns it', ({ make }) => {
      sc.tidy(() => {
        const { call } = make();
        const want = call();
        const out = sc.full(want.shape, 12345);
        const got = call(out);
        expect(got).toBe(out);
        expect(out.shape).toEqual(want.shape);
        expect(sameBits(out.data(), want.data()), 'out holds the allocating call\'s result').toBe(true);
      });
    });
  });
}

describe('out: nothing is allocated in steady state', () => {
  it.each(CASES)('$name: 1000 calls leave memory() and the heap unchanged, with no allocation call', ({ make }) => {
    sc.tidy(() => {
      const { call } = make();
      const out = sc.zerosLike(call());
      for (let i = 0; i < 3; i++) call(out); // scratch blocks reach their size
      const before = sc.memory();
      const heapBefore = heap('test').stats();
      const allocs = countAllocs(() => {
        for (let i = 0; i < 1000; i++) call(out);
      });
      expect(allocs, 'heap allocation calls').toBe(0);
      expect(sc.memory()).toEqual(before);
      expect(heap('test').stats()).toEqual(heapBefore);
    });
  });

  it('the counter sees allocations: an allocating call whose result is too large to recycle allocates every time', () => {
    sc.tidy(() => {
      const X = rnd([40, 41], 1), K = sc.tensor([[1, -1]]); // a 40x40 result: 6400 bytes
      expect(countAllocs(() => {
        for (let i = 0; i < 10; i++) sc.corr2d(X, K).dispose();
      })).toBe(10);
    });
  });
});

describe('out: bad out tensors', () => {
  /** Runs `f`, expecting `cls` about argument 'out' of `op`; checks nothing leaked and `keep` is unchanged. */
  function expectBad(f: () => unknown, cls: new (...a: never[]) => sc.SimdconvError, op: string, keep: sc.Tensor | null, got?: RegExp): void {
    const before = sc.memory().tensors;
    const kept = keep && !keep.isDisposed ? keep.data() : null;
    let err: unknown = null;
    try {
      f();
    } catch (e) {
      err = e;
    }
    expect(err, 'throws').toBeInstanceOf(cls);
    const e = err as sc.SimdconvError;
    expect(e.op).toBe(op);
    expect(e.argument).toBe('out');
    expect(e.message.startsWith(`${op}:`), e.message).toBe(true);
    if (got) expect(e.got).toMatch(got);
    expect(sc.memory().tensors, 'no tensor leaked').toBe(before);
    if (kept) expect(keep!.data(), 'out unchanged').toEqual(kept);
  }

  it('not a tensor: ArgumentError', () => {
    sc.tidy(() => {
      const X = rnd([6, 8], 1), K = sc.tensor([[1, -1]]);
      const x4 = X.reshape([1, 1, 6, 8]), w4 = K.reshape([1, 1, 1, 2]);
      expectBad(() => sc.corr2d(X, K, { out: new Float32Array(42) as never }), sc.ArgumentError, 'corr2d', null);
      expectBad(() => sc.conv2d(x4, w4, { out: [[1]] as never }), sc.ArgumentError, 'conv2d', null);
    });
  });

  it('disposed: DisposedTensorError', () => {
    sc.tidy(() => {
      const X = rnd([6, 8], 1), K = sc.tensor([[1, -1]]);
      const dead = sc.zeros([6, 7]);
      dead.dispose();
      expectBad(() => sc.corr2d(X, K, { out: dead }), sc.DisposedTensorError, 'corr2d', null);
      const deadW = sc.zeros([1, 1, 1, 2]);
      deadW.dispose();
      const x4 = X.reshape([1, 1, 6, 8]), dy = sc.ones([1, 1, 6, 7]);
      expectBad(() => sc.conv2dGradWeight(x4, dy, [1, 1, 1, 2], { out: deadW }), sc.DisposedTensorError, 'conv2dGradWeight', null);
    });
  });

  it('wrong shape (size, rank or order): ShapeError naming the result\'s shape', () => {
    sc.tidy(() => {
      const X = rnd([6, 8], 1), K = sc.tensor([[1, -1]]);
      const x4 = X.reshape([1, 1, 6, 8]), w4 = K.reshape([1, 1, 1, 2]), dy = sc.ones([1, 1, 6, 7]);
      for (const bad of [[6, 8], [7, 6], [1, 6, 7], [42]]) {
        const out = sc.zeros(bad);
        expectBad(() => sc.corr2d(X, K, { out }), sc.ShapeError, 'corr2d', out, /shape/);
      }
      for (const bad of [[1, 1, 6, 8], [6, 7], [1, 6, 7, 1], [2, 1, 6, 7]]) {
        const out = sc.zeros(bad);
        expectBad(() => sc.conv2d(x4, w4, { out }), sc.ShapeError, 'conv2d', out);
      }
      for (const bad of [[1, 1, 6, 7], [1, 6, 8], [1, 1, 8, 6]]) {
        const out = sc.zeros(bad);
        expectBad(() => sc.conv2dGradInput(dy, w4, [1, 1, 6, 8], { out }), sc.ShapeError, 'conv2dGradInput', out);
      }
      for (const bad of [[1, 2], [1, 1, 2, 1], [2, 1, 1, 1]]) {
        const out = sc.zeros(bad);
        expectBad(() => sc.conv2dGradWeight(x4, dy, [1, 1, 1, 2], { out }), sc.ShapeError, 'conv2dGradWeight', out);
      }
      const e = (() => {
        try {
          sc.corr2d(X, K, { out: sc.zeros([6, 8]) });
        } catch (err) {
          return err as sc.SimdconvError;
        }
        return null;
      })();
      expect(e?.expected).toMatch(/\[6, 7\]/);
    });
  });

  it('sharing memory with an input (the input itself or a view of it): ArgumentError', () => {
    sc.tidy(() => {
      const x4 = sc.ones([1, 1, 5, 5]), w4 = sc.ones([1, 1, 1, 1]), b = sc.ones([1]);
      const view = x4.reshape([1, 1, 5, 5]), detached = x4.detach();
      expectBad(() => sc.conv2d(x4, w4, { out: x4 }), sc.ArgumentError, 'conv2d', x4, /'x'/);
      expectBad(() => sc.conv2d(x4, w4, { out: view }), sc.ArgumentError, 'conv2d', x4, /'x'/);
      expectBad(() => sc.conv2d(x4, w4, { bias: b, out: detached }), sc.ArgumentError, 'conv2d', x4, /'x'/);
      const X7 = rnd([6, 7], 3), K11 = sc.ones([1, 1]);
      expectBad(() => sc.corr2d(X7, K11, { out: X7 }), sc.ArgumentError, 'corr2d', X7, /'X'/);
      const K = sc.ones([2, 2]), X3 = rnd([3, 3], 4);
      expectBad(() => sc.corr2d(X3, K, { out: K }), sc.ArgumentError, 'corr2d', K, /'K'/);
      const dy = sc.ones([1, 1, 5, 5]);
      expectBad(() => sc.conv2dGradInput(dy, w4, [1, 1, 5, 5], { out: dy }), sc.ArgumentError, 'conv2dGradInput', dy, /'dy'/);
      const x1 = sc.ones([1, 1, 1, 1]), dy1 = sc.ones([1, 1, 1, 1]), x1view = x1.reshape([1, 1, 1, 1]);
      expectBad(() => sc.conv2dGradWeight(x1, dy1, [1, 1, 1, 1], { out: dy1 }), sc.ArgumentError, 'conv2dGradWeight', dy1, /'dy'/);
      expectBad(() => sc.conv2dGradWeight(x1, dy1, [1, 1, 1, 1], { out: x1view }), sc.ArgumentError, 'conv2dGradWeight', x1, /'x'/);
    });
  });

  it('tracked by autograd (a leaf that requires grad, or an op\'s output) while recording: AutogradError; under noGrad it is written', () => {
    sc.tidy(() => {
      const X = rnd([6, 8], 1), K = sc.tensor([[1, -1]]);
      const leaf = sc.variable(sc.zeros([6, 7]));
      expectBad(() => sc.corr2d(X, K, { out: leaf }), sc.AutogradError, 'corr2d', leaf, /requires grad/);
      const computed = sc.variable(sc.ones([6, 7])).mul(2);
      expectBad(() => sc.corr2d(X, K, { out: computed }), sc.AutogradError, 'corr2d', computed, /recorded op/);
      sc.noGrad(() => sc.corr2d(X, K, { out: leaf }));
      expect(leaf.data()).toEqual(sc.corr2d(X, K).data());
    });
  });

  it('an input that requires grad: AutogradError (out results are not recorded); fine under noGrad', () => {
    sc.tidy(() => {
      const x = sc.variable(rnd([1, 1, 6, 8], 2)), w = sc.tensor([1, -1], [1, 1, 1, 2]);
      const out = sc.zeros([1, 1, 6, 7]);
      expectBad(() => sc.conv2d(x, w, { out }), sc.AutogradError, 'conv2d', out, /require grad/);
      const b = sc.variable([0.5]), xd = x.detach();
      expectBad(() => sc.conv2d(xd, w, { bias: b, out }), sc.AutogradError, 'conv2d', out);
      const Kv = sc.variable([[1, -1]]), X = rnd([6, 8], 3);
      const Y = sc.zeros([6, 7]);
      expectBad(() => sc.corr2d(X, Kv, { out: Y }), sc.AutogradError, 'corr2d', Y);
      const dx = sc.zeros([1, 1, 6, 8]), dy = sc.ones([1, 1, 6, 7]), wv = sc.variable(sc.ones([1, 1, 1, 2]));
      expectBad(() => sc.conv2dGradInput(dy, wv, [1, 1, 6, 8], { out: dx }), sc.AutogradError, 'conv2dGradInput', dx);
      const dw = sc.zeros([1, 1, 1, 2]);
      expectBad(() => sc.conv2dGradWeight(x, dy, [1, 1, 1, 2], { out: dw }), sc.AutogradError, 'conv2dGradWeight', dw);
      sc.noGrad(() => sc.conv2d(x, w, { out }));
      expect(out.data()).toEqual(sc.noGrad(() => sc.conv2d(x, w)).data());
    });
  });

  it('bad corr2d options: ArgumentError', () => {
    sc.tidy(() => {
      const X = rnd([6, 8], 1), K = sc.tensor([[1, -1]]);
      for (const [opts, got] of [[{ outt: sc.zeros([6, 7]) }, /unknown option 'outt'/], [3, /3/], [[1], /\[1\]/]] as [unknown, RegExp][]) {
        let err: unknown = null;
        try {
          sc.corr2d(X, K, opts as never);
        } catch (e) {
          err = e;
        }
        expect(err).toBeInstanceOf(sc.ArgumentError);
        expect((err as sc.SimdconvError).argument).toBe('options');
        expect((err as sc.SimdconvError).got).toMatch(got);
      }
      expect(sc.corr2d(X, K, {}).shape).toEqual([6, 7]);
      expect(sc.corr2d(X, K, { out: null }).shape).toEqual([6, 7]);
    });
  });
});

describe('out: autograd sees the in-place write', () => {
  it('overwriting a tensor a graph saved makes its backward throw AutogradError', () => {
    sc.tidy(() => {
      const x = sc.variable(rnd([1, 1, 6, 8], 1));
      const w = sc.tensor([1, -1], [1, 1, 1, 2]);
      const loss = sc.conv2d(x, w).square().sum(); // saves x and w
      sc.conv2dGradWeight(sc.ones([1, 1, 6, 8]), sc.ones([1, 1, 6, 7]), [1, 1, 1, 2], { out: w });
      expect(() => loss.backward()).toThrow(sc.AutogradError);
    });
  });
});

describe('allocation: the garbage-collection safety net with batched registration', () => {
  it('tensors dropped without dispose() (a batch and more in one job, a few in another) are reclaimed by the GC', () => {
    const root = fileURLToPath(new URL('..', import.meta.url));
    const index = new URL('../src/index.ts', import.meta.url).href;
    const script = `
      const sc = await import(${JSON.stringify(index)});
      await sc.init();
      const before = sc.memory();
      // Held until counted (a GC the load brings on early must not reclaim them first), then dropped.
      let held = [];
      const drop = (n) => { for (let i = 0; i < n; i++) held.push(sc.zeros([1000])); };
      drop(300);
      await new Promise((r) => setTimeout(r, 0));
      drop(5);
      await new Promise((r) => setTimeout(r, 0));
      const live = sc.memory().tensors - before.tensors;
      held = null;
      for (let i = 0; i < 50 && sc.memory().tensors !== before.tensors; i++) {
        globalThis.gc();
        await new Promise((r) => setTimeout(r, 5));
      }
      const after = sc.memory();
      console.log(JSON.stringify({ live, tensors: after.tensors - before.tensors, bytes: after.bytes - before.bytes }));`;
    const out = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', '--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' });
    expect(JSON.parse(out.trim().split('\n').pop()!)).toEqual({ live: 305, tensors: 0, bytes: 0 });
  });

  it('a tensor disposed in the job that made it never reaches the registry; one still alive when the job ends does', async () => {
    const t = sc.zeros([3]);
    const u = sc.zeros([3]);
    u.dispose();
    await Promise.resolve();
    await new Promise((r) => setTimeout(r, 0));
    expect(t._registered).toBe(true);
    expect(u._registered).toBe(false);
    t.dispose();
  });
});
