// Cross-correlation as matrix multiplication: toeplitz(K) @ vec(X) and W @ im2col(X) equal
// conv2d (float64 reference, random shapes / strides / paddings / dilations / modes, fast-check);
// im2col's layout is the documented formula; matmul equals a float64 reference over shapes that
// reach every SIMD tail, batched and broadcast, and with vectors; gradients of matmul, im2col and
// toeplitz pass the finite-difference gradcheck; bad input raises SimdconvError subclasses.
// Everything runs under both kernel variants.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as sc from '../src/index.js';
import { setKernelVariant, type KernelVariant } from '../src/wasm/kernels.js';
import { Gen, gradcheck, type Arr64, type CheckInput, type GradcheckOptions } from './helpers/gradcheck.js';
import { conv2dRef, conv2dOutputShapeRef, resolvePaddingRef, type PaddingSpec } from './reference/conv.js';
import { randArray } from './helpers/random.js';
import { expectNoLeakedTensors } from './helpers/leaks.js';

const RTOL = 1e-5;
const VARIANTS: KernelVariant[] = ['simd', 'scalar'];

beforeAll(async () => {
  await sc.init();
});

/** |got - want| <= RTOL·mag (+ a float32 ulp of the largest value) for every element. */
function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, mag: ArrayLike<number>, ctx: string): void {
  expect(got.length, `${ctx}: length`).toBe(want.length);
  let scale = 0;
  for (let i = 0; i < want.length; i++) scale = Math.max(scale, Math.abs(want[i]!));
  const bad: string[] = [];
  for (let i = 0; i < want.length && bad.length < 5; i++) {
    const tol = RTOL * mag[i]! + 1e-7 * scale + 1e-30;
    if (!(Math.abs(got[i]! - want[i]!) <= tol)) bad.push(`[${i}] got ${got[i]}, want ${want[i]} (tol ${tol})`);
  }
  expect(bad, ctx).toEqual([]);
}

const pairOf = (min: number, max: number) => fc.tuple(fc.integer({ min, max }), fc.integer({ min, max }));
const padding: fc.Arbitrary<PaddingSpec> = fc.oneof(
  fc.constant('valid' as const),
  fc.constant('same' as const),
  fc.integer({ min: 0, max: 3 }),
  pairOf(0, 3),
  fc.tuple(pairOf(0, 3), pairOf(0, 3)),
);
const geom = fc.record({
  stride: pairOf(1, 3),
  dilation: pairOf(1, 2),
  padding,
});

/** Whether conv2d accepts these shapes (the reference throws when the kernel does not fit). */
function fits(xShape: number[], wShape: number[], opts: object): boolean {
  try {
    conv2dOutputShapeRef(xShape, wShape, opts);
    return true;
  } catch {
    return false;
  }
}

// ---- float64 references -------------------------------------------------------------------------

/** Batched matmul with NumPy broadcasting and vectors, in float64; mag = Σ|a·b| per element. */
function matmulRef(a: ArrayLike<number>, aShape: number[], b: ArrayLike<number>, bShape: number[]): { data: Float64Array; mag: Float64Array; shape: number[] } {
  const as = aShape.length === 1 ? [1, aShape[0]!] : aShape;
  const bs = bShape.length === 1 ? [bShape[0]!, 1] : bShape;
  const M = as[as.length - 2]!, K = as[as.length - 1]!, N = bs[bs.length - 1]!;
  const aB = as.slice(0, -2), bB = bs.slice(0, -2);
  const nb = Math.max(aB.length, bB.length);
  const batch = Array.from({ length: nb }, (_, i) => {
    const da = aB[aB.length - nb + i] ?? 1, db = bB[bB.length - nb + i] ?? 1;
    return da === 1 ? db : da;
  });
  const count = batch.reduce((p, q) => p * q, 1);
  const data = new Float64Array(count * M * N), mag = new Float64Array(data.length);
  const index = (src: number[], t: number): number => {
    // Batch entry t of `batch`, as an entry of the broadcast `src` batch shape.
    let rest = t, off = 0, stride = 1;
    for (let i = nb - 1; i >= 0; i--) {
      const d = batch[i]!, k = rest % d;
      rest = Math.floor(rest / d);
      const sd = src[src.length - nb + i];
      if (sd !== undefined) {
        off += (sd === 1 ? 0 : k) * stride;
        stride *= sd;
      }
    }
    return off;
  };
  for (let t = 0; t < count; t++) {
    const ao = index(aB, t) * M * K, bo = index(bB, t) * K * N;
    for (let i = 0; i < M; i++) {
      for (let j = 0; j < N; j++) {
        let s = 0, m = 0;
        for (let k = 0; k < K; k++) {
          const v = a[ao + i * K + k]! * b[bo + k * N + j]!;
          s += v;
          m += Math.abs(v);
        }
        data[(t * M + i) * N + j] = s;
        mag[(t * M + i) * N + j] = m;
      }
    }
  }
  const shape = [...batch, M, N];
  if (bShape.length === 1) shape.splice(-1, 1);
  if (aShape.length === 1) shape.splice(-2, 1);
  return { data, mag, shape };
}

