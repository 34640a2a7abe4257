// Out of memory is an error, not a crash: a request the WebAssembly memory cannot grow to hold throws
// SimdconvOutOfMemoryError, changes nothing (no tensor made or leaked, no other tensor touched,
// the allocator and the memory as they were) and the library keeps working.
//
// Two ways to run out:
// - for real: sizes beyond what the memory can ever grow to (its maximum: 4 GiB, or 2 GiB for the
//   threads build), so nothing is actually allocated;
// - by fault injection: the heap's limit is lowered to the memory's current size (Heap.adopt with
//   the same memory) and the free space is filled, then exactly chosen amounts are freed again, so
//   an op finds room for some of its allocations (its output) but not the next (its scratch, the
//   optimizer's state, a gradient). That is where half-made results could leak.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as sc from '../src/index.js';
import { heap } from '../src/wasm/runtime.js';
import { Heap } from '../src/wasm/memory.js';

let witnesses: [sc.Tensor, Float32Array][] = [];
beforeAll(async () => {
  await sc.init();
  witnesses = [sc.randn([3, 5, 7], { seed: 1 }), sc.arange(100), sc.tensor([[1, -1]])].map((t) => [t, t.data()]);
});
afterAll(() => {
  for (const [t] of witnesses) t.dispose();
});

/** Live tensors, their bytes, the memory's size, and the allocator's bytes in use. */
function state() {
  return { ...sc.memory(), usedBytes: heap('test').stats().usedBytes };
}

/** Runs `fn` (outside any tidy scope, so a leaked tensor shows), expects SimdconvOutOfMemoryError and no change at all. */
function expectOom(fn: () => unknown, op: RegExp = /./): void {
  const before = state();
  let err: unknown = null;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(sc.SimdconvOutOfMemoryError);
  const e = err as sc.SimdconvOutOfMemoryError;
  expect(e.message).toMatch(op);
  expect(e.message).toMatch(/out of memory|at most/);
  const after = state();
  expect({ ...after, usedBytes: 0 }, 'nothing made, leaked or grown').toEqual({ ...before, usedBytes: 0 });
  // The allocator holds no more than before (it may hold less: running out of memory first hands
  // the blocks tensor.ts keeps for reuse back to the heap).
  expect(after.usedBytes).toBeLessThanOrEqual(before.usedBytes);
  for (const [t, data] of witnesses) expect(t.data()).toEqual(data);
}

/** The library still computes correctly. */
function expectWorking(): void {
  sc.tidy(() => {
    expect(sc.corr2d(sc.tensor([[0, 1, 2], [3, 4, 5], [6, 7, 8]]), sc.tensor([[0, 1], [2, 3]])).toArray()).toEqual([[19, 25], [37, 43]]);
    expect(sc.conv2d(sc.ones([1, 2, 4, 4]), sc.ones([3, 2, 3, 3]), { padding: 1 }).sum().item()).toBe(3 * 2 * (4 * 4 + 8 * 6 + 4 * 9));
  });
}

