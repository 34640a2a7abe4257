// sc.compile with threads (init is process-wide, so this file has its own process): a step
// captured on one thread keeps replaying bitwise like the eager step after setThreads(2) moved the
// memory to a shared one and rebound the kernels; a step captured while the pool runs records its
// split jobs and replays them on the pool's threads of the time, bitwise like the eager step on 1
// or 2 threads, also after setThreads(1), after setThreads added threads, and after a worker died.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import * as sc from '../src/index.js';
import { dispatchedJobs, forceParts, parallel, poolTestHooks } from '../src/threads/pool.js';
import { patchLastCall, program, startRecording, stopRecording } from '../src/wasm/capture.js';
import { heap } from '../src/wasm/runtime.js';
import { randArray } from './helpers/random.js';
import { expectError } from './helpers/expect-error.js';

beforeAll(async () => {
  await sc.init();
});

afterAll(async () => {
  await sc.setThreads(1);
});

const X = [4, 16, 32, 32];

/** A 16 -> 16 3x3 layer step, big enough for its convolutions to be split over threads. */
function layer() {
  const x = sc.tensor(randArray(X.reduce((a, b) => a * b), 7), X);
  const t = sc.tensor(randArray(X.reduce((a, b) => a * b), 8), X);
  const conv = new sc.nn.Conv2d({ inChannels: 16, outChannels: 16, kernelSize: 3, padding: 1, seed: 4 });
  const opt = new sc.optim.SGD(conv, { lr: 1e-2, momentum: 0.9 });
  return {
    fn: () => {
      const l = sc.tidy(() => sc.nn.mseLoss(conv.forward(x), t));
      opt.zeroGrad();
      l.backward();
      opt.step();
      return l;
    },
    weight: () => conv.weight!.data(),
    dispose() {
      opt.zeroGrad();
      opt.dispose();
      conv.dispose();
      x.dispose();
      t.dispose();
    },
  };
}

describe('compile and threads', () => {
  it('replays stay bitwise equal to the eager step across setThreads(2), and a capture under the pool too', async () => {
    const e = layer(), c = layer();
    const step = sc.compile(c.fn);
    const compare = (what: string) => {
      const le = e.fn();
      expect(step().data(), what).toEqual(le.data());
      le.dispose();
      expect(c.weight(), what).toEqual(e.weight());
    };
    try {
      for (let i = 0; i < 3; i++) compare(`one thread, step ${i}`);
      const threads = await sc.setThreads(2);
      const before = dispatchedJobs();
      for (let i = 3; i < 6; i++) compare(`after setThreads(${threads}), step ${i}`);
      if (threads > 1) expect(dispatchedJobs(), 'the eager step splits its jobs').toBeGreaterThan(before);

      // Captured while the pool runs.
      const e2 = layer(), c2 = layer();
      const step2 = sc.compile(c2.fn);
      try {
        for (let i = 0; i < 3; i++) {
          const le = e2.fn();
          expect(step2().data(), `captured with ${threads} threads, step ${i}`).toEqual(le.data());
          le.dispose();
          expect(c2.weight()).toEqual(e2.weight());
        }
      } finally {
        step2.dispose();
        e2.dispose();
        c2.dispose();
      }
    } finally {
      step.dispose();
      e.dispose();
      c.dispose();
    }
  });
});

const B = 16;

/** A LeNet-like CNN trained with Adam on a batch written into `x` and `y` before each step. */
function cnn() {
  const model = new sc.nn.Sequential(
    new sc.nn.Conv2d({ inChannels: 1, outChannels: 6, kernelSize: 5, padding: 2, seed: 1 }), new sc.nn.ReLU(), new sc.nn.MaxPool2d({ kernelSize: 2, stride: 2 }),
    new sc.nn.Conv2d({ inChannels: 6, outChannels: 16, kernelSize: 5, seed: 2 }), new sc.nn.ReLU(), new sc.nn.MaxPool2d({ kernelSize: 2, stride: 2 }),
    new sc.nn.Flatten(),
    new sc.nn.Linear({ inFeatures: 400, outFeatures: 32, seed: 3 }), new sc.nn.ReLU(),
    new sc.nn.Linear({ inFeatures: 32, outFeatures: 10, seed: 4 }));
  const opt = new sc.optim.Adam(model, { lr: 1e-3 });
  const x = sc.zeros([B, 1, 28, 28]), y = sc.zeros([B]);
  const fn = () => {
    const l = sc.nn.crossEntropy(model.forward(x), y);
    l.backward();
    opt.step();
    opt.zeroGrad();
    return l;
  };
  return {
    /** Writes step `s`'s batch into x and y. */
    feed(s: number) {
      x.set([], randArray(B * 784, 100 + s));
      y.set([], Float32Array.from({ length: B }, (_, i) => (i * 3 + s) % 10));
    },
    fn,
    /** One eager step: its loss's bits. */
    eager(): number {
      return sc.tidy(() => fn().item());
    },
    params: () => model.parameters().map((p) => p.data()),
    dispose() {
      opt.zeroGrad();
      opt.dispose();
      model.dispose();
      x.dispose();
      y.dispose();
    },
  };
}