interface GeomOpts {
  stride?: number | readonly [number, number];
  padding?: PaddingSpec;
  dilation?: number | readonly [number, number];
}
const pairV = (v: number | readonly [number, number] | undefined): [number, number] => (v === undefined ? [1, 1] : typeof v === 'number' ? [v, v] : [v[0], v[1]]);

/** The geometry of one [H, W] plane: padding before, output size, per axis. */
function planeGeom(H: number, W: number, kh: number, kw: number, o: GeomOpts) {
  const [sh, sw] = pairV(o.stride), [dh, dw] = pairV(o.dilation);
  const [ph, pw] = resolvePaddingRef(o.padding, [H, W], [kh, kw], [sh, sw], [dh, dw]);
  const HO = Math.floor((H + ph.before + ph.after - dh * (kh - 1) - 1) / sh) + 1;
  const WO = Math.floor((W + pw.before + pw.after - dw * (kw - 1) - 1) / sw) + 1;
  return { sh, sw, dh, dw, pt: ph.before, pl: pw.before, HO, WO };
}

/** im2col by its documented formula (one image, NCHW or NHWC). */
function im2colRef(x: ArrayLike<number>, C: number, H: number, W: number, kh: number, kw: number, o: GeomOpts, nhwc: boolean): { data: Float64Array; HO: number; WO: number } {
  const g = planeGeom(H, W, kh, kw, o);
  const L = g.HO * g.WO, R = C * kh * kw;
  const data = new Float64Array(L * R);
  for (let c = 0; c < C; c++) for (let a = 0; a < kh; a++) for (let b = 0; b < kw; b++) {
    for (let oh = 0; oh < g.HO; oh++) for (let ow = 0; ow < g.WO; ow++) {
      const ih = oh * g.sh - g.pt + a * g.dh, iw = ow * g.sw - g.pl + b * g.dw;
      const inside = ih >= 0 && ih < H && iw >= 0 && iw < W;
      const v = inside ? x[nhwc ? (ih * W + iw) * C + c : (c * H + ih) * W + iw]! : 0;
      if (nhwc) data[(oh * g.WO + ow) * R + (a * kw + b) * C + c] = v;
      else data[((c * kh + a) * kw + b) * L + oh * g.WO + ow] = v;
    }
  }
  return { data, HO: g.HO, WO: g.WO };
}

