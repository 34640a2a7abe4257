// `npm run bench`: simdconv against the naive JavaScript loop on the shapes of bench/shapes.ts.
//
//   tsx bench/run.ts [--shapes=a,c3] [--quick]
//
// For each shape: checks that simdconv and the naive loop agree (and spot-checks simdconv against
// a float64 sum at random output positions), then times with tinybench: the forward pass
// (corr2d for the lesson shape 'a', conv2d otherwise), conv2dGradInput (dX) and
// conv2dGradWeight (dW), and the naive loops for each. Prints median time per call, GFLOP/s
// (2·N·Cout·Ho·Wo·C·kh·kw per call; dX and dW counted with the forward's FLOPs) and the speedup
// over the naive loop; writes everything to bench/results/latest.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { Bench } from 'tinybench';
import * as sc from '../src/index.js';
import { naiveConv2dGradInputNCHW, naiveConv2dGradWeightNCHW, naiveConv2dNCHW, naiveCorr2d } from './naive.js';
import { dims, makeData, selectShapes, shapeLabel, type ShapeDims } from './shapes.js';

// ---- command line -------------------------------------------------------------------------
const args = process.argv.slice(2);
const arg = (name: string): string | undefined => {
  const hit = args.find((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  return hit === undefined ? undefined : (hit.split('=')[1] ?? '');
};
for (const a of args) {
  if (!/^--(shapes=.+|quick|help)$/.test(a)) {
    console.error(`unknown argument ${a}\nusage: tsx bench/run.ts [--shapes=a,c3] [--quick]`);
    process.exit(2);
  }
}
if (arg('help') !== undefined) {
  console.log('usage: tsx bench/run.ts [--shapes=a,c3,...] [--quick]');
  process.exit(0);
}
const QUICK = arg('quick') !== undefined;
const shapes = selectShapes(arg('shapes')?.split(',').filter(Boolean));

/** Time budget per task (ms) and the minimum number of samples. */
const TIME_MS = QUICK ? 100 : 400;
const WARMUP_MS = QUICK ? 30 : 100;
const MIN_SAMPLES = QUICK ? 2 : 3;
/** Calls shorter than this are batched so one sample lasts about this long (timer resolution). */
const SAMPLE_MS = 1;
/** The naive loop is skipped where one call would take longer than this (seconds). */
const NAIVE_MAX_S = 2;
/** Conservative naive-loop throughput used to predict a call's time before making it. */
const NAIVE_PREDICT_GFLOPS = 0.4;
/** Agreement required between simdconv and the reference: max |diff| / max |reference|. */
const CHECK_RTOL = 1e-3;

// ---- timing -------------------------------------------------------------------------------
interface Timing {
  medianMs: number;
  meanMs: number;
  minMs: number;
  rme: number;
  samples: number;
  callsPerSample: number;
  gflops: number;
}
interface Skipped {
  skipped: string;
}

/** Per-call time (ms) of fn: repeats it, doubling the count, until a run lasts SAMPLE_MS. */
function perCallMs(fn: () => void, firstCallMs: number): number {
  if (firstCallMs >= 20 * SAMPLE_MS) return firstCallMs;
  for (let n = 1; ; n *= 2) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) fn();
    const el = performance.now() - t0;
    if (el >= SAMPLE_MS) return el / n;
  }
}

/** Times fn with tinybench; calls shorter than SAMPLE_MS are batched within one sample. */
async function time(name: string, fn: () => void, flops: number, firstCallMs: number): Promise<Timing> {
  const perCall = perCallMs(fn, firstCallMs);
  const batch = Math.max(1, Math.floor(SAMPLE_MS / perCall));
  const slow = perCall > 50;
  const bench = new Bench({
    time: TIME_MS,
    iterations: MIN_SAMPLES,
    warmupTime: WARMUP_MS,
    warmupIterations: slow ? 1 : 5,
    throws: true,
  });
  bench.add(name, () => {
    const t0 = performance.now();
    for (let i = 0; i < batch; i++) fn();
    const el = performance.now() - t0;
    return { overriddenDuration: el / batch, overriddenIterationCost: el };
  });
  await bench.run();
  const r = bench.tasks[0]!.result;
  if (r.state !== 'completed') throw new Error(`${name}: tinybench state ${r.state}`);
  const med = r.latency.p50;
  return {
    medianMs: med,
    meanMs: r.latency.mean,
    minMs: r.latency.min,
    rme: r.latency.rme,
    samples: r.latency.samplesCount,
    callsPerSample: batch,
    gflops: flops / (med * 1e-3) / 1e9,
  };
}

