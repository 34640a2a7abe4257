// Convolution as matrix multiplication: im2col (input patches as columns), toeplitz (the doubly
// block Toeplitz matrix of a 2-D kernel) and matmul (batched, broadcasting, on the GEMM kernels).
// Geometry options and their validation are conv2d's (ops/conv.ts). Each op is differentiable;
// its backward rule sits next to its forward.
import { ArgumentError, ShapeError, shapeStr } from '../errors.js';
import { DIMS, Tensor, empty, checkTensor } from '../tensor.js';
import { kernels, OVERWRITE, flag } from '../wasm/kernels.js';
import { Slot, scratch } from '../wasm/runtime.js';
import { needsGrad, record } from '../autograd/node.js';
import { readOptions } from '../args.js';
import { checkInputShape, geometry, pair, type Geometry, type Padding, type Pair } from './conv-options.js';
import { reshape } from './shape.js';
import { broadcastStrides, copyStrided } from './strided.js';
import { checkBytes } from './util.js';
import { sizeOf } from '../layout.js';
import { F32_BYTES } from '../wasm/memory.js';

/**
 * Options of {@link im2col}: conv2d's geometry options.
 * @example
 * const opts: sc.Im2colOptions = { stride: 2, padding: 'same' };
 * sc.im2col(sc.ones([1, 3, 8, 8]), 3, opts).shape   // => [1, 27, 16]
 */
export interface Im2colOptions {
  /** Step between windows: n or [sh, sw]. Default 1. */
  stride?: Pair;
  /** 'valid' (default), 'same', n, [ph, pw] (both sides) or [[top, bottom], [left, right]]. */
  padding?: Padding;
  /** Spacing between kernel taps: n or [dh, dw]. Default 1. */
  dilation?: Pair;
  /** 'NCHW' (default) or 'NHWC': the input's layout, which also decides the output's (see im2col). */
  layout?: 'NCHW' | 'NHWC';
}

/**
 * Options of {@link toeplitz}: conv2d's geometry options for one channel.
 * @example
 * const opts: sc.ToeplitzOptions = { padding: 1, mode: 'convolution' };
 * sc.toeplitz(sc.ones([3, 3]), [4, 5], opts).shape   // => [20, 20]
 */
export interface ToeplitzOptions {
  /** Step between windows: n or [sh, sw]. Default 1. */
  stride?: Pair;
  /** 'valid' (default), 'same', n, [ph, pw] (both sides) or [[top, bottom], [left, right]]. */
  padding?: Padding;
  /** Spacing between kernel taps: n or [dh, dw]. Default 1. */
  dilation?: Pair;
  /** 'correlation' (default) or 'convolution' (the kernel flipped both ways). */
  mode?: 'correlation' | 'convolution';
}

const IM2COL_KEYS = new Set(['stride', 'padding', 'dilation', 'layout']);
const TOEPLITZ_KEYS = new Set(['stride', 'padding', 'dilation', 'mode']);

// ---- im2col -------------------------------------------------------------------------------------

/**
 * The patches of a convolution's input as the columns of a matrix, so that a convolution is one
 * matrix product: `matmul(w.reshape([Cout, C*kh*kw]), im2col(x, [kh, kw], opts))` equals
 * `conv2d(x, w, opts)` reshaped to [N, Cout, HO*WO]. Shapes (NCHW, the default):
 * x [H, W] → [kh*kw, HO*WO]; [C, H, W] → [C*kh*kw, HO*WO]; [N, C, H, W] → [N, C*kh*kw, HO*WO].
 * Row (c*kh + a)*kw + b, column oh*WO + ow holds x[c, oh*sh - top + a*dh, ow*sw - left + b*dw]
 * (0 in the padding), like PyTorch's `unfold`. With `layout: 'NHWC'` ([H, W, C] / [N, H, W, C])
 * the result is transposed: [N, HO*WO, kh*kw*C], patch entries ordered (a, b, c). Options as
 * conv2d's stride, padding, dilation. Differentiable in x.
 * @example
 * const X = sc.tensor([[0, 1, 2], [3, 4, 5], [6, 7, 8]]);
 * sc.im2col(X, 2).toArray()   // => [[0, 1, 3, 4], [1, 2, 4, 5], [3, 4, 6, 7], [4, 5, 7, 8]]
 * sc.matmul(sc.tensor([[0, 1, 2, 3]]), sc.im2col(X, 2)).toArray()   // => [[19, 25, 37, 43]]
 */
