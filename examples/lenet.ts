// LeNet on Fashion-MNIST (the CNN chapter's model), trained with simdconv.
//
//   npm run lenet -- --epochs N [--threads T] [--variant relu|d2l] [--limit K] [--batch-size B] [--seed S] [--dir D]
//
// relu: ReLU, max pooling, Adam lr 1e-3, inputs standardized with the training split's pixel
// mean and std; d2l: the textbook's LeNet (sigmoid, average pooling, SGD lr 0.9, byte / 255). Both: batch 256, Xavier-uniform weights, PyTorch-default biases, seeded shuffles.
// Prints one line per epoch: loss (mean over the epoch's batches), train acc (over the epoch, as
// the weights moved), test acc (after the epoch) and training throughput in img/s; a progress bar
// on a terminal. Needs the dataset (apt-get install dataset-fashion-mnist) or --dir.
// Without arguments (as `npm run examples` runs it) it trains one epoch on 2,000 images.
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import * as sc from 'simdconv';

/** The package build this example trains with, for bench/lenet.ts (whose folder cannot import 'simdconv' by name). */
export { sc };

export interface LeNetOptions {
  epochs: number;
  threads?: number;
  variant?: 'relu' | 'd2l';
  /** Train on the first `limit` images of the (shuffled-per-epoch) training set; test on min(limit, 10000). */
  limit?: number;
  batchSize?: number;
  seed?: number;
  dir?: string;
  /** Where epoch lines go (default console.log). */
  log?: (line: string) => void;
  /** Draw a progress bar (default: when stdout is a terminal). */
  progress?: boolean;
}

export interface EpochResult {
  epoch: number;
  loss: number;
  trainAcc: number;
  testAcc: number;
  imgPerSec: number;
}

/** The model: PyTorch's LeNet layout, so its stateDict names are nn.Sequential's (0.weight, ...). */
export function leNet(variant: 'relu' | 'd2l'): sc.nn.Sequential {
  const act = () => (variant === 'relu' ? new sc.nn.ReLU() : new sc.nn.Sigmoid());
  const pool = () => (variant === 'relu' ? new sc.nn.MaxPool2d({ kernelSize: 2, stride: 2 }) : new sc.nn.AvgPool2d({ kernelSize: 2, stride: 2 }));
  return new sc.nn.Sequential(
    new sc.nn.Conv2d({ inChannels: 1, outChannels: 6, kernelSize: 5, padding: 2, seed: 1 }), act(), pool(),
    new sc.nn.Conv2d({ inChannels: 6, outChannels: 16, kernelSize: 5, seed: 2 }), act(), pool(),
    new sc.nn.Flatten(),
    new sc.nn.Linear({ inFeatures: 400, outFeatures: 120, seed: 3 }), act(),
    new sc.nn.Linear({ inFeatures: 120, outFeatures: 84, seed: 4 }), act(),
    new sc.nn.Linear({ inFeatures: 84, outFeatures: 10, seed: 5 }));
}

/** Xavier-uniform weights (bound sqrt(6 / (fanIn + fanOut))), seeded; biases keep PyTorch's default. */
export function xavier(model: sc.nn.Module, seed: number): void {
  model.namedParameters().forEach(([name, p], i) => {
    if (!name.endsWith('.weight')) return;
    const s = p.shape;
    const field = s.length === 4 ? s[2]! * s[3]! : 1;
    const bound = Math.sqrt(6 / (s[1]! * field + s[0]! * field));
    sc.tidy(() => sc.noGrad(() => p.set([], sc.rand(s, { seed: seed * 100 + i, low: -bound, high: bound }))));
  });
}

/**
 * The images of a split as float32, once: (byte / 255 - mean) / std, as torchvision's ToTensor
 * then Normalize(mean, std). The relu recipe standardizes with the training split's statistics
 * (`sc.data.pixelStats`: 0.2860, 0.3530); the textbook's d2l recipe feeds byte / 255 (mean 0, std 1).
 */
export function floats(set: sc.data.ImageSet, { mean, std } = { mean: 0, std: 1 }): Float32Array {
  const table = Float32Array.from({ length: 256 }, (_, b) => (b / 255 - mean) / std);
  const out = new Float32Array(set.images.length);
  for (let i = 0; i < out.length; i++) out[i] = table[set.images[i]!]!;
  return out;
}

