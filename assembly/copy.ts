// Data movement for f32 tensors: strided copy (gather/scatter between two strided views, with
// negative strides for flips), strided fill and plain copy.
//
// ABI: pointers are byte addresses of element [0, ..., 0] of each view, any 4-byte alignment;
// shapes and strides are i32 counts of ELEMENTS. Source and destination regions never overlap
// (except copy_f32, which is memmove-safe).
import { fillRun } from './simd-util';

/**
 * Copies one row of n elements: dst[i*ds] = src[i*ss]. SIMD paths for (ds, ss) = (1, 1),
 * (1, -1) and (1, 0); anything else is a scalar loop. `kind` is fixed per call by the caller.
 */
// @ts-ignore: decorator
@inline function copyRow(kind: i32, d: usize, s: usize, n: i32, ds4: usize, ss4: usize): void {
  if (kind == 0) {
    // (1, 1): contiguous.
    const end = d + (<usize>n << 2);
    const end16 = d + (<usize>(n & ~15) << 2);
    const end4 = d + (<usize>(n & ~3) << 2);
    while (d < end16) {
      const x0 = v128.load(s), x1 = v128.load(s, 16), x2 = v128.load(s, 32), x3 = v128.load(s, 48);
      v128.store(d, x0);
      v128.store(d, x1, 16);
      v128.store(d, x2, 32);
      v128.store(d, x3, 48);
      d += 64; s += 64;
    }
    while (d < end4) {
      v128.store(d, v128.load(s));
      d += 16; s += 16;
    }
    while (d < end) {
      store<f32>(d, load<f32>(s));
      d += 4; s += 4;
    }
  } else if (kind == 1) {
    // (1, -1): dst[i] = src[-i]. Elements src[-i-3 .. -i] are one vector load, lanes reversed.
    const end = d + (<usize>n << 2);
    const end16 = d + (<usize>(n & ~15) << 2);
    const end4 = d + (<usize>(n & ~3) << 2);
    while (d < end16) {
      const x0 = v128.load(s - 12), x1 = v128.load(s - 28), x2 = v128.load(s - 44), x3 = v128.load(s - 60);
      v128.store(d, f32x4.shuffle(x0, x0, 3, 2, 1, 0));
      v128.store(d, f32x4.shuffle(x1, x1, 3, 2, 1, 0), 16);
      v128.store(d, f32x4.shuffle(x2, x2, 3, 2, 1, 0), 32);
      v128.store(d, f32x4.shuffle(x3, x3, 3, 2, 1, 0), 48);
      d += 64; s -= 64;
    }
    while (d < end4) {
      const x = v128.load(s - 12);
      v128.store(d, f32x4.shuffle(x, x, 3, 2, 1, 0));
      d += 16; s -= 16;
    }
    while (d < end) {
      store<f32>(d, load<f32>(s));
      d += 4; s -= 4;
    }
  } else if (kind == 2) {
    // (1, 0): broadcast one value along the row.
    const x = load<f32>(s);
    fillRun(d, n, x, f32x4.splat(x));
  } else {
    for (let i = 0; i < n; i++) {
      store<f32>(d, load<f32>(s));
      d += ds4; s += ss4;
    }
  }
}

/**
 * Walks the rows of a strided [shape] index space (all axes but the last), calling copyRow for
 * each. The offsets advance by the strides of axis ndim-2 and are rebuilt from the row index when
 * that axis wraps, so no per-axis counters or scratch memory are needed. A transpose (SIMD twin:
 * destination rows contiguous, source contiguous along axis ndim-2, both at least 4 long) goes
 * plane by plane to transposePlane instead.
 */
