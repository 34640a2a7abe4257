// Whole training steps: forward, loss, backward, optimizer update, as a user of each library
// writes them.
//
// 'lesson': the lesson's loop body on its 6x8 edge image. nn.Conv2d({ outChannels: 1,
//   kernelSize: [1, 2], bias: false, seed: 0 }), l = squaredError(conv(X), Y).sum(), zeroGrad,
//   backward, SGD(lr 3e-2) step. Gradients: dW only. Time per step.
// 'layer': one small multi-channel layer. x [8, 16, 32, 32] NCHW, Conv2d 16 -> 16, 3x3, padding 1,
//   with bias, mseLoss (mean) against a fixed target, backward, SGD(lr 1e-2, momentum 0.9) step.
//   Gradients: dW, db and dX (x requires grad, as the input of a layer inside a deeper net would);
//   W and b are updated. GFLOP/s counts forward + dX + dW = 3x the forward's 2·N·Cout·Ho·Wo·C·kh·kw
//   (the loss, bias and update are not counted).
//
// After the table's timings, each case times simdconv's step interleaved with a yardstick in one
// loop (see Interleaved): the lesson against the naive JS step, the layer against its conv kernels;
// once eager, once compiled (the same step captured by sc.compile and replayed: the table's
// 'simdconv compiled' row, checked against the eager step's losses and weights).
//
// Implementations: simdconv, a naive JS step by hand, and each tfjs peer (a peer whose step throws,
// like tfjs-wasm's, is reported with its error). Every one starts from simdconv's seeded initial
// weights and runs the checked steps first (10 for the lesson, 2 for the layer): its losses, final
// weights (and dX of the last step) must agree with simdconv's; then its step is timed.
import * as sc from '../src/index.js';
import { naiveCorr2d } from './naive.js';
import { errorText, hwioToOihw, nchwToNhwc, nhwcToNchw, oihwToHwio, type Peer, type TfTensor, type TfVariable } from './peers.js';
import { SHAPES, makeData, uniform } from './shapes.js';
import { isTiming, relMaxDiff, time, timeOnce, type FirstCall, type Timing, type TimingOptions } from './timing.js';

/** State after the checked steps, in NCHW / OIHW. */
interface CheckState {
  losses: number[];
  w: Float32Array;
  b?: Float32Array;
  dx?: Float32Array;
}

interface Trainer {
  /** One training step; returns the step's loss when `read`, NaN otherwise (the timed form). */
  step(read: boolean): number;
  /** Parameters after the last step (and dX of the last step where computed). */
  state(): Omit<CheckState, 'losses'>;
  dispose(): void;
}

export interface TrainImplResult {
  impl: string;
  timing?: Timing;
  skipped?: string;
  error?: string;
  /** Worst relative disagreement with simdconv over losses, W, b, dX (null for simdconv itself). */
  check: number | null;
  ok: boolean;
}

export interface TrainCaseResult {
  id: 'lesson' | 'layer';
  title: string;
  grads: string;
  /** FLOPs counted per step: the forward's and those of the conv gradients computed (lesson: dW; layer: dX, dW). */
  flopsPerStep: number;
  checkSteps: number;
  impls: TrainImplResult[];
  /** The step against its yardstick, timed interleaved in one loop (see Interleaved): eager, and compiled (sc.compile). */
  interleaved?: Interleaved;
  interleavedCompiled?: Interleaved;
}

/**
 * simdconv's step timed interleaved with a yardstick, round by round (each round times a batch of
 * calls of each), so both see the same load. lesson: the yardstick is the naive JS step, and
 * `ratio` = simdconv step time / naive JS step time (goal ≤ 1). layer: the yardstick is the step's
 * conv kernels alone (forward with bias, dX, dW through conv2d / conv2dGradInput /
 * conv2dGradWeight into preallocated outputs), and `ratio` = kernels time / step time, the
 * fraction of the kernels' GFLOP/s the whole step keeps (goal ≥ 0.8).
 */
export interface Interleaved {
  yardstick: string;
  /** Median over rounds of the per-round ratio (see above). */
  ratio: number;
  /** Median time per call (ms): simdconv's step, and the yardstick. */
  stepMs: number;
  yardstickMs: number;
  rounds: number;
  /** The lesson's step: JS heap bytes allocated per step in steady state (see heapPerStep); absent where the runtime cannot tell. */
  heapBytesPerStep?: number;
}

