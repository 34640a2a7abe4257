// The LeNet page's Web Worker: reads the Fashion-MNIST files (sc.data), trains LeNet (ReLU, max
// pooling, Adam, Xavier-uniform weights, seeded shuffles: the model `npm run lenet` trains) and
// answers the page's questions between batches, so training can be stopped, resumed and
// inspected while it runs. Uses the worker pool (threads) when this worker is cross-origin
// isolated, one thread otherwise. Bundled by playground/serve.ts as /lenet-worker.js.
import * as sc from '../src/browser.js';
import { batchOf, inputTable, leNet, trainStep } from './lenet-model.js';
import type { DatasetFiles, FromWorker, RunState, ToWorker, TrainSettings } from './lenet-protocol.js';

const scope = globalThis as unknown as {
  postMessage(m: FromWorker, transfer?: Transferable[]): void;
  onmessage: ((e: MessageEvent<ToWorker>) => void) | null;
  crossOriginIsolated?: boolean;
};
const post = (m: FromWorker, transfer: Transferable[] = []) => scope.postMessage(m, transfer);

/** The seed of the weights and of the shuffles. */
const SEED = 0;

/** Returns to the event loop (so messages are handled) without setTimeout's clamping. */
const channel = new MessageChannel();
const waiting: (() => void)[] = [];
channel.port1.onmessage = () => waiting.shift()?.();
const yieldNow = () => new Promise<void>((resolve) => {
  waiting.push(resolve);
  channel.port2.postMessage(0);
});

let data: sc.data.FashionMnist | null = null;
/** The model's input per byte value (the training split's standardization), set with `data`. */
let table: Float32Array = new Float32Array(256);
let model: sc.nn.Sequential | null = null;
let opt: sc.optim.Adam | null = null;
/** Where training is: the epoch running and its batches still to come. */
let run: {
  settings: TrainSettings;
  epoch: number;
  batches: Generator<Int32Array, void, undefined> | null;
  batch: number;
  /** Right answers and images so far in this epoch (the epoch's training accuracy). */
  right: number;
  seen: number;
} | null = null;
let state: RunState = 'idle';
let stopAsked = false;
/** The training loop while it runs. */
let running: Promise<void> | null = null;
let step = 0;
let images = 0;
let inspected = 0;

function setState(s: RunState): void {
  state = s;
  post({ type: 'state', state: s, epoch: run?.epoch ?? 0, epochs: run?.settings.epochs ?? 0 });
}

function freshModel(): void {
  opt?.dispose();
  model?.dispose();
  model = leNet(SEED);
  opt = null;
  run = null;
  step = 0;
  images = 0;
}

/** Accuracy on the first `n` test images, in chunks of 500 (yielding between them). */
async function testAccuracy(n: number): Promise<number> {
  const { test } = data!;
  model!.eval();
  let correct = 0;
  for (let s = 0; s < n; s += 500) {
    const B = Math.min(500, n - s);
    correct += sc.tidy(() => sc.noGrad(() => {
      const pred = model!.forward(batchOf(test, Array.from({ length: B }, (_, k) => s + k), table)).argmax(1).data();
      let r = 0;
      for (let k = 0; k < B; k++) if (pred[k] === test.labels[s + k]) r++;
      return r;
    }));
    await yieldNow();
  }
  model!.train();
  return correct / n;
}

async function train(): Promise<void> {
  const { train: set } = data!;
  const r = run!;
  const { epochs, batchSize, limit, every } = r.settings;
  const n = Math.min(limit, set.count);
  const batches = sc.data.batchCount(n, batchSize);
  setState('training');
  model!.train();
  let lossSum = 0, correct = 0, seen = 0, count = 0, t0 = performance.now();
  /** Posts the mean loss and accuracy of the batches since the last report, and the first layer's pictures. */
  const report = () => {
    const seconds = (performance.now() - t0) / 1000;
    post({ type: 'progress', step, images, epoch: r.epoch, batch: r.batch, batches, loss: lossSum / count, acc: correct / seen, imgPerSec: seen / seconds });
    inspect(inspected);
    lossSum = 0, correct = 0, seen = 0, count = 0;
  };
  while (r.epoch <= epochs) {
    r.batches ??= sc.data.batchIndices(n, { batchSize, seed: SEED, epoch: r.epoch });
    for (;;) {
      if (stopAsked) {
        stopAsked = false;
        if (count > 0) report(); // the batches since the last report: the page shows where it stopped
        setState('stopped');
        return;
      }
      const next = r.batches.next();
      if (next.done) break;
      const idx = next.value;
      const [loss, right] = trainStep(model!, opt!, set, idx, table);
      r.batch++;
      step++;
      images += idx.length;
      lossSum += loss;
      correct += right;
      seen += idx.length;
      r.right += right;
      r.seen += idx.length;
      count++;
      if (count === every || r.batch === batches) {
        report();
        await yieldNow();
        t0 = performance.now();
      } else {
        await yieldNow();
      }
    }
    const tested = Math.min(n, data!.test.count);
    const testAcc = await testAccuracy(tested);
    post({ type: 'epoch', epoch: r.epoch, images, trainAcc: r.right / r.seen, testAcc, tested });
    Object.assign(r, { epoch: r.epoch + 1, batch: 0, batches: null, right: 0, seen: 0 });
    t0 = performance.now();
  }
  r.epoch = epochs;
  setState('done');
}

