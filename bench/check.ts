// Agreement checks made before anything is timed: float64 sums at sampled output positions (the
// spot checks), relative differences between whole outputs, and the comparison of two training
// steps' states. Layouts: x NCHW, w OIHW, y / dy NCHW; 'valid', stride 1 (shapes.ts).
import type { StepState } from './naive.js';
import type { ShapeDims } from './shapes.js';
import { relMaxDiff } from './timing.js';

export { relMaxDiff };

/**
 * `count` distinct-ish pseudo-random indices in [0, total), always including 0 and total - 1
 * (the corners, where off-by-one errors show). Deterministic.
 */
export function sampleIndices(total: number, count: number): number[] {
  if (total <= count) return Array.from({ length: total }, (_, i) => i);
  const out = [0, total - 1];
  for (let t = 1; out.length < count; t++) out.push(Math.floor((((t * 2654435761) % 4294967296) / 4294967296) * total));
  return out;
}

/** Spot checks stop adding positions past this many multiply-adds in total. */
const SPOT_BUDGET = 3e7;

/** Positions to check when each costs `perPosition` multiply-adds: at most `count`, at least 4. */
const positions = (total: number, perPosition: number, count: number): number[] =>
  sampleIndices(total, Math.max(4, Math.min(count, Math.floor(SPOT_BUDGET / perPosition))));

/** max |got - exact| / max |exact| over the positions, exact in float64 (NaN if got has a NaN there). */
function spot(idx: number[], got: Float32Array, exact: (i: number) => number): number {
  let worst = 0;
  let scale = 1e-30;
  for (const i of idx) {
    const e = exact(i);
    const diff = Math.abs(got[i]! - e);
    worst = Number.isNaN(diff) ? NaN : Math.max(worst, diff);
    scale = Math.max(scale, Math.abs(e));
  }
  return worst / scale;
}

/** y[n,o,i,j] = sum_{c,a,b} x[n,c,i+a,j+b]·w[o,c,a,b] at sampled positions of y. */
export function spotCheckForward(s: ShapeDims, x: Float32Array, w: Float32Array, y: Float32Array, count = 256): number {
  const idx = positions(y.length, s.C * s.kh * s.kw, count);
  return spot(idx, y, (q) => {
    const j = q % s.Wo;
    const i = Math.floor(q / s.Wo) % s.Ho;
    const o = Math.floor(q / (s.Wo * s.Ho)) % s.Cout;
    const n = Math.floor(q / (s.Wo * s.Ho * s.Cout));
    let sum = 0;
    for (let c = 0; c < s.C; c++)
      for (let a = 0; a < s.kh; a++)
        for (let b = 0; b < s.kw; b++) sum += x[((n * s.C + c) * s.H + i + a) * s.W + j + b]! * w[((o * s.C + c) * s.kh + a) * s.kw + b]!;
    return sum;
  });
}

/** dx[n,c,h,v] = sum over o, a, b with 0 <= h-a < Ho, 0 <= v-b < Wo of dy[n,o,h-a,v-b]·w[o,c,a,b]. */
export function spotCheckGradInput(s: ShapeDims, dy: Float32Array, w: Float32Array, dx: Float32Array, count = 256): number {
  const idx = positions(dx.length, s.Cout * s.kh * s.kw, count);
  return spot(idx, dx, (q) => {
    const v = q % s.W;
    const h = Math.floor(q / s.W) % s.H;
    const c = Math.floor(q / (s.W * s.H)) % s.C;
    const n = Math.floor(q / (s.W * s.H * s.C));
    let sum = 0;
    for (let o = 0; o < s.Cout; o++)
      for (let a = 0; a < s.kh; a++) {
        const i = h - a;
        if (i < 0 || i >= s.Ho) continue;
        for (let b = 0; b < s.kw; b++) {
          const j = v - b;
          if (j < 0 || j >= s.Wo) continue;
          sum += dy[((n * s.Cout + o) * s.Ho + i) * s.Wo + j]! * w[((o * s.C + c) * s.kh + a) * s.kw + b]!;
        }
      }
    return sum;
  });
}

