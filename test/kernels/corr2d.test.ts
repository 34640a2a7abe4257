// Tests of the correlation kernels corr2d_valid, corr2d_pad and corr2d_flip (assembly/corr2d.ts)
// called directly on the test build: both twins against float64 references over shapes that
// reach every SIMD tail and specialised path (1x2, 3x3, generic), accumulate on and off, guard
// values around every output, 4-byte-offset pointers, and the bitwise agreement of the twins.
import { describe, expect, it } from 'vitest';
import { VARIANTS, kernel, type Variant } from '../helpers/raw-wasm.js';
import { readRegion, region } from '../helpers/guarded.js';
import { expectBitwise, expectUntouched, useRawWasm, w } from '../helpers/kernel-wasm.js';
import { expectNear, newRef, type Ref } from '../helpers/conv-refs.js';
import { randArray } from '../helpers/random.js';

useRawWasm();

// corr2d

function corrRef(x: Float32Array, H: number, W: number, k: Float32Array, KH: number, KW: number): Ref {
  return corrPadRef(x, H, W, k, KH, KW, 0, 0, H - KH + 1, W - KW + 1, false);
}

interface CorrCase {
  H: number;
  W: number;
  KH: number;
  KW: number;
  accumulate: boolean;
  unaligned: boolean;
  seed: number;
}

/** Runs one corr2d case; checks it against the reference and the guards; returns y. */
function runCorr(v: Variant, c: CorrCase): Float32Array {
  const { H, W, KH, KW } = c;
  const HO = H - KH + 1, WO = W - KW + 1;
  const xd = randArray(H * W, c.seed), kd = randArray(KH * KW, c.seed + 1);
  const y0 = c.accumulate ? randArray(HO * WO, c.seed + 2) : undefined;
  const x = region(w, H * W, xd, c.unaligned);
  const k = region(w, KH * KW, kd, c.unaligned);
  const y = region(w, HO * WO, y0, c.unaligned);
  kernel(w, 'corr2d_valid', v)(x.ptr, H, W, k.ptr, KH, KW, y.ptr, c.accumulate ? 1 : 0);
  const ctx = `corr2d_${v} ${H}x${W} * ${KH}x${KW} acc=${c.accumulate} unaligned=${c.unaligned}`;
  const got = readRegion(w, y);
  expectNear(got, corrRef(xd, H, W, kd, KH, KW), ctx, undefined, y0);
  expectUntouched(y, ctx);
  expect(readRegion(w, x), `${ctx}: input changed`).toEqual(xd);
  return got;
}

/** Kernel sizes: the 1x2 and 3x3 specialisations, the generic path (incl. 5x5, 7x7, 1xk, kx1). */
const CORR_KERNELS: [number, number][] = [
  [1, 1], [1, 2], [1, 3], [2, 2], [3, 3], [5, 5], [7, 7], [3, 1], [2, 5],
];
/** Output widths 1..20 (scalar WO < 4, 4-wide body, overlapped tail, 16-wide body); heights
 *  1..7 (every remainder of the 3-row pass). */
const CORR_WO = Array.from({ length: 20 }, (_, i) => i + 1);
const CORR_HO = [1, 2, 3, 4, 5, 7];

