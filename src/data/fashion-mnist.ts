// Fashion-MNIST from the bytes of its four IDX files (gzip or raw), on any platform. The Node
// helper that reads them from a folder is ./fashion-mnist-node.ts.
import { readIdx, IdxFormatError, type Bytes, type Idx } from './idx.js';
import { ArgumentError, describe } from '../errors.js';

/**
 * The ten classes, by label.
 * @example sc.data.FASHION_MNIST_CLASSES[9]   // => 'Ankle boot'
 */
export const FASHION_MNIST_CLASSES = [
  'T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot',
] as const;

/** The four files of the dataset, as distributed (and as Debian's dataset-fashion-mnist installs them). */
export const FASHION_MNIST_FILES = {
  trainImages: 'train-images-idx3-ubyte.gz',
  trainLabels: 'train-labels-idx1-ubyte.gz',
  testImages: 't10k-images-idx3-ubyte.gz',
  testLabels: 't10k-labels-idx1-ubyte.gz',
} as const satisfies Record<keyof FashionMnistBytes, string>;

/**
 * One split: `count` images of `rows` x `cols` bytes (0 = white background .. 255), row-major, and their labels 0..9.
 * @example
 * const set: sc.data.ImageSet = { count: 1, rows: 1, cols: 2, images: new Uint8Array([0, 255]), labels: new Uint8Array([7]) };
 * sc.data.FASHION_MNIST_CLASSES[set.labels[0]!]   // => 'Sneaker'
 */
export interface ImageSet {
  count: number;
  rows: number;
  cols: number;
  /** count * rows * cols bytes. */
  images: Uint8Array;
  /** count labels in [0, 10). */
  labels: Uint8Array;
}

/**
 * The dataset: its training and test splits.
 * @example
 * const d: sc.data.FashionMnist = await sc.data.fashionMnistFromBytes({ trainImages: new Uint8Array([0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 2, 0, 255]), trainLabels: new Uint8Array([0, 0, 8, 1, 0, 0, 0, 1, 7]), testImages: new Uint8Array([0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 2, 0, 255]), testLabels: new Uint8Array([0, 0, 8, 1, 0, 0, 0, 1, 7]) });
 * d.test.count   // => 1
 */
export interface FashionMnist {
  train: ImageSet;
  test: ImageSet;
}

/**
 * The four Fashion-MNIST files' bytes (gzip or raw IDX), as `fashionMnistFromBytes` takes them.
 * @example
 * const files: Partial<sc.data.FashionMnistBytes> = { trainLabels: new Uint8Array([0, 0, 8, 1, 0, 0, 0, 1, 7]) };
 * Object.keys(files)   // => ['trainLabels']
 */
export interface FashionMnistBytes {
  trainImages: Bytes;
  trainLabels: Bytes;
  testImages: Bytes;
  testLabels: Bytes;
}

/**
 * Parses and checks the four files: images are uint8 [N, rows, cols], labels uint8 [N] in [0, 10)
 * with the same N. A file of the wrong kind is an IdxFormatError naming it.
 * @example
 * const images = new Uint8Array([0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 2, 0, 255]);   // one 1x2 image
 * const labels = new Uint8Array([0, 0, 8, 1, 0, 0, 0, 1, 7]);   // its label, 7
 * const data = await sc.data.fashionMnistFromBytes({ trainImages: images, trainLabels: labels, testImages: images, testLabels: labels });
 * [data.train.count, data.train.rows, data.train.cols, data.train.labels[0]]   // => [1, 1, 2, 7]
 */
export async function fashionMnistFromBytes(files: FashionMnistBytes): Promise<FashionMnist> {
  const [ti, tl, vi, vl] = await Promise.all([
    readIdx(files.trainImages), readIdx(files.trainLabels), readIdx(files.testImages), readIdx(files.testLabels),
  ]);
  return { train: imageSet(ti, tl, 'trainImages', 'trainLabels'), test: imageSet(vi, vl, 'testImages', 'testLabels') };
}

function imageSet(images: Idx, labels: Idx, iname: string, lname: string): ImageSet {
  const op = 'fashionMnistFromBytes';
  if (images.type !== 'uint8' || images.shape.length !== 3) {
    throw new IdxFormatError(op, iname, 'uint8 images [N, rows, cols]', `${images.type} [${images.shape.join(', ')}]`);
  }
  if (labels.type !== 'uint8' || labels.shape.length !== 1 || labels.shape[0] !== images.shape[0]) {
    throw new IdxFormatError(op, lname, `uint8 labels [${images.shape[0]}]`, `${labels.type} [${labels.shape.join(', ')}]`);
  }
  const bad = labels.data.findIndex((l) => l >= FASHION_MNIST_CLASSES.length);
  if (bad >= 0) throw new IdxFormatError(op, lname, 'labels in [0, 10)', `label ${labels.data[bad]} at ${bad}`);
  const [count, rows, cols] = images.shape;
  return { count, rows, cols, images: images.data, labels: labels.data };
}

/**
 * The mean and standard deviation (population, over every pixel of every image) of a split's
 * pixels as byte / 255: the numbers torchvision's `Normalize(mean, std)` takes, so a model can be
 * fed (byte / 255 - mean) / std. Exact: computed in float64 from a 256-bin histogram.
 * Fashion-MNIST's training split gives mean 0.2860, std 0.3530. An empty split is an ArgumentError.
 * @example
 * const set: sc.data.ImageSet = { count: 2, rows: 1, cols: 2, images: new Uint8Array([0, 255, 0, 255]), labels: new Uint8Array([0, 1]) };
 * sc.data.pixelStats(set)   // => { mean: 0.5, std: 0.5 }
 */
export function pixelStats(set: ImageSet): { mean: number; std: number } {
  const images = set?.images;
  if (!(images instanceof Uint8Array)) {
    throw new ArgumentError('pixelStats', 'set.images', 'a Uint8Array', describe(images));
  }
  const n = images.length;
  if (n === 0) throw new ArgumentError('pixelStats', 'set.images', 'at least one pixel', 'an empty split');
  const counts = new Float64Array(256);
  for (let i = 0; i < n; i++) counts[images[i]!]++;
  let sum = 0;
  for (let b = 0; b < 256; b++) sum += counts[b]! * (b / 255);
  const mean = sum / n;
  let sq = 0;
  for (let b = 0; b < 256; b++) sq += counts[b]! * (b / 255 - mean) ** 2;
  return { mean, std: Math.sqrt(sq / n) };
}
