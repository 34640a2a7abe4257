// Loading the kernel module and the process-wide state every op uses: the memory, its heap, the
// kernel table and reusable scratch blocks. `init()` is the only async step; after it, every op
// is synchronous. The worker pool lives above this module (src/threads/): the package entries
// hand init its ThreadSupport, so the loader imports nothing from threads/.
import { ArgumentError, NotInitializedError, SimdconvOutOfMemoryError, UnsupportedRuntimeError, describe } from '../errors.js';
import { bindKernels, extras } from './kernels.js';
import { recording } from './capture.js';
import { checkInt, readOptions } from '../args.js';
import { Heap, I32_BYTES, MAX_PAGES } from './memory.js';
import type { WasmFile, WasmSource } from './source.js';
import { hasWasmSimd } from './probe.js';
import type { WasmBytes, WasmModule } from './types.js';

/**
 * How to find the kernel module. With no option, simdconv loads the `.wasm` that ships beside it.
 * @example
 * const options: sc.InitOptions = {};   // or { url }, { bytes }, { module }, { threads: 'auto' }
 * await sc.init(options);               // later calls return at once
 * sc.ones([2]).sum().item()             // => 2
 */
export interface InitOptions {
  /** A compiled module (Cloudflare Workers: `import wasm from 'simdconv/simdconv.wasm'`). */
  module?: WasmModule;
  /** The module's bytes: an ArrayBuffer or a view of one (a Uint8Array, a Node Buffer). */
  bytes?: WasmBytes;
  /** Where to fetch the module from (in Node also a `file:` URL or a path). */
  url?: string | URL;
  /**
   * Threads ops may use: 1 (the default: no workers), a count, or 'auto' (the logical processor
   * count, at most 8). Above 1, simdconv loads the threads build (`simdconv-mt.wasm`; a
   * `module`/`bytes`/`url` given should be that build) on a shared memory and starts workers;
   * jobs estimated to take over ~150 µs are split over them, with bitwise the same results.
   * Where threads cannot run (Cloudflare Workers, pages that are not cross-origin isolated, the
   * single-thread build given) it runs on one thread; `capabilities().threads` says how many it
   * got. On a browser page's main thread, which may not block, the caller polls for the workers
   * after doing its own share; inside a Web Worker it blocks like Node does.
   */
  threads?: number | 'auto';
}

/** `threads` as given to init / setThreads: a count (1 = no workers) or 'auto'. */
export type ThreadsOption = number | 'auto';

/** Most threads (workers + the calling thread) a pool may have. */
export const MAX_THREADS = 64;

/** Checks a `threads` value; throws ArgumentError naming `op`. */
function checkThreads(op: string, v: unknown): ThreadsOption {
  if (v === 'auto') return v;
  if (typeof v !== 'number') throw new ArgumentError(op, 'threads', `an integer from 1 to ${MAX_THREADS}, or 'auto'`, describe(v));
  return checkInt(op, 'threads', v, 1, MAX_THREADS);
}

/** @internal A module instantiated on a shared memory (the threads build), with the most pages it may grow to. */
export interface SharedInstance {
  instance: WebAssembly.Instance;
  memory: WebAssembly.Memory;
  maxPages: number;
}

/** @internal What loading needs from the worker pool: src/threads/setup.ts's `threadSupport`, passed by the entries. */
export interface ThreadSupport {
  /** The thread count a `threads` value asks for here (1 where threads cannot run). */
  wanted(threads: ThreadsOption | undefined): Promise<number>;
  /** `module` on a new shared memory of at least `initial` pages; null when it is the single-thread build. */
  instantiateShared(module: WebAssembly.Module, initial: number): Promise<SharedInstance | null>;
  /** Starts or resizes the pool over `memory`; resolves to the thread count reached. */
  start(module: WebAssembly.Module, memory: WebAssembly.Memory, heap: Heap, threads: number): Promise<number>;
  /** Threads ops run on now (1 without workers). */
  count(): number;
  /** Whether this runtime can create a shared WebAssembly.Memory. */
  sharedMemorySupported(): boolean;
}

