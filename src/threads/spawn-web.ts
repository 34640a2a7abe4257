// Starts pool workers as module Web Workers (browsers). The URL is written as
// `new URL('./worker.js', import.meta.url)` inside `new Worker(...)` so bundlers recognise it and
// emit the worker as its own file.
import type { WorkerReply } from './protocol.js';
import type { PoolWorker } from './spawn.js';

export function spawnWebWorker(): PoolWorker {
  const w = new Worker(new URL('./worker.js', import.meta.url), { type: 'module', name: 'simdconv' });
  return {
    post: (m) => w.postMessage(m),
    listen: (onReply, onFailure) => {
      w.onmessage = (e: MessageEvent<WorkerReply>) => onReply(e.data);
      w.onerror = (e: ErrorEvent) => {
        e.preventDefault();
        onFailure(e.message || 'the worker script failed to load');
      };
      w.onmessageerror = () => onFailure('the worker could not receive the module or the memory');
    },
    release: () => {
      w.onmessage = null;
      w.onerror = null;
      w.onmessageerror = null;
    },
    terminate: () => w.terminate(),
  };
}
