// Pictures of tensors: a tensor's values through a colormap (or as RGB) into RGBA pixels, as a
// PNG file or an ImageData.
import { encode } from 'fast-png';
import { ArgumentError, ShapeError, describe, shapeStr } from '../errors.js';
import { DIMS, type Tensor, checkTensor } from '../tensor.js';
import { checkInt, readArray } from '../args.js';
import { heap } from '../wasm/runtime.js';
import { COLORMAPS, DIVERGING, lut, mapPlane, mapRGB, pack, type Colormap } from './colormap.js';
import { checkOptions, type ImageOptions, type RGBAImage } from './options.js';

const DEFAULT_NAN: readonly number[] = [255, 0, 255, 255];
const MAX_PIXELS = 2 ** 28; // 1 GiB of RGBA
const IMAGE_KEYS = new Set(['colormap', 'normalize', 'scale', 'nanColor']);

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
