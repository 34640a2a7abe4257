// Pictures of tensors (`simdconv/image`): colormaps, PNG files and canvas ImageData, both ways.
// A subpath entry of its own so that the core entry keeps zero runtime dependencies: PNG encoding
// and decoding is fast-png's.
//
// Pixel layout everywhere: RGBA, 8 bits per channel, rows top to bottom, row-major, no padding
// (the layout of a canvas ImageData). A tensor's element [i, j] is the pixel in row i, column j.
import { decode, encode, hasPngSignature, convertIndexedToRgb, type DecodedPng } from 'fast-png';
import { ArgumentError, ShapeError, describe, shapeStr } from './errors.js';
import { DIMS, Tensor, empty, checkTensor } from './tensor.js';
import { checkInt, readArray, readOptions } from './args.js';
import { heap } from './wasm/runtime.js';

/**
 * The colormaps: `'gray'` (black to white), `'viridis'` (perceptually uniform, dark purple to
 * yellow), and two diverging maps meant for `normalize: 'symmetric'`, where 0 sits in the middle:
 * `'bwr'` (blue, white at 0, red) and `'coolwarm'` (Moreland's blue, light grey (221) at 0, red).
 */
export const COLORMAPS = ['gray', 'viridis', 'bwr', 'coolwarm'] as const;
export type Colormap = (typeof COLORMAPS)[number];

/**
 * How values are mapped to [0, 1] before the colormap (or to 0..255 per channel for RGB):
 * - `'minmax'`: the smallest finite value to 0, the largest to 1;
 * - `'symmetric'`: `[-m, m]` with m the largest finite |value|, so 0 maps to the middle;
 * - `[lo, hi]`: a fixed range (lo < hi); values outside it are clamped.
 * A range of zero width (a constant tensor, or all zeros under `'symmetric'`) maps to the middle
 * of the colormap. +Infinity draws as the top colour, -Infinity as the bottom one, NaN in `nanColor`.
 */
export type Normalize = 'minmax' | 'symmetric' | readonly [number, number];

export interface ImageOptions {
  /** Default `'gray'`. Not allowed for a 3-channel (RGB) tensor, which is drawn as its colours. */
  colormap?: Colormap;
  /**
   * Default `'symmetric'` for the diverging maps (`'bwr'`, `'coolwarm'`), `'minmax'` for `'gray'`
   * and `'viridis'`, and `[0, 1]` for RGB tensors (like matplotlib's imshow, which clips RGB floats to [0, 1]).
   */
  normalize?: Normalize;
  /** Integer upsampling factor, nearest neighbour (each element becomes scale x scale pixels). Default 1. */
  scale?: number;
  /** The colour of NaN elements, `[r, g, b]` or `[r, g, b, a]` in 0..255. Default magenta `[255, 0, 255, 255]`. */
  nanColor?: readonly number[];
}

/** An RGBA picture: what a browser's `ImageData` holds (and is, in browsers). */
export interface RGBAImage {
  readonly width: number;
  readonly height: number;
  /** width * height * 4 bytes, RGBA, rows top to bottom. */
  readonly data: Uint8ClampedArray;
}

/** Options of `fromPNG` / `fromImageData`: the channels and layout of the tensor they return. */
export interface FromImageOptions {
  /**
   * 1 (default): gray `[H, W]`; colour pixels become their luma 0.299 R + 0.587 G + 0.114 B
   * (ITU-R BT.601, as PIL's `convert('L')`), alpha is ignored.
   * 3: RGB; 4: RGBA (opaque images get alpha 1). Gray pixels are repeated in R, G and B.
   */
  channels?: 1 | 3 | 4;
  /** Where the channel axis goes for 3 or 4 channels: `'CHW'` (default, `[C, H, W]`, like NCHW) or `'HWC'` (`[H, W, C]`, like NHWC). */
  layout?: 'CHW' | 'HWC';
}

// Colormaps are sampled at LUT_SIZE points, i / 765 for i = 0..765. 765 = 3 * 255 is an odd
// multiple of 255, so rounding a value to the table and the table to 8 bits is the same as rounding
// straight to 8 bits (gray pictures are exact), and the entry nearest t = 1/2 (at 383/765) is
// within a third of a level of the map's middle colour (pure white for bwr).
const LUT_SIZE = 766;
const DEFAULT_NAN: readonly number[] = [255, 0, 255, 255];
const MAX_PIXELS = 2 ** 28; // 1 GiB of RGBA
const IMAGE_KEYS = new Set(['colormap', 'normalize', 'scale', 'nanColor']);
const FROM_KEYS = new Set(['channels', 'layout']);