export interface TrainOptions {
  timing: TimingOptions;
  peers: Peer[];
  rtol: number;
  /** Conservative naive-loop throughput (GFLOP/s) used to predict a step's time. */
  naivePredictGflops: number;
  /** The naive step is not timed above this many seconds per step. */
  naiveMaxS: number;
  /** Why a peer's step should not be run at all for a case (predicted too slow), or null to run it. */
  skipPeer?: (peer: Peer, caseId: TrainCaseResult['id'], flopsPerStep: number) => string | null;
  log: (line: string) => void;
}

// ---- the lesson ------------------------------------------------------------------------------
const LESSON = SHAPES.find((s) => s.id === 'a')!;
const LESSON_LR = 3e-2;
const LESSON_CHECK_STEPS = 10;
/** Forward + dW (x needs no gradient here): 2x the forward's FLOPs. */
const LESSON_FLOPS = 2 * 2 * (LESSON.H - LESSON.kh + 1) * (LESSON.W - LESSON.kw + 1) * LESSON.kh * LESSON.kw;

function lessonData() {
  const { x, w: K } = makeData(LESSON);
  const { H, W, kh, kw } = LESSON;
  const Y = naiveCorr2d(x, H, W, K, kh, kw, new Float32Array((H - kh + 1) * (W - kw + 1)));
  return { x, Y };
}

/**
 * The lesson's step through the public API: eager (every call runs the ops, autograd and the
 * optimizer), or `compiled` (sc.compile: the first call captures the same step, later calls
 * replay its kernel calls).
 */
function simdconvLesson(x: Float32Array, Y: Float32Array, ref: { w0?: Float32Array }, compiled = false): Trainer {
  const { H, W, kh, kw } = LESSON;
  const conv = new sc.nn.Conv2d({ outChannels: 1, kernelSize: [1, 2], bias: false, seed: 0 });
  const X4 = sc.tensor(x, [1, 1, H, W]);
  const Y4 = sc.tensor(Y, [1, 1, H - kh + 1, W - kw + 1]);
  sc.noGrad(() => conv.forward(X4).dispose()); // materialise the lazy weight to hand it to the others
  ref.w0 = conv.weight!.data();
  const opt = new sc.optim.SGD(conv, { lr: LESSON_LR });
  const eager = () => {
    const l = sc.tidy(() => sc.nn.squaredError(conv.forward(X4), Y4).sum());
    conv.zeroGrad();
    l.backward();
    opt.step();
    return l;
  };
  const compiledStep = compiled ? sc.compile(eager) : null;
  return {
    step(read) {
      if (compiledStep !== null) {
        const l = compiledStep();
        return read ? l.item() : NaN;
      }
      const l = eager();
      const v = read ? l.item() : NaN;
      l.dispose();
      return v;
    },
    state: () => ({ w: conv.weight!.data() }),
    dispose() {
      compiledStep?.dispose();
      conv.zeroGrad();
      for (const t of [X4, Y4, conv.weight!]) t.dispose();
    },
  };
}

/** The lesson's step by hand: forward, residuals, dW, update; Float32Array state. */
function naiveLesson(x: Float32Array, Y: Float32Array, w0: Float32Array): Trainer {
  const { H, W, kh, kw } = LESSON;
  const Ho = H - kh + 1;
  const Wo = W - kw + 1;
  const w = Float32Array.from(w0);
  const yHat = new Float32Array(Ho * Wo);
  const dW = new Float32Array(kh * kw);
  return {
    step(read) {
      naiveCorr2d(x, H, W, w, kh, kw, yHat);
      let loss = 0;
      dW.fill(0);
      for (let i = 0; i < Ho; i++) {
        for (let j = 0; j < Wo; j++) {
          const r = yHat[i * Wo + j]! - Y[i * Wo + j]!;
          loss += r * r;
          for (let a = 0; a < kh; a++) for (let b = 0; b < kw; b++) dW[a * kw + b] += 2 * r * x[(i + a) * W + j + b]!;
        }
      }
      for (let k = 0; k < w.length; k++) w[k] -= LESSON_LR * dW[k]!;
      return read ? loss : NaN;
    },
    state: () => ({ w: Float32Array.from(w) }),
    dispose() {},
  };
}