let heapRef: Heap | null = null;
let pending: Promise<void> | null = null;
/** How this platform finds the `.wasm` files: set by the package entry whose `init` was called. */
let sourceRef: WasmSource | null = null;
/** The worker pool, as the package entry whose `init` was called passed it. */
let threadsRef: ThreadSupport | null = null;

/**
 * @internal Loads and instantiates the kernels. Call once and await it; later calls return at once.
 * `source` is how this platform finds the `.wasm` files and `threads` the worker pool: each
 * package entry (index.ts, browser.ts, workerd.ts, inline.ts) exports an `init` that passes its
 * own (through entry.ts).
 * @example
 * import * as sc from 'simdconv';
 * await sc.init();
 * sc.corr2d(sc.tensor([[0, 1, 2], [3, 4, 5], [6, 7, 8]]), sc.tensor([[0, 1], [2, 3]])).toString();
 */
export function init(options: InitOptions = {}, source: WasmSource, threads: ThreadSupport): Promise<void> {
  if (options === null || typeof options !== 'object') {
    return Promise.reject(new ArgumentError('init', 'options', 'an object { module?, bytes?, url?, threads? }', describe(options)));
  }
  let o: InitOptions;
  try {
    o = readOptions<InitOptions>('init', options, INIT_KEYS);
  } catch (e) {
    return Promise.reject(e);
  }
  if (heapRef !== null || pending !== null) {
    // Later calls share the first call's result. A different `threads` is applied (as
    // setThreads does); a different module source cannot be, so it is refused, never ignored.
    const first = firstOptions!;
    if (!sameSource(o, first)) {
      return Promise.reject(new ArgumentError('init', 'options', "the first init()'s module, bytes and url (or none)", 'a different module source',
        'init: simdconv is already initialised from another module source; init() loads the kernels once per process: pass the same module/bytes/url (or none)'));
    }
    const ready = heapRef !== null ? Promise.resolve() : pending!;
    if (o.threads === undefined || o.threads === first.threads) return ready;
    let t: ThreadsOption;
    try {
      t = checkThreads('init', o.threads);
    } catch (e) {
      return Promise.reject(e);
    }
    return ready.then(() => setThreads(t)).then(() => undefined);
  }
  sourceRef = source;
  threadsRef = threads;
  firstOptions = o;
  pending = load(o, source, threads).catch((e: unknown) => {
    pending = null;
    firstOptions = null;
    throw e;
  });
  return pending;
}

const INIT_KEYS = new Set(['module', 'bytes', 'url', 'threads']);
/** The options of the init() call that loaded (or is loading) the module. */
let firstOptions: InitOptions | null = null;

/** Whether a later init names no module source, or the first call's (the same module, bytes or url value). */
function sameSource(o: InitOptions, first: InitOptions): boolean {
  if (o.module === undefined && o.bytes === undefined && o.url === undefined) return true;
  return o.module === first.module && o.bytes === first.bytes && String(o.url) === String(first.url);
}

