// Tensors of pictures: a PNG file's or an RGBA picture's pixels as values in [0, 1].
import { decode, hasPngSignature, convertIndexedToRgb, type DecodedPng } from 'fast-png';
import { ArgumentError, describe } from '../errors.js';
import { type Tensor, empty } from '../tensor.js';
import { heap } from '../wasm/runtime.js';
import { checkOptions, type FromImageOptions, type RGBAImage } from './options.js';

const FROM_KEYS = new Set(['channels', 'layout']);

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
export function fromImageData(image: RGBAImage, options?: FromImageOptions): Tensor {
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
