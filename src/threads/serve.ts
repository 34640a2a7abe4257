// The body of a pool worker, shared by the Web Worker entry (worker.ts) and the Node/Deno/Bun
// worker_threads entry (worker-node.ts): instantiate the kernel module on the shared memory it is
// sent, answer 'ready', then block in Atomics.wait on its control word and run the call records
// the main thread posts (see protocol.ts). It never returns to its event loop: the worker ends
// with the process (Node, Deno, Bun: it is unref'd) or the page.
import { CALL_SLOTS, CLAIM, COUNT, DONE, ERROR, LIST, PROGRESS, SEQ, type StartMessage, type WorkerReply } from './protocol.js';

type KernelFn = (...args: number[]) => unknown;

/** The worker's side of its message channel. */
export interface Channel {
  post(reply: WorkerReply): void;
  /** Calls `handler` with the first message only. */
  onceMessage(handler: (m: StartMessage) => void): void;
  close(): void;
}

/** Answers the start message, then serves jobs. */
export function runWorker(port: Channel): void {
  port.onceMessage((m) => {
    let fns: KernelFn[];
    try {
      const instance = new WebAssembly.Instance(m.module, { env: { memory: m.memory } });
      const exp = instance.exports as Record<string, unknown>;
      // The main thread checked the module's kernels; a name it lacks (the scalar twins of a
      // release module) is never recorded, and throws if it ever is.
      fns = m.names.map((name) => {
        const fn = exp[name];
        if (typeof fn === 'function') return fn as KernelFn;
        return () => {
          throw new Error(`the kernel module has no export ${name}`);
        };
      });
    } catch (e) {
      port.post({ type: 'error', message: (e as Error).message });
      port.close();
      return;
    }
    // Read the job number before answering: the first job may be posted right after 'ready'.
    const base = m.ctl >> 2;
    const last = Atomics.load(new Int32Array(m.memory.buffer), base + SEQ);
    port.post({ type: 'ready' });
    serve(m.memory, fns, base, last);
  });
  // Only now can the start message be received: tell the main thread to send it.
  port.post({ type: 'loaded' });
}

/**
 * Runs jobs, forever. `base` is the Int32 index of this worker's control record, `last` the job
 * number already seen (the next one differs).
 */
function serve(memory: WebAssembly.Memory, fns: KernelFn[], base: number, last: number): never {
  let i32 = new Int32Array(memory.buffer);
  let f64 = new Float64Array(memory.buffer);
  for (;;) {
    Atomics.wait(i32, base + SEQ, last);
    const seq = Atomics.load(i32, base + SEQ);
    if (seq === last) continue;
    last = seq;
    // The memory may have grown since the last job: the old views do not cover the new pages.
    if (i32.byteLength !== memory.buffer.byteLength) {
      i32 = new Int32Array(memory.buffer);
      f64 = new Float64Array(memory.buffer);
    }
    // Take the job, unless the main thread cancelled it (it gave up waiting for this worker).
    if (Atomics.compareExchange(i32, base + CLAIM, 0, seq) !== 0) continue;
    let p = Atomics.load(i32, base + LIST) >> 3;
    const end = p + Atomics.load(i32, base + COUNT) * CALL_SLOTS;
    let error = 0;
    try {
      for (; p < end; p += CALL_SLOTS) {
        // Unused trailing arguments are ignored by the wasm function.
        fns[f64[p]!]!(f64[p + 2]!, f64[p + 3]!, f64[p + 4]!, f64[p + 5]!, f64[p + 6]!, f64[p + 7]!, f64[p + 8]!,
          f64[p + 9]!, f64[p + 10]!, f64[p + 11]!, f64[p + 12]!, f64[p + 13]!, f64[p + 14]!, f64[p + 15]!,
          f64[p + 16]!, f64[p + 17]!, f64[p + 18]!, f64[p + 19]!);
        Atomics.add(i32, base + PROGRESS, 1);
      }
    } catch {
      error = 1;
    }
    Atomics.store(i32, base + ERROR, error);
    Atomics.store(i32, base + DONE, seq);
    Atomics.notify(i32, base + DONE);
  }
}
