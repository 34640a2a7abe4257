// `npm run bench`: simdconv against the naive JavaScript loop, TensorFlow.js (tfjs-backend-cpu and
// tfjs-backend-wasm) and onnxruntime-web (wasm, 1 thread), on the shapes of bench/shapes.ts, for
// the forward pass, the input gradient (dX), the filter gradient (dW) and a whole SGD training
// step; measured against this machine's WASM SIMD multiply+add peak and copy bandwidth, measured
// in the same run (bench/peak.ts); then the lesson's and a layer's training loops as a user
// writes them (bench/train.ts).
//
//   tsx bench/run.ts [--shapes=a,c3] [--quick] [--no-peers] [--no-train] [--threads[=N] | --no-threads]
//
// Before anything is timed, every output is checked: simdconv's forward, dX and dW against float64
// sums at sampled positions and against the naive loop; each peer's output (and each training
// step's losses, dX and update over CHECK_STEPS steps) against simdconv's. A disagreement above
// CHECK_RTOL is printed at once and marked ✗ in the tables, and the run exits with status 1.
//
// Threads: where simdconv's capabilities() reports threadsAvailable (or with --threads=N), a
// child process (`--child-threads=N`; init is process-wide) times simdconv with N threads on the
// same shapes and its outputs are compared with this process's; the tables add its column and
// its speedup over one thread.
//
// Peers live in bench/node_modules (`npm run bench:install`); without them they are skipped.
// Results go to bench/results/latest.json (machine, yardsticks, per shape / direction /
// implementation: median time, GFLOP/s, GB/s, agreement).
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import * as sc from '../src/index.js';
import {
  firstStepLoss, relMaxDiff, sampleIndices, spotCheckForward, spotCheckGradInput, spotCheckGradWeight, stepCheckState, stepDisagreement,
  type StepCheckState,
} from './check.js';
import { DIR_TITLE, naive, simdconv, type Impl, type Kernel, type ShapeKernels } from './impl.js';
import type { StepState } from './naive.js';
import { loadOrt } from './ort.js';
import { bestOf, compileYardsticks, measureYardsticks, type Yardsticks } from './peak.js';
import { errorText, loadPeers, tfjsImpl, type Peer } from './peers.js';
import { DIRS, bytesOf, dims, flopsOf, makeData, selectShapes, shapeLabel, type BenchShape, type Dir, type ShapeDims } from './shapes.js';
import { FOREIGN_LOAD_FLAG, SINGLE_CALL_MS, settle, time, timeOnceAsync, type FirstCall, type Timing, type TimingOptions } from './timing.js';
import { runTraining, type TrainCaseResult } from './train.js';

