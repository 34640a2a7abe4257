// capabilities(): what this runtime offers simdconv and what it is using.
import { hasRelaxedSimd, hasWasmSimd } from '../wasm/probe.js';
import { crossOriginIsolated, runtimeName, sharedMemorySupported, threadsSupported, type RuntimeName } from './env.js';
import { poolThreads } from './pool.js';

export type { RuntimeName };

/**
 * What this runtime offers simdconv, and what simdconv uses. Every field is probed, not guessed.
 * @example
 * const caps: sc.Capabilities = sc.capabilities();
 * [caps.simd, caps.runtime]   // => [true, 'node']
 */
export interface Capabilities {
  /** WebAssembly fixed-width SIMD (128-bit). simdconv requires it: `init` fails without it. */
  simd: boolean;
  /**
   * WebAssembly relaxed SIMD validates here (probed with `f32x4.relaxed_madd`). simdconv does not
   * use it: relaxed multiply-add may or may not fuse (round once or twice) depending on the engine
   * and CPU, so results would differ between runtimes, and simdconv promises bitwise-identical
   * outputs on every runtime and thread count. The price is speed: a fused multiply-add would make
   * the convolution kernels about 20-30% faster.
   */
  relaxedSimd: boolean;
  /** Threads ops run on now: the active workers + the calling thread; 1 without workers or before init. */
  threads: number;
  /**
   * Whether a worker pool can run here (`init({ threads })` / `setThreads` can give more than 1):
   * shared memory plus node:worker_threads (Node, Deno, Bun) or Web Workers in a
   * cross-origin-isolated page or worker. False in Cloudflare Workers and non-isolated pages.
   */
  threadsAvailable: boolean;
  /** Whether a shared WebAssembly.Memory (SharedArrayBuffer) can be created here. */
  sharedMemory: boolean;
  /** `globalThis.crossOriginIsolated` where the platform defines it (browsers, Deno); absent elsewhere. */
  crossOriginIsolated?: boolean;
  /**
   * The runtime: 'node', 'deno', 'bun', 'browser' (a page's main thread), 'worker' (a browser Web
   * Worker), 'workerd' (Cloudflare Workers) or 'unknown'.
   */
  runtime: RuntimeName;
}

/**
 * What this runtime offers and what simdconv uses. Callable before `init`.
 * @example
 * await sc.init({ threads: 'auto' });
 * sc.capabilities();   // { simd: true, relaxedSimd: false, threads: 2, threadsAvailable: true, sharedMemory: true, runtime: 'node' }
 * sc.capabilities().simd   // => true
 */
export function capabilities(): Capabilities {
  const c: Capabilities = {
    simd: hasWasmSimd(),
    relaxedSimd: hasRelaxedSimd(),
    threads: poolThreads(),
    threadsAvailable: threadsSupported(),
    sharedMemory: sharedMemorySupported(),
    runtime: runtimeName(),
  };
  const coi = crossOriginIsolated();
  if (coi !== undefined) c.crossOriginIsolated = coi;
  return c;
}
