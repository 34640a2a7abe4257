// Capturing a step's kernel calls, and replaying them (src/compile.ts is the public face).
//
// While a Recording is active:
// - ops call a recording kernel table (and copy_f32): each call is run and appended to
//   `actions` with its arguments (byte addresses, counts, scalars). Every kernel returns nothing,
//   so a call's whole effect is on memory. The random kernels are refused: a replay would draw
//   the same numbers again.
// - JavaScript may not read or write linear memory (Heap.sealed), except through the functions
//   below, which record what a replay must do again: guarded (a value JS reads and
//   branches or computes on must read the same at every replay) and replayJs (a JS write, run
//   again at every replay).
// - blocks the heap is given back are held (Heap.held), scratch blocks come from the capture's own
//   slots, and Meta blocks (op parameters, read-only to kernels) are fresh per call, so a replay
//   writes only where the capture's own blocks or the tensors it touched are.
// - every storage an op takes an address of is noted (touch), and every in-place write counted
//   (bump): a replay first checks each noted storage still has its address (not disposed), and
//   afterwards bumps the versions as the eager step did.
import { CompileError, DisposedTensorError } from '../errors.js';
import {
  KERNEL_NAMES, kernelTable, kernelVariant, kernels, extras, swapKernels, tablesEpoch,
  type Extras, type KernelFn, type KernelTable, type KernelVariant,
} from './kernels.js';
import type { Heap } from './memory.js';

/** @internal What a capture needs of a tensor's storage (storage.ts's Storage). */
export interface Block {
  /** Byte address; -1 once the storage was freed. */
  ptr: number;
  version: number;
}

/** A recorded kernel call; `patch` (optimizers' per-step scalars) rewrites `args` before each replay. */
interface Call {
  fn: string;
  args: number[];
  patch: ((args: number[]) => void) | null;
}

type Action = Call | (() => void);

/** Kernels whose output differs per call by design: a replay would repeat the first call's numbers. */
const RANDOM = new Set<string>(['rand_uniform', 'rand_normal']);

/** @internal A capture in progress (see the header). */
export class Recording {
  /** Kernel calls and JS actions (among them the replays of jobs split over the pool), in order. */
  readonly actions: Action[] = [];
  /** Storages whose address an op took, with what first took it (for the replay's error). */
  readonly touched = new Map<Block, string>();
  /** In-place writes counted per storage (wroteInPlace). */
  readonly bumps = new Map<Block, number>();
  /** Blocks given back during the capture (address, size pairs): Heap.held. */
  readonly held: number[] = [];
  /** Blocks the capture allocated for itself (address, size pairs): Meta blocks, prepared weights. */
  readonly owned: number[] = [];
  /** The capture's scratch slots (see runtime.ts scratch). */
  readonly scratchAt: number[] = [];
  readonly scratchBytes: number[] = [];
  readonly variant: KernelVariant = kernelVariant();
  /** The recording tables and the heap's seal, set by startRecording; the real tables. */
  table!: KernelTable;
  extras!: Extras;
  readonly real = kernels;
  readonly realExtras = extras;
  sealed!: () => never;

  constructor(readonly heap: Heap, readonly op: string) {}

  /** A block of `bytes` owned by the capture until release(). */
  own(bytes: number, op: string): number {
    const at = this.heap.alloc(bytes, op);
    this.owned.push(at, bytes);
    return at;
  }
}

/** @internal The capture in progress, or null. */
export let recording: Recording | null = null;

/**
 * @internal Starts recording for compile() step `op`: swaps in the recording kernel tables, seals the heap
 * and holds its frees. Throws CompileError while another capture records.
 */
export function startRecording(h: Heap, op: string): Recording {
  notNested(op);
  const rec = new Recording(h, op);
  const real = rec.real, realExtras = rec.realExtras;
  const table: Record<string, KernelFn> = {};
  for (const name of KERNEL_NAMES) {
    const f = real[name];
    table[name] = RANDOM.has(name)
      ? () => { throw refused(op, 'random numbers (rand, randn)', 'a replay would repeat them'); }
      : (...args: number[]) => {
        rec.actions.push({ fn: name, args, patch: null });
        return f(...args);
      };
  }
  rec.table = Object.freeze(table) as KernelTable;
  rec.extras = {
    heap_base: realExtras.heap_base,
    copy_f32(dst, src, n) {
      rec.actions.push({ fn: 'copy_f32', args: [dst, src, n], patch: null });
      realExtras.copy_f32(dst, src, n);
    },
  };
  rec.sealed = () => {
    throw refused(op, 'tensor memory read or written from JavaScript (data(), item(), printing, sc.tensor(array), labels as an array)',
      'a replay runs only kernels: read results after the step, write inputs into tensors it reads');
  };
  resume(rec);
  return rec;
}

/** @internal Throws CompileError for step `op` while a capture records: steps do not nest. */
export function notNested(op: string): void {
  if (recording !== null) {
    throw new CompileError(op, 'fn', 'a call outside any capture', `a call inside the capture of '${recording.op}'`, `${op}: compiled steps do not nest (called inside the capture of '${recording.op}')`);
  }
}

/** Makes `rec` the capture in progress: its tables swapped in, the heap sealed and its frees held. */
function resume(rec: Recording): void {
  recording = rec;
  rec.heap.sealed = rec.sealed;
  rec.heap.held = rec.held;
  swapKernels(rec.table, rec.extras, true);
}

/**
 * @internal Runs `fn` unrecorded: for work a step does once, the first time it runs (an optimizer
 * allocating and zeroing its state, a lazy layer making its weights), which a replay must not repeat.
 */
