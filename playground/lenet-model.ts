// The LeNet the page trains, shared by its worker (lenet-worker.ts) and the test that checks the
// page computes the same bits as Node: the model `npm run lenet` trains (relu variant: ReLU, max
// pooling, Xavier-uniform weights, PyTorch-default biases, all seeded), its input, and one
// training step. Imports the public API from core.ts, which every entry re-exports, so it runs
// under the browser entry in the worker and the Node entry in tests.
import * as sc from '../src/core.js';

/**
 * The model's input for each byte value: (byte / 255 - mean) / std with the pixel statistics of
 * the training split (`sc.data.pixelStats`), as torchvision's ToTensor then Normalize, and as
 * `npm run lenet` feeds its relu variant.
 */
export function inputTable(train: sc.data.ImageSet): Float32Array {
  const { mean, std } = sc.data.pixelStats(train);
  return Float32Array.from({ length: 256 }, (_, b) => (b / 255 - mean) / std);
}

/** The chapter's LeNet in PyTorch's layout (its stateDict names are nn.Sequential's: 0.weight, ...), Xavier-initialised from `seed`. */
export function leNet(seed: number): sc.nn.Sequential {
  const pool = () => new sc.nn.MaxPool2d({ kernelSize: 2, stride: 2 });
  const model = new sc.nn.Sequential(
    new sc.nn.Conv2d({ inChannels: 1, outChannels: 6, kernelSize: 5, padding: 2, seed: 1 }), new sc.nn.ReLU(), pool(),
    new sc.nn.Conv2d({ inChannels: 6, outChannels: 16, kernelSize: 5, seed: 2 }), new sc.nn.ReLU(), pool(),
    new sc.nn.Flatten(),
    new sc.nn.Linear({ inFeatures: 400, outFeatures: 120, seed: 3 }), new sc.nn.ReLU(),
    new sc.nn.Linear({ inFeatures: 120, outFeatures: 84, seed: 4 }), new sc.nn.ReLU(),
    new sc.nn.Linear({ inFeatures: 84, outFeatures: 10, seed: 5 }));
  // Xavier-uniform weights: bound sqrt(6 / (fanIn + fanOut)).
  model.namedParameters().forEach(([name, p], i) => {
    if (!name.endsWith('.weight')) return;
    const s = p.shape;
    const field = s.length === 4 ? s[2]! * s[3]! : 1;
    const bound = Math.sqrt(6 / (s[1]! * field + s[0]! * field));
    sc.tidy(() => sc.noGrad(() => p.set([], sc.rand(s, { seed: seed * 100 + i, low: -bound, high: bound }))));
  });
  return model;
}

/** The input of the images `idx` of `set`: [B, 1, rows, cols], each byte mapped through `table` (inputTable). */
export function batchOf(set: sc.data.ImageSet, idx: ArrayLike<number>, table: Float32Array): sc.Tensor {
  const px = set.rows * set.cols;
  const x = new Float32Array(idx.length * px);
  for (let k = 0; k < idx.length; k++) {
    const i = idx[k]!;
    const src = set.images.subarray(i * px, (i + 1) * px);
    for (let j = 0; j < px; j++) x[k * px + j] = table[src[j]!]!;
  }
  return sc.tensor(x, [idx.length, 1, set.rows, set.cols]);
}

/** One step of `opt` on the images `idx` of `set` (through `table`, cross-entropy); returns the batch's loss and how many it classified right. */
export function trainStep(model: sc.nn.Module, opt: sc.optim.Optimizer, set: sc.data.ImageSet, idx: Int32Array, table: Float32Array): [loss: number, right: number] {
  const labels = Int32Array.from(idx, (i) => set.labels[i]!);
  return sc.tidy(() => {
    const logits = model.forward(batchOf(set, idx, table));
    const l = sc.nn.crossEntropy(logits, labels);
    l.backward();
    opt.step();
    opt.zeroGrad();
    const pred = logits.argmax(1).data();
    let right = 0;
    for (let b = 0; b < idx.length; b++) if (pred[b] === labels[b]) right++;
    return [l.item(), right];
  });
}