// @ts-ignore: decorator
@inline function copyStrided(simd: bool, dst: usize, src: usize, meta: usize, ndim: i32): void {
  if (ndim < 1) return;
  const last = ndim - 1;
  const shp = meta;
  const dst_ = meta + (<usize>ndim << 2);
  const sst = meta + (<usize>ndim << 3);
  const n = load<i32>(shp + (<usize>last << 2));
  let ds = load<i32>(dst_ + (<usize>last << 2));
  let ss = load<i32>(sst + (<usize>last << 2));
  let rows = 1;
  for (let d = 0; d < last; d++) rows *= load<i32>(shp + (<usize>d << 2));
  if (n <= 0 || rows <= 0) return;

  let kind = 3;
  // Row base adjustment (bytes) applied to every row when the row is walked backwards.
  let dAdj: usize = 0, sAdj: usize = 0;
  if (simd) {
    if (ds == -1) {
      // Walk the row from its last element: dst stride becomes +1, src stride flips sign.
      dAdj = <usize>(-(n - 1)) << 2;
      sAdj = <usize>((n - 1) * ss) << 2;
      ds = 1;
      ss = -ss;
    }
    if (ds == 1) {
      if (ss == 1) kind = 0;
      else if (ss == -1) kind = 1;
      else if (ss == 0) kind = 2;
    }
  }
  const ds4 = <usize>ds << 2, ss4 = <usize>ss << 2;

  let m = rows;
  let rd: usize = 0, rs: usize = 0;
  if (last > 0) {
    m = load<i32>(shp + (<usize>(last - 1) << 2));
    rd = <usize>load<i32>(dst_ + (<usize>(last - 1) << 2)) << 2;
    rs = <usize>load<i32>(sst + (<usize>(last - 1) << 2)) << 2;
  }
  const dBase = dst + dAdj, sBase = src + sAdj;
  if (simd && kind == 3 && ds == 1 && last > 0 && m >= 4 && n >= 4 && rs == 4) {
    // A transpose: rows contiguous in the source. Planes of m rows (one per index of the axes
    // before them) in 4 x 4 blocks.
    for (let o = 0; o < rows / m; o++) {
      transposePlane(dBase + planeOffset(o, last, shp, dst_), sBase + planeOffset(o, last, shp, sst), m, n, rd, ss4);
    }
    return;
  }
  let dp = dBase, sp = sBase;
  let c = 0;
  for (let r = 0; r < rows; r++) {
    if (kind == 0) copyRow(0, dp, sp, n, ds4, ss4);
    else if (kind == 1) copyRow(1, dp, sp, n, ds4, ss4);
    else if (kind == 2) copyRow(2, dp, sp, n, ds4, ss4);
    else copyRow(3, dp, sp, n, ds4, ss4);
    if (++c == m) {
      c = 0;
      const q = (r + 1) / m;
      dp = dBase + planeOffset(q, last, shp, dst_);
      sp = sBase + planeOffset(q, last, shp, sst);
    } else {
      dp += rd; sp += rs;
    }
  }
}

/**
 * The byte offset of plane q (the index over axes 0 .. last-2, row-major) in a view with shape
 * `shp` and element strides `st`.
 */
function planeOffset(q: i32, last: i32, shp: usize, st: usize): usize {
  let at: usize = 0;
  for (let d = last - 2; d >= 0 && q > 0; d--) {
    const s = load<i32>(shp + (<usize>d << 2));
    const i = q % s;
    q /= s;
    at += <usize>(i * load<i32>(st + (<usize>d << 2))) << 2;
  }
  return at;
}

/**
 * dst[r*rd + i*4] = src[r*4 + i*ss4] (byte strides) for r < m, i < n: 4 x 4 blocks of four
 * vector loads (four source rows' elements r .. r+3) and four shuffled stores; the edges copied
 * one element at a time.
 */
function transposePlane(dst: usize, src: usize, m: i32, n: i32, rd: usize, ss4: usize): void {
  const m4 = m & ~3, n4 = n & ~3;
  for (let r = 0; r < m4; r += 4) {
    const d0 = dst + <usize>r * rd, s0 = src + (<usize>r << 2);
    for (let i = 0; i < n4; i += 4) {
      const s = s0 + <usize>i * ss4, d = d0 + (<usize>i << 2);
      const a0 = v128.load(s), a1 = v128.load(s + ss4), a2 = v128.load(s + 2 * ss4), a3 = v128.load(s + 3 * ss4);
      const t0 = f32x4.shuffle(a0, a1, 0, 4, 1, 5), t1 = f32x4.shuffle(a2, a3, 0, 4, 1, 5);
      const t2 = f32x4.shuffle(a0, a1, 2, 6, 3, 7), t3 = f32x4.shuffle(a2, a3, 2, 6, 3, 7);
      v128.store(d, f32x4.shuffle(t0, t1, 0, 1, 4, 5));
      v128.store(d + rd, f32x4.shuffle(t0, t1, 2, 3, 6, 7));
      v128.store(d + 2 * rd, f32x4.shuffle(t2, t3, 0, 1, 4, 5));
      v128.store(d + 3 * rd, f32x4.shuffle(t2, t3, 2, 3, 6, 7));
    }
    for (let i = n4; i < n; i++) {
      for (let k = 0; k < 4; k++) store<f32>(d0 + <usize>k * rd + (<usize>i << 2), load<f32>(s0 + (<usize>k << 2) + <usize>i * ss4));
    }
  }
  for (let r = m4; r < m; r++) {
    const d0 = dst + <usize>r * rd, s0 = src + (<usize>r << 2);
    for (let i = 0; i < n; i++) store<f32>(d0 + (<usize>i << 2), load<f32>(s0 + <usize>i * ss4));
  }
}

