// A CI-sized LeNet run on real Fashion-MNIST (examples/lenet.ts, against the built package): 3
// epochs over 2,000 training images; the loss falls and the test accuracy (on 2,000 test images)
// is far above chance. Runs where Debian's dataset-fashion-mnist is installed (.ci/run installs
// it); skipped with a message elsewhere.
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const DIR = '/usr/share/datasets/fashion-mnist';
const have = existsSync(`${DIR}/train-images-idx3-ubyte.gz`);
if (!have) console.warn(`test/lenet.test.ts skipped: no Fashion-MNIST in ${DIR} (apt-get install dataset-fashion-mnist)`);

describe.skipIf(!have)('LeNet on a Fashion-MNIST subset', () => {
  it('relu variant: the loss falls and the accuracy is far above chance', async () => {
    const { trainLeNet } = await import('../examples/lenet.js');
    const lines: string[] = [];
    const r = await trainLeNet({ epochs: 3, limit: 2000, variant: 'relu', progress: false, log: (l) => lines.push(l) });
    expect(r.length).toBe(3);
    expect(r[2]!.loss).toBeLessThan(r[0]!.loss);
    expect(r[2]!.loss).toBeLessThan(0.8 * r[0]!.loss);
    expect(r[2]!.testAcc).toBeGreaterThan(0.5);
    for (const l of lines) expect(l).toMatch(/loss \d+\.\d+ +train acc \d\.\d+ +test acc \d\.\d+ +\d+ img\/s/);
  }, 120_000);
});