function timeOnce(fn: () => void): number {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
}

// ---- checks -------------------------------------------------------------------------------
function relMaxDiff(got: Float32Array, want: Float32Array): number {
  if (got.length !== want.length) return Infinity;
  let d = 0;
  let m = 0;
  for (let i = 0; i < got.length; i++) {
    const e = Math.abs(got[i]! - want[i]!);
    if (!(e <= d)) d = e; // NaN propagates
    m = Math.max(m, Math.abs(want[i]!));
  }
  return Number.isNaN(d) ? NaN : d / Math.max(m, 1e-30);
}

/** max |y - exact| / max |exact| over `count` pseudo-random output positions, exact in float64. */
function spotCheckForward(s: ShapeDims, x: Float32Array, w: Float32Array, y: Float32Array, count = 256): number {
  let worst = 0;
  let scale = 1e-30;
  const total = s.N * s.Cout * s.Ho * s.Wo;
  for (let t = 0; t < Math.min(count, total); t++) {
    const idx = t === 0 ? total - 1 : Math.floor(((t * 2654435761) % 4294967296) / 4294967296 * total);
    const j = idx % s.Wo;
    const i = Math.floor(idx / s.Wo) % s.Ho;
    const o = Math.floor(idx / (s.Wo * s.Ho)) % s.Cout;
    const n = Math.floor(idx / (s.Wo * s.Ho * s.Cout));
    let sum = 0;
    for (let c = 0; c < s.C; c++)
      for (let a = 0; a < s.kh; a++)
        for (let b = 0; b < s.kw; b++)
          sum += x[((n * s.C + c) * s.H + i + a) * s.W + j + b]! * w[((o * s.C + c) * s.kh + a) * s.kw + b]!;
    const e = Math.abs(y[idx]! - sum);
    worst = Number.isNaN(e) ? NaN : Math.max(worst, e);
    scale = Math.max(scale, Math.abs(sum));
  }
  return worst / scale;
}