/**
 * Colour stops, evenly spaced from 0 to 1, 8-bit sRGB, interpolated linearly.
 * bwr and gray are exact; coolwarm is Moreland's 33-point table (which matplotlib's coolwarm
 * samples); viridis approximates matplotlib's 256-entry viridis by 9 of its evenly spaced
 * samples, interpolated linearly in sRGB.
 */
const STOPS: Record<Colormap, readonly (readonly [number, number, number])[]> = {
  gray: [[0, 0, 0], [255, 255, 255]],
  bwr: [[0, 0, 255], [255, 255, 255], [255, 0, 0]],
  coolwarm: [
    [59, 76, 192], [68, 90, 204], [77, 104, 215], [87, 117, 225], [98, 130, 234], [108, 142, 241],
    [119, 154, 247], [130, 165, 251], [141, 176, 254], [152, 185, 255], [163, 194, 255], [174, 201, 253],
    [184, 208, 249], [194, 213, 244], [204, 217, 238], [213, 219, 230], [221, 221, 221], [229, 216, 209],
    [236, 211, 197], [241, 204, 185], [245, 196, 173], [247, 187, 160], [247, 177, 148], [247, 166, 135],
    [244, 154, 123], [241, 141, 111], [236, 127, 99], [229, 112, 88], [222, 96, 77], [213, 80, 66],
    [203, 62, 56], [192, 40, 47], [180, 4, 38],
  ],
  viridis: [
    [68, 1, 84], [71, 45, 123], [59, 82, 139], [44, 114, 142], [33, 144, 140], [39, 173, 129],
    [93, 200, 99], [170, 220, 50], [253, 231, 37],
  ],
};

const DIVERGING: ReadonlySet<Colormap> = new Set<Colormap>(['bwr', 'coolwarm']);

/** One packed RGBA word per LUT entry, in the platform's byte order (written through a Uint32Array view). */
const luts = new Map<Colormap, Uint32Array>();

function lut(name: Colormap): Uint32Array {
  let table = luts.get(name);
  if (table === undefined) {
    const stops = STOPS[name];
    const bytes = new Uint8Array(LUT_SIZE * 4);
    const segments = stops.length - 1;
    for (let i = 0; i < LUT_SIZE; i++) {
      const pos = (i / (LUT_SIZE - 1)) * segments;
      const k = Math.min(Math.floor(pos), segments - 1);
      const f = pos - k;
      const a = stops[k]!;
      const b = stops[k + 1]!;
      for (let c = 0; c < 3; c++) bytes[i * 4 + c] = Math.round(a[c]! + f * (b[c]! - a[c]!));
      bytes[i * 4 + 3] = 255;
    }
    table = new Uint32Array(bytes.buffer);
    luts.set(name, table);
  }
  return table;
}

/** A packed RGBA word (platform byte order) for 4 bytes. */
function pack(rgba: readonly number[]): number {
  const b = new Uint8Array(rgba);
  return new Uint32Array(b.buffer)[0]!;
}

interface Picture {
  /** Element offset of channel c's plane is c * planeSize. */
  height: number;
  width: number;
  channels: 1 | 3;
}

/** The picture geometry of a tensor: [H, W], [C, H, W] or [1, C, H, W] with C = 1 or 3. */
function pictureOf(op: string, t: Tensor): Picture {
  const s = t[DIMS];
  let c = 1;
  let h: number;
  let w: number;
  if (s.length === 2) [h, w] = s as [number, number];
  else if (s.length === 3 && (s[0] === 1 || s[0] === 3)) [c, h, w] = s as [number, number, number];
  else if (s.length === 4 && s[0] === 1 && (s[1] === 1 || s[1] === 3)) [, c, h, w] = s as [number, number, number, number];
  else {
    throw new ShapeError(op, 'tensor', 'an image: [H, W], or [C, H, W] / [1, C, H, W] with C = 1 (gray) or 3 (RGB)',
      `shape ${shapeStr(s)}`);
  }
  if (h === 0 || w === 0) throw new ShapeError(op, 'tensor', 'an image of at least 1x1 pixels', `shape ${shapeStr(s)}`);
  return { height: h, width: w, channels: c as 1 | 3 };
}