/** dw[o,c,a,b] = sum_{n,i,j} dy[n,o,i,j]·x[n,c,i+a,j+b] at sampled positions of dw. */
export function spotCheckGradWeight(s: ShapeDims, x: Float32Array, dy: Float32Array, dw: Float32Array, count = 64): number {
  const idx = positions(dw.length, s.N * s.Ho * s.Wo, count);
  return spot(idx, dw, (q) => {
    const b = q % s.kw;
    const a = Math.floor(q / s.kw) % s.kh;
    const c = Math.floor(q / (s.kw * s.kh)) % s.C;
    const o = Math.floor(q / (s.kw * s.kh * s.C));
    let sum = 0;
    for (let n = 0; n < s.N; n++)
      for (let i = 0; i < s.Ho; i++) {
        const yRow = ((n * s.Cout + o) * s.Ho + i) * s.Wo;
        const xRow = ((n * s.C + c) * s.H + i + a) * s.W + b;
        for (let j = 0; j < s.Wo; j++) sum += dy[yRow + j]! * x[xRow + j]!;
      }
    return sum;
  });
}

/** A training step's state seen from the check: losses of the checked steps and the update they made. */
export interface StepCheckState {
  losses: number[];
  /** dX of the last checked step */
  dx: Float32Array;
  /** w after the checked steps - w0 (the update, so that an error in dW is not hidden by w0) */
  dw: Float32Array;
  /** b after the checked steps - b0 */
  db: Float32Array;
}

export function stepCheckState(losses: number[], last: StepState, w0: Float32Array, b0: Float32Array): StepCheckState {
  return {
    losses,
    dx: last.dx,
    dw: last.w.map((v, i) => v - w0[i]!),
    db: last.b.map((v, i) => v - b0[i]!),
  };
}

/**
 * Relative differences of a training step's state: `check`, the worst over dX, the W update and
 * the b update (NaN wins); `loss`, over the losses. The loss is kept apart: it is one float32
 * reduction over all |y| squared residuals, which the peers accumulate sequentially in float32
 * (4.7e-4 from float64 on shape d's 1M outputs), so it gets its own, looser tolerance.
 */
export function stepDisagreement(got: StepCheckState, want: StepCheckState): { check: number; loss: number } {
  const parts = [relMaxDiff(got.dx, want.dx), relMaxDiff(got.dw, want.dw), relMaxDiff(got.db, want.db)];
  return {
    check: parts.reduce((m, v) => (Number.isNaN(v) || Number.isNaN(m) ? NaN : Math.max(m, v)), 0),
    loss: relMaxDiff(got.losses, want.losses),
  };
}

/**
 * The first training step's loss, mean((conv(x, w0) + b0 - t)²), summed in float64. The conv is
 * `yW` (a checked forward output for weights `w`) where w0 is w, else computed here in float64
 * (small shapes only: null above 1e7 multiply-adds).
 */
export function firstStepLoss(s: ShapeDims, x: Float32Array, w: Float32Array, yW: Float32Array | undefined,
  step: { w0: Float32Array; b0: Float32Array; t: Float32Array }): number | null {
  let y: ArrayLike<number>;
  if (step.w0 === w && yW !== undefined) y = yW;
  else if (s.flops / 2 <= 1e7) {
    const out = new Float64Array(step.t.length);
    for (let q = 0; q < out.length; q++) {
      const j = q % s.Wo;
      const i = Math.floor(q / s.Wo) % s.Ho;
      const o = Math.floor(q / (s.Wo * s.Ho)) % s.Cout;
      const n = Math.floor(q / (s.Wo * s.Ho * s.Cout));
      let sum = 0;
      for (let c = 0; c < s.C; c++)
        for (let a = 0; a < s.kh; a++)
          for (let b = 0; b < s.kw; b++) sum += x[((n * s.C + c) * s.H + i + a) * s.W + j + b]! * step.w0[((o * s.C + c) * s.kh + a) * s.kw + b]!;
      out[q] = sum;
    }
    y = out;
  } else return null;
  const plane = s.Ho * s.Wo;
  let sum = 0;
  for (let q = 0; q < step.t.length; q++) {
    const r = y[q]! + step.b0[Math.floor(q / plane) % s.Cout]! - step.t[q]!;
    sum += r * r;
  }
  return sum / step.t.length;
}
