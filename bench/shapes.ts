// The benchmark shape table (DESIGN.md "Performance targets"), shared by bench/ and test/.
// Every shape is a 'valid', stride-1, dilation-1, groups-1 conv2d: x [N, C, H, W] (NCHW),
// w [Cout, C, kh, kw] (OIHW), y [N, Cout, Ho, Wo] with Ho = H - kh + 1, Wo = W - kw + 1.

export interface BenchShape {
  /** Short id used on the command line (`--shapes=a,c3`). */
  id: string;
  N: number;
  C: number;
  H: number;
  W: number;
  Cout: number;
  kh: number;
  kw: number;
  note?: string;
  /** Few FLOPs per byte moved: the tables print its GB/s next to its GFLOP/s. */
  memoryBound?: boolean;
}

export const SHAPES: readonly BenchShape[] = [
  { id: 'a', N: 1, C: 1, H: 6, W: 8, Cout: 1, kh: 1, kw: 2, note: 'the lesson: 6x8 edge image, kernel [[1, -1]]', memoryBound: true },
  { id: 'b', N: 1, C: 1, H: 256, W: 256, Cout: 1, kh: 3, kw: 3 },
  { id: 'c3', N: 1, C: 1, H: 1024, W: 1024, Cout: 1, kh: 3, kw: 3 },
  { id: 'c5', N: 1, C: 1, H: 1024, W: 1024, Cout: 1, kh: 5, kw: 5 },
  { id: 'd', N: 1, C: 1, H: 1024, W: 1024, Cout: 1, kh: 1, kw: 2, note: '1xk: 4 FLOPs per 8 bytes moved', memoryBound: true },
  { id: 'e', N: 8, C: 3, H: 224, W: 224, Cout: 16, kh: 3, kw: 3, note: 'first layer of a small CNN' },
  { id: 'f', N: 1, C: 64, H: 56, W: 56, Cout: 64, kh: 3, kw: 3, note: 'ResNet-style 3x3 layer' },
  { id: 'g', N: 16, C: 32, H: 32, W: 32, Cout: 32, kh: 3, kw: 3 },
];

export interface ShapeDims extends BenchShape {
  Ho: number;
  Wo: number;
  xShape: [number, number, number, number];
  wShape: [number, number, number, number];
  yShape: [number, number, number, number];
  /** 2·N·Cout·Ho·Wo·C·kh·kw: multiply-adds of the forward pass, counted twice. dX and dW are counted the same. */
  flops: number;
}

export function dims(s: BenchShape): ShapeDims {
  const Ho = s.H - s.kh + 1;
  const Wo = s.W - s.kw + 1;
  return {
    ...s,
    Ho,
    Wo,
    xShape: [s.N, s.C, s.H, s.W],
    wShape: [s.Cout, s.C, s.kh, s.kw],
    yShape: [s.N, s.Cout, Ho, Wo],
    flops: 2 * s.N * s.Cout * Ho * Wo * s.C * s.kh * s.kw,
  };
}

/**
 * What the benchmark times per shape: the forward pass, the input gradient (dX), the filter
 * gradient (dW), and a whole SGD training step (forward with bias, mean squared error against a
 * target, dy, dX, dW, db, w -= lr·dW, b -= lr·db).
 */
export type Dir = 'fwd' | 'dx' | 'dw' | 'step';
export const DIRS: readonly Dir[] = ['fwd', 'dx', 'dw', 'step'];

/** FLOPs counted per call: the forward's for fwd, dX and dW; forward + dX + dW (3x) for a step. */
export function flopsOf(d: ShapeDims, dir: Dir): number {
  return dir === 'step' ? 3 * d.flops : d.flops;
}

/**
 * Bytes a call must read and write at the least (float32): fwd x + w + y; dX dy + w + dx;
 * dW x + dy + dw; step x + t (read) + dx (written) + w and b (read and written), its y and dy
 * being intermediates a fused step need not store.
 */
