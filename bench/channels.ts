// The channel sweep: one 3x3 'same'-padded convolution layer, C -> C channels on a 56x56 image
// (batch 1, NCHW, one thread), for C = 8 .. 256, forward (and with --grads the input and weight
// gradients), timed in one process. GFLOP/s = 2·C·C·9·56·56 / time (the direct-convolution
// count). The summary gives each direction's GFLOP/s at C = 128 over C = 32 (flat = 1) and, with
// --base, each build's speed over the base's, from interleaved rounds of the same run.
//
//   npm run build && tsx bench/channels.ts [--base=DIR] [--grads] [--channels=8,16,...] [--size=56] [--rounds=3] [--min-ms=200] [--median]
//
// DIR is another built checkout (its dist/ is imported as a second library instance), e.g. a
// detached worktree of the commit to compare against. The builds' samples alternate (A, B, A, B,
// ...), so both see the same machine load; the median over rounds is reported.
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import v8 from 'node:v8';

type Simdconv = typeof import('../src/index.js');
type Tensor = InstanceType<Simdconv['Tensor']>;

const USAGE = 'usage: tsx bench/channels.ts [--base=DIR] [--grads] [--channels=8,16,...] [--size=56] [--rounds=3] [--min-ms=200] [--median]';
const args = process.argv.slice(2);
const opt = (name: string): string | undefined => {
  const hit = args.find((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  return hit === undefined ? undefined : (hit.split('=')[1] ?? '');
};
for (const a of args) {
  if (!/^--(base=.+|grads|channels=[\d,]+|size=\d+|rounds=\d+|min-ms=\d+|median|help)$/.test(a)) {
    console.error(`unknown argument ${a}\n${USAGE}`);
    process.exit(2);
  }
}
if (opt('help') !== undefined) {
  console.log(USAGE);
  process.exit(0);
}
v8.setFlagsFromString('--no-wasm-dynamic-tiering'); // optimised wasm from the first call, as the peer harness does
const CHANNELS = (opt('channels') ?? '8,16,32,64,128,256').split(',').map(Number);
const SIZE = Number(opt('size') ?? 56);
const ROUNDS = Number(opt('rounds') ?? 3);
const MIN_MS = Number(opt('min-ms') ?? 200);
const MEDIAN = opt('median') !== undefined;
const DIRS = ['fwd', ...(opt('grads') !== undefined ? ['dx', 'dw'] : [])] as const;
type Dir = (typeof DIRS)[number];

const here = path.dirname(fileURLToPath(import.meta.url));
const builds: { name: string; dir: string }[] = [{ name: 'this', dir: path.resolve(here, '..') }];
const base = opt('base');
if (base) builds.push({ name: 'base', dir: path.resolve(base) });

/** Deterministic values in [-1, 1). */
function values(n: number, seed: number): Float32Array {
  const a = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = s / 2 ** 31 - 1;
  }
  return a;
}

/**
 * Per-call times (ms) of each of `fns`, sampled in turn (one sample of ~5 ms each, then the
 * next function) until each has MIN_MS of samples: interleaving gives every function the same
 * share of the machine's load. Returns the fastest sample of each (the least disturbed by other
 * processes on a shared machine; `median` gives the median instead).
 */
function timeInTurn(fns: (() => void)[]): number[] {
  const pick = (s: number[]): number => [...s].sort((a, b) => a - b)[MEDIAN ? s.length >> 1 : 0]!;
  const batches = fns.map((fn) => {
    fn();
    const t0 = performance.now();
    fn();
    return Math.max(1, Math.ceil(5 / Math.max(performance.now() - t0, 1e-3)));
  });
  const samples: number[][] = fns.map(() => []);
  const start = performance.now();
  while (samples[0]!.length < 5 || performance.now() - start < MIN_MS * fns.length) {
    fns.forEach((fn, i) => {
      const t0 = performance.now();
      for (let k = 0; k < batches[i]!; k++) fn();
      samples[i]!.push((performance.now() - t0) / batches[i]!);
    });
  }
  return samples.map(pick);
}

interface Case {
  run: Record<Dir, () => void>;
  dispose(): void;
}

function makeCase(sc: Simdconv, C: number): Case {
  const xs = [1, C, SIZE, SIZE], ws = [C, C, 3, 3];
  const x = sc.tensor(values(C * SIZE * SIZE, 1), xs), w = sc.tensor(values(C * C * 9, 2).map((v) => v / (3 * Math.sqrt(C))), ws);
  const dy = sc.tensor(values(C * SIZE * SIZE, 3), xs);
  const y = sc.zeros(xs), dx = sc.zeros(xs), dw = sc.zeros(ws);
  const o = { padding: 'same' as const };
  const run: Record<string, () => void> = {
    fwd: () => sc.conv2d(x, w, { ...o, out: y }),
    dx: () => sc.conv2dGradInput(dy, w, xs, { ...o, out: dx }),
    dw: () => sc.conv2dGradWeight(x, dy, ws, { ...o, out: dw }),
  };
  return { run: run as Record<Dir, () => void>, dispose: () => [x, w, dy, y, dx, dw].forEach((t: Tensor) => t.dispose()) };
}

const libs: Simdconv[] = [];
for (const b of builds) {
  const sc = (await import(pathToFileURL(path.join(b.dir, 'dist', 'index.js')).href)) as Simdconv;
  await sc.init();
  libs.push(sc);
}

// times[build][dir][C] = per-round times (ms)
const times = builds.map(() => Object.fromEntries(DIRS.map((d) => [d, new Map<number, number[]>()])) as Record<Dir, Map<number, number[]>>);
for (let r = 0; r < ROUNDS; r++) {
  for (const C of CHANNELS) {
    const cases = libs.map((sc) => makeCase(sc, C));
    for (const d of DIRS) {
      const ms = timeInTurn(cases.map((c) => c.run[d]));
      ms.forEach((t, b) => {
        const m = times[b]![d];
        m.set(C, [...(m.get(C) ?? []), t]);
      });
    }
    for (const c of cases) c.dispose();
  }
  console.error(`round ${r + 1}/${ROUNDS} done`);
}

const median = (a: number[]): number => [...a].sort((p, q) => p - q)[a.length >> 1]!;
const gflops = (C: number, ms: number): number => (2 * C * C * 9 * SIZE * SIZE) / (ms * 1e-3) / 1e9;
const fmt = (v: number): string => v.toFixed(1);
console.log(`## Channel sweep: 3x3 'same', C -> C, ${SIZE}x${SIZE}, batch 1, NCHW, 1 thread; GFLOP/s (${MEDIAN ? 'median' : 'fastest'} sample, median of ${ROUNDS} interleaved rounds)\n`);
console.log(`Node ${process.version}; builds: ${builds.map((b) => `${b.name} = ${b.dir}`).join(', ')}\n`);
const head = `| build | dir | ${CHANNELS.map((c) => `C=${c}`).join(' | ')} | C=128 / C=32 |`;
console.log(head);
console.log(`|---|---|${CHANNELS.map(() => '---:').join('|')}|---:|`);
for (let b = 0; b < builds.length; b++) {
  for (const d of DIRS) {
    const g = CHANNELS.map((C) => gflops(C, median(times[b]![d].get(C)!)));
    const at = (c: number): number | undefined => { const i = CHANNELS.indexOf(c); return i < 0 ? undefined : g[i]; };
    const ratio = at(128) !== undefined && at(32) !== undefined ? (at(128)! / at(32)!).toFixed(2) : '';
    console.log(`| ${builds[b]!.name} | ${d} | ${g.map(fmt).join(' | ')} | ${ratio} |`);
  }
}
if (builds.length > 1) {
  console.log(`\nSpeed of this build over the base (same rounds):\n`);
  console.log(`| dir | ${CHANNELS.map((c) => `C=${c}`).join(' | ')} |`);
  console.log(`|---|${CHANNELS.map(() => '---:').join('|')}|`);
  for (const d of DIRS) {
    console.log(`| ${d} | ${CHANNELS.map((C) => (median(times[1]![d].get(C)!) / median(times[0]![d].get(C)!)).toFixed(2)).join(' | ')} |`);
  }
}