export function unrecorded<T>(fn: () => T): T {
  const rec = recording;
  if (rec === null) return fn();
  stopRecording();
  try {
    return fn();
  } finally {
    resume(rec);
  }
}

/** @internal Ends the capture: the real tables again, the heap unsealed, frees no longer held. */
export function stopRecording(): void {
  const rec = recording;
  if (rec === null) return;
  recording = null;
  swapKernels(rec.real, rec.realExtras, false);
  rec.heap.sealed = null;
  rec.heap.held = null;
}

function refused(op: string, what: string, why: string): CompileError {
  return new CompileError(op, 'fn', 'a step a replay can repeat', what, `${op}: a compiled step cannot contain ${what}: ${why}`);
}

/** @internal Notes that an op took the address of `b` (Tensor.ptr). */
export function touch(rec: Recording, b: Block, op: string, argument: string): void {
  if (!rec.touched.has(b)) rec.touched.set(b, `${argument} (${op})`);
}

/** @internal Counts an in-place write into `b` (wroteInPlace). */
export function bump(rec: Recording, b: Block): void {
  rec.bumps.set(b, (rec.bumps.get(b) ?? 0) + 1);
}

/**
 * @internal While recording, `patch` rewrites the arguments of the kernel call just made before
 * each replay (per-step scalars: learning rate, Adam's bias corrections, momentum's first step).
 */
export function patchLastCall(patch: (args: number[]) => void): void {
  const rec = recording;
  if (rec === null) return;
  const last = rec.actions[rec.actions.length - 1];
  // A job split over threads is replayed from its call records, written once: it cannot be patched.
  if (typeof last !== 'object') throw new Error(`simdconv: ${rec.op}: patchLastCall after an action that is not a kernel call on this thread (a job split over threads?)`);
  last.patch = patch;
}

/** @internal Runs `write` (a write into memory from JavaScript, through f32Raw/i32Raw) now and, while recording, at each replay. */
export function replayJs(write: () => void): void {
  write();
  onReplay(write);
}

/** @internal While recording, a function run at each replay (JS state a step keeps, e.g. an optimizer's step count). */
export function onReplay(f: () => void): void {
  recording?.actions.push(f);
}

/**
 * @internal Returns `h`, to read the 4 bytes at `at` from JavaScript (with f32Raw/i32Raw) and
 * compute or branch on them. While recording, each replay checks they still hold the same bits
 * (else CompileError: the recorded kernel calls depended on them).
 */
export function guarded(h: Heap, at: number): Heap {
  const rec = recording;
  if (rec !== null) {
    const bits = h.i32Raw()[at >> 2]!;
    rec.actions.push(() => {
      const now = h.i32Raw()[at >> 2]!;
      if (now !== bits) {
        throw new CompileError(rec.op, 'fn', `the value at ${at} to stay ${bits}`, String(now),
          `${rec.op}: the step's kernel calls depend on a value read from memory that changed since the capture: run it without compile()`);
      }
    });
  }
  return h;
}

/** @internal A captured step, ready to replay. */
export interface Program {
  /** Runs the captured calls again; throws DisposedTensorError (op `name`) before any write if a tensor they use was freed. */
  run(name: string): void;
  /** Frees the blocks the capture holds. Run no more after. */
  release(): void;
}

/** @internal The replay of `rec` (stopped). */
export function program(rec: Recording): Program {
  const blocks: Block[] = [], ptrs: number[] = [], names: string[] = [];
  for (const [b, what] of rec.touched) {
    if (b.ptr === -1) continue; // freed during the capture: its block is held
    blocks.push(b);
    ptrs.push(b.ptr);
    names.push(what);
  }
  const bumped: Block[] = [], counts: number[] = [];
  for (const [b, n] of rec.bumps) {
    bumped.push(b);
    counts.push(n);
  }
  let epoch = -1;
  let fns: (() => void)[] = [];
  const bind = () => {
    const table = kernelTable(rec.variant)!;
    const copy = extras.copy_f32; // the module's: replays run outside captures (notNested)
    const bound = (a: Action): () => void => {
      if (typeof a === 'function') return a;
      const f = a.fn === 'copy_f32' ? copy as KernelFn : table[a.fn as keyof KernelTable];
      const args = a.args, patch = a.patch;
      if (patch === null) return f.bind(null, ...args) as () => void;
      return () => {
        patch(args);
        f(...args);
      };
    };
    fns = rec.actions.map(bound);
    epoch = tablesEpoch;
  };
  return {
    run(name) {
      for (let i = 0; i < blocks.length; i++) {
        if (blocks[i]!.ptr !== ptrs[i]) throw new DisposedTensorError(name, names[i]!);
      }
      if (epoch !== tablesEpoch) bind();
      for (let i = 0; i < fns.length; i++) fns[i]!();
      for (let i = 0; i < bumped.length; i++) bumped[i]!.version += counts[i]!;
    },
    release() {
      const h = rec.heap;
      const give = (list: number[]) => {
        for (let i = 0; i < list.length; i += 2) h.free(list[i]!, list[i + 1]!);
        list.length = 0;
      };
      give(rec.held);
      give(rec.owned);
      for (let i = 0; i < rec.scratchAt.length; i++) if (rec.scratchBytes[i]! > 0) h.free(rec.scratchAt[i]!, rec.scratchBytes[i]!);
      rec.scratchAt.length = 0;
      rec.scratchBytes.length = 0;
      fns = [];
    },
  };
}
