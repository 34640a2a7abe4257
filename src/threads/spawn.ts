// How the pool starts a worker. Two implementations: spawn-node.ts (node:worker_threads, for Node,
// Deno and Bun) and spawn-web.ts (module Web Workers, for browsers). Both load a separate module
// file emitted in dist/threads/ (no blob: URL, no eval), so a CSP of
// `script-src 'self' 'wasm-unsafe-eval'` is enough.
import type { StartMessage, WorkerReply } from './protocol.js';

/** One started worker, seen from the main thread. */
export interface PoolWorker {
  /** Sends the start message (the module and the memory are cloned, the memory stays shared). */
  post(m: StartMessage): void;
  /** Listens for replies and for failures (a script that does not load, an uncaught error). */
  listen(onReply: (r: WorkerReply) => void, onFailure: (message: string) => void): void;
  /** Stops listening; from now on the worker does not keep the process alive. */
  release(): void;
  /** Ends the worker as soon as possible (Node: resolves once it has stopped). */
  terminate(): Promise<unknown> | void;
}

export type Spawn = () => PoolWorker;
