// conv2d, corr2d, convolve2d, conv2dGradInput, conv2dGradWeight and convOutputSize, through the
// public API, against the float64 reference in test/reference/conv.ts. Table-driven; every case
// runs under both kernel variants ('simd' and 'scalar'). Output widths and heights sweep every
// SIMD tail (1..3, 4, 5..7, 8, 9, 13, 17, 33); the options table covers strides, every padding
// form, dilation, groups (incl. depthwise), batch, both layouts, bias, mode and 3D input.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as sc from '../src/index.js';
import { setKernelVariant, type KernelVariant } from '../src/wasm/kernels.js';
import { uniform } from '../bench/shapes.js';
import {
  conv2dGradInputRef,
  conv2dGradWeightRef,
  conv2dOutputShapeRef,
  conv2dRef,
  convolve2dRef,
  corr2dRef,
  type ConvRefOptions,
  type PaddingSpec,
  type RefResult,
} from './reference/conv.js';

// ---- tolerance ----------------------------------------------------------------------------
// |got - expected| <= RTOL * sum|terms| (per element) + ATOL * max over the output of sum|terms|.
// A float32 dot product of n terms is off by at most ~n·2^-24·sum|terms|; the cases below sum at
// most a few thousand terms of random sign, whose error is far below RTOL. Any indexing
// mistake moves a value by the size of whole terms, far above it.
const RTOL = 2e-5;
const ATOL = 1e-6;

function assertClose(label: string, got: Float32Array, gotShape: readonly number[], ref: RefResult): void {
  expect(gotShape, `${label}: shape`).toEqual(ref.shape);
  expect(got.length, `${label}: length`).toBe(ref.data.length);
  let maxMag = 0;
  for (let i = 0; i < ref.mag.length; i++) maxMag = Math.max(maxMag, ref.mag[i]!);
  let bad = 0;
  let first = -1;
  for (let i = 0; i < got.length; i++) {
    const tol = RTOL * ref.mag[i]! + ATOL * maxMag;
    const err = Math.abs(got[i]! - ref.data[i]!);
    if (!(err <= tol)) {
      if (first < 0) first = i;
      bad++;
    }
  }
  if (bad > 0) {
    const i = first;
    throw new Error(
      `${label}: ${bad}/${got.length} elements off; first at flat index ${i} ` +
        `(shape [${ref.shape}]): expected ${ref.data[i]}, got ${got[i]}, ` +
        `tolerance ${RTOL * ref.mag[i]! + ATOL * maxMag}`,
    );
  }
}

/** Runs fn inside sc.tidy and checks it leaves no live tensor behind. */
function tidyCase(fn: () => void): void {
  const before = sc.memory().tensors;
  sc.tidy(fn);
  expect(sc.memory().tensors, 'live tensors after tidy').toBe(before);
}

// ---- case tables --------------------------------------------------------------------------
/** A case's convolution options: the library's own (everything but bias). */
type ConvOpts = sc.ConvGeometryOptions;
interface ConvCase {
  name: string;
  xShape: number[];
  wShape: number[];
  opts: ConvOpts;
  bias: boolean;
}

const TAIL_SIZES = [1, 2, 3, 4, 5, 6, 7, 8, 9, 13, 17, 33];
const HEIGHTS = [1, 2, 3, 5, 4];
const KERNELS: [number, number][] = [[1, 1], [1, 2], [2, 2], [3, 3], [5, 5], [7, 7], [3, 1]];

