// Leaks are noticed (issue 15, item 6): a loop that forgets to free its tensors gets one
// console.warn naming tidy and `using`, how to opt out and how to find the creation sites;
// legitimate programs that keep many tensors (a big model, a dataset held as tensors, a loop
// under tidy) get none. trackTensors()/liveTensors() report where the live tensors were made.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import * as sc from '../src/index.js';
import { LEAK_FIRST, LEAK_STREAK } from '../src/storage.js';
import { expectError } from './helpers/expect-error.js';

beforeAll(async () => {
  await sc.init();
});

/** The leak warnings console.warn received since the spy was installed. */
let warnings: string[] = [];
beforeEach(() => {
  warnings = [];
  vi.spyOn(console, 'warn').mockImplementation((...args: unknown[]) => {
    const text = args.map(String).join(' ');
    if (text.startsWith('simdconv:')) warnings.push(text);
  });
  sc.setLeakWarning(true); // re-armed, watching growth from the current count
});
afterEach(() => {
  vi.restoreAllMocks();
  sc.trackTensors(false);
});

/** The lesson-sized training problem of the issue: nn.Conv2d + mseLoss + SGD with momentum. */
function problem() {
  const x = sc.randn([2, 3, 8, 8], { seed: 1 }), y = sc.randn([2, 4, 8, 8], { seed: 2 });
  const layer = new sc.nn.Conv2d({ outChannels: 4, kernelSize: 3, padding: 1, seed: 3 });
  const opt = new sc.optim.SGD(layer, { lr: 0.01, momentum: 0.9 });
  const step = () => {
    opt.zeroGrad();
    const loss = sc.nn.mseLoss(layer.forward(x), y);
    loss.backward();
    opt.step();
    return loss;
  };
  const dispose = () => {
    opt.dispose();
    layer.dispose();
    x.dispose();
    y.dispose();
  };
  return { step, dispose };
}

/** Runs `steps` leaking steps (nothing freed) inside one tidy, so the test can free them after; returns the step of each warning. */
function leakingSteps(steps: number): number[] {
  const at: number[] = [];
  const p = problem();
  sc.tidy(() => {
    for (let i = 0; i < steps; i++) {
      const before = warnings.length;
      p.step();
      if (warnings.length > before) at.push(i);
    }
  });
  p.dispose();
  return at;
}