async function tfLesson(peer: Peer, x: Float32Array, Y: Float32Array, w0: Float32Array): Promise<Trainer> {
  const { tf } = peer;
  await tf.setBackend(peer.backend);
  const { H, W, kh, kw } = LESSON;
  const xt = tf.tensor4d(x, [1, H, W, 1]);
  const yt = tf.tensor4d(Y, [1, H - kh + 1, W - kw + 1, 1]);
  const init = tf.tensor4d(oihwToHwio(w0, 1, 1, kh, kw), [kh, kw, 1, 1]);
  const w = tf.variable(init, true, `bench_lesson_w_${peer.id}`);
  init.dispose();
  const opt = tf.train.sgd(LESSON_LR);
  return {
    step(read) {
      const cost = opt.minimize(() => tf.sum(tf.squaredDifference(tf.conv2d(xt, w, 1, 'valid'), yt)), true, [w])!;
      const v = read ? cost.dataSync()[0]! : NaN;
      cost.dispose();
      return v;
    },
    state: () => ({ w: hwioToOihw(w.dataSync(), 1, 1, kh, kw) }),
    dispose() {
      opt.dispose();
      tf.dispose([xt, yt, w]);
    },
  };
}

// ---- the multi-channel layer -----------------------------------------------------------------
const L = { N: 8, C: 16, H: 32, W: 32, Cout: 16, k: 3, pad: 1, lr: 1e-2, momentum: 0.9 } as const;
const LAYER_CHECK_STEPS = 2;
const LAYER_FLOPS = 3 * 2 * L.N * L.Cout * L.H * L.W * L.C * L.k * L.k;

function layerData() {
  return { x: uniform(L.N * L.C * L.H * L.W, 101), t: uniform(L.N * L.Cout * L.H * L.W, 102) };
}

function simdconvLayer(x: Float32Array, t: Float32Array, ref: { w0?: Float32Array; b0?: Float32Array }, compiled = false): Trainer {
  const conv = new sc.nn.Conv2d({ inChannels: L.C, outChannels: L.Cout, kernelSize: L.k, padding: L.pad, seed: 1 });
  ref.w0 = conv.weight!.data();
  ref.b0 = conv.bias!.data();
  const xv = sc.variable(x, [L.N, L.C, L.H, L.W]);
  const tt = sc.tensor(t, [L.N, L.Cout, L.H, L.W]);
  const opt = new sc.optim.SGD(conv, { lr: L.lr, momentum: L.momentum });
  const eager = () => {
    const l = sc.tidy(() => sc.nn.mseLoss(conv.forward(xv), tt));
    opt.zeroGrad();
    xv.zeroGrad();
    l.backward();
    opt.step();
    return l;
  };
  const compiledStep = compiled ? sc.compile(eager) : null;
  return {
    step(read) {
      if (compiledStep !== null) {
        const l = compiledStep();
        return read ? l.item() : NaN;
      }
      const l = eager();
      const v = read ? l.item() : NaN;
      l.dispose();
      return v;
    },
    state: () => ({ w: conv.weight!.data(), b: conv.bias!.data(), dx: xv.grad!.data() }),
    dispose() {
      compiledStep?.dispose();
      opt.zeroGrad();
      xv.zeroGrad();
      for (const p of [xv, tt, conv.weight!, conv.bias!]) p.dispose();
    },
  };
}

/**
 * The layer's step by hand, loops with bounds checks for the padding: forward with bias, mean
 * squared error, dL/dy, db, dW, dX (scatter), then SGD with momentum (buf = m·buf + g; p -= lr·buf).
 */
