// In-place updates of parameters: the only way nn modules and optimizers change a parameter's
// memory. Each op runs one kernel (or one copy) over arguments its caller has checked, and counts
// the write (wroteInPlace), so autograd detects a parameter changed after an op saved it.
import type { Tensor } from '../tensor.js';
import { wroteInPlace } from '../tensor.js';
import { heap } from '../wasm/runtime.js';
import { kernels, flag } from '../wasm/kernels.js';

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
 * One SGD step of `p` from its gradient `g` (same shape); `momentum` is the momentum buffer (null
 * without momentum), `first` whether this is its first step (the buffer starts as the gradient).
 */
export function sgdStep(p: Tensor, g: Tensor, momentum: Tensor | null, h: SgdHyper, first: boolean): void {
  const op = 'SGD.step';
  kernels.sgd_step(p.ptr(op, 'param'), g.ptr(op, 'grad'), momentum !== null ? momentum.ptr(op, 'momentum') : 0, p.size,
    h.lr, h.momentum, h.dampening, h.weightDecay, flag(h.nesterov), flag(first));
  wroteInPlace(p);
}

/** Adam's hyper-parameters, as Adam checked them. */
export interface AdamHyper {
  lr: number;
  betas: readonly [number, number];
  eps: number;
  weightDecay: number;
  decoupled: boolean;
}

/** One Adam step of `p` from `g` and its moments `m`, `v` (all the same shape); `t` counts steps from 1. */
export function adamStep(p: Tensor, g: Tensor, m: Tensor, v: Tensor, h: AdamHyper, t: number): void {
  const op = 'Adam.step';
  const [b1, b2] = h.betas;
  const bc1 = 1 - b1 ** t;
  const sqrtBc2 = Math.sqrt(1 - b2 ** t);
  kernels.adam_step(p.ptr(op, 'param'), g.ptr(op, 'grad'), m.ptr(op, 'm'), v.ptr(op, 'v'), p.size,
    h.lr, b1, b2, h.eps, h.weightDecay, flag(h.decoupled), bc1, sqrtBc2);
  wroteInPlace(p);
}
