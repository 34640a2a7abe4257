// `npm run bench`: simdconv against the naive JavaScript loop and, when installed, TensorFlow.js
// (tfjs-backend-cpu and tfjs-backend-wasm), on the shapes of bench/shapes.ts, then whole training
// steps (bench/train.ts).
//
//   tsx bench/run.ts [--shapes=a,c3] [--quick] [--no-peers] [--no-train]
//
// Peers live in bench/node_modules, installed from bench/package.json by `npm run bench:install`;
// without them the peers are skipped (and the run says how to install them).
//
// For each shape: checks that simdconv and the naive loop agree (and spot-checks simdconv against
// a float64 sum at random output positions), then times with tinybench: the forward pass
// (corr2d for the lesson shape 'a', conv2d otherwise), conv2dGradInput (dX) and
// conv2dGradWeight (dW), and the naive loops for each. Each peer's forward, dX and dW (where the
// peer has the kernel) is checked against simdconv's output and timed the same way. Prints median
// time per call, GFLOP/s (2·N·Cout·Ho·Wo·C·kh·kw per call; dX and dW counted with the forward's
// FLOPs), the speedup over the naive loop and simdconv's speed relative to each peer; writes
// everything to bench/results/latest.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import * as sc from '../src/index.js';
import { naiveConv2dGradInputNCHW, naiveConv2dGradWeightNCHW, naiveConv2dNCHW, naiveCorr2d } from './naive.js';
import { errorText, loadPeers, peerKernels, type Peer } from './peers.js';
import { dims, makeData, selectShapes, shapeLabel, type ShapeDims } from './shapes.js';
import {
  FOREIGN_LOAD_FLAG, SINGLE_CALL_MS, isTiming, relMaxDiff, time, timeOnce, type Measured, type Timing, type TimingOptions,
} from './timing.js';
import { runTraining, type TrainCaseResult } from './train.js';

