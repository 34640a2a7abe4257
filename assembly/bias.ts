// Bias add and bias gradient over a row-major [rows x cols] f32 matrix at byte address y / dy,
// any 4-byte alignment, counts in elements.
//
//   bias_add_rows_f32_*(y, bias, rows, cols)              y[r*cols + c] += bias[r]   (NCHW: rows = C, cols = H*W)
//   bias_add_cols_f32_*(y, bias, rows, cols)              y[r*cols + c] += bias[c]   (NHWC: rows = N*H*W, cols = C)
//   bias_grad_rows_f32_*(dy, db, rows, cols, accumulate)  db[r] (=, or +=) Σ_c dy[r*cols + c]
//   bias_grad_cols_f32_*(dy, db, rows, cols, accumulate)  db[c] (=, or +=) Σ_r dy[r*cols + c]
//
// Summation order (fixed, bitwise the same in the _simd and _scalar twins):
//   grad_rows    row sum of n = cols elements: four partial sums p[l] over c ≡ l (mod 4),
//                c < n & ~3, each in increasing c; s = (p[0] + p[1]) + (p[2] + p[3]); then the
//                last n mod 4 elements added in order
//                then db = s, or db = db + s when accumulating
//   grad_cols    s = (accumulating ? db : 0), then rows added in increasing r; db = s. When
//                cols == 1 the single column is summed like one grad_rows row of n = rows elements.
// bias and y, dy and db must not overlap.
import { gather4, hsum, hsum4, zeroRun } from './simd-util';

// ---------------------------------------------------------------------------------------------
// Add

/** n elements at p += v (SIMD body, scalar tail). */
@inline
function addScalarRun(p: usize, n: i32, b: f32): void {
  const v = f32x4.splat(b);
  const e = p + (<usize>n << 2);
  while (p + 16 <= e) {
    v128.store(p, f32x4.add(v128.load(p), v));
    p += 16;
  }
  while (p < e) {
    store<f32>(p, load<f32>(p) + b);
    p += 4;
  }
}

/** y[r*cols + c] += bias[r]. */
export function bias_add_rows_f32_simd(y: usize, bias: usize, rows: i32, cols: i32): void {
  if (cols <= 0) return;
  const rs = <usize>cols << 2;
  for (let r = 0; r < rows; r++) {
    addScalarRun(y + <usize>r * rs, cols, load<f32>(bias + (<usize>r << 2)));
  }
}

/** Scalar twin of bias_add_rows_f32_simd. */
export function bias_add_rows_f32_scalar(y: usize, bias: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    const b = load<f32>(bias + (<usize>r << 2));
    const p = y + <usize>r * (<usize>cols << 2);
    for (let c = 0; c < cols; c++) {
      const q = p + (<usize>c << 2);
      store<f32>(q, load<f32>(q) + b);
    }
  }
}

/** y[r*cols + c] += bias[c]. */
export function bias_add_cols_f32_simd(y: usize, bias: usize, rows: i32, cols: i32): void {
  if (rows <= 0 || cols <= 0) return;
  if (cols == 1) {
    addScalarRun(y, rows, load<f32>(bias));
    return;
  }
  const n4 = <usize>(cols & ~3) << 2, n = <usize>cols << 2;
  let p = y;
  const pe = y + <usize>rows * n;
  while (p < pe) {
    let c: usize = 0;
    for (; c < n4; c += 16) {
      v128.store(p + c, f32x4.add(v128.load(p + c), v128.load(bias + c)));
    }
    for (; c < n; c += 4) {
      store<f32>(p + c, load<f32>(p + c) + load<f32>(bias + c));
    }
    p += n;
  }
}

