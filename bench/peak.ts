// This machine's yardsticks, measured in the benchmark's own run: the WASM SIMD multiply+add peak
// (bench/wasm/peak.as, compiled here with the repo's AssemblyScript compiler), the relaxed-SIMD
// FMA peak where the runtime has relaxed SIMD, and the copy bandwidth (wasm memory.copy and
// TypedArray.prototype.set) at a few sizes.
//
// compileYardsticks() runs the compiler in plain-node child processes (bench/wasm/compile.mjs);
// measureYardsticks() instantiates the binaries in this process and measures.
//
// Node 20 validates relaxed SIMD only with --experimental-wasm-relaxed-simd. Turning that flag on
// in the benchmark's process could change what the libraries under test run, so where relaxed
// SIMD is off the FMA peak is measured in a child process started with the flag:
//   node [tsx loader] --experimental-wasm-relaxed-simd bench/peak.ts --fma-child FILE SAMPLES
// which reads the FMA module from FILE and prints its result as JSON.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';

const HERE = new URL('./', import.meta.url);
/** FLOPs per loop iteration of madd_chains12 / fma_chains12: 12 chains x 4 lanes x 2. */
const FLOPS_PER_ITER = 96;
/** Each peak sample lasts about this long (ms). */
const SAMPLE_MS = 20;

export interface PeakResult {
  /** Best GFLOP/s over the samples (the ceiling: other load only slows a sample down). */
  gflops: number;
  /** Median over the samples. */
  medianGflops: number;
  samples: number;
}

export interface CopyResult {
  /** Bytes copied per call (read that many and write that many). */
  bytes: number;
  /** (read + write) bytes per second, in 1e9, best sample. */
  gbps: number;
}

export interface Yardsticks {
  /** f32x4.mul + f32x4.add, 12 independent chains, one thread. */
  madd: PeakResult;
  /** f32x4.relaxed_madd, or why it was not measured. */
  fma: PeakResult | { unavailable: string };
  /** memory.copy inside one wasm memory. */
  wasmCopy: CopyResult[];
  /** TypedArray.prototype.set between two ArrayBuffers. */
  typedArraySet: CopyResult[];
}

/** Compiles bench/wasm/ files with the repo's asc, in one plain-node child (bench/wasm/compile.mjs). */
function compile(jobs: { file: string; features: string[] }[], tmp: string): Uint8Array<ArrayBuffer>[] {
  const r = spawnSync(process.execPath,
    [fileURLToPath(new URL('wasm/compile.mjs', HERE)), tmp, ...jobs.map((j) => `${fileURLToPath(new URL(`wasm/${j.file}`, HERE))}:${j.features.join(',')}`)],
    { encoding: 'utf8', cwd: fileURLToPath(new URL('../', HERE)), timeout: 120_000 });
  if (r.status !== 0) throw new Error(`compiling bench/wasm/ failed: ${(r.stderr || r.error?.message || `exit ${r.status}`).trim()}`);
  return jobs.map((j) => new Uint8Array(readFileSync(path.join(tmp, j.file.replace(/\.as$/, '.wasm')))));
}

async function instantiate(binary: Uint8Array<ArrayBuffer>): Promise<WebAssembly.Exports> {
  const { instance } = await WebAssembly.instantiate(binary, { env: { abort: () => { throw new Error('abort'); } } });
  return instance.exports;
}

/** Best and median GFLOP/s of `f(iters, m, c)` (FLOPS_PER_ITER per iteration) over `samples` samples. */
function peakOf(f: (iters: number, m: number, c: number) => number, samples: number): PeakResult {
  // size a sample to SAMPLE_MS, after a warm-up
  let iters = 1 << 16;
  for (;;) {
    const t0 = performance.now();
    f(iters, 0.999, 0.001);
    const ms = performance.now() - t0;
    if (ms >= SAMPLE_MS / 4) {
      iters = Math.max(1, Math.round((iters * SAMPLE_MS) / ms));
      break;
    }
    iters *= 2;
  }
  const rates: number[] = [];
  let sink = 0;
  for (let i = 0; i < samples; i++) {
    const t0 = performance.now();
    sink += f(iters, 0.999, 0.001);
    const ms = performance.now() - t0;
    rates.push((FLOPS_PER_ITER * iters) / (ms * 1e6));
  }
  if (!Number.isFinite(sink)) throw new Error('peak loop produced a non-finite value');
  rates.sort((a, b) => a - b);
  return { gflops: rates[rates.length - 1]!, medianGflops: rates[rates.length >> 1]!, samples };
}

/** Best (read + write) GB/s of `copy()` moving `bytes` each way over enough calls for ~SAMPLE_MS samples. */
function bandwidthOf(copy: () => void, bytes: number, samples: number): CopyResult {
  copy();
  let reps = 1;
  for (;;) {
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) copy();
    if (performance.now() - t0 >= SAMPLE_MS / 4) break;
    reps *= 2;
  }
  let best = 0;
  for (let s = 0; s < samples; s++) {
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) copy();
    const ms = (performance.now() - t0) / reps;
    best = Math.max(best, (2 * bytes) / (ms * 1e6));
  }
  return { bytes, gbps: best };
}