/** The Toeplitz matrix by its definition: T[oh*WO + ow][ih*W + iw] = K[a][b] (flipped for 'convolution'). */
function toeplitzRef(k: ArrayLike<number>, kh: number, kw: number, H: number, W: number, o: GeomOpts & { mode?: string }): Arr64 {
  const g = planeGeom(H, W, kh, kw, o);
  const data = new Float64Array(g.HO * g.WO * H * W);
  for (let oh = 0; oh < g.HO; oh++) for (let ow = 0; ow < g.WO; ow++) for (let a = 0; a < kh; a++) for (let b = 0; b < kw; b++) {
    const ih = oh * g.sh - g.pt + a * g.dh, iw = ow * g.sw - g.pl + b * g.dw;
    if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
    const tap = o.mode === 'convolution' ? (kh - 1 - a) * kw + (kw - 1 - b) : a * kw + b;
    data[(oh * g.WO + ow) * H * W + ih * W + iw] += k[tap]!;
  }
  return { data, shape: [g.HO * g.WO, H * W] };
}

// ---- forward ------------------------------------------------------------------------------------

describe.each(VARIANTS)('convolution as a matrix product (%s kernels)', (variant) => {
  beforeAll(() => setKernelVariant(variant));
  afterAll(() => setKernelVariant('simd'));
  expectNoLeakedTensors();

  it("the lesson's example: toeplitz and im2col give [[19, 25], [37, 43]]", () => {
    sc.tidy(() => {
      const X = sc.tensor([[0, 1, 2], [3, 4, 5], [6, 7, 8]]);
      const K = sc.tensor([[0, 1], [2, 3]]);
      const T = sc.toeplitz(K, [3, 3]);
      expect(T.toArray()).toEqual([
        [0, 1, 0, 2, 3, 0, 0, 0, 0],
        [0, 0, 1, 0, 2, 3, 0, 0, 0],
        [0, 0, 0, 0, 1, 0, 2, 3, 0],
        [0, 0, 0, 0, 0, 1, 0, 2, 3],
      ]);
      expect(sc.matmul(T, X.flatten()).reshape([2, 2]).toArray()).toEqual([[19, 25], [37, 43]]);
      expect(sc.matmul(K.flatten(), sc.im2col(X, [2, 2])).reshape([2, 2]).toArray()).toEqual([[19, 25], [37, 43]]);
    });
  });

  it('toeplitz(K, [H, W], opts) @ vec(X) equals conv2d(X, K, opts)', () => {
    const problem = fc
      .record({ H: fc.integer({ min: 1, max: 14 }), W: fc.integer({ min: 1, max: 14 }), k: pairOf(1, 4), g: geom,
        mode: fc.constantFrom('correlation' as const, 'convolution' as const), seed: fc.nat(1000) })
      .filter(({ H, W, k, g }) => fits([1, H, W], [1, 1, ...k], g));
    fc.assert(fc.property(problem, ({ H, W, k, g, mode, seed }) => {
      const x = randArray(H * W, seed), w = randArray(k[0] * k[1], seed + 1);
      const opts = { ...g, mode };
      const want = conv2dRef(x, [1, H, W], w, [1, 1, ...k], opts);
      const [, HO, WO] = want.shape as [number, number, number];
      sc.tidy(() => {
        const T = sc.toeplitz(sc.tensor(w, k), [H, W], opts);
        expect(T.shape).toEqual([HO * WO, H * W]);
        expectClose(T.data(), toeplitzRef(w, k[0], k[1], H, W, opts).data, new Float64Array(T.size), 'T');
        const y = sc.matmul(T, sc.tensor(x, [H * W]));
        expectClose(y.data(), want.data, want.mag, `toeplitz @ vec(X) ${JSON.stringify({ H, W, k, opts })}`);
        // And the library's own conv2d.
        const direct = sc.conv2d(sc.tensor(x, [1, H, W]), sc.tensor(w, [1, 1, ...k]), opts);
        expectClose(y.data(), direct.data(), want.mag, 'toeplitz @ vec(X) vs conv2d');
      });
    }), { numRuns: 150, seed: 31 });
  });

  it('toeplitz of corr2d (no options) equals corr2d', () => {
    sc.tidy(() => {
      for (const [H, W, kh, kw] of [[6, 8, 1, 2], [5, 5, 3, 3], [9, 4, 2, 4], [1, 7, 1, 7], [16, 17, 5, 1]] as const) {
        const X = sc.rand([H, W], { seed: H * W }), K = sc.randn([kh, kw], { seed: kh + 10 * kw });
        const y = sc.matmul(sc.toeplitz(K, [H, W]), X.flatten()).reshape([H - kh + 1, W - kw + 1]);
        const want = sc.corr2d(X, K).data();
        const got = y.data();
        for (let i = 0; i < got.length; i++) expect(Math.abs(got[i]! - want[i]!)).toBeLessThan(1e-5 * (1 + Math.abs(want[i]!)));
        const yc = sc.matmul(sc.toeplitz(K, [H, W], { mode: 'convolution' }), X.flatten());
        const wc = sc.convolve2d(X, K).data();
        yc.data().forEach((v, i) => expect(Math.abs(v - wc[i]!)).toBeLessThan(1e-5 * (1 + Math.abs(wc[i]!))));
      }
    });
  });

  it('im2col is the documented layout (NCHW and NHWC, 2-D, 3-D and 4-D inputs)', () => {
    const problem = fc
      .record({ N: fc.integer({ min: 0, max: 2 }), C: fc.integer({ min: 1, max: 3 }), H: fc.integer({ min: 1, max: 10 }), W: fc.integer({ min: 1, max: 10 }),
        k: pairOf(1, 4), g: geom, nhwc: fc.boolean(), seed: fc.nat(1000) })
      .map((p) => (p.N === 0 ? { ...p, C: 1 } : p)) // N = 0 stands for a 2-D [H, W] image
      .filter(({ C, H, W, k, g }) => fits([C, H, W], [1, C, ...k], g));
    fc.assert(fc.property(problem, ({ N, C, H, W, k, g, nhwc, seed }) => {
      const images = Math.max(N, 1);
      const x = randArray(images * C * H * W, seed);
      const xShape = N === 0 ? [H, W] : N === 1 ? (nhwc ? [H, W, C] : [C, H, W]) : (nhwc ? [N, H, W, C] : [N, C, H, W]);
      sc.tidy(() => {
        const col = sc.im2col(sc.tensor(x, xShape), k, { ...g, layout: nhwc ? 'NHWC' : 'NCHW' });
        const parts: number[] = [];
        let HO = 0, WO = 0;
        for (let n = 0; n < images; n++) {
          const r = im2colRef(x.subarray(n * C * H * W, (n + 1) * C * H * W), C, H, W, k[0], k[1], g, nhwc);
          parts.push(...r.data);
          ({ HO, WO } = r);
        }
        const per = nhwc ? [HO * WO, C * k[0] * k[1]] : [C * k[0] * k[1], HO * WO];
        expect(col.shape).toEqual(N === 2 ? [N, ...per] : per);
        expect(Array.from(col.data())).toEqual(parts.map((v) => Math.fround(v)));
      });
    }), { numRuns: 150, seed: 5 });
  });

  it('W @ im2col(x) equals conv2d(x, W) (NCHW: [Cout, C·kh·kw] @ [N, C·kh·kw, L]; NHWC: [N, L, kh·kw·C] @ [kh·kw·C, Cout])', () => {
    const problem = fc
      .record({ N: fc.integer({ min: 1, max: 3 }), C: fc.integer({ min: 1, max: 4 }), CO: fc.integer({ min: 1, max: 5 }),
        H: fc.integer({ min: 1, max: 12 }), W: fc.integer({ min: 1, max: 12 }), k: pairOf(1, 4), g: geom, nhwc: fc.boolean(), seed: fc.nat(1000) })
      .filter(({ C, H, W, k, g }) => fits([C, H, W], [1, C, ...k], g));
    fc.assert(fc.property(problem, ({ N, C, CO, H, W, k, g, nhwc, seed }) => {
      const layout = nhwc ? 'NHWC' as const : 'NCHW' as const;
      const xShape = nhwc ? [N, H, W, C] : [N, C, H, W];
      const wShape = [CO, C, ...k];
      const x = randArray(N * C * H * W, seed), w = randArray(CO * C * k[0] * k[1], seed + 1);
      const want = conv2dRef(x, xShape, w, wShape, { ...g, layout });
      sc.tidy(() => {
        const wt = sc.tensor(w, wShape);
        const cols = sc.im2col(sc.tensor(x, xShape), k, { ...g, layout });
        const y = nhwc
          ? sc.matmul(cols, wt.transpose([2, 3, 1, 0]).reshape([k[0] * k[1] * C, CO])) // [N, L, Cout]
          : sc.matmul(wt.reshape([CO, C * k[0] * k[1]]), cols); // [N, Cout, L]
        expect(y.reshape(want.shape).shape).toEqual(want.shape);
        expectClose(y.data(), want.data, want.mag, `W @ im2col ${JSON.stringify({ N, C, CO, H, W, k, g, layout })}`);
      });
    }), { numRuns: 150, seed: 11 });
  });
});

