// The body of a pool worker, shared by the Web Worker entry (worker.ts) and the Node/Deno/Bun
// worker_threads entry (worker-node.ts): instantiate the kernel module on the shared memory it is
// sent, answer 'ready', then block in Atomics.wait on its control word and run the call records
// the main thread posts (see protocol.ts). It never returns to its event loop: the worker ends
// with the process (Node, Deno, Bun: it is unref'd) or the page.
import { CLAIM, DONE, ERROR, LIST, PROGRESS, SEEN, SEQ, type StartMessage, type WorkerReply } from './protocol.js';
import { runParts, spin, type RecordFn } from './parts.js';

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
    let fns: RecordFn[];
    try {
      const instance = new WebAssembly.Instance(m.module, { env: { memory: m.memory } });
      const exp = instance.exports as Record<string, unknown>;
      // The main thread checked the module's kernels; a name it lacks (the scalar twins of a
      // release module) is never recorded, and throws if it ever is.
      fns = m.names.map((name) => {
        const fn = exp[name];
        if (typeof fn === 'function') return fn as RecordFn;
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
function serve(memory: WebAssembly.Memory, fns: RecordFn[], base: number, last: number): never {
  let i32 = new Int32Array(memory.buffer);
  let f64 = new Float64Array(memory.buffer);
  for (;;) {
    spin(i32, base + SEQ, last);
    Atomics.wait(i32, base + SEQ, last);
    const seq = Atomics.load(i32, base + SEQ);
    if (seq === last) continue;
    last = seq;
    // The memory may have grown since the last job: the old views do not cover the new pages.
    if (i32.byteLength !== memory.buffer.byteLength) {
      i32 = new Int32Array(memory.buffer);
      f64 = new Float64Array(memory.buffer);
    }
    Atomics.store(i32, base + SEEN, seq);
    // Take the job, unless the main thread cancelled it (every part was done before this worker woke).
    if (Atomics.compareExchange(i32, base + CLAIM, -seq, seq) !== -seq) continue;
    let error = 0;
    try {
      runParts(i32, f64, Atomics.load(i32, base + LIST), fns, base + PROGRESS);
    } catch {
      error = 1;
    }
    Atomics.store(i32, base + ERROR, error);
    Atomics.store(i32, base + DONE, seq);
    Atomics.notify(i32, base + DONE);
  }
}