export async function trainLeNet(o: LeNetOptions): Promise<EpochResult[]> {
  const variant = o.variant ?? 'relu';
  const batchSize = o.batchSize ?? 256, seed = o.seed ?? 0;
  const log = o.log ?? ((l: string) => console.log(l));
  const bar = o.progress ?? Boolean(process.stdout.isTTY);
  await sc.init({ threads: o.threads ?? 1 });
  const { train, test } = await sc.data.loadFashionMnist({ readFile, dir: o.dir });
  const nTrain = Math.min(o.limit ?? train.count, train.count), nTest = Math.min(o.limit ?? test.count, test.count);
  const px = train.rows * train.cols;
  const stats = variant === 'relu' ? sc.data.pixelStats(train) : undefined;
  const xTrain = floats(train, stats), xTest = floats(test, stats);
  const batch = new Float32Array(batchSize * px), labels = new Int32Array(batchSize);

  using model = leNet(variant);
  xavier(model, seed);
  const opt = variant === 'relu' ? new sc.optim.Adam(model, { lr: 1e-3 }) : new sc.optim.SGD(model, { lr: 0.9 });
  const steps = trainer(model, opt, batchSize, train.rows, train.cols, true);
  const results: EpochResult[] = [];
  try {
    for (let epoch = 1; epoch <= o.epochs; epoch++) {
      model.train();
      let lossSum = 0, batches = 0, correct = 0, seen = 0;
      const nb = sc.data.batchCount(nTrain, batchSize);
      const t0 = performance.now();
      for (const idx of sc.data.batchIndices(nTrain, { batchSize, seed, epoch })) {
        const B = idx.length;
        for (let k = 0; k < B; k++) {
          const i = idx[k]!;
          batch.set(xTrain.subarray(i * px, (i + 1) * px), k * px);
          labels[k] = train.labels[i]!;
        }
        const [loss, right] = steps.step(batch.subarray(0, B * px), labels.subarray(0, B));
        lossSum += loss;
        batches++;
        correct += right;
        seen += B;
        if (bar && (batches % 5 === 0 || batches === nb)) {
          const w = 30, done = Math.round((w * batches) / nb);
          process.stdout.write(`\repoch ${epoch} [${'='.repeat(done)}${' '.repeat(w - done)}] ${batches}/${nb} loss ${(lossSum / batches).toFixed(4)}`);
        }
      }
      const seconds = (performance.now() - t0) / 1000;
      if (bar) process.stdout.write('\r\x1b[K');
      const testAcc = evaluate(model, xTest, test, nTest, px);
      const r: EpochResult = { epoch, loss: lossSum / batches, trainAcc: correct / seen, testAcc, imgPerSec: seen / seconds };
      results.push(r);
      log(`epoch ${epoch}/${o.epochs}  loss ${r.loss.toFixed(4)}  train acc ${r.trainAcc.toFixed(4)}  test acc ${r.testAcc.toFixed(4)}  ${Math.round(r.imgPerSec)} img/s`);
    }
  } finally {
    steps.dispose();
    opt.dispose();
  }
  return results;
}

/** Training steps on batches of images [B, 1, rows, cols] and B labels. */
export interface Trainer {
  /** One step: the batch's mean loss and how many it classified right (before the update). */
  step(images: Float32Array, labels: Int32Array): [loss: number, right: number];
  dispose(): void;
}

/**
 * Steps for `model` and `opt` on batches of `batchSize` images of rows x cols. With `compiled`,
 * full batches run as one `sc.compile`d step (its kernel calls replayed: no tensor objects, options
 * or autograd graph per step, bitwise the same as trainStep) whose inputs are written with
 * `set`; a shorter last batch runs eagerly. With a thread pool the jobs the capture split over the
 * threads replay split the same way (on the pool's threads of the time). The model's
 * train/eval mode must be the same at every step (LeNet has no dropout or batch norm anyway).
 */
