// No leaks: thousands of training steps and create/op/dispose cycles (tidy, `using`, explicit
// dispose) leave the live tensors and their bytes where they started, and the WebAssembly memory
// stops growing after a warm-up. The allocator coalesces freed blocks, so random sizes over many
// cycles keep its free list short and the memory bounded.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import * as sc from '../src/index.js';
import { Heap } from '../src/wasm/memory.js';
import { heap } from '../src/wasm/runtime.js';
import { prng } from './helpers/random.js';

beforeAll(async () => {
  await sc.init();
});

/** Live tensors and bytes, and the linear memory's size. */
const snap = () => sc.memory();

/**
 * tensor.ts keeps up to 16 freed blocks of at most 1 KiB for reuse (not counted by memory()): the
 * allocator's bytes in use may differ by that much between two moments with the same tensors.
 */
const RECYCLED_BLOCKS = 16;
const RECYCLED_BYTES = RECYCLED_BLOCKS * 1024;

/** Runs `step` `warmup` times, then `n` times, and checks nothing accumulates and the memory stopped growing. */
function expectSteady(label: string, step: (i: number) => void, n: number, warmup = 50): void {
  for (let i = 0; i < warmup; i++) step(i);
  const start = snap();
  const startHeap = heap('test').stats();
  for (let i = 0; i < n; i++) step(warmup + i);
  const end = snap();
  expect(end.tensors, `${label}: live tensors`).toBe(start.tensors);
  expect(end.bytes, `${label}: live bytes`).toBe(start.bytes);
  expect(end.wasmBytes, `${label}: WebAssembly memory grew after the warm-up`).toBe(start.wasmBytes);
  expect(Math.abs(heap('test').stats().usedBytes - startHeap.usedBytes), `${label}: allocator bytes in use (tensors, scratch, recycled blocks)`)
    .toBeLessThanOrEqual(RECYCLED_BYTES);
}

describe('training loops', () => {
  const data = () => ({ x: sc.randn([2, 3, 8, 8], { seed: 1 }), y: sc.randn([2, 4, 8, 8], { seed: 2 }) });

  it.each([
    ['SGD with momentum', (m: sc.nn.Conv2d) => new sc.optim.SGD(m, { lr: 0.01, momentum: 0.9 })],
    ['Adam', (m: sc.nn.Conv2d) => new sc.optim.Adam(m, { lr: 1e-3 })],
  ] as const)('2000 steps of nn.Conv2d + mseLoss + %s (backward under tidy)', (_name, makeOpt) => {
    const m0 = snap();
    const { x, y } = data();
    const layer = new sc.nn.Conv2d({ outChannels: 4, kernelSize: 3, padding: 1, seed: 3 });
    const opt = makeOpt(layer);
    let first = NaN, last = NaN;
    expectSteady('training', (i) => {
      opt.zeroGrad();
      const loss = sc.tidy(() => {
        const l = sc.nn.mseLoss(layer.forward(x), y);
        l.backward();
        return l.item();
      });
      opt.step();
      if (i === 0) first = loss;
      last = loss;
    }, 2000);
    expect(last).toBeLessThan(first); // it trained
    opt.dispose();
    layer.dispose();
    x.dispose();
    y.dispose();
    expect(snap()).toMatchObject({ tensors: m0.tensors, bytes: m0.bytes });
  });

  it("1000 steps of the lesson's loop allocate nothing in steady state: tensors, bytes, the allocator's blocks and the memory unchanged", () => {
    const m0 = snap();
    const X = sc.ones([1, 1, 6, 8]).set([null, null, null, [2, 6]], 0);
    const K = sc.tensor([[[[1, -1]]]]);
    const Y = sc.conv2d(X, K);
    const conv = new sc.nn.Conv2d({ outChannels: 1, kernelSize: [1, 2], bias: false, seed: 0 });
    const opt = new sc.optim.SGD(conv, { lr: 3e-2 });
    const step = () => {
      const l = sc.tidy(() => sc.nn.squaredError(conv.forward(X), Y).sum());
      conv.zeroGrad();
      l.backward();
      opt.step();
      l.dispose();
    };
    for (let i = 0; i < 50; i++) step();
    const start = snap();
    const h0 = heap('test').stats();
    for (let i = 0; i < 1000; i++) step();
    const h1 = heap('test').stats();
    expect(snap()).toEqual(start);
    expect({ usedBytes: h1.usedBytes, freeBlocks: h1.freeBlocks, top: h1.top }).toEqual({ usedBytes: h0.usedBytes, freeBlocks: h0.freeBlocks, top: h0.top });
    expect(Array.from(conv.weight.data(), (v) => Math.round(v * 1e3) / 1e3)).toEqual([1, -1]); // it learned the edge kernel
    conv.dispose();
    for (const t of [X, K, Y]) t.dispose();
    expect(snap()).toMatchObject({ tensors: m0.tensors, bytes: m0.bytes });
  });

  it('1000 epochs of fitSync (its own tidy per epoch), two layers, a graph that is never backwarded each epoch', () => {
    const m0 = snap();
    const { x, y } = data();
    const l1 = new sc.nn.Conv2d({ inChannels: 3, outChannels: 4, kernelSize: 3, padding: 'same', seed: 4 });
    const l2 = new sc.nn.Conv2d({ inChannels: 4, outChannels: 4, kernelSize: 1, seed: 5 });
    const opt = new sc.optim.SGD([...l1.parameters(), ...l2.parameters()], { lr: 0.01 });
    expectSteady('fitSync', () => {
      sc.fitSync({
        optimizer: opt, epochs: 1,
        loss: () => {
          sc.tidy(() => void l2.forward(l1.forward(x)).sum()); // recorded, never backwarded, disposed
          return sc.nn.mseLoss(l2.forward(l1.forward(x).relu()), y);
        },
      });
    }, 1000);
    opt.dispose();
    for (const t of [l1, l2, x, y]) t.dispose();
    expect(snap()).toMatchObject({ tensors: m0.tensors, bytes: m0.bytes });
  });
});