function naiveLayer(x: Float32Array, t: Float32Array, w0: Float32Array, b0: Float32Array): Trainer {
  const { N, C, H, W, Cout, k, pad, lr, momentum } = L;
  const w = Float32Array.from(w0);
  const b = Float32Array.from(b0);
  const bufW = new Float32Array(w.length);
  const bufB = new Float32Array(b.length);
  const y = new Float32Array(N * Cout * H * W);
  const g = new Float32Array(y.length);
  const dW = new Float32Array(w.length);
  const db = new Float32Array(b.length);
  const dX = new Float32Array(x.length);
  return {
    step(read) {
      // forward: y[n,o,i,j] = b[o] + sum_{c,a,e} x[n,c,i+a-pad,j+e-pad] * w[o,c,a,e]
      for (let n = 0; n < N; n++) {
        for (let o = 0; o < Cout; o++) {
          for (let i = 0; i < H; i++) {
            for (let j = 0; j < W; j++) {
              let s = b[o]!;
              for (let c = 0; c < C; c++) {
                for (let a = 0; a < k; a++) {
                  const ii = i + a - pad;
                  if (ii < 0 || ii >= H) continue;
                  for (let e = 0; e < k; e++) {
                    const jj = j + e - pad;
                    if (jj < 0 || jj >= W) continue;
                    s += x[((n * C + c) * H + ii) * W + jj]! * w[((o * C + c) * k + a) * k + e]!;
                  }
                }
              }
              y[((n * Cout + o) * H + i) * W + j] = s;
            }
          }
        }
      }
      // loss = mean (y - t)^2 ; g = dloss/dy = 2 (y - t) / count
      let loss = 0;
      for (let q = 0; q < y.length; q++) {
        const r = y[q]! - t[q]!;
        loss += r * r;
        g[q] = (2 * r) / y.length;
      }
      loss /= y.length;
      // db[o] = sum g[n,o,:,:] ; dW[o,c,a,e] = sum g[n,o,i,j] * x[n,c,i+a-pad,j+e-pad]
      db.fill(0);
      dW.fill(0);
      dX.fill(0);
      for (let n = 0; n < N; n++) {
        for (let o = 0; o < Cout; o++) {
          for (let i = 0; i < H; i++) {
            for (let j = 0; j < W; j++) {
              const gv = g[((n * Cout + o) * H + i) * W + j]!;
              db[o] += gv;
              for (let c = 0; c < C; c++) {
                for (let a = 0; a < k; a++) {
                  const ii = i + a - pad;
                  if (ii < 0 || ii >= H) continue;
                  for (let e = 0; e < k; e++) {
                    const jj = j + e - pad;
                    if (jj < 0 || jj >= W) continue;
                    const xi = ((n * C + c) * H + ii) * W + jj;
                    const wi = ((o * C + c) * k + a) * k + e;
                    dW[wi] += gv * x[xi]!;
                    dX[xi] += gv * w[wi]!;
                  }
                }
              }
            }
          }
        }
      }
      for (let q = 0; q < w.length; q++) {
        bufW[q] = momentum * bufW[q]! + dW[q]!;
        w[q] -= lr * bufW[q]!;
      }
      for (let q = 0; q < b.length; q++) {
        bufB[q] = momentum * bufB[q]! + db[q]!;
        b[q] -= lr * bufB[q]!;
      }
      return read ? loss : NaN;
    },
    state: () => ({ w: Float32Array.from(w), b: Float32Array.from(b), dx: Float32Array.from(dX) }),
    dispose() {},
  };
}

async function tfLayer(peer: Peer, x: Float32Array, t: Float32Array, w0: Float32Array, b0: Float32Array): Promise<Trainer> {
  const { tf } = peer;
  await tf.setBackend(peer.backend);
  const { N, C, H, W, Cout, k } = L;
  const made: TfTensor[] = [];
  const variable = (init: TfTensor, name: string): TfVariable => {
    const v = tf.variable(init, true, `bench_layer_${name}_${peer.id}`);
    init.dispose();
    made.push(v);
    return v;
  };
  const xv = variable(tf.tensor4d(nchwToNhwc(x, N, C, H, W), [N, H, W, C]), 'x');
  const wv = variable(tf.tensor4d(oihwToHwio(w0, Cout, C, k, k), [k, k, C, Cout]), 'w');
  const bv = variable(tf.tensor1d(Float32Array.from(b0)), 'b');
  const tt = tf.tensor4d(nchwToNhwc(t, N, Cout, H, W), [N, H, W, Cout]);
  made.push(tt);
  const opt = tf.train.momentum(L.lr, L.momentum);
  let dx: Float32Array | undefined;
  // 'same' is padding 1 on every side for a 3x3 kernel at stride 1.
  const loss = () => tf.mean(tf.squaredDifference(tf.add(tf.conv2d(xv, wv, 1, 'same'), bv), tt));
  return {
    step(read) {
      const { value, grads } = tf.variableGrads(loss, [xv, wv, bv]);
      opt.applyGradients({ [wv.name]: grads[wv.name]!, [bv.name]: grads[bv.name]! });
      const v = read ? value.dataSync()[0]! : NaN;
      if (read) dx = nhwcToNchw(grads[xv.name]!.dataSync(), N, C, H, W);
      value.dispose();
      tf.dispose(grads);
      return v;
    },
    state: () => ({ w: hwioToOihw(wv.dataSync(), Cout, C, k, k), b: Float32Array.from(bv.dataSync()), dx }),
    dispose() {
      opt.dispose();
      tf.dispose(made);
    },
  };
}