describe('the leak warning', () => {
  it('a 2000-step training loop that frees nothing warns exactly once, early, naming tidy, using, the opt-out and trackTensors', () => {
    const before = sc.memory().tensors;
    const at = leakingSteps(2000);
    expect(at).toHaveLength(1);
    expect(warnings).toHaveLength(1);
    // Two tensors stay alive per step: the warning comes after the live count crossed
    // LEAK_FIRST * 2^(LEAK_STREAK - 1) (2048), about step 1000 of 2000 (about a second here).
    expect(at[0]).toBeLessThan(1200);
    const w = warnings[0]!;
    for (const phrase of ['sc.tidy(', '`using', 'dispose()', 'sc.setLeakWarning(false)', 'sc.trackTensors()', 'sc.liveTensors()']) {
      expect(w).toContain(phrase);
    }
    expect(w).toMatch(/^simdconv: \d+ tensors \(\d+\.\d MB\) alive and growing: /);
    expect(sc.memory().tensors).toBe(before); // the enclosing tidy freed them
  });

  it('the same loop with tidy around each step does not warn (3000 steps)', () => {
    const p = problem();
    for (let i = 0; i < 3000; i++) sc.tidy(() => { p.step(); });
    p.dispose();
    expect(warnings).toEqual([]);
  });

  it('a long-lived model with thousands of parameters, trained under tidy, does not warn', () => {
    const before = sc.memory().tensors;
    const layers = Array.from({ length: 1500 }, (_, i) => new sc.nn.Conv2d({ inChannels: 1, outChannels: 1, kernelSize: 1, seed: i }));
    const params = layers.flatMap((l) => l.parameters());
    expect(params.length).toBe(3000);
    const opt = new sc.optim.SGD(params, { lr: 0.01, momentum: 0.9 }); // 3000 momentum buffers at the first step
    const x = sc.ones([1, 1, 2, 2]);
    for (let step = 0; step < 3; step++) {
      opt.zeroGrad();
      sc.tidy(() => {
        let h = x;
        for (const l of layers) h = l.forward(h);
        h.sum().backward();
      });
      opt.step();
    }
    expect(sc.memory().tensors - before).toBeGreaterThan(6000); // parameters, gradients, momentum, x
    opt.dispose();
    for (const l of layers) l.dispose();
    x.dispose();
    expect(warnings).toEqual([]);
  });

  it('a large dataset held as tensors (made one by one, also through a tidy per item), then a tidy loop over it, does not warn', () => {
    const raw = new Float32Array(784).map((_, i) => i % 255);
    const images: sc.Tensor[] = [];
    for (let i = 0; i < 10000; i++) images.push(sc.tensor(raw, [1, 28, 28]));
    for (let i = 0; i < 5000; i++) images.push(sc.randn([1, 28, 28], { seed: i }));
    for (let i = 0; i < 5000; i++) images.push(sc.tidy(() => sc.tensor(raw, [1, 28, 28]).div(255)));
    const labels = images.map((_, i) => sc.tensor([i % 10]));
    let total = 0;
    for (let i = 0; i < images.length; i += 7) total += sc.tidy(() => images[i]!.mul(2).sum().add(labels[i]!).item());
    expect(Number.isFinite(total)).toBe(true);
    for (const t of [...images, ...labels]) t.dispose();
    expect(warnings).toEqual([]);
  });

  it('setLeakWarning(false) silences it; setLeakWarning(true) re-arms it for one more warning', () => {
    sc.setLeakWarning(false);
    expect(leakingSteps(2000)).toEqual([]);
    sc.setLeakWarning(true);
    expect(leakingSteps(2000)).toHaveLength(1);
    expect(leakingSteps(2000)).toEqual([]); // once per process (until re-armed)
    expect(warnings).toHaveLength(1);
  });

  it('growth that falls back is watched again from the lower level: bursts freed by tidy do not warn, a leak after them does', () => {
    const p = problem();
    // Five times, 750 steps under one tidy: the count climbs past two thresholds (~1500 tensors), then falls.
    for (let burst = 0; burst < 5; burst++) sc.tidy(() => { for (let i = 0; i < 750; i++) p.step(); });
    expect(warnings).toEqual([]);
    p.dispose();
    expect(leakingSteps(2000)).toHaveLength(1); // the thresholds came back down after the falls
  });

  it('checks its argument', () => {
    for (const v of [undefined, 0, 'false', null]) {
      expectError(() => sc.setLeakWarning(v as never), sc.ArgumentError, { op: 'setLeakWarning', argument: 'enabled' });
    }
    for (const v of [0, 'false', null]) {
      expectError(() => sc.trackTensors(v as never), sc.ArgumentError, { op: 'trackTensors', argument: 'enabled' });
    }
  });

  it('a truly dropped loop (no tidy anywhere) warns too', () => {
    // Last in the file: the tensors it leaks stay allocated until the garbage collector runs.
    const p = problem();
    const before = warnings.length;
    for (let i = 0; i < 2000; i++) p.step();
    p.dispose();
    expect(warnings.length - before).toBe(1);
    expect(LEAK_FIRST * 2 ** (LEAK_STREAK - 1)).toBeLessThanOrEqual(2 * 2000); // reachable at 2 live tensors per step
  });
});

/** The line of this file holding `marker` (1-based). */
function lineOf(marker: string): number {
  const lines = readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n');
  const i = lines.findIndex((l) => l.includes(marker) && !l.includes('lineOf('));
  expect(i).toBeGreaterThanOrEqual(0);
  return i + 1;
}

