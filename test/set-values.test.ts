// t.set(index, values): a typed array or an array of numbers written into a region in row-major
// order (src/ops/shape.ts). Checked against a plain-JS model of the region over contiguous and
// strided regions, for every kind of values; bad values are ShapeError/ArgumentError that write
// nothing (sentinels on both sides of the tensor), including values that change under the call.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import * as sc from '../src/index.js';
import { expectError } from './helpers/expect-error.js';
import { sandwich } from './helpers/sentinels.js';

beforeAll(async () => {
  await sc.init();
});

type Spec = sc.IndexSpec;

/** The flat indices of the region `spec` selects in a row-major tensor of `shape` (Python slice rules, steps > 0). */
function regionIndices(shape: number[], spec: Spec): number[] {
  const axes = shape.map((n, i) => {
    const e = spec[i];
    if (e === null || e === undefined) return Array.from({ length: n }, (_, k) => k);
    if (typeof e === 'number') return [e < 0 ? e + n : e];
    const [a, b, s] = [e[0] ?? 0, e[1] ?? n, e[2] ?? 1];
    const lo = Math.max(0, Math.min(n, a < 0 ? a + n : a)), hi = Math.max(0, Math.min(n, b < 0 ? b + n : b));
    const out: number[] = [];
    for (let k = lo; k < hi; k += s!) out.push(k);
    return out;
  });
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((p, d) => p * d, 1));
  let flat = [0];
  axes.forEach((ks, i) => { flat = flat.flatMap((f) => ks.map((k) => f + k * strides[i]!)); });
  return flat;
}

const CASES: [string, number[], Spec][] = [
  ['the whole tensor', [2, 3, 4], []],
  ['a row', [4, 5], [2]],
  ['rows 1..3', [4, 5], [[1, 3]]],
  ['a column (strided)', [4, 5], [null, 3]],
  ['a block (strided)', [3, 4, 5], [[0, 3, 2], [1, 4], [1, -1]]],
  ['every other element', [9], [[0, null, 2]]],
  ['one element', [2, 2], [1, 0]],
  ['an empty region', [3, 4], [[1, 1]]],
  ['a 0-d tensor', [], []],
];

