// The lesson's cells, as the runtime tests run them in every runtime (see harness.ts): the
// default export returns every number the lesson prints. Same code as examples/lesson.ts.
import * as sc from 'simdconv';

export default async function lesson() {
  await sc.init();

  const corr = sc.corr2d(sc.tensor([[0, 1, 2], [3, 4, 5], [6, 7, 8]]), sc.tensor([[0, 1], [2, 3]]));

  const X = sc.ones([6, 8]);
  X.set([null, [2, 6]], 0); // X[:, 2:6] = 0
  const K = sc.tensor([[1, -1]]);
  const Y = sc.corr2d(X, K);
  const transposed = sc.corr2d(X.T, K);

  // Learning the kernel: nn.Conv2d (lazy in-channels, seed 0), squared error, SGD lr 3e-2, 10 epochs.
  const conv2d = new sc.nn.Conv2d({ outChannels: 1, kernelSize: [1, 2], bias: false, seed: 0 });
  const X4 = X.reshape([1, 1, 6, 8]);
  const Y4 = Y.reshape([1, 1, 6, 7]);
  const opt = new sc.optim.SGD(conv2d, { lr: 3e-2 });
  const losses: number[] = [];
  for (let i = 0; i < 10; i++) {
    const l = sc.tidy(() => sc.nn.squaredError(conv2d.forward(X4), Y4).sum());
    conv2d.zeroGrad();
    l.backward();
    opt.step();
    if ((i + 1) % 2 === 0) losses.push(l.item());
    l.dispose();
  }
  const kernel = conv2d.weight!.detach().reshape([1, 2]);

  return {
    corr: corr.toArray() as number[][],
    corrText: corr.toString(),
    X: X.toArray() as number[][],
    edges: Y.toArray() as number[][],
    transposed: transposed.toArray() as number[][],
    losses,
    kernel: kernel.toArray() as number[][],
    kernelText: kernel.toString(),
    /** The package entry's export names: every runtime's entry must export the same API. */
    exports: Object.keys(sc).sort(),
  };
}