describe('create / op / dispose cycles', () => {
  /** A mix of ops over a random-size input, as a user writes them. */
  const work = (i: number, r: () => number) => {
    const n = 1 + Math.floor(r() * 40);
    const a = sc.randn([n, 5], { seed: i });
    const b = a.mul(2).add(sc.ones([5])).relu().sum(1);
    const c = sc.conv2d(a.reshape([1, 1, n, 5]), sc.ones([2, 1, 1, 2]), { padding: [1, 0] }).transpose([0, 1, 3, 2]).slice([0, [0, 1]]);
    return [a, b, c.flip(), c.mean(), a.T.exp().log()];
  };

  it('3000 cycles under tidy', () => {
    const r = prng(1);
    expectSteady('tidy', (i) => sc.tidy(() => void work(i, r)), 3000);
  });

  it('3000 cycles with explicit dispose of everything made', () => {
    const r = prng(3);
    expectSteady('explicit', (i) => {
      const n = 1 + Math.floor(r() * 40);
      const a = sc.randn([n, 5], { seed: i });
      const w = sc.ones([2, 1, 1, 2]);
      const a4 = a.reshape([1, 1, n, 5]);
      const y = sc.conv2d(a4, w, { padding: [1, 0] });
      const s = y.sum();
      const v = sc.variable(a);
      const sq = v.square();
      const g = sq.mean(); // a recorded graph, never backwarded: freed with its outputs
      for (const t of [a, w, a4, y, s, v, sq, g]) t.dispose();
    }, 3000);
  });

  it('3000 cycles with `using` (the transform really disposes, also when the block throws)', () => {
    const r = prng(4);
    let escaped: sc.Tensor | null = null;
    expectSteady('using', (i) => {
      using a = sc.randn([1 + Math.floor(r() * 40), 5], { seed: i });
      using b = a.mul(2);
      using w = sc.ones([1, 1, 1, 2]);
      using a4 = b.reshape([1, 1, b.shape[0]!, 5]);
      using y = sc.conv2d(a4, w);
      using s = y.sum();
      escaped = s;
      if (i % 3 === 0) {
        try {
          using t = sc.zeros([7]);
          escaped = t;
          throw new Error('inside a using block');
        } catch {
          expect(escaped!.isDisposed).toBe(true);
        }
      }
    }, 3000);
    expect(escaped!.isDisposed).toBe(true);
  });

  it('`using` disposes tensors and modules at the end of the block, last declared first', () => {
    const m0 = snap();
    const order: string[] = [];
    const noting = (name: string, t: sc.Tensor) => ({ t, [Symbol.dispose]: () => { order.push(`${name}:${t.isDisposed ? 'already disposed' : 'live'}`); } });
    let weight: sc.Tensor | null = null, a: sc.Tensor | null = null;
    {
      using layer = new sc.nn.Conv2d({ inChannels: 1, outChannels: 2, kernelSize: 2 });
      weight = layer.weight;
      using t = sc.ones([2]);
      a = t;
      using note = noting('note', t); // disposed before t (declared after it)
      expect([weight!.isDisposed, t.isDisposed, note.t === t]).toEqual([false, false, true]);
    }
    expect(order).toEqual(['note:live']);
    expect([weight!.isDisposed, a!.isDisposed]).toEqual([true, true]);
    expect(snap()).toMatchObject({ tensors: m0.tensors, bytes: m0.bytes });
  });
});

