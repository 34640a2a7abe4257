// Optimizer update kernels: one pass over a parameter and its gradient (and state), in place.
// Byte addresses of f32 arrays of n elements, any 4-byte alignment. Each exists as `_f32_simd`
// (f32x4 body + scalar tail) and `_f32_scalar`; both evaluate the same expression per element in
// the same order, so they agree bitwise. A zero weight decay is skipped, not multiplied (as in
// PyTorch): 0·p would turn an infinite parameter into NaN.

/**
 * SGD with momentum and weight decay, PyTorch's formulation:
 *   d = g + weightDecay·p   (weightDecay ≠ 0)
 *   momentum ≠ 0:  buf = first ? d : momentum·buf + (1 − dampening)·d;  d = nesterov ? d + momentum·buf : buf
 *   p -= lr·d
 * `buf` is read and written only when momentum ≠ 0 (first: buf is initialised to d).
 */
export function sgd_step_f32_simd(p: usize, g: usize, buf: usize, n: i32, lr: f32, momentum: f32, dampening: f32,
  weightDecay: f32, nesterov: i32, first: i32): void {
  const vlr = f32x4.splat(lr), vm = f32x4.splat(momentum), vd = f32x4.splat(1 - dampening), vwd = f32x4.splat(weightDecay);
  const useM = momentum != 0;
  const useWd = weightDecay != 0;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const off = <usize>i << 2;
    const pv = v128.load(p + off);
    let d = v128.load(g + off);
    if (useWd) d = f32x4.add(d, f32x4.mul(vwd, pv));
    if (useM) {
      let b = d;
      if (!first) b = f32x4.add(f32x4.mul(vm, v128.load(buf + off)), f32x4.mul(vd, d));
      v128.store(buf + off, b);
      d = nesterov ? f32x4.add(d, f32x4.mul(vm, b)) : b;
    }
    v128.store(p + off, f32x4.sub(pv, f32x4.mul(vlr, d)));
  }
  sgdTail(p, g, buf, i, n, lr, momentum, dampening, weightDecay, nesterov, first);
}

export function sgd_step_f32_scalar(p: usize, g: usize, buf: usize, n: i32, lr: f32, momentum: f32, dampening: f32,
  weightDecay: f32, nesterov: i32, first: i32): void {
  sgdTail(p, g, buf, 0, n, lr, momentum, dampening, weightDecay, nesterov, first);
}

// @ts-ignore: decorator
@inline function sgdTail(p: usize, g: usize, buf: usize, from: i32, n: i32, lr: f32, momentum: f32, dampening: f32,
  weightDecay: f32, nesterov: i32, first: i32): void {
  const damp: f32 = 1 - dampening;
  for (let i = from; i < n; i++) {
    const off = <usize>i << 2;
    const pv = load<f32>(p + off);
    let d: f32 = load<f32>(g + off);
    if (weightDecay != 0) d = d + weightDecay * pv;
    if (momentum != 0) {
      let b = d;
      if (!first) b = momentum * load<f32>(buf + off) + damp * d;
      store<f32>(buf + off, b);
      d = nesterov ? d + momentum * b : b;
    }
    store<f32>(p + off, pv - lr * d);
  }
}

/**
 * Adam / AdamW, PyTorch's formulation, for step t (the caller passes the bias corrections):
 *   weightDecay ≠ 0:  decoupled (AdamW): p -= lr·weightDecay·p        else: g += weightDecay·p
 *   m = β1·m + (1 − β1)·g;   v = β2·v + (1 − β2)·g²
 *   p -= (lr / bc1) · m / (√v / sqrtBc2 + eps)      with bc1 = 1 − β1^t, sqrtBc2 = √(1 − β2^t)
 */
export function adam_step_f32_simd(p: usize, g: usize, m: usize, v: usize, n: i32, lr: f32, beta1: f32, beta2: f32,
  eps: f32, weightDecay: f32, decoupled: i32, bc1: f32, sqrtBc2: f32): void {
  const vb1 = f32x4.splat(beta1), vb1c = f32x4.splat(1 - beta1), vb2 = f32x4.splat(beta2), vb2c = f32x4.splat(1 - beta2);
  const veps = f32x4.splat(eps), vwd = f32x4.splat(weightDecay), vdecay = f32x4.splat(lr * weightDecay);
  const vstep = f32x4.splat(lr / bc1), vsb = f32x4.splat(sqrtBc2);
  const useWd = weightDecay != 0;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const off = <usize>i << 2;
    let pv = v128.load(p + off);
    let gv = v128.load(g + off);
    if (useWd) {
      if (decoupled) pv = f32x4.sub(pv, f32x4.mul(vdecay, pv));
      else gv = f32x4.add(gv, f32x4.mul(vwd, pv));
    }
    const mv = f32x4.add(f32x4.mul(vb1, v128.load(m + off)), f32x4.mul(vb1c, gv));
    const vv = f32x4.add(f32x4.mul(vb2, v128.load(v + off)), f32x4.mul(vb2c, f32x4.mul(gv, gv)));
    v128.store(m + off, mv);
    v128.store(v + off, vv);
    const denom = f32x4.add(f32x4.div(f32x4.sqrt(vv), vsb), veps);
    v128.store(p + off, f32x4.sub(pv, f32x4.mul(vstep, f32x4.div(mv, denom))));
  }
  adamTail(p, g, m, v, i, n, lr, beta1, beta2, eps, weightDecay, decoupled, bc1, sqrtBc2);
}

export function adam_step_f32_scalar(p: usize, g: usize, m: usize, v: usize, n: i32, lr: f32, beta1: f32, beta2: f32,
  eps: f32, weightDecay: f32, decoupled: i32, bc1: f32, sqrtBc2: f32): void {
  adamTail(p, g, m, v, 0, n, lr, beta1, beta2, eps, weightDecay, decoupled, bc1, sqrtBc2);
}

// @ts-ignore: decorator
@inline function adamTail(p: usize, g: usize, m: usize, v: usize, from: i32, n: i32, lr: f32, beta1: f32, beta2: f32,
  eps: f32, weightDecay: f32, decoupled: i32, bc1: f32, sqrtBc2: f32): void {
  const b1c: f32 = 1 - beta1, b2c: f32 = 1 - beta2, decay: f32 = lr * weightDecay, step: f32 = lr / bc1;
  for (let i = from; i < n; i++) {
    const off = <usize>i << 2;
    let pv = load<f32>(p + off);
    let gv = load<f32>(g + off);
    if (weightDecay != 0) {
      if (decoupled) pv = pv - decay * pv;
      else gv = gv + weightDecay * pv;
    }
    const mv = beta1 * load<f32>(m + off) + b1c * gv;
    const vv = beta2 * load<f32>(v + off) + b2c * (gv * gv);
    store<f32>(m + off, mv);
    store<f32>(v + off, vv);
    const denom = Mathf.sqrt(vv) / sqrtBc2 + eps;
    store<f32>(p + off, pv - step * (mv / denom));
  }
}