describe.each(VARIANTS)('corr2d_valid (%s)', (v) => {
  it.each(CORR_KERNELS)('kernel %ix%i: output widths 1..20, heights 1..7, accumulate, unaligned', (KH, KW) => {
    let seed = 1;
    for (const HO of CORR_HO) {
      for (const WO of CORR_WO) {
        for (const accumulate of [false, true]) {
          w.reset();
          runCorr(v, { H: HO + KH - 1, W: WO + KW - 1, KH, KW, accumulate, unaligned: (seed & 1) === 1, seed: seed++ });
        }
      }
    }
  });

  it.each([
    [6, 8, 1, 2], [67, 131, 3, 3], [67, 131, 5, 5], [67, 131, 1, 2], [40, 71, 7, 7], [33, 29, 1, 5], [9, 1030, 3, 3],
  ])('larger image %ix%i * %ix%i', (H, W, KH, KW) => {
    for (const accumulate of [false, true]) {
      w.reset();
      runCorr(v, { H, W, KH, KW, accumulate, unaligned: accumulate, seed: H * W + KH });
    }
  });

  it('the lesson: [[19,25],[37,43]] and the 6x8 edge detector', () => {
    const f = kernel(w, 'corr2d_valid', v);
    const x = region(w, 9, [0, 1, 2, 3, 4, 5, 6, 7, 8]);
    const k = region(w, 4, [0, 1, 2, 3]);
    const y = region(w, 4);
    f(x.ptr, 3, 3, k.ptr, 2, 2, y.ptr, 0);
    expect(Array.from(readRegion(w, y))).toEqual([19, 25, 37, 43]);
    expectUntouched(y, 'lesson 3x3');

    const img = new Float32Array(48).fill(1);
    for (let i = 0; i < 6; i++) for (let j = 2; j < 6; j++) img[i * 8 + j] = 0;
    const X = region(w, 48, img, true);
    const K = region(w, 2, [1, -1]);
    const Y = region(w, 42);
    f(X.ptr, 6, 8, K.ptr, 1, 2, Y.ptr, 0);
    const row = [0, 1, 0, 0, 0, -1, 0];
    expect(Array.from(readRegion(w, Y))).toEqual(Array.from({ length: 6 }, () => row).flat());
    expectUntouched(Y, 'lesson 6x8');
  });

  it('writes nothing when the kernel is larger than the input', () => {
    const x = region(w, 6, randArray(6, 3));
    const k = region(w, 9, randArray(9, 4));
    const y = region(w, 4);
    kernel(w, 'corr2d_valid', v)(x.ptr, 2, 3, k.ptr, 3, 3, y.ptr, 0);
    expectUntouched(y, 'HO = 0', () => false);
  });
});

describe('corr2d_valid: _simd and _scalar are bitwise equal (documented summation order)', () => {
  it.each(CORR_KERNELS)('kernel %ix%i', (KH, KW) => {
    for (const [HO, WO] of [[1, 1], [2, 3], [4, 4], [5, 7], [7, 17], [6, 23], [3, 35]]) {
      for (const accumulate of [false, true]) {
        w.reset();
        const c = { H: HO + KH - 1, W: WO + KW - 1, KH, KW, accumulate, unaligned: false, seed: HO * 31 + WO };
        expectBitwise(runCorr('simd', c), runCorr('scalar', c), `${HO}x${WO} acc=${accumulate}`);
      }
    }
  });
});

// corr2d_pad: correlation of the zero-extended input over any output window

/** Float64 reference of corr2d_pad: the taps inside x only, the kernel flipped both ways when `flip`. */
function corrPadRef(x: Float32Array, H: number, W: number, k: Float32Array, KH: number, KW: number,
  PT: number, PL: number, HO: number, WO: number, flip: boolean): Ref {
  const r = newRef(HO * WO);
  for (let i = 0; i < HO; i++) {
    for (let j = 0; j < WO; j++) {
      let s = 0, m = 0;
      for (let a = 0; a < KH; a++) {
        for (let b = 0; b < KW; b++) {
          const xi = i + a - PT, xj = j + b - PL;
          if (xi < 0 || xi >= H || xj < 0 || xj >= W) continue;
          const t = x[xi * W + xj] * (flip ? k[(KH - 1 - a) * KW + KW - 1 - b] : k[a * KW + b]);
          s += t;
          m += Math.abs(t);
        }
      }
      r.val[i * WO + j] = s;
      r.mag[i * WO + j] = m;
    }
  }
  return r;
}

interface PadCase {
  H: number;
  W: number;
  KH: number;
  KW: number;
  PT: number;
  PL: number;
  HO: number;
  WO: number;
  accumulate: boolean;
  unaligned: boolean;
  flip: boolean;
  seed: number;
}

function runPad(v: Variant, c: PadCase): Float32Array {
  const { H, W, KH, KW, PT, PL, HO, WO } = c;
  const xd = randArray(H * W, c.seed), kd = randArray(KH * KW, c.seed + 1);
  const y0 = c.accumulate ? randArray(HO * WO, c.seed + 2) : undefined;
  const x = region(w, H * W, xd, c.unaligned);
  const k = region(w, KH * KW, kd, c.unaligned);
  const y = region(w, HO * WO, y0, !c.unaligned);
  kernel(w, 'corr2d_pad', v)(x.ptr, H, W, k.ptr, KH, KW, PT, PL, y.ptr, HO, WO, c.accumulate ? 1 : 0, c.flip ? 1 : 0);
  const ctx = `corr2d_pad_${v} x ${H}x${W} * ${KH}x${KW} pad ${PT},${PL} -> ${HO}x${WO} acc=${c.accumulate} flip=${c.flip}`;
  const got = readRegion(w, y);
  expectNear(got, corrPadRef(xd, H, W, kd, KH, KW, PT, PL, HO, WO, c.flip), ctx, undefined, y0);
  expect(readRegion(w, k), `${ctx}: kernel changed`).toEqual(kd);
  expectUntouched(y, ctx);
  expect(readRegion(w, x), `${ctx}: input changed`).toEqual(xd);
  return got;
}