interface Resolved {
  colormap: Colormap | null;
  lo: number;
  hi: number;
  scale: number;
  nan: number;
}

/** The options read once (see readOptions); null is refused. */
function checkOptions(op: string, o: unknown, allowed: ReadonlySet<string>): Record<string, unknown> {
  if (o === null) throw new ArgumentError(op, 'options', 'an options object', 'null');
  return readOptions<Record<string, unknown>>(op, o, allowed);
}

/** Largest finite |x| (symmetric) or the finite min and max; [0, 0] when nothing is finite. */
function finiteRange(x: Float32Array, symmetric: boolean): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    if (v < lo && v !== -Infinity) lo = v;
    if (v > hi && v !== Infinity) hi = v;
  }
  if (lo > hi) return [0, 0];
  if (symmetric) {
    const m = Math.max(-lo, hi);
    return [-m, m];
  }
  return [lo, hi];
}

function isRange(r: unknown[]): boolean {
  return r.length === 2 && typeof r[0] === 'number' && typeof r[1] === 'number' && Number.isFinite(r[0]) && Number.isFinite(r[1]) && r[0] < r[1];
}

function resolve(op: string, options: unknown, pic: Picture, x: Float32Array): Resolved {
  const o = checkOptions(op, options, IMAGE_KEYS);
  let colormap: Colormap | null = null;
  if (pic.channels === 3) {
    if (o.colormap !== undefined) {
      throw new ArgumentError(op, 'colormap', 'omitted for a 3-channel (RGB) tensor, which is drawn in its own colours', describe(o.colormap));
    }
  } else {
    colormap = (o.colormap ?? 'gray') as Colormap;
    if (!(COLORMAPS as readonly unknown[]).includes(colormap)) {
      throw new ArgumentError(op, 'colormap', `one of ${COLORMAPS.map(describe).join(', ')}`, describe(o.colormap));
    }
  }
  const normalize = o.normalize ?? (colormap === null ? [0, 1] : DIVERGING.has(colormap) ? 'symmetric' : 'minmax');
  let lo: number;
  let hi: number;
  let range: unknown[] = [];
  if (normalize === 'minmax' || normalize === 'symmetric') {
    [lo, hi] = finiteRange(x, normalize === 'symmetric');
  } else if (Array.isArray(normalize) && isRange(range = readArray(op, 'normalize', normalize, 'a range [lo, hi]', 2))) {
    [lo, hi] = range as [number, number];
  } else {
    throw new ArgumentError(op, 'normalize', "'minmax', 'symmetric' or a range [lo, hi] of finite numbers with lo < hi", describe(normalize));
  }
  if (lo === hi) {
    // A zero-width range: widen it around the value so that the value maps exactly to the middle.
    const d = Math.max(Math.abs(lo), 1);
    lo -= d;
    hi += d;
  }
  const scale = checkInt(op, 'scale', o.scale ?? 1, 1);
  if (pic.width * pic.height * scale * scale > MAX_PIXELS) {
    throw new ArgumentError(op, 'scale', `a factor giving at most ${MAX_PIXELS} pixels`,
      `${scale}, giving ${pic.width * scale}x${pic.height * scale} pixels`);
  }
  const nanArg = o.nanColor ?? DEFAULT_NAN;
  const nanColor = Array.isArray(nanArg) ? readArray(op, 'nanColor', nanArg, '[r, g, b] or [r, g, b, a] with integers 0..255', 4) as number[] : null;
  if (nanColor === null || (nanColor.length !== 3 && nanColor.length !== 4) ||
      !nanColor.every((v) => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 255)) {
    throw new ArgumentError(op, 'nanColor', '[r, g, b] or [r, g, b, a] with integers 0..255', describe(nanColor));
  }
  return { colormap, lo, hi, scale, nan: pack(nanColor.length === 3 ? [...nanColor, 255] : nanColor) };
}

