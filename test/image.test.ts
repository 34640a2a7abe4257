// simdconv/image: tensors to pictures (colormaps, normalisation, NaN, scale) and PNG / ImageData
// back to tensors. Colours are checked pixel by pixel on the decoded PNG bytes.
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { decode, encode } from 'fast-png';
import { beforeAll, describe, expect, it } from 'vitest';
import * as sc from '../src/index.js';
import { expectError } from './helpers/expect-error.js';
import { COLORMAPS, fromImageData, fromPNG, toImageData, toPNG, type ImageOptions } from '../src/image.js';
import { expectNoLeakedTensors } from './helpers/leaks.js';

beforeAll(async () => {
  await sc.init();
});
expectNoLeakedTensors();

type RGBA = [number, number, number, number];

/** Decodes PNG bytes and checks they are 8-bit RGBA. */
function pixels(png: Uint8Array): { width: number; height: number; at: (i: number, j: number) => RGBA } {
  const img = decode(png);
  expect(img.channels).toBe(4);
  expect(img.depth).toBe(8);
  const d = img.data;
  return {
    width: img.width,
    height: img.height,
    at: (i, j) => {
      const o = (i * img.width + j) * 4;
      return [d[o]!, d[o + 1]!, d[o + 2]!, d[o + 3]!];
    },
  };
}

/** The colours of a one-row tensor's elements. */
function rowColours(values: number[], options?: ImageOptions): RGBA[] {
  const t = sc.tensor([values]);
  try {
    const p = pixels(toPNG(t, options));
    return values.map((_, j) => p.at(0, j));
  } finally {
    t.dispose();
  }
}

/** Deterministic bytes 0..255 that include both ends. */
function levels(n: number, seed: number): number[] {
  const out: number[] = [];
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    out.push(i === 0 ? 0 : i === 1 ? 255 : s >>> 24);
  }
  return out;
}

const WHITE: RGBA = [255, 255, 255, 255];
const RED: RGBA = [255, 0, 0, 255];
const BLUE: RGBA = [0, 0, 255, 255];
const MAGENTA: RGBA = [255, 0, 255, 255];