// ---- command line -------------------------------------------------------------------------
const USAGE = 'usage: tsx bench/run.ts [--shapes=a,c3,...] [--quick] [--no-peers] [--no-train] [--threads[=N] | --no-threads] [--dynamic-tiering]';
const args = process.argv.slice(2);
const arg = (name: string): string | undefined => {
  const hit = args.find((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  return hit === undefined ? undefined : (hit.split('=')[1] ?? '');
};
for (const a of args) {
  if (!/^--(shapes=.+|quick|no-peers|no-train|threads(=\d+)?|no-threads|dynamic-tiering|help|child-threads=\d+|out=.+)$/.test(a)) {
    console.error(`unknown argument ${a}\n${USAGE}`);
    process.exit(2);
  }
}
if (arg('help') !== undefined) {
  console.log(USAGE);
  process.exit(0);
}
const QUICK = arg('quick') !== undefined;
const NO_PEERS = arg('no-peers') !== undefined;
const NO_TRAIN = arg('no-train') !== undefined;
const DYNAMIC_TIERING = arg('dynamic-tiering') !== undefined;
/** Set in the child that times simdconv with this many threads. */
const CHILD_THREADS = arg('child-threads') === undefined ? 0 : Number(arg('child-threads'));
const THREADS_ARG = arg('threads');
const THREADS_REQUESTED = THREADS_ARG === undefined ? null : THREADS_ARG === '' ? 2 : Number(THREADS_ARG);
const NO_THREADS = arg('no-threads') !== undefined;
const shapes = selectShapes(arg('shapes')?.split(',').filter(Boolean));
const dirs = DIRS.filter((d) => !(NO_TRAIN && d === 'step'));

// The yardstick modules are compiled (by plain-node children) before the tiering flag is set.
const yardstickBinaries = CHILD_THREADS ? null : compileYardsticks();
// By default WebAssembly (simdconv's and the peers' alike) is compiled straight to the optimising
// tier, so results do not depend on when V8's background tier-up happened to finish on 2 cores.
if (!DYNAMIC_TIERING) v8.setFlagsFromString('--no-wasm-dynamic-tiering');

const TIMING: TimingOptions = {
  /** tinybench time budget per task (ms) */
  timeMs: QUICK ? 100 : 400,
  warmupMs: QUICK ? 30 : 100,
  minSamples: QUICK ? 2 : 3,
};
/** Training steps run (and compared) before a step is timed. */
const CHECK_STEPS = 2;
/**
 * An implementation's call is not made where it is predicted to take longer than this (seconds),
 * predicted (predictSkip) from its slowest rate on earlier shapes of the same kind, or, with
 * OTHER_KIND_SLACK times the limit, of the other kind, or for the naive loop from its assumed
 * rate. simdconv is always run. Calls over SINGLE_CALL_MS are timed once.
 */
const MAX_CALL_S: Record<string, number> = QUICK ? { naive: 0.5, default: 1 } : { naive: 2, default: 5 };
/** Agreement required: max |diff| / max |reference|. */
const CHECK_RTOL = 1e-3;
/**
 * Agreement required of a peer's training-step losses with simdconv's (whose first loss must
 * match a float64 sum to CHECK_RTOL). Loose: the loss is one reduction over all |y| squared
 * residuals, and tfjs-wasm and onnxruntime accumulate it sequentially in float32, which drifts
 * by up to ~1% on millions of outputs (8e-3 on shape e's 6.3M); dX, dW and db are held to CHECK_RTOL.
 */
const LOSS_RTOL = 5e-2;
/** Shapes with fewer FLOPs than this show time per call instead of GFLOP/s. */
const TINY_FLOPS = 1e5;
/** Values compared between the threads child's outputs and this process's, per output. */
const FINGERPRINT_VALUES = 4096;

// ---- measuring one implementation on one shape ------------------------------------------------
/** One implementation's result for one shape and direction. */
interface Cell extends Partial<Timing> {
  /** (read + written bytes, bytesOf) / median time, in 1e9 per second. */
  gbps?: number;
  /**
   * Agreement: simdconv: float64 spot check (fwd, dx, dw); others: max relative difference from
   * simdconv's output (steps: over dX and the W and b updates, stepDisagreement).
   */
  check?: number | null;
  /**
   * Steps: simdconv: relative error of its first loss against a float64 sum (firstStepLoss);
   * others: max relative difference of the checked steps' losses from simdconv's.
   */
  lossCheck?: number;
  ok: boolean;
  /** How a peer without a kernel computes it. */
  via?: string;
  none?: string;
  skipped?: string;
  error?: string;
}
type DirCells = Record<string, Cell>;
interface ShapeResult {
  id: string;
  shape: string;
  note?: string;
  flops: Record<Dir, number>;
  bytes: Record<Dir, number>;
  /** direction -> implementation id -> cell */
  dirs: Partial<Record<Dir, DirCells>>;
}

/** A direction's output as the checks see it. */
type Checked = Float32Array | StepCheckState;

/**
 * Slowest GFLOP/s seen per `${impl}:${dir}:${kind}` on shapes of at least 1 MFLOP, `kind` being
 * 'single' (N = C = Cout = 1) or 'multi': the peers' speeds differ by orders of magnitude
 * between the two (XNNPACK and MLAS pack many channels into GEMMs).
 */
const rates = new Map<string, { gflops: number; shape: string }>();
const kindOf = (d: ShapeDims) => (d.N === 1 && d.C === 1 && d.Cout === 1 ? 'single' : 'multi');
/** A prediction from the other kind of shape is a guess: it skips only calls predicted this many times over the limit. */
const OTHER_KIND_SLACK = 5;

function predictSkip(impl: Impl, d: ShapeDims, dir: Dir): string | null {
  if (impl.id === 'simdconv') return null;
  const maxS = MAX_CALL_S[impl.id] ?? MAX_CALL_S.default!;
  const kind = kindOf(d);
  const other = kind === 'single' ? 'multi' : 'single';
  const same = rates.get(`${impl.id}:${dir}:${kind}`);
  // the naive loops run at about the same rate on every shape; a peer's rate on the other kind is a guess
  const guess = same ? undefined : rates.get(`${impl.id}:${dir}:${other}`);
  const slack = same || impl.id === 'naive' ? 1 : OTHER_KIND_SLACK;
  const rate = same ?? guess;
  const gflops = rate?.gflops ?? impl.assumedGflops;
  if (gflops === undefined) return null;
  const s = flopsOf(d, dir) / (gflops * 1e9);
  if (s <= maxS * slack) return null;
  const from = rate ? `${fmtG(rate.gflops)} GFLOP/s on shape ${rate.shape}` : `an assumed ${gflops} GFLOP/s`;
  return `predicted ${s.toFixed(1)} s per call from ${from} (> ${maxS * slack} s)`;
}

function recordRate(impl: Impl, d: ShapeDims, dir: Dir, gflops: number): void {
  if (d.flops < 1e6) return;
  const key = `${impl.id}:${dir}:${kindOf(d)}`;
  const rate = rates.get(key);
  if (!(rate && rate.gflops <= gflops)) rates.set(key, { gflops, shape: d.id });
}

/** Runs a kernel's checked call(s): one call, or CHECK_STEPS steps; returns the last call's time and the output. */
async function checkedRun(k: Kernel | Kernel<StepState>, d: ShapeDims, dir: Dir, data: ReturnType<typeof makeData>): Promise<{ first: FirstCall; out: Checked }> {
  if (dir !== 'step') {
    const first = await timeOnceAsync(k.run);
    return { first, out: (await k.output()) as Float32Array };
  }
  const losses: number[] = [];
  let first!: FirstCall;
  let state!: StepState;
  for (let i = 0; i < CHECK_STEPS; i++) {
    first = await timeOnceAsync(k.run);
    state = (await k.output()) as StepState;
    losses.push(state.loss);
  }
  return { first, out: stepCheckState(losses, state, data.step.w0, data.step.b0) };
}

/** An output's agreement: `check` (CHECK_RTOL applies) and, for steps, `lossCheck` (LOSS_RTOL). */
function agreement(d: ShapeDims, dir: Dir, impl: Impl, out: Checked, refs: Partial<Record<Dir, Checked>>,
  data: ReturnType<typeof makeData>): { check: number | null; lossCheck?: number } {
  const ref = refs[dir];
  if (impl.id === 'simdconv') {
    if (dir === 'step') {
      // its first loss against a float64 sum over the checked forward output
      const want = firstStepLoss(d, data.x, data.w, refs.fwd as Float32Array | undefined, data.step);
      return { check: null, lossCheck: want === null ? undefined : Math.abs((out as StepCheckState).losses[0]! - want) / Math.abs(want) };
    }
    const y = out as Float32Array;
    if (dir === 'fwd') return { check: spotCheckForward(d, data.x, data.w, y) };
    if (dir === 'dx') return { check: spotCheckGradInput(d, data.dy, data.w, y) };
    return { check: spotCheckGradWeight(d, data.x, data.dy, y) };
  }
  if (ref === undefined) return { check: null };
  if (dir !== 'step') return { check: relMaxDiff(out as Float32Array, ref as Float32Array) };
  const r = stepDisagreement(out as StepCheckState, ref as StepCheckState);
  return { check: r.check, lossCheck: r.loss };
}

const okCheck = (c: number | null | undefined): boolean => c === null || c === undefined || c <= CHECK_RTOL;
const okLoss = (c: number | undefined): boolean => c === undefined || c <= LOSS_RTOL;

/**
 * Measures one implementation on one shape, every direction: the checked call(s), the agreement
 * with `refs` (simdconv's outputs; filled in when `impl` is simdconv), then the timing.
 */
async function measureImpl(impl: Impl, d: ShapeDims, data: ReturnType<typeof makeData>, refs: Partial<Record<Dir, Checked>>,
  onOutput?: (dir: Dir, out: Checked) => void): Promise<Partial<Record<Dir, Cell>>> {
  const cells: Partial<Record<Dir, Cell>> = {};
  let ks: ShapeKernels;
  try {
    ks = await impl.kernels(d, data);
  } catch (e) {
    for (const dir of dirs) cells[dir] = { ok: true, error: errorText(e) };
    return cells;
  }
  try {
    for (const dir of dirs) {
      const k = ks[dir];
      if ('none' in k) {
        cells[dir] = { ok: true, none: k.none };
        continue;
      }
      const skip = predictSkip(impl, d, dir);
      if (skip) {
        cells[dir] = { ok: true, skipped: skip, via: k.via };
        continue;
      }
      try {
        const { first, out } = await checkedRun(k, d, dir, data);
        if (impl.id === 'simdconv') refs[dir] = out;
        onOutput?.(dir, out);
        const { check, lossCheck } = agreement(d, dir, impl, out, refs, data);
        const ok = okCheck(check) && (impl.id === 'simdconv' ? okCheck(lossCheck) : okLoss(lossCheck));
        if (!ok) {
          const what = impl.id === 'simdconv' ? 'vs float64 spot check' : 'vs simdconv';
          console.log(`\n  ✗ MISMATCH ${d.id} ${dir} ${impl.label} ${what}: max relative difference ${check} (tolerance ${CHECK_RTOL})` +
            (lossCheck === undefined ? '' : `, losses ${lossCheck} (tolerance ${impl.id === 'simdconv' ? CHECK_RTOL : LOSS_RTOL})`));
        }
        const t = await time(`${d.id} ${impl.id} ${dir}`, k.run, flopsOf(d, dir), first, TIMING);
        cells[dir] = { ...t, gbps: bytesOf(d, dir) / (t.medianMs * 1e-3) / 1e9, check, lossCheck, ok, via: k.via };
        recordRate(impl, d, dir, t.gflops);
      } catch (e) {
        cells[dir] = { ok: true, error: errorText(e), via: k.via };
      }
    }
  } finally {
    ks.dispose();
  }
  return cells;
}

async function runShape(shape: BenchShape, impls: Impl[]): Promise<ShapeResult> {
  const d = dims(shape);
  const data = makeData(shape);
  const result: ShapeResult = {
    id: d.id,
    shape: shapeLabel(d),
    note: d.note,
    flops: Object.fromEntries(DIRS.map((dir) => [dir, flopsOf(d, dir)])) as Record<Dir, number>,
    bytes: Object.fromEntries(DIRS.map((dir) => [dir, bytesOf(d, dir)])) as Record<Dir, number>,
    dirs: Object.fromEntries(dirs.map((dir) => [dir, {}])),
  };
  const refs: Partial<Record<Dir, Checked>> = {};
  for (const impl of impls) {
    const cells = await measureImpl(impl, d, data, refs, impl.id === 'simdconv' ? (dir, out) => fingerprints.set(`${d.id}:${dir}`, fingerprint(out)) : undefined);
    for (const dir of dirs) result.dirs[dir]![impl.id] = cells[dir]!;
    process.stdout.write(` ${impl.id}`);
  }
  return result;
}

// ---- threads: the child, and comparing its outputs --------------------------------------------
/** Sampled values of an output (FINGERPRINT_VALUES per array, at sampleIndices), for the threads check. */
type Fingerprint = number[][];
const fingerprints = new Map<string, Fingerprint>();
function fingerprint(out: Checked): Fingerprint {
  const arrays = out instanceof Float32Array ? [out] : [Float32Array.from(out.losses), out.dx, out.dw, out.db];
  return arrays.map((a) => sampleIndices(a.length, FINGERPRINT_VALUES).map((i) => a[i]!));
}
function fingerprintDiff(got: Fingerprint, want: Fingerprint): number {
  if (got.length !== want.length) return Infinity;
  return got.reduce((m, g, i) => Math.max(m, relMaxDiff(g, want[i]!)), 0);
}

interface ThreadsChildResult {
  threads: number;
  unsupported?: string;
  capabilities?: unknown;
  /** shape id -> direction -> cell, and the outputs' fingerprints */
  shapes: Record<string, Partial<Record<Dir, Cell & { fingerprint?: Fingerprint }>>>;
}

async function runThreadsChild(n: number, out: string): Promise<void> {
  const result: ThreadsChildResult = { threads: n, shapes: {} };
  try {
    await (sc.init as (o: { threads: number }) => Promise<void>)({ threads: n });
    const caps = typeof (sc as Record<string, unknown>).capabilities === 'function'
      ? (sc as unknown as { capabilities(): { threads?: unknown } }).capabilities() : undefined;
    result.capabilities = caps;
    if (caps?.threads !== n) result.unsupported = `init({ threads: ${n} }) gave capabilities().threads = ${JSON.stringify(caps?.threads)}`;
  } catch (e) {
    result.unsupported = `init({ threads: ${n} }) failed: ${errorText(e)}`;
  }
  if (!result.unsupported) {
    for (const shape of shapes) {
      const d = dims(shape);
      const fp: Partial<Record<Dir, Fingerprint>> = {};
      const cells = await measureImpl(simdconv, d, makeData(shape), {}, (dir, o) => (fp[dir] = fingerprint(o)));
      result.shapes[d.id] = Object.fromEntries(dirs.map((dir) => [dir, { ...cells[dir]!, fingerprint: fp[dir] }]));
      process.stderr.write(` ${d.id}`);
    }
  }
  writeFileSync(out, JSON.stringify(result));
}

/** Runs the threads child and adds its cells (id `simdconv-<n>t`) to the results. */
async function runThreads(n: number, results: ShapeResult[]): Promise<{ id: string; threads: number; unsupported?: string; capabilities?: unknown }> {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'simdconv-bench-threads-'));
  const out = path.join(tmp, 'threads.json');
  const childArgs = [...process.execArgv, fileURLToPath(import.meta.url), `--child-threads=${n}`, `--out=${out}`,
    `--shapes=${shapes.map((s) => s.id).join(',')}`, ...(QUICK ? ['--quick'] : []), ...(NO_TRAIN ? ['--no-train'] : []),
    ...(DYNAMIC_TIERING ? ['--dynamic-tiering'] : [])];
  const id = `simdconv-${n}t`;
  try {
    const status = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(process.execPath, childArgs, { stdio: ['ignore', 'inherit', 'inherit'] });
      child.on('error', reject);
      child.on('exit', (code) => resolve(code));
    });
    let r: ThreadsChildResult;
    try {
      r = JSON.parse(readFileSync(out, 'utf8')) as ThreadsChildResult;
    } catch {
      return { id, threads: n, unsupported: `the threads child exited with status ${status} and wrote no results` };
    }
    if (r.unsupported) return { id, threads: n, unsupported: r.unsupported, capabilities: r.capabilities };
    for (const res of results) {
      for (const dir of dirs) {
        const cell = r.shapes[res.id]?.[dir];
        if (!cell) continue;
        const { fingerprint: fp, ...rest } = cell;
        const want = fingerprints.get(`${res.id}:${dir}`);
        // the child's agreement: its float64 spot check, and its outputs against this process's
        const vs1 = fp && want ? fingerprintDiff(fp, want) : null;
        const check = [rest.check, vs1].reduce<number | null>((m, v) => (v === null || v === undefined ? m : Math.max(m ?? 0, v)), null);
        const ok = rest.ok && okCheck(check);
        if (!ok) console.log(`  ✗ MISMATCH ${res.id} ${dir} simdconv ${n} threads: spot check ${rest.check}, vs 1 thread ${vs1}`);
        res.dirs[dir]![id] = { ...rest, check, ok };
      }
    }
    return { id, threads: n, capabilities: r.capabilities };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