describe.each(VARIANTS)('matmul (%s kernels)', (variant) => {
  beforeAll(() => setKernelVariant(variant));
  afterAll(() => setKernelVariant('simd'));
  expectNoLeakedTensors();

  // Sizes that reach every tail of the 4x8 register tiles and of the 4-wide vectors.
  const MS = [1, 2, 3, 4, 5, 7, 8, 9, 13, 17];
  const NS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 15, 16, 17, 31, 33];
  const KS = [1, 2, 3, 4, 5, 8, 9, 17, 33];

  it(`equals a float64 reference for every M x K x N in ${MS.length * NS.length * KS.length} shapes`, () => {
    let seed = 1;
    for (const M of MS) for (const N of NS) for (const K of KS) {
      const a = randArray(M * K, seed++), b = randArray(K * N, seed++);
      const want = matmulRef(a, [M, K], b, [K, N]);
      sc.tidy(() => {
        const y = sc.matmul(sc.tensor(a, [M, K]), sc.tensor(b, [K, N]));
        expect(y.shape).toEqual([M, N]);
        expectClose(y.data(), want.data, want.mag, `${M}x${K} @ ${K}x${N}`);
      });
    }
  });

  it.each([
    [[2, 3, 4], [2, 4, 5]],
    [[2, 3, 4], [4, 5]],
    [[3, 4], [2, 4, 5]],
    [[2, 1, 3, 4], [5, 4, 2]],
    [[1, 3, 4], [2, 4, 5]],
    [[3, 1, 9, 17], [1, 2, 17, 9]],
    [[4], [4]],
    [[4], [4, 6]],
    [[4], [2, 4, 6]],
    [[5, 4], [4]],
    [[2, 5, 4], [4]],
    [[0, 3], [3, 2]],
    [[2, 0], [0, 3]],
    [[2, 3], [3, 0]],
    [[0, 2, 3], [3, 4]],
  ])('%j @ %j (batched, broadcast, vectors, empty)', (aShape, bShape) => {
    const size = (s: number[]) => s.reduce((p, q) => p * q, 1);
    const a = randArray(size(aShape), 3), b = randArray(size(bShape), 4);
    const want = matmulRef(a, aShape, b, bShape);
    sc.tidy(() => {
      const y = sc.matmul(sc.tensor(a, aShape), sc.tensor(b, bShape));
      expect(y.shape).toEqual(want.shape);
      expectClose(y.data(), want.data, want.mag, `${JSON.stringify(aShape)} @ ${JSON.stringify(bShape)}`);
    });
  });

  it('Tensor#matmul is matmul', () => {
    sc.tidy(() => {
      const a = sc.randn([5, 7], { seed: 11 }), b = sc.randn([7, 3], { seed: 12 });
      expect(Array.from(a.matmul(b).data())).toEqual(Array.from(sc.matmul(a, b).data()));
    });
  });

  it('is deterministic: the same inputs give bitwise the same output in both variants', () => {
    const a = randArray(17 * 33, 9), b = randArray(33 * 31, 10);
    const run = (v: KernelVariant) => {
      setKernelVariant(v);
      return sc.tidy(() => sc.matmul(sc.tensor(a, [17, 33]), sc.tensor(b, [33, 31])).data());
    };
    const s = run('simd'), c = run('scalar');
    setKernelVariant(variant);
    expect(Array.from(s)).toEqual(Array.from(c));
  });
});

