// Turning threads on: the `threads` option, the shared memory of the threads build, starting the
// pool, and moving a running single-thread instance onto a shared memory (`setThreads` after
// `init({ threads: 1 })`).
import { UnsupportedRuntimeError } from '../errors.js';
import { SHARED_MAX_PAGES, type Heap } from '../wasm/memory.js';
import type { SharedInstance, ThreadSupport, ThreadsOption } from '../wasm/runtime.js';
import { autoThreads, canBlock, hasNodeWorkers, sharedMemorySupported, threadsSupported } from './env.js';
import { poolThreads, startPool } from './pool.js';
import type { Spawn } from './spawn.js';
import { spawnWebWorker } from './spawn-web.js';

/** The thread count a `threads` value asks for here (1 where threads cannot run). */
async function wantedThreads(v: ThreadsOption | undefined): Promise<number> {
  if (v === undefined || v === 1 || !threadsSupported()) return 1;
  return v === 'auto' ? autoThreads() : v;
}

/** Sizes tried, largest first, for the shared memory: some engines cannot reserve 2 GiB. */
const SHARED_MAXIMA = [SHARED_MAX_PAGES, 16384, 8192, 4096];

/** A shared memory of at least `initial` pages with the largest maximum this engine grants. */
function sharedMemory(initial: number): { memory: WebAssembly.Memory; maxPages: number } {
  let last: unknown;
  for (const maximum of SHARED_MAXIMA) {
    if (maximum < initial) break;
    try {
      return { memory: new WebAssembly.Memory({ initial, maximum, shared: true }), maxPages: maximum };
    } catch (e) {
      last = e;
    }
  }
  throw new UnsupportedRuntimeError('init', 'threads', 'a runtime that can create a shared WebAssembly.Memory',
    `one that cannot (${(last as Error | undefined)?.message ?? `${initial} pages requested`})`);
}

/**
 * Instantiates `module` on a new shared memory. Resolves to null when the module does not take a
 * shared memory (the single-thread build was given): the caller then runs single-threaded.
 */
async function instantiateShared(module: WebAssembly.Module, initial: number): Promise<SharedInstance | null> {
  const { memory, maxPages } = sharedMemory(initial);
  try {
    const instance = await WebAssembly.instantiate(module, { env: { memory } });
    return { instance, memory, maxPages };
  } catch (e) {
    if (e instanceof WebAssembly.LinkError) return null;
    throw new UnsupportedRuntimeError('init', 'module', 'the simdconv kernel module', `a module that fails to instantiate (${(e as Error).message})`);
  }
}

/**
 * spawn-node.js, named through a variable so that browser bundlers do not follow it into
 * node:worker_threads (the browser entry's module graph references no `node:` module).
 */
const NODE_SPAWNER = './spawn-node.js';

/** The worker starter of this platform: node:worker_threads in Node, Deno and Bun; Web Workers elsewhere. */
async function spawner(): Promise<Spawn> {
  if (hasNodeWorkers()) {
    const m = (await import(/* @vite-ignore */ /* webpackIgnore: true */ NODE_SPAWNER)) as typeof import('./spawn-node.js');
    return m.spawnNodeWorker;
  }
  return spawnWebWorker;
}

/**
 * Starts the pool, or resizes it, so that ops run on `threads` threads (more workers are started
 * if needed; extra ones stay idle). Resolves to the thread count
 * reached: fewer when workers fail to start (ops stay correct, just with fewer threads).
 */
async function startThreads(module: WebAssembly.Module, memory: WebAssembly.Memory, heap: Heap, threads: number): Promise<number> {
  await startPool({ module, memory, heap, spawn: await spawner(), blocking: canBlock() }, threads - 1);
  return poolThreads();
}

/** @internal The worker pool as the wasm loader sees it: the package entries pass this to its init. */
export const threadSupport: ThreadSupport = {
  wanted: wantedThreads,
  instantiateShared,
  start: startThreads,
  count: poolThreads,
  sharedMemorySupported,
};