/** Colours one gray plane through a LUT: out[i] = lut[round((x[i] - lo) / (hi - lo) * (N - 1))], clamped; NaN -> nan. */
function mapPlane(x: Float32Array, out: Uint32Array, table: Uint32Array, lo: number, hi: number, nan: number): void {
  const top = table.length - 1;
  const s = top / (hi - lo);
  const off = 0.5 - lo * s; // x * s + off is the LUT index plus one half: truncation rounds
  for (let i = 0; i < x.length; i++) {
    const p = x[i]! * s + off;
    if (p >= 0) out[i] = table[p < top ? p | 0 : top]!;
    else if (p < 0) out[i] = table[0]!;
    else out[i] = nan;
  }
}

/** Colours three planes (R, G, B) of `n` elements each; a pixel with a NaN channel is `nan`. */
function mapRGB(x: Float32Array, n: number, out: Uint32Array, lo: number, hi: number, nan: number): void {
  const bytes = new Uint8Array(out.buffer, out.byteOffset, n * 4);
  const s = 255 / (hi - lo);
  const off = 0.5 - lo * s;
  for (let i = 0; i < n; i++) {
    const r = x[i]! * s + off;
    const g = x[n + i]! * s + off;
    const b = x[2 * n + i]! * s + off;
    if (r !== r || g !== g || b !== b) {
      out[i] = nan;
      continue;
    }
    const o = i * 4;
    bytes[o] = r < 0 ? 0 : r < 255 ? r | 0 : 255;
    bytes[o + 1] = g < 0 ? 0 : g < 255 ? g | 0 : 255;
    bytes[o + 2] = b < 0 ? 0 : b < 255 ? b | 0 : 255;
    bytes[o + 3] = 255;
  }
}

/** Nearest-neighbour upsampling of a w x h picture by `k`: each pixel fills a k x k block. */
function upsample(src: Uint32Array, w: number, h: number, k: number, out: Uint32Array): void {
  const ow = w * k;
  for (let i = 0; i < h; i++) {
    const row = i * k * ow;
    for (let j = 0; j < w; j++) out.fill(src[i * w + j]!, row + j * k, row + (j + 1) * k);
    for (let r = 1; r < k; r++) out.copyWithin(row + r * ow, row, row + ow);
  }
}

/** The RGBA bytes of a picture of `t`. */
function render(op: string, t: unknown, options: unknown): { width: number; height: number; data: Uint8ClampedArray<ArrayBuffer> } {
  const x0 = checkTensor(op, 'tensor', t);
  const pic = pictureOf(op, x0);
  // A view over wasm memory: valid while nothing is allocated in it, which holds until we return.
  const p = x0.ptr(op, 'tensor') >> 2;
  const x = heap(op).f32().subarray(p, p + x0.size);
  const o = resolve(op, options, pic, x);
  const { width: w, height: h } = pic;
  const width = w * o.scale;
  const height = h * o.scale;
  const data = new Uint8ClampedArray(width * height * 4);
  const out = new Uint32Array(data.buffer);
  const base = o.scale === 1 ? out : new Uint32Array(w * h);
  if (o.colormap === null) mapRGB(x, w * h, base, o.lo, o.hi, o.nan);
  else mapPlane(x, base, lut(o.colormap), o.lo, o.hi, o.nan);
  if (o.scale !== 1) upsample(base, w, h, o.scale, out);
  return { width, height, data };
}

/**
 * A PNG picture (RGBA, 8 bits) of a gray `[H, W]` tensor through a colormap, or of an RGB
 * `[3, H, W]` tensor. `[1, H, W]`, `[1, 1, H, W]` and `[1, 3, H, W]` are accepted too.
 * @example
 * import { toPNG } from 'simdconv/image';
 * const X = sc.ones([6, 8]).set([null, [2, 6]], 0);
 * const Y = sc.corr2d(X, sc.tensor([[1, -1]]));
 * const png = toPNG(Y, { colormap: 'bwr', scale: 32 }); // +1 red, 0 white, -1 blue
 * // writeFileSync('edges.png', png) in Node
 * String.fromCharCode(...png.subarray(1, 4))   // => 'PNG'
 */
export function toPNG(tensor: Tensor, options?: ImageOptions): Uint8Array {
  const img = render('toPNG', tensor, options);
  return encode({ width: img.width, height: img.height, data: img.data, channels: 4, depth: 8 });
}

/**
 * The RGBA pixels of a picture of `tensor` (same options as `toPNG`). In a browser this is an
 * `ImageData` for `ctx.putImageData`; elsewhere a plain `{ width, height, data }` object.
 * @example
 * import { toImageData } from 'simdconv/image';
 * const img = toImageData(sc.tensor([[1, 0, -1]]), { colormap: 'bwr' });   // in a browser: ctx.putImageData(img, 0, 0)
 * [img.width, img.height, img.data.length]   // => [3, 1, 12]
 */
