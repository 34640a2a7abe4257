// Border padding of activations for conv2d's paddingMode (PyTorch's F.pad with mode 'reflect',
// 'replicate', 'circular' or 'constant' 0), and its backward rule: the pad2d kernel and its
// adjoint (assembly/pad.ts), which adds each border cell's gradient into the cell it was read from.
import { ArgumentError, shapeStr } from '../errors.js';
import { DIMS, Tensor, empty } from '../tensor.js';
import { kernels } from '../wasm/kernels.js';
import { needsGrad, record } from '../autograd/node.js';
import { PADDING_MODES, type PaddingMode } from './conv-options.js';

/** Padding [top, bottom, left, right], each >= 0. */
export type Pads = readonly [number, number, number, number];

/**
 * Throws unless the pads fit the mode, with PyTorch's rules: 'reflect' needs each pad smaller
 * than its axis, 'circular' at most its axis (it wraps around once).
 */
export function checkPadsFit(op: string, mode: PaddingMode, pads: Pads, H: number, W: number, xShape: readonly number[]): void {
  if (mode !== 'reflect' && mode !== 'circular') return;
  const sides = [['top', H], ['bottom', H], ['left', W], ['right', W]] as const;
  for (let i = 0; i < 4; i++) {
    const [side, n] = sides[i]!;
    const p = pads[i]!;
    const fits = mode === 'reflect' ? p < n : p <= n;
    if (!fits) {
      const axis = i < 2 ? 'height' : 'width';
      throw new ArgumentError(op, 'padding', `${mode === 'reflect' ? 'less than' : 'at most'} the input ${axis} ${n} on each side for paddingMode '${mode}'`,
        `${p} at the ${side}`,
        `${op}: paddingMode '${mode}' needs padding ${mode === 'reflect' ? 'smaller than' : 'no larger than'} the input ${axis} (${n}), but the ${side} padding is ${p} (input ${shapeStr(xShape)})`);
    }
  }
}

/**
 * x (3-D or 4-D, NCHW or NHWC; validated by the caller, pads checked by checkPadsFit) padded by
 * `pads` with `mode`: a new tensor, differentiable.
 */
export function pad2d(op: string, x: Tensor, pads: Pads, mode: PaddingMode, nhwc: boolean): Tensor {
  const s = x[DIMS], b = s.length - 3;
  const N = b === 1 ? s[0]! : 1;
  const [hAxis, wAxis] = nhwc ? [b, b + 1] : [b + 1, b + 2];
  const C = s[nhwc ? b + 2 : b]!, H = s[hAxis]!, W = s[wAxis]!;
  // Planes of H x W cells of E contiguous floats: NCHW [N*C, H, W, 1], NHWC [N, H, W, C].
  const P = nhwc ? N : N * C, E = nhwc ? C : 1;
  const [PT, PB, PL, PR] = pads;
  const yShape = s.slice();
  yShape[hAxis] = H + PT + PB;
  yShape[wAxis] = W + PL + PR;
  const code = PADDING_MODES.indexOf(mode);
  const y = empty(yShape, op);
  kernels.pad2d(y.ptr(op, 'out'), x.ptr(op, 'x'), P, H, W, E, PT, PB, PL, PR, code);
  if (needsGrad(x)) {
    record(y, 'Pad2d', [x], (gy) => {
      const dx = empty(s, op);
      kernels.pad2d_backward(dx.ptr(op, 'dx'), gy.ptr(op, 'dy'), P, H, W, E, PT, PB, PL, PR, code);
      return [dx];
    });
  }
  return y;
}
