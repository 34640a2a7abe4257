// onnxruntime-web as a benchmark peer: its WebAssembly execution provider in Node, one thread
// (`ort.env.wasm.numThreads = 1`; only SIMD builds of its wasm are shipped, so SIMD is on). Loaded
// from bench/node_modules like the tfjs peers (peers.ts), so `npm run bench` runs without it.
//
// onnxruntime-web has no training kernels: dX and dW are forward graphs (onnx.ts: ConvTranspose,
// and a Conv of x with dy as the kernel between Transposes), and the training step is one graph
// computing the loss, dX and the updated w and b (onnx.ts trainStepGraph). The forward graph holds
// w as an initializer (constant weights, as an inference model ships them, which lets
// onnxruntime prepack them); every other graph takes its operands as inputs. Inputs are
// ort.Tensors over the benchmark's Float32Arrays (NCHW / OIHW, onnx's layouts); session.run copies
// them into its wasm memory on every call, which is part of the timed call.
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Impl, Kernel } from './impl.js';
import type { StepState } from './naive.js';
import { convForwardGraph, convGradInputGraph, convGradWeightGraph, encodeModel, trainStepGraph } from './onnx.js';
import { BENCH_DIR, HOW_TO, errorText, installed } from './peers.js';
import { STEP_LR } from './shapes.js';

// ---- the subset of the onnxruntime-web API used ------------------------------------------------
interface OrtTensor {
  readonly data: unknown;
  readonly dims: readonly number[];
}
interface OrtSession {
  run(feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>>;
  release(): Promise<void>;
}
interface Ort {
  env: {
    versions: Record<string, string>;
    logLevel: string;
    wasm: { numThreads: number; simd?: boolean };
  };
  Tensor: new (type: 'float32', data: Float32Array, dims: readonly number[]) => OrtTensor;
  InferenceSession: { create(model: Uint8Array, options: Record<string, unknown>): Promise<OrtSession> };
}

const SESSION_OPTIONS = { executionProviders: ['wasm'], graphOptimizationLevel: 'all' };
export const ORT_GRAPHS = {
  dx: 'ConvTranspose graph (no gradient kernels)',
  dw: 'Conv graph: x channels as batch, dy as the kernel, Transposes',
  step: 'one graph: Conv + loss + ConvTranspose + dW Conv graph + ReduceSum + update',
};

export interface OrtLoad {
  impl?: Impl;
  notes: string[];
  info: Record<string, unknown>;
}

/** Loads onnxruntime-web from bench/node_modules and checks a session can run. */
export async function loadOrt(): Promise<OrtLoad> {
  if (!installed('onnxruntime-web')) {
    return { notes: [`onnxruntime-web skipped: not found in bench/node_modules; ${HOW_TO}`], info: {} };
  }
  const req = createRequire(path.join(BENCH_DIR, 'package.json'));
  let ort: Ort;
  try {
    const m = (await import(pathToFileURL(req.resolve('onnxruntime-web')).href)) as { default?: Ort } & Ort;
    ort = m.InferenceSession ? m : m.default!;
    ort.env.wasm.numThreads = 1;
    ort.env.logLevel = 'error';
    // a probe: the smallest forward graph
    const probe = await ort.InferenceSession.create(
      encodeModel(convForwardGraph({ N: 1, C: 1, H: 2, W: 2, Cout: 1, kh: 1, kw: 1 }, Float32Array.of(2))), SESSION_OPTIONS);
    const out = await probe.run({ x: new ort.Tensor('float32', Float32Array.of(1, 2, 3, 4), [1, 1, 2, 2]) });
    const y = Array.from(out.y!.data as Float32Array);
    await probe.release();
    if (y.join() !== '2,4,6,8') throw new Error(`probe conv gave [${y.join(', ')}], want [2, 4, 6, 8]`);
  } catch (e) {
    return { notes: [`onnxruntime-web skipped: ${errorText(e)}`], info: {} };
  }
  const version = ort.env.versions.web ?? ort.env.versions.common ?? '?';
  const info = { version, numThreads: ort.env.wasm.numThreads, simd: 'always (only SIMD builds are shipped)' };
  return {
    impl: ortImpl(ort, `onnxruntime-web ${version} (wasm execution provider, SIMD, ${ort.env.wasm.numThreads} thread)`),
    notes: [],
    info,
  };
}

function ortImpl(ort: Ort, description: string): Impl {
  return {
    id: 'ort',
    label: 'ort-wasm',
    ratio: '÷ort',
    description,
    async kernels(s, data) {
      const { N, C, H, W, Cout, kh, kw, Ho, Wo } = s;
      const tensor = (a: Float32Array, dims: readonly number[]) => new ort.Tensor('float32', a, dims);
      const x = tensor(data.x, [N, C, H, W]);
      const w = tensor(data.w, [Cout, C, kh, kw]);
      const dy = tensor(data.dy, [N, Cout, Ho, Wo]);
      const sessions: OrtSession[] = [];
      const session = async (bytes: Uint8Array) => {
        const ses = await ort.InferenceSession.create(bytes, SESSION_OPTIONS);
        sessions.push(ses);
        return ses;
      };
      /** A kernel running `ses` on fixed feeds; output `name` of the last run. */
      const graph = (ses: OrtSession, feeds: Record<string, OrtTensor>, name: string, via?: string): Kernel => {
        let last: Record<string, OrtTensor> | undefined;
        return {
          run: async () => {
            last = await ses.run(feeds);
          },
          output: () => Float32Array.from(last![name]!.data as Float32Array),
          via,
        };
      };
      const fwd = graph(await session(encodeModel(convForwardGraph(s, data.w))), { x }, 'y');
      const dx = graph(await session(encodeModel(convGradInputGraph(s))), { dy, w }, 'dx', ORT_GRAPHS.dx);
      const dw = graph(await session(encodeModel(convGradWeightGraph(s))), { x, dy }, 'dw', ORT_GRAPHS.dw);

      // the step feeds its updated w and b back in
      const stepSession = await session(encodeModel(trainStepGraph(s, STEP_LR)));
      const stepFeeds: Record<string, OrtTensor> = {
        x,
        w: tensor(Float32Array.from(data.step.w0), [Cout, C, kh, kw]),
        b: tensor(Float32Array.from(data.step.b0), [Cout]),
        t: tensor(data.step.t, [N, Cout, Ho, Wo]),
      };
      let last: Record<string, OrtTensor> | undefined;
      const step: Kernel<StepState> = {
        run: async () => {
          last = await stepSession.run(stepFeeds);
          stepFeeds.w = last.w_new!;
          stepFeeds.b = last.b_new!;
        },
        output: () => ({
          loss: (last!.loss!.data as Float32Array)[0]!,
          dx: Float32Array.from(last!.dx!.data as Float32Array),
          w: Float32Array.from(last!.w_new!.data as Float32Array),
          b: Float32Array.from(last!.b_new!.data as Float32Array),
        }),
        via: ORT_GRAPHS.step,
      };
      return {
        fwd, dx, dw, step,
        dispose() {
          for (const ses of sessions) void ses.release();
        },
      };
    },
  };
}