// ---- gradients ----------------------------------------------------------------------------------

const refArr = (r: { data: Float64Array; shape: number[] }): Arr64 => ({ data: r.data, shape: r.shape });

interface GradCase {
  name: string;
  inputs: (g: Gen) => CheckInput[];
  f: GradcheckOptions['f'];
  ref: GradcheckOptions['ref'];
}

function matmulCase(aShape: number[], bShape: number[]): GradCase {
  return {
    name: `matmul ${JSON.stringify(aShape)} @ ${JSON.stringify(bShape)}`,
    inputs: (g) => [g.uniform(aShape), g.uniform(bShape)],
    f: ([a, b]) => sc.matmul(a!, b!),
    ref: ([a, b]) => refArr(matmulRef(a!.data, a!.shape, b!.data, b!.shape)),
  };
}

function im2colCase(xShape: number[], k: [number, number], o: GeomOpts & { layout?: 'NCHW' | 'NHWC' }): GradCase {
  const nhwc = o.layout === 'NHWC';
  return {
    name: `im2col ${JSON.stringify(xShape)} ${JSON.stringify(k)} ${JSON.stringify(o)}`,
    inputs: (g) => [g.uniform(xShape)],
    f: ([x]) => sc.im2col(x!, k, o),
    ref: ([x]) => {
      const s = x!.shape;
      const [N, C, H, W] = s.length === 2 ? [1, 1, s[0]!, s[1]!] : s.length === 3 ? (nhwc ? [1, s[2]!, s[0]!, s[1]!] : [1, ...s]) : nhwc ? [s[0]!, s[3]!, s[1]!, s[2]!] : s;
      const parts: number[] = [];
      let shape: number[] = [];
      for (let n = 0; n < N!; n++) {
        const r = im2colRef(x!.data.subarray(n * C! * H! * W!, (n + 1) * C! * H! * W!), C!, H!, W!, k[0], k[1], o, nhwc);
        parts.push(...r.data);
        const per = nhwc ? [r.HO * r.WO, C! * k[0] * k[1]] : [C! * k[0] * k[1], r.HO * r.WO];
        shape = s.length === 4 ? [N!, ...per] : per;
      }
      return { data: Float64Array.from(parts), shape };
    },
  };
}

