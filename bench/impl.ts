// The implementations the benchmark compares, behind one interface: per shape, a kernel for each
// direction (shapes.ts Dir) that `run`s one call (the timed part) and hands back the output of the
// last call (not timed) for the agreement checks, or why there is none. simdconv and the naive
// JavaScript loops are here; the peers are in peers.ts (tfjs) and ort.ts (onnxruntime-web).
//
// Outputs are in the benchmark's layouts (x NCHW, w OIHW): fwd y, dx dX, dw dW, step the state
// after the call (naive.ts StepState). A step kernel keeps its weights across calls: every call
// trains from where the last one left off.
import * as sc from '../src/index.js';
import { naiveConv2dGradInputNCHW, naiveConv2dGradWeightNCHW, naiveConv2dNCHW, naiveCorr2d, naiveTrainer, type StepState } from './naive.js';
import { STEP_LR, type Dir, type ShapeData, type ShapeDims } from './shapes.js';

export interface Kernel<Out = Float32Array> {
  /** One call: the timed part. May return a promise (awaited, and timed, by the benchmark). */
  run: (() => void) | (() => Promise<unknown>);
  /** The output of the last `run`, copied out. */
  output(): Out | Promise<Out>;
  /** How a peer computes this direction when it has no kernel for it (footnoted in the tables). */
  via?: string;
}

export type KernelOr<Out = Float32Array> = Kernel<Out> | { none: string };

export interface ShapeKernels {
  fwd: KernelOr;
  dx: KernelOr;
  dw: KernelOr;
  step: KernelOr<StepState>;
  /** Frees what the kernels hold (tensors, sessions). */
  dispose(): void;
}

export interface Impl {
  /** Key in the results JSON: 'simdconv', 'naive', 'tfcpu', 'tfwasm', 'ort'. */
  id: string;
  /** Column label. */
  label: string;
  /** Ratio column header: '÷naive', '÷tfjs-wasm', ... */
  ratio: string;
  /** What it is, for the header. */
  description: string;
  /**
   * Throughput assumed (GFLOP/s) to predict a call's time before any call was measured, so the
   * slowest implementations can be skipped on big shapes without being run; undefined: not skipped
   * before a measured rate exists.
   */
  assumedGflops?: number;
  kernels(d: ShapeDims, data: ShapeData): ShapeKernels | Promise<ShapeKernels>;
}

export const DIR_TITLE: Record<Dir, string> = {
  fwd: 'forward',
  dx: 'input gradient (dX)',
  dw: 'filter gradient (dW)',
  step: 'training step (forward + dX + dW + db + SGD update)',
};

// ---- simdconv -------------------------------------------------------------------------------
/**
 * simdconv through its public API, as a user calls it. Lesson shape 'a': corr2d on [H, W] for
 * the forward pass. Each call disposes the previous call's output (part of the timed work, as in a
 * loop that does not leak). The step: conv2d with bias on variables x, w, b, nn.mseLoss,
 * backward, optim.SGD over [w, b].
 */
export const simdconv: Impl = {
  id: 'simdconv',
  label: 'simdconv',
  ratio: '',
  description: 'this library, public API (tensors in wasm memory, outputs allocated per call)',
  kernels(s, data) {
    const lesson = s.id === 'a';
    const cleanup: (() => void)[] = [];
    const own = (t: sc.Tensor): sc.Tensor => {
      cleanup.push(() => t.dispose());
      return t;
    };
    const x4 = own(sc.tensor(data.x, s.xShape));
    const w4 = own(sc.tensor(data.w, s.wShape));
    const dyt = own(sc.tensor(data.dy, s.yShape));
    const x2 = lesson ? own(sc.tensor(data.x, [s.H, s.W])) : x4;
    const w2 = lesson ? own(sc.tensor(data.w, [s.kh, s.kw])) : w4;

    /** A kernel producing a fresh tensor per call; the previous one is disposed by the next call. */
    const producing = (f: () => sc.Tensor): Kernel => {
      let last: sc.Tensor | undefined;
      cleanup.push(() => last?.dispose());
      return {
        run() {
          last?.dispose();
          last = f();
        },
        output: () => last!.data(),
      };
    };

    // the training step
    const xv = own(sc.variable(data.x, s.xShape));
    const wv = own(sc.variable(data.step.w0, s.wShape));
    const bv = own(sc.variable(data.step.b0, [s.Cout]));
    const tt = own(sc.tensor(data.step.t, s.yShape));
    const opt = new sc.optim.SGD([wv, bv], { lr: STEP_LR });
    let loss: sc.Tensor | undefined;
    const step: Kernel<StepState> = {
      run() {
        loss?.dispose();
        loss = sc.tidy(() => sc.nn.mseLoss(sc.conv2d(xv, wv, { bias: bv }), tt));
        opt.zeroGrad();
        xv.zeroGrad();
        loss.backward();
        opt.step();
      },
      output: () => ({ loss: loss!.item(), dx: xv.grad!.data(), w: wv.data(), b: bv.data() }),
    };
    return {
      fwd: producing(lesson ? () => sc.corr2d(x2, w2) : () => sc.conv2d(x4, w4)),
      dx: producing(() => sc.conv2dGradInput(dyt, w4, s.xShape)),
      dw: producing(() => sc.conv2dGradWeight(x4, dyt, s.wShape)),
      step,
      dispose() {
        loss?.dispose();
        opt.zeroGrad();
        xv.zeroGrad();
        for (const f of cleanup) f();
      },
    };
  },
};

// ---- the naive JavaScript loops ------------------------------------------------------------------
/** Output buffers are allocated once per shape; every call overwrites them. */
export const naive: Impl = {
  id: 'naive',
  label: 'naive JS',
  ratio: '÷naive',
  description: 'plain JavaScript loops over Float32Arrays (textbook single-channel loop where N = C = Cout = 1)',
  assumedGflops: 0.4,
  kernels(s, data) {
    const { x, w, dy } = data;
    const { N, C, H, W, Cout, kh, kw } = s;
    const y = new Float32Array(N * Cout * s.Ho * s.Wo);
    const dx = new Float32Array(x.length);
    const dw = new Float32Array(w.length);
    const single = N === 1 && C === 1 && Cout === 1;
    const buffer = (out: Float32Array, f: () => void): Kernel => ({ run: f, output: () => Float32Array.from(out) });
    const trainer = naiveTrainer(x, data.step.t, data.step.w0, data.step.b0, STEP_LR, N, C, H, W, Cout, kh, kw);
    return {
      fwd: buffer(y, single
        ? () => void naiveCorr2d(x, H, W, w, kh, kw, y)
        : () => void naiveConv2dNCHW(x, w, y, N, C, H, W, Cout, kh, kw)),
      dx: buffer(dx, () => void naiveConv2dGradInputNCHW(dy, w, dx, N, C, H, W, Cout, kh, kw)),
      dw: buffer(dw, () => void naiveConv2dGradWeightNCHW(x, dy, dw, N, C, H, W, Cout, kh, kw)),
      step: { run: () => void trainer.step(), output: () => trainer.state() },
      dispose() {},
    };
  },
};