describe('a compiled step replays its split jobs on the pool', () => {
  it('LeNet-like CNN with Adam, 20 steps: replays on 2 threads, on 1 after setThreads(1), and with threads added, equal eager steps on 1 and 2 threads bit for bit', async () => {
    const e1 = cnn(), e2 = cnn(), c1 = cnn(), c2 = cnn();
    let step1: sc.CompiledStep<sc.Tensor> | null = null, step2: sc.CompiledStep<sc.Tensor> | null = null;
    try {
      let replayJobs = 0;
      for (let s = 0; s < 20; s++) {
        for (const m of [e1, e2, c1, c2]) m.feed(s);
        // Steps 10-13 replay c2 after setThreads(1), steps 14-16 after setThreads(3) (threads added).
        const c2Threads = s >= 10 && s < 14 ? 1 : s >= 14 && s < 17 ? 3 : 2;
        expect(await sc.setThreads(1)).toBe(1);
        const l1 = e1.eager();
        step1 ??= sc.compile(c1.fn);
        const lc1 = step1().item();
        expect(await sc.setThreads(2)).toBe(2);
        const l2 = e2.eager();
        step2 ??= sc.compile(c2.fn);
        if (c2Threads !== 2) expect(await sc.setThreads(c2Threads)).toBe(c2Threads);
        const before = dispatchedJobs();
        const lc2 = step2().item();
        const jobs = dispatchedJobs() - before;
        if (s > 0 && c2Threads === 1) expect(jobs, `step ${s}: replay on 1 thread posts no job`).toBe(0);
        if (s > 0 && c2Threads !== 1) expect(jobs, `step ${s}: replay on ${c2Threads} threads posts its jobs`).toBeGreaterThan(0);
        if (s > 0) replayJobs += jobs;
        expect([l2, lc1, lc2], `step ${s}: losses`).toEqual([l1, l1, l1]);
      }
      expect(replayJobs).toBeGreaterThan(0);
      const want = e1.params();
      expect(e2.params()).toEqual(want);
      expect(c1.params()).toEqual(want);
      expect(c2.params()).toEqual(want);
      // The check can fail: another step count gives other weights.
      e1.feed(20);
      e1.eager();
      expect(e1.params()).not.toEqual(want);
    } finally {
      step1?.dispose();
      step2?.dispose();
      for (const m of [e1, e2, c1, c2]) m.dispose();
      await sc.setThreads(2);
    }
  });

  it('a worker killed before a replay: the replays stay bitwise, nothing else changes, the pool drops it, and new workers take parts', async () => {
    expect(await sc.setThreads(2)).toBe(2);
    const e = cnn(), c = cnn();
    const other = sc.tensor(randArray(1000, 9), [1000]);
    const otherBits = other.data();
    const step = sc.compile(c.fn);
    poolTestHooks.timeouts(300, null);
    try {
      /** Step `s` compiled and eager: the jobs the replay posted. */
      const compare = (s: number): number => {
        e.feed(s);
        c.feed(s);
        const jobs = dispatchedJobs();
        const l = step().item();
        const posted = dispatchedJobs() - jobs;
        expect(l, `step ${s}`).toBe(e.eager());
        return posted;
      };
      for (let s = 0; s < 3; s++) compare(s);
      expect(compare(3), 'replays post their jobs').toBeGreaterThan(0);
      const mem = sc.memory(), workers = poolTestHooks.workers();
      await poolTestHooks.killWorker(0);
      // The calling thread claims every part the dead worker does not take; once it has taken no
      // job for the pick-up timeout (300 ms), the pool drops it (an idle worker, started by an
      // earlier setThreads(3), may then take its place).
      let s = 4;
      const t0 = performance.now();
      while (poolTestHooks.workers() === workers) {
        expect(compare(s++), 'replays post their jobs to the (dead) worker until it is dropped').toBeGreaterThan(0);
        expect(performance.now() - t0, 'dropped within the pick-up timeout').toBeLessThan(10_000);
      }
      expect(s - 4, 'steps before the worker was dropped').toBeGreaterThan(1);
      expect(c.params()).toEqual(e.params());
      expect(other.data()).toEqual(otherBits);
      expect(sc.memory()).toMatchObject({ tensors: mem.tensors, bytes: mem.bytes });
      // With one thread left no job is posted; a worker started (or woken) since the capture takes parts of its replays.
      expect(await sc.setThreads(1)).toBe(1);
      for (let k = 0; k < 2; k++, s++) expect(compare(s), 'one thread: no job posted').toBe(0);
      expect(await sc.setThreads(3)).toBe(3);
      expect(poolTestHooks.workers()).toBe(2);
      for (let k = 0; k < 3; k++, s++) expect(compare(s), 'workers started since the capture').toBeGreaterThan(0);
      expect(c.params()).toEqual(e.params());
    } finally {
      poolTestHooks.timeouts(5_000, null);
      step.dispose();
      e.dispose();
      c.dispose();
      other.dispose();
    }
  });

  it('5,000 replays of a split step grow neither the wasm heap nor the JS heap', async () => {
    expect(await sc.setThreads(2)).toBe(2);
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const x = sc.tensor(randArray(2 * 4 * 12 * 12, 3), [2, 4, 12, 12]);
    const conv = new sc.nn.Conv2d({ inChannels: 4, outChannels: 4, kernelSize: 3, padding: 1, seed: 5 });
    const opt = new sc.optim.Adam(conv, { lr: 1e-3 });
    forceParts(2);
    let step: sc.CompiledStep<sc.Tensor>;
    try {
      step = sc.compile(() => {
        const l = sc.tidy(() => conv.forward(x).square().mean());
        l.backward();
        opt.step();
        opt.zeroGrad();
        return l;
      });
      step();
    } finally {
      forceParts(null);
    }
    try {
      for (let i = 0; i < 1000; i++) step();
      gc();
      const mem = sc.memory(), js = process.memoryUsage().heapUsed, jobs = dispatchedJobs();
      for (let i = 0; i < 5000; i++) step();
      gc();
      expect(dispatchedJobs() - jobs, 'the replays post their jobs').toBeGreaterThanOrEqual(5000);
      expect(sc.memory()).toEqual(mem);
      expect(process.memoryUsage().heapUsed - js).toBeLessThan(256 * 1024);
    } finally {
      step.dispose();
      opt.zeroGrad();
      opt.dispose();
      conv.dispose();
      x.dispose();
    }
  });

  it('refuses to patch a job split over threads (its call records are written once)', async () => {
    expect(await sc.setThreads(2)).toBe(2);
    const h = heap('test'), at = h.alloc(64, 'test');
    const capture = (patchSplit: boolean) => {
      forceParts(2);
      const rec = startRecording(h, 'test');
      try {
        parallel(2, (k, t) => k.fill(at + 32 * t, 8, 1));
        if (!patchSplit) parallel(1, (k) => k.fill(at, 16, 2));
        patchLastCall((args) => {
          args[2] = 3;
        });
      } finally {
        stopRecording();
        forceParts(null);
      }
      return rec;
    };
    try {
      // A patch on the calling thread's own call is fine, and applies at each replay.
      const ok = program(capture(false));
      ok.run('test');
      expect(Array.from(h.f32Raw().subarray(at >> 2, (at >> 2) + 16))).toEqual(new Array(16).fill(3));
      ok.release();
      expect(() => capture(true)).toThrow(/patchLastCall after an action that is not a kernel call on this thread/);
    } finally {
      h.free(at, 64);
    }
  });
});
