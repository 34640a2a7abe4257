// Memory: the allocator, growth (no stale views), dispose / using / tidy, memory() accounting.
import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as sc from '../src/index.js';
import { Heap } from '../src/wasm/memory.js';

beforeAll(async () => {
  await sc.init();
});

describe('Heap (the allocator)', () => {
  it('aligns to 16 bytes, reuses freed blocks and coalesces neighbours', () => {
    const h = new Heap(new WebAssembly.Memory({ initial: 1 }), 1000);
    const a = h.alloc(10), b = h.alloc(100), c = h.alloc(33);
    for (const p of [a, b, c]) expect(p % 16).toBe(0);
    expect(b - a).toBe(16);
    h.free(b, 100);
    expect(h.alloc(50)).toBe(b); // first fit reuses the hole
    h.free(a, 10);
    h.free(b, 50);
    expect(h.stats().freeBlocks).toBe(1); // a and the re-used part of b merged (the rest of b is a hole)
    h.free(c, 33);
    expect(h.stats()).toMatchObject({ usedBytes: 0, freeBlocks: 0, top: 0 });
  });

  it('stays unfragmented under random alloc/free (property)', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.integer({ min: 1, max: 5000 }), fc.boolean()), { minLength: 1, maxLength: 200 }), (ops) => {
      const h = new Heap(new WebAssembly.Memory({ initial: 1 }), 1024);
      const live: [number, number][] = [];
      for (const [size, freeOne] of ops) {
        if (freeOne && live.length > 0) {
          const [p, s] = live.splice(size % live.length, 1)[0]!;
          h.free(p, s);
        } else {
          const p = h.alloc(size);
          // no overlap with any live block
          for (const [q, s] of live) expect(p + Heap.blockSize(size) <= q || q + Heap.blockSize(s) <= p).toBe(true);
          live.push([p, size]);
        }
      }
      for (const [p, s] of live) h.free(p, s);
      expect(h.stats()).toMatchObject({ usedBytes: 0, freeBlocks: 0, top: 0 });
    }));
  });

  it('stats: free blocks (count, bytes, largest), top, room above the top, memory size and maximum', () => {
    const mem = new WebAssembly.Memory({ initial: 1, maximum: 8 });
    const h = new Heap(mem, 64, 8);
    const blocks = [100, 200, 300, 400, 500].map((n) => [h.alloc(n), n] as const);
    h.free(blocks[1]![0], 200);
    h.free(blocks[3]![0], 400);
    expect(h.stats()).toEqual({
      usedBytes: 112 + 304 + 512, freeBlocks: 2, freeBytes: 208 + 400, largestFree: 400,
      top: 112 + 208 + 304 + 400 + 512, topFree: 65536 - 64 - (112 + 208 + 304 + 400 + 512), wasmBytes: 65536, maxBytes: 8 * 65536,
    });
    h.free(blocks[2]![0], 300); // merges with both neighbours into one block
    expect(h.stats()).toMatchObject({ freeBlocks: 1, freeBytes: 208 + 304 + 400, largestFree: 208 + 304 + 400 });
    h.free(blocks[4]![0], 500); // touches the top: the top comes down past the merged block
    expect(h.stats()).toMatchObject({ freeBlocks: 0, freeBytes: 0, largestFree: 0, top: 112 });
  });

  it('throws SimdconvOutOfMemoryError past its maximum and keeps working', () => {
    const mem = new WebAssembly.Memory({ initial: 1, maximum: 4 });
    const h = new Heap(mem, 0, 4);
    const a = h.alloc(100_000);
    new Float32Array(mem.buffer, a, 4).set([1, 2, 3, 4]);
    expect(() => h.alloc(300_000)).toThrow(sc.SimdconvOutOfMemoryError);
    expect(Array.from(new Float32Array(mem.buffer, a, 4))).toEqual([1, 2, 3, 4]);
    const b = h.alloc(100_000);
    expect(b).toBeGreaterThan(a);
  });
});