// ---- command line -------------------------------------------------------------------------
const USAGE = 'usage: tsx bench/run.ts [--shapes=a,c3,...] [--quick] [--no-peers] [--no-train] [--dynamic-tiering]';
const args = process.argv.slice(2);
const arg = (name: string): string | undefined => {
  const hit = args.find((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  return hit === undefined ? undefined : (hit.split('=')[1] ?? '');
};
for (const a of args) {
  if (!/^--(shapes=.+|quick|no-peers|no-train|dynamic-tiering|help)$/.test(a)) {
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
// By default WebAssembly (simdconv's and tfjs-wasm's alike) is compiled straight to the optimising
// tier, so results do not depend on when V8's background tier-up happened to finish on 2 cores.
if (!DYNAMIC_TIERING) v8.setFlagsFromString('--no-wasm-dynamic-tiering');
const shapes = selectShapes(arg('shapes')?.split(',').filter(Boolean));

const TIMING: TimingOptions = {
  /** tinybench time budget per task (ms) */
  timeMs: QUICK ? 100 : 400,
  warmupMs: QUICK ? 30 : 100,
  minSamples: QUICK ? 2 : 3,
};
/** The naive loop is skipped where one call would take longer than this (seconds). */
const NAIVE_MAX_S = 2;
/** Conservative naive-loop throughput used to predict a call's time before making it. */
const NAIVE_PREDICT_GFLOPS = 0.4;
/** The naive training step is not timed above this many seconds per step. */
const NAIVE_STEP_MAX_S = 3;
/**
 * A peer's kernel is skipped where one call is predicted to take longer than this (seconds),
 * predicted from its slowest rate on the shapes before (shapes of at least 1 MFLOP).
 */
const PEER_MAX_S = 30;
/** Agreement required between simdconv and the reference: max |diff| / max |reference|. */
const CHECK_RTOL = 1e-3;
/** Shapes with fewer FLOPs than this show time per call instead of GFLOP/s. */
const TINY_FLOPS = 1e5;

// ---- one shape ----------------------------------------------------------------------------
interface OpResult {
  simdconv: Measured;
  naive: Measured;
  /** max |simdconv - naive| / max |naive| (null when the naive loop was skipped). */
  checkVsNaive: number | null;
  ok: boolean;
}
/** A peer's result for one op: timed (with its check against simdconv), or why not. */
type PeerOp = (Timing & { check: number; ok: boolean }) | { none: string } | { skipped: string } | { error: string };
type OpName = 'fwd' | 'dx' | 'dw';
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
  /** peer id -> op -> result */
  peers: Record<string, Partial<Record<OpName, PeerOp>>>;
}

const hasGradInput = typeof (sc as Record<string, unknown>).conv2dGradInput === 'function';
const hasGradWeight = typeof (sc as Record<string, unknown>).conv2dGradWeight === 'function';

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

/**
 * Checks simdconv's output against the naive loop's, then times both. `simd` and `naive` each
 * return their output; the naive loop is skipped when predicted or measured to exceed NAIVE_MAX_S.
 */
async function measureOp(
  label: string,
  s: ShapeDims,
  got: Float32Array,
  simdTimed: () => void,
  naive: () => Float32Array,
): Promise<OpResult> {
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
    naiveResult = naiveFirst.ms > NAIVE_MAX_S * 1000
      ? { skipped: `one call took ${(naiveFirst.ms / 1000).toFixed(1)} s (> ${NAIVE_MAX_S} s)` }
      : await time(`${s.id} naive ${label}`, naive, s.flops, naiveFirst, TIMING);
  }
  const ok = check === null || check <= CHECK_RTOL;
  const simdconv = await time(`${s.id} simdconv ${label}`, simdTimed, s.flops, simdFirst, TIMING);
  return { simdconv, naive: naiveResult, checkVsNaive: check, ok };
}

/** Slowest GFLOP/s seen so far per `${peer}:${op}`, to predict the next shape's call time. */
const peerRates = new Map<string, { gflops: number; shape: string }>();

async function measurePeers(peers: Peer[], s: ShapeDims, x: Float32Array, w: Float32Array, dy: Float32Array,
  want: Partial<Record<OpName, Float32Array>>): Promise<ShapeResult['peers']> {
  const out: ShapeResult['peers'] = {};
  for (const peer of peers) {
    const r: Partial<Record<OpName, PeerOp>> = (out[peer.id] = {});
    let k: Awaited<ReturnType<typeof peerKernels>>;
    try {
      k = await peerKernels(peer, s, x, w, dy);
    } catch (e) {
      for (const op of ['fwd', 'dx', 'dw'] as const) r[op] = { error: errorText(e) };
      continue;
    }
    for (const op of ['fwd', 'dx', 'dw'] as const) {
      const kern = k[op];
      const ref = want[op];
      if (ref === undefined) continue; // simdconv has no such op in this build
      if ('none' in kern) {
        r[op] = { none: kern.none };
        continue;
      }
      const rate = peerRates.get(`${peer.id}:${op}`);
      const predictedS = rate ? s.flops / (rate.gflops * 1e9) : 0;
      if (predictedS > PEER_MAX_S) {
        r[op] = { skipped: `predicted ${predictedS.toFixed(0)} s per call from ${fmtG(rate!.gflops)} GFLOP/s on shape ${rate!.shape} (> ${PEER_MAX_S} s)` };
        continue;
      }
      try {
        let y!: ReturnType<typeof kern.run>;
        const first = timeOnce(() => {
          y = kern.run();
        });
        const got = kern.toNchw(y.dataSync());
        y.dispose();
        const check = relMaxDiff(got, ref);
        const t = await time(`${s.id} ${peer.id} ${op}`, () => kern.run().dispose(), s.flops, first, TIMING);
        r[op] = { ...t, check, ok: check <= CHECK_RTOL };
        if (s.flops >= 1e6 && !(rate && rate.gflops <= t.gflops)) peerRates.set(`${peer.id}:${op}`, { gflops: t.gflops, shape: s.id });
      } catch (e) {
        r[op] = { error: errorText(e) };
      }
    }
    k.dispose();
  }
  return out;
}

async function runShape(shape: ReturnType<typeof selectShapes>[number], peers: Peer[]): Promise<ShapeResult> {
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
  const outOf = (f: () => sc.Tensor) => {
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

  const want: Partial<Record<OpName, Float32Array>> = { fwd: outOf(forward) };
  const result: ShapeResult = {
    id: s.id,
    shape: shapeLabel(s),
    note: s.note,
    flops: s.flops,
    spotCheck: spotCheckForward(s, x, w, want.fwd!),
    fwd: await measureOp(lesson ? 'corr2d' : 'conv2d', s, want.fwd!, disposing(forward), naiveFwd),
    peers: {},
  };
  if (hasGradInput) {
    const gi = () => sc.conv2dGradInput(dyt, w4, s.xShape);
    want.dx = outOf(gi);
    result.dx = await measureOp('conv2dGradInput', s, want.dx, disposing(gi),
      () => naiveConv2dGradInputNCHW(dy, w, dxBuf, s.N, s.C, s.H, s.W, s.Cout, s.kh, s.kw));
  }
  if (hasGradWeight) {
    const gw = () => sc.conv2dGradWeight(x4, dyt, s.wShape);
    want.dw = outOf(gw);
    result.dw = await measureOp('conv2dGradWeight', s, want.dw, disposing(gw),
      () => naiveConv2dGradWeightNCHW(x, dy, dwBuf, s.N, s.C, s.H, s.W, s.Cout, s.kh, s.kw));
  }
  for (const t of new Set([xt, wt, x4, w4, dyt])) t.dispose();
  result.peers = await measurePeers(peers, s, x, w, dy, want);
  return result;
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
  r >= 100 ? `${r.toFixed(0)}x` : r >= 10 ? `${r.toFixed(1)}x` : r >= 1 ? `${r.toFixed(2)}x` : `${r.toPrecision(2)}x`;
/** Marks: † one call timed, ‡ other processes busy during the measurement. */
const marks = (t: Timing): string =>
  (t.single ? '†' : '') + (t.foreignLoad !== null && t.foreignLoad > FOREIGN_LOAD_FLAG ? '‡' : '');

/** A table: first `left` columns left-aligned, the rest right-aligned; optional group header. */
function table(header: string[], rows: string[][], left = 2, groups?: { title: string; from: number; to: number }[]): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (r: string[]) => r.map((v, c) => (c < left ? v.padEnd(widths[c]!) : v.padStart(widths[c]!))).join('  ').trimEnd();
  const out = [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)];
  if (groups) {
    const start = (c: number) => widths.slice(0, c).reduce((a, w) => a + w + 2, 0);
    let g = '';
    for (const grp of groups) {
      const from = start(grp.from);
      const span = start(grp.to + 1) - 2 - from;
      g = g.padEnd(from) + `${grp.title} `.padEnd(span, '─');
    }
    out.unshift(g.trimEnd());
  }
  return out.join('\n');
}

// ---- main ---------------------------------------------------------------------------------
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
  ? (sc as unknown as { capabilities(): unknown }).capabilities()
  : undefined;
if (caps !== undefined) console.log(`capabilities: ${JSON.stringify(caps)}`);

const peerLoad = NO_PEERS ? { peers: [], notes: ['peers skipped (--no-peers)'], info: {} } : await loadPeers();
const peers = peerLoad.peers;
for (const p of peers) console.log(`peer ${p.label}: ${p.description}`);
if (peers.length > 0) console.log(`tfjs ${String(peerLoad.info.tfjs)} (single thread, NHWC inputs transposed once outside timing)`);
for (const n of peerLoad.notes) console.log(n);

console.log(`shapes: ${shapes.map((s) => s.id).join(', ')}${QUICK ? ' (quick)' : ''}; tinybench ${TIMING.timeMs} ms per task, ≥ ${TIMING.minSamples} samples, ` +
  `a call over ${SINGLE_CALL_MS / 1000} s is timed once; naive loop skipped above ${NAIVE_MAX_S} s per call, peers above ${PEER_MAX_S} s (predicted)`);
if (!hasGradInput || !hasGradWeight) console.log(`(no ${[!hasGradInput && 'conv2dGradInput', !hasGradWeight && 'conv2dGradWeight'].filter(Boolean).join(' / ')} in this build: not timed)`);

const started = performance.now();
const results: ShapeResult[] = [];
for (const shape of shapes) {
  process.stdout.write(`  ${shape.id} ${shapeLabel(shape)} ...`);
  const t0 = performance.now();
  const r = await runShape(shape, peers);
  results.push(r);
  process.stdout.write(` ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
}
let training: TrainCaseResult[] = [];
if (!NO_TRAIN) {
  console.log('  training steps ...');
  const t0 = performance.now();
  training = await runTraining({
    timing: TIMING, peers, rtol: CHECK_RTOL, naivePredictGflops: NAIVE_PREDICT_GFLOPS, naiveMaxS: NAIVE_STEP_MAX_S,
    log: (l) => console.log(l),
  });
  console.log(`  training steps ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

// -- simdconv vs the naive loop
const tiny = (r: ShapeResult) => r.flops < TINY_FLOPS;
const cell = (m: Measured | undefined): [string, string] =>
  m === undefined ? ['—', '—'] : 'skipped' in m ? ['skipped', ''] : [fmtTime(m.medianMs) + marks(m), fmtG(m.gflops)];
const speedup = (op: OpResult | undefined): string => {
  if (!op || !isTiming(op.simdconv) || !isTiming(op.naive)) return '—';
  return fmtRatio(op.naive.medianMs / op.simdconv.medianMs);
};
const checkMark = (op: OpResult | undefined): string => (op === undefined || op.ok ? '' : ' ✗');

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

// -- simdconv vs the peers
const OPS = [['fwd', 'forward'], ['dx', 'dX (input gradient)'], ['dw', 'dW (filter gradient)']] as const;
if (peers.length > 0) {
  const value = (r: ShapeResult, t: Timing) => (tiny(r) ? fmtTime(t.medianMs) : fmtG(t.gflops)) + marks(t);
  const peerCell = (r: ShapeResult, p: PeerOp | undefined, simd: Measured | undefined): [string, string] => {
    if (p === undefined) return ['—', ''];
    if ('none' in p) return ['none', ''];
    if ('skipped' in p) return ['skipped', ''];
    if ('error' in p) return ['ERR', ''];
    const ratio = isTiming(simd) ? fmtRatio(p.medianMs / simd.medianMs) : '—';
    return [value(r, p) + (p.ok ? '' : ' ✗'), ratio];
  };
  const pHeader = ['id'];
  const groups: { title: string; from: number; to: number }[] = [];
  for (const [, title] of OPS) {
    groups.push({ title, from: pHeader.length, to: pHeader.length + 2 * peers.length });
    pHeader.push('simdconv', ...peers.flatMap((p) => [p.label, `÷${p.label.replace('tfjs-', '')}`]));
  }
  const pRows = results.map((r) => [
    r.id,
    ...OPS.flatMap(([op]) => {
      const simd = op === 'fwd' ? r.fwd.simdconv : r[op]?.simdconv;
      return [isTiming(simd) ? value(r, simd) : '—', ...peers.flatMap((p) => peerCell(r, r.peers[p.id]?.[op], simd))];
    }),
  ]);
  console.log(`\nsimdconv and the peers (GFLOP/s, higher is better; row${results.some(tiny) ? ` ${results.filter(tiny).map((r) => r.id).join(', ')}` : 's'} ` +
    `of lesson size: time per call). ÷cpu, ÷wasm = simdconv's speed / the peer's (> 1: simdconv is faster)`);
  console.log(table(pHeader, pRows, 1, groups));
  const notes = new Set<string>();
  for (const r of results) {
    for (const p of peers) {
      for (const [op] of OPS) {
        const m = r.peers[p.id]?.[op];
        if (m && 'none' in m) notes.add(`  none: ${p.label} ${op}: ${m.none}`);
        if (m && 'skipped' in m) notes.add(`  ${r.id} ${p.label} ${op} skipped: ${m.skipped}`);
        if (m && 'error' in m) notes.add(`  ${r.id} ${p.label} ${op} error: ${m.error}`);
      }
    }
  }
  for (const n of notes) console.log(n);
  console.log('  dX is tf.conv2dTranspose (kernel Conv2DBackpropInput); dW is kernel Conv2DBackpropFilter, which tfjs\'s conv2d gradient runs');
}

// -- training steps
if (training.length > 0) {
  const tRows: string[][] = [];
  const errors: string[] = [];
  for (const c of training) {
    const simd = c.impls.find((i) => i.impl === 'simdconv')?.timing;
    c.impls.forEach((i, k) => {
      const t = i.timing;
      let status = 'skipped';
      if (t) status = fmtTime(t.medianMs) + marks(t);
      else if (i.error) {
        errors.push(`(${errors.length + 1}) ${c.id} ${i.impl} failed: ${i.error}`);
        status = `failed (${errors.length})`;
      }
      tRows.push([
        k === 0 ? c.id : '', i.impl, status,
        t && c.id !== 'lesson' ? fmtG(t.gflops) : '',
        t && simd && i.impl !== 'simdconv' ? fmtRatio(t.medianMs / simd.medianMs) : '',
        i.check === null ? '' : `${i.check.toExponential(1)}${i.ok ? '' : ' ✗'}`,
      ]);
    });
  }
  console.log('\ntraining step (median time per step; GFLOP/s counts forward + dX + dW = 3x the forward FLOPs; ' +
    'simdconv ÷ = the implementation\'s time / simdconv\'s; check = max relative difference from simdconv after the checked steps)');
  console.log(table(['case', 'implementation', 'time/step', 'GFLOP/s', 'simdconv ÷', 'check'], tRows));
  for (const c of training) {
    console.log(`  ${c.id}: ${c.title}; gradients: ${c.grads}; checked over ${c.checkSteps} steps`);
    for (const i of c.impls) if (i.skipped) console.log(`    ${i.impl} skipped: ${i.skipped}`);
  }
  for (const e of errors) console.log(`  ${e}`);
}
console.log(`\n† one call timed (it took over ${SINGLE_CALL_MS / 1000} s); ‡ other processes used over ${FOREIGN_LOAD_FLAG} cores during the measurement`);

// -- agreement
let failed = false;
console.log('\nagreement (max |simdconv - reference| / max |reference|; peers: max |peer - simdconv| / max |simdconv|)');
for (const r of results) {
  const parts = [`spot-check fwd vs float64 ${r.spotCheck.toExponential(1)}`];
  for (const [op, o] of [['fwd', r.fwd], ['dX', r.dx], ['dW', r.dw]] as const) {
    if (o && o.checkVsNaive !== null) parts.push(`${op} vs naive ${o.checkVsNaive.toExponential(1)}`);
    if (o && !o.ok) failed = true;
  }
  for (const p of peers) {
    const got = OPS.map(([op]) => r.peers[p.id]?.[op]).map((m) => (m && 'check' in m ? m.check.toExponential(1) + (m.ok ? '' : ' ✗') : '-'));
    parts.push(`${p.label} ${got.join(' / ')}`);
    for (const [op] of OPS) {
      const m = r.peers[p.id]?.[op];
      if (m && 'ok' in m && !m.ok) failed = true;
    }
  }
  if (!(r.spotCheck <= CHECK_RTOL)) failed = true;
  console.log(`  ${r.id}: ${parts.join(', ')}`);
}
for (const c of training) if (c.impls.some((i) => !i.ok)) failed = true;
if (failed) {
  console.log(`✗ disagreement above ${CHECK_RTOL} on at least one shape or training step`);
  process.exitCode = 1;
}

const outDir = fileURLToPath(new URL('./results/', import.meta.url));
mkdirSync(outDir, { recursive: true });
const file = `${outDir}latest.json`;
writeFileSync(file, JSON.stringify({
  date: new Date().toISOString(),
  machine,
  capabilities: caps,
  peers: { ...peerLoad.info, list: peers.map((p) => ({ id: p.id, label: p.label, description: p.description })), notes: peerLoad.notes },
  options: {
    quick: QUICK, shapes: shapes.map((s) => s.id), timeMsPerTask: TIMING.timeMs, minSamples: TIMING.minSamples,
    singleCallMs: SINGLE_CALL_MS, naiveMaxS: NAIVE_MAX_S, peerMaxS: PEER_MAX_S, checkRtol: CHECK_RTOL,
  },
  units: {
    time: 'ms per call (median of samples)',
    gflops: '2·N·Cout·Ho·Wo·C·kh·kw / time, dX and dW counted with the forward FLOPs; training steps: 3x the forward FLOPs per step',
    check: 'peers: max |peer - simdconv| / max |simdconv|',
  },
  results,
  training,
}, null, 2));
console.log(`\nwrote ${file} (${((performance.now() - started) / 1000).toFixed(0)} s)`);
