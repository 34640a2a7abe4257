// Timing and agreement helpers shared by bench/run.ts and bench/train.ts.
//
// Times are milliseconds per call. A call shorter than SAMPLE_MS is repeated within one tinybench
// sample so the timer's resolution does not dominate; a call longer than SINGLE_CALL_MS is
// measured once (its first call, which was made anyway) and marked `single`.
import { readFileSync } from 'node:fs';
import { Bench } from 'tinybench';

export interface TimingOptions {
  /** tinybench time budget per task (ms). */
  timeMs: number;
  /** tinybench warm-up time (ms). */
  warmupMs: number;
  /** Minimum number of samples. */
  minSamples: number;
}

/** Calls shorter than this are batched so one sample lasts about this long (ms). */
export const SAMPLE_MS = 1;
/** A first call slower than this (ms) is taken as the only sample. */
export const SINGLE_CALL_MS = 1000;
/** A measurement during which other processes used more CPU than this (cores) is flagged. */
export const FOREIGN_LOAD_FLAG = 0.25;

export interface Timing {
  medianMs: number;
  meanMs: number;
  minMs: number;
  /** Relative margin of error of the mean (%), 0 for a single call. */
  rme: number;
  samples: number;
  callsPerSample: number;
  /** True when one call was timed (it took longer than SINGLE_CALL_MS). */
  single: boolean;
  /** flops / median time, in 1e9 per second. */
  gflops: number;
  /** CPU used by other processes during the measurement, in cores (null where /proc/stat is unreadable). */
  foreignLoad: number | null;
}

export interface Skipped {
  skipped: string;
}

export type Measured = Timing | Skipped;

export const isTiming = (m: unknown): m is Timing =>
  typeof m === 'object' && m !== null && typeof (m as Timing).medianMs === 'number';

// ---- load of other processes ---------------------------------------------------------------
// /proc/stat's first line counts the busy time of all CPUs in USER_HZ ticks; subtracting this
// process's own CPU time (all its threads) leaves the CPU that everything else used.
const USER_HZ = 100;
interface LoadMark {
  busyS: number;
  own: NodeJS.CpuUsage;
  t: number;
}
function busySeconds(): number | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
    const v = line.trim().split(/\s+/).slice(1).map(Number);
    const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = v;
    return (user + nice + system + irq + softirq + steal) / USER_HZ;
  } catch {
    return null;
  }
}
function loadMark(): LoadMark | null {
  const busyS = busySeconds();
  return busyS === null ? null : { busyS, own: process.cpuUsage(), t: performance.now() };
}
/** Cores used by other processes since `m` (null if unknown). */
function foreignSince(m: LoadMark | null): number | null {
  const busyS = busySeconds();
  if (m === null || busyS === null) return null;
  const own = process.cpuUsage(m.own);
  const wallS = Math.max((performance.now() - m.t) / 1000, 1e-3);
  return Math.max(0, (busyS - m.busyS - (own.user + own.system) / 1e6) / wallS);
}

// ---- timing ---------------------------------------------------------------------------------
/** A call made before timing (a check or a probe): its time (ms) and the load of other processes meanwhile. */
export interface FirstCall {
  ms: number;
  foreignLoad: number | null;
  /** The call returned a promise: `time` awaits every call. */
  async?: boolean;
}

export function timeOnce(fn: () => void): FirstCall {
  const mark = loadMark();
  const t0 = performance.now();
  fn();
  const ms = performance.now() - t0;
  return { ms, foreignLoad: foreignSince(mark) };
}

/** timeOnce for a call that may return a promise (awaited inside the timing). */
export async function timeOnceAsync(fn: TimedFn): Promise<FirstCall> {
  const mark = loadMark();
  const t0 = performance.now();
  const r: unknown = fn();
  const async = r instanceof Promise;
  if (async) await r;
  const ms = performance.now() - t0;
  return { ms, foreignLoad: foreignSince(mark), async };
}