/** Windows around x: 'full' (the input gradient's), 'same'-like, 'valid', cropping (negative pads) and wider than x. */
function padWindows(H: number, W: number, KH: number, KW: number): [number, number, number, number][] {
  return [
    [KH - 1, KW - 1, H + KH - 1, W + KW - 1],
    [(KH - 1) >> 1, (KW - 1) >> 1, H, W],
    [0, 0, H - KH + 1, W - KW + 1],
    [-1, -2, H - KH, W - KW - 1],
    [KH + 1, 2, H + 2 * KH + 2, W + 3],
    [1, KW + 2, 2, W + 2 * KW + 4],
  ];
}

describe.each(VARIANTS)('corr2d_pad (%s)', (v) => {
  it.each(CORR_KERNELS)('kernel %ix%i: inputs 1..9 x 1..21, windows around x, accumulate, unaligned, flipped', (KH, KW) => {
    let seed = 1;
    for (const H of [1, 2, 3, 4, 6, 9]) {
      for (const W of [1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 17, 21]) {
        for (const [PT, PL, HO, WO] of padWindows(H, W, KH, KW)) {
          if (HO < 1 || WO < 1) continue;
          w.reset();
          runPad(v, { H, W, KH, KW, PT, PL, HO, WO, accumulate: (seed & 2) === 2, unaligned: (seed & 1) === 1, flip: (seed % 3) === 0, seed: seed++ });
        }
      }
    }
  });

  it.each([[64, 77, 3, 3], [40, 33, 5, 5], [31, 70, 1, 2], [25, 26, 7, 7]])('larger image %ix%i * %ix%i, every window', (H, W, KH, KW) => {
    let seed = 100;
    for (const [PT, PL, HO, WO] of padWindows(H, W, KH, KW)) {
      for (const accumulate of [false, true]) {
        for (const flip of [false, true]) {
          w.reset();
          runPad(v, { H, W, KH, KW, PT, PL, HO, WO, accumulate, unaligned: accumulate, flip, seed: seed++ });
        }
      }
    }
  });

  it('with no padding is corr2d_valid (flipped: with the reversed kernel), bitwise', () => {
    for (const [H, W, KH, KW] of [[6, 8, 1, 2], [9, 13, 3, 3], [12, 37, 5, 5], [5, 5, 2, 5], [7, 3, 3, 1]]) {
      w.reset();
      const xd = randArray(H * W, H + W), kd = randArray(KH * KW, KH);
      const HO = H - KH + 1, WO = W - KW + 1;
      const x = w.alloc(H * W, xd), k = w.alloc(KH * KW, kd), y1 = w.alloc(HO * WO), y2 = w.alloc(HO * WO);
      kernel(w, 'corr2d_pad', v)(x, H, W, k, KH, KW, 0, 0, y1, HO, WO, 0, 0);
      kernel(w, 'corr2d_valid', v)(x, H, W, k, KH, KW, y2, 0);
      expectBitwise(w.read(y1, HO * WO), w.read(y2, HO * WO), `${H}x${W} * ${KH}x${KW}`);
      // flipped: corr2d_valid with the kernel reversed
      const kf = w.alloc(KH * KW, kd.slice().reverse()), y3 = w.alloc(HO * WO), y4 = w.alloc(HO * WO);
      kernel(w, 'corr2d_pad', v)(x, H, W, k, KH, KW, 0, 0, y3, HO, WO, 0, 1);
      kernel(w, 'corr2d_valid', v)(x, H, W, kf, KH, KW, y4, 0);
      expectBitwise(w.read(y3, HO * WO), w.read(y4, HO * WO), `${H}x${W} * ${KH}x${KW} flipped`);
    }
  });

  it('equals corr2d_valid on the explicitly zero-padded input, bitwise (random data)', () => {
    for (const [H, W, KH, KW, PT, PB, PL, PR] of [[6, 8, 3, 3, 1, 1, 1, 1], [9, 17, 3, 3, 2, 2, 2, 2], [7, 11, 5, 5, 2, 2, 2, 2],
      [6, 8, 1, 2, 0, 0, 1, 1], [10, 5, 2, 3, 3, 0, 0, 4], [4, 4, 7, 7, 6, 6, 6, 6]]) {
      w.reset();
      const Hp = H + PT + PB, Wp = W + PL + PR, HO = Hp - KH + 1, WO = Wp - KW + 1;
      const xd = randArray(H * W, H * W), kd = randArray(KH * KW, KH + KW);
      const xpd = new Float32Array(Hp * Wp);
      for (let i = 0; i < H; i++) xpd.set(xd.subarray(i * W, (i + 1) * W), (i + PT) * Wp + PL);
      const x = w.alloc(H * W, xd), xp = w.alloc(Hp * Wp, xpd), k = w.alloc(KH * KW, kd);
      const y1 = w.alloc(HO * WO), y2 = w.alloc(HO * WO);
      kernel(w, 'corr2d_pad', v)(x, H, W, k, KH, KW, PT, PL, y1, HO, WO, 0, 0);
      kernel(w, 'corr2d_valid', v)(xp, Hp, Wp, k, KH, KW, y2, 0);
      expectBitwise(w.read(y1, HO * WO), w.read(y2, HO * WO), `${H}x${W} * ${KH}x${KW} pad ${PT},${PB},${PL},${PR}`);
    }
  });

  it('skips the taps outside x: an infinite kernel corner meets only the padding at the far corner', () => {
    const H = 6, W = 9, KH = 3, KW = 3;
    const x = w.alloc(H * W, randArray(H * W, 9));
    const kd = randArray(9, 10);
    kd[0] = Infinity; // tap (0, 0): outside x for output (0, 0) of the 'full' window
    const k = w.alloc(9, kd);
    const y = region(w, (H + 2) * (W + 2));
    kernel(w, 'corr2d_pad', v)(x, H, W, k, KH, KW, 2, 2, y.ptr, H + 2, W + 2, 0, 0);
    const got = readRegion(w, y);
    expect(Number.isFinite(got[0]), 'output (0, 0) reads x only through tap (2, 2)').toBe(true);
    expect(Math.abs(got[(H + 1) * (W + 2) + W + 1]), 'output (H+1, W+1) reads x(H-1, W-1) through tap (0, 0)').toBe(Infinity);
  });

  it('writes nothing for an empty window', () => {
    const x = w.alloc(12, randArray(12, 1)), k = w.alloc(4, randArray(4, 2));
    const y = region(w, 4);
    for (const [HO, WO] of [[0, 4], [4, 0], [-1, 2]]) kernel(w, 'corr2d_pad', v)(x, 3, 4, k, 2, 2, 1, 1, y.ptr, HO, WO, 0, 1);
    expectUntouched(y, 'empty window', () => false);
  });
});

