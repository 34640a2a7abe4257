// Pool worker entry for node:worker_threads (Node, Deno, Bun). Started by spawn-node.ts.
import { parentPort } from 'node:worker_threads';
import { runWorker } from './serve.js';

if (parentPort === null) throw new Error('simdconv: worker-node.js runs only as a worker_threads worker');
const port = parentPort;
runWorker({
  post: (r) => port.postMessage(r),
  onceMessage: (h) => port.once('message', h),
  close: () => port.close(),
});