describe('trackTensors / liveTensors: where the live tensors were made', () => {
  function leakSome(n: number): sc.Tensor[] {
    const out: sc.Tensor[] = [];
    for (let i = 0; i < n; i++) out.push(sc.zeros([4, 4]).add(1)); // LEAK-SITE-A
    return out;
  }
  const layer = () => new sc.nn.Conv2d({ inChannels: 2, outChannels: 3, kernelSize: 3, seed: 0 });

  it('groups live tensors by the caller line that made them (test file and line), with counts and bytes', () => {
    const untrackedBefore = sc.liveTensors().untracked.tensors;
    sc.trackTensors();
    const kept = leakSome(5);
    const conv = layer();
    const y = sc.noGrad(() => conv.forward(sc.ones([1, 2, 5, 5]))); // LEAK-SITE-B
    const report = sc.liveTensors();
    const file = 'leak-warning.test.ts';
    const at = (marker: string) => report.sites.filter((s) => s.site.includes(`${file}:${lineOf(marker)}:`));
    // One site per call position (file:line:column): zeros([4, 4]) (leaked) and its .add(1)
    // (kept), 5 tensors of 64 bytes each.
    const a = at('LEAK-SITE-A');
    expect(a.map((s) => [s.tensors, s.bytes]), JSON.stringify(report.sites.map((s) => s.site))).toEqual([[5, 320], [5, 320]]);
    expect(a[0]!.site).not.toBe(a[1]!.site);
    for (const s of a) expect(s.stack).toContain('leakSome');
    // The layer's forward, through nn and ops frames, made y on its line; ones() made the input
    // (under noGrad: autograd saves no views of them).
    const b = at('LEAK-SITE-B');
    expect(b.map((s) => [s.tensors, s.bytes]).sort()).toEqual([[1, 3 * 9 * 4], [1, 2 * 25 * 4]].sort());
    expect(report.sites.some((s) => s.site.includes('/src/'))).toBe(false); // never a frame of simdconv itself
    expect(report.untracked.tensors).toBe(untrackedBefore);
    expect(report.tensors).toBe(sc.memory().tensors);
    // Sorted by bytes, most first.
    for (let i = 1; i < report.sites.length; i++) expect(report.sites[i - 1]!.bytes).toBeGreaterThanOrEqual(report.sites[i]!.bytes);
    // Disposed tensors leave the report: the leaked zeros() remain.
    for (const t of kept) t.dispose();
    const after = sc.liveTensors().sites.filter((s) => s.site.includes(`${file}:${lineOf('LEAK-SITE-A')}:`));
    expect(after.map((s) => s.tensors)).toEqual([5]);
    y.dispose();
    conv.dispose();
  });

  it('records nothing while off: tensors made then are untracked, and turning it off forgets the sites', () => {
    sc.trackTensors(false);
    const before = sc.liveTensors();
    expect(before.sites).toEqual([]);
    const t = sc.ones([8]);
    const r = sc.liveTensors();
    expect(r.sites).toEqual([]);
    expect(r.untracked.tensors).toBe(before.untracked.tensors + 1);
    expect(r.untracked.bytes).toBe(before.untracked.bytes + 32);
    sc.trackTensors();
    const u = sc.ones([8]);
    expect(sc.liveTensors().sites).toHaveLength(1);
    sc.trackTensors(false);
    expect(sc.liveTensors().sites).toEqual([]);
    t.dispose();
    u.dispose();
  });

  it('takes no stack while off (creating tensors never builds an Error)', () => {
    const spy = vi.spyOn(globalThis, 'Error');
    const ts = Array.from({ length: 600 }, () => sc.ones([2]).add(1));
    expect(spy).not.toHaveBeenCalled();
    spy.mockRestore();
    for (const t of ts) t.dispose();
  });
});