/** The layer step's conv kernels alone: forward (with bias), dX and dW, into preallocated outputs. */
function simdconvLayerKernels(x: Float32Array, t: Float32Array): { run: () => void; dispose: () => void } {
  const { N, C, H, W, Cout, k, pad } = L;
  const conv = new sc.nn.Conv2d({ inChannels: C, outChannels: Cout, kernelSize: k, padding: pad, seed: 1 });
  const xt = sc.tensor(x, [N, C, H, W]);
  const dy = sc.tensor(t, [N, Cout, H, W]);
  const y = sc.zeros([N, Cout, H, W]);
  const dx = sc.zeros([N, C, H, W]);
  const dw = sc.zeros([Cout, C, k, k]);
  const w = conv.weight!, b = conv.bias!;
  return {
    run() {
      sc.noGrad(() => {
        sc.conv2d(xt, w, { padding: pad, bias: b, out: y });
        sc.conv2dGradInput(dy, w, [N, C, H, W], { padding: pad, out: dx });
        sc.conv2dGradWeight(xt, dy, [Cout, C, k, k], { padding: pad, out: dw });
      });
    },
    dispose() {
      for (const u of [xt, dy, y, dx, dw]) u.dispose();
      conv.dispose();
    },
  };
}

/**
 * Times `step` and `yard` alternately: `rounds` rounds, each a batch of `calls` calls of one then
 * of the other (the order alternating by round); returns the medians and the median per-round
 * ratio yardstick / step when `yardOverStep`, else step / yardstick.
 */
function interleave(step: () => void, yard: () => void, calls: number, rounds: number, yardstick: string, yardOverStep: boolean): Interleaved {
  const batch = (f: () => void) => {
    const t0 = performance.now();
    for (let i = 0; i < calls; i++) f();
    return (performance.now() - t0) / calls;
  };
  const ts: number[] = [], ty: number[] = [], r: number[] = [];
  for (let k = 0; k < rounds; k++) {
    let a: number, b: number;
    if (k % 2 === 0) {
      a = batch(step);
      b = batch(yard);
    } else {
      b = batch(yard);
      a = batch(step);
    }
    ts.push(a);
    ty.push(b);
    r.push(yardOverStep ? b / a : a / b);
  }
  const med = (v: number[]) => v.slice().sort((p, q) => p - q)[v.length >> 1]!;
  return { yardstick, ratio: med(r), stepMs: med(ts), yardstickMs: med(ty), rounds };
}

/**
 * JS heap bytes `step` allocates per call in steady state: the growth of the used heap over
 * windows of 200 calls, the median of the windows no garbage collection interrupted (the heap
 * did not shrink). Undefined without process.memoryUsage, or when every window saw a collection.
 */
function heapPerStep(step: () => void): number | undefined {
  const proc = (globalThis as { process?: { memoryUsage?: () => { heapUsed: number } } }).process;
  if (typeof proc?.memoryUsage !== 'function') return undefined;
  const calls = 200, per: number[] = [];
  for (let k = 0; k < 31; k++) {
    const before = proc.memoryUsage().heapUsed;
    for (let i = 0; i < calls; i++) step();
    const grown = proc.memoryUsage().heapUsed - before;
    if (grown >= 0) per.push(grown / calls);
  }
  return per.length === 0 ? undefined : per.sort((p, q) => p - q)[per.length >> 1];
}

