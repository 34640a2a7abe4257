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

export function spawnNodeWorker(): PoolWorker {
  // Inherit the process's flags (e.g. V8's wasm flags) except those that only make sense for the
  // main script (`node --input-type=module -e ...` would make the worker file fail to load).
  const execArgv = process.execArgv.filter((a) => !a.startsWith('--input-type'));
  const w = new Worker(workerUrl(), { name: 'simdconv', execArgv });
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