function toeplitzCase(kShape: [number, number], inputShape: [number, number], o: GeomOpts & { mode?: 'correlation' | 'convolution' }): GradCase {
  return {
    name: `toeplitz ${JSON.stringify(kShape)} on ${JSON.stringify(inputShape)} ${JSON.stringify(o)}`,
    inputs: (g) => [g.uniform(kShape)],
    f: ([k]) => sc.toeplitz(k!, inputShape, o),
    ref: ([k]) => toeplitzRef(k!.data, kShape[0], kShape[1], inputShape[0], inputShape[1], o),
  };
}

const GRAD_CASES: GradCase[] = [
  matmulCase([3, 5], [5, 4]),
  matmulCase([1, 9], [9, 17]),
  matmulCase([2, 3, 4], [2, 4, 5]),
  matmulCase([2, 3, 4], [4, 5]), // b broadcast over the batch
  matmulCase([3, 4], [2, 4, 5]), // a broadcast
  matmulCase([2, 1, 3, 4], [3, 4, 2]), // both broadcast
  matmulCase([6], [6]),
  matmulCase([5], [5, 3]),
  matmulCase([4, 5], [5]),
  im2colCase([5, 6], [2, 3], {}),
  im2colCase([2, 6, 5], [3, 3], { padding: 1, stride: 2 }),
  im2colCase([2, 2, 7, 6], [2, 2], { padding: [[1, 0], [2, 1]], dilation: [2, 1], stride: [1, 2] }),
  im2colCase([2, 6, 5, 3], [3, 2], { layout: 'NHWC', padding: 'same', stride: 2 }),
  toeplitzCase([2, 2], [3, 3], {}),
  toeplitzCase([3, 2], [5, 6], { padding: 1, stride: [2, 1] }),
  toeplitzCase([2, 3], [6, 7], { padding: [[2, 0], [0, 3]], dilation: [2, 1], mode: 'convolution' }),
  toeplitzCase([1, 1], [2, 2], { padding: 2 }), // taps that only ever meet padding on some rows
];

