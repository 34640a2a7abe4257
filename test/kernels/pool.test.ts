// Tests of the pooling kernels (assembly/pool.ts) called directly on dist/simdconv.wasm: both twins
// against a naive float64 reference over shapes reaching every SIMD tail (output widths 1..9, 13,
// 17 at strides 1, 2, 3; NHWC channels 1..9, 17), windows hanging over the edge (ceilMode) and the
// padding, NaN / ±Inf inputs, guard values around every output; and against PyTorch's fixtures.
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { VARIANTS, kernel, rawWasm, type RawWasm, type Variant } from '../helpers/raw-wasm.js';
import { randArray } from '../helpers/random.js';
import { SENTINEL } from '../helpers/guarded.js';
import { CNN_FIXTURES, named, expectClose, expectSameBits, input, out, pair, readChecked, readI32, withSpecials } from './cnn-helpers.js';

let w: RawWasm;
beforeAll(() => {
  w = rawWasm();
});
beforeEach(() => w.reset());

type Layout = 'nchw' | 'nhwc';

interface Pool {
  N: number; C: number; H: number; W: number;
  KH: number; KW: number; SH: number; SW: number; PH: number; PW: number; DH: number; DW: number;
  ceil: boolean;
  /** countIncludePad (avg only). */
  cip: boolean;
}