/** Calls per round so that one batch lasts about `ms`, from a first timed call. */
function callsFor(fn: () => void, ms: number): number {
  const t0 = performance.now();
  fn();
  return Math.max(1, Math.round(ms / Math.max(performance.now() - t0, 1e-4)));
}

// ---- running a case --------------------------------------------------------------------------
/** Runs `steps` read steps; returns the state and the last step's time. */
function checkedSteps(tr: Trainer, steps: number): { state: CheckState; last: FirstCall } {
  const losses: number[] = [];
  let last: FirstCall = { ms: 0, foreignLoad: null };
  for (let i = 0; i < steps; i++) {
    let l = NaN;
    last = timeOnce(() => {
      l = tr.step(true);
    });
    losses.push(l);
  }
  return { state: { losses, ...tr.state() }, last };
}

function disagreement(got: CheckState, want: CheckState): number {
  const parts = [relMaxDiff(got.losses, want.losses), relMaxDiff(got.w, want.w)];
  if (want.b) parts.push(got.b ? relMaxDiff(got.b, want.b) : Infinity);
  if (want.dx) parts.push(got.dx ? relMaxDiff(got.dx, want.dx) : Infinity);
  return parts.reduce((m, v) => (Number.isNaN(v) || Number.isNaN(m) ? NaN : Math.max(m, v)), 0);
}

/** An implementation to check and time, or the reason it is not run at all. */
type Candidate =
  | { impl: string; skip: string }
  | {
      impl: string;
      make: () => Trainer | Promise<Trainer>;
      /** Seconds per step above which the step is checked but not timed. */
      maxStepS?: number;
    };

async function runCase(
  c: Omit<TrainCaseResult, 'impls'>, simd: () => Trainer, others: () => Candidate[], o: TrainOptions,
): Promise<TrainCaseResult> {
  const impls: TrainImplResult[] = [];
  const flops = c.flopsPerStep;
  // simdconv first: its checked state is the reference, its initial weights seed the others
  const s = simd();
  const ref = checkedSteps(s, c.checkSteps);
  const refOk = ref.state.losses.every(Number.isFinite);
  impls.push({
    impl: 'simdconv',
    timing: await time(`${c.id} simdconv`, () => s.step(false), flops, ref.last, o.timing),
    check: null,
    ok: refOk,
  });
  s.dispose();
  o.log(`    ${c.id} simdconv: ${(impls[0]!.timing!.medianMs * 1e3).toFixed(1)} µs/step`);
  for (const cand of others()) {
    if ('skip' in cand) {
      impls.push({ impl: cand.impl, skipped: cand.skip, check: null, ok: true });
      continue;
    }
    let tr: Trainer | undefined;
    try {
      tr = await cand.make();
      const got = checkedSteps(tr, c.checkSteps);
      const check = disagreement(got.state, ref.state);
      const ok = check <= o.rtol;
      const slow = cand.maxStepS !== undefined && got.last.ms > cand.maxStepS * 1000;
      impls.push(slow
        ? { impl: cand.impl, skipped: `one step took ${(got.last.ms / 1000).toFixed(1)} s (> ${cand.maxStepS} s)`, check, ok }
        : { impl: cand.impl, timing: await time(`${c.id} ${cand.impl}`, () => tr!.step(false), flops, got.last, o.timing), check, ok });
    } catch (e) {
      impls.push({ impl: cand.impl, error: errorText(e), check: null, ok: true });
    } finally {
      tr?.dispose();
    }
    const last = impls[impls.length - 1]!;
    o.log(`    ${c.id} ${cand.impl}: ${isTiming(last.timing) ? `${(last.timing.medianMs * 1e3).toFixed(1)} µs/step` : last.error ? `error: ${last.error}` : last.skipped}`);
  }
  return { ...c, impls };
}

