// Replaying a job split over the pool while a compile() capture recorded (wasm/capture.ts keeps
// the capture, threads/pool.ts the pool): the workers' call records, copied once into a block the
// capture owns, are posted again at each replay. Only compile() imports this module, so apps that
// never compile do not bundle it.
import { KERNEL_NAMES, kernelTable, tablesEpoch, type KernelTable } from '../wasm/kernels.js';
import { recordGroup } from '../wasm/capture.js';
import { CALL_SLOTS } from './protocol.js';
import { onSplitCapture, runPosted, takesParts, type Member } from './pool.js';

/**
 * A job split while a capture recorded, kept for its replays: member k runs `counts[k]` call
 * records at byte address `lists[k]` (`words[k]`, their copy, to run them on the calling thread
 * when the member no longer takes parts; `here`: those calls bound to the kernel tables of `epoch`).
 */
interface Group {
  members: Member[];
  lists: number[];
  counts: number[];
  words: Float64Array[];
  here: (() => void)[] | null;
  epoch: number;
}

/** @internal Makes jobs split while a capture records replay on the pool (compile.ts calls it before capturing). */
export function replayJobs(): void {
  onSplitCapture((rec, start, members, lists) => {
    const g: Group = { members: [], lists: [], counts: [], words: [], here: null, epoch: -1 };
    for (const m of members) {
      g.members.push(m);
      g.lists.push(lists);
      g.counts.push(m.calls);
      g.words.push(m.words.slice(0, m.calls * CALL_SLOTS));
      lists += m.calls * CALL_SLOTS * 8;
    }
    recordGroup(rec, start, (run) => replayGroup(g, run));
  });
}

/**
 * A compiled step's replay of group `g`: its members run their call records again while this
 * thread runs `run` (its own calls). When a member no longer takes parts (setThreads lowered the
 * count, or it died), this thread runs all of them instead: parts write disjoint memory, so the
 * result is bitwise the same. Workers started since the capture stay out of it.
 */
function replayGroup(g: Group, run: () => void): void {
  if (g.members.every(takesParts)) {
    runPosted(g.members, g.lists, g.counts, run);
    return;
  }
  run();
  if (g.here === null || g.epoch !== tablesEpoch) bindHere(g);
  const here = g.here!;
  for (let i = 0; i < here.length; i++) here[i]!();
}

/** Binds `g`'s worker call records to this thread's kernel tables (NAMES order: SIMD then scalar twin). */
function bindHere(g: Group): void {
  const here: (() => void)[] = [];
  for (const w of g.words) {
    for (let o = 0; o < w.length; o += CALL_SLOTS) {
      const index = w[o]!, n = w[o + 1]!;
      const table = kernelTable(index % 2 === 1 ? 'scalar' : 'simd')!;
      const f = table[KERNEL_NAMES[index >> 1]! as keyof KernelTable];
      here.push(f.bind(null, ...Array.from(w.subarray(o + 2, o + 2 + n))) as () => void);
    }
  }
  g.here = here;
  g.epoch = tablesEpoch;
}

