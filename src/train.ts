// A small training loop with progress reporting: zero the gradients, compute the loss, backward,
// step, report. In Node it can draw a progress line on the terminal; in a browser it yields to the
// event loop between steps so the page stays responsive.
import { ArgumentError, describe } from './errors.js';
import { Tensor, checkTensor } from './tensor.js';
import { tidy } from './scope.js';
import type { Optimizer } from './optim/optimizer.js';
import { checkInt, readOptions } from './args.js';

/**
 * What `fit` reports after every epoch (to `onEpoch`).
 * @example
 * const w = sc.variable([2]);
 * const seen: sc.Progress[] = [];
 * sc.fitSync({ optimizer: new sc.optim.SGD([w], { lr: 0.25 }), epochs: 2, loss: () => w.square().sum(), onEpoch: (p) => { seen.push(p); } });
 * seen.map((p) => [p.epoch, p.epochs, p.loss])   // => [[1, 2, 4], [2, 2, 1]]
 */
export interface Progress {
  /** 1-based epoch that just finished. */
  epoch: number;
  epochs: number;
  /** The loss of that epoch (computed before its update). */
  loss: number;
  /** Milliseconds since fit started. */
  elapsedMs: number;
}

/**
 * The options of `fit` / `fitSync`: the optimizer, a function computing the loss, the number of
 * epochs, and progress reporting.
 * @example
 * const w = sc.variable([2]);
 * const options: sc.FitOptions = { optimizer: new sc.optim.SGD([w], { lr: 0.25 }), epochs: 5, loss: () => w.square().sum(), onEpoch: ({ loss }) => loss > 0.1 };
 * // onEpoch returns false once the loss is <= 0.1: training stops there.
 * sc.fitSync(options).losses   // => [4, 1, 0.25, 0.0625]
 */
export interface FitOptions {
  /** The optimizer whose parameters are trained. */
  optimizer: Optimizer;
  /** Computes the loss (a one-element tensor) for an epoch; temporaries are freed after it. */
  loss: (epoch: number) => Tensor;
  epochs: number;
  /** Called after every epoch; return `false` to stop early. */
  onEpoch?: (p: Progress) => void | boolean;
  /** Draw a progress line (Node: on stderr when it is a terminal; `'always'` even when it is not). */
  progress?: boolean | 'always';
  /** Yield to the event loop when this many milliseconds passed since the last yield (default 16 in browsers, never in Node). */
  yieldEveryMs?: number;
}

// `globalThis.process`, not the free name: Parcel would bundle a `process` polyfill for that.
const isNode = typeof globalThis.process === 'object' && typeof globalThis.process.versions?.node === 'string';

const FIT_KEYS = new Set(['optimizer', 'loss', 'epochs', 'onEpoch', 'progress', 'yieldEveryMs']);

/** The options read once (each key once, see readOptions) and checked. */
function check(arg: FitOptions): FitOptions {
  const op = 'fit';
  if (arg === null || typeof arg !== 'object') throw new ArgumentError(op, 'options', 'an options object', describe(arg));
  const o = readOptions<FitOptions>(op, arg, FIT_KEYS);
  if (typeof o.optimizer?.step !== 'function') throw new ArgumentError(op, 'optimizer', 'an optimizer', describe(o.optimizer));
  if (typeof o.loss !== 'function') throw new ArgumentError(op, 'loss', 'a function returning the loss tensor', describe(o.loss));
  checkInt(op, 'epochs', o.epochs, 0, Number.MAX_SAFE_INTEGER);
  if (o.yieldEveryMs !== undefined && !(typeof o.yieldEveryMs === 'number' && o.yieldEveryMs >= 0)) {
    throw new ArgumentError(op, 'yieldEveryMs', 'a number of milliseconds >= 0', describe(o.yieldEveryMs));
  }
  if (o.onEpoch !== undefined && o.onEpoch !== null && typeof o.onEpoch !== 'function') {
    throw new ArgumentError(op, 'onEpoch', 'a function (progress) => void | boolean', describe(o.onEpoch));
  }
  if (o.progress !== undefined && typeof o.progress !== 'boolean' && o.progress !== 'always') {
    throw new ArgumentError(op, 'progress', "true, false or 'always'", describe(o.progress));
  }
  return o;
}