export function bytesOf(d: ShapeDims, dir: Dir): number {
  const x = d.N * d.C * d.H * d.W;
  const w = d.Cout * d.C * d.kh * d.kw;
  const y = d.N * d.Cout * d.Ho * d.Wo;
  const elems = { fwd: x + w + y, dx: y + w + x, dw: x + y + w, step: x + y + x + 2 * w + 2 * d.Cout }[dir];
  return 4 * elems;
}

/** "N,C,H,W ; Cout,kh,kw" */
export const shapeLabel = (s: BenchShape): string => `${s.N},${s.C},${s.H},${s.W} ; ${s.Cout},${s.kh},${s.kw}`;

/** Selects shapes by id (unknown ids throw, listing the known ones). */
export function selectShapes(ids?: readonly string[]): BenchShape[] {
  if (!ids || ids.length === 0) return [...SHAPES];
  return ids.map((id) => {
    const s = SHAPES.find((t) => t.id === id);
    if (!s) throw new Error(`unknown shape '${id}'; known: ${SHAPES.map((t) => t.id).join(', ')}`);
    return s;
  });
}

/**
 * Deterministic uniform values in [-1, 1]: element i is a 32-bit integer hash of (seed, i)
 * (two xor-shift-multiply rounds), so any element can be produced alone and in any language.
 */
export function uniform(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  const s = Math.imul(seed | 0, 0x9e3779b1);
  for (let i = 0; i < n; i++) {
    let h = (s ^ Math.imul(i, 0x85ebca6b)) >>> 0;
    h ^= h >>> 16;
    h = Math.imul(h, 0x7feb352d);
    h ^= h >>> 15;
    h = Math.imul(h, 0x846ca68b);
    h ^= h >>> 16;
    out[i] = (h >>> 0) / 2147483648 - 1;
  }
  return out;
}

export interface ShapeData {
  /** [N, C, H, W] */
  x: Float32Array;
  /** [Cout, C, kh, kw] */
  w: Float32Array;
  /** [N, Cout, Ho, Wo], the upstream gradient for dX / dW */
  dy: Float32Array;
  /** The training step's initial weights [Cout, C, kh, kw], bias [Cout] and target [N, Cout, Ho, Wo]. */
  step: { w0: Float32Array; b0: Float32Array; t: Float32Array };
}

/**
 * The training step's learning rate. With x uniform in [-1, 1] the mean squared error's Hessian
 * has eigenvalues near 2/3 (weights) and 2 (bias) on every shape, so 0.05 is stable and moves w
 * by a few percent per step, enough for the step check to see dW in the update.
 */
export const STEP_LR = 0.05;

/**
 * Inputs of one shape. Shape 'a' is the lesson's image (6x8 ones, columns 2..5 zero) and
 * kernel [[1, -1]], its step's target the lesson's edge map (the image correlated with [[1, -1]])
 * and its step's initial weights uniform; the others are uniform values seeded by the shape's
 * position in SHAPES.
 */
export function makeData(s: BenchShape): ShapeData {
  const d = dims(s);
  const seed = 7919 * (SHAPES.findIndex((t) => t.id === s.id) + 1);
  const nX = s.N * s.C * s.H * s.W;
  let x: Float32Array;
  let w: Float32Array;
  if (s.id === 'a') {
    x = new Float32Array(nX);
    for (let i = 0; i < s.H; i++) for (let j = 0; j < s.W; j++) x[i * s.W + j] = j >= 2 && j < 6 ? 0 : 1;
    w = Float32Array.of(1, -1);
  } else {
    x = uniform(nX, seed + 1);
    w = uniform(s.Cout * s.C * s.kh * s.kw, seed + 2);
  }
  const nY = s.N * s.Cout * d.Ho * d.Wo;
  const dy = uniform(nY, seed + 3);
  const b0 = uniform(s.Cout, seed + 4);
  if (s.id === 'a') {
    const t = new Float32Array(nY);
    for (let i = 0; i < d.Ho; i++) for (let j = 0; j < d.Wo; j++) t[i * d.Wo + j] = x[i * s.W + j]! - x[i * s.W + j + 1]!;
    return { x, w, dy, step: { w0: uniform(w.length, seed + 5), b0, t } };
  }
  return { x, w, dy, step: { w0: w, b0, t: uniform(nY, seed + 5) } };
}
