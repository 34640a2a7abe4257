// The tensor API: creation, shape ops, slicing, broadcasting arithmetic and reductions, for both
// kernel variants, against plain-JS expectations.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as sc from '../src/index.js';
import { setKernelVariant, type KernelVariant } from '../src/wasm/kernels.js';

beforeAll(async () => {
  await sc.init();
});

/** Plain nested-array broadcasting of a binary function (the oracle for elementwise ops). */
function bcast(a: number[], as: number[], b: number[], bs: number[], f: (x: number, y: number) => number): [number[], number[]] {
  const n = Math.max(as.length, bs.length);
  const A = Array(n - as.length).fill(1).concat(as), B = Array(n - bs.length).fill(1).concat(bs);
  const shape = A.map((d, i) => Math.max(d, B[i]));
  const size = shape.reduce((p, d) => p * d, 1);
  const out: number[] = [];
  const strides = (s: number[]) => s.map((_, i) => s.slice(i + 1).reduce((p, d) => p * d, 1));
  const sa = strides(A), sb = strides(B), so = strides(shape);
  for (let k = 0; k < size; k++) {
    let ia = 0, ib = 0;
    for (let i = 0; i < n; i++) {
      const idx = Math.floor(k / so[i]!) % shape[i]!;
      ia += (A[i] === 1 ? 0 : idx) * sa[i]!;
      ib += (B[i] === 1 ? 0 : idx) * sb[i]!;
    }
    out.push(Math.fround(f(a[ia]!, b[ib]!)));
  }
  return [out, shape];
}

const seq = (n: number, k = 1) => Array.from({ length: n }, (_, i) => ((i * 7 + 3) % 11) * k - 5 * k + 0.25);

