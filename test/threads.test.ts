// Threads: a pool of two (init is process-wide, so this file has its own process). Every split
// job must give bitwise the same result as the unsplit one, and the threads build the same as the
// single-thread build; small jobs must not be dispatched; the memory may grow under the pool; an
// idle pool must not keep a process alive. Child processes run the built package from dist/.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as sc from '../src/index.js';
import { chooseSplit, dispatchedJobs, evenStart, forceParts, largestPart, parallel, partStart, poolTestHooks } from '../src/threads/pool.js';
import { heap } from '../src/wasm/runtime.js';
import { setKernelVariant } from '../src/wasm/kernels.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = new URL('../dist/index.js', import.meta.url).href;
const distPool = new URL('../dist/threads/pool.js', import.meta.url).href;

beforeAll(async () => {
  await sc.init({ threads: 2 });
});

afterEach(() => {
  forceParts(null);
  setKernelVariant('simd');
});

type Opts = sc.Conv2dOptions;

/** The first index where two float32 arrays differ bitwise, or -1. */
function firstDifference(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return 0;
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < ua.length; i++) if (ua[i] !== ub[i]) return i;
  return -1;
}

function expectBitwise(got: Float32Array, want: Float32Array, what: string): void {
  const i = firstDifference(got, want);
  expect(i, `${what}: element ${i} is ${got[i]}, unsplit ${want[i]}`).toBe(-1);
}

/** Runs `fn` unsplit and split into `parts` parts; the results must be bitwise equal. Returns the dispatches. */
function splitMatches(fn: () => sc.Tensor[], parts: number, what: string): number {
  forceParts(1);
  const want = sc.tidy(() => fn().map((t) => t.data()));
  const before = dispatchedJobs();
  forceParts(parts);
  const got = sc.tidy(() => fn().map((t) => t.data()));
  forceParts(null);
  want.forEach((w, i) => expectBitwise(got[i]!, w, `${what} [${i}]`));
  return dispatchedJobs() - before;
}

interface Case {
  name: string;
  x: number[];
  w: number[];
  opts: Opts;
}

const CASES: Case[] = [
  { name: 'NCHW 3x3 padding 1', x: [2, 6, 9, 11], w: [8, 6, 3, 3], opts: { padding: 1 } },
  { name: 'NCHW stride, dilation, uneven padding', x: [1, 5, 13, 12], w: [7, 5, 3, 2], opts: { stride: 2, dilation: [2, 1], padding: [[1, 0], [2, 1]] } },
  { name: 'NCHW groups 2, convolution, same', x: [3, 4, 8, 8], w: [6, 2, 3, 3], opts: { groups: 2, mode: 'convolution', padding: 'same' } },
  { name: 'NCHW pointwise', x: [2, 6, 7, 9], w: [5, 6, 1, 1], opts: {} },
  { name: 'NCHW one input channel, many outputs', x: [1, 1, 17, 15], w: [6, 1, 3, 3], opts: { padding: 1 } },
  { name: 'NCHW single channel (direct)', x: [1, 1, 33, 29], w: [1, 1, 3, 3], opts: {} },
  { name: 'NCHW single channel 5x5 padded (direct)', x: [1, 1, 21, 26], w: [1, 1, 5, 5], opts: { padding: 2 } },
  { name: 'NCHW single channel, dw in row blocks (direct)', x: [1, 1, 300, 130], w: [1, 1, 3, 3], opts: {} },
  { name: 'NCHW depthwise (direct)', x: [2, 6, 10, 12], w: [6, 1, 3, 3], opts: { groups: 6, padding: 1 } },
  { name: 'NHWC 3x3 same', x: [2, 9, 11, 6], w: [8, 6, 3, 3], opts: { layout: 'NHWC', padding: 'same' } },
  { name: 'NHWC stride, dilation', x: [1, 13, 12, 5], w: [7, 5, 3, 2], opts: { layout: 'NHWC', stride: [2, 1], dilation: [1, 2], padding: 1 } },
  { name: 'NHWC groups 2, convolution', x: [3, 8, 8, 4], w: [6, 2, 3, 3], opts: { layout: 'NHWC', groups: 2, mode: 'convolution' } },
  { name: 'NHWC depthwise', x: [1, 10, 12, 6], w: [6, 1, 3, 3], opts: { layout: 'NHWC', groups: 6, padding: 1 } },
  { name: 'unbatched NCHW', x: [5, 9, 9], w: [4, 5, 3, 3], opts: { padding: 1 } },
];

