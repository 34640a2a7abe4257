// In-place updates of parameters: the only way nn modules and optimizers change a parameter's
// memory. Each op runs one kernel (or one copy) over arguments its caller has checked, and counts
// the write (wroteInPlace), so autograd detects a parameter changed after an op saved it.
import type { Tensor } from '../tensor.js';
import { wroteInPlace } from '../tensor.js';
import { heap } from '../wasm/runtime.js';
import { kernels, flag } from '../wasm/kernels.js';
import { onReplay, patchLastCall, recording, unrecorded } from '../wasm/capture.js';

/**
 * @internal Runs `make` (work a step does once: an optimizer making its state, a lazy layer its weights) so
 * that a compiled step's replays do not repeat it (see wasm/capture.ts).
 */
export function outsideCapture<T>(make: () => T): T {
  return unrecorded(make);
}

/** @internal Runs `count` (JS state a step advances, e.g. an optimizer's step count) now and at each replay of a compiled step. */
export function everyStep(count: () => void): void {
  count();
  if (recording !== null) onReplay(count);
}

/** Copies `values` (exactly `t.size` floats, checked by the caller) into `t`. */
export function assignValues(op: string, argument: string, t: Tensor, values: Float32Array): void {
  heap(op).f32().set(values, t.ptr(op, argument) >> 2);
  wroteInPlace(t);
}

/** SGD's hyper-parameters, as SGD checked them. */
export interface SgdHyper {
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
}

/**
 * @internal One SGD step of `p` from its gradient `g` (same shape); `momentum` is the momentum
 * buffer (null without momentum), whose first step (`p` not yet in `started`, which this adds it
 * to) starts it as the gradient. A compiled step's replays read `h` and `started` again.
 */
export function sgdStep(p: Tensor, g: Tensor, momentum: Tensor | null, h: SgdHyper, started: WeakSet<Tensor>): void {
  const op = 'SGD.step';
  kernels.sgd_step(p.ptr(op, 'param'), g.ptr(op, 'grad'), momentum !== null ? momentum.ptr(op, 'momentum') : 0, p.size,
    h.lr, h.momentum, h.dampening, h.weightDecay, flag(h.nesterov), firstStep(p, momentum, started));
  wroteInPlace(p);
  if (recording !== null) {
    patchLastCall((a) => {
      a[4] = h.lr;
      a[5] = h.momentum;
      a[6] = h.dampening;
      a[7] = h.weightDecay;
      a[8] = flag(h.nesterov);
      a[9] = firstStep(p, momentum, started);
    });
  }
}

/** 1 on the first step of `p`'s momentum buffer (then noted in `started`), else 0. */
function firstStep(p: Tensor, momentum: Tensor | null, started: WeakSet<Tensor>): 0 | 1 {
  const first = momentum !== null && !started.has(p);
  if (first) started.add(p);
  return flag(first);
}

/** Adam's hyper-parameters, as Adam checked them. */
export interface AdamHyper {
  lr: number;
  betas: readonly [number, number];
  eps: number;
  weightDecay: number;
  decoupled: boolean;
}

/**
 * @internal One Adam step of `p` from `g` and its moments `m`, `v` (all the same shape); `counts`
 * holds each parameter's steps so far (this one's is advanced). A compiled step's replays read
 * `h` and advance `counts` again.
 */
export function adamStep(p: Tensor, g: Tensor, m: Tensor, v: Tensor, h: AdamHyper, counts: Map<Tensor, number>): void {
  const op = 'Adam.step';
  const [b1, b2] = h.betas;
  const t = nextStep(p, counts);
  kernels.adam_step(p.ptr(op, 'param'), g.ptr(op, 'grad'), m.ptr(op, 'm'), v.ptr(op, 'v'), p.size,
    h.lr, b1, b2, h.eps, h.weightDecay, flag(h.decoupled), 1 - b1 ** t, Math.sqrt(1 - b2 ** t));
  wroteInPlace(p);
  if (recording !== null) {
    patchLastCall((a) => {
      const [c1, c2] = h.betas, u = nextStep(p, counts);
      a.splice(5, 8, h.lr, c1, c2, h.eps, h.weightDecay, flag(h.decoupled), 1 - c1 ** u, Math.sqrt(1 - c2 ** u));
    });
  }
}

/** `p`'s next step number (from 1), noted in `counts`. */
function nextStep(p: Tensor, counts: Map<Tensor, number>): number {
  const t = (counts.get(p) ?? 0) + 1;
  counts.set(p, t);
  return t;
}
