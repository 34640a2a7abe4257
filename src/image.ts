// Pictures of tensors (`simdconv/image`): colormaps, PNG files and canvas ImageData, both ways.
// A subpath entry of its own so that the core entry keeps zero runtime dependencies: PNG encoding
// and decoding is fast-png's.
//
// Pixel layout everywhere: RGBA, 8 bits per channel, rows top to bottom, row-major, no padding
// (the layout of a canvas ImageData). A tensor's element [i, j] is the pixel in row i, column j.
export { COLORMAPS, type Colormap } from './image/colormap.js';
export type { Normalize, ImageOptions, RGBAImage, FromImageOptions } from './image/options.js';
export { toPNG, toImageData } from './image/write.js';
export { fromPNG, fromImageData } from './image/read.js';
