// The kernel table: the wasm exports that ops call, resolved once per variant. Every kernel has
// two twins, `<name>_f32_simd` and `<name>_f32_scalar` (same signature, the scalar one a test
// oracle). The release modules (dist/*.wasm) export only the SIMD twins; the test builds
// (build/*-test.wasm) export both, and `setKernelVariant` picks which twin ops run. Arguments are
// byte addresses and element counts.
import { NotInitializedError, UnsupportedRuntimeError } from '../errors.js';

export type KernelFn = (...args: number[]) => number;

/** Kernels that exist as a SIMD / scalar pair. */
export const KERNEL_NAMES = [
  // elementwise.ts
  'add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum',
  'neg', 'abs', 'square', 'sqrt', 'exp', 'log', 'relu', 'sign', 'recip',
  'adds', 'muls', 'rsubs', 'divs', 'rdivs', 'pows', 'rpows',
  'relu_backward', 'fill', 'axpy', 'sq_diff',
  // reduce.ts
  'sum', 'max', 'min',
  // copy.ts
  'copy_strided', 'fill_strided',
  // random.ts
  'rand_uniform', 'rand_normal',
  // corr2d.ts, corr2d_grad.ts, gemm.ts, im2col.ts, bias.ts
  'corr2d_valid', 'corr2d_pad', 'corr2d_flip', 'corr2d_grad_weight', 'conv_grad_weight_nchw', 'conv_grad_weight_oc', 'gemm', 'gemm_nt', 'gemm_tn', 'conv_nchw',
  'im2col_nchw', 'col2im_nchw', 'im2col_nhwc', 'col2im_nhwc',
  'bias_add_rows', 'bias_add_cols', 'bias_grad_rows', 'bias_grad_cols',
  // optim.ts
  'sgd_step', 'adam_step',
  // pool.ts, activation.ts, softmax.ts
  'maxpool2d_nchw', 'maxpool2d_nhwc', 'maxpool2d_backward_nchw', 'maxpool2d_backward_nhwc',
  'avgpool2d_nchw', 'avgpool2d_nhwc', 'avgpool2d_backward_nchw', 'avgpool2d_backward_nhwc',
  'sigmoid', 'tanh', 'sigmoid_backward', 'tanh_backward',
  'softmax', 'log_softmax', 'softmax_backward', 'log_softmax_backward', 'argmax',
  'cross_entropy', 'cross_entropy_backward',
  // winograd.ts
  'winograd_weight', 'winograd_conv',
  'conv_few', 'conv_oc', // conv_few.ts
] as const;

export type KernelName = (typeof KERNEL_NAMES)[number];
export type KernelVariant = 'simd' | 'scalar';
export type KernelTable = { readonly [K in KernelName]: KernelFn };

/** The `accumulate` argument of the kernels that write a result: overwrite it, or add into it. */
export const OVERWRITE = 0;
export const ACCUMULATE = 1;
/** The `flip` argument of corr2d_pad: cross-correlation, or convolution (the kernel turned 180°). */
export const CORRELATE = 0;
export const CONVOLVE = 1;

/** A boolean option as the i32 flag (0 or 1) a kernel takes. */
export function flag(on: boolean): 0 | 1 {
  return on ? 1 : 0;
}

/** Single exports with no twin. */
export interface Extras {
  heap_base(): number;
  copy_f32(dst: number, src: number, n: number): void;
}

let exportsRef: Record<string, unknown> | null = null;
let variant: KernelVariant = 'simd';
const tables: Partial<Record<KernelVariant, KernelTable>> = {};

/** The kernels ops call: the table of the current variant. Replaced, not mutated, on a switch. */
export let kernels: KernelTable = new Proxy({} as KernelTable, {
  get() {
    throw new NotInitializedError('simdconv');
  },
});
export let extras: Extras = kernels as unknown as Extras;

function buildTable(exp: Record<string, unknown>, v: KernelVariant): KernelTable {
  const table: Record<string, KernelFn> = {};
  for (const name of KERNEL_NAMES) {
    const fn = exp[`${name}_f32_${v}`];
    if (typeof fn !== 'function') {
      throw new UnsupportedRuntimeError('init', 'module', `a simdconv kernel module exporting ${name}_f32_${v}`,
        'a module without it (a stale or foreign .wasm?)');
    }
    table[name] = fn as KernelFn;
  }
  return Object.freeze(table) as KernelTable;
}

/** Whether the module exports the scalar twins (a test build). */
function hasScalarTwins(exp: Record<string, unknown>): boolean {
  return typeof exp[`${KERNEL_NAMES[0]}_f32_scalar`] === 'function';
}

/** Called by init with the instance's exports. */
export function bindKernels(exp: Record<string, unknown>): void {
  const simd = buildTable(exp, 'simd');
  const scalar = hasScalarTwins(exp) ? buildTable(exp, 'scalar') : undefined;
  if (variant === 'scalar' && scalar === undefined) throw noScalarTwins('init');
  exportsRef = exp;
  tablesEpoch++;
  tables.simd = simd;
  tables.scalar = scalar;
  extras = { heap_base: exp.heap_base as () => number, copy_f32: exp.copy_f32 as Extras['copy_f32'] };
  kernels = tables[variant]!;
}

/** @internal Counts bindKernels calls: a replay (capture.ts) rebinds its calls when this changed. */
export let tablesEpoch = 0;

/** @internal The table of variant `v` (undefined when the module lacks it). */
export function kernelTable(v: KernelVariant): KernelTable | undefined {
  return tables[v];
}

/** Whether a capture (capture.ts) has swapped in its recording tables. */
let swapped = false;

/** @internal Makes `k` and `e` what ops call: capture.ts's recording tables (`capturing`), or back the real ones. */
export function swapKernels(k: KernelTable, e: Extras, capturing: boolean): void {
  kernels = k;
  extras = e;
  swapped = capturing;
}

function noScalarTwins(op: string): UnsupportedRuntimeError {
  return new UnsupportedRuntimeError(op, 'variant',
    "'simd', or a test build of the kernels (build/simdconv-test.wasm) for 'scalar'",
    "'scalar' with a release module, which ships without the scalar twins");
}

/**
 * Chooses which twin of every kernel ops run: `'simd'` (the default) or `'scalar'` (the plain
 * loops the SIMD kernels are checked against). Meant for tests and for debugging: `'scalar'`
 * needs a test build of the kernels (the release modules do not export the scalar twins).
 * In a test: `setKernelVariant('scalar'); const y = sc.corr2d(X, K); setKernelVariant('simd');`
 */
export function setKernelVariant(v: KernelVariant): void {
  if (v !== 'simd' && v !== 'scalar') {
    throw new UnsupportedRuntimeError('setKernelVariant', 'variant', "'simd' or 'scalar'", String(v));
  }
  if (swapped) {
    throw new UnsupportedRuntimeError('setKernelVariant', 'variant', 'no change while compile() captures a step', `'${v}' inside a captured step`);
  }
  if (exportsRef) {
    const table = tables[v];
    if (table === undefined) throw noScalarTwins('setKernelVariant');
    kernels = table;
  }
  variant = v;
}

/** The variant ops currently run. */
export function kernelVariant(): KernelVariant {
  return variant;
}