/** PyTorch's pooling output size (dilation 1 for avg). */
function outSize(n: number, k: number, s: number, p: number, d: number, ceil: boolean): number {
  const span = n + 2 * p - d * (k - 1) - 1;
  let o = (ceil ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
  if (ceil && (o - 1) * s >= n + p) o--;
  return o;
}

function dims(c: Pool): { HO: number; WO: number } {
  return { HO: outSize(c.H, c.KH, c.SH, c.PH, c.DH, c.ceil), WO: outSize(c.W, c.KW, c.SW, c.PW, c.DW, c.ceil) };
}

/** Element (n, ch, h, w) of an N x C x h x w tensor stored in `layout`. */
function at(layout: Layout, C: number, H: number, W: number, n: number, ch: number, h: number, x: number): number {
  return layout === 'nchw' ? ((n * C + ch) * H + h) * W + x : ((n * H + h) * W + x) * C + ch;
}

function refMax(c: Pool, layout: Layout, x: ArrayLike<number>): { y: Float64Array; idx: Int32Array } {
  const { HO, WO } = dims(c);
  const y = new Float64Array(c.N * c.C * HO * WO);
  const idx = new Int32Array(y.length);
  for (let n = 0; n < c.N; n++) for (let ch = 0; ch < c.C; ch++) for (let oh = 0; oh < HO; oh++) for (let ow = 0; ow < WO; ow++) {
    let best = -Infinity;
    let bi = -1;
    for (let a = 0; a < c.KH; a++) {
      const ih = oh * c.SH - c.PH + a * c.DH;
      if (ih < 0 || ih >= c.H) continue;
      for (let b = 0; b < c.KW; b++) {
        const iw = ow * c.SW - c.PW + b * c.DW;
        if (iw < 0 || iw >= c.W) continue;
        if (bi < 0) bi = ih * c.W + iw;
        const v = x[at(layout, c.C, c.H, c.W, n, ch, ih, iw)];
        if (v > best || Number.isNaN(v)) {
          best = v;
          bi = ih * c.W + iw;
        }
      }
    }
    const o = at(layout, c.C, HO, WO, n, ch, oh, ow);
    y[o] = best;
    idx[o] = bi;
  }
  return { y, idx };
}

/** The in-input part of window (oh, ow) and its divisor, per PyTorch's avg_pool2d. */
function avgWindow(c: Pool, oh: number, ow: number) {
  const h0 = oh * c.SH - c.PH, w0 = ow * c.SW - c.PW;
  const h1 = Math.min(h0 + c.KH, c.H + c.PH), w1 = Math.min(w0 + c.KW, c.W + c.PW);
  const r0 = Math.max(h0, 0), r1 = Math.min(h1, c.H), q0 = Math.max(w0, 0), q1 = Math.min(w1, c.W);
  const empty = r0 >= r1 || q0 >= q1;
  const div = c.cip ? (h1 - h0) * (w1 - w0) : (r1 - r0) * (q1 - q0);
  return { r0, r1, q0, q1, empty, div };
}

function refAvg(c: Pool, layout: Layout, x: ArrayLike<number>): Float64Array {
  const { HO, WO } = dims(c);
  const y = new Float64Array(c.N * c.C * HO * WO);
  for (let n = 0; n < c.N; n++) for (let ch = 0; ch < c.C; ch++) for (let oh = 0; oh < HO; oh++) for (let ow = 0; ow < WO; ow++) {
    const win = avgWindow(c, oh, ow);
    let s = 0;
    if (!win.empty) {
      for (let ih = win.r0; ih < win.r1; ih++) for (let iw = win.q0; iw < win.q1; iw++) s += x[at(layout, c.C, c.H, c.W, n, ch, ih, iw)];
      s /= win.div;
    }
    y[at(layout, c.C, HO, WO, n, ch, oh, ow)] = s;
  }
  return y;
}

function refAvgBack(c: Pool, layout: Layout, dy: ArrayLike<number>): Float64Array {
  const { HO, WO } = dims(c);
  const dx = new Float64Array(c.N * c.C * c.H * c.W);
  for (let n = 0; n < c.N; n++) for (let ch = 0; ch < c.C; ch++) for (let oh = 0; oh < HO; oh++) for (let ow = 0; ow < WO; ow++) {
    const win = avgWindow(c, oh, ow);
    if (win.empty) continue;
    const g = dy[at(layout, c.C, HO, WO, n, ch, oh, ow)] / win.div;
    for (let ih = win.r0; ih < win.r1; ih++) for (let iw = win.q0; iw < win.q1; iw++) dx[at(layout, c.C, c.H, c.W, n, ch, ih, iw)] += g;
  }
  return dx;
}

function refMaxBack(c: Pool, layout: Layout, dy: ArrayLike<number>, idx: Int32Array): Float64Array {
  const { HO, WO } = dims(c);
  const dx = new Float64Array(c.N * c.C * c.H * c.W);
  for (let n = 0; n < c.N; n++) for (let ch = 0; ch < c.C; ch++) for (let oh = 0; oh < HO; oh++) for (let ow = 0; ow < WO; ow++) {
    const o = at(layout, c.C, HO, WO, n, ch, oh, ow);
    const i = idx[o];
    if (i >= 0) dx[at(layout, c.C, c.H, c.W, n, ch, Math.floor(i / c.W), i % c.W)] += dy[o];
  }
  return dx;
}

// ---------------------------------------------------------------- kernel calls

const geom = (c: Pool, HO: number, WO: number) => [HO, WO, c.KH, c.KW, c.SH, c.SW, c.PH, c.PW];

function runMax(v: Variant, c: Pool, layout: Layout, xp: number, withIdx = true) {
  const { HO, WO } = dims(c);
  const n = c.N * c.C * HO * WO;
  const y = out(w, n);
  const idx = out(w, n, true);
  const ip = withIdx ? idx.ptr : 0;
  if (layout === 'nchw') kernel(w, 'maxpool2d_nchw', v)(y.ptr, ip, xp, c.N * c.C, c.H, c.W, ...geom(c, HO, WO), c.DH, c.DW);
  else kernel(w, 'maxpool2d_nhwc', v)(y.ptr, ip, xp, c.N, c.H, c.W, c.C, ...geom(c, HO, WO), c.DH, c.DW);
  return { y: readChecked(w, y, 'maxpool y'), idx: withIdx ? readI32(w, idx) : null, idxUntouched: readChecked(w, idx, 'idx') };
}

function runMaxBack(v: Variant, c: Pool, layout: Layout, dyp: number, idxp: number): Float32Array {
  const { HO, WO } = dims(c);
  const dx = out(w, c.N * c.C * c.H * c.W, true);
  if (layout === 'nchw') kernel(w, 'maxpool2d_backward_nchw', v)(dx.ptr, dyp, idxp, c.N * c.C, c.H * c.W, HO * WO);
  else kernel(w, 'maxpool2d_backward_nhwc', v)(dx.ptr, dyp, idxp, c.N, c.H * c.W, HO * WO, c.C);
  return readChecked(w, dx, 'maxpool dx');
}

function runAvg(v: Variant, c: Pool, layout: Layout, xp: number, back: boolean): Float32Array {
  const { HO, WO } = dims(c);
  const o = out(w, back ? c.N * c.C * c.H * c.W : c.N * c.C * HO * WO, back);
  const name = `avgpool2d${back ? '_backward' : ''}_${layout}`;
  if (layout === 'nchw') kernel(w, name, v)(o.ptr, xp, c.N * c.C, c.H, c.W, ...geom(c, HO, WO), c.cip ? 1 : 0);
  else kernel(w, name, v)(o.ptr, xp, c.N, c.H, c.W, c.C, ...geom(c, HO, WO), c.cip ? 1 : 0);
  return readChecked(w, o, name);
}

// ---------------------------------------------------------------- shape table

const base: Pool = { N: 1, C: 1, H: 4, W: 4, KH: 2, KW: 2, SH: 2, SW: 2, PH: 0, PW: 0, DH: 1, DW: 1, ceil: false, cip: true };
const mk = (o: Partial<Pool>): Pool => ({ ...base, ...o });

const CASES: Pool[] = [];
// Output widths 1..9, 13, 17 at strides 1, 2 and 3 (every SIMD tail of the NCHW gather paths).
for (const WO of [1, 2, 3, 4, 5, 6, 7, 8, 9, 13, 17]) {
  for (const SW of [1, 2, 3]) {
    const K = SW === 1 ? 3 : SW;
    CASES.push(mk({ C: 2, H: 5, W: (WO - 1) * SW + K, KH: 3, KW: K, SH: 1, SW }));
  }
}
// Padding, ceilMode windows over the edge, dilation, asymmetric options, NHWC channel tails.
CASES.push(
  mk({ N: 2, C: 3, H: 7, W: 9, KH: 3, KW: 3, SH: 2, SW: 2, PH: 1, PW: 1 }),
  mk({ C: 2, H: 8, W: 10, KH: 3, KW: 3, SH: 2, SW: 2, PH: 1, PW: 1, ceil: true }),
  mk({ C: 2, H: 8, W: 10, KH: 3, KW: 3, SH: 2, SW: 2, PH: 1, PW: 1, ceil: true, cip: false }),
  mk({ C: 1, H: 5, W: 7, ceil: true }),
  mk({ C: 1, H: 5, W: 7, ceil: true, cip: false }),
  mk({ C: 1, H: 7, W: 8, KH: 3, KW: 3, SH: 3, SW: 3, ceil: true }),
  mk({ C: 2, H: 5, W: 11, KH: 3, KW: 3, SH: 1, SW: 1, PH: 1, PW: 1 }),
  mk({ C: 2, H: 5, W: 11, KH: 3, KW: 3, SH: 1, SW: 1, PH: 1, PW: 1, cip: false }),
  mk({ N: 2, C: 1, H: 5, W: 19, KH: 2, KW: 3, SH: 1, SW: 2, PH: 1, PW: 0 }),
  mk({ C: 2, H: 6, W: 13, KH: 5, KW: 5, SH: 2, SW: 2, PH: 2, PW: 2, ceil: true }),
  mk({ C: 1, H: 4, W: 17, KH: 4, KW: 4, SH: 4, SW: 4 }),
  mk({ C: 1, H: 1, W: 1, KH: 1, KW: 1, SH: 1, SW: 1 }),
  mk({ C: 1, H: 3, W: 3, KH: 3, KW: 3, SH: 1, SW: 1, PH: 1, PW: 1, cip: false }),
);
for (const C of [1, 2, 3, 4, 5, 6, 7, 8, 9, 17]) CASES.push(mk({ N: 2, C, H: 5, W: 6, KH: 3, KW: 3, SH: 2, SW: 2, PH: 1, PW: 1, ceil: C % 2 === 1 }));
// Dilation (max only).
const DILATED: Pool[] = [
  mk({ C: 2, H: 8, W: 21, KH: 3, KW: 3, SH: 1, SW: 1, DH: 2, DW: 2 }),
  mk({ C: 1, H: 9, W: 23, KH: 2, KW: 2, SH: 2, SW: 2, PH: 1, PW: 1, DH: 2, DW: 3, ceil: true }),
  mk({ C: 5, H: 7, W: 7, KH: 3, KW: 2, SH: 1, SW: 3, PH: 1, PW: 1, DH: 3, DW: 2 }),
];

const label = (c: Pool) => `N${c.N} C${c.C} ${c.H}x${c.W} k${c.KH}x${c.KW} s${c.SH},${c.SW} p${c.PH},${c.PW} d${c.DH},${c.DW}${c.ceil ? ' ceil' : ''}`;

describe.each(['nchw', 'nhwc'] as const)('max pooling %s', (layout) => {
  it.each([...CASES, ...DILATED].map((c) => [label(c), c] as const))('%s: forward, indices and backward, both twins', (_, c) => {
    const { HO, WO } = dims(c);
    const x = withSpecials(randArray(c.N * c.C * c.H * c.W, c.W * 31 + c.C, -3, 3), 29);
    const dy = randArray(c.N * c.C * HO * WO, 7 + c.H);
    const ref = refMax(c, layout, x);
    const got: Record<string, Float32Array> = {};
    for (const v of VARIANTS) {
      w.reset();
      const xp = input(w, x, true);
      const r = runMax(v, c, layout, xp);
      expectSameBits(r.y, Float32Array.from(ref.y), `${v} y`);
      expect(Array.from(r.idx!), `${v} idx`).toEqual(Array.from(ref.idx));
      const noIdx = runMax(v, c, layout, xp, false);
      expectSameBits(noIdx.y, r.y, `${v} y without indices`);
      expect(Array.from(noIdx.idxUntouched), `${v}: idx 0 writes no index`).toEqual(new Array(r.y.length).fill(SENTINEL));
    }
    for (const v of VARIANTS) {
      w.reset();
      const idxp = w.allocI32(ref.idx.length, ref.idx);
      const dx = runMaxBack(v, c, layout, input(w, dy), idxp);
      expectClose(dx, refMaxBack(c, layout, dy, ref.idx), `${v} dx`);
      got[v] = dx;
    }
    expectSameBits(got.simd, got.scalar, 'dx twins');
  });
});

describe.each(['nchw', 'nhwc'] as const)('average pooling %s', (layout) => {
  it.each(CASES.map((c) => [label(c), c] as const))('%s: forward and backward, both twins', (_, c) => {
    const { HO, WO } = dims(c);
    const x = randArray(c.N * c.C * c.H * c.W, c.W * 17 + c.C, -3, 3);
    const dy = randArray(c.N * c.C * HO * WO, 11 + c.H);
    const y: Record<string, Float32Array> = {};
    const dx: Record<string, Float32Array> = {};
    for (const v of VARIANTS) {
      w.reset();
      y[v] = runAvg(v, c, layout, input(w, x, true), false);
      expectClose(y[v], refAvg(c, layout, x), `${v} y`);
      dx[v] = runAvg(v, c, layout, input(w, dy), true);
      expectClose(dx[v], refAvgBack(c, layout, dy), `${v} dx`);
    }
    expectSameBits(y.simd, y.scalar, 'y twins');
    expectSameBits(dx.simd, dx.scalar, 'dx twins');
  });

  it('propagates NaN and infinities through the window sums', () => {
    const c = mk({ C: 3, H: 6, W: 14, KH: 2, KW: 2, SH: 2, SW: 2 });
    const x = withSpecials(randArray(c.C * c.H * c.W, 5), 23);
    for (const v of VARIANTS) {
      w.reset();
      expectClose(runAvg(v, c, layout, input(w, x), false), refAvg(c, layout, x), v);
    }
  });
});

describe('pooling properties', () => {
  const arb = fc.record({
    N: fc.integer({ min: 1, max: 2 }), C: fc.integer({ min: 1, max: 6 }),
    H: fc.integer({ min: 1, max: 9 }), W: fc.integer({ min: 1, max: 14 }),
    KH: fc.integer({ min: 1, max: 4 }), KW: fc.integer({ min: 1, max: 4 }),
    SH: fc.integer({ min: 1, max: 3 }), SW: fc.integer({ min: 1, max: 4 }),
    DH: fc.integer({ min: 1, max: 3 }), DW: fc.integer({ min: 1, max: 3 }),
    ceil: fc.boolean(), cip: fc.boolean(), seed: fc.nat(),
  }).map((r) => ({ ...r, PH: Math.floor(r.KH / 2) * (r.seed & 1), PW: Math.floor(r.KW / 2) * ((r.seed >> 1) & 1) }))
    .filter((c) => dims(c).HO > 0 && dims(c).WO > 0);

  it('random options: both twins of every kernel match the reference in both layouts', () => {
    fc.assert(fc.property(arb, (c) => {
      const avg = { ...c, DH: 1, DW: 1 };
      for (const layout of ['nchw', 'nhwc'] as const) {
        const x = randArray(c.N * c.C * c.H * c.W, c.seed, -2, 2);
        const ref = refMax(c, layout, x);
        for (const v of VARIANTS) {
          w.reset();
          const r = runMax(v, c, layout, input(w, x));
          expectSameBits(r.y, Float32Array.from(ref.y), `${layout} ${v} max`);
          expect(Array.from(r.idx!)).toEqual(Array.from(ref.idx));
          if (dims(avg).HO > 0 && dims(avg).WO > 0) expectClose(runAvg(v, avg, layout, input(w, x), false), refAvg(avg, layout, x), `${layout} ${v} avg`);
        }
      }
    }), { numRuns: 60, seed: 14 });
  });

  it('max backward skips out-of-range indices instead of writing outside dx', () => {
    const c = mk({ C: 2, H: 4, W: 4 });
    const idx = [0, 5, -1, 16, 1 << 30, 3, 15, -7];
    const dy = [1, 2, 3, 4, 5, 6, 7, 8];
    for (const v of VARIANTS) {
      w.reset();
      const dx = runMaxBack(v, c, 'nchw', input(w, dy), w.allocI32(idx.length, idx));
      const want = new Float64Array(32);
      want[0] = 1; want[5] = 2; want[16 + 3] = 6; want[16 + 15] = 7;
      expectSameBits(dx, Float32Array.from(want), v);
    }
  });
});

// ---------------------------------------------------------------- PyTorch fixtures

function fixturePool(f: { xShape: number[]; opts: Record<string, unknown> }, max: boolean): Pool {
  const [N, C, H, W] = f.xShape;
  const [KH, KW] = pair(f.opts.kernelSize as number);
  const [SH, SW] = pair(f.opts.stride as number);
  const [PH, PW] = pair(f.opts.padding as number);
  const [DH, DW] = max ? pair(f.opts.dilation as number) : [1, 1];
  return { N, C, H, W, KH, KW, SH, SW, PH, PW, DH, DW, ceil: f.opts.ceilMode as boolean, cip: (f.opts.countIncludePad as boolean) ?? true };
}

describe('pooling matches PyTorch 1.13 (test/fixtures/cnn.json)', () => {
  it.each(named(CNN_FIXTURES.maxPool2d, (f) => f.name))('max_pool2d %s', (_, f: any) => {
    const c = fixturePool(f, true);
    const { HO, WO } = dims(c);
    expect([c.N, c.C, HO, WO]).toEqual(f.yShape);
    for (const v of VARIANTS) {
      w.reset();
      const r = runMax(v, c, 'nchw', input(w, f.x));
      expectClose(r.y, f.y, `${v} y`, 1e-6, 0);
      expect(Array.from(r.idx!), `${v} indices`).toEqual(f.indices);
      expectClose(runMaxBack(v, c, 'nchw', input(w, f.dy), w.allocI32(r.idx!.length, r.idx!)), f.dx, `${v} dx`, 1e-6, 1e-6);
    }
  });

  it.each(named(CNN_FIXTURES.avgPool2d, (f) => f.name))('avg_pool2d %s', (_, f: any) => {
    const c = fixturePool(f, false);
    const { HO, WO } = dims(c);
    expect([c.N, c.C, HO, WO]).toEqual(f.yShape);
    for (const v of VARIANTS) {
      w.reset();
      expectClose(runAvg(v, c, 'nchw', input(w, f.x), false), f.y, `${v} y`, 1e-5, 1e-6);
      expectClose(runAvg(v, c, 'nchw', input(w, f.dy), true), f.dx, `${v} dx`, 1e-5, 1e-6);
    }
  });
});
