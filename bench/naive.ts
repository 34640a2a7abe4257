// Plain-JavaScript baselines for the benchmark: the loops a programmer writes first, over
// Float32Arrays, accumulating in a JS number. 'valid' padding, stride 1, dilation 1, groups 1.
// Layouts: x NCHW [N, C, H, W], w OIHW [Cout, C, kh, kw], y NCHW [N, Cout, H-kh+1, W-kw+1].
// Each function writes into `out` (fully overwritten) and returns it.

/** The textbook single-channel loop: Y[i][j] = sum_{a,b} X[i+a][j+b] * K[a][b]. */
export function naiveCorr2d(X: Float32Array, H: number, W: number, K: Float32Array, kh: number, kw: number, out: Float32Array): Float32Array {
  const Ho = H - kh + 1;
  const Wo = W - kw + 1;
  for (let i = 0; i < Ho; i++) {
    for (let j = 0; j < Wo; j++) {
      let sum = 0;
      for (let a = 0; a < kh; a++) {
        for (let b = 0; b < kw; b++) {
          sum += X[(i + a) * W + j + b]! * K[a * kw + b]!;
        }
      }
      out[i * Wo + j] = sum;
    }
  }
  return out;
}

/** Multi-channel forward: y[n,o,i,j] = sum_{c,a,b} x[n,c,i+a,j+b] * w[o,c,a,b]. */
export function naiveConv2dNCHW(
  x: Float32Array, w: Float32Array, out: Float32Array,
  N: number, C: number, H: number, W: number, Cout: number, kh: number, kw: number,
): Float32Array {
  const Ho = H - kh + 1;
  const Wo = W - kw + 1;
  for (let n = 0; n < N; n++) {
    for (let o = 0; o < Cout; o++) {
      for (let i = 0; i < Ho; i++) {
        for (let j = 0; j < Wo; j++) {
          let sum = 0;
          for (let c = 0; c < C; c++) {
            for (let a = 0; a < kh; a++) {
              const xRow = ((n * C + c) * H + i + a) * W + j;
              const wRow = ((o * C + c) * kh + a) * kw;
              for (let b = 0; b < kw; b++) sum += x[xRow + b]! * w[wRow + b]!;
            }
          }
          out[((n * Cout + o) * Ho + i) * Wo + j] = sum;
        }
      }
    }
  }
  return out;
}

/** Input gradient by scattering: dx[n,c,i+a,j+b] += dy[n,o,i,j] * w[o,c,a,b]. */
export function naiveConv2dGradInputNCHW(
  dy: Float32Array, w: Float32Array, out: Float32Array,
  N: number, C: number, H: number, W: number, Cout: number, kh: number, kw: number,
): Float32Array {
  const Ho = H - kh + 1;
  const Wo = W - kw + 1;
  out.fill(0);
  for (let n = 0; n < N; n++) {
    for (let o = 0; o < Cout; o++) {
      for (let i = 0; i < Ho; i++) {
        for (let j = 0; j < Wo; j++) {
          const g = dy[((n * Cout + o) * Ho + i) * Wo + j]!;
          for (let c = 0; c < C; c++) {
            for (let a = 0; a < kh; a++) {
              const xRow = ((n * C + c) * H + i + a) * W + j;
              const wRow = ((o * C + c) * kh + a) * kw;
              for (let b = 0; b < kw; b++) out[xRow + b] += g * w[wRow + b]!;
            }
          }
        }
      }
    }
  }
  return out;
}

/** Weight gradient: dw[o,c,a,b] = sum_{n,i,j} dy[n,o,i,j] * x[n,c,i+a,j+b]. */
export function naiveConv2dGradWeightNCHW(
  x: Float32Array, dy: Float32Array, out: Float32Array,
  N: number, C: number, H: number, W: number, Cout: number, kh: number, kw: number,
): Float32Array {
  const Ho = H - kh + 1;
  const Wo = W - kw + 1;
  for (let o = 0; o < Cout; o++) {
    for (let c = 0; c < C; c++) {
      for (let a = 0; a < kh; a++) {
        for (let b = 0; b < kw; b++) {
          let sum = 0;
          for (let n = 0; n < N; n++) {
            for (let i = 0; i < Ho; i++) {
              const yRow = ((n * Cout + o) * Ho + i) * Wo;
              const xRow = ((n * C + c) * H + i + a) * W + b;
              for (let j = 0; j < Wo; j++) sum += dy[yRow + j]! * x[xRow + j]!;
            }
          }
          out[((o * C + c) * kh + a) * kw + b] = sum;
        }
      }
    }
  }
  return out;
}

/** The state a training step leaves: its loss, dX, and the updated w and b. */
export interface StepState {
  /** mean((y - t)²) before the update */
  loss: number;
  /** [N, C, H, W] */
  dx: Float32Array;
  /** [Cout, C, kh, kw] after the update */
  w: Float32Array;
  /** [Cout] after the update */
  b: Float32Array;
}

/**
 * The training step by hand (see shapes.ts Dir): y = conv(x, w) + b, loss = mean((y - t)²),
 * dy = 2(y - t)/|y|, dX, dW, db = sum of dy per channel, w -= lr·dW, b -= lr·db. Keeps its w and
 * b (copies of w0 and b0) across calls; `state()` copies them out.
 */
export function naiveTrainer(
  x: Float32Array, t: Float32Array, w0: Float32Array, b0: Float32Array, lr: number,
  N: number, C: number, H: number, W: number, Cout: number, kh: number, kw: number,
): { step(): number; state(): StepState } {
  const w = Float32Array.from(w0);
  const b = Float32Array.from(b0);
  const y = new Float32Array(t.length);
  const dx = new Float32Array(x.length);
  const dw = new Float32Array(w.length);
  const db = new Float32Array(b.length);
  const plane = (H - kh + 1) * (W - kw + 1);
  let loss = NaN;
  return {
    step() {
      naiveConv2dNCHW(x, w, y, N, C, H, W, Cout, kh, kw);
      let sum = 0;
      db.fill(0);
      for (let q = 0; q < y.length; q++) {
        const o = Math.floor(q / plane) % Cout;
        const r = y[q]! + b[o]! - t[q]!;
        sum += r * r;
        y[q] = (2 * r) / y.length; // y now holds dy
        db[o] += y[q]!;
      }
      loss = sum / y.length;
      naiveConv2dGradInputNCHW(y, w, dx, N, C, H, W, Cout, kh, kw);
      naiveConv2dGradWeightNCHW(x, y, dw, N, C, H, W, Cout, kh, kw);
      for (let q = 0; q < w.length; q++) w[q] -= lr * dw[q]!;
      for (let o = 0; o < b.length; o++) b[o] -= lr * db[o]!;
      return loss;
    },
    state: () => ({ loss, dx: Float32Array.from(dx), w: Float32Array.from(w), b: Float32Array.from(b) }),
  };
}
