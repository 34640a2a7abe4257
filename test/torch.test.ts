// PyTorch oracle: compares conv2d, its input/weight gradients, corr2d, convolve2d and toString with
// values PyTorch computed (test/fixtures/*.json, written by test/fixtures/make_fixtures.py; run
// `npm run fixtures` to regenerate). Every numeric case runs under both kernel variants.
// Fixture arrays are flat, row-major; x/y/dy/dx are in the case's layout, w/dw are OIHW.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as sc from '../src/index.js';
import { setKernelVariant, type KernelVariant } from '../src/wasm/kernels.js';

/** A case's convolution options: the library's own (everything but bias). */
type ConvOpts = sc.ConvGeometryOptions;
interface ConvCase {
  name: string;
  opts: ConvOpts;
  xShape: number[];
  wShape: number[];
  yShape: number[];
  x: number[];
  w: number[];
  b: number[] | null;
  y: number[];
  dy: number[];
  dx: number[];
  dw: number[];
  /** Bias gradient (sum of dy over all but the channel axis). */
  db: number[] | null;
}
interface Corr2dCase {
  op: 'corr2d' | 'convolve2d';
  XShape: [number, number];
  KShape: [number, number];
  YShape: [number, number];
  X: number[];
  K: number[];
  Y: number[];
  dY: number[];
  /** Gradients w.r.t. X and K for upstream dY. */
  dX: number[];
  dK: number[];
}
interface ConvFixtures {
  generated_by: string;
  conv2d: ConvCase[];
  corr2d: Corr2dCase[];
  lesson: {
    corr2d: { X: number[][]; K: number[][]; Y: number[][] };
    edge: { X: number[][]; K: number[][]; Y: number[][]; YofXT: number[][] };
  };
}
interface PrintCase {
  name: string;
  shape: number[];
  data: number[];
  str: string;
}

const load = <T>(file: string): T =>
  JSON.parse(readFileSync(new URL(`./fixtures/${file}`, import.meta.url), 'utf8')) as T;
const fx = load<ConvFixtures>('conv2d.json');
const printFx = load<{ print: PrintCase[] }>('print.json');

const RTOL = 1e-4;
const ATOL = 1e-5;

/**
 * Asserts `got` has shape `shape` and matches `want` elementwise within
 * |got - want| <= RTOL * |want| + ATOL * max(1, max|want|); reports the worst mismatches.
 */
function expectClose(got: sc.Tensor, want: number[], shape: number[], what: string): void {
  expect(got.shape, `${what} shape`).toEqual(shape);
  const data = got.data();
  expect(data.length, `${what} length`).toBe(want.length);
  let scale = 1;
  for (const v of want) scale = Math.max(scale, Math.abs(v));
  const bad: string[] = [];
  let nBad = 0;
  let maxErr = 0;
  for (let i = 0; i < want.length; i++) {
    const err = Math.abs(data[i]! - want[i]!);
    if (!(err <= RTOL * Math.abs(want[i]!) + ATOL * scale)) {
      nBad++;
      maxErr = Number.isNaN(err) ? NaN : Math.max(maxErr, err);
      if (bad.length < 6) bad.push(`[${i}] got ${data[i]} want ${want[i]}`);
    }
  }
  expect(nBad === 0 ? '' : `${what}: ${nBad}/${want.length} elements off (max err ${maxErr}): ${bad.join(', ')}`)
    .toBe('');
}

/** Runs `fn` inside sc.tidy and checks that it left no live tensor behind. */
function scoped(fn: () => void): void {
  const before = sc.memory().tensors;
  sc.tidy(fn);
  expect(sc.memory().tensors, 'live tensors after tidy').toBe(before);
}

const t = (data: number[], shape: number[]): sc.Tensor => sc.tensor(Float32Array.from(data), shape);

beforeAll(async () => {
  await sc.init();
});
afterAll(() => setKernelVariant('simd'));