describe('requests beyond the maximum memory (nothing is allocated)', () => {
  const max = () => heap('test').stats().maxBytes;

  it('the maximum is what wasm32 allows (4 GiB) for the single-thread build', () => {
    expect(max()).toBe(2 ** 32);
  });

  it('tensor creation', () => {
    // above the maximum, just below it (the memory cannot grow that far with what is in use), and a size overflowing 2^32 bytes
    expectOom(() => sc.zeros([max() / 4 + 4]), /zeros/);
    expectOom(() => sc.zeros([max() / 4 - 4]), /zeros/);
    expectOom(() => sc.ones([2 ** 16, 2 ** 16]), /ones/);
    expectOom(() => sc.randn([max() / 8, 2], { seed: 1 }), /randn/);
    expectOom(() => sc.arange(max() / 4), /arange/);
    expectOom(() => sc.full([3, max() / 8], 1), /full/);
    expectWorking();
  });

  it('op outputs: conv2d, broadcasting, matmul, im2col, toeplitz', () => {
    const one = sc.ones([1, 1, 1, 1]);
    expectOom(() => sc.conv2d(one, one, { padding: 40000 }), /conv2d/);
    // an output of just under 4 GiB: fits the limit, not the memory next to what is in use
    expectOom(() => sc.conv2d(one, one, { padding: [[32767, 32767], [16383, 16383]] }), /conv2d/);
    expectOom(() => sc.conv2dGradInput(one, one, [1, 1, 65536, 32768], { stride: [65536, 32768] }), /conv2dGradInput/);
    const col = sc.zeros([65536, 1]), row = sc.zeros([1, 65536]);
    expectOom(() => sc.add(col, row), /add/);
    expectOom(() => sc.matmul(col, row), /matmul/);
    const img = sc.ones([1, 1, 8, 8]), k = sc.ones([1, 1]);
    expectOom(() => sc.im2col(img, 1, { padding: 40000 }), /im2col/);
    expectOom(() => sc.toeplitz(k, [65536, 65536]), /toeplitz/);
    for (const t of [one, col, row, img, k]) t.dispose();
    expectWorking();
  });

  it('scratch: a conv whose output fits but whose im2col columns (5 GB) cannot', () => {
    // The filter gradient of [1, 4, 464, 464] * [1, 4, 64, 64] at column stride 2: dy 401 x 201
    // (322 kB), dw 64 kB, columns 16384 x 80601 floats (the forward packs its columns panel by
    // panel and needs no such block; at column stride 1 the weight gradient needs none either)
    const x = sc.ones([1, 4, 464, 464]), dy = sc.ones([1, 1, 401, 201]);
    expectOom(() => sc.conv2dGradWeight(x, dy, [1, 4, 64, 64], { stride: [1, 2] }), /conv2dGradWeight/);
    x.dispose();
    dy.dispose();
    expectWorking();
  });
});