const fmt = (v: unknown): string => JSON.stringify(v).replace(/"/g, "'");

function actShape(layout: 'NCHW' | 'NHWC', N: number | null, C: number, H: number, W: number): number[] {
  const s = layout === 'NCHW' ? [C, H, W] : [H, W, C];
  return N === null ? s : [N, ...s];
}

function caseName(xShape: number[], wShape: number[], opts: ConvOpts, bias: boolean): string {
  return `x[${xShape}] w[${wShape}] ${fmt(opts)}${bias ? ' +bias' : ''}`;
}

/** Sweep 1: every kernel size x every output width (valid) and input width ('same'). */
function tailCases(): ConvCase[] {
  const cases: ConvCase[] = [];
  let k = 0;
  for (const [kh, kw] of KERNELS) {
    for (const size of TAIL_SIZES) {
      const h = HEIGHTS[k % HEIGHTS.length]!;
      const [C, Cout] = k % 3 === 0 ? [1, 1] : k % 3 === 1 ? [3, 2] : [2, 5];
      // valid: output is h x size
      const xv = [1, C, h + kh - 1, size + kw - 1];
      cases.push({ name: caseName(xv, [Cout, C, kh, kw], {}, false), xShape: xv, wShape: [Cout, C, kh, kw], opts: {}, bias: false });
      // same: output equals the input, so the padded borders meet every tail
      const xs = [1, C, h, size];
      const o: ConvOpts = { padding: 'same' };
      cases.push({ name: caseName(xs, [Cout, C, kh, kw], o, k % 2 === 1), xShape: xs, wShape: [Cout, C, kh, kw], opts: o, bias: k % 2 === 1 });
      k++;
    }
  }
  // tall outputs (heights sweep at a fixed width) for the row loops
  for (const h of TAIL_SIZES) {
    const x = [1, 2, h + 2, 6];
    cases.push({ name: caseName(x, [3, 2, 3, 3], {}, false), xShape: x, wShape: [3, 2, 3, 3], opts: {}, bias: false });
  }
  return cases;
}

const STRIDES: ConvOpts['stride'][] = [1, 2, 3, [1, 2], [2, 3]];
const PADDINGS: PaddingSpec[] = ['valid', 'same', 1, 2, [1, 2], [[0, 1], [2, 1]], [[2, 0], [0, 3]]];
const DILATIONS: ConvOpts['dilation'][] = [1, 2, [2, 1]];
/** [C, Cout, groups]: plain, grouped, depthwise, depthwise with channel multiplier 2. */
const GROUPINGS: [number, number, number][] = [[3, 4, 1], [4, 6, 2], [3, 3, 3], [2, 4, 2]];
const BATCHES: (number | null)[] = [1, 3, null]; // null: 3D unbatched input
const LAYOUTS = ['NCHW', 'NHWC'] as const;
const MODES = ['correlation', 'convolution'] as const;
const SPATIAL = [5, 9, 8, 13, 6, 17, 7, 1, 4, 33, 3, 2];

/** Makes a case valid (non-empty output) by growing H and W if needed. */
function optionCase(
  N: number | null, layout: 'NCHW' | 'NHWC', C: number, Cout: number, groups: number,
  H: number, W: number, kh: number, kw: number, opts: ConvOpts, bias: boolean,
): ConvCase {
  const wShape = [Cout, C / groups, kh, kw];
  const full: ConvOpts = { ...opts, layout, groups };
  for (;;) {
    const xShape = actShape(layout, N, C, H, W);
    try {
      conv2dOutputShapeRef(xShape, wShape, full);
      return { name: caseName(xShape, wShape, full, bias), xShape, wShape, opts: full, bias };
    } catch {
      H++;
      W++;
    }
  }
}

/** Sweep 2: options. Two products, each cycling the factors the other enumerates. */
function optionCases(): ConvCase[] {
  const cases: ConvCase[] = [];
  let k = 0;
  // (a) layout x mode x bias x batch x grouping; geometry cycled
  for (const layout of LAYOUTS)
    for (const mode of MODES)
      for (const bias of [false, true])
        for (const N of BATCHES)
          for (const [C, Cout, groups] of GROUPINGS) {
            const [kh, kw] = KERNELS[k % KERNELS.length]!;
            const opts: ConvOpts = {
              stride: STRIDES[k % STRIDES.length],
              padding: PADDINGS[k % PADDINGS.length],
              dilation: DILATIONS[k % DILATIONS.length],
              mode,
            };
            cases.push(optionCase(N, layout, C, Cout, groups, SPATIAL[k % SPATIAL.length]!, SPATIAL[(k + 3) % SPATIAL.length]!, kh, kw, opts, bias));
            k++;
          }
  // (b) stride x padding x dilation; layout, batch, grouping, kernel cycled
  for (const stride of STRIDES)
    for (const padding of PADDINGS)
      for (const dilation of DILATIONS) {
        const [kh, kw] = KERNELS[k % KERNELS.length]!;
        const [C, Cout, groups] = GROUPINGS[k % GROUPINGS.length]!;
        const opts: ConvOpts = { stride, padding, dilation, mode: MODES[k % 2] };
        cases.push(optionCase(BATCHES[k % BATCHES.length]!, LAYOUTS[(k >> 1) % 2]!, C, Cout, groups,
          SPATIAL[(k + 1) % SPATIAL.length]!, SPATIAL[(k + 5) % SPATIAL.length]!, kh, kw, opts, k % 3 === 0));
        k++;
      }
  // (c) wide NHWC rows and many channels (the channel-vector paths), strided and padded
  for (const C of [1, 3, 4, 5, 8, 9, 17]) {
    cases.push(optionCase(2, 'NHWC', C, 7, 1, 6, 11, 3, 3, { padding: 'same' }, true));
    cases.push(optionCase(1, 'NCHW', C, 9, 1, 7, 10, 3, 3, { stride: 2, padding: 1 }, false));
    cases.push(optionCase(1, 'NHWC', C, C, C, 9, 9, 3, 3, { padding: 'same', stride: [1, 2] }, true));
  }
  return cases;
}

/**
 * Sweep 3: the direct per-channel kernels (single channel and depthwise, NCHW, stride 1,
 * dilation 1): paddings on no side, every side, larger than the kernel and uneven, both modes,
 * batches and unbatched input, output widths over every SIMD tail, and a few larger planes
 * (3-row passes, every filter-gradient tap group).
 */
function directCases(): ConvCase[] {
  const cases: ConvCase[] = [];
  const pads: PaddingSpec[] = ['valid', 'same', 1, 3, [[0, 4], [3, 0]], [[2, 1], [0, 1]]];
  const chans: [number, number | null][] = [[1, 1], [3, null], [2, 2], [1, null]];
  let k = 0;
  for (const [kh, kw] of [...KERNELS, [1, 3], [2, 5], [4, 4]] as [number, number][]) {
    for (const padding of pads) {
      const [C, N] = chans[k % chans.length]!;
      const H = [1, 2, 4, 5, 7, 9][k % 6]!, W = TAIL_SIZES[(k * 5) % TAIL_SIZES.length]!;
      cases.push(optionCase(N, 'NCHW', C, C, C, H, W, kh, kw, { padding, mode: MODES[k % 2] }, k % 4 === 0));
      k++;
    }
  }
  for (const [N, C, H, W, kh, kw, padding] of [[1, 1, 40, 37, 3, 3, 'same'], [2, 3, 19, 35, 5, 5, 2], [1, 2, 23, 70, 1, 2, 'valid'],
    [1, 1, 16, 33, 7, 7, [[3, 3], [0, 6]]]] as [number, number, number, number, number, number, PaddingSpec][]) {
    cases.push(optionCase(N, 'NCHW', C, C, C, H, W, kh, kw, { padding }, false));
  }
  return cases;
}

const TAIL_CASES = tailCases();
const OPTION_CASES = optionCases();
const DIRECT_CASES = directCases();

interface Corr2dCase {
  H: number;
  W: number;
  kh: number;
  kw: number;
}
function corr2dCases(): Corr2dCase[] {
  const cases: Corr2dCase[] = [];
  let k = 0;
  for (const [kh, kw] of [...KERNELS, [1, 3], [4, 4]] as [number, number][]) {
    for (const wo of TAIL_SIZES) {
      const ho = HEIGHTS[k++ % HEIGHTS.length]!;
      cases.push({ H: ho + kh - 1, W: wo + kw - 1, kh, kw });
    }
  }
  cases.push({ H: 5, W: 5, kh: 5, kw: 5 }); // kernel as large as the input: 1x1 output
  cases.push({ H: 40, W: 37, kh: 3, kw: 3 });
  return cases;
}
const CORR2D_CASES = corr2dCases();

// ---- running one case ---------------------------------------------------------------------
/** A seed from a case's name, so a case gets the same data whatever runs before it. */
function seedOf(name: string): number {
  let h = 2166136261;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 16777619);
  return h >>> 0;
}
/** Uniform [-1, 1] data for argument `arg` of the case named `name`. */
function data(n: number, name: string, arg: string): Float32Array {
  return uniform(n, seedOf(`${name}/${arg}`));
}
const prod = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

