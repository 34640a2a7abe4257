// Capturing a step's kernel calls, and replaying them (src/compile.ts is the public face).
//
// While a Recording is active:
// - ops call a recording kernel table (and copy_f32): each call is run and appended to
//   `actions` with its arguments (byte addresses, counts, scalars). Every kernel returns nothing,
//   so a call's whole effect is on memory. The random kernels are refused: a replay would draw
//   the same numbers again.
// - JavaScript may not read or write linear memory (Heap.sealed), except through the functions
//   below, which record what a replay must do again: guardF32/guardI32 (a value JS reads and
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
  KERNEL_NAMES, kernelTable, kernelVariant, kernels, extras, realCopy, swapKernels, tablesEpoch,
  type Extras, type KernelFn, type KernelTable, type KernelVariant,
} from './kernels.js';
import type { Heap } from './memory.js';

/** What a capture needs of a tensor's storage (storage.ts's Storage). */
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

/** Kernels whose output differs per call by design: a replay would repeat the first call's numbers. */
const RANDOM = new Set<string>(['rand_uniform', 'rand_normal']);

export class Recording {
  /** Kernel calls and JS actions, in order. */
  readonly actions: (Call | (() => void))[] = [];
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
  /** The recording tables and the heap's seal, set by startRecording. */
  table!: KernelTable;
  extras!: Extras;
  sealed!: () => never;

  constructor(readonly heap: Heap, readonly op: string) {}

  /** A block of `bytes` owned by the capture until release(). */
  own(bytes: number, op: string): number {
    const at = this.heap.alloc(bytes, op);
    this.owned.push(at, bytes);
    return at;
  }
}

/** The capture in progress, or null. */
export let recording: Recording | null = null;

/**
 * Starts recording for compile() step `op`: swaps in the recording kernel tables, seals the heap
 * and holds its frees. Throws CompileError while another capture records.
 */
export function startRecording(h: Heap, op: string): Recording {
  if (recording !== null) {
    throw new CompileError(op, 'fn', 'a step that does not itself compile or call a compiled step', `a call inside the capture of '${recording.op}'`,
      `${op}: compiled steps do not nest: this step was called while '${recording.op}' was being captured; call it outside, or capture one step that does both`);
  }
  const rec = new Recording(h, op);
  const real = kernels, realExtras = extras;
  const table: Record<string, KernelFn> = {};
  for (const name of KERNEL_NAMES) {
    const f = real[name];
    table[name] = RANDOM.has(name)
      ? () => { throw refused(op, 'random numbers (rand, randn, dropout)', 'a replay would repeat the same numbers: draw them outside the step and write them into a tensor it reads'); }
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
    throw refused(op, 'reads or writes of tensor memory from JavaScript (data(), item(), toArray(), printing a tensor, sc.tensor(array), labels given as an array)',
      'a replay runs only kernels, so JavaScript values would be frozen at the capture: read results after the step returns, and write new inputs into the tensors the step reads before calling it');
  };
  resume(rec);
  return rec;
}

/** Makes `rec` the capture in progress: its tables swapped in, the heap sealed and its frees held. */
function resume(rec: Recording): void {
  recording = rec;
  rec.heap.sealed = rec.sealed;
  rec.heap.held = rec.held;
  swapKernels(rec.table, rec.extras);
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

/** Ends the capture: the real tables again, the heap unsealed, frees no longer held. */
export function stopRecording(): void {
  const rec = recording;
  if (rec === null) return;
  recording = null;
  swapKernels(null, null);
  rec.heap.sealed = null;
  rec.heap.held = null;
}

function refused(op: string, what: string, why: string): CompileError {
  return new CompileError(op, 'fn', 'a step a replay can repeat: ops on tensors, autograd and optimizer steps', what, `${op}: a compiled step cannot contain ${what}: ${why}`);
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
  if (last === undefined || typeof last === 'function') throw new Error('patchLastCall: no kernel call to patch');
  last.patch = patch;
}

/** @internal Runs `write` (a write into memory from JavaScript, through f32Raw/i32Raw) now and, while recording, at each replay. */
export function replayJs(write: () => void): void {
  write();
  recording?.actions.push(write);
}

/** @internal While recording, a function run at each replay (JS state a step keeps, e.g. an optimizer's step count). */
export function onReplay(f: () => void): void {
  recording?.actions.push(f);
}

/**
 * @internal The float at byte address `at`, read from JavaScript to compute with. While
 * recording, each replay checks it reads bitwise the same (else CompileError: the step's
 * kernel arguments depended on it).
 */
export function guardF32(h: Heap, at: number): number {
  const v = h.f32Raw()[at >> 2]!;
  const rec = recording;
  if (rec !== null) {
    const bits = h.i32Raw()[at >> 2]!;
    rec.actions.push(() => {
      if (h.i32Raw()[at >> 2] !== bits) throw changedValue(rec.op, 'a float', v, h.f32Raw()[at >> 2]!);
    });
  }
  return v;
}

/** @internal As guardF32 for a flag (int32) a kernel wrote and JS branches on: zero or not must stay as captured. */
export function guardFlag(h: Heap, at: number): boolean {
  const set = h.i32Raw()[at >> 2] !== 0;
  const rec = recording;
  if (rec !== null) {
    rec.actions.push(() => {
      if ((h.i32Raw()[at >> 2] !== 0) !== set) throw changedValue(rec.op, 'a flag (a non-finite value check)', set ? 1 : 0, set ? 0 : 1);
    });
  }
  return set;
}

function changedValue(op: string, what: string, was: number, now: number): CompileError {
  return new CompileError(op, 'fn', `${what} the step reads from memory to be what it was at capture (${was})`, String(now),
    `${op}: the step's kernel calls depend on ${what} read from memory, which was ${was} when the step was captured and is ${now} now: ` +
    'this step cannot be replayed (run it eagerly, without compile())');
}

/** A captured step, ready to replay. */
export interface Program {
  /** Runs the captured calls again; throws DisposedTensorError (op `name`) before any write if a tensor they use was freed. */
  run(name: string): void;
  /** Frees the blocks the capture holds. Run no more after. */
  release(): void;
}

/** The replay of `rec` (stopped). */
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
    const copy = realCopy();
    fns = rec.actions.map((a) => {
      if (typeof a === 'function') return a;
      const f = a.fn === 'copy_f32' ? copy as KernelFn : table[a.fn as keyof KernelTable];
      const args = a.args, patch = a.patch;
      if (patch === null) return f.bind(null, ...args) as () => void;
      return () => {
        patch(args);
        f(...args);
      };
    });
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