async function load(options: InitOptions, source: WasmSource, pool: ThreadSupport): Promise<void> {
  if (!hasWasmSimd()) {
    throw new UnsupportedRuntimeError('init', 'runtime', 'a WebAssembly runtime with SIMD (Node 16.4+, Chrome 91+, Firefox 89+, Safari 16.4+, Deno, Bun, workerd)',
      'a runtime whose WebAssembly has no SIMD');
  }
  const threads = await pool.wanted(options.threads === undefined ? undefined : checkThreads('init', options.threads));
  const module = await resolveModule(options, source, threads > 1 ? 'simdconv-mt.wasm' : 'simdconv.wasm');
  // Threads: the threads build on a shared memory (null when the module given is not that build).
  let mt = threads > 1 ? await pool.instantiateShared(module, INITIAL_PAGES) : null;
  let memory: WebAssembly.Memory | undefined;
  let instance: WebAssembly.Instance | undefined;
  if (mt === null) {
    memory = new WebAssembly.Memory({ initial: INITIAL_PAGES });
    try {
      instance = await WebAssembly.instantiate(module, { env: { memory } });
    } catch (e) {
      // The threads build given for one thread: it runs on a shared memory, without workers.
      if (e instanceof WebAssembly.LinkError && pool.sharedMemorySupported()) mt = await pool.instantiateShared(module, INITIAL_PAGES);
      if (mt === null) {
        throw new UnsupportedRuntimeError('init', 'module', 'the simdconv kernel module', `a module that fails to instantiate (${(e as Error).message})`);
      }
    }
  }
  if (mt !== null) ({ memory, instance } = mt);
  bindKernels(instance!.exports as Record<string, unknown>);
  const h = new Heap(memory!, extras.heap_base(), mt?.maxPages ?? MAX_PAGES);
  if (mt !== null && threads > 1) await pool.start(module, memory!, h, threads);
  kernelModule = module;
  heapRef = h;
}

/** The module the kernels were instantiated from (the workers instantiate it too). */
let kernelModule: WebAssembly.Module | null = null;

/** Pages the memory starts with (1 MiB). */
const INITIAL_PAGES = 16;

let threadsChange: Promise<number> = Promise.resolve(1);

/**
 * Changes how many threads ops use (see `InitOptions.threads`); resolves to the count reached.
 * After `init({ threads: n })` with n > 1 this only starts or idles workers. After a
 * single-thread init it loads the threads build and moves the memory (every tensor keeps its
 * address) to a shared one, once; where threads cannot run it resolves to 1.
 * @example await sc.init(); await sc.setThreads('auto'); sc.capabilities().threads;
 */
export function setThreads(threads: number | 'auto'): Promise<number> {
  let t: ThreadsOption;
  try {
    t = checkThreads('setThreads', threads);
  } catch (e) {
    return Promise.reject(e);
  }
  threadsChange = threadsChange.catch(() => 1).then(() => changeThreads(t));
  return threadsChange;
}

async function changeThreads(t: ThreadsOption): Promise<number> {
  if (heapRef === null && pending !== null) await pending;
  const h = heap('setThreads');
  const pool = threadsRef!; // set by the init that made the heap
  const n = await pool.wanted(t);
  if (n === 1 && pool.count() === 1) return 1;
  if (typeof SharedArrayBuffer === 'function' && h.memory.buffer instanceof SharedArrayBuffer) {
    return pool.start(kernelModule!, h.memory, h, n);
  }
  const module = await sourceRef!.module('simdconv-mt.wasm'); // set by the init that made the heap
  const pages = h.memory.buffer.byteLength / 65536;
  const mt = await pool.instantiateShared(module, pages);
  if (mt === null) return 1;
  // From here on synchronous, so no op runs between the copy and the switch.
  const now = h.memory.buffer.byteLength / 65536;
  if (now > mt.maxPages) return 1;
  if (now > pages) mt.memory.grow(now - pages);
  new Uint8Array(mt.memory.buffer).set(new Uint8Array(h.memory.buffer));
  bindKernels(mt.instance.exports as Record<string, unknown>);
  h.adopt(mt.memory, mt.maxPages);
  kernelModule = module;
  return pool.start(module, mt.memory, h, n);
}

