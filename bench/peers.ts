// Peer libraries for the benchmark: TensorFlow.js with its CPU backend (plain JavaScript kernels)
// and its WebAssembly backend (XNNPACK, SIMD, one thread). They are installed apart from the
// library, in bench/node_modules (`npm run bench:install`, from bench/package.json), and loaded
// here by path, so `npm run bench` runs without them and the library never depends on them.
// onnxruntime-web, the other peer, is in ort.ts.
//
// Layouts: the benchmark's data is NCHW / OIHW; tfjs wants NHWC activations and HWIO filters.
// Inputs are transposed once per shape, outside any timing; outputs are transposed back to
// NCHW / OIHW only to be checked.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Impl, Kernel } from './impl.js';
import type { StepState } from './naive.js';
import { STEP_LR, type ShapeData, type ShapeDims } from './shapes.js';

// ---- the subset of the tfjs API the benchmark uses --------------------------------------------
export interface TfTensor {
  readonly shape: number[];
  dataSync(): ArrayLike<number>;
  dispose(): void;
}
export interface TfVariable extends TfTensor {
  readonly name: string;
  assign(value: TfTensor): void;
}
export interface TfOptimizer {
  minimize(f: () => TfTensor, returnCost?: boolean, varList?: TfVariable[]): TfTensor | null;
  applyGradients(grads: Record<string, TfTensor>): void;
  dispose(): void;
}
type Pad = 'valid' | 'same';
export interface Tf {
  version_core: string;
  enableProdMode(): void;
  env(): { set(flag: string, value: unknown): void; getAsync(flag: string): Promise<unknown> };
  setBackend(name: string): Promise<boolean>;
  getBackend(): string;
  getKernel(kernelName: string, backendName: string): unknown;
  engine(): { runKernel(kernelName: string, inputs: Record<string, TfTensor>, attrs: Record<string, unknown>): TfTensor };
  tensor4d(values: Float32Array, shape: readonly [number, number, number, number]): TfTensor;
  tensor1d(values: Float32Array): TfTensor;
  variable(initialValue: TfTensor, trainable?: boolean, name?: string): TfVariable;
  conv2d(x: TfTensor, filter: TfTensor, strides: number, pad: Pad): TfTensor;
  conv2dTranspose(dy: TfTensor, filter: TfTensor, outputShape: readonly number[], strides: number, pad: Pad): TfTensor;
  add(a: TfTensor, b: TfTensor): TfTensor;
  sub(a: TfTensor, b: TfTensor): TfTensor;
  mul(a: TfTensor, b: TfTensor | number): TfTensor;
  square(x: TfTensor): TfTensor;
  transpose(x: TfTensor, perm: number[]): TfTensor;
  squaredDifference(a: TfTensor, b: TfTensor): TfTensor;
  sum(x: TfTensor, axis?: number[]): TfTensor;
  mean(x: TfTensor): TfTensor;
  tidy<T extends TfTensor | TfTensor[]>(f: () => T): T;
  variableGrads(f: () => TfTensor, varList?: TfVariable[]): { value: TfTensor; grads: Record<string, TfTensor> };
  train: { sgd(learningRate: number): TfOptimizer; momentum(learningRate: number, momentum: number): TfOptimizer };
  dispose(x: TfTensor | TfTensor[] | Record<string, TfTensor>): void;
  memory(): { numTensors: number };
}
interface TfWasm {
  version_wasm: string;
  setWasmPaths(prefix: string): void;
  getThreadsCount(): number;
}

/** One tfjs backend as the benchmark runs it. */
export interface Peer {
  /** Column id: 'tfcpu' or 'tfwasm'. */
  id: string;
  /** Short column label. */
  label: string;
  /** What it is, for the header. */
  description: string;
  backend: string;
  tf: Tf;
}

export interface PeersLoad {
  peers: Peer[];
  /** Why some or all peers are missing, one line each. */
  notes: string[];
  info: Record<string, unknown>;
}

export const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
const NODE_MODULES = path.join(BENCH_DIR, 'node_modules');
export const HOW_TO = 'run `npm run bench:install` (installs bench/package.json into bench/node_modules) to time them too';

export const installed = (pkg: string): boolean => existsSync(path.join(NODE_MODULES, pkg, 'package.json'));

/**
 * Loads tfjs from bench/node_modules. `@tensorflow/tfjs` (the union package) is what registers
 * tfjs's gradient functions in Node; tfjs-core alone has the kernels but no gradients.
 */