describe.each<KernelVariant>(['simd', 'scalar'])('tensors (%s kernels)', (variant) => {
  beforeAll(() => setKernelVariant(variant));
  afterAll(() => setKernelVariant('simd'));

  it('creates from nested arrays, typed arrays and numbers', () => {
    const t = sc.tensor([[1, 2, 3], [4, 5, 6]]);
    expect(t.shape).toEqual([2, 3]);
    expect(t.size).toBe(6);
    expect(t.ndim).toBe(2);
    expect(t.toArray()).toEqual([[1, 2, 3], [4, 5, 6]]);
    expect(Array.from(sc.tensor(new Float32Array([1, 2, 3, 4]), [2, 2]).data())).toEqual([1, 2, 3, 4]);
    expect(sc.tensor(7).shape).toEqual([]);
    expect(sc.tensor(7).item()).toBe(7);
    expect(sc.tensor([]).shape).toEqual([0]);
    expect(sc.tensor([[1, 2], [3, 4]], [4]).shape).toEqual([4]);
  });

  it('makes constants, ranges and the identity', () => {
    expect(sc.zeros([2, 3]).toArray()).toEqual([[0, 0, 0], [0, 0, 0]]);
    expect(sc.ones([3]).toArray()).toEqual([1, 1, 1]);
    expect(sc.full([2], 2.5).toArray()).toEqual([2.5, 2.5]);
    expect(sc.arange(5).toArray()).toEqual([0, 1, 2, 3, 4]);
    expect(sc.arange(1, 2, 0.25).toArray()).toEqual([1, 1.25, 1.5, 1.75]);
    expect(sc.arange(5, 0, -2).toArray()).toEqual([5, 3, 1]);
    expect(sc.eye(3).toArray()).toEqual([[1, 0, 0], [0, 1, 0], [0, 0, 1]]);
  });

  it('draws seeded random numbers reproducibly', () => {
    const a = sc.rand([1000], { seed: 7 }).data();
    const b = sc.rand([1000], { seed: 7 }).data();
    expect(a).toEqual(b);
    expect(sc.rand([1000], { seed: 8 }).data()).not.toEqual(a);
    expect(Math.min(...a)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...a)).toBeLessThan(1);
    const n = sc.randn([20000], { seed: 3 }).data();
    const mean = n.reduce((s, v) => s + v, 0) / n.length;
    const variance = n.reduce((s, v) => s + (v - mean) ** 2, 0) / n.length;
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(variance - 1)).toBeLessThan(0.05);
    sc.manualSeed(11);
    const g1 = sc.randn([5]).data();
    const g2 = sc.randn([5]).data();
    sc.manualSeed(11);
    expect(sc.randn([5]).data()).toEqual(g1);
    expect(sc.randn([5]).data()).toEqual(g2);
  });

  it('reshapes (sharing memory), transposes, flips', () => {
    const a = sc.arange(6);
    const r = a.reshape([2, -1]);
    expect(r.shape).toEqual([2, 3]);
    expect(r.toArray()).toEqual([[0, 1, 2], [3, 4, 5]]);
    expect(r.T.toArray()).toEqual([[0, 3], [1, 4], [2, 5]]);
    const c = sc.arange(24).reshape([2, 3, 4]);
    const p = c.transpose([2, 0, 1]);
    expect(p.shape).toEqual([4, 2, 3]);
    const cd = c.data(), pd = p.data();
    for (let i = 0; i < 4; i++) for (let j = 0; j < 2; j++) for (let k = 0; k < 3; k++) {
      expect(pd[(i * 2 + j) * 3 + k]).toBe(cd[(j * 3 + k) * 4 + i]);
    }
    expect(c.transpose(0, 2).shape).toEqual([4, 3, 2]);
    expect(sc.tensor([[0, 1], [2, 3]]).flip().toArray()).toEqual([[3, 2], [1, 0]]);
    expect(sc.tensor([[0, 1], [2, 3]]).flip(1).toArray()).toEqual([[1, 0], [3, 2]]);
    // Flip along the innermost axis for widths around the SIMD width.
    for (const w of [1, 2, 3, 4, 5, 7, 8, 9, 17]) {
      const v = Array.from({ length: 3 * w }, (_, i) => i);
      const f = sc.tensor(v, [3, w]).flip(1).data();
      for (let i = 0; i < 3; i++) for (let j = 0; j < w; j++) expect(f[i * w + j]).toBe(v[i * w + (w - 1 - j)]);
    }
  });

  it('slices and assigns slices like X[:, 2:6] = 0', () => {
    const X = sc.ones([6, 8]);
    X.set([null, [2, 6]], 0);
    expect(X.toArray()).toEqual(Array.from({ length: 6 }, () => [1, 1, 0, 0, 0, 0, 1, 1]));
    const A = sc.arange(12).reshape([3, 4]);
    expect(A.slice([null, [1, 3]]).toArray()).toEqual([[1, 2], [5, 6], [9, 10]]);
    expect(A.slice([1]).toArray()).toEqual([4, 5, 6, 7]);
    expect(A.slice([[-2, null], -1]).toArray()).toEqual([7, 11]);
    expect(A.slice([null, [0, 4, 2]]).toArray()).toEqual([[0, 2], [4, 6], [8, 10]]);
    A.set([[0, 2], [1, 3]], sc.tensor([[-1, -2], [-3, -4]]));
    expect(A.toArray()).toEqual([[0, -1, -2, 3], [4, -3, -4, 7], [8, 9, 10, 11]]);
    A.set([2], sc.tensor([100])); // broadcast a 1-element tensor over a row
    expect(A.slice([2]).toArray()).toEqual([100, 100, 100, 100]);
  });

  const binaryCases: [string, number[], number[]][] = [
    ['same shape, 1 element', [1], [1]],
    ['same shape, SIMD tail', [7], [7]],
    ['same shape, several vectors', [3, 13], [3, 13]],
    ['row broadcast', [4, 9], [9]],
    ['column broadcast', [5, 6], [5, 1]],
    ['outer product', [5, 1], [1, 7]],
    ['scalar tensor', [2, 3, 5], []],
    ['middle axis', [2, 3, 5], [2, 1, 5]],
    ['rank 4', [2, 1, 3, 4], [3, 1]],
  ];
  const fns: [string, (x: number, y: number) => number][] = [
    ['add', (x, y) => x + y], ['sub', (x, y) => x - y], ['mul', (x, y) => x * y], ['div', (x, y) => x / y],
    ['maximum', (x, y) => Math.max(x, y)], ['minimum', (x, y) => Math.min(x, y)],
  ];
  it.each(binaryCases)('broadcasting arithmetic: %s', (_name, as, bs) => {
    const na = as.reduce((p, d) => p * d, 1), nb = bs.reduce((p, d) => p * d, 1);
    const a = seq(na), b = seq(nb, 0.5).map((v) => v + 3);
    const ta = sc.tensor(a, as), tb = sc.tensor(b, bs);
    for (const [name, f] of fns) {
      const [want, shape] = bcast(a, as, b, bs, f);
      const got = (ta as any)[name](tb) as sc.Tensor;
      expect(got.shape, name).toEqual(shape);
      const d = got.data();
      want.forEach((w, i) => expect(d[i], `${name}[${i}]`).toBeCloseTo(w, 5));
      // the other way round (broadcasting is symmetric)
      const [want2] = bcast(b, bs, a, as, f);
      const d2 = ((tb as any)[name](ta) as sc.Tensor).data();
      want2.forEach((w, i) => expect(d2[i], `${name} swapped [${i}]`).toBeCloseTo(w, 5));
    }
  });

  it('scalar operands on either side', () => {
    const t = sc.tensor([1, 2, 4]);
    expect(t.add(1).toArray()).toEqual([2, 3, 5]);
    expect(t.sub(1).toArray()).toEqual([0, 1, 3]);
    expect(sc.sub(1, t).toArray()).toEqual([0, -1, -3]);
    expect(t.mul(2).toArray()).toEqual([2, 4, 8]);
    expect(t.div(2).toArray()).toEqual([0.5, 1, 2]);
    expect(sc.div(8, t).toArray()).toEqual([8, 4, 2]);
    expect(t.pow(2).toArray()).toEqual([1, 4, 16]);
    expect(sc.pow(2, t).toArray()).toEqual([2, 4, 16]);
    expect(t.pow(sc.tensor([3, 0.5, -1])).data()[1]).toBeCloseTo(Math.SQRT2, 6);
    expect(t.maximum(2).toArray()).toEqual([2, 2, 4]);
  });

  it('unary ops over lengths that reach every SIMD tail', () => {
    for (const n of [1, 2, 3, 4, 5, 6, 7, 8, 9, 16, 17, 33]) {
      const v = seq(n);
      const t = sc.tensor(v);
      const check = (got: sc.Tensor, f: (x: number) => number) =>
        got.data().forEach((g, i) => expect(g).toBeCloseTo(Math.fround(f(v[i]!)), 4));
      check(t.neg(), (x) => -x);
      check(t.abs(), Math.abs);
      check(t.square(), (x) => x * x);
      check(t.abs().sqrt(), (x) => Math.sqrt(Math.abs(x)));
      check(t.relu(), (x) => Math.max(x, 0));
      check(t.mul(0.1).exp(), (x) => Math.exp(Math.fround(x * 0.1)));
      check(t.abs().add(1).log(), (x) => Math.log(Math.abs(x) + 1));
    }
  });

  it('sums and means, all or along axes', () => {
    const v = seq(60);
    const t = sc.tensor(v, [3, 4, 5]);
    const total = v.reduce((s, x) => s + x, 0);
    expect(t.sum().item()).toBeCloseTo(total, 3);
    expect(t.sum().shape).toEqual([]);
    expect(t.mean().item()).toBeCloseTo(total / 60, 4);
    const s1 = t.sum(1).data();
    for (let i = 0; i < 3; i++) for (let k = 0; k < 5; k++) {
      let s = 0;
      for (let j = 0; j < 4; j++) s += v[(i * 4 + j) * 5 + k]!;
      expect(s1[i * 5 + k]).toBeCloseTo(s, 4);
    }
    expect(t.sum([0, 2]).shape).toEqual([4]);
    expect(t.sum(-1, true).shape).toEqual([3, 4, 1]);
    expect(t.mean([0, 1]).shape).toEqual([5]);
    expect(sc.tensor([[1, 5], [3, 4]]).max(1).toArray()).toEqual([5, 4]);
    expect(sc.tensor([[1, 5], [3, 4]]).min().item()).toBe(1);
    for (const n of [1, 3, 4, 5, 8, 15, 16, 17, 100]) {
      const w = seq(n);
      expect(sc.tensor(w).sum().item()).toBeCloseTo(w.reduce((s, x) => s + x, 0), 3);
    }
  });

  it('propagates NaN and Infinity', () => {
    const t = sc.tensor([NaN, 1, Infinity, -Infinity]);
    const d = t.add(1).data();
    expect(Number.isNaN(d[0])).toBe(true);
    expect(d[2]).toBe(Infinity);
    expect(Number.isNaN(t.sum().item())).toBe(true);
    expect(Number.isNaN(t.abs().data()[0])).toBe(true);
    expect(Number.isNaN(t.max().item())).toBe(true);
    expect(Number.isNaN(sc.corr2d(sc.tensor([[NaN, 0], [0, 0]]), sc.tensor([[0]])).data()[0])).toBe(true);
  });
});

describe('printing', () => {
  it('prints like PyTorch', () => {
    expect(sc.tensor([[19, 25], [37, 43]]).toString()).toBe('tensor([[19., 25.],\n        [37., 43.]])');
    expect(sc.tensor([[0.951, -1.0295]]).toString()).toBe('tensor([[ 0.9510, -1.0295]])');
    expect(sc.tensor(8.644).toString()).toBe('tensor(8.6440)');
    expect(sc.tensor([1e-5, 1]).toString()).toBe('tensor([1.0000e-05, 1.0000e+00])');
    expect(sc.tensor([[0, 1, -1]]).toString()).toBe('tensor([[ 0.,  1., -1.]])');
    expect(sc.tensor([NaN, 1.5]).toString()).toBe('tensor([   nan, 1.5000])');
    const v = sc.variable([1, 2]);
    expect(v.toString()).toBe('tensor([1., 2.], requires_grad=True)');
  });
});