/** A timed function: synchronous, or returning a promise that each call awaits. */
export type TimedFn = (() => void) | (() => Promise<unknown>);

/** `n` back-to-back calls of fn; awaits each call when `async`. */
async function repeat(fn: TimedFn, n: number, async: boolean): Promise<number> {
  const t0 = performance.now();
  if (async) for (let i = 0; i < n; i++) await fn();
  else for (let i = 0; i < n; i++) fn();
  return performance.now() - t0;
}

/** Per-call time (ms) of fn: repeats it, doubling the count, until a run lasts SAMPLE_MS. */
async function perCallMs(fn: TimedFn, firstCallMs: number, async: boolean): Promise<number> {
  if (firstCallMs >= 20 * SAMPLE_MS) return firstCallMs;
  for (let n = 1; ; n *= 2) {
    const el = await repeat(fn, n, async);
    if (el >= SAMPLE_MS) return el / n;
  }
}

/**
 * Times fn (`flops` per call) with tinybench. `first` is a call already made (a check or a
 * probe); above SINGLE_CALL_MS it is the result and fn is not called again. When `first.async`
 * (fn returns a promise, like onnxruntime-web's session.run), every call is awaited, and the
 * await is timed too.
 */
export async function time(name: string, fn: TimedFn, flops: number, first: FirstCall, o: TimingOptions): Promise<Timing> {
  if (first.ms > SINGLE_CALL_MS) {
    return {
      medianMs: first.ms, meanMs: first.ms, minMs: first.ms, rme: 0, samples: 1, callsPerSample: 1,
      single: true, gflops: flops / (first.ms * 1e-3) / 1e9, foreignLoad: first.foreignLoad,
    };
  }
  const mark = loadMark();
  const async = first.async === true;
  const perCall = await perCallMs(fn, first.ms, async);
  const batch = Math.max(1, Math.floor(SAMPLE_MS / perCall));
  const slow = perCall > 50;
  const bench = new Bench({
    time: o.timeMs,
    iterations: o.minSamples,
    warmupTime: o.warmupMs,
    warmupIterations: slow ? 1 : 5,
    throws: true,
  });
  if (async) {
    bench.add(name, async () => {
      const el = await repeat(fn, batch, true);
      return { overriddenDuration: el / batch, overriddenIterationCost: el };
    });
  } else {
    bench.add(name, () => {
      const t0 = performance.now();
      for (let i = 0; i < batch; i++) (fn as () => void)();
      const el = performance.now() - t0;
      return { overriddenDuration: el / batch, overriddenIterationCost: el };
    });
  }
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
    single: false,
    gflops: flops / (med * 1e-3) / 1e9,
    foreignLoad: foreignSince(mark),
  };
}

// ---- agreement ------------------------------------------------------------------------------
/** max |got - want| / max |want|; Infinity for a length mismatch, NaN if any difference is NaN. */
export function relMaxDiff(got: ArrayLike<number>, want: ArrayLike<number>): number {
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

// ---- settling --------------------------------------------------------------------------------
/**
 * Waits until this process is idle: its CPU use (all threads) over a 100 ms window is under 20%
 * of a core and a 0 ms timer fires within 5 ms. Loading a peer can leave work running after its
 * promise resolved (onnxruntime-web's wasm module goes on compiling for seconds), which would
 * otherwise land in the first measurements. Gives up after `maxMs`; returns the time waited (ms).
 */
export async function settle(maxMs = 60_000): Promise<number> {
  const t0 = performance.now();
  while (performance.now() - t0 < maxMs) {
    const tick = performance.now();
    await new Promise((r) => setTimeout(r, 0));
    const lag = performance.now() - tick;
    const cpu = process.cpuUsage();
    const w0 = performance.now();
    await new Promise((r) => setTimeout(r, 100));
    const used = process.cpuUsage(cpu);
    const busy = (used.user + used.system) / 1e3 / (performance.now() - w0);
    if (lag < 5 && busy < 0.2) break;
  }
  return performance.now() - t0;
}