/** Copy sizes: about L2, shape d's input (4 MiB), and past any last-level cache. */
export const COPY_SIZES = [256 * 1024, 4 * 1024 * 1024, 128 * 1024 * 1024];

async function measureFmaHere(binary: Uint8Array<ArrayBuffer>, samples: number): Promise<PeakResult> {
  const ex = await instantiate(binary);
  return peakOf(ex.fma_chains12 as (iters: number, m: number, c: number) => number, samples);
}

/** The FMA peak: in this process where relaxed SIMD validates, else in a child with the flag. */
async function measureFma(binary: Uint8Array<ArrayBuffer>, samples: number): Promise<PeakResult | { unavailable: string }> {
  if (WebAssembly.validate(binary)) return measureFmaHere(binary, samples);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'simdconv-bench-'));
  const file = path.join(dir, 'peak-fma.wasm');
  writeFileSync(file, binary);
  try {
    const child = spawnSync(process.execPath,
      [...process.execArgv, '--experimental-wasm-relaxed-simd', '--no-wasm-dynamic-tiering', fileURLToPath(import.meta.url), '--fma-child', file, String(samples)],
      { encoding: 'utf8', timeout: 60_000 });
    const line = child.stdout?.trim().split('\n').pop() ?? '';
    try {
      return JSON.parse(line) as PeakResult | { unavailable: string };
    } catch {
      const why = (child.stderr || child.error?.message || `exit ${child.status}`).trim().split('\n').pop();
      return { unavailable: `relaxed SIMD is off here and the child with --experimental-wasm-relaxed-simd failed: ${why}` };
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface YardstickBinaries {
  peak: Uint8Array<ArrayBuffer>;
  fma: Uint8Array<ArrayBuffer>;
}

/** Compiles bench/wasm/peak.as and peak-fma.as (a second or two). */
export function compileYardsticks(): YardstickBinaries {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'simdconv-bench-'));
  try {
    const [peak, fma] = compile([{ file: 'peak.as', features: ['simd'] }, { file: 'peak-fma.as', features: ['simd', 'relaxed-simd'] }], tmp);
    return { peak: peak!, fma: fma! };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * All yardsticks from compiled binaries: about 3 s, the FMA child's start included. With
 * `fma` false, the FMA peak is not measured (a second run's: see bestOf).
 */
export async function measureYardsticks(bin: YardstickBinaries, quick: boolean, fma = true): Promise<Yardsticks> {
  const samples = quick ? 15 : 25;
  const ex = await instantiate(bin.peak);
  const madd = peakOf(ex.madd_chains12 as (iters: number, m: number, c: number) => number, samples);
  const fmaPeak = fma ? await measureFma(bin.fma, samples) : { unavailable: 'not measured in this run' };

  const memory = ex.memory as WebAssembly.Memory;
  const largest = Math.max(...COPY_SIZES);
  const needPages = Math.ceil((2 * largest + 65536) / 65536) - memory.buffer.byteLength / 65536;
  if (needPages > 0) memory.grow(needPages);
  new Uint8Array(memory.buffer).fill(1, 0, 2 * largest + 65536); // touch every page once
  const wcopy = ex.copy as (dst: number, src: number, bytes: number) => void;
  const copySamples = quick ? 5 : 10;
  const wasmCopy = COPY_SIZES.map((bytes) => bandwidthOf(() => wcopy(65536 + largest, 65536, bytes), bytes, copySamples));
  const typedArraySet = COPY_SIZES.map((bytes) => {
    const src = new Uint8Array(bytes).fill(1);
    const dst = new Uint8Array(bytes);
    return bandwidthOf(() => dst.set(src), bytes, copySamples);
  });
  return { madd, fma: fmaPeak, wasmCopy, typedArraySet };
}

/**
 * Two runs' yardsticks combined: the better of each (other load only lowers a peak or a
 * bandwidth). The FMA peak is the first run's unless the second measured one.
 */
export function bestOf(a: Yardsticks, b: Yardsticks): Yardsticks {
  const best = <T extends { gflops?: number; gbps?: number }>(x: T, y: T): T => ((y.gflops ?? y.gbps ?? 0) > (x.gflops ?? x.gbps ?? 0) ? y : x);
  return {
    madd: best(a.madd, b.madd),
    fma: 'unavailable' in b.fma ? a.fma : 'unavailable' in a.fma ? b.fma : best(a.fma, b.fma),
    wasmCopy: a.wasmCopy.map((c, i) => best(c, b.wasmCopy[i] ?? c)),
    typedArraySet: a.typedArraySet.map((c, i) => best(c, b.typedArraySet[i] ?? c)),
  };
}

// ---- the FMA child ----------------------------------------------------------------------------
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1] && process.argv[2] === '--fma-child') {
  v8.setFlagsFromString('--no-wasm-dynamic-tiering');
  const samples = Number(process.argv[4] ?? 10);
  try {
    const binary = new Uint8Array(readFileSync(process.argv[3]!));
    console.log(JSON.stringify(WebAssembly.validate(binary)
      ? await measureFmaHere(binary, samples)
      : { unavailable: 'relaxed SIMD does not validate even with --experimental-wasm-relaxed-simd' }));
  } catch (e) {
    console.log(JSON.stringify({ unavailable: `FMA child: ${e instanceof Error ? e.message.split('\n', 1)[0] : String(e)}` }));
  }
}
