// Naive reference oracle for 2D correlation / convolution and its gradients.
//
// Written independently of src/: its own padding and output-size rules, plain nested loops,
// float64 accumulation (Float64Array outputs) from float32 inputs. Readability over speed.
//
// Conventions (the same as the public API in src/index.ts):
// - activations are NCHW (default) or NHWC, row-major; a 3D shape is one unbatched image
//   ([C,H,W] or [H,W,C]) and gives a 3D result;
// - weights are always OIHW: [Cout, Cin/groups, kh, kw];
// - mode 'correlation' (default) uses w as given; 'convolution' flips each kernel both ways.
//
// Every function also returns `mag`: for each output element the sum of |term| over the terms
// that were summed into it (sum |x·w|, |dy·w| or |x·dy|). Tests scale their tolerance by it.

export type Layout = 'NCHW' | 'NHWC';
export type Mode = 'correlation' | 'convolution';
export type PaddingSpec =
  | 'valid'
  | 'same'
  | number
  | readonly [number, number]
  | readonly [readonly [number, number], readonly [number, number]];

export interface ConvRefOptions {
  stride?: number | readonly [number, number];
  padding?: PaddingSpec;
  dilation?: number | readonly [number, number];
  groups?: number;
  layout?: Layout;
  mode?: Mode;
  /** [Cout] values added to every output element of that channel (forward only). */
  bias?: ArrayLike<number>;
}

export interface RefResult {
  data: Float64Array;
  shape: number[];
  /** Per element: sum of |term| over the products summed into it. */
  mag: Float64Array;
}

/** Padding of one spatial dimension, in elements before and after. */
export interface Pad1 {
  before: number;
  after: number;
}

const pair = (v: number | readonly [number, number] | undefined, dflt: number): [number, number] =>
  v === undefined ? [dflt, dflt] : typeof v === 'number' ? [v, v] : [v[0], v[1]];

/**
 * Output length of one spatial dimension:
 * floor((n + before + after - dilation*(k-1) - 1) / stride) + 1.
 */
export function outputSizeRef(n: number, k: number, stride: number, pad: Pad1, dilation: number): number {
  const span = dilation * (k - 1) + 1; // extent of the dilated kernel
  return Math.floor((n + pad.before + pad.after - span) / stride) + 1;
}

/**
 * Resolves a padding spec into [rows, cols] padding for input size (h, w).
 * 'same' (TF rule): out = ceil(n / stride); total = max((out-1)*stride + dilation*(k-1) + 1 - n, 0);
 * before = floor(total / 2), after = total - before.
 */
export function resolvePaddingRef(
  padding: PaddingSpec | undefined,
  inSize: readonly [number, number],
  kSize: readonly [number, number],
  stride: readonly [number, number],
  dilation: readonly [number, number],
): [Pad1, Pad1] {
  if (padding === undefined || padding === 'valid') return [{ before: 0, after: 0 }, { before: 0, after: 0 }];
  if (padding === 'same') {
    const one = (d: 0 | 1): Pad1 => {
      const out = Math.ceil(inSize[d] / stride[d]);
      const total = Math.max((out - 1) * stride[d] + dilation[d] * (kSize[d] - 1) + 1 - inSize[d], 0);
      const before = Math.floor(total / 2);
      return { before, after: total - before };
    };
    return [one(0), one(1)];
  }
  if (typeof padding === 'number') {
    return [{ before: padding, after: padding }, { before: padding, after: padding }];
  }
  const [ph, pw] = padding;
  if (typeof ph === 'number' && typeof pw === 'number') {
    return [{ before: ph, after: ph }, { before: pw, after: pw }];
  }
  const [t, b] = ph as readonly [number, number];
  const [l, r] = pw as readonly [number, number];
  return [{ before: t, after: b }, { before: l, after: r }];
}

/** Everything the loops need, derived from x's and w's shapes and the options. */
interface Geometry {
  batched: boolean;
  layout: Layout;
  N: number;
  C: number;
  H: number;
  W: number;
  Cout: number;
  Cg: number; // input channels per group
  CoutG: number; // output channels per group
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  dh: number;
  dw: number;
  padH: Pad1;
  padW: Pad1;
  Ho: number;
  Wo: number;
  flip: boolean;
}