export function trainer(model: sc.nn.Module, opt: sc.optim.Optimizer, batchSize: number, rows: number, cols: number, compiled: boolean): Trainer {
  const shape = [batchSize, 1, rows, cols];
  if (!compiled) return { step: (images, labels) => trainStep(model, opt, images, labels, [labels.length, 1, rows, cols]), dispose() {} };
  const x = sc.zeros(shape), y = sc.zeros([batchSize]);
  const yValues = new Float32Array(batchSize), predicted = new Float32Array(batchSize);
  const step = sc.compile(() => {
    const logits = model.forward(x);
    const l = sc.nn.crossEntropy(logits, y);
    l.backward();
    opt.step();
    opt.zeroGrad();
    return [l, logits.argmax(1)] as const;
  }, { name: 'trainStep' });
  return {
    step(images, labels) {
      if (labels.length !== batchSize) return trainStep(model, opt, images, labels, [labels.length, 1, rows, cols]);
      x.set([], images);
      yValues.set(labels);
      y.set([], yValues);
      const [l, pred] = step();
      const p = pred.data(predicted);
      let right = 0;
      for (let k = 0; k < batchSize; k++) if (p[k] === labels[k]) right++;
      return [l.item(), right];
    },
    dispose() {
      step.dispose();
      x.dispose();
      y.dispose();
    },
  };
}

/** One training step on a batch (images [B, 1, H, W], B labels): the batch's mean loss and how many it classified right (before the update). */
export function trainStep(model: sc.nn.Module, opt: sc.optim.Optimizer, images: Float32Array, labels: Int32Array, shape: number[]): [number, number] {
  return sc.tidy(() => {
    const logits = model.forward(sc.tensor(images, shape));
    const l = sc.nn.crossEntropy(logits, labels);
    l.backward();
    opt.step();
    opt.zeroGrad();
    const pred = logits.argmax(1).data();
    let r = 0;
    for (let k = 0; k < labels.length; k++) if (pred[k] === labels[k]) r++;
    return [l.item(), r];
  });
}

/** Test accuracy in batches of 1000, without autograd. */
export function evaluate(model: sc.nn.Module, x: Float32Array, set: sc.data.ImageSet, n: number, px: number): number {
  model.eval();
  let correct = 0;
  for (let s = 0; s < n; s += 1000) {
    const B = Math.min(1000, n - s);
    correct += sc.tidy(() => sc.noGrad(() => {
      const pred = model.forward(sc.tensor(x.subarray(s * px, (s + B) * px), [B, 1, set.rows, set.cols])).argmax(1).data();
      let r = 0;
      for (let k = 0; k < B; k++) if (pred[k] === set.labels[s + k]) r++;
      return r;
    }));
  }
  return correct / n;
}

function parseArgs(argv: string[]): LeNetOptions {
  if (argv.length === 0) {
    console.log('(no arguments: a short run, 1 epoch on 2,000 images; try npm run lenet -- --epochs 2)');
    return { epochs: 1, limit: 2000 };
  }
  const o: LeNetOptions = { epochs: 1 };
  const int = (name: string, v: string | undefined): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name}: expected a positive integer, got ${v}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!, v = argv[i + 1];
    switch (a) {
      case '--epochs': o.epochs = int('epochs', v); i++; break;
      case '--threads': o.threads = int('threads', v); i++; break;
      case '--limit': o.limit = int('limit', v); i++; break;
      case '--batch-size': o.batchSize = int('batch-size', v); i++; break;
      case '--seed': o.seed = Number(v); i++; break;
      case '--dir': o.dir = v; i++; break;
      case '--variant':
        if (v !== 'relu' && v !== 'd2l') throw new Error(`--variant: expected relu or d2l, got ${v}`);
        o.variant = v;
        i++;
        break;
      default: throw new Error(`unknown argument ${a} (see the header of examples/lenet.ts)`);
    }
  }
  return o;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const o = parseArgs(process.argv.slice(2));
  const dir = o.dir ?? sc.data.FASHION_MNIST_DEBIAN_DIR;
  if (!existsSync(dir)) {
    console.log(`Fashion-MNIST not found in ${dir} (apt-get install dataset-fashion-mnist, or --dir): skipped`);
  } else {
    console.log(`LeNet (${o.variant ?? 'relu'}) on Fashion-MNIST, ${o.threads ?? 1} thread(s), batch ${o.batchSize ?? 256}`);
    await trainLeNet(o);
  }
}
