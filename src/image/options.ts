// The options and picture types of simdconv/image, and reading an options object.
import { ArgumentError } from '../errors.js';
import { readOptions } from '../args.js';
import type { Colormap } from './colormap.js';

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

/** The options read once (see readOptions); null is refused. */
export function checkOptions(op: string, o: unknown, allowed: ReadonlySet<string>): Record<string, unknown> {
  if (o === null) throw new ArgumentError(op, 'options', 'an options object', 'null');
  return readOptions<Record<string, unknown>>(op, o, allowed);
}