/** Forward (with bias), input gradient and weight gradient of one case, from seeded data. */
function convAll(c: Case, seed: number): () => sc.Tensor[] {
  return () => {
    const x = sc.randn(c.x, { seed });
    const w = sc.randn(c.w, { seed: seed + 1 });
    const b = sc.randn([c.w[0]!], { seed: seed + 2 });
    const y = sc.conv2d(x, w, { ...c.opts, bias: b });
    const dy = sc.randn(y.shape, { seed: seed + 3 });
    return [y, sc.conv2dGradInput(dy, w, c.x, c.opts), sc.conv2dGradWeight(x, dy, c.w, c.opts)];
  };
}

describe('split jobs give bitwise the single-thread result', () => {
  for (const c of CASES) {
    it(c.name, () => {
      let dispatched = 0;
      for (const parts of [2, 3, 5]) dispatched += splitMatches(convAll(c, 7 * parts), parts, `${c.name}, ${parts} parts`);
      expect(dispatched).toBeGreaterThan(0);
    });
  }

  it('with the scalar kernels too', () => {
    setKernelVariant('scalar');
    let dispatched = splitMatches(convAll(CASES[0]!, 3), 2, 'scalar NCHW');
    dispatched += splitMatches(convAll(CASES[8]!, 3), 2, 'scalar NHWC');
    expect(dispatched).toBeGreaterThan(0); // the workers ran scalar kernels, not only this thread
  });

  it('through autograd (conv2d, sum of squares)', () => {
    splitMatches(() => {
      const x = sc.variable(sc.randn([2, 6, 12, 12], { seed: 11 }));
      const w = sc.variable(sc.randn([8, 6, 3, 3], { seed: 12 }));
      const b = sc.variable(sc.randn([8], { seed: 13 }));
      sc.conv2d(x, w, { bias: b, padding: 1, stride: 2 }).square().sum().backward();
      return [x.grad!, w.grad!, b.grad!];
    }, 2, 'autograd');
  });

  it('through a few training steps of nn.Conv2d with SGD', () => {
    splitMatches(() => {
      const layer = new sc.nn.Conv2d({ inChannels: 8, outChannels: 8, kernelSize: 3, padding: 1, seed: 5 });
      const opt = new sc.optim.SGD(layer, { lr: 0.01, momentum: 0.9 });
      const x = sc.randn([4, 8, 16, 16], { seed: 21 });
      const target = sc.randn([4, 8, 16, 16], { seed: 22 });
      const losses: number[] = [];
      for (let step = 0; step < 3; step++) {
        opt.zeroGrad();
        const loss = sc.nn.mseLoss(layer.forward(x), target);
        loss.backward();
        opt.step();
        losses.push(loss.item());
      }
      return [...layer.parameters().map((p) => p.clone()), sc.tensor(losses)];
    }, 2, 'training');
  });
});

describe('partitions', () => {
  it('choose the dimension that splits best, and never more parts than items', () => {
    expect(chooseSplit(1, 16, 54)).toEqual([1, 0]);
    expect(chooseSplit(2, 16, 54)).toEqual([2, 0]); // images first on ties
    expect(chooseSplit(2, 1, 54)).toEqual([2, 1]);
    expect(chooseSplit(2, 3, 54)).toEqual([2, 1]); // 3 images on 2 threads: 1.5x; 54 rows: 2x
    expect(chooseSplit(2, 1, 1)).toEqual([1, 0]);
    expect(chooseSplit(8, 3)).toEqual([3, 0]);
  });

  it('cover every item once, in order', () => {
    for (const [n, T] of [[1, 1], [7, 2], [7, 3], [54, 5], [2, 2], [3, 8], [26, 8], [54, 8], [1000, 16], [5, 4]] as const) {
      const seen: number[] = [];
      for (let t = 0; t < T; t++) for (let i = partStart(n, T, t); i < partStart(n, T, t + 1); i++) seen.push(i);
      expect(seen).toEqual(Array.from({ length: n }, (_, i) => i));
      expect(largestPart(n, T)).toBe(Math.max(...Array.from({ length: T }, (_, t) => partStart(n, T, t + 1) - partStart(n, T, t))));
    }
  });

  it('are near-equal below 4 parts, and from 4 on shrink so that the parts claimed last are small', () => {
    for (const [n, T] of [[7, 2], [54, 3], [100, 3]] as const) {
      for (let t = 0; t <= T; t++) expect(partStart(n, T, t)).toBe(evenStart(n, T, t));
    }
    for (const [n, T] of [[1000, 4], [208, 8], [1000, 8], [4096, 16]] as const) {
      const sizes = Array.from({ length: T }, (_, t) => partStart(n, T, t + 1) - partStart(n, T, t));
      // Part t weighs 3T - 1 - 2t of 2T² (each size within one item of it, by the floors).
      sizes.forEach((s, t) => expect(Math.abs(s - (n * (3 * T - 1 - 2 * t)) / (2 * T * T))).toBeLessThan(1));
      expect(sizes[T - 1]! * 2).toBeLessThan(sizes[0]!);
      expect(largestPart(n, T)).toBe(sizes[0]);
    }
    expect(evenStart(54, 4, 1)).toBe(13);
  });
});

