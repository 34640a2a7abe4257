// Starts pool workers with node:worker_threads: Node, and Deno and Bun through their Node
// compatibility (their Web Workers would keep the process alive: Deno's cannot be unref'd).
// A released worker is unref'd, so an idle pool never keeps the process from exiting.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { PoolWorker } from './spawn.js';

/** dist/threads/worker-node.js; from the sources (tests, tsx) the built one in dist/. */
function workerUrl(): URL {
  const url = new URL('./worker-node.js', import.meta.url);
  if (url.protocol === 'file:' && !existsSync(fileURLToPath(url))) return new URL('../../dist/threads/worker-node.js', import.meta.url);
  return url;
}

/**
 * The worker's Node flags: the process's (e.g. --conditions, --experimental-*), except those that
 * only make sense for the main script (`node --input-type=module -e ...` would make the worker
 * file fail to load) and V8's flags (--no-wasm-dynamic-tiering, --experimental-wasm-relaxed-simd,
 * ...): Node refuses those per worker (ERR_WORKER_INVALID_EXEC_ARGV), and they are process-wide,
 * so the worker has them anyway. Learned from the first refusal, then kept.
 */
let execArgv: string[] | null = null;

function newWorker(url: URL): Worker {
  execArgv ??= process.execArgv.filter((a) => !a.startsWith('--input-type'));
  try {
    return new Worker(url, { name: 'simdconv', execArgv });
  } catch (e) {
    if ((e as { code?: unknown }).code !== 'ERR_WORKER_INVALID_EXEC_ARGV') throw e;
    // "Initiated Worker with invalid execArgv flags: --a, --b"
    const refused = new Set(/flags: (.*)$/.exec((e as Error).message)?.[1]?.split(', ') ?? []);
    const kept = execArgv.filter((a) => !refused.has(a));
    execArgv = kept.length < execArgv.length ? kept : [];
    return newWorker(url);
  }
}

export function spawnNodeWorker(): PoolWorker {
  const w = newWorker(workerUrl());
  // After release, a failure has nobody to tell; without a listener it would crash the process.
  let onError: (e: Error) => void = () => {};
  w.on('error', (e) => onError(e));
  return {
    post: (m) => w.postMessage(m),
    listen: (onReply, onFailure) => {
      w.on('message', onReply);
      onError = (e) => onFailure(e.message);
      w.once('exit', (code) => onFailure(`the worker exited (code ${code})`));
    },
    release: () => {
      w.removeAllListeners('message');
      w.removeAllListeners('exit');
      onError = () => {};
      w.unref();
    },
    terminate: () => w.terminate(),
  };
}
