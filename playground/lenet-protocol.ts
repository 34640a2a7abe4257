// The messages between the LeNet page (lenet.ts, the main thread) and its Web Worker
// (lenet-worker.ts), which owns the data, the model and every computation.

/** The four Fashion-MNIST files, gzip or raw IDX. */
export interface DatasetFiles {
  trainImages: ArrayBuffer;
  trainLabels: ArrayBuffer;
  testImages: ArrayBuffer;
  testLabels: ArrayBuffer;
}

export interface TrainSettings {
  epochs: number;
  batchSize: number;
  lr: number;
  /** Train on the first `limit` images (shuffled per epoch); test on min(limit, test count). */
  limit: number;
  /** A progress message (and a plot point) every this many batches. */
  every: number;
}

/** Page → worker. */
export type ToWorker =
  | { type: 'data'; files: DatasetFiles }
  | { type: 'train'; settings: TrainSettings }
  | { type: 'stop' }
  | { type: 'reset' }
  | { type: 'inspect'; index: number }
  | { type: 'predict'; id: number; pixels: Float32Array }
  | { type: 'weights' };

/** What the worker is doing. */
export type RunState = 'idle' | 'training' | 'stopped' | 'done';

/** Worker → page. */
export type FromWorker =
  | { type: 'ready'; threads: number; isolated: boolean }
  | { type: 'data'; train: number; test: number; rows: number; cols: number }
  | { type: 'state'; state: RunState; epoch: number; epochs: number }
  | {
    type: 'progress';
    /** Batches trained since the model was made. */
    step: number;
    /** Images trained since the model was made. */
    images: number;
    epoch: number;
    batch: number;
    batches: number;
    /** Mean loss and accuracy over the batches since the last progress message. */
    loss: number;
    acc: number;
    imgPerSec: number;
  }
  | { type: 'epoch'; epoch: number; images: number; trainAcc: number; testAcc: number; tested: number }
  | {
    type: 'inspect';
    index: number;
    label: number;
    /** The test image, bytes, rows x cols. */
    image: Uint8Array;
    /** The first layer's filters, [channels, k, k], and its output for the image, [channels, rows, cols]. */
    filters: Float32Array;
    maps: Float32Array;
    channels: number;
    kernel: number;
    probabilities: Float32Array;
  }
  | { type: 'prediction'; id: number; probabilities: Float32Array }
  | { type: 'weights'; json: string }
  /** A request failed: `during` is its type. */
  | { type: 'error'; during: ToWorker['type']; message: string };
