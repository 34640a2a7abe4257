// What this runtime offers: its name, shared memory, whether it can start a worker pool and
// whether the calling thread may block. Probes are cheap and cached.

/**
 * The JavaScript runtime simdconv runs on, as `capabilities().runtime` reports it.
 * @example
 * const name: sc.RuntimeName = sc.capabilities().runtime;
 * name   // => 'node'
 */
export type RuntimeName = 'node' | 'deno' | 'bun' | 'browser' | 'worker' | 'workerd' | 'unknown';

interface Globals {
  Deno?: unknown;
  Bun?: unknown;
  process?: { versions?: { node?: string; bun?: string }; getBuiltinModule?: (id: string) => unknown };
  navigator?: { userAgent?: string; hardwareConcurrency?: number };
  window?: unknown;
  document?: unknown;
  WorkerGlobalScope?: unknown;
  crossOriginIsolated?: boolean;
  Worker?: unknown;
}

const G = globalThis as unknown as Globals;

/** The runtime family (Deno and Bun also define `process.versions.node`, so they are tested first). */
export function runtimeName(): RuntimeName {
  if (typeof G.Deno === 'object' && G.Deno !== null) return 'deno';
  if (typeof G.Bun === 'object' || typeof G.process?.versions?.bun === 'string') return 'bun';
  if (G.navigator?.userAgent === 'Cloudflare-Workers') return 'workerd';
  if (typeof G.process?.versions?.node === 'string') return 'node';
  if (typeof G.window === 'object' && typeof G.document === 'object') return 'browser';
  if (typeof G.WorkerGlobalScope === 'function') return 'worker';
  return 'unknown';
}

/** Node, Deno and Bun: workers come from node:worker_threads. */
export function hasNodeWorkers(): boolean {
  const r = runtimeName();
  return r === 'node' || r === 'deno' || r === 'bun';
}

let shared: boolean | null = null;

/** Whether a shared WebAssembly.Memory (backed by a SharedArrayBuffer) can be created here. */
export function sharedMemorySupported(): boolean {
  if (shared === null) {
    try {
      const m = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
      shared = typeof SharedArrayBuffer === 'function' && m.buffer instanceof SharedArrayBuffer && typeof Atomics === 'object';
    } catch {
      shared = false;
    }
  }
  return shared;
}

/** `crossOriginIsolated` where the platform defines it (browsers, browser workers, Deno). */
export function crossOriginIsolated(): boolean | undefined {
  return typeof G.crossOriginIsolated === 'boolean' ? G.crossOriginIsolated : undefined;
}

/**
 * Whether a worker pool can run here: shared memory, and workers (node:worker_threads in Node,
 * Deno and Bun; module Web Workers in a cross-origin-isolated page or worker). Not in workerd
 * (Cloudflare Workers), which has no workers.
 */
export function threadsSupported(): boolean {
  if (!sharedMemorySupported()) return false;
  if (hasNodeWorkers()) return true;
  const r = runtimeName();
  return (r === 'browser' || r === 'worker') && typeof G.Worker === 'function' && crossOriginIsolated() === true;
}

let blocking: boolean | null = null;

/** Whether this thread may block in Atomics.wait (everywhere but a browser's main thread). */
export function canBlock(): boolean {
  if (blocking === null) {
    try {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
      blocking = true;
    } catch {
      blocking = false;
    }
  }
  return blocking;
}

/** Most threads 'auto' picks (split jobs gain little beyond this, and memory per thread grows). */
const AUTO_MAX_THREADS = 8;

/**
 * 'auto': the number of logical processors (navigator.hardwareConcurrency; in Node 20, which has
 * no navigator, os.availableParallelism), at most AUTO_MAX_THREADS.
 */
export async function autoThreads(): Promise<number> {
  let n = G.navigator?.hardwareConcurrency ?? 0;
  if (!(n >= 1) && hasNodeWorkers()) {
    type Os = { availableParallelism?: () => number; cpus(): unknown[] };
    // Node < 20.16 has no getBuiltinModule; the specifier is a variable so browser bundlers skip it.
    const OS = 'node:os';
    const os = (G.process?.getBuiltinModule?.(OS) as Os | undefined) ?? (await import(/* @vite-ignore */ /* webpackIgnore: true */ OS).catch(() => undefined) as Os | undefined);
    if (os) n = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  }
  return Math.max(1, Math.min(AUTO_MAX_THREADS, Math.floor(n) || 1));
}
