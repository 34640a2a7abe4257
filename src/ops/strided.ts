// Strided copies and fills: the one way data is rearranged (transpose, flip, slice, broadcast).
// Axes are merged where both sides are contiguous across them, so the kernel's innermost run is
// as long as possible.
import { kernels } from '../wasm/kernels.js';
import { writeMeta } from '../wasm/runtime.js';

/** Merges axes of `shape` that are contiguous in every stride list; drops axes of length 1. */
export function collapse(shape: readonly number[], ...strides: (readonly number[])[]): [number[], number[][]] {
  const dims: number[] = [];
  const out: number[][] = strides.map(() => []);
  for (let i = shape.length - 1; i >= 0; i--) {
    const d = shape[i]!;
    if (d === 1) continue;
    const k = dims.length - 1;
    if (k >= 0 && strides.every((s, j) => s[i] === out[j]![k]! * dims[k]!)) {
      dims[k]! *= d;
    } else {
      dims.push(d);
      strides.forEach((s, j) => out[j]!.push(s[i]!));
    }
  }
  if (dims.length === 0) {
    dims.push(1);
    out.forEach((o) => o.push(1));
  }
  dims.reverse();
  out.forEach((o) => o.reverse());
  return [dims, out];
}

/**
 * dst[idx·dstStrides] = src[idx·srcStrides] for every index of `shape`. `dst`/`src` are the byte
 * addresses of element [0, ..., 0]; strides are in elements and may be 0 (broadcast) or negative.
 */
export function copyStrided(op: string, dst: number, src: number, shape: readonly number[],
  dstStrides: readonly number[], srcStrides: readonly number[]): void {
  for (const d of shape) if (d === 0) return;
  const [dims, [sd, ss]] = collapse(shape, dstStrides, srcStrides);
  const meta = writeMeta(op, dims, sd!, ss!);
  kernels.copy_strided(dst, src, meta, dims.length);
}

/** dst[idx·dstStrides] = v for every index of `shape`. */
export function fillStrided(op: string, dst: number, shape: readonly number[], dstStrides: readonly number[], v: number): void {
  for (const d of shape) if (d === 0) return;
  const [dims, [sd]] = collapse(shape, dstStrides);
  const meta = writeMeta(op, dims, sd!);
  kernels.fill_strided(dst, meta, dims.length, v);
}

/** Strides to read a tensor of `from` shape broadcast to `to` (0 on broadcast axes). */
export function broadcastStrides(from: readonly number[], to: readonly number[]): number[] {
  const s = new Array<number>(to.length).fill(0);
  let acc = 1;
  for (let i = from.length - 1, j = to.length - 1; i >= 0; i--, j--) {
    s[j] = from[i] === 1 ? 0 : acc;
    acc *= from[i]!;
  }
  return s;
}