describe('fault injection: the memory is full', () => {
  const h = () => heap('test');
  let maxPages = 0;
  const fillers: sc.Tensor[] = [];
  let baseline = { tensors: 0, bytes: 0 };

  /** Frees every filler, lowers the heap's limit to the memory's size, and fills every free byte with tensors. */
  function fill(): void {
    for (const t of fillers.splice(0)) t.dispose();
    h().adopt(h().memory, h().memory.buffer.byteLength / 65536);
    for (let n = 1 << 26; n >= 1; n >>= 1) {
      for (;;) {
        try {
          fillers.push(sc.zeros([n]));
        } catch (e) {
          expect(e).toBeInstanceOf(sc.SimdconvOutOfMemoryError);
          break;
        }
      }
    }
    expect(h().stats().largestFree, 'no free block left').toBe(0);
    expect(h().stats().topFree).toBeLessThan(16);
  }

  /** Frees the smallest filler whose block holds `bytes`: room for that request, and less than double. */
  function makeRoom(bytes: number): void {
    const need = Heap.blockSize(bytes);
    let best = -1;
    fillers.forEach((t, i) => {
      if (Heap.blockSize(t.size * 4) >= need && (best < 0 || t.size < fillers[best]!.size)) best = i;
    });
    expect(best, `a filler of at least ${need} bytes`).toBeGreaterThanOrEqual(0);
    fillers.splice(best, 1)[0]!.dispose();
  }

  beforeAll(() => {
    maxPages = h().stats().maxBytes / 65536;
    // Small jobs first, so the scratch slots exist and are small.
    sc.tidy(() => sc.conv2d(sc.ones([1, 2, 3, 3]), sc.ones([1, 2, 2, 2])).sum());
    baseline = sc.memory();
  });
  /** Frees the fillers and gives the heap its limit back. */
  function release(): void {
    for (const t of fillers.splice(0)) t.dispose();
    h().adopt(h().memory, maxPages);
  }
  afterEach(release);

  it('creation and op outputs fail cleanly when the memory is full', () => {
    const x = sc.ones([3]), col = x.reshape([3, 1]);
    fill();
    expectOom(() => sc.zeros([4]), /zeros/);
    expectOom(() => sc.tensor([1, 2, 3]), /tensor/);
    expectOom(() => x.add(1), /add/);
    expectOom(() => x.mul(x), /mul/);
    expectOom(() => col.transpose(), /transpose/);
    expectOom(() => sc.randn([2], { seed: 3 }), /randn/);
    expectOom(() => x.sum(), /sum/);
    expectOom(() => x.clone(), /clone/);
    expectOom(() => sc.variable(x), /variable/);
    x.dispose();
    col.dispose();
  });

  // [1, 64, 12, 12] * [4, 64, 3, 3] -> [1, 4, 10, 10]: outputs of 1600 (y), 9216 (dw) and 36864
  // (dx) bytes; the im2col columns need 576 x 100 floats (230400 bytes) of scratch, far more than
  // the room made (less than twice the output) and than any scratch this file ever allocated.
  // (The NCHW forward packs its columns panel by panel: it needs no column block; nor does the
  // NCHW weight gradient at column stride 1, so that one runs at column stride 2: dy
  // [1, 4, 10, 5], 576 x 50 floats of columns.)
  it.each([
    ['conv2d', 'NHWC', 1600, (x: sc.Tensor, w: sc.Tensor) => sc.conv2d(x, w, { layout: 'NHWC' })],
    ['conv2dGradWeight', 'NCHW', 9216, (x: sc.Tensor, _w: sc.Tensor, _dy: sc.Tensor, dy2: sc.Tensor) => sc.conv2dGradWeight(x, dy2, [4, 64, 3, 3], { stride: [1, 2] })],
    ['conv2dGradInput', 'NCHW', 36864, (_x: sc.Tensor, w: sc.Tensor, dy: sc.Tensor) => sc.conv2dGradInput(dy, w, [1, 64, 12, 12])],
  ] as const)('%s %s: room for the %d-byte output but not for the im2col scratch leaves nothing behind', (op, layout, bytes, run) => {
    const x = sc.ones(layout === 'NHWC' ? [1, 12, 12, 64] : [1, 64, 12, 12]), w = sc.ones([4, 64, 3, 3]), dy = sc.ones([1, 4, 10, 10]);
    const dy2 = sc.ones([1, 4, 10, 5]);
    try {
      fill();
      makeRoom(bytes);
      expectOom(() => run(x, w, dy, dy2), new RegExp(op));
    } finally {
      for (const t of [x, w, dy, dy2]) t.dispose();
    }
  });

  it('an optimizer step that cannot allocate its state changes no parameter (all or nothing)', () => {
    const a = sc.variable(new Float32Array(64).fill(1), [64]), b = sc.variable(new Float32Array(64).fill(2), [64]);
    a.grad = sc.ones([64]);
    b.grad = sc.ones([64]);
    const opt = new sc.optim.Adam([a, b], { lr: 0.1 });
    fill();
    expect(() => opt.step()).toThrow(sc.SimdconvOutOfMemoryError);
    // room for a's two state tensors (2 x 256 bytes) but not b's
    makeRoom(512);
    expect(() => opt.step()).toThrow(sc.SimdconvOutOfMemoryError);
    expect(Array.from(a.data())).toEqual(new Array(64).fill(1));
    expect(Array.from(b.data())).toEqual(new Array(64).fill(2));
    expect(opt.steps).toBe(0);
    opt.dispose();
    for (const t of [a, b]) t.dispose();
  });

  it('backward that cannot allocate a gradient leaves every .grad as it was', () => {
    const a = sc.variable(new Float32Array(100).fill(2), [100]), b = sc.variable(new Float32Array(100).fill(3), [100]);
    a.grad = sc.full([100], 7);
    const product = a.mul(b);
    const loss = product.sum();
    fill();
    // room for the seed and the sum's gradient (16 + 400 bytes), not for the products' (2 x 400)
    makeRoom(512);
    const before = state();
    expect(() => loss.backward()).toThrow(sc.SimdconvOutOfMemoryError);
    expect(Array.from(a.grad!.data())).toEqual(new Array(100).fill(7));
    expect(b.grad).toBeNull();
    expect(state().tensors).toBe(before.tensors);
    for (const t of [loss, product, a, b]) t.dispose();
  });

  it('loadStateDict into a lazy module that cannot allocate its weight leaves the module lazy', () => {
    const c = new sc.nn.Conv2d({ outChannels: 2, kernelSize: 3, bias: false });
    fill();
    expectOom(() => c.loadStateDict({ weight: { shape: [2, 1, 3, 3], data: new Float32Array(18) } }), /tensor/);
    expect(() => c.weight).toThrow(sc.SimdconvError);
    expect(c.hasLazyParameters).toBe(true);
    c.dispose();
  });

  it('after the memory is given back, everything works and nothing leaked', () => {
    expect(h().stats().maxBytes).toBe(maxPages * 65536);
    expect(sc.memory()).toMatchObject({ tensors: baseline.tensors, bytes: baseline.bytes });
    expectWorking();
    for (const [t, data] of witnesses) expect(t.data()).toEqual(data);
  });
});