function outChannels(c: ConvCase): number {
  return c.wShape[0]!;
}

function runForward(c: ConvCase): void {
  const x = data(prod(c.xShape), c.name, 'x');
  const w = data(prod(c.wShape), c.name, 'w');
  const b = c.bias ? data(outChannels(c), c.name, 'bias') : undefined;
  const ref = conv2dRef(x, c.xShape, w, c.wShape, { ...c.opts, bias: b } as ConvRefOptions);
  tidyCase(() => {
    const opts = b ? { ...c.opts, bias: sc.tensor(b, [b.length]) } : c.opts;
    const y = sc.conv2d(sc.tensor(x, c.xShape), sc.tensor(w, c.wShape), opts as never);
    assertClose('conv2d', y.data(), y.shape, ref);
  });
}

function runGradInput(c: ConvCase): void {
  const w = data(prod(c.wShape), c.name, 'w');
  const yShape = conv2dOutputShapeRef(c.xShape, c.wShape, c.opts as ConvRefOptions);
  const dy = data(prod(yShape), c.name, 'dy');
  const ref = conv2dGradInputRef(dy, w, c.wShape, c.xShape, c.opts as ConvRefOptions);
  tidyCase(() => {
    const dx = sc.conv2dGradInput(sc.tensor(dy, yShape), sc.tensor(w, c.wShape), c.xShape, c.opts as never);
    assertClose('conv2dGradInput', dx.data(), dx.shape, ref);
  });
}