describe.each(VARIANTS)('gradients (%s kernels)', (variant) => {
  beforeAll(() => setKernelVariant(variant));
  afterAll(() => setKernelVariant('simd'));

  it.each(GRAD_CASES.map((c, i) => [c.name, c, i] as const))('%s', (_, c, i) => {
    const before = sc.memory().tensors;
    const report = gradcheck({ f: c.f, ref: c.ref, inputs: c.inputs(new Gen(500 + i)), seed: 3 + i, libStep: 0.5 });
    expect(report.failures).toEqual([]);
    expect(report.checked).toBeGreaterThan(0);
    expect(sc.memory().tensors).toBe(before);
  });

  it('conv2d as W @ im2col(x): the same gradients as conv2d', () => {
    sc.tidy(() => {
      const x = sc.randn([2, 3, 7, 6], { seed: 1 }), w = sc.randn([4, 3, 3, 2], { seed: 2 });
      x.requiresGrad = true;
      w.requiresGrad = true;
      const opts = { padding: 1, stride: [2, 1] as [number, number] };
      const R = sc.randn([2, 4, 4, 7], { seed: 3 });
      sc.conv2d(x, w, opts).mul(R).sum().backward();
      const [dx, dw] = [x.grad!.data(), w.grad!.data()];
      x.zeroGrad();
      w.zeroGrad();
      sc.matmul(w.reshape([4, 18]), sc.im2col(x, [3, 2], opts)).reshape([2, 4, 4, 7]).mul(R).sum().backward();
      x.grad!.data().forEach((v, i) => expect(Math.abs(v - dx[i]!)).toBeLessThan(1e-5 * (1 + Math.abs(dx[i]!))));
      w.grad!.data().forEach((v, i) => expect(Math.abs(v - dw[i]!)).toBeLessThan(1e-5 * (1 + Math.abs(dw[i]!))));
    });
  });
});

// ---- bad input ----------------------------------------------------------------------------------