export function im2col(x: Tensor, kernelSize: Pair, opts: Im2colOptions = {}): Tensor {
  const op = 'im2col';
  const tx = checkTensor(op, 'x', x);
  const o = readOptions<Im2colOptions>(op, opts, IM2COL_KEYS);
  if (kernelSize === undefined) throw new ArgumentError(op, 'kernelSize', 'n or [kh, kw]', 'undefined');
  const [kh, kw] = pair(op, 'kernelSize', kernelSize, 1, 1);
  const nhwc = o.layout === 'NHWC';
  if (tx.ndim < 2 || tx.ndim > 4) {
    throw new ShapeError(op, 'x', `a 2-D image [H, W], or ${nhwc ? '[H, W, C] or [N, H, W, C]' : '[C, H, W] or [N, C, H, W]'}`, `shape ${shapeStr(tx[DIMS])}`);
  }
  const xs = tx.ndim === 2 ? (nhwc ? [...tx[DIMS], 1] : [1, ...tx[DIMS]]) : tx[DIMS];
  const C = nhwc ? xs[xs.length - 1]! : xs[xs.length - 3]!;
  const g = geometry(op, xs, [1, C, kh, kw], o, 'x', 'kernelSize');
  const L = g.HO * g.WO, R = g.C * kh * kw;
  const per = nhwc ? [L, R] : [R, L];
  const shape = tx.ndim === 4 ? [g.N, ...per] : per;
  checkBytes(op, 'x', g.N * L * R, shape);
  const out = empty(shape, op);
  const xp = tx.ptr(op, 'x'), cp = out.ptr(op, 'out');
  const xStep = g.C * g.H * g.W * F32_BYTES, cStep = L * R * F32_BYTES;
  for (let n = 0; n < g.N; n++) {
    if (nhwc) kernels.im2col_nhwc(xp + n * xStep, g.H, g.W, g.C, 0, g.C, kh, kw, g.SH, g.SW, g.PT, g.PL, g.DH, g.DW, g.HO, g.WO, cp + n * cStep);
    else kernels.im2col_nchw(xp + n * xStep, g.C, g.H, g.W, kh, kw, g.SH, g.SW, g.PT, g.PL, g.DH, g.DW, g.HO, g.WO, cp + n * cStep);
  }
  if (needsGrad(tx)) {
    // The adjoint of gathering patches is scattering them back: dx = col2im(dcol).
    record(out, 'Im2col', [tx], (gy) => {
      const dx = empty(tx[DIMS], op);
      const dxp = dx.ptr(op, 'dx'), gp = gy.ptr(op, 'dy');
      kernels.fill(dxp, dx.size, 0);
      for (let n = 0; n < g.N; n++) {
        if (nhwc) kernels.col2im_nhwc(gp + n * cStep, g.H, g.W, g.C, 0, g.C, kh, kw, g.SH, g.SW, g.PT, g.PL, g.DH, g.DW, g.HO, g.WO, dxp + n * xStep);
        else kernels.col2im_nchw(gp + n * cStep, g.C, g.H, g.W, kh, kw, g.SH, g.SW, g.PT, g.PL, g.DH, g.DW, g.HO, g.WO, dxp + n * xStep);
      }
      return [dx];
    });
  }
  return out;
}

// ---- toeplitz -----------------------------------------------------------------------------------