describe('t.set(index, values)', () => {
  for (const [name, shape, spec] of CASES) {
    it.each([
      ['Float32Array', (v: number[]) => Float32Array.from(v)],
      ['Float64Array', (v: number[]) => Float64Array.from(v)],
      ['Int16Array', (v: number[]) => Int16Array.from(v)],
      ['number[]', (v: number[]) => v],
      ['a Float32Array view into a larger buffer', (v: number[]) => new Float32Array(new Float32Array([99, ...v, 99]).buffer, 4, v.length)],
    ])(`${name}: %s`, (_, make) => {
      const size = shape.reduce((p, d) => p * d, 1);
      const base = Array.from({ length: size }, (_, k) => -k - 0.5);
      const idx = regionIndices(shape, spec);
      const values = idx.map((_, k) => k + 1);
      const want = base.slice();
      idx.forEach((f, k) => { want[f] = values[k]!; });
      using t = sc.tensor(Float32Array.from(base), shape);
      expect(t.set(spec, make(values))).toBe(t);
      expect(Array.from(t.data())).toEqual(want);
    });
  }

  it('matches writing the same values as a tensor, on random regions (fast-check)', () => {
    const dim = fc.integer({ min: 1, max: 5 });
    fc.assert(fc.property(fc.array(dim, { minLength: 1, maxLength: 3 }), fc.array(fc.tuple(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 5 }), fc.integer({ min: 1, max: 3 })), { minLength: 3, maxLength: 3 }), (shape, raw) => {
      const spec: Spec = shape.map((n, i) => [raw[i]![0] % n, raw[i]![1], raw[i]![2]] as const);
      const n = regionIndices(shape, spec).length;
      const values = Float32Array.from({ length: n }, (_, k) => k * 0.25 - 1);
      sc.tidy(() => {
        const a = sc.zeros(shape).set(spec, values);
        const region = sc.zeros(shape).slice(spec).shape;
        const b = sc.zeros(shape).set(spec, sc.tensor(values, region));
        expect(a.data()).toEqual(b.data());
      });
    }), { numRuns: 200 });
  });

  it('bumps the version (a prepared weight is rebuilt) and is refused on a leaf that requires grad', () => {
    using w = sc.variable(sc.ones([2, 2]).data(), [2, 2]);
    expectError(() => w.set([], new Float32Array(4)), sc.AutogradError, { op: 'set' });
    sc.noGrad(() => w.set([], new Float32Array([1, 2, 3, 4])));
    expect(Array.from(w.data())).toEqual([1, 2, 3, 4]);
  });

  it.each([
    ['too few values', () => new Float32Array(5), sc.ShapeError, /6 numbers \(the region's \[2, 3\], row-major\)/],
    ['too many values', () => [1, 2, 3, 4, 5, 6, 7], sc.ShapeError, /6 numbers/],
    ['a string inside', () => [1, 2, '3', 4, 5, 6], sc.ArgumentError, /numbers \(value\[2\]\)/],
    ['bigints', () => new BigInt64Array(6), sc.ArgumentError, /bigints/],
    ['a DataView', () => new DataView(new ArrayBuffer(24)), sc.ArgumentError, /typed array/],
    ['a length that is not an integer', () => ({ length: 2.5 }), sc.ArgumentError, /length/],
    ['a Float32Array whose own length lies', () => Object.defineProperty(new Float32Array(5), 'length', { get: () => 6 }), sc.ShapeError, /got 5 numbers/],
    ['a Proxy of an array', () => new Proxy([1, 2, 3, 4, 5], {}), sc.ShapeError, /got 5 numbers/],
    ['a Float32Array subclass whose own length lies', () => { class F extends Float32Array { override get length() { return 6; } } return new F(5); }, sc.ShapeError, /got 5 numbers/],
  ])('%s: an error, nothing written', (_, make, cls, message) => {
    const s = sandwich(() => sc.tensor(Float32Array.from({ length: 12 }, (_, k) => k), [2, 6]));
    try {
      expectError(() => s.victim.set([null, [0, 3]], make() as never), cls, { op: 'set', argument: 'value', message });
      s.expectIntact();
    } finally {
      s.dispose();
    }
  });

  it('an array whose elements change as they are read is read once, then written', () => {
    let reads = 0;
    const values = new Proxy([1, 2, 3, 4], { get: (t, k) => (k === 'length' ? 4 : (reads++, k === '0' && reads > 4 ? NaN : Reflect.get(t, k))) });
    using t = sc.zeros([4]);
    t.set([], values as unknown as number[]);
    expect(Array.from(t.data())).toEqual([1, 2, 3, 4]);
    expect(reads).toBe(4);
  });

  it('values in the tensor\'s own memory (a view of the wasm heap) are copied as they were', () => {
    using t = sc.tensor([1, 2, 3, 4, 5, 6], [6]);
    const own = t.data(); // a copy; now write the tensor's second half from its first
    t.set([[3, 6]], own.subarray(0, 3));
    expect(Array.from(t.data())).toEqual([1, 2, 3, 1, 2, 3]);
  });

  it('allocates no tensor for a contiguous region', () => {
    using t = sc.zeros([64, 64]);
    const values = new Float32Array(64 * 64).fill(2);
    const before = sc.memory().tensors;
    for (let i = 0; i < 100; i++) t.set([], values);
    expect(sc.memory().tensors).toBe(before);
  });
});

describe('t.set(index, values) and sc.compile', () => {
  it('is refused inside a captured step (a replay could not repeat it) and works between replays', () => {
    using x = sc.zeros([3]);
    const inside = sc.compile(() => x.set([], new Float32Array([1, 2, 3])));
    expectError(() => inside(), sc.CompileError);
    inside.dispose();
    using step = sc.compile(() => sc.tidy(() => x.mul(2)));
    for (const v of [[1, 2, 3], [4, 5, 6]]) {
      x.set([], Float32Array.from(v));
      expect(Array.from(step().data())).toEqual(v.map((e) => 2 * e));
    }
  });
});