export function toImageData(tensor: Tensor, options?: ImageOptions): RGBAImage {
  const img = render('toImageData', tensor, options);
  if (typeof ImageData === 'function') return new ImageData(img.data, img.width, img.height);
  return img;
}

interface Samples {
  width: number;
  height: number;
  /** Interleaved samples, `channels` per pixel. */
  data: ArrayLike<number>;
  /** 1 gray, 2 gray + alpha, 3 RGB, 4 RGBA. */
  channels: number;
  /** The value of full intensity (255 or 65535, or 2^depth - 1 for packed gray). */
  max: number;
}

interface FromResolved {
  channels: 1 | 3 | 4;
  layout: 'CHW' | 'HWC';
}

function fromOptions(op: string, options: unknown): FromResolved {
  const o = checkOptions(op, options, FROM_KEYS);
  const channels = o.channels ?? 1;
  if (channels !== 1 && channels !== 3 && channels !== 4) throw new ArgumentError(op, 'channels', '1, 3 or 4', describe(channels));
  const layout = o.layout ?? 'CHW';
  if (layout !== 'CHW' && layout !== 'HWC') throw new ArgumentError(op, 'layout', "'CHW' or 'HWC'", describe(layout));
  return { channels, layout };
}

/** Writes a tensor of the requested channels from interleaved samples; values in [0, 1]. */
function toTensor(op: string, s: Samples, { channels, layout }: FromResolved): Tensor {
  const { width: w, height: h, data: d, channels: sc, max } = s;
  const n = w * h;
  const shape = channels === 1 ? [h, w] : layout === 'CHW' ? [channels, h, w] : [h, w, channels];
  const t = empty(shape, op);
  const p = t.ptr(op, 'result') >> 2;
  const y = heap(op).f32().subarray(p, p + n * channels);
  // Element (pixel i, channel c) is at i * cs + c * ps.
  const cs = layout === 'HWC' ? channels : 1;
  const ps = layout === 'HWC' ? 1 : n;
  const color = sc >= 3;
  const alpha = sc === 2 || sc === 4 ? sc - 1 : -1;
  for (let i = 0; i < n; i++) {
    const q = i * sc;
    if (channels === 1) {
      // The luma in integers first, so that R = G = B = k gives exactly k / max.
      y[i] = color ? (299 * d[q]! + 587 * d[q + 1]! + 114 * d[q + 2]!) / (1000 * max) : d[q]! / max;
      continue;
    }
    const r = d[q]! / max;
    y[i * cs] = r;
    y[i * cs + ps] = color ? d[q + 1]! / max : r;
    y[i * cs + 2 * ps] = color ? d[q + 2]! / max : r;
    if (channels === 4) y[i * cs + 3 * ps] = alpha < 0 ? 1 : d[q + alpha]! / max;
  }
  return t;
}

/** Unpacks 1-, 2- or 4-bit gray rows (each row starts on a byte) into one sample per pixel. */
function unpack(png: DecodedPng): Uint8Array {
  const { width: w, height: h, depth } = png;
  const packed = png.data as Uint8Array;
  const rowBytes = Math.ceil((w * depth) / 8);
  const mask = (1 << depth) - 1;
  const out = new Uint8Array(w * h);
  for (let i = 0; i < h; i++) {
    for (let j = 0; j < w; j++) {
      const bit = j * depth;
      out[i * w + j] = (packed[i * rowBytes + (bit >> 3)]! >> (8 - depth - (bit & 7))) & mask;
    }
  }
  return out;
}

function checkBytes(op: string, bytes: unknown): Uint8Array {
  const u8 = bytes instanceof ArrayBuffer ? new Uint8Array(bytes)
    : ArrayBuffer.isView(bytes) ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) : null;
  if (u8 === null) throw new ArgumentError(op, 'bytes', 'the bytes of a PNG file (a Uint8Array or an ArrayBuffer)', describe(bytes));
  if (!hasPngSignature(u8)) {
    const head = Array.from(u8.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ');
    throw new ArgumentError(op, 'bytes', 'a PNG file (starting with the PNG signature 89 50 4e 47 0d 0a 1a 0a)',
      u8.length === 0 ? 'no bytes' : `${u8.length} bytes starting with ${head}`);
  }
  return u8;
}

