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
 * @internal One SGD step of `p` from its gradient `g` (same shape); `momentum` is the momentum buffer (null
 * without momentum), `first()` whether this is its first step (the buffer starts as the gradient),
 * called once per step. A compiled step's replays read `h` and call `first()` again.
 */
export function sgdStep(p: Tensor, g: Tensor, momentum: Tensor | null, h: SgdHyper, first: () => boolean): void {
  const op = 'SGD.step';
  kernels.sgd_step(p.ptr(op, 'param'), g.ptr(op, 'grad'), momentum !== null ? momentum.ptr(op, 'momentum') : 0, p.size,
    h.lr, h.momentum, h.dampening, h.weightDecay, flag(h.nesterov), flag(first()));
  wroteInPlace(p);
  if (recording !== null) {
    patchLastCall((a) => {
      a[4] = h.lr;
      a[5] = h.momentum;
      a[6] = h.dampening;
      a[7] = h.weightDecay;
      a[8] = flag(h.nesterov);
      a[9] = flag(first());
    });
  }
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
 * @internal One Adam step of `p` from `g` and its moments `m`, `v` (all the same shape); `nextT()` counts
 * this parameter's steps from 1, called once per step. A compiled step's replays read `h` and
 * call `nextT()` again.
 */
export function adamStep(p: Tensor, g: Tensor, m: Tensor, v: Tensor, h: AdamHyper, nextT: () => number): void {
  const op = 'Adam.step';
  const args = [p.ptr(op, 'param'), g.ptr(op, 'grad'), m.ptr(op, 'm'), v.ptr(op, 'v'), p.size, 0, 0, 0, 0, 0, 0, 0, 0];
  adamScalars(args, h, nextT());
  kernels.adam_step(...args);
  wroteInPlace(p);
  if (recording !== null) patchLastCall((a) => adamScalars(a, h, nextT()));
}

/** Arguments 5.. of adam_step: lr, beta1, beta2, eps, weight decay, decoupled, and the bias corrections of step t. */
function adamScalars(a: number[], h: AdamHyper, t: number): void {
  const [b1, b2] = h.betas;
  a[5] = h.lr;
  a[6] = b1;
  a[7] = b2;
  a[8] = h.eps;
  a[9] = h.weightDecay;
  a[10] = flag(h.decoupled);
  a[11] = 1 - b1 ** t;
  a[12] = Math.sqrt(1 - b2 ** t);
}