/** Sends the first layer's filters, its output for test image `index`, and the class probabilities. */
function inspect(index: number): void {
  if (!data || !model) return;
  const { test } = data;
  const i = Math.max(0, Math.min(test.count - 1, Math.floor(index)));
  inspected = i;
  const wasTraining = model.training;
  model.eval();
  const m = sc.tidy(() => sc.noGrad(() => {
    const x = batchOf(test, [i], table);
    const conv = model!.at(0) as sc.nn.Conv2d;
    const w = conv.weight!;
    return { filters: w.data(), channels: w.shape[0]!, kernel: w.shape[2]!, maps: conv.forward(x).data(), probabilities: sc.softmax(model!.forward(x), 1).data() };
  }));
  model.train(wasTraining);
  const px = test.rows * test.cols;
  const image = test.images.slice(i * px, (i + 1) * px);
  post({ type: 'inspect', index: i, label: test.labels[i]!, image, ...m }, [image.buffer, m.filters.buffer, m.maps.buffer, m.probabilities.buffer]);
}

function predict(id: number, pixels: Float32Array): void {
  if (!model) return;
  const wasTraining = model.training;
  model.eval();
  // pixels are in [0, 1] (byte / 255): standardized as the training images are.
  const mean = table[0]!, scale = table[255]! - table[0]!;
  const x = Float32Array.from(pixels, (p) => mean + p * scale);
  const probabilities = sc.tidy(() => sc.noGrad(() => sc.softmax(model!.forward(sc.tensor(x, [1, 1, 28, 28])), 1).data()));
  model.train(wasTraining);
  post({ type: 'prediction', id, probabilities }, [probabilities.buffer]);
}

async function load(files: DatasetFiles): Promise<void> {
  const d = await sc.data.fashionMnistFromBytes(files);
  if (d.train.rows !== 28 || d.train.cols !== 28 || d.test.rows !== 28 || d.test.cols !== 28) {
    throw new Error(`expected 28×28 images, got ${d.train.rows}×${d.train.cols} (train) and ${d.test.rows}×${d.test.cols} (test)`);
  }
  if (d.train.count === 0 || d.test.count === 0) throw new Error(`expected images in both splits, got ${d.train.count} (train) and ${d.test.count} (test)`);
  data = d;
  table = inputTable(d.train);
  post({ type: 'data', train: d.train.count, test: d.test.count, rows: d.train.rows, cols: d.train.cols });
}

/** Stops training (at the end of the batch running) and waits for it. */
async function stopped(): Promise<void> {
  if (!running) return;
  stopAsked = true;
  await running.catch(() => undefined); // a failure was reported by the message that started it
}

/** Messages are handled in order; training runs between them (see yieldNow). */
async function handle(m: ToWorker): Promise<void> {
  switch (m.type) {
    case 'data':
      await stopped();
      await load(m.files);
      freshModel();
      setState('idle');
      inspect(0);
      return;
    case 'train':
      if (!data || running) return;
      if (run === null || state === 'done') {
        if (state === 'done') {
          freshModel();
          setState('idle'); // the page clears its plots
        }
        run = { settings: m.settings, epoch: 1, batches: null, batch: 0, right: 0, seen: 0 };
        opt = new sc.optim.Adam(model!, { lr: m.settings.lr });
      } else {
        run.settings = { ...run.settings, epochs: Math.max(m.settings.epochs, run.epoch) }; // resume: the same batches and step size
      }
      running = train().finally(() => (running = null));
      await running;
      return;
    case 'stop':
      await stopped();
      return;
    case 'reset':
      await stopped();
      freshModel();
      setState('idle');
      inspect(inspected);
      return;
    case 'inspect':
      inspect(m.index);
      return;
    case 'predict':
      predict(m.id, m.pixels);
      return;
    case 'weights':
      if (model) post({ type: 'weights', json: JSON.stringify(model.stateDict({ json: true })) });
      return;
  }
}

scope.onmessage = (e) => {
  handle(e.data).catch((err: unknown) => {
    if (state === 'training') setState('stopped');
    post({ type: 'error', during: e.data.type, message: err instanceof Error ? `${err.name}: ${err.message}` : String(err) });
  });
};

const isolated = scope.crossOriginIsolated === true;
await sc.init({ threads: isolated ? 'auto' : 1 });
freshModel();
post({ type: 'ready', threads: sc.capabilities().threads, isolated });
