// The one owner of linear memory: a free-list allocator over the module's WebAssembly.Memory.
// Blocks are 16-byte aligned; free blocks are kept sorted by address and coalesced with their
// neighbours, and a free block that touches the top of the heap lowers the top. Views over
// memory.buffer are rebuilt after every growth (this allocator is the only code that grows the
// memory: kernels never do), and whenever one reads as detached (length 0), so no view outlives an
// allocation and no access pays for the memory.buffer getter.
import { SimdconvOutOfMemoryError } from '../errors.js';
import type { WasmMemory } from './types.js';

const PAGE = 65536;
/** Bytes of one float32 element (tensors' elements), and of one int32 (kernel parameter blocks). */
export const F32_BYTES = 4;
export const I32_BYTES = 4;
/** wasm32 can address 4 GiB; V8 allows that many pages for a non-shared memory. */
export const MAX_PAGES = 65536;
export const MAX_BYTES = MAX_PAGES * PAGE;
/**
 * The shared memory of the threads build (dist/simdconv-mt.wasm) declares this maximum (2 GiB;
 * asconfig.json, target "threads"): a shared memory must declare one, and engines reserve it up
 * front. It also keeps every byte address below 2^31, as the workers' Int32 call records need.
 */
export const SHARED_MAX_PAGES = 32768;
const ALIGN = 16;
/** Recycled tensor blocks held at most (see Heap.recycledAt), and the largest block size recycled. */
const RECYCLE_MAX = 16;
const RECYCLE_BYTES = 1024;

export class Heap {
  /** The linear memory; replaced only by `adopt` (moving to a shared memory for threads). */
  memory: WasmMemory;
  private readonly base: number;
  /** End of the highest block ever handed out and not given back to the top. */
  private top: number;
  /** Free blocks, sorted by address, never adjacent to each other nor ending at `top`. */
  private readonly freeAt: number[] = [];
  private readonly freeSize: number[] = [];
  private f32View: Float32Array;
  private i32View: Int32Array;
  /** Bytes currently handed out (recycled tensor blocks included). */
  usedBytes = 0;
  /**
   * Tensor blocks freed recently, handed to the next tensor of the same block size (see
   * allocTensor): the free list is sorted and edited with Array.splice (about 40 ns an edit once
   * memory has holes), more than a small op costs. The RECYCLE_MAX most recently freed blocks of
   * at most RECYCLE_BYTES are held here (older ones go back to the free list); memory() does not
   * count them as tensors' bytes, and they all go back when an allocation would otherwise fail.
   */
  private readonly recycledAt: number[] = [];
  private readonly recycledSize: number[] = [];

  private maxPages: number;

  /**
   * @internal While a capture records (capture.ts), `f32()`/`i32()` call this first: it throws, because a
   * read or write of memory from JavaScript is not a kernel call a replay could repeat. The sites
   * whose access a capture records use `f32Raw()`/`i32Raw()`.
   */
  sealed: (() => never) | null = null;
  /**
   * @internal While a capture records, the blocks given back (address, size pairs): a replay writes where the
   * capture's temporaries were, so they stay reserved until the compiled step is disposed.
   */
  held: number[] | null = null;

  constructor(memory: WasmMemory, heapBase: number, maxPages = MAX_PAGES) {
    this.memory = memory;
    this.maxPages = maxPages;
    this.base = align(heapBase);
    this.top = this.base;
    this.f32View = new Float32Array(memory.buffer);
    this.i32View = new Int32Array(memory.buffer);
  }

  /** A Float32Array over the whole memory, valid until the next allocation. */
  f32(): Float32Array {
    if (this.sealed !== null) this.sealed();
    return this.f32Raw();
  }

  /** An Int32Array over the whole memory, valid until the next allocation. */
  i32(): Int32Array {
    if (this.sealed !== null) this.sealed();
    return this.i32Raw();
  }

  /** @internal f32() without the capture's check: for accesses a capture records (capture.ts). */
  f32Raw(): Float32Array {
    if (this.f32View.length === 0) this.refresh();
    return this.f32View;
  }

  /** @internal i32() without the capture's check: for accesses a capture records (capture.ts). */
  i32Raw(): Int32Array {
    if (this.i32View.length === 0) this.refresh();
    return this.i32View;
  }

  /**
   * Switches to `memory`, which must already hold a copy of every byte of the current one (same
   * addresses; it may be larger), and may grow to `maxPages`. Allocations are kept as they are.
   */
  adopt(memory: WasmMemory, maxPages: number): void {
    this.memory = memory;
    this.maxPages = maxPages;
    this.refresh();
  }

  private refresh(): void {
    this.f32View = new Float32Array(this.memory.buffer);
    this.i32View = new Int32Array(this.memory.buffer);
  }

  /** The size a request of `bytes` really takes. */
  static blockSize(bytes: number): number {
    return bytes <= ALIGN ? ALIGN : align(bytes);
  }