// ---- formatting ---------------------------------------------------------------------------
function fmtTime(ms: number): string {
  if (ms < 1e-3) return `${(ms * 1e6).toFixed(0)} ns`;
  if (ms < 1) return `${(ms * 1e3).toFixed(ms < 0.01 ? 2 : 1)} µs`;
  if (ms < 1000) return `${ms.toFixed(ms < 10 ? 2 : 1)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
}
function fmtG(g: number): string {
  return g >= 10 ? g.toFixed(1) : g >= 0.1 ? g.toFixed(2) : g.toFixed(3);
}
const fmtRatio = (r: number): string =>
  r >= 100 ? `${r.toFixed(0)}x` : r >= 10 ? `${r.toFixed(1)}x` : r >= 0.1 ? `${r.toFixed(2)}x` : `${r.toPrecision(2)}x`;
const fmtBytes = (b: number): string =>
  b >= 1e6 ? `${(b / 1e6).toFixed(1)} MB` : b >= 1e3 ? `${(b / 1e3).toFixed(1)} kB` : `${b} B`;
const fmtMiB = (b: number): string => (b >= 1048576 ? `${b / 1048576} MiB` : `${b / 1024} KiB`);
/** Marks: † one call timed, ‡ other processes busy during the measurement, ° computed without a kernel (via). */
const marks = (c: Partial<Timing> & { via?: string }): string =>
  (c.single ? '†' : '') + (c.foreignLoad != null && c.foreignLoad > FOREIGN_LOAD_FLAG ? '‡' : '') + (c.via ? '°' : '');

/** A table: first `left` columns left-aligned, the rest right-aligned. */
function table(header: string[], rows: string[][], left = 2): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (r: string[]) => r.map((v, c) => (c < left ? v.padEnd(widths[c]!) : v.padStart(widths[c]!))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

// ---- main ---------------------------------------------------------------------------------
if (CHILD_THREADS) {
  await runThreadsChild(CHILD_THREADS, arg('out')!);
  process.exit(0);
}

const cpus = os.cpus();
const machine = {
  cpu: cpus[0]?.model ?? 'unknown',
  cores: cpus.length,
  cpuMHz: cpus[0]?.speed || null,
  node: process.version,
  v8: process.versions.v8,
  platform: `${os.platform()} ${os.release()} ${os.arch()}`,
  totalMemGB: +(os.totalmem() / 2 ** 30).toFixed(1),
  loadAvg1m: +os.loadavg()[0]!.toFixed(2),
  wasmTiering: DYNAMIC_TIERING ? "V8's default (Liftoff, then tier-up)" : 'TurboFan only (--no-wasm-dynamic-tiering)',
};
console.log(`simdconv bench — ${machine.cpu}, ${machine.cores} logical cores${machine.cpuMHz ? ` @ ${machine.cpuMHz} MHz` : ''}, ${machine.totalMemGB} GiB, ` +
  `Node ${machine.node} (V8 ${machine.v8}), ${machine.platform}; load average ${machine.loadAvg1m}; wasm: ${machine.wasmTiering}`);
await sc.init();
const caps = typeof (sc as Record<string, unknown>).capabilities === 'function'
  ? (sc as unknown as { capabilities(): Record<string, unknown> }).capabilities()
  : undefined;
if (caps !== undefined) console.log(`capabilities: ${JSON.stringify(caps)}`);

// implementations: simdconv first (its outputs are the reference), then the naive loop, then peers
const impls: Impl[] = [simdconv, naive];
const notes: string[] = [];
const peerInfo: Record<string, unknown> = {};
let tfPeers: Peer[] = [];
if (NO_PEERS) notes.push('peers skipped (--no-peers)');
else {
  const tf = await loadPeers();
  tfPeers = tf.peers;
  impls.push(...tf.peers.map(tfjsImpl));
  notes.push(...tf.notes);
  Object.assign(peerInfo, tf.info);
  const ort = await loadOrt();
  if (ort.impl) impls.push(ort.impl);
  notes.push(...ort.notes);
  peerInfo.ort = ort.info;
}
for (const i of impls) console.log(`${i.label}: ${i.description}`);
for (const n of notes) console.log(n);
const settledMs = await settle();
if (settledMs > 1000) console.log(`(waited ${(settledMs / 1000).toFixed(1)} s for this process to go idle after loading the peers)`);

const threadsN = NO_THREADS ? null : THREADS_REQUESTED ?? (caps?.threadsAvailable === true ? 2 : null);
console.log(`shapes: ${shapes.map((s) => s.id).join(', ')}${QUICK ? ' (quick)' : ''}; directions: ${dirs.join(', ')}; tinybench ${TIMING.timeMs} ms per task, ≥ ${TIMING.minSamples} samples; ` +
  `a call over ${SINGLE_CALL_MS / 1000} s is timed once; calls predicted over ${MAX_CALL_S.naive} s (naive) / ${MAX_CALL_S.default} s (peers) are not made; ` +
  `threads: ${threadsN ? `${threadsN} (child process)` : NO_THREADS ? 'off (--no-threads)' : 'off (capabilities() reports no threadsAvailable; --threads=N forces)'}`);

const started = performance.now();
process.stdout.write('  yardsticks ...');
const yardRuns: Yardsticks[] = [await measureYardsticks(yardstickBinaries!, QUICK)];
process.stdout.write(` ${((performance.now() - started) / 1000).toFixed(1)} s\n`);

const results: ShapeResult[] = [];
for (const shape of shapes) {
  process.stdout.write(`  ${shape.id} ${shapeLabel(shape)}:`);
  const t0 = performance.now();
  results.push(await runShape(shape, impls));
  process.stdout.write(` ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
}