describe('bad input', () => {
  expectNoLeakedTensors();

  type Case = [string, (t: { m: sc.Tensor; v: sc.Tensor; s: sc.Tensor; x: sc.Tensor }) => unknown, typeof sc.SimdconvError, string, string];
  const cases: Case[] = [
    ['matmul: a not a tensor', ({ m }) => sc.matmul([[1]] as never, m), sc.ArgumentError, 'matmul', 'a'],
    ['matmul: b not a tensor', ({ m }) => sc.matmul(m, 2 as never), sc.ArgumentError, 'matmul', 'b'],
    ['matmul: 0-d a', ({ s, m }) => sc.matmul(s, m), sc.ShapeError, 'matmul', 'a'],
    ['matmul: 0-d b', ({ s, m }) => sc.matmul(m, s), sc.ShapeError, 'matmul', 'b'],
    ['matmul: inner sizes differ', ({ m }) => sc.matmul(m, m), sc.ShapeError, 'matmul', 'b'],
    ['matmul: vector length differs', ({ m, v }) => sc.matmul(v, m), sc.ShapeError, 'matmul', 'b'],
    ['matmul: batches do not broadcast', () => sc.matmul(sc.zeros([2, 3, 4]), sc.zeros([3, 4, 5])), sc.ShapeError, 'matmul', 'b'],
    ['matmul: a disposed tensor', ({ m }) => { const d = sc.zeros([3, 2]); d.dispose(); return sc.matmul(m, d); }, sc.DisposedTensorError, 'matmul', 'b'],
    ['im2col: x not a tensor', () => sc.im2col(null as never, 2), sc.ArgumentError, 'im2col', 'x'],
    ['im2col: 1-D x', ({ v }) => sc.im2col(v, 1), sc.ShapeError, 'im2col', 'x'],
    ['im2col: 5-D x', () => sc.im2col(sc.zeros([1, 1, 1, 2, 2]), 1), sc.ShapeError, 'im2col', 'x'],
    ['im2col: missing kernelSize', ({ x }) => sc.im2col(x, undefined as never), sc.ArgumentError, 'im2col', 'kernelSize'],
    ['im2col: kernelSize 0', ({ x }) => sc.im2col(x, 0), sc.ArgumentError, 'im2col', 'kernelSize'],
    ['im2col: kernel larger than the input', ({ x }) => sc.im2col(x, [5, 1]), sc.ShapeError, 'im2col', 'kernelSize'],
    ['im2col: a bias option', ({ x }) => sc.im2col(x, 2, { bias: x } as never), sc.ArgumentError, 'im2col', 'options'],
    ['im2col: a bad stride', ({ x }) => sc.im2col(x, 2, { stride: 0 }), sc.ArgumentError, 'im2col', 'stride'],
    ['im2col: a bad layout', ({ x }) => sc.im2col(x, 2, { layout: 'CHW' as never }), sc.ArgumentError, 'im2col', 'layout'],
    ['toeplitz: K not a tensor', () => sc.toeplitz('K' as never, [3, 3]), sc.ArgumentError, 'toeplitz', 'K'],
    ['toeplitz: 1-D K', ({ v }) => sc.toeplitz(v, [3, 3]), sc.ShapeError, 'toeplitz', 'K'],
    ['toeplitz: missing inputShape', ({ m }) => sc.toeplitz(m, undefined as never), sc.ShapeError, 'toeplitz', 'inputShape'],
    ['toeplitz: 3-D inputShape', ({ m }) => sc.toeplitz(m, [1, 3, 3] as never), sc.ShapeError, 'toeplitz', 'inputShape'],
    ['toeplitz: kernel larger than the input', ({ m }) => sc.toeplitz(m, [3, 1]), sc.ShapeError, 'toeplitz', 'K'],
    ['toeplitz: a layout option', ({ m }) => sc.toeplitz(m, [3, 3], { layout: 'NHWC' } as never), sc.ArgumentError, 'toeplitz', 'options'],
    ['toeplitz: a bad mode', ({ m }) => sc.toeplitz(m, [3, 3], { mode: 'flip' as never }), sc.ArgumentError, 'toeplitz', 'mode'],
    ['toeplitz: a matrix too large for memory', ({ m }) => sc.toeplitz(m, [40000, 40000]), sc.SimdconvOutOfMemoryError, 'toeplitz', 'inputShape'],
  ];

  it.each(cases)('%s', (_, fn, Err, op, argument) => {
    sc.tidy(() => {
      const t = { m: sc.ones([2, 3]), v: sc.ones([4]), s: sc.tensor(1), x: sc.ones([4, 4]) };
      let err: unknown;
      try {
        fn(t);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(Err);
      const e = err as sc.SimdconvError;
      expect(e.op).toBe(op);
      expect(e.argument).toBe(argument);
      expect(e.expected.length).toBeGreaterThan(0);
      expect(e.got.length).toBeGreaterThan(0);
      expect(e.message.startsWith(`${op}:`)).toBe(true);
    });
  });

  it('messages say what was expected and what was given', () => {
    sc.tidy(() => {
      expect(() => sc.matmul(sc.zeros([2, 3]), sc.zeros([4, 5]))).toThrow('matmul: shapes [2, 3] and [4, 5] do not match: a has 3 columns, b has 4 rows');
      expect(() => sc.toeplitz(sc.zeros([3, 3]), [2, 2])).toThrow(/toeplitz: kernel 3x3 is larger than the input 2x2/);
    });
  });
});