describe('corr2d_pad: _simd and _scalar are bitwise equal', () => {
  it.each(CORR_KERNELS)('kernel %ix%i', (KH, KW) => {
    let seed = 7;
    for (const [H, W] of [[1, 1], [3, 5], [6, 8], [9, 23], [13, 35]]) {
      for (const [PT, PL, HO, WO] of padWindows(H, W, KH, KW)) {
        if (HO < 1 || WO < 1) continue;
        for (const accumulate of [false, true]) {
          w.reset();
          const c = { H, W, KH, KW, PT, PL, HO, WO, accumulate, unaligned: false, flip: accumulate === (seed % 2 === 0), seed: seed++ };
          expectBitwise(runPad('simd', c), runPad('scalar', c), `${H}x${W} pad ${PT},${PL} -> ${HO}x${WO} acc=${accumulate} flip=${c.flip}`);
        }
      }
    }
  });
});

// corr2d_flip

describe.each(VARIANTS)('corr2d_flip (%s)', (v) => {
  it('reverses each kernel: planes 1..3 x kk 1..20, 25, 49, unaligned', () => {
    for (const planes of [1, 2, 3]) {
      for (const kk of [...Array.from({ length: 20 }, (_, i) => i + 1), 25, 49]) {
        w.reset();
        const n = planes * kk;
        const sd = randArray(n, n + planes);
        const src = region(w, n, sd, kk % 2 === 1);
        const dst = region(w, n, undefined, planes === 2);
        kernel(w, 'corr2d_flip', v)(dst.ptr, src.ptr, planes, kk);
        const want = new Float32Array(n);
        for (let p = 0; p < planes; p++) for (let i = 0; i < kk; i++) want[p * kk + i] = sd[p * kk + kk - 1 - i];
        const ctx = `corr2d_flip_${v} ${planes} x ${kk}`;
        expect(readRegion(w, dst), ctx).toEqual(want);
        expectUntouched(dst, ctx);
        expect(readRegion(w, src), `${ctx}: input changed`).toEqual(sd);
      }
    }
  });
});