export async function runTraining(o: TrainOptions): Promise<TrainCaseResult[]> {
  const out: TrainCaseResult[] = [];
  {
    const { x, Y } = lessonData();
    const ref: { w0?: Float32Array } = {};
    out.push(await runCase(
      {
        id: 'lesson',
        title: "6x8 image, Conv2d 1->1 [1,2] no bias, squaredError(...).sum(), SGD lr 3e-2",
        grads: 'dW',
        flopsPerStep: LESSON_FLOPS,
        checkSteps: LESSON_CHECK_STEPS,
      },
      () => simdconvLesson(x, Y, ref),
      () => [
        { impl: 'simdconv compiled', make: () => simdconvLesson(x, Y, {}, true) },
        { impl: 'naive JS', make: () => naiveLesson(x, Y, ref.w0!) },
        ...o.peers.map((p) => ({ impl: p.label, make: () => tfLesson(p, x, Y, ref.w0!) })),
      ],
      o,
    ));
    for (const compiled of [false, true]) {
      const s = simdconvLesson(x, Y, {}, compiled);
      const n = naiveLesson(x, Y, ref.w0!);
      for (let i = 0; i < 2000; i++) {
        s.step(false);
        n.step(false);
      }
      const calls = callsFor(() => s.step(false), 2);
      const il = interleave(() => s.step(false), () => n.step(false), Math.max(calls, 100), o.timing.timeMs >= 400 ? 41 : 11, 'naive JS step', false);
      const heap = heapPerStep(() => s.step(false));
      if (heap !== undefined) il.heapBytesPerStep = heap;
      s.dispose();
      const c = out[out.length - 1]!;
      if (compiled) c.interleavedCompiled = il;
      else c.interleaved = il;
      o.log(`    lesson interleaved: simdconv${compiled ? ' compiled' : ''} ${(il.stepMs * 1e3).toFixed(2)} µs, naive JS ${(il.yardstickMs * 1e3).toFixed(2)} µs per step: ${il.ratio.toFixed(2)}x naive JS's time` +
        (il.heapBytesPerStep === undefined ? '' : `; ${il.heapBytesPerStep.toFixed(0)} heap bytes allocated per step`));
    }
  }
  {
    const { x, t } = layerData();
    const ref: { w0?: Float32Array; b0?: Float32Array } = {};
    const predictedS = LAYER_FLOPS / (o.naivePredictGflops * 1e9);
    out.push(await runCase(
      {
        id: 'layer',
        title: `x [${L.N},${L.C},${L.H},${L.W}], Conv2d ${L.C}->${L.Cout} ${L.k}x${L.k} padding ${L.pad} + bias, mseLoss, SGD lr ${L.lr} momentum ${L.momentum}`,
        grads: 'dW, db and dX (x requires grad, as inside a deeper net); W and b updated',
        flopsPerStep: LAYER_FLOPS,
        checkSteps: LAYER_CHECK_STEPS,
      },
      () => simdconvLayer(x, t, ref),
      () => [
        { impl: 'simdconv compiled', make: () => simdconvLayer(x, t, {}, true) },
        predictedS > o.naiveMaxS
          ? { impl: 'naive JS', skip: `predicted ${predictedS.toFixed(1)} s per step (> ${o.naiveMaxS} s)` }
          : { impl: 'naive JS', maxStepS: o.naiveMaxS, make: () => naiveLayer(x, t, ref.w0!, ref.b0!) },
        ...o.peers.map((p): Candidate => {
          const skip = o.skipPeer?.(p, 'layer', LAYER_FLOPS);
          return skip ? { impl: p.label, skip } : { impl: p.label, make: () => tfLayer(p, x, t, ref.w0!, ref.b0!) };
        }),
      ],
      o,
    ));
    for (const compiled of [false, true]) {
      const s = simdconvLayer(x, t, {}, compiled);
      const kern = simdconvLayerKernels(x, t);
      s.step(false);
      kern.run();
      const calls = callsFor(() => s.step(false), 20);
      const il = interleave(() => s.step(false), () => kern.run(), calls, o.timing.timeMs >= 400 ? 9 : 3, 'its conv kernels alone', true);
      s.dispose();
      kern.dispose();
      const c = out[out.length - 1]!;
      if (compiled) c.interleavedCompiled = il;
      else c.interleaved = il;
      o.log(`    layer interleaved: step${compiled ? ' compiled' : ''} ${(il.stepMs * 1e3).toFixed(0)} µs, its kernels alone ${(il.yardstickMs * 1e3).toFixed(0)} µs: the step runs at ${(il.ratio * 100).toFixed(0)}% of its kernels' GFLOP/s`);
    }
  }
  return out;
}