export async function loadPeers(): Promise<PeersLoad> {
  const notes: string[] = [];
  const info: Record<string, unknown> = {};
  const need = ['@tensorflow/tfjs', '@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-cpu'];
  const missing = need.filter((p) => !installed(p));
  if (missing.length > 0) {
    notes.push(`peers skipped: ${missing.join(', ')} not found in bench/node_modules; ${HOW_TO}`);
    return { peers: [], notes, info };
  }
  const req = createRequire(path.join(BENCH_DIR, 'package.json'));
  const load = async <T>(pkg: string): Promise<T> => {
    const m = (await import(pathToFileURL(req.resolve(pkg)).href)) as { default?: T };
    return (m.default ?? m) as T;
  };
  const tf = await load<Tf>('@tensorflow/tfjs');
  tf.enableProdMode();
  info.tfjs = tf.version_core;
  const peers: Peer[] = [{ id: 'tfcpu', label: 'tfjs-cpu', description: '@tensorflow/tfjs-backend-cpu (JavaScript kernels)', backend: 'cpu', tf }];

  if (!installed('@tensorflow/tfjs-backend-wasm')) {
    notes.push(`tfjs-wasm skipped: @tensorflow/tfjs-backend-wasm not found in bench/node_modules; ${HOW_TO}`);
  } else {
    const wasm = await load<TfWasm>('@tensorflow/tfjs-backend-wasm');
    // One thread: the threaded build needs worker scripts; Node's default is already unthreaded.
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    // In Node the .wasm files are read from disk: point the backend at the package's dist/.
    wasm.setWasmPaths(path.dirname(req.resolve('@tensorflow/tfjs-backend-wasm')) + path.sep);
    try {
      if (!(await tf.setBackend('wasm'))) throw new Error("tf.setBackend('wasm') returned false");
      const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
      info.tfjsWasm = { version: wasm.version_wasm, simd, threads: wasm.getThreadsCount() };
      peers.push({
        id: 'tfwasm', label: 'tfjs-wasm', backend: 'wasm', tf,
        description: `@tensorflow/tfjs-backend-wasm (XNNPACK, ${simd ? 'SIMD' : 'no SIMD'}, ${wasm.getThreadsCount()} thread)`,
      });
    } catch (e) {
      notes.push(`tfjs-wasm skipped: the wasm backend failed to start: ${errorText(e)}`);
    }
  }
  if (!(await tf.setBackend('cpu'))) throw new Error("tf.setBackend('cpu') returned false");
  return { peers, notes, info };
}

export function errorText(e: unknown): string {
  const msg = e instanceof Error ? e.message : typeof e === 'object' && e !== null && 'message' in e ? String((e as { message: unknown }).message) : String(e);
  return msg.split('\n', 1)[0]!.slice(0, 200);
}

/** Whether `peer`'s backend registers `kernel`. */
export const hasKernel = (peer: Peer, kernel: string): boolean => !!peer.tf.getKernel(kernel, peer.backend);

// ---- layouts ---------------------------------------------------------------------------------
export function nchwToNhwc(a: Float32Array, N: number, C: number, H: number, W: number): Float32Array {
  const out = new Float32Array(a.length);
  for (let n = 0; n < N; n++)
    for (let c = 0; c < C; c++)
      for (let h = 0; h < H; h++)
        for (let w = 0; w < W; w++) out[((n * H + h) * W + w) * C + c] = a[((n * C + c) * H + h) * W + w]!;
  return out;
}

export function nhwcToNchw(a: ArrayLike<number>, N: number, C: number, H: number, W: number): Float32Array {
  const out = new Float32Array(a.length);
  for (let n = 0; n < N; n++)
    for (let c = 0; c < C; c++)
      for (let h = 0; h < H; h++)
        for (let w = 0; w < W; w++) out[((n * C + c) * H + h) * W + w] = a[((n * H + h) * W + w) * C + c]!;
  return out;
}

/** OIHW [O, I, KH, KW] -> HWIO [KH, KW, I, O], the tfjs filter layout. */
export function oihwToHwio(a: Float32Array, O: number, I: number, KH: number, KW: number): Float32Array {
  const out = new Float32Array(a.length);
  for (let o = 0; o < O; o++)
    for (let i = 0; i < I; i++)
      for (let h = 0; h < KH; h++)
        for (let w = 0; w < KW; w++) out[((h * KW + w) * I + i) * O + o] = a[((o * I + i) * KH + h) * KW + w]!;
  return out;
}

