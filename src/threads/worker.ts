// Pool worker entry for module Web Workers (browsers). Started by spawn-web.ts.
import { runWorker } from './serve.js';
import type { StartMessage } from './protocol.js';

const scope = globalThis as unknown as {
  postMessage(m: unknown): void;
  addEventListener(type: 'message', h: (e: { data: StartMessage }) => void, o: { once: boolean }): void;
  close(): void;
};

runWorker({
  post: (r) => scope.postMessage(r),
  onceMessage: (h) => scope.addEventListener('message', (e) => h(e.data), { once: true }),
  close: () => scope.close(),
});
