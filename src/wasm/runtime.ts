// Loading the kernel module and the process-wide state every op uses: the memory, its heap, the
// kernel table and reusable scratch blocks. `init()` is the only async step; after it, every op
// is synchronous.
import { ArgumentError, NotInitializedError, UnsupportedRuntimeError, describe } from '../errors.js';
import { bindKernels, X } from './kernels.js';
import { Heap } from './memory.js';

/** How to find the kernel module. With no option, simdconv loads the `.wasm` that ships beside it. */
export interface InitOptions {
  /** A compiled module (Cloudflare Workers: `import wasm from 'simdconv/simdconv.wasm'`). */
  module?: WebAssembly.Module;
  /** The module's bytes. */
  bytes?: BufferSource;
  /** Where to fetch the module from (in Node also a `file:` URL or a path). */
  url?: string | URL;
}

let heapRef: Heap | null = null;
let pending: Promise<void> | null = null;
let simdSupported: boolean | null = null;

/** The smallest module using a SIMD instruction (i8x16.splat + popcnt): validates only with SIMD. */
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11,
]);

/** Whether this runtime's WebAssembly has fixed-width SIMD. */
export function hasWasmSimd(): boolean {
  if (simdSupported === null) {
    try {
      simdSupported = typeof WebAssembly === 'object' && WebAssembly.validate(SIMD_PROBE);
    } catch {
      simdSupported = false;
    }
  }
  return simdSupported;
}

/**
 * Loads and instantiates the kernels. Call once and await it; later calls return at once.
 * @example
 * import * as sc from 'simdconv';
 * await sc.init();
 * sc.corr2d(sc.tensor([[0, 1, 2], [3, 4, 5], [6, 7, 8]]), sc.tensor([[0, 1], [2, 3]])).toString();
 */
export function init(options: InitOptions = {}): Promise<void> {
  if (heapRef) return Promise.resolve();
  if (options === null || typeof options !== 'object') {
    return Promise.reject(new ArgumentError('init', 'options', 'an object { module?, bytes?, url? }', describe(options)));
  }
  pending ??= load(options).catch((e: unknown) => {
    pending = null;
    throw e;
  });
  return pending;
}

/** Whether `init()` has completed. */
export function isInitialized(): boolean {
  return heapRef !== null;
}

async function load(options: InitOptions): Promise<void> {
  if (!hasWasmSimd()) {
    throw new UnsupportedRuntimeError('init', 'runtime', 'a WebAssembly runtime with SIMD (Node 16.4+, Chrome 91+, Firefox 89+, Safari 16.4+, Deno, Bun, workerd)',
      'a runtime whose WebAssembly has no SIMD');
  }
  const module = await resolveModule(options);
  const memory = new WebAssembly.Memory({ initial: 16 });
  let instance: WebAssembly.Instance;
  try {
    instance = await WebAssembly.instantiate(module, { env: { memory } });
  } catch (e) {
    throw new UnsupportedRuntimeError('init', 'module', 'the simdconv kernel module', `a module that fails to instantiate (${(e as Error).message})`);
  }
  const exp = instance.exports as Record<string, unknown>;
  bindKernels(exp);
  heapRef = new Heap(memory, X.heap_base());
}

async function resolveModule(o: InitOptions): Promise<WebAssembly.Module> {
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
    return compile(o.bytes);
  }
  if (o.url !== undefined) {
    if (typeof o.url !== 'string' && !(o.url instanceof URL)) {
      throw new ArgumentError('init', 'url', 'a string or a URL', describe(o.url));
    }
    return fromUrl(o.url);
  }
  return fromUrl(new URL('../simdconv.wasm', import.meta.url), new URL('../../dist/simdconv.wasm', import.meta.url));
}

async function compile(bytes: BufferSource): Promise<WebAssembly.Module> {
  try {
    return await WebAssembly.compile(bytes);
  } catch (e) {
    throw new UnsupportedRuntimeError('init', 'bytes', 'the simdconv kernel module', `bytes that do not compile (${(e as Error).message})`);
  }
}

const isNode = typeof process === 'object' && typeof process.versions?.node === 'string';

/** Loads from a URL: files through node:fs where there is a file system, anything else by fetch. */
async function fromUrl(url: string | URL, devFallback?: URL): Promise<WebAssembly.Module> {
  const u = url instanceof URL ? url : new URL(url, isNode ? `file://${process.cwd()}/` : globalThis.location?.href);
  if (u.protocol === 'file:' && isNode) {
    const { readFile } = await import('node:fs/promises');
    const { fileURLToPath } = await import('node:url');
    try {
      return await compile(await readFile(fileURLToPath(u)));
    } catch (e) {
      // Running from the source tree (tests, tsx): the built module is in dist/.
      if (devFallback && (e as NodeJS.ErrnoException).code === 'ENOENT') return fromUrl(devFallback);
      if (e instanceof UnsupportedRuntimeError) throw e;
      throw new UnsupportedRuntimeError('init', 'url', 'a readable simdconv.wasm', `${u.href} (${(e as Error).message})`);
    }
  }
  const response = await fetch(u);
  if (!response.ok) {
    throw new UnsupportedRuntimeError('init', 'url', 'a URL serving simdconv.wasm', `${u.href} answering ${response.status}`);
  }
  if (typeof WebAssembly.compileStreaming === 'function' && response.headers.get('content-type')?.startsWith('application/wasm')) {
    try {
      return await WebAssembly.compileStreaming(response.clone());
    } catch {
      // Fall back to bytes below (e.g. a CSP or a proxy that breaks streaming).
    }
  }
  return compile(await response.arrayBuffer());
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
const scratchAt: number[] = [];
const scratchBytes: number[] = [];
export const Slot = { Meta: 0, Col: 1, Weight: 2, Pad: 3, Tmp: 4, Tmp2: 5 } as const;
export type Slot = (typeof Slot)[keyof typeof Slot];

export function scratch(slot: Slot, bytes: number, op: string): number {
  const h = heap(op);
  const have = scratchBytes[slot] ?? 0;
  if (have >= bytes && have > 0) return scratchAt[slot]!;
  const size = Math.max(bytes, have * 2, 256);
  const at = h.alloc(size, op);
  if (have > 0) h.free(scratchAt[slot]!, have);
  scratchAt[slot] = at;
  scratchBytes[slot] = size;
  return at;
}

/** Writes int32 parameters (shapes, strides) to the parameter block; returns its address. */
export function writeMeta(op: string, ...lists: readonly (readonly number[])[]): number {
  let n = 0;
  for (const l of lists) n += l.length;
  const at = scratch(Slot.Meta, n * 4, op);
  const i32 = heap(op).i32();
  let p = at >> 2;
  for (const l of lists) for (let i = 0; i < l.length; i++) i32[p++] = l[i]!;
  return at;
}