export function hwioToOihw(a: ArrayLike<number>, O: number, I: number, KH: number, KW: number): Float32Array {
  const out = new Float32Array(a.length);
  for (let o = 0; o < O; o++)
    for (let i = 0; i < I; i++)
      for (let h = 0; h < KH; h++)
        for (let w = 0; w < KW; w++) out[((o * I + i) * KH + h) * KW + w] = a[((h * KW + w) * I + i) * O + o]!;
  return out;
}

// ---- per-shape kernels -----------------------------------------------------------------------
/** The filter gradient as a forward conv, for a backend without a Conv2DBackpropFilter kernel. */
export const DW_VIA_CONV = 'conv2d of x (channels as batch) with dy as the kernel, with transposes';
/** The training step built by hand from forward kernels, for a backend whose autograd lacks one. */
export const STEP_BY_HAND = 'by hand: conv2d, conv2dTranspose, dW as conv2d, SGD update as tensor ops';

/**
 * dW (HWIO) of a 'valid', stride-1 conv from forward kernels: dw[a,b,c,o] = sum_{n,i,j}
 * x[n,i+a,j+b,c]·dy[n,i,j,o] is conv2d(x as [C, H, W, N] (channels as batch), dy as the HWIO
 * filter [Ho, Wo, N, Cout]) = [C, kh, kw, Cout], transposed to [kh, kw, C, Cout].
 */
function dwViaConv2d(tf: Tf, x: TfTensor, dy: TfTensor): TfTensor {
  return tf.tidy(() => tf.transpose(tf.conv2d(tf.transpose(x, [3, 1, 2, 0]), tf.transpose(dy, [1, 2, 0, 3]), 1, 'valid'), [1, 2, 0, 3]));
}

/**
 * A tfjs backend as a benchmark implementation. Operands are NHWC / HWIO tensors made once per
 * shape (transposed from the benchmark's NCHW / OIHW outside any timing); outputs are transposed
 * back only to be checked. fwd is tf.conv2d; dX tf.conv2dTranspose (kernel Conv2DBackpropInput);
 * dW the Conv2DBackpropFilter kernel as tfjs's conv2d gradient runs it, or where the backend
 * has none (tfjs-wasm) a conv2d (DW_VIA_CONV). The step: tf.variableGrads over x, w, b and an SGD
 * optimizer where the backend has every gradient kernel, else by hand (STEP_BY_HAND). Each call
 * disposes the previous call's output.
 */
