// examples/lenet.ts's trainer (on the built package): the sc.compile'd training step trains LeNet
// to bitwise the same losses, counts and weights as the eager trainStep, both variants, with a
// shorter batch (run eagerly) between replays, as at the end of every epoch; on 2 threads too,
// where the replays post their split jobs to the pool's worker. (init is process-wide: this file
// has its own process.)
import { beforeAll, describe, expect, it } from 'vitest';
import { fnv1a } from './determinism/cases.js';

type Example = typeof import('../examples/lenet.js');
let ex: Example;
let dispatchedJobs: () => number;

beforeAll(async () => {
  ex = await import('../examples/lenet.js');
  ({ dispatchedJobs } = (await import(new URL('../dist/threads/pool.js', import.meta.url).href)) as { dispatchedJobs: typeof dispatchedJobs });
  await ex.sc.init();
});

/** Losses, right counts and the parameters' hash after training a seeded LeNet on seeded images in batches of `sizes`. */
function train(variant: 'relu' | 'd2l', compiled: boolean, sizes: number[]): { log: string[]; hash: string } {
  const { sc } = ex;
  using model = ex.leNet(variant);
  ex.xavier(model, 3);
  const opt = variant === 'relu' ? new sc.optim.Adam(model, { lr: 1e-3 }) : new sc.optim.SGD(model, { lr: 0.9 });
  const steps = ex.trainer(model, opt, 32, 28, 28, compiled);
  const log: string[] = [];
  try {
    sizes.forEach((B, s) => {
      const images = sc.tidy(() => sc.rand([B, 1, 28, 28], { seed: 40 + s }).data());
      const labels = new Int32Array(B).map((_, i) => (i * 7 + s) % 10);
      const [loss, right] = steps.step(images, labels);
      log.push(`${loss} ${right}`);
    });
  } finally {
    steps.dispose();
    opt.dispose();
  }
  const hash = model.namedParameters().map(([name, p]) => {
    const d = p.data();
    return `${name}:${fnv1a(new Uint8Array(d.buffer, d.byteOffset, d.byteLength))}`;
  }).join(' ');
  return { log, hash };
}

describe('LeNet trainer: compiled steps equal eager ones', () => {
  for (const variant of ['relu', 'd2l'] as const) {
    it(`${variant}: the same losses, counts and weights, bit for bit`, () => {
      const sizes = [32, 32, 32, 20, 32, 32, 7, 32];
      const eager = train(variant, false, sizes), compiled = train(variant, true, sizes);
      expect(compiled.log).toEqual(eager.log);
      expect(compiled.hash).toBe(eager.hash);
      // The check can fail: other data gives other weights.
      expect(train(variant, true, [32, 32]).hash).not.toBe(compiled.hash);
    });
  }

  it('on 2 threads: the same bits as eager steps on 1 thread, the replays posting their split jobs', async () => {
    const sizes = [32, 32, 32, 20, 32, 32, 7, 32];
    const eager = train('relu', false, sizes);
    expect(await ex.sc.setThreads(2)).toBe(2);
    try {
      let jobs = dispatchedJobs();
      const compiled = train('relu', true, sizes);
      expect(compiled.log).toEqual(eager.log);
      expect(compiled.hash).toBe(eager.hash);
      // Jobs a capture alone posts, then with two more full batches replayed.
      jobs = dispatchedJobs();
      train('relu', true, [32]);
      const capture = dispatchedJobs() - jobs;
      jobs = dispatchedJobs();
      train('relu', true, [32, 32, 32]);
      expect(dispatchedJobs() - jobs, 'replays post jobs').toBeGreaterThan(capture);
      expect(train('d2l', true, sizes)).toEqual(train('d2l', false, sizes));
    } finally {
      await ex.sc.setThreads(1);
    }
  });

  it('leaves no tensor behind', () => {
    const before = ex.sc.memory().tensors;
    train('relu', true, [32, 32, 5]);
    expect(ex.sc.memory().tensors).toBe(before);
  });
});