  /**
   * Hands out `bytes` (rounded up to 16) at a 16-byte aligned address: the lowest free block that
   * fits, else the top of the heap, growing memory if needed. Contents are unspecified.
   * Throws SimdconvOutOfMemoryError, leaving the heap as it was, when memory cannot grow enough.
   */
  alloc(bytes: number, op = 'alloc'): number {
    const size = Heap.blockSize(bytes);
    if (!(size <= this.maxPages * PAGE)) throw oom(op, bytes, this.memory.buffer.byteLength, this.maxPages);
    const fa = this.freeAt, fs = this.freeSize;
    for (let i = 0; i < fa.length; i++) {
      const s = fs[i]!;
      if (s >= size) {
        const at = fa[i]!;
        if (s === size) {
          fa.splice(i, 1);
          fs.splice(i, 1);
        } else {
          fa[i] = at + size;
          fs[i] = s - size;
        }
        this.usedBytes += size;
        return at;
      }
    }
    const at = this.top;
    const end = at + size;
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      const pages = Math.ceil((end - have) / PAGE);
      // Grow by at least a quarter of the current size so many small allocations grow rarely.
      const want = Math.max(pages, Math.ceil(have / PAGE / 4));
      if (!this.tryGrow(want) && !this.tryGrow(pages)) throw oom(op, bytes, have, this.maxPages);
    }
    this.top = end;
    this.usedBytes += size;
    return at;
  }

  private tryGrow(pages: number): boolean {
    if (this.memory.buffer.byteLength / PAGE + pages > this.maxPages) return false;
    try {
      this.memory.grow(pages);
      this.refresh();
      return true;
    } catch {
      return false;
    }
  }

  /** Gives back a block obtained from `alloc(bytes)` (held instead while a capture records). */
  free(at: number, bytes: number): void {
    if (this.held !== null) {
      this.held.push(at, bytes);
      return;
    }
    let size = Heap.blockSize(bytes);
    this.usedBytes -= size;
    const fa = this.freeAt, fs = this.freeSize;
    // First free block above `at` (binary search).
    let lo = 0, hi = fa.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (fa[mid]! < at) lo = mid + 1;
      else hi = mid;
    }
    let start = at;
    // Merge with the block below.
    if (lo > 0 && fa[lo - 1]! + fs[lo - 1]! === at) {
      lo--;
      start = fa[lo]!;
      size += fs[lo]!;
      fa.splice(lo, 1);
      fs.splice(lo, 1);
    }
    // Merge with the block above.
    if (lo < fa.length && start + size === fa[lo]!) {
      size += fs[lo]!;
      fa.splice(lo, 1);
      fs.splice(lo, 1);
    }
    if (start + size === this.top) {
      this.top = start;
      return;
    }
    fa.splice(lo, 0, start);
    fs.splice(lo, 0, size);
  }

  /**
   * A block for a tensor's storage: alloc(bytes), or a recycled block of the same size. Out of
   * memory is thrown only after every recycled block went back to the free list.
   */
  allocTensor(bytes: number, op: string): number {
    const size = Heap.blockSize(bytes);
    const ra = this.recycledAt, rs = this.recycledSize;
    if (size <= RECYCLE_BYTES) {
      for (let i = ra.length - 1; i >= 0; i--) {
        if (rs[i] !== size) continue;
        const at = ra[i]!;
        // Remove entry i keeping the order (oldest first), without splice's array of removed items.
        for (let j = i + 1; j < ra.length; j++) {
          ra[j - 1] = ra[j]!;
          rs[j - 1] = rs[j]!;
        }
        ra.pop();
        rs.pop();
        return at;
      }
    }
    try {
      return this.alloc(bytes, op);
    } catch (e) {
      if (!(e instanceof SimdconvOutOfMemoryError) || ra.length === 0) throw e;
      // Recycled blocks belong to no one, not even a capture: given back for real.
      const held = this.held;
      this.held = null;
      for (let i = 0; i < ra.length; i++) this.free(ra[i]!, rs[i]!);
      this.held = held;
      ra.length = 0;
      rs.length = 0;
      return this.alloc(bytes, op);
    }
  }

  /** Gives back a block from allocTensor(bytes): small ones are kept for reuse (see recycledAt). */
  freeTensor(at: number, bytes: number): void {
    const size = Heap.blockSize(bytes);
    if (size > RECYCLE_BYTES || this.held !== null) {
      this.free(at, bytes);
      return;
    }
    if (this.recycledAt.length === RECYCLE_MAX) this.free(this.recycledAt.shift()!, this.recycledSize.shift()!);
    this.recycledAt.push(at);
    this.recycledSize.push(size);
  }

  /**
   * Allocator statistics (read-only): bytes handed out, the free blocks below the top (count,
   * total and largest), the top (bytes above the heap base), the bytes between the top and the end
   * of the memory (usable without growing), the memory's size and the most it may grow to.
   */
  stats(): {
    usedBytes: number; freeBlocks: number; freeBytes: number; largestFree: number; top: number; topFree: number; wasmBytes: number; maxBytes: number;
  } {
    let freeBytes = 0, largestFree = 0;
    for (const s of this.freeSize) {
      freeBytes += s;
      if (s > largestFree) largestFree = s;
    }
    return {
      usedBytes: this.usedBytes,
      freeBlocks: this.freeAt.length,
      freeBytes,
      largestFree,
      top: this.top - this.base,
      topFree: this.memory.buffer.byteLength - this.top,
      wasmBytes: this.memory.buffer.byteLength,
      maxBytes: this.maxPages * PAGE,
    };
  }
}

function align(n: number): number {
  return Math.ceil(n / ALIGN) * ALIGN;
}

function oom(op: string, bytes: number, have: number, maxPages: number): SimdconvOutOfMemoryError {
  const mib = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;
  const max = maxPages * PAGE;
  return new SimdconvOutOfMemoryError(op, 'size', `at most ${mib(max)} of WebAssembly memory in all`,
    `a request for ${mib(bytes)} with ${mib(have)} already in use`,
    `${op}: out of memory: cannot allocate ${mib(bytes)} (WebAssembly memory is ${mib(have)} and can grow to at most ${mib(max)}); dispose tensors you no longer need`);
}