describe('tensor memory', () => {
  it('keeps every older tensor readable after memory grows', () => {
    const olds = Array.from({ length: 20 }, (_, i) => sc.full([257], i + 0.5));
    const before = sc.memory().wasmBytes;
    const big: sc.Tensor[] = [];
    while (sc.memory().wasmBytes === before) big.push(sc.zeros([1 << 18]));
    olds.forEach((t, i) => {
      expect(t.data().every((v) => v === i + 0.5)).toBe(true);
      expect(t.add(1).sum().item()).toBe((i + 1.5) * 257);
    });
    for (const t of [...olds, ...big]) t.dispose();
  });

  it('data(out) reads the right elements after memory grows and sees later writes', () => {
    const t = sc.arange(0, 42);
    const buf = new Float32Array(42);
    expect(Array.from(t.data(buf))).toEqual(Array.from({ length: 42 }, (_, i) => i));
    const before = sc.memory().wasmBytes;
    const big: sc.Tensor[] = [];
    while (sc.memory().wasmBytes === before) big.push(sc.zeros([1 << 18]));
    buf.fill(-1);
    expect(t.data(buf)).toBe(buf);
    expect(Array.from(buf)).toEqual(Array.from({ length: 42 }, (_, i) => i));
    t.set([[10, 20]], -3); // written in place after the reads
    expect(Array.from(t.data(buf))).toEqual(Array.from({ length: 42 }, (_, i) => (i >= 10 && i < 20 ? -3 : i)));
    const u = sc.full([42], 7); // another tensor's reads never come from t's elements
    expect(Array.from(u.data(new Float32Array(42)))).toEqual(new Array(42).fill(7));
    for (const x of [t, u, ...big]) x.dispose();
  });

  it('counts live tensors and bytes; dispose frees, twice is harmless', () => {
    const m0 = sc.memory();
    const t = sc.zeros([10, 10]);
    expect(sc.memory().tensors).toBe(m0.tensors + 1);
    expect(sc.memory().bytes).toBe(m0.bytes + 400);
    const r = t.reshape([100]); // shares memory
    expect(sc.memory().bytes).toBe(m0.bytes + 400);
    t.dispose();
    t.dispose();
    const s = r.sum();
    expect(s.item()).toBe(0); // the view keeps the storage alive
    s.dispose();
    r.dispose();
    expect(sc.memory()).toMatchObject({ tensors: m0.tensors, bytes: m0.bytes });
    expect(() => t.add(1)).toThrow(sc.DisposedTensorError);
    expect(() => sc.corr2d(t, sc.ones([1, 1]))).toThrow(/disposed/);
  });

  it('tidy frees everything but what it returns, and nests', () => {
    const m0 = sc.memory().tensors;
    const x = sc.ones([4]);
    const [y, z] = sc.tidy(() => {
      const a = x.mul(2);
      const b = a.add(1);
      const inner = sc.tidy(() => b.mul(b).sum());
      return [b.sub(1), inner];
    });
    expect(y.toArray()).toEqual([2, 2, 2, 2]);
    expect(z.item()).toBe(36);
    expect(sc.memory().tensors).toBe(m0 + 3);
    for (const t of [x, y, z]) t.dispose();
    expect(sc.memory().tensors).toBe(m0);
    expect(() => sc.tidy(() => { sc.ones([2]); throw new Error('boom'); })).toThrow('boom');
    expect(sc.memory().tensors).toBe(m0);
  });

  it('`using` disposes at the end of the block', () => {
    const m0 = sc.memory().tensors;
    {
      using t = sc.ones([3]);
      expect(t.sum().item()).toBe(3);
    }
    // the sum above was not kept: only it remains
    expect(sc.memory().tensors).toBe(m0 + 1);
  });

  it('does not grow in a steady-state loop of ops', () => {
    const x = sc.randn([1, 3, 16, 16], { seed: 1 });
    const w = sc.randn([4, 3, 3, 3], { seed: 2 });
    const step = () => sc.tidy(() => sc.conv2d(x, w, { padding: 1 }).square().mean().item());
    for (let i = 0; i < 20; i++) step();
    const m = sc.memory();
    for (let i = 0; i < 500; i++) step();
    expect(sc.memory()).toEqual(m);
    x.dispose();
    w.dispose();
  });
});