/** Scalar twin of bias_add_cols_f32_simd. */
export function bias_add_cols_f32_scalar(y: usize, bias: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    const p = y + <usize>r * (<usize>cols << 2);
    for (let c = 0; c < cols; c++) {
      const q = p + (<usize>c << 2);
      store<f32>(q, load<f32>(q) + load<f32>(bias + (<usize>c << 2)));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Gradient

/** Adds the last (n mod 4) elements of a row in order. */
@inline
function rowTail(s: f32, p: usize, from: usize, to: usize): f32 {
  for (let o = from; o < to; o += 4) s += load<f32>(p + o);
  return s;
}

@inline
function storeGrad(q: usize, s: f32, accumulate: i32): void {
  store<f32>(q, accumulate ? load<f32>(q) + s : s);
}

/** Row sums of a [rows x n] matrix in the documented order; four rows per pass for ILP. */
function rowSumsSimd(dy: usize, db: usize, rows: i32, n: i32, accumulate: i32): void {
  const rs = <usize>n << 2, n4 = <usize>(n & ~3) << 2;
  let r = 0;
  for (; r + 4 <= rows; r += 4) {
    const p0 = dy + <usize>r * rs, p1 = p0 + rs, p2 = p1 + rs, p3 = p2 + rs;
    let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
    for (let o: usize = 0; o < n4; o += 16) {
      s0 = f32x4.add(s0, v128.load(p0 + o));
      s1 = f32x4.add(s1, v128.load(p1 + o));
      s2 = f32x4.add(s2, v128.load(p2 + o));
      s3 = f32x4.add(s3, v128.load(p3 + o));
    }
    // The same operations per row as the single-row loop below, four rows a vector.
    const q = db + (<usize>r << 2);
    let h = hsum4(s0, s1, s2, s3);
    for (let o = n4; o < rs; o += 4) h = f32x4.add(h, gather4(p0 + o, rs));
    v128.store(q, accumulate ? f32x4.add(v128.load(q), h) : h);
  }
  for (; r < rows; r++) {
    const p = dy + <usize>r * rs;
    let s = f32x4.splat(0);
    for (let o: usize = 0; o < n4; o += 16) s = f32x4.add(s, v128.load(p + o));
    storeGrad(db + (<usize>r << 2), rowTail(hsum(s), p, n4, rs), accumulate);
  }
}

function rowSumsScalar(dy: usize, db: usize, rows: i32, n: i32, accumulate: i32): void {
  const n4 = n & ~3;
  for (let r = 0; r < rows; r++) {
    const p = dy + <usize>r * (<usize>n << 2);
    let a: f32 = 0, b: f32 = 0, c: f32 = 0, d: f32 = 0;
    for (let i = 0; i < n4; i += 4) {
      const o = <usize>i << 2;
      a += load<f32>(p + o);
      b += load<f32>(p + o, 4);
      c += load<f32>(p + o, 8);
      d += load<f32>(p + o, 12);
    }
    let s = (a + b) + (c + d);
    for (let i = n4; i < n; i++) s += load<f32>(p + (<usize>i << 2));
    storeGrad(db + (<usize>r << 2), s, accumulate);
  }
}

/** db[r] (=, or += when accumulate != 0) Σ_c dy[r*cols + c]. */
export function bias_grad_rows_f32_simd(dy: usize, db: usize, rows: i32, cols: i32, accumulate: i32): void {
  rowSumsSimd(dy, db, rows, cols > 0 ? cols : 0, accumulate);
}

/** Scalar twin of bias_grad_rows_f32_simd (bitwise the same result). */
export function bias_grad_rows_f32_scalar(dy: usize, db: usize, rows: i32, cols: i32, accumulate: i32): void {
  rowSumsScalar(dy, db, rows, cols > 0 ? cols : 0, accumulate);
}

/** Rows of dy per pass of bias_grad_cols, so a pass's rows stay in cache across column blocks. */
const COLS_CHUNK_BYTES: i32 = 32 * 1024;

/** db[c] (=, or += when accumulate != 0) Σ_r dy[r*cols + c]. */
export function bias_grad_cols_f32_simd(dy: usize, db: usize, rows: i32, cols: i32, accumulate: i32): void {
  if (cols <= 0) return;
  const R = rows > 0 ? rows : 0;
  if (cols == 1) {
    rowSumsSimd(dy, db, 1, R, accumulate);
    return;
  }
  // db holds the running sums, so chunks of rows can be visited one after another.
  if (!accumulate) zeroRun(db, cols);
  const rs = <usize>cols << 2;
  const chunk = <usize>max(1, COLS_CHUNK_BYTES / (cols << 2)) * rs;
  const end = dy + <usize>R * rs;
  for (let p0 = dy; p0 < end; p0 += chunk) {
    const pe = end - p0 > chunk ? p0 + chunk : end;
    let c: usize = 0;
    // Sixteen columns per pass, then four, then single columns; rows in increasing order.
    for (; c + 64 <= rs; c += 64) {
      const q = db + c;
      let s0 = v128.load(q), s1 = v128.load(q, 16), s2 = v128.load(q, 32), s3 = v128.load(q, 48);
      for (let p = p0 + c; p < pe; p += rs) {
        s0 = f32x4.add(s0, v128.load(p));
        s1 = f32x4.add(s1, v128.load(p, 16));
        s2 = f32x4.add(s2, v128.load(p, 32));
        s3 = f32x4.add(s3, v128.load(p, 48));
      }
      v128.store(q, s0);
      v128.store(q, s1, 16);
      v128.store(q, s2, 32);
      v128.store(q, s3, 48);
    }
    for (; c + 16 <= rs; c += 16) {
      const q = db + c;
      let s = v128.load(q);
      for (let p = p0 + c; p < pe; p += rs) s = f32x4.add(s, v128.load(p));
      v128.store(q, s);
    }
    for (; c < rs; c += 4) {
      const q = db + c;
      let s = load<f32>(q);
      for (let p = p0 + c; p < pe; p += rs) s += load<f32>(p);
      store<f32>(q, s);
    }
  }
}

/** Scalar twin of bias_grad_cols_f32_simd (bitwise the same result). */
export function bias_grad_cols_f32_scalar(dy: usize, db: usize, rows: i32, cols: i32, accumulate: i32): void {
  if (cols <= 0) return;
  const R = rows > 0 ? rows : 0;
  if (cols == 1) {
    rowSumsScalar(dy, db, 1, R, accumulate);
    return;
  }
  for (let c = 0; c < cols; c++) {
    const q = db + (<usize>c << 2);
    let s: f32 = accumulate ? load<f32>(q) : 0;
    for (let r = 0; r < R; r++) s += load<f32>(dy + ((<usize>r * <usize>cols + <usize>c) << 2));
    store<f32>(q, s);
  }
}