/**
 * The outputs o in [0, out) whose input position i = o*S - P + t*D (tap t) lies in [0, n):
 * [first, count].
 */
function tapRange(n: number, out: number, S: number, P: number, D: number, t: number): [number, number] {
  const lo = Math.max(0, Math.ceil((P - t * D) / S));
  const hi = Math.min(out - 1, Math.floor((n - 1 + P - t * D) / S));
  return [lo, Math.max(0, hi - lo + 1)];
}

/**
 * Calls `fn` for every kernel tap (a, b) that occupies entries of T, with those entries: a
 * [rows, cols] grid of element offsets `offset + r*strides[0] + c*strides[1]` into T [HO*WO, H*W],
 * and the index of the kernel element placed there (flipped in mode 'convolution'). Taps that
 * only ever meet padding are skipped.
 */
function forEachTap(g: Geometry, fn: (offset: number, shape: [number, number], strides: [number, number], tap: number) => void): void {
  const HW = g.H * g.W;
  const strides: [number, number] = [g.WO * HW + g.SH * g.W, HW + g.SW];
  for (let a = 0; a < g.KH; a++) {
    const [oh0, nh] = tapRange(g.H, g.HO, g.SH, g.PT, g.DH, a);
    for (let b = 0; b < g.KW; b++) {
      const [ow0, nw] = tapRange(g.W, g.WO, g.SW, g.PL, g.DW, b);
      if (nh === 0 || nw === 0) continue;
      const tap = g.flip ? (g.KH - 1 - a) * g.KW + (g.KW - 1 - b) : a * g.KW + b;
      const ih0 = oh0 * g.SH - g.PT + a * g.DH, iw0 = ow0 * g.SW - g.PL + b * g.DW;
      fn((oh0 * g.WO + ow0) * HW + ih0 * g.W + iw0, [nh, nw], strides, tap);
    }
  }
}

/**
 * The doubly block Toeplitz matrix T of a 2-D kernel: the matrix of cross-correlation with K on
 * an input of `inputShape` [H, W], so that `matmul(T, X.flatten())` equals
 * `corr2d(X, K).flatten()` (or conv2d with the same stride / padding / dilation / mode).
 * T has shape [HO*WO, H*W]: row oh*WO + ow holds K's taps at the columns ih*W + iw they read.
 * Differentiable in K.
 * @example
 * const T = sc.toeplitz(sc.tensor([[0, 1], [2, 3]]), [3, 3]);   // shape [4, 9]
 * T.toArray()[0]   // => [0, 1, 0, 2, 3, 0, 0, 0, 0]
 * sc.matmul(T, sc.arange(9)).toArray()   // => [19, 25, 37, 43]
 */
export function toeplitz(K: Tensor, inputShape: readonly [number, number], opts: ToeplitzOptions = {}): Tensor {
  const op = 'toeplitz';
  const tk = checkTensor(op, 'K', K);
  if (tk.ndim !== 2) throw new ShapeError(op, 'K', 'a 2-D kernel [kh, kw]', `shape ${shapeStr(tk[DIMS])}`);
  const [H, W] = checkInputShape(op, inputShape);
  const o = readOptions<ToeplitzOptions>(op, opts, TOEPLITZ_KEYS);
  const [kh, kw] = tk[DIMS] as [number, number];
  if (kh < 1 || kw < 1) throw new ShapeError(op, 'K', 'a non-empty kernel', `shape ${shapeStr(tk[DIMS])}`);
  const g = geometry(op, [1, H, W], [1, 1, kh, kw], o, 'inputShape', 'K');
  const shape = [g.HO * g.WO, H * W];
  checkBytes(op, 'inputShape', shape[0]! * shape[1]!, shape);
  const out = empty(shape, op);
  const tp = out.ptr(op, 'out'), kp = tk.ptr(op, 'K');
  kernels.fill(tp, out.size, 0);
  // Each tap is one strided broadcast of a kernel element (source stride 0) into its diagonal band.
  forEachTap(g, (offset, sh, strides, tap) => copyStrided(op, tp + offset * F32_BYTES, kp + tap * F32_BYTES, sh, strides, [0, 0]));
  if (needsGrad(tk)) {
    // dK[tap] = the sum of dT over the entries that tap occupies (gathered, then summed).
    record(out, 'Toeplitz', [tk], (gy) => {
      const dk = empty([kh, kw], op);
      const dkp = dk.ptr(op, 'dK'), gp = gy.ptr(op, 'dy');
      kernels.fill(dkp, dk.size, 0);
      const tmp = scratch(Slot.Tmp, g.HO * g.WO * F32_BYTES, op);
      forEachTap(g, (offset, [nh, nw], strides, tap) => {
        copyStrided(op, tmp, gp + offset * F32_BYTES, [nh, nw], [nw, 1], strides);
        kernels.sum(dkp + tap * F32_BYTES, tmp, 1, nh * nw, 1);
      });
      return [dk];
    });
  }
  return out;
}