describe('fragmentation', () => {
  it('the live heap: random tensor sizes over many cycles keep the free list short and the memory bounded', () => {
    const r = prng(5);
    const live: sc.Tensor[] = [];
    const h = () => heap('test').stats();
    const m0 = snap();
    const base = h();
    let peakUsed = 0, maxTop = 0, maxFreeBlocks = 0;
    const cycle = () => {
      // allocate 1..4 tensors of 1..200000 floats (log-uniform), free a random half when over 40 live
      for (let k = 1 + Math.floor(r() * 4); k > 0; k--) live.push(sc.zeros([Math.ceil(Math.exp(r() * Math.log(200000)))]));
      if (live.length > 40) for (let k = live.length / 2; k > 0; k--) live.splice(Math.floor(r() * live.length), 1)[0]!.dispose();
      const s = h();
      peakUsed = Math.max(peakUsed, s.usedBytes);
      maxTop = Math.max(maxTop, s.top);
      maxFreeBlocks = Math.max(maxFreeBlocks, s.freeBlocks);
      // every free block lies between two used blocks (coalesced, none at the top): at most one
      // per used block (this test's tensors, the ones alive before it, the scratch slots)
      expect(s.freeBlocks).toBeLessThanOrEqual(live.length + m0.tensors + 6 + RECYCLED_BLOCKS);
      expect(s.freeBytes + s.usedBytes).toBe(s.top);
      expect(s.largestFree).toBeLessThanOrEqual(s.freeBytes);
    };
    for (let i = 0; i < 500; i++) cycle();
    const warm = h().wasmBytes;
    for (let i = 0; i < 3000; i++) cycle();
    expect(h().wasmBytes, 'memory grew after the warm-up').toBe(warm);
    // Measured with this seed: peak used 7.24 MB, peak top 7.60 MB (1.05x), at most 19 free
    // blocks, memory 7.3 MiB from cycle ~500 on. The bounds leave a margin; an allocator that did
    // not coalesce or reuse holes fails them.
    expect(maxTop).toBeLessThanOrEqual(2 * peakUsed);
    expect(maxFreeBlocks).toBeLessThanOrEqual(40);
    for (const t of live.splice(0)) t.dispose();
    expect(snap()).toMatchObject({ tensors: m0.tensors, bytes: m0.bytes });
    expect(Math.abs(h().usedBytes - base.usedBytes)).toBeLessThanOrEqual(RECYCLED_BYTES);
  });

  it('the allocator alone (fast-check): at most one free block per used block, accounting adds up, all memory comes back', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 2 ** 31 }), fc.integer({ min: 50, max: 400 }), (seed, cycles) => {
      const r = prng(seed);
      const h = new Heap(new WebAssembly.Memory({ initial: 1 }), 0);
      const live: [number, number][] = [];
      let liveBytes = 0;
      for (let i = 0; i < cycles; i++) {
        if (live.length > 0 && r() < 0.45) {
          const [p, s] = live.splice(Math.floor(r() * live.length), 1)[0]!;
          h.free(p, s);
          liveBytes -= Heap.blockSize(s);
        } else {
          const s = Math.ceil(Math.exp(r() * Math.log(100_000)));
          live.push([h.alloc(s), s]);
          liveBytes += Heap.blockSize(s);
        }
        const st = h.stats();
        expect(st.usedBytes).toBe(liveBytes);
        expect(st.freeBytes + st.usedBytes).toBe(st.top);
        expect(st.freeBlocks).toBeLessThanOrEqual(live.length);
        expect(st.largestFree).toBeLessThanOrEqual(st.freeBytes);
      }
      for (const [p, s] of live) h.free(p, s);
      expect(h.stats()).toMatchObject({ usedBytes: 0, freeBlocks: 0, freeBytes: 0, largestFree: 0, top: 0 });
    }), { numRuns: 60 });
  });
});