let threadsInfo: Awaited<ReturnType<typeof runThreads>> | null = null;
if (threadsN) {
  process.stdout.write(`  simdconv with ${threadsN} threads (child process):`);
  const t0 = performance.now();
  threadsInfo = await runThreads(threadsN, results);
  process.stdout.write(` ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  if (threadsInfo.unsupported) console.log(`  threads unavailable: ${threadsInfo.unsupported}`);
}

let training: TrainCaseResult[] = [];
if (!NO_TRAIN) {
  console.log('  training loops as a user writes them ...');
  const t0 = performance.now();
  training = await runTraining({
    timing: TIMING, peers: tfPeers, rtol: CHECK_RTOL, naivePredictGflops: naive.assumedGflops!, naiveMaxS: MAX_CALL_S.naive! + 1,
    // a layer step is a multi-channel training step: predicted from the peer's step rate on those shapes
    skipPeer: (peer, _id, flops) => {
      const rate = rates.get(`${peer.id}:step:multi`);
      const s = rate ? flops / (rate.gflops * 1e9) : 0;
      const maxS = 2 * MAX_CALL_S.default!;
      return s > maxS ? `predicted ${s.toFixed(1)} s per step from its training step at ${fmtG(rate!.gflops)} GFLOP/s on shape ${rate!.shape} (> ${maxS} s)` : null;
    },
    log: (l) => console.log(l),
  });
  console.log(`  training loops ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

// -- yardsticks: measured again now; the better of the two runs counts (other load only lowers them)
yardRuns.push(await measureYardsticks(yardstickBinaries!, QUICK, false));
const yard = bestOf(yardRuns[0]!, yardRuns[1]!);
const peak = yard.madd.gflops;
const fmaText = 'unavailable' in yard.fma ? `unavailable (${yard.fma.unavailable})` : `${fmtG(yard.fma.gflops)} GFLOP/s`;
console.log(`\nyardsticks (one thread; best of ${yard.madd.samples} samples, measured before and after the shapes, the better run shown): ` +
  `WASM SIMD f32x4 mul+add peak ${fmtG(peak)} GFLOP/s (runs: ${yardRuns.map((r) => `best ${fmtG(r.madd.gflops)}, median ${fmtG(r.madd.medianGflops)}`).join('; ')}); ` +
  `relaxed-SIMD FMA peak ${fmaText}`);
console.log(`  copy bandwidth, read + write GB/s: memory.copy ${yard.wasmCopy.map((c) => `${fmtMiB(c.bytes)} ${fmtG(c.gbps)}`).join(', ')}; ` +
  `TypedArray.set ${yard.typedArraySet.map((c) => `${fmtMiB(c.bytes)} ${fmtG(c.gbps)}`).join(', ')}`);

// -- one table per direction
const tiny = (r: ShapeResult, dir: Dir) => r.flops[dir] < TINY_FLOPS;
const columns = impls.filter((i) => i.id !== 'simdconv');
const tId = threadsInfo && !threadsInfo.unsupported ? threadsInfo.id : null;
const value = (r: ShapeResult, dir: Dir, c: Cell): string =>
  c.medianMs === undefined ? '' : (tiny(r, dir) ? fmtTime(c.medianMs) : fmtG(c.gflops!)) + marks(c) + (c.ok ? '' : ' ✗');
const status = (c: Cell | undefined): string | null =>
  c === undefined ? '—' : c.none ? 'none' : c.skipped ? 'skip' : c.error ? 'ERR' : null;
for (const dir of dirs) {
  const header = ['id', 'shape', 'simdconv', '% peak', 'GB/s', ...columns.flatMap((i) => [i.label, i.ratio]), ...(tId ? [`${threadsInfo!.threads} threads`, 'speedup'] : [])];
  const rows = results.map((r) => {
    const cells = r.dirs[dir]!;
    const s = cells.simdconv!;
    const sMs = s.medianMs;
    const mem = shapes.find((x) => x.id === r.id)?.memoryBound;
    const row = [r.id, r.shape, status(s) ?? value(r, dir, s),
      sMs !== undefined && !tiny(r, dir) ? `${((100 * s.gflops!) / peak).toFixed(0)}%` : '',
      sMs !== undefined && mem ? fmtG(s.gbps!) : ''];
    for (const i of columns) {
      const c = cells[i.id];
      const st = status(c);
      row.push(st ?? value(r, dir, c!), st === null && sMs !== undefined ? fmtRatio(c!.medianMs! / sMs) : '');
    }
    if (tId) {
      const c = cells[tId];
      const st = status(c);
      row.push(st ?? value(r, dir, c!), st === null && sMs !== undefined ? fmtRatio(sMs / c!.medianMs!) : '');
    }
    return row;
  });
  console.log(`\n${DIR_TITLE[dir]}: GFLOP/s${results.some((r) => tiny(r, dir)) ? ` (row${results.filter((r) => tiny(r, dir)).length > 1 ? 's' : ''} ` +
    `${results.filter((r) => tiny(r, dir)).map((r) => r.id).join(', ')}: time per call)` : ''}${dir === 'step' ? ', FLOPs = 3x the forward\'s' : ''}`);
  console.log(table(header, rows));
}
console.log(`\nGFLOP/s = 2·N·Cout·Ho·Wo·C·kh·kw / median time (dX, dW counted with the forward's FLOPs; a step 3x). ÷X = simdconv's speed / X's (> 1: simdconv is faster). ` +
  `% peak: of the f32x4 mul+add peak above. GB/s: bytes read + written (fwd x+w+y, dX dy+w+dx, dW x+dy+dw, step x+t+dx+2w+2b) / time, for the memory-bound rows. ` +
  `speedup: simdconv 1 thread time / ${threadsInfo?.threads ?? 'N'} threads time.`);
console.log(`† one call timed (over ${SINGLE_CALL_MS / 1000} s); ‡ other processes used over ${FOREIGN_LOAD_FLAG} cores meanwhile; ° no kernel for it, computed another way (below); ✗ disagrees (see agreement)`);
const footnotes = new Set<string>();
for (const r of results) {
  for (const dir of dirs) {
    for (const [id, c] of Object.entries(r.dirs[dir]!)) {
      const label = impls.find((i) => i.id === id)?.label ?? id;
      if (c.via) footnotes.add(`  ° ${label} ${dir}: ${c.via}`);
      if (c.none) footnotes.add(`  none: ${label} ${dir}: ${c.none}`);
    }
  }
}
for (const r of results) {
  for (const dir of dirs) {
    for (const [id, c] of Object.entries(r.dirs[dir]!)) {
      const label = impls.find((i) => i.id === id)?.label ?? id;
      if (c.skipped) footnotes.add(`  skip: ${r.id} ${label} ${dir}: ${c.skipped}`);
      if (c.error) footnotes.add(`  ERR: ${r.id} ${label} ${dir}: ${c.error}`);
    }
  }
}
for (const f of footnotes) console.log(f);

// -- memory-bound shapes against the copy bandwidth
const memRows = results.filter((r) => shapes.find((s) => s.id === r.id)?.memoryBound);
if (memRows.length > 0) {
  console.log('\nmemory-bound shapes: simdconv\'s GB/s (bytes read + written / time) against memory.copy moving the same bytes ' +
    '(the measured copy size nearest to half the bytes moved)');
  for (const r of memRows) {
    for (const dir of dirs) {
      const c = r.dirs[dir]!.simdconv!;
      if (c.gbps === undefined) continue;
      const head = `  ${r.id} ${dir.padEnd(4)} ${fmtBytes(r.bytes[dir]).padStart(8)} per call at ${fmtG(c.gbps).padStart(5)} GB/s`;
      if (r.bytes[dir] < 65536) {
        console.log(`${head}: ${fmtTime(c.medianMs!)} per call, bound by the call's fixed cost (JS→wasm call, validation, tensor allocation), not by bandwidth`);
        continue;
      }
      const copy = yard.wasmCopy.reduce((best, x) => (Math.abs(Math.log(2 * x.bytes / r.bytes[dir])) < Math.abs(Math.log(2 * best.bytes / r.bytes[dir])) ? x : best));
      const frac = (100 * c.gbps) / copy.gbps;
      console.log(`${head} = ${frac.toFixed(frac < 10 ? 1 : 0)}% of memory.copy ${fmtMiB(copy.bytes)} (${fmtG(copy.gbps)} GB/s)`);
    }
  }
}
if (results.some((r) => dirs.some((dir) => (r.dirs[dir]!.simdconv?.gflops ?? 0) > peak))) {
  console.log(`\nnote: a rate above 100% of the peak means the peak runs were slowed by other load (best ${fmtG(peak)} GFLOP/s here): rerun on a quiet machine`);
}

// -- training loops as a user writes them
if (training.length > 0) {
  const tRows: string[][] = [];
  const errors: string[] = [];
  for (const c of training) {
    const simd = c.impls.find((i) => i.impl === 'simdconv')?.timing;
    c.impls.forEach((i, k) => {
      const t = i.timing;
      let st = 'skipped';
      if (t) st = fmtTime(t.medianMs) + marks(t);
      else if (i.error) {
        errors.push(`(${errors.length + 1}) ${c.id} ${i.impl} failed: ${i.error}`);
        st = `failed (${errors.length})`;
      }
      tRows.push([
        k === 0 ? c.id : '', i.impl, st,
        t && c.id !== 'lesson' ? fmtG(t.gflops) : '',
        t && simd && i.impl !== 'simdconv' ? fmtRatio(t.medianMs / simd.medianMs) : '',
        i.check === null ? '' : `${i.check.toExponential(1)}${i.ok ? '' : ' ✗'}`,
      ]);
    });
  }
  console.log('\ntraining loops as a user writes them (autograd where the library has it; median time per step; GFLOP/s counts forward + dX + dW; ' +
    'simdconv ÷ = the implementation\'s time / simdconv\'s; check = max relative difference from simdconv after the checked steps)');
  console.log(table(['case', 'implementation', 'time/step', 'GFLOP/s', 'simdconv ÷', 'check'], tRows));
  for (const c of training) {
    console.log(`  ${c.id}: ${c.title}; gradients: ${c.grads}; checked over ${c.checkSteps} steps`);
    for (const i of c.impls) if (i.skipped) console.log(`    ${i.impl} skipped: ${i.skipped}`);
    for (const [how, il] of [['eager', c.interleaved], ['compiled (sc.compile)', c.interleavedCompiled]] as const) {
      if (il === undefined) continue;
      console.log(c.id === 'lesson'
        ? `    ${how}, interleaved with the ${il.yardstick} (${il.rounds} rounds, medians): simdconv ${fmtTime(il.stepMs)}, naive JS ${fmtTime(il.yardstickMs)}; ` +
          `simdconv's step takes ${il.ratio.toFixed(2)}x the naive JS step's time (median of the per-round ratios; goal ≤ 1)` +
          (il.heapBytesPerStep === undefined ? '' : `; it allocates ${il.heapBytesPerStep.toFixed(0)} bytes of JS heap per step`)
        : `    ${how}, interleaved with ${il.yardstick} (${il.rounds} rounds, medians): step ${fmtTime(il.stepMs)} (${fmtG(c.flopsPerStep / (il.stepMs * 1e6))} GFLOP/s), ` +
          `kernels ${fmtTime(il.yardstickMs)} (${fmtG(c.flopsPerStep / (il.yardstickMs * 1e6))} GFLOP/s); the step keeps ${(il.ratio * 100).toFixed(0)}% of its kernels' GFLOP/s (median of the per-round ratios; goal ≥ 80%)`);
    }
  }
  for (const e of errors) console.log(`  ${e}`);
}

// -- agreement
let failed = false;
console.log(`\nagreement before timing (max relative difference; simdconv: against float64 sums at sampled positions; others: against simdconv; ` +
  `step: over ${CHECK_STEPS} steps' dX and W/b updates, tolerance ${CHECK_RTOL}, and their losses, tolerance ${LOSS_RTOL}; simdconv step: its first loss ` +
  `against float64, tolerance ${CHECK_RTOL}; ` +
  `${threadsInfo?.id ?? 'threads'}: its spot check and its outputs vs 1 thread)`);
for (const r of results) {
  const parts: string[] = [];
  for (const dir of dirs) {
    const cells = Object.entries(r.dirs[dir]!).filter(([, c]) => (c.check !== undefined && c.check !== null) || c.lossCheck !== undefined);
    if (cells.length === 0) continue;
    const text = (c: Cell) => [c.check == null ? null : c.check.toExponential(1), c.lossCheck === undefined ? null : `loss ${c.lossCheck.toExponential(1)}`]
      .filter((t) => t !== null).join(' ');
    parts.push(`${dir} ${cells.map(([id, c]) => `${impls.find((i) => i.id === id)?.label ?? id} ${text(c)}${c.ok ? '' : ' ✗'}`).join(', ')}`);
    if (Object.values(r.dirs[dir]!).some((c) => !c.ok)) failed = true;
  }
  console.log(`  ${r.id}: ${parts.join('; ')}`);
}
for (const c of training) if (c.impls.some((i) => !i.ok)) failed = true;
if (failed) {
  console.log(`✗ DISAGREEMENT above ${CHECK_RTOL} on at least one shape, direction or training loop (marked ✗ above)`);
  process.exitCode = 1;
}

const outDir = fileURLToPath(new URL('./results/', import.meta.url));
mkdirSync(outDir, { recursive: true });
const file = `${outDir}latest.json`;
writeFileSync(file, JSON.stringify({
  date: new Date().toISOString(),
  machine,
  capabilities: caps,
  yardsticks: { ...yard, runs: yardRuns },
  implementations: impls.map((i) => ({ id: i.id, label: i.label, description: i.description })),
  threads: threadsInfo,
  peers: peerInfo,
  notes,
  options: {
    quick: QUICK, shapes: shapes.map((s) => s.id), directions: dirs, timeMsPerTask: TIMING.timeMs, minSamples: TIMING.minSamples,
    singleCallMs: SINGLE_CALL_MS, maxCallS: MAX_CALL_S, checkRtol: CHECK_RTOL, checkSteps: CHECK_STEPS,
  },
  units: {
    medianMs: 'ms per call (median of samples)',
    gflops: '2·N·Cout·Ho·Wo·C·kh·kw / time; dX and dW counted with the forward FLOPs; step: 3x the forward FLOPs',
    gbps: 'bytes read + written at the least (shapes.ts bytesOf) / time, 1e9 per second',
    check: 'simdconv: max relative error against float64 sums at sampled positions; others: max |x - simdconv| / max |simdconv|; step: over dX and the W/b update (lossCheck: over the losses)',
    yardsticks: 'GFLOP/s best of samples; copy GB/s = 2 x bytes (read + write) / time',
  },
  results,
  training,
}, null, 2));
console.log(`\nwrote ${file} (${((performance.now() - started) / 1000).toFixed(0)} s)`);