function runGradWeight(c: ConvCase): void {
  const x = data(prod(c.xShape), c.name, 'x');
  const yShape = conv2dOutputShapeRef(c.xShape, c.wShape, c.opts as ConvRefOptions);
  const dy = data(prod(yShape), c.name, 'dy');
  const ref = conv2dGradWeightRef(x, c.xShape, dy, c.wShape, c.opts as ConvRefOptions);
  tidyCase(() => {
    const dw = sc.conv2dGradWeight(sc.tensor(x, c.xShape), sc.tensor(dy, yShape), c.wShape, c.opts as never);
    assertClose('conv2dGradWeight', dw.data(), dw.shape, ref);
  });
}

// ---- tests --------------------------------------------------------------------------------
beforeAll(async () => {
  await sc.init();
});
afterAll(() => setKernelVariant('simd'));

describe('reference self-check', () => {
  it('has the expected table sizes', () => {
    expect(TAIL_CASES.length).toBeGreaterThan(150);
    expect(OPTION_CASES.length).toBeGreaterThan(150);
    expect(DIRECT_CASES.length).toBeGreaterThan(50);
  });
  it('corr2dRef gives the lesson values', () => {
    expect(Array.from(corr2dRef([0, 1, 2, 3, 4, 5, 6, 7, 8], [3, 3], [0, 1, 2, 3], [2, 2]).data)).toEqual([19, 25, 37, 43]);
  });
  it("conv2dRef 'same' keeps the size and pads TF-style (more after than before)", () => {
    // 1x1x1x4 input, kernel 1x2, stride 1: total pad 1 -> before 0, after 1
    const r = conv2dRef([1, 2, 3, 4], [1, 1, 1, 4], [1, 10], [1, 1, 1, 2], { padding: 'same' });
    expect(Array.from(r.data)).toEqual([21, 32, 43, 4]);
  });
});