describe('toPNG / fromPNG round trip', () => {
  it.each([[1, 2], [2, 1], [1, 7], [6, 8], [13, 17], [32, 3]])('gray %ix%i at 8 bits is exact', (h, w) => {
    const k = levels(h * w, h * 31 + w);
    const X = sc.tensor(Float32Array.from(k, (v) => v / 255), [h, w]);
    const png = toPNG(X);
    const p = pixels(png);
    expect([p.height, p.width]).toEqual([h, w]);
    expect(p.at(h - 1, w - 1)).toEqual([k[h * w - 1]!, k[h * w - 1]!, k[h * w - 1]!, 255]);
    const back = fromPNG(png);
    expect(back.shape).toEqual([h, w]);
    expect(back.data()).toEqual(X.data());
    // A fixed [0, 1] range gives the same picture.
    expect(toPNG(X, { normalize: [0, 1] })).toEqual(png);
    X.dispose();
    back.dispose();
  });

  it('values between the 8-bit levels come back within half a level', () => {
    const X = sc.rand([40, 50], { seed: 3 });
    const back = fromPNG(toPNG(X, { normalize: [0, 1] }));
    const a = X.data();
    const b = back.data();
    for (let i = 0; i < a.length; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThanOrEqual(0.5 / 255 + 1e-7);
    X.dispose();
    back.dispose();
  });

  it('RGB [3, H, W] round trips exactly, in CHW and HWC', () => {
    const k = levels(3 * 4 * 5, 7);
    const X = sc.tensor(Float32Array.from(k, (v) => v / 255), [3, 4, 5]);
    const png = toPNG(X);
    const p = pixels(png);
    expect([p.height, p.width]).toEqual([4, 5]);
    expect(p.at(1, 2)).toEqual([k[7]!, k[20 + 7]!, k[40 + 7]!, 255]);
    const chw = fromPNG(png, { channels: 3 });
    expect(chw.shape).toEqual([3, 4, 5]);
    expect(chw.data()).toEqual(X.data());
    const hwc = fromPNG(png, { channels: 3, layout: 'HWC' });
    expect(hwc.shape).toEqual([4, 5, 3]);
    const back = hwc.transpose([2, 0, 1]);
    expect(back.data()).toEqual(X.data());
    const rgba = fromPNG(png, { channels: 4 });
    expect(rgba.shape).toEqual([4, 4, 5]);
    expect(Array.from(rgba.data().subarray(60))).toEqual(Array(20).fill(1));
    for (const t of [X, chw, hwc, back, rgba]) t.dispose();
  });
});

describe('colormaps', () => {
  // [-1, 0, 1] over a fixed [-1, 1] range: the bottom, middle and top of each map.
  const ends: [string, RGBA, RGBA, RGBA][] = [
    ['gray', [0, 0, 0, 255], [128, 128, 128, 255], [255, 255, 255, 255]],
    ['bwr', BLUE, WHITE, RED],
    ['coolwarm', [59, 76, 192, 255], [221, 221, 221, 255], [180, 4, 38, 255]],
    ['viridis', [68, 1, 84, 255], [33, 144, 140, 255], [253, 231, 37, 255]],
  ];

  it('lists every map', () => {
    expect([...COLORMAPS].sort()).toEqual(ends.map((e) => e[0]).sort());
  });

  it.each(ends)('%s: bottom, middle and top colours', (colormap, lo, mid, hi) => {
    expect(rowColours([-1, 0, 1], { colormap: colormap as ImageOptions['colormap'], normalize: [-1, 1] })).toEqual([lo, mid, hi]);
  });

  it('values outside a fixed range are clamped to its ends', () => {
    expect(rowColours([-5, 0.5, 7], { colormap: 'bwr', normalize: [0, 1] })).toEqual([BLUE, WHITE, RED]);
  });

  it("gray defaults to 'minmax': smallest black, largest white", () => {
    expect(rowColours([2, 4, 6])).toEqual([[0, 0, 0, 255], [128, 128, 128, 255], [255, 255, 255, 255]]);
    expect(rowColours([-3, -3.5])).toEqual([[255, 255, 255, 255], [0, 0, 0, 255]]);
  });

  it("diverging maps default to 'symmetric': [-max|x|, max|x|], 0 in the middle", () => {
    // max |x| = 5: 5 is red, -5 would be blue, 0 white, -3 is 40% of the way from blue to white.
    const [a, b, c] = rowColours([0, 5, -3], { colormap: 'bwr' });
    expect(a).toEqual(WHITE);
    expect(b).toEqual(RED);
    expect(c).toEqual([102, 102, 255, 255]);
  });

  it('a constant tensor is drawn in the middle colour', () => {
    expect(rowColours([3, 3, 3])).toEqual(Array(3).fill([128, 128, 128, 255]));
    expect(rowColours([0, 0], { colormap: 'bwr' })).toEqual([WHITE, WHITE]);
    expect(rowColours([-1e30, -1e30], { colormap: 'coolwarm', normalize: 'minmax' })).toEqual(Array(2).fill([221, 221, 221, 255]));
  });

  it('the lesson: the edge map is red at +1, white at 0, blue at -1; the transposed one is all white', () => {
    const X = sc.ones([6, 8]);
    X.set([null, [2, 6]], 0);
    const K = sc.tensor([[1, -1]]);
    const Y = sc.corr2d(X, K);
    const p = pixels(toPNG(Y, { colormap: 'bwr' }));
    expect([p.height, p.width]).toEqual([6, 7]);
    for (let i = 0; i < 6; i++) {
      for (let j = 0; j < 7; j++) expect(p.at(i, j)).toEqual(j === 1 ? RED : j === 5 ? BLUE : WHITE);
    }
    const c = pixels(toPNG(Y, { colormap: 'coolwarm' }));
    expect([c.at(0, 1), c.at(0, 3), c.at(0, 5)]).toEqual([[180, 4, 38, 255], [221, 221, 221, 255], [59, 76, 192, 255]]);
    const XT = X.T;
    const YT = sc.corr2d(XT, K);
    const q = pixels(toPNG(YT, { colormap: 'bwr' }));
    expect([q.height, q.width]).toEqual([8, 5]);
    for (let i = 0; i < 8; i++) for (let j = 0; j < 5; j++) expect(q.at(i, j)).toEqual(WHITE);
    for (const t of [X, K, Y, XT, YT]) t.dispose();
  });
});

describe('NaN and infinities', () => {
  it('NaN is magenta by default, or nanColor', () => {
    expect(rowColours([0, NaN, 1])).toEqual([[0, 0, 0, 255], MAGENTA, [255, 255, 255, 255]]);
    expect(rowColours([NaN, 1, -1], { colormap: 'bwr' })).toEqual([MAGENTA, RED, BLUE]);
    expect(rowColours([NaN, 0], { nanColor: [0, 255, 0] })[0]).toEqual([0, 255, 0, 255]);
    expect(rowColours([NaN, 0], { nanColor: [1, 2, 3, 0] })[0]).toEqual([1, 2, 3, 0]);
    expect(rowColours([NaN, NaN], { colormap: 'viridis' })).toEqual([MAGENTA, MAGENTA]);
  });

  it('infinities take the end colours and do not stretch the range', () => {
    expect(rowColours([Infinity, -1, 1, -Infinity], { colormap: 'bwr' })).toEqual([RED, BLUE, RED, BLUE]);
    expect(rowColours([-Infinity, 0, 0.5, 1])).toEqual([[0, 0, 0, 255], [0, 0, 0, 255], [128, 128, 128, 255], [255, 255, 255, 255]]);
  });

  it('an RGB pixel with a NaN channel is nanColor', () => {
    const X = sc.tensor(Float32Array.from([1, NaN, 0, 0, 0, 1]), [3, 1, 2]);
    const p = pixels(toPNG(X));
    expect([p.at(0, 0), p.at(0, 1)]).toEqual([[255, 0, 0, 255], MAGENTA]);
    X.dispose();
  });
});

describe('shapes and scale', () => {
  it('[1, H, W] and [1, 1, H, W] give the picture of [H, W]; [1, 3, H, W] that of [3, H, W]', () => {
    const X = sc.randn([5, 6], { seed: 4 });
    const a = X.reshape([1, 5, 6]);
    const b = X.reshape([1, 1, 5, 6]);
    const png = toPNG(X, { colormap: 'viridis' });
    expect(toPNG(a, { colormap: 'viridis' })).toEqual(png);
    expect(toPNG(b, { colormap: 'viridis' })).toEqual(png);
    const rgb = sc.rand([3, 5, 6], { seed: 5 });
    const rgb4 = rgb.reshape([1, 3, 5, 6]);
    expect(toPNG(rgb4)).toEqual(toPNG(rgb));
    for (const t of [X, a, b, rgb, rgb4]) t.dispose();
  });

  it.each([1, 2, 3, 8])('scale %i: each element becomes a uniform scale x scale block', (k) => {
    const X = sc.randn([3, 4], { seed: 6 });
    const one = pixels(toPNG(X, { colormap: 'coolwarm' }));
    const big = pixels(toPNG(X, { colormap: 'coolwarm', scale: k }));
    expect([big.height, big.width]).toEqual([3 * k, 4 * k]);
    for (let i = 0; i < 3 * k; i++) {
      for (let j = 0; j < 4 * k; j++) expect(big.at(i, j)).toEqual(one.at(Math.floor(i / k), Math.floor(j / k)));
    }
    X.dispose();
  });
});

describe('ImageData', () => {
  it('toImageData gives { width, height, data } RGBA (a plain object in Node) equal to the PNG pixels', () => {
    const X = sc.randn([4, 3], { seed: 8 });
    const img = toImageData(X, { colormap: 'bwr', scale: 2 });
    expect(img.width).toBe(6);
    expect(img.height).toBe(8);
    expect(img.data).toBeInstanceOf(Uint8ClampedArray);
    expect(Array.from(img.data)).toEqual(Array.from(decode(toPNG(X, { colormap: 'bwr', scale: 2 })).data));
    X.dispose();
  });

  it('fromImageData reads gray (luma), RGB and RGBA', () => {
    // Pixels: gray 51, pure red, pure green (alpha 128), pure blue.
    const data = new Uint8ClampedArray([51, 51, 51, 255, 255, 0, 0, 255, 0, 255, 0, 128, 0, 0, 255, 255]);
    const gray = fromImageData({ width: 2, height: 2, data });
    expect(gray.shape).toEqual([2, 2]);
    expect(Array.from(gray.data())).toEqual([0.2, 0.299, 0.587, 0.114].map(Math.fround));
    const rgba = fromImageData({ width: 2, height: 2, data }, { channels: 4, layout: 'HWC' });
    expect(rgba.shape).toEqual([2, 2, 4]);
    expect(Array.from(rgba.data())).toEqual(Array.from(data, (v) => Math.fround(v / 255)));
    const rgb = fromImageData({ width: 2, height: 2, data }, { channels: 3 });
    expect(rgb.toArray()).toEqual([[[0.2, 1], [0, 0]], [[0.2, 0], [1, 0]], [[0.2, 0], [0, 1]]].map((c) => c.map((r) => r.map(Math.fround))));
    for (const t of [gray, rgba, rgb]) t.dispose();
  });

  it('fromImageData(toImageData(X)) is X for 8-bit gray levels', () => {
    const X = sc.tensor(Float32Array.from(levels(20, 9), (v) => v / 255), [4, 5]);
    const back = fromImageData(toImageData(X));
    expect(back.data()).toEqual(X.data());
    X.dispose();
    back.dispose();
  });
});

describe('fromPNG reads every PNG colour type and depth', () => {
  const w = 3;
  const h = 2;
  it.each([
    ['gray 8-bit', { channels: 1, depth: 8, data: new Uint8Array([0, 51, 255, 102, 153, 204]) }, [0, 0.2, 1, 0.4, 0.6, 0.8]],
    ['gray 16-bit', { channels: 1, depth: 16, data: new Uint16Array([0, 13107, 65535, 26214, 39321, 52428]) }, [0, 0.2, 1, 0.4, 0.6, 0.8]],
    ['gray + alpha', { channels: 2, depth: 8, data: new Uint8Array([0, 9, 51, 9, 255, 9, 102, 9, 153, 9, 204, 9]) }, [0, 0.2, 1, 0.4, 0.6, 0.8]],
    ['RGB', { channels: 3, depth: 8, data: new Uint8Array([255, 0, 0, 0, 255, 0, 0, 0, 255, 51, 51, 51, 0, 0, 0, 255, 255, 255]) },
      [0.299, 0.587, 0.114, 0.2, 0, 1]],
    ['gray 1-bit (packed rows)', { channels: 1, depth: 1, data: new Uint8Array([0b10100000, 0b01000000]) }, [1, 0, 1, 0, 1, 0]],
    ['gray 4-bit (packed rows)', { channels: 1, depth: 4, data: new Uint8Array([0x0f, 0x30, 0x69, 0xc0]) }, [0, 1, 0.2, 0.4, 0.6, 0.8]],
    ['palette', { channels: 1, depth: 8, palette: [[0, 0, 0], [255, 255, 255], [51, 51, 51]], data: new Uint8Array([0, 2, 1, 1, 2, 0]) },
      [0, 0.2, 1, 1, 0.2, 0]],
  ] as const)('%s', (_name, image, expected) => {
    const png = encode({ width: w, height: h, ...image } as Parameters<typeof encode>[0]);
    expect(decode(png).depth).toBe(image.depth);
    const X = fromPNG(png);
    expect(X.shape).toEqual([h, w]);
    expect(Array.from(X.data())).toEqual(expected.map(Math.fround));
    X.dispose();
  });

  it('accepts an ArrayBuffer and a Buffer', () => {
    const png = sc.tidy(() => toPNG(sc.eye(3)));
    const a = fromPNG(png.buffer.slice(png.byteOffset, png.byteOffset + png.byteLength) as ArrayBuffer);
    const b = fromPNG(Buffer.from(png));
    expect(a.toArray()).toEqual([[1, 0, 0], [0, 1, 0], [0, 0, 1]]);
    expect(b.toArray()).toEqual(a.toArray());
    a.dispose();
    b.dispose();
  });
});

describe('bad input', () => {
  // Every case runs inside tidy(), so the tensors it makes are freed whether it throws or not.
  const withX = (f: (X: sc.Tensor) => unknown) => () => sc.tidy(() => f(sc.ones([2, 3])));
  const png = () => sc.tidy(() => toPNG(sc.ones([2, 3])));
  const dead = () => {
    const t = sc.ones([2, 2]);
    t.dispose();
    return t;
  };
  const cases: [string, () => unknown, typeof sc.SimdconvError, string, string, RegExp][] = [
    ['not a tensor', () => toPNG([[1, 2]] as never), sc.ArgumentError, 'toPNG', 'tensor', /a Tensor/],
    ['disposed', () => toPNG(dead()), sc.DisposedTensorError, 'toPNG', 'tensor', /disposed/],
    ['rank 1', () => sc.tidy(() => toPNG(sc.ones([5]))), sc.ShapeError, 'toPNG', 'tensor', /got shape \[5\]/],
    ['2 channels', () => sc.tidy(() => toPNG(sc.ones([2, 3, 3]))), sc.ShapeError, 'toPNG', 'tensor', /C = 1 \(gray\) or 3 \(RGB\)/],
    ['batch of 2', () => sc.tidy(() => toPNG(sc.ones([2, 1, 3, 3]))), sc.ShapeError, 'toPNG', 'tensor', /\[2, 1, 3, 3\]/],
    ['rank 5', () => sc.tidy(() => toImageData(sc.ones([1, 1, 1, 2, 2]))), sc.ShapeError, 'toImageData', 'tensor', /image/],
    ['empty', () => sc.tidy(() => toPNG(sc.zeros([0, 4]))), sc.ShapeError, 'toPNG', 'tensor', /at least 1x1/],
    ['bad colormap', withX((X) => toPNG(X, { colormap: 'jet' as never })), sc.ArgumentError, 'toPNG', 'colormap', /one of 'gray'.*got 'jet'/],
    ['colormap on RGB', () => sc.tidy(() => toPNG(sc.ones([3, 2, 2]), { colormap: 'gray' })), sc.ArgumentError, 'toPNG', 'colormap', /RGB/],
    ['bad normalize', withX((X) => toPNG(X, { normalize: 'max' as never })), sc.ArgumentError, 'toPNG', 'normalize', /got 'max'/],
    ['empty range', withX((X) => toPNG(X, { normalize: [1, 1] })), sc.ArgumentError, 'toPNG', 'normalize', /lo < hi/],
    ['reversed range', withX((X) => toPNG(X, { normalize: [1, 0] })), sc.ArgumentError, 'toPNG', 'normalize', /got \[1, 0\]/],
    ['NaN range', withX((X) => toPNG(X, { normalize: [0, NaN] })), sc.ArgumentError, 'toPNG', 'normalize', /finite/],
    ['fractional scale', withX((X) => toPNG(X, { scale: 1.5 })), sc.ArgumentError, 'toPNG', 'scale', /positive integer.*got 1\.5/],
    ['zero scale', withX((X) => toPNG(X, { scale: 0 })), sc.ArgumentError, 'toPNG', 'scale', /got 0/],
    ['huge scale', withX((X) => toPNG(X, { scale: 100_000 })), sc.ArgumentError, 'toPNG', 'scale', /300000x200000/],
    ['bad nanColor', withX((X) => toPNG(X, { nanColor: [256, 0, 0] })), sc.ArgumentError, 'toPNG', 'nanColor', /0\.\.255/],
    ['unknown option', withX((X) => toPNG(X, { colorMap: 'bwr' } as never)), sc.ArgumentError, 'toPNG', 'options', /'colorMap'/],
    ['options not an object', withX((X) => toPNG(X, 'bwr' as never)), sc.ArgumentError, 'toPNG', 'options', /got 'bwr'/],
    ['not bytes', () => fromPNG('x.png' as never), sc.ArgumentError, 'fromPNG', 'bytes', /got 'x.png'/],
    ['not a PNG', () => fromPNG(new TextEncoder().encode('GIF89a.....')), sc.ArgumentError, 'fromPNG', 'bytes', /PNG signature.*47 49 46 38/],
    ['no bytes', () => fromPNG(new Uint8Array(0)), sc.ArgumentError, 'fromPNG', 'bytes', /got no bytes/],
    ['truncated PNG', () => fromPNG(png().subarray(0, 40)), sc.ArgumentError, 'fromPNG', 'bytes', /fails to decode/],
    ['bad channels', () => fromPNG(png(), { channels: 2 as never }), sc.ArgumentError, 'fromPNG', 'channels', /1, 3 or 4, got 2/],
    ['bad layout', () => fromPNG(png(), { channels: 3, layout: 'NHWC' as never }), sc.ArgumentError, 'fromPNG', 'layout', /'NHWC'/],
    ['ImageData: not an object', () => fromImageData(null as never), sc.ArgumentError, 'fromImageData', 'image', /got null/],
    ['ImageData: bad size', () => fromImageData({ width: 0, height: 2, data: new Uint8ClampedArray(0) }), sc.ArgumentError, 'fromImageData', 'image', /width 0/],
    ['ImageData: short data', () => fromImageData({ width: 2, height: 2, data: new Uint8ClampedArray(15) }), sc.ArgumentError, 'fromImageData', 'image', /16 bytes.*Uint8ClampedArray\(15\)/],
    ['ImageData: float data', () => fromImageData({ width: 1, height: 1, data: new Float32Array(4) as never }), sc.ArgumentError, 'fromImageData', 'image', /Float32Array\(4\)/],
  ];

  it.each(cases)('%s', (_name, fn, cls, op, argument, message) => {
    expectError(fn, cls, { op, argument, message });
  });

  it("a PNG signature followed by garbage is an ArgumentError, not fast-png's own Error", () => {
    expect(() => fromPNG(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0]))).toThrow(sc.ArgumentError);
  });
});

describe('packaging', () => {
  it("the core entry bundles without any dependency (fast-png is only reached through 'simdconv/image')", async () => {
    const root = fileURLToPath(new URL('..', import.meta.url));
    const bundle = async (entry: string) => {
      const r = await build({
        entryPoints: [entry], absWorkingDir: root, bundle: true, write: false, metafile: true, format: 'esm',
        platform: 'neutral', external: ['node:*'], logLevel: 'silent',
      });
      return Object.keys(r.metafile.inputs);
    };
    const core = await bundle('src/index.ts');
    expect(core.filter((f) => !f.startsWith('src/'))).toEqual([]);
    const image = await bundle('src/image.ts');
    expect(image.some((f) => f.includes('node_modules/fast-png/'))).toBe(true);
  });
});
