// The benchmark's yardsticks, in AssemblyScript (compiled by bench/peak.ts with the repo's asc at
// bench time; the .as extension keeps this file out of the TypeScript project).
//
// madd_chains12(iters, m, c): the WASM SIMD multiply+add peak. Twelve independent f32x4 chains
//   acc = acc * m + c, so a multiply's result is consumed by its add three cycles later while
//   the other chains keep both multiply and both add pipes busy. 12 accumulators + 2 splats
//   + 1 temporary = 15 vector registers, V8's limit for wasm. 96 FLOPs per iteration
//   (12 chains x 4 lanes x (mul + add)). Returns a lane of the sum so nothing is dead code.
// fma_chains12: the same with f32x4.relaxed_madd (compiled only where relaxed SIMD is enabled).
// copy(dst, src, bytes): memory.copy, the bandwidth yardstick. Byte addresses into this module's
//   own exported memory.

export function madd_chains12(iters: i32, m: f32, c: f32): f32 {
  const vm = f32x4.splat(m);
  const vc = f32x4.splat(c);
  let a0 = f32x4.splat(1.0), a1 = f32x4.splat(1.1), a2 = f32x4.splat(1.2), a3 = f32x4.splat(1.3);
  let a4 = f32x4.splat(1.4), a5 = f32x4.splat(1.5), a6 = f32x4.splat(1.6), a7 = f32x4.splat(1.7);
  let a8 = f32x4.splat(1.8), a9 = f32x4.splat(1.9), a10 = f32x4.splat(2.0), a11 = f32x4.splat(2.1);
  for (let i = 0; i < iters; i++) {
    a0 = f32x4.add(f32x4.mul(a0, vm), vc);
    a1 = f32x4.add(f32x4.mul(a1, vm), vc);
    a2 = f32x4.add(f32x4.mul(a2, vm), vc);
    a3 = f32x4.add(f32x4.mul(a3, vm), vc);
    a4 = f32x4.add(f32x4.mul(a4, vm), vc);
    a5 = f32x4.add(f32x4.mul(a5, vm), vc);
    a6 = f32x4.add(f32x4.mul(a6, vm), vc);
    a7 = f32x4.add(f32x4.mul(a7, vm), vc);
    a8 = f32x4.add(f32x4.mul(a8, vm), vc);
    a9 = f32x4.add(f32x4.mul(a9, vm), vc);
    a10 = f32x4.add(f32x4.mul(a10, vm), vc);
    a11 = f32x4.add(f32x4.mul(a11, vm), vc);
  }
  const s = f32x4.add(
    f32x4.add(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)), f32x4.add(f32x4.add(a4, a5), f32x4.add(a6, a7))),
    f32x4.add(f32x4.add(a8, a9), f32x4.add(a10, a11)),
  );
  return f32x4.extract_lane(s, 0);
}

export function copy(dst: usize, src: usize, bytes: usize): void {
  memory.copy(dst, src, bytes);
}