function geometry(xShape: readonly number[], wShape: readonly number[], opts: ConvRefOptions): Geometry {
  const layout = opts.layout ?? 'NCHW';
  if (xShape.length !== 3 && xShape.length !== 4) throw new Error(`reference: x must be 3D or 4D, got [${xShape}]`);
  if (wShape.length !== 4) throw new Error(`reference: w must be 4D OIHW, got [${wShape}]`);
  const batched = xShape.length === 4;
  const s4 = batched ? xShape : [1, ...xShape];
  let N: number, C: number, H: number, W: number;
  if (layout === 'NCHW') [N, C, H, W] = s4 as [number, number, number, number];
  else [N, H, W, C] = s4 as [number, number, number, number];
  const [Cout, Cg, kh, kw] = wShape as [number, number, number, number];
  const groups = opts.groups ?? 1;
  if (C !== Cg * groups || Cout % groups !== 0) {
    throw new Error(`reference: channels do not match (C=${C}, w=[${wShape}], groups=${groups})`);
  }
  const [sh, sw] = pair(opts.stride, 1);
  const [dh, dw] = pair(opts.dilation, 1);
  const [padH, padW] = resolvePaddingRef(opts.padding, [H, W], [kh, kw], [sh, sw], [dh, dw]);
  const Ho = outputSizeRef(H, kh, sh, padH, dh);
  const Wo = outputSizeRef(W, kw, sw, padW, dw);
  if (Ho <= 0 || Wo <= 0) throw new Error(`reference: empty output ${Ho}x${Wo}`);
  return {
    batched, layout, N, C, H, W, Cout, Cg, CoutG: Cout / groups, kh, kw, sh, sw, dh, dw,
    padH, padW, Ho, Wo, flip: opts.mode === 'convolution',
  };
}

/** Flat index of activation element (n, c, h, w) in the given layout. */
function actIndex(layout: Layout, C: number, H: number, W: number, n: number, c: number, h: number, w: number): number {
  return layout === 'NCHW' ? ((n * C + c) * H + h) * W + w : ((n * H + h) * W + w) * C + c;
}

function actShape(g: Geometry, C: number, H: number, W: number): number[] {
  const s = g.layout === 'NCHW' ? [g.N, C, H, W] : [g.N, H, W, C];
  return g.batched ? s : s.slice(1);
}

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/**
 * Calls visit(xIdx, wIdx, yIdx) with the flat indices of every product term of the forward pass:
 * y[n, o, i, j] += x[n, c, ih, iw] * w[o, c - group * Cg, a', b'], with ih = i*sh + a*dh - top,
 * iw = j*sw + b*dw - left inside x (padding contributes nothing), and (a', b') = (a, b), or
 * (kh-1-a, kw-1-b) when mode is 'convolution'.
 */
function forEachTerm(g: Geometry, visit: (xIdx: number, wIdx: number, yIdx: number) => void): void {
  for (let n = 0; n < g.N; n++) {
    for (let o = 0; o < g.Cout; o++) {
      const group = Math.floor(o / g.CoutG);
      for (let i = 0; i < g.Ho; i++) {
        for (let j = 0; j < g.Wo; j++) {
          const yIdx = actIndex(g.layout, g.Cout, g.Ho, g.Wo, n, o, i, j);
          for (let cg = 0; cg < g.Cg; cg++) {
            const c = group * g.Cg + cg;
            for (let a = 0; a < g.kh; a++) {
              const ih = i * g.sh + a * g.dh - g.padH.before;
              if (ih < 0 || ih >= g.H) continue;
              for (let b = 0; b < g.kw; b++) {
                const iw = j * g.sw + b * g.dw - g.padW.before;
                if (iw < 0 || iw >= g.W) continue;
                const ka = g.flip ? g.kh - 1 - a : a;
                const kb = g.flip ? g.kw - 1 - b : b;
                const wIdx = ((o * g.Cg + cg) * g.kh + ka) * g.kw + kb;
                const xIdx = actIndex(g.layout, g.C, g.H, g.W, n, c, ih, iw);
                visit(xIdx, wIdx, yIdx);
              }
            }
          }
        }
      }
    }
  }
}

/** Output shape of conv2d for these shapes and options (3D in, 3D out). */
export function conv2dOutputShapeRef(xShape: readonly number[], wShape: readonly number[], opts: ConvRefOptions = {}): number[] {
  const g = geometry(xShape, wShape, opts);
  return actShape(g, g.Cout, g.Ho, g.Wo);
}