describe('the cost model', () => {
  it('splits large convolutions over the pool by itself', () => {
    const c: Case = { name: 'large', x: [1, 32, 40, 40], w: [32, 32, 3, 3], opts: { padding: 1 } };
    forceParts(1);
    const want = sc.tidy(() => convAll(c, 1)().map((t) => t.data()));
    forceParts(null);
    const before = dispatchedJobs();
    const got = sc.tidy(() => convAll(c, 1)().map((t) => t.data()));
    expect(dispatchedJobs() - before).toBe(3);
    want.forEach((w, i) => expectBitwise(got[i]!, w, `large [${i}]`));
  });

  it('never dispatches small calls', () => {
    const before = dispatchedJobs();
    sc.tidy(() => {
      const X = sc.ones([6, 8]);
      X.set([null, [2, 6]], 0);
      sc.corr2d(X, sc.tensor([[1, -1]]));
      convAll({ name: 'small', x: [1, 4, 16, 16], w: [4, 4, 3, 3], opts: { padding: 1 } }, 2)();
      convAll({ name: 'lesson layer', x: [1, 1, 6, 8], w: [1, 1, 1, 2], opts: {} }, 2)();
    });
    expect(dispatchedJobs()).toBe(before);
  });
});

describe('claiming parts', () => {
  it('a thread busy with a long part leaves the other parts to the other thread, and each part runs once', () => {
    // Part 0 fills its 256 KiB R times (~100 ms), the 63 others once. Whichever thread takes
    // part 0 (the calling thread, almost always: it claims right after posting, a worker needs
    // µs to wake), the other runs all 63 short parts; dealt out, the worker would run every other part.
    const h = heap('test'), PART = 64 * 1024, T = 64, R = 3000, at = h.alloc(T * PART * 4, 'test');
    const job = (long: number) => parallel(T, (k, t) => {
      for (let r = 1; r < (t === 0 ? long : 1); r++) k.fill(at, PART, -1);
      k.fill(at + t * PART * 4, PART, t);
    });
    try {
      for (let i = 0; i < 20; i++) job(1); // the worker's kernels tier up
      const before = poolTestHooks.progress(0);
      job(R);
      expect([T - 1, R], 'calls the worker ran').toContain(poolTestHooks.progress(0) - before);
      const f32 = h.f32Raw();
      for (let t = 0; t < T; t++) {
        expect(f32[(at >> 2) + t * PART], `part ${t}`).toBe(t);
        expect(f32[(at >> 2) + t * PART + PART - 1], `part ${t}`).toBe(t);
      }
    } finally {
      h.free(at, T * PART * 4);
    }
  });
});