/**
 * A tensor of a PNG file's pixels, values in [0, 1] (8- and 16-bit, gray, gray + alpha, RGB, RGBA
 * and palette images; interlaced too). Gray `[H, W]` by default; `{ channels: 3 }` gives RGB
 * `[3, H, W]` (or `[H, W, 3]` with `layout: 'HWC'`). Needs `await init()` first.
 * @example
 * import { toPNG, fromPNG } from 'simdconv/image';
 * const bytes = toPNG(sc.tensor([[0, 1], [1, 0]]), { colormap: 'gray' });   // or readFileSync('edges.png')
 * fromPNG(bytes)                                // => [[0, 1], [1, 0]]
 * const x = fromPNG(bytes, { channels: 3 }).reshape([1, 3, 2, 2]); // NCHW for conv2d
 * x.shape                                       // => [1, 3, 2, 2]
 */
export function fromPNG(bytes: Uint8Array | ArrayBuffer, options?: FromImageOptions): Tensor {
  const op = 'fromPNG';
  const u8 = checkBytes(op, bytes);
  const o = fromOptions(op, options);
  let png: DecodedPng;
  try {
    png = decode(u8);
  } catch (e) {
    throw new ArgumentError(op, 'bytes', 'a valid PNG file', `a PNG that fails to decode (${(e as Error).message})`);
  }
  if (png.width < 1 || png.height < 1) {
    throw new ArgumentError(op, 'bytes', 'a PNG of at least 1x1 pixels', `a ${png.width}x${png.height} image`);
  }
  if (png.palette) {
    // Every index must name a palette entry (a decoder would read past the palette).
    const indices = png.depth < 8 ? unpack(png) : (png.data as Uint8Array);
    const entries = png.palette.length;
    for (let i = 0; i < png.width * png.height; i++) {
      if (indices[i]! >= entries) {
        throw new ArgumentError(op, 'bytes', `a palette image whose indices are below its palette's ${entries} entries`, `index ${indices[i]} at pixel ${i}`);
      }
    }
    const rgb = convertIndexedToRgb(png);
    return toTensor(op, { width: png.width, height: png.height, data: rgb, channels: png.palette[0]!.length, max: 255 }, o);
  }
  if (png.depth < 8) {
    return toTensor(op, { width: png.width, height: png.height, data: unpack(png), channels: 1, max: (1 << png.depth) - 1 }, o);
  }
  return toTensor(op, { width: png.width, height: png.height, data: png.data, channels: png.channels, max: png.depth === 16 ? 65535 : 255 }, o);
}

/**
 * A tensor of an RGBA picture's pixels (a canvas `ImageData`, or any `{ width, height, data }`
 * with width * height * 4 bytes), values in [0, 1]; options as `fromPNG`. Needs `await init()` first.
 * @example
 * import { fromImageData } from 'simdconv/image';
 * // In a browser: fromImageData(ctx.getImageData(0, 0, canvas.width, canvas.height)), gray [H, W]
 * const img = { width: 2, height: 1, data: new Uint8ClampedArray([0, 0, 0, 255, 255, 255, 255, 255]) };
 * fromImageData(img)   // => [[0, 1]]
 */
export function fromImageData(image: RGBAImage | ImageData, options?: FromImageOptions): Tensor {
  const op = 'fromImageData';
  const o = fromOptions(op, options);
  if (image === null || typeof image !== 'object') throw new ArgumentError(op, 'image', 'an ImageData or { width, height, data }', describe(image));
  const { width, height } = image;
  const data: unknown = image.data;
  if (typeof width !== 'number' || !Number.isInteger(width) || width < 1 || typeof height !== 'number' || !Number.isInteger(height) || height < 1) {
    throw new ArgumentError(op, 'image', 'a positive integer width and height', `width ${describe(width)}, height ${describe(height)}`);
  }
  if (!(data instanceof Uint8ClampedArray || data instanceof Uint8Array) || data.length !== width * height * 4) {
    throw new ArgumentError(op, 'image', `data of width * height * 4 = ${width * height * 4} bytes (a Uint8ClampedArray, RGBA)`, describe(data));
  }
  return toTensor(op, { width, height, data, channels: 4, max: 255 }, o);
}
