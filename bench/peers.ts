// Peer libraries for the benchmark: TensorFlow.js with its CPU backend (plain JavaScript kernels)
// and its WebAssembly backend (XNNPACK, SIMD, one thread). They are installed apart from the
// library, in bench/node_modules (`npm run bench:install`, from bench/package.json), and loaded
// here by path, so `npm run bench` runs without them and the library never depends on them.
//
// Layouts: the benchmark's data is NCHW / OIHW; tfjs wants NHWC activations and HWIO filters.
// Inputs are transposed once per shape, outside any timing; outputs are transposed back to
// NCHW / OIHW only to be checked.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

// ---- the subset of the tfjs API the benchmark uses --------------------------------------------
export interface TfTensor {
  readonly shape: number[];
  dataSync(): ArrayLike<number>;
  dispose(): void;
}
export interface TfVariable extends TfTensor {
  readonly name: string;
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
  squaredDifference(a: TfTensor, b: TfTensor): TfTensor;
  sum(x: TfTensor): TfTensor;
  mean(x: TfTensor): TfTensor;
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

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
const NODE_MODULES = path.join(BENCH_DIR, 'node_modules');
const HOW_TO = 'run `npm run bench:install` (installs bench/package.json into bench/node_modules) to time them too';

const installed = (pkg: string): boolean => existsSync(path.join(NODE_MODULES, pkg, 'package.json'));

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
export interface ConvDims {
  N: number; C: number; H: number; W: number; Cout: number; kh: number; kw: number; Ho: number; Wo: number;
}

/** A peer's kernel for one op: `run` makes the output (the timed call), `toNchw` converts it back for the check. */
export type PeerKernel = { run: () => TfTensor; toNchw: (out: ArrayLike<number>) => Float32Array } | { none: string };

export interface PeerShapeKernels {
  fwd: PeerKernel;
  dx: PeerKernel;
  dw: PeerKernel;
  dispose(): void;
}

/**
 * The forward pass, the input gradient and the filter gradient of a 'valid', stride-1 conv2d on
 * `peer`, over the benchmark's NCHW / OIHW data (transposed here, once). dX is tf.conv2dTranspose
 * (tfjs's Conv2DBackpropInput kernel); dW is the Conv2DBackpropFilter kernel, run as tfjs's own
 * conv2d gradient runs it (tfjs-core exports no op for it).
 */
export async function peerKernels(peer: Peer, s: ConvDims, x: Float32Array, w: Float32Array, dy: Float32Array): Promise<PeerShapeKernels> {
  const { tf } = peer;
  if (!(await tf.setBackend(peer.backend))) throw new Error(`tf.setBackend('${peer.backend}') failed`);
  const { N, C, H, W, Cout, kh, kw, Ho, Wo } = s;
  const xt = tf.tensor4d(nchwToNhwc(x, N, C, H, W), [N, H, W, C]);
  const ft = tf.tensor4d(oihwToHwio(w, Cout, C, kh, kw), [kh, kw, C, Cout]);
  const dyt = tf.tensor4d(nchwToNhwc(dy, N, Cout, Ho, Wo), [N, Ho, Wo, Cout]);
  const missing = (k: string) => `no ${k} kernel in tfjs-backend-${peer.backend}`;
  return {
    fwd: hasKernel(peer, 'Conv2D')
      ? { run: () => tf.conv2d(xt, ft, 1, 'valid'), toNchw: (o) => nhwcToNchw(o, N, Cout, Ho, Wo) }
      : { none: missing('Conv2D') },
    dx: hasKernel(peer, 'Conv2DBackpropInput')
      ? { run: () => tf.conv2dTranspose(dyt, ft, [N, H, W, C], 1, 'valid'), toNchw: (o) => nhwcToNchw(o, N, C, H, W) }
      : { none: missing('Conv2DBackpropInput') },
    dw: hasKernel(peer, 'Conv2DBackpropFilter')
      ? {
          run: () => tf.engine().runKernel('Conv2DBackpropFilter', { x: xt, dy: dyt },
            { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', dimRoundingMode: undefined, filterShape: [kh, kw, C, Cout] }),
          toNchw: (o) => hwioToOihw(o, Cout, C, kh, kw),
        }
      : { none: missing('Conv2DBackpropFilter') },
    dispose() {
      tf.dispose([xt, ft, dyt]);
    },
  };
}