for (const variant of ['simd', 'scalar'] as KernelVariant[]) {
  describe(`kernel variant ${variant}`, () => {
    beforeAll(() => setKernelVariant(variant));

    describe('lesson values (exact)', () => {
      it('corr2d(X, K) on 3x3 * 2x2 is [[19, 25], [37, 43]]', () => {
        tidyCase(() => {
          const X = sc.tensor([[0, 1, 2], [3, 4, 5], [6, 7, 8]]);
          const K = sc.tensor([[0, 1], [2, 3]]);
          const Y = sc.corr2d(X, K);
          expect(Y.shape).toEqual([2, 2]);
          expect(Y.toArray()).toEqual([[19, 25], [37, 43]]);
        });
      });

      const edgeX = [0, 1, 2, 3, 4, 5].map(() => [1, 1, 0, 0, 0, 0, 1, 1]);
      const edgeY = [0, 1, 2, 3, 4, 5].map(() => [0, 1, 0, 0, 0, -1, 0]);

      it('the 6x8 image built with slice assignment is the lesson image', () => {
        tidyCase(() => {
          const X = sc.ones([6, 8]);
          X.set([null, [2, 6]], 0);
          expect(X.toArray()).toEqual(edgeX);
        });
      });

      it('corr2d of the 6x8 image with [[1, -1]] is the edge map', () => {
        tidyCase(() => {
          const Y = sc.corr2d(sc.tensor(edgeX), sc.tensor([[1, -1]]));
          expect(Y.shape).toEqual([6, 7]);
          expect(Y.toArray()).toEqual(edgeY);
        });
      });

      it('corr2d(X.T, K) is 8x5 zeros', () => {
        tidyCase(() => {
          const Y = sc.corr2d(sc.tensor(edgeX).T, sc.tensor([[1, -1]]));
          expect(Y.shape).toEqual([8, 5]);
          expect(Array.from(Y.data()).every((v) => v === 0)).toBe(true);
        });
      });

      it('conv2d NCHW [1,1,6,8] and NHWC [1,6,8,1] with w [1,1,1,2] give the edge map', () => {
        tidyCase(() => {
          const w = sc.tensor([1, -1], [1, 1, 1, 2]);
          const flat = edgeX.flat();
          const yn = sc.conv2d(sc.tensor(flat, [1, 1, 6, 8]), w);
          expect(yn.shape).toEqual([1, 1, 6, 7]);
          expect(Array.from(yn.data())).toEqual(edgeY.flat());
          const yh = sc.conv2d(sc.tensor(flat, [1, 6, 8, 1]), w, { layout: 'NHWC' });
          expect(yh.shape).toEqual([1, 6, 7, 1]);
          expect(Array.from(yh.data())).toEqual(edgeY.flat());
        });
      });

      it('convolve2d flips the kernel: 3x3 * [[0,1],[2,3]] is [[5, 11], [23, 29]]', () => {
        tidyCase(() => {
          const Y = sc.convolve2d(sc.tensor([[0, 1, 2], [3, 4, 5], [6, 7, 8]]), sc.tensor([[0, 1], [2, 3]]));
          expect(Y.toArray()).toEqual([[5, 11], [23, 29]]);
        });
      });
    });

    describe('corr2d / convolve2d', () => {
      it.each(CORR2D_CASES)('corr2d X $H x $W, K $kh x $kw', ({ H, W, kh, kw }) => {
        const X = data(H * W, `corr2d ${H}x${W}`, 'X');
        const K = data(kh * kw, `corr2d ${kh}x${kw}`, 'K');
        const ref = corr2dRef(X, [H, W], K, [kh, kw]);
        tidyCase(() => {
          const Y = sc.corr2d(sc.tensor(X, [H, W]), sc.tensor(K, [kh, kw]));
          assertClose('corr2d', Y.data(), Y.shape, ref);
        });
      });
      it.each(CORR2D_CASES)('convolve2d X $H x $W, K $kh x $kw', ({ H, W, kh, kw }) => {
        const X = data(H * W, `convolve2d ${H}x${W}`, 'X');
        const K = data(kh * kw, `convolve2d ${kh}x${kw}`, 'K');
        const ref = convolve2dRef(X, [H, W], K, [kh, kw]);
        tidyCase(() => {
          const Y = sc.convolve2d(sc.tensor(X, [H, W]), sc.tensor(K, [kh, kw]));
          assertClose('convolve2d', Y.data(), Y.shape, ref);
        });
      });
    });

    describe('conv2d forward: tail sweep', () => {
      for (const c of TAIL_CASES) it(c.name, () => runForward(c));
    });
    describe('conv2d forward: options', () => {
      for (const c of OPTION_CASES) it(c.name, () => runForward(c));
    });
    describe('conv2dGradInput: tail sweep', () => {
      for (const c of TAIL_CASES) it(c.name, () => runGradInput(c));
    });
    describe('conv2dGradInput: options', () => {
      for (const c of OPTION_CASES) it(c.name, () => runGradInput(c));
    });
    describe('conv2dGradWeight: tail sweep', () => {
      for (const c of TAIL_CASES) it(c.name, () => runGradWeight(c));
    });
    describe('conv2dGradWeight: options', () => {
      for (const c of OPTION_CASES) it(c.name, () => runGradWeight(c));
    });
    describe('direct per-channel kernels: forward, input gradient, filter gradient', () => {
      for (const c of DIRECT_CASES) {
        it(`conv2d ${c.name}`, () => runForward(c));
        it(`conv2dGradInput ${c.name}`, () => runGradInput(c));
        it(`conv2dGradWeight ${c.name}`, () => runGradWeight(c));
      }
    });

    describe('corr2d / convolve2d backward (dX and dK through autograd)', () => {
      it.each(CORR2D_CASES)('X $H x $W, K $kh x $kw', ({ H, W, kh, kw }) => {
        const name = `corr2d backward ${H}x${W} ${kh}x${kw}`;
        const X = data(H * W, name, 'X'), K = data(kh * kw, name, 'K');
        const dY = data((H - kh + 1) * (W - kw + 1), name, 'dY');
        for (const mode of MODES) {
          const opts = { mode } as ConvRefOptions;
          const xs = [1, 1, H, W], ws = [1, 1, kh, kw];
          const refX = conv2dGradInputRef(dY, K, ws, xs, opts), refK = conv2dGradWeightRef(X, xs, dY, ws, opts);
          tidyCase(() => {
            const Xt = sc.variable(X, [H, W]), Kt = sc.variable(K, [kh, kw]);
            const Y = mode === 'correlation' ? sc.corr2d(Xt, Kt) : sc.convolve2d(Xt, Kt);
            Y.backward(sc.tensor(dY, Y.shape));
            assertClose(`${mode} dX`, Xt.grad!.data(), [1, 1, H, W], refX);
            assertClose(`${mode} dK`, Kt.grad!.data(), [1, 1, kh, kw], refK);
          });
        }
      });
    });

    describe('conv2d on views', () => {
      it('an NHWC view made by transposing an NCHW tensor gives the NHWC result', () => {
        const xShape = [2, 3, 7, 9];
        const x = data(prod(xShape), 'view', 'x');
        const w = data(4 * 3 * 3 * 3, 'view', 'w');
        const opts = { padding: 1, stride: [1, 2] as [number, number] };
        const ref = conv2dRef(x, xShape, w, [4, 3, 3, 3], opts);
        tidyCase(() => {
          const xt = sc.tensor(x, xShape).transpose([0, 2, 3, 1]); // [N, H, W, C] view
          const y = sc.conv2d(xt, sc.tensor(w, [4, 3, 3, 3]), { ...opts, layout: 'NHWC' });
          // back to NCHW for the comparison
          const yn = y.transpose([0, 3, 1, 2]);
          assertClose('conv2d(NHWC view)', yn.data(), yn.shape, ref);
        });
      });
    });
  });
}