// ---- formatting ---------------------------------------------------------------------------
function fmtTime(ms: number): string {
  if (ms < 1e-3) return `${(ms * 1e6).toFixed(0)} ns`;
  if (ms < 1) return `${(ms * 1e3).toFixed(ms < 0.01 ? 2 : 1)} µs`;
  if (ms < 1000) return `${ms.toFixed(ms < 10 ? 2 : 1)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
}
const fmtG = (g: number): string => (g < 10 ? g.toFixed(2) : g.toFixed(1));
function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (r: string[]) => r.map((v, c) => (c < 2 ? v.padEnd(widths[c]!) : v.padStart(widths[c]!))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

// ---- one shape ----------------------------------------------------------------------------
type Measured = Timing | Skipped;
interface OpResult {
  simdconv: Measured;
  naive: Measured;
  /** max |simdconv - naive| / max |naive| (NaN when the naive loop was skipped). */
  checkVsNaive: number | null;
  ok: boolean;
}
interface ShapeResult {
  id: string;
  shape: string;
  note?: string;
  flops: number;
  /** max relative error of simdconv's forward at random positions against a float64 sum. */
  spotCheck: number;
  fwd: OpResult;
  dx?: OpResult;
  dw?: OpResult;
}

const hasGradInput = typeof (sc as Record<string, unknown>).conv2dGradInput === 'function';
const hasGradWeight = typeof (sc as Record<string, unknown>).conv2dGradWeight === 'function';

/**
 * Checks simdconv's output against the naive loop's, then times both. `simd` and `naive` each
 * return their output; the naive loop is skipped when predicted or measured to exceed NAIVE_MAX_S.
 */
async function measureOp(
  label: string,
  s: ShapeDims,
  simd: () => Float32Array,
  simdTimed: () => void,
  naive: () => Float32Array,
): Promise<OpResult> {
  const got = simd();
  const simdFirst = timeOnce(simdTimed);
  const predictedS = s.flops / (NAIVE_PREDICT_GFLOPS * 1e9);
  let naiveResult: Measured;
  let check: number | null = null;
  if (predictedS > NAIVE_MAX_S) {
    naiveResult = { skipped: `predicted ${predictedS.toFixed(1)} s per call (> ${NAIVE_MAX_S} s)` };
  } else {
    let want!: Float32Array;
    const naiveFirst = timeOnce(() => {
      want = naive();
    });
    check = relMaxDiff(got, want);
    naiveResult = naiveFirst > NAIVE_MAX_S * 1000
      ? { skipped: `one call took ${(naiveFirst / 1000).toFixed(1)} s (> ${NAIVE_MAX_S} s)` }
      : await time(`${s.id} naive ${label}`, naive, s.flops, naiveFirst);
  }
  const ok = check === null || check <= CHECK_RTOL;
  const simdconv = await time(`${s.id} simdconv ${label}`, simdTimed, s.flops, simdFirst);
  return { simdconv, naive: naiveResult, checkVsNaive: check, ok };
}

async function runShape(shape: ReturnType<typeof selectShapes>[number]): Promise<ShapeResult> {
  const s = dims(shape);
  const { x, w, dy } = makeData(s);
  const single = s.N === 1 && s.C === 1 && s.Cout === 1;
  const lesson = s.id === 'a';

  // operands live for the whole shape; each timed call disposes its output
  const xt = lesson ? sc.tensor(x, [s.H, s.W]) : sc.tensor(x, s.xShape);
  const wt = lesson ? sc.tensor(w, [s.kh, s.kw]) : sc.tensor(w, s.wShape);
  const x4 = lesson ? sc.tensor(x, s.xShape) : xt;
  const w4 = lesson ? sc.tensor(w, s.wShape) : wt;
  const dyt = sc.tensor(dy, s.yShape);
  const yBuf = new Float32Array(s.N * s.Cout * s.Ho * s.Wo);
  const dxBuf = new Float32Array(x.length);
  const dwBuf = new Float32Array(w.length);

  const forward = lesson ? () => sc.corr2d(xt, wt) : () => sc.conv2d(xt, wt);
  const outOf = (f: () => sc.Tensor) => () => {
    const t = f();
    const d = t.data();
    t.dispose();
    return d;
  };
  const disposing = (f: () => sc.Tensor) => () => {
    f().dispose();
  };
  const naiveFwd = single
    ? () => naiveCorr2d(x, s.H, s.W, w, s.kh, s.kw, yBuf)
    : () => naiveConv2dNCHW(x, w, yBuf, s.N, s.C, s.H, s.W, s.Cout, s.kh, s.kw);

  const fwdOut = outOf(forward)();
  const spotCheck = spotCheckForward(s, x, w, fwdOut);
  const result: ShapeResult = {
    id: s.id,
    shape: shapeLabel(s),
    note: s.note,
    flops: s.flops,
    spotCheck,
    fwd: await measureOp(lesson ? 'corr2d' : 'conv2d', s, outOf(forward), disposing(forward), naiveFwd),
  };
  if (hasGradInput) {
    const gi = () => sc.conv2dGradInput(dyt, w4, s.xShape);
    result.dx = await measureOp('conv2dGradInput', s, outOf(gi), disposing(gi),
      () => naiveConv2dGradInputNCHW(dy, w, dxBuf, s.N, s.C, s.H, s.W, s.Cout, s.kh, s.kw));
  }
  if (hasGradWeight) {
    const gw = () => sc.conv2dGradWeight(x4, dyt, s.wShape);
    result.dw = await measureOp('conv2dGradWeight', s, outOf(gw), disposing(gw),
      () => naiveConv2dGradWeightNCHW(x, dy, dwBuf, s.N, s.C, s.H, s.W, s.Cout, s.kh, s.kw));
  }
  for (const t of new Set([xt, wt, x4, w4, dyt])) t.dispose();
  return result;
}

// ---- main ---------------------------------------------------------------------------------
const cpus = os.cpus();
const machine = {
  cpu: cpus[0]?.model ?? 'unknown',
  cores: cpus.length,
  node: process.version,
  v8: process.versions.v8,
  platform: `${os.platform()} ${os.release()} ${os.arch()}`,
  totalMemGB: +(os.totalmem() / 2 ** 30).toFixed(1),
};
console.log(`simdconv bench — ${machine.cpu}, ${machine.cores} logical cores, Node ${machine.node} (V8 ${machine.v8}), ${machine.platform}`);
await sc.init();
const caps = typeof (sc as Record<string, unknown>).capabilities === 'function'
  ? (sc as unknown as { capabilities(): unknown }).capabilities()
  : undefined;
if (caps !== undefined) console.log(`capabilities: ${JSON.stringify(caps)}`);
console.log(`shapes: ${shapes.map((s) => s.id).join(', ')}${QUICK ? ' (quick)' : ''}; tinybench ${TIME_MS} ms per task, ≥ ${MIN_SAMPLES} samples; ` +
  `naive loop skipped above ${NAIVE_MAX_S} s per call`);
if (!hasGradInput || !hasGradWeight) console.log(`(no ${[!hasGradInput && 'conv2dGradInput', !hasGradWeight && 'conv2dGradWeight'].filter(Boolean).join(' / ')} in this build: not timed)`);

const started = performance.now();
const results: ShapeResult[] = [];
for (const shape of shapes) {
  process.stdout.write(`  ${shape.id} ${shapeLabel(shape)} ...`);
  const t0 = performance.now();
  const r = await runShape(shape);
  results.push(r);
  process.stdout.write(` ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
}