describe('the pool', () => {
  it('reports itself in capabilities()', () => {
    const c = sc.capabilities();
    expect(c).toMatchObject({ simd: true, threads: 2, threadsAvailable: true, sharedMemory: true, runtime: 'node' });
    expect(typeof c.relaxedSimd).toBe('boolean');
    expect(c.crossOriginIsolated).toBeUndefined();
  });

  it('keeps working while the shared memory grows', () => {
    const c = CASES[0]!;
    forceParts(2);
    sc.tidy(() => convAll(c, 1)()); // workers have seen the memory at its current size
    const before = sc.memory().wasmBytes;
    const big = sc.zeros([48 << 18]); // 48 MiB: the memory must grow
    expect(sc.memory().wasmBytes).toBeGreaterThan(before);
    // Fresh tensors now live above the old end of memory.
    const got = sc.tidy(() => convAll(c, 9)().map((t) => t.data()));
    forceParts(1);
    const want = sc.tidy(() => convAll(c, 9)().map((t) => t.data()));
    big.dispose();
    want.forEach((w, i) => expectBitwise(got[i]!, w, `after growth [${i}]`));
  });

  it('changes size with setThreads', async () => {
    const c: Case = { name: 'large', x: [1, 32, 40, 40], w: [32, 32, 3, 3], opts: { padding: 1 } };
    expect(await sc.setThreads(1)).toBe(1);
    expect(sc.capabilities().threads).toBe(1);
    let before = dispatchedJobs();
    sc.tidy(() => convAll(c, 1)());
    expect(dispatchedJobs()).toBe(before);
    expect(await sc.setThreads(2)).toBe(2);
    before = dispatchedJobs();
    sc.tidy(() => convAll(c, 1)());
    expect(dispatchedJobs()).toBeGreaterThan(before);
    await expect(sc.setThreads(0)).rejects.toThrow(sc.ArgumentError);
    await expect(sc.setThreads('many' as unknown as number)).rejects.toThrow(/threads/);
  });
});

// ---- child processes against the built package --------------------------------------------------

/** A script printing, for the benchmark-like layer, FNV-1a hashes of forward, dX and dW. */
function hashScript(init: string): string {
  return `
import * as sc from ${JSON.stringify(dist)};
import { dispatchedJobs } from ${JSON.stringify(distPool)};
await sc.init(${init});
const fnv = (t) => { let h = 0x811c9dc5; for (const b of new Uint8Array(t.data().buffer)) h = Math.imul(h ^ b, 0x01000193) >>> 0; return h.toString(16); };
const x = sc.randn([2, 24, 30, 30], { seed: 1 }), w = sc.randn([24, 24, 3, 3], { seed: 2 });
const y = sc.conv2d(x, w, { padding: 1 });
const dy = sc.randn(y.shape, { seed: 3 });
const c = sc.randn([1, 1, 600, 600], { seed: 4 }), k = sc.randn([1, 1, 3, 3], { seed: 5 });
const dc = sc.randn([1, 1, 598, 598], { seed: 6 });
const out = [y, sc.conv2dGradInput(dy, w, x.shape, { padding: 1 }), sc.conv2dGradWeight(x, dy, w.shape, { padding: 1 }),
  sc.conv2d(c, k), sc.conv2dGradInput(dc, k, c.shape)].map(fnv);
const { threads, runtime } = sc.capabilities();
console.log(JSON.stringify({ threads, runtime, dispatched: dispatchedJobs(), out }));
`;
}