/** y = conv2d(x, w, opts) (+ bias), accumulated in float64. */
export function conv2dRef(
  x: ArrayLike<number>,
  xShape: readonly number[],
  w: ArrayLike<number>,
  wShape: readonly number[],
  opts: ConvRefOptions = {},
): RefResult {
  const g = geometry(xShape, wShape, opts);
  checkLen('x', x, xShape);
  checkLen('w', w, wShape);
  const shape = actShape(g, g.Cout, g.Ho, g.Wo);
  const data = new Float64Array(size(shape));
  const mag = new Float64Array(data.length);
  forEachTerm(g, (xi, wi, yi) => {
    const t = x[xi]! * w[wi]!;
    data[yi] += t;
    mag[yi] += Math.abs(t);
  });
  if (opts.bias !== undefined) {
    const bias = opts.bias;
    if (bias.length !== g.Cout) throw new Error(`reference: bias has ${bias.length} values, expected ${g.Cout}`);
    for (let n = 0; n < g.N; n++)
      for (let o = 0; o < g.Cout; o++)
        for (let i = 0; i < g.Ho; i++)
          for (let j = 0; j < g.Wo; j++) {
            const yi = actIndex(g.layout, g.Cout, g.Ho, g.Wo, n, o, i, j);
            data[yi] += bias[o]!;
            mag[yi] += Math.abs(bias[o]!);
          }
  }
  return { data, shape, mag };
}

/** dx = d<conv2d(x, w), dy>/dx, with shape xShape (like torch.nn.grad.conv2d_input). */
export function conv2dGradInputRef(
  dy: ArrayLike<number>,
  w: ArrayLike<number>,
  wShape: readonly number[],
  xShape: readonly number[],
  opts: ConvRefOptions = {},
): RefResult {
  const g = geometry(xShape, wShape, opts);
  checkLen('dy', dy, actShape(g, g.Cout, g.Ho, g.Wo));
  checkLen('w', w, wShape);
  const shape = [...xShape];
  const data = new Float64Array(size(shape));
  const mag = new Float64Array(data.length);
  forEachTerm(g, (xi, wi, yi) => {
    const t = dy[yi]! * w[wi]!;
    data[xi] += t;
    mag[xi] += Math.abs(t);
  });
  return { data, shape, mag };
}

/** dw = d<conv2d(x, w), dy>/dw, with shape wShape (like torch.nn.grad.conv2d_weight). */
export function conv2dGradWeightRef(
  x: ArrayLike<number>,
  xShape: readonly number[],
  dy: ArrayLike<number>,
  wShape: readonly number[],
  opts: ConvRefOptions = {},
): RefResult {
  const g = geometry(xShape, wShape, opts);
  checkLen('x', x, xShape);
  checkLen('dy', dy, actShape(g, g.Cout, g.Ho, g.Wo));
  const shape = [...wShape];
  const data = new Float64Array(size(shape));
  const mag = new Float64Array(data.length);
  forEachTerm(g, (xi, wi, yi) => {
    const t = x[xi]! * dy[yi]!;
    data[wi] += t;
    mag[wi] += Math.abs(t);
  });
  return { data, shape, mag };
}

/** 2D valid cross-correlation of X [H, W] with K [kh, kw]: Y[i][j] = sum X[i+a][j+b] K[a][b]. */
export function corr2dRef(
  X: ArrayLike<number>,
  xShape: readonly [number, number] | readonly number[],
  K: ArrayLike<number>,
  kShape: readonly [number, number] | readonly number[],
): RefResult {
  const [H, W] = xShape as [number, number];
  const [kh, kw] = kShape as [number, number];
  checkLen('X', X, [H, W]);
  checkLen('K', K, [kh, kw]);
  const Ho = H - kh + 1;
  const Wo = W - kw + 1;
  if (Ho <= 0 || Wo <= 0) throw new Error(`reference: kernel ${kh}x${kw} larger than input ${H}x${W}`);
  const data = new Float64Array(Ho * Wo);
  const mag = new Float64Array(Ho * Wo);
  for (let i = 0; i < Ho; i++) {
    for (let j = 0; j < Wo; j++) {
      let s = 0;
      let m = 0;
      for (let a = 0; a < kh; a++) {
        for (let b = 0; b < kw; b++) {
          const t = X[(i + a) * W + (j + b)]! * K[a * kw + b]!;
          s += t;
          m += Math.abs(t);
        }
      }
      data[i * Wo + j] = s;
      mag[i * Wo + j] = m;
    }
  }
  return { data, shape: [Ho, Wo], mag };
}

/** Strict 2D convolution (K flipped both ways), valid. */
export function convolve2dRef(
  X: ArrayLike<number>,
  xShape: readonly number[],
  K: ArrayLike<number>,
  kShape: readonly number[],
): RefResult {
  const [kh, kw] = kShape as [number, number];
  const flipped = new Float64Array(kh * kw);
  for (let a = 0; a < kh; a++) for (let b = 0; b < kw; b++) flipped[a * kw + b] = K[(kh - 1 - a) * kw + (kw - 1 - b)]!;
  return corr2dRef(X, xShape, flipped, kShape);
}

function checkLen(name: string, a: ArrayLike<number>, shape: readonly number[]): void {
  if (a.length !== size(shape)) throw new Error(`reference: ${name} has ${a.length} values, shape [${shape}] needs ${size(shape)}`);
}
