// fma_chains12(iters, m, c): bench/wasm/peak.as's madd_chains12 with f32x4.relaxed_madd (a fused
// multiply-add in V8 on x86 with FMA3): twelve f32x4 chains acc = fma(acc, m, c), 96 FLOPs per
// iteration. Compiled and run by bench/peak.ts only where the runtime validates relaxed SIMD.
export function fma_chains12(iters: i32, m: f32, c: f32): f32 {
  const vm = f32x4.splat(m);
  const vc = f32x4.splat(c);
  let a0 = f32x4.splat(1.0), a1 = f32x4.splat(1.1), a2 = f32x4.splat(1.2), a3 = f32x4.splat(1.3);
  let a4 = f32x4.splat(1.4), a5 = f32x4.splat(1.5), a6 = f32x4.splat(1.6), a7 = f32x4.splat(1.7);
  let a8 = f32x4.splat(1.8), a9 = f32x4.splat(1.9), a10 = f32x4.splat(2.0), a11 = f32x4.splat(2.1);
  for (let i = 0; i < iters; i++) {
    a0 = f32x4.relaxed_madd(a0, vm, vc);
    a1 = f32x4.relaxed_madd(a1, vm, vc);
    a2 = f32x4.relaxed_madd(a2, vm, vc);
    a3 = f32x4.relaxed_madd(a3, vm, vc);
    a4 = f32x4.relaxed_madd(a4, vm, vc);
    a5 = f32x4.relaxed_madd(a5, vm, vc);
    a6 = f32x4.relaxed_madd(a6, vm, vc);
    a7 = f32x4.relaxed_madd(a7, vm, vc);
    a8 = f32x4.relaxed_madd(a8, vm, vc);
    a9 = f32x4.relaxed_madd(a9, vm, vc);
    a10 = f32x4.relaxed_madd(a10, vm, vc);
    a11 = f32x4.relaxed_madd(a11, vm, vc);
  }
  const s = f32x4.add(
    f32x4.add(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)), f32x4.add(f32x4.add(a4, a5), f32x4.add(a6, a7))),
    f32x4.add(f32x4.add(a8, a9), f32x4.add(a10, a11)),
  );
  return f32x4.extract_lane(s, 0);
}
