// Colormaps as lookup tables of packed RGBA words, and colouring planes of float32 values with
// them (see image.ts for the pixel layout).

/**
 * The colormaps: `'gray'` (black to white), `'viridis'` (perceptually uniform, dark purple to
 * yellow), and two diverging maps meant for `normalize: 'symmetric'`, where 0 sits in the middle:
 * `'bwr'` (blue, white at 0, red) and `'coolwarm'` (Moreland's blue, light grey (221) at 0, red).
 */
export const COLORMAPS = ['gray', 'viridis', 'bwr', 'coolwarm'] as const;
export type Colormap = (typeof COLORMAPS)[number];

// Colormaps are sampled at LUT_SIZE points, i / 765 for i = 0..765. 765 = 3 * 255 is an odd
// multiple of 255, so rounding a value to the table and the table to 8 bits is the same as rounding
// straight to 8 bits (gray pictures are exact), and the entry nearest t = 1/2 (at 383/765) is
// within a third of a level of the map's middle colour (pure white for bwr).
const LUT_SIZE = 766;

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

export const DIVERGING: ReadonlySet<Colormap> = new Set<Colormap>(['bwr', 'coolwarm']);

/** One packed RGBA word per LUT entry, in the platform's byte order (written through a Uint32Array view). */
const luts = new Map<Colormap, Uint32Array>();

export function lut(name: Colormap): Uint32Array {
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
export function pack(rgba: readonly number[]): number {
  const b = new Uint8Array(rgba);
  return new Uint32Array(b.buffer)[0]!;
}

/** Colours one gray plane through a LUT: out[i] = lut[round((x[i] - lo) / (hi - lo) * (N - 1))], clamped; NaN -> nan. */
export function mapPlane(x: Float32Array, out: Uint32Array, table: Uint32Array, lo: number, hi: number, nan: number): void {
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
export function mapRGB(x: Float32Array, n: number, out: Uint32Array, lo: number, hi: number, nan: number): void {
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