function run(cmd: string, args: string[], script: string): { status: number | null; out: string; err: string } {
  const r = spawnSync(cmd, [...args], { cwd: root, input: script, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, out: r.stdout.trim(), err: r.stderr };
}

const node = (script: string) => run(process.execPath, ['--input-type=module', '-'], script);

describe('child processes (built package)', () => {
  it('the threads build gives bitwise the single-thread build, and the pool lets the process exit', () => {
    const single = node(hashScript('{ threads: 1 }'));
    expect(single.status, single.err).toBe(0);
    const threaded = node(hashScript('{ threads: 2 }'));
    expect(threaded.status, threaded.err).toBe(0); // exited on its own within the timeout
    const a = JSON.parse(single.out), b = JSON.parse(threaded.out);
    expect(a).toMatchObject({ threads: 1, dispatched: 0 });
    expect(b).toMatchObject({ threads: 2, dispatched: 5 });
    expect(b.out).toEqual(a.out);
  });

  it('V8 flags on the command line (which Node refuses per worker) still give a pool of two, with the same bits', () => {
    // e.g. the benchmark harness's --no-wasm-dynamic-tiering, or relaxed SIMD on Node 20
    const flagged = run(process.execPath, ['--no-wasm-dynamic-tiering', '--experimental-wasm-relaxed-simd', '--input-type=module', '-'], hashScript('{ threads: 2 }'));
    expect(flagged.status, flagged.err).toBe(0);
    const plain = node(hashScript('{ threads: 2 }'));
    expect(plain.status, plain.err).toBe(0);
    const a = JSON.parse(flagged.out), b = JSON.parse(plain.out);
    expect(a).toMatchObject({ threads: 2, dispatched: 5 });
    expect(a.out).toEqual(b.out);
  });

  it("init validates threads, and 'auto' and setThreads after a single-thread init work", () => {
    const r = node(`
import * as sc from ${JSON.stringify(dist)};
const bad = await sc.init({ threads: 0 }).then(() => 'resolved', (e) => e.constructor.name);
await sc.init({ threads: 'auto' });
const auto = sc.capabilities().threads;
console.log(JSON.stringify({ bad, auto }));
`);
    expect(r.status, r.err).toBe(0);
    const o = JSON.parse(r.out);
    expect(o.bad).toBe('ArgumentError');

    // Threads asked for, but the single-thread module given: one thread, working.
    const st = node(`
import * as sc from ${JSON.stringify(dist)};
await sc.init({ threads: 2, url: ${JSON.stringify(new URL('../dist/simdconv.wasm', import.meta.url).href)} });
console.log(JSON.stringify({ threads: sc.capabilities().threads, y: sc.corr2d(sc.tensor([[0, 1, 2], [3, 4, 5], [6, 7, 8]]), sc.tensor([[0, 1], [2, 3]])).toArray() }));
`);
    expect(st.status, st.err).toBe(0);
    expect(JSON.parse(st.out)).toEqual({ threads: 1, y: [[19, 25], [37, 43]] });

    // The threads build given for one thread: it runs on its shared memory, and can start workers later.
    const mt = node(`
import * as sc from ${JSON.stringify(dist)};
await sc.init({ threads: 1, url: ${JSON.stringify(new URL('../dist/simdconv-mt.wasm', import.meta.url).href)} });
const one = sc.capabilities().threads;
const y = sc.corr2d(sc.tensor([[0, 1, 2], [3, 4, 5], [6, 7, 8]]), sc.tensor([[0, 1], [2, 3]])).toArray();
console.log(JSON.stringify({ one, y, two: await sc.setThreads(2) }));
`);
    expect(mt.status, mt.err).toBe(0);
    expect(JSON.parse(mt.out)).toEqual({ one: 1, y: [[19, 25], [37, 43]], two: 2 });
    expect(o.auto).toBeGreaterThanOrEqual(1);
    expect(o.auto).toBeLessThanOrEqual(8);

    const m = node(`
import * as sc from ${JSON.stringify(dist)};
await sc.init();
const x = sc.randn([1, 16, 40, 40], { seed: 1 }), w = sc.randn([16, 16, 3, 3], { seed: 2 });
const before = Array.from(sc.conv2d(x, w).data());
const threads = await sc.setThreads(2);
const after = Array.from(sc.conv2d(x, w).data());
console.log(JSON.stringify({ threads, same: before.every((v, i) => Object.is(v, after[i])), xs: x.data()[5] === sc.randn([1, 16, 40, 40], { seed: 1 }).data()[5] }));
`);
    expect(m.status, m.err).toBe(0);
    expect(JSON.parse(m.out)).toEqual({ threads: 2, same: true, xs: true });
  });

  const deno = `${root}node_modules/.bin/deno`;
  const bun = `${root}node_modules/.bin/bun`;
  it.skipIf(!existsSync(deno) || !existsSync(bun))('Deno and Bun run the pool with the same results and exit', () => {
    const want = JSON.parse(node(hashScript('{ threads: 1 }')).out).out;
    const d = run(deno, ['run', '-A', '-'], hashScript('{ threads: 2 }'));
    expect(d.status, d.err).toBe(0);
    expect(JSON.parse(d.out)).toEqual({ threads: 2, runtime: 'deno', dispatched: 5, out: want });
    const b = run(bun, ['run', '-'], hashScript('{ threads: 2 }'));
    expect(b.status, b.err).toBe(0);
    expect(JSON.parse(b.out)).toEqual({ threads: 2, runtime: 'bun', dispatched: 5, out: want });
  });
});