/** One epoch: returns the loss value. */
function epochStep(o: FitOptions, epoch: number): number {
  o.optimizer.zeroGrad();
  const loss = tidy(() => checkTensor('fit', 'loss', o.loss(epoch)));
  try {
    loss.backward();
    o.optimizer.step();
    return loss.item();
  } finally {
    loss.dispose();
  }
}

function progressLine(p: Progress): string {
  const width = 24;
  const done = Math.round((p.epoch / p.epochs) * width);
  return `epoch ${String(p.epoch).padStart(String(p.epochs).length)}/${p.epochs} [${'='.repeat(done)}${' '.repeat(width - done)}] loss ${p.loss.toFixed(4)} ${(p.elapsedMs / 1000).toFixed(1)}s`;
}

const now = () => (typeof performance === 'object' ? performance.now() : Date.now());

/**
 * Trains for `epochs` epochs and returns the loss history. Asynchronous so that it can yield
 * between steps (browsers) — the numbers are the same as `fitSync`'s.
 * @example
 * // The lesson: learn the kernel [1, -1] from the edge image X and its edges Y.
 * const X = sc.ones([1, 1, 6, 8]).set([null, null, null, [2, 6]], 0);
 * const Y = sc.conv2d(X, sc.tensor([[[[1, -1]]]]));
 * const conv = new sc.nn.Conv2d({ outChannels: 1, kernelSize: [1, 2], bias: false, seed: 0 });
 * const opt = new sc.optim.SGD(conv, { lr: 3e-2 });
 * const { losses } = await sc.fit({ optimizer: opt, epochs: 10, loss: () => sc.nn.mseLoss(conv.forward(X), Y, { reduction: 'sum' }) });
 * losses.length                  // => 10
 * losses[9] < losses[0] / 10     // => true
 */
export async function fit(options: FitOptions): Promise<{ losses: number[] }> {
  const o = check(options);
  const yieldMs = o.yieldEveryMs ?? (isNode ? Infinity : 16);
  const epochs = loop(o, yieldMs);
  for (let r = epochs.next(); ; r = epochs.next()) {
    if (r.done) return r.value;
    await new Promise<void>((resolve) => setTimeout(resolve, 0));
  }
}

/**
 * `fit` without yielding: runs to the end synchronously.
 * @example
 * const w = sc.variable([2]);
 * sc.fitSync({ optimizer: new sc.optim.SGD([w], { lr: 0.25 }), epochs: 3, loss: () => w.square().sum() }).losses   // => [4, 1, 0.25]
 */
export function fitSync(options: FitOptions): { losses: number[] } {
  const o = check(options);
  const epochs = loop(o, Infinity);
  for (let r = epochs.next(); ; r = epochs.next()) if (r.done) return r.value;
}

/** The training loop; it suspends (yields) whenever `yieldMs` passed since the last suspension. */
function* loop(o: FitOptions, yieldMs: number): Generator<void, { losses: number[] }> {
  const losses: number[] = [];
  const start = now();
  let lastYield = start;
  const bar = progressBar(o);
  try {
    for (let e = 1; e <= o.epochs; e++) {
      const loss = epochStep(o, e);
      losses.push(loss);
      const p = { epoch: e, epochs: o.epochs, loss, elapsedMs: now() - start };
      bar?.(p);
      if (o.onEpoch?.(p) === false) break;
      if (now() - lastYield >= yieldMs) {
        yield;
        lastYield = now();
      }
    }
  } finally {
    bar?.(null);
  }
  return { losses };
}

/** A terminal progress line writer (Node, stderr), or undefined when not wanted. */
function progressBar(o: FitOptions): ((p: Progress | null) => void) | undefined {
  if (!o.progress || !isNode) return undefined;
  const stream = globalThis.process.stderr;
  const tty = stream.isTTY === true;
  if (!tty && o.progress !== 'always') return undefined;
  let last = 0;
  let drawn = false;
  return (p) => {
    if (p === null) {
      if (drawn) stream.write('\n');
      return;
    }
    const t = now();
    if (p.epoch !== p.epochs && t - last < 100) return; // at most 10 redraws a second
    last = t;
    drawn = true;
    stream.write(tty ? `\r${progressLine(p)}` : `${progressLine(p)}\n`);
  };
}