describe('convOutputSize', () => {
  it('matches floor((n + padBefore + padAfter - dilation*(k-1) - 1) / stride) + 1', () => {
    let checked = 0;
    for (let n = 1; n <= 20; n++)
      for (let k = 1; k <= 5; k++)
        for (let stride = 1; stride <= 3; stride++)
          for (let dilation = 1; dilation <= 3; dilation++)
            for (let padBefore = 0; padBefore <= 2; padBefore++)
              for (let padAfter = 0; padAfter <= 2; padAfter++) {
                const expected = Math.floor((n + padBefore + padAfter - dilation * (k - 1) - 1) / stride) + 1;
                if (expected < 1) continue;
                const got = sc.convOutputSize(n, k, { stride, padBefore, padAfter, dilation });
                if (got !== expected) {
                  throw new Error(`convOutputSize(${n}, ${k}, ${fmt({ stride, padBefore, padAfter, dilation })}) = ${got}, expected ${expected}`);
                }
                checked++;
              }
    expect(checked).toBeGreaterThan(3000);
  });
  it('agrees with the shape conv2d returns', () => {
    tidyCase(() => {
      const x = sc.zeros([1, 1, 11, 10]);
      const w = sc.zeros([1, 1, 3, 2]);
      const y = sc.conv2d(x, w, { stride: [2, 3], padding: [[1, 0], [2, 1]], dilation: [2, 1] });
      expect(y.shape).toEqual([
        1, 1,
        sc.convOutputSize(11, 3, { stride: 2, padBefore: 1, padAfter: 0, dilation: 2 }),
        sc.convOutputSize(10, 2, { stride: 3, padBefore: 2, padAfter: 1, dilation: 1 }),
      ]);
    });
  });
});

describe('bad input', () => {
  it('rejects a kernel larger than the input, channel mismatches and bad groups', () => {
    tidyCase(() => {
      expect(() => sc.corr2d(sc.zeros([3, 3]), sc.zeros([5, 5]))).toThrow(sc.SimdconvError);
      expect(() => sc.conv2d(sc.zeros([1, 3, 5, 5]), sc.zeros([2, 2, 3, 3]))).toThrow(sc.SimdconvError);
      expect(() => sc.conv2d(sc.zeros([1, 4, 5, 5]), sc.zeros([3, 2, 3, 3]), { groups: 2 })).toThrow(sc.SimdconvError);
      expect(() => sc.conv2d(sc.zeros([1, 1, 2, 2]), sc.zeros([1, 1, 3, 3]))).toThrow(sc.SimdconvError);
      expect(() => sc.conv2d(sc.zeros([1, 1, 5, 5]), sc.zeros([1, 1, 3, 3]), { stride: 0 })).toThrow(sc.SimdconvError);
      expect(() => sc.conv2dGradInput(sc.zeros([1, 1, 2, 2]), sc.zeros([1, 1, 3, 3]), [1, 1, 5, 5])).toThrow(sc.SimdconvError);
    });
  });
});