// ---- matmul -------------------------------------------------------------------------------------

/** Element offsets (in matrices) of each batch entry of a batch of `from` shape broadcast to `to`. */
function batchOffsets(from: readonly number[], to: readonly number[]): number[] {
  const st = broadcastStrides(from, to);
  const n = sizeOf(to);
  const offs = new Array<number>(n);
  for (let t = 0; t < n; t++) {
    let rest = t, off = 0;
    for (let i = to.length - 1; i >= 0; i--) {
      off += (rest % to[i]!) * st[i]!;
      rest = Math.floor(rest / to[i]!);
    }
    offs[t] = off;
  }
  return offs;
}

/**
 * Matrix product `a @ b` like NumPy's matmul: 2-D [M, K] @ [K, N] → [M, N]; leading (batch) axes
 * broadcast ([B, M, K] @ [K, N] → [B, M, N]); a 1-D `a` is a row vector and a 1-D `b` a column
 * vector, their axis dropped from the result. Runs the SIMD GEMM kernel per batch entry, with a
 * fixed summation order. Differentiable in a and b.
 * @example
 * sc.matmul(sc.tensor([[1, 2], [3, 4]]), sc.tensor([[5, 6], [7, 8]])).toArray()   // => [[19, 22], [43, 50]]
 * sc.matmul(sc.tensor([[1, 2], [3, 4]]), sc.tensor([1, 1])).toArray()             // => [3, 7]
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  const op = 'matmul';
  const ta = checkTensor(op, 'a', a);
  const tb = checkTensor(op, 'b', b);
  if (ta.ndim < 1) throw new ShapeError(op, 'a', 'a tensor with at least 1 dimension', `a 0-d tensor`);
  if (tb.ndim < 1) throw new ShapeError(op, 'b', 'a tensor with at least 1 dimension', `a 0-d tensor`);
  const Ka = ta[DIMS][ta.ndim - 1]!;
  const Kb = tb.ndim === 1 ? tb[DIMS][0]! : tb[DIMS][tb.ndim - 2]!;
  if (Ka !== Kb) {
    throw new ShapeError(op, 'b', `${Ka} ${tb.ndim === 1 ? 'elements' : 'rows'} (a ${shapeStr(ta[DIMS])} has ${Ka} columns)`,
      `shape ${shapeStr(tb[DIMS])}`, `${op}: shapes ${shapeStr(ta[DIMS])} and ${shapeStr(tb[DIMS])} do not match: a has ${Ka} columns, b has ${Kb} ${tb.ndim === 1 ? 'elements' : 'rows'}`);
  }
  const aB = ta[DIMS].slice(0, -2), bB = tb[DIMS].slice(0, -2);
  const nb = Math.max(aB.length, bB.length);
  const batch: number[] = [];
  for (let i = 0; i < nb; i++) {
    const da = aB[aB.length - nb + i] ?? 1, db = bB[bB.length - nb + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new ShapeError(op, 'b', `batch axes that broadcast with a's ${shapeStr(aB)}`, `shape ${shapeStr(tb[DIMS])} (batch ${shapeStr(bB)})`);
    }
    batch.push(da === 1 ? db : da);
  }
  if (ta.ndim >= 2 && tb.ndim >= 2) return matmulNd(op, ta, tb, batch);
  // Vectors: as a [1, K] row / [K, 1] column, then the added axis dropped.
  const a2 = ta.ndim === 1 ? reshape(ta, [1, Ka]) : ta;
  const b2 = tb.ndim === 1 ? reshape(tb, [Kb, 1]) : tb;
  const y = matmulNd(op, a2, b2, batch);
  const shape = y[DIMS].slice();
  if (tb.ndim === 1) shape.splice(-1, 1);
  if (ta.ndim === 1) shape.splice(-2, 1);
  const out = reshape(y, shape);
  for (const t of [a2, b2, y]) if (t !== ta && t !== tb) t.dispose();
  return out;
}

/** [...aB, M, K] @ [...bB, K, N] → [...batch, M, N]. */
function matmulNd(op: string, a: Tensor, b: Tensor, batch: readonly number[]): Tensor {
  const M = a[DIMS][a.ndim - 2]!, Kd = a[DIMS][a.ndim - 1]!, N = b[DIMS][b.ndim - 1]!;
  const aB = a[DIMS].slice(0, -2), bB = b[DIMS].slice(0, -2);
  const shape = [...batch, M, N];
  checkBytes(op, 'out', sizeOf(shape), shape);
  const out = empty(shape, op);
  const nb = sizeOf(batch);
  const oa = batchOffsets(aB, batch), ob = batchOffsets(bB, batch);
  // Bytes per batch entry of a, b and the result.
  const sa = M * Kd * F32_BYTES, sb = Kd * N * F32_BYTES, sc = M * N * F32_BYTES;
  const pa = a.ptr(op, 'a'), pb = b.ptr(op, 'b'), pc = out.ptr(op, 'out');
  if (M > 0 && N > 0) {
    for (let t = 0; t < nb; t++) kernels.gemm(M, N, Kd, pa + oa[t]! * sa, Kd, pb + ob[t]! * sb, N, pc + t * sc, N, OVERWRITE);
  }
  if (needsGrad(a, b)) {
    // C = A·B:  dA = dC·Bᵀ (gemm_nt),  dB = Aᵀ·dC (gemm_tn), summed over broadcast batch entries.
    record(out, 'Matmul', [a, b], (gy, needs, [savedA, savedB]) => {
      const gp = gy.ptr(op, 'dy');
      let da: Tensor | null = null, db: Tensor | null = null;
      if (needs[0]) {
        da = empty(a[DIMS], op);
        const p = da.ptr(op, 'da'), bp = savedB!.ptr(op, 'b');
        const acc = flag(sizeOf(aB) !== nb); // a broadcast: its entries collect several terms
        if (acc) kernels.fill(p, da.size, 0);
        if (M > 0 && Kd > 0) {
          for (let t = 0; t < nb; t++) kernels.gemm_nt(M, Kd, N, gp + t * sc, N, bp + ob[t]! * sb, N, p + oa[t]! * sa, Kd, acc);
        }
      }
      if (needs[1]) {
        db = empty(b[DIMS], op);
        const p = db.ptr(op, 'db'), ap = savedA!.ptr(op, 'a');
        const acc = flag(sizeOf(bB) !== nb);
        if (acc) kernels.fill(p, db.size, 0);
        if (Kd > 0 && N > 0) {
          for (let t = 0; t < nb; t++) kernels.gemm_tn(Kd, N, M, ap + oa[t]! * sa, Kd, gp + t * sc, N, p + ob[t]! * sb, N, acc);
        }
      }
      return [da, db];
    }, [a, b]);
  }
  return out;
}
