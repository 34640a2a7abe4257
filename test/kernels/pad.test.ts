// pad2d / pad2d_backward (assembly/pad.ts): both twins against a naive loop over every mode, cell
// sizes E (1 = NCHW, 2..9 = NHWC channel runs) and row widths that reach every SIMD tail, at
// aligned and unaligned addresses, writing nothing outside the output; the twins bit for bit.
import { describe, expect, it } from 'vitest';
import { kernel, VARIANTS } from '../helpers/raw-wasm.js';
import { useRawWasm, w, expectUntouched, expectBitwise } from '../helpers/kernel-wasm.js';
import { region, readRegion } from '../helpers/guarded.js';
import { randArray } from '../helpers/random.js';

useRawWasm();

const MODES = ['zeros', 'reflect', 'replicate', 'circular'] as const;

/** The source index of padded position t on an axis of n (-1: zero), by each mode's definition. */
function src(t: number, n: number, mode: number): number {
  if (t >= 0 && t < n) return t;
  if (mode === 0) return -1;
  if (mode === 1) return t < 0 ? -t : 2 * (n - 1) - t;
  if (mode === 2) return Math.min(Math.max(t, 0), n - 1);
  return ((t % n) + n) % n;
}

interface Case { P: number; H: number; W: number; E: number; pads: [number, number, number, number]; mode: number }

/** Forward by definition, and the adjoint in float64 (dx[src] += dy). */
function naive(c: Case, x: Float32Array, dy: Float32Array): { y: Float32Array; dx: Float64Array } {
  const { P, H, W, E, pads: [PT, PB, PL, PR], mode } = c;
  const HO = H + PT + PB, WO = W + PL + PR;
  const y = new Float32Array(P * HO * WO * E), dx = new Float64Array(P * H * W * E);
  for (let p = 0; p < P; p++) for (let i = 0; i < HO; i++) for (let j = 0; j < WO; j++) {
    const si = src(i - PT, H, mode), sj = src(j - PL, W, mode);
    for (let e = 0; e < E; e++) {
      const yi = ((p * HO + i) * WO + j) * E + e;
      if (si < 0 || sj < 0) continue;
      const xi = ((p * H + si) * W + sj) * E + e;
      y[yi] = x[xi]!;
      dx[xi]! += dy[yi]!;
    }
  }
  return { y, dx };
}

const CASES: Case[] = [];
for (const mode of [0, 1, 2, 3]) {
  for (const [H, W] of [[1, 1], [2, 3], [3, 4], [4, 5], [5, 7], [3, 8], [2, 9], [4, 13]] as const) {
    for (const E of [1, 3, 4, 5]) {
      const maxPad = (n: number): number => (mode === 1 ? n - 1 : mode === 3 ? n : n + 2);
      const pads: [number, number, number, number] = [Math.min(1, maxPad(H)), Math.min(2, maxPad(H)), Math.min(W > 2 ? 3 : 1, maxPad(W)), Math.min(1, maxPad(W))];
      CASES.push({ P: 2, H, W, E, pads, mode });
    }
  }
}

describe.each(VARIANTS)('pad2d, %s twin', (variant) => {
  it.each(CASES.map((c) => [`${MODES[c.mode]} ${c.H}x${c.W}x${c.E} pads ${c.pads.join(',')}`, c] as const))('%s', (_, c) => {
    const { P, H, W, E, pads: [PT, PB, PL, PR], mode } = c;
    const HO = H + PT + PB, WO = W + PL + PR;
    for (const unaligned of [false, true]) {
      w.reset();
      const xv = randArray(P * H * W * E, 1), dyv = randArray(P * HO * WO * E, 2);
      const want = naive(c, xv, dyv);
      const x = region(w, xv.length, xv, unaligned), y = region(w, want.y.length, undefined, unaligned);
      kernel(w, 'pad2d', variant)(y.ptr, x.ptr, P, H, W, E, PT, PB, PL, PR, mode);
      expect(Array.from(readRegion(w, y))).toEqual(Array.from(want.y));
      expectUntouched(y, 'pad2d');
      const dy = region(w, dyv.length, dyv, unaligned), dx = region(w, xv.length, undefined, !unaligned);
      kernel(w, 'pad2d_backward', variant)(dx.ptr, dy.ptr, P, H, W, E, PT, PB, PL, PR, mode);
      const got = readRegion(w, dx);
      const bad = Array.from(got).flatMap((v, i) => (Math.abs(v - want.dx[i]!) <= 1e-6 * (1 + Math.abs(want.dx[i]!)) ? [] : [`[${i}] ${v} vs ${want.dx[i]}`]));
      expect(bad.slice(0, 5)).toEqual([]);
      expectUntouched(dx, 'pad2d_backward');
    }
  });
});

describe('the twins agree bit for bit', () => {
  it.each(CASES.filter((_, i) => i % 3 === 0).map((c) => [`${MODES[c.mode]} ${c.H}x${c.W}x${c.E}`, c] as const))('%s', (_, c) => {
    const { P, H, W, E, pads: [PT, PB, PL, PR], mode } = c;
    const n = P * (H + PT + PB) * (W + PL + PR) * E;
    const dyv = randArray(n, 3);
    const outs = VARIANTS.map((v) => {
      const dy = region(w, n, dyv), dx = region(w, P * H * W * E);
      kernel(w, 'pad2d_backward', v)(dx.ptr, dy.ptr, P, H, W, E, PT, PB, PL, PR, mode);
      return readRegion(w, dx);
    });
    expectBitwise(outs[0]!, outs[1]!, 'pad2d_backward twins');
  });
});