/**
 * For every index tuple idx of `shape`: dst[idx·dstStride] = src[idx·srcStride].
 * meta = i32[3*ndim]: shape, dstStride, srcStride (elements, any sign); ndim 1..8.
 * dst and src are the byte addresses of element [0,...,0]; the regions must not overlap.
 */
export function copy_strided_f32_simd(dst: usize, src: usize, meta: usize, ndim: i32): void { copyStrided(true, dst, src, meta, ndim); }
export function copy_strided_f32_scalar(dst: usize, src: usize, meta: usize, ndim: i32): void { copyStrided(false, dst, src, meta, ndim); }

// @ts-ignore: decorator
@inline function fillRow(simd: bool, d: usize, n: i32, ds4: usize, v: f32, vv: v128): void {
  if (simd) {
    fillRun(d, n, v, vv);
  } else {
    for (let i = 0; i < n; i++) {
      store<f32>(d, v);
      d += ds4;
    }
  }
}

// @ts-ignore: decorator
@inline function fillStrided(simd: bool, dst: usize, meta: usize, ndim: i32, v: f32): void {
  if (ndim < 1) return;
  const last = ndim - 1;
  const shp = meta;
  const dst_ = meta + (<usize>ndim << 2);
  const n = load<i32>(shp + (<usize>last << 2));
  let ds = load<i32>(dst_ + (<usize>last << 2));
  let rows = 1;
  for (let d = 0; d < last; d++) rows *= load<i32>(shp + (<usize>d << 2));
  if (n <= 0 || rows <= 0) return;

  let dAdj: usize = 0;
  let contiguous = false;
  if (simd) {
    if (ds == -1) {
      dAdj = <usize>(-(n - 1)) << 2;
      ds = 1;
    }
    contiguous = ds == 1;
  }
  const ds4 = <usize>ds << 2;
  const vv = f32x4.splat(v);

  let m = rows;
  let rd: usize = 0;
  if (last > 0) {
    m = load<i32>(shp + (<usize>(last - 1) << 2));
    rd = <usize>load<i32>(dst_ + (<usize>(last - 1) << 2)) << 2;
  }
  const dBase = dst + dAdj;
  let dp = dBase;
  let c = 0;
  for (let r = 0; r < rows; r++) {
    if (contiguous) fillRow(true, dp, n, ds4, v, vv);
    else fillRow(false, dp, n, ds4, v, vv);
    if (++c == m) {
      c = 0;
      let q = (r + 1) / m;
      dp = dBase;
      for (let d = last - 2; d >= 0 && q > 0; d--) {
        const s = load<i32>(shp + (<usize>d << 2));
        const i = q % s;
        q /= s;
        dp += <usize>(i * load<i32>(dst_ + (<usize>d << 2))) << 2;
      }
    } else {
      dp += rd;
    }
  }
}

/**
 * For every index tuple idx of `shape`: dst[idx·dstStride] = v.
 * meta = i32[2*ndim]: shape, dstStride (elements, any sign); ndim 1..8.
 */
export function fill_strided_f32_simd(dst: usize, meta: usize, ndim: i32, v: f32): void { fillStrided(true, dst, meta, ndim, v); }
export function fill_strided_f32_scalar(dst: usize, meta: usize, ndim: i32, v: f32): void { fillStrided(false, dst, meta, ndim, v); }

/** dst[i] = src[i] for i < n (memory.copy: overlapping ranges are handled like memmove). */
export function copy_f32(dst: usize, src: usize, n: i32): void {
  if (n > 0) memory.copy(dst, src, <usize>n << 2);
}
