// Instantiates the test build of the kernels (both twins) on a fresh memory, with a bump allocator,
// so kernel tests can call exported functions directly without the TypeScript tensor layer.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { TEST_BUILDS } from './test-builds.js';

const wasmPath = fileURLToPath(TEST_BUILDS['simdconv.wasm']);
let compiled: WebAssembly.Module | undefined;

export interface RawWasm {
  /** Every export of the module, by name. */
  exports: Record<string, any>;
  memory: WebAssembly.Memory;
  /** Allocates `n` float32s (16-byte aligned), optionally filled from `init`; returns the byte address. */
  alloc(n: number, init?: ArrayLike<number>): number;
  /** Allocates `n` int32s, optionally filled; returns the byte address. */
  allocI32(n: number, init?: ArrayLike<number>): number;
  /** A fresh copy of `n` float32s at byte address `ptr`. */
  read(ptr: number, n: number): Float32Array;
  /** Forgets every allocation (the memory is reused from the start). */
  reset(): void;
}

export function rawWasm(): RawWasm {
  compiled ??= new WebAssembly.Module(readFileSync(wasmPath));
  const memory = new WebAssembly.Memory({ initial: 16 });
  const instance = new WebAssembly.Instance(compiled, { env: { memory } });
  const exports = instance.exports as Record<string, any>;
  const base = ((exports.heap_base() as number) + 15) & ~15;
  let top = base;
  const reserve = (bytes: number): number => {
    const ptr = top;
    top = (top + bytes + 15) & ~15;
    const need = top - memory.buffer.byteLength;
    if (need > 0) memory.grow(Math.ceil(need / 65536));
    return ptr;
  };
  return {
    exports,
    memory,
    alloc(n, init) {
      const ptr = reserve(n * 4);
      const view = new Float32Array(memory.buffer, ptr, n);
      view.fill(0);
      if (init) view.set(init);
      return ptr;
    },
    allocI32(n, init) {
      const ptr = reserve(n * 4);
      const view = new Int32Array(memory.buffer, ptr, n);
      view.fill(0);
      if (init) view.set(init);
      return ptr;
    },
    read(ptr, n) {
      return new Float32Array(memory.buffer, ptr, n).slice();
    },
    reset() {
      top = base;
    },
  };
}

/** The two builds of every kernel: `name_f32_simd` and `name_f32_scalar`. */
export const VARIANTS = ['simd', 'scalar'] as const;
export type Variant = (typeof VARIANTS)[number];

/** The export `${name}_f32_${v}` (just `name` when `v` is omitted); throws when it is missing. */
export function kernel(w: RawWasm, name: string, v?: Variant): (...args: number[]) => number {
  const full = v ? `${name}_f32_${v}` : name;
  const f = w.exports[full];
  if (typeof f !== 'function') throw new Error(`missing export ${full}`);
  return f;
}