const cell = (m: Measured | undefined): [string, string] =>
  m === undefined ? ['—', '—'] : 'skipped' in m ? ['skipped', ''] : [fmtTime(m.medianMs), fmtG(m.gflops)];
const speedup = (op: OpResult | undefined): string => {
  if (!op || 'skipped' in op.simdconv || 'skipped' in op.naive) return '—';
  return `${(op.naive.medianMs / op.simdconv.medianMs).toFixed(1)}x`;
};
const checkMark = (op: OpResult | undefined): string =>
  op === undefined ? '' : op.ok ? '' : ' ✗';

const header = ['id', 'shape (N,C,H,W ; Cout,kh,kw)', 'fwd', 'GFLOP/s', 'vs naive', 'dX', 'GFLOP/s', 'vs naive', 'dW', 'GFLOP/s', 'vs naive'];
const rows = results.map((r) => [
  r.id, r.shape,
  ...cell(r.fwd.simdconv), speedup(r.fwd) + checkMark(r.fwd),
  ...cell(r.dx?.simdconv), speedup(r.dx) + checkMark(r.dx),
  ...cell(r.dw?.simdconv), speedup(r.dw) + checkMark(r.dw),
]);
console.log('\nsimdconv (median time per call, GFLOP/s, speedup over the naive JS loop)');
console.log(table(header, rows));

const naiveRows = results.map((r) => [
  r.id, r.shape, ...cell(r.fwd.naive), ...cell(r.dx?.naive), ...cell(r.dw?.naive),
]);
console.log('\nnaive JS loop (textbook single-channel loop for N=C=Cout=1, NCHW loop otherwise)');
console.log(table(['id', 'shape', 'fwd', 'GFLOP/s', 'dX', 'GFLOP/s', 'dW', 'GFLOP/s'], naiveRows));
for (const r of results) {
  for (const [op, m] of [['fwd', r.fwd.naive], ['dX', r.dx?.naive], ['dW', r.dw?.naive]] as const) {
    if (m && 'skipped' in m) console.log(`  ${r.id} naive ${op} skipped: ${m.skipped}`);
  }
}

let failed = false;
console.log('\nagreement (max |simdconv - reference| / max |reference|)');
for (const r of results) {
  const parts = [`spot-check fwd vs float64 ${r.spotCheck.toExponential(1)}`];
  for (const [op, o] of [['fwd', r.fwd], ['dX', r.dx], ['dW', r.dw]] as const) {
    if (o && o.checkVsNaive !== null) parts.push(`${op} vs naive ${o.checkVsNaive.toExponential(1)}`);
    if (o && !o.ok) failed = true;
  }
  if (!(r.spotCheck <= CHECK_RTOL)) failed = true;
  console.log(`  ${r.id}: ${parts.join(', ')}`);
}
if (failed) {
  console.log(`✗ simdconv disagrees with the reference (above ${CHECK_RTOL}) on at least one shape`);
  process.exitCode = 1;
}

const outDir = fileURLToPath(new URL('./results/', import.meta.url));
mkdirSync(outDir, { recursive: true });
const file = `${outDir}latest.json`;
writeFileSync(file, JSON.stringify({
  date: new Date().toISOString(),
  machine,
  capabilities: caps,
  options: { quick: QUICK, shapes: shapes.map((s) => s.id), timeMsPerTask: TIME_MS, minSamples: MIN_SAMPLES, naiveMaxS: NAIVE_MAX_S },
  units: { time: 'ms per call (median of samples)', gflops: '2·N·Cout·Ho·Wo·C·kh·kw / time, dX and dW counted with the forward FLOPs' },
  results,
}, null, 2));
console.log(`\nwrote ${file} (${((performance.now() - started) / 1000).toFixed(0)} s)`);