export function tfjsImpl(peer: Peer): Impl {
  return {
    id: peer.id,
    label: peer.label,
    ratio: `÷${peer.label}`,
    description: peer.description,
    async kernels(s, data) {
      const { tf } = peer;
      if (!(await tf.setBackend(peer.backend))) throw new Error(`tf.setBackend('${peer.backend}') failed`);
      const { N, C, H, W, Cout, kh, kw, Ho, Wo } = s;
      const cleanup: (() => void)[] = [];
      const onDispose = (f: () => void) => cleanup.push(f);
      const keep = <T extends TfTensor>(t: T): T => (onDispose(() => t.dispose()), t);
      const xt = keep(tf.tensor4d(nchwToNhwc(data.x, N, C, H, W), [N, H, W, C]));
      const ft = keep(tf.tensor4d(oihwToHwio(data.w, Cout, C, kh, kw), [kh, kw, C, Cout]));
      const dyt = keep(tf.tensor4d(nchwToNhwc(data.dy, N, Cout, Ho, Wo), [N, Ho, Wo, Cout]));
      const missing = (k: string) => `no ${k} kernel in tfjs-backend-${peer.backend}`;

      const producing = (f: () => TfTensor, toNchw: (o: ArrayLike<number>) => Float32Array, via?: string): Kernel => {
        let last: TfTensor | undefined;
        onDispose(() => last?.dispose());
        return {
          run() {
            last?.dispose();
            last = f();
          },
          output: () => toNchw(last!.dataSync()),
          via,
        };
      };
      const hasDwKernel = hasKernel(peer, 'Conv2DBackpropFilter');
      return {
        fwd: hasKernel(peer, 'Conv2D')
          ? producing(() => tf.conv2d(xt, ft, 1, 'valid'), (o) => nhwcToNchw(o, N, Cout, Ho, Wo))
          : { none: missing('Conv2D') },
        dx: hasKernel(peer, 'Conv2DBackpropInput')
          ? producing(() => tf.conv2dTranspose(dyt, ft, [N, H, W, C], 1, 'valid'), (o) => nhwcToNchw(o, N, C, H, W))
          : { none: missing('Conv2DBackpropInput') },
        dw: hasDwKernel
          ? producing(() => tf.engine().runKernel('Conv2DBackpropFilter', { x: xt, dy: dyt },
              { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', dimRoundingMode: undefined, filterShape: [kh, kw, C, Cout] }),
            (o) => hwioToOihw(o, Cout, C, kh, kw))
          : producing(() => dwViaConv2d(tf, xt, dyt), (o) => hwioToOihw(o, Cout, C, kh, kw), DW_VIA_CONV),
        step: tfjsStep(peer, s, data, hasDwKernel, onDispose),
        dispose() {
          for (const f of cleanup) f();
        },
      };
    },
  };
}

/**
 * The training step (shapes.ts Dir) on a tfjs backend: x, w, b are variables (x so that dX is
 * computed, as for a layer inside a network), loss mean((conv2d(x, w) + b - t)²). With `autograd`,
 * tf.variableGrads and an SGD optimizer applying the W and b gradients; else the backward pass
 * and the update written out with tfjs ops (STEP_BY_HAND).
 */
function tfjsStep(peer: Peer, s: ShapeDims, data: ShapeData, autograd: boolean, onDispose: (f: () => void) => void): Kernel<StepState> {
  const { tf } = peer;
  const { N, C, H, W, Cout, kh, kw, Ho, Wo } = s;
  const keep = <T extends TfTensor>(t: T): T => (onDispose(() => t.dispose()), t);
  const tag = `bench_step_${peer.id}_${Math.random().toString(36).slice(2)}`;
  const variable = (init: TfTensor, name: string): TfVariable => {
    const v = keep(tf.variable(init, true, `${tag}_${name}`));
    init.dispose();
    return v;
  };
  const xv = variable(tf.tensor4d(nchwToNhwc(data.x, N, C, H, W), [N, H, W, C]), 'x');
  const wv = variable(tf.tensor4d(oihwToHwio(data.step.w0, Cout, C, kh, kw), [kh, kw, C, Cout]), 'w');
  const bv = variable(tf.tensor1d(Float32Array.from(data.step.b0)), 'b');
  const tt = keep(tf.tensor4d(nchwToNhwc(data.step.t, N, Cout, Ho, Wo), [N, Ho, Wo, Cout]));
  /** The last step's loss and dX (NHWC), disposed by the next step. */
  let last: TfTensor[] = [];
  onDispose(() => tf.dispose(last));
  const output = (): StepState => ({
    loss: last[0]!.dataSync()[0]!,
    dx: nhwcToNchw(last[1]!.dataSync(), N, C, H, W),
    w: hwioToOihw(wv.dataSync(), Cout, C, kh, kw),
    b: Float32Array.from(bv.dataSync()),
  });
  if (autograd) {
    const opt = tf.train.sgd(STEP_LR);
    onDispose(() => opt.dispose());
    const loss = () => tf.mean(tf.squaredDifference(tf.add(tf.conv2d(xv, wv, 1, 'valid'), bv), tt));
    return {
      run() {
        tf.dispose(last);
        const { value, grads } = tf.variableGrads(loss, [xv, wv, bv]);
        opt.applyGradients({ [wv.name]: grads[wv.name]!, [bv.name]: grads[bv.name]! });
        last = [value, grads[xv.name]!];
        tf.dispose([grads[wv.name]!, grads[bv.name]!]);
      },
      output,
    };
  }
  const count = N * Cout * Ho * Wo;
  return {
    run() {
      tf.dispose(last);
      last = tf.tidy(() => {
        const r = tf.sub(tf.add(tf.conv2d(xv, wv, 1, 'valid'), bv), tt);
        const loss = tf.mean(tf.square(r));
        const dy = tf.mul(r, 2 / count);
        const dx = tf.conv2dTranspose(dy, wv, [N, H, W, C], 1, 'valid');
        const dw = dwViaConv2d(tf, xv, dy);
        const db = tf.sum(dy, [0, 1, 2]);
        wv.assign(tf.sub(wv, tf.mul(dw, STEP_LR)));
        bv.assign(tf.sub(bv, tf.mul(db, STEP_LR)));
        return [loss, dx];
      });
    },
    output,
    via: STEP_BY_HAND,
  };
}