/** The module `init` options name, else the package's `file` (see WasmSource). */
async function resolveModule(o: InitOptions, source: WasmSource, file: WasmFile): Promise<WebAssembly.Module> {
  if (o.module !== undefined) {
    if (!(o.module instanceof WebAssembly.Module)) {
      throw new ArgumentError('init', 'module', 'a WebAssembly.Module', describe(o.module));
    }
    return o.module;
  }
  if (o.bytes !== undefined) {
    if (!(o.bytes instanceof ArrayBuffer) && !ArrayBuffer.isView(o.bytes)) {
      throw new ArgumentError('init', 'bytes', 'an ArrayBuffer or a typed array', describe(o.bytes));
    }
    return source.fromBytes(o.bytes);
  }
  if (o.url !== undefined) {
    if (typeof o.url !== 'string' && !(o.url instanceof URL)) {
      throw new ArgumentError('init', 'url', 'a string or a URL', describe(o.url));
    }
    return source.fromUrl(o.url);
  }
  return source.module(file);
}

/** The heap; throws NotInitializedError for `op` before init. */
export function heap(op: string): Heap {
  if (heapRef === null) throw new NotInitializedError(op);
  return heapRef;
}

/** The heap if initialised, else null (for finalizers and memory()). */
export function heapIfReady(): Heap | null {
  return heapRef;
}

/**
 * A grow-only scratch block owned by the runtime, for kernels' temporary data (im2col columns,
 * packed or flipped weights, op parameters). Valid until the next `scratch(slot, ...)` call with
 * the same slot; never hold one across a call that may need the same slot.
 */
const runtimeAt: number[] = [];
const runtimeBytes: number[] = [];
export const Slot = { Meta: 0, Col: 1, Weight: 2, Pad: 3, Tmp: 4, Tmp2: 5 } as const;
export type Slot = (typeof Slot)[keyof typeof Slot];

/**
 * Scratch blocks of `bytes` for parts 0 .. T-1 of a job split over threads (`parallel` in
 * threads/pool.ts): part 0 uses the Col slot (shared with single-thread ops), part t > 0 its own
 * slot above the named ones.
 */
export function partScratch(op: string, T: number, bytes: number): number[] {
  const at: number[] = [];
  for (let t = 0; t < T; t++) at.push(scratch((t === 0 ? Slot.Col : THREAD_SLOT_BASE + t) as Slot, bytes, op));
  return at;
}

/** Slots above the named ones, for partScratch. */
const THREAD_SLOT_BASE = 16;

export function scratch(slot: Slot, bytes: number, op: string): number {
  const h = heap(op);
  const rec = recording;
  // A capture has slots of its own (kept until its step is disposed), and a new Meta block per call.
  if (rec !== null && slot === Slot.Meta) return rec.own(Math.max(bytes, 16), op);
  const scratchAt = rec !== null ? rec.scratchAt : runtimeAt, scratchBytes = rec !== null ? rec.scratchBytes : runtimeBytes;
  const have = scratchBytes[slot] ?? 0;
  if (have >= bytes && have > 0) return scratchAt[slot]!;
  // The old block's contents need not survive, so free it first; grow geometrically, but if that
  // does not fit, ask for exactly what is needed (out of memory only when `bytes` itself does not fit).
  if (have > 0) h.free(scratchAt[slot]!, have);
  scratchBytes[slot] = 0;
  let size = Math.max(bytes, have * 2, 256);
  let at: number;
  try {
    at = h.alloc(size, op);
  } catch (e) {
    if (size <= Math.max(bytes, 256) || !(e instanceof SimdconvOutOfMemoryError)) throw e;
    size = Math.max(bytes, 256);
    at = h.alloc(size, op);
  }
  scratchAt[slot] = at;
  scratchBytes[slot] = size;
  return at;
}

/** Writes int32 parameters (shapes, strides) to the parameter block; returns its address. */
export function writeMeta(op: string, ...lists: readonly (readonly number[])[]): number {
  let n = 0;
  for (const l of lists) n += l.length;
  const at = scratch(Slot.Meta, n * I32_BYTES, op);
  // Kernels only read a Meta block, and a capture's are its own: written once, valid at every replay.
  const i32 = heap(op).i32Raw();
  let p = at >> 2;
  for (const l of lists) for (let i = 0; i < l.length; i++) i32[p++] = l[i]!;
  return at;
}