describe.each<KernelVariant>(['simd', 'scalar'])('PyTorch oracle, %s kernels', (variant) => {
  beforeAll(() => setKernelVariant(variant));

  describe('conv2d forward', () => {
    it.each(fx.conv2d)('$name', (c) => {
      scoped(() => {
        const opts = c.b ? { ...c.opts, bias: t(c.b, [c.b.length]) } : c.opts;
        expectClose(sc.conv2d(t(c.x, c.xShape), t(c.w, c.wShape), opts), c.y, c.yShape, 'y');
      });
    });
  });

  describe('conv2dGradInput', () => {
    it.each(fx.conv2d)('$name', (c) => {
      scoped(() => {
        const dx = sc.conv2dGradInput(t(c.dy, c.yShape), t(c.w, c.wShape), c.xShape, c.opts);
        expectClose(dx, c.dx, c.xShape, 'dx');
      });
    });
  });

  describe('conv2dGradWeight', () => {
    it.each(fx.conv2d)('$name', (c) => {
      scoped(() => {
        const dw = sc.conv2dGradWeight(t(c.x, c.xShape), t(c.dy, c.yShape), c.wShape, c.opts);
        expectClose(dw, c.dw, c.wShape, 'dw');
      });
    });
  });

  describe('corr2d / convolve2d forward', () => {
    it.each(fx.corr2d.map((c) => ({ ...c, label: `${c.op} ${c.XShape.join('x')} * ${c.KShape.join('x')}` })))(
      '$label',
      (c) => {
        scoped(() => {
          const X = t(c.X, c.XShape);
          const K = t(c.K, c.KShape);
          const Y = c.op === 'corr2d' ? sc.corr2d(X, K) : sc.convolve2d(X, K);
          expectClose(Y, c.Y, c.YShape, c.op);
        });
      },
    );
  });

  describe('autograd through conv2d: dx, dw and db', () => {
    it.each(fx.conv2d)('$name', (c) => {
      scoped(() => {
        const x = sc.variable(t(c.x, c.xShape));
        const w = sc.variable(t(c.w, c.wShape));
        const b = c.b ? sc.variable(t(c.b, [c.b.length])) : null;
        sc.conv2d(x, w, { ...c.opts, bias: b }).backward(t(c.dy, c.yShape));
        expectClose(x.grad!, c.dx, c.xShape, 'x.grad');
        expectClose(w.grad!, c.dw, c.wShape, 'w.grad');
        if (b) expectClose(b.grad!, c.db!, [c.db!.length], 'b.grad');
        for (const v of [x, w, b]) v?.zeroGrad();
      });
    });
  });

  describe('autograd through corr2d / convolve2d: dX and dK', () => {
    it.each(fx.corr2d.map((c) => ({ ...c, label: `${c.op} ${c.XShape.join('x')} * ${c.KShape.join('x')}` })))(
      '$label',
      (c) => {
        scoped(() => {
          const X = sc.variable(t(c.X, c.XShape));
          const K = sc.variable(t(c.K, c.KShape));
          (c.op === 'corr2d' ? sc.corr2d(X, K) : sc.convolve2d(X, K)).backward(t(c.dY, c.YShape));
          expectClose(X.grad!, c.dX, c.XShape, 'X.grad');
          expectClose(K.grad!, c.dK, c.KShape, 'K.grad');
          X.zeroGrad();
          K.zeroGrad();
        });
      },
    );
  });

  describe('lesson facts (exact)', () => {
    it('corr2d([[0,1,2],[3,4,5],[6,7,8]], [[0,1],[2,3]]) is [[19,25],[37,43]]', () => {
      const { X, K, Y } = fx.lesson.corr2d;
      expect(Y).toEqual([[19, 25], [37, 43]]);
      scoped(() => {
        expect(sc.corr2d(sc.tensor(X), sc.tensor(K)).toArray()).toEqual(Y);
      });
    });

    it('the 6x8 edge image with [[1,-1]] gives 1 / -1 edge columns; its transpose gives zeros', () => {
      const { X, K, Y, YofXT } = fx.lesson.edge;
      scoped(() => {
        const Xt = sc.tensor(X);
        const Kt = sc.tensor(K);
        expect(sc.corr2d(Xt, Kt).toArray()).toEqual(Y);
        const YT = sc.corr2d(Xt.T, Kt);
        expect(YT.shape).toEqual([8, 5]);
        expect(YT.toArray()).toEqual(YofXT);
      });
    });
  });
});

describe('toString matches PyTorch', () => {
  it.each(printFx.print)('$name', (c) => {
    scoped(() => {
      expect(t(c.data, c.shape).toString()).toBe(c.str);
    });
  });
});
